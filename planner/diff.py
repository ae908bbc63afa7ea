"""Round-by-round differences between two plans, as plain rows (no pandas).

Shared by the command line (``exchange-planner compare``), the what-if library
(:mod:`planner.whatif`) and the planner app (``ui.views`` wraps these in frames).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.plan import Plan, PlanRound

DIFF_COLUMNS = ("round", "change", "before", "after", "delta")

RoundPair = tuple[PlanRound | None, PlanRound | None]


def match_rounds(before: Plan, after: Plan) -> list[RoundPair]:
    """Pair the rounds of two plans so that a diff shows what moved, not how ties were listed.

    Rounds at the same site and start pair first; then the remaining rounds of each
    site in start order; then whatever remains in start order.

    Parameters
    ----------
    before, after
        The two plans (the reference first).

    Returns
    -------
    list of (PlanRound or None, PlanRound or None)
        Pairs in start order. Unpaired rounds come back as ``(round, None)``
        (removed) or ``(None, round)`` (added).
    """
    left, right = list(before.rounds), list(after.rounds)
    pairs: list[RoundPair] = []

    def take(match: Callable[[PlanRound, PlanRound], bool]) -> None:
        for a in list(left):
            b = next((b for b in right if match(a, b)), None)
            if b is not None:
                pairs.append((a, b))
                left.remove(a)
                right.remove(b)

    take(lambda a, b: (a.site, a.start_hour) == (b.site, b.start_hour))
    take(lambda a, b: a.site == b.site)
    take(lambda a, b: True)
    pairs += [(a, None) for a in left] + [(None, b) for b in right]

    def order(pair: RoundPair) -> tuple[int, int]:
        a, b = pair
        r = a if a is not None else b
        assert r is not None  # every pair has at least one round
        return r.start_hour, r.index

    return sorted(pairs, key=order)


def _summary(r: PlanRound) -> str:
    return (
        f"{r.site} {r.start_hour}-{r.end_hour}: "
        f"{sum(r.captives.values())} captives, {sum(r.detainees.values())} detainees"
    )


def plan_diff(before: Plan, after: Plan) -> list[dict[str, Any]]:
    """Round-by-round differences between two plans (rounds paired by :func:`match_rounds`).

    Parameters
    ----------
    before, after
        The two plans (the reference first).

    Returns
    -------
    list of dict
        One row per change, keys ``DIFF_COLUMNS``: ``round`` (``R2``, ``R2 -> R3``
        when its number changed, ``new R4`` for an added round), ``change``
        (``added``, ``removed``, ``site``, ``start``, ``detainees out``,
        ``captive COHORT``, ``detainee COHORT``), ``before`` and ``after`` (the
        values: ints for hours and counts, text for sites and round summaries,
        ``"-"`` for a round that releases no detainees, ``""`` for the missing side
        of an added or removed round) and ``delta`` (after - before for hours and
        counts, else None). Empty when both plans have the same rounds.
    """
    rows: list[dict[str, Any]] = []
    for ra, rb in match_rounds(before, after):
        if ra is None:
            assert rb is not None
            label = f"new R{rb.index}"
        elif rb is None:
            label = f"R{ra.index}"
        else:
            label = f"R{ra.index}" if ra.index == rb.index else f"R{ra.index} -> R{rb.index}"

        def add(change: str, old: Any, new: Any, delta: int | None = None, label=label) -> None:
            rows.append(
                {"round": label, "change": change, "before": old, "after": new, "delta": delta}
            )

        if ra is None:
            assert rb is not None
            add("added", "", _summary(rb))
            continue
        if rb is None:
            add("removed", _summary(ra), "")
            continue
        if ra.site != rb.site:
            add("site", ra.site, rb.site)
        if ra.start_hour != rb.start_hour:
            add("start", ra.start_hour, rb.start_hour, rb.start_hour - ra.start_hour)
        ha, hb = ra.detainee_release_hour, rb.detainee_release_hour
        if ha != hb:
            delta = None if ha is None or hb is None else hb - ha
            add("detainees out", "-" if ha is None else ha, "-" if hb is None else hb, delta)
        for kind, ca, cb in (
            ("captive", ra.captives, rb.captives),
            ("detainee", ra.detainees, rb.detainees),
        ):
            for cid in list(ca) + [c for c in cb if c not in ca]:
                na, nb = ca.get(cid, 0), cb.get(cid, 0)
                if na != nb:
                    add(f"{kind} {cid}", na, nb, nb - na)
    return rows
