"""Explain page: why the scenario has no plan, what it would take, and which limits bind."""

from __future__ import annotations

import streamlit as st

from models.loader import scenario_hash, scenario_to_data
from planner.explain import binding, explain, explain_and_repair
from planner.variants import apply_overrides
from ui import negotiate, state, widgets

ss = st.session_state
state.enter_page("explain")

st.title("Explain")
scenario = widgets.scenario_header(
    "Explain names a smallest set of rules that cannot all hold, and for each the "
    "smallest single change that makes a plan possible."
)
key = scenario_hash(scenario)
c1, c2, c3 = st.columns([1, 1, 2])
limit = c1.number_input("Seconds to search", 1.0, 600.0, 30.0, 5.0, key="ex_limit")
with_repairs = c2.toggle("Find repairs", value=True, key="ex_repairs")
if c3.button("Explain", type="primary", key="ex_run", icon=":material/help:"):
    with st.spinner("Looking for the conflict…"):
        ss.explanation = (
            key,
            explain_and_repair(
                scenario, time_limit=limit, solve_limit=limit, repair_limit=limit * 4
            )
            if with_repairs
            else explain(scenario, time_limit=limit),
        )

found = ss.get("explanation")
if found is not None and found[0] == key:
    out = found[1]
    if out.status == "feasible":
        st.success(
            "Feasible: every rule can hold together. The binding limits below show "
            "which rules shape the plan.",
            icon=":material/check_circle:",
        )
    elif out.status == "unknown":
        st.warning(f"Not decided: {out.summary}.", icon=":material/hourglass_empty:")
    else:
        st.error(out.summary[0].upper() + out.summary[1:] + ".", icon=":material/block:")
        if out.conflict:
            st.markdown(
                "**Rules in conflict**"
                + (" (lifting any one makes a plan possible)" if out.minimal else "")
            )
            st.dataframe(
                negotiate.conflict_frame(out), hide_index=True, width="stretch", key="ex_conflict"
            )
        if out.repairs:
            st.markdown("**What it would take** (each change alone restores feasibility)")
            st.dataframe(
                negotiate.repairs_frame(out), hide_index=True, width="stretch", key="ex_fixes"
            )
            labels = [f"{r.rule}: {r.change}" for r in out.repairs]
            pick = st.selectbox("Change to apply", labels, key="ex_pick")
            if st.button("Apply to the scenario", key="ex_apply", icon=":material/build:"):
                repair = out.repairs[labels.index(pick)]
                edited = apply_overrides(scenario, [repair.override])
                state.apply_edit(scenario_to_data(edited))
                st.rerun()
        if out.unproven:
            st.caption("Not decided in time whether these are needed: " + ", ".join(out.unproven))
        if out.unrepaired:
            st.caption(
                "No single change of these alone makes a plan possible (another conflict "
                "remains): " + ", ".join(out.unrepaired)
            )
        if out.repairs_undecided:
            st.caption("Repair search out of time for: " + ", ".join(out.repairs_undecided))
    timing = f"Conflict: {out.solves} solves in {out.seconds:.2f} s"
    if out.repairs or out.unrepaired or out.repairs_undecided:
        timing += f"; repairs (each repaired scenario solved in full): {out.repair_seconds:.1f} s"
    st.caption(timing + ".")

if found is not None and found[0] == key and found[1].status == "feasible":
    st.subheader("Binding limits")
    st.caption(
        "Each limit relaxed by one unit (one more seat, hour or round, one detainee "
        f"fewer per captive) and **{scenario.objective_terms[0]}** solved again."
    )
    if st.button("Find binding limits", key="ex_bind", icon=":material/tune:"):
        with st.spinner("Re-solving with each limit relaxed…"):
            ss.binding = (key, binding(scenario, time_limit=limit))
    bound = ss.get("binding")
    if bound is not None and bound[0] == key:
        base, term, rows = bound[1]
        if base is None:
            st.warning("No plan was found in time to measure against.")
        else:
            st.metric(f"{term} at the optimum", base)
            st.dataframe(
                negotiate.binding_frame(rows), hide_index=True, width="stretch", key="ex_binding"
            )
