"""Exact CP-SAT model of scenario format v1 and its lexicographic solve.

One small method per rule family of the spec, named after the rule. Round
slots k = 0..K-1 (K = max_rounds) are used as a prefix: slot k is active iff
k < number of rounds, active starts are sorted, and an inactive slot copies the
start of the slot before it, so every round-indexed sequence (starts, ends)
is non-decreasing. ``docs/model.md`` explains why each rule is exact.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import ortools
from ortools.sat.python import cp_model

from models.plan import PhaseTimes, PlanRound
from models.scenario import Captive, Detainee, Scenario, matches
from planner.engine import EngineOutcome, ModelTooLargeError, Progress, SolveOptions, StageOutcome

# Up to this many days, open hours are also written into the start variables' domains.
MAX_DAYS_AS_DOMAIN = 5000

_STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
    cp_model.MODEL_INVALID: "invalid",
}


def relaxed_size(scenario: Scenario) -> tuple[int, int]:
    """Round slots and horizon of the explain model: room enough to lift ``rounds``/``horizon``.

    Every round releases a captive, so more slots than captives are never needed (capped
    to keep the model small). The horizon grows to fit every explicit deadline, ready
    hour and phase bound, plus every slot one full gap, window and lag apart.
    """
    sc = scenario
    captives = sum(c.count for c in sc.captives)
    k = min(captives, max(2 * sc.rounds.max_rounds, sc.rounds.max_rounds + 4))
    k = max(k, sc.rounds.max_rounds)
    hours = [sc.horizon_hours]
    hours += [c.ready_hour for c in sc.captives] + [d.ready_hour for d in sc.detainees]
    hours += [c.deadline_hour or 0 for c in sc.captives]
    hours += [d.deadline_hour or 0 for d in sc.detainees]
    hours += [p.earliest_start for p in sc.phases] + [p.deadline_hour or 0 for p in sc.phases]
    r = sc.rounds
    step = max(r.min_gap_hours, r.duration_hours) + r.detainee_lag_hours[1] + 24
    phases = sum(p.duration_hours + sum(a.lag_hours for a in p.after) for p in sc.phases)
    within = max((pkg.within_hours for pkg in sc.packages), default=0)
    return k, max(hours) + k * step + phases + within + r.duration_hours + 24


class CpSatModel:
    """Builds the CP-SAT model of one scenario; ``terms`` holds the objective expressions.

    With ``explain=True`` every negotiable rule instance is enforced only under its own
    literal in ``guards`` (named as in :mod:`planner.explain`: ``ratio:<name>``,
    ``deadline:<cohort>``, ``horizon``, ...), so that solving under assumptions finds
    which rules conflict. Lifting ``horizon`` or ``rounds`` needs room the exact model
    does not have, so that model has more round slots and a longer time axis
    (:func:`relaxed_size`), closed off by those two guards; it has no objective.
    """

    def __init__(self, scenario: Scenario, explain: bool = False):
        self.sc = scenario
        self.m = cp_model.CpModel()
        self.explain = explain
        self.guards: dict[str, cp_model.IntVar] = {}
        self.K0 = scenario.rounds.max_rounds
        self.H0 = scenario.horizon_hours
        self.K, self.H = relaxed_size(scenario) if explain else (self.K0, self.H0)
        self.D = scenario.rounds.duration_hours
        self.terms: dict[str, cp_model.LinearExprT] = {}
        # Lexicographic order of the terms; a subclass may put terms of its own first.
        self.order: list[str] = list(scenario.objective_terms)
        self._flow_out: dict[tuple[str, int], list[cp_model.IntVar]] = {}
        self._variables()
        self._rounds_sequence()
        self._open_hours()
        self._sites()
        self._completeness()
        self._captive_eligibility()
        self._detainee_eligibility()
        self._site_capacity()
        self._teams_and_site_overlap()
        self._reception()
        self._facility_capacity()
        self._vehicle_trips()
        self._ratios_per_round()
        self._packages()
        self._phases()
        self._zone_opening()
        self._priority()
        if explain:
            self._horizon_guard()
        else:
            self._objective_terms()

    def _g(self, rule: str) -> list[cp_model.IntVar]:
        """Enforcement literals of one rule instance: none in the exact model."""
        if not self.explain:
            return []
        if rule not in self.guards:
            self.guards[rule] = self.m.new_bool_var(f"rule[{rule}]")
        return [self.guards[rule]]

    def _never(self, rule: str) -> None:
        """The rule alone cannot hold (no plan exists while it is in force)."""
        self.m.add_bool_or([~g for g in self._g(rule)])

    def _horizon_guard(self) -> None:
        """Completeness: e_k, r_k and phase ends <= horizon (explain model only)."""
        m, H = self.m, self.H0
        for k in range(self.K):
            m.add(self.end[k] <= H).only_enforce_if(self.active[k], *self._g("horizon"))
            m.add(self.release[k] <= H).only_enforce_if(self.moves[k], *self._g("horizon"))
        for p in self.sc.phases:
            m.add(self.phase_start[p.id] + p.duration_hours <= H).only_enforce_if(
                self._g("horizon")
            )

    # ------------------------------------------------------------------ variables

    def _variables(self) -> None:
        """Round slots, their sites, per-round cohort counts with exact presence literals."""
        m, K, sc = self.m, self.K, self.sc
        lag_lo, lag_hi = sc.rounds.detainee_lag_hours
        last_start = self.H - self.D
        if last_start < 0:
            # No handover window fits in the horizon: no plan exists.
            m.add_bool_or([])
            last_start = 0
        self.active = [m.new_bool_var(f"active[{k}]") for k in range(K)]
        self.start_domain = self._start_domain(last_start)
        self.start = [m.new_int_var_from_domain(self.start_domain, f"start[{k}]") for k in range(K)]
        self.end = [s + self.D for s in self.start]
        self.release = [
            m.new_int_var(0, last_start + self.D + lag_hi, f"release[{k}]") for k in range(K)
        ]
        for k in range(K):
            m.add(self.release[k] >= self.end[k] + lag_lo)
            m.add(self.release[k] <= self.end[k] + lag_hi)
        self.at_site = [
            [m.new_bool_var(f"site[{k},{j}]") for j in range(len(sc.sites))] for k in range(K)
        ]
        self.x: dict[tuple[str, int], cp_model.IntVar] = {}
        self.u: dict[tuple[str, int], cp_model.IntVar] = {}
        for c in sc.captives:
            for k in range(K):
                self.x[c.id, k], self.u[c.id, k] = self._count_with_presence(c.id, k, c.count)
        self.z: dict[tuple[str, int], cp_model.IntVar] = {}
        self.v: dict[tuple[str, int], cp_model.IntVar] = {}
        for d in sc.detainees:
            for k in range(K):
                self.z[d.id, k], self.v[d.id, k] = self._count_with_presence(d.id, k, d.count)
        self.moves = [m.new_bool_var(f"moves[{k}]") for k in range(K)]
        for k in range(K):
            m.add_max_equality(self.moves[k], [self.v[d.id, k] for d in sc.detainees] or [0])

    def _count_with_presence(self, cid: str, k: int, count: int):
        """A count variable and a literal that is true exactly when the count is positive."""
        n = self.m.new_int_var(0, count, f"n[{cid},{k}]")
        p = self.m.new_bool_var(f"p[{cid},{k}]")
        self.m.add(n >= 1).only_enforce_if(p)
        self.m.add(n == 0).only_enforce_if(~p)
        self.m.add_implication(p, self.active[k])
        return n, p

    # ------------------------------------------------------------------ rounds

    def _rounds_sequence(self) -> None:
        """Rounds: 1..max_rounds of them, in start order, min_gap apart, each with a captive."""
        m, K = self.m, self.K
        gap = self.sc.rounds.min_gap_hours
        m.add(self.active[0] == 1)
        for k in range(1, K):
            m.add_implication(self.active[k], self.active[k - 1])
            m.add(self.start[k] >= self.start[k - 1]).only_enforce_if(self.active[k])
            if gap > 0:
                m.add(self.start[k] >= self.start[k - 1] + gap).only_enforce_if(
                    self.active[k], *self._g("rounds")
                )
            m.add(self.start[k] == self.start[k - 1]).only_enforce_if(~self.active[k])
            m.add(self.release[k] == self.release[k - 1]).only_enforce_if(~self.active[k])
        for k in range(K):
            m.add(sum(self.x[c.id, k] for c in self.sc.captives) >= 1).only_enforce_if(
                self.active[k]
            )
        for k in range(self.K0, K):  # slots beyond max_rounds exist only to lift `rounds`
            m.add(self.active[k] == 0).only_enforce_if(self._g("rounds"))

    def _start_domain(self, last_start: int) -> cp_model.Domain:
        """Hours a round may start: [0, H - D], cut to the open hours when they are few days."""
        oh = self.sc.rounds.open_hours
        if oh is None or self.H // 24 > MAX_DAYS_AS_DOMAIN or self.explain:
            return cp_model.Domain(0, last_start)
        a, b = oh
        hi = min(b - self.D, 23)
        spans = [
            [24 * d + a, min(24 * d + hi, last_start)]
            for d in range(last_start // 24 + 1)
            if 24 * d + a <= last_start
        ]
        if not spans or a > hi:
            # No start fits; _open_hours records the contradiction, the domain stays valid.
            return cp_model.Domain(0, last_start)
        return cp_model.Domain.from_intervals(spans)

    def _open_hours(self) -> None:
        """Open hours: a <= s_k mod 24 and (s_k mod 24) + duration <= b."""
        oh = self.sc.rounds.open_hours
        if oh is None:
            return
        a, b = oh
        last_start = max(self.H - self.D, 0)
        if b - self.D < a or a > last_start:
            self._never("open_hours")  # no window fits in the open hours within the horizon
            return
        for k in range(self.K):
            day = self.m.new_int_var(0, self.H // 24 + 1, f"start_day[{k}]")
            hour = self.m.new_int_var(a, min(b - self.D, 23), f"start_hour[{k}]")
            self.m.add(self.start[k] == 24 * day + hour).only_enforce_if(self._g("open_hours"))

    def _sites(self) -> None:
        """Each active round has exactly one site; tied starts list their sites in order."""
        m = self.m
        for k in range(self.K):
            m.add(sum(self.at_site[k]) == self.active[k])
        if len(self.sc.sites) == 1:
            return
        # Rounds with equal starts may be listed in any order (spec), so fixing the order
        # by site index removes only relabelled copies of the same plan.
        ordinal = [sum(j * y for j, y in enumerate(row)) for row in self.at_site]
        step = 1 if self.D > 0 else 0  # zero-length rounds may share a site and an hour
        for k in range(1, self.K):
            later = m.new_bool_var(f"later[{k}]")
            m.add(self.start[k] >= self.start[k - 1] + 1).only_enforce_if(later)
            m.add(ordinal[k] >= ordinal[k - 1] + step).only_enforce_if(~later, self.active[k])

    def _completeness(self) -> None:
        """Completeness: every captive and detainee released once; releases within the horizon."""
        m = self.m
        for c in self.sc.captives:
            m.add(sum(self.x[c.id, k] for k in range(self.K)) == c.count)
        for d in self.sc.detainees:
            m.add(sum(self.z[d.id, k] for k in range(self.K)) == d.count)
        if not self.explain:  # the explain model checks the horizon under its guard
            for k in range(self.K):
                m.add(self.release[k] <= self.H).only_enforce_if(self.moves[k])

    def _captive_eligibility(self) -> None:
        """Captive eligibility: ready, deadline and the site serving the cohort's zone."""
        m, sc = self.m, self.sc
        for c in sc.captives:
            for k in range(self.K):
                u = self.u[c.id, k]
                self._window(c, self.start[k], self.end[k], sc.captive_deadline[c.id], u)
                for j, site in enumerate(sc.sites):
                    if not sc.site_serves(site, c):
                        m.add_bool_or([~u, ~self.at_site[k][j]])

    def _detainee_eligibility(self) -> None:
        """Detainee eligibility: ready_hour <= r_k <= deadline_hour."""
        sc = self.sc
        for d in sc.detainees:
            for k in range(self.K):
                release = self.release[k]
                self._window(d, release, release, sc.detainee_deadline[d.id], self.v[d.id, k])

    def _window(self, cohort, first, last, deadline: int, present) -> None:
        """A cohort present in a slot: ``first`` >= its ready hour, ``last`` <= its deadline.

        In the explain model a deadline left at its default (the horizon) is no rule of
        its own: the horizon guard covers it.
        """
        if cohort.ready_hour > 0:
            self.m.add(first >= cohort.ready_hour).only_enforce_if(
                present, *self._g(f"ready:{cohort.id}")
            )
        if not self.explain or cohort.deadline_hour is not None:
            self.m.add(last <= deadline).only_enforce_if(present, *self._g(f"deadline:{cohort.id}"))

    # ------------------------------------------------------------------ capacity

    def _captives_in_round(self, k: int, cohorts: list[Captive] | None = None):
        return sum(self.x[c.id, k] for c in (self.sc.captives if cohorts is None else cohorts))

    def _site_capacity(self) -> None:
        """Capacity: captives in a round <= its site's max_captives_per_round."""
        for j, site in enumerate(self.sc.sites):
            if site.max_captives_per_round is None:
                continue
            for k in range(self.K):
                self.m.add(
                    self._captives_in_round(k) <= site.max_captives_per_round
                ).only_enforce_if(self.at_site[k][j], *self._g(f"site:{site.id}"))

    def _teams_and_site_overlap(self) -> None:
        """Capacity: overlapping handover windows <= teams.count, never two at one site."""
        sc, m = self.sc, self.m
        # Windows are compared as open intervals, so a zero-length window overlaps nothing,
        # and starts min_gap_hours >= duration apart never overlap.
        gap_holds = sc.rounds.min_gap_hours >= self.D and not self.explain
        if self.D == 0 or gap_holds or self.K == 1:
            return
        if sc.teams is not None and sc.teams.count < self.K:
            windows = [
                m.new_optional_fixed_size_interval_var(
                    self.start[k], self.D, self._counted(k, "teams"), f"w[{k}]"
                )
                for k in range(self.K)
            ]
            m.add_cumulative(windows, [1] * self.K, sc.teams.count)
        for j in range(len(sc.sites)):
            at_site = [
                m.new_optional_fixed_size_interval_var(
                    self.start[k], self.D, self.at_site[k][j], f"ws[{k},{j}]"
                )
                for k in range(self.K)
            ]
            m.add_no_overlap(at_site)

    def _counted(self, k: int, rule: str) -> cp_model.IntVar:
        """Slot k is active and (explain model) ``rule`` is in force."""
        if not self.explain:
            return self.active[k]
        both = self.m.new_bool_var(f"counted[{rule},{k}]")
        g = self._g(rule)[0]
        self.m.add_bool_and([self.active[k], g]).only_enforce_if(both)
        self.m.add_bool_or([~self.active[k], ~g, both])
        return both

    def _reception(self) -> None:
        """Capacity: living captives with e_k in one day <= reception.max_living_per_day."""
        sc, m = self.sc, self.m
        if sc.reception is None:
            return
        cap = sc.reception.max_living_per_day
        living = [c for c in sc.captives if c.status == "living"]
        if sum(c.count for c in living) <= cap:
            return
        per_round = [self._captives_in_round(k, living) for k in range(self.K)]
        day = self._day_vars(self.end, "end_day")
        # Ends are non-decreasing in k, so the rounds ending on one day are a block k..l.
        g = self._g("reception")
        for k in range(self.K):
            m.add(per_round[k] <= cap).only_enforce_if(g)
            for j in range(k + 1, self.K):
                same = m.new_bool_var(f"same_end_day[{k},{j}]")
                m.add(day[j] >= day[k] + 1).only_enforce_if(~same)
                m.add(sum(per_round[k : j + 1]) <= cap).only_enforce_if(same, *g)

    def _day_vars(self, hours, name: str) -> list[cp_model.IntVar]:
        """Day index of each hour expression: 24 d <= h <= 24 d + 23."""
        out = []
        top = (self.H + self.sc.rounds.detainee_lag_hours[1]) // 24 + 1
        for k, h in enumerate(hours):
            d = self.m.new_int_var(0, top, f"{name}[{k}]")
            self.m.add(24 * d <= h)
            self.m.add(h <= 24 * d + 23)
            out.append(d)
        return out

    def _facility_capacity(self) -> None:
        """Capacity: detainees from a facility with r_k in one day <= max_releases_per_day."""
        sc, m = self.sc, self.m
        limited = []
        for f in sc.facilities:
            cohorts = [d for d in sc.detainees if d.facility == f.id]
            total = sum(d.count for d in cohorts)
            if f.max_releases_per_day is not None and total > f.max_releases_per_day:
                limited.append((f, cohorts, total))
        if not limited:
            return
        day = self._day_vars(self.release, "release_day")
        same: dict[tuple[int, int], cp_model.IntVar] = {}
        for k in range(self.K):
            for j in range(k + 1, self.K):
                s = m.new_bool_var(f"same_release_day[{k},{j}]")
                m.add(day[k] != day[j]).only_enforce_if(~s)
                same[k, j] = same[j, k] = s
        for f, cohorts, total in limited:
            out = [sum(self.z[d.id, k] for d in cohorts) for k in range(self.K)]
            for k in range(self.K):
                shared = []
                for j in range(self.K):
                    if j == k:
                        continue
                    g = m.new_int_var(0, total, f"same_day_out[{f.id},{k},{j}]")
                    m.add(g >= out[j]).only_enforce_if(same[k, j])
                    shared.append(g)
                m.add(out[k] + sum(shared) <= f.max_releases_per_day).only_enforce_if(
                    self._g(f"facility:{f.id}")
                )

    def _vehicle_trips(self) -> None:
        """Capacity: ceil(n/seats) trips per round and route, busy [r_k, r_k + 2h), <= vehicles."""
        sc, m = self.sc, self.m
        if sc.vehicles is None:
            return
        seats = sc.vehicles.seats
        by_route: dict[tuple[str, str], list[Detainee]] = {}
        for d in sc.detainees:
            by_route.setdefault((d.facility, d.destination), []).append(d)
        intervals, demands = [], []
        for route, cohorts in by_route.items():
            hours = sc.route_hours[route]
            total = sum(d.count for d in cohorts)
            for k in range(self.K):
                trips = m.new_int_var(0, math.ceil(total / seats), f"trips[{route},{k}]")
                m.add(trips * seats >= sum(self.z[d.id, k] for d in cohorts)).only_enforce_if(
                    self._g("vehicles")
                )
                if hours == 0:
                    continue  # a trip of zero hours is never busy
                intervals.append(
                    m.new_fixed_size_interval_var(self.release[k], 2 * hours, f"trip[{route},{k}]")
                )
                demands.append(trips)
        if intervals:
            m.add_cumulative(intervals, demands, sc.vehicles.count)

    # ------------------------------------------------------------------ ratios and packages

    def _ratios_per_round(self) -> None:
        """Ratios, per round: a flow of detainees into every governed captive's slots."""
        sc, m = self.sc, self.m
        for ri, rule in enumerate(sc.ratios):
            governed = [c for c in sc.captives if sc.governing_ratio[c.id] == ri]
            if not governed:
                continue
            eligible = [d for d in sc.detainees if matches(rule.from_, d)]
            # One slot per of_which item, one for the rest: (per captive, cohorts it accepts).
            slots = [
                (ow.count, [d for d in eligible if matches(ow.from_, d)]) for ow in rule.of_which
            ]
            rest = rule.per_captive - sum(ow.count for ow in rule.of_which)
            if rest > 0:
                slots.append((rest, eligible))
            g = self._g(f"ratio:{rule.name}")
            for k in range(self.K):
                n = self._captives_in_round(k, governed)
                # Redundant but tightening: all slots together need per_captive each from `from`.
                m.add(
                    sum(self.z[d.id, k] for d in eligible) >= rule.per_captive * n
                ).only_enforce_if(g)
                for si, (per, accepted) in enumerate(slots):
                    self._slot_flow(f"{ri},{si}", k, n, per, accepted, g)
        # Each detainee serves at most one captive: flows out of a cohort fit its count.
        for (did, k), flows in self._flow_out.items():
            m.add(sum(flows) <= self.z[did, k])

    def _slot_flow(self, slot: str, k: int, n, per: int, accepted: list[Detainee], g) -> None:
        """One slot of one rule in one round receives per x n detainees it accepts."""
        if not accepted:
            self.m.add(n == 0).only_enforce_if(g)
            return
        flows = []
        for d in accepted:
            f = self.m.new_int_var(0, d.count, f"flow[{slot},{d.id},{k}]")
            self._flow_out.setdefault((d.id, k), []).append(f)
            flows.append(f)
        self.m.add(sum(flows) >= per * n).only_enforce_if(g)

    def _packages(self) -> None:
        """Packages: matching detainees released <= within_hours after the last matching captive."""
        sc, m = self.sc, self.m
        for pi, pkg in enumerate(sc.packages):
            caps = sc.captives_matching(pkg.captives)
            last = self._last_release(caps, f"pkg_last[{pi}]")
            for d in sc.detainees_matching(pkg.detainees):
                for k in range(self.K):
                    m.add(self.release[k] <= last + pkg.within_hours).only_enforce_if(
                        self.v[d.id, k], *self._g(f"package:{pkg.name}")
                    )

    def _last_release(self, cohorts: list[Captive], name: str) -> cp_model.IntVar:
        """Exactly the latest e_k over rounds that release any of ``cohorts``."""
        m = self.m
        values = []
        for k in range(self.K):
            has = m.new_bool_var(f"{name}_has[{k}]")
            m.add_max_equality(has, [self.u[c.id, k] for c in cohorts])
            t = m.new_int_var(0, self.H, f"{name}_t[{k}]")
            m.add(t == self.end[k]).only_enforce_if(has)
            m.add(t == 0).only_enforce_if(~has)
            values.append(t)
        last = m.new_int_var(0, self.H, name)
        m.add_max_equality(last, values)
        return last

    def _first_release(self, cohorts: list[Captive], name: str) -> cp_model.IntVar:
        """Exactly the earliest e_k over rounds that release any of ``cohorts``."""
        m = self.m
        values = []
        for k in range(self.K):
            has = m.new_bool_var(f"{name}_has[{k}]")
            m.add_max_equality(has, [self.u[c.id, k] for c in cohorts])
            t = m.new_int_var(0, self.H, f"{name}_t[{k}]")
            m.add(t == self.end[k]).only_enforce_if(has)
            m.add(t == self.H).only_enforce_if(~has)
            values.append(t)
        first = m.new_int_var(0, self.H, name)
        m.add_min_equality(first, values)
        return first

    # ------------------------------------------------------------------ phases and priority

    def _phases(self) -> None:
        """Phases: once each, inside [earliest_start, deadline/horizon], after their conditions."""
        sc, m = self.sc, self.m
        self.phase_start: dict[str, cp_model.IntVar] = {}
        for p in sc.phases:
            if self.explain:
                self._phase_window_guarded(p)
                continue
            latest_end = min(self.H, p.deadline_hour if p.deadline_hour is not None else self.H)
            hi = latest_end - p.duration_hours
            if hi < p.earliest_start:
                m.add_bool_or([])  # the phase cannot fit: no plan exists
                hi = p.earliest_start
            self.phase_start[p.id] = m.new_int_var(p.earliest_start, hi, f"phase[{p.id}]")
        for p in sc.phases:
            sp = self.phase_start[p.id]
            g = self._g(f"phase:{p.id}")
            for j, cond in enumerate(p.after):
                if cond.kind == "phase":
                    q = sc.phase_by_id[cond.phase]
                    m.add(
                        sp >= self.phase_start[q.id] + q.duration_hours + cond.lag_hours
                    ).only_enforce_if(g)
                else:
                    self._released_share(p.id, j, sp, cond)

    def _phase_window_guarded(self, p) -> None:
        """Explain model: earliest start and deadline under the phase's guard."""
        m = self.m
        hi = max(self.H - p.duration_hours, 0)
        sp = self.phase_start[p.id] = m.new_int_var(0, hi, f"phase[{p.id}]")
        g = self._g(f"phase:{p.id}")
        if p.earliest_start > 0:
            m.add(sp >= p.earliest_start).only_enforce_if(g)
        if p.deadline_hour is not None:
            m.add(sp + p.duration_hours <= p.deadline_hour).only_enforce_if(g)

    def _released_share(self, pid: str, j: int, sp, cond) -> None:
        """Phase after ``*_released``: at least ceil(f N) released by s_p - lag."""
        sc, m = self.sc, self.m
        if cond.kind == "captives":
            cohorts = sc.captives_matching(cond.selector)
            counts, times, sorted_times = self.x, self.end, True
        else:
            cohorts = sc.detainees_matching(cond.selector)
            counts, times, sorted_times = self.z, self.release, False
        total = sum(c.count for c in cohorts)
        need = math.ceil(cond.exact_fraction * total)
        credited = []
        prev = None
        for k in range(self.K):
            by_then = m.new_bool_var(f"by_then[{pid},{j},{k}]")
            m.add(times[k] + cond.lag_hours <= sp).only_enforce_if(by_then)
            if sorted_times and prev is not None:
                m.add_implication(by_then, prev)  # ends are sorted: released-by is a prefix
            prev = by_then
            got = m.new_int_var(0, total, f"credited[{pid},{j},{k}]")
            m.add(got <= sum(counts[c.id, k] for c in cohorts))
            m.add(got == 0).only_enforce_if(~by_then)
            credited.append(got)
        m.add(sum(credited) >= need).only_enforce_if(self._g(f"phase:{pid}"))

    def _zone_opening(self) -> None:
        """Captive eligibility: s_k >= end of every phase that opens the cohort's zone."""
        sc, m = self.sc, self.m
        for c in sc.captives:
            for pid in sc.zone_openers.get(c.zone, []) if c.zone else []:
                p = sc.phase_by_id[pid]
                for k in range(self.K):
                    m.add(
                        self.start[k] >= self.phase_start[pid] + p.duration_hours
                    ).only_enforce_if(self.u[c.id, k], *self._g(f"phase:{pid}"))

    def _priority(self) -> None:
        """Priority: hard tiers in order; soft tiers priced as priority_inversion_hours."""
        sc, m = self.sc, self.m
        self.inversion = None
        if sc.priority is None or not sc.priority.tiers:
            return
        tiers: list[list[Captive]] = [[] for _ in sc.priority.tiers]
        for c in sc.captives:
            t = sc.tier_of[c.id]
            if t is not None:
                tiers[t].append(c)
        tiers = [t for t in tiers if t]
        if sc.priority.mode == "hard":
            # first/last bound each tier's true first/last release from outside, which
            # is all the order needs: last_i <= first_j then holds for the true values.
            bounds = []
            for i, cohorts in enumerate(tiers):
                first = m.new_int_var(0, self.H, f"tier_first[{i}]")
                last = m.new_int_var(0, self.H, f"tier_last[{i}]")
                for c in cohorts:
                    for k in range(self.K):
                        m.add(first <= self.end[k]).only_enforce_if(self.u[c.id, k])
                        m.add(last >= self.end[k]).only_enforce_if(self.u[c.id, k])
                bounds.append((first, last))
            for (_, last_i), (first_j, _) in itertools.pairwise(bounds):
                m.add(last_i <= first_j).only_enforce_if(self._g("priority"))
            return
        # Soft: the penalty is an objective term, so first/last are exact.
        exact = [
            (self._first_release(t, f"tier_first[{i}]"), self._last_release(t, f"tier_last[{i}]"))
            for i, t in enumerate(tiers)
        ]
        pens = []
        for i in range(len(exact)):
            for j in range(i + 1, len(exact)):
                pen = m.new_int_var(0, self.H, f"inversion[{i},{j}]")
                m.add_max_equality(pen, [0, exact[i][1] - exact[j][0]])
                pens.append(pen)
        self.inversion = sum(pens) if pens else None

    # ------------------------------------------------------------------ objective

    def _objective_terms(self) -> None:
        """Objective terms of the spec, built only when in force."""
        sc, m = self.sc, self.m
        wanted = set(sc.objective_terms)
        if "priority_inversion_hours" in wanted:
            inv = self.inversion if self.inversion is not None else m.new_constant(0)
            self.terms["priority_inversion_hours"] = inv
        if "living_release_hours" in wanted:
            living = [c for c in sc.captives if c.status == "living"]
            self.terms["living_release_hours"] = self._weighted_release_hours(living, "living")
        if "release_hours" in wanted:
            self.terms["release_hours"] = self._weighted_release_hours(sc.captives, "all")
        if "makespan" in wanted:
            # Exact (not just an upper bound), so a stage stopped early reports the
            # plan's true makespan. Inactive slots copy an active end, so all ends count.
            ends = list(self.end)
            for k in range(self.K):
                t = m.new_int_var(0, self.H, f"release_if_moves[{k}]")
                m.add(t == self.release[k]).only_enforce_if(self.moves[k])
                m.add(t == 0).only_enforce_if(~self.moves[k])
                ends.append(t)
            ends += [self.phase_start[p.id] + p.duration_hours for p in sc.phases]
            ms = m.new_int_var(0, self.H, "makespan")
            m.add_max_equality(ms, ends)
            self.terms["makespan"] = ms
        if "rounds" in wanted:
            self.terms["rounds"] = sum(self.active)

    def _weighted_release_hours(self, cohorts: list[Captive], name: str):
        """Sum over captives of weight x release hour: sum_c w_c sum_k e_k x_ck."""
        m, sc = self.m, self.sc
        if not cohorts:
            return m.new_constant(0)
        top = max(self.H, self.D)
        parts = []
        for c in cohorts:
            # Each product gets the tightest end it can have (ready hour, zone opening,
            # k gaps after the first round), which makes its linear relaxation strong.
            opened = [
                sc.phase_by_id[pid].earliest_start + sc.phase_by_id[pid].duration_hours
                for pid in (sc.zone_openers.get(c.zone, []) if c.zone else [])
            ]
            earliest = max([c.ready_hour, *opened])
            first = min(x.ready_hour for x in sc.captives)
            for k in range(self.K):
                lo = max(earliest, first + k * sc.rounds.min_gap_hours)
                ends = self.start_domain.intersection_with(cp_model.Domain(lo, top)).addition_with(
                    cp_model.Domain(self.D, self.D)
                )
                if ends.is_empty():
                    ends = cp_model.Domain(top, top)  # this cohort never fits in slot k
                lo = ends.min()
                e = m.new_int_var_from_domain(ends, f"{name}_end[{c.id},{k}]")
                m.add(e == self.end[k]).only_enforce_if(self.u[c.id, k])
                q = m.new_int_var(0, c.count * top, f"{name}_hours[{c.id},{k}]")
                m.add_multiplication_equality(q, [self.x[c.id, k], e])
                m.add(q >= lo * self.x[c.id, k])
                parts.append(c.weight * q)
        direct = sum(parts)
        m.add(direct == self._staircase(cohorts, name))
        return direct

    def _staircase(self, cohorts: list[Captive], name: str):
        """The same sum as W e_0 + sum_j (s_j - s_(j-1)) R_j, R_j the weight left at round j.

        Redundant, but its relaxation sees that every round adds at least min_gap
        hours to all weight still waiting, which the per-cohort products do not.
        """
        m = self.m
        total = sum(c.weight * c.count for c in cohorts)
        gap = self.sc.rounds.min_gap_hours
        weights = [sum(c.weight * self.x[c.id, k] for c in cohorts) for k in range(self.K)]
        parts = [total * self.end[0]]
        for j in range(1, self.K):
            left = m.new_int_var(0, total, f"{name}_left[{j}]")
            m.add(left == sum(weights[j:]))
            step = m.new_int_var(gap, max(gap, self.H), f"{name}_step[{j}]")
            m.add(step == self.start[j] - self.start[j - 1]).only_enforce_if(self.active[j])
            p = m.new_int_var(0, total * max(gap, self.H), f"{name}_stair[{j}]")
            m.add_multiplication_equality(p, [step, left])
            m.add(p >= gap * left)
            parts.append(p)
        return sum(parts)

    # ------------------------------------------------------------------ extraction

    def extract(self, solver: cp_model.CpSolver) -> tuple[list[PlanRound], dict[str, PhaseTimes]]:
        """Read the plan from the solver's current solution."""
        sc = self.sc
        rounds: list[PlanRound] = []
        for k in range(self.K):
            if not solver.value(self.active[k]):
                break
            site = next(s.id for j, s in enumerate(sc.sites) if solver.value(self.at_site[k][j]))
            start = solver.value(self.start[k])
            captives = {c.id: solver.value(self.x[c.id, k]) for c in sc.captives}
            detainees = {d.id: solver.value(self.z[d.id, k]) for d in sc.detainees}
            detainees = {i: n for i, n in detainees.items() if n > 0}
            rounds.append(
                PlanRound(
                    index=k + 1,
                    site=site,
                    start_hour=start,
                    end_hour=start + self.D,
                    detainee_release_hour=solver.value(self.release[k]) if detainees else None,
                    captives={i: n for i, n in captives.items() if n > 0},
                    detainees=detainees,
                )
            )
        phases = {}
        for p in sc.phases:
            s = solver.value(self.phase_start[p.id])
            phases[p.id] = PhaseTimes(start_hour=s, end_hour=s + p.duration_hours)
        return rounds, phases

    def hint_from(self, solver: cp_model.CpSolver) -> None:
        """Warm start: hint every variable with its value in the solver's last solution."""
        self.m.clear_hints()
        for i in range(len(self.m.proto.variables)):
            var = self.m.get_int_var_from_proto_index(i)
            self.m.add_hint(var, solver.value(var))


