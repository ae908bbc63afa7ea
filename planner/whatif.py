"""What-if analysis: compare variants of a scenario, and sweep parameters over a grid.

Both solve every scenario in a worker (local processes by default, or a Dask
cluster, see :mod:`planner.parallel`) with one search worker, the replayable
search and the given seed, so the same inputs give the same plans. Every plan is
checked by the independent validator; one that fails it raises
:class:`planner.solve.PlanInvalidError` (a bug). Input problems (a path that does
not exist, a value that fails validation) raise :class:`models.errors.InputError`
before anything is solved.

Wall-clock solve times are kept apart from the results (``seconds``), so that a
sweep's rows and CSV are the same on every run with the same seed. The time
limit is wall-clock, though: a cell that stops at its limit (status ``feasible``
or ``unknown``) may differ from run to run; give cells time to prove optimality.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import InputError, Problem
from models.loader import plan_from_data, scenario_from_data, scenario_to_data
from models.plan import Plan
from models.scenario import OBJECTIVE_TERMS, Scenario
from planner import diff as plan_diff_module
from planner.parallel import run_map
from planner.report import table
from planner.variants import (
    BASE_NAME,
    Override,
    Variant,
    apply_overrides,
    check_unique_names,
    describe,
    locations,
    value_text,
)

# KPIs reported with every plan besides the objective terms (from ``plan.kpis``).
KEY_KPIS = ("last_living_home_hour", "rounds", "makespan", "detainees_released")
MAX_AXES = 2
# Columns of a sweep's rows besides the parameters: none may be a parameter's path.
RESULT_COLUMNS = frozenset({"status", *OBJECTIVE_TERMS, *KEY_KPIS})


# --------------------------------------------------------------------------- solving


def _solve_job(job: dict[str, Any]) -> dict[str, Any]:
    """Worker: solve one scenario given as plain data; return the plan as plain data.

    Module-level and data-in, data-out so that it pickles to local processes and
    to Dask workers alike.
    """
    from planner.solve import solve

    scenario = scenario_from_data(job["scenario"], job["source"])
    result = solve(
        scenario,
        engine=job["engine"],
        time_limit=job["time_limit"],
        seed=job["seed"],
        workers=1,
        deterministic=True,
    )
    return {
        "plan": result.plan.to_json_dict(),
        "violations": [str(v) for v in result.violations],
        "seconds": float(result.stats.get("wall_seconds", 0.0)),
    }


def _solve_all(
    scenarios: Sequence[tuple[str, Scenario]],
    *,
    engine: str,
    time_limit: float,
    seed: int,
    processes: int | None,
    scheduler: str | Any | None,
) -> list[tuple[Plan, float]]:
    """Solve named scenarios in parallel; plans checked, in input order."""
    from planner.solve import ENGINES, PlanInvalidError

    if engine not in ENGINES:
        raise ValueError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    jobs = [
        {
            "scenario": scenario_to_data(sc),
            "source": name,
            "engine": engine,
            "time_limit": float(time_limit),
            "seed": int(seed),
        }
        for name, sc in scenarios
    ]
    out: list[tuple[Plan, float]] = []
    for (name, _), res in zip(
        scenarios, run_map(_solve_job, jobs, processes=processes, scheduler=scheduler), strict=True
    ):
        if res["violations"]:
            lines = "\n".join(res["violations"])
            raise PlanInvalidError(f"{name}: the plan breaks the scenario's rules:\n{lines}")
        out.append((plan_from_data(res["plan"], name), res["seconds"]))
    return out


def _terms(plans: Sequence[Plan], scenarios: Sequence[Scenario]) -> list[str]:
    """Objective terms of all scenarios, in order of first appearance."""
    terms: list[str] = []
    for sc in scenarios:
        terms += [t for t in sc.objective_terms if t not in terms]
    for p in plans:
        terms += [t for t in p.objective if t not in terms]
    return terms


def _figures(plan: Plan, terms: Sequence[str]) -> dict[str, Any]:
    """Objective terms, then the key KPIs not already among them (None without a plan)."""
    k = plan.kpis or {}
    out: dict[str, Any] = {t: plan.objective.get(t) for t in terms}
    for name in KEY_KPIS:
        if name not in out:
            out[name] = k.get(name) if plan.has_plan else None
    return out


# --------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class Comparison:
    """The base scenario and its variants, solved side by side.

    Attributes
    ----------
    names
        Column names: ``"base"``, then each variant's name.
    overrides
        The overrides of each column (empty for the base).
    scenarios, plans
        The scenario and plan of each column.
    kpis
        The KPI table: row name -> one value per column. Rows: ``status``, every
        objective term, ``last_living_home_hour``, ``rounds``, ``makespan``,
        ``detainees_released``, ``captives_released``, then ``peak CAPACITY``
        (``"peak/limit"``, limit ``-`` when none).
    diffs
        Variant name -> round-by-round diff rows against the base
        (:func:`planner.diff.plan_diff`).
    seconds
        Wall-clock solve time of each column (not part of the results proper).
    """

    names: list[str]
    overrides: list[tuple[Override, ...]]
    scenarios: list[Scenario]
    plans: list[Plan]
    kpis: dict[str, list[Any]]
    diffs: dict[str, list[dict[str, Any]]]
    seconds: list[float]

    def to_json_dict(self) -> dict[str, Any]:
        """Everything as one JSON-ready document (plans in plan format v1)."""
        return {
            "columns": self.names,
            "variants": [
                {"name": n, "set": {p: v for p, v in o}}
                for n, o in zip(self.names[1:], self.overrides[1:], strict=True)
            ],
            "kpis": {
                row: dict(zip(self.names, vals, strict=True)) for row, vals in self.kpis.items()
            },
            "diffs": self.diffs,
            "plans": {n: p.to_json_dict() for n, p in zip(self.names, self.plans, strict=True)},
            "solve_seconds": dict(zip(self.names, self.seconds, strict=True)),
        }


def _kpi_table(plans: Sequence[Plan], scenarios: Sequence[Scenario]) -> dict[str, list[Any]]:
    terms = _terms(plans, scenarios)
    per = [_figures(p, terms) for p in plans]
    table: dict[str, list[Any]] = {"status": [p.status for p in plans]}
    for row in per[0]:
        table[row] = [f[row] for f in per]
    table["captives_released"] = [
        sum((p.kpis or {}).get("captives_per_round") or []) if p.has_plan else None for p in plans
    ]
    peaks: list[str] = []
    for p in plans:
        peaks += [n for n in ((p.kpis or {}).get("peak_use") or {}) if n not in peaks]
    for name in peaks:
        vals: list[Any] = []
        for p in plans:
            use = ((p.kpis or {}).get("peak_use") or {}).get(name)
            if use is None or not p.has_plan:
                vals.append(None)
            else:
                limit = use.get("limit")
                vals.append(f"{use.get('peak')}/{'-' if limit is None else limit}")
        table[f"peak {name}"] = vals
    return table


def compare(
    base: Scenario,
    variants: Sequence[Variant],
    *,
    engine: str = "cpsat",
    time_limit: float = 60.0,
    seed: int = 0,
    processes: int | None = None,
    scheduler: str | Any | None = None,
) -> Comparison:
    """Solve the base scenario and each variant, and compare KPIs and rounds.

    Parameters
    ----------
    base
        The base scenario.
    variants
        The variants (names unique, none named ``base``).
    engine, time_limit, seed
        Passed to :func:`planner.solve.solve` for every solve (with one search
        worker and the replayable search).
    processes, scheduler
        Where to solve, see :func:`planner.parallel.run_map`.

    Returns
    -------
    Comparison

    Raises
    ------
    InputError
        A variant whose path does not exist or whose scenario fails validation
        (raised before anything is solved), or two variants with one name.
    PlanInvalidError
        A plan fails the validator (a bug).
    """
    check_unique_names(list(variants))
    for v in variants:
        if v.name == BASE_NAME:
            raise InputError(f"variant '{v.name}'", [Problem("", "this name is the base's")])
    built = [(BASE_NAME, base)] + [
        (v.name, apply_overrides(base, v.overrides, source=f"variant '{v.name}'")) for v in variants
    ]
    solved = _solve_all(
        built,
        engine=engine,
        time_limit=time_limit,
        seed=seed,
        processes=processes,
        scheduler=scheduler,
    )
    plans = [p for p, _ in solved]
    scenarios = [sc for _, sc in built]
    return Comparison(
        names=[n for n, _ in built],
        overrides=[(), *(v.overrides for v in variants)],
        scenarios=scenarios,
        plans=plans,
        kpis=_kpi_table(plans, scenarios),
        diffs={
            v.name: plan_diff_module.plan_diff(plans[0], plans[i + 1])
            for i, v in enumerate(variants)
        },
        seconds=[s for _, s in solved],
    )


# --------------------------------------------------------------------------- sweep


@dataclass(frozen=True)
class SweepResult:
    """A grid of solves over one or two parameters.

    Attributes
    ----------
    base
        The base scenario's name.
    axes
        ``(path, values)`` of each swept parameter, as given.
    columns
        Column names of ``rows``: the paths, ``status``, every objective term, then
        the key KPIs not among them (``last_living_home_hour``, ``rounds``,
        ``makespan``, ``detainees_released``).
    rows
        One plain dict per grid cell, first axis outermost; values None where a
        cell has no plan. Deterministic for a seed (no times).
    plans
        The plan of each cell, in row order.
    seconds
        Wall-clock solve time of each cell, in row order; not in ``rows`` nor in
        the CSV, so that those are the same on every run.
    """

    base: str
    axes: list[tuple[str, list[Any]]]
    columns: list[str]
    rows: list[dict[str, Any]]
    plans: list[Plan]
    seconds: list[float]

    @property
    def paths(self) -> list[str]:
        return [p for p, _ in self.axes]

    @property
    def figures(self) -> list[str]:
        """The numeric columns (objective terms and KPIs)."""
        return [c for c in self.columns if c not in self.paths and c != "status"]


def check_axes(axes: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Refuse a sweep of no parameter, of more than two, of one twice, of no values,
    of a value twice, or of a parameter named like a result column (``rounds``).

    Raises
    ------
    InputError
        One line, source ``sweep``.
    """
    if not 1 <= len(axes) <= MAX_AXES:
        raise InputError(
            "sweep", [Problem("", f"give 1 or {MAX_AXES} parameters to sweep, not {len(axes)}")]
        )
    paths = [p for p, _ in axes]
    for p in paths:
        if paths.count(p) > 1:
            raise InputError("sweep", [Problem("", f"parameter '{p}' is given twice")])
        if p in RESULT_COLUMNS:
            # Its column would be overwritten by the figure of the same name.
            raise InputError(
                "sweep",
                [Problem("", f"parameter '{p}' is also a result column: sweep one of its fields")],
            )
    for p, values in axes:
        if not values:
            raise InputError("sweep", [Problem("", f"parameter '{p}' has no values")])
        seen: list[Any] = []
        for v in values:
            if v in seen:
                raise InputError(
                    "sweep", [Problem("", f"parameter '{p}' has the value {value_text(v)} twice")]
                )
            seen.append(v)


