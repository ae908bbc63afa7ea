"""Scenario page: pick or upload a scenario, edit every part of it, download it as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
import yaml

from models.loader import MAX_FILE_BYTES, scenario_to_yaml
from models.scenario import OBJECTIVE_TERMS
from ui import charts, state, tables, views

ss = st.session_state
state.enter_page("scenario")
gen = ss.gen
base: dict[str, Any] = ss.base_general  # form values the widgets start from


def key(name: str) -> str:
    """Widget key of this page's current generation (see ``state.enter_page``)."""
    return f"sc_{name}_{gen}"


st.title("Scenario")
st.caption(
    "Everything the parties agreed, in scenario format v1. Edit it here, then solve it on "
    "the Solve page. Hours count from hour 0, the moment the ceasefire takes effect."
)

# --------------------------------------------------------------------------- load

left, right = st.columns(2)
with left:
    names = state.shipped_scenarios()
    current = ss.source if ss.source in names else names[0]
    pick = st.selectbox(
        "Shipped scenario",
        names,
        index=names.index(current),
        key="sc_pick",
        help="The scenarios in instances/. Load replaces the scenario below, and its edits.",
    )
    c1, c2 = st.columns(2)
    if c1.button("Load", key="sc_load", icon=":material/upload_file:", width="stretch"):
        state.load(state.shipped_data(pick), pick)
        ss.upload_problems = None
        st.rerun()
    if c2.button(
        "Reset edits",
        key="sc_reset",
        icon=":material/undo:",
        disabled=not state.edited(),
        width="stretch",
        help="Back to the scenario as loaded",
    ):
        state.load(ss.loaded, ss.source)
        st.rerun()
with right:
    upload = st.file_uploader(
        f"Or upload a scenario (YAML or JSON, at most {MAX_FILE_BYTES // 2**20} MiB)",
        type=["yaml", "yml", "json"],
        max_upload_size=MAX_FILE_BYTES // 2**20,
        key="sc_upload",
    )
    if upload is None:  # removed from the uploader (or never given): forget its problems
        ss.upload_id = ss.upload_problems = None
    elif upload.file_id != ss.get("upload_id"):
        ss.upload_id = upload.file_id
        data, problems = state.read_upload(upload.name, upload.getvalue())
        ss.upload_problems = (upload.name, problems) if problems else None
        if data is not None:
            state.load(data, upload.name)
            st.rerun()
if ss.get("upload_problems"):
    name, problems = ss.upload_problems
    st.error(
        f"**{name}** was not loaded: {len(problems)} problem(s). The scenario below is unchanged.",
        icon=":material/block:",
    )
    st.dataframe(
        pd.DataFrame(
            [{"field": p.path or "(file)", "problem": p.message} for p in problems],
            columns=["field", "problem"],
        ),
        hide_index=True,
        width="stretch",
        key="sc_upload_problems",
    )

st.caption(
    f"Editing **{ss.data.get('name') or '(no name)'}** from `{ss.source}`"
    + (" (edited)" if state.edited() else "")
)
problems_box = st.container()

# --------------------------------------------------------------------------- editors