@dataclass
class _Clock:
    start: float
    limit: float

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float:
        return self.limit - self.elapsed()


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Forwards incumbents to the caller's progress function and honours a stop event."""

    def __init__(self, options: SolveOptions, clock: _Clock, stage: int, stages: int, term: str):
        super().__init__()
        self.options, self.clock = options, clock
        self.stage, self.stages, self.term = stage, stages, term

    def on_solution_callback(self) -> None:
        if self.options.stop is not None and self.options.stop.is_set():
            self.stop_search()
        if self.options.on_progress is not None:
            self.options.on_progress(
                Progress(
                    self.stage,
                    self.stages,
                    self.term,
                    self.objective_value,
                    self.best_objective_bound,
                    self.clock.elapsed(),
                )
            )


class CpSatEngine:
    """OR-Tools CP-SAT, solving the lexicographic objective stage by stage."""

    name = "cpsat"

    def version(self) -> str:
        return ortools.__version__

    def _parameters(self, solver: cp_model.CpSolver, options: SolveOptions, limit: float) -> None:
        p = solver.parameters
        p.max_time_in_seconds = max(limit, 0.01)
        p.random_seed = options.seed
        p.num_workers = max(1, options.workers)
        p.log_search_progress = options.log
        if options.deterministic and options.workers > 1:
            p.interleave_search = True

    def _run(self, model: CpSatModel, options: SolveOptions, clock: _Clock, reporter) -> tuple:
        """Solve once; on the known presolve IndexError of OR-Tools 9.15, retry without presolve."""
        solver = cp_model.CpSolver()
        self._parameters(solver, options, clock.remaining())
        try:
            return solver, self._watched(solver, model, options, reporter), False
        except IndexError:
            solver = cp_model.CpSolver()
            self._parameters(solver, options, clock.remaining())
            solver.parameters.cp_model_presolve = False
            return solver, self._watched(solver, model, options, reporter), True

    @staticmethod
    def _watched(solver: cp_model.CpSolver, model: CpSatModel, options: SolveOptions, reporter):
        """Run the solver; a stop event set meanwhile ends the search within 0.1 s.

        The solution callback alone would notice the event only at the next
        incumbent, which may never come during a long proof.
        """
        if options.stop is None:
            return solver.solve(model.m, reporter)
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.1):
                if options.stop.is_set():
                    solver.stop_search()
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            return solver.solve(model.m, reporter)
        finally:
            done.set()
            watcher.join()

    def solve(
        self,
        scenario: Scenario,
        options: SolveOptions,
        build: Callable[[Scenario], CpSatModel] = CpSatModel,
    ) -> EngineOutcome:
        """Build the model (``build``, for extended models) and minimise ``model.order``."""
        clock = _Clock(time.monotonic(), options.time_limit)
        try:
            model = build(scenario)
        except (TypeError, OverflowError) as exc:
            # ortools refuses coefficients or domains beyond 64-bit integers.
            detail = " ".join(str(exc).split())[:200]
            raise ModelTooLargeError(f"numbers too large for the cpsat engine ({detail})") from None
        build_seconds = clock.elapsed()
        terms = list(model.order)
        out = EngineOutcome(status="unknown", engine_version=self.version())
        presolve_retries = 0
        for i, term in enumerate(terms):
            stopped = options.stop is not None and options.stop.is_set()
            if i > 0 and (stopped or clock.remaining() <= 0):
                out.status = "feasible"
                break
            expr = model.terms[term]
            model.m.minimize(expr)
            t0 = clock.elapsed()
            reporter = _Reporter(options, clock, i, len(terms), term)
            solver, status, retried = self._run(model, options, clock, reporter)
            presolve_retries += int(retried)
            name = _STATUS[status]
            if name == "invalid":
                detail = (model.m.validate() or "CP-SAT rejected the model").splitlines()[0]
                raise ModelTooLargeError(f"the cpsat engine cannot take this scenario: {detail}")
            if name in ("infeasible", "unknown"):
                # After stage 1 the previous optimum is hinted and still allowed, so no
                # answer there only means the time ran out: keep the plan we have.
                out.status = name if i == 0 else "feasible"
                break
            value = round(solver.objective_value)
            bound = math.ceil(solver.best_objective_bound - 1e-6)
            proven = name == "optimal"
            out.stages.append(StageOutcome(term, value, bound, proven, clock.elapsed() - t0))
            out.rounds, out.phases = model.extract(solver)
            out.objective = {s.term: s.value for s in out.stages}
            if options.on_progress is not None:
                options.on_progress(
                    Progress(i, len(terms), term, value, bound, clock.elapsed(), "stage_done")
                )
            if not proven:
                out.status = "feasible"
                break
            out.status = "optimal"
            model.m.add(expr <= value)
            model.hint_from(solver)
        out.stats = {
            "build_seconds": round(build_seconds, 3),
            "solve_seconds": round(clock.elapsed(), 3),
            "variables": len(model.m.proto.variables),
            "constraints": len(model.m.proto.constraints),
            "presolve_retries": presolve_retries,
        }
        return out
