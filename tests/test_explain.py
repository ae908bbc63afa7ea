"""Explanations of infeasibility, repairs and binding limits, tiny scenarios with known answers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from typer.testing import CliRunner

from models.errors import InputError
from models.loader import load_scenario, scenario_from_data
from planner.cli import app
from planner.cpsat import CpSatModel
from planner.explain import binding, explain, feasible, repairs
from planner.generate import generate
from planner.rules import knobs, rule_words
from planner.solve import solve
from planner.variants import apply_overrides
from tests.planted import Planted, planted
from tests.test_property import SETTINGS

runner = CliRunner()
INSTANCES = Path(__file__).resolve().parents[1] / "instances"

# Three living captives, one site taking one a round, rounds 2 h long and 10 h apart:
# the third is home at hour 2 + 2 x 10 = 22 at the earliest, after the 20-hour deadline.
BASE: dict[str, Any] = {
    "format": "exchange-scenario/1",
    "name": "tiny",
    "horizon_hours": 48,
    "captives": [{"id": "a", "status": "living", "count": 3, "deadline_hour": 20}],
    "detainees": [{"id": "d", "status": "living", "count": 9}],
    "rounds": {"max_rounds": 3, "duration_hours": 2, "min_gap_hours": 10},
    "sites": [{"id": "s", "max_captives_per_round": 1}],
    "ratios": [{"name": "r", "captives": {}, "per_captive": 3}],
}


def scenario(**changes: Any):
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return scenario_from_data(data)


def write(tmp_path: Path, sc_data: dict, name: str = "sc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(sc_data), encoding="utf-8")
    return path


# Each case: a scenario and the one minimal conflict it has, with why in the comment.
CASES = [
    pytest.param(
        # The gap, the one-a-round site and the deadline together: lifting the gap lets
        # rounds run back to back (ends 2, 4, 6); a bigger site needs one round; no
        # deadline lets the third come home at 22.
        scenario(),
        ["rounds", "deadline:a", "site:s"],
        id="gap-site-deadline",
    ),
    pytest.param(
        # 3 captives need 3 x 3 = 9 detainees at 3 each, there are only 8.
        scenario(
            detainees=[{"id": "d", "status": "living", "count": 8}],
            captives=[{"id": "a", "status": "living", "count": 3}],
        ),
        ["ratio:r"],
        id="ratio-alone",
    ),
    pytest.param(
        # Ready at hour 20 but due by hour 21, and a round lasts 2 hours: either bound
        # alone is fine.
        scenario(
            captives=[
                {"id": "a", "status": "living", "count": 1, "ready_hour": 20, "deadline_hour": 21}
            ],
            detainees=[{"id": "d", "status": "living", "count": 3}],
        ),
        ["ready:a", "deadline:a"],
        id="ready-deadline",
    ),
    pytest.param(
        # A 4-hour handover never fits in open hours 08:00-10:00.
        scenario(
            captives=[{"id": "a", "status": "living", "count": 1}],
            detainees=[{"id": "d", "status": "living", "count": 3}],
            rounds={"max_rounds": 1, "duration_hours": 4, "open_hours": [8, 10]},
        ),
        ["open_hours"],
        id="open-hours",
    ),
    pytest.param(
        # The captive is ready at hour 10, home at 12 at the earliest; the 4-hour
        # phase after its release then ends at 16, past its deadline of 14.
        scenario(
            captives=[{"id": "a", "status": "living", "count": 1, "ready_hour": 10}],
            detainees=[{"id": "d", "status": "living", "count": 3}],
            phases=[
                {
                    "id": "p",
                    "duration_hours": 4,
                    "deadline_hour": 14,
                    "after": [{"captives_released": {}}],
                }
            ],
        ),
        ["ready:a", "phase:p"],
        id="phase-deadline",
    ),
    pytest.param(
        # One captive, one round: its detainees go out 2 h after its handover ends, but
        # the package wants them out no later than that end (within 0 h).
        scenario(
            captives=[{"id": "a", "status": "living", "count": 1}],
            detainees=[{"id": "d", "status": "living", "count": 3}],
            rounds={"max_rounds": 1, "duration_hours": 2, "detainee_lag_hours": [2, 2]},
            packages=[{"name": "p", "captives": {}, "detainees": {}, "within_hours": 0}],
        ),
        ["package:p"],
        id="package-alone",
    ),
    pytest.param(
        # Hard priority puts children (ready only at hour 30) before adults due by hour
        # 20; without priority, or with either bound lifted, the order works.
        scenario(
            captives=[
                {
                    "id": "kids",
                    "status": "living",
                    "category": "child",
                    "count": 1,
                    "ready_hour": 30,
                },
                {
                    "id": "adults",
                    "status": "living",
                    "category": "adult",
                    "count": 1,
                    "deadline_hour": 20,
                },
            ],
            detainees=[{"id": "d", "status": "living", "count": 6}],
            priority={"tiers": [{"category": "child"}, {"category": "adult"}]},
        ),
        ["ready:kids", "deadline:adults", "priority"],
        id="priority",
    ),
    pytest.param(
        # 10 detainees due by hour 23 (day 0), the prison releases 5 a day. (Two
        # captives, so that two rounds on two days could share them out.)
        scenario(
            captives=[{"id": "a", "status": "living", "count": 2}],
            detainees=[
                {"id": "d", "status": "living", "count": 10, "facility": "f", "deadline_hour": 23}
            ],
            facilities=[{"id": "f", "max_releases_per_day": 5}],
            ratios=[],
        ),
        ["deadline:d", "facility:f"],
        id="facility-deadline",
    ),
    pytest.param(
        # No vehicle at all, but 3 detainees to move on a 1-hour route.
        scenario(
            captives=[{"id": "a", "status": "living", "count": 1}],
            detainees=[
                {"id": "d", "status": "living", "count": 3, "facility": "f", "destination": "x"}
            ],
            facilities=[{"id": "f"}],
            routes=[{"facility": "f", "destination": "x", "hours": 1}],
            vehicles={"count": 0, "seats": 10},
        ),
        ["vehicles"],
        id="no-vehicle",
    ),
    pytest.param(
        # Two captives at two sites, each site taking one, both due by hour 4 with
        # 4-hour rounds: both rounds run at once, but there is one team.
        scenario(
            captives=[
                {"id": "a", "status": "living", "count": 1, "deadline_hour": 4},
                {"id": "b", "status": "living", "count": 1, "deadline_hour": 4},
            ],
            detainees=[{"id": "d", "status": "living", "count": 6}],
            rounds={"max_rounds": 2, "duration_hours": 4},
            sites=[
                {"id": "s1", "max_captives_per_round": 1},
                {"id": "s2", "max_captives_per_round": 1},
            ],
            teams={"count": 1},
        ),
        ["deadline:a", "deadline:b", "site:s1", "site:s2", "teams"],
        id="teams",
    ),
    pytest.param(
        # 4 living captives, all due by hour 23, reception takes 2 a day.
        scenario(
            captives=[{"id": "a", "status": "living", "count": 4, "deadline_hour": 23}],
            detainees=[{"id": "d", "status": "living", "count": 12}],
            rounds={"max_rounds": 4, "duration_hours": 2},
            sites=[{"id": "s"}],
            reception={"max_living_per_day": 2},
        ),
        ["deadline:a", "reception"],
        id="reception",
    ),
]


@pytest.mark.parametrize(("sc", "expected"), CASES)
def test_conflict_is_exactly_the_known_culprits(sc, expected: list[str]) -> None:
    out = explain(sc, time_limit=30)
    assert out.status == "infeasible"
    assert sorted(r.name for r in out.conflict) == sorted(expected)
    assert out.minimal
    assert not out.structural
    words = rule_words(sc)
    assert [r.words for r in out.conflict] == [words[r.name] for r in out.conflict]
    assert out.summary.endswith("cannot all hold" if len(expected) > 1 else "cannot hold")


@pytest.mark.parametrize(("sc", "expected"), CASES)
def test_every_suggested_repair_applied_is_feasible(sc, expected: list[str]) -> None:
    found, unrepaired, undecided = repairs(
        sc, expected, check_limit=10, solve_limit=10, processes=1
    )
    assert undecided == []
    assert found, "every case has at least one repair"
    assert {r.rule for r in found} | set(unrepaired) == set(expected)
    for r in found:
        repaired = apply_overrides(sc, [r.override])
        assert feasible(repaired, 10) == "feasible"
        result = solve(repaired, time_limit=10, workers=1)
        assert result.has_plan and result.violations == []
        assert r.objective == result.objective or r.status == "feasible"
        # Smallest: one step less does not work (switches have no smaller step).
        if r.minimal and "->" in r.change and "(" in r.change:
            knob = next(k for k in knobs(sc, r.rule) if r.override == k.override(_n(k, r)))
            n = _n(knob, r)
            if n > 1:
                assert feasible(apply_overrides(sc, [knob.override(n - 1)]), 10) == "infeasible"


def _n(knob, repair) -> int:
    """The n of a knob that produced ``repair.override`` (0 when none does)."""
    if knob.values:
        return 1 if knob.override(1) == repair.override else 0
    for n in range(1, knob.most + 1):
        if knob.override(n) == repair.override:
            return n
    return 0


def test_known_repairs_of_the_tiny_scenario() -> None:
    # Gap 10 -> 8 gives ends 2, 12 -> 10, 20: the third is home by 20 exactly.
    # Site 1 -> 2 captives a round: two rounds (ends 2 and 12). Deadline 20 -> 22.
    found, unrepaired, _ = repairs(scenario(), ["rounds", "deadline:a", "site:s"], processes=1)
    by_path = {r.override.split("=")[0]: r.override for r in found}
    assert by_path == {
        "rounds.min_gap_hours": "rounds.min_gap_hours=9",
        "captives[a].deadline_hour": "captives[a].deadline_hour=22",
        "sites[s].max_captives_per_round": "sites[s].max_captives_per_round=2",
    }
    assert unrepaired == []


def test_feasible_scenario_has_nothing_to_explain() -> None:
    out = explain(scenario(captives=[{"id": "a", "status": "living", "count": 3}]))
    assert out.status == "feasible"
    assert out.conflict == []


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("infeasible", [False, True])
def test_explain_model_with_every_rule_agrees_with_the_exact_model(
    seed: int, infeasible: bool
) -> None:
    sc = scenario_from_data(generate(1, seed, infeasible))
    out = explain(sc, time_limit=30)
    assert out.status == feasible(sc, 30)
    assert out.status == ("infeasible" if infeasible else "feasible")
    if infeasible:
        assert out.conflict and out.minimal


def test_explain_model_guards_every_named_rule() -> None:
    # Every rule the words name is a guard of the model, and vice versa, for a scenario
    # that uses every rule family.
    sc = load_scenario(INSTANCES / "october-2025.yaml")
    model = CpSatModel(sc, explain=True)
    assert set(model.guards) <= set(rule_words(sc))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "teaching-buses-infeasible",
            ["deadline:living-soldiers", "vehicles", "ratio:soldier-50"],
        ),
        ("teaching-pullback-infeasible", ["reception", "phase:pullback-2"]),
    ],
)
def test_shipped_infeasible_scenarios_explain_their_culprits(
    name: str, expected: list[str]
) -> None:
    sc = load_scenario(INSTANCES / f"{name}.yaml")
    out = explain(sc, time_limit=30)
    assert [r.name for r in out.conflict] == expected
    assert out.minimal


def test_binding_gains_of_the_tiny_scenario() -> None:
    # Two captives, one a round, gap 10: ends 2 and 12, living_release_hours 14.
    # One hour less gap: ends 2 and 11 (gain 1). A site taking 2: one round ending
    # at 2, 4 in all (gain 10). The deadline (20 -> 21, slack 8) and the rest gain 0.
    sc = scenario(
        captives=[{"id": "a", "status": "living", "count": 2, "deadline_hour": 20}],
        detainees=[{"id": "d", "status": "living", "count": 6}],
    )
    base, term, rows = binding(sc, processes=1)
    assert (base, term) == (14, "living_release_hours")
    gains = {b.override: b.gain for b in rows}
    assert gains["rounds.min_gap_hours=9"] == 1
    assert gains["sites[s].max_captives_per_round=2"] == 10
    assert gains["captives[a].deadline_hour=21"] == 0
    assert gains["horizon_hours=49"] == 0
    assert "rounds.max_rounds=4" not in gains  # 3 rounds for 2 captives: nothing to gain
    # Slack per knob: the site is full, the gap is exactly 10, the deadline has 8 to
    # spare (home at 12), the horizon 36 (makespan 12), each round has exactly 3 detainees.
    slack = {b.override.split("=")[0]: b.slack for b in rows}
    assert slack == {
        "sites[s].max_captives_per_round": 0,
        "rounds.min_gap_hours": 0,
        "captives[a].deadline_hour": 8,
        "horizon_hours": 36,
        "ratios[r].per_captive": 0,
    }
    assert rows[0].override == "sites[s].max_captives_per_round=2"  # largest gain first


def test_slacks_of_every_kind_of_limit() -> None:
    # Rounds 08:00-10:00 on day 0 and 06:00-08:00 on day 1 (hours 8 and 30), detainees
    # out an hour later, then a 4-hour phase at 40, 2 h after the last captive (32) + 6.
    from models.loader import plan_from_data
    from planner.explain import slacks
    from planner.validate import validate

    sc = scenario(
        captives=[{"id": "a", "status": "living", "count": 2}],
        detainees=[{"id": "d", "status": "living", "count": 6}],
        horizon_hours=60,
        rounds={
            "max_rounds": 3,
            "duration_hours": 2,
            "min_gap_hours": 10,
            "detainee_lag_hours": [1, 1],
            "open_hours": [6, 18],
        },
        packages=[{"name": "k", "captives": {}, "detainees": {}, "within_hours": 10}],
        phases=[
            {
                "id": "p",
                "duration_hours": 4,
                "deadline_hour": 50,
                "after": [{"captives_released": {}, "lag_hours": 2}],
            }
        ],
        objective=["makespan"],
    )
    plan = plan_from_data(
        {
            "format": "exchange-plan/1",
            "scenario": "tiny",
            "status": "feasible",
            "engine": "by hand",
            "objective": {"makespan": 44},
            "rounds": [
                {"index": 1, "site": "s", "start_hour": 8, "end_hour": 10,
                 "detainee_release_hour": 11, "captives": {"a": 1}, "detainees": {"d": 3}},
                {"index": 2, "site": "s", "start_hour": 30, "end_hour": 32,
                 "detainee_release_hour": 33, "captives": {"a": 1}, "detainees": {"d": 3}},
            ],
            "phases": {"p": {"start_hour": 40, "end_hour": 44}},
        }
    )  # fmt: skip
    assert validate(sc, plan) == []
    assert slacks(sc, plan) == {
        "sites[s].max_captives_per_round": 0,  # one captive a round, one allowed
        "horizon_hours": 16,  # makespan 44 (the phase end)
        "rounds.max_rounds": 1,
        "rounds.min_gap_hours": 12,  # starts 22 h apart
        "rounds.open_hours[0]": 0,  # the second round starts at 06:00, the opening
        "rounds.open_hours[1]": 8,  # the latest window ends at 10:00, closing 18:00
        "ratios[r].per_captive": 0,  # 3 detainees for 1 captive at 3 each
        "packages[k].within_hours": 9,  # detainees out 1 h after the last captive
        "phases[p].deadline_hour": 6,
        "phases[p].after[0].lag_hours": 6,  # starts 40, condition held at 32 + 2
    }


# --------------------------------------------------------------------------- CLI


def test_cli_explain_json_names_rules_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    res = runner.invoke(app, ["explain", str(path), "--json", "--processes", "1"])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    assert doc["status"] == "infeasible"
    assert sorted(r["name"] for r in doc["conflict"]) == ["deadline:a", "rounds", "site:s"]
    assert {r["override"] for r in doc["repairs"]} == {
        "rounds.min_gap_hours=9",
        "captives[a].deadline_hour=22",
        "sites[s].max_captives_per_round=2",
    }


def test_cli_explain_text_and_feasible_exit_0(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    res = runner.invoke(app, ["explain", str(path), "--no-repairs"])
    assert res.exit_code == 1
    assert "cannot all hold" in res.stdout
    assert "site:s" in res.stdout
    ok = dict(BASE, captives=[{"id": "a", "status": "living", "count": 3}])
    res = runner.invoke(app, ["explain", str(write(tmp_path, ok, "ok.yaml"))])
    assert res.exit_code == 0
    assert "feasible" in res.stdout


def test_cli_explain_bad_input_exits_2(tmp_path: Path) -> None:
    bad = dict(BASE, horizon_hours=-1)
    res = runner.invoke(app, ["explain", str(write(tmp_path, bad))])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert "horizon_hours" in res.stderr


def test_cli_binding_json(tmp_path: Path) -> None:
    ok = dict(BASE, captives=[{"id": "a", "status": "living", "count": 2}])
    ok["detainees"] = [{"id": "d", "status": "living", "count": 6}]
    res = runner.invoke(app, ["binding", str(write(tmp_path, ok)), "--json", "--processes", "1"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["base"] == 14
    gains = {row["override"]: row["gain"] for row in doc["limits"]}
    assert gains["sites[s].max_captives_per_round=2"] == 10


# --------------------------------------------------------------------------- properties


@pytest.mark.parametrize("seed", range(20))
def test_explain_agrees_with_the_exact_model_on_tightened_scenarios(seed: int) -> None:
    # Generated scenarios with one or two limits tightened at random (as in the
    # cross-check): some stay feasible, some do not; the explain model must agree.
    import random

    from tests.test_crosscheck import _tighten

    rng = random.Random(seed)
    try:
        sc = scenario_from_data(_tighten(generate(1, seed), rng))
    except InputError:
        pytest.skip("the tightening made an invalid scenario")
    out = explain(sc, time_limit=30)
    assert out.status == feasible(sc, 30)
    if out.status == "infeasible":
        assert out.conflict and out.minimal


@settings(max_examples=60, **SETTINGS)
@given(planted())
def test_explain_finds_every_planted_scenario_feasible(p: Planted) -> None:
    # A planted scenario has a plan by construction; with every rule in force the
    # explain model must find one too (it must not forbid plans the rules allow).
    assert explain(scenario_from_data(p.scenario), time_limit=20).status == "feasible"


def test_cli_binding_on_another_term_and_bad_term(tmp_path: Path) -> None:
    # Makespan of the tiny plan is 12 (ends 2 and 12); a site taking 2 ends it at 2.
    ok = dict(BASE, captives=[{"id": "a", "status": "living", "count": 2}])
    ok["detainees"] = [{"id": "d", "status": "living", "count": 6}]
    path = write(tmp_path, ok)
    res = runner.invoke(
        app, ["binding", str(path), "--term", "makespan", "--json", "--processes", "1"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert (doc["term"], doc["base"]) == ("makespan", 12)
    gains = {row["override"]: row["gain"] for row in doc["limits"]}
    assert gains["sites[s].max_captives_per_round=2"] == 10
    res = runner.invoke(app, ["binding", str(path), "--term", "speed"])
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.startswith("--term: unknown objective term 'speed'")


# --------------------------------------------------------------------------- edge cases


def test_structural_infeasibility_names_no_rule() -> None:
    # The only site serves the south; the captive is held in the north. No named rule
    # is to blame: the scenario is infeasible with every rule lifted.
    sc = scenario(
        captives=[{"id": "a", "status": "living", "count": 1, "zone": "north"}],
        detainees=[{"id": "d", "status": "living", "count": 3}],
        sites=[{"id": "s", "zones": ["south"]}],
    )
    out = explain(sc)
    assert out.status == "infeasible" and out.structural
    assert out.conflict == []
    assert "every negotiable rule lifted" in out.summary


def test_presolve_index_error_is_retried_without_presolve(monkeypatch) -> None:
    # OR-Tools 9.15 can raise IndexError in presolve on infeasible models; the explain
    # search and the feasibility checks solve again without presolve.
    from ortools.sat.python import cp_model

    real = cp_model.CpSolver.solve
    calls = {"raised": 0}

    def flaky(self, model, *args, **kwargs):
        if self.parameters.cp_model_presolve:
            calls["raised"] += 1
            raise IndexError("raw_hash_map::at")
        return real(self, model, *args, **kwargs)

    monkeypatch.setattr(cp_model.CpSolver, "solve", flaky)
    out = explain(scenario())
    assert sorted(r.name for r in out.conflict) == ["deadline:a", "rounds", "site:s"]
    assert feasible(scenario(), 10) == "infeasible"
    assert calls["raised"] == out.solves + 1


def test_a_shrinking_solve_out_of_time_keeps_the_rule_and_says_not_minimal(monkeypatch) -> None:
    # When removing a rule cannot be decided in time, the rule stays in the conflict
    # (still a true conflict) and the answer is marked not proven minimal.
    from planner import explain as explain_module

    real = explain_module._Assumer.solve

    def slow(self, names, limit):
        if self.solves >= 1:  # every re-solve after the first core "runs out of time"
            self.solves += 1
            return "unknown", []
        return real(self, names, limit)

    monkeypatch.setattr(explain_module._Assumer, "solve", slow)
    out = explain(scenario())
    assert out.status == "infeasible"
    assert not out.minimal
    assert {"deadline:a", "rounds", "site:s"} <= {r.name for r in out.conflict}
    assert out.unproven == [r.name for r in out.conflict]


def test_repairs_out_of_time_are_reported_as_undecided_not_impossible() -> None:
    # With no time for the searches, no repair is found, and none is claimed impossible.
    found, unrepaired, undecided = repairs(
        scenario(), ["rounds", "deadline:a", "site:s"], time_limit=0.0, processes=1
    )
    assert found == [] and unrepaired == []
    assert undecided == ["rounds", "deadline:a", "site:s"]
