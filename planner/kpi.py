"""Key figures of a plan, computed from the plan itself (not from any engine)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.plan import Plan
from models.scenario import Scenario
from planner import validate


def wall_clock(scenario: Scenario, hour: int | None) -> str | None:
    """The ISO wall-clock time of an hour, when the scenario gives its start."""
    if hour is None or scenario.start is None:
        return None
    return (scenario.start + timedelta(hours=hour)).isoformat()


def kpis(scenario: Scenario, plan: Plan) -> dict[str, Any]:
    """KPIs shown with every plan.

    Parameters
    ----------
    scenario, plan
        The scenario and a plan for it (status optimal or feasible).

    Returns
    -------
    dict
        ``last_living_home_hour``/``_day``/``_time`` (when the last living captive
        is released), ``rounds``, ``captives_per_round``, ``detainees_per_round``,
        ``detainees_released``, ``makespan``, ``peak_use`` (peak and limit of
        every capacity) and ``robustness`` (share of 200 seeded draws of delays,
        rounds up to 12 h and phases up to 6 h late, in which every deadline and
        milestone still holds: :func:`planner.stress.robustness_score`).
    """
    from planner.stress import robustness_score

    living = {c.id for c in scenario.captives if c.status == "living"}
    living_ends = [r.end_hour for r in plan.rounds if any(c in living for c in r.captives)]
    last_living = max(living_ends) if living_ends else None
    values = validate.objective_values(scenario, plan)
    return {
        "last_living_home_hour": last_living,
        "last_living_home_day": None if last_living is None else last_living // 24,
        "last_living_home_time": wall_clock(scenario, last_living),
        "rounds": len(plan.rounds),
        "captives_per_round": [sum(r.captives.values()) for r in plan.rounds],
        "detainees_per_round": [sum(r.detainees.values()) for r in plan.rounds],
        "detainees_released": sum(sum(r.detainees.values()) for r in plan.rounds),
        "makespan": values["makespan"],
        "peak_use": validate.usage(scenario, plan),
        "robustness": robustness_score(scenario, plan) if plan.rounds else None,
    }
