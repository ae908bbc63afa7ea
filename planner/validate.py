"""Independent plan validator: checks a plan against a scenario, rule by rule.

Every rule of ``shared/spec/scenario-format.md`` ("Meaning") is recomputed here
from the scenario and the plan alone. On purpose this module imports nothing
from the ``planner`` package: a bug in the solver model must not be able to
hide itself by being shared with the code that checks it.

Conventions, following the spec literally:

- ``e_k`` is always ``s_k + duration_hours`` (the spec's definition), and a
  phase ends at ``start + duration_hours``; a plan that states other end hours
  gets a "rounds" or "phase" violation, and every other rule uses the spec's
  values, so one wrong field is reported once and not as a cascade.
- ``r_k`` exists only for a round that moves detainees and gives
  ``detainee_release_hour``; otherwise nothing of the round is a detainee release.
- Unknown cohort, site or phase ids are reported ("plan" / "phase") and then
  left out of every other rule: the validator never raises on a plan that
  pydantic accepted.
- "round k" is the k-th round in the plan's list (1-based); a valid plan has
  ``index == k``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise

import networkx as nx

from models.plan import Plan, PlanRound
from models.scenario import Captive, Detainee, Scenario, Site, matches

RULES: tuple[str, ...] = (
    "plan",
    "rounds",
    "min_gap",
    "open_hours",
    "detainee_lag",
    "completeness",
    "horizon",
    "captive_ready",
    "captive_deadline",
    "site_zone",
    "zone_opening",
    "detainee_ready",
    "detainee_deadline",
    "site_capacity",
    "teams",
    "site_overlap",
    "reception",
    "facility_capacity",
    "vehicles",
    "ratio",
    "package",
    "phase",
    "phase_after",
    "priority",
    "objective",
)

ALL_TERMS: tuple[str, ...] = (
    "priority_inversion_hours",
    "living_release_hours",
    "release_hours",
    "makespan",
    "rounds",
)


@dataclass(frozen=True)
class Violation:
    """One broken rule: its family, where in the plan, a readable line and the numbers."""

    rule: str
    where: str
    message: str
    numbers: dict[str, int | str]

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.message}"


def _violation(rule: str, where: str, message: str, **numbers: int | str) -> Violation:
    """Build a violation; keyword arguments become its numbers."""
    return Violation(rule=rule, where=where, message=message, numbers=dict(numbers))


# --------------------------------------------------------------------------- plan view


@dataclass(frozen=True)
class _Round:
    """A plan round with the spec's derived values and its cohorts resolved."""

    k: int
    raw: PlanRound
    site: Site | None
    start: int
    end: int
    release: int | None
    captives: tuple[tuple[Captive, int], ...]
    detainees: tuple[tuple[Detainee, int], ...]

    @property
    def label(self) -> str:
        return f"round {self.k}"

    def n_captives(self, selector: dict[str, list[str]] | None = None) -> int:
        return sum(n for c, n in self.captives if selector is None or matches(selector, c))

    def n_detainees(self, selector: dict[str, list[str]] | None = None) -> int:
        return sum(n for d, n in self.detainees if selector is None or matches(selector, d))


@dataclass(frozen=True)
class _View:
    """The scenario and the plan, with rounds and phase times resolved once."""

    scenario: Scenario
    plan: Plan
    rounds: tuple[_Round, ...]
    phase_start: dict[str, int]
    phase_end: dict[str, int]

    @property
    def released(self) -> tuple[_Round, ...]:
        """Rounds that have an ``r_k`` (they move detainees and give the hour)."""
        return tuple(r for r in self.rounds if r.release is not None)


def _view(scenario: Scenario, plan: Plan) -> _View:
    """Resolve ids and derive e_k, r_k and phase ends as the spec defines them."""
    captive_by_id = {c.id: c for c in scenario.captives}
    detainee_by_id = {d.id: d for d in scenario.detainees}
    duration = scenario.rounds.duration_hours
    rounds = []
    for k, r in enumerate(plan.rounds, start=1):
        caps = tuple((captive_by_id[i], n) for i, n in r.captives.items() if i in captive_by_id)
        dets = tuple((detainee_by_id[i], n) for i, n in r.detainees.items() if i in detainee_by_id)
        release = r.detainee_release_hour if r.detainees else None
        rounds.append(
            _Round(
                k=k,
                raw=r,
                site=scenario.site_by_id.get(r.site),
                start=r.start_hour,
                end=r.start_hour + duration,
                release=release,
                captives=caps,
                detainees=dets,
            )
        )
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    for pid, times in plan.phases.items():
        phase = scenario.phase_by_id.get(pid)
        if phase is not None:
            starts[pid] = times.start_hour
            ends[pid] = times.start_hour + phase.duration_hours
    return _View(scenario, plan, tuple(rounds), starts, ends)


