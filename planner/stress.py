"""Robustness of a plan: seeded Monte Carlo of round and phase delays.

:func:`stress` draws a delay for every round and every phase of a plan, re-times
the plan (same rounds, sites and counts; times pushed forward only as far as the
rules need, :func:`retime`) and counts, per deadline and milestone, in how many
samples it still holds. The robustness score is the share of samples in which
every one of them holds. ``docs/replan.md`` gives the delay grammar and the
re-timing rules.

The milestone catalogue (:func:`milestone_specs`, :func:`milestone_hours`) is
shared with the scoreboard of :mod:`planner.replan`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.errors import InputError, Problem
from models.loader import plan_from_data, scenario_from_data, scenario_to_data
from models.plan import PhaseTimes, Plan, PlanRound
from models.scenario import Scenario
from planner import validate
from planner.report import table

__all__ = [
    "CHUNK_SAMPLES",
    "DEFAULT_DELAYS",
    "DelayModel",
    "Distribution",
    "MilestoneSpec",
    "Retimed",
    "StressResult",
    "StressRow",
    "holds",
    "milestone_hours",
    "milestone_specs",
    "parse_delays",
    "phase_limit",
    "render_stress",
    "retime",
    "retimed_plan",
    "robustness_score",
    "stress",
]

# Samples per chunk. Fixed (never derived from the number of processes), so that a
# seed gives the same draws however the chunks are spread over workers.
CHUNK_SAMPLES = 100
# The delay model of robustness_score (the KPI shown with plans).
DEFAULT_DELAYS = "round=0-12,phase=0-6"
# Bounds on the fixed-point passes of re-timing (phases <-> rounds <-> priority).
MAX_PASSES = 200
TARGETS = ("round", "phase")
# Validator families that are deadlines and milestones (reported per milestone);
# "objective" is left out because a re-timed plan states no objective.
_MILESTONE_RULES = frozenset(
    {"captive_deadline", "detainee_deadline", "phase", "package", "horizon", "objective"}
)


# --------------------------------------------------------------------------- delays


@dataclass(frozen=True)
class Distribution:
    """Delay of one round or phase in whole hours.

    ``kind`` ``"uniform"``: every integer in ``[low, high]`` equally likely
    (``low == high`` is a fixed delay). ``kind`` ``"exp"``: exponential with the
    given ``mean`` hours, rounded to the nearest whole hour.
    """

    kind: str
    low: int = 0
    high: int = 0
    mean: float = 0.0

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Draw integer delays of the given shape."""
        if self.kind == "uniform":
            return rng.integers(self.low, self.high, size=shape, endpoint=True, dtype=np.int64)
        return np.rint(rng.exponential(self.mean, size=shape)).astype(np.int64)

    def text(self) -> str:
        if self.kind == "uniform":
            return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
        # Positional and exact (the shortest text that reads back as the same float):
        # ``:g`` would round the mean to 6 digits and write 1e+06, which the grammar
        # (and so the worker processes, which parse the spec again) rejects.
        return f"exp:{np.format_float_positional(self.mean, trim='-')}"


@dataclass(frozen=True)
class DelayModel:
    """Delays per target (``round``, ``phase``); a target left out is never delayed."""

    round: Distribution | None = None
    phase: Distribution | None = None

    @property
    def spec(self) -> str:
        """The model in the ``--delays`` grammar (canonical form)."""
        parts = [f"{t}={d.text()}" for t in TARGETS if (d := getattr(self, t)) is not None]
        return ",".join(parts) or "none"


_INT = re.compile(r"\d+")
_NUMBER = re.compile(r"\d+(\.\d+)?")
MAX_DELAY = 10**6


def parse_delays(spec: str, source: str = "--delays") -> DelayModel:
    """Parse a delay spec such as ``round=0-24,phase=0-12`` or ``round=exp:6``.

    Grammar (spaces around items and ``=`` are ignored)::

        spec   := item ("," item)*
        item   := target "=" dist          target := "round" | "phase"
        dist   := N                        fixed delay of N hours
                | N "-" M                  uniform whole hours in [N, M], N <= M
                | "exp:" MEAN              exponential with mean MEAN hours (> 0), rounded

    N and M are whole numbers 0..1000000; each target appears at most once.

    Parameters
    ----------
    spec
        The text.
    source
        Name for error lines (the option).

    Returns
    -------
    DelayModel

    Raises
    ------
    InputError
        One problem, ``--delays: TARGET: message`` (or ``--delays: message``).
    """

    def fail(path: str, message: str) -> InputError:
        return InputError(source, [Problem(path, message)])

    found: dict[str, Distribution] = {}
    items = [part.strip() for part in spec.split(",")]
    if not spec.strip():
        raise fail("", "is empty; give round=..., phase=... (for example round=0-24)")
    for item in items:
        if not item:
            raise fail("", f"empty item in '{spec}' (items are separated by one comma)")
        if "=" not in item:
            raise fail("", f"'{item}' is not TARGET=DELAY (for example round=0-24)")
        target, dist = (s.strip() for s in item.split("=", 1))
        if target not in TARGETS:
            raise fail("", f"unknown target '{target}' (use {' or '.join(TARGETS)})")
        if target in found:
            raise fail(target, "is given twice")
        found[target] = _parse_distribution(dist, lambda m, t=target: fail(t, m))
    return DelayModel(**found)


