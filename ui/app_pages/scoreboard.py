"""Scoreboard page: re-plan after what happened, score the milestones, stress a plan.

The app's face of ``exchange-planner replan`` and ``exchange-planner stress``
(``docs/replan.md``): every figure comes from :func:`planner.replan.replan` and
:func:`planner.stress.stress`. Results are kept in the session with the scenario's
hash, so they survive reruns and disappear when the scenario changes.
"""

from __future__ import annotations

import json

import streamlit as st

from models.errors import InputError
from models.execution import check_replan_inputs
from models.loader import scenario_hash
from planner.replan import replan
from planner.stress import DEFAULT_DELAYS, parse_delays, stress
from planner.validate import validate
from ui import charts, state, views, widgets
from ui import scoreboard_views as sv

PROCESSES = 2

ss = st.session_state
state.enter_page("scoreboard")

st.title("Scoreboard")
scenario = widgets.scenario_header(
    "Give the plan that was published and what has happened since (an execution record): "
    "**Re-plan** keeps the facts, re-optimises the rest as close as possible to the "
    "published plan and scores every deadline and milestone. **Stress the plan** draws "
    "random delays and counts how often each still holds."
)
key = scenario_hash(scenario)


def _ours(name: str) -> dict | None:
    """The stored outcome ``name`` when it belongs to this scenario."""
    found = ss.get(name)
    return found if found is not None and found["key"] == key else None


def _show_problems(outcome: dict) -> None:
    """Input problems, one line each: the planner's exactly as it words them, else a note."""
    if outcome.get("note"):
        st.error(outcome["note"], icon=":material/warning:")
    if outcome.get("problems"):
        st.error(
            "\n\n".join(f"`{line}`" for line in outcome["problems"]), icon=":material/warning:"
        )


# --------------------------------------------------------------------------- inputs

example = sv.example_plan()
if example is not None and example.scenario != scenario.name:
    example = None
EXAMPLE_LABEL = f"Shipped example ({sv.EXAMPLE_PLAN.name})"

uploaded = ss.get("sb_uploaded") or {}
published_options: dict[str, tuple[object, str]] = {
    r.name: (r.plan, r.name) for r in state.with_plans()
}
if example is not None:
    published_options[EXAMPLE_LABEL] = (example, sv.EXAMPLE_PLAN.name)
if uploaded.get("plan") is not None:
    published_options[f"Uploaded: {uploaded['name']}"] = (uploaded["plan"], uploaded["name"])

template = sv.execution_template(scenario)
if ss.get("sb_exec_text") is None or ss.get("sb_exec_text") == ss.get("sb_template"):
    ss.sb_exec_text = template  # untouched: follow the scenario's ids
    ss.sb_exec_source = sv.TEXT_SOURCE
ss.sb_template = template


def _load_example() -> None:
    ss.sb_exec_text = sv.example_text()
    ss.sb_exec_source = sv.EXAMPLE_EXECUTION.name
    ss.sb_pub = EXAMPLE_LABEL


def _text_edited() -> None:
    ss.sb_exec_source = sv.TEXT_SOURCE


def _execution_uploaded() -> None:
    file = ss.get("sb_exec_upload")
    ss.sb_exec_upload_problems = []
    if file is None:
        return
    text, problems = sv.decode_upload(file.name, file.getvalue())
    if text is None:
        ss.sb_exec_upload_problems = problems
        return
    ss.sb_exec_text = text
    ss.sb_exec_source = file.name


def _plan_uploaded() -> None:
    file = ss.get("sb_pub_upload")
    if file is None:
        ss.sb_uploaded = None
        return
    text, problems = sv.decode_upload(file.name, file.getvalue())
    if text is not None:
        try:
            plan = sv.read_plan(text, file.name)
        except InputError as exc:
            problems = exc.lines()
        else:
            ss.sb_uploaded = {"name": file.name, "plan": plan}
            ss.sb_pub = f"Uploaded: {file.name}"
            return
    ss.sb_uploaded = {"name": file.name, "problems": problems}


st.subheader("Re-plan")
if example is not None:
    st.button(
        "Load the shipped example",
        key="sb_example",
        on_click=_load_example,
        icon=":material/download:",
    )
    st.caption(
        f"`{sv.EXAMPLE_PLAN.name}` as the published plan and `{sv.EXAMPLE_EXECUTION.name}` "
        "as what happened: at hour 72 one located body fewer came home in the southern "
        "round, the second group's round started an hour late and returned 5 of 8, and "
        "the northern site is closed until hour 240."
    )

