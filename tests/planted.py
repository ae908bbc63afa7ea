"""Planted-solution generator for property tests.

``planted()`` is a hypothesis strategy that FIRST draws a plan (rounds with start hours,
sites, captive and detainee counts, detainee release hours, phase times) and THEN derives
a scenario (plain data, ``exchange-scenario/1``) that this plan satisfies by
construction: every limit is set at or above what the plan uses, every deadline after
and every ready hour before the plan's hours, every rule loose enough for the plan.
Half of the scenarios are "tight": every optional limit is given and set exactly at the
plan's use (peaks, first/last hours, smallest gap, lags), so the planted plan is nearly
forced and a solver that over-constrains some rule is caught by its objective.

Everything the scenario needs from the plan (peaks, first/last releases, objective
values) is recomputed here from the drawn data, on purpose without importing the
validator, so that property tests can compare the two.

Sizes stay small (<= 4 rounds, <= 3 captive and <= 3 detainee cohorts, <= 2 sites,
<= 2 phases, horizon around 200 at most) so that one exact solve takes well under a
second.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from typing import Any

from hypothesis import strategies as st

Data = dict[str, Any]

DEFAULT_OBJECTIVE = ("living_release_hours", "release_hours", "makespan", "rounds")
ALL_TERMS = ("priority_inversion_hours", *DEFAULT_OBJECTIVE)
FRACTIONS: tuple[float | int, ...] = (0.1, 0.25, 0.3, 0.5, 0.6, 0.75, 1.0, 1)
MAX_HORIZON = 200


@dataclass(frozen=True)
class Planted:
    """A scenario, a plan that satisfies it by construction, and that plan's objective."""

    scenario: Data
    plan: Data
    objective: dict[str, int]  # all five terms, computed here from the drawn plan
    terms: tuple[str, ...]  # the objective in force, lexicographic order
    notes: dict[str, Any] = field(default_factory=dict, compare=False)

    def planted_key(self) -> tuple[int, ...]:
        return tuple(self.objective[t] for t in self.terms)


# --------------------------------------------------------------------------- helpers


def matches(selector: Data, cohort: Data) -> bool:
    """Spec selector semantics, on plain data (a missing attribute never matches)."""
    for attr, allowed in selector.items():
        values = [allowed] if isinstance(allowed, str) else list(allowed)
        value = cohort.get(attr)
        if value is None or value not in values:
            return False
    return True


def _selectors(cohorts: list[Data], attrs: tuple[str, ...]) -> list[Data]:
    """Selectors that each match at least one of ``cohorts``."""
    out: list[Data] = [{}]
    for attr in attrs:
        values = sorted({c[attr] for c in cohorts if c.get(attr) is not None})
        out += [{attr: v} for v in values]
        if len(values) >= 2:
            out.append({attr: values[:2]})
    out += [{"id": c["id"]} for c in cohorts]
    out += [
        {"status": c["status"], "category": [c["category"]]}
        for c in cohorts
        if c.get("category") is not None
    ]
    return out


def _peak(intervals: list[tuple[int, int, int]]) -> int:
    """Peak load of weighted half-open intervals [lo, hi) (the peak is at some lo)."""
    live = [(lo, hi, w) for lo, hi, w in intervals if hi > lo and w > 0]
    return max((sum(w for lo, hi, w in live if lo <= t < hi) for t, _, _ in live), default=0)


