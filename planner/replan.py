"""Re-planning after a deviation: the past fixed, the rest re-optimised, close to the plan.

:func:`replan` takes a scenario, the published plan and an execution record
(``models.execution``: rounds carried out, phases started or late, sites closed)
and solves the CP-SAT model of the scenario with every fact fixed
(:class:`ReplanModel`), adding a ``disruption`` term that measures how far the
remaining rounds move from the published ones. The result is a complete plan
(facts first, then the new rounds) that passes the independent validator, and a
scoreboard of deadlines and milestones (:func:`scoreboard`).

When the facts themselves break a rule (a round after a deadline, a phase that
can no longer end in time, ...), no plan can exist; :func:`broken_facts` names
each such fact, and the replan is ``infeasible`` without solving.
``docs/replan.md`` defines every term.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from models.errors import InputError
from models.execution import Execution, execution_problems, published_problems
from models.plan import PhaseTimes, Plan, PlanRound
from models.scenario import Scenario
from planner import validate
from planner.cpsat import CpSatEngine, CpSatModel
from planner.engine import EngineOutcome, ProgressFn, SolveOptions, StageOutcome
from planner.report import render_plan
from planner.report import table as report_table
from planner.solve import assemble_plan
from planner.stress import milestone_hours, milestone_specs
from planner.stress import phase_limit as _phase_limit

__all__ = [
    "DISRUPTION",
    "Disruption",
    "Milestone",
    "ReplanModel",
    "ReplanResult",
    "broken_facts",
    "canonical_rounds",
    "disruption_of",
    "facts_plan",
    "render_replan",
    "render_scoreboard",
    "replan",
    "scoreboard",
]

DISRUPTION = "disruption"
DEFAULT_SLACK_HOURS = 24
MilestoneState = Literal["met", "missed", "at_risk", "on_track"]

# Validator families whose violations on the facts alone stay violations whatever is
# added after now_hour (new rounds start at now_hour or later and end no earlier than
# any fact). Left out: completeness, objective and phase "missing" (the facts are not
# a whole plan), phase_after (checked in _phase_condition_facts, which knows about
# future releases) and package (only final once every matching captive is out).
_FACT_RULES = frozenset(validate.RULES) - {"completeness", "objective", "package", "phase_after"}


# --------------------------------------------------------------------------- facts


def facts_plan(scenario: Scenario, execution: Execution) -> Plan:
    """The facts as a partial plan, for the validator and for milestone hours.

    Parameters
    ----------
    scenario
        The scenario.
    execution
        The facts (cross-checked against the scenario).

    Returns
    -------
    Plan
        Status ``feasible``, engine ``facts``: the executed rounds in file order
        (``index`` 1..n, ``end_hour`` = start + duration) and the started phases.
    """
    D = scenario.rounds.duration_hours
    rounds = [
        PlanRound(
            index=i + 1,
            site=r.site,
            start_hour=r.start_hour,
            end_hour=r.start_hour + D,
            detainee_release_hour=r.detainee_release_hour,
            captives=dict(r.captives),
            detainees=dict(r.detainees),
        )
        for i, r in enumerate(execution.rounds)
    ]
    phases = {
        pid: PhaseTimes(start_hour=s, end_hour=s + scenario.phase_by_id[pid].duration_hours)
        for pid, s in execution.started_phases.items()
        if pid in scenario.phase_by_id
    }
    return Plan(
        scenario=scenario.name, status="feasible", engine="facts", rounds=rounds, phases=phases
    )


class _Facts:
    """What the facts fix, and the earliest hours anything still open can happen."""

    def __init__(self, scenario: Scenario, execution: Execution):
        sc = self.sc = scenario
        self.ex = execution
        self.now = execution.now_hour
        self.D = sc.rounds.duration_hours
        self.lag_lo = sc.rounds.detainee_lag_hours[0]
        self.started = execution.started_phases
        self.late = execution.late_phases
        self.cap_events: dict[str, list[tuple[int, int]]] = {}
        self.det_events: dict[str, list[tuple[int, int]]] = {}
        for r in execution.rounds:
            for cid, n in r.captives.items():
                self.cap_events.setdefault(cid, []).append((r.start_hour + self.D, n))
            if r.detainee_release_hour is not None:
                for did, n in r.detainees.items():
                    self.det_events.setdefault(did, []).append((r.detainee_release_hour, n))
        self.count = {c.id: c.count for c in sc.captives} | {d.id: d.count for d in sc.detainees}
        # New rounds follow every fact (they start at now_hour or later), so the first
        # of them starts min_gap_hours after the last fact at the earliest.
        starts = [r.start_hour for r in execution.rounds]
        self.after_facts = max(starts) + sc.rounds.min_gap_hours if starts else 0
        # Every round releases a captive, and max_rounds counts the facts: when no
        # captive is left or every round is used, no new round can come at all.
        self.captives_left = sum(self.remaining(c.id) for c in sc.captives)
        self.new_rounds_possible = self.captives_left > 0 and len(starts) < sc.rounds.max_rounds

    def released(self, cid: str) -> int:
        events = self.cap_events.get(cid) or self.det_events.get(cid) or []
        return sum(n for _, n in events)

    def remaining(self, cid: str) -> int:
        return self.count[cid] - self.released(cid)

    def snap(self, t: int) -> int:
        """First start at or after t whose window fits the open hours."""
        oh = self.sc.rounds.open_hours
        if oh is None:
            return t
        a, b = oh
        latest = min(b - self.D, 23)
        if latest < a:
            return t  # no window fits at all: the scenario is infeasible anyway
        hod = t % 24
        if hod < a:
            return t - hod + a
        if hod > latest:
            return t - hod + 24 + a
        return t

    def phase_earliest_start(self, pid: str) -> int:
        """The actual start of a started phase; otherwise a lower bound on its start."""
        if pid in self.started:
            return self.started[pid]
        p = self.sc.phase_by_id[pid]
        return max(self.now, p.earliest_start, self.late.get(pid, 0))

    def phase_earliest_end(self, pid: str) -> int:
        return self.phase_earliest_start(pid) + self.sc.phase_by_id[pid].duration_hours

    def new_round_end(
        self, ready: int = 0, captive_zone: str | None = None, *, gap: bool = True
    ) -> int | None:
        """Lower bound on the end of a new round, ``None`` when no new round can come.

        The round starts at ``now_hour`` or later, after its ready hour and the end of
        the phases that open its zone, ``min_gap_hours`` after the last fact (unless
        ``gap`` is False), in an open window.
        """
        if not self.new_rounds_possible:
            return None
        t = max(self.now, ready, self.after_facts if gap else 0)
        for pid in self.sc.zone_openers.get(captive_zone, []) if captive_zone else []:
            t = max(t, self.phase_earliest_end(pid))
        return self.snap(t) + self.D

    def captive_earliest_end(self, cid: str, *, gap: bool = True) -> int | None:
        """Lower bound on the release of a captive of ``cid`` still held (``None``: never)."""
        c = next(c for c in self.sc.captives if c.id == cid)
        return self.new_round_end(c.ready_hour, c.zone, gap=gap)

    def detainee_earliest_release(self, did: str, *, gap: bool = True) -> int | None:
        """Lower bound on the release of a detainee of ``did`` still held (``None``: never)."""
        d = next(d for d in self.sc.detainees if d.id == did)
        end = self.new_round_end(gap=gap)
        return None if end is None else max(end + self.lag_lo, d.ready_hour)


def _after(earliest: int | None, hour: int) -> bool:
    """A lower bound (``None``: never) that comes after ``hour``."""
    return earliest is None or earliest > hour


def _earliest(hours) -> int | None:
    """The smallest of lower bounds (``None`` = never), ``None`` when all are never."""
    known = [h for h in hours if h is not None]
    return min(known) if known else None


def _condition_events(f: _Facts, cond) -> tuple[list[tuple[int, int]], int | None, int]:
    """(fact events, earliest hour a new release can add to them or None, people needed)."""
    sc = f.sc
    if cond.kind == "captives":
        cohorts = sc.captives_matching(cond.selector)
        events = [e for c in cohorts for e in f.cap_events.get(c.id, [])]
        future = _earliest(f.captive_earliest_end(c.id) for c in cohorts if f.remaining(c.id))
    else:
        cohorts = sc.detainees_matching(cond.selector)
        events = [e for d in cohorts for e in f.det_events.get(d.id, [])]
        future = _earliest(f.detainee_earliest_release(d.id) for d in cohorts if f.remaining(d.id))
    total = sum(c.count for c in cohorts)
    return events, future, math.ceil(cond.exact_fraction * total)


def _phase_condition_facts(f: _Facts) -> list[str]:
    """Started phases whose conditions did not hold when they started (and cannot now)."""
    out: list[str] = []
    sc = f.sc
    for pid, s in f.started.items():
        p = sc.phase_by_id.get(pid)
        if p is None:
            continue
        for j, cond in enumerate(p.after, start=1):
            if cond.kind == "phase":
                ready = f.phase_earliest_end(cond.phase)
                if s < ready + cond.lag_hours:
                    when = (
                        f"ended at hour {ready}"
                        if cond.phase in f.started
                        else f"had not started by now_hour {f.now} (ends at hour {ready} at the "
                        "earliest)"
                    )
                    out.append(
                        f"[phase_after] phase {pid}: started at hour {s}, but phase "
                        f"'{cond.phase}' it must follow (+ lag {cond.lag_hours}) {when}"
                    )
                continue
            events, future, need = _condition_events(f, cond)
            by_then = sum(n for hour, n in events if hour + cond.lag_hours <= s)
            if by_then < need and _after(future, s - cond.lag_hours):
                out.append(
                    f"[phase_after] phase {pid}: started at hour {s}, but condition {j} needs "
                    f"{need} {cond.kind} released by hour {s - cond.lag_hours} and only "
                    f"{by_then} were"
                )
    return out


def broken_facts(scenario: Scenario, execution: Execution) -> list[str]:
    """Rules that the facts alone already break, so that no plan for the rest can exist.

    Every line is certain: it stays broken whatever rounds are added after
    ``now_hour``. Checked: the validator's per-round and capacity rules on the
    executed rounds and started phases; started phases against their conditions;
    executed rounds held before a zone-opening phase that has not even started;
    cohorts still to release whose deadline comes before any new round could end
    (``min_gap_hours`` after the last fact included); phases not started that can
    no longer end by their deadline; hard priority against a later tier already
    released; packages whose captives are out with detainees no new round can
    release in time; ratios that the detainees still held cannot meet for the
    captives still held; ``max_rounds``; detainees left with no captive left.

    Parameters
    ----------
    scenario
        The scenario.
    execution
        The facts (cross-checked with :func:`models.execution.execution_problems`).

    Returns
    -------
    list[str]
        One line per broken rule, ``[rule] where: message``; empty when the facts
        keep every rule so far.
    """
    sc, f = scenario, _Facts(scenario, execution)
    out: list[str] = []
    n, K = len(execution.rounds), sc.rounds.max_rounds
    if n > K:
        out.append(f"[rounds] plan: {n} rounds executed, above max_rounds {K}")
    facts = facts_plan(sc, execution)
    all_out = {
        pkg.name: all(f.remaining(c.id) == 0 for c in sc.captives_matching(pkg.captives))
        for pkg in sc.packages
    }
    for v in validate.validate(sc, facts):
        if v.rule not in _FACT_RULES and not (
            v.rule == "package" and all_out[v.numbers["package"]]
        ):
            continue
        if v.rule == "rounds" and "max_rounds" in v.numbers:
            continue  # the count of rounds is only known at the end (reported above if over)
        if v.rule == "phase" and v.message == "missing from the plan":
            continue
        out.append(str(v))
    captive_by_id = {c.id: c for c in sc.captives}
    for i, r in enumerate(execution.rounds, start=1):
        for cid in r.captives:
            c = captive_by_id[cid]
            for pid in sc.zone_openers.get(c.zone, []) if c.zone else []:
                if pid in f.started:
                    continue  # the validator compared it with the actual end
                end = f.phase_earliest_end(pid)
                if r.start_hour < end:
                    out.append(
                        f"[zone_opening] round {i}: captive cohort '{cid}' in zone '{c.zone}' "
                        f"handed over from hour {r.start_hour}, but phase '{pid}' that opens it "
                        f"had not started by now_hour {f.now} (ends at hour {end} at the earliest)"
                    )
    out += _phase_condition_facts(f)
    out += _deadline_facts(f)
    for p in sc.phases:
        if p.id in f.started:
            continue
        end, limit = (
            f.phase_earliest_end(p.id),
            _phase_limit(p, sc.horizon_hours),
        )
        if end > limit:
            out.append(
                f"[phase] phase {p.id}: not started by now_hour {f.now}; it ends at hour {end} "
                f"at the earliest, after {_deadline_words(p.deadline_hour, sc.horizon_hours)}"
            )
    out += _priority_facts(f)
    out += _package_facts(f)
    out += _ratio_supply_facts(f)
    left = f.captives_left
    left_d = sum(f.remaining(d.id) for d in sc.detainees)
    if n >= K and (left or left_d):
        out.append(
            f"[rounds] plan: all max_rounds {K} rounds are used, but {left} captives and "
            f"{left_d} detainees are still to release"
        )
    elif not left and left_d:
        out.append(
            f"[rounds] plan: every captive is released by the facts, but {left_d} detainees "
            "are still to release, and every new round must release a captive"
        )
    return out


def _deadline_facts(f: _Facts) -> list[str]:
    """Cohorts still to release whose deadline (or the horizon) no new round can keep."""
    sc = f.sc
    out: list[str] = []
    gap = sc.rounds.min_gap_hours
    last = f.after_facts - gap
    for kind, cohorts, deadlines, earliest_of, verb in (
        ("captive", sc.captives, sc.captive_deadline, f.captive_earliest_end, "ends"),
        (
            "detainee",
            sc.detainees,
            sc.detainee_deadline,
            f.detainee_earliest_release,
            "releases detainees",
        ),
    ):
        for c in cohorts:
            left = f.remaining(c.id)
            if not left:
                continue
            deadline, words = deadlines[c.id], _deadline_words(c.deadline_hour, sc.horizon_hours)
            plain, earliest = earliest_of(c.id, gap=False), earliest_of(c.id)
            if plain is None:
                continue  # no new round at all: reported once for the plan
            if plain > deadline:
                out.append(
                    f"[{kind}_deadline] cohort {c.id}: {left} still to release after now_hour "
                    f"{f.now}, but a new round {verb} at hour {plain} at the earliest, after "
                    f"{words}"
                )
            elif earliest is not None and earliest > deadline:
                out.append(
                    f"[{kind}_deadline] cohort {c.id}: {left} still to release after now_hour "
                    f"{f.now}, but the next round starts min_gap_hours {gap} after the last "
                    f"executed one (hour {last}), so it {verb} at hour {earliest} at the "
                    f"earliest, after {words}"
                )
    return out


def _priority_facts(f: _Facts) -> list[str]:
    """Hard priority: a tier still held while the facts already released a later tier."""
    sc = f.sc
    if sc.priority is None or sc.priority.mode != "hard":
        return []
    first: dict[int, int] = {}  # tier -> first release by the facts
    left: dict[int, list[str]] = {}  # tier -> cohorts still held
    for c in sc.captives:
        tier = sc.tier_of.get(c.id)
        if tier is None:
            continue
        for hour, _ in f.cap_events.get(c.id, []):
            first[tier] = min(first.get(tier, hour), hour)
        if f.remaining(c.id):
            left.setdefault(tier, []).append(c.id)
    out: list[str] = []
    for i, cohorts in sorted(left.items()):
        later = [(hour, j) for j, hour in first.items() if j > i]
        earliest = _earliest(f.captive_earliest_end(cid) for cid in cohorts)
        if not later or earliest is None:
            continue  # nothing released after it yet, or no new round at all (reported)
        hour, j = min(later)
        n = sum(f.remaining(cid) for cid in cohorts)
        # New rounds start after every fact, so they end after every fact's end.
        out.append(
            f"[priority] plan: tier {i + 1} has {n} captives still to release after now_hour "
            f"{f.now} (a new round ends at hour {earliest} at the earliest), but tier {j + 1} "
            f"was first released at hour {hour}"
        )
    return out


def _package_facts(f: _Facts) -> list[str]:
    """Packages whose captives are all out, with detainees no new round can release in time."""
    sc = f.sc
    out: list[str] = []
    for pkg in sc.packages:
        caps = sc.captives_matching(pkg.captives)
        if any(f.remaining(c.id) for c in caps):
            continue  # the last captive release, and so the bound, is still to come
        last = max(h for c in caps for h, _ in f.cap_events.get(c.id, []))
        bound = last + pkg.within_hours
        for d in sc.detainees_matching(pkg.detainees):
            left, earliest = f.remaining(d.id), f.detainee_earliest_release(d.id)
            if left and earliest is not None and earliest > bound:
                out.append(
                    f"[package] package {pkg.name}: {left} detainees of cohort {d.id} still to "
                    f"release after now_hour {f.now}, but a new round releases them at hour "
                    f"{earliest} at the earliest, after hour {bound} (last captive release "
                    f"{last} + within_hours {pkg.within_hours})"
                )
    return out


def _ratio_supply_facts(f: _Facts) -> list[str]:
    """Captives still to release whose ratio rules the detainees still held cannot meet.

    Every round must meet its ratios with its own detainees, so the rounds after
    now_hour together need an assignment of every detainee still held to every
    captive still held: the validator's per-round check on one round holding all of
    them is a necessary condition.
    """
    sc = f.sc
    captives = {c.id: f.remaining(c.id) for c in sc.captives if f.remaining(c.id)}
    if not f.new_rounds_possible or not any(
        sc.governing_ratio.get(cid) is not None for cid in captives
    ):
        return []
    detainees = {d.id: f.remaining(d.id) for d in sc.detainees if f.remaining(d.id)}
    rest = PlanRound(
        index=1,
        site=sc.sites[0].id,
        start_hour=0,
        end_hour=f.D,
        detainee_release_hour=f.D + f.lag_lo if detainees else None,
        captives=captives,
        detainees=detainees,
    )
    pooled = Plan(scenario=sc.name, status="feasible", engine="facts", rounds=[rest])
    out: list[str] = []
    for v in validate.validate(sc, pooled):
        if v.rule == "ratio":
            out.append(
                f"[ratio] plan: the captives still to release after now_hour {f.now} need "
                f"{v.numbers['needed']} matching detainees under ratio rules "
                f"{v.numbers['rules']}, but only {v.numbers['assigned']} of the detainees "
                "still to release can be assigned to them"
            )
    return out


def _deadline_words(deadline: int | None, horizon: int) -> str:
    if deadline is None or deadline >= horizon:
        return f"horizon_hours {horizon}"
    return f"its deadline_hour {deadline}"


# --------------------------------------------------------------------------- model


class ReplanModel(CpSatModel):
    """The scenario's CP-SAT model with the facts fixed and a ``disruption`` term.

    Added to :class:`planner.cpsat.CpSatModel`:

    - executed rounds in the first slots, fixed (active, start, site, every cohort
      count, release hour). Slots take them sorted by (start, site order), which the
      base model's tie-breaking between equal starts needs; the plan lists them as
      the execution file does;
    - every other slot, when active, starts at ``now_hour`` or later;
    - started phases fixed; the others start at ``now_hour`` or later, and no
      earlier than their ``earliest_start`` in the execution;
    - site closures: a new round at a closed site ends by ``from_hour`` or starts at
      ``until_hour`` or later;
    - ``terms["disruption"]`` (see :func:`disruption_of`), placed first or last in
      ``order``.
    """

    def __init__(
        self,
        scenario: Scenario,
        published: Plan,
        execution: Execution,
        *,
        disruption: Literal["first", "last"] = "first",
    ):
        self.published_plan = published
        self.execution = execution
        super().__init__(scenario)
        self.executed = len(execution.rounds)
        if self.executed > self.K:
            raise ValueError(f"{self.executed} executed rounds do not fit max_rounds {self.K}")
        self._fix_executed()
        self._after_now()
        self._fix_phases()
        self._site_closures()
        self._disruption()
        if disruption == "first":
            self.order = [DISRUPTION, *self.order]
        else:
            self.order = [*self.order, DISRUPTION]

    def _fix_executed(self) -> None:
        sc, m = self.sc, self.m
        site_index = {s.id: j for j, s in enumerate(sc.sites)}
        rounds = self.execution.rounds
        slots = sorted(
            range(len(rounds)), key=lambda i: (rounds[i].start_hour, site_index[rounds[i].site])
        )
        for k, i in enumerate(slots):
            r = rounds[i]
            m.add(self.active[k] == 1)
            m.add(self.start[k] == r.start_hour)
            for j in range(len(sc.sites)):
                m.add(self.at_site[k][j] == int(j == site_index[r.site]))
            for c in sc.captives:
                m.add(self.x[c.id, k] == r.captives.get(c.id, 0))
            for d in sc.detainees:
                m.add(self.z[d.id, k] == r.detainees.get(d.id, 0))
            if r.detainee_release_hour is not None:
                m.add(self.release[k] == r.detainee_release_hour)

    def _after_now(self) -> None:
        now = self.execution.now_hour
        for k in range(self.executed, self.K):
            self.m.add(self.start[k] >= now).only_enforce_if(self.active[k])

    def _fix_phases(self) -> None:
        ex = self.execution
        for p in self.sc.phases:
            if p.id in ex.started_phases:
                self.m.add(self.phase_start[p.id] == ex.started_phases[p.id])
            else:
                not_before = max(ex.now_hour, ex.late_phases.get(p.id, 0))
                self.m.add(self.phase_start[p.id] >= not_before)

    def _site_closures(self) -> None:
        m = self.m
        site_index = {s.id: j for j, s in enumerate(self.sc.sites)}
        for ci, closure in enumerate(self.execution.site_closures):
            j = site_index[closure.site]
            for k in range(self.executed, self.K):
                here = self.at_site[k][j]
                if closure.until_hour is None:
                    m.add(self.end[k] <= closure.from_hour).only_enforce_if(here)
                    continue
                before = m.new_bool_var(f"closure_before[{ci},{k}]")
                m.add(self.end[k] <= closure.from_hour).only_enforce_if([here, before])
                m.add(self.start[k] >= closure.until_hour).only_enforce_if([here, ~before])

    def _disruption(self) -> None:
        """Hours moved + people moved + sites changed over slots n..K-1 (exact values)."""
        sc, m = self.sc, self.m
        site_index = {s.id: j for j, s in enumerate(sc.sites)}
        published = canonical_rounds(sc, self.published_plan.rounds)
        hours, people, sites = [], [], []
        for k in range(self.executed, self.K):
            p = published[k] if k < len(published) else None
            if p is not None:
                # |start - published start| with start in [0, H]: the published plan is only
                # a reference (it need not pass the validator), so its hour may be anything.
                top = self.H + abs(p.start_hour)
                gap = m.new_int_var(0, top, f"moved_abs[{k}]")
                m.add_abs_equality(gap, self.start[k] - p.start_hour)
                moved = m.new_int_var(0, top, f"moved_hours[{k}]")
                m.add(moved == gap).only_enforce_if(self.active[k])
                m.add(moved == 0).only_enforce_if(~self.active[k])
                hours.append(moved)
                j = site_index.get(p.site)
                sites.append(
                    self.active[k] - self.at_site[k][j] if j is not None else self.active[k]
                )
            for cohorts, var, planned in (
                (sc.captives, self.x, p.captives if p else {}),
                (sc.detainees, self.z, p.detainees if p else {}),
            ):
                for c in cohorts:
                    target = planned.get(c.id, 0)
                    if target == 0:
                        people.append(var[c.id, k])
                        continue
                    diff = m.new_int_var(0, max(c.count, target), f"moved_people[{c.id},{k}]")
                    m.add_abs_equality(diff, var[c.id, k] - target)
                    people.append(diff)
        self.disruption_parts = {
            "hours_moved": sum(hours) if hours else m.new_constant(0),
            "people_moved": sum(people) if people else m.new_constant(0),
            "sites_changed": sum(sites) if sites else m.new_constant(0),
        }
        self.terms[DISRUPTION] = sum(self.disruption_parts.values())


# --------------------------------------------------------------------------- disruption


def canonical_rounds(scenario: Scenario, rounds: Sequence[PlanRound]) -> list[PlanRound]:
    """Rounds sorted by (start hour, site order in the scenario), a stable sort.

    The spec lets rounds with equal starts be listed in any order; the model lists
    them in site order, so comparing plans in this order makes the listing of ties
    in the published plan irrelevant.

    Parameters
    ----------
    scenario
        Gives the site order (unknown sites go last).
    rounds
        Plan rounds.

    Returns
    -------
    list[PlanRound]
    """
    order = {s.id: j for j, s in enumerate(scenario.sites)}
    return sorted(rounds, key=lambda r: (r.start_hour, order.get(r.site, len(order))))


@dataclass(frozen=True)
class Disruption:
    """How far the rounds after the executed ones moved from the published plan."""

    hours_moved: int
    people_moved: int
    sites_changed: int

    @property
    def total(self) -> int:
        return self.hours_moved + self.people_moved + self.sites_changed

    def to_json_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "hours_moved": self.hours_moved,
            "people_moved": self.people_moved,
            "sites_changed": self.sites_changed,
        }


def disruption_of(scenario: Scenario, published: Plan, plan: Plan, executed: int) -> Disruption:
    """The disruption term of a plan against the published plan.

    Both plans' rounds are put in :func:`canonical_rounds` order; then the rounds
    after the ``executed`` ones are paired by position: new round ``executed + i``
    with published round ``executed + i`` (only the first ``max_rounds`` published
    rounds count). For each pair, ``hours_moved`` adds ``|start - published start|``
    and ``sites_changed`` adds 1 when the site differs; for every position
    ``people_moved`` adds, per cohort of the scenario (captives and detainees),
    ``|count - published count|`` (a round missing on one side counts as empty).
    Moving one person from one round to another therefore counts 2; a round dropped
    or added counts its people, not its hours. The total is the sum of the three.

    Parameters
    ----------
    scenario, published, plan
        The scenario, the published plan and the new plan.
    executed
        Number of executed rounds (the first rounds of ``plan``).

    Returns
    -------
    Disruption
    """
    K = scenario.rounds.max_rounds
    new = canonical_rounds(scenario, plan.rounds[executed:])
    old = canonical_rounds(scenario, published.rounds)[executed:K]
    cohorts = [c.id for c in scenario.captives] + [d.id for d in scenario.detainees]
    hours = people = sites = 0
    for i in range(max(len(new), len(old))):
        a = new[i] if i < len(new) else None
        b = old[i] if i < len(old) else None
        if a is not None and b is not None:
            hours += abs(a.start_hour - b.start_hour)
            sites += int(a.site != b.site)
        counts_a = {**(a.captives if a else {}), **(a.detainees if a else {})}
        counts_b = {**(b.captives if b else {}), **(b.detainees if b else {})}
        people += sum(abs(counts_a.get(c, 0) - counts_b.get(c, 0)) for c in cohorts)
    return Disruption(hours, people, sites)


# --------------------------------------------------------------------------- scoreboard


@dataclass(frozen=True)
class Milestone:
    """One deadline or milestone on the scoreboard.

    ``state``: ``met`` (reached by the facts, in time), ``missed`` (the facts broke
    it, or it can no longer be reached in time), ``at_risk`` (open, and the new plan
    reaches it with less than the slack threshold to spare, or not at all, or there
    is no new plan) or ``on_track`` (open, the new plan reaches it with at least the
    threshold to spare). Hours: ``due_hour`` (for a package: last captive + window,
    from the facts or the new plan), ``done_hour`` (reached by the facts),
    ``planned_hour`` (reached in the new plan), ``published_hour`` (in the published
    plan), ``slack_hours`` = due - done (met, missed) or due - planned (open).
    """

    id: str
    kind: str
    label: str
    state: MilestoneState
    due_hour: int | None
    done_hour: int | None
    planned_hour: int | None
    published_hour: int | None
    slack_hours: int | None
    note: str

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "state": self.state,
            "due_hour": self.due_hour,
            "done_hour": self.done_hour,
            "planned_hour": self.planned_hour,
            "published_hour": self.published_hour,
            "slack_hours": self.slack_hours,
            "note": self.note,
        }


@dataclass(frozen=True)
class _Fact:
    """What the facts say about one milestone: closed (met/missed) or open."""

    state: Literal["met", "missed", "open"]
    due: int | None = None
    done: int | None = None
    note: str = ""


def _cohort_fact(
    events: list[tuple[int, int]], left: int, due: int, earliest: int | None, verb: str
) -> _Fact:
    late = [h for h, _ in events if h > due]
    if late:
        return _Fact("missed", due, max(late), f"{verb} at hour {max(late)}, after hour {due}")
    if left == 0:
        return _Fact("met", due, max(h for h, _ in events), f"all {verb} by the facts")
    if earliest is None:
        return _Fact("missed", due, None, f"{left} still to release; no new round can come")
    if earliest > due:
        return _Fact(
            "missed",
            due,
            None,
            f"{left} still to release; a new round gets there at hour {earliest} at the earliest",
        )
    return _Fact("open", due, None, f"{left} still to release")


def _milestone_fact(f: _Facts, spec_id: str, kind: str) -> _Fact:
    """Classify one milestone from the facts alone."""
    sc = f.sc
    if kind == "captive_deadline":
        cid = spec_id.split(":", 1)[1]
        return _cohort_fact(
            f.cap_events.get(cid, []),
            f.remaining(cid),
            sc.captive_deadline[cid],
            f.captive_earliest_end(cid),
            "released",
        )
    if kind == "detainee_deadline":
        did = spec_id.split(":", 1)[1]
        return _cohort_fact(
            f.det_events.get(did, []),
            f.remaining(did),
            sc.detainee_deadline[did],
            f.detainee_earliest_release(did),
            "released",
        )
    if kind == "phase_deadline":
        pid = spec_id.split(":", 1)[1]
        due = sc.phase_by_id[pid].deadline_hour
        end = f.phase_earliest_end(pid)
        if pid in f.started:
            running = " (still running)" if end > f.now else ""
            if end > due:
                return _Fact("missed", due, end, f"ends at hour {end}{running}")
            return _Fact("met", due, end, f"started at hour {f.started[pid]}{running}")
        if end > due:
            return _Fact("missed", due, None, f"not started; ends at hour {end} at the earliest")
        return _Fact("open", due, None, "not started")
    if kind == "phase_condition":
        pid, j = spec_id.split(":", 1)[1].rsplit(":", 1)  # phase ids may hold colons
        p = sc.phase_by_id[pid]
        cond = p.after[int(j) - 1]
        due = _phase_limit(p, sc.horizon_hours) - p.duration_hours - cond.lag_hours
        events, future, need = _condition_events(f, cond)
        reached = validate.first_reached(events, need)
        if pid in f.started:
            s = f.started[pid]
            if reached is not None and reached + cond.lag_hours <= s:
                if reached > due:
                    return _Fact(
                        "missed", due, reached, f"reached at hour {reached}, after hour {due}"
                    )
                return _Fact("met", due, reached, f"held when the phase started at hour {s}")
            if _after(future, s - cond.lag_hours):
                return _Fact(
                    "missed", due, reached, f"the phase started at hour {s} before it held"
                )
            return _Fact("open", due, None, f"the phase started at hour {s}")
        if reached is not None:
            if reached <= due:
                return _Fact("met", due, reached, f"reached at hour {reached}")
            return _Fact("missed", due, reached, f"reached at hour {reached}, after hour {due}")
        if future is None:
            return _Fact("missed", due, None, "the facts are all there is, and they fall short")
        if future > due:
            return _Fact(
                "missed", due, None, f"a new release comes at hour {future} at the earliest"
            )
        return _Fact("open", due, None, "not reached yet")
    if kind == "package":
        name = spec_id.split(":", 1)[1]
        pkg = next(p for p in sc.packages if p.name == name)
        caps = sc.captives_matching(pkg.captives)
        dets = sc.detainees_matching(pkg.detainees)
        if any(f.remaining(c.id) for c in caps):
            return _Fact("open", None, None, "captives still to release")
        bound = max(h for c in caps for h, _ in f.cap_events.get(c.id, [])) + pkg.within_hours
        out = [h for d in dets for h, _ in f.det_events.get(d.id, [])]
        late = [h for h in out if h > bound]
        if late:
            return _Fact("missed", bound, max(late), f"detainees released at hour {max(late)}")
        left = sum(f.remaining(d.id) for d in dets)
        if left == 0:
            return _Fact("met", bound, max(out, default=None), "all released by the facts")
        earliest = _earliest(f.detainee_earliest_release(d.id) for d in dets if f.remaining(d.id))
        if earliest is None:
            return _Fact("missed", bound, None, f"{left} detainees left; no new round can come")
        if earliest > bound:
            return _Fact(
                "missed",
                bound,
                None,
                f"{left} detainees left; a new release comes at hour {earliest} at the earliest",
            )
        return _Fact("open", bound, None, f"{left} detainees still to release")
    # horizon
    H = sc.horizon_hours
    facts = facts_plan(sc, f.ex)
    done = validate.objective_values(sc, facts)["makespan"]
    if done > H:
        return _Fact("missed", H, done, f"the facts reach hour {done}")
    left = sum(f.remaining(i) for i in f.count)
    unstarted = [p.id for p in sc.phases if p.id not in f.started]
    if left == 0 and not unstarted:
        return _Fact("met", H, done, "everything done by the facts")
    bounds = [f.captive_earliest_end(c.id) for c in sc.captives if f.remaining(c.id)]
    bounds += [f.detainee_earliest_release(d.id) for d in sc.detainees if f.remaining(d.id)]
    bounds += [f.phase_earliest_end(pid) for pid in unstarted]
    if any(b is None for b in bounds):
        return _Fact("missed", H, None, f"{left} people still to release and no new round can come")
    latest = max(bounds)
    if latest > H:
        return _Fact(
            "missed", H, None, f"something still to go ends at hour {latest} at the earliest"
        )
    return _Fact("open", H, None, f"{left} people and {len(unstarted)} phases still to go")


def scoreboard(
    scenario: Scenario,
    published: Plan,
    execution: Execution,
    new_plan: Plan | None = None,
    *,
    slack_hours: int = DEFAULT_SLACK_HOURS,
) -> list[Milestone]:
    """Deadlines and milestones: met, missed, at risk or on track.

    Parameters
    ----------
    scenario
        The scenario.
    published
        The published plan (its hours are shown for comparison).
    execution
        The facts.
    new_plan
        The complete plan after re-planning (facts first), or ``None`` when there is
        none (every open milestone is then at risk).
    slack_hours
        An open milestone that the new plan reaches with less than this many hours to
        spare is at risk (default 24).

    Returns
    -------
    list[Milestone]
        In the order of :func:`planner.stress.milestone_specs`.
    """
    f = _Facts(scenario, execution)
    planned = milestone_hours(scenario, new_plan) if new_plan is not None else {}
    before = milestone_hours(scenario, published) if published.rounds else {}
    out: list[Milestone] = []
    for spec in milestone_specs(scenario):
        fact = _milestone_fact(f, spec.id, spec.kind)
        hour, due = planned.get(spec.id, (None, None))
        published_hour = before.get(spec.id, (None, None))[0]
        if fact.state != "open":
            slack = None if fact.due is None or fact.done is None else fact.due - fact.done
            out.append(
                Milestone(
                    spec.id,
                    spec.kind,
                    spec.label,
                    fact.state,
                    fact.due,
                    fact.done,
                    hour,
                    published_hour,
                    slack,
                    fact.note,
                )
            )
            continue
        due = fact.due if due is None else due
        if new_plan is None:
            state, slack, note = "at_risk", None, f"{fact.note}; no new plan"
        elif hour is None or due is None or hour > due:
            state, slack, note = "at_risk", None, f"{fact.note}; the new plan does not meet it"
            if hour is not None and due is not None:
                slack = due - hour
        else:
            slack = due - hour
            if slack < slack_hours:
                state, note = "at_risk", f"{fact.note}; {slack} h to spare, below {slack_hours} h"
            else:
                state, note = "on_track", f"{fact.note}; {slack} h to spare"
        out.append(
            Milestone(
                spec.id, spec.kind, spec.label, state, due, None, hour, published_hour, slack, note
            )
        )
    return out


# --------------------------------------------------------------------------- replan


@dataclass(frozen=True)
class ReplanResult:
    """The outcome of a replan.

    ``plan`` is the complete plan (the executed rounds first, unchanged, then the new
    ones); ``plan.manifest["replan"]`` records ``now_hour``, the number of executed
    rounds, the disruption and its position in the objective. ``broken`` names the
    facts that break rules (status ``infeasible``), or says that no plan for the rest
    exists although the facts break none.
    """

    plan: Plan
    violations: list[validate.Violation]
    executed: int
    disruption: Disruption | None
    broken: list[str]
    scoreboard: list[Milestone]
    stages: list[StageOutcome] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.plan.status

    @property
    def has_plan(self) -> bool:
        return self.plan.has_plan

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON data: plan, scoreboard, disruption, broken facts, violations."""
        return {
            "status": self.status,
            "executed_rounds": self.executed,
            "disruption": None if self.disruption is None else self.disruption.to_json_dict(),
            "broken": list(self.broken),
            "scoreboard": [m.to_json_dict() for m in self.scoreboard],
            "violations": [str(v) for v in self.violations],
            "plan": self.plan.to_json_dict(),
        }