def _sweep(intervals: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, bool]]:
    """Load over time of weighted half-open intervals [lo, hi).

    Returns (hour, load from that hour on, whether some interval starts there) at every
    hour where the load may change; the peak load is always at one of them.
    """
    delta: dict[int, int] = defaultdict(int)
    starts: set[int] = set()
    for lo, hi, weight in intervals:
        if hi > lo and weight > 0:
            delta[lo] += weight
            delta[hi] -= weight
            starts.add(lo)
    out = []
    load = 0
    for hour in sorted(delta):
        load += delta[hour]
        out.append((hour, load, hour in starts))
    return out


def _overloads(loads: list[tuple[int, int, bool]], limit: int) -> Iterator[tuple[int, int]]:
    """(hour, load) where the load rises above ``limit``: one report per new excess."""
    for hour, load, rising in loads:
        if rising and load > limit:
            yield hour, load


def _team_loads(v: _View) -> list[tuple[int, int, bool]]:
    """Rounds whose open windows (s_k, s_k + D) contain t + 0.5, from each hour t on."""
    # With whole-hour starts, t + 0.5 lies in (s, s + D) exactly when s <= t < s + D,
    # so the open-interval count equals the half-open [s, s + D) load; D = 0 gives none.
    duration = v.scenario.rounds.duration_hours
    return _sweep((r.start, r.start + duration, 1) for r in v.rounds)


