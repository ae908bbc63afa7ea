"""Command line: compare, sweep (registered on the main app by ``planner.cli``).

``compare`` and ``sweep`` exit 0 whenever every solve ran, whatever the
statuses (they are results, shown in the table: a variant that makes an
infeasible base feasible is the point of asking); 2 on bad input, with one line
per problem on stderr, nothing on stdout and no file written; 4 when a plan fails
the validator (a bug).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from models.errors import InputError
from planner.clikit import EXIT_BAD_INPUT, EXIT_BUG, EXIT_OK, _err, _load_scenario, bad_input

TIME_LIMIT_HELP = "Seconds for each solve."
SEED_HELP = "Random seed of every solve (same seed, same results)."
ENGINE_HELP = "Solving engine."
PROCESSES_HELP = "Local worker processes (default: 2, or fewer when there are fewer solves)."
SCHEDULER_HELP = "Dask scheduler address (tcp://host:8786): solve on that cluster instead."


def _input_error(exc: InputError) -> typer.Exit:
    for line in exc.lines():
        _err(line)
    return typer.Exit(EXIT_BAD_INPUT)


def _check_engine(engine: str) -> None:
    from planner.solve import ENGINES

    if engine not in ENGINES:
        raise bad_input(f"--engine: unknown engine '{engine}' (choose from {', '.join(ENGINES)})")


def _run(what: str, scheduler: str | None, call) -> Any:
    """Run a what-if call, turning its errors into exit codes and one-line messages."""
    from planner.solve import ModelTooLargeError, PlanInvalidError

    try:
        return call()
    except InputError as exc:
        raise _input_error(exc) from None
    except ModelTooLargeError as exc:
        raise bad_input(f"{what}: {exc}") from None
    except PlanInvalidError as exc:
        _err(f"internal error: {exc} (please report this bug)")
        raise typer.Exit(EXIT_BUG) from None
    except (OSError, TimeoutError) as exc:
        if scheduler is None:
            raise
        raise bad_input(f"--scheduler: cannot use {scheduler}: {exc}") from None


def compare_cmd(
    base: Annotated[Path, typer.Argument(help="Base scenario file (YAML or JSON).")],
    variant: Annotated[
        list[str] | None,
        typer.Option(
            "--variant",
            help=(
                "A variant: 'PATH=VALUE', several joined by ';', optionally named "
                "first ('gap48: rounds.min_gap_hours=48'), or a variants file "
                "(.yaml/.yml/.json). Repeat for more variants."
            ),
        ),
    ] = None,
    time_limit: Annotated[float, typer.Option(help=TIME_LIMIT_HELP, min=0.01)] = 60.0,
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    engine: Annotated[str, typer.Option(help=ENGINE_HELP)] = "cpsat",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document instead of tables.")
    ] = False,
    processes: Annotated[int | None, typer.Option(help=PROCESSES_HELP, min=1)] = None,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
) -> None:
    """Solve a scenario and its variants; print KPIs side by side and round-by-round diffs."""
    from planner import whatif
    from planner.variants import variants_from_args

    sc = _load_scenario(base)
    _check_engine(engine)
    if not variant:
        raise bad_input("--variant: give at least one variant, e.g. rounds.min_gap_hours=48")
    try:
        variants = variants_from_args(variant)
    except InputError as exc:
        raise _input_error(exc) from None
    result = _run(
        str(base),
        scheduler,
        lambda: whatif.compare(
            sc,
            variants,
            engine=engine,
            time_limit=time_limit,
            seed=seed,
            processes=processes,
            scheduler=scheduler,
        ),
    )
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), indent=2, default=str))
    else:
        typer.echo(whatif.render_comparison(result))
    raise typer.Exit(EXIT_OK)


def sweep_cmd(
    base: Annotated[Path, typer.Argument(help="Base scenario file (YAML or JSON).")],
    out: Annotated[
        Path, typer.Option(help="Folder for sweep.csv and sweep.html (created if missing).")
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help=(
                "A parameter and its values: 'PATH=V1,V2,...' (commas inside [] or {} "
                "do not split). Once or twice."
            ),
        ),
    ] = None,
    time_limit: Annotated[float, typer.Option(help=TIME_LIMIT_HELP, min=0.01)] = 60.0,
    seed: Annotated[int, typer.Option(help=SEED_HELP, min=0)] = 0,
    engine: Annotated[str, typer.Option(help=ENGINE_HELP)] = "cpsat",
    processes: Annotated[int | None, typer.Option(help=PROCESSES_HELP, min=1)] = None,
    scheduler: Annotated[str | None, typer.Option(help=SCHEDULER_HELP)] = None,
) -> None:
    """Solve a scenario over a grid of one or two parameters; write a CSV and a chart."""
    from planner import whatif
    from planner.variants import parse_axis

    sc = _load_scenario(base)
    _check_engine(engine)
    if not set_:
        raise bad_input("--set: give one or two parameters, e.g. rounds.min_gap_hours=12,24,48")
    try:
        axes = [parse_axis(text) for text in set_]
        whatif.check_axes(axes)
    except InputError as exc:
        raise _input_error(exc) from None
    if out.exists() and not out.is_dir():
        raise bad_input(f"--out: {out} exists and is not a folder")
    result = _run(
        str(base),
        scheduler,
        lambda: whatif.sweep(
            sc,
            axes,
            engine=engine,
            time_limit=time_limit,
            seed=seed,
            processes=processes,
            scheduler=scheduler,
        ),
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
        whatif.write_csv(result, out / "sweep.csv")
        whatif.write_chart(result, out / "sweep.html")
    except OSError as exc:
        raise bad_input(f"--out: cannot write to {out}: {exc.strerror or exc}") from None
    typer.echo(whatif.render_sweep(result))
    typer.echo(f"\nWrote {out / 'sweep.csv'} and {out / 'sweep.html'}")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``: ``compare`` and ``sweep``."""
    app.command("compare")(compare_cmd)
    app.command("sweep")(sweep_cmd)