def replan(
    scenario: Scenario,
    published: Plan,
    execution: Execution,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    deterministic: bool = False,
    disruption: Literal["first", "last"] = "first",
    slack_hours: int = DEFAULT_SLACK_HOURS,
    on_progress: ProgressFn | None = None,
    stop: threading.Event | None = None,
) -> ReplanResult:
    """Re-plan the rest of an exchange with the facts fixed, close to the published plan.

    Parameters
    ----------
    scenario
        The scenario (loaded and cross-checked).
    published
        The published plan: the reference for the disruption term.
    execution
        What happened up to ``execution.now_hour``.
    time_limit, seed, workers, deterministic
        As for :func:`planner.solve.solve` (CP-SAT).
    disruption
        ``"first"`` (default): minimise the disruption before the scenario's
        objective terms (stay as close as possible to the published plan, then
        release as early as possible); ``"last"``: after them (the best plan for the
        rest, the least disruptive among equals).
    slack_hours
        Threshold of the scoreboard's ``at_risk`` state.
    on_progress, stop
        As for :func:`planner.solve.solve`.

    Returns
    -------
    ReplanResult
        Status ``optimal``/``feasible`` with the complete plan; ``infeasible`` when the
        facts break a rule (``broken`` names them) or no plan for the rest exists;
        ``unknown`` when no plan was found in time. The plan passes the validator
        (``violations`` empty) unless there is a bug.

    Raises
    ------
    InputError
        The plan or the execution do not belong to the scenario (see
        :func:`models.execution.check_replan_inputs`).
    ValueError
        ``disruption`` is neither ``"first"`` nor ``"last"``.
    """
    if disruption not in ("first", "last"):
        raise ValueError(f"disruption must be 'first' or 'last', not '{disruption}'")
    for source, problems in (
        ("<plan>", published_problems(scenario, published)),
        ("<execution>", execution_problems(scenario, execution)),
    ):
        if problems:
            raise InputError(source, problems)
    options = SolveOptions(
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        deterministic=deterministic,
        on_progress=on_progress,
        stop=stop,
    )
    t0 = time.monotonic()
    executed = len(execution.rounds)
    broken = broken_facts(scenario, execution)
    if broken:
        outcome = EngineOutcome(status="infeasible", engine_version=CpSatEngine().version())
    else:
        outcome = CpSatEngine().solve(
            scenario,
            options,
            build=lambda sc: ReplanModel(sc, published, execution, disruption=disruption),
        )
        if outcome.status == "infeasible":
            broken = [
                "[replan] plan: the facts break no rule on their own, but no plan for the "
                "rounds after now_hour meets every rule (with the site closures and late "
                "phases given)"
            ]
    wall = time.monotonic() - t0
    plan = _assemble(scenario, published, execution, outcome, options, wall, disruption)
    moved = disruption_of(scenario, published, plan, executed) if plan.has_plan else None
    if moved is not None:
        manifest = dict(plan.manifest or {})
        manifest["replan"] = dict(manifest["replan"], disruption=moved.to_json_dict())
        plan = plan.model_copy(update={"manifest": manifest})
    return ReplanResult(
        plan=plan,
        violations=validate.validate(scenario, plan),
        executed=executed,
        disruption=moved,
        broken=broken,
        scoreboard=scoreboard(
            scenario,
            published,
            execution,
            plan if plan.has_plan else None,
            slack_hours=slack_hours,
        ),
        stages=list(outcome.stages),
        stats=dict(outcome.stats, wall_seconds=round(wall, 3)),
    )


