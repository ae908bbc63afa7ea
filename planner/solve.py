"""The one public entry point: ``solve(scenario, engine=..., ...) -> Result``.

Every plan an engine returns is checked by the independent validator before it
leaves here; a plan that fails it is reported as a bug (``PlanInvalidError``).
"""

from __future__ import annotations

import platform
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from models.loader import scenario_hash
from models.plan import PLAN_FORMAT, Plan, PlanRound
from models.scenario import Scenario
from planner import kpi, validate
from planner.engine import (
    Engine,
    EngineOutcome,
    ModelTooLargeError,
    ProgressFn,
    SolveOptions,
    StageOutcome,
)

__all__ = [
    "ENGINES",
    "ModelTooLargeError",
    "PlanInvalidError",
    "Result",
    "assemble_plan",
    "solve",
]


class PlanInvalidError(RuntimeError):
    """An engine produced a plan that the independent validator rejects: a bug."""


def _engines() -> dict[str, Engine]:
    # Imported here so that loading one engine never requires the other's solver.
    from planner.cpsat import CpSatEngine
    from planner.milp import MilpEngine

    return {
        "cpsat": CpSatEngine(),
        "milp-highs": MilpEngine("highs"),
        "milp-cbc": MilpEngine("cbc"),
    }


ENGINES = ("cpsat", "milp-highs", "milp-cbc")


@dataclass(frozen=True)
class Result:
    """The outcome of one solve: a plan (possibly empty), its checks, KPIs and provenance."""

    plan: Plan
    violations: list[validate.Violation]
    stages: list[StageOutcome] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return self.plan.status

    @property
    def objective(self) -> dict[str, int]:
        return self.plan.objective

    @property
    def has_plan(self) -> bool:
        return self.plan.has_plan

    @property
    def is_valid(self) -> bool:
        return not self.violations

    def check(self) -> Result:
        """Raise ``PlanInvalidError`` unless the plan passes the validator; return self."""
        if self.violations:
            lines = "\n".join(str(v) for v in self.violations)
            raise PlanInvalidError(f"the plan breaks the scenario's rules:\n{lines}")
        return self


def solve(
    scenario: Scenario,
    engine: str = "cpsat",
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    deterministic: bool = False,
    on_progress: ProgressFn | None = None,
    stop: threading.Event | None = None,
    log: bool = False,
) -> Result:
    """Plan the exchange: rounds and phase times minimising the lexicographic objective.

    Parameters
    ----------
    scenario
        A loaded, cross-checked scenario (see :func:`models.load_scenario`).
    engine
        Engine name, one of ``ENGINES``.
    time_limit
        Seconds for the whole solve, all objective stages together.
    seed
        Random seed of the engine.
    workers
        Parallel search workers.
    deterministic
        Replayable search (CP-SAT's interleaved search) at some cost in speed.
    on_progress
        Called with every new incumbent and at the end of every stage.
    stop
        Set it to stop early and keep the best plan so far (status ``feasible``).
    log
        Print the engine's own search log.

    Returns
    -------
    Result
        The plan (status ``optimal``, ``feasible``, ``infeasible`` or ``unknown``),
        validator violations (empty for every correct plan), stage outcomes and stats.
    """
    engines = _engines()
    if engine not in engines:
        raise ValueError(f"unknown engine '{engine}' (choose from {', '.join(engines)})")
    eng = engines[engine]
    options = SolveOptions(
        time_limit=time_limit,
        seed=seed,
        workers=workers,
        deterministic=deterministic,
        on_progress=on_progress,
        stop=stop,
        log=log,
    )
    t0 = time.monotonic()
    outcome = eng.solve(scenario, options)
    wall = time.monotonic() - t0
    plan = assemble_plan(scenario, eng.name, outcome, options, wall)
    violations = validate.validate(scenario, plan)
    stats = dict(outcome.stats, wall_seconds=round(wall, 3))
    return Result(plan=plan, violations=violations, stages=outcome.stages, stats=stats)


def assemble_plan(
    scenario: Scenario,
    engine: str,
    outcome: EngineOutcome,
    options: SolveOptions,
    wall: float,
    *,
    rounds: list[PlanRound] | None = None,
    manifest_extra: dict[str, Any] | None = None,
) -> Plan:
    """Plan JSON v1 from an engine's outcome: objective recomputed from the plan, manifest, KPIs.

    ``rounds`` replaces the outcome's rounds when it has a plan (a replan puts the
    executed rounds first); ``manifest_extra`` adds keys to the manifest.
    """
    has_plan = outcome.status in ("optimal", "feasible")
    bare = Plan(
        format=PLAN_FORMAT,
        scenario=scenario.name,
        status=outcome.status,
        engine=engine,
        rounds=(outcome.rounds if rounds is None else rounds) if has_plan else [],
        phases=outcome.phases if has_plan else {},
    )
    objective: dict[str, int] = {}
    kpis = None
    if bare.has_plan:
        # Stages the engine finished report their own values, so the validator's
        # recomputation checks them; terms of stages never reached are recomputed.
        values = validate.objective_values(scenario, bare)
        objective = {t: outcome.objective.get(t, values[t]) for t in scenario.objective_terms}
        kpis = kpi.kpis(scenario, bare)
    manifest = {
        "engine": engine,
        "engine_version": outcome.engine_version,
        "seed": options.seed,
        "workers": options.workers,
        "deterministic": options.deterministic,
        "time_limit_seconds": options.time_limit,
        "wall_seconds": round(wall, 3),
        "scenario_hash": scenario_hash(scenario),
        "stages": [
            {
                "term": s.term,
                "value": s.value,
                "bound": s.bound,
                "proven": s.proven,
                "seconds": round(s.seconds, 3),
            }
            for s in outcome.stages
        ],
        "python": platform.python_version(),
        **(manifest_extra or {}),
    }
    return bare.model_copy(update={"objective": objective, "kpis": kpis, "manifest": manifest})
