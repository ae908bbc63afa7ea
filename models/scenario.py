"""Scenario format v1 (``exchange-scenario/1``) as frozen pydantic models.

Field names and meanings follow ``shared/spec/scenario-format.md`` literally.
Single-field checks live on the models; checks that relate one part of a
scenario to another live in :mod:`models.checks`, in one place.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    model_validator,
)

SCENARIO_FORMAT = "exchange-scenario/1"
MAX_NUMBER = 10**9

CAPTIVE_ATTRIBUTES = ("id", "status", "category", "zone")
DETAINEE_ATTRIBUTES = ("id", "status", "category", "facility", "destination")
SELECTOR_ATTRIBUTES = ("id", "status", "category", "zone", "facility", "destination")

OBJECTIVE_TERMS = (
    "priority_inversion_hours",
    "living_release_hours",
    "release_hours",
    "makespan",
    "rounds",
)
DEFAULT_OBJECTIVE = ("living_release_hours", "release_hours", "makespan", "rounds")

Count = Annotated[StrictInt, Field(ge=1, le=MAX_NUMBER)]
Hour = Annotated[StrictInt, Field(ge=0, le=MAX_NUMBER)]
Capacity = Annotated[StrictInt, Field(ge=0, le=MAX_NUMBER)]
Name = Annotated[StrictStr, Field(min_length=1)]
Status = Literal["living", "deceased"]


def _normalize_selector(value: Any) -> dict[str, list[str]]:
    """Turn ``{attr: value | [values]}`` into ``{attr: [values]}``, refusing unknown attributes."""
    if not isinstance(value, dict):
        raise ValueError("must be a mapping of attribute to value(s)")
    out: dict[str, list[str]] = {}
    for key, raw in value.items():
        if key not in SELECTOR_ATTRIBUTES:
            raise ValueError(f"unknown attribute '{key}' (use {', '.join(SELECTOR_ATTRIBUTES)})")
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            raise ValueError(f"'{key}' must be a string or a non-empty list of strings")
        out[key] = list(items)
    return out


_SELECTOR_SCHEMA = {
    "type": "object",
    "description": "Cohort selector: every named attribute must have one of the listed values.",
    "propertyNames": {"enum": list(SELECTOR_ATTRIBUTES)},
    "additionalProperties": {
        "anyOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}, "minItems": 1},
        ]
    },
}

Selector = Annotated[
    dict[str, list[str]],
    BeforeValidator(_normalize_selector),
    WithJsonSchema(_SELECTOR_SCHEMA),
]


def _number(value: Any) -> float:
    """Accept an int or a float (not a bool or a string) as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    return float(value)


Fraction01 = Annotated[float, BeforeValidator(_number), Field(gt=0, le=1)]


def matches(selector: dict[str, list[str]], cohort: BaseModel) -> bool:
    """True when every attribute named by ``selector`` has one of the listed values.

    A cohort that lacks a named attribute (or has it unset) does not match.
    """
    for attr, allowed in selector.items():
        value = getattr(cohort, attr, None)
        if value is None or value not in allowed:
            return False
    return True


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Captive(Frozen):
    id: Name
    status: Status
    category: StrictStr | None = None
    count: Count
    zone: StrictStr | None = None
    ready_hour: Hour = 0
    deadline_hour: Hour | None = None
    weight: Count = 1


class Detainee(Frozen):
    id: Name
    status: Status
    category: StrictStr | None = None
    count: Count
    facility: StrictStr | None = None
    destination: StrictStr | None = None
    ready_hour: Hour = 0
    deadline_hour: Hour | None = None


class Rounds(Frozen):
    max_rounds: Count
    duration_hours: Hour
    min_gap_hours: Hour = 0
    detainee_lag_hours: tuple[Hour, Hour] = (0, 0)
    open_hours: (
        tuple[Annotated[StrictInt, Field(ge=0, le=24)], Annotated[StrictInt, Field(ge=0, le=24)]]
        | None
    ) = None


class Site(Frozen):
    id: Name
    max_captives_per_round: Capacity | None = None
    zones: list[StrictStr] | None = None


class Facility(Frozen):
    id: Name
    max_releases_per_day: Capacity | None = None


class Route(Frozen):
    facility: Name
    destination: Name
    hours: Hour


class Vehicles(Frozen):
    count: Capacity
    seats: Count


class Teams(Frozen):
    count: Count


class Reception(Frozen):
    max_living_per_day: Capacity


class OfWhich(Frozen):
    from_: Selector = Field(alias="from")
    count: Count


class Ratio(Frozen):
    name: Name
    captives: Selector
    per_captive: Count
    from_: Selector = Field(default_factory=dict, alias="from")
    of_which: list[OfWhich] = Field(default_factory=list)


class Package(Frozen):
    name: Name
    captives: Selector
    detainees: Selector
    within_hours: Hour


