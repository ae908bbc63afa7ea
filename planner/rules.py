"""Stable names and plain words for every negotiable rule instance of a scenario.

The names are used in the JSON output of ``explain`` and ``binding`` and as the
guards of the explain model (``planner.cpsat.CpSatModel(explain=True)``):
``ratio:<name>``, ``package:<name>``, ``deadline:<cohort>``, ``ready:<cohort>``,
``site:<id>``, ``facility:<id>``, ``vehicles``, ``teams``, ``reception``,
``phase:<id>``, ``priority``, ``rounds``, ``horizon`` and ``open_hours``.

Each rule also has *knobs*: the single numbers (or switches) a negotiator could
change to relax it, as dotted override paths (``planner.variants``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from models.scenario import Scenario
from planner.variants import element_key


@dataclass(frozen=True)
class Knob:
    """One way to relax a rule: set ``path`` to ``value(n)`` for n = 1..``most``.

    ``value`` is current + step x n (step +1 to raise a limit, -1 to lower a
    requirement); ``most`` is the largest n that still means something (beyond it
    another rule, such as the horizon, takes over). A switch (``values`` given)
    has one setting and no n.

    ``path`` picks list elements by id or name (``sites[khan-younis]``), or by index
    when the id would read as something else (``sites[0]`` for a site with id ``7``,
    which ``sites[7]`` would not reach); ``name`` is then the path written with the id,
    the knob's name in :attr:`key` (as :func:`planner.explain.slacks` names limits).
    """

    rule: str
    path: str
    current: Any
    step: int = 0
    most: int = 0
    unit: str = ""
    values: tuple[Any, ...] = ()
    index: int | None = None  # the knob moves one item of a list value (open hours)
    name: str = ""  # the path with ids, when ``path`` picks an element by index instead

    @property
    def key(self) -> str:
        """The knob's own name: its path, with the list item it moves (``rounds.open_hours[0]``)."""
        base = self.name or self.path
        return base if self.index is None else f"{base}[{self.index}]"

    def value(self, n: int) -> Any:
        if self.values:
            return self.values[0]
        if self.index is not None:
            new = list(self.current)
            new[self.index] += self.step * n
            return new
        return self.current + self.step * n

    def words(self, n: int) -> str:
        """The change in words: ``rounds.max_rounds 12 -> 13 (+1)``."""
        new = self.value(n)
        if self.values:
            return f"{self.path}: {_show(self.current)} -> {_show(new)}"
        sign = "+" if self.step > 0 else "-"
        return f"{self.path}: {_show(self.current)} -> {_show(new)} ({sign}{n}{self.unit})"

    def override(self, n: int) -> str:
        return f"{self.path}={_show(self.value(n))}"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _sel(selector: dict[str, list[str]]) -> str:
    if not selector:
        return "all"
    return " ".join("/".join(v) for v in selector.values())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def rule_words(scenario: Scenario) -> dict[str, str]:
    """Every negotiable rule instance in force, name -> what it says in plain words."""
    sc = scenario
    out: dict[str, str] = {}
    r = sc.rounds
    gap = f", at least {r.min_gap_hours} h apart" if r.min_gap_hours else ""
    out["rounds"] = f"at most {_plural(r.max_rounds, 'round')}{gap}"
    out["horizon"] = f"the {sc.horizon_hours}-hour horizon"
    if r.open_hours is not None:
        a, b = r.open_hours
        out["open_hours"] = f"handovers only between {a:02d}:00 and {b:02d}:00"
    for c in sc.captives:
        who = f"{c.id} ({c.count} {c.status} captives)"
        if c.ready_hour > 0:
            out[f"ready:{c.id}"] = f"{who} ready only from hour {c.ready_hour}"
        if c.deadline_hour is not None:
            out[f"deadline:{c.id}"] = f"the {c.deadline_hour}-hour deadline for {who}"
    for d in sc.detainees:
        who = f"{d.id} ({d.count} detainees)"
        if d.ready_hour > 0:
            out[f"ready:{d.id}"] = f"{who} ready only from hour {d.ready_hour}"
        if d.deadline_hour is not None:
            out[f"deadline:{d.id}"] = f"the {d.deadline_hour}-hour deadline for {who}"
    for s in sc.sites:
        if s.max_captives_per_round is not None:
            out[f"site:{s.id}"] = (
                f"site {s.id} taking at most {_plural(s.max_captives_per_round, 'captive')} a round"
            )
    for f in sc.facilities:
        if f.max_releases_per_day is not None:
            out[f"facility:{f.id}"] = (
                f"{f.id} releasing at most {f.max_releases_per_day} detainees a day"
            )
    if sc.vehicles is not None:
        out["vehicles"] = f"{_plural(sc.vehicles.count, 'vehicle')} of {sc.vehicles.seats} seats"
    if sc.teams is not None:
        out["teams"] = _plural(sc.teams.count, "handover team")
    if sc.reception is not None:
        out["reception"] = (
            f"hospital reception of {sc.reception.max_living_per_day} living captives a day"
        )
    for rule in sc.ratios:
        extra = "".join(f", of which {ow.count} {_sel(ow.from_)}" for ow in rule.of_which)
        out[f"ratio:{rule.name}"] = (
            f"the {rule.per_captive}:1 ratio '{rule.name}' for {_sel(rule.captives)} "
            f"captives ({_sel(rule.from_)} detainees{extra})"
        )
    for pkg in sc.packages:
        out[f"package:{pkg.name}"] = (
            f"package '{pkg.name}': {_sel(pkg.detainees)} detainees out within "
            f"{pkg.within_hours} h of the last {_sel(pkg.captives)} captive"
        )
    for p in sc.phases:
        parts = [f"{p.duration_hours} h"]
        for a in p.after:
            if a.kind == "phase":
                what = f"after {a.phase}"
            else:
                share = "all" if a.fraction == 1 else f"{a.fraction:g} of"
                what = f"after {share} {_sel(a.selector)} {a.kind} released"
            parts.append(what + (f" + {a.lag_hours} h" if a.lag_hours else ""))
        if p.earliest_start:
            parts.append(f"not before hour {p.earliest_start}")
        if p.deadline_hour is not None:
            parts.append(f"done by hour {p.deadline_hour}")
        if p.opens_zones:
            parts.append(f"opening {', '.join(p.opens_zones)}")
        out[f"phase:{p.id}"] = f"phase {p.id} ({'; '.join(parts)})"
    if sc.priority is not None and sc.priority.tiers and sc.priority.mode == "hard":
        out["priority"] = f"the hard priority order of {len(sc.priority.tiers)} tiers"
    return out


