"""What-if page: compare variants of the scenario side by side, or sweep one or two parameters.

The app's face of ``exchange-planner compare`` and ``exchange-planner sweep``: every
figure comes from :func:`planner.whatif.compare` and :func:`planner.whatif.sweep`.
Results are kept in the session with the scenario's hash, so they survive reruns
and disappear when the scenario changes.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from models.errors import InputError
from models.loader import parse_text, scenario_hash, scenario_to_data
from planner.solve import PlanInvalidError
from planner.variants import (
    apply_overrides,
    check_unique_names,
    describe,
    parse_axis,
    variant_from_text,
    variants_from_data,
)
from planner.whatif import compare, csv_text, sweep, sweep_figure
from ui import state, views, widgets
from ui import whatif_views as wv

PROCESSES = 2

ss = st.session_state
state.enter_page("whatif")

st.title("What-if")
scenario = widgets.scenario_header(
    "Each variant is this scenario with a few fields changed; nothing changes in the "
    "scenario unless you make a variant the scenario."
)
key = scenario_hash(scenario)

applied = ss.pop("whatif_applied", None)
if applied is not None:
    st.success(
        f"Variant **{applied}** is now the scenario being edited (see the Scenario page).",
        icon=":material/check_circle:",
    )


def _show_problems(outcome: dict) -> None:
    """Input problems, one line each: the planner's exactly as it words them, else a note."""
    if outcome.get("note"):
        st.error(outcome["note"], icon=":material/warning:")
    else:
        st.error(
            "\n\n".join(f"`{line}`" for line in outcome["problems"]), icon=":material/warning:"
        )


def _ours(name: str) -> dict | None:
    """The stored outcome ``name`` when it belongs to this scenario."""
    found = ss.get(name)
    return found if found is not None and found["key"] == key else None


def _store(slot: str, run) -> None:
    """Run a planner call and keep its result (or its one-line problems) under ``slot``."""
    try:
        ss[slot] = {"key": key, "result": run()}
    except InputError as exc:
        ss[slot] = {"key": key, "problems": exc.lines()}
    except PlanInvalidError as exc:
        ss[slot] = {"key": key, "problems": str(exc).splitlines()}


def _line(name: str, overrides: str) -> str:
    """A variant as one line of the box: named only when the name is not its overrides."""
    return overrides if name == overrides else f"{name}: {overrides}"


compare_tab, sweep_tab = st.tabs(["Compare variants", "Sweep"])

# --------------------------------------------------------------------------- compare

with compare_tab:
    upload = st.file_uploader(
        "Or load a variants file (YAML or JSON)",
        type=["yaml", "yml", "json"],
        help="The file format of `exchange-planner compare --variant FILE`: "
        "`variants: [{name: gap48, set: {rounds.min_gap_hours: 48}}, ...]`. "
        "Its variants fill the box below, one per line.",
        key="wi_cmp_file",
    )
    if upload is not None and ss.get("wi_cmp_loaded") != upload.file_id:
        ss.wi_cmp_loaded = upload.file_id
        try:
            data = parse_text(upload.getvalue().decode("utf-8"), upload.name)
            ss.wi_cmp_text = "\n".join(
                _line(v.name, describe(v.overrides)) for v in variants_from_data(data, upload.name)
            )
            ss.pop("wi_cmp_file_problems", None)
        except InputError as exc:
            ss.wi_cmp_file_problems = exc.lines()
        except UnicodeDecodeError:
            ss.wi_cmp_file_problems = [f"{upload.name}: not UTF-8 text"]
    for line in ss.get("wi_cmp_file_problems", []):
        st.error(line, icon=":material/error:")
    text = st.text_area(
        "Variants, one per line",
        placeholder="gap48: rounds.min_gap_hours=48\nrounds.open_hours=[6, 22]; vehicles.count=30",
        help="Each line is `PATH=VALUE`, several joined by `;`, optionally with a name first "
        "(`gap48: rounds.min_gap_hours=48`). Paths are written as in scenario files, "
        "e.g. `ratios[0].per_captive`, `captives[living-women].count`; `null` removes.",
        key="wi_cmp_text",
    )
    c1, c2, c3 = st.columns([1, 1, 2])
    cmp_limit = c1.number_input("Seconds per solve", 1.0, 600.0, 30.0, 5.0, key="wi_cmp_limit")
    cmp_seed = c2.number_input("Seed", 0, 10**6, 0, 1, key="wi_cmp_seed")
    if c3.button("Compare", type="primary", key="wi_cmp_run", icon=":material/compare_arrows:"):
        lines = [line for line in text.splitlines() if line.strip()]
        problems: list[str] = []
        variants = []
        for line in lines:
            try:
                variants.append(variant_from_text(line))
            except InputError as exc:
                problems += exc.lines()
        if not problems:
            try:
                check_unique_names(variants)
            except InputError as exc:
                problems += exc.lines()
            for v in variants:  # every variant built and checked before anything is solved
                try:
                    apply_overrides(scenario, v.overrides, source=f"variant '{v.name}'")
                except InputError as exc:
                    problems += exc.lines()
        if not lines:
            ss.whatif_compare = {"key": key, "problems": [], "note": "Write at least one variant."}
        elif problems:
            ss.whatif_compare = {"key": key, "problems": problems}
        else:
            with st.spinner(f"Solving the base and {len(variants)} variant(s)…"):
                _store(
                    "whatif_compare",
                    lambda: compare(
                        scenario,
                        variants,
                        time_limit=float(cmp_limit),
                        seed=int(cmp_seed),
                        processes=PROCESSES,
                    ),
                )

    outcome = _ours("whatif_compare")
    if outcome is not None and "problems" in outcome:
        _show_problems(outcome)
    elif outcome is not None:
        c = outcome["result"]
        st.subheader("Key figures")
        table = wv.kpi_frame(c)
        differs = views.differs_from_first(table)

        def _highlight(frame: pd.DataFrame) -> pd.DataFrame:
            return differs.loc[frame.index, frame.columns].replace(
                {True: "background-color: #fff3b0; font-weight: 600", False: ""}
            )

        st.dataframe(
            table.style.apply(_highlight, axis=None),
            width="stretch",
            height=35 * (len(table) + 1) + 3,
            key="wi_cmp_kpis",
        )
        st.caption(
            f"Highlighted: differs from the **base**. "
            f"{int(differs.any(axis=1).sum())} of {len(table)} figures differ. "
            f"Solves: {wv.statuses_text(c)}."
        )

        st.subheader("Round by round")
        for i, name in enumerate(c.names[1:], start=1):
            st.markdown(f"**{wv.variant_label(c, i)}** against **base**")
            if not c.plans[0].has_plan or not c.plans[i].has_plan:
                st.caption(
                    f"No rounds to compare (base {c.plans[0].status}, {name} {c.plans[i].status})."
                )
            elif not c.diffs[name]:
                st.caption("Same rounds: same sites, hours and counts.")
            else:
                st.dataframe(
                    wv.diff_frame(c.diffs[name]),
                    hide_index=True,
                    width="stretch",
                    key=f"wi_cmp_diff_{i}",
                )

        st.subheader("Keep a variant")
        pick = st.selectbox("Variant", c.names[1:], key="wi_cmp_pick")
        if st.button(
            "Make this variant the scenario", key="wi_cmp_apply", icon=":material/done_all:"
        ):
            chosen = c.scenarios[c.names.index(pick)]
            state.apply_edit(scenario_to_data(chosen))
            ss.whatif_applied = pick
            st.rerun()

