"""Scenario generator: realistic-shaped scenarios whose size grows with N.

A scenario is built around a plan drawn first (rounds, sites, cohorts per round,
detainee releases, phase times); every limit is then set at or above what that
plan uses, so the scenario is feasible by construction. ``infeasible=True`` then
breaks one rule in a way a counting argument proves cannot be met. The
calibrated instances are about N = 1.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from typing import Any

CATEGORIES = [
    ("women-children", 30, None),
    ("elderly-sick", 30, None),
    ("soldiers", 50, 30),  # 50 per captive, of which 30 serving life sentences
    ("men", 20, None),
]
INFEASIBLE_KINDS = ("rounds", "deadline", "ratio", "horizon")


def generate(size: int, seed: int, infeasible: bool = False) -> dict[str, Any]:
    """A scenario (as plain data, format v1) of size ``size`` from ``seed``.

    Parameters
    ----------
    size
        N >= 1: cohorts, sites, facilities, rounds, horizon and phases grow with it.
    seed
        Random seed; the same (size, seed, infeasible) gives the same scenario.
    infeasible
        Break one rule (rounds, a deadline, a ratio or the horizon) so that no
        plan exists; the description says which.

    Returns
    -------
    dict
        Scenario data ready for :func:`models.scenario_from_data` or YAML output.
    """
    if size < 1:
        raise ValueError("size must be >= 1")
    rng = random.Random(seed * 1_000_003 + size)
    g = _Builder(size, rng)
    data = g.build()
    if infeasible:
        kind = INFEASIBLE_KINDS[rng.randrange(len(INFEASIBLE_KINDS))]
        _break(data, kind)
        data["description"] += f" Made infeasible on purpose: {kind}."
    return data


class _Builder:
    """Draws the plan, then writes the scenario around it."""

    def __init__(self, n: int, rng: random.Random):
        self.n, self.rng = n, rng
        self.duration = rng.choice([2, 3, 4])
        self.open = (8, 20)
        self.n_sites = min(1 + n // 2, 8)
        self.n_rounds = min(2 + n, 30)
        self.max_rounds = self.n_rounds + rng.choice([0, 1])
        self.n_facilities = min(1 + n // 3, 5)

    def build(self) -> dict[str, Any]:
        rng, n = self.rng, self.n
        sites = [f"site-{j + 1}" for j in range(self.n_sites)]
        zones = {s: f"zone-{j + 1}" for j, s in enumerate(sites)}
        # Whole days between rounds keep every start inside the open hours.
        gap = rng.choice([24, 24, 48])
        pullback_end = 24
        # Rounds: first on day 1 (after the pullback), then `gap` apart or more.
        starts, t = [], 24 + rng.randrange(self.open[0], self.open[1] - self.duration + 1)
        for _ in range(self.n_rounds):
            starts.append(t)
            t += gap + 24 * rng.choice([0, 0, 1])
        round_site = [rng.choice(sites) for _ in starts]
        ends = [s + self.duration for s in starts]
        lag = (rng.choice([0, 2]), rng.choice([6, 12]))
        releases = [e + rng.randint(*lag) for e in ends]
        living_rounds = max(1, (2 * self.n_rounds) // 3)

        captives, per_round = [], defaultdict(dict)
        cohort_round: dict[str, int] = {}
        n_living = min(2 + n, 12)
        for i in range(n_living):
            cat, _, _ = CATEGORIES[i % len(CATEGORIES)]
            k = rng.randrange(living_rounds)
            cid = f"living-{cat}-{i + 1}"
            count = rng.randint(1, 4 + n)
            captives.append(
                {
                    "id": cid,
                    "status": "living",
                    "category": cat,
                    "count": count,
                    "zone": zones[round_site[k]],
                    "ready_hour": max(0, starts[k] - rng.choice([0, 12, 48])),
                    "deadline_hour": ends[k] + rng.choice([0, 24, 72]),
                }
            )
            per_round[k][cid] = count
            cohort_round[cid] = k
        for i in range(min(1 + n // 2, 6)):
            k = rng.randrange(living_rounds - 1, self.n_rounds)
            cid = f"deceased-{i + 1}"
            count = rng.randint(1, 3 + n // 2)
            captives.append(
                {
                    "id": cid,
                    "status": "deceased",
                    "category": "remains",
                    "count": count,
                    "zone": zones[round_site[k]],
                    "ready_hour": max(0, starts[k] - rng.choice([0, 24])),
                }
            )
            per_round[k][cid] = count
            cohort_round[cid] = k
        # Every round needs a captive: fill empty rounds with a small cohort of the
        # status that keeps living before deceased (the hard priority tiers).
        for k in range(self.n_rounds):
            if not per_round[k]:
                cid = f"extra-{k + 1}"
                living = k < living_rounds
                captives.append(
                    {
                        "id": cid,
                        "status": "living" if living else "deceased",
                        "category": "men" if living else "remains",
                        "count": 1,
                        "zone": zones[round_site[k]],
                        "ready_hour": starts[k],
                    }
                )
                per_round[k][cid] = 1
                cohort_round[cid] = k
        self.captives = captives

        facilities = [f"facility-{f + 1}" for f in range(self.n_facilities)]
        destinations = ["west-bank", "gaza"]
        dest_of = {f: destinations[i % 2] for i, f in enumerate(facilities)}
        ratio_of = {cat: (per, of) for cat, per, of in CATEGORIES}
        by_id = {c["id"]: c for c in captives}
        # Detainee cohorts are (category, facility) groups released over several rounds,
        # as in real lists; each round of the drawn plan takes what its captives need.
        cohorts: dict[str, dict[str, Any]] = {}
        moved: dict[tuple[str, int], int] = defaultdict(int)  # (cohort, round) -> count
        for k in range(self.n_rounds):
            need = {"life": 0, "long": 0}
            for cid, cnt in per_round[k].items():
                cat = by_id[cid]["category"]
                if cat in ratio_of:
                    per, of = ratio_of[cat]
                    need["life"] += (of or 0) * cnt
                    need["long"] += (per - (of or 0)) * cnt
            fac = rng.choice(facilities)
            for cat, n_need in need.items():
                if n_need == 0:
                    continue
                did = f"{cat}-{fac}"
                cohort = cohorts.setdefault(
                    did,
                    {
                        "id": did,
                        "status": "living",
                        "category": cat,
                        "count": 0,
                        "facility": fac,
                        "destination": dest_of[fac],
                        "ready_hour": max(0, releases[k] - rng.choice([0, 24])),
                    },
                )
                amount = n_need + rng.randint(0, 5 * n)
                cohort["count"] += amount
                moved[did, k] += amount
        detainees = list(cohorts.values())

        routes = [
            {"facility": f, "destination": dest_of[f], "hours": rng.choice([1, 2, 3])}
            for f in facilities
        ]
        route_hours = {(r["facility"], r["destination"]): r["hours"] for r in routes}
        seats = 50
        # Peaks of the drawn plan set the limits (with some slack).
        fac_day: dict[tuple[str, int], int] = defaultdict(int)
        living_day: dict[int, int] = defaultdict(int)
        trips_at: dict[int, int] = defaultdict(int)
        route_round: dict[tuple[tuple[str, str], int], int] = defaultdict(int)
        for (did, k), cnt in moved.items():
            d = cohorts[did]
            fac_day[d["facility"], releases[k] // 24] += cnt
            route_round[(d["facility"], d["destination"]), k] += cnt
        for (route, k), cnt in route_round.items():
            for h in range(releases[k], releases[k] + 2 * route_hours[route]):
                trips_at[h] += math.ceil(cnt / seats)
        for c in captives:
            if c["status"] == "living":
                living_day[ends[cohort_round[c["id"]]] // 24] += c["count"]
        site_peak: dict[str, int] = defaultdict(int)
        for k in range(self.n_rounds):
            site_peak[round_site[k]] = max(site_peak[round_site[k]], sum(per_round[k].values()))
        overlap = max(
            sum(1 for s2 in starts if s2 < s + self.duration and s < s2 + self.duration)
            for s in starts
        )
        last_living = max(ends[cohort_round[c["id"]]] for c in captives if c["status"] == "living")
        last_release = max((releases[k] for _, k in moved), default=0)
        makespan = max(ends[-1], last_release)
        corridor_start = last_living + 12
        horizon = max(makespan, corridor_start + 24) + 24 * rng.randint(1, 3)
        self.horizon, self.starts = horizon, starts

        fac_peak = defaultdict(int)
        for (f, _), cnt in fac_day.items():
            fac_peak[f] = max(fac_peak[f], cnt)
        life_rounds = [releases[k] for did, k in moved if cohorts[did]["category"] == "life"]
        data: dict[str, Any] = {
            "format": "exchange-scenario/1",
            "name": f"generated N={self.n}",
            "description": (
                f"Synthetic scenario from `exchange-planner generate --size {self.n}`: "
                "cohorts only, no real figures."
            ),
            "horizon_hours": horizon,
            "captives": captives,
            "detainees": detainees,
            "rounds": {
                "max_rounds": self.max_rounds,
                "duration_hours": self.duration,
                "min_gap_hours": gap,
                "detainee_lag_hours": list(lag),
                "open_hours": list(self.open),
            },
            "sites": [
                {
                    "id": s,
                    "zones": [zones[s]],
                    "max_captives_per_round": site_peak[s] + rng.randint(0, 3)
                    if site_peak[s]
                    else 5,
                }
                for s in sites
            ],
            "facilities": [
                {"id": f, "max_releases_per_day": fac_peak[f] + rng.randint(0, 20) or 10}
                for f in facilities
            ],
            "routes": routes,
            "vehicles": {
                "count": max(trips_at.values(), default=1) + rng.randint(0, 2),
                "seats": seats,
            },
            "teams": {"count": overlap + rng.choice([0, 1])},
            "reception": {"max_living_per_day": max(living_day.values()) + rng.randint(0, 5)},
            "ratios": [
                {
                    "name": f"{cat}-{per}",
                    "captives": {"status": "living", "category": cat},
                    "per_captive": per,
                    "from": {"category": ["life", "long"]},
                    **({"of_which": [{"from": {"category": "life"}, "count": of}]} if of else {}),
                }
                for cat, per, of in CATEGORIES
                if any(c["category"] == cat for c in captives if c["status"] == "living")
            ],
            "phases": [
                {
                    "id": "pullback",
                    "duration_hours": pullback_end,
                    "deadline_hour": pullback_end + 24,
                    "opens_zones": sorted({c["zone"] for c in captives}),
                },
                {
                    "id": "corridor",
                    "duration_hours": 24,
                    "after": [
                        {"phase": "pullback"},
                        {"captives_released": {"status": "living"}, "lag_hours": 12},
                    ],
                    "deadline_hour": corridor_start + 24 + 24 * rng.randint(0, 2),
                },
            ],
            "priority": {"mode": "hard", "tiers": [{"status": "living"}, {"status": "deceased"}]},
        }
        if life_rounds:
            data["packages"] = [
                {
                    "name": "life-after-living",
                    "captives": {"status": "living"},
                    "detainees": {"category": "life"},
                    "within_hours": max(0, max(life_rounds) - last_living) + rng.randint(0, 12),
                }
            ]
        if self.n >= 3:
            data["phases"].append(
                {
                    "id": "withdrawal",
                    "duration_hours": 48,
                    "after": [
                        {"phase": "corridor", "lag_hours": 24},
                        {"detainees_released": {}, "fraction": 0.5},
                    ],
                }
            )
            data["horizon_hours"] = horizon = horizon + 24 * 5
        return data


def _break(data: dict[str, Any], kind: str) -> None:
    """Make the scenario infeasible by one rule, provably (a counting argument)."""
    captives = data["captives"]
    if kind == "rounds":
        # Each round carries at most the largest site capacity.
        cap = max(s["max_captives_per_round"] for s in data["sites"])
        total = sum(c["count"] for c in captives)
        data["rounds"]["max_rounds"] = math.ceil(total / cap) - 1
        if data["rounds"]["max_rounds"] < 1:
            # One round, and no site takes everyone at once.
            data["rounds"]["max_rounds"] = 1
            for s in data["sites"]:
                s["max_captives_per_round"] = total - 1
    elif kind == "deadline":
        # Released no earlier than ready + duration, but due before that.
        c = captives[0]
        c["deadline_hour"] = c["ready_hour"] + data["rounds"]["duration_hours"] - 1
    elif kind == "ratio":
        # One rule asks for more detainees than all detainees together.
        total = sum(d["count"] for d in data["detainees"])
        rule = data["ratios"][0]
        rule["per_captive"] = total + 1
        rule.pop("of_which", None)
    else:
        # The latest-ready cohort cannot finish its round within the horizon.
        latest = max(c["ready_hour"] for c in captives)
        data["horizon_hours"] = latest + data["rounds"]["duration_hours"] - 1
        for p in data["phases"]:
            p.pop("deadline_hour", None)
