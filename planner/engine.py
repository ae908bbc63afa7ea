"""The small interface every solving engine implements.

An engine turns a scenario into rounds and phase times, stage by stage of the
lexicographic objective. It knows nothing of plan JSON, KPIs or validation;
:func:`planner.solve.solve` adds those, the same way for every engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from models.plan import PhaseTimes, PlanRound
from models.scenario import Scenario

EngineStatus = Literal["optimal", "feasible", "infeasible", "unknown"]


class ModelTooLargeError(ValueError):
    """The scenario's numbers are too large for an engine's integer arithmetic."""


@dataclass(frozen=True)
class Progress:
    """One progress report: a new incumbent or a finished stage."""

    stage: int  # 0-based position in the objective
    stages: int
    term: str
    incumbent: float | None
    bound: float | None
    elapsed: float  # seconds since the solve started
    event: Literal["solution", "stage_done"] = "solution"


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: time limit for the whole solve (all stages), seed, workers."""

    time_limit: float = 60.0
    seed: int = 0
    workers: int = 2
    deterministic: bool = False
    on_progress: ProgressFn | None = None
    stop: threading.Event | None = None
    log: bool = False


@dataclass(frozen=True)
class StageOutcome:
    """What one stage of the lexicographic objective ended with."""

    term: str
    value: int | None
    bound: int | None
    proven: bool
    seconds: float


@dataclass
class EngineOutcome:
    """An engine's answer: status, and for a plan its rounds (start order) and phases."""

    status: EngineStatus
    rounds: list[PlanRound] = field(default_factory=list)
    phases: dict[str, PhaseTimes] = field(default_factory=dict)
    stages: list[StageOutcome] = field(default_factory=list)
    # Value of each completed stage's term in the returned plan (checked by the validator).
    objective: dict[str, int] = field(default_factory=dict)
    engine_version: str = ""
    stats: dict[str, object] = field(default_factory=dict)


class Engine(Protocol):
    """A solving engine: a name, a version, and one method."""

    name: str

    def version(self) -> str: ...

    def solve(self, scenario: Scenario, options: SolveOptions) -> EngineOutcome: ...
