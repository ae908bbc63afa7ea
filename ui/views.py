"""Pure helpers that shape plans and scenarios for display.

No Streamlit and no solving here: each function takes plain data, a
:class:`~models.plan.Plan` or a :class:`~models.scenario.Scenario` and returns a
pandas frame, text or HTML. Every figure shown comes from the plan itself, from
its ``kpis`` (computed by :mod:`planner.kpi`) or from the validator's verdict.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import networkx as nx
import pandas as pd
import yaml

from models.plan import Plan
from models.scenario import Scenario
from planner import diff as _diff
from planner.engine import Progress
from planner.validate import RULES, Violation

# --------------------------------------------------------------------------- words

STATUS_WORDS = {
    "optimal": (
        "Optimal: the plan respects every rule, and every stage of the objective "
        "is proven to be the best possible."
    ),
    "feasible": (
        "Feasible: the plan respects every rule, but it is not proven to be the best "
        "(the time limit was reached or the solve was stopped)."
    ),
    "infeasible": "Infeasible: it is proven that no plan can respect every rule of this scenario.",
    "unknown": "No plan: none was found within the time limit.",
}

TERM_WORDS = {
    "priority_inversion_hours": "priority inversion (hours)",
    "living_release_hours": "living release hours (weighted sum)",
    "release_hours": "release hours of all captives (weighted sum)",
    "makespan": "makespan (hour)",
    "rounds": "rounds",
}


def status_words(status: str) -> str:
    """The plan status as a sentence a planner can act on."""
    return STATUS_WORDS.get(status, f"Status {status}.")


def verdict(plan: Plan, violations: Sequence[Violation]) -> tuple[bool, str]:
    """The validator's verdict on a plan: (every rule holds, sentence)."""
    if violations:
        return False, (
            f"The independent validator found {len(violations)} broken rule(s) in this plan. "
            "This is a bug in the planner: please report it with the scenario."
        )
    if plan.has_plan:
        return True, (
            f"Checked by the independent validator: every rule of the scenario holds "
            f"({len(RULES)} rule families recomputed from the scenario and the plan alone)."
        )
    return True, (
        f"Checked by the independent validator: a plan with status {plan.status} carries "
        "no rounds, as it should."
    )


def violation_frame(violations: Sequence[Violation]) -> pd.DataFrame:
    """Violations as a table: rule family, where, message."""
    return pd.DataFrame(
        [{"rule": v.rule, "where": v.where, "message": v.message} for v in violations],
        columns=["rule", "where", "message"],
    )


def selector_text(selector: dict[str, Any] | None) -> str:
    """A cohort selector as one line of YAML flow text: ``{status: living, category: [a, b]}``."""
    if not selector:
        return "{}"
    simple = {k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in selector.items()}
    return yaml.safe_dump(simple, default_flow_style=True, sort_keys=False, width=10**6).strip()


def wall_time(hour: int | None, start: datetime | None) -> str | None:
    """An hour as a short wall-clock time (``Sun 12 Oct 2025 09:00``), when the start is known."""
    if hour is None or start is None:
        return None
    return (start + timedelta(hours=hour)).strftime("%a %d %b %Y %H:%M")


def hour_label(hour: int | None, start: datetime | None = None) -> str:
    """``hour 45 (day 1, Sun 12 Oct 2025 09:00)``; ``-`` when there is no hour."""
    if hour is None:
        return "-"
    wall = wall_time(hour, start)
    return f"hour {hour} (day {hour // 24}" + (f", {wall})" if wall else ")")


def counts_text(counts: dict[str, int]) -> str:
    """``a 7, b 2`` or ``-``."""
    return ", ".join(f"{cid} {n}" for cid, n in counts.items()) or "-"


# --------------------------------------------------------------------------- KPIs


