"""Cross-reference checks of a scenario, all in one place.

Each check returns problems (field path + message); the loader reports them all
at once. Single-field checks are on the pydantic models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import networkx as nx

from models.errors import Problem
from models.scenario import Scenario, matches

Check = Callable[[Scenario], Iterator[Problem]]


def _unique_ids(s: Scenario) -> Iterator[Problem]:
    """Ids are unique across captives, detainees, phases, sites; facility ids among facilities."""
    seen: dict[str, str] = {}
    for kind in ("captives", "detainees", "phases", "sites"):
        for i, item in enumerate(getattr(s, kind)):
            here = f"{kind}[{i}].id"
            if item.id in seen:
                yield Problem(here, f"duplicate id '{item.id}' (also {seen[item.id]})")
            else:
                seen[item.id] = here
    fac: dict[str, str] = {}
    for i, f in enumerate(s.facilities):
        here = f"facilities[{i}].id"
        if f.id in fac:
            yield Problem(here, f"duplicate id '{f.id}' (also {fac[f.id]})")
        else:
            fac[f.id] = here
    names: dict[tuple[str, str], str] = {}
    for kind in ("ratios", "packages"):
        for i, item in enumerate(getattr(s, kind)):
            here = f"{kind}[{i}].name"
            if (kind, item.name) in names:
                yield Problem(
                    here, f"duplicate name '{item.name}' (also {names[(kind, item.name)]})"
                )
            else:
                names[(kind, item.name)] = here


def _ordered_pairs(s: Scenario) -> Iterator[Problem]:
    """Min/max pairs are in order: ready before deadline, lag min <= max, open from < to."""
    for kind in ("captives", "detainees"):
        for i, c in enumerate(getattr(s, kind)):
            if c.deadline_hour is not None and c.ready_hour > c.deadline_hour:
                yield Problem(
                    f"{kind}[{i}].deadline_hour",
                    f"{c.deadline_hour} is before ready_hour {c.ready_hour}",
                )
    lo, hi = s.rounds.detainee_lag_hours
    if lo > hi:
        yield Problem("rounds.detainee_lag_hours", f"min {lo} is above max {hi}")
    if s.rounds.open_hours is not None:
        a, b = s.rounds.open_hours
        if a >= b:
            yield Problem("rounds.open_hours", f"from {a} must be before to {b}")
    for i, p in enumerate(s.phases):
        if p.deadline_hour is not None and p.earliest_start + p.duration_hours > p.deadline_hour:
            yield Problem(
                f"phases[{i}].deadline_hour",
                f"{p.deadline_hour} is before earliest_start {p.earliest_start} + "
                f"duration_hours {p.duration_hours}",
            )


def _references(s: Scenario) -> Iterator[Problem]:
    """Facilities, routes, phases and zones named anywhere exist."""
    facilities = s.facility_by_id
    for i, d in enumerate(s.detainees):
        if d.facility is not None and d.facility not in facilities:
            yield Problem(f"detainees[{i}].facility", f"unknown facility '{d.facility}'")
    seen_routes: set[tuple[str, str]] = set()
    for i, r in enumerate(s.routes):
        if r.facility not in facilities:
            yield Problem(f"routes[{i}].facility", f"unknown facility '{r.facility}'")
        if (r.facility, r.destination) in seen_routes:
            yield Problem(f"routes[{i}]", f"duplicate route {r.facility} -> {r.destination}")
        seen_routes.add((r.facility, r.destination))
    if s.vehicles is not None:
        for i, d in enumerate(s.detainees):
            if d.facility is None or d.destination is None:
                yield Problem(
                    f"detainees[{i}]",
                    "needs a facility and a destination (a route) because vehicles are given",
                )
            elif (d.facility, d.destination) not in s.route_hours:
                yield Problem(
                    f"detainees[{i}]",
                    f"no route from facility '{d.facility}' to destination "
                    f"'{d.destination}' (needed because vehicles are given)",
                )
    phases = s.phase_by_id
    zones = {c.zone for c in s.captives if c.zone} | {
        z for site in s.sites for z in (site.zones or [])
    }
    for i, p in enumerate(s.phases):
        for j, cond in enumerate(p.after):
            if cond.phase is not None and cond.phase not in phases:
                yield Problem(f"phases[{i}].after[{j}].phase", f"unknown phase '{cond.phase}'")
        for j, z in enumerate(p.opens_zones):
            if z not in zones:
                yield Problem(
                    f"phases[{i}].opens_zones[{j}]",
                    f"unknown zone '{z}' (no captive is held there and no site serves it)",
                )


def _selectors(s: Scenario) -> Iterator[Problem]:
    """Every selector in a rule, package, tier or phase condition matches some cohort."""
    captive_sels: list[tuple[str, dict[str, list[str]]]] = []
    detainee_sels: list[tuple[str, dict[str, list[str]]]] = []
    for i, r in enumerate(s.ratios):
        captive_sels.append((f"ratios[{i}].captives", r.captives))
        detainee_sels.append((f"ratios[{i}].from", r.from_))
        for j, ow in enumerate(r.of_which):
            detainee_sels.append((f"ratios[{i}].of_which[{j}].from", ow.from_))
    for i, p in enumerate(s.packages):
        captive_sels.append((f"packages[{i}].captives", p.captives))
        detainee_sels.append((f"packages[{i}].detainees", p.detainees))
    if s.priority is not None:
        for i, t in enumerate(s.priority.tiers):
            captive_sels.append((f"priority.tiers[{i}]", t))
    for i, p in enumerate(s.phases):
        for j, cond in enumerate(p.after):
            if cond.captives_released is not None:
                captive_sels.append(
                    (f"phases[{i}].after[{j}].captives_released", cond.captives_released)
                )
            if cond.detainees_released is not None:
                detainee_sels.append(
                    (f"phases[{i}].after[{j}].detainees_released", cond.detainees_released)
                )
    for path, sel in captive_sels:
        if not s.captives_matching(sel):
            yield Problem(path, "matches no captive")
    for path, sel in detainee_sels:
        if not s.detainees_matching(sel):
            yield Problem(path, "matches no detainee")


def _of_which(s: Scenario) -> Iterator[Problem]:
    """``of_which`` selectors of one rule pick disjoint cohorts; their counts fit in per_captive."""
    for i, r in enumerate(s.ratios):
        total = sum(ow.count for ow in r.of_which)
        if total > r.per_captive:
            yield Problem(
                f"ratios[{i}].of_which",
                f"counts add up to {total}, above per_captive {r.per_captive}",
            )
        owner: dict[str, int] = {}
        for j, ow in enumerate(r.of_which):
            for d in s.detainees:
                if matches(ow.from_, d):
                    if d.id in owner:
                        yield Problem(
                            f"ratios[{i}].of_which[{j}].from",
                            f"overlaps of_which[{owner[d.id]}] on detainee cohort '{d.id}'",
                        )
                    else:
                        owner[d.id] = j


def _phase_cycles(s: Scenario) -> Iterator[Problem]:
    """Phase ``after`` conditions form no cycle."""
    g = nx.DiGraph()
    g.add_nodes_from(p.id for p in s.phases)
    known = set(s.phase_by_id)
    for p in s.phases:
        for cond in p.after:
            if cond.phase is not None and cond.phase in known:
                g.add_edge(cond.phase, p.id)
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    names = [u for u, _ in cycle] + [cycle[0][0]]
    yield Problem("phases", "dependency cycle " + " -> ".join(names))


def _objective(s: Scenario) -> Iterator[Problem]:
    """Objective terms are listed at most once."""
    if s.objective is None:
        return
    seen: set[str] = set()
    for i, term in enumerate(s.objective):
        if term in seen:
            yield Problem(f"objective[{i}]", f"'{term}' is listed twice")
        seen.add(term)


CHECKS: tuple[Check, ...] = (
    _unique_ids,
    _ordered_pairs,
    _references,
    _selectors,
    _of_which,
    _phase_cycles,
    _objective,
)


def cross_check(s: Scenario) -> list[Problem]:
    """Every cross-reference problem of a scenario that parsed field by field."""
    return [p for check in CHECKS for p in check(s)]
