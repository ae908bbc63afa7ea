"""Command line: replan, stress (registered on the main app by ``planner.cli``).

``replan SCENARIO PLAN EXECUTION`` re-optimises the rest of an exchange with the
facts fixed and prints a scoreboard; ``stress SCENARIO PLAN --delays SPEC`` runs
a seeded Monte Carlo of delays. Exit codes as everywhere (``planner.clikit``):
0 a plan, 1 infeasible (or, for ``stress``, a plan that breaks a rule), 2 bad
input (one line per problem, nothing written), 3 no plan in time, 4 a plan that
fails the validator (a bug, never written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from models.errors import InputError
from planner.clikit import (
    EXIT_BAD_INPUT,
    EXIT_BUG,
    EXIT_INFEASIBLE,
    EXIT_OK,
    STATUS_EXIT,
    DeterministicOption,
    SeedOption,
    TimeLimitOption,
    WorkersOption,
    _err,
    _load_plan,
    _load_scenario,
    _progress_printer,
    bad_input,
    exit_if_invalid,
)


def _fail(exc: InputError) -> typer.Exit:
    for line in exc.lines():
        _err(line)
    return typer.Exit(EXIT_BAD_INPUT)


def replan_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    plan: Annotated[Path, typer.Argument(help="The published plan (JSON).")],
    execution: Annotated[
        Path, typer.Argument(help="What happened: execution file (YAML or JSON).")
    ],
    out: Annotated[Path | None, typer.Option(help="Write the new plan JSON here.")] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print plan, scoreboard and disruption as JSON."),
    ] = False,
    time_limit: TimeLimitOption = 60.0,
    seed: SeedOption = 0,
    workers: WorkersOption = 2,
    deterministic: DeterministicOption = False,
    disruption: Annotated[
        str,
        typer.Option(
            help="Where the disruption term goes in the objective: first (stay close to "
            "the published plan) or last (best plan, least disruptive among equals)."
        ),
    ] = "first",
    slack_hours: Annotated[
        int, typer.Option(help="Scoreboard: at risk with less slack than this.", min=0)
    ] = 24,
    quiet: Annotated[bool, typer.Option(help="No progress lines on stderr.")] = False,
) -> None:
    """Re-plan after a deviation: executed rounds kept, the rest re-optimised; scoreboard."""
    from models.execution import check_replan_inputs, load_execution
    from planner.engine import ModelTooLargeError
    from planner.replan import render_replan, replan

    if disruption not in ("first", "last"):
        raise bad_input(f"--disruption: must be first or last, not '{disruption}'")
    sc = _load_scenario(scenario)
    published = _load_plan(plan)
    try:
        ex = load_execution(execution)
        check_replan_inputs(
            sc, published, ex, plan_source=str(plan), execution_source=str(execution)
        )
    except InputError as exc:
        raise _fail(exc) from None
    if out is not None and not out.parent.is_dir():
        raise bad_input(f"--out: folder {out.parent} does not exist")
    try:
        result = replan(
            sc,
            published,
            ex,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            deterministic=deterministic,
            disruption=disruption,  # type: ignore[arg-type]
            slack_hours=slack_hours,
            on_progress=_progress_printer(quiet),
        )
    except ModelTooLargeError as exc:
        raise bad_input(f"{scenario}: {exc}") from None
    exit_if_invalid(result.violations, "the new plan")
    data = result.plan.to_json_dict()
    if out is not None:
        out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        typer.echo(render_replan(result, sc, slack_hours))
    raise typer.Exit(STATUS_EXIT[result.status])


def stress_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    plan: Annotated[Path, typer.Argument(help="Plan JSON file to stress.")],
    delays: Annotated[
        str,
        typer.Option(
            help="Delay model, e.g. round=0-24,phase=0-12 (uniform whole hours) or "
            "round=exp:6 (exponential, mean 6 h). See docs/replan.md."
        ),
    ],
    samples: Annotated[int, typer.Option(help="Number of samples.", min=1)] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.", min=0)] = 0,
    from_hour: Annotated[
        int,
        typer.Option(
            help="Delay only rounds and phases planned to start at or after this hour "
            "(after a replan: its now_hour).",
            min=0,
        ),
    ] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    processes: Annotated[
        int | None, typer.Option(help="Local worker processes (default 2).", min=1)
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
) -> None:
    """Monte Carlo of round and phase delays: how often each deadline still holds."""
    from planner import validate
    from planner.stress import parse_delays, render_stress, stress

    try:
        model = parse_delays(delays)
    except InputError as exc:
        raise _fail(exc) from None
    sc = _load_scenario(scenario)
    pl = _load_plan(plan)
    if not pl.has_plan or not pl.rounds:
        raise bad_input(f"{plan}: status: plan has status {pl.status} and no rounds to stress")
    violations = validate.validate(sc, pl)
    if violations:
        _err(f"{plan}: breaks {len(violations)} rule(s) of {scenario}; stress needs a valid plan")
        for v in violations:
            _err(f"  {v}")
        raise typer.Exit(EXIT_INFEASIBLE)
    result = stress(
        sc,
        pl,
        model,
        samples=samples,
        seed=seed,
        from_hour=from_hour,
        processes=processes,
        scheduler=scheduler,
    )
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), indent=2))
    else:
        typer.echo(render_stress(result))
    raise typer.Exit(EXIT_BUG if result.rule_breaks else EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("replan")(replan_cmd)
    app.command("stress")(stress_cmd)
