"""Property tests on planted scenarios: a random plan first, then a scenario it satisfies.

1. The planted plan passes the independent validator, and the validator's objective
   values agree with the ones the generator computed on its own.
2. The exact solver proves an optimum, its plan passes the validator, and its objective
   is lexicographically no worse than the planted plan's.

See ``tests/planted.py`` for how the scenarios are built.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from models import plan_from_data, scenario_from_data
from planner.solve import solve
from planner.validate import objective_values, validate
from tests.planted import Planted, planted

# derandomize: the same examples on every run (and no example database), so CI is stable.
# The composite draws many small values per example, which hypothesis may find "large".
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def _describe(p: Planted) -> str:
    return f"scenario = {p.scenario!r}\nplanted plan = {p.plan!r}"


@settings(max_examples=300, **SETTINGS)
@given(planted())
def test_planted_plan_passes_the_validator(p: Planted) -> None:
    scenario = scenario_from_data(p.scenario)
    plan = plan_from_data(p.plan)
    assert scenario.objective_terms == p.terms
    assert validate(scenario, plan) == [], _describe(p)
    assert objective_values(scenario, plan) == p.objective, _describe(p)


@settings(max_examples=200, **SETTINGS)
@given(planted())
def test_solver_is_optimal_valid_and_no_worse_than_the_planted_plan(p: Planted) -> None:
    scenario = scenario_from_data(p.scenario)
    result = solve(scenario, time_limit=20)
    assert result.status == "optimal", _describe(p)
    assert result.violations == [], f"{result.violations}\n{_describe(p)}"
    terms = scenario.objective_terms
    assert tuple(result.objective) == terms
    found = tuple(result.objective[t] for t in terms)
    planted_key = p.planted_key()
    assert found <= planted_key, f"solver {found} > planted {planted_key}\n{_describe(p)}"


def test_open_hours_to_24_with_zero_duration_never_start_at_midnight() -> None:
    # open_hours [6, 24] with duration 0: hour of day 0 is closed (0 < 6), so a captive
    # ready at hour 24 goes at hour 30, not 24 (= "day 0, hour 24" in a naive model).
    scenario = scenario_from_data(
        {
            "format": "exchange-scenario/1",
            "name": "midnight",
            "horizon_hours": 60,
            "captives": [{"id": "c", "status": "living", "count": 1, "ready_hour": 24}],
            "rounds": {"max_rounds": 1, "duration_hours": 0, "open_hours": [6, 24]},
            "sites": [{"id": "s"}],
        }
    )
    result = solve(scenario, time_limit=20)
    assert result.status == "optimal"
    assert result.violations == []
    assert [r.start_hour for r in result.plan.rounds] == [30]
