"""Scenario data <-> editor tables, with no checking of its own.

The Scenario page edits a scenario as plain data: one table per list of the
format (cohorts, sites, ...) and form fields for the rest. :func:`to_tables`
turns scenario data (as :func:`models.scenario_to_data` writes it) into pandas
frames for ``st.data_editor``; :func:`assemble` turns the edited frames and form
values back into scenario data for :func:`models.scenario_from_data`, which does
every check. Here only what a table cannot say is reported (a selector cell that
is not YAML, a condition that names no phase), with the same kind of field path.

Two lists nested in others get their own table, linked by name: ``of_which``
items (column ``ratio``) and phase ``after`` conditions (column ``phase``); rows
keep their order within their parent.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from models.errors import InputError, Problem
from models.loader import parse_text
from ui.views import selector_text

# Column kinds: text (string), status (living | deceased), int, float, list (comma
# separated strings), selector (YAML flow mapping), kind (of a phase condition).
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "captives": [
        ("id", "text"),
        ("status", "status"),
        ("category", "text"),
        ("count", "int"),
        ("zone", "text"),
        ("ready_hour", "int"),
        ("deadline_hour", "int"),
        ("weight", "int"),
    ],
    "detainees": [
        ("id", "text"),
        ("status", "status"),
        ("category", "text"),
        ("count", "int"),
        ("facility", "text"),
        ("destination", "text"),
        ("ready_hour", "int"),
        ("deadline_hour", "int"),
    ],
    "sites": [("id", "text"), ("max_captives_per_round", "int"), ("zones", "list")],
    "facilities": [("id", "text"), ("max_releases_per_day", "int")],
    "routes": [("facility", "text"), ("destination", "text"), ("hours", "int")],
    "ratios": [
        ("name", "text"),
        ("captives", "selector"),
        ("per_captive", "int"),
        ("from", "selector"),
    ],
    "of_which": [("ratio", "text"), ("from", "selector"), ("count", "int")],
    "packages": [
        ("name", "text"),
        ("captives", "selector"),
        ("detainees", "selector"),
        ("within_hours", "int"),
    ],
    "phases": [
        ("id", "text"),
        ("duration_hours", "int"),
        ("earliest_start", "int"),
        ("deadline_hour", "int"),
        ("opens_zones", "list"),
    ],
    "after": [
        ("phase", "text"),
        ("kind", "kind"),
        ("target", "text"),
        ("fraction", "float"),
        ("lag_hours", "int"),
    ],
    "tiers": [("tier", "selector")],
}

# What each table is called on the page (for problems that name a table row).
TABLE_TITLES = {
    "captives": "Captive cohorts",
    "detainees": "Detainee cohorts",
    "sites": "Sites",
    "facilities": "Facilities",
    "routes": "Routes",
    "ratios": "Ratios",
    "of_which": "Ratio of_which items",
    "packages": "Packages",
    "phases": "Phases",
    "after": "Phase conditions",
    "tiers": "Priority tiers",
}

CONDITION_KINDS = ("phase", "captives released", "detainees released")
_KIND_FIELD = {"captives released": "captives_released", "detainees released": "detainees_released"}

# Top-level order of the format, for readable YAML.
_ORDER = (
    "format",
    "name",
    "description",
    "start",
    "horizon_hours",
    "captives",
    "detainees",
    "rounds",
    "sites",
    "facilities",
    "routes",
    "vehicles",
    "teams",
    "reception",
    "ratios",
    "packages",
    "phases",
    "priority",
    "objective",
)


# --------------------------------------------------------------------------- data -> tables


def _dtype(kind: str) -> str:
    return {"int": "Int64", "float": "Float64"}.get(kind, "object")


def _cell(kind: str, value: Any) -> Any:
    """A field value as shown in a table cell."""
    if value is None:
        return None
    if kind == "list":
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if kind == "selector":
        return selector_text(value) if isinstance(value, dict) else str(value)
    return value


def _frame(section: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    cols = COLUMNS[section]
    data = {name: [_cell(kind, r.get(name)) for r in rows] for name, kind in cols}
    frame = pd.DataFrame(data, columns=[name for name, _ in cols])
    for name, kind in cols:
        try:
            frame[name] = frame[name].astype(_dtype(kind))
        except (TypeError, ValueError):  # an edited value of another type: keep it as it is
            frame[name] = frame[name].astype(object)
    return frame


def to_tables(data: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The table parts of scenario data, one frame per entry of :data:`COLUMNS`."""

    def items(key: str) -> list[dict[str, Any]]:
        value = data.get(key)
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    tables = {
        key: _frame(key, items(key))
        for key in ("captives", "detainees", "sites", "facilities", "routes", "packages")
    }
    ratios = items("ratios")
    tables["ratios"] = _frame("ratios", ratios)
    tables["of_which"] = _frame(
        "of_which",
        [
            {"ratio": r.get("name"), "from": o.get("from"), "count": o.get("count")}
            for r in ratios
            for o in r.get("of_which") or []
            if isinstance(o, dict)
        ],
    )
    phases = items("phases")
    tables["phases"] = _frame("phases", phases)
    conditions = []
    for p in phases:
        for c in p.get("after") or []:
            if not isinstance(c, dict):
                continue
            row: dict[str, Any] = {
                "phase": p.get("id"),
                "fraction": c.get("fraction"),
                "lag_hours": c.get("lag_hours"),
            }
            if c.get("phase") is not None:
                row.update(kind="phase", target=c["phase"])
            else:
                kind = "captives released" if "captives_released" in c else "detainees released"
                row.update(kind=kind, target=selector_text(c.get(_KIND_FIELD[kind])))
            conditions.append(row)
    tables["after"] = _frame("after", conditions)
    priority = data.get("priority") if isinstance(data.get("priority"), dict) else {}
    tiers = priority.get("tiers") if isinstance(priority.get("tiers"), list) else []
    tables["tiers"] = _frame("tiers", [{"tier": t} for t in tiers])
    return tables


