"""Re-planning after a deviation: facts kept, the rest re-optimised, scoreboard, CLI.

Every test builds a tiny scenario whose replan can be worked out by hand (the
reasoning is in a comment) and checks the exact outcome, that the executed
rounds come back unchanged, and that the new plan passes the validator.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from models.errors import InputError
from models.execution import execution_from_data, execution_problems
from models.loader import load_plan, load_scenario, plan_from_data, scenario_from_data
from models.plan import Plan
from planner import validate
from planner.cli import app
from planner.replan import broken_facts, disruption_of, replan, scoreboard
from planner.solve import solve

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
Data = dict[str, Any]

# Three living captives, one per round (sites take one each), rounds 2 h long and
# 10 h apart: the optimum releases at hours 2, 12, 22. One detainee per round.
BASE: Data = {
    "format": "exchange-scenario/1",
    "name": "replan-tiny",
    "horizon_hours": 100,
    "captives": [{"id": "a", "status": "living", "count": 3, "deadline_hour": 60}],
    "detainees": [{"id": "d", "status": "living", "count": 3}],
    "rounds": {"max_rounds": 3, "duration_hours": 2, "min_gap_hours": 10},
    "sites": [
        {"id": "s1", "max_captives_per_round": 1},
        {"id": "s2", "max_captives_per_round": 1},
    ],
}


def rnd(site: str, start: int, **captives: int) -> Data:
    """A plan round (index filled in by ``plan``): one detainee d out when the round ends."""
    return {
        "site": site,
        "start_hour": start,
        "end_hour": start + 2,
        "detainee_release_hour": start + 2,
        "captives": captives,
        "detainees": {"d": 1},
    }


def plan(scenario: Data, rounds: list[Data], phases: dict[str, int] | None = None) -> Plan:
    """A hand-made published plan with its true objective values (so it validates)."""
    sc = scenario_from_data(scenario)
    durations = {p["id"]: p["duration_hours"] for p in scenario.get("phases", [])}
    data = {
        "format": "exchange-plan/1",
        "scenario": scenario["name"],
        "status": "optimal",
        "engine": "hand",
        "rounds": [dict(r, index=i + 1) for i, r in enumerate(rounds)],
        "phases": {
            pid: {"start_hour": s, "end_hour": s + durations[pid]}
            for pid, s in (phases or {}).items()
        },
    }
    bare = plan_from_data(data)
    values = validate.objective_values(sc, bare)
    done = bare.model_copy(update={"objective": {t: values[t] for t in sc.objective_terms}})
    assert validate.validate(sc, done) == []
    return done


def execution(now: int, rounds: list[Data], **extra: Any) -> Data:
    out = {"format": "exchange-execution/1", "now_hour": now, "rounds": rounds}
    out.update(extra)
    return out


PUBLISHED = [rnd("s1", 0, a=1), rnd("s1", 10, a=1), rnd("s1", 20, a=1)]


def run(scenario: Data, published: Plan, facts: Data, **kw: Any):
    sc = scenario_from_data(scenario)
    ex = execution_from_data(facts)
    assert execution_problems(sc, ex) == []
    result = replan(sc, published, ex, time_limit=20, workers=1, **kw)
    assert result.violations == []
    if result.has_plan:
        # The executed rounds come back exactly as recorded, in the file's order.
        kept = [r.model_dump(exclude={"index"}) for r in result.plan.rounds[: len(ex.rounds)]]
        given = [
            {
                "site": r.site,
                "start_hour": r.start_hour,
                "end_hour": r.start_hour + sc.rounds.duration_hours,
                "detainee_release_hour": r.detainee_release_hour,
                "captives": dict(r.captives),
                "detainees": dict(r.detainees),
            }
            for r in ex.rounds
        ]
        assert kept == given
        assert list(result.plan.objective) == list(sc.objective_terms)
    return result


def starts(p: Plan) -> list[tuple[str, int]]:
    return [(r.site, r.start_hour) for r in p.rounds]


# --------------------------------------------------------------------------- replan


def test_execution_as_planned_gives_the_published_plan_and_zero_disruption() -> None:
    # Round 1 went exactly as planned; the published rest is still valid, and it is
    # the only plan with disruption 0, so it comes back unchanged.
    published = plan(BASE, PUBLISHED)
    facts = execution(5, [rnd("s1", 0, a=1)])
    result = run(BASE, published, facts)
    assert result.status == "optimal"
    assert result.disruption is not None and result.disruption.total == 0
    assert [r.model_dump() for r in result.plan.rounds] == [
        r.model_dump() for r in published.rounds
    ]
    assert result.plan.manifest["replan"]["disruption"]["total"] == 0
    assert result.plan.manifest["stages"][0]["term"] == "disruption"


def test_late_round_shifts_the_rest_by_the_same_hours() -> None:
    # Round 1 started 3 h late (hour 3): min_gap 10 pushes rounds 2 and 3 to 13 and
    # 23, each 3 h from the published hour: disruption 6 (hours only).
    published = plan(BASE, PUBLISHED)
    late = dict(rnd("s1", 3, a=1))
    result = run(BASE, published, execution(5, [late]))
    assert starts(result.plan) == [("s1", 3), ("s1", 13), ("s1", 23)]
    d = result.disruption
    assert (d.hours_moved, d.people_moved, d.sites_changed, d.total) == (6, 0, 0, 6)
    # Releases at 5, 15, 25.
    assert result.plan.objective["living_release_hours"] == 45


def test_site_closure_moves_the_remaining_rounds_to_the_other_site() -> None:
    # s1 closes from hour 5 for good: rounds 2 and 3 keep their hours at s2 (2 site
    # changes, the least disruption possible).
    published = plan(BASE, PUBLISHED)
    facts = execution(5, [rnd("s1", 0, a=1)], site_closures=[{"site": "s1", "from_hour": 5}])
    result = run(BASE, published, facts)
    assert starts(result.plan) == [("s1", 0), ("s2", 10), ("s2", 20)]
    assert result.disruption.total == 2 and result.disruption.sites_changed == 2


def test_closure_with_an_end_lets_rounds_return_after_it() -> None:
    # s1 is closed over [5, 15): the round at 10 moves to s2, the one at 20 stays.
    published = plan(BASE, PUBLISHED)
    closure = {"site": "s1", "from_hour": 5, "until_hour": 15}
    facts = execution(5, [rnd("s1", 0, a=1)], site_closures=[closure])
    result = run(BASE, published, facts)
    assert starts(result.plan) == [("s1", 0), ("s2", 10), ("s1", 20)]


# Captive b is in zone north, which phase "corridor" (4 h) opens.
ZONED: Data = dict(
    copy.deepcopy(BASE),
    name="replan-zoned",
    captives=[
        {"id": "a", "status": "living", "count": 2},
        {"id": "b", "status": "living", "count": 1, "zone": "north"},
    ],
    phases=[{"id": "corridor", "duration_hours": 4, "opens_zones": ["north"]}],
)
ZONED_PUBLISHED = [rnd("s1", 0, a=1), rnd("s1", 10, b=1), rnd("s1", 20, a=1)]


def test_late_phase_is_honoured() -> None:
    # The corridor has not started at hour 5 and will not start before 12, so b can
    # go at 16 at the earliest. Least disruption: swap a and b between rounds 2 and 3
    # at the published hours (4 people moved) rather than move b to 16 (6 h + 6 h).
    published = plan(ZONED, ZONED_PUBLISHED, {"corridor": 0})
    facts = execution(5, [rnd("s1", 0, a=1)], phases={"corridor": {"earliest_start": 12}})
    result = run(ZONED, published, facts)
    assert starts(result.plan) == [("s1", 0), ("s1", 10), ("s1", 20)]
    assert [r.captives for r in result.plan.rounds] == [{"a": 1}, {"a": 1}, {"b": 1}]
    assert result.disruption.total == 4
    corridor = result.plan.phases["corridor"]
    assert corridor.start_hour >= 12 and corridor.end_hour <= 20


def test_phase_that_started_late_is_kept_as_a_fact() -> None:
    # The corridor really started at hour 3 (planned 0): it ends at 7, before the
    # published round of b at 10, so nothing else moves.
    published = plan(ZONED, ZONED_PUBLISHED, {"corridor": 0})
    facts = execution(5, [rnd("s1", 0, a=1)], phases={"corridor": {"start_hour": 3}})
    result = run(ZONED, published, facts)
    assert result.plan.phases["corridor"].start_hour == 3
    assert result.disruption.total == 0


def test_disruption_last_puts_the_scenario_objective_first() -> None:
    # Without min_gap the two captives left at hour 5 can go at once, one per site.
    # Disruption first keeps the published rounds at 10 and 20 (disruption 0); last
    # releases both at hour 5 (now), in parallel (ties listed in site order).
    scenario = dict(copy.deepcopy(BASE), rounds={"max_rounds": 3, "duration_hours": 2})
    published = plan(scenario, PUBLISHED)
    facts = execution(5, [rnd("s1", 0, a=1)])
    first = run(scenario, published, facts, disruption="first")
    assert starts(first.plan) == starts(published)
    last = run(scenario, published, facts, disruption="last")
    assert [r.start_hour for r in last.plan.rounds] == [0, 5, 5]
    assert last.plan.objective["living_release_hours"] == 2 + 7 + 7
    assert last.plan.manifest["stages"][-1]["term"] == "disruption"
    assert last.disruption.total > first.disruption.total == 0


def test_tied_facts_keep_the_order_of_the_execution_file() -> None:
    # Two rounds at hour 0 at two sites (no min_gap), recorded s2 first. The model
    # needs ties in site order internally; the plan lists them as recorded.
    scenario = dict(copy.deepcopy(BASE), rounds={"max_rounds": 3, "duration_hours": 2})
    published = plan(scenario, [rnd("s1", 0, a=1), rnd("s2", 0, a=1), rnd("s1", 10, a=1)])
    facts = execution(5, [rnd("s2", 0, a=1), rnd("s1", 0, a=1)])
    result = run(scenario, published, facts)
    assert starts(result.plan) == [("s2", 0), ("s1", 0), ("s1", 10)]
    assert result.disruption.total == 0


def test_replan_refuses_an_execution_of_another_scenario() -> None:
    sc = scenario_from_data(BASE)
    ex = execution_from_data(execution(5, [rnd("s9", 0, a=1)]))
    with pytest.raises(InputError) as err:
        replan(sc, plan(BASE, PUBLISHED), ex)
    assert err.value.lines() == ["<execution>: rounds[0].site: unknown site 's9'"]


def test_disruption_of_counts_hours_people_and_sites() -> None:
    sc = scenario_from_data(BASE)
    published = plan(BASE, PUBLISHED)
    other = plan(BASE, [rnd("s1", 0, a=1), rnd("s2", 13, a=1), rnd("s1", 23, a=1)])
    assert disruption_of(sc, published, other, 1).to_json_dict() == {
        "total": 7,
        "hours_moved": 6,
        "people_moved": 0,
        "sites_changed": 1,
    }
    # Two rounds instead of three from round 2 on: the dropped round's people count.
    fewer = plan(
        dict(BASE, sites=[{"id": "s1", "max_captives_per_round": 2}, {"id": "s2"}]),
        [rnd("s1", 0, a=1), {**rnd("s1", 10, a=2), "detainees": {"d": 2}}],
    )
    d = disruption_of(sc, published, fewer, 1)
    # round 2: a 1 -> 2, d 1 -> 2 (2 people); round 3 dropped: a 1, d 1 (2 people).
    assert (d.hours_moved, d.people_moved, d.sites_changed) == (0, 4, 0)


# --------------------------------------------------------------------------- infeasible


def test_round_after_a_deadline_makes_the_replan_infeasible() -> None:
    # Deadline 22: the published rounds end at 2, 12, 22. Round 2 really started at
    # 21 and ended at 23, past the deadline; and the last captive cannot be released
    # by 22 any more either (now is 30).
    scenario = dict(copy.deepcopy(BASE), captives=[{**BASE["captives"][0], "deadline_hour": 22}])
    published = plan(scenario, PUBLISHED)
    facts = execution(30, [rnd("s1", 0, a=1), rnd("s1", 21, a=1)])
    result = run(scenario, published, facts)
    assert result.status == "infeasible"
    assert result.plan.rounds == []
    assert result.broken == [
        "[captive_deadline] round 2: captive cohort 'a' released at hour 23, after its "
        "deadline_hour 22",
        "[captive_deadline] cohort a: 1 still to release after now_hour 30, but a new round "
        "ends at hour 32 at the earliest, after its deadline_hour 22",
    ]
    states = {m.id: m.state for m in result.scoreboard}
    assert states == {"captive_deadline:a": "missed", "horizon": "at_risk"}


def test_max_rounds_used_up_is_a_broken_fact() -> None:
    scenario = dict(copy.deepcopy(BASE), rounds={**BASE["rounds"], "max_rounds": 2})
    facts = execution_from_data(execution(25, [rnd("s1", 0, a=1), rnd("s1", 10, a=1)]))
    assert broken_facts(scenario_from_data(scenario), facts) == [
        "[rounds] plan: all max_rounds 2 rounds are used, but 1 captives and 1 detainees "
        "are still to release"
    ]


def test_no_plan_for_the_rest_although_the_facts_break_nothing() -> None:
    # Both sites closed for good from hour 5: nowhere to release the last two.
    published = plan(BASE, PUBLISHED)
    closures = [{"site": s, "from_hour": 5} for s in ("s1", "s2")]
    result = run(BASE, published, execution(5, [rnd("s1", 0, a=1)], site_closures=closures))
    assert result.status == "infeasible"
    assert len(result.broken) == 1 and result.broken[0].startswith("[replan] plan: the facts")


def test_started_phase_before_its_condition_is_a_broken_fact() -> None:
    scenario = dict(
        copy.deepcopy(BASE),
        phases=[
            {
                "id": "after-all",
                "duration_hours": 1,
                "after": [{"captives_released": {"status": "living"}}],
            }
        ],
    )
    facts = execution(5, [rnd("s1", 0, a=1)], phases={"after-all": {"start_hour": 4}})
    lines = broken_facts(scenario_from_data(scenario), execution_from_data(facts))
    assert lines == [
        "[phase_after] phase after-all: started at hour 4, but condition 1 needs 3 captives "
        "released by hour 4 and only 1 were"
    ]


# --------------------------------------------------------------------------- scoreboard


def test_scoreboard_states_and_hours() -> None:
    # Deadline of a at 60: the new plan releases the last one at 22 (slack 38).
    # Detainee d has a deadline of 30: its last release at 22 leaves 8 h (at risk).
    scenario = dict(
        copy.deepcopy(BASE),
        detainees=[{"id": "d", "status": "living", "count": 3, "deadline_hour": 30}],
        phases=[{"id": "p", "duration_hours": 2, "deadline_hour": 4}],
    )
    sc = scenario_from_data(scenario)
    published = plan(scenario, PUBLISHED, {"p": 0})
    ex = execution_from_data(execution(5, [rnd("s1", 0, a=1)], phases={"p": {"start_hour": 0}}))
    result = replan(sc, published, ex, time_limit=20, workers=1)
    board = {m.id: m for m in result.scoreboard}
    assert {k: m.state for k, m in board.items()} == {
        "captive_deadline:a": "on_track",
        "detainee_deadline:d": "at_risk",
        "phase_deadline:p": "met",
        "horizon": "on_track",
    }
    a = board["captive_deadline:a"]
    assert (a.due_hour, a.done_hour, a.planned_hour, a.published_hour, a.slack_hours) == (
        60,
        None,
        22,
        22,
        38,
    )
    d = board["detainee_deadline:d"]
    assert (d.due_hour, d.planned_hour, d.slack_hours) == (30, 22, 8)
    p = board["phase_deadline:p"]
    assert (p.due_hour, p.done_hour, p.slack_hours) == (4, 2, 2)
    # With a smaller threshold the detainee deadline is on track.
    relaxed = scoreboard(sc, published, ex, result.plan, slack_hours=8)
    assert {m.id: m.state for m in relaxed}["detainee_deadline:d"] == "on_track"
    # Without a new plan, every open milestone is at risk.
    none = scoreboard(sc, published, ex, None)
    assert {m.id: m.state for m in none}["captive_deadline:a"] == "at_risk"


def test_scoreboard_met_when_the_facts_complete_a_cohort() -> None:
    scenario = dict(
        copy.deepcopy(BASE),
        captives=[
            {"id": "a", "status": "living", "count": 2},
            {"id": "b", "status": "living", "count": 1, "deadline_hour": 8},
        ],
    )
    sc = scenario_from_data(scenario)
    published = plan(scenario, [rnd("s1", 0, b=1), rnd("s1", 10, a=1), rnd("s1", 20, a=1)])
    ex = execution_from_data(execution(5, [rnd("s1", 0, b=1)]))
    board = {m.id: m for m in scoreboard(sc, published, ex, published)}
    b = board["captive_deadline:b"]
    assert (b.state, b.done_hour, b.slack_hours) == ("met", 2, 6)


# --------------------------------------------------------------------------- shipped example

OCTOBER = ROOT / "instances" / "october-2025.yaml"
OCT_PLAN = ROOT / "instances" / "executions" / "october-2025-plan.json"
OCT_DAY3 = ROOT / "instances" / "executions" / "october-2025-day3.yaml"


def test_shipped_published_plan_is_valid() -> None:
    assert validate.validate(load_scenario(OCTOBER), load_plan(OCT_PLAN)) == []


@pytest.mark.parametrize(
    ("position", "objective", "disruption"),
    [
        # Disruption first: the 4 deceased left over ride along at hour 258 (4 people
        # moved into the published round 4, nothing else moves).
        ("first", [900, 6605, 261, 5], 4),
        # Disruption last: a sixth round at hour 90 brings them home earlier.
        ("last", [900, 5933, 261, 6], 186),
    ],
)
def test_shipped_october_day3_replan(position: str, objective: list[int], disruption: int) -> None:
    sc = load_scenario(OCTOBER)
    published = load_plan(OCT_PLAN)
    ex = execution_from_data(yaml.safe_load(OCT_DAY3.read_text()), str(OCT_DAY3))
    assert execution_problems(sc, ex) == []
    result = replan(sc, published, ex, time_limit=30, workers=1, disruption=position)
    assert result.status == "optimal"
    assert result.violations == []
    assert list(result.plan.objective.values()) == objective
    assert result.disruption.total == disruption
    for fact, kept in zip(ex.rounds, result.plan.rounds, strict=False):
        assert (kept.site, kept.start_hour, kept.captives, kept.detainees) == (
            fact.site,
            fact.start_hour,
            fact.captives,
            fact.detainees,
        )
        assert kept.detainee_release_hour == fact.detainee_release_hour
    # The northern site is closed over [72, 240): no new round there in that span.
    (closure,) = ex.site_closures
    for r in result.plan.rounds[3:]:
        assert r.site != closure.site or closure.allows(r.start_hour, r.end_hour)
    assert not closure.allows(100, 103) and closure.allows(69, 72) and closure.allows(240, 243)


SHIPPED = [
    p for p in sorted((ROOT / "instances").glob("*.yaml")) if not p.stem.endswith("-infeasible")
]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_replan_of_a_plan_carried_out_exactly_changes_nothing(path: Path) -> None:
    # Cut the optimal plan between two rounds with different starts, record the first
    # part as facts: disruption first gives back the published rest (disruption 0),
    # and disruption last cannot beat the published objective (it was optimal).
    sc = load_scenario(path)
    published = solve(sc, time_limit=60, workers=1).plan
    rounds = published.rounds
    cuts = [n for n in range(1, len(rounds)) if rounds[n].start_hour > rounds[n - 1].start_hour]
    n = cuts[len(cuts) // 2]
    now = rounds[n].start_hour
    ex = execution_from_data(
        {
            "format": "exchange-execution/1",
            "now_hour": now,
            "rounds": [r.model_dump(exclude_none=True) for r in rounds[:n]],
            "phases": {
                pid: {"start_hour": t.start_hour}
                for pid, t in published.phases.items()
                if t.start_hour < now
            },
        }
    )
    first = replan(sc, published, ex, time_limit=60, workers=1)
    assert first.violations == [] and first.disruption.total == 0
    assert first.plan.objective == published.objective
    last = replan(sc, published, ex, time_limit=60, workers=1, disruption="last")
    assert last.violations == [] and last.plan.objective == published.objective
    assert last.plan.rounds[:n] == first.plan.rounds[:n]


# --------------------------------------------------------------------------- CLI


def write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    sc = write(tmp_path / "sc.yaml", BASE)
    pl = tmp_path / "plan.json"
    pl.write_text(json.dumps(plan(BASE, PUBLISHED).to_json_dict()), encoding="utf-8")
    return sc, pl


def test_cli_replan_prints_scoreboard_and_writes_plan(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    sc, pl = files
    ex = write(tmp_path / "ex.yaml", execution(5, [rnd("s1", 3, a=1)]))
    out = tmp_path / "new.json"
    res = runner.invoke(app, ["replan", str(sc), str(pl), str(ex), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "Replan of 'replan-tiny' at hour 5: optimal; 1 executed rounds kept" in res.stdout
    assert "Disruption against the published plan (first in the objective): 6" in res.stdout
    assert "Scoreboard: 0 met, 0 missed, 0 at risk, 2 on track" in res.stdout
    new = json.loads(out.read_text())
    assert [r["start_hour"] for r in new["rounds"]] == [3, 13, 23]
    assert new["manifest"]["replan"]["now_hour"] == 5
    res = runner.invoke(app, ["validate", str(sc), str(out)])
    assert res.exit_code == 0

    res = runner.invoke(app, ["replan", str(sc), str(pl), str(ex), "--json", "--quiet"])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["disruption"] == {
        "total": 6,
        "hours_moved": 6,
        "people_moved": 0,
        "sites_changed": 0,
    }
    assert [m["state"] for m in data["scoreboard"]] == ["on_track", "on_track"]


def test_cli_replan_infeasible_exits_1(tmp_path: Path, files: tuple[Path, Path]) -> None:
    sc, pl = files
    closures = [{"site": s, "from_hour": 5} for s in ("s1", "s2")]
    ex = write(tmp_path / "ex.yaml", execution(5, [rnd("s1", 0, a=1)], site_closures=closures))
    res = runner.invoke(app, ["replan", str(sc), str(pl), str(ex), "--quiet"])
    assert res.exit_code == 1
    assert "No plan: these facts or rules cannot all hold:" in res.stdout


BAD_EXECUTIONS = [
    (
        {"rounds": [rnd("s1", 0, zz=1)]},
        "rounds[0].captives.zz: unknown captive cohort 'zz'",
    ),
    (
        {"rounds": [rnd("s9", 0, a=1)]},
        "rounds[0].site: unknown site 's9'",
    ),
    (
        {"rounds": [rnd("s1", 7, a=1)]},
        "rounds[0].start_hour: hour 7 is not before now_hour 5 (a round that has not started "
        "is not a fact)",
    ),
    (
        {"now_hour": 30, "rounds": [rnd("s1", 0, a=2), rnd("s1", 10, a=2)]},
        "rounds[1].captives.a: brings cohort 'a' to 4 released, above its count 3",
    ),
    (
        {"now_hour": 30, "rounds": [rnd("s1", 10, a=1), rnd("s1", 0, a=1)]},
        "rounds[1].start_hour: hour 0 is before round 1 (hour 10): list rounds in start order",
    ),
    (
        {"rounds": [{**rnd("s1", 0, a=1), "end_hour": 3}]},
        "rounds[0].end_hour: is 3, but start_hour 0 + duration_hours 2 = 2",
    ),
    (
        {"rounds": [{**rnd("s1", 0, a=1), "detainee_release_hour": None}]},
        "rounds[0]: moves detainees, so detainee_release_hour is required",
    ),
    (
        {"rounds": [{**rnd("s1", 0, a=1), "captives": {"a": 0}}]},
        "rounds[0].captives.a: must be >= 1",
    ),
    ({"now_hour": -1}, "now_hour: must be >= 0"),
    ({"now_hour": "5"}, "now_hour: must be a whole number"),
    ({"format": "exchange-execution/2"}, "format: must be 'exchange-execution/1'"),
    ({"when": 5}, "when: unknown field"),
    ({"scenario": "other"}, "scenario: execution is for scenario 'other', not 'replan-tiny'"),
    ({"phases": {"nope": {"start_hour": 1}}}, "phases.nope: unknown phase 'nope'"),
    (
        {"phases": {"nope": {"start_hour": 1, "earliest_start": 2}}},
        "phases.nope: give exactly one of start_hour (started) or earliest_start (late)",
    ),
    (
        {"site_closures": [{"site": "s3", "from_hour": 0}]},
        "site_closures[0].site: unknown site 's3'",
    ),
    (
        {"site_closures": [{"site": "s1", "from_hour": 9, "until_hour": 9}]},
        "site_closures[0]: until_hour 9 must be after from_hour",
    ),
]


@pytest.mark.parametrize(("change", "line"), BAD_EXECUTIONS, ids=lambda x: str(x)[:40])
def test_cli_replan_bad_execution_exits_2_with_one_line(
    tmp_path: Path, files: tuple[Path, Path], change: Data, line: str
) -> None:
    sc, pl = files
    ex = write(tmp_path / "ex.yaml", {**execution(5, []), **change})
    out = tmp_path / "new.json"
    res = runner.invoke(app, ["replan", str(sc), str(pl), str(ex), "--out", str(out)])
    assert res.exit_code == 2
    assert res.stderr == f"{ex}: {line}\n"
    assert res.stdout == ""
    assert not out.exists()


def test_cli_replan_bad_yaml_and_wrong_plan(tmp_path: Path, files: tuple[Path, Path]) -> None:
    sc, pl = files
    ex = tmp_path / "ex.yaml"
    ex.write_text("now_hour: [5\n", encoding="utf-8")
    res = runner.invoke(app, ["replan", str(sc), str(pl), str(ex)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"{ex}: line 2, column 1: not valid YAML/JSON")
    assert res.stderr.count("\n") == 1

    other = json.loads(pl.read_text()) | {"scenario": "other"}
    pl.write_text(json.dumps(other), encoding="utf-8")
    ex = write(tmp_path / "ex2.yaml", execution(5, []))
    res = runner.invoke(app, ["replan", str(sc), str(pl), str(ex)])
    assert res.exit_code == 2
    assert res.stderr == f"{pl}: scenario: plan is for scenario 'other', not 'replan-tiny'\n"

    res = runner.invoke(app, ["replan", str(sc), str(pl), str(ex), "--disruption", "middle"])
    assert res.exit_code == 2
    assert res.stderr == "--disruption: must be first or last, not 'middle'\n"


def test_cli_replan_no_plan_in_time_and_bug_exit_codes(
    tmp_path: Path, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.plan import PlanRound
    from planner import replan as replan_module
    from planner.engine import EngineOutcome

    sc, pl = files
    ex = write(tmp_path / "ex.yaml", execution(5, [rnd("s1", 0, a=1)]))
    out = tmp_path / "new.json"
    args = ["replan", str(sc), str(pl), str(ex), "--out", str(out), "--quiet"]

    def unknown(self, scenario, options, build):
        return EngineOutcome(status="unknown")

    monkeypatch.setattr(replan_module.CpSatEngine, "solve", unknown)
    res = runner.invoke(app, args)
    assert res.exit_code == 3
    assert json.loads(out.read_text())["status"] == "unknown"
    out.unlink()

    def wrong(self, scenario, options, build):
        # A "solution" that releases 5 of a cohort of 3: the validator must catch it.
        bad = PlanRound(
            index=2, site="s1", start_hour=50, end_hour=52, captives={"a": 5}, detainees={}
        )
        return EngineOutcome(status="optimal", rounds=[bad, bad], phases={})

    monkeypatch.setattr(replan_module.CpSatEngine, "solve", wrong)
    res = runner.invoke(app, args)
    assert res.exit_code == 4
    assert "internal error: the new plan breaks these rules" in res.stderr
    assert not out.exists()