def kpi_summary(plan: Plan) -> dict[str, Any]:
    """The headline KPIs of a plan, as the planner computed them (``plan.kpis``).

    Returns ``{}`` for a plan without rounds.
    """
    k = plan.kpis or {}
    if not plan.has_plan or not k:
        return {}
    return {
        "last_living_home_hour": k.get("last_living_home_hour"),
        "last_living_home_day": k.get("last_living_home_day"),
        "rounds": k.get("rounds"),
        "makespan": k.get("makespan"),
        "detainees_released": k.get("detainees_released"),
        "captives_released": sum(k.get("captives_per_round") or []),
    }


def peak_frame(plan: Plan) -> pd.DataFrame:
    """Peak use of every capacity: capacity, peak, limit, use (% of limit), binding."""
    rows = []
    for name, use in ((plan.kpis or {}).get("peak_use") or {}).items():
        peak, limit = use.get("peak"), use.get("limit")
        share = None if not limit else round(100.0 * peak / limit, 1)
        rows.append(
            {
                "capacity": name,
                "peak": peak,
                "limit": limit,
                "use %": share,
                "binding": limit is not None and peak >= limit,
            }
        )
    frame = pd.DataFrame(rows, columns=["capacity", "peak", "limit", "use %", "binding"])
    return frame.astype({"peak": "Int64", "limit": "Int64", "use %": "Float64"})


def _kpi_rows(plan: Plan) -> dict[str, str]:
    """Every comparable figure of a plan as text, by row label (for the compare table)."""
    rows: dict[str, str] = {"status": plan.status, "engine": plan.engine}
    for term, value in plan.objective.items():
        rows[f"objective: {term}"] = str(value)
    k = plan.kpis or {}
    if plan.has_plan and k:
        hour = k.get("last_living_home_hour")
        rows["last living captive home (hour)"] = "-" if hour is None else str(hour)
        rows["rounds"] = str(k.get("rounds"))
        rows["makespan (hour)"] = str(k.get("makespan"))
        rows["detainees released"] = str(k.get("detainees_released"))
        rows["captives released"] = str(sum(k.get("captives_per_round") or []))
        for name, use in (k.get("peak_use") or {}).items():
            limit = use.get("limit")
            rows[f"peak {name}"] = f"{use.get('peak')} / {'-' if limit is None else limit}"
    seconds = (plan.manifest or {}).get("wall_seconds")
    if seconds is not None:
        rows["solve time (s)"] = f"{seconds:.2f}"
    return rows


def compare_kpis(named: Sequence[tuple[str, Plan]]) -> pd.DataFrame:
    """KPIs side by side: one row per figure, one column per plan (text values)."""
    per_plan = {name: _kpi_rows(plan) for name, plan in named}
    labels: list[str] = []
    for rows in per_plan.values():
        labels += [label for label in rows if label not in labels]
    data = {name: [rows.get(label, "") for label in labels] for name, rows in per_plan.items()}
    return pd.DataFrame(data, index=pd.Index(labels, name="figure"), dtype=object)