def general_of(data: dict[str, Any]) -> dict[str, Any]:
    """The parts of scenario data that are not tables (form fields), as :func:`assemble` takes them.

    ``priority`` becomes ``priority_mode``; its tiers are a table.
    """
    general = {k: v for k, v in data.items() if k not in COLUMNS and k != "priority"}
    priority = data.get("priority") if isinstance(data.get("priority"), dict) else {}
    general["priority_mode"] = priority.get("mode", "hard")
    return general


# --------------------------------------------------------------------------- tables -> data


def clean(value: Any) -> Any:
    """A table cell as plain Python: numpy scalars unwrapped, blanks and NaN as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _number(value: Any, kind: str) -> Any:
    """Whole floats become ints (the editor may hand back 3.0); other values pass through."""
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_selector(text: str, path: str) -> tuple[Any, list[Problem]]:
    """Parse a selector cell (YAML flow mapping); a bad cell gives a problem at ``path``."""
    try:
        value = parse_text(text, path)
    except InputError as exc:
        detail = exc.problems[0].message if exc.problems else "not valid YAML"
        return None, [Problem(path, f"{detail} (write a selector like {{status: living}})")]
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        return None, [Problem(path, "must be a selector like {status: living, category: [a, b]}")]
    return value, []


def _rows(section: str, frame: pd.DataFrame | None) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows of a table as field dicts (blank cells left out), with selector problems."""
    if frame is None:
        return [], []
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    names = [name for name, _ in COLUMNS[section]]
    kinds = dict(COLUMNS[section])
    for i, record in enumerate(frame.reindex(columns=names).itertuples(index=False)):
        row: dict[str, Any] = {}
        for name, raw in zip(names, record, strict=True):
            value = _number(clean(raw), kinds[name])
            if value is None:
                continue
            kind = kinds[name]
            if kind == "list":
                value = [v.strip() for v in str(value).split(",") if v.strip()]
                if not value:
                    continue
            elif kind == "selector":
                value, found = parse_selector(str(value), f"{section}[{i}].{name}")
                problems += found
                if value is None:
                    continue
            row[name] = value
        out.append(row)
    return out, problems


