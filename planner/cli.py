"""Command line: ``exchange-planner solve | validate | show | schema``.

Exit codes: 0 a plan (or a valid plan for ``validate``), 1 proven infeasible (or
a plan that breaks a rule), 2 bad input, 3 no plan within the time limit,
4 internal error (a plan that fails the validator: a bug, never written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from models.loader import scenario_from_data, scenario_to_yaml
from models.plan import Plan
from models.scenario import Scenario
from planner import report, validate
from planner.clikit import (
    EXIT_BAD_INPUT,
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
    exit_if_invalid,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Plan exchange rounds of a ceasefire deal and check plans against every agreed rule.",
)


@app.command()
def solve(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    time_limit: TimeLimitOption = 60.0,
    seed: SeedOption = 0,
    workers: WorkersOption = 2,
    deterministic: DeterministicOption = False,
    engine: Annotated[str, typer.Option(help="Solving engine.")] = "cpsat",
    out: Annotated[Path | None, typer.Option(help="Write the plan JSON here.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print plan JSON instead of a table.")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress lines on stderr.")] = False,
) -> None:
    """Solve a scenario: the lexicographically optimal plan, checked by the validator."""
    from planner.solve import ENGINES, ModelTooLargeError
    from planner.solve import solve as run_solve

    sc = _load_scenario(scenario)
    if engine not in ENGINES:
        _err(f"--engine: unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
        raise typer.Exit(EXIT_BAD_INPUT)
    if out is not None and not out.parent.is_dir():
        _err(f"--out: folder {out.parent} does not exist")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        result = run_solve(
            sc,
            engine=engine,
            time_limit=time_limit,
            seed=seed,
            workers=workers,
            deterministic=deterministic,
            on_progress=_progress_printer(quiet),
        )
    except ModelTooLargeError as exc:
        _err(f"{scenario}: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    exit_if_invalid(result.violations)
    data = result.plan.to_json_dict()
    if out is not None:
        out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(data, indent=2))
    else:
        typer.echo(report.render_plan(result.plan, sc))
    raise typer.Exit(STATUS_EXIT[result.status])


@app.command("validate")
def validate_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file.")],
    plan: Annotated[Path, typer.Argument(help="Plan JSON file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print violations as JSON.")] = False,
) -> None:
    """Check a plan against a scenario, rule by rule (exit 0 valid, 1 violations)."""
    sc = _load_scenario(scenario)
    pl = _load_plan(plan)
    violations = validate.validate(sc, pl)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "valid": not violations,
                    "violations": [
                        {
                            "rule": v.rule,
                            "where": v.where,
                            "message": v.message,
                            "numbers": v.numbers,
                        }
                        for v in violations
                    ],
                },
                indent=2,
            )
        )
    elif violations:
        typer.echo(f"{plan}: {len(violations)} violation(s)")
        for v in violations:
            typer.echo(f"  {v}")
    else:
        what = f"{len(pl.rounds)} rounds" if pl.has_plan else f"status {pl.status}"
        typer.echo(f"{plan}: valid ({what}; every rule of {scenario} holds)")
    raise typer.Exit(EXIT_INFEASIBLE if violations else EXIT_OK)


@app.command()
def show(
    plan: Annotated[Path, typer.Argument(help="Plan JSON file.")],
) -> None:
    """Print a plan as a table."""
    typer.echo(report.render_plan(_load_plan(plan)))


@app.command()
def schema(
    plan: Annotated[
        bool, typer.Option("--plan", help="The plan format instead of the scenario.")
    ] = False,
) -> None:
    """Print the JSON Schema of scenario format v1 (or plan format v1)."""
    model = Plan if plan else Scenario
    typer.echo(json.dumps(model.model_json_schema(by_alias=True), indent=2))


@app.command()
def generate(
    size: Annotated[
        int, typer.Option(help="Size N (the calibrated instances are about 1).", min=1)
    ],
    seed: Annotated[int, typer.Option(help="Random seed.", min=0)] = 0,
    infeasible: Annotated[
        bool, typer.Option(help="Break one rule so that no plan exists.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Write the scenario YAML here.")] = None,
) -> None:
    """Generate a synthetic scenario whose cohorts, sites, rounds and phases grow with N."""
    from planner.generate import generate as make

    text = scenario_to_yaml(scenario_from_data(make(size, seed, infeasible), "<generated>"))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


def _register_negotiator_commands() -> None:
    """Commands of the negotiator tools live in their own modules (one per feature)."""
    import importlib

    for name in ("planner.cli_explain", "planner.cli_whatif", "planner.cli_replan"):
        importlib.import_module(name).register(app)


_register_negotiator_commands()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