def _assemble(
    scenario: Scenario,
    published: Plan,
    execution: Execution,
    outcome: EngineOutcome,
    options: SolveOptions,
    wall: float,
    position: str,
) -> Plan:
    """The complete plan: executed rounds as recorded, then the new rounds, then extras."""
    executed = len(execution.rounds)
    rounds = list(facts_plan(scenario, execution).rounds)
    for r in outcome.rounds[executed:]:
        rounds.append(r.model_copy(update={"index": len(rounds) + 1}))
    replan_info = {
        "now_hour": execution.now_hour,
        "executed_rounds": executed,
        "disruption_position": position,
        "published_scenario": published.scenario,
    }
    return assemble_plan(
        scenario,
        "cpsat",
        outcome,
        options,
        wall,
        rounds=rounds,
        manifest_extra={"replan": replan_info},
    )


# --------------------------------------------------------------------------- text


def _h(value: int | None) -> str:
    return "-" if value is None else str(value)


def render_scoreboard(
    milestones: Sequence[Milestone], slack_hours: int = DEFAULT_SLACK_HOURS
) -> str:
    """The scoreboard as a table for the terminal.

    Parameters
    ----------
    milestones
        From :func:`scoreboard`.
    slack_hours
        The threshold used, named in the heading.

    Returns
    -------
    str
    """
    rows = [
        [
            m.label,
            m.state.replace("_", " "),
            _h(m.due_hour),
            _h(m.done_hour),
            _h(m.planned_hour),
            _h(m.published_hour),
            _h(m.slack_hours),
        ]
        for m in milestones
    ]
    counts = {
        s: sum(m.state == s for m in milestones) for s in ("met", "missed", "at_risk", "on_track")
    }
    head = (
        f"Scoreboard: {counts['met']} met, {counts['missed']} missed, {counts['at_risk']} at risk, "
        f"{counts['on_track']} on track (at risk: less than {slack_hours} h to spare)"
    )
    table = report_table(
        ["milestone", "state", "due", "done", "planned", "published", "slack"], rows
    )
    return "\n".join([head, "", *table])


