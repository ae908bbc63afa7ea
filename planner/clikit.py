"""Shared pieces of the command line: exit codes, stderr lines, input loading.

Exit codes: 0 a plan (or a valid plan for ``validate``), 1 proven infeasible (or
a plan that breaks a rule), 2 bad input, 3 no plan within the time limit,
4 internal error (a plan that fails the validator: a bug, never written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from models.errors import InputError
from models.loader import load_plan, load_scenario
from models.plan import Plan
from models.scenario import Scenario
from planner import report
from planner.engine import Progress

EXIT_OK, EXIT_INFEASIBLE, EXIT_BAD_INPUT, EXIT_NO_PLAN, EXIT_BUG = 0, 1, 2, 3, 4
STATUS_EXIT = {
    "optimal": EXIT_OK,
    "feasible": EXIT_OK,
    "infeasible": EXIT_INFEASIBLE,
    "unknown": EXIT_NO_PLAN,
}
PROGRESS_AFTER_SECONDS = 1.0

# Options that several commands share, declared once so their help and bounds agree.
TimeLimitOption = Annotated[float, typer.Option(help="Seconds for the whole solve.", min=0.01)]
SeedOption = Annotated[int, typer.Option(help="Random seed.", min=0)]
WorkersOption = Annotated[int, typer.Option(help="Parallel search workers.", min=1)]
DeterministicOption = Annotated[
    bool, typer.Option(help="Replayable search (same plan every run), somewhat slower.")
]


def _err(line: str) -> None:
    typer.echo(line, err=True)


def bad_input(line: str) -> typer.Exit:
    """Print one line on stderr and return the exit-2 exception to raise."""
    _err(line)
    return typer.Exit(EXIT_BAD_INPUT)


def exit_if_invalid(violations, what: str = "the plan found") -> None:
    """A plan that fails the validator is a bug: say so on stderr and exit 4."""
    if violations:
        _err(f"internal error: {what} breaks these rules (please report this bug):")
        for v in violations:
            _err(f"  {v}")
        raise typer.Exit(EXIT_BUG)


def _load(loader, path: Path):
    """Load an input file or exit 2 with one line per problem on stderr."""
    try:
        return loader(path)
    except InputError as exc:
        for line in exc.lines():
            _err(line)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _load_scenario(path: Path) -> Scenario:
    return _load(load_scenario, path)


def _load_plan(path: Path) -> Plan:
    return _load(load_plan, path)


def _progress_printer(quiet: bool):
    """Print incumbents to stderr once a solve has run for a second (short solves stay quiet)."""

    def show(p: Progress) -> None:
        if not quiet and p.elapsed >= PROGRESS_AFTER_SECONDS:
            _err(report.render_progress(p))

    return show
