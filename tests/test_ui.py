"""The Streamlit app: pure view helpers, and every page driven with ``AppTest``.

Every number the app shows must be the planner's; every edit the forms allow and
every malformed upload must end in a message with a field path, never a crash.
"""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from models.loader import load_scenario, scenario_from_data, scenario_to_data
from models.plan import Plan
from planner import kpi
from planner.engine import Progress
from planner.generate import generate
from planner.solve import solve
from planner.validate import Violation
from tests.apptest import metrics, page, run_app, texts
from ui import charts, tables, views
from ui import state as ui_state

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"
INSTANCES = sorted(p.name for p in (ROOT / "instances").glob("*.yaml"))
# The *-infeasible.yaml teaching scenarios are for the Explain page (test_ui_negotiator).
FEASIBLE = [n for n in INSTANCES if not n.endswith("-infeasible.yaml")]
DEFAULT = "october-2025.yaml"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def default_solved():
    scenario = load_scenario(ROOT / "instances" / DEFAULT)
    result = solve(scenario, time_limit=30, workers=2)
    assert result.status == "optimal" and not result.violations
    return scenario, result


@pytest.fixture(scope="module")
def phases_solved():
    scenario = load_scenario(ROOT / "instances" / "teaching-phases.yaml")
    result = solve(scenario, time_limit=30, workers=2)
    assert result.status == "optimal"
    return scenario, result


# --------------------------------------------------------------------------- tables


@pytest.mark.parametrize("name", INSTANCES)
def test_tables_round_trip_every_shipped_scenario(name):
    scenario = load_scenario(ROOT / "instances" / name)
    data = scenario_to_data(scenario)
    frames = tables.to_tables(data)
    back, problems = tables.assemble(tables.general_of(data), frames)
    assert problems == []
    assert scenario_to_data(scenario_from_data(back)) == data


def test_tables_split_nested_lists_into_their_own_tables():
    data = scenario_to_data(load_scenario(ROOT / "instances" / "teaching-phases.yaml"))
    frames = tables.to_tables(data)
    assert list(frames["of_which"]["ratio"]) == ["twenty-per-soldier"]
    assert list(frames["of_which"]["count"]) == [10]
    after = frames["after"]
    assert list(after["phase"]) == [
        "corridor-north",
        "corridor-north",
        "final-withdrawal",
        "final-withdrawal",
    ]
    assert list(after["kind"]) == [
        "phase",
        "captives released",
        "captives released",
        "detainees released",
    ]
    assert after.loc[1, "target"] == "{status: living, zone: south}"
    assert after.loc[1, "fraction"] == 0.5
    assert list(frames["tiers"]["tier"]) == [
        "{status: living, category: civilian}",
        "{status: living}",
        "{status: deceased}",
    ]
    assert str(frames["captives"]["count"].dtype) == "Int64"


def test_assemble_reports_table_problems_with_paths():
    data = scenario_to_data(load_scenario(ROOT / "instances" / "teaching-phases.yaml"))
    frames = tables.to_tables(data)
    frames["ratios"].loc[0, "captives"] = "{status: [living"  # not YAML
    frames["of_which"].loc[0, "ratio"] = "no-such-ratio"
    frames["after"].loc[0, "phase"] = "no-such-phase"
    frames["packages"].loc[0, "detainees"] = "[a, b]"  # YAML, but not a mapping
    _, problems = tables.assemble(tables.general_of(data), frames)
    paths = [p.path for p in problems]
    assert "ratios[0].captives" in paths
    assert "packages[0].detainees" in paths
    assert "Ratio of_which items row 0.ratio" in paths
    assert "Phase conditions row 0.phase" in paths


def test_assemble_leaves_blank_cells_out_so_the_loader_names_them():
    data = scenario_to_data(load_scenario(ROOT / "instances" / DEFAULT))
    frames = tables.to_tables(data)
    frames["captives"].loc[1, "count"] = pd.NA
    frames["sites"].loc[0, "max_captives_per_round"] = pd.NA  # blank: no limit
    back, problems = tables.assemble(tables.general_of(data), frames)
    assert problems == []
    assert "count" not in back["captives"][1]
    assert "max_captives_per_round" not in back["sites"][0]
    with pytest.raises(Exception) as info:
        scenario_from_data(back)
    assert [(p.path, p.message) for p in info.value.problems] == [("captives[1].count", "required")]


