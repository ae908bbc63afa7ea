"""What-if variants: a base scenario plus overrides by dotted path.

An override is ``PATH=VALUE``, for example ``rounds.min_gap_hours=48`` or
``ratios[soldier-50].per_captive=30``. The grammar (see ``docs/whatif.md``):

- ``PATH`` is dot-separated segments; a segment is a field name as written in
  scenario files (``from``, not ``from_``), optionally followed by ``[KEY]``.
- ``KEY`` is a whole number (an index from 0) or, in a list of cohorts, sites,
  facilities or phases, an ``id``; in ratios and packages a ``name``; in routes
  ``FACILITY->DESTINATION``. A key made only of digits (0-9) is always an index
  (:func:`element_key` says what reaches an element by its id).
- Inside a selector (``ratios[x].captives``, ``priority.tiers[0]``...) a segment
  names a selector attribute (``status``, ``category``...).
- ``VALUE`` is YAML: ``48``, ``soft``, ``[6, 20]``, ``{count: 3, seats: 50}``,
  ``null`` (a mapping that gives a key twice is refused). ``null`` removes the
  field (its default applies, an optional section disappears) or, on a list
  element, removes that element; inside a section the scenario does not have it
  changes nothing.

A path must exist in the scenario model: unknown fields, unknown keys and
indexes out of range are refused with a one-line :class:`~models.errors.InputError`.
A field the scenario leaves at its default may be set; a path into it starts from
the default (``rounds.detainee_lag_hours[1]=8`` on the default ``[0, 0]``). The
edited scenario goes through the same validation and cross-checks as a loaded file.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from models.errors import InputError, Problem
from models.loader import _UniqueKeyLoader, read_file, scenario_from_data, scenario_to_data
from models.scenario import SELECTOR_ATTRIBUTES, Scenario

Override = tuple[str, Any]

VARIANT_FILE_SUFFIXES = (".yaml", ".yml", ".json")
BASE_NAME = "base"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INDEX = re.compile(r"[0-9]+")  # ASCII digits only: an id such as "٣" is an id
# A string value shown with these characters is quoted, so that the text splits and
# reads back as written (``;`` separates overrides, brackets and quotes nest).
_QUOTE_CHARS = frozenset(";,[]{}'\"")


@dataclass(frozen=True)
class Variant:
    """A named what-if: the overrides applied, in order, to the base scenario."""

    name: str
    overrides: tuple[Override, ...]


# --------------------------------------------------------------------------- text


def _error(text: str, message: str) -> InputError:
    """A one-line error naming the override as the user wrote it."""
    return InputError(f"variant '{text}'", [Problem("", message)])


def value_text(value: Any) -> str:
    """A value as it would be written after ``=`` (flow YAML on one line)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        try:
            plain = yaml.safe_load(value) == value
        except yaml.YAMLError:
            plain = False
        # Quote strings that would read back as something else ("48", "null") or
        # split differently ("a;b" would be two overrides).
        plain = plain and value.strip() == value and value != ""
        return value if plain and not _QUOTE_CHARS & set(value) else _quoted(value)
    # Floats too: str(1e-05) is "1e-05", which YAML reads as a string; this is "1.0e-05".
    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, sort_keys=False)
    return text.strip().removesuffix("...").strip()


def _quoted(value: str) -> str:
    return yaml.safe_dump(value, default_style="'", width=10**9).strip().removesuffix("...").strip()


def describe(overrides: Sequence[Override | str]) -> str:
    """A label for a list of overrides: ``rounds.min_gap_hours=48; vehicles.count=30``.

    Parameters
    ----------
    overrides
        ``(path, value)`` pairs or ``PATH=VALUE`` texts.

    Returns
    -------
    str
        The overrides joined by ``"; "``; :func:`variant_from_text` reads it back.
    """
    parts = []
    for o in overrides:
        parts.append(o.strip() if isinstance(o, str) else f"{o[0]}={value_text(o[1])}")
    return "; ".join(parts)