def differs_from_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans: cell differs from the first column (the reference plan) in its row."""
    if frame.shape[1] == 0:
        return frame.astype(bool)
    ref = frame.iloc[:, 0]
    out = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    for col in frame.columns[1:]:
        out[col] = frame[col] != ref
    return out


# --------------------------------------------------------------------------- tables


def rounds_frame(plan: Plan, scenario: Scenario | None = None) -> pd.DataFrame:
    """One row per round: times, counts (living, deceased, detainees) and cohorts."""
    status = {c.id: c.status for c in scenario.captives} if scenario else {}
    start = scenario.start if scenario else None
    rows = []
    for r in plan.rounds:
        living = sum(n for cid, n in r.captives.items() if status.get(cid) == "living")
        deceased = sum(n for cid, n in r.captives.items() if status.get(cid) == "deceased")
        row = {
            "round": r.index,
            "site": r.site,
            "start": r.start_hour,
            "end": r.end_hour,
            "detainees out": r.detainee_release_hour,
            "captives": sum(r.captives.values()),
            "living": living,
            "deceased": deceased,
            "detainees": sum(r.detainees.values()),
            "captive cohorts": counts_text(r.captives),
            "detainee cohorts": counts_text(r.detainees),
        }
        if start is not None:
            row["start time"] = wall_time(r.start_hour, start)
        rows.append(row)
    columns = [
        "round",
        "site",
        "start",
        "end",
        "detainees out",
        "captives",
        "living",
        "deceased",
        "detainees",
        "captive cohorts",
        "detainee cohorts",
    ]
    if start is not None:
        columns.append("start time")
    return pd.DataFrame(rows, columns=columns).astype({"detainees out": "Int64"})


def phases_frame(plan: Plan, scenario: Scenario | None = None) -> pd.DataFrame:
    """One row per phase: start, end, deadline and slack (deadline - end)."""
    deadline = {p.id: p.deadline_hour for p in scenario.phases} if scenario else {}
    rows = []
    for pid, t in plan.phases.items():
        d = deadline.get(pid)
        rows.append(
            {
                "phase": pid,
                "start": t.start_hour,
                "end": t.end_hour,
                "deadline": d,
                "slack (h)": None if d is None else d - t.end_hour,
            }
        )
    frame = pd.DataFrame(rows, columns=["phase", "start", "end", "deadline", "slack (h)"])
    return frame.astype({"deadline": "Int64", "slack (h)": "Int64"})


def plan_csv(plan: Plan, scenario: Scenario | None = None) -> str:
    """The plan as CSV: one row per round and per phase, one column per cohort."""
    captive_ids: list[str] = [c.id for c in scenario.captives] if scenario else []
    detainee_ids: list[str] = [d.id for d in scenario.detainees] if scenario else []
    for r in plan.rounds:
        captive_ids += [c for c in r.captives if c not in captive_ids]
        detainee_ids += [d for d in r.detainees if d not in detainee_ids]
    columns = ["kind", "id", "site", "start_hour", "end_hour", "detainee_release_hour"]
    columns += [f"captive:{c}" for c in captive_ids] + [f"detainee:{d}" for d in detainee_ids]
    rows = []
    for r in plan.rounds:
        row: dict[str, Any] = {
            "kind": "round",
            "id": r.index,
            "site": r.site,
            "start_hour": r.start_hour,
            "end_hour": r.end_hour,
            "detainee_release_hour": r.detainee_release_hour,
        }
        row.update({f"captive:{c}": r.captives.get(c, 0) for c in captive_ids})
        row.update({f"detainee:{d}": r.detainees.get(d, 0) for d in detainee_ids})
        rows.append(row)
    for pid, t in plan.phases.items():
        rows.append(
            {"kind": "phase", "id": pid, "start_hour": t.start_hour, "end_hour": t.end_hour}
        )
    frame = pd.DataFrame(rows, columns=columns)
    for col in columns[3:]:
        frame[col] = frame[col].astype("Int64")
    return frame.to_csv(index=False, lineterminator="\n")


# --------------------------------------------------------------------------- timeline


RELEASE_LANE = "detainees out"


def gantt_frame(plan: Plan, scenario: Scenario | None = None) -> pd.DataFrame:
    """Bars and markers of the timeline: rounds per site, detainee releases, phases.

    Columns: ``lane`` (``site X``, :data:`RELEASE_LANE` or ``phase P``), ``kind``
    (``round``, ``detainee release``, ``phase``), ``label``, ``start``, ``end`` (equal
    for a release) and ``detail`` (hover text). Lanes are in :func:`lane_order`.
    """
    start = scenario.start if scenario else None
    rows = []
    for r in plan.rounds:
        when = wall_time(r.start_hour, start)
        detail = (
            f"round {r.index} at {r.site}: hours {r.start_hour}-{r.end_hour}"
            + (f" ({when})" if when else "")
            + f"<br>captives: {counts_text(r.captives)}"
        )
        if r.detainee_release_hour is not None:
            detail += f"<br>detainees out at hour {r.detainee_release_hour}: "
            detail += counts_text(r.detainees)
        rows.append(
            {
                "lane": f"site {r.site}",
                "kind": "round",
                "label": f"R{r.index}",
                "start": r.start_hour,
                "end": r.end_hour,
                "detail": detail,
            }
        )
        if r.detainee_release_hour is not None:
            rows.append(
                {
                    "lane": RELEASE_LANE,
                    "kind": "detainee release",
                    "label": f"R{r.index}: {sum(r.detainees.values())}",
                    "start": r.detainee_release_hour,
                    "end": r.detainee_release_hour,
                    "detail": f"round {r.index}: {sum(r.detainees.values())} detainees out "
                    f"at hour {r.detainee_release_hour}<br>{counts_text(r.detainees)}",
                }
            )
    for pid, t in plan.phases.items():
        rows.append(
            {
                "lane": f"phase {pid}",
                "kind": "phase",
                "label": pid,
                "start": t.start_hour,
                "end": t.end_hour,
                "detail": f"phase {pid}: hours {t.start_hour}-{t.end_hour}",
            }
        )
    frame = pd.DataFrame(rows, columns=["lane", "kind", "label", "start", "end", "detail"])
    order = lane_order(plan, scenario)
    frame["order"] = frame["lane"].map({lane: i for i, lane in enumerate(order)})
    return frame.sort_values(["order", "start"], kind="stable").drop(columns="order")


def lane_order(plan: Plan, scenario: Scenario | None = None) -> list[str]:
    """Timeline lanes top to bottom: sites (scenario order), detainee releases, phases."""
    sites = [s.id for s in scenario.sites] if scenario else []
    sites += [r.site for r in plan.rounds if r.site not in sites]
    phases = [p.id for p in scenario.phases] if scenario else []
    phases += [p for p in plan.phases if p not in phases]
    used_sites = {r.site for r in plan.rounds}
    releases = (
        [RELEASE_LANE] if any(r.detainee_release_hour is not None for r in plan.rounds) else []
    )
    return (
        [f"site {s}" for s in sites if s in used_sites]
        + releases
        + [f"phase {p}" for p in phases if p in plan.phases]
    )


def deadline_marks(scenario: Scenario) -> pd.DataFrame:
    """Deadlines to mark on the timeline.

    Columns: ``lane`` (a phase lane for a phase deadline, ``None`` for a line across
    the chart), ``hour``, ``kind`` (``phase deadline``, ``captive deadline``,
    ``detainee deadline``, ``horizon``) and ``label``.
    """
    rows = [
        {
            "lane": f"phase {p.id}",
            "hour": p.deadline_hour,
            "kind": "phase deadline",
            "label": f"{p.id} must end by hour {p.deadline_hour}",
        }
        for p in scenario.phases
        if p.deadline_hour is not None
    ]
    for kind, cohorts in (("captive", scenario.captives), ("detainee", scenario.detainees)):
        by_hour: dict[int, list[str]] = {}
        for c in cohorts:
            if c.deadline_hour is not None and c.deadline_hour < scenario.horizon_hours:
                by_hour.setdefault(c.deadline_hour, []).append(c.id)
        for hour, ids in sorted(by_hour.items()):
            rows.append(
                {
                    "lane": None,
                    "hour": hour,
                    "kind": f"{kind} deadline",
                    "label": f"{kind} deadline {hour}: {', '.join(ids)}",
                }
            )
    rows.append(
        {
            "lane": None,
            "hour": scenario.horizon_hours,
            "kind": "horizon",
            "label": f"horizon {scenario.horizon_hours}",
        }
    )
    return pd.DataFrame(rows, columns=["lane", "hour", "kind", "label"])


# --------------------------------------------------------------------------- curves

CURVE_SERIES = ("living captives", "deceased captives", "detainees")


def release_curves(plan: Plan, scenario: Scenario | None = None) -> pd.DataFrame:
    """Cumulative releases over time, as step points.

    Columns: ``series`` (one of :data:`CURVE_SERIES`), ``hour``, ``released``. Each
    series starts at hour 0 with 0 and ends at the plan's last event, so curves of
    one plan share an x range. Captives count at ``end_hour``, detainees at
    ``detainee_release_hour``. Captive cohorts the scenario does not know (a plan
    from elsewhere) are left out of the captive series.
    """
    status = {c.id: c.status for c in scenario.captives} if scenario else {}
    events: dict[str, dict[int, int]] = {s: {} for s in CURVE_SERIES}
    for r in plan.rounds:
        for cid, n in r.captives.items():
            kind = status.get(cid)
            if kind is not None:
                series = events[f"{kind} captives"]
                series[r.end_hour] = series.get(r.end_hour, 0) + n
        if r.detainee_release_hour is not None and r.detainees:
            series = events["detainees"]
            series[r.detainee_release_hour] = series.get(r.detainee_release_hour, 0) + sum(
                r.detainees.values()
            )
    hours = [h for e in events.values() for h in e] + [t.end_hour for t in plan.phases.values()]
    last = max(hours, default=0)
    rows = []
    for series, per_hour in events.items():
        total = 0
        rows.append({"series": series, "hour": 0, "released": 0})
        for hour in sorted(per_hour):
            total += per_hour[hour]
            rows.append({"series": series, "hour": hour, "released": total})
        rows.append({"series": series, "hour": last, "released": total})
    return pd.DataFrame(rows, columns=["series", "hour", "released"])


# --------------------------------------------------------------------------- diffs


def match_rounds(before: Plan, after: Plan) -> list[tuple[Any, Any]]:
    """Pair the rounds of two plans so that a diff shows what moved, not how ties were listed.

    See :func:`planner.diff.match_rounds` (this is the same function).
    """
    return _diff.match_rounds(before, after)


def plan_diff(before: Plan, after: Plan) -> pd.DataFrame:
    """Round-by-round differences between two plans (rounds paired by :func:`match_rounds`).

    Columns: ``round`` (``R2`` or ``R2 -> R3`` when its number changed), ``change``
    (``added``, ``removed``, ``site``, ``start``, ``detainees out``, ``captive COHORT``,
    ``detainee COHORT``), ``before``, ``after`` and ``delta`` (after - before, for hours
    and counts). Empty when both plans have the same rounds. The rows come from
    :func:`planner.diff.plan_diff`; here ``before``/``after`` are shown as text.
    """
    frame = pd.DataFrame(_diff.plan_diff(before, after), columns=list(_diff.DIFF_COLUMNS))
    frame["before"] = frame["before"].astype(str)
    frame["after"] = frame["after"].astype(str)
    return frame.astype({"delta": "Int64"})


def _schedule(plan: Plan) -> dict[tuple[str, str], dict[int, int]]:
    """(kind, cohort) -> {release hour: count}."""
    out: dict[tuple[str, str], dict[int, int]] = {}
    for r in plan.rounds:
        for cid, n in r.captives.items():
            per = out.setdefault(("captive", cid), {})
            per[r.end_hour] = per.get(r.end_hour, 0) + n
        if r.detainee_release_hour is not None:
            for did, n in r.detainees.items():
                per = out.setdefault(("detainee", did), {})
                per[r.detainee_release_hour] = per.get(r.detainee_release_hour, 0) + n
    return out


def _schedule_text(per_hour: dict[int, int] | None) -> str:
    if not per_hour:
        return "-"
    return ", ".join(f"{n} at h{h}" for h, n in sorted(per_hour.items()))


def cohort_moves(before: Plan, after: Plan) -> pd.DataFrame:
    """Cohorts whose release hours changed between two plans.

    Columns: ``kind``, ``cohort``, ``before`` and ``after`` (``7 at h45, 2 at h69``),
    ``last release delta`` (hours the cohort's last release moved).
    """
    a, b = _schedule(before), _schedule(after)
    rows = []
    for key in list(a) + [k for k in b if k not in a]:
        sa, sb = a.get(key), b.get(key)
        if sa == sb:
            continue
        delta = max(sb) - max(sa) if sa and sb else None
        rows.append(
            {
                "kind": key[0],
                "cohort": key[1],
                "before": _schedule_text(sa),
                "after": _schedule_text(sb),
                "last release delta": delta,
            }
        )
    frame = pd.DataFrame(rows, columns=["kind", "cohort", "before", "after", "last release delta"])
    return frame.astype({"last release delta": "Int64"})


# --------------------------------------------------------------------------- progress


def progress_frame(events: Iterable[Progress]) -> pd.DataFrame:
    """Progress reports as a table: stage (1-based), term, elapsed, incumbent, bound, event."""
    rows = [
        {
            "stage": p.stage + 1,
            "term": p.term,
            "elapsed": p.elapsed,
            "incumbent": p.incumbent,
            "bound": p.bound,
            "event": p.event,
        }
        for p in events
    ]
    return pd.DataFrame(rows, columns=["stage", "term", "elapsed", "incumbent", "bound", "event"])


def stage_table(events: Sequence[Progress], terms: Sequence[str]) -> pd.DataFrame:
    """One row per objective stage: best value, bound, gap and state so far."""
    last: dict[int, Progress] = {}
    done: set[int] = set()
    for p in events:
        last[p.stage] = p
        if p.event == "stage_done":
            done.add(p.stage)
    current = max(last, default=-1)
    rows = []
    for i, term in enumerate(terms):
        p = last.get(i)
        best = None if p is None or p.incumbent is None else p.incumbent
        bound = None if p is None or p.bound is None else p.bound
        if i in done:
            state = "proven" if best is not None and bound is not None and best <= bound else "done"
        elif i == current:
            state = "searching"
        else:
            state = "waiting" if i > current else "-"
        rows.append(
            {
                "stage": i + 1,
                "term": term,
                "best": None if best is None else round(best),
                "bound": None if bound is None else math.ceil(bound - 1e-6),
                "gap %": gap_percent(best, bound),
                "state": state,
            }
        )
    frame = pd.DataFrame(rows, columns=["stage", "term", "best", "bound", "gap %", "state"])
    return frame.astype({"best": "Int64", "bound": "Int64", "gap %": "Float64"})


def gap_percent(best: float | None, bound: float | None) -> float | None:
    """Relative gap between a best value and its bound, in percent (0 when they meet)."""
    if best is None or bound is None:
        return None
    gap = max(0.0, best - bound)
    return 0.0 if gap == 0 else round(100.0 * gap / max(abs(best), 1.0), 2)


def progress_line(events: Sequence[Progress]) -> str:
    """A one-line summary of the latest progress report."""
    if not events:
        return "Building the model and searching for a first plan..."
    p = events[-1]
    what = "stage done" if p.event == "stage_done" else "best so far"
    best = "-" if p.incumbent is None else f"{p.incumbent:.0f}"
    bound = "-" if p.bound is None else f"{p.bound:.0f}"
    return (
        f"Stage {p.stage + 1} of {p.stages} ({p.term}): {what} {best}, bound {bound} "
        f"after {p.elapsed:.1f} s"
    )


# --------------------------------------------------------------------------- phase graph


def phase_graph(data: dict[str, Any]) -> nx.DiGraph:
    """The dependency graph of phases and milestones, from scenario data (possibly invalid).

    Nodes have ``kind`` (``phase``, ``milestone``, ``zone``, ``missing``), ``label`` and
    ``detail``; edges ``label``. A milestone is a release condition (``captives_released``
    or ``detainees_released`` with a fraction); a zone node is a zone a phase opens.
    Anything malformed is skipped, so this never raises on what the editor produces.
    """
    g = nx.DiGraph()
    phases = data.get("phases") if isinstance(data, dict) else None
    if not isinstance(phases, list):
        return g
    for p in phases:
        if isinstance(p, dict) and isinstance(p.get("id"), str):
            detail = f"phase {p['id']}: {p.get('duration_hours', '?')} h"
            if p.get("earliest_start") is not None:
                detail += f", from hour {p['earliest_start']}"
            if p.get("deadline_hour") is not None:
                detail += f", ends by hour {p['deadline_hour']}"
            g.add_node(p["id"], kind="phase", label=p["id"], detail=detail)
    for p in phases:
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            continue
        pid = p["id"]
        for cond in p.get("after") or []:
            if not isinstance(cond, dict):
                continue
            lag = cond.get("lag_hours") or 0
            lag_text = f"+{lag} h" if lag else ""
            if isinstance(cond.get("phase"), str):
                src = cond["phase"]
                if src not in g:
                    g.add_node(
                        src, kind="missing", label=f"{src}?", detail=f"unknown phase '{src}'"
                    )
                g.add_edge(src, pid, label=lag_text)
                continue
            for kind in ("captives", "detainees"):
                sel = cond.get(f"{kind}_released")
                if isinstance(sel, dict):
                    fraction = cond.get("fraction", 1)
                    try:
                        share = f"{float(fraction) * 100:g}%"
                    except (TypeError, ValueError):
                        share = str(fraction)
                    text = selector_text(sel) if _plain_selector(sel) else str(sel)
                    node = f"{kind} released {text} {share}"
                    g.add_node(
                        node,
                        kind="milestone",
                        label=f"{share} of {kind}<br>{text}",
                        detail=f"{share} of the {kind} matching {text} released",
                    )
                    g.add_edge(node, pid, label=lag_text)
        for zone in p.get("opens_zones") or []:
            if isinstance(zone, str):
                node = f"zone {zone}"
                g.add_node(
                    node,
                    kind="zone",
                    label=f"zone {zone} open",
                    detail=f"captives in zone {zone} may be handed over",
                )
                g.add_edge(pid, node, label="opens")
    return g


def _plain_selector(sel: dict) -> bool:
    return all(
        isinstance(v, str) or (isinstance(v, list) and all(isinstance(i, str) for i in v))
        for v in sel.values()
    )


def graph_positions(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Left-to-right layered positions: each node one column after its latest predecessor.

    A graph with a cycle (an input error the loader reports) is laid out on a circle.
    """
    if g.number_of_nodes() == 0:
        return {}
    if not nx.is_directed_acyclic_graph(g):
        return {n: (float(x), float(y)) for n, (x, y) in nx.circular_layout(g).items()}
    layer: dict[str, int] = {}
    for n in nx.topological_sort(g):
        layer[n] = max((layer[p] + 1 for p in g.predecessors(n)), default=0)
    columns: dict[int, list[str]] = {}
    for n in g.nodes:  # insertion order keeps the scenario's order within a column
        columns.setdefault(layer[n], []).append(n)
    pos = {}
    for x, nodes in columns.items():
        for i, n in enumerate(nodes):
            pos[n] = (float(x), -(i - (len(nodes) - 1) / 2.0))
    return pos


def cycle_edges(g: nx.DiGraph) -> set[tuple[str, str]]:
    """Edges on some cycle (phase conditions that wait for each other)."""
    out: set[tuple[str, str]] = set()
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1:
            out |= {(u, v) for u, v in g.edges if u in comp and v in comp}
    out |= {(u, v) for u, v in g.edges if u == v}
    return out


# --------------------------------------------------------------------------- briefing

_BRIEFING_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       font-size: 10.5pt; color: #111; max-width: 190mm; margin: 10mm auto; }
h1 { font-size: 15pt; margin: 0 0 2mm 0; }
h2 { font-size: 11.5pt; margin: 4mm 0 1mm 0; border-bottom: 1px solid #999; }
p { margin: 1mm 0; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0; }
th, td { border: 1px solid #bbb; padding: 1px 4px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.kpis { display: flex; gap: 4mm; flex-wrap: wrap; }
.kpi { border: 1px solid #999; padding: 1mm 3mm; }
.kpi b { display: block; font-size: 13pt; }
.ok { color: #0a6b2d; } .bad { color: #a40000; font-weight: bold; }
.small { font-size: 8.5pt; color: #444; }
@media print { body { margin: 0 auto; } @page { size: A4; margin: 10mm; } }
"""


def _table_html(header: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = ""
    for row in rows:
        cells = "".join(
            f'<td class="n">{html.escape(_cell(v))}</td>'
            if i in numeric
            else f"<td>{html.escape(_cell(v))}</td>"
            for i, v in enumerate(row)
        )
        body += f"<tr>{cells}</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "-"
    return str(value)


def briefing_html(
    plan: Plan, scenario: Scenario | None, violations: Sequence[Violation], title: str = ""
) -> str:
    """A one-page printable briefing of a plan (self-contained HTML, no scripts)."""
    esc = html.escape
    start = scenario.start if scenario else None
    ok, verdict_text = verdict(plan, violations)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(title or 'Plan briefing')}: {esc(plan.scenario)}</title>",
        f"<style>{_BRIEFING_CSS}</style></head><body>",
        f"<h1>{esc(title or 'Plan briefing')}: {esc(plan.scenario)}</h1>",
        f"<p><b>{esc(status_words(plan.status))}</b></p>",
        f"<p class='{'ok' if ok else 'bad'}'>{esc(verdict_text)}</p>",
    ]
    if start is not None:
        parts.append(f"<p>Hour 0 is {esc(start.isoformat())}; day d is hours [24d, 24d + 24).</p>")
    k = kpi_summary(plan)
    if k:
        hour = k["last_living_home_hour"]
        kpis = [
            ("Last living captive home", hour_label(hour, start) if hour is not None else "-"),
            ("Rounds", str(k["rounds"])),
            ("Makespan", hour_label(k["makespan"], start)),
            ("Captives released", str(k["captives_released"])),
            ("Detainees released", str(k["detainees_released"])),
        ]
        parts.append(
            "<div class='kpis'>"
            + "".join(f"<div class='kpi'>{esc(name)}<b>{esc(v)}</b></div>" for name, v in kpis)
            + "</div>"
        )
    if plan.objective:
        parts.append(
            "<p>Objective (lexicographic, in this order): "
            + esc(", ".join(f"{t} {v}" for t, v in plan.objective.items()))
            + "</p>"
        )
    if plan.rounds:
        rf = rounds_frame(plan, scenario)
        header = ["round", "site", "start", "end", "detainees out", "captives", "detainees"]
        if start is not None:
            header.insert(2, "start time")
        rows = [[row[h] for h in header] for _, row in rf.iterrows()]
        numbers = ("round", "start", "end", "detainees out", "captives", "detainees")
        numeric = {i for i, h in enumerate(header) if h in numbers}
        parts.append("<h2>Rounds</h2>")
        parts.append(_table_html(header, rows, numeric))
        detail = [[r.index, counts_text(r.captives), counts_text(r.detainees)] for r in plan.rounds]
        parts.append("<h2>Who goes in each round</h2>")
        parts.append(_table_html(["round", "captive cohorts", "detainee cohorts"], detail, {0}))
    if plan.phases:
        pf = phases_frame(plan, scenario)
        parts.append("<h2>Phases</h2>")
        parts.append(_table_html(list(pf.columns), pf.itertuples(index=False), {1, 2, 3, 4}))
    pk = peak_frame(plan)
    if len(pk):
        parts.append("<h2>Peak use of capacities</h2>")
        rows = [
            [r.capacity, r.peak, r.limit, "yes" if r.binding else ""]
            for r in pk.itertuples(index=False)
        ]
        parts.append(_table_html(["capacity", "peak", "limit", "binding"], rows, {1, 2}))
    if violations:
        parts.append("<h2>Broken rules</h2>")
        parts.append(
            _table_html(["rule", "where", "message"], violation_frame(violations).values, set())
        )
    m = plan.manifest or {}
    if m:
        parts.append(
            "<p class='small'>"
            + esc(
                f"Engine {m.get('engine')} {m.get('engine_version', '')}, seed {m.get('seed')}, "
                f"workers {m.get('workers')}, time limit {m.get('time_limit_seconds')} s, "
                f"solved in {m.get('wall_seconds')} s. Scenario {m.get('scenario_hash', '')}."
            )
            + "</p>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)
