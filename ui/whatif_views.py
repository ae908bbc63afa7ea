"""Pure helpers of the What-if page: planner what-if results as tables (no Streamlit here).

Every figure comes from :mod:`planner.whatif`; these only lay them out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from planner.diff import DIFF_COLUMNS
from planner.variants import value_text
from planner.whatif import Comparison, SweepResult

# A sweep grid larger than this is refused on the page (the command line has no limit).
MAX_CELLS = 50


def text(value: Any) -> str:
    """A figure as shown in the KPI table: ``-`` for none, flow YAML for lists."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return value_text(value)


def kpi_frame(c: Comparison) -> pd.DataFrame:
    """The KPI table of a comparison: one row per figure, one column per scenario, base first.

    Values are text (``-`` where a column has no plan), so that statuses, numbers and
    ``peak/limit`` share a column.
    """
    data = {name: [text(vals[i]) for vals in c.kpis.values()] for i, name in enumerate(c.names)}
    return pd.DataFrame(data, index=pd.Index(list(c.kpis), name="figure"), dtype=object)


def diff_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Round-by-round diff rows (:func:`planner.diff.plan_diff`) as a table.

    ``before`` and ``after`` as text (they mix sites, hours and counts), ``delta``
    as a nullable integer.
    """
    frame = pd.DataFrame(list(rows), columns=list(DIFF_COLUMNS))
    frame["before"] = [text(v) for v in frame["before"]]
    frame["after"] = [text(v) for v in frame["after"]]
    return frame.astype({"delta": "Int64"})


def variant_label(c: Comparison, i: int) -> str:
    """``name: overrides`` of column ``i`` (the name alone when it is its overrides)."""
    shown = "; ".join(f"{p}={value_text(v)}" for p, v in c.overrides[i])
    name = c.names[i]
    return name if not shown or shown == name else f"{name}: {shown}"


def _numeric(values: Sequence[Any]) -> bool:
    return all(
        v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values
    )


def sweep_frame(result: SweepResult) -> pd.DataFrame:
    """The sweep rows as a table, columns ``result.columns``, first parameter outermost.

    Parameter values that are not all numbers (lists, text) are shown as flow YAML;
    figures are nullable integers (empty where a cell has no plan) when whole.
    """
    columns: dict[str, list[Any]] = {}
    as_text: set[str] = {"status"}
    for col in result.columns:
        values = [row.get(col) for row in result.rows]
        if col in result.paths and None in values:
            # A swept null (``vehicles=null``) is a value, not a missing figure.
            columns[col] = ["null" if v is None else text(v) for v in values]
            as_text.add(col)
        elif col == "status" or not _numeric(values):
            columns[col] = [None if v is None else text(v) for v in values]
            as_text.add(col)
        else:
            columns[col] = values
    frame = pd.DataFrame(columns, columns=result.columns)
    for col in result.columns:
        values = [row.get(col) for row in result.rows]
        if col not in as_text:
            whole = all(v is None or float(v).is_integer() for v in values)
            frame[col] = frame[col].astype("Int64" if whole else "Float64")
    return frame


def grid_size(axes: Sequence[tuple[str, Sequence[Any]]]) -> int:
    """Number of cells of a sweep grid: the product of the numbers of values."""
    return math.prod(len(values) for _, values in axes)


def statuses_text(c: Comparison) -> str:
    """``base optimal · gap48 infeasible`` with each column's solve time."""
    return " · ".join(
        f"{name} {plan.status} ({s:.2f} s)"
        for name, plan, s in zip(c.names, c.plans, c.seconds, strict=True)
    )
