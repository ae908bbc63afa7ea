"""The solve entry point: Result, progress, stop, determinism, the presolve retry."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from models.loader import scenario_from_data
from planner import cpsat
from planner.engine import Progress
from planner.solve import PlanInvalidError, Result, solve

ROOT = Path(__file__).resolve().parents[1]


def scenario(**rounds):
    # Four living captives, one site taking two per round, 3 h windows, 12 h apart:
    # ends at 3 and 15, so living_release_hours = 2*3 + 2*15 = 36 and makespan 15.
    return scenario_from_data(
        {
            "format": "exchange-scenario/1",
            "name": "four",
            "horizon_hours": 100,
            "captives": [{"id": "a", "status": "living", "count": 4}],
            "rounds": {"max_rounds": 4, "duration_hours": 3, "min_gap_hours": 12, **rounds},
            "sites": [{"id": "s", "max_captives_per_round": 2}],
        }
    )


def test_result_carries_objective_stages_and_checks_itself() -> None:
    res = solve(scenario(), time_limit=20)
    assert res.status == "optimal"
    assert res.objective == {
        "living_release_hours": 36,
        "release_hours": 36,
        "makespan": 15,
        "rounds": 2,
    }
    assert [s.term for s in res.stages] == list(res.objective)
    assert all(s.proven and s.value == s.bound for s in res.stages)
    assert res.check() is res
    assert res.plan.manifest["stages"][0]["value"] == 36


def test_check_raises_on_violations() -> None:
    res = solve(scenario(), time_limit=20)
    broken = Result(plan=res.plan, violations=[object()])  # type: ignore[list-item]
    with pytest.raises(PlanInvalidError):
        broken.check()


def test_progress_reports_every_stage() -> None:
    events: list[Progress] = []
    solve(scenario(), time_limit=20, on_progress=events.append)
    done = [e.term for e in events if e.event == "stage_done"]
    assert done == ["living_release_hours", "release_hours", "makespan", "rounds"]
    assert all(e.stages == 4 for e in events)


def test_stop_keeps_the_best_plan_so_far() -> None:
    stop = threading.Event()
    stop.set()
    res = solve(scenario(), time_limit=20, stop=stop)
    # Stopped at the first solution: a valid plan, optimality not claimed past stage 1.
    assert res.has_plan
    assert res.violations == []
    assert res.status in ("feasible", "optimal")
    assert len(res.stages) == 1


def test_deterministic_mode_replays_the_same_plan() -> None:
    a = solve(scenario(), time_limit=20, workers=2, deterministic=True, seed=7)
    b = solve(scenario(), time_limit=20, workers=2, deterministic=True, seed=7)
    assert a.plan.rounds == b.plan.rounds
    assert a.objective == b.objective


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        solve(scenario(), engine="nope")


def test_presolve_index_error_is_retried_without_presolve(monkeypatch: pytest.MonkeyPatch) -> None:
    # OR-Tools 9.15 can raise IndexError (raw_hash_map::at) in presolve on some infeasible
    # models; the engine must retry that stage with presolve off and give the right answer.
    real = cp_model.CpSolver
    calls: list[bool] = []

    class Flaky(real):  # type: ignore[misc, valid-type]
        def solve(self, model, callback=None):
            calls.append(self.parameters.cp_model_presolve)
            if self.parameters.cp_model_presolve:
                raise IndexError("raw_hash_map::at")
            return super().solve(model, callback)

    monkeypatch.setattr(cpsat.cp_model, "CpSolver", Flaky)
    res = solve(scenario(), time_limit=20)
    assert res.status == "optimal"
    assert res.objective["living_release_hours"] == 36
    assert res.stats["presolve_retries"] == 4  # every stage hit it and was retried
    assert calls == [True, False] * 4
    # An infeasible model through the same path: 4 captives, 1 round of at most 2.
    calls.clear()
    res = solve(scenario(max_rounds=1), time_limit=20)
    assert res.status == "infeasible"
    assert calls == [True, False]


def test_validator_does_not_import_the_model_code() -> None:
    tree = ast.parse((ROOT / "planner" / "validate.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not any(m == "planner" or m.startswith("planner.") for m in imported)
    assert not any("ortools" in m or "pulp" in m for m in imported)


def test_stop_ends_a_long_proof_without_waiting_for_a_new_incumbent() -> None:
    # A generated N=16 scenario takes minutes to prove; Stop after 1 s must end the
    # search promptly and keep the best plan found so far.
    from planner.generate import generate

    big = scenario_from_data(generate(16, 0))
    stop = threading.Event()
    timer = threading.Timer(1.0, stop.set)
    timer.start()
    try:
        res = solve(big, time_limit=300, stop=stop)
    finally:
        timer.cancel()
    assert res.status in ("feasible", "unknown")
    assert res.stats["wall_seconds"] < 120  # far below the 300 s limit
    if res.has_plan:
        assert res.violations == []


def test_milp_highs_solves_again_with_another_worker_count() -> None:
    # HiGHS keeps one thread pool per process; asking for another size used to make
    # every later solve in the process end "unknown" at once.
    assert solve(scenario(), engine="milp-highs", workers=2).status == "optimal"
    assert solve(scenario(), engine="milp-highs", workers=1).status == "optimal"
