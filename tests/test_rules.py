"""The CP-SAT engine against hand-worked optima, one rule family of the spec at a time.

Every test builds a tiny scenario (a mutation of :func:`base`), states the exact
optimum worked out by hand (with the reasoning in a comment) and then lifts or
relaxes the rule that binds and states the new optimum, so each test proves that
the rule is modelled, and modelled exactly as ``shared/spec/scenario-format.md``
("Meaning") defines it. Every plan must also pass the independent validator.

Objectives are written ``obj(living_release_hours, release_hours, makespan, rounds)``
for the default lexicographic order.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from models.loader import scenario_from_data
from planner.solve import Result, solve

Data = dict[str, Any]

TIME_LIMIT = 20.0


# --------------------------------------------------------------------------- helpers


def cap(cid: str, **kw: Any) -> Data:
    """A captive cohort: living, one person, no zone, ready at 0, unless told otherwise."""
    return {"id": cid, "status": "living", "count": 1, **kw}


def det(did: str, **kw: Any) -> Data:
    """A detainee cohort: living, one person, ready at 0, unless told otherwise."""
    return {"id": did, "status": "living", "count": 1, **kw}


def rounds(**kw: Any) -> Data:
    """The rounds block: one round of 2 hours, no gap, no lag, unless told otherwise."""
    return {"max_rounds": 1, "duration_hours": 2, **kw}


def base(**overrides: Any) -> Data:
    """A fresh minimal scenario: one living captive, one site, one 2-hour round.

    Its optimum is one round [0, 2]: obj(2, 2, 2, 1). Top-level keys given as
    keyword arguments replace those of the base (a value of None removes the key).
    """
    data: Data = {
        "format": "exchange-scenario/1",
        "name": "rule",
        "horizon_hours": 100,
        "captives": [cap("a")],
        "rounds": rounds(),
        "sites": [{"id": "s"}],
    }
    for key, value in copy.deepcopy(overrides).items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def obj(living: int, release: int, makespan: int, n_rounds: int) -> dict[str, int]:
    """The default objective as the plan states it."""
    return {
        "living_release_hours": living,
        "release_hours": release,
        "makespan": makespan,
        "rounds": n_rounds,
    }


def run(data: Data) -> Result:
    return solve(scenario_from_data(data), time_limit=TIME_LIMIT, seed=0, workers=2)


def optimum(data: Data) -> Result:
    """Solve; the plan must be proven optimal and pass the validator."""
    result = run(data)
    assert result.violations == [], [str(v) for v in result.violations]
    assert result.status == "optimal"
    result.check()
    return result


def assert_infeasible(data: Data) -> None:
    result = run(data)
    assert result.status == "infeasible"
    assert result.plan.rounds == []
    assert result.violations == []


def test_base_optimum():
    # One captive ready at 0: one round [0, 2] is the only sensible plan.
    result = optimum(base())
    assert result.objective == obj(2, 2, 2, 1)
    assert list(result.objective) == [
        "living_release_hours",
        "release_hours",
        "makespan",
        "rounds",
    ]
    (r,) = result.plan.rounds
    assert (r.index, r.site, r.start_hour, r.end_hour) == (1, "s", 0, 2)
    assert r.captives == {"a": 1}
    assert r.detainees == {}
    assert r.detainee_release_hour is None


# --------------------------------------------------------------------------- rounds

# Two captives: "a" ready at 0, "b" ready at 10.
TWO_READY = [cap("a"), cap("b", ready_hour=10)]


@pytest.mark.parametrize(
    ("max_rounds", "expected"),
    [
        # One round must wait for b: both released at 12.
        (1, obj(24, 24, 12, 1)),
        # Two rounds: a at [0, 2], b at [10, 12]: 2 + 12 = 14.
        (2, obj(14, 14, 12, 2)),
        # A third round has nothing to add (every round needs a captive anyway).
        (3, obj(14, 14, 12, 2)),
    ],
)
def test_max_rounds(max_rounds, expected):
    data = base(captives=TWO_READY, rounds=rounds(max_rounds=max_rounds))
    result = optimum(data)
    assert result.objective == expected
    assert len(result.plan.rounds) <= max_rounds


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (0, obj(0, 0, 0, 1)),  # a zero-length window: released at its start, hour 0
        (2, obj(6, 6, 2, 1)),  # three captives released at 2
        (7, obj(21, 21, 7, 1)),
    ],
)
def test_duration_hours(duration, expected):
    # e_k = s_k + duration_hours; three captives all at e_1 = duration.
    data = base(captives=[cap("a", count=3)], rounds=rounds(duration_hours=duration))
    result = optimum(data)
    assert result.objective == expected
    (r,) = result.plan.rounds
    assert r.end_hour == r.start_hour + duration


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        # No gap: a at [0, 2] at one site, b at [1, 3] at the other: 2 + 3 = 5.
        (0, obj(5, 5, 3, 2)),
        # Gap 1 still allows starts 0 and 1.
        (1, obj(5, 5, 3, 2)),
        # Gap 5: a second round starts >= 5, b at 7: 2 + 7 = 9, worse than one round
        # at [1, 3] for both (6).
        (5, obj(6, 6, 3, 1)),
    ],
)
def test_min_gap_hours(gap, expected):
    data = base(
        captives=[cap("a"), cap("b", ready_hour=1)],
        rounds=rounds(max_rounds=2, min_gap_hours=gap),
        sites=[{"id": "s"}, {"id": "t"}],
    )
    assert optimum(data).objective == expected


def test_every_round_releases_a_captive():
    # The captive is only ready at 10 but the detainee must be out by 5. A round
    # with detainees and no captive would do (r = 2), but every round must release
    # a captive, so no plan exists even with spare rounds.
    data = base(
        captives=[cap("a", ready_hour=10)],
        detainees=[det("d", deadline_hour=5)],
        rounds=rounds(max_rounds=3),
    )
    assert_infeasible(data)
    # Give the detainee until 12: one round [10, 12] frees both.
    data["detainees"][0]["deadline_hour"] = 12
    result = optimum(data)
    assert result.objective == obj(12, 12, 12, 1)
    assert all(r.captives for r in result.plan.rounds)


# --------------------------------------------------------------------------- open hours


@pytest.mark.parametrize(
    ("open_hours", "ready", "expected"),
    [
        # Without open hours the round starts when the captive is ready.
        (None, 19, obj(21, 21, 21, 1)),
        # [6, 20]: a 2-hour window may start at hours of day 6..18; 19 is too late,
        # so the next day at 24 + 6 = 30, released at 32.
        ([6, 20], 19, obj(32, 32, 32, 1)),
        # Starting at 18 ends at exactly 20 = to: allowed.
        ([6, 20], 18, obj(20, 20, 20, 1)),
        # Ready at 0 but closed until 6.
        ([6, 20], 0, obj(8, 8, 8, 1)),
        # The window may end exactly at midnight: start 22, end 24.
        ([0, 24], 22, obj(24, 24, 24, 1)),
    ],
)
def test_open_hours(open_hours, ready, expected):
    data = base(
        captives=[cap("a", ready_hour=ready)],
        rounds=rounds(open_hours=open_hours) if open_hours else rounds(),
    )
    result = optimum(data)
    assert result.objective == expected


def test_open_hours_until_midnight_with_zero_duration():
    # open_hours [6, 24] with zero-length windows: s mod 24 must be in 6..23. The
    # captive is ready at 24 (hour of day 0, closed), so the earliest start is 30.
    data = base(
        captives=[cap("a", ready_hour=24)],
        rounds=rounds(duration_hours=0, open_hours=[6, 24]),
    )
    result = optimum(data)
    assert result.objective == obj(30, 30, 30, 1)


def test_open_hours_too_narrow_for_the_window():
    # A 5-hour window never fits in [6, 10]; one of 4 hours does (6..10).
    assert_infeasible(base(rounds=rounds(duration_hours=5, open_hours=[6, 10])))
    result = optimum(base(rounds=rounds(duration_hours=4, open_hours=[6, 10])))
    assert result.objective == obj(10, 10, 10, 1)


# --------------------------------------------------------------------------- detainee lag


@pytest.mark.parametrize(
    ("lag", "expected"),
    [
        # r = e exactly: the detainee (ready 10) forces e >= 10, round [8, 10].
        ([0, 0], obj(10, 10, 10, 1)),
        # r in [e + 3, e + 5]: r = 10 needs e >= 5, round [3, 5].
        ([3, 5], obj(5, 5, 10, 1)),
        # r may be 8 after e: the round goes at [0, 2] and r = 10.
        ([0, 8], obj(2, 2, 10, 1)),
    ],
)
def test_detainee_lag_max(lag, expected):
    data = base(
        detainees=[det("d", ready_hour=10)],
        rounds=rounds(detainee_lag_hours=lag),
    )
    result = optimum(data)
    assert result.objective == expected
    (r,) = result.plan.rounds
    assert r.detainee_release_hour == 10


@pytest.mark.parametrize(("lag", "makespan"), [([0, 0], 2), ([3, 5], 5), ([4, 9], 6)])
def test_detainee_lag_min(lag, makespan):
    # Round [0, 2]; the makespan is r = e + lag_min, the earliest release allowed.
    data = base(detainees=[det("d")], rounds=rounds(detainee_lag_hours=lag))
    result = optimum(data)
    assert result.objective == obj(2, 2, makespan, 1)
    assert result.plan.rounds[0].detainee_release_hour == makespan


def test_round_without_detainees_has_no_release_hour():
    # a at [0, 2] and b at [10, 12]. The detainee goes with a (r in [5, 7]) rather
    # than with b (r >= 15 would raise the makespan above 12), so b's round moves
    # no detainees and has no r_k; its lag would otherwise push the makespan to 15.
    data = base(
        captives=TWO_READY,
        detainees=[det("d")],
        rounds=rounds(max_rounds=2, detainee_lag_hours=[3, 5]),
    )
    result = optimum(data)
    assert result.objective == obj(14, 14, 12, 2)
    first, second = result.plan.rounds
    assert first.detainees == {"d": 1}
    assert 5 <= first.detainee_release_hour <= 7
    assert second.detainees == {}
    assert second.detainee_release_hour is None
    assert "detainee_release_hour" not in result.plan.to_json_dict()["rounds"][1]


# --------------------------------------------------------------------------- completeness


@pytest.mark.parametrize(
    ("overrides", "horizon", "expected"),
    [
        # The 2-hour window needs the horizon to reach hour 2.
        pytest.param({}, 2, obj(2, 2, 2, 1), id="window"),
        # The detainee is released 3 hours after the window ends: r = 5 <= horizon.
        pytest.param(
            {"detainees": [det("d")], "rounds": rounds(detainee_lag_hours=[3, 3])},
            5,
            obj(2, 2, 5, 1),
            id="detainee",
        ),
        # A 10-hour phase must end by the horizon as well.
        pytest.param(
            {"phases": [{"id": "p", "duration_hours": 10}]}, 10, obj(2, 2, 10, 1), id="phase"
        ),
        # Both captives in full: b (ready 10) needs the horizon at 12.
        pytest.param(
            {"captives": TWO_READY, "rounds": rounds(max_rounds=2)},
            12,
            obj(14, 14, 12, 2),
            id="captive",
        ),
    ],
)
def test_horizon(overrides, horizon, expected):
    # One hour less than the tightest need: no plan (status infeasible, no rounds).
    assert_infeasible(base(horizon_hours=horizon - 1, **overrides))
    # Exactly enough: the optimum ends at the horizon.
    result = optimum(base(horizon_hours=horizon, **overrides))
    assert result.objective == expected
    assert result.objective["makespan"] == horizon


def test_every_cohort_released_in_full():
    # Counts are released in full, across rounds (a site takes 2 per round).
    data = base(
        captives=[cap("a", count=3), cap("b", status="deceased", count=2)],
        detainees=[det("d", count=4), det("e", status="deceased", count=1)],
        rounds=rounds(max_rounds=3),
        sites=[{"id": "s", "max_captives_per_round": 2}],
    )
    result = optimum(data)
    totals: dict[str, int] = {}
    for r in result.plan.rounds:
        for cid, n in {**r.captives, **r.detainees}.items():
            totals[cid] = totals.get(cid, 0) + n
    assert totals == {"a": 3, "b": 2, "d": 4, "e": 1}
    # Living first: 2 living at 2, 1 living at 4 (with 1 deceased), 1 deceased at 6.
    assert result.objective == obj(8, 8 + 4 + 6, 6, 3)


# --------------------------------------------------------------------------- captive eligibility


@pytest.mark.parametrize(("ready", "expected"), [(0, obj(2, 2, 2, 1)), (7, obj(9, 9, 9, 1))])
def test_captive_ready_hour(ready, expected):
    # s_k >= ready_hour: the round starts at the ready hour.
    assert optimum(base(captives=[cap("a", ready_hour=ready)])).objective == expected


def test_captive_deadline_hour():
    # e_k <= deadline: with a 2-hour window a deadline of 1 cannot be met, 2 can.
    assert_infeasible(base(captives=[cap("a", deadline_hour=1)]))
    assert optimum(base(captives=[cap("a", deadline_hour=2)])).objective == obj(2, 2, 2, 1)


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        # Fewest rounds first: one round at [10, 12] for both.
        (None, {"rounds": 1, "makespan": 12}),
        # a must be out by 6, b is only ready at 10: two rounds.
        (6, {"rounds": 2, "makespan": 12}),
    ],
)
def test_captive_deadline_binds(deadline, expected):
    a = cap("a") if deadline is None else cap("a", deadline_hour=deadline)
    data = base(
        captives=[a, cap("b", ready_hour=10)],
        rounds=rounds(max_rounds=2),
        objective=["rounds", "makespan"],
    )
    result = optimum(data)
    assert result.objective == expected
    for r in result.plan.rounds:
        if "a" in r.captives and deadline is not None:
            assert r.end_hour <= deadline


@pytest.mark.parametrize(
    ("south_zones", "expected"),
    [
        # Only site n serves the north and takes 1 per round: [0, 2] and [2, 4].
        (["south"], obj(6, 6, 4, 2)),
        # Site "south" serves the north too: one round of 2 there.
        (["south", "north"], obj(4, 4, 2, 1)),
        # A site without zones serves every zone.
        (None, obj(4, 4, 2, 1)),
    ],
)
def test_site_serves_zone(south_zones, expected):
    south: Data = {"id": "south"}
    if south_zones is not None:
        south["zones"] = south_zones
    data = base(
        captives=[cap("a", count=2, zone="north")],
        rounds=rounds(max_rounds=2),
        sites=[south, {"id": "n", "zones": ["north"], "max_captives_per_round": 1}],
    )
    result = optimum(data)
    assert result.objective == expected
    if south_zones == ["south"]:
        assert {r.site for r in result.plan.rounds} == {"n"}


def test_captive_without_zone_goes_to_any_site():
    # Every site lists zones, none the captive's (it has none): it may still go anywhere.
    data = base(sites=[{"id": "s", "zones": ["south"]}, {"id": "t", "zones": ["east"]}])
    assert optimum(data).objective == obj(2, 2, 2, 1)


# --------------------------------------------------------------------------- detainee eligibility


@pytest.mark.parametrize(
    ("detainee", "expected"),
    [
        # No restriction: all in one round [0, 2].
        ({}, obj(2, 2, 2, 1)),
        # r >= 7 with lag 0: the round moves to [5, 7].
        ({"ready_hour": 7}, obj(7, 7, 7, 1)),
    ],
)
def test_detainee_ready_hour(detainee, expected):
    assert optimum(base(detainees=[det("d", **detainee)])).objective == expected


def test_detainee_deadline_hour():
    # The captive is ready at 4; the detainee must be out by 5 but r = e >= 6.
    data = base(captives=[cap("a", ready_hour=4)], detainees=[det("d", deadline_hour=5)])
    assert_infeasible(data)
    # A deadline of 6 is met exactly.
    data["detainees"][0]["deadline_hour"] = 6
    result = optimum(data)
    assert result.objective == obj(6, 6, 6, 1)
    assert result.plan.rounds[0].detainee_release_hour == 6


# --------------------------------------------------------------------------- capacity


@pytest.mark.parametrize(
    ("sites", "expected"),
    [
        # No limit: all three at [0, 2].
        ([{"id": "s"}], obj(6, 6, 2, 1)),
        # 2 per round at one site: 2 at [0, 2] and 1 at [2, 4]: 4 + 4 = 8.
        ([{"id": "s", "max_captives_per_round": 2}], obj(8, 8, 4, 2)),
        # Two such sites work in parallel: 2 + 1 at [0, 2].
        (
            [{"id": "s", "max_captives_per_round": 2}, {"id": "t", "max_captives_per_round": 2}],
            obj(6, 6, 2, 2),
        ),
    ],
)
def test_site_max_captives_per_round(sites, expected):
    data = base(captives=[cap("a", count=3)], rounds=rounds(max_rounds=2), sites=sites)
    result = optimum(data)
    assert result.objective == expected


@pytest.mark.parametrize(
    ("teams", "expected"),
    [
        # No teams limit: a at [0, 2] at s, b at [1, 3] at t: 2 + 3 = 5.
        (None, obj(5, 5, 3, 2)),
        # Two teams: the same.
        ({"count": 2}, obj(5, 5, 3, 2)),
        # One team: [0, 2] and [1, 3] overlap; back to back (b at [2, 4]) gives 6 with
        # makespan 4, one round at [1, 3] gives 6 with makespan 3.
        ({"count": 1}, obj(6, 6, 3, 1)),
    ],
)
def test_teams(teams, expected):
    data = base(
        captives=[cap("a"), cap("b", ready_hour=1)],
        rounds=rounds(max_rounds=2),
        sites=[{"id": "s"}, {"id": "t"}],
        teams=teams,
    )
    assert optimum(data).objective == expected


@pytest.mark.parametrize(
    ("sites", "teams"),
    [
        ([{"id": "s"}], None),  # one site: its windows may touch
        ([{"id": "s"}, {"id": "t"}], {"count": 1}),  # one team: its windows may touch
    ],
)
def test_back_to_back_windows_do_not_overlap(sites, teams):
    # a ready 0, b ready 2: a at [0, 2] and b at [2, 4] share only hour 2, which the
    # open-interval sense allows: 2 + 4 = 6. (Were touching windows an overlap, the
    # best would be b at [3, 5]: 7.)
    data = base(
        captives=[cap("a"), cap("b", ready_hour=2)],
        rounds=rounds(max_rounds=2),
        sites=sites,
        teams=teams,
    )
    result = optimum(data)
    assert result.objective == obj(6, 6, 4, 2)
    assert [r.start_hour for r in result.plan.rounds] == [0, 2]


@pytest.mark.parametrize(
    ("sites", "expected"),
    [
        # One site: [0, 2] and [1, 3] would overlap there. b at [2, 4] gives 6 with
        # makespan 4; one round at [1, 3] gives 6 with makespan 3.
        ([{"id": "s"}], obj(6, 6, 3, 1)),
        # A second site takes the overlapping round: 2 + 3 = 5.
        ([{"id": "s"}, {"id": "t"}], obj(5, 5, 3, 2)),
    ],
)
def test_never_two_overlapping_rounds_at_one_site(sites, expected):
    data = base(
        captives=[cap("a"), cap("b", ready_hour=1)],
        rounds=rounds(max_rounds=2),
        sites=sites,
    )
    result = optimum(data)
    assert result.objective == expected
    if len(result.plan.rounds) == 2:
        assert result.plan.rounds[0].site != result.plan.rounds[1].site


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        # Zero-length windows overlap nothing: both rounds at hour 5 at the one site,
        # even with one team: 5 + 5 = 10.
        (0, obj(10, 10, 5, 2)),
        # 1-hour windows must not overlap: [5, 6] and [6, 7]: 6 + 7 = 13.
        (1, obj(13, 13, 7, 2)),
    ],
)
def test_zero_length_windows_overlap_nothing(duration, expected):
    data = base(
        captives=[cap("a", count=2, ready_hour=5)],
        rounds=rounds(max_rounds=2, duration_hours=duration),
        sites=[{"id": "s", "max_captives_per_round": 1}],
        teams={"count": 1},
    )
    assert optimum(data).objective == expected


@pytest.mark.parametrize(
    ("reception", "expected"),
    [
        # No limit: all three at [0, 2]; living 2 x 2, all 3 x 2.
        (None, obj(4, 6, 2, 1)),
        # 2 living a day: the deceased captive does not count, still one round.
        ({"max_living_per_day": 2}, obj(4, 6, 2, 1)),
        # 1 living a day: the second living captive waits for day 1, which starts at
        # hour 24 (days are [24d, 24d + 24)): a round [22, 24]. 2 + 24 = 26 living,
        # the deceased one goes at 2: 28.
        ({"max_living_per_day": 1}, obj(26, 28, 24, 2)),
    ],
)
def test_reception_max_living_per_day(reception, expected):
    data = base(
        captives=[cap("a", count=2), cap("b", status="deceased")],
        rounds=rounds(max_rounds=2),
        reception=reception,
    )
    result = optimum(data)
    assert result.objective == expected


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        # One detainee a day: two rounds (each needs a captive) at [0, 2] at s and t,
        # released at 2 (day 0) and 24 (day 1, lag 22).
        (1, obj(4, 4, 24, 2)),
        # Two a day: one round, both released at 2.
        (2, obj(4, 4, 2, 1)),
    ],
)
def test_facility_max_releases_per_day(limit, expected):
    data = base(
        captives=[cap("a", count=2)],
        detainees=[det("d", count=2, facility="f")],
        facilities=[{"id": "f", "max_releases_per_day": limit}],
        rounds=rounds(max_rounds=2, detainee_lag_hours=[0, 22]),
        sites=[{"id": "s"}, {"id": "t"}],
    )
    result = optimum(data)
    assert result.objective == expected
    if limit == 1:
        # One release on day 0 (any of hours 2..23), the other at hour 24.
        first, second = sorted(r.detainee_release_hour for r in result.plan.rounds)
        assert 2 <= first <= 23
        assert second == 24


@pytest.mark.parametrize(
    ("vehicles", "expected"),
    [
        # No vehicles given: unlimited transport, one round, r = 2.
        (None, obj(4, 4, 2, 1)),
        # 1 vehicle of 3 seats: 3 detainees are one trip.
        ({"count": 1, "seats": 3}, obj(4, 4, 2, 1)),
        # 2 vehicles of 2 seats: ceil(3 / 2) = 2 trips at once.
        ({"count": 2, "seats": 2}, obj(4, 4, 2, 1)),
        # 1 vehicle of 2 seats: 2 trips cannot share a release hour. A trip is busy
        # [r, r + 4) (route 2 hours each way), so the second round releases at
        # 2 + 4 = 6 (lag 4), both rounds at [0, 2] at two sites.
        ({"count": 1, "seats": 2}, obj(4, 4, 6, 2)),
    ],
)
def test_vehicles(vehicles, expected):
    data = base(
        captives=[cap("a", count=2)],
        detainees=[det("d", count=3, facility="f", destination="x")],
        facilities=[{"id": "f"}],
        routes=[{"facility": "f", "destination": "x", "hours": 2}],
        vehicles=vehicles,
        rounds=rounds(max_rounds=2, detainee_lag_hours=[0, 10]),
        sites=[{"id": "s"}, {"id": "t"}],
    )
    result = optimum(data)
    assert result.objective == expected
    if expected["rounds"] == 2:
        assert sorted(r.detainee_release_hour for r in result.plan.rounds) == [2, 6]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        # 3 vehicles: one round needs ceil(3/2) + ceil(1/2) = 3 trips at r = 2.
        (3, obj(4, 4, 2, 1)),
        # 2 vehicles: trips are counted per route (2 + 1 = 3, not ceil(4/2) = 2), so
        # one round is too many; two rounds at [0, 2] at s and t whose trips (busy
        # [r, r + 2)) cannot overlap: r = 2 and r = 4.
        (2, obj(4, 4, 4, 2)),
    ],
)
def test_vehicle_trips_per_route(count, expected):
    data = base(
        captives=[cap("a", count=2)],
        detainees=[
            det("dx", count=3, facility="f", destination="x"),
            det("dy", count=1, facility="f", destination="y"),
        ],
        facilities=[{"id": "f"}],
        routes=[
            {"facility": "f", "destination": "x", "hours": 1},
            {"facility": "f", "destination": "y", "hours": 1},
        ],
        vehicles={"count": count, "seats": 2},
        rounds=rounds(max_rounds=2, detainee_lag_hours=[0, 10]),
        sites=[{"id": "s"}, {"id": "t"}],
    )
    assert optimum(data).objective == expected


def test_vehicles_zero_hour_route_is_never_busy():
    # A route of 0 hours keeps no vehicle busy: one round even with 1 seat, 1 vehicle.
    data = base(
        captives=[cap("a")],
        detainees=[det("d", count=3, facility="f", destination="x")],
        facilities=[{"id": "f"}],
        routes=[{"facility": "f", "destination": "x", "hours": 0}],
        vehicles={"count": 1, "seats": 1},
    )
    assert optimum(data).objective == obj(2, 2, 2, 1)


# --------------------------------------------------------------------------- ratios

# a: a living civilian; b: a deceased captive only ready at 10.
RATIO_CAPTIVES = [cap("a", category="civ"), cap("b", status="deceased", ready_hour=10)]


def ratio(name: str, captives: Data, per: int, **kw: Any) -> Data:
    """A ratio rule; ``from_`` stands for the ``from`` key."""
    rule = {"name": name, "captives": captives, "per_captive": per}
    if "from_" in kw:
        rule["from"] = kw.pop("from_")
    return {**rule, **kw}


LIFE = {"category": "life"}
GAZA = {"category": "gaza"}
LIFE_OR_GAZA = {"category": ["life", "gaza"]}
CIV = {"category": "civ"}
LIGHT = ratio("light", {"id": "a"}, 1, from_=GAZA)  # a: 1 gaza detainee
HEAVY = ratio("heavy", {"status": "living"}, 1, from_=LIFE)  # a: 1 life detainee

# Without a rule: a at [0, 2], b at [10, 12]: obj(2, 14, 12, 2).
FREE = obj(2, 14, 12, 2)
# When a needs a life detainee, who are only ready at 10 (lag 0): a at [8, 10], b at
# [10, 12] (one round at [10, 12] for both would give living 12).
LATE = obj(10, 22, 12, 2)


@pytest.mark.parametrize(
    ("ratios", "n_life", "expected"),
    [
        pytest.param([], 2, FREE, id="no-rule"),
        # from: a needs 2 life detainees.
        pytest.param([ratio("r", CIV, 2, from_=LIFE)], 2, LATE, id="from-binds"),
        # from absent (= every detainee): 2 gaza detainees at hour 2 will do.
        pytest.param([ratio("r", CIV, 2)], 2, FREE, id="from-any"),
        # of_which: 3 from life|gaza, of which 1 life.
        pytest.param(
            [ratio("r", CIV, 3, from_=LIFE_OR_GAZA, of_which=[{"from": LIFE, "count": 1}])],
            1,
            LATE,
            id="of-which-binds",
        ),
        # Same rule without of_which: 3 gaza detainees at hour 2.
        pytest.param([ratio("r", CIV, 3, from_=LIFE_OR_GAZA)], 1, FREE, id="of-which-lifted"),
        # The first matching rule governs: a is under "light" (1 gaza), not "heavy".
        pytest.param([LIGHT, HEAVY], 1, FREE, id="first-rule-governs"),
        # Swap the order: "heavy" governs and needs the late life detainee.
        pytest.param([HEAVY, LIGHT], 1, LATE, id="first-rule-governs-swapped"),
    ],
)
def test_ratios(ratios, n_life, expected):
    # Detainees: n_life "life" ready at 10, 5 "gaza" ready at 0.
    data = base(
        captives=RATIO_CAPTIVES,
        detainees=[
            det("L", category="life", count=n_life, ready_hour=10),
            det("G", category="gaza", count=5),
        ],
        ratios=ratios,
        rounds=rounds(max_rounds=2),
    )
    result = optimum(data)
    assert result.objective == expected


def test_ratio_allows_detainees_beyond_the_need():
    # One captive needing 1 detainee, 5 to release in the only round: all 5 go with it.
    data = base(
        detainees=[det("d", count=5)],
        ratios=[{"name": "r", "captives": {}, "per_captive": 1}],
    )
    result = optimum(data)
    assert result.objective == obj(2, 2, 2, 1)
    assert result.plan.rounds[0].detainees == {"d": 5}


@pytest.mark.parametrize(("count", "feasible"), [(3, False), (4, True)])
def test_ratio_detainee_serves_one_captive(count, feasible):
    # Two captives needing 2 detainees each: 4 distinct detainees, however the
    # captives are split over rounds; 3 are not enough.
    data = base(
        captives=[cap("a", count=2)],
        detainees=[det("d", count=count)],
        rounds=rounds(max_rounds=2),
        ratios=[{"name": "r", "captives": {}, "per_captive": 2}],
    )
    if feasible:
        assert optimum(data).objective == obj(4, 4, 2, 1)
    else:
        assert_infeasible(data)


@pytest.mark.parametrize(("count", "feasible"), [(1, False), (2, True)])
def test_ratio_detainee_serves_one_captive_across_rules(count, feasible):
    # a and b are governed by two different rules, each needing 1 detainee: the same
    # detainee cannot serve both, in one round or in two.
    data = base(
        captives=[cap("a", category="civ"), cap("b", category="x")],
        detainees=[det("d", count=count)],
        rounds=rounds(max_rounds=2),
        ratios=[
            {"name": "r1", "captives": {"category": "civ"}, "per_captive": 1},
            {"name": "r2", "captives": {"category": "x"}, "per_captive": 1},
        ],
    )
    if feasible:
        assert optimum(data).objective == obj(4, 4, 2, 1)
    else:
        assert_infeasible(data)


# --------------------------------------------------------------------------- packages


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        # No package: a at [0, 2], g (ready 10) at r = 10..12 (lag up to 20), b (deceased,
        # ready 10) at [10, 12]: living 2, all 2 + 12 = 14.
        (None, obj(2, 14, 12, 2)),
        # g within 4 hours of the last living release: r_g <= e_a + 4 with r_g >= 10, so
        # e_a >= 6 (in b's round, r_g >= 12 would even need e_a >= 8): a at [4, 6].
        ({"captives": {"status": "living"}, "within_hours": 4}, obj(6, 18, 12, 2)),
        # Within 6: e_a >= 4.
        ({"captives": {"status": "living"}, "within_hours": 6}, obj(4, 16, 12, 2)),
        # Within 8: e_a >= 2, no longer binding.
        ({"captives": {"status": "living"}, "within_hours": 8}, obj(2, 14, 12, 2)),
        # After the last of all captives (b at 12): 12 + 4 >= 10, not binding.
        ({"captives": {}, "within_hours": 4}, obj(2, 14, 12, 2)),
    ],
)
def test_packages(package, expected):
    packages = None if package is None else [{"name": "p", "detainees": {}, **package}]
    data = base(
        captives=[cap("a"), cap("b", status="deceased", ready_hour=10)],
        detainees=[det("g", ready_hour=10)],
        rounds=rounds(max_rounds=2, detainee_lag_hours=[0, 20]),
        packages=packages,
    )
    result = optimum(data)
    assert result.objective == expected
    (g_round,) = [r for r in result.plan.rounds if r.detainees]
    assert 10 <= g_round.detainee_release_hour <= 12
    if package is not None and package["captives"]:
        a_end = next(r.end_hour for r in result.plan.rounds if "a" in r.captives)
        assert g_round.detainee_release_hour <= a_end + package["within_hours"]


def test_package_is_an_upper_bound_only():
    # g must be out by 5, long before the last living captive (b at 12): it may go
    # with a at r = 2, before the captives of the package are all released.
    package = {"name": "p", "captives": {"status": "living"}, "detainees": {}, "within_hours": 0}
    data = base(
        captives=TWO_READY,
        detainees=[det("g", deadline_hour=5)],
        rounds=rounds(max_rounds=2),
        packages=[package],
    )
    result = optimum(data)
    assert result.objective == obj(14, 14, 12, 2)
    assert result.plan.rounds[0].detainees == {"g": 1}


# --------------------------------------------------------------------------- phases


@pytest.mark.parametrize(
    ("phase", "expected_start"),
    [
        ({}, 0),
        ({"earliest_start": 10}, 10),  # s_p >= earliest_start: makespan 15
    ],
)
def test_phase_earliest_start(phase, expected_start):
    result = optimum(base(phases=[{"id": "p", "duration_hours": 5, **phase}]))
    assert result.objective == obj(2, 2, expected_start + 5, 1)
    assert result.plan.phases["p"].start_hour == expected_start
    assert result.plan.phases["p"].end_hour == expected_start + 5


def test_phase_deadline_hour():
    # The phase follows the captive's release (a ready 3, e = 5) and lasts 4 hours:
    # it ends at 9 at the earliest, so deadline 8 has no plan and 9 is met exactly.
    phase = {
        "id": "p",
        "duration_hours": 4,
        "deadline_hour": 8,
        "after": [{"captives_released": {"id": "a"}}],
    }
    data = base(captives=[cap("a", ready_hour=3)], phases=[phase])
    assert_infeasible(data)
    data["phases"][0]["deadline_hour"] = 9
    result = optimum(data)
    assert result.objective == obj(5, 5, 9, 1)
    assert result.plan.phases["p"].start_hour == 5


@pytest.mark.parametrize(
    ("after", "q_start"),
    [
        ([], 0),  # no condition: both phases at 0, makespan 5
        ([{"phase": "p"}], 5),  # q starts when p ends
        ([{"phase": "p", "lag_hours": 4}], 9),  # ... plus the lag
    ],
)
def test_phase_after_phase(after, q_start):
    phases = [
        {"id": "p", "duration_hours": 5},
        {"id": "q", "duration_hours": 3, "after": after},
    ]
    result = optimum(base(phases=phases))
    assert result.objective == obj(2, 2, max(5, q_start + 3), 1)
    if after:  # without a condition q may start anywhere in 0..2
        assert result.plan.phases["q"].start_hour == q_start


@pytest.mark.parametrize(
    ("fraction", "phase_start"),
    [
        # N = 4 living captives: a (1) released at 2, b (3) at 12. The phase starts
        # at the first hour by which ceil(f x 4) are out, plus the lag of 20.
        (0.25, 22),  # ceil(1) = 1: hour 2
        (0.26, 32),  # ceil(1.04) = 2: hour 12
        (0.5, 32),  # 2: hour 12
        (1, 32),  # all 4: hour 12
    ],
)
def test_phase_after_captives_released_fraction(fraction, phase_start):
    phase = {
        "id": "p",
        "duration_hours": 1,
        "after": [
            {"captives_released": {"status": "living"}, "fraction": fraction, "lag_hours": 20}
        ],
    }
    data = base(
        captives=[cap("a"), cap("b", count=3, ready_hour=10)],
        rounds=rounds(max_rounds=2),
        phases=[phase],
    )
    result = optimum(data)
    # Living 2 + 3 x 12 = 38 in any case; the makespan is the phase end.
    assert result.objective == obj(38, 38, phase_start + 1, 2)
    assert result.plan.phases["p"].start_hour == phase_start


@pytest.mark.parametrize(
    ("after", "phase_start"),
    [
        ([], 0),  # makespan = r = 10
        ([{"detainees_released": {"id": "d"}}], 10),  # at r_k = 10, not e_k = 2
        ([{"detainees_released": {"id": "d"}, "lag_hours": 5}], 15),
    ],
)
def test_phase_after_detainees_released(after, phase_start):
    # Round [0, 2]; the detainee (ready 10) goes at r = 10 thanks to the lag.
    data = base(
        detainees=[det("d", ready_hour=10)],
        rounds=rounds(detainee_lag_hours=[0, 20]),
        phases=[{"id": "p", "duration_hours": 1, "after": after}],
    )
    result = optimum(data)
    assert result.objective == obj(2, 2, max(10, phase_start + 1), 1)
    if after:  # without a condition the phase may start anywhere in 0..9
        assert result.plan.phases["p"].start_hour == phase_start


@pytest.mark.parametrize(
    ("opens", "expected"),
    [
        # Nothing opened by the phase: both captives at [0, 2], phase [0, 5].
        ([], obj(4, 4, 5, 1)),
        # The phase opens the north: a (north) only from hour 5, at [5, 7]; b (no
        # zone) is gated by nothing and goes at [0, 2]: 2 + 7 = 9.
        (["north"], obj(9, 9, 7, 2)),
    ],
)
def test_opens_zones(opens, expected):
    data = base(
        captives=[cap("a", zone="north"), cap("b")],
        rounds=rounds(max_rounds=2),
        phases=[{"id": "p", "duration_hours": 5, "opens_zones": opens}],
    )
    result = optimum(data)
    assert result.objective == expected
    for r in result.plan.rounds:
        if "a" in r.captives and opens:
            assert r.start_hour >= result.plan.phases["p"].end_hour


@pytest.mark.parametrize(
    ("openers", "expected"),
    [
        # Only p (5 hours) opens the north: a at [5, 7]; q ends at 8.
        (["p"], obj(7, 7, 8, 1)),
        # p and q both open it: a waits for the later end, 8: [8, 10].
        (["p", "q"], obj(10, 10, 10, 1)),
    ],
)
def test_opens_zones_waits_for_every_opener(openers, expected):
    phases = [
        {"id": "p", "duration_hours": 5, "opens_zones": ["north"] if "p" in openers else []},
        {"id": "q", "duration_hours": 8, "opens_zones": ["north"] if "q" in openers else []},
    ]
    data = base(captives=[cap("a", zone="north")], phases=phases)
    assert optimum(data).objective == expected


def test_opens_zones_after_a_release():
    # The pullback follows b's release: b (no zone) at [0, 2], pullback [2, 7], then a
    # (north) at [7, 9]: 2 + 9 = 11. a can never share b's round.
    phase = {
        "id": "p",
        "duration_hours": 5,
        "after": [{"captives_released": {"id": "b"}}],
        "opens_zones": ["north"],
    }
    data = base(
        captives=[cap("a", zone="north"), cap("b")],
        rounds=rounds(max_rounds=2),
        phases=[phase],
    )
    result = optimum(data)
    assert result.objective == obj(11, 11, 9, 2)
    assert result.plan.phases["p"].start_hour == 2
    # With one round only there is no plan.
    data["rounds"]["max_rounds"] = 1
    assert_infeasible(data)


# --------------------------------------------------------------------------- priority

# c: a child ready at 10; a: an adult ready at 0.
PRIORITY_CAPTIVES = [cap("c", category="child", ready_hour=10), cap("a", category="adult")]


def priority_scenario(**overrides: Any) -> Data:
    return base(captives=PRIORITY_CAPTIVES, rounds=rounds(max_rounds=2), **overrides)


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [
        # No priority: a at [0, 2], c at [10, 12].
        (None, obj(14, 14, 12, 2)),
        # Children first: a cannot go before c (released >= 12). The same round is
        # allowed, so both at [10, 12]: 24 (a later round for a would give 26).
        ([{"category": "child"}, {"status": "living"}], obj(24, 24, 12, 1)),
        # Adults first: the natural order, no cost.
        ([{"category": "adult"}, {"category": "child"}], obj(14, 14, 12, 2)),
    ],
)
def test_priority_hard(tiers, expected):
    priority = None if tiers is None else {"mode": "hard", "tiers": tiers}
    result = optimum(priority_scenario(priority=priority))
    assert result.objective == expected


def test_priority_hard_is_the_default_mode():
    result = optimum(priority_scenario(priority={"tiers": [{"category": "child"}, {}]}))
    assert result.objective == obj(24, 24, 12, 1)


def test_priority_soft_comes_first():
    # Soft: priority_inversion_hours = max(0, last child - first adult) is minimised
    # before everything else: 0, by releasing both together at 12.
    priority = {"mode": "soft", "tiers": [{"category": "child"}, {"status": "living"}]}
    result = optimum(priority_scenario(priority=priority))
    assert result.objective == {"priority_inversion_hours": 0, **obj(24, 24, 12, 1)}
    assert next(iter(result.objective)) == "priority_inversion_hours"


def test_priority_soft_placed_by_objective():
    # With the term placed after living_release_hours: living 14 (a at 2, c at 12),
    # then the inversion is 12 - 2 = 10.
    priority = {"mode": "soft", "tiers": [{"category": "child"}, {"status": "living"}]}
    data = priority_scenario(
        priority=priority, objective=["living_release_hours", "priority_inversion_hours"]
    )
    result = optimum(data)
    assert result.objective == {"living_release_hours": 14, "priority_inversion_hours": 10}
    assert list(result.objective) == ["living_release_hours", "priority_inversion_hours"]


THREE_TIERS = [
    cap("t0", category="c0", ready_hour=20),
    cap("t1", category="c1", ready_hour=10),
    cap("t2", category="c2"),
]
TIERS = [{"category": "c0"}, {"category": "c1"}, {"category": "c2"}]


def test_priority_soft_sums_every_pair_of_tiers():
    # Living first: t2 at 2, t1 at 12, t0 at 22 (36). Inversion over all pairs i < j:
    # (0, 1) 22 - 12 = 10, (0, 2) 22 - 2 = 20, (1, 2) 12 - 2 = 10: 40 (not 20, which
    # neighbouring tiers alone would give).
    data = base(
        captives=THREE_TIERS,
        rounds=rounds(max_rounds=3),
        priority={"mode": "soft", "tiers": TIERS},
        objective=["living_release_hours", "priority_inversion_hours"],
    )
    result = optimum(data)
    assert result.objective == {"living_release_hours": 36, "priority_inversion_hours": 40}


@pytest.mark.parametrize("mode", ["soft", "hard"])
def test_priority_three_tiers_in_order(mode):
    # No inversion at all (soft: the first term is 0; hard: required): everyone waits
    # for t0, one round [20, 22]: 3 x 22 = 66.
    data = base(
        captives=THREE_TIERS, rounds=rounds(max_rounds=3), priority={"mode": mode, "tiers": TIERS}
    )
    result = optimum(data)
    expected = obj(66, 66, 22, 1)
    if mode == "soft":
        expected = {"priority_inversion_hours": 0, **expected}
    assert result.objective == expected


# --------------------------------------------------------------------------- objective


@pytest.mark.parametrize(
    ("objective", "expected"),
    [
        # Default: living first, two rounds (a at 2, b at 12).
        (None, obj(14, 14, 12, 2)),
        # Fewest rounds first: one round at [10, 12] for both.
        (["rounds", "makespan"], {"rounds": 1, "makespan": 12}),
        # Makespan first (12 either way), then rounds.
        (["makespan", "rounds"], {"makespan": 12, "rounds": 1}),
        # release_hours alone: 14.
        (["release_hours"], {"release_hours": 14}),
    ],
)
def test_objective_order(objective, expected):
    data = base(captives=TWO_READY, rounds=rounds(max_rounds=2), objective=objective)
    result = optimum(data)
    assert result.objective == expected
    assert list(result.objective) == list(expected)
    if "rounds" in expected:
        assert len(result.plan.rounds) == expected["rounds"]


@pytest.mark.parametrize(
    ("weight_a", "weight_b", "expected", "first"),
    [
        # One captive per round at one site: [0, 2] and [2, 4].
        (1, 1, obj(6, 6, 4, 2), None),  # 2 + 4 either way
        (1, 5, obj(14, 14, 4, 2), "b"),  # heavier b first: 5 x 2 + 1 x 4
        (5, 1, obj(14, 14, 4, 2), "a"),
        (3, 2, obj(14, 14, 4, 2), "a"),  # 3 x 2 + 2 x 4 (not 2 x 2 + 3 x 4 = 16)
    ],
)
def test_weights(weight_a, weight_b, expected, first):
    data = base(
        captives=[cap("a", weight=weight_a), cap("b", weight=weight_b)],
        rounds=rounds(max_rounds=2),
        sites=[{"id": "s", "max_captives_per_round": 1}],
    )
    result = optimum(data)
    assert result.objective == expected
    if first is not None:
        assert result.plan.rounds[0].captives == {first: 1}


def test_weights_of_deceased_count_only_in_release_hours():
    # a living (weight 1), b deceased (weight 5), one per round: living_release_hours
    # puts a first (2), so release_hours = 2 + 5 x 4 = 22, not 5 x 2 + 4 = 14.
    data = base(
        captives=[cap("a"), cap("b", status="deceased", weight=5)],
        rounds=rounds(max_rounds=2),
        sites=[{"id": "s", "max_captives_per_round": 1}],
    )
    assert optimum(data).objective == obj(2, 22, 4, 2)
