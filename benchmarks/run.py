"""Solve every shipped instance and report wall time, peak memory and each stage's objective.

Each solve runs in a fresh process, so its peak resident memory is its own.
Usage: ``.venv/bin/python benchmarks/run.py [--time-limit S] [--repeat N] [FILES...]``;
writes ``benchmarks/results/instances.csv`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _one(path: str, time_limit: float, workers: int, queue) -> None:
    from models.loader import load_scenario
    from planner.solve import solve

    res = solve(load_scenario(path), time_limit=time_limit, workers=workers)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "status": res.status,
            "valid": res.is_valid,
            "wall_s": res.stats["wall_seconds"],
            "peak_mib": round(peak_kib / 1024, 1),
            "stages": [
                (s.term, s.value, s.bound, s.proven, round(s.seconds, 3)) for s in res.stages
            ],
            "variables": res.stats.get("variables"),
        }
    )


def measure(path: Path, time_limit: float, workers: int) -> dict:
    """Solve one instance in a fresh process and return its figures."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_one, args=(str(path), time_limit, workers, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="solves per instance (median time)")
    args = ap.parse_args(argv)
    files = args.files or sorted((ROOT / "instances").glob("*.yaml"))
    rows = []
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        "| instance | status | valid | median wall s | peak MiB | variables | stages (term=value) |"
    )
    print("|---|---|---|---|---|---|---|")
    for f in files:
        runs = [measure(f, args.time_limit, args.workers) for _ in range(args.repeat)]
        first = runs[0]
        wall = statistics.median(r["wall_s"] for r in runs)
        peak = max(r["peak_mib"] for r in runs)
        stages = "; ".join(
            f"{t}={v}{'' if p else f' (bound {b})'} {s}s" for t, v, b, p, s in first["stages"]
        )
        print(
            f"| {f.stem} | {first['status']} | {first['valid']} | {wall:.2f} | {peak} "
            f"| {first['variables']} | {stages} |"
        )
        rows.append(
            {
                "instance": f.stem,
                "status": first["status"],
                "valid": first["valid"],
                "median_wall_s": wall,
                "walls_s": " ".join(str(r["wall_s"]) for r in runs),
                "peak_mib": peak,
                "variables": first["variables"],
                "stages": stages,
            }
        )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "instances.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["instance"])
        w.writeheader()
        w.writerows(rows)
    return 0 if all(r["status"] == "optimal" and r["valid"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