def test_clean_unwraps_numpy_and_blanks():
    import numpy as np

    assert tables.clean(np.int64(3)) == 3 and type(tables.clean(np.int64(3))) is int
    assert tables.clean(float("nan")) is None
    assert tables.clean(pd.NA) is None
    assert tables.clean("  ") is None
    assert tables.clean(" a ") == "a"


# --------------------------------------------------------------------------- views


def test_kpis_and_tables_are_the_planners(default_solved):
    scenario, result = default_solved
    plan = result.plan
    k = views.kpi_summary(plan)
    assert k["last_living_home_hour"] == plan.kpis["last_living_home_hour"] == 45
    assert k["rounds"] == len(plan.rounds) == plan.objective["rounds"]
    assert k["makespan"] == plan.objective["makespan"]
    assert k["detainees_released"] == 1968
    assert k["captives_released"] == 48
    rounds = views.rounds_frame(plan, scenario)
    assert list(rounds["round"]) == [r.index for r in plan.rounds]
    assert rounds["detainees"].sum() == 1968
    assert rounds["living"].sum() == 20 and rounds["deceased"].sum() == 28
    assert "start time" in rounds.columns
    peaks = views.peak_frame(plan)
    teams = peaks.set_index("capacity").loc["teams"]
    assert (teams["peak"], teams["limit"], bool(teams["binding"])) == (2, 2, True)
    phases = views.phases_frame(plan, scenario)
    assert phases.loc[0, "deadline"] == 24 and phases.loc[0, "slack (h)"] == 0


def test_release_curves_end_at_the_totals(default_solved):
    scenario, result = default_solved
    curves = views.release_curves(result.plan, scenario)
    last = curves.groupby("series")["released"].max().to_dict()
    assert last == {"living captives": 20, "deceased captives": 28, "detainees": 1968}
    for _, part in curves.groupby("series"):
        assert part["released"].is_monotonic_increasing
        assert part["hour"].is_monotonic_increasing
        assert (
            part.iloc[0]["hour"] == 0 and part.iloc[-1]["hour"] == result.plan.objective["makespan"]
        )


def test_gantt_frame_and_deadlines(default_solved):
    scenario, result = default_solved
    plan = result.plan
    frame = views.gantt_frame(plan, scenario)
    rounds = frame[frame["kind"] == "round"]
    assert len(rounds) == len(plan.rounds)
    assert set(rounds["lane"]) <= {"site gaza-city", "site khan-younis"}
    releases = frame[frame["kind"] == "detainee release"]
    assert len(releases) == sum(r.detainee_release_hour is not None for r in plan.rounds)
    assert list(frame[frame["kind"] == "phase"]["end"]) == [24]
    lanes = views.lane_order(plan, scenario)
    assert lanes == [
        "site gaza-city",
        "site khan-younis",
        views.RELEASE_LANE,
        "phase pullback-to-agreed-line",
    ]
    marks = views.deadline_marks(scenario)
    assert {(m.kind, m.hour) for m in marks.itertuples()} == {
        ("phase deadline", 24),
        ("captive deadline", 96),
        ("horizon", 480),
    }
    fig = charts.gantt_figure(frame, marks, lanes, start=scenario.start)
    names = [t.name for t in fig.data]
    assert names == ["handover window", "phase", "detainees released", "phase deadline"]
    assert sum(len(t.x) for t in fig.data if t.name == "handover window") == len(plan.rounds)


def test_plan_csv_round_trips(default_solved):
    scenario, result = default_solved
    plan = result.plan
    rows = list(csv.DictReader(io.StringIO(views.plan_csv(plan, scenario))))
    rounds = [r for r in rows if r["kind"] == "round"]
    assert len(rounds) == len(plan.rounds)
    for row, r in zip(rounds, plan.rounds, strict=True):
        assert int(row["start_hour"]) == r.start_hour
        for cid in (c.id for c in scenario.captives):
            assert int(row[f"captive:{cid}"]) == r.captives.get(cid, 0)
        for did in (d.id for d in scenario.detainees):
            assert int(row[f"detainee:{did}"]) == r.detainees.get(did, 0)
    phases = [r for r in rows if r["kind"] == "phase"]
    assert [(p["id"], p["end_hour"]) for p in phases] == [("pullback-to-agreed-line", "24")]