def assemble(
    general: dict[str, Any], tables: dict[str, pd.DataFrame]
) -> tuple[dict[str, Any], list[Problem]]:
    """Scenario data from form values and edited tables, plus problems only tables have.

    Parameters
    ----------
    general
        Every field that is not a table, in file format (``name``, ``rounds``,
        ``vehicles``, ...); ``priority_mode`` (``hard``/``soft``) goes with the tiers.
    tables
        Edited frames, keyed as :data:`COLUMNS` (a missing table counts as empty).

    Returns
    -------
    (data, problems)
        ``data`` is ready for :func:`models.scenario_from_data`, which reports every
        other problem. ``problems`` name a table row (``Phase conditions row 2.phase``)
        or a field path (``ratios[0].captives``).
    """
    problems: list[Problem] = []
    sections: dict[str, list[dict[str, Any]]] = {}
    for key in COLUMNS:
        sections[key], found = _rows(key, tables.get(key))
        problems += found

    ratios = sections["ratios"]
    by_name = {r.get("name"): r for r in ratios if r.get("name") is not None}
    for i, item in enumerate(sections["of_which"]):
        where = f"{TABLE_TITLES['of_which']} row {i}"
        owner = by_name.get(item.pop("ratio", None))
        if owner is None:
            problems.append(Problem(f"{where}.ratio", "names no ratio of the Ratios table"))
            continue
        # A blank `from` cell is left out, so the loader reports `of_which[j].from: required`.
        owner.setdefault("of_which", []).append(item)

    phases = sections["phases"]
    by_id = {p.get("id"): p for p in phases if p.get("id") is not None}
    for i, row in enumerate(sections["after"]):
        where = f"{TABLE_TITLES['after']} row {i}"
        owner = by_id.get(row.get("phase"))
        if owner is None:
            problems.append(Problem(f"{where}.phase", "names no phase of the Phases table"))
            continue
        kind = row.get("kind") or "phase"
        if kind not in CONDITION_KINDS:
            problems.append(
                Problem(f"{where}.kind", f"must be one of {', '.join(CONDITION_KINDS)}")
            )
            continue
        cond: dict[str, Any] = {}
        target = row.get("target")
        if kind == "phase":
            if target is not None:
                cond["phase"] = str(target)
            else:
                problems.append(Problem(f"{where}.target", "name the phase to wait for"))
                continue
        else:
            selector, found = parse_selector(str(target or ""), f"{where}.target")
            problems += found
            if selector is None:
                continue
            cond[_KIND_FIELD[kind]] = selector
        for name in ("fraction", "lag_hours"):
            if row.get(name) is not None:
                cond[name] = row[name]
        owner.setdefault("after", []).append(cond)

    tiers = [t.get("tier", {}) for t in sections["tiers"]]
    mode = general.get("priority_mode") or "hard"

    data: dict[str, Any] = {}
    for key in _ORDER:
        if key in COLUMNS:
            if sections[key] or key == "sites":
                data[key] = sections[key]
        elif key == "priority":
            if tiers or mode != "hard":
                data["priority"] = {"mode": mode, "tiers": tiers}
        elif general.get(key) is not None:
            data[key] = general[key]
    return data, problems


def table_path_hint(path: str) -> str:
    """Where on the page a problem's field path is edited (``captives[2].count`` -> table)."""
    head = path.split("[", 1)[0].split(".", 1)[0]
    if ".of_which[" in path:
        return TABLE_TITLES["of_which"]
    if ".after[" in path:
        return TABLE_TITLES["after"]
    if head == "priority" and "tiers" in path:
        return TABLE_TITLES["tiers"]
    if head in TABLE_TITLES:
        return TABLE_TITLES[head]
    for title in TABLE_TITLES.values():
        if path.startswith(title):
            return title
    return "Settings" if path else "File"
