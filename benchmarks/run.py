"""Solve every shipped instance and report wall time, peak memory and each stage's objective.

Each solve runs in a fresh process, so its peak resident memory is its own.
Usage: ``.venv/bin/python benchmarks/run.py [--time-limit S] [--repeat N] [FILES...]``;
writes ``benchmarks/results/instances.csv`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
from pathlib import Path

from common import ROOT, measure


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
        runs = [measure(str(f), "cpsat", args.time_limit, args.workers) for _ in range(args.repeat)]
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