def test_briefing_is_one_escaped_page(default_solved):
    scenario, result = default_solved
    page = views.briefing_html(result.plan, scenario, result.violations, title="<b>Plan A</b>")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "&lt;b&gt;Plan A&lt;/b&gt;" in page and "<b>Plan A</b>" not in page
    assert "<script" not in page
    assert "hour 45 (day 1, Sun 12 Oct 2025 09:00)" in page
    assert ">1968<" in page and "every rule of the scenario holds" in page
    assert "@media print" in page
    assert page.count("<tr>") >= len(result.plan.rounds) * 2


def test_verdict_and_status_words(default_solved):
    _, result = default_solved
    ok, text = views.verdict(result.plan, [])
    assert ok and "every rule" in text
    broken = Violation("teams", "hour 3", "3 handovers open, above 2", {"load": 3})
    ok, text = views.verdict(result.plan, [broken])
    assert not ok and "1 broken rule" in text
    assert list(views.violation_frame([broken]).iloc[0]) == ["teams", "hour 3", broken.message]
    none = Plan(scenario="x", status="infeasible", engine="cpsat")
    assert views.verdict(none, [])[0]
    for status in ("optimal", "feasible", "infeasible", "unknown"):
        assert views.status_words(status).split(":")[0] in (
            "Optimal",
            "Feasible",
            "Infeasible",
            "No plan",
        )


def _moved(plan: Plan) -> Plan:
    """The plan with its last round 24 hours later and one captive moved to round 1."""
    rounds = [r.model_copy() for r in plan.rounds]
    last = rounds[-1]
    rounds[-1] = last.model_copy(
        update={"start_hour": last.start_hour + 24, "end_hour": last.end_hour + 24}
    )
    return plan.model_copy(update={"rounds": rounds})


def test_plan_diff_and_cohort_moves(default_solved):
    _, result = default_solved
    plan = result.plan
    assert views.plan_diff(plan, plan).empty
    assert views.cohort_moves(plan, plan).empty
    later = _moved(plan)
    diff = views.plan_diff(plan, later)
    last = plan.rounds[-1].index
    assert list(diff["change"]) == ["start"]
    assert list(diff["round"]) == [f"R{last}"]
    assert diff.iloc[0]["delta"] == 24
    moves = views.cohort_moves(plan, later)
    assert set(moves["cohort"]) == set(plan.rounds[-1].captives)
    assert set(moves["last release delta"].dropna()) <= {0, 24}
    fewer = plan.model_copy(update={"rounds": plan.rounds[:-1]})
    removed = views.plan_diff(plan, fewer)
    assert list(removed["change"]) == ["removed"]


def test_plan_diff_pairs_rounds_by_site_not_by_listed_order():
    def rnd(index, site, start, **captives):
        return {
            "index": index,
            "site": site,
            "start_hour": start,
            "end_hour": start + 3,
            "captives": captives,
            "detainees": {},
        }

    a = Plan(
        scenario="s",
        status="optimal",
        engine="cpsat",
        rounds=[rnd(1, "north", 42, n=7), rnd(2, "south", 42, s=13)],
    )
    b = Plan(
        scenario="s",
        status="optimal",
        engine="cpsat",
        rounds=[rnd(1, "south", 42, s=13), rnd(2, "north", 45, n=7)],
    )
    diff = views.plan_diff(a, b)
    assert diff.to_dict("records") == [
        {"round": "R1 -> R2", "change": "start", "before": "42", "after": "45", "delta": 3}
    ]


