"""Input problems: one line each, naming the file and the field path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at a field path like ``captives[2].count``."""

    path: str
    message: str

    def render(self, source: str) -> str:
        where = f"{source}: {self.path}" if self.path else source
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised when an input file is malformed; carries every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]):
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [p.render(self.source) for p in self.problems]


def format_path(loc: Sequence[Any]) -> str:
    """``('captives', 2, 'count')`` -> ``captives[2].count``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _pydantic_message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    simple = {
        "missing": "required",
        "extra_forbidden": "unknown field",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "int_parsing": "must be a whole number",
        "float_type": "must be a number",
        "string_type": "must be a string",
        "bool_type": "must be true or false",
        "list_type": "must be a list",
        "tuple_type": "must be a list",
        "dict_type": "must be a mapping",
        "model_type": "must be a mapping",
        "model_attributes_type": "must be a mapping",
        "datetime_type": "must be a date-time such as 2025-10-10T12:00:00+03:00",
        "datetime_parsing": "must be a date-time such as 2025-10-10T12:00:00+03:00",
        "datetime_from_date_parsing": "must be a date-time such as 2025-10-10T12:00:00+03:00",
    }
    if kind in simple:
        return simple[kind]
    if kind == "greater_than_equal":
        return f"must be >= {ctx.get('ge')}"
    if kind == "greater_than":
        return f"must be > {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"must be <= {ctx.get('le')}"
    if kind == "less_than":
        return f"must be < {ctx.get('lt')}"
    if kind == "too_short":
        n = ctx.get("min_length")
        return "needs at least one item" if n == 1 else f"needs at least {n} items"
    if kind == "too_long":
        return f"has more than {ctx.get('max_length')} items"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    if kind == "string_too_short":
        return "must not be empty"
    return str(err.get("msg", kind))


def problems_from_validation_error(exc: Any) -> list[Problem]:
    """Convert a pydantic ``ValidationError`` to problems with field paths."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err.get("loc", ()) if p not in ("function-after", "function-before")]
        out.append(Problem(format_path(loc), _pydantic_message(err)))
    return out
