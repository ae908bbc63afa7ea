"""Why a proposal cannot work, what it would take, and which limits bind a plan.

- :func:`explain`: a minimal set of rules that cannot hold together, found with
  CP-SAT assumptions on the explain model (every negotiable rule instance under its
  own literal) and shrunk by deletion until removing any one rule is feasible,
  each removal checked by re-solving.
- :func:`repairs`: for each rule of the conflict, the smallest single change
  (one knob of :mod:`planner.rules`) that restores feasibility, found by bisection,
  and the objective of the repaired plan.
- :func:`binding`: for a feasible scenario, which limits are tight in its plan and
  what relaxing each by one unit gains on the first objective term.

Searches over knobs run in parallel processes (or on a Dask cluster) through
:func:`planner.parallel.run_map`.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from models.errors import InputError
from models.loader import scenario_from_data, scenario_to_data
from models.plan import Plan
from models.scenario import Scenario
from planner import rules as rule_book
from planner import validate
from planner.cpsat import CpSatModel

_STATUS = {
    cp_model.OPTIMAL: "feasible",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
    cp_model.MODEL_INVALID: "invalid",
}


@dataclass(frozen=True)
class RuleRef:
    """A rule instance: its stable name and what it says."""

    name: str
    words: str


@dataclass(frozen=True)
class Repair:
    """The smallest single change of one knob that makes the scenario feasible."""

    rule: str
    change: str  # in words: "rounds.max_rounds: 3 -> 4 (+1)"
    override: str  # as a variant override: "rounds.max_rounds=4"
    status: str  # status of the repaired scenario's solve: optimal | feasible | unknown
    objective: dict[str, int] = field(default_factory=dict)
    minimal: bool = True  # False when a smaller change could not be decided in time


@dataclass
class Explanation:
    """The answer of :func:`explain` (and, when asked, :func:`repairs`)."""

    status: str  # feasible | infeasible | unknown
    conflict: list[RuleRef] = field(default_factory=list)
    minimal: bool = False  # every rule proven necessary by a feasible re-solve
    structural: bool = False  # infeasible with every named rule lifted
    summary: str = ""
    repairs: list[Repair] = field(default_factory=list)
    unproven: list[str] = field(default_factory=list)  # rules whose need was not decided in time
    unrepaired: list[str] = field(default_factory=list)  # conflict rules no knob repairs
    repairs_undecided: list[str] = field(default_factory=list)  # searches out of time
    solves: int = 0
    seconds: float = 0.0  # finding and shrinking the conflict
    repair_seconds: float = 0.0  # searching the repairs and solving the repaired scenarios

    def to_json_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["conflict"] = [asdict(r) for r in self.conflict]
        out["repairs"] = [asdict(r) for r in self.repairs]
        return out


# --------------------------------------------------------------------------- explain


class _Assumer:
    """The explain model of one scenario, solved again and again under assumptions."""

    def __init__(self, scenario: Scenario, seed: int):
        self.model = CpSatModel(scenario, explain=True)
        self.seed = seed
        self.solves = 0
        self.necessary: set[str] = set()  # rules whose removal was proven feasible

    @property
    def names(self) -> list[str]:
        return list(self.model.guards)

    def solve(self, names: list[str], limit: float) -> tuple[str, list[str]]:
        """Status with ``names`` in force (others lifted), and a core when infeasible."""
        m = self.model.m
        m.clear_assumptions()
        m.add_assumptions([self.model.guards[n] for n in names])
        self.solves += 1
        solver = self._solver(limit)
        try:
            status = solver.solve(m)
        except IndexError:
            # OR-Tools 9.15 presolve can raise this on infeasible models: solve again
            # without presolve, which gives the right answer.
            solver = self._solver(limit)
            solver.parameters.cp_model_presolve = False
            status = solver.solve(m)
        name = _STATUS[status]
        if name != "infeasible":
            return name, []
        index = {self.model.guards[n].index: n for n in names}
        core = [index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
        return name, [n for n in names if n in core]

    def _solver(self, limit: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(limit, 0.05)
        p.num_workers = 1  # assumptions need a single worker
        p.random_seed = self.seed
        return solver


def _shrink(a: _Assumer, order: list[str], core: list[str], time_limit: float, left) -> list[str]:
    """Deletion filter: drop each rule of ``core`` whose removal leaves it infeasible.

    ``current`` is always an infeasible set. A rule whose removal is feasible is
    necessary (it is in every infeasible subset of the set, so it stays necessary as
    the set shrinks) and is recorded in ``a.necessary``. Some removals are hard to
    decide, so a first pass gives each a short slice of the time and a second pass
    shares what is left among those still undecided. A rule never decided stays: the
    set is then still a conflict, but maybe not a minimal one.
    """
    current = list(core)
    undecided: list[str] = []
    first_slice = max(1.0, time_limit / (4 * max(len(core), 1)))
    for attempt, rules in enumerate((list(core), undecided)):
        for i, rule in enumerate(list(rules)):
            if rule not in current or left() <= 0:
                continue
            trial = [n for n in current if n != rule]
            share = first_slice if attempt == 0 else left() / (len(rules) - i)
            st, smaller = a.solve(trial, min(left(), share))
            if st == "infeasible":
                current = [n for n in trial if n in smaller]
            elif st == "feasible":
                a.necessary.add(rule)
            elif attempt == 0:
                undecided.append(rule)
    return [n for n in order if n in current]


def explain(scenario: Scenario, time_limit: float = 60.0, seed: int = 0) -> Explanation:
    """Name a minimal set of rules that cannot all hold.

    Parameters
    ----------
    scenario
        A loaded scenario.
    time_limit
        Seconds for the whole search (first core and every shrinking re-solve).
    seed
        Random seed of CP-SAT.

    Returns
    -------
    Explanation
        ``status`` ``feasible`` (nothing to explain), ``infeasible`` with ``conflict``
        (rules in scenario order) or ``unknown`` (not decided in time). ``minimal`` is
        True when lifting any one rule of the conflict was proven feasible; it is
        False when some re-solve ran out of time (the set is then still a conflict,
        possibly with a rule to spare). ``structural`` marks scenarios that stay
        infeasible with every named rule lifted (for example a cohort whose zone no
        site serves).
    """
    t0 = time.monotonic()
    words = rule_book.rule_words(scenario)
    a = _Assumer(scenario, seed)

    def left() -> float:
        return time_limit - (time.monotonic() - t0)

    order = [n for n in words if n in a.model.guards]
    status, core = a.solve(order, left())
    out = Explanation(status=status)
    if status == "infeasible" and not core:
        out.structural = True
        out.minimal = True
        out.summary = (
            "no plan exists even with every negotiable rule lifted: a cohort's zone, the "
            "sites or the requirement that every round hands over a captive rule it out"
        )
    elif status == "infeasible":
        conflict = _shrink(a, order, core, time_limit, left)
        out.conflict = [RuleRef(n, words[n]) for n in conflict]
        out.unproven = [n for n in conflict if n not in a.necessary]
        out.minimal = not out.unproven
        out.summary = rule_book.sentence([words[n] for n in conflict])
    elif status == "feasible":
        out.summary = "the scenario is feasible: every rule can hold together"
    else:
        out.summary = f"not decided within {time_limit:g} s"
    out.solves = a.solves
    out.seconds = round(time.monotonic() - t0, 3)
    return out


# --------------------------------------------------------------------------- repairs


def feasible(scenario: Scenario, time_limit: float, seed: int = 0, workers: int = 1) -> str:
    """``feasible``, ``infeasible`` or ``unknown``: one solve of the exact model, no objective."""
    model = CpSatModel(scenario)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit, 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    try:
        status = solver.solve(model.m)
    except IndexError:
        solver.parameters.cp_model_presolve = False
        status = solver.solve(model.m)
    return _STATUS[status]


def _with(data: dict[str, Any], override: str) -> Scenario | None:
    """The scenario with one override, or None when the value is not a valid scenario."""
    from planner.variants import apply_overrides

    try:
        return apply_overrides(scenario_from_data(data), [override])
    except InputError:
        return None


def _search_knob(task: tuple[dict[str, Any], rule_book.Knob, float, float, int, float]) -> dict:
    """Smallest n of one knob that is feasible (bisection), then the repaired solve.

    Relaxing a knob further never removes a plan, so feasibility is monotone in n.
    A check that runs out of time counts as not feasible, which can only make the
    answer larger; ``minimal`` then says so. ``deadline`` (wall-clock, ``time.time()``)
    bounds the whole search: checks after it count as out of time.
    """
    from planner.solve import solve

    data, knob, check_limit, solve_limit, seed, deadline = task

    def ok(n: int) -> str:
        sc = _with(data, knob.override(n))
        if sc is None:
            return "infeasible"
        remaining = deadline - time.time()
        return "unknown" if remaining <= 0 else feasible(sc, min(check_limit, remaining), seed)

    if knob.values:
        top = ok(1)
        best, minimal = (1, True) if top == "feasible" else (None, True)
    else:
        top = ok(knob.most)
        if top != "feasible":
            return {"rule": knob.rule, "found": False, "decided": top == "infeasible"}
        lo, hi, minimal = 0, knob.most, True  # lo: largest n known not to work
        while hi - lo > 1:
            mid = (lo + hi) // 2
            st = ok(mid)
            if st == "feasible":
                hi = mid
            else:
                lo = mid
                minimal = minimal and st == "infeasible"
        best = hi
    if best is None:
        return {"rule": knob.rule, "found": False, "decided": top == "infeasible"}
    repaired = _with(data, knob.override(best))
    assert repaired is not None
    # Feasibility is proven already; the solve only reports the repaired objective, so
    # past the deadline it still gets a moment to find a plan.
    limit = min(solve_limit, max(deadline - time.time(), 1.0))
    result = solve(repaired, time_limit=limit, seed=seed, workers=1, deterministic=True)
    result.check()
    return {
        "rule": knob.rule,
        "found": True,
        "change": knob.words(best),
        "override": knob.override(best),
        "status": result.status,
        "objective": dict(result.objective),
        "minimal": minimal,
    }


def repairs(
    scenario: Scenario,
    conflict: list[str],
    *,
    check_limit: float = 10.0,
    solve_limit: float = 30.0,
    time_limit: float = 120.0,
    seed: int = 0,
    processes: int | None = None,
    scheduler: Any = None,
) -> tuple[list[Repair], list[str], list[str]]:
    """For each rule of a conflict, the smallest single change that restores feasibility.

    Parameters
    ----------
    scenario
        The infeasible scenario.
    conflict
        Rule names (from :func:`explain`).
    check_limit
        Seconds for each feasibility check of the bisection.
    solve_limit
        Seconds for the solve of each repaired scenario (its objective is reported).
    time_limit
        Seconds for all the searches together (wall clock, from the call); checks
        that would start later count as out of time.
    seed, processes, scheduler
        Passed to the solves and to :func:`planner.parallel.run_map`.

    Returns
    -------
    (list[Repair], list[str], list[str])
        One repair per knob that works (several knobs may repair one rule, for
        example ``rounds.max_rounds`` and ``rounds.min_gap_hours``), in conflict
        order; the conflict rules that no single change repairs (proven); and those
        for which that was not decided in time.
    """
    from planner.parallel import run_map

    data = scenario_to_data(scenario)
    deadline = time.time() + time_limit
    tasks = []
    for rule in conflict:
        for knob in rule_book.knobs(scenario, rule):
            tasks.append((data, knob, check_limit, solve_limit, seed, deadline))
    found = run_map(_search_knob, tasks, processes=processes, scheduler=scheduler)
    out = [
        Repair(
            rule=f["rule"],
            change=f["change"],
            override=f["override"],
            status=f["status"],
            objective=f["objective"],
            minimal=f["minimal"],
        )
        for f in found
        if f["found"]
    ]
    repaired = {r.rule for r in out}
    undecided = {f["rule"] for f in found if not f["found"] and not f["decided"]}
    unrepaired = [r for r in conflict if r not in repaired and r not in undecided]
    return out, unrepaired, [r for r in conflict if r not in repaired and r in undecided]


def explain_and_repair(
    scenario: Scenario,
    time_limit: float = 60.0,
    seed: int = 0,
    *,
    check_limit: float = 10.0,
    solve_limit: float = 30.0,
    repair_limit: float = 120.0,
    processes: int | None = None,
    scheduler: Any = None,
) -> Explanation:
    """:func:`explain`, then :func:`repairs` for its conflict (the ``explain`` command).

    ``time_limit`` bounds the conflict search, ``repair_limit`` the repair searches
    (see :func:`repairs` for ``check_limit`` and ``solve_limit``).
    """
    out = explain(scenario, time_limit=time_limit, seed=seed)
    t0 = time.monotonic()
    if out.status == "infeasible" and out.conflict:
        out.repairs, out.unrepaired, out.repairs_undecided = repairs(
            scenario,
            [r.name for r in out.conflict],
            check_limit=check_limit,
            solve_limit=solve_limit,
            time_limit=repair_limit,
            seed=seed,
            processes=processes,
            scheduler=scheduler,
        )
        out.repair_seconds = round(time.monotonic() - t0, 3)
    return out


# --------------------------------------------------------------------------- binding


@dataclass(frozen=True)
class Binding:
    """One limit of a feasible scenario: its slack in the plan and the gain of one unit."""

    rule: str
    words: str
    change: str
    override: str
    slack: int | None  # in the limit's unit; 0 = tight in the base plan; None = not measured
    term: str
    base: int
    relaxed: int | None  # first-term optimum with the change; None if not solved in time
    status: str

    @property
    def gain(self) -> int | None:
        return None if self.relaxed is None else self.base - self.relaxed


def _first_term_task(task: tuple[dict[str, Any], str | None, str, float, int]) -> dict:
    """Optimum of the first objective term, with one override (or none)."""
    from planner.solve import solve

    data, override, term, limit, seed = task
    data = dict(data, objective=[term])
    sc = scenario_from_data(data)
    if override is not None:
        sc2 = _with(scenario_to_data(sc), override)
        if sc2 is None:
            return {"status": "invalid", "value": None}
        sc = sc2
    result = solve(sc, time_limit=limit, seed=seed, workers=1, deterministic=True)
    result.check()
    value = result.objective.get(term) if result.has_plan else None
    return {"status": result.status, "value": value, "plan": result.plan.to_json_dict()}


def binding(
    scenario: Scenario,
    *,
    term: str | None = None,
    time_limit: float = 30.0,
    seed: int = 0,
    processes: int | None = None,
    scheduler: Any = None,
) -> tuple[int | None, str, list[Binding]]:
    """Which limits bind a feasible scenario, and what one more unit of each gains.

    Every knob of every rule in force is relaxed by one unit (one more hour, one more
    seat, one fewer detainee per captive, one more round, ...) and the first term of
    the objective is re-solved, in parallel processes.

    Parameters
    ----------
    scenario
        A feasible scenario.
    term
        The objective term to measure gains on; default the first term in force.
    time_limit
        Seconds for each re-solve.
    seed, processes, scheduler
        Passed to the solves and to :func:`planner.parallel.run_map`.

    Returns
    -------
    (base value, term, list[Binding])
        The first term's optimum in the base scenario (None if none was found), its
        name, and one Binding per knob, largest gain first.
    """
    from planner.parallel import run_map

    term = term or scenario.objective_terms[0]
    data = scenario_to_data(scenario)
    words = rule_book.rule_words(scenario)
    base = _first_term_task((data, None, term, time_limit, seed))
    if base["value"] is None:
        return None, term, []
    plan = Plan.model_validate(base["plan"])
    slack = slacks(scenario, plan)
    knobs = []
    for rule in words:
        for knob in rule_book.knobs(scenario, rule):
            if knob.values and knob.path == "rounds.open_hours" and knob.values[0] is None:
                continue  # dropping open hours is not a one-unit change
            knobs.append(knob)
    tasks = [(data, k.override(1), term, time_limit, seed) for k in knobs]
    results = run_map(_first_term_task, tasks, processes=processes, scheduler=scheduler)
    out = [
        Binding(
            rule=k.rule,
            words=words[k.rule],
            change=k.words(1),
            override=k.override(1),
            slack=slack.get(k.key),
            term=term,
            base=base["value"],
            relaxed=r["value"],
            status=r["status"],
        )
        for k, r in zip(knobs, results, strict=True)
    ]
    out.sort(key=lambda b: (-(b.gain or 0), b.slack if b.slack is not None else 10**12))
    return base["value"], term, out


def slacks(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Slack of each limit in a plan (0 = tight), by knob key, in the knob's own unit.

    Capacities: limit - peak use. Deadlines: deadline - last release; ready hours:
    first release (a captive's round start) - ready hour. ``horizon_hours``: horizon -
    latest release or phase end. ``rounds.max_rounds``: rounds left unused;
    ``rounds.min_gap_hours``: smallest gap between consecutive starts - the minimum.
    Open hours: earliest start hour of day - opening (``[0]``), closing - latest
    window end (``[1]``). Ratios: spare detainees matching ``from`` in the tightest
    round. Packages: ``within_hours`` - (last matching detainee out - last matching
    captive out). Phases: deadline - end; start - ``earliest_start``; for each
    ``after`` condition, start - (the moment it holds + its lag).
    """
    sc, D = scenario, scenario.rounds.duration_hours
    out: dict[str, int] = {}
    for name, use in validate.usage(sc, plan).items():
        if use["limit"] is None:
            continue
        kind, _, key = name.partition(":")
        path = {
            "site": f"sites[{key}].max_captives_per_round",
            "facility": f"facilities[{key}].max_releases_per_day",
            "teams": "teams.count",
            "reception": "reception.max_living_per_day",
            "vehicles": "vehicles.count",
        }[kind]
        out[path] = use["limit"] - use["peak"]
    last: dict[str, int] = {}
    first: dict[str, int] = {}
    for r in plan.rounds:
        for cid in r.captives:
            last[cid] = max(last.get(cid, 0), r.end_hour)
            first[cid] = min(first.get(cid, r.start_hour), r.start_hour)
        if r.detainee_release_hour is not None:
            for did in r.detainees:
                last[did] = max(last.get(did, 0), r.detainee_release_hour)
                first[did] = min(first.get(did, r.detainee_release_hour), r.detainee_release_hour)
    for kind, cohorts in (("captives", sc.captives), ("detainees", sc.detainees)):
        for c in cohorts:
            if c.deadline_hour is not None and c.id in last:
                out[f"{kind}[{c.id}].deadline_hour"] = c.deadline_hour - last[c.id]
            if c.ready_hour > 0 and c.id in first:
                out[f"{kind}[{c.id}].ready_hour"] = first[c.id] - c.ready_hour
    values = validate.objective_values(sc, plan)
    out["horizon_hours"] = sc.horizon_hours - values["makespan"]
    out["rounds.max_rounds"] = sc.rounds.max_rounds - len(plan.rounds)
    starts = sorted(r.start_hour for r in plan.rounds)
    if len(starts) > 1 and sc.rounds.min_gap_hours:
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        out["rounds.min_gap_hours"] = min(gaps) - sc.rounds.min_gap_hours
    if sc.rounds.open_hours is not None and starts:
        a, b = sc.rounds.open_hours
        out["rounds.open_hours[0]"] = min(s % 24 for s in starts) - a
        out["rounds.open_hours[1]"] = b - max(s % 24 + D for s in starts)
    _ratio_slacks(sc, plan, out)
    _package_slacks(sc, last, out)
    _phase_slacks(sc, plan, out)
    return out


