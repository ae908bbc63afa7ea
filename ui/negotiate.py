"""Pure helpers of the negotiator pages: planner answers as tables (no Streamlit here)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from planner.explain import Binding, Explanation


def _objective_text(objective: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in objective.items())


def conflict_frame(out: Explanation) -> pd.DataFrame:
    """One row per rule of the conflict: its stable name and what it says."""
    return pd.DataFrame(
        [{"rule": r.name, "what it says": r.words} for r in out.conflict],
        columns=["rule", "what it says"],
    )


def repairs_frame(out: Explanation) -> pd.DataFrame:
    """One row per repair: the change, the repaired plan's objective, the override."""
    return pd.DataFrame(
        [
            {
                "rule": r.rule,
                "change": r.change,
                "plan then": f"{r.status}: {_objective_text(r.objective)}",
                "smallest": "yes" if r.minimal else "not proven",
                "override": r.override,
            }
            for r in out.repairs
        ],
        columns=["rule", "change", "plan then", "smallest", "override"],
    )


def binding_frame(rows: Sequence[Binding]) -> pd.DataFrame:
    """One row per limit: slack in the plan, the one-unit change and what it gains."""
    return pd.DataFrame(
        [
            {
                "rule": b.rule,
                "slack": b.slack,
                "change": b.change,
                "gain": b.gain,
                "what it says": b.words,
            }
            for b in rows
        ],
        columns=["rule", "slack", "change", "gain", "what it says"],
    ).astype({"slack": "Int64", "gain": "Int64"})