class After(Frozen):
    """One start condition of a phase: another phase ended, or a share of cohorts released."""

    phase: Name | None = None
    captives_released: Selector | None = None
    detainees_released: Selector | None = None
    fraction: Fraction01 = 1.0
    lag_hours: Hour = 0

    @model_validator(mode="after")
    def _one_kind(self) -> After:
        kinds = [
            k
            for k in ("phase", "captives_released", "detainees_released")
            if getattr(self, k) is not None
        ]
        if len(kinds) != 1:
            raise ValueError(
                "must name exactly one of phase, captives_released, detainees_released"
            )
        if self.phase is not None and "fraction" in self.model_fields_set:
            raise ValueError("fraction goes with captives_released or detainees_released")
        return self

    @property
    def kind(self) -> str:
        if self.phase is not None:
            return "phase"
        return "captives" if self.captives_released is not None else "detainees"

    @property
    def selector(self) -> dict[str, list[str]]:
        sel = self.captives_released if self.kind == "captives" else self.detainees_released
        return sel or {}

    @property
    def exact_fraction(self) -> Fraction:
        """The fraction as an exact rational (0.3 is 3/10, not the nearest float)."""
        return Fraction(str(self.fraction))


class Phase(Frozen):
    id: Name
    duration_hours: Hour
    earliest_start: Hour = 0
    deadline_hour: Hour | None = None
    after: list[After] = Field(default_factory=list)
    opens_zones: list[StrictStr] = Field(default_factory=list)


class Priority(Frozen):
    mode: Literal["hard", "soft"] = "hard"
    tiers: list[Selector] = Field(default_factory=list)


ObjectiveTerm = Literal[
    "priority_inversion_hours", "living_release_hours", "release_hours", "makespan", "rounds"
]


class Scenario(Frozen):
    format: Literal["exchange-scenario/1"]
    name: Name
    description: StrictStr | None = None
    start: datetime | None = None
    horizon_hours: Hour
    captives: list[Captive] = Field(default_factory=list)
    detainees: list[Detainee] = Field(default_factory=list)
    rounds: Rounds
    sites: list[Site] = Field(min_length=1)
    facilities: list[Facility] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    vehicles: Vehicles | None = None
    teams: Teams | None = None
    reception: Reception | None = None
    ratios: list[Ratio] = Field(default_factory=list)
    packages: list[Package] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    priority: Priority | None = None
    objective: Annotated[list[ObjectiveTerm], Field(min_length=1)] | None = None

    # Lookups, built once on first use (the model is frozen, so they never go stale).

    @cached_property
    def objective_terms(self) -> tuple[str, ...]:
        """The lexicographic objective in force, soft priority first unless placed."""
        terms = tuple(self.objective) if self.objective is not None else DEFAULT_OBJECTIVE
        soft = self.priority is not None and self.priority.mode == "soft"
        if soft and "priority_inversion_hours" not in terms:
            terms = ("priority_inversion_hours", *terms)
        return terms

    @cached_property
    def captive_deadline(self) -> dict[str, int]:
        return {
            c.id: self.horizon_hours if c.deadline_hour is None else c.deadline_hour
            for c in self.captives
        }

    @cached_property
    def detainee_deadline(self) -> dict[str, int]:
        return {
            d.id: self.horizon_hours if d.deadline_hour is None else d.deadline_hour
            for d in self.detainees
        }

    @cached_property
    def governing_ratio(self) -> dict[str, int | None]:
        """Captive id -> index of the first ratio rule whose selector matches it."""
        out: dict[str, int | None] = {}
        for c in self.captives:
            out[c.id] = next((i for i, r in enumerate(self.ratios) if matches(r.captives, c)), None)
        return out

    @cached_property
    def tier_of(self) -> dict[str, int | None]:
        """Captive id -> index of the first priority tier it matches."""
        tiers = self.priority.tiers if self.priority else []
        return {
            c.id: next((i for i, t in enumerate(tiers) if matches(t, c)), None)
            for c in self.captives
        }

    @cached_property
    def site_by_id(self) -> dict[str, Site]:
        return {s.id: s for s in self.sites}

    @cached_property
    def facility_by_id(self) -> dict[str, Facility]:
        return {f.id: f for f in self.facilities}

    @cached_property
    def phase_by_id(self) -> dict[str, Phase]:
        return {p.id: p for p in self.phases}

    @cached_property
    def route_hours(self) -> dict[tuple[str, str], int]:
        return {(r.facility, r.destination): r.hours for r in self.routes}

    @cached_property
    def zone_openers(self) -> dict[str, list[str]]:
        """Zone -> ids of the phases that open it."""
        out: dict[str, list[str]] = {}
        for p in self.phases:
            for z in p.opens_zones:
                out.setdefault(z, []).append(p.id)
        return out

    def captives_matching(self, selector: dict[str, list[str]]) -> list[Captive]:
        return [c for c in self.captives if matches(selector, c)]

    def detainees_matching(self, selector: dict[str, list[str]]) -> list[Detainee]:
        return [d for d in self.detainees if matches(selector, d)]

    def site_serves(self, site: Site, captive: Captive) -> bool:
        """True when the site lists the captive's zone, lists no zones, or the captive has none."""
        return site.zones is None or captive.zone is None or captive.zone in site.zones
