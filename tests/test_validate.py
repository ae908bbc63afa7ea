"""Tests of the independent plan validator on tiny hand-made scenarios and plans."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import plan_from_data, scenario_from_data
from planner.validate import ALL_TERMS, RULES, Violation, objective_values, usage, validate

Data = dict[str, Any]

SCENARIO: Data = {
    "format": "exchange-scenario/1",
    "name": "tiny",
    "horizon_hours": 200,
    "captives": [
        {"id": "cl", "status": "living", "category": "civilian", "count": 3, "zone": "south",
         "weight": 2},
        {"id": "cd", "status": "deceased", "count": 1, "zone": "north"},
    ],
    "detainees": [
        {"id": "dl", "status": "living", "category": "life", "count": 3, "facility": "ofer",
         "destination": "wb"},
        {"id": "dg", "status": "living", "category": "gaza", "count": 6, "facility": "ofer",
         "destination": "gaza"},
    ],
    "rounds": {"max_rounds": 3, "duration_hours": 4, "min_gap_hours": 10,
               "detainee_lag_hours": [0, 2], "open_hours": [6, 20]},
    "sites": [
        {"id": "south-site", "max_captives_per_round": 3, "zones": ["south"]},
        {"id": "north-site", "zones": ["north"]},
    ],
    "facilities": [{"id": "ofer", "max_releases_per_day": 10}],
    "routes": [
        {"facility": "ofer", "destination": "wb", "hours": 3},
        {"facility": "ofer", "destination": "gaza", "hours": 2},
    ],
    "vehicles": {"count": 3, "seats": 3},
    "teams": {"count": 1},
    "reception": {"max_living_per_day": 3},
    "ratios": [
        {"name": "civ-3", "captives": {"status": "living"}, "per_captive": 3,
         "from": {"status": "living"}, "of_which": [{"from": {"category": "life"}, "count": 1}]},
    ],
    "packages": [
        {"name": "gaza-for-living", "captives": {"status": "living"},
         "detainees": {"category": "gaza"}, "within_hours": 2},
    ],
    "phases": [
        {"id": "pullback", "duration_hours": 6, "deadline_hour": 48, "opens_zones": ["north"],
         "after": [{"captives_released": {"status": "living"}, "fraction": 0.5,
                    "lag_hours": 1}]},
        {"id": "verify", "duration_hours": 2,
         "after": [{"phase": "pullback", "lag_hours": 1},
                   {"detainees_released": {"category": "life"}}]},
    ],
    "priority": {"mode": "hard", "tiers": [{"status": "living"}, {"status": "deceased"}]},
}  # fmt: skip

# Round 1 (08-12, south): all 3 living captives for all 9 detainees at hour 13.
#   Ratio: 3 captives x 3 = 9 living detainees, of which 3 life: exactly what is there.
#   Vehicles (3 seats): wb 3 -> 1 trip, gaza 6 -> 2 trips = 3 trips from hour 13.
#   Package: gaza released at 13 <= last living release 12 + 2.
# pullback: half of 3 living -> ceil(1.5) = 2 released at hour 12, + lag 1 -> starts 13, ends 19.
# verify: after pullback + 1 = 20 and all life detainees (hour 13) -> 20..22.
# Round 2 (30-34, north): the deceased captive, after pullback opened the north (19), after
#   min gap (>= 18) and inside open hours (30 mod 24 = 6, 6 + 4 = 10 <= 20).
PLAN: Data = {
    "format": "exchange-plan/1",
    "scenario": "tiny",
    "status": "optimal",
    "engine": "hand",
    "objective": {"living_release_hours": 72, "release_hours": 106, "makespan": 34, "rounds": 2},
    "rounds": [
        {"index": 1, "site": "south-site", "start_hour": 8, "end_hour": 12,
         "detainee_release_hour": 13, "captives": {"cl": 3}, "detainees": {"dl": 3, "dg": 6}},
        {"index": 2, "site": "north-site", "start_hour": 30, "end_hour": 34,
         "captives": {"cd": 1}, "detainees": {}},
    ],
    "phases": {"pullback": {"start_hour": 13, "end_hour": 19},
               "verify": {"start_hour": 20, "end_hour": 22}},
}  # fmt: skip

Tweak = Callable[[Data, Data], None]
_DELETE = object()  # a value for _set: remove the key


def run(tweak: Tweak | None = None) -> list[Violation]:
    """Validate the base plan against the base scenario after ``tweak(scenario, plan)``."""
    scenario, plan = copy.deepcopy(SCENARIO), copy.deepcopy(PLAN)
    if tweak is not None:
        tweak(scenario, plan)
    return validate(scenario_from_data(scenario), plan_from_data(plan))


def test_valid_plan_has_no_violations() -> None:
    assert run() == []


def test_objective_values_by_hand() -> None:
    values = objective_values(scenario_from_data(SCENARIO), plan_from_data(PLAN))
    assert values == {
        "priority_inversion_hours": 0,  # living (tier 1) all before deceased (tier 2)
        "living_release_hours": 72,  # weight 2 x 3 captives x hour 12
        "release_hours": 106,  # 72 + weight 1 x 1 captive x hour 34
        "makespan": 34,  # max(e: 12, 34; r: 13; phase ends: 19, 22)
        "rounds": 2,
    }


def test_usage_peaks() -> None:
    peaks = usage(scenario_from_data(SCENARIO), plan_from_data(PLAN))
    assert peaks == {
        "site:south-site": {"peak": 3, "limit": 3},
        "site:north-site": {"peak": 1, "limit": None},
        "teams": {"peak": 1, "limit": 1},
        "reception": {"peak": 3, "limit": 3},  # 3 living on day 0, none on day 1
        "facility:ofer": {"peak": 9, "limit": 10},
        "vehicles": {"peak": 3, "limit": 3},
    }


def test_usage_overlap_and_absent_limits() -> None:
    scenario, plan = copy.deepcopy(SCENARIO), copy.deepcopy(PLAN)
    for key in ("teams", "vehicles", "reception"):
        del scenario[key]
    plan["rounds"][1].update(start_hour=10, end_hour=14)  # windows (8, 12) and (10, 14)
    peaks = usage(scenario_from_data(scenario), plan_from_data(plan))
    assert peaks["teams"] == {"peak": 2, "limit": None}
    assert peaks["vehicles"] == {"peak": 0, "limit": None}  # no seats: nothing to count
    assert peaks["reception"] == {"peak": 3, "limit": None}


def test_violation_str() -> None:
    v = Violation("site_capacity", "round 3", "12 captives", {"captives": 12})
    assert str(v) == "[site_capacity] round 3: 12 captives"


def _set(path: str, value: Any) -> Callable[[Data], None]:
    """A setter for a dotted path into nested dicts and lists (``rounds.0.start_hour``)."""

    def apply(data: Data) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is _DELETE:
            del node[last]
        else:
            node[last] = value

    return apply


def sc(path: str, value: Any) -> Tweak:
    """Tweak the scenario."""
    return lambda s, p: _set(path, value)(s)


def pl(path: str, value: Any) -> Tweak:
    """Tweak the plan."""
    return lambda s, p: _set(path, value)(p)


def both(*tweaks: Tweak) -> Tweak:
    def apply(s: Data, p: Data) -> None:
        for t in tweaks:
            t(s, p)

    return apply


def _teams_overlap(s: Data, p: Data) -> None:
    """Round 2 moved to 10-14 with nothing else in its way: windows (8, 12) and (10, 14)."""
    s["rounds"]["min_gap_hours"] = 0
    del s["captives"][1]["zone"]
    p["rounds"][1].update(start_hour=10, end_hour=14)


CASES: list[tuple[str, Tweak, str, dict[str, int | str]]] = [
    # plan structure
    ("other scenario", pl("scenario", "other"), "plan", {"plan_scenario": "other"}),
    ("unknown captive", pl("rounds.0.captives.ghost", 1), "plan", {"cohort": "ghost"}),
    ("unknown detainee", pl("rounds.0.detainees.ghost", 1), "plan", {"cohort": "ghost"}),
    ("unknown site", pl("rounds.1.site", "mars"), "plan", {"site": "mars"}),
    ("index", pl("rounds.1.index", 3), "plan", {"index": 3, "expected": 2}),
    ("infeasible with rounds", pl("status", "infeasible"), "plan", {"rounds": 2}),
    # rounds
    ("too many rounds", sc("rounds.max_rounds", 1), "rounds", {"rounds": 2, "max_rounds": 1}),
    ("no rounds", pl("rounds", []), "rounds", {"rounds": 0}),
    ("start order", pl("rounds.1.start_hour", 6), "rounds", {"start": 6, "previous_start": 8}),
    ("no captive", pl("rounds.1.captives", {}), "rounds", {"captives": 0}),
    ("end hour", pl("rounds.0.end_hour", 13), "rounds", {"end_hour": 13, "expected": 12}),
    ("release hour missing", pl("rounds.0.detainee_release_hour", _DELETE), "rounds",
     {"detainees": 9}),
    ("release hour without detainees", pl("rounds.1.detainee_release_hour", 35), "rounds",
     {"release_hour": 35}),
    # timing
    ("min gap", sc("rounds.min_gap_hours", 30), "min_gap", {"gap": 22, "min_gap": 30}),
    ("open hours from", sc("rounds.open_hours", [7, 20]), "open_hours",
     {"hour_of_day": 6, "open_from": 7}),
    ("open hours to", sc("rounds.open_hours", [6, 11]), "open_hours",
     {"hour_of_day": 8, "window_end": 12, "open_to": 11}),
    ("lag", pl("rounds.0.detainee_release_hour", 15), "detainee_lag",
     {"release_hour": 15, "latest": 14}),
    ("completeness short", pl("rounds.0.captives.cl", 2), "completeness",
     {"cohort": "cl", "released": 2, "count": 3}),
    ("completeness over", pl("rounds.0.detainees.dg", 7), "completeness",
     {"cohort": "dg", "released": 7, "count": 6}),
    ("horizon", sc("horizon_hours", 30), "horizon", {"hour": 34, "horizon": 30}),
    ("negative start", both(pl("rounds.0.start_hour", -16), pl("rounds.0.end_hour", -12)),
     "horizon", {"start": -16}),
    # eligibility
    ("captive ready", sc("captives.0.ready_hour", 9), "captive_ready",
     {"cohort": "cl", "start": 8, "ready_hour": 9}),
    ("captive deadline", sc("captives.0.deadline_hour", 11), "captive_deadline",
     {"cohort": "cl", "end": 12, "deadline_hour": 11}),
    ("site zone", pl("rounds.1.site", "south-site"), "site_zone",
     {"site": "south-site", "zone": "north", "cohort": "cd"}),
    ("zone opening", pl("phases.pullback", {"start_hour": 25, "end_hour": 31}), "zone_opening",
     {"cohort": "cd", "phase": "pullback", "start": 30, "phase_end": 31}),
    ("detainee ready", sc("detainees.0.ready_hour", 14), "detainee_ready",
     {"cohort": "dl", "release_hour": 13, "ready_hour": 14}),
    ("detainee deadline", sc("detainees.0.deadline_hour", 12), "detainee_deadline",
     {"cohort": "dl", "release_hour": 13, "deadline_hour": 12}),
    # capacities
    ("site capacity", sc("sites.0.max_captives_per_round", 2), "site_capacity",
     {"site": "south-site", "captives": 3, "limit": 2}),
    ("teams", _teams_overlap, "teams", {"hour": 10, "rounds": 2, "limit": 1}),
    ("site overlap", both(_teams_overlap, sc("teams.count", 2), pl("rounds.1.site", "south-site")),
     "site_overlap", {"site": "south-site", "round": 2, "other_round": 1}),
    ("reception", sc("reception.max_living_per_day", 2), "reception",
     {"day": 0, "living": 3, "limit": 2}),
    ("facility", sc("facilities.0.max_releases_per_day", 8), "facility_capacity",
     {"facility": "ofer", "day": 0, "releases": 9, "limit": 8}),
    ("vehicles", sc("vehicles.count", 2), "vehicles", {"hour": 13, "trips": 3, "limit": 2}),
    ("vehicles seats", sc("vehicles.seats", 2), "vehicles", {"trips": 5, "limit": 3}),
    # deals
    ("ratio per captive", sc("ratios.0.per_captive", 4), "ratio",
     {"needed": 12, "assigned": 9, "shortfall": 3}),
    ("ratio of which", sc("ratios.0.of_which.0.count", 2), "ratio",
     {"needed": 9, "assigned": 6, "shortfall": 3}),
    ("package", sc("packages.0.within_hours", 0), "package",
     {"package": "gaza-for-living", "release_hour": 13, "bound": 12, "detainees": 6}),
    # phases
    ("phase missing", pl("phases.verify", _DELETE), "phase", {"phase": "verify"}),
    ("phase unknown", pl("phases.extra", {"start_hour": 0, "end_hour": 1}), "phase",
     {"phase": "extra"}),
    ("phase end", pl("phases.verify.end_hour", 23), "phase", {"end_hour": 23, "expected": 22}),
    ("phase earliest", sc("phases.0.earliest_start", 14), "phase",
     {"start": 13, "earliest_start": 14}),
    ("phase deadline", sc("phases.0.deadline_hour", 18), "phase", {"end": 19, "deadline_hour": 18}),
    ("after phase", both(pl("phases.verify", {"start_hour": 19, "end_hour": 21})), "phase_after",
     {"phase": "verify", "start": 19, "required": 20}),
    ("after captives", sc("phases.0.after.0.lag_hours", 2), "phase_after",
     {"phase": "pullback", "start": 13, "required": 14}),
    ("after detainees", sc("phases.1.after.1.lag_hours", 8), "phase_after",
     {"phase": "verify", "start": 20, "required": 21}),
    ("after never", pl("rounds.0.detainees", {"dg": 6}), "phase_after",
     {"phase": "verify", "needed": 3, "total": 3}),
    # priority and objective
    ("priority", sc("priority.tiers", [{"status": "deceased"}, {"status": "living"}]), "priority",
     {"tier": 1, "later_tier": 2, "last_release": 34, "first_release": 12}),
    ("objective value", pl("objective.makespan", 33), "objective",
     {"term": "makespan", "stated": 33, "recomputed": 34}),
    ("objective terms", sc("objective", ["rounds", "makespan"]), "objective",
     {"expected": "rounds, makespan"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tweak", "rule", "numbers"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_rule_is_caught(tweak: Tweak, rule: str, numbers: dict[str, int | str]) -> None:
    violations = run(tweak)
    hits = [v for v in violations if v.rule == rule]
    assert hits, f"no {rule} violation in {[str(v) for v in violations]}"
    assert any(numbers.items() <= v.numbers.items() for v in hits), [v.numbers for v in hits]
    assert all(v.rule in RULES for v in violations)


def test_ratio_rules_share_one_round_of_detainees() -> None:
    # Alone, civ-3 (9 living, 3 of them life) and dead-1 (1 gaza) both fit the 9 detainees of
    # round 1; together they need 10, and a detainee serves one captive only.
    def compete(s: Data, p: Data) -> None:
        s["ratios"].append(
            {"name": "dead-1", "captives": {"status": "deceased"}, "per_captive": 1,
             "from": {"category": "gaza"}}
        )  # fmt: skip
        del s["captives"][1]["zone"]
        s["sites"][0]["max_captives_per_round"] = 4
        p["rounds"] = p["rounds"][:1]
        p["rounds"][0]["captives"] = {"cl": 3, "cd": 1}

    ratio = [v.numbers for v in run(compete) if v.rule == "ratio"]
    assert ratio == [{"rules": "civ-3, dead-1", "needed": 10, "assigned": 9, "shortfall": 1}]


def test_every_rule_family_is_tested() -> None:
    assert {c[2] for c in CASES} == set(RULES)


@pytest.mark.parametrize("status", ["infeasible", "unknown"])
def test_no_plan_statuses(status: str) -> None:
    assert run(both(pl("status", status), pl("rounds", []), pl("objective", {}))) == []


def test_soft_priority_counts_inversion_and_is_not_a_violation() -> None:
    # Deceased first as a soft tier: inversion = last deceased 34 - first living 12 = 22.
    def soft(s: Data, p: Data) -> None:
        s["priority"] = {"mode": "soft", "tiers": [{"status": "deceased"}, {"status": "living"}]}
        p["objective"] = {"priority_inversion_hours": 22, **p["objective"]}

    assert run(soft) == []


@pytest.mark.parametrize(("fraction", "required"), [(0.3, 13), (0.4, 37)])
def test_fraction_is_exact(fraction: float, required: int) -> None:
    # 10 living captives: 3 released at hour 12, 7 at hour 36. 0.3 x 10 is 3.0000000000000004
    # in floats, but ceil(3/10 x 10) = 3 is reached at 12, so pullback (lag 1) may start at 13;
    # 0.4 needs 4, reached only at 36.
    def tenth(s: Data, p: Data) -> None:
        s["captives"][0]["count"] = 10
        s["phases"][0]["after"][0]["fraction"] = fraction
        p["rounds"][0]["captives"] = {"cl": 3}
        p["rounds"].insert(
            1, {"index": 2, "site": "south-site", "start_hour": 32, "end_hour": 36,
                "captives": {"cl": 7}, "detainees": {}},
        )  # fmt: skip
        p["rounds"][2].update(index=3, start_hour=56, end_hour=60)

    after = [v.numbers for v in run(tenth) if v.rule == "phase_after"]
    expected = {"phase": "pullback", "start": 13, "required": required, "lag_hours": 1}
    assert after == ([] if required == 13 else [expected])


def test_unknown_ids_never_raise() -> None:
    def chaos(s: Data, p: Data) -> None:
        p["rounds"] = [
            {"index": 7, "site": "nowhere", "start_hour": -5, "end_hour": 10**12,
             "detainee_release_hour": -3, "captives": {"x": 1}, "detainees": {"y": 2}},
        ]  # fmt: skip
        p["phases"] = {"z": {"start_hour": 1, "end_hour": 0}}
        p["objective"] = {"bogus": 1}

    violations = run(chaos)
    assert {"plan", "phase", "completeness", "objective", "horizon"} <= {v.rule for v in violations}


_hours = st.integers(min_value=-30, max_value=260)
_round = st.fixed_dictionaries(
    {
        "index": st.integers(min_value=1, max_value=4),
        "site": st.sampled_from(["south-site", "north-site", "mars"]),
        "start_hour": _hours,
        "end_hour": _hours,
        "captives": st.dictionaries(
            st.sampled_from(["cl", "cd", "ghost"]), st.integers(1, 5), max_size=3
        ),
        "detainees": st.dictionaries(
            st.sampled_from(["dl", "dg", "ghost"]), st.integers(1, 9), max_size=3
        ),
    },
    optional={"detainee_release_hour": _hours},
)
_phases = st.dictionaries(
    st.sampled_from(["pullback", "verify", "extra"]),
    st.fixed_dictionaries({"start_hour": _hours, "end_hour": _hours}),
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(rounds=st.lists(_round, max_size=4), phases=_phases)
def test_any_accepted_plan_is_judged_without_raising(rounds: list[Data], phases: Data) -> None:
    plan = plan_from_data(dict(PLAN, rounds=rounds, phases=phases))
    scenario = scenario_from_data(SCENARIO)
    assert {v.rule for v in validate(scenario, plan)} <= set(RULES)
    assert set(objective_values(scenario, plan)) == set(ALL_TERMS)
    assert all(entry["peak"] >= 0 for entry in usage(scenario, plan).values())
