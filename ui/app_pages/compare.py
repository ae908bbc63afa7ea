"""Compare page: KPIs side by side, overlaid release curves, and a round-by-round diff."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import charts, state, views

ss = st.session_state
state.enter_page("compare")

st.title("Compare plans")
records = state.plans()
if records:
    st.markdown("**Plans of this session**")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "plan": r.name,
                    "scenario": r.scenario.name + (" (edited)" if r.edited else ""),
                    "status": r.plan.status,
                    "engine": r.plan.engine,
                    "seconds": (r.plan.manifest or {}).get("wall_seconds"),
                    "valid": not r.violations,
                }
                for r in records
            ]
        ),
        hide_index=True,
        width="stretch",
        key="cp_list",
    )

candidates = state.with_plans()
if len(candidates) < 2:
    st.info(
        "Solve at least two plans to compare them: for example, solve, change a capacity "
        "on the Scenario page, and solve again."
    )
    st.page_link("app_pages/solve.py", label="Go to Solve", icon=":material/play_circle:")
    st.stop()

names = [r.name for r in candidates]
picked = st.multiselect(
    "Plans to compare (the first is the reference)",
    names,
    default=names[-2:],
    key=f"cp_pick_{len(names)}",
)
chosen = [r for name in picked for r in candidates if r.name == name]
if len(chosen) < 2:
    st.info("Pick two or more plans.")
    st.stop()
reference = chosen[0]

# --------------------------------------------------------------------------- KPIs

st.subheader("Key figures")
table = views.compare_kpis([(r.name, r.plan) for r in chosen])
differs = views.differs_from_first(table)


def _highlight(frame: pd.DataFrame) -> pd.DataFrame:
    return differs.loc[frame.index, frame.columns].replace(
        {True: "background-color: #fff3b0; font-weight: 600", False: ""}
    )


st.dataframe(
    table.style.apply(_highlight, axis=None),
    width="stretch",
    height=35 * (len(table) + 1) + 3,
    key="cp_kpis",
)
changed = int(differs.any(axis=1).sum())
st.caption(
    f"Highlighted: differs from the reference **{reference.name}**. "
    f"{changed} of {len(table)} figures differ."
)

# --------------------------------------------------------------------------- curves

st.subheader("Cumulative releases")
st.plotly_chart(
    charts.curves_figure([(r.name, r.curves) for r in chosen]),
    key="cp_curves",
    config={"displaylogo": False},
)

# --------------------------------------------------------------------------- diffs

st.subheader("Round by round")
for other in chosen[1:]:
    st.markdown(f"**{other.name}** against **{reference.name}**")
    diff = views.plan_diff(reference.plan, other.plan)
    if diff.empty:
        st.caption("Same rounds: same sites, hours and counts.")
    else:
        st.dataframe(diff, hide_index=True, width="stretch", key=f"cp_diff_{other.name}")
    moves = views.cohort_moves(reference.plan, other.plan)
    if not moves.empty:
        st.markdown("Cohorts released at other hours")
        st.dataframe(moves, hide_index=True, width="stretch", key=f"cp_moves_{other.name}")

with st.expander("Timelines one above the other"):
    for r in chosen:
        st.plotly_chart(
            charts.gantt_figure(
                r.gantt_frame,
                views.deadline_marks(r.scenario),
                views.lane_order(r.plan, r.scenario),
                start=r.scenario.start,
                title=r.name,
            ),
            key=f"cp_gantt_{r.name}",
            config={"displaylogo": False},
        )
