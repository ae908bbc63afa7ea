"""Solve page: engine, time limit and seed; live progress; Stop keeps the best plan so far."""

from __future__ import annotations

import streamlit as st

from planner.solve import ENGINES
from ui import state, widgets

ss = st.session_state
state.enter_page("solve")

st.title("Solve")
scenario = ss.scenario
if scenario is None:
    st.error(
        f"The scenario has {len(ss.problems)} problem(s) and cannot be solved.",
        icon=":material/warning:",
    )
    st.page_link(
        "app_pages/scenario.py", label="Fix them on the Scenario page", icon=":material/edit_note:"
    )
else:
    st.caption(
        f"Scenario **{scenario.name}** (`{ss.source}`{', edited' if state.edited() else ''}). "
        f"Objective, minimised in this order: {', '.join(scenario.objective_terms)}."
    )

# --------------------------------------------------------------------------- settings

saved = ss.setdefault(
    "solve_settings",
    {"engine": "cpsat", "time_limit": 20.0, "seed": 0, "workers": 2, "deterministic": False},
)
job = state.running()
c1, c2, c3, c4 = st.columns(4)
engine = c1.selectbox(
    "Engine",
    list(ENGINES),
    index=list(ENGINES).index(saved["engine"]) if saved["engine"] in ENGINES else 0,
    key="sv_engine",
    help="cpsat: OR-Tools CP-SAT (default, with live progress); milp-highs / milp-cbc: the "
    "independent MILP model (progress at the end of each stage only)",
)
time_limit = c2.number_input(
    "Time limit (s)",
    min_value=0.5,
    max_value=3600.0,
    value=float(saved["time_limit"]),
    step=5.0,
    key="sv_time",
    help="For the whole solve: model build and every objective stage",
)
seed = c3.number_input(
    "Seed", min_value=0, max_value=2**31 - 1, value=int(saved["seed"]), step=1, key="sv_seed"
)
workers = c4.number_input(
    "Workers",
    min_value=1,
    max_value=64,
    value=int(saved["workers"]),
    step=1,
    key="sv_workers",
    help="Parallel search workers",
)
c1, c2 = st.columns([3, 1])
name = c1.text_input(
    "Plan name",
    value=state.next_name(),
    key=f"sv_name_{len(state.plans())}",
    help="The plan is kept under this name for the Plan and Compare pages",
)
deterministic = c2.checkbox(
    "Deterministic",
    value=bool(saved["deterministic"]),
    key="sv_det",
    help="The same plan on every run, somewhat slower",
)
settings = {
    "engine": engine,
    "time_limit": float(time_limit),
    "seed": int(seed),
    "workers": int(workers),
    "deterministic": bool(deterministic),
}
ss.solve_settings = settings

if st.button(
    "Solve",
    type="primary",
    icon=":material/play_arrow:",
    key="sv_solve",
    disabled=scenario is None or job is not None,
):
    state.start_solve(settings, name)
    st.rerun()

# --------------------------------------------------------------------------- progress


@st.fragment(run_every=0.25 if state.running() else None)
def progress_area() -> None:
    job = ss.get("job")
    if job is None:
        return
    if job.done:
        state.collect()
        st.rerun()  # the whole page, to show the result
    st.subheader(f"Solving: {job.name}")
    c1, c2 = st.columns([4, 1])
    c1.caption(
        f"{job.settings['engine']}, time limit {job.settings['time_limit']:g} s, "
        f"seed {job.settings['seed']}, {job.settings['workers']} worker(s); "
        f"running for {job.elapsed:.1f} s"
    )
    if not job.stop.is_set() and c2.button(
        "Stop", icon=":material/stop_circle:", key="sv_stop", width="stretch"
    ):
        job.stop.set()
    if job.stop.is_set():
        st.info(
            "Stopping: the engine stops at its next improved plan or at the end of the "
            "current stage, and keeps the best plan so far.",
            icon=":material/stop_circle:",
        )
    widgets.progress_view(job.events, list(job.scenario.objective_terms), key="sv_live")


progress_area()

# --------------------------------------------------------------------------- result

outcome = ss.get("last_outcome")
if outcome and state.running() is None:
    if "error" in outcome:
        st.error(f"The solve failed: {outcome['error']}", icon=":material/block:")
    else:
        record = state.find(outcome["name"])
        if record is not None:
            st.subheader(f"Result: {record.name}")
            widgets.status_box(record)
            if outcome.get("stopped") and record.plan.status == "feasible":
                st.info("Stopped: the best plan found so far is kept.")
            widgets.verdict_box(record)
            widgets.kpi_metrics(record, widgets.previous_with_plan(state.plans(), record))
            manifest = record.plan.manifest or {}
            st.caption(
                f"{record.plan.engine} {manifest.get('engine_version', '')}, "
                f"{manifest.get('wall_seconds', '?')} s. "
                + (
                    "Objective: " + ", ".join(f"{t} {v}" for t, v in record.plan.objective.items())
                    if record.plan.objective
                    else ""
                )
            )
            c1, c2 = st.columns(2)
            c1.page_link(
                "app_pages/plan.py",
                label="Read the plan as a timeline",
                icon=":material/view_timeline:",
            )
            c2.page_link(
                "app_pages/compare.py",
                label="Compare with earlier plans",
                icon=":material/compare_arrows:",
            )
            with st.expander("Solver progress", expanded=False):
                widgets.progress_view(
                    record.progress, list(record.scenario.objective_terms), key="sv_done"
                )
                stages = manifest.get("stages") or []
                if stages:
                    st.dataframe(stages, hide_index=True, width="stretch")
elif not state.plans() and state.running() is None:
    st.info("Press **Solve** to plan the exchange of the current scenario.")

if state.plans():
    st.caption(
        "Plans of this session: " + ", ".join(f"{r.name} ({r.plan.status})" for r in state.plans())
    )
