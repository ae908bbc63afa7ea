"""Plan format v1 (``exchange-plan/1``) as frozen pydantic models.

The fields of the spec are kept as they are. Fields this planner adds, all
optional so that plans from other tools load too, are documented in
``docs/plan-format.md``: ``manifest`` (how the plan was made) and ``kpis``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

PLAN_FORMAT = "exchange-plan/1"

Status = Literal["optimal", "feasible", "infeasible", "unknown"]
Positive = Annotated[StrictInt, Field(ge=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanRound(_Frozen):
    index: Positive
    site: StrictStr
    start_hour: StrictInt
    end_hour: StrictInt
    detainee_release_hour: StrictInt | None = None
    captives: dict[str, Positive]
    detainees: dict[str, Positive]

    @property
    def moves_detainees(self) -> bool:
        return bool(self.detainees)


class PhaseTimes(_Frozen):
    start_hour: StrictInt
    end_hour: StrictInt


class Plan(_Frozen):
    format: Literal["exchange-plan/1"] = PLAN_FORMAT
    scenario: StrictStr
    status: Status
    engine: StrictStr
    objective: dict[str, StrictInt] = Field(default_factory=dict)
    rounds: list[PlanRound] = Field(default_factory=list)
    phases: dict[str, PhaseTimes] = Field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    kpis: dict[str, Any] | None = None

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")

    def to_json_dict(self) -> dict[str, Any]:
        """The plan as plain JSON data, optional extras left out when unset."""
        return self.model_dump(mode="json", exclude_none=True)
