"""Time the negotiator tools: explain (with and without repairs), binding, replan, stress, sweep.

Each measurement runs in a fresh process, so its peak resident memory is its own
(the processes a tool spawns for parallel work are not counted in that peak).
Usage: ``.venv/bin/python benchmarks/negotiator.py [--repeat N]`` (or
``make bench-tools``); writes ``benchmarks/results/negotiator.csv`` and the
Markdown table ``docs/benchmark-negotiator.md``.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import os
import platform
import resource
import statistics
import time
from typing import Any

from common import ROOT

INST = ROOT / "instances"
EXAMPLE_PLAN = INST / "executions" / "october-2025-plan.json"
EXAMPLE_EXECUTION = INST / "executions" / "october-2025-day3.yaml"


def _task(kind: str, arg: Any) -> dict[str, Any]:
    """Run one tool once; return what it found (timed by the caller)."""
    from models.loader import load_plan, load_scenario, scenario_from_data
    from planner.generate import generate

    if kind in ("explain", "explain+repairs"):
        from planner.explain import explain, explain_and_repair

        sc = load_scenario(arg) if isinstance(arg, str) else scenario_from_data(generate(*arg))
        out = explain(sc) if kind == "explain" else explain_and_repair(sc)
        return {
            "result": f"{out.status}, {len(out.conflict)} rule(s), {len(out.repairs)} repair(s)",
            "solves": out.solves,
            "minimal": out.minimal,
        }
    if kind == "binding":
        from planner.explain import binding

        base, term, rows = binding(load_scenario(arg))
        gains = sum(1 for b in rows if (b.gain or 0) > 0)
        return {"result": f"{term} {base}; {len(rows)} limits, {gains} with a gain"}
    if kind == "replan":
        from models.execution import load_execution
        from planner.replan import replan

        sc = load_scenario(INST / "october-2025.yaml")
        res = replan(sc, load_plan(EXAMPLE_PLAN), load_execution(EXAMPLE_EXECUTION))
        return {"result": f"{res.plan.status}, disruption {res.disruption.total}"}
    if kind == "stress":
        from planner.stress import stress

        sc = load_scenario(INST / "october-2025.yaml")
        out = stress(sc, load_plan(EXAMPLE_PLAN), "round=0-24,phase=0-12", samples=arg)
        return {"result": f"robustness {out.robustness:.3f}"}
    if kind == "sweep":
        from planner.whatif import sweep

        sc = load_scenario(INST / "teaching-basic.yaml")
        out = sweep(sc, [("rounds.min_gap_hours", arg)])
        return {"result": f"{len(out.rows)} cells"}
    raise ValueError(kind)


def _child(kind: str, arg: Any, queue) -> None:
    t0 = time.monotonic()
    out = _task(kind, arg)
    out["wall_s"] = round(time.monotonic() - t0, 3)
    out["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    queue.put(out)


def measure(kind: str, arg: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(kind, arg, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def cases() -> list[tuple[str, str, Any]]:
    out: list[tuple[str, str, Any]] = []
    for name in ("teaching-buses-infeasible", "teaching-pullback-infeasible"):
        out.append(("explain", name, str(INST / f"{name}.yaml")))
        out.append(("explain+repairs", name, str(INST / f"{name}.yaml")))
    for size in (1, 2, 4, 8):
        for seed in range(3):
            out.append(
                ("explain", f"generated N={size} seed {seed} (infeasible)", (size, seed, True))
            )
    for name in ("october-2025", "january-2025", "november-2023", "teaching-basic"):
        out.append(("binding", name, str(INST / f"{name}.yaml")))
    out.append(("replan", "october-2025 day 3", None))
    out.append(("stress", "october-2025, 1000 samples", 1000))
    out.append(("stress", "october-2025, 10000 samples", 10000))
    out.append(("sweep", "teaching-basic, min_gap 12..48 (4 cells)", [12, 24, 36, 48]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3, help="runs per case (median time)")
    args = ap.parse_args(argv)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    rows = []
    for kind, label, arg in cases():
        runs = [measure(kind, arg) for _ in range(args.repeat)]
        row = dict(runs[0])
        row["wall_s"] = statistics.median(r["wall_s"] for r in runs)
        row["peak_mib"] = max(r["peak_mib"] for r in runs)
        rows.append({"tool": kind, "case": label, **row})
        print(f"  {kind:<16} {label:<45} {row['wall_s']:>7.2f} s  {row['result']}", flush=True)
    out = ROOT / "benchmarks" / "results" / "negotiator.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    fields = ["tool", "case", "wall_s", "peak_mib", "result", "solves", "minimal"]
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "# Benchmark: the negotiator tools",
        "",
        f"Machine: {machine}; median of {args.repeat} runs, each in a fresh process "
        "(wall time includes starting Python and importing the solver; peak memory is "
        "the measuring process's own, not that of the worker processes it starts). "
        "Regenerate with `make bench-tools`.",
        "",
        "| tool | case | wall (median) | peak memory | result |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['tool']} | {r['case']} | {r['wall_s']:.2f} s | {r['peak_mib']} MiB "
            f"| {r['result']} |"
        )
    text = "\n".join(lines) + "\n"
    (ROOT / "docs" / "benchmark-negotiator.md").write_text(text, encoding="utf-8")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