HELP = {
    "id": "Unique across captives, detainees, phases and sites",
    "status": "living or deceased",
    "category": "Free label that rules select on",
    "count": "People in the cohort (>= 1)",
    "zone": "Where they are held; a site must serve it, phases may open it",
    "ready_hour": "Earliest handover start (detainees: earliest release)",
    "deadline_hour": "Released by then (default: the horizon)",
    "weight": "Weight in the objective (default 1)",
    "facility": "A facility id",
    "destination": "Free label; with the facility it names a route",
    "max_captives_per_round": "Captives in one round (blank: no limit)",
    "zones": "Comma-separated zones it serves (blank: all zones)",
    "max_releases_per_day": "Detainees released per day (blank: no limit)",
    "hours": "One way; a vehicle is busy twice this per trip",
    "name": "Unique name",
    "captives": "Captive selector, e.g. {status: living, category: civilian}",
    "detainees": "Detainee selector, e.g. {category: [life, gaza]}",
    "per_captive": "Detainees per captive in the same round",
    "from": "Detainee selector (blank: any detainee)",
    "ratio": "Name of a ratio of the Ratios table",
    "within_hours": "Released no later than this after the last matching captive",
    "duration_hours": "Length of the phase",
    "earliest_start": "Start no earlier than this hour (default 0)",
    "opens_zones": "Comma-separated zones whose captives wait for this phase",
    "phase": "The phase that waits (an id of the Phases table)",
    "kind": "Wait for another phase, or for a share of cohorts released",
    "target": "Phase id, or a selector like {status: living}",
    "fraction": "Share of the matching people released (default 1)",
    "lag_hours": "Hours to wait after the condition holds (default 0)",
    "tier": "Captive selector; tiers are released earliest first",
}


def column_config(section: str) -> dict[str, Any]:
    cfg: dict[str, Any] = {}
    for name, kind in tables.COLUMNS[section]:
        help_text = HELP.get(name)
        if kind == "status":
            cfg[name] = st.column_config.SelectboxColumn(
                name, options=["living", "deceased"], help=help_text
            )
        elif kind == "kind":
            cfg[name] = st.column_config.SelectboxColumn(
                name, options=list(tables.CONDITION_KINDS), help=help_text
            )
        elif kind == "int":
            cfg[name] = st.column_config.NumberColumn(
                name, min_value=0, max_value=10**9, step=1, format="%d", help=help_text
            )
        elif kind == "float":
            cfg[name] = st.column_config.NumberColumn(
                name, min_value=0.0, max_value=1.0, step=0.05, format="%.2f", help=help_text
            )
        else:
            cfg[name] = st.column_config.TextColumn(name, help=help_text)
    return cfg


base_tables: dict[str, pd.DataFrame] = ss.base_tables
edited_tables: dict[str, pd.DataFrame] = {}


def editor(section: str, caption: str = "") -> None:
    st.markdown(f"**{tables.TABLE_TITLES[section]}**" + (f" · {caption}" if caption else ""))
    edited_tables[section] = st.data_editor(
        base_tables.get(section, tables.to_tables({})[section]),
        num_rows="dynamic",
        column_config=column_config(section),
        width="stretch",
        key=key(f"ed_{section}"),
    )


def as_int(value: Any, default: int | None, low: int = 0, high: int = 10**9) -> int | None:
    """``value`` when it is a whole number within [low, high], else ``default``."""
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return value if ok else default


def int_input(
    label: str, value: Any, name: str, low: int = 0, default: int | None = None, **kw: Any
) -> int | None:
    """A whole-number input in [low, 10^9], starting at ``value`` (or ``default``)."""
    start = as_int(value, default, low=low)
    return st.number_input(
        label, min_value=low, max_value=10**9, value=start, step=1, key=key(name), **kw
    )


general: dict[str, Any] = {"format": base.get("format", "exchange-scenario/1")}
(
    tab_general,
    tab_cohorts,
    tab_sites,
    tab_rules,
    tab_phases,
    tab_priority,
    tab_yaml,
) = st.tabs(
    [
        "Settings & rounds",
        "Cohorts",
        "Sites & capacities",
        "Ratios & packages",
        "Phases",
        "Priority & objective",
        "YAML",
    ]
)