def _check_overlap(base: Scenario, axes: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Refuse two parameters that set one field, or one inside the other.

    ``captives[0].count`` and ``captives[living].count`` are one field; ``vehicles``
    and ``vehicles.count`` overlap: the later would overwrite the earlier in every
    cell, and the grid would be labelled with values that were not solved.
    """
    if len(axes) < 2:
        return
    cell = [(p, vs[0]) for p, vs in axes]
    (p1, _), (p2, _) = axes[0], axes[1]
    w1, w2 = locations(base, cell)
    short = min(len(w1), len(w2))
    if w1[:short] == w2[:short]:
        why = "name the same field" if len(w1) == len(w2) else "overlap (one is inside the other)"
        raise InputError("sweep", [Problem("", f"parameters '{p1}' and '{p2}' {why}")])


def sweep(
    base: Scenario,
    axes: Sequence[tuple[str, Sequence[Any]]],
    *,
    engine: str = "cpsat",
    time_limit: float = 60.0,
    seed: int = 0,
    processes: int | None = None,
    scheduler: str | Any | None = None,
) -> SweepResult:
    """Solve the base scenario at every point of a grid of one or two parameters.

    Parameters
    ----------
    base
        The base scenario.
    axes
        One or two ``(path, values)``; the grid is their product, first axis
        outermost. Paths follow :mod:`planner.variants`.
    engine, time_limit, seed
        Passed to every solve (one search worker, replayable search).
    processes, scheduler
        Where to solve, see :func:`planner.parallel.run_map`.

    Returns
    -------
    SweepResult

    Raises
    ------
    InputError
        Bad axes (see :func:`check_axes`; also two that set one field, or one
        inside the other), or a cell whose path does not exist or whose scenario
        fails validation (raised before anything is solved).
    PlanInvalidError
        A plan fails the validator (a bug).
    """
    check_axes(axes)
    axes = [(p, list(vs)) for p, vs in axes]
    cells = [list(zip([p for p, _ in axes], combo, strict=True)) for combo in _grid(axes)]
    _check_overlap(base, axes)
    built = []
    for cell in cells:
        label = f"variant '{describe(cell)}'"
        built.append((label, apply_overrides(base, cell, source=label)))
    solved = _solve_all(
        built,
        engine=engine,
        time_limit=time_limit,
        seed=seed,
        processes=processes,
        scheduler=scheduler,
    )
    plans = [p for p, _ in solved]
    terms = _terms(plans, [sc for _, sc in built])
    rows = []
    for cell, plan in zip(cells, plans, strict=True):
        row: dict[str, Any] = dict(cell)
        row["status"] = plan.status
        row.update(_figures(plan, terms))
        rows.append(row)
    columns = list(rows[0]) if rows else []
    return SweepResult(
        base=base.name,
        axes=axes,
        columns=columns,
        rows=rows,
        plans=plans,
        seconds=[s for _, s in solved],
    )


def _grid(axes: Sequence[tuple[str, Sequence[Any]]]) -> list[tuple[Any, ...]]:
    return list(itertools.product(*(vs for _, vs in axes)))


# --------------------------------------------------------------------------- output


def _cell(value: Any) -> str:
    """A value as text for tables and CSV: empty for None, flow YAML for lists."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value_text(value)


def _param(value: Any) -> str:
    """A parameter value as text: as :func:`_cell`, but ``null`` for null (a value
    swept, such as ``vehicles=null``, not a missing figure)."""
    return "null" if value is None else _cell(value)


def _row_texts(result: SweepResult, row: dict[str, Any]) -> list[str]:
    paths = set(result.paths)
    return [(_param if c in paths else _cell)(row.get(c)) for c in result.columns]


def csv_text(result: SweepResult) -> str:
    """The sweep rows as CSV text (header = ``result.columns``; no times)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(result.columns)
    for row in result.rows:
        w.writerow(_row_texts(result, row))
    return buf.getvalue()


def write_csv(result: SweepResult, path: str | Path) -> None:
    """Write the sweep rows as CSV (UTF-8, one header line, one line per grid cell).

    Parameters
    ----------
    result
        The sweep.
    path
        The file to write.
    """
    Path(path).write_text(csv_text(result), encoding="utf-8")


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def sweep_figure(result: SweepResult) -> Any:
    """A Plotly figure of the sweep: one panel per figure (objective term or KPI).

    One parameter: each panel is a line of the figure against the parameter
    values. Two parameters: each panel is a heat map, first parameter across,
    second up, values written in the cells. Cells without a plan are gaps.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figures = result.figures
    n = max(1, len(figures))
    fig = make_subplots(
        rows=n,
        cols=1,
        subplot_titles=figures,
        vertical_spacing=min(0.08, 0.3 / n),
        shared_xaxes=len(result.axes) == 1,
    )
    (p1, v1), *rest = result.axes
    x = list(v1) if _numeric(v1) else [_param(v) for v in v1]
    if not rest:
        status = [row["status"] for row in result.rows]
        for i, name in enumerate(figures, start=1):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=[row.get(name) for row in result.rows],
                    mode="lines+markers",
                    name=name,
                    text=status,
                    hovertemplate=f"{p1}=%{{x}}<br>{name}=%{{y}}<br>%{{text}}<extra></extra>",
                ),
                row=i,
                col=1,
            )
        if _numeric(v1):
            fig.update_xaxes(tickvals=x)  # a tick at every swept value, not round numbers
        fig.update_xaxes(title_text=p1, row=n, col=1)
        fig.update_layout(showlegend=False)
    else:
        p2, v2 = rest[0]
        # Rows are in grid order, first axis outermost: cell (i, j) is row i * len(v2) + j.
        for k, name in enumerate(figures, start=1):
            z = [
                [result.rows[i * len(v2) + j].get(name) for i in range(len(v1))]
                for j in range(len(v2))
            ]
            fig.add_trace(
                go.Heatmap(
                    x=[_param(v) for v in v1],
                    y=[_param(v) for v in v2],
                    z=z,
                    texttemplate="%{z}",
                    showscale=False,
                    colorscale="Blues",
                    hovertemplate=f"{p1}=%{{x}}<br>{p2}=%{{y}}<br>{name}=%{{z}}<extra></extra>",
                ),
                row=k,
                col=1,
            )
            fig.update_xaxes(title_text=p1, type="category", row=k, col=1)
            fig.update_yaxes(title_text=p2, type="category", row=k, col=1)
    fig.update_layout(
        title=f"Sweep of {' x '.join(result.paths)} on '{result.base}'",
        height=120 + 260 * n,
        margin={"l": 70, "r": 30, "t": 90, "b": 60},
    )
    return fig


