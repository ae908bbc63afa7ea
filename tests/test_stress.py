"""Stress runs: the delay grammar, re-timing rule by rule, seeded results, the CLI.

Re-timing tests build a tiny scenario and plan where exactly one rule decides how
far a delayed round or phase moves (the comment says which and by how much), and
check that the re-timed plan breaks no rule except deadline-type ones.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from models.errors import InputError
from models.loader import plan_from_data, scenario_from_data
from models.plan import Plan
from planner import validate
from planner.cli import app
from planner.generate import generate
from planner.solve import solve
from planner.stress import (
    DelayModel,
    Distribution,
    parse_delays,
    retime,
    retimed_plan,
    robustness_score,
    stress,
)

runner = CliRunner()
Data = dict[str, Any]
DEADLINE_RULES = {"captive_deadline", "detainee_deadline", "phase", "package", "horizon"}


def scenario(**kw: Any) -> Data:
    """One living captive, deadline 10, one 2-hour round at one site, unless told otherwise."""
    data: Data = {
        "format": "exchange-scenario/1",
        "name": "stress",
        "horizon_hours": 500,
        "captives": [{"id": "a", "status": "living", "count": 1, "deadline_hour": 10}],
        "rounds": {"max_rounds": 1, "duration_hours": 2},
        "sites": [{"id": "s1"}],
    }
    data.update(copy.deepcopy(kw))
    return data


def rnd(start: int, site: str = "s1", release: int | None = None, **counts: int) -> Data:
    """A plan round; cohort ids starting with "d" are detainees, the others captives."""
    captives = {k: v for k, v in counts.items() if not k.startswith("d")}
    detainees = {k: v for k, v in counts.items() if k.startswith("d")}
    return {
        "site": site,
        "start_hour": start,
        "end_hour": start + 2,
        "detainee_release_hour": release,
        "captives": captives,
        "detainees": detainees,
    }


def make_plan(data: Data, rounds: list[Data], phases: dict[str, int] | None = None) -> Plan:
    """A hand-made plan with its true objective; it must pass the validator."""
    sc = scenario_from_data(data)
    D = data["rounds"]["duration_hours"]
    durations = {p["id"]: p["duration_hours"] for p in data.get("phases", [])}
    for r in rounds:
        r["end_hour"] = r["start_hour"] + D
    bare = plan_from_data(
        {
            "format": "exchange-plan/1",
            "scenario": data["name"],
            "status": "optimal",
            "engine": "hand",
            "rounds": [dict(r, index=i + 1) for i, r in enumerate(rounds)],
            "phases": {
                p: {"start_hour": s, "end_hour": s + durations[p]}
                for p, s in (phases or {}).items()
            },
        }
    )
    values = validate.objective_values(sc, bare)
    out = bare.model_copy(update={"objective": {t: values[t] for t in sc.objective_terms}})
    assert validate.validate(sc, out) == []
    return out


def retimed_starts(
    data: Data, pl: Plan, round_delays: list[list[int]], phase_delays: list[list[int]] | None = None
) -> list[list[int]]:
    """Start hours per sample; checks every sample breaks only deadline-type rules."""
    sc = scenario_from_data(data)
    rd = np.array(round_delays, dtype=np.int64)
    pd = np.array(phase_delays or [[0] * len(sc.phases)] * len(rd), dtype=np.int64)
    pd = pd.reshape(len(rd), len(sc.phases))
    out = retime(sc, pl, rd, pd)
    assert out.settled.all()
    for i in range(len(rd)):
        sample = retimed_plan(sc, pl, out, i)
        rules = {v.rule for v in validate.validate(sc, sample)} - DEADLINE_RULES - {"objective"}
        assert rules == set(), [str(v) for v in validate.validate(sc, sample)]
    return out.start.tolist()


# --------------------------------------------------------------------------- grammar


def test_parse_delays_forms() -> None:
    assert parse_delays("round=0-24,phase=0-12") == DelayModel(
        round=Distribution("uniform", 0, 24), phase=Distribution("uniform", 0, 12)
    )
    assert parse_delays(" round = exp:6 ").round == Distribution("exp", mean=6.0)
    assert parse_delays("phase=3") == DelayModel(phase=Distribution("uniform", 3, 3))
    assert parse_delays("phase=3,round=exp:2.5").spec == "round=exp:2.5,phase=3"


@pytest.mark.parametrize(
    ("spec", "line"),
    [
        ("", "--delays: is empty; give round=..., phase=... (for example round=0-24)"),
        ("round", "--delays: 'round' is not TARGET=DELAY (for example round=0-24)"),
        ("rounds=1", "--delays: unknown target 'rounds' (use round or phase)"),
        ("round=5-2", "--delays: round: low end 5 is above high end 2"),
        (
            "round=a",
            "--delays: round: 'a' is not N, N-M or exp:MEAN (whole hours, for example 0-24)",
        ),
        (
            "phase=1-2-3",
            "--delays: phase: '1-2-3' is not N, N-M or exp:MEAN (whole hours, for example 0-24)",
        ),
        ("round=exp:0", "--delays: round: exp mean '0' must be a number of hours above 0"),
        ("round=exp:x", "--delays: round: exp mean 'x' must be a number of hours above 0"),
        ("round=1,round=2", "--delays: round: is given twice"),
        (
            "round=1,,phase=2",
            "--delays: empty item in 'round=1,,phase=2' (items are separated by one comma)",
        ),
        ("round=2000000", "--delays: round: 2000000 hours is above 1000000"),
    ],
)
def test_parse_delays_errors(spec: str, line: str) -> None:
    with pytest.raises(InputError) as err:
        parse_delays(spec)
    assert err.value.lines() == [line]


def test_exponential_delays_are_whole_hours_with_the_mean() -> None:
    rng = np.random.default_rng(1)
    draws = Distribution("exp", mean=6.0).sample(rng, (20000,))
    assert draws.dtype == np.int64 and draws.min() >= 0
    assert abs(draws.mean() - 6.0) < 0.2


# --------------------------------------------------------------------------- re-timing


def test_open_hours_push_to_the_next_window() -> None:
    # Open 8-16 and 2-hour rounds: starts 8..14. Planned 8; +6 = 14 fits, +7 = 15 does
    # not, so the round waits for 8 the next day (32).
    data = scenario(rounds={"max_rounds": 1, "duration_hours": 2, "open_hours": [8, 16]})
    pl = make_plan(data, [rnd(8, a=1)])
    assert retimed_starts(data, pl, [[7], [6], [0]]) == [[32], [14], [8]]


def test_order_and_min_gap_are_kept() -> None:
    # Rounds at 0 and 10, 10 apart: a 5-hour delay of round 1 pushes round 2 to 15.
    data = scenario(
        captives=[{"id": "a", "status": "living", "count": 2}],
        rounds={"max_rounds": 2, "duration_hours": 2, "min_gap_hours": 10},
    )
    pl = make_plan(data, [rnd(0, a=1), rnd(10, a=1)])
    assert retimed_starts(data, pl, [[5, 0], [0, 3], [12, 0]]) == [[5, 15], [0, 13], [12, 22]]


def test_site_overlap_and_teams() -> None:
    # 4-hour windows back to back at 0 and 4. Round 1 two hours late: at one site the
    # second round waits until 6; at two sites it waits as well with a single team.
    two = {"max_rounds": 2, "duration_hours": 4}
    caps = [{"id": "a", "status": "living", "count": 2}]
    same = scenario(captives=caps, rounds=two)
    pl = make_plan(same, [rnd(0, a=1), rnd(4, a=1)])
    assert retimed_starts(same, pl, [[2, 0]]) == [[2, 6]]
    teams = scenario(
        captives=caps, rounds=two, sites=[{"id": "s1"}, {"id": "s2"}], teams={"count": 1}
    )
    pl = make_plan(teams, [rnd(0, a=1), rnd(4, "s2", a=1)])
    assert retimed_starts(teams, pl, [[2, 0]]) == [[2, 6]]
    # With two teams nothing waits.
    free = scenario(
        captives=caps, rounds=two, sites=[{"id": "s1"}, {"id": "s2"}], teams={"count": 2}
    )
    pl = make_plan(free, [rnd(0, a=1), rnd(4, "s2", a=1)])
    assert retimed_starts(free, pl, [[2, 0]]) == [[2, 4]]


def test_reception_and_facility_days() -> None:
    # One living captive a day (reception), rounds on day 0 and day 1. Round 1 starts
    # 23 h late and ends on day 1 (hour 25), so round 2 moves to end on day 2 (start 46).
    caps = [{"id": "a", "status": "living", "count": 2}]
    two = {"max_rounds": 2, "duration_hours": 2}
    data = scenario(captives=caps, rounds=two, reception={"max_living_per_day": 1})
    pl = make_plan(data, [rnd(0, a=1), rnd(24, a=1)])
    assert retimed_starts(data, pl, [[23, 0]]) == [[23, 46]]
    # The same with a facility releasing one detainee a day (release = end).
    data = scenario(
        captives=caps,
        rounds=two,
        detainees=[{"id": "d", "status": "living", "count": 2, "facility": "f"}],
        facilities=[{"id": "f", "max_releases_per_day": 1}],
    )
    pl = make_plan(data, [rnd(0, release=2, a=1, d=1), rnd(24, release=26, a=1, d=1)])
    assert retimed_starts(data, pl, [[23, 0]]) == [[23, 46]]


def test_vehicle_trips() -> None:
    # One bus; a 5-hour route keeps it busy 10 h per trip. Trips at 2-12 and 14-24.
    # Round 1 five hours late: its trip runs 7-17, so round 2 (release 14) waits 3 h.
    data = scenario(
        captives=[{"id": "a", "status": "living", "count": 2}],
        rounds={"max_rounds": 2, "duration_hours": 2},
        detainees=[
            {"id": "d", "status": "living", "count": 2, "facility": "f", "destination": "x"}
        ],
        facilities=[{"id": "f"}],
        routes=[{"facility": "f", "destination": "x", "hours": 5}],
        vehicles={"count": 1, "seats": 10},
    )
    pl = make_plan(data, [rnd(0, release=2, a=1, d=1), rnd(12, release=14, a=1, d=1)])
    assert retimed_starts(data, pl, [[5, 0], [0, 0]]) == [[5, 15], [0, 12]]


def test_phases_gate_rounds_and_follow_releases() -> None:
    # Phase "open" (4 h, from 0) opens zone north; round 2 (captive b, north) at 10.
    # Phase "after" starts 1 h after both captives are out (hour 12 + 1 = 13).
    data = scenario(
        captives=[
            {"id": "a", "status": "living", "count": 1},
            {"id": "b", "status": "living", "count": 1, "zone": "north"},
        ],
        rounds={"max_rounds": 2, "duration_hours": 2},
        phases=[
            {"id": "open", "duration_hours": 4, "opens_zones": ["north"]},
            {
                "id": "after",
                "duration_hours": 1,
                "after": [{"captives_released": {"status": "living"}, "lag_hours": 1}],
            },
        ],
    )
    pl = make_plan(data, [rnd(0, a=1), rnd(10, b=1)], {"open": 0, "after": 13})
    sc = scenario_from_data(data)
    # "open" 9 h late ends at 13: round 2 moves to 13, "after" to 13 + 2 + 1 = 16.
    out = retime(sc, pl, np.array([[0, 0]]), np.array([[9, 0]]))
    assert out.start.tolist() == [[0, 13]]
    assert out.phase_start.tolist() == [[9, 16]]
    # Round 2 five hours late: "after" follows to 18.
    out = retime(sc, pl, np.array([[0, 5]]), np.array([[0, 0]]))
    assert out.phase_start.tolist() == [[0, 18]]


def test_hard_priority_keeps_parallel_mixed_rounds_together() -> None:
    # As in october-2025: two parallel rounds, each with living (tier 1) and deceased
    # (tier 2) captives. If one is late, the other must wait for it: otherwise its
    # deceased would come home before the other round's living.
    data = scenario(
        captives=[
            {"id": "l1", "status": "living", "count": 1},
            {"id": "l2", "status": "living", "count": 1},
            {"id": "rem", "status": "deceased", "count": 2},
        ],
        rounds={"max_rounds": 2, "duration_hours": 2},
        sites=[{"id": "s1"}, {"id": "s2"}],
        priority={"tiers": [{"status": "living"}, {"status": "deceased"}]},
    )
    pl = make_plan(data, [rnd(0, l1=1, rem=1), rnd(0, "s2", l2=1, rem=1)])
    assert retimed_starts(data, pl, [[0, 3], [4, 1], [2, 2]]) == [[3, 3], [4, 4], [2, 2]]


def test_generated_scenarios_retime_without_breaking_other_rules() -> None:
    # Teams, vehicles, facility limits and open hours together: re-timing must keep
    # every rule other than deadlines, windows and the horizon in every sample.
    for seed in (0, 1):
        sc = scenario_from_data(generate(1, seed, False))
        res = solve(sc, time_limit=20, workers=1)
        assert res.has_plan
        out = stress(sc, res.plan, "round=exp:10,phase=0-24", samples=100, processes=1)
        assert out.rule_breaks == {} and out.unsettled == 0


# --------------------------------------------------------------------------- stress


ONE = scenario()
TIGHT = make_plan(ONE, [rnd(8, a=1)])  # ends at 10 = the deadline: zero slack
LOOSE = make_plan(ONE, [rnd(0, a=1)])  # ends at 2: 8 hours of slack


def test_fixed_delay_gives_exact_rates() -> None:
    sc = scenario_from_data(ONE)
    tight = stress(sc, TIGHT, "round=1", samples=50, processes=1)
    loose = stress(sc, LOOSE, "round=1", samples=50, processes=1)
    assert tight.robustness == 0.0 and loose.robustness == 1.0
    assert [(r.id, r.holds) for r in tight.rows] == [("captive_deadline:a", 0), ("horizon", 50)]
    assert (tight.makespan, tight.makespan_p50, tight.makespan_max) == (10, 11, 11)


def test_from_hour_leaves_what_happened_alone() -> None:
    # The round at 8 started before hour 9: it is a fact, not delayed.
    sc = scenario_from_data(ONE)
    assert stress(sc, TIGHT, "round=1", samples=20, from_hour=9, processes=1).robustness == 1.0
    assert stress(sc, TIGHT, "round=1", samples=20, from_hour=8, processes=1).robustness == 0.0


def test_zero_slack_is_less_robust_than_slack() -> None:
    sc = scenario_from_data(ONE)
    # Uniform 0-8: the loose plan always holds; the tight one only with delay 0 (~1/9).
    tight = stress(sc, TIGHT, "round=0-8", samples=900, seed=3, processes=1)
    loose = stress(sc, LOOSE, "round=0-8", samples=900, seed=3, processes=1)
    assert loose.robustness == 1.0
    assert 0.05 < tight.robustness < 0.2
    assert robustness_score(sc, TIGHT) < robustness_score(sc, LOOSE)


def test_same_seed_same_result_whatever_the_processes() -> None:
    sc = scenario_from_data(ONE)
    one = stress(sc, TIGHT, "round=0-8", samples=250, seed=7, processes=1)
    again = stress(sc, TIGHT, "round=0-8", samples=250, seed=7, processes=1)
    two = stress(sc, TIGHT, "round=0-8", samples=250, seed=7, processes=2)
    assert one == again == two
    other = stress(sc, TIGHT, "round=0-8", samples=250, seed=8, processes=1)
    assert other.all_hold != one.all_hold


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    sc = tmp_path / "sc.yaml"
    sc.write_text(yaml.safe_dump(ONE), encoding="utf-8")
    pl = tmp_path / "plan.json"
    pl.write_text(json.dumps(TIGHT.to_json_dict()), encoding="utf-8")
    return sc, pl


def test_cli_stress_table_and_json(files: tuple[Path, Path]) -> None:
    sc, pl = files
    res = runner.invoke(app, ["stress", str(sc), str(pl), "--delays", "round=1", "--samples", "20"])
    assert res.exit_code == 0, res.output
    assert "Stress test: 20 samples, seed 0, delays round=1" in res.stdout
    row = next(x for x in res.stdout.splitlines() if x.startswith("captives a released"))
    assert row.split()[-3:] == ["10", "10", "0.0%"]
    assert "Robustness: 0.000 (0 of 20 samples keep every deadline and milestone)" in res.stdout
    res = runner.invoke(
        app,
        ["stress", str(sc), str(pl), "--delays", "round=0", "--samples", "20", "--json"],
    )
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["robustness"] == 1.0
    assert [m["id"] for m in data["milestones"]] == ["captive_deadline:a", "horizon"]


def test_cli_stress_bad_input(tmp_path: Path, files: tuple[Path, Path]) -> None:
    sc, pl = files
    res = runner.invoke(app, ["stress", str(sc), str(pl), "--delays", "round=3-1"])
    assert res.exit_code == 2
    assert res.stderr == "--delays: round: low end 3 is above high end 1\n"
    assert res.stdout == ""
    empty = tmp_path / "empty.json"
    empty.write_text(
        json.dumps(
            {
                "format": "exchange-plan/1",
                "scenario": "stress",
                "status": "infeasible",
                "engine": "x",
            }
        ),
        encoding="utf-8",
    )
    res = runner.invoke(app, ["stress", str(sc), str(empty), "--delays", "round=1"])
    assert res.exit_code == 2
    assert res.stderr == f"{empty}: status: plan has status infeasible and no rounds to stress\n"
    broken = json.loads(pl.read_text())
    broken["rounds"][0]["start_hour"] = 9
    broken["rounds"][0]["end_hour"] = 11
    pl.write_text(json.dumps(broken), encoding="utf-8")
    res = runner.invoke(app, ["stress", str(sc), str(pl), "--delays", "round=1"])
    assert res.exit_code == 1
    assert res.stderr.startswith(f"{pl}: breaks 4 rule(s) of {sc}; stress needs a valid plan\n")


def test_robustness_is_a_kpi_of_every_plan() -> None:
    # The loose plan has 8 h of slack: under the default delays (a round 0-12 h late)
    # it holds when the draw is 8 h or less, 9 of 13 values (~0.69). KPIs carry the
    # score itself.
    from planner import kpi
    from planner.solve import solve

    sc = scenario_from_data(ONE)
    assert kpi.kpis(sc, LOOSE)["robustness"] == robustness_score(sc, LOOSE)
    assert kpi.kpis(sc, TIGHT)["robustness"] == robustness_score(sc, TIGHT)
    assert 0.55 < robustness_score(sc, LOOSE) < 0.8
    result = solve(sc, time_limit=10)
    assert result.plan.kpis["robustness"] == robustness_score(sc, result.plan)