def _living_per_day(v: _View) -> dict[int, int]:
    """Living captives received per day of e_k."""
    out: dict[int, int] = defaultdict(int)
    for r in v.rounds:
        out[r.end // 24] += sum(n for c, n in r.captives if c.status == "living")
    return out


def _releases_per_day(v: _View) -> dict[tuple[str, int], int]:
    """Detainees released per (facility, day of r_k)."""
    out: dict[tuple[str, int], int] = defaultdict(int)
    for r in v.released:
        for d, n in r.detainees:
            if d.facility is not None:
                out[(d.facility, r.release // 24)] += n
    return out


def _trip_loads(v: _View) -> list[tuple[int, int, bool]]:
    """Vehicle trips busy over time; empty when the scenario gives no vehicles."""
    vehicles = v.scenario.vehicles
    if vehicles is None:
        return []
    intervals = []
    for r in v.released:
        per_route: dict[tuple[str, str], int] = defaultdict(int)
        for d, n in r.detainees:
            if d.facility is not None and d.destination is not None:
                per_route[(d.facility, d.destination)] += n
        for route, n in per_route.items():
            hours = v.scenario.route_hours.get(route)
            if hours is not None:
                trips = -(-n // vehicles.seats)
                intervals.append((r.release, r.release + 2 * hours, trips))
    return _sweep(intervals)


def _describe(selector: dict[str, list[str]]) -> str:
    """A selector as short text: ``status=living category=life|gaza``, or ``any``."""
    return " ".join(f"{k}={'|'.join(vals)}" for k, vals in selector.items()) or "any"


def first_reached(events: Iterable[tuple[int, int]], needed: int) -> int | None:
    """First hour at which the running total of (hour, count) events reaches ``needed``."""
    total = 0
    for hour, n in sorted(events):
        total += n
        if total >= needed:
            return hour
    return None


def _tier_spans(v: _View) -> dict[int, tuple[int, int]]:
    """Priority tier -> (first, last) release hour of its captives in the plan."""
    tier_of = v.scenario.tier_of
    spans: dict[int, tuple[int, int]] = {}
    for r in v.rounds:
        for c, _ in r.captives:
            tier = tier_of.get(c.id)
            if tier is None:
                continue
            first, last = spans.get(tier, (r.end, r.end))
            spans[tier] = (min(first, r.end), max(last, r.end))
    return spans


# --------------------------------------------------------------------------- rules


def _plan(v: _View) -> Iterator[Violation]:
    """Structure: scenario name, known cohort and site ids, indexes 1..n in order."""
    if v.plan.scenario != v.scenario.name:
        yield _violation(
            "plan",
            "plan",
            f"plan is for scenario '{v.plan.scenario}', not '{v.scenario.name}'",
            plan_scenario=v.plan.scenario,
            scenario=v.scenario.name,
        )
    captive_ids = {c.id for c in v.scenario.captives}
    detainee_ids = {d.id for d in v.scenario.detainees}
    for r in v.rounds:
        if r.raw.index != r.k:
            yield _violation(
                "plan",
                r.label,
                f"has index {r.raw.index}, expected {r.k}",
                index=r.raw.index,
                expected=r.k,
            )
        if r.site is None:
            yield _violation("plan", r.label, f"unknown site '{r.raw.site}'", site=r.raw.site)
        for kind, known, given in (
            ("captive", captive_ids, r.raw.captives),
            ("detainee", detainee_ids, r.raw.detainees),
        ):
            for cohort_id in given:
                if cohort_id not in known:
                    yield _violation(
                        "plan",
                        r.label,
                        f"unknown {kind} cohort '{cohort_id}'",
                        cohort=cohort_id,
                        kind=kind,
                    )


def _rounds(v: _View) -> Iterator[Violation]:
    """Round count, start order, at least one captive, end hour and release hour presence."""
    n = len(v.rounds)
    limit = v.scenario.rounds.max_rounds
    if not 1 <= n <= limit:
        yield _violation(
            "rounds",
            "plan",
            f"{n} rounds, expected between 1 and max_rounds {limit}",
            rounds=n,
            max_rounds=limit,
        )
    for prev, r in pairwise(v.rounds):
        if r.start < prev.start:
            yield _violation(
                "rounds",
                r.label,
                f"starts at hour {r.start}, before round {prev.k} at hour {prev.start}",
                start=r.start,
                previous_start=prev.start,
            )
    duration = v.scenario.rounds.duration_hours
    for r in v.rounds:
        if not r.raw.captives:
            yield _violation("rounds", r.label, "releases no captive", captives=0)
        if r.raw.end_hour != r.end:
            yield _violation(
                "rounds",
                r.label,
                f"end_hour {r.raw.end_hour} is not start_hour {r.start} + "
                f"duration_hours {duration} = {r.end}",
                end_hour=r.raw.end_hour,
                expected=r.end,
            )
        if r.raw.detainees and r.raw.detainee_release_hour is None:
            yield _violation(
                "rounds",
                r.label,
                "moves detainees but gives no detainee_release_hour",
                detainees=sum(r.raw.detainees.values()),
            )
        if not r.raw.detainees and r.raw.detainee_release_hour is not None:
            yield _violation(
                "rounds",
                r.label,
                f"gives detainee_release_hour {r.raw.detainee_release_hour} but moves no detainees",
                release_hour=r.raw.detainee_release_hour,
            )


def _min_gap(v: _View) -> Iterator[Violation]:
    """Consecutive starts (in start order) differ by at least min_gap_hours."""
    gap = v.scenario.rounds.min_gap_hours
    ordered = sorted(v.rounds, key=lambda r: r.start)
    for prev, r in pairwise(ordered):
        if r.start - prev.start < gap:
            yield _violation(
                "min_gap",
                r.label,
                f"starts {r.start - prev.start} hours after round {prev.k} "
                f"(hour {prev.start}), below min_gap_hours {gap}",
                gap=r.start - prev.start,
                min_gap=gap,
                start=r.start,
                previous_start=prev.start,
            )


def _open_hours(v: _View) -> Iterator[Violation]:
    """Each handover window lies inside the daily open hours."""
    window = v.scenario.rounds.open_hours
    if window is None:
        return
    lo, hi = window
    duration = v.scenario.rounds.duration_hours
    for r in v.rounds:
        hod = r.start % 24
        if hod < lo or hod + duration > hi:
            yield _violation(
                "open_hours",
                r.label,
                f"window from hour of day {hod} to {hod + duration} is outside "
                f"open_hours [{lo}, {hi}]",
                hour_of_day=hod,
                window_end=hod + duration,
                open_from=lo,
                open_to=hi,
            )


def _detainee_lag(v: _View) -> Iterator[Violation]:
    """e_k + lag_min <= r_k <= e_k + lag_max."""
    lo, hi = v.scenario.rounds.detainee_lag_hours
    for r in v.released:
        if not r.end + lo <= r.release <= r.end + hi:
            yield _violation(
                "detainee_lag",
                r.label,
                f"detainees released at hour {r.release}, outside "
                f"[{r.end + lo}, {r.end + hi}] (end {r.end} + lag [{lo}, {hi}])",
                release_hour=r.release,
                earliest=r.end + lo,
                latest=r.end + hi,
            )


def _completeness(v: _View) -> Iterator[Violation]:
    """Every cohort's total over all rounds equals its count."""
    released: dict[str, int] = defaultdict(int)
    for r in v.rounds:
        for cohort, n in (*r.captives, *r.detainees):
            released[cohort.id] += n
    for kind, cohorts in (("captive", v.scenario.captives), ("detainee", v.scenario.detainees)):
        for c in cohorts:
            if released[c.id] != c.count:
                yield _violation(
                    "completeness",
                    "plan",
                    f"{kind} cohort '{c.id}': {released[c.id]} released, count is {c.count}",
                    cohort=c.id,
                    released=released[c.id],
                    count=c.count,
                )


def _horizon(v: _View) -> Iterator[Violation]:
    """Round ends, detainee releases and phase ends <= horizon_hours; starts >= 0."""
    horizon = v.scenario.horizon_hours
    ends: list[tuple[str, str, int]] = []
    starts: list[tuple[str, int]] = []
    for r in v.rounds:
        ends.append((r.label, "end", r.end))
        starts.append((r.label, r.start))
        if r.release is not None:
            ends.append((r.label, "detainee release", r.release))
    for pid, start in v.phase_start.items():
        ends.append((f"phase {pid}", "end", v.phase_end[pid]))
        starts.append((f"phase {pid}", start))
    for where, what, hour in ends:
        if hour > horizon:
            yield _violation(
                "horizon",
                where,
                f"{what} at hour {hour}, after horizon_hours {horizon}",
                hour=hour,
                horizon=horizon,
            )
    for where, start in starts:
        if start < 0:
            yield _violation(
                "horizon", where, f"starts at hour {start}, before hour 0", start=start
            )


def _captive_ready(v: _View) -> Iterator[Violation]:
    """s_k >= ready_hour of every captive cohort in the round."""
    for r in v.rounds:
        for c, _ in r.captives:
            if r.start < c.ready_hour:
                yield _violation(
                    "captive_ready",
                    r.label,
                    f"captive cohort '{c.id}' handed over from hour {r.start}, "
                    f"before its ready_hour {c.ready_hour}",
                    cohort=c.id,
                    start=r.start,
                    ready_hour=c.ready_hour,
                )


def _captive_deadline(v: _View) -> Iterator[Violation]:
    """e_k <= deadline_hour of every captive cohort in the round."""
    deadlines = v.scenario.captive_deadline
    for r in v.rounds:
        for c, _ in r.captives:
            if r.end > deadlines[c.id]:
                yield _violation(
                    "captive_deadline",
                    r.label,
                    f"captive cohort '{c.id}' released at hour {r.end}, after its "
                    f"deadline_hour {deadlines[c.id]}",
                    cohort=c.id,
                    end=r.end,
                    deadline_hour=deadlines[c.id],
                )


def _site_zone(v: _View) -> Iterator[Violation]:
    """The round's site serves the zone of each of its captive cohorts."""
    for r in v.rounds:
        if r.site is None:
            continue
        for c, _ in r.captives:
            if not v.scenario.site_serves(r.site, c):
                yield _violation(
                    "site_zone",
                    r.label,
                    f"site '{r.site.id}' does not serve zone '{c.zone}' of captive cohort '{c.id}'",
                    site=r.site.id,
                    zone=str(c.zone),
                    cohort=c.id,
                )


def _zone_opening(v: _View) -> Iterator[Violation]:
    """s_k >= the end of every phase that opens a captive's zone."""
    openers = v.scenario.zone_openers
    for r in v.rounds:
        for c, _ in r.captives:
            if c.zone is None:
                continue
            for pid in openers.get(c.zone, []):
                # A phase missing from the plan is reported by "phase"; nothing to compare.
                end = v.phase_end.get(pid)
                if end is not None and r.start < end:
                    yield _violation(
                        "zone_opening",
                        r.label,
                        f"captive cohort '{c.id}' in zone '{c.zone}' handed over from hour "
                        f"{r.start}, before phase '{pid}' opens it at hour {end}",
                        cohort=c.id,
                        zone=c.zone,
                        phase=pid,
                        start=r.start,
                        phase_end=end,
                    )


def _detainee_ready(v: _View) -> Iterator[Violation]:
    """r_k >= ready_hour of every detainee cohort in the round."""
    for r in v.released:
        for d, _ in r.detainees:
            if r.release < d.ready_hour:
                yield _violation(
                    "detainee_ready",
                    r.label,
                    f"detainee cohort '{d.id}' released at hour {r.release}, before its "
                    f"ready_hour {d.ready_hour}",
                    cohort=d.id,
                    release_hour=r.release,
                    ready_hour=d.ready_hour,
                )


def _detainee_deadline(v: _View) -> Iterator[Violation]:
    """r_k <= deadline_hour of every detainee cohort in the round."""
    deadlines = v.scenario.detainee_deadline
    for r in v.released:
        for d, _ in r.detainees:
            if r.release > deadlines[d.id]:
                yield _violation(
                    "detainee_deadline",
                    r.label,
                    f"detainee cohort '{d.id}' released at hour {r.release}, after its "
                    f"deadline_hour {deadlines[d.id]}",
                    cohort=d.id,
                    release_hour=r.release,
                    deadline_hour=deadlines[d.id],
                )


def _site_capacity(v: _View) -> Iterator[Violation]:
    """Captives in a round <= the site's max_captives_per_round."""
    for r in v.rounds:
        if r.site is None or r.site.max_captives_per_round is None:
            continue
        n, cap = r.n_captives(), r.site.max_captives_per_round
        if n > cap:
            yield _violation(
                "site_capacity",
                r.label,
                f"{n} captives at site {r.site.id}, above max_captives_per_round {cap}",
                site=r.site.id,
                captives=n,
                limit=cap,
            )


def _teams(v: _View) -> Iterator[Violation]:
    """At most teams.count handover windows overlap at any moment."""
    if v.scenario.teams is None:
        return
    cap = v.scenario.teams.count
    for hour, load in _overloads(_team_loads(v), cap):
        yield _violation(
            "teams",
            f"hour {hour}",
            f"{load} handover windows overlap from hour {hour}, above teams.count {cap}",
            hour=hour,
            rounds=load,
            limit=cap,
        )


def _site_overlap(v: _View) -> Iterator[Violation]:
    """No two rounds at one site have overlapping (open) handover windows."""
    duration = v.scenario.rounds.duration_hours
    by_site: dict[str, list[_Round]] = defaultdict(list)
    for r in v.rounds:
        by_site[r.raw.site].append(r)
    for site, rounds in by_site.items():
        ordered = sorted(rounds, key=lambda r: r.start)
        # Equal windows: any overlapping pair implies an overlapping pair of neighbours.
        for prev, r in pairwise(ordered):
            if r.start - prev.start < duration:
                yield _violation(
                    "site_overlap",
                    r.label,
                    f"window [{r.start}, {r.end}] overlaps round {prev.k} "
                    f"[{prev.start}, {prev.end}] at site {site}",
                    site=site,
                    round=r.k,
                    other_round=prev.k,
                    start=r.start,
                    other_start=prev.start,
                )


def _reception(v: _View) -> Iterator[Violation]:
    """Living captives received per day (by e_k) <= max_living_per_day."""
    if v.scenario.reception is None:
        return
    cap = v.scenario.reception.max_living_per_day
    for day, n in sorted(_living_per_day(v).items()):
        if n > cap:
            yield _violation(
                "reception",
                f"day {day}",
                f"{n} living captives received, above max_living_per_day {cap}",
                day=day,
                living=n,
                limit=cap,
            )


def _facility_capacity(v: _View) -> Iterator[Violation]:
    """Detainees from a facility released per day (by r_k) <= max_releases_per_day."""
    for (fid, day), n in sorted(_releases_per_day(v).items()):
        facility = v.scenario.facility_by_id.get(fid)
        if facility is None or facility.max_releases_per_day is None:
            continue
        cap = facility.max_releases_per_day
        if n > cap:
            yield _violation(
                "facility_capacity",
                f"day {day}",
                f"{n} detainees released from facility {fid}, above max_releases_per_day {cap}",
                facility=fid,
                day=day,
                releases=n,
                limit=cap,
            )


def _vehicles(v: _View) -> Iterator[Violation]:
    """Vehicle trips busy at any whole hour <= vehicles.count."""
    if v.scenario.vehicles is None:
        return
    cap = v.scenario.vehicles.count
    # The load only rises at some r_k, a whole hour, so checking there covers every hour.
    for hour, load in _overloads(_trip_loads(v), cap):
        yield _violation(
            "vehicles",
            f"hour {hour}",
            f"{load} vehicle trips busy at hour {hour}, above vehicles.count {cap}",
            hour=hour,
            trips=load,
            limit=cap,
        )


def _ratios_per_round(v: _View) -> Iterator[Violation]:
    """Each round's detainees can be assigned to its governed captives as the ratios demand."""
    ratios = v.scenario.ratios
    governing = v.scenario.governing_ratio
    for r in v.rounds:
        governed: dict[int, int] = defaultdict(int)
        for c, n in r.captives:
            idx = governing.get(c.id)
            if idx is not None:
                governed[idx] += n
        if not governed:
            continue
        # Captives under one rule have identical needs, so per-captive slots can be merged
        # into one slot per (rule, of_which item) with demand n_R x count, plus one "rest"
        # slot per rule; since of_which selectors are disjoint, a whole-unit flow meeting
        # these demands splits back into a per-captive assignment, and vice versa.
        graph = nx.DiGraph()
        graph.add_nodes_from(("source", "sink"))
        for d, n in r.detainees:
            graph.add_edge("source", ("cohort", d.id), capacity=n)
        demand = 0
        for idx, n_r in governed.items():
            rule = ratios[idx]
            slots = [(ow.from_, ow.count) for ow in rule.of_which]
            slots.append(({}, rule.per_captive - sum(ow.count for ow in rule.of_which)))
            for j, (selector, count) in enumerate(slots):
                need = n_r * count
                if need <= 0:
                    continue
                slot = ("slot", idx, j)
                graph.add_edge(slot, "sink", capacity=need)
                demand += need
                for d, _ in r.detainees:
                    if matches(rule.from_, d) and matches(selector, d):
                        graph.add_edge(("cohort", d.id), slot)  # no capacity = unbounded
        if demand == 0:
            continue
        flow = nx.maximum_flow_value(graph, "source", "sink")
        if flow < demand:
            names = ", ".join(ratios[i].name for i in sorted(governed))
            yield _violation(
                "ratio",
                r.label,
                f"ratio rules {names} need {demand} matching detainees, only {flow} can be "
                f"assigned (shortfall {demand - flow})",
                rules=names,
                needed=demand,
                assigned=flow,
                shortfall=demand - flow,
            )


def _packages(v: _View) -> Iterator[Violation]:
    """Package detainees released within within_hours of the last matching captive."""
    for pkg in v.scenario.packages:
        ends = [r.end for r in v.rounds if r.n_captives(pkg.captives) > 0]
        if not ends:
            continue  # no matching captive released: "completeness" reports that
        bound = max(ends) + pkg.within_hours
        for r in v.released:
            n = r.n_detainees(pkg.detainees)
            if n > 0 and r.release > bound:
                yield _violation(
                    "package",
                    r.label,
                    f"package {pkg.name}: {n} detainees released at hour {r.release}, after "
                    f"hour {bound} (last captive release {max(ends)} + within_hours "
                    f"{pkg.within_hours})",
                    package=pkg.name,
                    detainees=n,
                    release_hour=r.release,
                    bound=bound,
                )


def _phases(v: _View) -> Iterator[Violation]:
    """Every phase exactly once, end = start + duration, earliest_start, deadline_hour."""
    known = v.scenario.phase_by_id
    for pid in v.plan.phases:
        if pid not in known:
            yield _violation("phase", f"phase {pid}", f"unknown phase '{pid}'", phase=pid)
    for phase in v.scenario.phases:
        times = v.plan.phases.get(phase.id)
        where = f"phase {phase.id}"
        if times is None:
            yield _violation("phase", where, "missing from the plan", phase=phase.id)
            continue
        start, end = v.phase_start[phase.id], v.phase_end[phase.id]
        if times.end_hour != end:
            yield _violation(
                "phase",
                where,
                f"end_hour {times.end_hour} is not start_hour {start} + duration_hours "
                f"{phase.duration_hours} = {end}",
                end_hour=times.end_hour,
                expected=end,
            )
        if start < phase.earliest_start:
            yield _violation(
                "phase",
                where,
                f"starts at hour {start}, before earliest_start {phase.earliest_start}",
                start=start,
                earliest_start=phase.earliest_start,
            )
        if phase.deadline_hour is not None and end > phase.deadline_hour:
            yield _violation(
                "phase",
                where,
                f"ends at hour {end}, after deadline_hour {phase.deadline_hour}",
                end=end,
                deadline_hour=phase.deadline_hour,
            )


def _needed_count(fraction: Fraction, total: int) -> int:
    """ceil(fraction x total), exactly."""
    return math.ceil(fraction * total)


def _phase_after(v: _View) -> Iterator[Violation]:
    """Each phase starts after its conditions: phase ends and release shares, plus lags."""
    for phase in v.scenario.phases:
        start = v.phase_start.get(phase.id)
        if start is None:
            continue  # reported by "phase"
        where = f"phase {phase.id}"
        for cond in phase.after:
            if cond.kind == "phase":
                ready = v.phase_end.get(cond.phase)
                if ready is None:
                    continue  # the other phase is missing: reported by "phase"
                what = f"end of phase '{cond.phase}' ({ready})"
            else:
                if cond.kind == "captives":
                    total = sum(c.count for c in v.scenario.captives_matching(cond.selector))
                    events = [(r.end, r.n_captives(cond.selector)) for r in v.rounds]
                else:
                    total = sum(d.count for d in v.scenario.detainees_matching(cond.selector))
                    events = [(r.release, r.n_detainees(cond.selector)) for r in v.released]
                needed = _needed_count(cond.exact_fraction, total)
                ready = first_reached(events, needed) if needed > 0 else 0
                what = f"release of {needed} of {total} {cond.kind} ({_describe(cond.selector)})"
                if ready is None:
                    yield _violation(
                        "phase_after",
                        where,
                        f"needs the {what}, which the plan never reaches",
                        phase=phase.id,
                        needed=needed,
                        total=total,
                    )
                    continue
                what += f" (hour {ready})"
            required = ready + cond.lag_hours
            if start < required:
                yield _violation(
                    "phase_after",
                    where,
                    f"starts at hour {start}, before hour {required}: {what} + lag_hours "
                    f"{cond.lag_hours}",
                    phase=phase.id,
                    start=start,
                    required=required,
                    lag_hours=cond.lag_hours,
                )


def _priority(v: _View) -> Iterator[Violation]:
    """Hard priority: the last release of tier i is no later than the first of tier j > i."""
    prio = v.scenario.priority
    if prio is None or prio.mode != "hard":
        return
    spans = _tier_spans(v)
    for i in sorted(spans):
        for j in sorted(spans):
            if i < j and spans[i][1] > spans[j][0]:
                yield _violation(
                    "priority",
                    "plan",
                    f"tier {i + 1} last released at hour {spans[i][1]}, after tier {j + 1} "
                    f"first released at hour {spans[j][0]}",
                    tier=i + 1,
                    later_tier=j + 1,
                    last_release=spans[i][1],
                    first_release=spans[j][0],
                )


def _objective(v: _View) -> Iterator[Violation]:
    """The plan states exactly the terms in force, in order, each with its true value."""
    expected = list(v.scenario.objective_terms)
    given = list(v.plan.objective)
    if given != expected:
        yield _violation(
            "objective",
            "plan",
            f"objective terms are {given}, expected {expected}",
            given=", ".join(given),
            expected=", ".join(expected),
        )
    values = _objective_values(v)
    for term, stated in v.plan.objective.items():
        if term in values and stated != values[term]:
            yield _violation(
                "objective",
                "plan",
                f"{term} stated as {stated}, recomputed {values[term]}",
                term=term,
                stated=stated,
                recomputed=values[term],
            )


CHECKS: tuple[Callable[[_View], Iterator[Violation]], ...] = (
    _plan,
    _rounds,
    _min_gap,
    _open_hours,
    _detainee_lag,
    _completeness,
    _horizon,
    _captive_ready,
    _captive_deadline,
    _site_zone,
    _zone_opening,
    _detainee_ready,
    _detainee_deadline,
    _site_capacity,
    _teams,
    _site_overlap,
    _reception,
    _facility_capacity,
    _vehicles,
    _ratios_per_round,
    _packages,
    _phases,
    _phase_after,
    _priority,
    _objective,
)


def _objective_values(v: _View) -> dict[str, int]:
    """All five objective terms recomputed from the resolved plan."""
    spans = _tier_spans(v)
    inversion = sum(max(0, spans[i][1] - spans[j][0]) for i in spans for j in spans if i < j)
    living = sum(
        c.weight * n * r.end for r in v.rounds for c, n in r.captives if c.status == "living"
    )
    everyone = sum(c.weight * n * r.end for r in v.rounds for c, n in r.captives)
    hours = [r.end for r in v.rounds] + [r.release for r in v.released]
    hours += list(v.phase_end.values())
    return {
        "priority_inversion_hours": inversion,
        "living_release_hours": living,
        "release_hours": everyone,
        "makespan": max(hours, default=0),
        "rounds": len(v.rounds),
    }


# --------------------------------------------------------------------------- public API


def validate(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Check a plan against a scenario, rule by rule, as the spec defines them.

    Parameters
    ----------
    scenario : Scenario
        A loaded, cross-checked scenario.
    plan : Plan
        Any plan pydantic accepted; unknown ids are reported, never raised on.

    Returns
    -------
    list[Violation]
        Every violation found, grouped by rule family in the order of ``RULES``;
        empty when the plan satisfies every rule. A plan with status ``infeasible``
        or ``unknown`` is only checked to carry no rounds.
    """
    if not plan.has_plan:
        if plan.rounds:
            return [
                _violation(
                    "plan",
                    "plan",
                    f"status {plan.status} but {len(plan.rounds)} rounds (expected none)",
                    status=plan.status,
                    rounds=len(plan.rounds),
                )
            ]
        return []
    v = _view(scenario, plan)
    return [violation for check in CHECKS for violation in check(v)]


def objective_values(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Every objective term recomputed from the plan, whatever the objective in force.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan is for.
    plan : Plan
        The plan; unknown cohorts and phases are left out of the sums.

    Returns
    -------
    dict[str, int]
        ``priority_inversion_hours`` (0 without priority tiers), ``living_release_hours``
        and ``release_hours`` (weight x release hour e_k, summed over living / all
        captives), ``makespan`` (latest e_k, r_k or phase end; 0 when there is none) and
        ``rounds``.
    """
    return _objective_values(_view(scenario, plan))


def usage(scenario: Scenario, plan: Plan) -> dict[str, dict]:
    """Peak use of each capacity, for KPIs.

    Parameters
    ----------
    scenario : Scenario
        The scenario the plan is for.
    plan : Plan
        The plan.

    Returns
    -------
    dict[str, dict]
        ``{"peak": int, "limit": int | None}`` under ``site:<id>`` (captives in one
        round) and ``facility:<id>`` (releases in one day) for every site and facility,
        and under ``teams`` (overlapping handover windows), ``reception`` (living
        captives in one day) and ``vehicles`` (trips busy at one hour). ``limit`` is
        None when the scenario sets none. Without ``vehicles`` there are no seats to
        count trips with, so the vehicle peak is 0.
    """
    v = _view(scenario, plan)
    s = scenario
    out: dict[str, dict] = {}
    for site in s.sites:
        peak = max((r.n_captives() for r in v.rounds if r.raw.site == site.id), default=0)
        out[f"site:{site.id}"] = {"peak": peak, "limit": site.max_captives_per_round}
    out["teams"] = {
        "peak": max((load for _, load, _ in _team_loads(v)), default=0),
        "limit": s.teams.count if s.teams else None,
    }
    out["reception"] = {
        "peak": max(_living_per_day(v).values(), default=0),
        "limit": s.reception.max_living_per_day if s.reception else None,
    }
    per_day = _releases_per_day(v)
    for facility in s.facilities:
        peak = max((n for (fid, _), n in per_day.items() if fid == facility.id), default=0)
        out[f"facility:{facility.id}"] = {"peak": peak, "limit": facility.max_releases_per_day}
    out["vehicles"] = {
        "peak": max((load for _, load, _ in _trip_loads(v)), default=0),
        "limit": s.vehicles.count if s.vehicles else None,
    }
    return out


__all__ = [
    "ALL_TERMS",
    "RULES",
    "Violation",
    "first_reached",
    "objective_values",
    "usage",
    "validate",
]