def _put(target: Data, key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


# --------------------------------------------------------------------------- strategy


@st.composite
def planted(draw) -> Planted:
    """Draw a plan, then a scenario it satisfies; see the module docstring."""
    notes: Data = {}
    # A tight scenario sets every limit exactly at what the plan uses and gives every
    # optional limit, so the planted plan is nearly forced; a loose one adds slack.
    tight = draw(st.booleans())
    notes["tight"] = tight

    def slack(most: int) -> int:
        return 0 if tight else draw(st.integers(0, max(0, most)))

    def maybe(value: Any) -> Any:
        return value if tight or draw(st.booleans()) else None

    # ---------------------------------------------------------------- rounds: times, sites
    duration = draw(st.integers(0, 8))
    open_hours = None
    lo_h, hi_h = 0, 23  # allowed start hours of day
    if draw(st.booleans()):
        a = draw(st.integers(0, min(16, 24 - max(duration, 1))))
        b = draw(st.one_of(st.just(24), st.integers(a + max(duration, 1), 24)))
        open_hours = [a, b]
        lo_h, hi_h = a, min(23, b - duration)

    def next_open(t: int) -> int:
        h = t % 24
        if h < lo_h:
            return t - h + lo_h
        if h > hi_h:
            return t - h + 24 + lo_h
        return t

    n_rounds = draw(st.integers(1, 4))
    n_sites = draw(st.integers(1, 2))
    starts: list[int] = []
    site_of: list[int] = []
    last_at_site: dict[int, int] = {}
    for k in range(n_rounds):
        t = draw(st.integers(0, 16)) if k == 0 else starts[-1] + draw(st.integers(0, 16))
        j = draw(st.integers(0, n_sites - 1))
        if j in last_at_site:
            t = max(t, last_at_site[j] + duration)  # never two overlapping rounds at a site
        t = next_open(t)
        starts.append(t)
        site_of.append(j)
        last_at_site[j] = t
    ends = [s + duration for s in starts]

    # ---------------------------------------------------------------- captives
    n_cap = draw(st.integers(1, 3))
    captives: list[Data] = []
    cap_counts: list[list[int]] = []
    for i in range(n_cap):
        c: Data = {"id": f"c{i}", "status": draw(st.sampled_from(["living", "deceased"]))}
        _put(c, "category", draw(st.sampled_from([None, "civ", "mil", "kid"])))
        _put(c, "zone", draw(st.sampled_from([None, "north", "south"])))
        captives.append(c)
        cap_counts.append(draw(st.lists(st.integers(0, 2), min_size=n_rounds, max_size=n_rounds)))
    for k in range(n_rounds):  # every round releases a captive
        if not any(cap_counts[i][k] for i in range(n_cap)):
            cap_counts[draw(st.integers(0, n_cap - 1))][k] += 1
    for i in range(n_cap):  # every cohort has someone
        if not any(cap_counts[i]):
            cap_counts[i][draw(st.integers(0, n_rounds - 1))] += 1
    for i, c in enumerate(captives):
        c["count"] = sum(cap_counts[i])
    cap_rounds = [[k for k in range(n_rounds) if cap_counts[i][k]] for i in range(n_cap)]

    # ---------------------------------------------------------------- detainees
    n_det = draw(st.integers(0, 3))
    detainees: list[Data] = []
    det_counts: list[list[int]] = []
    for i in range(n_det):
        d: Data = {"id": f"d{i}", "status": draw(st.sampled_from(["living", "deceased"]))}
        _put(d, "category", draw(st.sampled_from([None, "life", "long", "gaza"])))
        _put(d, "facility", draw(st.sampled_from([None, "f0", "f1"])))
        _put(d, "destination", draw(st.sampled_from([None, "wb", "gaza"])))
        detainees.append(d)
        det_counts.append(draw(st.lists(st.integers(0, 5), min_size=n_rounds, max_size=n_rounds)))
        if not any(det_counts[i]):
            det_counts[i][draw(st.integers(0, n_rounds - 1))] += draw(st.integers(1, 5))
        d["count"] = sum(det_counts[i])
    moves = [any(det_counts[i][k] for i in range(n_det)) for k in range(n_rounds)]
    lags = [draw(st.integers(0, 6)) if moves[k] else None for k in range(n_rounds)]
    release: list[int | None] = [ends[k] + lags[k] if moves[k] else None for k in range(n_rounds)]
    det_rounds = [[k for k in range(n_rounds) if det_counts[i][k]] for i in range(n_det)]
    released_rounds = [k for k in range(n_rounds) if moves[k]]

    # ---------------------------------------------------------------- sites and zones
    sites: list[Data] = []
    for j in range(n_sites):
        here = [k for k in range(n_rounds) if site_of[k] == j]
        site: Data = {"id": f"s{j}"}
        peak = max((sum(cap_counts[i][k] for i in range(n_cap)) for k in here), default=0)
        _put(site, "max_captives_per_round", maybe(peak + slack(2)))
        if draw(st.booleans()):
            zones = {
                captives[i]["zone"]
                for i in range(n_cap)
                for k in here
                if cap_counts[i][k] and "zone" in captives[i]
            }
            if draw(st.booleans()):
                zones.add(draw(st.sampled_from(["north", "south", "east"])))
            site["zones"] = sorted(zones)
        sites.append(site)
    all_zones = sorted(
        {c["zone"] for c in captives if "zone" in c}
        | {z for s in sites for z in s.get("zones", [])}
    )

    cap_sels = _selectors(captives, ("status", "category", "zone"))
    det_sels = _selectors(detainees, ("status", "category", "facility", "destination"))

    def captives_reached(selector: Data, fraction: Fraction) -> int | None:
        """First hour at which ceil(f N) of the captives matching ``selector`` are out."""
        chosen = [i for i in range(n_cap) if matches(selector, captives[i])]
        need = math.ceil(fraction * sum(captives[i]["count"] for i in chosen))
        total = 0
        for k in sorted(range(n_rounds), key=lambda k: ends[k]):
            total += sum(cap_counts[i][k] for i in chosen)
            if total >= need:
                return ends[k]
        return None

    def detainees_reached(selector: Data, fraction: Fraction) -> int | None:
        chosen = [i for i in range(n_det) if matches(selector, detainees[i])]
        need = math.ceil(fraction * sum(detainees[i]["count"] for i in chosen))
        total = 0
        for k in sorted(released_rounds, key=lambda k: release[k]):
            total += sum(det_counts[i][k] for i in chosen)
            if total >= need:
                return release[k]
        return None

    # ---------------------------------------------------------------- phases
    n_phases = draw(st.integers(0, 2))
    phases: list[Data] = []
    phase_start: dict[str, int] = {}
    phase_end: dict[str, int] = {}
    events = [0, *ends, *(r for r in release if r is not None)]
    for p in range(n_phases):
        pid = f"p{p}"
        dur = draw(st.integers(0, 10))
        anchor = draw(st.sampled_from(events + list(phase_end.values())))
        sp = anchor + draw(st.integers(0, 8))
        phase_start[pid], phase_end[pid] = sp, sp + dur
        phase: Data = {"id": pid, "duration_hours": dur}
        _put(phase, "earliest_start", maybe(sp - slack(sp)))
        _put(phase, "deadline_hour", maybe(sp + dur + slack(10)))
        after: list[Data] = []
        for q in range(p):  # earlier phases only: no cycles
            qid = f"p{q}"
            if sp >= phase_end[qid] and draw(st.booleans()):
                room = sp - phase_end[qid]
                after.append({"phase": qid, "lag_hours": room - slack(room)})
        for kind, sels, reached in (
            ("captives_released", cap_sels, captives_reached),
            ("detainees_released", det_sels, detainees_reached),
        ):
            if not sels[1:] or not draw(st.booleans()):
                continue
            sel = draw(st.sampled_from(sels))
            frac = draw(st.sampled_from(FRACTIONS))
            hour = reached(sel, Fraction(str(frac)))
            if hour is None or hour > sp:
                continue
            cond: Data = {kind: sel}
            if frac != 1 or draw(st.booleans()):
                cond["fraction"] = frac
            lag = sp - hour - slack(sp - hour)
            if lag or draw(st.booleans()):
                cond["lag_hours"] = lag
            after.append(cond)
        if after:
            phase["after"] = after
        # A zone may be opened by this phase when every round with captives from it
        # starts at or after the phase ends.
        openable = [
            z
            for z in all_zones
            if all(
                starts[k] >= sp + dur
                for i in range(n_cap)
                if captives[i].get("zone") == z
                for k in cap_rounds[i]
            )
        ]
        if openable and draw(st.booleans()):
            phase["opens_zones"] = draw(
                st.lists(st.sampled_from(openable), min_size=1, max_size=2, unique=True)
            )
        phases.append(phase)

    # ---------------------------------------------------------------- horizon and rounds block
    needed = max([*ends, *(r for r in release if r is not None), *phase_end.values()])
    horizon = max(needed, min(MAX_HORIZON, needed + slack(20)))

    rounds_block: Data = {
        "max_rounds": n_rounds + slack(2),
        "duration_hours": duration,
    }
    smallest_gap = min((b - a for a, b in pairwise(starts)), default=24)
    gap = smallest_gap - slack(smallest_gap)
    if gap or draw(st.booleans()):
        rounds_block["min_gap_hours"] = gap
    used = [lag for lag in lags if lag is not None]
    if used:
        lag_lo = min(used) - slack(min(used))
        lag_hi = max(used) + slack(4)
    else:
        lag_lo = draw(st.integers(0, 3))
        lag_hi = lag_lo + draw(st.integers(0, 3))
    if (lag_lo, lag_hi) != (0, 0) or draw(st.booleans()):
        rounds_block["detainee_lag_hours"] = [lag_lo, lag_hi]
    if open_hours is not None:
        rounds_block["open_hours"] = open_hours

    # ---------------------------------------------------------------- cohort hours
    for i, c in enumerate(captives):
        first = min(starts[k] for k in cap_rounds[i])
        last = max(ends[k] for k in cap_rounds[i])
        _put(c, "ready_hour", maybe(max(0, first - slack(12))))
        _put(c, "deadline_hour", maybe(last + slack(12)))
        if draw(st.booleans()):
            c["weight"] = draw(st.integers(1, 3))
    for i, d in enumerate(detainees):
        first = min(release[k] for k in det_rounds[i])
        last = max(release[k] for k in det_rounds[i])
        _put(d, "ready_hour", maybe(max(0, first - slack(12))))
        _put(d, "deadline_hour", maybe(last + slack(12)))

    # ---------------------------------------------------------------- capacities
    scenario: Data = {
        "format": "exchange-scenario/1",
        "name": "planted",
        "horizon_hours": horizon,
        "captives": captives,
        "detainees": detainees,
        "rounds": rounds_block,
        "sites": sites,
    }

    facility_ids = sorted({d["facility"] for d in detainees if "facility" in d})
    if draw(st.booleans()):
        facility_ids = sorted({*facility_ids, "f9"})
    per_day: dict[tuple[str, int], int] = defaultdict(int)
    for k in released_rounds:
        for i, d in enumerate(detainees):
            if "facility" in d:
                per_day[(d["facility"], release[k] // 24)] += det_counts[i][k]
    facilities = []
    for f in facility_ids:
        fac: Data = {"id": f}
        peak = max((n for (fid, _), n in per_day.items() if fid == f), default=0)
        _put(fac, "max_releases_per_day", maybe(peak + slack(3)))
        facilities.append(fac)
    if facilities:
        scenario["facilities"] = facilities

    pairs = sorted(
        {
            (d["facility"], d["destination"])
            for d in detainees
            if "facility" in d and "destination" in d
        }
    )
    routable = all("facility" in d and "destination" in d for d in detainees)
    use_vehicles = routable and (tight or draw(st.booleans()))
    if pairs and (use_vehicles or draw(st.booleans())):
        scenario["routes"] = [
            {"facility": f, "destination": dest, "hours": draw(st.integers(0, 4))}
            for f, dest in pairs
        ]
    if use_vehicles:
        hours = {(r["facility"], r["destination"]): r["hours"] for r in scenario.get("routes", [])}
        seats = draw(st.integers(1, 6))
        trips = []
        for k in released_rounds:
            per_route: dict[tuple[str, str], int] = defaultdict(int)
            for i, d in enumerate(detainees):
                per_route[(d["facility"], d["destination"])] += det_counts[i][k]
            for route, n in per_route.items():
                if n:
                    r_k = release[k]
                    trips.append((r_k, r_k + 2 * hours[route], -(-n // seats)))
        scenario["vehicles"] = {"count": _peak(trips) + slack(1), "seats": seats}

    if tight or draw(st.booleans()):
        overlap = max((sum(1 for s in starts if s <= t < s + duration) for t in starts), default=0)
        scenario["teams"] = {"count": max(1, overlap) + slack(1)}

    if tight or draw(st.booleans()):
        living_day: dict[int, int] = defaultdict(int)
        for k in range(n_rounds):
            living_day[ends[k] // 24] += sum(
                cap_counts[i][k] for i in range(n_cap) if captives[i]["status"] == "living"
            )
        scenario["reception"] = {"max_living_per_day": max(living_day.values()) + slack(2)}

    # ---------------------------------------------------------------- ratios
    # Rules are drawn among (captives, from) pairs that the plan satisfies on their own.
    viable = [
        {"captives": cs, "from": fs}
        for cs in cap_sels
        for fs in det_sels
        if _supply_cap(
            [{"from": fs}],
            [0 if matches(cs, c) else None for c in captives],
            0,
            {},
            cap_counts,
            detainees,
            det_counts,
        )
        != 0
    ]
    if viable and draw(st.booleans()):
        rules = draw(st.lists(st.sampled_from(viable), min_size=1, max_size=2))
        ratios = _ratios(draw, rules, captives, cap_counts, detainees, det_counts)
        if ratios:
            scenario["ratios"] = ratios
            notes["ratios"] = len(ratios)

    # ---------------------------------------------------------------- packages
    if detainees and draw(st.booleans()):
        packages = []
        for n in range(draw(st.integers(1, 2))):
            csel = draw(st.sampled_from(cap_sels))
            dsel = draw(st.sampled_from(det_sels))
            last_cap = max(
                ends[k] for i in range(n_cap) if matches(csel, captives[i]) for k in cap_rounds[i]
            )
            last_det = max(
                release[k]
                for i in range(n_det)
                if matches(dsel, detainees[i])
                for k in det_rounds[i]
            )
            within = max(0, last_det - last_cap) + slack(6)
            packages.append(
                {"name": f"pkg{n}", "captives": csel, "detainees": dsel, "within_hours": within}
            )
        scenario["packages"] = packages

    if phases:
        scenario["phases"] = phases

    # ---------------------------------------------------------------- priority
    spans: dict[int, tuple[int, int]] = {}
    soft = False
    if draw(st.booleans()):
        tiers = draw(st.lists(st.sampled_from(cap_sels), min_size=1, max_size=3))
        for i, c in enumerate(captives):
            tier = next((t for t, sel in enumerate(tiers) if matches(sel, c)), None)
            if tier is None:
                continue
            for k in cap_rounds[i]:
                first, last = spans.get(tier, (ends[k], ends[k]))
                spans[tier] = (min(first, ends[k]), max(last, ends[k]))
        in_order = all(spans[i][1] <= spans[j][0] for i in spans for j in spans if i < j)
        mode = draw(st.sampled_from(["hard", None, "soft"])) if in_order else "soft"
        priority: Data = {"tiers": tiers}
        _put(priority, "mode", mode)
        scenario["priority"] = priority
        soft = mode == "soft"
        notes["priority"] = mode or "hard"

    # ---------------------------------------------------------------- objective
    if draw(st.booleans()):
        order = draw(st.permutations(ALL_TERMS))
        objective = list(order[: draw(st.integers(1, len(ALL_TERMS)))])
        scenario["objective"] = objective
        terms = tuple(objective)
    else:
        terms = DEFAULT_OBJECTIVE
    if soft and "priority_inversion_hours" not in terms:
        terms = ("priority_inversion_hours", *terms)

    values = {
        "priority_inversion_hours": sum(
            max(0, spans[i][1] - spans[j][0]) for i in spans for j in spans if i < j
        ),
        "living_release_hours": sum(
            c.get("weight", 1) * cap_counts[i][k] * ends[k]
            for i, c in enumerate(captives)
            if c["status"] == "living"
            for k in range(n_rounds)
        ),
        "release_hours": sum(
            c.get("weight", 1) * cap_counts[i][k] * ends[k]
            for i, c in enumerate(captives)
            for k in range(n_rounds)
        ),
        "makespan": needed,
        "rounds": n_rounds,
    }

    # ---------------------------------------------------------------- the plan
    plan_rounds = []
    for k in range(n_rounds):
        rnd: Data = {
            "index": k + 1,
            "site": f"s{site_of[k]}",
            "start_hour": starts[k],
            "end_hour": ends[k],
            "captives": {
                c["id"]: cap_counts[i][k] for i, c in enumerate(captives) if cap_counts[i][k]
            },
            "detainees": {
                d["id"]: det_counts[i][k] for i, d in enumerate(detainees) if det_counts[i][k]
            },
        }
        if moves[k]:
            rnd["detainee_release_hour"] = release[k]
        plan_rounds.append(rnd)
    plan: Data = {
        "format": "exchange-plan/1",
        "scenario": "planted",
        "status": "feasible",
        "engine": "planted",
        "objective": {t: values[t] for t in terms},
        "rounds": plan_rounds,
        "phases": {
            pid: {"start_hour": phase_start[pid], "end_hour": phase_end[pid]} for pid in phase_start
        },
    }
    return Planted(scenario=scenario, plan=plan, objective=values, terms=terms, notes=notes)


def _supply_cap(
    rules: list[Data],
    governing: list[int | None],
    rule_index: int,
    selector: Data,
    cap_counts: list[list[int]],
    detainees: list[Data],
    det_counts: list[list[int]],
) -> int | None:
    """Largest count per governed captive that 1/m of every round's supply allows.

    The supply of a round is its detainees matching the rule's ``from`` and ``selector``;
    None when the rule governs no captive of any round.
    """
    m = len(rules)
    best = None
    for k in range(len(cap_counts[0])):
        n = sum(
            counts[k] for counts, g in zip(cap_counts, governing, strict=True) if g == rule_index
        )
        if n == 0:
            continue
        supply = sum(
            det_counts[i][k]
            for i, d in enumerate(detainees)
            if matches(rules[rule_index]["from"], d) and matches(selector, d)
        )
        cap = supply // (m * n)
        best = cap if best is None else min(best, cap)
    return best


def _ratios(
    draw,
    rules: list[Data],
    captives: list[Data],
    cap_counts: list[list[int]],
    detainees: list[Data],
    det_counts: list[list[int]],
) -> list[Data]:
    """Ratio rules (per_captive, of_which) that every round of the plan satisfies.

    With m rules, a rule asking per round at most 1/m of the detainees matching each of
    its slots is always satisfiable together with the others (Hall's condition: the
    demand of any set of slots is at most the largest of the m rules' supplies, so at
    most their union; of_which selectors are disjoint). A rule that cannot ask for one
    detainee per captive is dropped, and the rest recomputed (governance may move).
    """
    while rules:
        governing = [
            next((r for r, ru in enumerate(rules) if matches(ru["captives"], c)), None)
            for c in captives
        ]
        caps = [
            _supply_cap(rules, governing, r, {}, cap_counts, detainees, det_counts)
            for r in range(len(rules))
        ]
        if 0 in caps:
            del rules[caps.index(0)]
            continue
        out = []
        ids = [d["id"] for d in detainees]
        for r, rule in enumerate(rules):
            cap = caps[r]
            p_max = cap if cap is not None else draw(st.integers(1, 3))
            per = draw(st.one_of(st.just(p_max), st.integers(1, p_max)))
            item: Data = {"name": f"ratio{r}", "captives": rule["captives"], "per_captive": per}
            if rule["from"] or draw(st.booleans()):
                item["from"] = rule["from"]
            # of_which: disjoint id lists, each count within 1/m of its round supply.
            if cap is not None and draw(st.booleans()):
                chosen = draw(
                    st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True)
                )
                split = draw(st.integers(1, len(chosen)))
                of_which, left = [], per
                for group in (chosen[:split], chosen[split:]):
                    if not group or left == 0:
                        continue
                    sel = {"id": group if len(group) > 1 else group[0]}
                    c_max = _supply_cap(rules, governing, r, sel, cap_counts, detainees, det_counts)
                    if not c_max:
                        continue
                    count = draw(st.integers(1, min(c_max, left)))
                    of_which.append({"from": sel, "count": count})
                    left -= count
                if of_which:
                    item["of_which"] = of_which
            out.append(item)
        return out
    return []