def sentence(words: list[str]) -> str:
    """``a, b and c cannot all hold``, the negotiator's one-line summary."""
    if not words:
        return "no single rule is to blame: the scenario cannot hold as stated"
    if len(words) == 1:
        return f"{words[0]} cannot hold"
    return f"{', '.join(words[:-1])} and {words[-1]} cannot all hold"


def knobs(scenario: Scenario, rule: str) -> list[Knob]:
    """The single changes that relax ``rule``, in the order they are tried."""
    sc = scenario
    kind, _, key = rule.partition(":")
    H = sc.horizon_hours
    out: list[Knob] = []
    if kind == "horizon":
        out.append(Knob(rule, "horizon_hours", H, +1, _horizon_room(sc), " h"))
    elif kind == "rounds":
        r = sc.rounds
        captives = sum(c.count for c in sc.captives)
        out.append(Knob(rule, "rounds.max_rounds", r.max_rounds, +1, captives - r.max_rounds))
        out.append(Knob(rule, "rounds.min_gap_hours", r.min_gap_hours, -1, r.min_gap_hours, " h"))
    elif kind == "open_hours" and sc.rounds.open_hours is not None:
        a, b = sc.rounds.open_hours
        out.append(Knob(rule, "rounds.open_hours", [a, b], -1, a, " h", index=0))
        out.append(Knob(rule, "rounds.open_hours", [a, b], +1, 24 - b, " h", index=1))
        out.append(Knob(rule, "rounds.open_hours", [a, b], values=(None,)))
    elif kind in ("deadline", "ready"):
        cohort, where = _cohort(sc, key)
        if kind == "deadline" and cohort.deadline_hour is not None:
            room = max(H - cohort.deadline_hour, 0)
            out.append(_at(rule, where, "deadline_hour", cohort.deadline_hour, +1, room, " h"))
        if kind == "ready":
            ready = cohort.ready_hour
            out.append(_at(rule, where, "ready_hour", ready, -1, ready, " h"))
    elif kind == "site":
        s = sc.site_by_id[key]
        cap = s.max_captives_per_round or 0
        captives = sum(c.count for c in sc.captives)
        where = _ref("sites", sc.sites, key)
        out.append(_at(rule, where, "max_captives_per_round", cap, +1, captives - cap))
    elif kind == "facility":
        f = sc.facility_by_id[key]
        cap = f.max_releases_per_day or 0
        total = sum(d.count for d in sc.detainees if d.facility == key)
        where = _ref("facilities", sc.facilities, key)
        out.append(_at(rule, where, "max_releases_per_day", cap, +1, total - cap))
    elif kind == "vehicles" and sc.vehicles is not None:
        v = sc.vehicles
        routes: dict[tuple, int] = {}
        for d in sc.detainees:
            routes[d.facility, d.destination] = routes.get((d.facility, d.destination), 0) + d.count
        trips = sum(math.ceil(n / v.seats) for n in routes.values())
        out.append(Knob(rule, "vehicles.count", v.count, +1, max(trips - v.count, 0)))
        most = max(max(routes.values(), default=0) - v.seats, 0)
        out.append(Knob(rule, "vehicles.seats", v.seats, +1, most))
    elif kind == "teams" and sc.teams is not None:
        out.append(Knob(rule, "teams.count", sc.teams.count, +1, sc.rounds.max_rounds))
    elif kind == "reception" and sc.reception is not None:
        cap = sc.reception.max_living_per_day
        living = sum(c.count for c in sc.captives if c.status == "living")
        out.append(Knob(rule, "reception.max_living_per_day", cap, +1, living - cap))
    elif kind == "ratio":
        rr = next(x for x in sc.ratios if x.name == key)
        floor = max(1, sum(ow.count for ow in rr.of_which))
        where = _ref("ratios", sc.ratios, key)
        out.append(_at(rule, where, "per_captive", rr.per_captive, -1, rr.per_captive - floor))
        for i, ow in enumerate(rr.of_which):
            out.append(_at(rule, where, f"of_which[{i}].count", ow.count, -1, ow.count - 1))
    elif kind == "package":
        pkg = next(x for x in sc.packages if x.name == key)
        room = max(H - pkg.within_hours, 0)
        where = _ref("packages", sc.packages, key)
        out.append(_at(rule, where, "within_hours", pkg.within_hours, +1, room, " h"))
    elif kind == "phase":
        p = sc.phase_by_id[key]
        where = _ref("phases", sc.phases, key)
        if p.deadline_hour is not None:
            room = max(H - p.deadline_hour, 0)
            out.append(_at(rule, where, "deadline_hour", p.deadline_hour, +1, room, " h"))
        for j, a in enumerate(p.after):
            if a.lag_hours:
                lag = a.lag_hours
                out.append(_at(rule, where, f"after[{j}].lag_hours", lag, -1, lag, " h"))
        if p.earliest_start:
            es = p.earliest_start
            out.append(_at(rule, where, "earliest_start", es, -1, es, " h"))
        if p.duration_hours:
            dur = p.duration_hours
            out.append(_at(rule, where, "duration_hours", dur, -1, dur, " h"))
    elif kind == "priority" and sc.priority is not None:
        out.append(Knob(rule, "priority.mode", sc.priority.mode, values=("soft",)))
    return [k for k in out if k.values or k.most >= 1]