with tab_general:
    c1, c2 = st.columns([2, 1])
    general["name"] = c1.text_input("Name", value=str(base.get("name") or ""), key=key("name"))
    start_text = c2.text_input(
        "Start of hour 0 (optional, display only)",
        value=str(base.get("start") or ""),
        key=key("start"),
        help="ISO date-time such as 2025-10-10T12:00:00+03:00",
    )
    general["start"] = start_text.strip() or None
    general["description"] = (
        st.text_area(
            "Description", value=str(base.get("description") or ""), key=key("description")
        ).strip()
        or None
    )
    general["horizon_hours"] = int_input(
        "Horizon (hours): every release and phase ends by then",
        base.get("horizon_hours"),
        "horizon",
    )
    st.markdown("**Rounds**")
    rb = base.get("rounds") if isinstance(base.get("rounds"), dict) else {}
    c1, c2, c3 = st.columns(3)
    rounds: dict[str, Any] = {
        "max_rounds": c1.number_input(
            "Max rounds",
            min_value=1,
            max_value=10**9,
            value=as_int(rb.get("max_rounds"), None, low=1),
            step=1,
            key=key("max_rounds"),
        ),
    }
    with c2:
        rounds["duration_hours"] = int_input(
            "Handover window (hours)", rb.get("duration_hours"), "duration"
        )
    with c3:
        rounds["min_gap_hours"] = int_input(
            "Min gap between starts (hours)", rb.get("min_gap_hours", 0), "min_gap"
        )
    lag = rb.get("detainee_lag_hours")
    lag = lag if isinstance(lag, list) and len(lag) == 2 else [0, 0]
    c1, c2, c3 = st.columns(3)
    with c1:
        lag_min = int_input("Detainee lag, min (hours)", lag[0], "lag_min")
    with c2:
        lag_max = int_input("Detainee lag, max (hours)", lag[1], "lag_max")
    rounds["detainee_lag_hours"] = [lag_min, lag_max]
    opens = rb.get("open_hours")
    with c3:
        use_open = st.checkbox(
            "Handovers only within daily hours", value=opens is not None, key=key("open_on")
        )
    if use_open:
        o = opens if isinstance(opens, list) and len(opens) == 2 else [6, 20]
        c1, c2 = st.columns(2)
        rounds["open_hours"] = [
            c1.number_input(
                "From hour of day",
                0,
                24,
                value=as_int(o[0], 6, high=24),
                step=1,
                key=key("open_from"),
            ),
            c2.number_input(
                "To hour of day", 0, 24, value=as_int(o[1], 20, high=24), step=1, key=key("open_to")
            ),
        ]
    general["rounds"] = {k: v for k, v in rounds.items() if v is not None}

with tab_cohorts:
    editor("captives", "people held by the other side, as cohorts")
    editor("detainees", "people (or remains) released from detention")

with tab_sites:
    editor("sites", "handover points; at least one")
    c1, c2 = st.columns(2)
    with c1:
        editor("facilities", "where detainees are held")
    with c2:
        editor("routes", "facility -> destination transfers")
    c1, c2, c3 = st.columns(3)
    vb = base.get("vehicles") if isinstance(base.get("vehicles"), dict) else None
    with c1:
        st.markdown("**Vehicles**")
        if st.checkbox("Limit transport", value=vb is not None, key=key("veh_on")):
            general["vehicles"] = {
                "count": int_input("Vehicles", (vb or {}).get("count", 10), "veh_count"),
                "seats": int_input(
                    "Seats per vehicle", (vb or {}).get("seats"), "veh_seats", low=1, default=50
                ),
            }
    tb = base.get("teams") if isinstance(base.get("teams"), dict) else None
    with c2:
        st.markdown("**Handover teams**")
        if st.checkbox("Limit teams", value=tb is not None, key=key("teams_on")):
            general["teams"] = {
                "count": int_input(
                    "Teams (overlapping handovers)",
                    (tb or {}).get("count"),
                    "teams_count",
                    low=1,
                    default=1,
                )
            }
    rcb = base.get("reception") if isinstance(base.get("reception"), dict) else None
    with c3:
        st.markdown("**Reception**")
        if st.checkbox("Limit reception", value=rcb is not None, key=key("rec_on")):
            general["reception"] = {
                "max_living_per_day": int_input(
                    "Living captives received per day",
                    (rcb or {}).get("max_living_per_day", 20),
                    "rec_max",
                )
            }
    for part in ("vehicles", "reception"):
        if part in general:
            general[part] = {k: v for k, v in general[part].items() if v is not None}