def test_compare_kpis_marks_differences(default_solved):
    _, result = default_solved
    plan = result.plan
    later = _moved(plan).model_copy(
        update={"kpis": {**plan.kpis, "makespan": plan.kpis["makespan"] + 24}}
    )
    table = views.compare_kpis([("A", plan), ("B", later)])
    assert list(table.columns) == ["A", "B"]
    assert table.loc["makespan (hour)", "A"] == str(plan.kpis["makespan"])
    differs = views.differs_from_first(table)
    assert not differs["A"].any()
    assert differs.loc["makespan (hour)", "B"]
    assert not differs.loc["rounds", "B"]


def test_progress_tables_and_figure():
    terms = ["living_release_hours", "makespan"]
    events = [
        Progress(0, 2, terms[0], 120.0, 80.0, 0.1),
        Progress(0, 2, terms[0], 100.0, 100.0, 0.2, "stage_done"),
        Progress(1, 2, terms[1], 70.0, 60.0, 0.3),
    ]
    frame = views.progress_frame(events)
    assert list(frame["stage"]) == [1, 1, 2]
    table = views.stage_table(events, terms)
    assert list(table["state"]) == ["proven", "searching"]
    assert list(table["best"]) == [100, 70] and list(table["bound"]) == [100, 60]
    assert table.loc[1, "gap %"] == pytest.approx(14.29)
    assert views.progress_line(events).startswith("Stage 2 of 2 (makespan): best so far 70")
    assert "first plan" in views.progress_line([])
    fig = charts.progress_figure(frame, terms)
    assert len(fig.data) == 4  # best and bound per stage


def test_phase_graph_of_teaching_phases(phases_solved):
    scenario, _ = phases_solved
    g = views.phase_graph(scenario_to_data(scenario))
    kinds = {n: a["kind"] for n, a in g.nodes(data=True)}
    assert [n for n, k in kinds.items() if k == "phase"] == [
        "pullback-south",
        "corridor-north",
        "final-withdrawal",
    ]
    assert sum(k == "milestone" for k in kinds.values()) == 3
    assert {"zone south", "zone north"} <= set(kinds)
    assert g.edges["pullback-south", "corridor-north"]["label"] == "+12 h"
    pos = views.graph_positions(g)
    assert pos["pullback-south"][0] < pos["corridor-north"][0] < pos["zone north"][0]
    assert not views.cycle_edges(g)
    fig = charts.graph_figure(g)
    assert {t.name for t in fig.data} == {"phase", "milestone", "zone"}


def test_phase_graph_survives_bad_data_and_shows_cycles():
    data = {
        "phases": [
            {"id": "a", "after": [{"phase": "b"}]},
            {"id": "b", "after": [{"phase": "a", "lag_hours": 2}, {"phase": "ghost"}]},
            {"id": "c", "after": ["junk", {"captives_released": "bad"}]},
            "junk",
        ]
    }
    g = views.phase_graph(data)
    assert g.nodes["ghost"]["kind"] == "missing"
    assert views.cycle_edges(g) == {("a", "b"), ("b", "a")}
    assert len(views.graph_positions(g)) == g.number_of_nodes()
    charts.graph_figure(g)
    assert views.phase_graph({"phases": "nope"}).number_of_nodes() == 0


def test_curves_and_peak_figures(default_solved):
    scenario, result = default_solved
    curves = views.release_curves(result.plan, scenario)
    fig = charts.curves_figure([("A", curves), ("B", curves)])
    assert len(fig.data) == 2 * len(views.CURVE_SERIES)
    peaks = views.peak_frame(result.plan)
    fig = charts.peak_figure(peaks)
    assert len(fig.data[0].y) == int(peaks["limit"].notna().sum())


def test_read_upload_checks_everything():
    data, problems = ui_state.read_upload("big.yaml", b"x" * (10 * 1024 * 1024 + 1))
    assert data is None and "larger than" in problems[0].message
    data, problems = ui_state.read_upload("bin.yaml", b"\xff\xfe\x00")
    assert data is None and "UTF-8" in problems[0].message
    data, problems = ui_state.read_upload("syntax.yaml", b"name: [unclosed\n")
    assert data is None and problems[0].path.startswith("line ")
    text = (ROOT / "instances" / DEFAULT).read_bytes()
    data, problems = ui_state.read_upload(DEFAULT, text)
    assert problems == [] and data["name"].startswith("October 2025")


# --------------------------------------------------------------------------- AppTest