def _cohort(sc: Scenario, cid: str):
    for c in sc.captives:
        if c.id == cid:
            return c, _ref("captives", sc.captives, cid)
    for d in sc.detainees:
        if d.id == cid:
            return d, _ref("detainees", sc.detainees, cid)
    raise KeyError(cid)


def _ref(field: str, items: list[Any], key: str) -> tuple[str, str]:
    """``(path, name)`` of the element of ``items`` with id or name ``key``.

    The path reaches it (:func:`planner.variants.element_key`); the name shows the id.
    """
    index = next(
        i for i, x in enumerate(items) if getattr(x, "id", getattr(x, "name", None)) == key
    )
    return f"{field}[{element_key(key, index)}]", f"{field}[{key}]"


def _at(rule: str, ref: tuple[str, str], field: str, *args: Any, **kwargs: Any) -> Knob:
    """A knob on ``field`` of the element ``ref`` (see :func:`_ref`)."""
    path, name = (f"{r}.{field}" for r in ref)
    return Knob(rule, path, *args, **kwargs, name="" if name == path else name)


def _horizon_room(sc: Scenario) -> int:
    """How far the horizon may need to grow: as far as the explain model's time axis."""
    from planner.cpsat import relaxed_size

    return relaxed_size(sc)[1] - sc.horizon_hours