with tab_rules:
    editor("ratios", "per-round matching; the first rule that matches a captive governs it")
    editor("of_which", "minimum counts within a ratio; rows belong to the ratio named")
    editor("packages", "all-for-all timing deals")

with tab_phases:
    editor("phases", "withdrawals, corridors, verifications")
    editor("after", "all must hold before the phase starts")
    graph_box = st.container()

with tab_priority:
    modes = ["hard", "soft"]
    mode = base.get("priority_mode", "hard")
    general["priority_mode"] = st.radio(
        "Priority mode",
        modes,
        index=modes.index(mode) if mode in modes else 0,
        horizontal=True,
        key=key("prio_mode"),
        help="hard: tier i is all out before tier j starts; soft: minimise the inversion hours",
    )
    editor("tiers", "each captive belongs to the first tier it matches")
    st.markdown("**Objective** (lexicographic: the first term is minimised first)")
    objective = base.get("objective")
    use_default = st.checkbox(
        "Default objective: living_release_hours, release_hours, makespan, rounds "
        "(with priority_inversion_hours first under soft priority)",
        value=objective is None,
        key=key("obj_default"),
    )
    if not use_default:
        start_terms = (
            [t for t in objective if t in OBJECTIVE_TERMS]
            if isinstance(objective, list)
            else ["living_release_hours", "release_hours", "makespan", "rounds"]
        )
        general["objective"] = st.multiselect(
            "Terms in order (the order you pick them in)",
            list(OBJECTIVE_TERMS),
            default=start_terms,
            key=key("objective"),
        )

# --------------------------------------------------------------------------- check

ss.edit_general, ss.edit_tables = general, edited_tables
data, table_problems = tables.assemble(general, edited_tables)
state.check(data, table_problems)

with problems_box:
    if ss.problems:
        st.error(
            f"{len(ss.problems)} problem(s): the scenario cannot be solved until they are fixed.",
            icon=":material/warning:",
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "field": p.path or "(scenario)",
                        "edit in": tables.table_path_hint(p.path),
                        "problem": p.message,
                    }
                    for p in ss.problems
                ],
                columns=["field", "edit in", "problem"],
            ),
            hide_index=True,
            width="stretch",
            key="sc_problems",
        )
        st.caption("Row numbers in a field path count from 0, as in each table's index column.")
    else:
        s = ss.scenario
        st.success(
            f"Valid: {sum(c.count for c in s.captives)} captives in {len(s.captives)} cohorts, "
            f"{sum(d.count for d in s.detainees)} detainees in {len(s.detainees)} cohorts, "
            f"{len(s.sites)} site(s), {len(s.phases)} phase(s), "
            f"objective {', '.join(s.objective_terms)}.",
            icon=":material/check_circle:",
        )

with graph_box:
    st.markdown("**Dependencies of phases and milestones**")
    graph = views.phase_graph(data)
    if graph.number_of_nodes() == 0:
        st.info("No phases in this scenario.")
    else:
        st.plotly_chart(charts.graph_figure(graph), key="sc_graph", config={"displaylogo": False})
        st.caption(
            "Squares are phases, diamonds release milestones, circles the zones a phase opens; "
            "an arrow means 'must come first' (labels give the lag). Red arrows form a cycle."
        )

with tab_yaml:
    stem = Path(ss.source).stem + ("-edited" if state.edited() else "")
    if ss.scenario is not None:
        text = scenario_to_yaml(ss.scenario)
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        st.warning("The scenario has problems (listed at the top): this YAML will not load as is.")
    st.download_button(
        "Download scenario (YAML)",
        text,
        file_name=f"{stem}.yaml",
        mime="application/x-yaml",
        icon=":material/download:",
        key="sc_download",
        on_click="ignore",
    )
    st.code(text, language="yaml")