def render_replan(
    result: ReplanResult, scenario: Scenario, slack_hours: int = DEFAULT_SLACK_HOURS
) -> str:
    """Header, broken facts (if any), scoreboard and the new plan, for the terminal.

    Parameters
    ----------
    result
        From :func:`replan`.
    scenario
        Its scenario.
    slack_hours
        The scoreboard threshold used.

    Returns
    -------
    str
    """

    info = (result.plan.manifest or {}).get("replan", {})
    lines = [
        f"Replan of '{scenario.name}' at hour {info.get('now_hour')}: {result.status}; "
        f"{result.executed} executed rounds" + (" kept as they happened" if result.has_plan else "")
    ]
    if result.disruption is not None:
        d = result.disruption
        lines.append(
            f"Disruption against the published plan ({info.get('disruption_position')} in the "
            f"objective): {d.total} = {d.hours_moved} hours moved + {d.people_moved} people "
            f"moved + {d.sites_changed} sites changed"
        )
    if result.broken:
        lines.append("")
        lines.append("No plan: these facts or rules cannot all hold:")
        lines += [f"  {line}" for line in result.broken]
    lines += [
        "",
        render_scoreboard(result.scoreboard, slack_hours),
        "",
        render_plan(result.plan, scenario),
    ]
    return "\n".join(lines)
