"""Plan page: KPIs first, then the timeline, release curves, the rounds, and downloads."""

from __future__ import annotations

import json
import re

import streamlit as st

from ui import charts, state, views, widgets

ss = st.session_state
state.enter_page("plan")

st.title("Plan")
records = state.plans()
if not records:
    st.info("No plan yet in this session.")
    st.page_link("app_pages/solve.py", label="Solve the scenario", icon=":material/play_circle:")
    st.stop()

names = [r.name for r in records]
selected = ss.get("selected") if ss.get("selected") in names else names[-1]
choice = st.selectbox("Plan", names, index=names.index(selected), key=f"pl_pick_{len(names)}")
ss.selected = choice
record = state.find(choice)
assert record is not None  # choice comes from the list of names
plan, scenario = record.plan, record.scenario

widgets.status_box(record)
widgets.verdict_box(record)
if not plan.has_plan:
    st.stop()

# --------------------------------------------------------------------------- KPIs

widgets.kpi_metrics(record, widgets.previous_with_plan(records, record))
st.caption(
    f"Scenario **{scenario.name}**"
    + (" (edited)" if record.edited else "")
    + ". Objective: "
    + ", ".join(f"{t} {v}" for t, v in plan.objective.items())
    + (f". Hour 0 is {scenario.start:%a %d %b %Y %H:%M %z}." if scenario.start else ".")
)
st.markdown("**Peak use of each capacity**")
peaks = record.peak_frame
c1, c2 = st.columns([1, 1])
c1.dataframe(
    peaks,
    hide_index=True,
    width="stretch",
    column_config={
        "binding": st.column_config.CheckboxColumn("binding", help="peak equals the limit"),
        "use %": st.column_config.ProgressColumn(
            "use %", min_value=0, max_value=100, format="%.0f%%"
        ),
    },
    key="pl_peaks",
)
if peaks["limit"].notna().any():
    c2.plotly_chart(
        charts.peak_figure(peaks), key="pl_peak_chart", config={"displayModeBar": False}
    )

# --------------------------------------------------------------------------- timeline

st.subheader("Timeline")
lanes = views.lane_order(plan, scenario)
st.plotly_chart(
    charts.gantt_figure(
        record.gantt_frame, views.deadline_marks(scenario), lanes, start=scenario.start
    ),
    key="pl_gantt",
    config={"displaylogo": False},
)
st.caption(
    "Bars: handover windows per site (R1, R2, ... in start order) and phases. Triangles: "
    "detainees released. Red ticks: phase deadlines; dashed lines: captive and detainee "
    "deadlines. Hover for the cohorts."
)

st.subheader("Cumulative releases")
st.plotly_chart(
    charts.curves_figure([(record.name, record.curves)]),
    key="pl_curves",
    config={"displaylogo": False},
)

# --------------------------------------------------------------------------- tables

st.subheader("Rounds")
st.dataframe(record.rounds_frame, hide_index=True, width="stretch", key="pl_rounds")
if plan.phases:
    st.subheader("Phases")
    st.dataframe(record.phases_frame, hide_index=True, width="stretch", key="pl_phases")

# --------------------------------------------------------------------------- downloads

st.subheader("Downloads")
stem = re.sub(r"[^A-Za-z0-9._-]+", "-", record.name).strip("-") or "plan"
c1, c2, c3 = st.columns(3)
c1.download_button(
    "Plan JSON (plan format v1)",
    json.dumps(plan.to_json_dict(), indent=2) + "\n",
    file_name=f"{stem}.json",
    mime="application/json",
    icon=":material/data_object:",
    key="pl_json",
    on_click="ignore",
)
c2.download_button(
    "Rounds and phases (CSV)",
    views.plan_csv(plan, scenario),
    file_name=f"{stem}.csv",
    mime="text/csv",
    icon=":material/table:",
    key="pl_csv",
    on_click="ignore",
)
c3.download_button(
    "One-page briefing (HTML, printable)",
    views.briefing_html(plan, scenario, record.violations, title=record.name),
    file_name=f"{stem}-briefing.html",
    mime="text/html",
    icon=":material/print:",
    key="pl_html",
    on_click="ignore",
)

with st.expander("How this plan was made"):
    st.json(plan.manifest or {}, expanded=False)
    if record.progress:
        widgets.progress_view(record.progress, list(scenario.objective_terms), key="pl_progress")
