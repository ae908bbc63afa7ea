"""Every shipped scenario loads, solves to a proven optimum and passes the validator."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.loader import load_scenario
from planner.solve import solve

INSTANCES = sorted((Path(__file__).resolve().parents[1] / "instances").glob("*.yaml"))
# Scenarios shipped to show infeasibility explanations are named *-infeasible.yaml.
FEASIBLE = [p for p in INSTANCES if not p.stem.endswith("-infeasible")]


def test_there_are_shipped_instances() -> None:
    assert len(FEASIBLE) >= 6


@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.stem)
def test_instance_loads_with_a_sourced_description(path: Path) -> None:
    sc = load_scenario(path)
    assert sc.description and len(sc.description) > 40


@pytest.mark.parametrize("path", FEASIBLE, ids=lambda p: p.stem)
def test_instance_solves_to_optimal_and_validates(path: Path) -> None:
    res = solve(load_scenario(path), time_limit=120)
    assert res.status == "optimal"
    assert res.violations == []
    assert list(res.objective) == list(load_scenario(path).objective_terms)
    assert all(stage.proven for stage in res.stages)