# --------------------------------------------------------------------------- sweep

with sweep_tab:
    st.caption(
        "One or two parameters, each `PATH=V1,V2,...` (values are YAML, split at commas "
        "outside brackets: `rounds.open_hours=[8,16],[6,22]` is two values). Every cell of "
        f"the grid is solved; at most {wv.MAX_CELLS} cells."
    )
    axis1 = st.text_input("Parameter", value="rounds.min_gap_hours=12,24,36", key="wi_sw_axis1")
    axis2 = st.text_input(
        "Second parameter (optional)",
        placeholder="rounds.open_hours=[8,16],[6,22]",
        key="wi_sw_axis2",
    )
    s1, s2, s3 = st.columns([1, 1, 2])
    sw_limit = s1.number_input("Seconds per solve", 1.0, 600.0, 30.0, 5.0, key="wi_sw_limit")
    sw_seed = s2.number_input("Seed", 0, 10**6, 0, 1, key="wi_sw_seed")
    if s3.button("Run sweep", type="primary", key="wi_sw_run", icon=":material/science:"):
        texts = [t for t in (axis1, axis2) if t.strip()]
        problems = []
        axes = []
        for t in texts:
            try:
                axes.append(parse_axis(t))
            except InputError as exc:
                problems += exc.lines()
        note = None
        if not texts:
            note = "Give a parameter to sweep: `PATH=V1,V2,...`."
        elif not problems and wv.grid_size(axes) > wv.MAX_CELLS:
            note = (
                f"The grid has {wv.grid_size(axes)} cells; at most {wv.MAX_CELLS} here "
                "(use `exchange-planner sweep` for larger grids)."
            )
        if problems or note:
            ss.whatif_sweep = {"key": key, "problems": problems, "note": note}
        else:
            with st.spinner(f"Solving {wv.grid_size(axes)} cell(s)…"):
                _store(
                    "whatif_sweep",
                    lambda: sweep(
                        scenario,
                        axes,
                        time_limit=float(sw_limit),
                        seed=int(sw_seed),
                        processes=PROCESSES,
                    ),
                )

    outcome = _ours("whatif_sweep")
    if outcome is not None and "problems" in outcome:
        _show_problems(outcome)
    elif outcome is not None:
        result = outcome["result"]
        st.dataframe(wv.sweep_frame(result), hide_index=True, width="stretch", key="wi_sw_table")
        st.caption(
            f"{len(result.rows)} cell(s) solved in {sum(result.seconds):.2f} s of solver time. "
            "Empty figures: no plan in that cell."
        )
        st.download_button(
            "Download CSV",
            csv_text(result),
            file_name="sweep.csv",
            mime="text/csv",
            key="wi_sw_csv",
            icon=":material/download:",
        )
        st.plotly_chart(sweep_figure(result), key="wi_sw_chart", config={"displaylogo": False})