def solve_in_app(at: AppTest, timeout: float = 60.0):
    """Press Solve on the Solve page, wait for the background solve, show the result."""
    at.button(key="sv_solve").click().run()
    assert not at.exception, [e.value for e in at.exception]
    job = at.session_state["job"]
    assert job is not None and job.wait(timeout)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state["plans"][-1]


def expected_metrics(plan: Plan) -> dict[str, str]:
    k = plan.kpis
    hour = k["last_living_home_hour"]
    return {
        "Last living home": "-" if hour is None else f"hour {hour}",
        "Rounds": str(k["rounds"]),
        "Makespan": f"hour {k['makespan']}",
        "Captives released": str(sum(k["captives_per_round"])),
        "Detainees released": str(k["detainees_released"]),
        "Robustness": "-" if k.get("robustness") is None else f"{k['robustness']:.0%}",
    }


@pytest.mark.parametrize("name", FEASIBLE)
def test_every_page_with_every_shipped_scenario(name):
    at = run_app()
    assert "Valid:" in texts(at.success)
    if name != DEFAULT:
        at.selectbox(key="sc_pick").set_value(name)
        at.button(key="sc_load").click().run()
        assert not at.exception
    scenario = load_scenario(ROOT / "instances" / name)
    assert at.session_state["scenario"] == scenario
    assert at.session_state["source"] == name
    assert "Valid:" in texts(at.success)

    page(at, "solve")
    record = solve_in_app(at)
    plan = record.plan
    assert plan.status == "optimal" and record.violations == []
    assert metrics(at) == expected_metrics(plan)
    assert "Optimal:" in texts(at.success)
    assert "every rule of the scenario holds" in texts(at.caption)
    # The numbers shown are the planner's: KPIs recomputed from the plan, and the
    # objective values of an independent solve (lexicographic optima are unique).
    assert plan.kpis == kpi.kpis(scenario, plan)
    direct = solve(scenario, time_limit=30, workers=2)
    assert plan.objective == direct.plan.objective

    page(at, "plan")
    assert metrics(at) == expected_metrics(plan)
    rounds = next(d.value for d in at.dataframe if "detainee cohorts" in d.value.columns)
    assert list(rounds["round"]) == [r.index for r in plan.rounds]
    assert list(rounds["start"]) == [r.start_hour for r in plan.rounds]
    assert [b.label for b in at.get("download_button")] == [
        "Plan JSON (plan format v1)",
        "Rounds and phases (CSV)",
        "One-page briefing (HTML, printable)",
    ]
    page(at, "compare")
    assert "Solve at least two plans" in texts(at.info)
    page(at, "scenario")
    assert at.session_state["scenario"] == scenario  # coming back keeps the scenario


def test_edit_a_capacity_resolve_and_compare():
    at = run_app()
    page(at, "solve")
    first = solve_in_app(at)
    assert first.plan.kpis["last_living_home_hour"] == 45
    assert first.plan.kpis["peak_use"]["teams"]["peak"] == 2

    # One handover team: the two living rounds (one per site, both at hour 42) can
    # no longer overlap, so the last living captive comes home 3 hours later.
    page(at, "scenario")
    gen = at.session_state["gen"]
    at.checkbox(key=f"sc_teams_on_{gen}").check()
    at.number_input(key=f"sc_teams_count_{gen}").set_value(1).run()
    assert not at.exception
    edited = at.session_state["scenario"]
    assert edited is not None and edited.teams.count == 1
    assert (
        "edited" in texts(at.caption) or at.session_state["canonical"] != at.session_state["loaded"]
    )

    page(at, "solve")
    second = solve_in_app(at)
    assert second.name.endswith("(edited)")
    k = second.plan.kpis
    assert second.plan.status == "optimal" and second.violations == []
    assert k["peak_use"]["teams"] == {"peak": 1, "limit": 1}
    assert k["last_living_home_hour"] == 48
    assert second.plan.objective == solve(edited, time_limit=30).plan.objective
    shown = {m.label: m for m in at.metric}
    assert shown["Last living home"].value == "hour 48"
    assert shown["Last living home"].delta == "3"  # against the first plan

    page(at, "plan")
    assert metrics(at) == expected_metrics(second.plan)

    page(at, "compare")
    table = next(d.value for d in at.dataframe if "figure" in d.value.index.names)
    assert list(table.columns) == [first.name, second.name]
    assert table.loc["last living captive home (hour)"].tolist() == ["45", "48"]
    assert table.loc["peak teams"].tolist() == ["2 / 2", "1 / 1"]
    diff = next(d.value for d in at.dataframe if "change" in d.value.columns)
    assert len(diff) >= 1 and "start" in set(diff["change"])