def _parse_distribution(text: str, fail) -> Distribution:
    if text.startswith("exp:"):
        mean = text[4:].strip()
        if not _NUMBER.fullmatch(mean) or float(mean) <= 0:
            raise fail(f"exp mean '{mean}' must be a number of hours above 0")
        if float(mean) > MAX_DELAY:
            raise fail(f"exp mean {mean} is above {MAX_DELAY} hours")
        return Distribution("exp", mean=float(mean))
    parts = [p.strip() for p in text.split("-")]
    if len(parts) > 2 or not all(_INT.fullmatch(p) for p in parts):
        raise fail(f"'{text}' is not N, N-M or exp:MEAN (whole hours, for example 0-24)")
    low, high = int(parts[0]), int(parts[-1])
    if high > MAX_DELAY:
        raise fail(f"{high} hours is above {MAX_DELAY}")
    if low > high:
        raise fail(f"low end {low} is above high end {high}")
    return Distribution("uniform", low=low, high=high)


# --------------------------------------------------------------------------- milestones


@dataclass(frozen=True)
class MilestoneSpec:
    """One deadline or milestone of a scenario: a stable id, its kind and a label."""

    id: str
    kind: str
    label: str


def _condition_need(scenario: Scenario, cond) -> tuple[int, int]:
    """(people needed, people matching) of a ``*_released`` phase condition."""
    if cond.kind == "captives":
        total = sum(c.count for c in scenario.captives_matching(cond.selector))
    else:
        total = sum(d.count for d in scenario.detainees_matching(cond.selector))
    return math.ceil(cond.exact_fraction * total), total


def phase_limit(phase, horizon: int) -> int:
    """The hour a phase must end by: its ``deadline_hour`` or the horizon, the earlier."""
    return horizon if phase.deadline_hour is None else min(horizon, phase.deadline_hour)


def _describe(selector: dict[str, list[str]]) -> str:
    return " ".join(f"{k}={'|'.join(v)}" for k, v in selector.items()) or "any"


def milestone_specs(scenario: Scenario) -> list[MilestoneSpec]:
    """The deadlines and milestones of a scenario, in a fixed order.

    Kinds and ids:

    - ``captive_deadline:<cohort>`` / ``detainee_deadline:<cohort>``: every cohort
      with an explicit ``deadline_hour`` is released by it;
    - ``phase_deadline:<phase>``: a phase with ``deadline_hour`` ends by it;
    - ``phase_condition:<phase>:<j>``: condition ``j`` (1-based) of a phase of kind
      ``captives_released``/``detainees_released`` is reached by the latest start of
      the phase (``min(deadline_hour, horizon) - duration``) minus its lag, so the
      phase can still keep its deadline;
    - ``package:<name>``: the package's detainees are out within ``within_hours`` of
      its last captive;
    - ``horizon``: every release and phase end by ``horizon_hours``.

    Parameters
    ----------
    scenario
        The scenario.

    Returns
    -------
    list[MilestoneSpec]
    """
    out: list[MilestoneSpec] = []
    for kind, cohorts in (("captive", scenario.captives), ("detainee", scenario.detainees)):
        for c in cohorts:
            if c.deadline_hour is not None:
                out.append(
                    MilestoneSpec(
                        f"{kind}_deadline:{c.id}",
                        f"{kind}_deadline",
                        f"{kind}s {c.id} released by hour {c.deadline_hour}",
                    )
                )
    for p in scenario.phases:
        if p.deadline_hour is not None:
            out.append(
                MilestoneSpec(
                    f"phase_deadline:{p.id}",
                    "phase_deadline",
                    f"phase {p.id} ends by hour {p.deadline_hour}",
                )
            )
        for j, cond in enumerate(p.after, start=1):
            if cond.kind == "phase":
                continue
            need, total = _condition_need(scenario, cond)
            out.append(
                MilestoneSpec(
                    f"phase_condition:{p.id}:{j}",
                    "phase_condition",
                    f"phase {p.id} condition {j}: {need} of {total} {cond.kind} "
                    f"({_describe(cond.selector)}) released in time",
                )
            )
    for pkg in scenario.packages:
        out.append(
            MilestoneSpec(
                f"package:{pkg.name}",
                "package",
                f"package {pkg.name}: detainees within {pkg.within_hours} h of last captive",
            )
        )
    out.append(
        MilestoneSpec(
            "horizon", "horizon", f"everything released and ended by hour {scenario.horizon_hours}"
        )
    )
    return out


