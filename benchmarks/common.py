"""Solve one scenario in a fresh process and measure it (wall time, peak memory)."""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _child(data: Any, engine: str, time_limit: float, workers: int, queue) -> None:
    from models.loader import load_scenario, scenario_from_data
    from planner.solve import solve

    sc = load_scenario(data) if isinstance(data, str) else scenario_from_data(data)
    res = solve(sc, engine=engine, time_limit=time_limit, workers=workers)
    queue.put(
        {
            "status": res.status,
            "valid": res.is_valid,
            "proven": res.status in ("optimal", "infeasible"),
            "wall_s": res.stats["wall_seconds"],
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "objective": dict(res.objective),
            "stages": [
                (s.term, s.value, s.bound, s.proven, round(s.seconds, 3)) for s in res.stages
            ],
            "variables": res.stats.get("variables"),
        }
    )


def measure(data: Any, engine: str = "cpsat", time_limit: float = 60.0, workers: int = 2) -> dict:
    """Solve ``data`` (a scenario path as str, or scenario data) in a fresh process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(data, engine, time_limit, workers, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out
