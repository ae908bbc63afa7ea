"""One loader for scenarios and plans, YAML or JSON, with safe parsing.

Every problem is reported with the file and the field path; nothing is
half-loaded: either a valid, cross-checked model comes back or ``InputError``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from models.checks import cross_check
from models.errors import InputError, Problem, problems_from_validation_error
from models.plan import Plan
from models.scenario import Scenario

MAX_FILE_BYTES = 10 * 1024 * 1024


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses a key given twice in one mapping."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *defaults` merges keys that explicit ones may override
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "a key must be a plain value, not a list or mapping",
                key_node.start_mark,
            ) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_text(text: str, source: str) -> Any:
    """Parse YAML or JSON text (JSON is YAML) safely; syntax errors become ``InputError``."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "syntax error"
        raise InputError(source, [Problem(where, f"not valid YAML/JSON: {what}")]) from None
    except yaml.YAMLError as exc:
        raise InputError(source, [Problem("", f"not valid YAML/JSON: {exc}")]) from None


def read_file(path: str | Path) -> Any:
    """Read and parse a YAML or JSON file, with a size cap."""
    p = Path(path)
    source = str(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(source, [Problem("", f"cannot read file: {exc.strerror}")]) from None
    if size > MAX_FILE_BYTES:
        raise InputError(source, [Problem("", f"file is larger than {MAX_FILE_BYTES} bytes")])
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(source, [Problem("", f"cannot read file: {exc}")]) from None
    return parse_text(text, source)


def scenario_from_data(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate parsed data as a scenario: field checks, then cross-reference checks."""
    if not isinstance(data, dict):
        raise InputError(source, [Problem("", "a scenario must be a mapping at the top level")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, problems_from_validation_error(exc)) from None
    problems = cross_check(scenario)
    if problems:
        raise InputError(source, problems)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file (YAML or JSON) and check it completely."""
    return scenario_from_data(read_file(path), str(path))


def plan_from_data(data: Any, source: str = "<plan>") -> Plan:
    """Validate parsed data as a plan (structure only; rules are the validator's job)."""
    if not isinstance(data, dict):
        raise InputError(source, [Problem("", "a plan must be a mapping at the top level")])
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, problems_from_validation_error(exc)) from None


def load_plan(path: str | Path) -> Plan:
    """Load a plan JSON file."""
    return plan_from_data(read_file(path), str(path))


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data in the file format (aliases; defaults left out).

    Leaving defaults out keeps the output loadable (a ``fraction`` would be refused
    next to ``phase``) and makes equal meanings give equal data (for the hash).
    """
    return scenario.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)


def scenario_hash(scenario: Scenario) -> str:
    """A stable hash of the scenario's content (canonical JSON of the model), for manifests."""
    canon = json.dumps(scenario_to_data(scenario), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


def scenario_to_yaml(scenario: Scenario) -> str:
    """The scenario as YAML text in the file format."""
    return yaml.safe_dump(scenario_to_data(scenario), sort_keys=False, allow_unicode=True)