def milestone_hours(scenario: Scenario, plan: Plan) -> dict[str, tuple[int | None, int | None]]:
    """When a plan reaches each milestone, and by when it must.

    Parameters
    ----------
    scenario
        The scenario.
    plan
        A plan (its rounds and phases are read as they are).

    Returns
    -------
    dict
        Milestone id (see :func:`milestone_specs`) -> ``(hour, due)``: the hour the
        plan reaches it (``None`` when it never does) and the hour it is due
        (``None`` when it cannot be known, such as a package whose captives the plan
        never releases). It holds when both are known and ``hour <= due``.
    """
    sc = scenario
    duration = sc.rounds.duration_hours
    horizon = sc.horizon_hours
    cap_events: dict[str, list[tuple[int, int]]] = {}
    det_events: dict[str, list[tuple[int, int]]] = {}
    for r in plan.rounds:
        end = r.start_hour + duration
        for cid, n in r.captives.items():
            cap_events.setdefault(cid, []).append((end, n))
        if r.detainee_release_hour is not None:
            for did, n in r.detainees.items():
                det_events.setdefault(did, []).append((r.detainee_release_hour, n))
    out: dict[str, tuple[int | None, int | None]] = {}

    def last(events: dict[str, list[tuple[int, int]]], ids) -> int | None:
        hours = [h for i in ids for h, _ in events.get(i, [])]
        return max(hours) if hours else None

    for c in sc.captives:
        if c.deadline_hour is not None:
            out[f"captive_deadline:{c.id}"] = (last(cap_events, [c.id]), c.deadline_hour)
    for d in sc.detainees:
        if d.deadline_hour is not None:
            out[f"detainee_deadline:{d.id}"] = (last(det_events, [d.id]), d.deadline_hour)
    for p in sc.phases:
        times = plan.phases.get(p.id)
        end = None if times is None else times.start_hour + p.duration_hours
        if p.deadline_hour is not None:
            out[f"phase_deadline:{p.id}"] = (end, p.deadline_hour)
        latest_start = phase_limit(p, horizon) - p.duration_hours
        for j, cond in enumerate(p.after, start=1):
            if cond.kind == "phase":
                continue
            need, _ = _condition_need(sc, cond)
            if cond.kind == "captives":
                ids = {c.id for c in sc.captives_matching(cond.selector)}
                events = [(h, n) for i in ids for h, n in cap_events.get(i, [])]
            else:
                ids = {d.id for d in sc.detainees_matching(cond.selector)}
                events = [(h, n) for i in ids for h, n in det_events.get(i, [])]
            due = latest_start - cond.lag_hours
            out[f"phase_condition:{p.id}:{j}"] = (validate.first_reached(events, need), due)
    for pkg in sc.packages:
        caps = [c.id for c in sc.captives_matching(pkg.captives)]
        dets = [d.id for d in sc.detainees_matching(pkg.detainees)]
        last_captive = last(cap_events, caps)
        due = None if last_captive is None else last_captive + pkg.within_hours
        out[f"package:{pkg.name}"] = (last(det_events, dets), due)
    makespan = validate.objective_values(sc, plan)["makespan"] if plan.rounds else None
    out["horizon"] = (makespan, horizon)
    return out


def holds(hour: int | None, due: int | None) -> bool:
    """A milestone holds when it is reached, its due hour is known, and it is reached by then.

    Parameters
    ----------
    hour, due
        A pair from :func:`milestone_hours`.

    Returns
    -------
    bool
    """
    return hour is not None and due is not None and hour <= due


# --------------------------------------------------------------------------- re-timing


@dataclass(frozen=True)
class Retimed:
    """Re-timed hours of a plan for S samples (arrays of shape (S, rounds) / (S, phases)).

    ``release`` is -1 for rounds that move no detainees. ``settled`` is False for a
    sample whose fixed point was not reached in ``MAX_PASSES`` passes (never seen
    on valid plans; such samples count as breaking every milestone).
    """

    start: np.ndarray
    release: np.ndarray
    phase_start: np.ndarray
    settled: np.ndarray