def split_top_level(text: str, sep: str) -> list[str]:
    """Split YAML values ``text`` on ``sep`` outside flow collections and quotes.

    ``"[6,20],[6,22]"`` split on ``","`` gives ``["[6,20]", "[6,22]"]``. As in YAML,
    a quote or bracket opens only where a value starts (``it's`` and ``a[b`` are
    plain text), and ``''`` inside single quotes and ``\\"`` inside double quotes
    do not close them.
    """
    return _split(text, sep, paths=False)


def _split(text: str, sep: str, *, paths: bool) -> list[str]:
    """Split on ``sep`` at the top level; with ``paths``, each part is ``PATH=VALUE``.

    A path's ``[KEY]`` runs to the next ``]`` (as :func:`_parse_path` reads it), so a
    key may hold ``;``, ``=`` or quotes; the value after the first ``=`` outside
    keys is scanned as YAML (see :func:`split_top_level`).
    """
    parts: list[str] = []
    start, i, n = 0, 0, len(text)
    in_path = paths
    depth, last = 0, ""  # flow nesting; last non-blank character of the value so far
    while i < n:
        ch = text[i]
        if in_path:
            if ch == "[":
                close = text.find("]", i + 1)
                if close >= 0:
                    i = close + 1
                    continue
            elif ch == "=":
                in_path, depth, last = False, 0, ""
            elif ch == sep:
                parts.append(text[start:i])
                start = i + 1
            i += 1
            continue
        # Where a YAML value starts: at the start, after [ { , or after ': ' (after ':'
        # alone inside a flow mapping, as in JSON).
        at_start = (
            last == "" or last in "[{," or (last == ":" and (depth > 0 or text[i - 1].isspace()))
        )
        if ch in "'\"" and at_start:
            i = _end_of_quote(text, i)
            last = ch
            continue
        if ch in "[{" and (at_start or depth):
            depth += 1
        elif ch in "]}" and depth:
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
            in_path, last = paths, ""
            i += 1
            continue
        if not ch.isspace():
            last = ch
        i += 1
    parts.append(text[start:])
    return parts


def _end_of_quote(text: str, i: int) -> int:
    """Index just past the quoted scalar opening at ``text[i]`` (or the end of text)."""
    quote, j = text[i], i + 1
    while j < len(text):
        ch = text[j]
        if quote == '"' and ch == "\\":
            j += 2
            continue
        if ch == quote:
            if quote == "'" and text[j + 1 : j + 2] == "'":
                j += 2  # '' is a quote inside single quotes
                continue
            return j + 1
        j += 1
    return len(text)


def _split_assignment(text: str) -> tuple[str, str] | None:
    """``PATH=VALUE`` -> (PATH, VALUE), splitting at the first ``=`` outside ``[KEY]``."""
    i = 0
    while i < len(text):
        if text[i] == "[":
            close = text.find("]", i + 1)
            if close < 0:
                break
            i = close + 1
            continue
        if text[i] == "=":
            return text[:i], text[i + 1 :]
        i += 1
    # An unclosed '[' hides every '='; split at the first one so the path is
    # reported with what is wrong with it.
    i = text.find("=")
    return None if i < 0 else (text[:i], text[i + 1 :])


