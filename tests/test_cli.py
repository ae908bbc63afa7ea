"""The command line: outputs, files written (or not) and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner import solve as solve_module
from planner.cli import app
from planner.engine import EngineOutcome

runner = CliRunner()

# Two living captives, one site taking one per round, rounds 10 h apart lasting 2 h:
# releases at hours 2 and 12, so living_release_hours = 14 and makespan 12.
TINY = {
    "format": "exchange-scenario/1",
    "name": "tiny",
    "horizon_hours": 48,
    "captives": [{"id": "a", "status": "living", "count": 2}],
    "detainees": [{"id": "d", "status": "living", "count": 6}],
    "rounds": {"max_rounds": 3, "duration_hours": 2, "min_gap_hours": 10},
    "sites": [{"id": "s", "max_captives_per_round": 1}],
    "ratios": [{"name": "r", "captives": {}, "per_captive": 3}],
}


TINY_OPTIMUM = {"living_release_hours": 14, "release_hours": 14, "makespan": 12, "rounds": 2}


def write(tmp_path: Path, data: dict, name: str = "sc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_solve_prints_table_and_writes_plan(tmp_path: Path) -> None:
    sc = write(tmp_path, TINY)
    out = tmp_path / "plan.json"
    res = runner.invoke(app, ["solve", str(sc), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "Plan for 'tiny': optimal" in res.stdout
    plan = json.loads(out.read_text())
    assert plan["format"] == "exchange-plan/1"
    assert plan["status"] == "optimal"
    assert plan["objective"] == TINY_OPTIMUM
    assert [r["detainees"] for r in plan["rounds"]] == [{"d": 3}, {"d": 3}]
    assert plan["manifest"]["engine"] == "cpsat"
    assert plan["manifest"]["scenario_hash"].startswith("sha256:")
    assert plan["kpis"]["last_living_home_hour"] == 12

    res = runner.invoke(app, ["validate", str(sc), str(out)])
    assert res.exit_code == 0
    assert "valid" in res.stdout

    res = runner.invoke(app, ["show", str(out)])
    assert res.exit_code == 0
    assert "optimal" in res.stdout


def test_solve_json_to_stdout(tmp_path: Path) -> None:
    res = runner.invoke(app, ["solve", str(write(tmp_path, TINY)), "--json", "--quiet"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["objective"]["living_release_hours"] == 14


def test_infeasible_exits_1_and_still_writes_the_plan(tmp_path: Path) -> None:
    # Two captives need two rounds, but max_rounds is 1 and the site takes one per round.
    data = dict(TINY, rounds={"max_rounds": 1, "duration_hours": 2})
    out = tmp_path / "plan.json"
    res = runner.invoke(app, ["solve", str(write(tmp_path, data)), "--out", str(out)])
    assert res.exit_code == 1
    assert "infeasible" in res.stdout
    plan = json.loads(out.read_text())
    assert plan["status"] == "infeasible"
    assert plan["rounds"] == []


def test_no_plan_in_time_exits_3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Slow:
        name = "cpsat"

        def version(self) -> str:
            return "test"

        def solve(self, scenario, options):
            return EngineOutcome(status="unknown")

    monkeypatch.setattr(solve_module, "_engines", lambda: {"cpsat": Slow()})
    res = runner.invoke(app, ["solve", str(write(tmp_path, TINY)), "--json"])
    assert res.exit_code == 3
    assert json.loads(res.stdout)["status"] == "unknown"


@pytest.mark.parametrize(
    ("mutate", "line"),
    [
        (lambda d: d["captives"][0].update(count=0), "captives[0].count: must be >= 1"),
        (lambda d: d.pop("sites"), "sites: required"),
        (
            lambda d: d["rounds"].update(max_rounds="two"),
            "rounds.max_rounds: must be a whole number",
        ),
        (
            lambda d: d["ratios"][0].update(captives={"zone": "nowhere"}),
            "ratios[0].captives: matches no captive",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path: Path, mutate, line: str
) -> None:
    data = json.loads(json.dumps(TINY))
    mutate(data)
    sc = write(tmp_path, data, "bad.yaml")
    out = tmp_path / "plan.json"
    res = runner.invoke(app, ["solve", str(sc), "--out", str(out)])
    assert res.exit_code == 2
    assert res.stderr.strip() == f"{sc}: {line}"
    assert "Traceback" not in res.output
    assert not out.exists()


def test_missing_file_and_bad_options_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["solve", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2
    assert "cannot read file" in res.stderr
    sc = write(tmp_path, TINY)
    res = runner.invoke(app, ["solve", str(sc), "--engine", "magic"])
    assert res.exit_code == 2
    assert "unknown engine 'magic'" in res.stderr
    res = runner.invoke(app, ["solve", str(sc), "--out", str(tmp_path / "no" / "p.json")])
    assert res.exit_code == 2


def test_validate_reports_violations_with_exit_1(tmp_path: Path) -> None:
    sc = write(tmp_path, TINY)
    out = tmp_path / "plan.json"
    assert runner.invoke(app, ["solve", str(sc), "--out", str(out), "--quiet"]).exit_code == 0
    plan = json.loads(out.read_text())
    plan["rounds"][0]["detainees"] = {"d": 2}  # one short of the 3:1 ratio, and incomplete
    out.write_text(json.dumps(plan))
    res = runner.invoke(app, ["validate", str(sc), str(out), "--json"])
    assert res.exit_code == 1
    rules = {v["rule"] for v in json.loads(res.stdout)["violations"]}
    assert {"ratio", "completeness"} <= rules


def test_validate_bad_plan_file_exits_2(tmp_path: Path) -> None:
    sc = write(tmp_path, TINY)
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps({"format": "exchange-plan/1", "scenario": "tiny"}))
    res = runner.invoke(app, ["validate", str(sc), str(bad)])
    assert res.exit_code == 2
    assert f"{bad}: status: required" in res.stderr


def test_schema_prints_json_schema() -> None:
    res = runner.invoke(app, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.stdout)
    assert {"captives", "rounds", "ratios", "phases"} <= set(schema["properties"])
    res = runner.invoke(app, ["schema", "--plan"])
    assert "rounds" in json.loads(res.stdout)["properties"]


@pytest.mark.parametrize("engine", ["cpsat", "milp-highs"])
def test_numbers_too_large_for_an_engine_exit_2_with_one_line(tmp_path: Path, engine: str) -> None:
    # Valid by the spec (every number <= 10^9) but 10^18 weighted hours overflow the engines.
    data = json.loads(json.dumps(TINY))
    data["horizon_hours"] = 10**9
    data["captives"][0].update(count=10**9, weight=10**9)
    data["detainees"] = []
    data["ratios"] = []
    sc = write(tmp_path, data)
    res = runner.invoke(app, ["solve", str(sc), "--engine", engine])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{sc}: ")
    assert "too large" in lines[0] or "overflow" in lines[0]


@pytest.mark.parametrize("engine", ["cpsat", "milp-highs", "milp-cbc"])
def test_every_engine_from_the_command_line(tmp_path: Path, engine: str) -> None:
    res = runner.invoke(app, ["solve", str(write(tmp_path, TINY)), "--engine", engine, "--json"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    assert plan["engine"] == engine
    assert plan["status"] == "optimal"
    assert plan["objective"] == TINY_OPTIMUM