class _Layout:
    """Per-round constants of a plan that the vectorised re-timing reads."""

    def __init__(self, scenario: Scenario, plan: Plan):
        sc = self.sc = scenario
        self.D = sc.rounds.duration_hours
        self.rounds = plan.rounds
        self.n = len(plan.rounds)
        self.phases = list(sc.phases)
        self.phase_index = {p.id: i for i, p in enumerate(self.phases)}
        captive_by_id = {c.id: c for c in sc.captives}
        detainee_by_id = {d.id: d for d in sc.detainees}
        self.planned_start = np.array([r.start_hour for r in plan.rounds], dtype=np.int64)
        self.moves = np.array([r.detainee_release_hour is not None for r in plan.rounds])
        self.lag = np.array(
            [
                (r.detainee_release_hour - r.start_hour - self.D)
                if r.detainee_release_hour is not None
                else 0
                for r in plan.rounds
            ],
            dtype=np.int64,
        )
        self.planned_phase = np.array(
            [plan.phases[p.id].start_hour for p in self.phases], dtype=np.int64
        )
        self.site = [r.site for r in plan.rounds]
        self.living = np.array(
            [
                sum(n for cid, n in r.captives.items() if captive_by_id[cid].status == "living")
                for r in plan.rounds
            ],
            dtype=np.int64,
        )
        # Phases whose end gates each round (they open a zone of one of its captives).
        self.gates: list[list[int]] = []
        for r in plan.rounds:
            zones = {captive_by_id[cid].zone for cid in r.captives} - {None}
            gates = {self.phase_index[p] for z in zones for p in sc.zone_openers.get(z, [])}
            self.gates.append(sorted(gates))
        # Facilities whose daily limit can bind: detainees out of each, per round.
        self.facility_out: list[tuple[int, np.ndarray]] = []
        for f in sc.facilities:
            out = np.array(
                [
                    sum(n for did, n in r.detainees.items() if detainee_by_id[did].facility == f.id)
                    for r in plan.rounds
                ],
                dtype=np.int64,
            )
            if f.max_releases_per_day is not None and out.sum() > f.max_releases_per_day:
                self.facility_out.append((f.max_releases_per_day, out))
        # Vehicle trips per round: (trips, busy hours = 2 x route hours), busy ones only.
        self.trips: list[list[tuple[int, int]]] = []
        for r in plan.rounds:
            per_route: dict[tuple[str, str], int] = {}
            for did, n in r.detainees.items():
                d = detainee_by_id[did]
                if d.facility is not None and d.destination is not None:
                    key = (d.facility, d.destination)
                    per_route[key] = per_route.get(key, 0) + n
            trips = []
            if sc.vehicles is not None:
                for route, n in per_route.items():
                    hours = sc.route_hours.get(route, 0)
                    if hours > 0:
                        trips.append((-(-n // sc.vehicles.seats), 2 * hours))
            self.trips.append(trips)
        # Hard priority: tiers present in each round.
        tier_of = sc.tier_of
        hard = sc.priority is not None and sc.priority.mode == "hard"
        self.tiers = [
            {tier_of[cid] for cid in r.captives if tier_of.get(cid) is not None} if hard else set()
            for r in plan.rounds
        ]
        self.phase_order = self._phase_order()

    def _phase_order(self) -> list[int]:
        """Phases in an order where every ``phase`` condition comes first (no cycles: loader)."""
        order: list[int] = []
        seen: set[int] = set()

        def visit(i: int) -> None:
            if i in seen:
                return
            seen.add(i)
            for cond in self.phases[i].after:
                if cond.kind == "phase":
                    visit(self.phase_index[cond.phase])
            order.append(i)

        for i in range(len(self.phases)):
            visit(i)
        return order

    def snap(self, t: np.ndarray) -> np.ndarray:
        """The first start at or after t whose window fits the open hours."""
        oh = self.sc.rounds.open_hours
        if oh is None:
            return t
        a, b = oh
        latest = min(b - self.D, 23)
        hod, day = t % 24, t // 24
        return np.where(hod < a, day * 24 + a, np.where(hod > latest, (day + 1) * 24 + a, t))


def _place_round(
    lay: _Layout, k: int, t: np.ndarray, start: np.ndarray, release: np.ndarray, intervals: list
) -> np.ndarray:
    """Push round k's start from t until every capacity rule holds against rounds 0..k-1."""
    sc, D = lay.sc, lay.D
    same_site = [j for j in range(k) if lay.site[j] == lay.site[k]]
    teams = sc.teams.count if sc.teams is not None else None
    cap = sc.reception.max_living_per_day if sc.reception is not None else None
    for _ in range(100_000):
        before = t
        t = lay.snap(t)
        if D > 0 and same_site:
            # Windows at one site never overlap: wait for the last one there to end.
            t = np.maximum(t, start[:, same_site].max(axis=1) + D)
        if D > 0 and teams is not None and k >= teams:
            ends = start[:, :k] + D
            open_ = ends > t[:, None]  # earlier starts are <= t (order is kept)
            busy = open_.sum(axis=1) >= teams
            first_free = np.where(open_, ends, np.iinfo(np.int64).max).min(axis=1)
            t = np.where(busy, first_free, t)
        if cap is not None and lay.living[k] > 0:
            day = (t + D) // 24
            ends_day = (start[:, :k] + D) // 24
            load = ((ends_day == day[:, None]) * lay.living[:k]).sum(axis=1)
            t = np.where(load + lay.living[k] > cap, 24 * (day + 1) - D, t)
        if lay.moves[k]:
            for limit, out in lay.facility_out:
                if out[k] == 0:
                    continue
                r = t + D + lay.lag[k]
                day = r // 24
                rel_day = np.where(release[:, :k] >= 0, release[:, :k] // 24, -1)
                load = ((rel_day == day[:, None]) * out[:k]).sum(axis=1)
                t = np.where(load + out[k] > limit, t + 24 * (day + 1) - r, t)
            if lay.trips[k] and intervals:
                t = _vehicle_push(lay, k, t, intervals)
        if np.array_equal(t, before):
            return t
    raise RuntimeError(f"re-timing round {k + 1} did not settle")  # pragma: no cover


def _vehicle_push(lay: _Layout, k: int, t: np.ndarray, intervals: list) -> np.ndarray:
    """Push round k until its trips fit next to earlier trips within vehicles.count."""
    limit = lay.sc.vehicles.count
    r = t + lay.D + lay.lag[k]
    span = max(h for _, h in lay.trips[k])
    starts = np.stack([s for s, _, _ in intervals], axis=1)  # (S, M)
    ends = np.stack([e for _, e, _ in intervals], axis=1)
    weights = np.array([w for _, _, w in intervals], dtype=np.int64)
    # The load peaks at r or at an earlier trip's start inside [r, r + span).
    points = np.concatenate([r[:, None], starts], axis=1)  # (S, M + 1)
    inside = (points >= r[:, None]) & (points < (r + span)[:, None])
    own = sum(n * (points < (r + h)[:, None]) for n, h in lay.trips[k])
    busy = (starts[:, None, :] <= points[:, :, None]) & (points[:, :, None] < ends[:, None, :])
    load = (busy * weights).sum(axis=2) + own
    over = (inside & (load > limit)).any(axis=1)
    # Move to the first hour an overlapping earlier trip frees its vehicles.
    overlapping = (ends > r[:, None]) & (starts < (r + span)[:, None])
    step = np.where(overlapping, ends - r[:, None], np.iinfo(np.int64).max).min(axis=1)
    return np.where(over & overlapping.any(axis=1), t + step, t)


def _place_rounds(
    lay: _Layout, lb: np.ndarray, phase_start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rounds in plan order, each as early as its lower bound and the rules allow."""
    S = lb.shape[0]
    sc, D = lay.sc, lay.D
    gap = sc.rounds.min_gap_hours
    start = np.zeros((S, lay.n), dtype=np.int64)
    release = np.full((S, lay.n), -1, dtype=np.int64)
    intervals: list[tuple[np.ndarray, np.ndarray, int]] = []
    for k in range(lay.n):
        t = lb[:, k].copy()
        if k > 0:
            t = np.maximum(t, start[:, k - 1] + gap)  # order kept, min_gap_hours apart
        for p in lay.gates[k]:
            t = np.maximum(t, phase_start[:, p] + lay.phases[p].duration_hours)
        t = _place_round(lay, k, t, start, release, intervals)
        start[:, k] = t
        if lay.moves[k]:
            release[:, k] = t + D + lay.lag[k]
            for n, h in lay.trips[k]:
                intervals.append((release[:, k], release[:, k] + h, n))
    return start, release


def _place_phases(
    lay: _Layout, lb: np.ndarray, start: np.ndarray, release: np.ndarray
) -> np.ndarray:
    """Phases as early as their lower bound and their conditions on the re-timed rounds allow."""
    sc = lay.sc
    ps = lb.copy()
    for i in lay.phase_order:
        p = lay.phases[i]
        t = np.maximum(ps[:, i], p.earliest_start)
        for cond in p.after:
            if cond.kind == "phase":
                q = lay.phase_index[cond.phase]
                t = np.maximum(t, ps[:, q] + lay.phases[q].duration_hours + cond.lag_hours)
                continue
            need, _ = _condition_need(sc, cond)
            reached = _reached(lay, cond, need, start, release)
            t = np.maximum(t, reached + cond.lag_hours)
        ps[:, i] = t
    return ps


def _reached(lay: _Layout, cond, need: int, start: np.ndarray, release: np.ndarray) -> np.ndarray:
    """Per sample, the first hour at which ``need`` people of the condition are released."""
    sc, D = lay.sc, lay.D
    if cond.kind == "captives":
        ids = {c.id for c in sc.captives_matching(cond.selector)}
        counts = np.array([sum(n for i, n in r.captives.items() if i in ids) for r in lay.rounds])
        # Ends keep the plan's order, so the round that completes the count is fixed.
        k = int(np.argmax(np.cumsum(counts) >= need))
        return start[:, k] + D
    ids = {d.id for d in sc.detainees_matching(cond.selector)}
    counts = np.array([sum(n for i, n in r.detainees.items() if i in ids) for r in lay.rounds])
    hours = np.where(release >= 0, release, np.iinfo(np.int64).max // 2)
    order = np.argsort(hours, axis=1, kind="stable")
    cum = np.cumsum(counts[order], axis=1)
    idx = np.argmax(cum >= need, axis=1)
    return np.take_along_axis(hours, order, axis=1)[np.arange(len(idx)), idx]


def _priority_bounds(lay: _Layout, lb: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Raise lower bounds so no round of a later tier ends before a round of an earlier tier."""
    tiers = sorted(set().union(*lay.tiers)) if lay.tiers else []
    if len(tiers) < 2:
        return lb
    ends = start + lay.D
    out = lb.copy()
    for a in tiers:
        with_a = [k for k in range(lay.n) if a in lay.tiers[k]]
        last_a = ends[:, with_a].max(axis=1)
        for k in range(lay.n):
            if any(b > a for b in lay.tiers[k]):
                out[:, k] = np.maximum(out[:, k], last_a - lay.D)
    return out


def retime(
    scenario: Scenario, plan: Plan, round_delays: np.ndarray, phase_delays: np.ndarray
) -> Retimed:
    """Re-time a plan for many samples of delays at once.

    Kept: every round's site, captives and detainees, the order of the rounds, and
    each round's detainee lag (``r_k - e_k``). Changed: only hours, and only later.
    Round k starts at the first hour that is at least its planned start plus its
    delay and keeps every timing rule against the rounds before it: ``min_gap_hours``
    after the previous start, inside the open hours, after the end of every phase that
    opens a zone of its captives, no overlap at its site, at most ``teams.count``
    windows at once, living captives per day, facility releases per day and vehicle
    trips within their limits, and (hard priority) ending no earlier than any round
    of an earlier tier. Each phase starts at the first hour that is at least its
    planned start plus its delay and after its conditions (phase ends, release shares)
    on the re-timed rounds. Rounds and phases are placed again until nothing moves (a
    fixed point: times only grow). Deadlines, package windows and the horizon are not
    enforced: they are what the re-timed plan is checked against.

    Parameters
    ----------
    scenario
        The scenario.
    plan
        A valid plan with rounds.
    round_delays
        Integer hours, shape (S, number of rounds), in the plan's round order.
    phase_delays
        Integer hours, shape (S, number of scenario phases), in the scenario's order.

    Returns
    -------
    Retimed
    """
    lay = _Layout(scenario, plan)
    S = round_delays.shape[0]
    lb = lay.planned_start[None, :] + np.asarray(round_delays, dtype=np.int64)
    plb = lay.planned_phase[None, :] + np.asarray(phase_delays, dtype=np.int64)
    plb = plb.reshape(S, len(lay.phases))
    ps = plb.copy()
    settled = np.zeros(S, dtype=bool)
    start = release = np.zeros((S, lay.n), dtype=np.int64)
    for _ in range(MAX_PASSES):
        start, release = _place_rounds(lay, lb, ps)
        new_ps = np.maximum(ps, _place_phases(lay, plb, start, release))
        new_lb = _priority_bounds(lay, lb, start)
        same = (new_ps == ps).all(axis=1) & (new_lb == lb).all(axis=1)
        ps, lb = new_ps, new_lb
        if same.all():
            settled[:] = True
            break
        settled = same
    return Retimed(start=start, release=release, phase_start=ps, settled=settled)


def retimed_plan(scenario: Scenario, plan: Plan, retimed: Retimed, i: int) -> Plan:
    """Sample ``i`` of a re-timing as a plan.

    Parameters
    ----------
    scenario, plan
        As given to :func:`retime`.
    retimed
        Its result.
    i
        The sample.

    Returns
    -------
    Plan
        The plan's rounds (same sites and counts) at the re-timed hours, with every
        phase; no objective, manifest or KPIs.
    """
    D = scenario.rounds.duration_hours
    rounds = [
        PlanRound(
            index=k + 1,
            site=r.site,
            start_hour=int(retimed.start[i, k]),
            end_hour=int(retimed.start[i, k]) + D,
            detainee_release_hour=int(retimed.release[i, k]) if r.detainees else None,
            captives=dict(r.captives),
            detainees=dict(r.detainees),
        )
        for k, r in enumerate(plan.rounds)
    ]
    phases = {
        p.id: PhaseTimes(
            start_hour=int(retimed.phase_start[i, j]),
            end_hour=int(retimed.phase_start[i, j]) + p.duration_hours,
        )
        for j, p in enumerate(scenario.phases)
    }
    return Plan(
        scenario=plan.scenario, status=plan.status, engine=plan.engine, rounds=rounds, phases=phases
    )


# --------------------------------------------------------------------------- stress


@dataclass(frozen=True)
class StressRow:
    """One milestone under stress: how often it still holds."""

    id: str
    kind: str
    label: str
    planned_hour: int | None  # in the plan as published
    due_hour: int | None  # in the plan as published (packages: last captive + window)
    holds: int  # samples in which it holds
    rate: float  # holds / samples


@dataclass(frozen=True)
class StressResult:
    """Hold rate of every milestone, and the robustness score, over ``samples`` draws."""

    samples: int
    seed: int
    delays: str
    rows: list[StressRow]
    all_hold: int
    robustness: float
    makespan: int
    makespan_p50: int
    makespan_p90: int
    makespan_max: int
    rule_breaks: dict[str, int] = field(default_factory=dict)
    unsettled: int = 0
    from_hour: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON data."""
        return {
            "samples": self.samples,
            "seed": self.seed,
            "delays": self.delays,
            "from_hour": self.from_hour,
            "robustness": self.robustness,
            "all_hold": self.all_hold,
            "milestones": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "label": r.label,
                    "planned_hour": r.planned_hour,
                    "due_hour": r.due_hour,
                    "holds": r.holds,
                    "rate": r.rate,
                }
                for r in self.rows
            ],
            "makespan": {
                "planned": self.makespan,
                "p50": self.makespan_p50,
                "p90": self.makespan_p90,
                "max": self.makespan_max,
            },
            "rule_breaks": dict(self.rule_breaks),
            "unsettled": self.unsettled,
        }


def _run_chunk(job: dict[str, Any]) -> dict[str, Any]:
    """One chunk of samples (module level: it runs in worker processes)."""
    scenario = scenario_from_data(job["scenario"], "<stress>")
    plan = plan_from_data(job["plan"], "<stress>")
    delays = parse_delays(job["delays"])
    rng = np.random.default_rng(
        np.random.SeedSequence(job["entropy"], spawn_key=tuple(job["spawn_key"]))
    )
    size = job["size"]
    zero = Distribution("uniform")
    n_rounds, n_phases = len(plan.rounds), len(scenario.phases)
    # Rounds first, then phases, always drawn (zeros when not delayed) so that adding
    # a phase delay leaves the round draws of a seed unchanged.
    round_delays = (delays.round or zero).sample(rng, (size, n_rounds))
    phase_delays = (delays.phase or zero).sample(rng, (size, n_phases))
    # What starts before from_hour has happened (after a replan): it is not delayed.
    frozen_rounds = [r.start_hour < job["from_hour"] for r in plan.rounds]
    frozen_phases = [
        p.id in plan.phases and plan.phases[p.id].start_hour < job["from_hour"]
        for p in scenario.phases
    ]
    round_delays[:, np.array(frozen_rounds, dtype=bool)] = 0
    phase_delays[:, np.array(frozen_phases, dtype=bool)] = 0
    retimed = retime(scenario, plan, round_delays, phase_delays)
    specs = milestone_specs(scenario)
    held: Counter[str] = Counter()
    breaks: Counter[str] = Counter()
    all_hold = 0
    makespans: list[int] = []
    for i in range(size):
        sample = retimed_plan(scenario, plan, retimed, i)
        hours = milestone_hours(scenario, sample)
        ok = {s.id: holds(*hours[s.id]) for s in specs}
        rules = {v.rule for v in validate.validate(scenario, sample)} - _MILESTONE_RULES
        breaks.update(rules)
        settled = bool(retimed.settled[i])
        for sid, good in ok.items():
            held[sid] += int(good and settled)
        all_hold += int(settled and not rules and all(ok.values()))
        makespans.append(hours["horizon"][0] or 0)
    return {
        "held": dict(held),
        "all_hold": all_hold,
        "makespans": makespans,
        "rule_breaks": dict(breaks),
        "unsettled": int((~retimed.settled).sum()),
    }


def stress(
    scenario: Scenario,
    plan: Plan,
    delays: DelayModel | str,
    *,
    samples: int = 1000,
    seed: int = 0,
    from_hour: int = 0,
    processes: int | None = None,
    scheduler: str | Any | None = None,
) -> StressResult:
    """Monte Carlo of delays: how often each deadline and milestone still holds.

    Parameters
    ----------
    scenario
        The scenario.
    plan
        A plan with rounds for it (normally valid; :func:`retime` assumes it).
    delays
        A :class:`DelayModel` or a spec string (:func:`parse_delays`).
    samples
        Number of draws (>= 1).
    seed
        Seed. The samples are split into chunks of ``CHUNK_SAMPLES``, chunk i drawing
        from child i of ``numpy.random.SeedSequence(seed)``: the same seed gives the
        same result whatever ``processes`` or ``scheduler``.
    from_hour
        Only rounds and phases planned to start at or after this hour are delayed
        (after a replan, pass ``now_hour``: what happened before is not re-drawn).
        The draws do not depend on it, so a seed gives the same delays for the rest.
    processes, scheduler
        Passed to :func:`planner.parallel.run_map` (local processes by default, a
        Dask cluster with ``scheduler``).

    Returns
    -------
    StressResult
        Per milestone (:func:`milestone_specs`) the samples in which it holds, and
        ``robustness`` = share of samples in which all hold (and no other rule broke,
        which re-timing prevents by construction; ``rule_breaks`` would show it).

    Raises
    ------
    ValueError
        The plan has no rounds, or ``samples < 1``.
    """
    from planner.parallel import run_map

    if isinstance(delays, str):
        delays = parse_delays(delays)
    if not plan.has_plan or not plan.rounds:
        raise ValueError(f"the plan has status {plan.status} and no rounds to re-time")
    if samples < 1:
        raise ValueError(f"samples must be >= 1, not {samples}")
    n_chunks = -(-samples // CHUNK_SAMPLES)
    children = np.random.SeedSequence(seed).spawn(n_chunks)
    sc_data = scenario_to_data(scenario)
    plan_data = plan.to_json_dict()
    jobs = [
        {
            "scenario": sc_data,
            "plan": plan_data,
            "delays": delays.spec if delays.spec != "none" else "round=0",
            "entropy": child.entropy,
            "spawn_key": list(child.spawn_key),
            "size": min(CHUNK_SAMPLES, samples - i * CHUNK_SAMPLES),
            "from_hour": from_hour,
        }
        for i, child in enumerate(children)
    ]
    parts = run_map(_run_chunk, jobs, processes=processes, scheduler=scheduler)
    held: Counter[str] = Counter()
    breaks: Counter[str] = Counter()
    makespans: list[int] = []
    for part in parts:
        held.update(part["held"])
        breaks.update(part["rule_breaks"])
        makespans += part["makespans"]
    all_hold = sum(p["all_hold"] for p in parts)
    planned = milestone_hours(scenario, plan)
    rows = [
        StressRow(
            id=s.id,
            kind=s.kind,
            label=s.label,
            planned_hour=planned[s.id][0],
            due_hour=planned[s.id][1],
            holds=held[s.id],
            rate=held[s.id] / samples,
        )
        for s in milestone_specs(scenario)
    ]
    ms = np.array(makespans, dtype=np.int64)
    return StressResult(
        samples=samples,
        seed=seed,
        delays=delays.spec,
        rows=rows,
        all_hold=all_hold,
        robustness=all_hold / samples,
        makespan=planned["horizon"][0] or 0,
        makespan_p50=int(np.percentile(ms, 50, method="higher")),
        makespan_p90=int(np.percentile(ms, 90, method="higher")),
        makespan_max=int(ms.max()),
        rule_breaks=dict(sorted(breaks.items())),
        unsettled=sum(p["unsettled"] for p in parts),
        from_hour=from_hour,
    )


def robustness_score(scenario: Scenario, plan: Plan, samples: int = 200, seed: int = 0) -> float:
    """Robustness of a plan under the default delays, for the KPI display.

    The default delay model is ``DEFAULT_DELAYS`` = ``round=0-12,phase=0-6``: every
    round starts up to 12 hours late, every phase up to 6 (uniform whole hours).
    Runs in this process (no pool: it is quick, and the app calls it per plan).

    Parameters
    ----------
    scenario, plan
        The scenario and a plan with rounds.
    samples, seed
        Number of draws and seed.

    Returns
    -------
    float
        Share of samples in which every deadline and milestone still holds.
    """
    return stress(
        scenario, plan, DEFAULT_DELAYS, samples=samples, seed=seed, processes=1
    ).robustness


def render_stress(result: StressResult) -> str:
    """The stress result as a table for the terminal.

    Parameters
    ----------
    result
        From :func:`stress`.

    Returns
    -------
    str
        Per milestone the planned hour, due hour and hold rate; the robustness score
        and the re-timed makespan.
    """
    header = ["milestone", "planned", "due", "holds"]
    rows = [
        [
            r.label,
            "-" if r.planned_hour is None else str(r.planned_hour),
            "-" if r.due_hour is None else str(r.due_hour),
            f"{100 * r.rate:.1f}%",
        ]
        for r in result.rows
    ]
    lines = [
        f"Stress test: {result.samples} samples, seed {result.seed}, delays {result.delays}"
        + (f" (rounds and phases from hour {result.from_hour})" if result.from_hour else ""),
        "",
        *table(header, rows),
    ]
    lines.append("")
    lines.append(
        f"Robustness: {result.robustness:.3f} ({result.all_hold} of {result.samples} samples "
        "keep every deadline and milestone)"
    )
    lines.append(
        f"Makespan re-timed: median {result.makespan_p50}, 90th percentile "
        f"{result.makespan_p90}, max {result.makespan_max} (planned {result.makespan})"
    )
    if result.rule_breaks:
        broken = ", ".join(f"{k} {v}" for k, v in result.rule_breaks.items())
        lines.append(f"Other rules broken after re-timing (a bug, please report): {broken}")
    if result.unsettled:
        lines.append(f"Samples whose re-timing did not settle: {result.unsettled}")
    return "\n".join(lines)
