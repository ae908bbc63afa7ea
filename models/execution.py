"""Execution format v1 (``exchange-execution/1``): what actually happened, for re-planning.

An execution file records the facts up to ``now_hour``: the rounds that were
carried out (with their real sites, hours and counts), the phases that started
and when, phases known to be late, and sites closed from some hour on. The
re-planner (:mod:`planner.replan`) keeps every fact fixed and plans the rest.

Structure is checked by the pydantic models below; :func:`execution_problems`
relates the file to its scenario (ids, counts, hours against ``now_hour``) and
:func:`check_replan_inputs` runs every such check for a replan, raising
``InputError`` with one line per problem (``FILE: field.path: message``), like
the scenario loader. Whether the facts keep the scenario's *rules* is not an
input question: a round held after a deadline is a valid record of a broken
rule, and the re-planner reports it (``docs/replan.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from models.errors import InputError, Problem, problems_from_validation_error
from models.loader import read_file
from models.plan import Plan
from models.scenario import MAX_NUMBER, Scenario

EXECUTION_FORMAT = "exchange-execution/1"

Hour = Annotated[StrictInt, Field(ge=0, le=MAX_NUMBER)]
Count = Annotated[StrictInt, Field(ge=1, le=MAX_NUMBER)]
Name = Annotated[StrictStr, Field(min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExecutedRound(_Frozen):
    """A round that was carried out (started before ``now_hour``), as it really happened.

    The fields are those of a plan round, so rounds can be copied from a plan and
    edited; ``index`` and ``end_hour`` may be left out (when given they are checked).
    """

    index: Count | None = None
    site: Name
    start_hour: Hour
    end_hour: Hour | None = None
    detainee_release_hour: Hour | None = None
    captives: dict[str, Count] = Field(default_factory=dict)
    detainees: dict[str, Count] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _release_hour_with_detainees(self) -> ExecutedRound:
        # The spec gives r_k only to rounds that move detainees; a missing or stray hour
        # is a typo in the record, not a fact about the exchange.
        if self.detainees and self.detainee_release_hour is None:
            raise ValueError("moves detainees, so detainee_release_hour is required")
        if not self.detainees and self.detainee_release_hour is not None:
            raise ValueError("detainee_release_hour is given but the round moves no detainees")
        return self


class PhaseFact(_Frozen):
    """A phase that started (``start_hour``), or one known to start late (``earliest_start``)."""

    start_hour: Hour | None = None
    end_hour: Hour | None = None
    earliest_start: Hour | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> PhaseFact:
        if (self.start_hour is None) == (self.earliest_start is None):
            raise ValueError("give exactly one of start_hour (started) or earliest_start (late)")
        if self.end_hour is not None and self.start_hour is None:
            raise ValueError("end_hour goes with start_hour")
        return self

    @property
    def started(self) -> bool:
        return self.start_hour is not None


class SiteClosure(_Frozen):
    """A site that takes no new round whose handover window reaches into [from, until)."""

    site: Name
    from_hour: Hour
    until_hour: Hour | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SiteClosure:
        if self.until_hour is not None and self.until_hour <= self.from_hour:
            raise ValueError(f"until_hour {self.until_hour} must be after from_hour")
        return self

    def allows(self, start: int, end: int) -> bool:
        """True when a window [start, end] at this site stays clear of the closure."""
        return end <= self.from_hour or (self.until_hour is not None and start >= self.until_hour)


class Execution(_Frozen):
    """The facts of an exchange up to ``now_hour``."""

    format: Literal["exchange-execution/1"]
    scenario: Name | None = None
    description: StrictStr | None = None
    now_hour: Hour
    rounds: list[ExecutedRound] = Field(default_factory=list)
    phases: dict[str, PhaseFact] = Field(default_factory=dict)
    site_closures: list[SiteClosure] = Field(default_factory=list)

    @property
    def started_phases(self) -> dict[str, int]:
        """Phase id -> actual start hour, for phases that started."""
        return {pid: f.start_hour for pid, f in self.phases.items() if f.start_hour is not None}

    @property
    def late_phases(self) -> dict[str, int]:
        """Phase id -> hour it will not start before, for phases known to be late."""
        return {
            pid: f.earliest_start for pid, f in self.phases.items() if f.earliest_start is not None
        }


def execution_from_data(data: Any, source: str = "<execution>") -> Execution:
    """Validate parsed data as an execution (structure only; see :func:`execution_problems`).

    Parameters
    ----------
    data
        Parsed YAML or JSON.
    source
        Name of the file, for error lines.

    Returns
    -------
    Execution
        The frozen model.

    Raises
    ------
    InputError
        One problem per wrong field, ``FILE: field.path: message``.
    """
    if not isinstance(data, dict):
        raise InputError(source, [Problem("", "an execution must be a mapping at the top level")])
    try:
        return Execution.model_validate(data)
    except ValidationError as exc:
        raise InputError(source, problems_from_validation_error(exc)) from None


def load_execution(path: str | Path) -> Execution:
    """Load an execution file (YAML or JSON), structure checked.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    Execution
        The frozen model; cross-check it against its scenario with
        :func:`execution_problems` (or :func:`check_replan_inputs`).

    Raises
    ------
    InputError
        The file cannot be read or parsed, or a field is wrong.
    """
    return execution_from_data(read_file(path), str(path))


def execution_problems(scenario: Scenario, execution: Execution) -> list[Problem]:
    """Everything in an execution file that cannot be a record of this scenario.

    Checked: the scenario name (when given); known site, cohort and phase ids;
    round ``index`` (1, 2, ...) and ``end_hour`` (start + ``duration_hours``);
    rounds listed in start order and started before ``now_hour``; counts that
    never add up to more than a cohort has; phases started before ``now_hour``
    with ``end_hour`` = start + duration; closures naming known sites.

    Rules of the scenario (deadlines, capacities, ...) are not checked here: facts
    may break them, and the re-planner reports that as an infeasible replan.

    Parameters
    ----------
    scenario
        The loaded scenario.
    execution
        The loaded execution.

    Returns
    -------
    list[Problem]
        Empty when the file is a possible record of the scenario.
    """
    out: list[Problem] = []
    now = execution.now_hour
    if execution.scenario is not None and execution.scenario != scenario.name:
        out.append(
            Problem(
                "scenario",
                f"execution is for scenario '{execution.scenario}', not '{scenario.name}'",
            )
        )
    captive_count = {c.id: c.count for c in scenario.captives}
    detainee_count = {d.id: d.count for d in scenario.detainees}
    released: dict[str, int] = {}
    duration = scenario.rounds.duration_hours
    previous_start: int | None = None
    for i, r in enumerate(execution.rounds):
        here = f"rounds[{i}]"
        if r.index is not None and r.index != i + 1:
            out.append(Problem(f"{here}.index", f"is {r.index}, expected {i + 1}"))
        if r.site not in scenario.site_by_id:
            out.append(Problem(f"{here}.site", f"unknown site '{r.site}'"))
        if r.start_hour >= now:
            out.append(
                Problem(
                    f"{here}.start_hour",
                    f"hour {r.start_hour} is not before now_hour {now} (a round that has "
                    "not started is not a fact)",
                )
            )
        if previous_start is not None and r.start_hour < previous_start:
            out.append(
                Problem(
                    f"{here}.start_hour",
                    f"hour {r.start_hour} is before round {i} (hour {previous_start}): list "
                    "rounds in start order",
                )
            )
        previous_start = r.start_hour
        if r.end_hour is not None and r.end_hour != r.start_hour + duration:
            out.append(
                Problem(
                    f"{here}.end_hour",
                    f"is {r.end_hour}, but start_hour {r.start_hour} + duration_hours "
                    f"{duration} = {r.start_hour + duration}",
                )
            )
        for kind, counts, known in (
            ("captive", r.captives, captive_count),
            ("detainee", r.detainees, detainee_count),
        ):
            field = "captives" if kind == "captive" else "detainees"
            for cid, n in counts.items():
                if cid not in known:
                    out.append(Problem(f"{here}.{field}.{cid}", f"unknown {kind} cohort '{cid}'"))
                    continue
                released[cid] = released.get(cid, 0) + n
                if released[cid] > known[cid]:
                    out.append(
                        Problem(
                            f"{here}.{field}.{cid}",
                            f"brings cohort '{cid}' to {released[cid]} released, above its "
                            f"count {known[cid]}",
                        )
                    )
    for pid, fact in execution.phases.items():
        here = f"phases.{pid}"
        phase = scenario.phase_by_id.get(pid)
        if phase is None:
            out.append(Problem(here, f"unknown phase '{pid}'"))
            continue
        if fact.start_hour is not None:
            if fact.start_hour >= now:
                out.append(
                    Problem(
                        f"{here}.start_hour",
                        f"hour {fact.start_hour} is not before now_hour {now} (use "
                        "earliest_start for a phase that has not started)",
                    )
                )
            end = fact.start_hour + phase.duration_hours
            if fact.end_hour is not None and fact.end_hour != end:
                out.append(
                    Problem(
                        f"{here}.end_hour",
                        f"is {fact.end_hour}, but start_hour {fact.start_hour} + "
                        f"duration_hours {phase.duration_hours} = {end}",
                    )
                )
    for i, closure in enumerate(execution.site_closures):
        if closure.site not in scenario.site_by_id:
            out.append(Problem(f"site_closures[{i}].site", f"unknown site '{closure.site}'"))
    return out


def published_problems(scenario: Scenario, published: Plan) -> list[Problem]:
    """What makes a plan file unusable as the published plan of a replan.

    Only its identity is checked (it names the scenario). The published plan is
    the reference the replan stays close to; it need not pass the validator.

    Parameters
    ----------
    scenario
        The loaded scenario.
    published
        The loaded plan.

    Returns
    -------
    list[Problem]
        Empty when the plan can be used.
    """
    if published.scenario != scenario.name:
        return [
            Problem(
                "scenario", f"plan is for scenario '{published.scenario}', not '{scenario.name}'"
            )
        ]
    return []


def check_replan_inputs(
    scenario: Scenario,
    published: Plan,
    execution: Execution,
    *,
    plan_source: str = "<plan>",
    execution_source: str = "<execution>",
) -> None:
    """Cross-check the published plan and the execution against the scenario.

    Parameters
    ----------
    scenario, published, execution
        The three inputs of a replan, each loaded and structure-checked.
    plan_source, execution_source
        File names for the error lines.

    Raises
    ------
    InputError
        For the plan file first (its problems), else for the execution file.
    """
    problems = published_problems(scenario, published)
    if problems:
        raise InputError(plan_source, problems)
    problems = execution_problems(scenario, execution)
    if problems:
        raise InputError(execution_source, problems)


__all__ = [
    "EXECUTION_FORMAT",
    "ExecutedRound",
    "Execution",
    "PhaseFact",
    "SiteClosure",
    "check_replan_inputs",
    "execution_from_data",
    "execution_problems",
    "load_execution",
    "published_problems",
]
