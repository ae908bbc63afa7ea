"""MILP model of scenario format v1 in PuLP, solved with HiGHS or CBC.

An independent second formulation: it shares only the domain models with the
CP-SAT model (``planner/cpsat.py``). Where CP-SAT uses interval constraints,
exact max/min equalities and transportation flows, this one uses big-M
disjunctions, day-indexed assignment, Hall's condition for the ratios and a
binary expansion for the weighted release hours. ``docs/formulations.md``
compares the two.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import sys
import time
from importlib import metadata

import pulp

from models.plan import PhaseTimes, PlanRound
from models.scenario import Captive, Detainee, Scenario, matches
from planner.engine import EngineOutcome, ModelTooLargeError, Progress, SolveOptions, StageOutcome

# Big-M constants above this lose precision in floating-point MILP solvers.
MAX_BIG_M = 10**6

# Hall's condition needs one constraint per subset of a round's ratio slots; past this
# many slots the subsets are too many and the MILP falls back to explicit flows.
MAX_HALL_SLOTS = 10
# Objective terms take whole values, so fixing "<= value + 0.5" is exact and gives
# floating-point solvers room (CBC declared 1e-6 infeasible on a feasible stage).
_INT_TOL = 0.5


def _lin(terms) -> pulp.LpAffineExpression:
    return pulp.lpSum(terms)


class MilpModel:
    """Builds the PuLP problem of one scenario; ``terms`` holds the objective expressions."""

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        self.p = pulp.LpProblem("exchange", pulp.LpMinimize)
        self.K = scenario.rounds.max_rounds
        self.D = scenario.rounds.duration_hours
        self.H = scenario.horizon_hours
        lo, hi = scenario.rounds.detainee_lag_hours
        self.lag = (lo, hi)
        longest = max(
            [p.duration_hours for p in scenario.phases] + [2 * r.hours for r in scenario.routes],
            default=0,
        )
        # One big-M for time differences: every time and trip end in the model lies in [0, T).
        self.T = self.H + hi + longest + 48
        biggest = max([self.T, *(c.count * c.weight for c in scenario.captives)])
        biggest = max([biggest, *(d.count for d in scenario.detainees)])
        if biggest > MAX_BIG_M:
            raise ModelTooLargeError(
                f"numbers too large for a MILP engine ({biggest} > {MAX_BIG_M}: big-M "
                "constraints would lose precision); use --engine cpsat"
            )
        self.terms: dict[str, pulp.LpAffineExpression] = {}
        self._n = itertools.count()
        self._rounds()
        self._round_counts()
        self._open_hours()
        self._eligibility()
        self._site_capacity()
        self._teams_and_site_overlap()
        self._per_day_limits()
        self._vehicle_trips()
        self._ratios_per_round()
        self._phases()
        self._packages()
        self._zone_opening()
        self._priority()
        self._objective_terms()

    # helpers ---------------------------------------------------------------

    def _int(self, lo: float, hi: float, name: str) -> pulp.LpVariable:
        return pulp.LpVariable(f"{name}_{next(self._n)}", lo, hi, cat=pulp.LpInteger)

    def _bin(self, name: str) -> pulp.LpVariable:
        return pulp.LpVariable(f"{name}_{next(self._n)}", cat=pulp.LpBinary)

    def _add(self, constraint) -> None:
        if constraint is True:
            return
        if constraint is False:
            self._impossible()
            return
        self.p += constraint

    def _impossible(self) -> None:
        """Record a rule no plan can meet (0 >= 1 through a fixed variable)."""
        z = self._int(0, 0, "impossible")
        self.p += z >= 1

    # rounds ------------------------------------------------------------------

    def _rounds(self) -> None:
        """Rounds: a prefix of active slots, starts min_gap apart, inactive slots copy."""
        K, D, T = self.K, self.D, self.T
        gap = self.sc.rounds.min_gap_hours
        last_start = self.H - D
        if last_start < 0:
            self._impossible()
            last_start = 0
        self.a = [self._bin("active") for _ in range(K)]
        self.s = [self._int(0, last_start, "start") for _ in range(K)]
        self.e = [s + D for s in self.s]
        self.r = [self._int(0, last_start + D + self.lag[1], "release") for _ in range(K)]
        self._add(self.a[0] == 1)
        for k in range(K):
            self._add(self.r[k] >= self.e[k] + self.lag[0])
            self._add(self.r[k] <= self.e[k] + self.lag[1])
        for k in range(1, K):
            self._add(self.a[k] <= self.a[k - 1])
            self._add(self.s[k] - self.s[k - 1] >= gap - T * (1 - self.a[k]))
            self._add(self.s[k] - self.s[k - 1] >= 0)
            self._add(self.s[k] - self.s[k - 1] <= T * self.a[k])
        self.y = [[self._bin("site") for _ in self.sc.sites] for _ in range(K)]
        for k in range(K):
            self._add(_lin(self.y[k]) == self.a[k])

    def _round_counts(self) -> None:
        """Completeness: cohort counts split over rounds, with presence binaries."""
        sc, K = self.sc, self.K
        self.x, self.u, self.z, self.v = {}, {}, {}, {}
        for c in sc.captives:
            for k in range(K):
                self.x[c.id, k], self.u[c.id, k] = self._count(c.count, k, "x")
            self._add(_lin(self.x[c.id, k] for k in range(K)) == c.count)
        for d in sc.detainees:
            for k in range(K):
                self.z[d.id, k], self.v[d.id, k] = self._count(d.count, k, "z")
            self._add(_lin(self.z[d.id, k] for k in range(K)) == d.count)
        self.moves = [self._bin("moves") for _ in range(K)]
        for k in range(K):
            self._add(_lin(self.x[c.id, k] for c in sc.captives) >= self.a[k])
            for d in sc.detainees:
                self._add(self.moves[k] >= self.v[d.id, k])
            self._add(self.moves[k] <= _lin(self.v[d.id, k] for d in sc.detainees))
            self._add(self.r[k] <= self.H + self.T * (1 - self.moves[k]))

    def _count(self, n: int, k: int, name: str):
        count = self._int(0, n, name)
        present = self._bin(f"{name}_on")
        self._add(count <= n * present)
        self._add(count >= present)
        self._add(present <= self.a[k])
        return count, present

    def _open_hours(self) -> None:
        """Open hours: s_k = 24 w_k + h_k with a <= h_k <= b - duration."""
        oh = self.sc.rounds.open_hours
        if oh is None:
            return
        a, b = oh
        if b - self.D < a:
            self._impossible()
            return
        for k in range(self.K):
            w = self._int(0, self.H // 24 + 1, "sday")
            h = self._int(a, min(b - self.D, 23), "shour")
            self._add(self.s[k] == 24 * w + h)

    def _eligibility(self) -> None:
        """Captive and detainee eligibility: ready, deadline, sites serving the zone."""
        sc, T = self.sc, self.T
        for c in sc.captives:
            dl = sc.captive_deadline[c.id]
            for k in range(self.K):
                u = self.u[c.id, k]
                self._add(self.s[k] >= c.ready_hour * u)
                self._add(self.e[k] <= dl + T * (1 - u))
                for j, site in enumerate(sc.sites):
                    if not sc.site_serves(site, c):
                        self._add(u + self.y[k][j] <= 1)
        for d in sc.detainees:
            dl = sc.detainee_deadline[d.id]
            for k in range(self.K):
                v = self.v[d.id, k]
                self._add(self.r[k] >= d.ready_hour * v)
                self._add(self.r[k] <= dl + T * (1 - v))

    # capacity ---------------------------------------------------------------

    def _site_capacity(self) -> None:
        """Site capacity: captives in a round at site j <= its max_captives_per_round."""
        total = sum(c.count for c in self.sc.captives)
        for j, site in enumerate(self.sc.sites):
            cap = site.max_captives_per_round
            if cap is None or cap >= total:
                continue
            for k in range(self.K):
                n = _lin(self.x[c.id, k] for c in self.sc.captives)
                self._add(n <= cap + total * (1 - self.y[k][j]))

    def _teams_and_site_overlap(self) -> None:
        """Teams and site overlap, on sorted equal-length windows (open-interval overlap)."""
        sc, D = self.sc, self.D
        if D == 0 or sc.rounds.min_gap_hours >= D or self.K == 1:
            return
        # Windows of equal length sorted by start: more than T overlap somewhere exactly
        # when some round k+T starts before round k ends.
        if sc.teams is not None:
            t = sc.teams.count
            for k in range(self.K - t):
                self._add(self.s[k + t] - self.s[k] >= D - self.T * (1 - self.a[k + t]))
        for j in range(len(sc.sites)):
            for k in range(self.K):
                for m in range(k + 1, self.K):
                    both = 2 - self.y[k][j] - self.y[m][j]
                    self._add(self.s[m] - self.s[k] >= D - self.T * both)

    def _per_day_limits(self) -> None:
        """Reception (living by end day) and facility releases (by release day), day-indexed."""
        sc = self.sc
        if sc.reception is not None:
            living = [c for c in sc.captives if c.status == "living"]
            if sum(c.count for c in living) > sc.reception.max_living_per_day:
                amounts = [_lin(self.x[c.id, k] for c in living) for k in range(self.K)]
                total = sum(c.count for c in living)
                self._day_limit(self.e, amounts, total, sc.reception.max_living_per_day, "rec")
        for f in sc.facilities:
            cohorts = [d for d in sc.detainees if d.facility == f.id]
            total = sum(d.count for d in cohorts)
            cap = f.max_releases_per_day
            if cap is None or total <= cap:
                continue
            amounts = [_lin(self.z[d.id, k] for d in cohorts) for k in range(self.K)]
            self._day_limit(self.r, amounts, total, cap, f"fac{f.id}")

    def _day_limit(self, times, amounts, total: int, cap: int, name: str) -> None:
        """Each round's time falls in one day; per day, the amounts add up to at most cap."""
        days = range(self.T // 24 + 1)
        share: dict[int, list] = {d: [] for d in days}
        for k in range(self.K):
            on = {d: self._bin(f"{name}_day") for d in days}
            self._add(_lin(on.values()) == 1)
            self._add(times[k] >= _lin(24 * d * on[d] for d in days))
            self._add(times[k] <= _lin((24 * d + 23) * on[d] for d in days))
            for d in days:
                g = self._int(0, total, f"{name}_amt")
                self._add(g >= amounts[k] - total * (1 - on[d]))
                share[d].append(g)
        for d in days:
            self._add(_lin(share[d]) <= cap)

    def _vehicle_trips(self) -> None:
        """Vehicles: ceil(n/seats) trips per round and route; load checked at each release."""
        sc = self.sc
        if sc.vehicles is None:
            return
        seats, fleet, T = sc.vehicles.seats, sc.vehicles.count, self.T
        by_route: dict[tuple[str, str], list[Detainee]] = {}
        for d in sc.detainees:
            by_route.setdefault((d.facility, d.destination), []).append(d)
        trips: dict[tuple[tuple[str, str], int], pulp.LpVariable] = {}
        for route, cohorts in by_route.items():
            cap = math.ceil(sum(d.count for d in cohorts) / seats)
            for k in range(self.K):
                t = self._int(0, cap, "trips")
                self._add(seats * t >= _lin(self.z[d.id, k] for d in cohorts))
                trips[route, k] = t
        busy = {rt: 2 * sc.route_hours[rt] for rt in by_route if sc.route_hours[rt] > 0}
        if not busy:
            return
        max_trips = max(int(t.upBound) for t in trips.values())
        # A cumulative load peaks at some trip's start, and all trips of round k start at r_k.
        for k in range(self.K):
            load = [trips[rt, k] for rt in busy]
            for m in range(self.K):
                if m == k:
                    continue
                for rt, length in busy.items():
                    covers = self._bin("covers")
                    before = self._bin("before")
                    # not covering: r_m > r_k (before=1) or r_m + length <= r_k (before=0)
                    self._add(self.r[m] >= self.r[k] + 1 - T * (covers + 1 - before))
                    self._add(self.r[m] + length <= self.r[k] + T * (covers + before))
                    g = self._int(0, max_trips, "load")
                    self._add(g >= trips[rt, m] - max_trips * (1 - covers))
                    load.append(g)
            self._add(_lin(load) <= fleet)

    # ratios and packages ------------------------------------------------------

    def _ratios_per_round(self) -> None:
        """Ratios, per round, by Hall's condition on the detainee slots of all rules."""
        sc = self.sc
        slots = []  # (rule index, per captive, ids of accepted detainee cohorts)
        for ri, rule in enumerate(sc.ratios):
            if not any(sc.governing_ratio[c.id] == ri for c in sc.captives):
                continue
            eligible = [d.id for d in sc.detainees if matches(rule.from_, d)]
            for ow in rule.of_which:
                acc = [d.id for d in sc.detainees if d.id in eligible and matches(ow.from_, d)]
                slots.append((ri, ow.count, frozenset(acc)))
            rest = rule.per_captive - sum(ow.count for ow in rule.of_which)
            if rest > 0:
                slots.append((ri, rest, frozenset(eligible)))
        if not slots:
            return
        for k in range(self.K):
            governed = {
                ri: _lin(self.x[c.id, k] for c in sc.captives if sc.governing_ratio[c.id] == ri)
                for ri in {s[0] for s in slots}
            }
            if len(slots) <= MAX_HALL_SLOTS:
                self._hall(k, slots, governed)
            else:
                self._flows(k, slots, governed)

    def _hall(self, k: int, slots, governed) -> None:
        """Hall: every set of slots needs no more than the detainees that may fill it."""
        for size in range(1, len(slots) + 1):
            for subset in itertools.combinations(slots, size):
                neighbours = frozenset().union(*(acc for _, _, acc in subset))
                need = _lin(per * governed[ri] for ri, per, _ in subset)
                have = _lin(self.z[did, k] for did in neighbours)
                self._add(need <= have)

    def _flows(self, k: int, slots, governed) -> None:
        """Transportation flows (used when the slots are too many for Hall's subsets)."""
        out: dict[str, list] = {}
        for ri, per, acc in slots:
            fl = []
            for did in acc:
                f = self._int(0, None, "flow")
                out.setdefault(did, []).append(f)
                fl.append(f)
            self._add(_lin(fl) >= per * governed[ri])
        for did, fl in out.items():
            self._add(_lin(fl) <= self.z[did, k])

    def _packages(self) -> None:
        """Packages: detainees released <= within_hours after a witness last captive round."""
        sc, T = self.sc, self.T
        for pkg in sc.packages:
            caps = sc.captives_matching(pkg.captives)
            # L is at most the end of some round holding a matching captive (a witness),
            # so L <= the true last release; the witness may be the last round itself.
            last = self._int(0, self.H, "pkg_last")
            witness = [self._bin("pkg_witness") for _ in range(self.K)]
            self._add(_lin(witness) == 1)
            for k in range(self.K):
                self._add(witness[k] <= _lin(self.u[c.id, k] for c in caps))
                self._add(last <= self.e[k] + T * (1 - witness[k]))
            for d in sc.detainees_matching(pkg.detainees):
                for k in range(self.K):
                    self._add(self.r[k] <= last + pkg.within_hours + T * (1 - self.v[d.id, k]))

    # phases and priority -------------------------------------------------------

    def _phases(self) -> None:
        """Phases: a window inside [earliest, deadline/horizon] after every condition."""
        sc = self.sc
        self.ps: dict[str, pulp.LpVariable] = {}
        for p in sc.phases:
            end_by = min(self.H, p.deadline_hour if p.deadline_hour is not None else self.H)
            hi = end_by - p.duration_hours
            if hi < p.earliest_start:
                self._impossible()
                hi = p.earliest_start
            self.ps[p.id] = self._int(p.earliest_start, hi, "phase")
        for p in sc.phases:
            for cond in p.after:
                if cond.kind == "phase":
                    q = sc.phase_by_id[cond.phase]
                    self._add(self.ps[p.id] >= self.ps[q.id] + q.duration_hours + cond.lag_hours)
                else:
                    self._released_share(self.ps[p.id], cond)

    def _released_share(self, sp, cond) -> None:
        """Phase after a share released: rounds released by s_p - lag hold ceil(f N)."""
        sc, T = self.sc, self.T
        if cond.kind == "captives":
            cohorts: list = sc.captives_matching(cond.selector)
            counts, times = self.x, self.e
        else:
            cohorts = sc.detainees_matching(cond.selector)
            counts, times = self.z, self.r
        total = sum(c.count for c in cohorts)
        need = math.ceil(cond.exact_fraction * total)
        credited = []
        for k in range(self.K):
            done = self._bin("done")
            self._add(times[k] + cond.lag_hours <= sp + (T + cond.lag_hours) * (1 - done))
            got = self._int(0, total, "credit")
            self._add(got <= _lin(counts[c.id, k] for c in cohorts))
            self._add(got <= total * done)
            credited.append(got)
        self._add(_lin(credited) >= need)

    def _zone_opening(self) -> None:
        """Captive eligibility: a zone's captives go only after its opening phases end."""
        sc, T = self.sc, self.T
        for c in sc.captives:
            for pid in sc.zone_openers.get(c.zone, []) if c.zone else []:
                end = self.ps[pid] + sc.phase_by_id[pid].duration_hours
                for k in range(self.K):
                    self._add(self.s[k] >= end - T * (1 - self.u[c.id, k]))

    def _priority(self) -> None:
        """Priority: tier first/last bounds; hard order or soft inversion penalties."""
        sc, T = self.sc, self.T
        self.inversion = None
        if sc.priority is None or not sc.priority.tiers:
            return
        tiers: list[list[Captive]] = [[] for _ in sc.priority.tiers]
        for c in sc.captives:
            if sc.tier_of[c.id] is not None:
                tiers[sc.tier_of[c.id]].append(c)
        spans = []
        for cohorts in (t for t in tiers if t):
            first, last = self._int(0, self.H, "first"), self._int(0, self.H, "last")
            for c in cohorts:
                for k in range(self.K):
                    self._add(first <= self.e[k] + T * (1 - self.u[c.id, k]))
                    self._add(last >= self.e[k] - T * (1 - self.u[c.id, k]))
            spans.append((first, last))
        if sc.priority.mode == "hard":
            for (_, last_i), (first_j, _) in itertools.pairwise(spans):
                self._add(last_i <= first_j)
            return
        pens = []
        for i, j in itertools.combinations(range(len(spans)), 2):
            pen = self._int(0, self.H, "inversion")
            self._add(pen >= spans[i][1] - spans[j][0])
            pens.append(pen)
        self.inversion = _lin(pens)

    # objective -------------------------------------------------------------------

    def _objective_terms(self) -> None:
        """The objective terms in force (each an upper bound that is tight at its optimum)."""
        sc = self.sc
        wanted = set(sc.objective_terms)
        if "priority_inversion_hours" in wanted:
            self.terms["priority_inversion_hours"] = self.inversion or _lin([])
        if "living_release_hours" in wanted:
            living = [c for c in sc.captives if c.status == "living"]
            self.terms["living_release_hours"] = self._weighted_hours(living, "lrh")
        if "release_hours" in wanted:
            self.terms["release_hours"] = self._weighted_hours(sc.captives, "rh")
        if "makespan" in wanted:
            ms = self._int(0, self.H, "makespan")
            for k in range(self.K):
                self._add(ms >= self.e[k])
                self._add(ms >= self.r[k] - self.T * (1 - self.moves[k]))
            for p in sc.phases:
                self._add(ms >= self.ps[p.id] + p.duration_hours)
            self.terms["makespan"] = _lin([ms])
        if "rounds" in wanted:
            self.terms["rounds"] = _lin(self.a)

    def _weighted_hours(self, cohorts: list[Captive], name: str) -> pulp.LpAffineExpression:
        """Sum_k e_k W_k with W_k in binary digits, so each product is binary x integer."""
        if not cohorts:
            return _lin([])
        total = sum(c.weight * c.count for c in cohorts)
        bits = max(1, total.bit_length())
        top = self.H
        parts = []
        for k in range(self.K):
            digits = [self._bin(f"{name}_bit") for _ in range(bits)]
            self._add(
                _lin(c.weight * self.x[c.id, k] for c in cohorts)
                == _lin((2**b) * digits[b] for b in range(bits))
            )
            for b in range(bits):
                pi = self._int(0, top, f"{name}_prod")
                self._add(pi >= self.e[k] - top * (1 - digits[b]))
                parts.append((2**b) * pi)
        return _lin(parts)

    # extraction ------------------------------------------------------------------

    def extract(self) -> tuple[list[PlanRound], dict[str, PhaseTimes]]:
        """Read the plan from the variables' values (rounded to whole numbers)."""
        sc = self.sc

        def val(v) -> int:
            # PuLP leaves out of the solve a variable that no constraint or objective
            # mentions; any value in its bounds is right, so take the lower bound.
            x = v.varValue if v.varValue is not None else (v.lowBound or 0)
            return round(x)

        rounds = []
        for k in range(self.K):
            if val(self.a[k]) != 1:
                break
            site = next(s.id for j, s in enumerate(sc.sites) if val(self.y[k][j]) == 1)
            start = val(self.s[k])
            captives = {c.id: val(self.x[c.id, k]) for c in sc.captives}
            detainees = {d.id: val(self.z[d.id, k]) for d in sc.detainees}
            detainees = {i: n for i, n in detainees.items() if n > 0}
            rounds.append(
                PlanRound(
                    index=k + 1,
                    site=site,
                    start_hour=start,
                    end_hour=start + self.D,
                    detainee_release_hour=val(self.r[k]) if detainees else None,
                    captives={i: n for i, n in captives.items() if n > 0},
                    detainees=detainees,
                )
            )
        phases = {}
        for p in sc.phases:
            st = val(self.ps[p.id])
            phases[p.id] = PhaseTimes(start_hour=st, end_hour=st + p.duration_hours)
        return rounds, phases


@contextlib.contextmanager
def _quiet_stdout(enabled: bool):
    """Keep the solver library's banner off our stdout (it writes to fd 1 directly)."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class MilpEngine:
    """PuLP MILP solved stage by stage with HiGHS (``milp-highs``) or CBC (``milp-cbc``)."""

    def __init__(self, backend: str):
        if backend not in ("highs", "cbc"):
            raise ValueError(f"unknown MILP backend '{backend}'")
        self.backend = backend
        self.name = f"milp-{backend}"

    def version(self) -> str:
        solver = "highspy " + metadata.version("highspy") if self.backend == "highs" else "CBC"
        return f"pulp {pulp.__version__}, {solver}"

    def _solver(self, options: SolveOptions, limit: float, preprocess: bool = True):
        limit = max(1, math.ceil(limit))
        # Objectives are whole numbers, so an absolute gap below 1 proves the optimum.
        if self.backend == "highs":
            # No `threads`: HiGHS keeps one thread pool per process and fails every
            # later solve that asks for a different size, so it keeps its default.
            return pulp.HiGHS(
                msg=options.log,
                timeLimit=limit,
                gapRel=0,
                gapAbs=0.5,
                random_seed=options.seed,
                **({} if preprocess else {"presolve": "off"}),
            )
        # CBC reports a stop on an absolute gap as "not proven", so only the relative
        # gap is set (to 0): CBC then closes the gap completely before saying optimal.
        return pulp.PULP_CBC_CMD(
            msg=options.log,
            timeLimit=limit,
            threads=options.workers,
            gapRel=0,
            options=[] if preprocess else ["preprocess off"],
        )

    def _run(self, model: MilpModel, options: SolveOptions, deadline: float) -> bool:
        """Solve once; return True when the answer is "infeasible".

        Both solvers' presolve/preprocessing have declared feasible models infeasible,
        or stopped with no answer long before the time limit (CBC on a stage whose
        previous optimum satisfies it, HiGHS on generated scenarios; the cross-check
        found both). So an answer without a plan is confirmed with presolve off,
        in the time that is left, before it is believed.
        """
        with _quiet_stdout(not options.log):
            model.p.solve(self._solver(options, deadline - time.monotonic()))
        left = deadline - time.monotonic()
        if not self._solved(model) and left > 0:
            self.retries += 1
            with _quiet_stdout(not options.log):
                model.p.solve(self._solver(options, left, preprocess=False))
        return self._infeasible(model)

    @staticmethod
    def _solved(model: MilpModel) -> bool:
        return model.p.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)

    @staticmethod
    def _infeasible(model: MilpModel) -> bool:
        sol = model.p.sol_status
        return sol == pulp.LpSolutionInfeasible or (
            sol == pulp.LpSolutionNoSolutionFound and model.p.status == pulp.LpStatusInfeasible
        )

    def solve(self, scenario: Scenario, options: SolveOptions) -> EngineOutcome:
        """Minimise the objective terms one after another, fixing each optimum."""
        t0 = time.monotonic()
        self.retries = 0
        model = MilpModel(scenario)
        build = time.monotonic() - t0
        terms = list(scenario.objective_terms)
        out = EngineOutcome(status="unknown", engine_version=self.version())
        for i, term in enumerate(terms):
            remaining = options.time_limit - (time.monotonic() - t0)
            if i > 0 and (remaining <= 0 or (options.stop is not None and options.stop.is_set())):
                out.status = "feasible"
                break
            expr = model.terms[term]
            model.p.setObjective(expr)
            st = time.monotonic()
            if self._run(model, options, t0 + options.time_limit):
                out.status = "infeasible" if i == 0 else "feasible"
                break
            sol = model.p.sol_status
            if sol not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
                out.status = "unknown" if i == 0 else "feasible"
                break
            value = round(pulp.value(expr) or 0)
            proven = sol == pulp.LpSolutionOptimal
            out.stages.append(
                StageOutcome(term, value, value if proven else None, proven, time.monotonic() - st)
            )
            out.rounds, out.phases = model.extract()
            if proven:
                out.objective[term] = value
            if options.on_progress is not None:
                elapsed = time.monotonic() - t0
                options.on_progress(
                    Progress(
                        i, len(terms), term, value, value if proven else None, elapsed, "stage_done"
                    )
                )
            if not proven:
                out.status = "feasible"
                break
            out.status = "optimal"
            if expr.keys():
                model.p += expr <= value + _INT_TOL
        out.stats = {
            "build_seconds": round(build, 3),
            "solve_seconds": round(time.monotonic() - t0, 3),
            "variables": len(model.p.variables()),
            "constraints": len(model.p.constraints),
            "presolve_retries": self.retries,
        }
        return out