left, right = st.columns([1, 1])
with left:
    published_label = st.selectbox(
        "Published plan",
        list(published_options),
        key="sb_pub",
        placeholder="Solve the scenario or upload a plan",
        help="The plan as it was published: the reference the replan stays close to. "
        "A plan of this session, the shipped example, or a plan JSON uploaded below.",
        persist_state="session",
    )
    with st.expander("Upload a published plan (JSON)"):
        st.file_uploader(
            "Plan file",
            type=["json", "yaml", "yml"],
            key="sb_pub_upload",
            on_change=_plan_uploaded,
        )
        if uploaded.get("problems"):
            st.error(
                "\n\n".join(f"`{line}`" for line in uploaded["problems"]),
                icon=":material/warning:",
            )
    st.file_uploader(
        "Upload an execution file (YAML or JSON)",
        type=["yaml", "yml", "json"],
        key="sb_exec_upload",
        on_change=_execution_uploaded,
        help="Its text replaces the execution on the right, where you can still edit it.",
    )
    for line in ss.get("sb_exec_upload_problems") or []:
        st.error(f"`{line}`", icon=":material/warning:")
    c1, c2 = st.columns(2)
    limit = c1.number_input(
        "Seconds to solve", 1.0, 600.0, 30.0, 5.0, key="sb_limit", persist_state="session"
    )
    slack = c2.number_input(
        "At risk below (hours to spare)",
        0,
        100_000,
        24,
        1,
        key="sb_slack",
        persist_state="session",
        help="An open milestone that the new plan reaches with less slack than this "
        "(or not at all) is at risk.",
    )
    disruption = st.radio(
        "Disruption",
        ["first", "last"],
        format_func=lambda v: {
            "first": "first: stay as close as possible to the published plan",
            "last": "last: the best plan for the rest, the least disruptive among equals",
        }[v],
        key="sb_disruption",
        persist_state="session",
        help="Where the disruption term (hours moved + people moved + sites changed) goes "
        "in the lexicographic objective.",
    )
    deterministic = st.toggle(
        "Deterministic",
        value=True,
        key="sb_det",
        persist_state="session",
        help="The same plan on every run (a little slower).",
    )
with right:
    text = st.text_area(
        "Execution (exchange-execution/1): what happened up to now_hour",
        key="sb_exec_text",
        height=420,
        on_change=_text_edited,
        persist_state="session",
        help="Rounds that started before now_hour as they happened, phases started or "
        "late, site closures. See docs/replan.md for every field.",
    )

if st.button("Re-plan", type="primary", key="sb_run", icon=":material/restart_alt:"):
    source = ss.get("sb_exec_source") or sv.TEXT_SOURCE
    chosen = published_options.get(published_label) if published_label else None
    problems: list[str] = []
    execution = None
    try:
        execution = sv.read_execution(text or "", source)
    except InputError as exc:
        problems += exc.lines()
    if chosen is None:
        ss.sb_replan = {
            "key": key,
            "note": "Pick the published plan first (solve the scenario, load the shipped "
            "example or upload a plan).",
            "problems": problems,
        }
    elif problems:
        ss.sb_replan = {"key": key, "problems": problems}
    else:
        published, plan_source = chosen
        try:
            check_replan_inputs(
                scenario,
                published,
                execution,
                plan_source=plan_source,
                execution_source=source,
            )
        except InputError as exc:
            ss.sb_replan = {"key": key, "problems": exc.lines()}
        else:
            with st.spinner("Re-planning the rest…"):
                result = replan(
                    scenario,
                    published,
                    execution,
                    time_limit=float(limit),
                    workers=2,
                    deterministic=bool(deterministic),
                    disruption=disruption,
                    slack_hours=int(slack),
                )
            settings = sv.settings_of(
                {
                    "time_limit": limit,
                    "deterministic": deterministic,
                    "published": plan_source,
                    "execution": source,
                    "disruption": disruption,
                    "slack_hours": int(slack),
                }
            )
            if result.has_plan:  # the next stress run is of the new plan, unless changed
                ss.sb_st_pick = sv.replan_label(result.plan)
            ss.sb_replan = {
                "key": key,
                "result": result,
                "published": published_label,
                "source": source,
                "slack": int(slack),
                "record": state.PlanRecord(
                    name=sv.keep_name(result.plan),
                    plan=result.plan,
                    violations=list(result.violations),
                    scenario=scenario,
                    settings=settings,
                ),
            }

