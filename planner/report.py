"""Plain-text rendering of plans and progress for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from models.plan import Plan
from models.scenario import Scenario
from planner.engine import Progress


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{cid} {n}" for cid, n in counts.items()) or "-"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of text under a header, in left-aligned columns (the terminal tables)."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r) for r in rows]
    return [line.rstrip() for line in lines]


def render_plan(plan: Plan, scenario: Scenario | None = None) -> str:
    """The plan as a readable table: status, objective, rounds, phases, KPIs, peak use."""
    manifest = plan.manifest or {}
    took = f", {manifest['wall_seconds']} s" if "wall_seconds" in manifest else ""
    lines = [f"Plan for '{plan.scenario}': {plan.status} ({plan.engine}{took})"]
    if not plan.has_plan:
        lines.append(
            "No plan exists: the rules cannot all hold."
            if plan.status == "infeasible"
            else "No plan was found in the time given."
        )
        return "\n".join(lines)
    lines.append("Objective: " + ", ".join(f"{k} {v}" for k, v in plan.objective.items()))
    lines.append("")
    rows = [
        [
            str(r.index),
            r.site,
            str(r.start_hour),
            str(r.end_hour),
            "-" if r.detainee_release_hour is None else str(r.detainee_release_hour),
            _counts(r.captives),
            _counts(r.detainees),
        ]
        for r in plan.rounds
    ]
    lines += table(
        ["round", "site", "start", "end", "detainees out", "captives", "detainees"], rows
    )
    if plan.phases:
        lines.append("")
        rows = [[pid, str(t.start_hour), str(t.end_hour)] for pid, t in plan.phases.items()]
        lines += table(["phase", "start", "end"], rows)
    k = plan.kpis or {}
    if k:
        lines.append("")
        hour = k.get("last_living_home_hour")
        if hour is not None:
            when = f"hour {hour} (day {k['last_living_home_day']}"
            when += f", {k['last_living_home_time']})" if k.get("last_living_home_time") else ")"
            lines.append(f"Last living captive home: {when}")
        lines.append(
            f"Rounds: {k['rounds']}; detainees released: {k['detainees_released']}; "
            f"makespan: hour {k['makespan']}"
        )
        peaks = []
        for name, use in (k.get("peak_use") or {}).items():
            limit = use.get("limit")
            peaks.append(f"{name} {use.get('peak')}/{'-' if limit is None else limit}")
        if peaks:
            lines.append("Peak use (used/limit): " + ", ".join(peaks))
        if k.get("robustness") is not None:
            lines.append(
                f"Robustness: {k['robustness']:.0%} of 200 draws of delays (rounds up to 12 h, "
                "phases up to 6 h late) keep every deadline and milestone"
            )
    return "\n".join(lines)


def render_progress(p: Progress) -> str:
    """One progress line for stderr."""
    bound = "-" if p.bound is None else f"{p.bound:.0f}"
    what = "stage done" if p.event == "stage_done" else "incumbent"
    return (
        f"[{p.elapsed:6.1f} s] stage {p.stage + 1}/{p.stages} {p.term}: "
        f"{what} {p.incumbent:.0f}, bound {bound}"
    )