def _parse_value(text: str, raw: str) -> Any:
    if not raw.strip():
        raise _error(text, "no value after '=' (write null to remove a field)")
    try:
        # The loader of scenario files: a key given twice is refused, not overwritten.
        return yaml.load(raw, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        what = getattr(exc, "problem", None) or "syntax error"
        raise _error(text, f"value '{raw.strip()}' is not valid YAML: {what}") from None


def parse_override(text: str) -> Override:
    """Parse ``PATH=VALUE`` into ``(PATH, value)``; the value is read as YAML.

    Parameters
    ----------
    text
        For example ``rounds.min_gap_hours=48`` or ``vehicles={count: 3, seats: 50}``.

    Returns
    -------
    tuple of (str, Any)
        The path (whitespace stripped, syntax checked) and the parsed value.

    Raises
    ------
    InputError
        One line naming the override: no ``=``, an empty path, a path that is not
        valid syntax, or a value that is empty or not valid YAML.
    """
    text = text.strip()
    split = _split_assignment(text)
    if split is None:
        raise _error(text, "expected PATH=VALUE, e.g. rounds.min_gap_hours=48")
    path = split[0].strip()
    if not path:
        raise _error(text, "empty path before '='")
    _parse_path(path, text)
    return path, _parse_value(text, split[1])


def parse_axis(text: str) -> tuple[str, list[Any]]:
    """Parse a sweep axis ``PATH=V1,V2,...`` (commas inside brackets do not split).

    Parameters
    ----------
    text
        For example ``rounds.min_gap_hours=12,24,48`` or ``rounds.open_hours=[6,20],[6,22]``.

    Returns
    -------
    tuple of (str, list)
        The path and its values, each read as YAML.

    Raises
    ------
    InputError
        One line naming the text: no ``=``, empty path, an empty or invalid value,
        or a value given twice.
    """
    text = text.strip()
    split = _split_assignment(text)
    if split is None:
        raise _error(text, "expected PATH=V1,V2,..., e.g. rounds.min_gap_hours=12,24,48")
    path = split[0].strip()
    if not path:
        raise _error(text, "empty path before '='")
    _parse_path(path, text)
    values = [_parse_value(text, raw) for raw in _split(split[1], ",", paths=False)]
    seen: list[Any] = []
    for v in values:
        if v in seen:
            raise _error(text, f"value {value_text(v)} is given twice")
        seen.append(v)
    return path, values


# --------------------------------------------------------------------------- paths

# A step is ("field", name) or ("item", key); ``shown`` is the path up to it as written.


@dataclass(frozen=True)
class _Step:
    kind: str  # "field" or "item"
    key: str
    shown: str


def _parse_path(path: str, text: str) -> list[_Step]:
    """Split ``a.b[k].c`` into steps, refusing anything that is not that grammar."""
    steps: list[_Step] = []
    i, shown = 0, ""
    while True:
        m = _NAME.match(path, i)
        if m is None:
            where = f"at '{path[i:]}'" if path[i:] else "at the end"
            raise _error(text, f"path '{path}': expected a field name {where}")
        shown += ("." if shown else "") + m.group()
        steps.append(_Step("field", m.group(), shown))
        i = m.end()
        while i < len(path) and path[i] == "[":
            close = path.find("]", i)
            if close < 0:
                raise _error(text, f"path '{path}': '[' without ']'")
            key = path[i + 1 : close].strip()
            if not key:
                raise _error(text, f"path '{path}': empty []")
            shown += f"[{key}]"
            steps.append(_Step("item", key, shown))
            i = close + 1
        if i == len(path):
            return steps
        if path[i] != ".":
            raise _error(text, f"path '{path}': unexpected '{path[i]}' after '{shown}'")
        i += 1


# Types of the scenario model, reduced to what a path can walk into.


@dataclass(frozen=True)
class _Kind:
    what: str  # "model", "list", "selector" or "value"
    model: type[BaseModel] | None = None
    item: Any = None


def _kind(tp: Any) -> _Kind:
    origin = get_origin(tp)
    if origin is Annotated:
        return _kind(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return _kind(args[0]) if len(args) == 1 else _Kind("value")
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _Kind("model", model=tp)
    if origin in (list, tuple):
        return _Kind("list", item=get_args(tp)[0])
    if origin is dict:
        # The only mappings in a scenario are selectors: attribute -> list of values.
        return _Kind("selector", item=list[str])
    return _Kind("value")


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """Field names as users write them (aliases) -> annotation."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def _default_data(model: type[BaseModel], alias: str) -> Any:
    """The default of a model's field as plain data (lists for tuples), None if none."""
    for name, f in model.model_fields.items():
        if (f.alias or name) == alias:
            if f.is_required():
                return None
            return _plain(f.get_default(call_default_factory=True))
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _did_you_mean(name: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def _element_key(model: type[BaseModel] | None) -> str | None:
    """Which field names an element of a list of ``model``, for ``[KEY]`` lookups."""
    if model is None:
        return None
    fields = model.model_fields
    if "id" in fields:
        return "id"
    if "name" in fields:
        return "name"
    if {"facility", "destination"} <= set(fields):
        return "facility->destination"
    return None


def _element_name(item: Any, key: str) -> str:
    if not isinstance(item, dict):
        return "?"
    if key == "facility->destination":
        return f"{item.get('facility')}->{item.get('destination')}"
    return str(item.get(key))


def element_key(key: str, index: int) -> str:
    """What goes between ``[]`` to pick the element with id (or name) ``key`` at ``index``.

    The id itself, unless it would read as something else: made only of digits (an
    index), holding ``]``, blank or padded with spaces; then the index.
    """
    if not key or key.strip() != key or "]" in key or _INDEX.fullmatch(key):
        return str(index)
    return key


def _index(items: list[Any], kind: _Kind, key: str, shown: str, text: str) -> int:
    """Resolve ``[KEY]`` in a list: an index, or an element's id / name / route."""
    if _INDEX.fullmatch(key):
        idx = int(key)
        if idx >= len(items):
            have = f"it has {len(items)}: [0] to [{len(items) - 1}]" if items else "it is empty"
            raise _error(text, f"{shown} has no element [{idx}] ({have})")
        return idx
    item_kind = _kind(kind.item)
    by = _element_key(item_kind.model)
    if by is None:
        raise _error(
            text, f"{shown} has no element '{key}': pick its elements by index ([0], [1]...)"
        )
    names = [_element_name(item, by) for item in items]
    if names.count(key) > 1:
        # Only after an earlier override made two alike; the scenario would be refused.
        raise _error(text, f"{shown} has {names.count(key)} elements with {by} '{key}'")
    if key in names:
        return names.index(key)
    have = ", ".join(names) if names else "none"
    hint = "; a route is keyed FACILITY->DESTINATION" if by == "facility->destination" else ""
    raise _error(text, f"{shown} has no element with {by} '{key}' (have: {have}{hint})")


def _set(data: dict[str, Any], path: str, value: Any, text: str) -> tuple[str | int, ...]:
    """Set (or, for null, remove) the element at ``path`` in scenario data, in place.

    Returns where it is, with every ``[KEY]`` resolved to an index: two paths that
    name one element (``captives[0]``, ``captives[living-civilians]``) give one place.
    """
    steps = _parse_path(path, text)
    node: Any = data
    kind = _Kind("model", model=Scenario)
    parent = "the scenario"
    where: list[str | int] = []
    for n, step in enumerate(steps):
        last = n == len(steps) - 1
        if step.kind == "field":
            if kind.what in ("model", "selector") and not isinstance(node, dict):
                # Only after an earlier override put a plain value here.
                raise _error(
                    text, f"{parent} is {value_text(node)}, not a mapping with '{step.key}'"
                )
            if kind.what == "model":
                assert kind.model is not None
                fields = _fields(kind.model)
                if step.key not in fields:
                    raise _error(
                        text,
                        f"{parent} has no field '{step.key}' ({_did_you_mean(step.key, fields)}"
                        f"fields: {', '.join(fields)})",
                    )
                child = _kind(fields[step.key])
            elif kind.what == "selector":
                if step.key not in SELECTOR_ATTRIBUTES:
                    raise _error(
                        text,
                        f"{parent} is a selector and has no attribute '{step.key}' "
                        f"({_did_you_mean(step.key, SELECTOR_ATTRIBUTES)}"
                        f"attributes: {', '.join(SELECTOR_ATTRIBUTES)})",
                    )
                child = _kind(kind.item)
            elif kind.what == "list":
                raise _error(
                    text,
                    f"{parent} is a list: pick an element first, e.g. {parent}[0].{step.key}",
                )
            else:
                raise _error(text, f"{parent} is a single value and has no field '{step.key}'")
            where.append(step.key)
            if last:
                if value is None:
                    node.pop(step.key, None)
                else:
                    node[step.key] = value
                return tuple(where)
            if node.get(step.key) is None:
                # Absent in the data: left at its default. A real default (detainee_lag_hours
                # [0, 0], an empty list) is walked into as that value; an absent optional
                # section as an empty one, added only when something is set in it (null
                # there removes nothing: the section stays absent).
                default = _default_data(kind.model, step.key) if kind.what == "model" else None
                if default is None:
                    default = [] if child.what == "list" else {}
                    if value is None:
                        node = {step.key: default}  # a scratch copy, not attached
                node[step.key] = default
            node, kind = node[step.key], child
        else:
            if kind.what != "list" or not isinstance(node, list):
                raise _error(text, f"{parent} is not a list, so [{step.key}] picks nothing")
            idx = _index(node, kind, step.key, parent, text)
            where.append(idx)
            if last:
                if value is None:
                    del node[idx]
                else:
                    node[idx] = value
                return tuple(where)
            node, kind = node[idx], _kind(kind.item)
        parent = step.shown
    raise AssertionError("unreachable: a path has at least one step")


def locations(
    scenario: Scenario, overrides: Sequence[str | Override]
) -> list[tuple[str | int, ...]]:
    """Where each override lands in the scenario's data, applied in order.

    Every ``[KEY]`` is resolved to an index, so two paths that name one element
    (``captives[0].count``, ``captives[living-civilians].count``) give one place.
    The edited scenario is not validated.

    Raises
    ------
    InputError
        A path that does not exist (as for :func:`apply_overrides`).
    """
    data = scenario_to_data(scenario)
    return [_set(data, path, value, text) for path, value, text in _parsed(overrides)]


def _parsed(overrides: Sequence[str | Override]) -> Iterator[tuple[str, Any, str]]:
    """``(path, value, text as shown in errors)`` of each override, parsed as reached."""
    for o in overrides:
        if isinstance(o, str):
            path, value = parse_override(o)
            yield path, value, o.strip()
        else:
            path, value = o
            yield path, value, f"{path}={value_text(value)}"


def apply_overrides(
    scenario: Scenario,
    overrides: Sequence[str | Override],
    source: str = "<variant>",
) -> Scenario:
    """A new scenario: ``scenario`` with the overrides applied in order, validated.

    Parameters
    ----------
    scenario
        The base scenario (left unchanged).
    overrides
        ``PATH=VALUE`` texts or ``(PATH, value)`` pairs (see the module docstring).
    source
        Names the result in validation errors, e.g. ``variant 'gap48'``.

    Returns
    -------
    Scenario
        The edited scenario after every field check and cross-check.

    Raises
    ------
    InputError
        A path that does not exist (one line: ``variant 'PATH=VALUE': why``), or
        an edited scenario that fails validation (``SOURCE: field.path: why``).
    """
    data = scenario_to_data(scenario)
    for path, value, text in _parsed(overrides):
        _set(data, path, value, text)
    return scenario_from_data(data, source)


# --------------------------------------------------------------------------- variants


def _check_name(name: str, text: str) -> str:
    name = name.strip()
    if not name:
        raise _error(text, "empty variant name before ':'")
    if name == BASE_NAME:
        raise _error(text, f"'{BASE_NAME}' names the base scenario; choose another name")
    return name


def variant_from_text(text: str) -> Variant:
    """A variant from its command-line form.

    ``PATH=VALUE`` or several separated by ``;`` (``rounds.min_gap_hours=48;
    vehicles.count=30``), optionally with a name first: ``gap48: rounds.min_gap_hours=48``.
    Without a name the variant is named by :func:`describe` of its overrides.

    Parameters
    ----------
    text
        The ``--variant`` value. The name is the text before the first ``:`` when
        that ``:`` comes before the first ``=`` (so names contain neither).

    Returns
    -------
    Variant

    Raises
    ------
    InputError
        One line naming the text or the bad override.
    """
    whole = text = text.strip()
    name = ""
    split = _split_assignment(text)
    head = split[0] if split is not None else text
    colon = head.find(":")
    if colon >= 0 and "[" not in head[:colon]:
        name = _check_name(head[:colon], whole)
        text = text[colon + 1 :].strip()
    parts = [p.strip() for p in _split(text, ";", paths=True) if p.strip()]
    if not parts:
        raise _error(whole, "no overrides: expected PATH=VALUE, e.g. rounds.min_gap_hours=48")
    overrides = tuple(parse_override(p) for p in parts)
    return Variant(name or describe(overrides), overrides)


def load_variant_file(path: str | Path) -> list[Variant]:
    """Variants from a YAML or JSON file.

    The one accepted format is a mapping with one key, ``variants``, holding a
    non-empty list; each item is ``{name: NAME, set: {PATH: VALUE, ...}}`` with
    ``name`` optional (default: the overrides described) and ``set`` required and
    non-empty. Values are YAML/JSON values, not text to parse::

        variants:
          - name: gap48
            set: {rounds.min_gap_hours: 48}
          - set: {vehicles: null, teams.count: 2}

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    list of Variant

    Raises
    ------
    InputError
        One line per problem, naming the file and the place in it.
    """
    return variants_from_data(read_file(path), str(path))


def variants_from_data(data: Any, source: str) -> list[Variant]:
    """Variants from the parsed content of a variants file (see :func:`load_variant_file`).

    Parameters
    ----------
    data
        The parsed YAML/JSON content.
    source
        Names the file in error messages (an upload's name in the app).

    Returns
    -------
    list of Variant

    Raises
    ------
    InputError
        One line per problem, naming the source and the place in it.
    """
    fmt = "expected a mapping {variants: [{name: ..., set: {PATH: VALUE}}, ...]}"
    if not isinstance(data, dict) or set(data) != {"variants"}:
        raise InputError(source, [Problem("", fmt)])
    items = data["variants"]
    if not isinstance(items, list) or not items:
        raise InputError(source, [Problem("variants", "must be a non-empty list")])
    out: list[Variant] = []
    for i, item in enumerate(items):
        where = f"variants[{i}]"
        if not isinstance(item, dict):
            raise InputError(source, [Problem(where, "must be a mapping {name: ..., set: ...}")])
        extra = [k for k in item if k not in ("name", "set")]
        if extra:
            raise InputError(source, [Problem(f"{where}.{extra[0]}", "unknown field")])
        sets = item.get("set")
        if not isinstance(sets, dict) or not sets:
            raise InputError(
                source, [Problem(f"{where}.set", "required: a non-empty mapping PATH: VALUE")]
            )
        overrides = []
        for key, value in sets.items():
            if not isinstance(key, str) or not key.strip():
                raise InputError(source, [Problem(f"{where}.set", f"bad path {key!r}")])
            try:
                _parse_path(key.strip(), f"{key}={value_text(value)}")
            except InputError as exc:
                message = exc.problems[0].message
                raise InputError(source, [Problem(f"{where}.set", message)]) from None
            overrides.append((key.strip(), value))
        name = item.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise InputError(source, [Problem(f"{where}.name", "must be a non-empty string")])
        if name is not None and name.strip() == BASE_NAME:
            raise InputError(
                source, [Problem(f"{where}.name", f"'{BASE_NAME}' names the base scenario")]
            )
        out.append(Variant(name.strip() if name else describe(overrides), tuple(overrides)))
    return out


def is_variant_file(text: str) -> bool:
    """True when a ``--variant`` value names a file rather than overrides."""
    return "=" not in text and text.strip().lower().endswith(VARIANT_FILE_SUFFIXES)


def variants_from_args(texts: Sequence[str]) -> list[Variant]:
    """The variants of several ``--variant`` values: texts or variant files, in order.

    Raises
    ------
    InputError
        A bad override or file, or two variants with the same name.
    """
    out: list[Variant] = []
    for text in texts:
        if is_variant_file(text):
            out += load_variant_file(text.strip())
        else:
            out.append(variant_from_text(text))
    check_unique_names(out)
    return out


def check_unique_names(variants: Sequence[Variant]) -> None:
    """Refuse two variants with one name (they would share a column)."""
    seen: set[str] = set()
    for v in variants:
        if v.name in seen:
            raise InputError(f"variant '{v.name}'", [Problem("", "this name is given twice")])
        seen.add(v.name)