def test_edit_a_site_capacity_in_the_table():
    at = run_app()
    gen = at.session_state["gen"]
    at.session_state[f"sc_ed_sites_{gen}"] = {
        "edited_rows": {0: {"max_captives_per_round": 7}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    scenario = at.session_state["scenario"]
    assert scenario.site_by_id["gaza-city"].max_captives_per_round == 7
    page(at, "solve")
    record = solve_in_app(at)
    assert record.violations == []
    peak = record.plan.kpis["peak_use"]["site:gaza-city"]
    assert peak == {"peak": 7, "limit": 7}  # the 7 living north fill the site alone


def test_edits_the_forms_allow_never_crash():
    at = run_app()
    gen = at.session_state["gen"]
    # Numbers that are each fine but contradict each other: cross-reference problems.
    at.number_input(key=f"sc_lag_min_{gen}").set_value(9)  # above the max, 8
    at.number_input(key=f"sc_open_from_{gen}").set_value(20)
    at.number_input(key=f"sc_open_to_{gen}").set_value(10)  # before the start
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    lines = [f"{p.path}: {p.message}" for p in at.session_state["problems"]]
    assert "rounds.detainee_lag_hours: min 9 is above max 8" in lines, lines
    assert any(line.startswith("rounds.open_hours") for line in lines), lines
    assert at.session_state["scenario"] is None

    # A new empty captive row, an unparsable ratio selector in a new ratio, a
    # phase condition naming no phase, and every site deleted.
    at.session_state[f"sc_ed_captives_{gen}"] = {
        "edited_rows": {},
        "added_rows": [{}],
        "deleted_rows": [],
    }
    at.session_state[f"sc_ed_ratios_{gen}"] = {
        "edited_rows": {},
        "added_rows": [{"name": "r", "captives": "{status: [", "per_captive": 3}],
        "deleted_rows": [],
    }
    at.session_state[f"sc_ed_after_{gen}"] = {
        "edited_rows": {},
        "added_rows": [{"phase": "nowhere", "kind": "phase", "target": "x"}],
        "deleted_rows": [],
    }
    at.session_state[f"sc_ed_sites_{gen}"] = {
        "edited_rows": {},
        "added_rows": [],
        "deleted_rows": [0, 1],
    }
    at.checkbox(key=f"sc_obj_default_{gen}").uncheck()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect(key=f"sc_objective_{gen}").set_value([]).run()
    assert not at.exception
    problems = at.session_state["problems"]
    paths = {p.path for p in problems}
    assert {
        "ratios[0].captives",
        "Phase conditions row 0.phase",
        "sites",
        "captives[5].id",
        "objective",
    } <= paths, paths
    assert at.session_state["scenario"] is None
    shown = next(d.value for d in at.dataframe if "edit in" in d.value.columns)
    assert set(shown["field"]) == {p.path for p in problems}
    assert "problem(s)" in texts(at.error)

    page(at, "solve")
    assert at.button(key="sv_solve").disabled
    assert "cannot be solved" in texts(at.error)
    page(at, "plan")
    assert "No plan yet" in texts(at.info)
    page(at, "compare")
    page(at, "scenario")  # rebuilt from the edited data: the problems are still there
    assert {p.path for p in at.session_state["problems"]} == paths
    at.button(key="sc_reset").click().run()
    assert not at.exception and at.session_state["problems"] == []


def test_malformed_upload_shows_field_paths():
    at = run_app()
    before = at.session_state["scenario"]
    bad = (
        b"format: exchange-scenario/1\n"
        b"name: broken\n"
        b"horizon_hours: -1\n"
        b"captives: [{id: a, status: alive, count: 0}]\n"
        b"rounds: {max_rounds: 1, duration_hours: 1}\n"
        b"sites: [{id: s}]\n"
        b"bogus: 1\n"
    )
    at.file_uploader(key="sc_upload").set_value(("broken.yaml", bad, "application/x-yaml"))
    at.run()
    assert not at.exception
    assert "broken.yaml** was not loaded: 4 problem(s)" in texts(at.error)
    shown = next(d.value for d in at.dataframe if list(d.value.columns) == ["field", "problem"])
    assert set(shown["field"]) == {
        "horizon_hours",
        "captives[0].status",
        "captives[0].count",
        "bogus",
    }
    assert "must be >= 1" in set(shown["problem"])
    assert at.session_state["scenario"] == before  # nothing replaced

    at.file_uploader(key="sc_upload").set_value(("syntax.yaml", b"a: [1,\n", "text/yaml"))
    at.run()
    assert not at.exception
    shown = next(d.value for d in at.dataframe if list(d.value.columns) == ["field", "problem"])
    assert shown.iloc[0]["field"].startswith("line ")

    good = (ROOT / "instances" / "teaching-basic.yaml").read_bytes()
    at.file_uploader(key="sc_upload").set_value(("mine.yaml", good, "text/yaml"))
    at.run()
    assert not at.exception
    assert at.session_state["source"] == "mine.yaml"
    assert at.session_state["scenario"].name == "Teaching scenario 1 (basics)"


def test_stop_keeps_the_best_plan_so_far(monkeypatch):
    released = threading.Event()

    def held_solve(scenario, **kw):
        """The planner's solve, started only once Stop is pressed (or after 20 s)."""
        kw["stop"].wait(20)
        released.set()
        return solve(scenario, **kw)

    monkeypatch.setattr(ui_state, "solve", held_solve)
    at = run_app()
    page(at, "solve")
    at.button(key="sv_solve").click().run()
    assert not at.exception
    assert any("Solving:" in h.value for h in at.subheader)
    assert "Building the model" in texts(at.markdown)
    at.button(key="sv_stop").click().run()
    assert not at.exception
    job = at.session_state["job"]
    assert job.wait(30) and released.is_set()
    at.run()
    record = at.session_state["plans"][-1]
    # Stopped at the first plan of stage 1: a valid plan, not proven best.
    assert record.plan.status == "feasible"
    assert record.plan.rounds and record.violations == []
    assert "Feasible:" in texts(at.warning)
    assert "best plan found so far is kept" in texts(at.info)
    assert metrics(at) == expected_metrics(record.plan)


def test_infeasible_scenario_and_another_engine():
    at = run_app()
    broken = yaml.safe_dump(generate(2, 1, infeasible=True), sort_keys=False).encode()
    at.file_uploader(key="sc_upload").set_value(("infeasible.yaml", broken, "text/yaml"))
    at.run()
    assert not at.exception and at.session_state["source"] == "infeasible.yaml"
    page(at, "solve")
    record = solve_in_app(at)
    assert record.plan.status == "infeasible" and record.plan.rounds == []
    assert "Infeasible: it is proven that no plan can respect every rule" in texts(at.error)
    assert "carries no rounds, as it should" in texts(at.caption)
    assert metrics(at) == {}
    page(at, "plan")
    assert "Infeasible:" in texts(at.error)
    assert not at.get("plotly_chart")
    page(at, "compare")
    assert "Solve at least two plans" in texts(at.info)

    page(at, "scenario")
    at.selectbox(key="sc_pick").set_value("teaching-basic.yaml")
    at.button(key="sc_load").click().run()
    page(at, "solve")
    at.selectbox(key="sv_engine").set_value("milp-highs")
    record = solve_in_app(at)
    assert record.plan.engine == "milp-highs" and record.plan.status == "optimal"
    assert record.violations == []
    cpsat = solve(load_scenario(ROOT / "instances" / "teaching-basic.yaml"), time_limit=30)
    assert record.plan.objective == cpsat.plan.objective
    assert metrics(at) == expected_metrics(record.plan)
    assert at.session_state["solve_settings"]["engine"] == "milp-highs"
