"""Every engine on every instance and on a size ladder N = 1, 2, 4, 8, ...

For each engine the ladder climbs until a size where some seed is not proven
within the cap (default 120 s); time-outs are recorded as such. Each solve runs
in a fresh process. Writes ``benchmarks/results/ladder.csv``, and into ``docs/``
the plot ``benchmark-ladder.png`` and the table ``benchmark-results.md``.

Usage: ``.venv/bin/python benchmarks/ladder.py [--engines cpsat,milp-highs,milp-cbc]
[--seeds 3] [--cap 120] [--max-n 64]``
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import time
from collections import defaultdict
from pathlib import Path

from common import ROOT, measure

FIELDS = [
    "kind",
    "name",
    "n",
    "seed",
    "engine",
    "status",
    "proven",
    "wall_s",
    "peak_mib",
    "objective",
]


def _row(kind: str, name: str, n: int | str, seed: int | str, engine: str, m: dict) -> dict:
    return {
        "kind": kind,
        "name": name,
        "n": n,
        "seed": seed,
        "engine": engine,
        "status": m["status"],
        "proven": m["proven"] and m["valid"],
        "wall_s": m["wall_s"],
        "peak_mib": m["peak_mib"],
        "objective": " ".join(str(v) for v in m["objective"].values()),
    }


def run(engines: list[str], seeds: int, cap: float, max_n: int, log) -> list[dict]:
    """Solve instances and the ladder; return one row per solve."""
    from planner.generate import generate

    rows = []
    for path in sorted((ROOT / "instances").glob("*.yaml")):
        for engine in engines:
            m = measure(str(path), engine, cap)
            rows.append(_row("instance", path.stem, "", "", engine, m))
            log(f"{path.stem:28} {engine:11} {m['status']:10} {m['wall_s']:8.2f} s")
    for engine in engines:
        n = 1
        while n <= max_n:
            timed_out = False
            for seed in range(seeds):
                m = measure(generate(n, seed), engine, cap)
                rows.append(_row("ladder", f"N={n}", n, seed, engine, m))
                log(f"N={n:<3} seed={seed} {engine:11} {m['status']:10} {m['wall_s']:8.2f} s")
                timed_out |= not m["proven"]
            if timed_out:
                break
            n *= 2
    return rows


def _medians(rows: list[dict], key: str) -> dict[str, list[tuple[int, float, bool]]]:
    """Per engine: (N, median of key, all proven) over the seeds of each ladder size."""
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for r in rows:
        if r["kind"] == "ladder":
            groups[r["engine"], int(r["n"])].append(r)
    out: dict[str, list[tuple[int, float, bool]]] = defaultdict(list)
    for (engine, n), rs in sorted(groups.items()):
        out[engine].append(
            (n, statistics.median(float(r[key]) for r in rs), all(r["proven"] for r in rs))
        )
    return out


def plot(rows: list[dict], cap: float, path: Path) -> None:
    """Time to proven optimum and peak memory against N, one line per engine, log scales."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, label in (
        (axes[0], "wall_s", "median wall time to proven optimum (s)"),
        (axes[1], "peak_mib", "median peak memory (MiB)"),
    ):
        for engine, pts in _medians(rows, key).items():
            ns = [p[0] for p in pts]
            line = ax.plot(ns, [p[1] for p in pts], marker="o", label=engine)[0]
            bad = [(p[0], p[1]) for p in pts if not p[2]]
            if bad:
                ax.scatter(*zip(*bad, strict=True), marker="x", s=90, color=line.get_color())
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("scenario size N")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].axhline(cap, color="grey", linestyle="--", linewidth=1)
    axes[0].legend(title="x = a seed not proven within the cap")
    fig.suptitle(f"exchange-planner size ladder ({os.cpu_count()} cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def table(rows: list[dict], cap: float, seeds: int, seconds: float) -> str:
    """Markdown: machine, instances by engine, ladder medians, largest N proven per engine."""
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; cap {cap:.0f} s per solve; {seeds} seeds per size; "
        f"whole run {seconds / 60:.1f} min. Regenerate with `make ladder`.",
        "",
        "## Calibrated and teaching instances (wall s, status)",
        "",
    ]
    engines = sorted({r["engine"] for r in rows}, key=lambda e: (e != "cpsat", e))
    lines += ["| instance | " + " | ".join(engines) + " |", "|---" * (len(engines) + 1) + "|"]
    inst: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        if r["kind"] == "instance":
            inst[r["name"]][r["engine"]] = r
    ratios = []
    for name, by in sorted(inst.items()):
        cells = [f"{float(by[e]['wall_s']):.2f} {by[e]['status']}" for e in engines if e in by]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        milp = [float(by[e]["wall_s"]) for e in engines if e.startswith("milp") and e in by]
        if "cpsat" in by and milp:
            ratios.append(min(milp) / max(float(by["cpsat"]["wall_s"]), 1e-3))
    if ratios:
        lines += [
            "",
            f"Median over instances of (best MILP time / CP-SAT time): "
            f"{statistics.median(ratios):.1f}x (a MILP time marked `feasible` or `unknown` "
            "hit the cap, so its ratio is a lower bound).",
        ]
    lines += ["", "## Size ladder (median wall s over seeds; * = a seed not proven)", ""]
    med = _medians(rows, "wall_s")
    mem = _medians(rows, "peak_mib")
    ns = sorted({n for pts in med.values() for n, _, _ in pts})
    lines += ["| N | " + " | ".join(engines) + " |", "|---" * (len(engines) + 1) + "|"]
    for n in ns:
        cells = []
        for e in engines:
            hit = [(t, ok) for m, t, ok in med.get(e, []) if m == n]
            mib = [t for m, t, _ in mem.get(e, []) if m == n]
            cells.append(
                f"{hit[0][0]:.2f}{'' if hit[0][1] else '*'} ({mib[0]:.0f} MiB)" if hit else "-"
            )
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    lines += ["", "Largest N with every seed proven within the cap:", ""]
    for e in engines:
        proven = [n for n, _, ok in med.get(e, []) if ok]
        lines.append(f"- {e}: {max(proven) if proven else 'none'}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--engines", default="cpsat,milp-highs,milp-cbc")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--cap", type=float, default=120.0)
    ap.add_argument("--max-n", type=int, default=64)
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    rows = run(args.engines.split(","), args.seeds, args.cap, args.max_n, print)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    with (out / "ladder.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    plot(rows, args.cap, ROOT / "docs" / "benchmark-ladder.png")
    (ROOT / "docs" / "benchmark-results.md").write_text(
        table(rows, args.cap, args.seeds, time.monotonic() - t0)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
