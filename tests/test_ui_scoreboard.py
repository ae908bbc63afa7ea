"""The app's Scoreboard page (re-plan, scoreboard, stress), driven with ``AppTest``.

Every figure the page shows must be the planner's: the tests call
:func:`planner.replan.replan` and :func:`planner.stress.stress` directly with the
same inputs and compare.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from models.errors import InputError
from models.execution import check_replan_inputs, execution_from_data, load_execution
from models.loader import load_plan, load_scenario, parse_text
from planner.replan import replan
from planner.stress import DEFAULT_DELAYS, parse_delays, stress
from planner.validate import validate
from tests.apptest import click, metrics, page, run_app, texts
from ui import scoreboard_views as sv

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"
INSTANCES = sorted(p.name for p in (ROOT / "instances").glob("*.yaml"))
SCENARIO = ROOT / "instances" / "october-2025.yaml"
PLAN = ROOT / "instances" / "executions" / "october-2025-plan.json"
EXECUTION = ROOT / "instances" / "executions" / "october-2025-day3.yaml"
EXAMPLE_LABEL = f"Shipped example ({PLAN.name})"


def frame_with(at: AppTest, column: str) -> pd.DataFrame | None:
    return next((d.value for d in at.dataframe if column in d.value.columns), None)


def plain(frame: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")
    ]


def example_loaded() -> AppTest:
    """The default scenario (october-2025) on the Scoreboard page, the shipped example loaded."""
    at = run_app()
    page(at, "scoreboard")
    click(at, "sb_example")
    assert at.selectbox(key="sb_pub").value == EXAMPLE_LABEL
    assert at.text_area(key="sb_exec_text").value == EXECUTION.read_text("utf-8")
    return at


def message_of(scenario, published, execution_text: str, source: str) -> list[str]:
    try:
        execution = execution_from_data(parse_text(execution_text, source), source)
        check_replan_inputs(
            scenario, published, execution, plan_source=PLAN.name, execution_source=source
        )
    except InputError as exc:
        return exc.lines()
    raise AssertionError("the execution was accepted")


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize("name", INSTANCES)
def test_template_is_a_valid_execution_of_every_shipped_scenario(name: str) -> None:
    scenario = load_scenario(ROOT / "instances" / name)
    text = sv.execution_template(scenario)
    execution = sv.read_execution(text)
    assert execution.now_hour == 0 and not execution.rounds
    assert execution.scenario == scenario.name
    plan = load_plan(PLAN).model_copy(update={"scenario": scenario.name})
    check_replan_inputs(scenario, plan, execution)  # no problem
    assert f"site: {scenario.sites[0].id}" in text


def test_scoreboard_frame_is_the_planners_rows() -> None:
    scenario = load_scenario(SCENARIO)
    published, execution = load_plan(PLAN), load_execution(EXECUTION)
    result = replan(scenario, published, execution, time_limit=30, deterministic=True)
    frame = sv.scoreboard_frame(result.scoreboard)
    assert list(frame.columns) == sv.SCOREBOARD_COLUMNS
    assert [sv.state_of_label(s) for s in frame["state"]] == [m.state for m in result.scoreboard]
    assert list(frame["planned"]) == [m.planned_hour for m in result.scoreboard]
    assert sv.state_counts(result.scoreboard) == {
        "met": 4,
        "missed": 0,
        "at_risk": 0,
        "on_track": 1,
    }
    styles = sv.state_styles(frame)
    assert styles.loc[0, "state"] == sv.STATE_COLORS["met"] and styles.loc[0, "due"] == ""
    rounds = sv.replan_rounds_frame(result.plan, scenario, result.executed)
    assert list(rounds["kind"]) == ["executed"] * 3 + ["new"] * 2
    assert sv.disruption_text(result.disruption) == (
        "4 = 0 hours moved + 4 people moved + 0 sites changed"
    )
    assert sv.keep_name(result.plan) == "replan at hour 72"
    assert sv.from_hour_of(published) == 0


# --------------------------------------------------------------------------- replan


def test_replan_shows_the_planners_scoreboard_and_keeps_the_plan() -> None:
    at = example_loaded()
    click(at, "sb_run")
    assert not at.error, texts(at.error)

    scenario = load_scenario(SCENARIO)
    published, execution = load_plan(PLAN), load_execution(EXECUTION)
    expected = replan(scenario, published, execution, time_limit=30, deterministic=True)
    assert expected.status == "optimal"
    # The scoreboard: the planner's rows, states and hours.
    board = frame_with(at, "milestone")
    assert board is not None
    assert plain(board) == plain(sv.scoreboard_frame(expected.scoreboard))
    assert [sv.state_of_label(s) for s in board["state"]] == [m.state for m in expected.scoreboard]
    shown = metrics(at)
    counts = sv.state_counts(expected.scoreboard)
    assert {k: shown[k] for k in ("Met", "Missed", "At risk", "On track")} == {
        "Met": str(counts["met"]),
        "Missed": str(counts["missed"]),
        "At risk": str(counts["at_risk"]),
        "On track": str(counts["on_track"]),
    }
    # The disruption and its parts.
    d = expected.disruption
    assert (shown["Disruption"], shown["Hours moved"], shown["People moved"]) == (
        str(d.total),
        str(d.hours_moved),
        str(d.people_moved),
    )
    assert shown["Sites changed"] == str(d.sites_changed)
    assert sv.disruption_text(d, "first") in texts(at.caption)
    # The new plan: the executed rounds unchanged, then the planner's new rounds.
    result = at.session_state["sb_replan"]["result"]
    assert result.plan.rounds == expected.plan.rounds
    assert validate(scenario, result.plan) == [] and result.violations == []
    for fact, planned in zip(execution.rounds, result.plan.rounds, strict=False):
        assert (planned.site, planned.start_hour, planned.detainee_release_hour) == (
            fact.site,
            fact.start_hour,
            fact.detainee_release_hour,
        )
        assert (planned.captives, planned.detainees) == (fact.captives, fact.detainees)
    rounds = frame_with(at, "kind")
    assert list(rounds["kind"]) == ["executed"] * len(execution.rounds) + ["new"] * (
        len(expected.plan.rounds) - len(execution.rounds)
    )
    assert list(rounds["start"]) == [r.start_hour for r in expected.plan.rounds]
    assert "Checked by the independent validator: every rule" in texts(at.caption)
    assert len(at.get("plotly_chart")) == 1

    # Keep it: a plan of the session, which the Plan page shows.
    click(at, "sb_keep")
    records = at.session_state["plans"]
    assert [r.name for r in records] == ["replan at hour 72"]
    assert "Kept as **replan at hour 72**" in texts(at.success)
    page(at, "plan")
    assert at.session_state["selected"] == "replan at hour 72"
    plan = records[0].plan
    assert metrics(at)["Robustness"] == f"{plan.kpis['robustness']:.0%}"
    assert metrics(at)["Rounds"] == str(len(expected.plan.rounds))
    shown_rounds = frame_with(at, "detainee cohorts")
    assert list(shown_rounds["start"]) == [r.start_hour for r in expected.plan.rounds]
    page(at, "compare")
    assert list(frame_with(at, "engine")["plan"]) == ["replan at hour 72"]
    # Back on the Scoreboard page: the inputs and the result are still there.
    page(at, "scoreboard")
    assert at.selectbox(key="sb_pub").value == EXAMPLE_LABEL
    assert frame_with(at, "milestone") is not None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("captives: {living-north: 7, deceased-located: 2}", "captives: {living-nowhere: 7}"),
        ("captives: {living-north: 7, deceased-located: 2}", "captives: {living-north: 8}"),
    ],
    ids=["unknown-cohort", "above-count"],
)
def test_a_bad_execution_shows_the_exact_message_and_no_results(old: str, new: str) -> None:
    at = example_loaded()
    text = EXECUTION.read_text("utf-8")
    assert old in text
    bad = text.replace(old, new)
    at.text_area(key="sb_exec_text").set_value(bad).run()
    click(at, "sb_run")
    scenario = load_scenario(SCENARIO)
    (line,) = message_of(scenario, load_plan(PLAN), bad, sv.TEXT_SOURCE)
    assert line.startswith(f"{sv.TEXT_SOURCE}: rounds[0].captives.living-")
    assert line in texts(at.error)
    assert frame_with(at, "milestone") is None and not at.get("plotly_chart")
    assert "Disruption" not in metrics(at)


def test_broken_facts_are_listed_and_every_open_milestone_is_at_risk() -> None:
    at = example_loaded()
    late = EXECUTION.read_text("utf-8").replace(
        "  - site: khan-younis\n    start_hour: 42", "  - site: khan-younis\n    start_hour: 44"
    )
    at.text_area(key="sb_exec_text").set_value(late).run()
    click(at, "sb_run")
    scenario = load_scenario(SCENARIO)
    execution = execution_from_data(parse_text(late, "late"))
    expected = replan(scenario, load_plan(PLAN), execution, time_limit=30, deterministic=True)
    assert expected.status == "infeasible" and expected.broken
    shown = texts(at.error)
    assert sv.replan_status_words("infeasible") in shown
    for line in expected.broken:
        assert line in shown
    board = frame_with(at, "milestone")
    assert plain(board) == plain(sv.scoreboard_frame(expected.scoreboard))
    assert sv.state_label("at_risk") in list(board["state"])
    assert frame_with(at, "kind") is None  # no new plan
    assert not any(b.key == "sb_keep" for b in at.button)


def test_uploads_give_the_same_replan() -> None:
    at = run_app()
    page(at, "scoreboard")
    at.file_uploader(key="sb_pub_upload").set_value(
        (PLAN.name, PLAN.read_bytes(), "application/json")
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="sb_pub").value == f"Uploaded: {PLAN.name}"
    at.file_uploader(key="sb_exec_upload").set_value(
        (EXECUTION.name, EXECUTION.read_bytes(), "text/yaml")
    ).run()
    assert at.text_area(key="sb_exec_text").value == EXECUTION.read_text("utf-8")
    click(at, "sb_run")
    assert not at.error, texts(at.error)
    scenario = load_scenario(SCENARIO)
    expected = replan(
        scenario, load_plan(PLAN), load_execution(EXECUTION), time_limit=30, deterministic=True
    )
    assert plain(frame_with(at, "milestone")) == plain(sv.scoreboard_frame(expected.scoreboard))


def test_invalid_scenario_points_to_the_scenario_page() -> None:
    at = run_app()
    at.session_state["scenario"] = None
    at.session_state["problems"] = []
    page(at, "scoreboard")
    assert "fix them first" in texts(at.error)
    assert not at.button


# --------------------------------------------------------------------------- stress


def test_stress_shows_the_planners_robustness() -> None:
    at = example_loaded()
    at.selectbox(key="sb_st_pick").set_value(EXAMPLE_LABEL)
    assert at.text_input(key="sb_st_delays").value == DEFAULT_DELAYS
    at.text_input(key="sb_st_delays").set_value("round=0-24,phase=0-12")
    at.number_input(key="sb_st_samples").set_value(500)
    at.number_input(key="sb_st_seed").set_value(3)
    click(at, "sb_st_run")
    assert not at.error, texts(at.error)
    expected = stress(
        load_scenario(SCENARIO),
        load_plan(PLAN),
        "round=0-24,phase=0-12",
        samples=500,
        seed=3,
        processes=1,
    )
    assert metrics(at)["Robustness"] == f"{expected.robustness:.1%}"
    table = frame_with(at, "hold rate %")
    assert plain(table) == plain(sv.stress_frame(expected))
    assert list(table["holds"]) == [r.holds for r in expected.rows]
    assert sv.stress_summary(expected) in texts(at.markdown)


def test_stress_of_a_replan_delays_only_the_future() -> None:
    at = example_loaded()
    click(at, "sb_run")
    picked = at.selectbox(key="sb_st_pick").value
    assert picked == "Replan at hour 72 (not kept)"
    assert at.toggle(key="sb_st_future").value is True
    at.text_input(key="sb_st_delays").set_value("round=exp:48")
    at.number_input(key="sb_st_samples").set_value(300)
    click(at, "sb_st_run")
    plan = at.session_state["sb_replan"]["result"].plan
    expected = stress(
        load_scenario(SCENARIO), plan, "round=exp:48", samples=300, from_hour=72, processes=1
    )
    assert metrics(at)["Robustness"] == f"{expected.robustness:.1%}"


def test_a_bad_delay_spec_shows_the_parsers_message() -> None:
    at = example_loaded()
    at.text_input(key="sb_st_delays").set_value("round=5-2")
    click(at, "sb_st_run")
    with pytest.raises(InputError) as info:
        parse_delays("round=5-2", source=sv.DELAYS_SOURCE)
    (line,) = info.value.lines()
    assert line == "delays: round: low end 5 is above high end 2"
    assert line in texts(at.error)
    assert "Robustness" not in metrics(at)
    at.text_input(key="sb_st_delays").set_value("rounds=1")
    click(at, "sb_st_run")
    assert "delays: unknown target 'rounds' (use round or phase)" in texts(at.error)
