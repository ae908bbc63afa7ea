"""Small Streamlit pieces shared by the pages (status, verdict, KPIs, progress)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from planner.engine import Progress
from planner.stress import DEFAULT_DELAYS
from ui import charts, state, views
from ui.state import PlanRecord


def status_box(record: PlanRecord) -> None:
    """The plan's status in words, coloured by what it means for the planner."""
    text = views.status_words(record.plan.status)
    {"optimal": st.success, "feasible": st.warning}.get(record.plan.status, st.error)(
        f"**{record.name}**: {text}"
    )


def verdict_box(record: PlanRecord) -> None:
    """The validator's verdict, and every broken rule if there is any."""
    ok, text = views.verdict(record.plan, record.violations)
    if ok:
        st.caption(f":material/verified: {text}")
    else:
        st.error(text, icon=":material/bug_report:")
        st.dataframe(views.violation_frame(record.violations), hide_index=True, width="stretch")


def kpi_metrics(record: PlanRecord, previous: PlanRecord | None = None) -> None:
    """The headline KPIs as metrics, with the change from ``previous`` when given."""
    k = views.kpi_summary(record.plan)
    if not k:
        return
    p = views.kpi_summary(previous.plan) if previous is not None else {}
    start = record.scenario.start

    def delta(name: str) -> int | None:
        a, b = k.get(name), p.get(name)
        return None if a is None or b is None or a == b else a - b

    # Two rows of three: six figures in one row cut "hour 261" short on a laptop screen.
    cols = [*st.columns(3), *st.columns(3)]
    hour = k["last_living_home_hour"]
    cols[0].metric(
        "Last living home",
        "-" if hour is None else f"hour {hour}",
        delta=delta("last_living_home_hour"),
        delta_color="inverse",
        help="When the last living captive is home: "
        + (views.hour_label(hour, start) if hour is not None else "no living captives"),
    )
    cols[1].metric("Rounds", k["rounds"], delta=delta("rounds"), delta_color="inverse")
    cols[2].metric(
        "Makespan",
        f"hour {k['makespan']}",
        delta=delta("makespan"),
        delta_color="inverse",
        help=views.hour_label(k["makespan"], start)
        + ": the latest release or phase end of the plan",
    )
    cols[3].metric("Captives released", k["captives_released"], delta=delta("captives_released"))
    cols[4].metric("Detainees released", k["detainees_released"], delta=delta("detainees_released"))
    robust = (record.plan.kpis or {}).get("robustness")
    before = (previous.plan.kpis or {}).get("robustness") if previous is not None else None
    points = None if robust is None or before is None else round(100 * robust) - round(100 * before)
    cols[5].metric(
        "Robustness",
        "-" if robust is None else f"{robust:.0%}",
        delta=f"{points:+d} pp" if points else None,
        help=f"Share of 200 seeded draws of delays (`{DEFAULT_DELAYS}`: every round up to "
        "12 h late, every phase up to 6 h, uniform whole hours) in which every deadline and "
        "milestone still holds. Stress a plan with other delays on the Scoreboard page.",
    )
    if previous is not None:
        st.caption(f"Changes are against **{previous.name}**.")


def progress_view(events: Sequence[Progress], terms: Sequence[str], key: str) -> None:
    """Progress of a solve: one line, the stage table and value/bound over time."""
    events = list(events)
    st.markdown(views.progress_line(events))
    table = views.stage_table(events, terms)
    done = int((table["state"].isin(["proven", "done"])).sum())
    st.progress(done / max(1, len(terms)), text=f"{done} of {len(terms)} objective stages done")
    st.dataframe(table, hide_index=True, width="stretch")
    frame = views.progress_frame(events)
    if len(frame):
        st.plotly_chart(
            charts.progress_figure(frame, terms), key=key, config={"displayModeBar": False}
        )


def previous_with_plan(records: Sequence[PlanRecord], record: PlanRecord) -> PlanRecord | None:
    """The latest record before ``record`` that has a plan."""
    before = []
    for r in records:
        if r is record:
            break
        before.append(r)
    return next((r for r in reversed(before) if r.has_plan), None)


def scenario_header(intro: str):
    """The scenario a negotiator page works on, with a caption; stops the page if invalid.

    Returns the validated scenario; when the scenario has problems, shows how many
    with a link to the Scenario page and stops the run.
    """
    ss = st.session_state
    scenario = ss.scenario
    if scenario is None:
        st.error(
            f"The scenario has {len(ss.problems)} problem(s); fix them first.",
            icon=":material/warning:",
        )
        st.page_link("app_pages/scenario.py", label="Scenario page", icon=":material/edit_note:")
        st.stop()
    edited = ", edited" if state.edited() else ""
    st.caption(f"Scenario **{scenario.name}** (`{ss.source}`{edited}). {intro}")
    return scenario