def write_chart(result: SweepResult, path: str | Path) -> None:
    """Write :func:`sweep_figure` as a self-contained HTML file (works offline).

    Parameters
    ----------
    result
        The sweep.
    path
        The ``.html`` file to write.
    """
    sweep_figure(result).write_html(str(path), include_plotlyjs=True, div_id="sweep")


# --------------------------------------------------------------------------- text


def render_comparison(c: Comparison) -> str:
    """The comparison as text: variants, the KPI table (base first), round diffs."""
    lines = [f"Compare on '{c.scenarios[0].name}': base and {len(c.names) - 1} variant(s)"]
    for name, overrides in zip(c.names[1:], c.overrides[1:], strict=True):
        label = describe(overrides)
        lines.append(f"  {name}: {label}" if label != name else f"  {name}")
    lines.append("")
    rows = [[row, *(_cell(v) or "-" for v in vals)] for row, vals in c.kpis.items()]
    rows.append(["solve time (s)", *(f"{s:.2f}" for s in c.seconds)])
    lines += table(["figure", *c.names], rows)
    for name, plan in zip(c.names[1:], c.plans[1:], strict=True):
        lines += ["", f"Round by round: {name} against base"]
        if not c.plans[0].has_plan or not plan.has_plan:
            lines.append(f"No rounds to compare (base {c.plans[0].status}, {name} {plan.status}).")
            continue
        diff = c.diffs[name]
        if not diff:
            lines.append("Same rounds: same sites, hours and counts.")
            continue
        lines += table(
            list(plan_diff_module.DIFF_COLUMNS),
            [[_cell(r[k]) for k in plan_diff_module.DIFF_COLUMNS] for r in diff],
        )
    return "\n".join(lines)


def render_sweep(result: SweepResult) -> str:
    """The sweep rows as a text table."""
    rows = [[t or "-" for t in _row_texts(result, r)] for r in result.rows]
    return "\n".join(table(result.columns, rows))
