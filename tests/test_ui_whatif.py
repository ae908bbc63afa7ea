"""The app's What-if page (compare variants, sweep parameters), driven with ``AppTest``.

Every figure the page shows must be the planner's: the tests call
:func:`planner.whatif.compare` and :func:`planner.whatif.sweep` directly with the
same inputs and compare.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from models.errors import InputError
from models.loader import load_scenario
from planner.variants import apply_overrides, parse_axis, variant_from_text
from planner.whatif import Comparison, SweepResult, compare, csv_text, sweep
from tests.apptest import load, page, run_app, texts
from ui import whatif_views as wv

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"
BASIC = "teaching-basic.yaml"
VARIANTS = ["gap48: rounds.min_gap_hours=48", "rounds.open_hours=[6, 22]"]


def whatif_on_basic() -> AppTest:
    at = run_app()
    load(at, BASIC)
    return page(at, "whatif")


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def kpi_table(at: AppTest) -> pd.DataFrame | None:
    return next((f for f in frames(at) if list(f.columns[:1]) == ["base"]), None)


def diff_tables(at: AppTest) -> list[pd.DataFrame]:
    return [f for f in frames(at) if list(f.columns[:2]) == ["round", "change"]]


def sweep_table(at: AppTest) -> pd.DataFrame | None:
    return next((f for f in frames(at) if "status" in f.columns), None)


# --------------------------------------------------------------------------- pure helpers


def test_kpi_frame_is_the_comparison_as_text() -> None:
    base = load_scenario(ROOT / "instances" / BASIC)
    c = compare(base, [variant_from_text(VARIANTS[0])], time_limit=20, processes=1)
    frame = wv.kpi_frame(c)
    assert list(frame.columns) == ["base", "gap48"]
    assert list(frame.index) == list(c.kpis)
    assert frame.loc["living_release_hours"].tolist() == ["144", "216"]
    diff = wv.diff_frame(c.diffs["gap48"])
    assert list(diff.columns) == ["round", "change", "before", "after", "delta"]
    assert len(diff) == len(c.diffs["gap48"])
    assert wv.diff_frame([]).empty


def test_sweep_frame_keeps_rows_and_shows_lists_as_yaml() -> None:
    result = SweepResult(
        base="b",
        axes=[("rounds.open_hours", [[8, 16], [6, 22]])],
        columns=["rounds.open_hours", "status", "makespan"],
        rows=[
            {"rounds.open_hours": [8, 16], "status": "optimal", "makespan": 60},
            {"rounds.open_hours": [6, 22], "status": "infeasible", "makespan": None},
        ],
        plans=[],
        seconds=[0.0, 0.0],
    )
    frame = wv.sweep_frame(result)
    assert list(frame["rounds.open_hours"]) == ["[8, 16]", "[6, 22]"]
    assert frame["makespan"].iloc[0] == 60 and pd.isna(frame["makespan"].iloc[1])
    assert wv.grid_size([("a", [1, 2, 3]), ("b", [1, 2])]) == 6


def test_sweep_frame_shows_a_swept_null_as_null_not_as_missing() -> None:
    # vehicles swept over null (unlimited transport) and 3 buses: the null is a value.
    result = SweepResult(
        base="b",
        axes=[("vehicles", [None, {"count": 3, "seats": 50}])],
        columns=["vehicles", "status", "makespan"],
        rows=[
            {"vehicles": None, "status": "optimal", "makespan": 60},
            {"vehicles": {"count": 3, "seats": 50}, "status": "optimal", "makespan": 72},
        ],
        plans=[],
        seconds=[0.0, 0.0],
    )
    frame = wv.sweep_frame(result)
    assert list(frame["vehicles"]) == ["null", "{count: 3, seats: 50}"]
    assert list(frame["makespan"]) == [60, 72]


# --------------------------------------------------------------------------- compare


def test_compare_variants_shows_the_planners_figures_and_applies_one() -> None:
    at = whatif_on_basic()
    assert [t.label for t in at.tabs] == ["Compare variants", "Sweep"]
    at.text_area(key="wi_cmp_text").set_value("\n".join(VARIANTS) + "\n")
    at.number_input(key="wi_cmp_limit").set_value(20.0)
    at.button(key="wi_cmp_run").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error

    base = load_scenario(ROOT / "instances" / BASIC)
    variants = [variant_from_text(v) for v in VARIANTS]
    expected: Comparison = compare(base, variants, time_limit=20, processes=1)
    kpis = kpi_table(at)
    assert kpis is not None
    assert list(kpis.columns) == ["base", "gap48", "rounds.open_hours=[6, 22]"]
    assert list(kpis.index) == list(expected.kpis)
    for row, values in expected.kpis.items():
        assert kpis.loc[row].tolist() == [wv.text(v) for v in values], row
    assert kpis.loc["living_release_hours"].tolist() == ["144", "216", "132"]
    # One round-by-round table per variant, the planner's rows.
    diffs = diff_tables(at)
    assert len(diffs) == 2
    for diff, name in zip(diffs, expected.names[1:], strict=True):
        assert expected.diffs[name]
        assert diff.to_dict("records") == wv.diff_frame(expected.diffs[name]).to_dict("records")
    assert "figures differ" in texts(at.caption)

    at.selectbox(key="wi_cmp_pick").set_value("gap48")
    at.button(key="wi_cmp_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["scenario"] == apply_overrides(base, ["rounds.min_gap_hours=48"])
    assert "gap48" in texts(at.success)
    # The results were those of the former scenario: gone.
    assert kpi_table(at) is None and not diff_tables(at)


def test_a_bad_variant_shows_the_planners_message_and_solves_nothing() -> None:
    at = whatif_on_basic()
    bad = "rounds.min_gapp_hours=48"
    at.text_area(key="wi_cmp_text").set_value(f"gap48: rounds.min_gap_hours=48\n{bad}")
    at.button(key="wi_cmp_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    base = load_scenario(ROOT / "instances" / BASIC)
    try:
        apply_overrides(base, [bad])
    except InputError as exc:
        (message,) = exc.lines()
    assert message.startswith(f"variant '{bad}': rounds has no field 'min_gapp_hours'")
    assert message in texts(at.error)
    assert not frames(at)

    at.text_area(key="wi_cmp_text").set_value("gap48 rounds.min_gap_hours")
    at.button(key="wi_cmp_run").click().run()
    try:
        variant_from_text("gap48 rounds.min_gap_hours")
    except InputError as exc:
        (message,) = exc.lines()
    assert message in texts(at.error)
    assert not frames(at)


# --------------------------------------------------------------------------- sweep


def test_sweep_shows_the_planners_rows_a_chart_and_a_csv() -> None:
    at = whatif_on_basic()
    axis = "rounds.min_gap_hours=12,24,36"
    at.text_input(key="wi_sw_axis1").set_value(axis)
    at.number_input(key="wi_sw_limit").set_value(20.0)
    at.number_input(key="wi_sw_seed").set_value(3)
    at.button(key="wi_sw_run").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error

    base = load_scenario(ROOT / "instances" / BASIC)
    expected = sweep(base, [parse_axis(axis)], time_limit=20, seed=3, processes=1)
    table = sweep_table(at)
    assert table is not None
    assert list(table.columns) == expected.columns
    shown = [
        {k: (None if pd.isna(v) else v) for k, v in row.items()} for row in table.to_dict("records")
    ]
    assert shown == expected.rows
    assert len(at.get("plotly_chart")) == 1
    (download,) = at.get("download_button")
    assert download.label == "Download CSV"
    rows = list(csv.reader(io.StringIO(csv_text(expected))))
    assert rows[0] == expected.columns and len(rows) == 4


def test_sweep_refuses_bad_axes_and_large_grids() -> None:
    at = whatif_on_basic()
    at.text_input(key="wi_sw_axis1").set_value("rounds.min_gap_hours=12,24,12")
    at.button(key="wi_sw_run").click().run()
    assert not at.exception
    try:
        parse_axis("rounds.min_gap_hours=12,24,12")
    except InputError as exc:
        (message,) = exc.lines()
    assert message in texts(at.error)

    at.text_input(key="wi_sw_axis1").set_value(
        "rounds.min_gap_hours=" + ",".join(str(v) for v in range(0, 80, 10))
    )
    at.text_input(key="wi_sw_axis2").set_value("vehicles.count=" + ",".join(map(str, range(1, 8))))
    at.button(key="wi_sw_run").click().run()
    assert "The grid has 56 cells; at most 50" in texts(at.error)
    assert not frames(at) and not at.get("plotly_chart")


def test_invalid_scenario_points_to_the_scenario_page() -> None:
    at = run_app()
    at.session_state["scenario"] = None
    at.session_state["problems"] = []
    page(at, "whatif")
    assert "fix them first" in texts(at.error)
    assert not at.tabs and not at.button


def test_a_variants_file_fills_the_box_and_compares_like_the_cli(tmp_path: Path) -> None:
    # The file format of `compare --variant FILE`; its variants become lines in the box,
    # which then compare exactly as the same file does through the planner.
    from planner.variants import load_variant_file

    text = (
        "variants:\n"
        "  - name: gap48\n"
        "    set: {rounds.min_gap_hours: 48}\n"
        "  - set: {rounds.open_hours: [6, 22]}\n"
    )
    at = whatif_on_basic()
    at.file_uploader(key="wi_cmp_file").set_value(
        ("variants.yaml", text.encode(), "text/yaml")
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_area(key="wi_cmp_text").value == (
        "gap48: rounds.min_gap_hours=48\nrounds.open_hours=[6, 22]"
    )
    at.number_input(key="wi_cmp_limit").set_value(20.0)
    at.button(key="wi_cmp_run").click().run(timeout=120)
    assert not at.exception and not at.error
    path = tmp_path / "variants.yaml"
    path.write_text(text, encoding="utf-8")
    base = load_scenario(ROOT / "instances" / BASIC)
    expected = compare(base, load_variant_file(path), time_limit=20, processes=1)
    kpis = kpi_table(at)
    assert kpis is not None and list(kpis.columns) == expected.names
    assert kpis.loc["living_release_hours"].tolist() == ["144", "216", "132"]


def test_a_bad_variants_file_shows_the_exact_line() -> None:
    at = whatif_on_basic()
    at.file_uploader(key="wi_cmp_file").set_value(("v.yaml", b"variants: []\n", "text/yaml")).run()
    assert not at.exception
    assert texts(at.error) == "v.yaml: variants: must be a non-empty list"
    assert at.text_area(key="wi_cmp_text").value == ""