outcome = _ours("sb_replan")
if outcome is not None and "result" not in outcome:
    _show_problems(outcome)
elif outcome is not None:
    result, record = outcome["result"], outcome["record"]
    info = (result.plan.manifest or {}).get("replan") or {}
    now = info.get("now_hour")
    st.markdown(
        f"**Replan at hour {now}** of **{outcome['published']}** with `{outcome['source']}`: "
        f"{result.executed} executed round(s)"
        + (" kept as they happened." if result.has_plan else ".")
    )
    {"optimal": st.success, "feasible": st.warning}.get(result.status, st.error)(
        sv.replan_status_words(result.status)
    )
    if result.disruption is not None:
        d = result.disruption
        c = st.columns(4)
        c[0].metric(
            "Disruption",
            d.total,
            help="Against the published plan: hours moved + people moved + sites changed "
            "(rounds paired by position after the executed ones).",
        )
        c[1].metric("Hours moved", d.hours_moved)
        c[2].metric("People moved", d.people_moved)
        c[3].metric("Sites changed", d.sites_changed)
        st.caption(
            f"Disruption {sv.disruption_text(d, info.get('disruption_position'))}. "
            f"{result.stats.get('wall_seconds', '?')} s."
        )
    if result.broken:
        st.error(
            "**No plan: these facts or rules cannot all hold**\n\n"
            + "\n\n".join(f"`{line}`" for line in result.broken),
            icon=":material/block:",
        )

    st.markdown("**Scoreboard**")
    counts = sv.state_counts(result.scoreboard)
    c = st.columns(4)
    for col, s in zip(c, sv.STATES, strict=True):
        col.metric(sv.STATE_WORDS[s].capitalize(), counts[s])
    board = sv.scoreboard_frame(result.scoreboard)
    st.dataframe(
        board.style.apply(sv.state_styles, axis=None),
        hide_index=True,
        width="stretch",
        key="sb_board",
    )
    st.caption(
        "Due, done (reached by the facts), planned (in the new plan) and published are "
        "hours from hour 0; slack is due − done for met and missed milestones, due − "
        f"planned for open ones. At risk: open, with less than {outcome['slack']} h to "
        "spare, or not reached by the new plan."
    )

    if result.has_plan:
        st.markdown("**New plan**")
        widgets.verdict_box(record)
        st.dataframe(
            sv.replan_rounds_frame(result.plan, scenario, result.executed),
            hide_index=True,
            width="stretch",
            key="sb_rounds",
        )
        figure = charts.gantt_figure(
            record.gantt_frame,
            views.deadline_marks(scenario),
            views.lane_order(result.plan, scenario),
            start=scenario.start,
        )
        if now is not None:
            figure.add_vline(
                x=now,
                line_color="#2ca02c",
                line_width=2,
                annotation_text=f"now (hour {now})",
                annotation_position="bottom right",
            )
        st.plotly_chart(figure, key="sb_gantt", config={"displaylogo": False})
        if result.plan.objective:
            st.caption(
                "Objective: " + ", ".join(f"{t} {v}" for t, v in result.plan.objective.items())
            )
        c1, c2 = st.columns(2)
        c1.download_button(
            "New plan JSON (plan format v1)",
            json.dumps(result.plan.to_json_dict(), indent=2) + "\n",
            file_name=f"replan-hour-{now}.json",
            mime="application/json",
            icon=":material/data_object:",
            key="sb_json",
            on_click="ignore",
        )
        if outcome.get("kept"):
            c2.success(
                f"Kept as **{outcome['kept']}**: the Plan and Compare pages show it.",
                icon=":material/check_circle:",
            )
            c2.page_link(
                "app_pages/plan.py",
                label="Open it on the Plan page",
                icon=":material/view_timeline:",
            )
        elif c2.button("Keep as a plan of this session", key="sb_keep", icon=":material/add:"):
            kept = state.keep_plan(
                sv.keep_name(result.plan),
                result.plan,
                list(result.violations),
                scenario,
                record.settings,
            )
            outcome["kept"] = kept.name
            st.rerun()