def _ratio_slacks(sc: Scenario, plan: Plan, out: dict[str, int]) -> None:
    """Spare ``from`` detainees in the tightest round of each ratio rule."""
    for i, rule in enumerate(sc.ratios):
        governed = {c.id for c in sc.captives if sc.governing_ratio[c.id] == i}
        eligible = {d.id for d in sc.detainees_matching(rule.from_)}
        spare = [
            sum(n for d, n in r.detainees.items() if d in eligible)
            - rule.per_captive * sum(n for c, n in r.captives.items() if c in governed)
            for r in plan.rounds
            if any(c in governed for c in r.captives)
        ]
        if spare:
            out[f"ratios[{rule.name}].per_captive"] = min(spare)


def _package_slacks(sc: Scenario, last: dict[str, int], out: dict[str, int]) -> None:
    """Hours a package's detainees could still wait after its last captive."""
    for pkg in sc.packages:
        caps = [last[c.id] for c in sc.captives_matching(pkg.captives) if c.id in last]
        dets = [last[d.id] for d in sc.detainees_matching(pkg.detainees) if d.id in last]
        if caps and dets:
            out[f"packages[{pkg.name}].within_hours"] = pkg.within_hours - (max(dets) - max(caps))


def _phase_slacks(sc: Scenario, plan: Plan, out: dict[str, int]) -> None:
    """Deadline, earliest start and each ``after`` condition of every phase."""
    captive_events = [(r.end_hour, c, n) for r in plan.rounds for c, n in r.captives.items()]
    detainee_events = [
        (r.detainee_release_hour, d, n)
        for r in plan.rounds
        if r.detainee_release_hour is not None
        for d, n in r.detainees.items()
    ]
    for p in sc.phases:
        t = plan.phases.get(p.id)
        if t is None:
            continue
        path = f"phases[{p.id}]"
        if p.deadline_hour is not None:
            out[f"{path}.deadline_hour"] = p.deadline_hour - t.end_hour
        if p.earliest_start:
            out[f"{path}.earliest_start"] = t.start_hour - p.earliest_start
        for j, cond in enumerate(p.after):
            if cond.kind == "phase":
                q = plan.phases.get(cond.phase)
                held = None if q is None else q.end_hour
            else:
                if cond.kind == "captives":
                    ids = {c.id for c in sc.captives_matching(cond.selector)}
                    total = sum(c.count for c in sc.captives if c.id in ids)
                    events = [(h, n) for h, c, n in captive_events if c in ids]
                else:
                    ids = {d.id for d in sc.detainees_matching(cond.selector)}
                    total = sum(d.count for d in sc.detainees if d.id in ids)
                    events = [(h, n) for h, d, n in detainee_events if d in ids]
                need = math.ceil(cond.exact_fraction * total)
                held = validate.first_reached(events, need) if need > 0 else 0
            if held is not None:
                out[f"{path}.after[{j}].lag_hours"] = t.start_hour - (held + cond.lag_hours)
