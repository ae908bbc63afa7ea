"""The negotiator pages of the app (Explain, What-if, Scoreboard), driven with ``AppTest``."""

from __future__ import annotations

from pathlib import Path

from models.loader import load_scenario
from planner.explain import explain
from planner.variants import apply_overrides
from tests.apptest import load, page, run_app, texts

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"


def test_explain_page_names_the_conflict_and_applies_a_repair() -> None:
    at = run_app()
    load(at, "teaching-pullback-infeasible.yaml")
    page(at, "explain")
    at.button(key="ex_run").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    scenario = load_scenario(ROOT / "instances" / "teaching-pullback-infeasible.yaml")
    expected = explain(scenario)
    assert expected.summary[1:] in texts(at.error)
    conflict = next(d.value for d in at.dataframe if "what it says" in d.value.columns)
    assert list(conflict["rule"]) == ["reception", "phase:pullback-2"]
    fixes = next(d.value for d in at.dataframe if "override" in d.value.columns)
    assert "reception.max_living_per_day=12" in list(fixes["override"])

    at.selectbox(key="ex_pick").set_value(
        next(o for o in at.selectbox(key="ex_pick").options if o.startswith("reception"))
    )
    at.button(key="ex_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    repaired = apply_overrides(scenario, ["reception.max_living_per_day=12"])
    assert at.session_state["scenario"] == repaired
    # The page now explains the repaired scenario: feasible, with binding limits.
    at.button(key="ex_run").click().run(timeout=120)
    assert "Feasible" in texts(at.success)


def test_explain_page_binding_limits_of_a_feasible_scenario() -> None:
    at = run_app()
    load(at, "teaching-basic.yaml")
    page(at, "explain")
    at.toggle(key="ex_repairs").set_value(False)
    at.button(key="ex_run").click().run(timeout=120)
    assert "Feasible" in texts(at.success)
    at.button(key="ex_bind").click().run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "gain" in d.value.columns)
    assert len(table) > 5
    assert (table["gain"].dropna() >= 0).all()
