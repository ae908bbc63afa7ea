"""Command line: ``explain`` (why no plan exists, what it would take) and ``binding``.

Exit codes of ``explain``: 0 the scenario is feasible (nothing to explain), 1 it is
infeasible and the conflict is printed, 2 bad input, 3 not decided in time.
``binding``: 0 done, 1 the scenario is infeasible, 2 bad input, 3 no plan in time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from planner.clikit import (
    EXIT_INFEASIBLE,
    EXIT_NO_PLAN,
    EXIT_OK,
    _load_scenario,
    bad_input,
)

_EXPLAIN_EXIT = {"feasible": EXIT_OK, "infeasible": EXIT_INFEASIBLE, "unknown": EXIT_NO_PLAN}


def _objective_text(objective: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in objective.items()) or "-"


def explain(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    time_limit: Annotated[
        float, typer.Option(help="Seconds to find and shrink the conflict.", min=0.01)
    ] = 60.0,
    check_limit: Annotated[
        float, typer.Option(help="Seconds per feasibility check of a repair search.", min=0.01)
    ] = 10.0,
    solve_limit: Annotated[
        float, typer.Option(help="Seconds to solve each repaired scenario.", min=0.01)
    ] = 30.0,
    repair_limit: Annotated[
        float, typer.Option(help="Seconds for all the repair searches together.", min=0.01)
    ] = 120.0,
    no_repairs: Annotated[
        bool, typer.Option("--no-repairs", help="Only name the conflict.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed.", min=0)] = 0,
    processes: Annotated[
        int | None, typer.Option(help="Local processes for the repair searches.", min=1)
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Name a minimal set of rules that cannot all hold, and the smallest change to each."""
    from planner.explain import explain as run_explain
    from planner.explain import explain_and_repair

    sc = _load_scenario(scenario)
    if no_repairs:
        out = run_explain(sc, time_limit=time_limit, seed=seed)
    else:
        out = explain_and_repair(
            sc,
            time_limit=time_limit,
            seed=seed,
            check_limit=check_limit,
            solve_limit=solve_limit,
            repair_limit=repair_limit,
            processes=processes,
            scheduler=scheduler,
        )
    if as_json:
        typer.echo(json.dumps(out.to_json_dict(), indent=2))
    else:
        typer.echo(render_explanation(out, str(scenario), repairs_asked=not no_repairs))
    raise typer.Exit(_EXPLAIN_EXIT[out.status])


def render_explanation(out, source: str, repairs_asked: bool = True) -> str:
    """The explanation as text for a terminal."""
    lines = [f"{source}: {out.status}", "", out.summary[0].upper() + out.summary[1:] + "."]
    if out.conflict:
        lines += ["", "Rules in conflict" + ("" if out.minimal else " (not proven minimal):")]
        if out.minimal:
            lines[-1] += " (lifting any one of them makes a plan possible):"
        lines += [f"  {r.name:<28} {r.words}" for r in out.conflict]
        if out.unproven:
            lines.append(
                "  Not decided in time whether these are needed: " + ", ".join(out.unproven)
            )
    if out.repairs:
        lines += ["", "What it would take (each change alone restores feasibility):"]
        for r in out.repairs:
            note = "" if r.minimal else " (smaller not ruled out in time)"
            lines.append(f"  {r.rule:<28} {r.change}{note}")
            lines.append(f"  {'':<28} objective then: {_objective_text(r.objective)}")
    if out.unrepaired and repairs_asked:
        lines += [
            "",
            "No single change of these alone makes a plan possible (another conflict "
            "remains): " + ", ".join(out.unrepaired),
        ]
    if out.repairs_undecided and repairs_asked:
        lines += ["", "Repair search out of time for: " + ", ".join(out.repairs_undecided)]
    timing = f"conflict: {out.solves} solves in {out.seconds:.2f} s"
    if out.repairs or out.unrepaired or out.repairs_undecided:
        timing += f"; repairs: {out.repair_seconds:.2f} s"
    lines += ["", f"({timing})"]
    return "\n".join(lines)


def binding(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    term: Annotated[
        str | None,
        typer.Option(help="Objective term to measure gains on (default: the first in force)."),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds for each re-solve.", min=0.01)] = 30.0,
    seed: Annotated[int, typer.Option(help="Random seed.", min=0)] = 0,
    processes: Annotated[int | None, typer.Option(help="Local processes.", min=1)] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Which limits bind the plan, and what relaxing each by one unit gains."""
    from planner.explain import binding as run_binding

    sc = _load_scenario(scenario)
    terms = ("priority_inversion_hours", "living_release_hours", "release_hours", "makespan")
    if term is not None and term not in (*terms, "rounds"):
        raise bad_input(
            f"--term: unknown objective term '{term}' (choose from {', '.join(terms)}, rounds)"
        )
    base, term, rows = run_binding(
        sc, term=term, time_limit=time_limit, seed=seed, processes=processes, scheduler=scheduler
    )
    if base is None:
        typer.echo(f"{scenario}: no plan to measure (infeasible or not solved in time)")
        from planner.explain import feasible

        raise typer.Exit(
            EXIT_INFEASIBLE if feasible(sc, time_limit) == "infeasible" else EXIT_NO_PLAN
        )
    if as_json:
        doc = {
            "term": term,
            "base": base,
            "limits": [
                {
                    "rule": b.rule,
                    "words": b.words,
                    "change": b.change,
                    "override": b.override,
                    "slack": b.slack,
                    "relaxed": b.relaxed,
                    "gain": b.gain,
                    "status": b.status,
                }
                for b in rows
            ],
        }
        typer.echo(json.dumps(doc, indent=2))
        raise typer.Exit(EXIT_OK)
    typer.echo(f"{scenario}: {term} = {base} at the optimum")
    typer.echo("")
    header = f"  {'rule':<30} {'slack':>6} {'gain':>8}  change"
    typer.echo(header)
    for b in rows:
        slack = "-" if b.slack is None else str(b.slack)
        gain = "?" if b.gain is None else str(b.gain)
        typer.echo(f"  {b.rule:<30} {slack:>6} {gain:>8}  {b.change}")
    typer.echo("")
    typer.echo("slack 0 = tight in the plan; gain = how much the first term improves.")
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command()(explain)
    app.command()(binding)