# --------------------------------------------------------------------------- stress

st.divider()
st.subheader("Stress the plan")
st.caption(
    "Every round and phase draws its own random delay; the plan is re-timed (same rounds, "
    "sites and counts, pushed forward only as far as the rules need) and each deadline "
    "and milestone is checked. Robustness: the share of samples in which all of them hold. "
    "Delays: `round=0-24` (uniform whole hours), `phase=6` (fixed), `round=exp:6` "
    "(exponential, mean 6 h), joined by commas."
)
candidates: dict[str, object] = {}
replanned = outcome["result"].plan if outcome is not None and "result" in outcome else None
if replanned is not None and replanned.has_plan and not outcome.get("kept"):
    candidates[sv.replan_label(replanned)] = replanned
for r in state.with_plans():
    candidates[r.name] = r.plan
for label, (plan, _) in published_options.items():
    candidates.setdefault(label, plan)

if not candidates:
    st.info("No plan to stress yet: solve the scenario, or load a published plan above.")
    st.stop()

c1, c2 = st.columns([1, 1])
pick = c1.selectbox("Plan to stress", list(candidates), key="sb_st_pick", persist_state="session")
delays = c2.text_input(
    "Delays",
    value=DEFAULT_DELAYS,
    key="sb_st_delays",
    persist_state="session",
    help="`round=N-M` and/or `phase=N-M` (uniform whole hours), a fixed `N`, or `exp:MEAN`.",
)
c1, c2, c3 = st.columns([1, 1, 2])
samples = c1.number_input(
    "Samples", 1, 100_000, 1000, 100, key="sb_st_samples", persist_state="session"
)
seed = c2.number_input("Seed", 0, 10**6, 0, 1, key="sb_st_seed", persist_state="session")
plan = candidates[pick]
after = sv.from_hour_of(plan)
future_only = False
if after:
    future_only = c3.toggle(
        f"Delay only what starts from hour {after}",
        value=True,
        key="sb_st_future",
        help="This plan is a replan: what started before its now_hour is a fact.",
    )

if st.button("Run", type="primary", key="sb_st_run", icon=":material/casino:"):
    try:
        model = parse_delays(delays, source=sv.DELAYS_SOURCE)
    except InputError as exc:
        ss.sb_stress = {"key": key, "problems": exc.lines()}
    else:
        broken = validate(scenario, plan)
        if broken:
            ss.sb_stress = {
                "key": key,
                "note": f"**{pick}** breaks {len(broken)} rule(s) of this scenario; only a "
                "valid plan can be stressed.",
                "problems": [str(v) for v in broken],
            }
        elif not plan.rounds:
            ss.sb_stress = {"key": key, "note": f"**{pick}** has no rounds to delay."}
        else:
            with st.spinner(f"Drawing {int(samples)} samples…"):
                ss.sb_stress = {
                    "key": key,
                    "plan": pick,
                    "result": stress(
                        scenario,
                        plan,
                        model,
                        samples=int(samples),
                        seed=int(seed),
                        from_hour=after if future_only else 0,
                        processes=PROCESSES,
                    ),
                }

found = _ours("sb_stress")
if found is not None and "result" not in found:
    _show_problems(found)
elif found is not None:
    res = found["result"]
    c1, c2 = st.columns([1, 3])
    c1.metric(
        "Robustness",
        sv.robustness_text(res),
        help="Share of the samples in which every deadline and milestone still holds.",
    )
    c2.markdown(f"**{found['plan']}**: {sv.stress_summary(res)}")
    st.dataframe(
        sv.stress_frame(res),
        hide_index=True,
        width="stretch",
        key="sb_st_table",
        column_config={
            "hold rate %": st.column_config.ProgressColumn(
                "hold rate %", min_value=0, max_value=100, format="%.1f%%"
            )
        },
    )
    if res.rule_breaks or res.unsettled:
        st.warning(
            "Re-timing broke other rules in some samples (a bug: please report it): "
            + ", ".join(f"{k} {v}" for k, v in res.rule_breaks.items())
            + (f"; {res.unsettled} unsettled" if res.unsettled else ""),
            icon=":material/bug_report:",
        )
