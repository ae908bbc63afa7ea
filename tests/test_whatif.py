"""What-if: compare and sweep (library and CLI), the parallel runner, plan diffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from models.loader import load_scenario, scenario_from_data
from models.plan import Plan
from planner import diff, whatif
from planner.cli import app
from planner.parallel import run_map
from planner.variants import variant_from_text

ROOT = Path(__file__).resolve().parent.parent
TEACHING = ROOT / "instances" / "teaching-basic.yaml"
runner = CliRunner()

# Two living captives, one site taking one per round, rounds 10 h apart lasting 2 h,
# 3 detainees per captive, no detainee lag: releases at hours 2 and 12.
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


def write(tmp_path: Path, data: dict, name: str = "sc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny():
    return scenario_from_data(TINY, "tiny")


# --------------------------------------------------------------------------- compare


def test_compare_tiny_exact_optimum_per_variant(tiny) -> None:
    variants = [
        # Starts at 0 and 20 (the gap): releases at 2 and 22, so 24 hours and makespan 22.
        variant_from_text("gap20: rounds.min_gap_hours=20"),
        # Both captives fit one round at hour 0: released at 2 each, 4 hours, one round.
        variant_from_text("two: sites[s].max_captives_per_round=2"),
        # Two captives at one a round need two rounds: no plan can exist.
        variant_from_text("one: rounds.max_rounds=1"),
    ]
    c = whatif.compare(tiny, variants, time_limit=20)
    assert c.names == ["base", "gap20", "two", "one"]
    assert c.kpis["status"] == ["optimal", "optimal", "optimal", "infeasible"]
    assert c.kpis["living_release_hours"] == [14, 24, 4, None]
    assert c.kpis["release_hours"] == [14, 24, 4, None]
    assert c.kpis["makespan"] == [12, 22, 2, None]
    assert c.kpis["rounds"] == [2, 2, 1, None]
    assert c.kpis["last_living_home_hour"] == [12, 22, 2, None]
    assert c.kpis["detainees_released"] == [6, 6, 6, None]
    assert c.kpis["peak site:s"] == ["1/1", "1/1", "2/2", None]
    assert c.scenarios[1].rounds.min_gap_hours == 20
    # Each round carries exactly 3 detainees (3 per captive, 6 in all), released at
    # its end (no lag): the diffs follow from the start hours alone.
    assert c.diffs["gap20"] == [
        {"round": "R2", "change": "start", "before": 10, "after": 20, "delta": 10},
        {"round": "R2", "change": "detainees out", "before": 12, "after": 22, "delta": 10},
    ]
    assert c.diffs["two"] == [
        {"round": "R1", "change": "captive a", "before": 1, "after": 2, "delta": 1},
        {"round": "R1", "change": "detainee d", "before": 3, "after": 6, "delta": 3},
        {
            "round": "R2",
            "change": "removed",
            "before": "s 10-12: 1 captives, 3 detainees",
            "after": "",
            "delta": None,
        },
    ]
    text = whatif.render_comparison(c)
    assert "living_release_hours   14       24       4        -" in text
    assert "No rounds to compare (base optimal, one infeasible)." in text
    doc = c.to_json_dict()
    assert doc["kpis"]["makespan"] == {"base": 12, "gap20": 22, "two": 2, "one": None}
    assert doc["variants"][0] == {"name": "gap20", "set": {"rounds.min_gap_hours": 20}}


def test_compare_refuses_bad_variants_before_solving(tiny) -> None:
    from models.errors import InputError

    with pytest.raises(InputError) as info:
        whatif.compare(tiny, [variant_from_text("x: rounds.max_rounds=0")], processes=1)
    assert str(info.value) == "variant 'x': rounds.max_rounds: must be >= 1"


def test_cli_compare_table_and_json(tmp_path: Path) -> None:
    sc = write(tmp_path, TINY)
    res = runner.invoke(
        app,
        ["compare", str(sc), "--variant", "rounds.min_gap_hours=20", "--processes", "1"],
    )
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    lines = res.stdout.splitlines()
    assert lines[0] == "Compare on 'tiny': base and 1 variant(s)"
    assert "living_release_hours   14       24" in res.stdout
    assert "Round by round: rounds.min_gap_hours=20 against base" in res.stdout
    assert "R2     start          10      20     10" in res.stdout

    vfile = tmp_path / "variants.yaml"
    vfile.write_text(
        "variants:\n  - {name: gap20, set: {rounds.min_gap_hours: 20}}\n", encoding="utf-8"
    )
    res = runner.invoke(
        app, ["compare", str(sc), "--variant", str(vfile), "--json", "--processes", "1"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["columns"] == ["base", "gap20"]
    assert doc["kpis"]["living_release_hours"] == {"base": 14, "gap20": 24}
    assert doc["plans"]["gap20"]["status"] == "optimal"
    assert doc["diffs"]["gap20"][0]["change"] == "start"


def test_cli_compare_shipped_instance_docs_example() -> None:
    # The worked example of docs/whatif.md: a 48-hour gap pushes every release later.
    res = runner.invoke(
        app,
        [
            "compare",
            str(TEACHING),
            "--variant",
            "gap48: rounds.min_gap_hours=48",
            "--variant",
            "rounds.open_hours=[6, 22]",
            "--time-limit",
            "20",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = {line.split("  ")[0]: line.split() for line in res.stdout.splitlines()}
    assert rows["living_release_hours"][1:] == ["144", "216", "132"]
    assert rows["makespan"][1:] == ["60", "108", "58"]
    assert rows["last_living_home_hour"][1:] == ["36", "60", "34"]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--variant", "rounds.min_gapp_hours=20"],
            "variant 'rounds.min_gapp_hours=20': rounds has no field 'min_gapp_hours' (did you "
            "mean 'min_gap_hours'? fields: max_rounds, duration_hours, min_gap_hours, "
            "detainee_lag_hours, open_hours)",
        ),
        (
            ["--variant", "ratios[q].per_captive=3"],
            "variant 'ratios[q].per_captive=3': ratios has no element with name 'q' (have: r)",
        ),
        (
            ["--variant", "rounds.max_rounds=0"],
            "variant 'rounds.max_rounds=0': rounds.max_rounds: must be >= 1",
        ),
        (
            ["--variant", "ok: rounds.max_rounds=2", "--variant", "ok: rounds.max_rounds=3"],
            "variant 'ok': this name is given twice",
        ),
        (
            ["--variant", "missing.yaml"],
            "missing.yaml: cannot read file: No such file or directory",
        ),
        ([], "--variant: give at least one variant, e.g. rounds.min_gap_hours=48"),
        (
            ["--variant", "rounds.max_rounds=2", "--engine", "magic"],
            "--engine: unknown engine 'magic' (choose from cpsat, milp-highs, milp-cbc)",
        ),
    ],
)
def test_cli_compare_bad_input_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], line: str
) -> None:
    monkeypatch.chdir(tmp_path)
    sc = write(tmp_path, TINY)
    res = runner.invoke(app, ["compare", str(sc), *args])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.splitlines() == [line]


# --------------------------------------------------------------------------- sweep

TINY_GRID_CSV = (
    "rounds.min_gap_hours,sites[s].max_captives_per_round,status,living_release_hours,"
    "release_hours,makespan,rounds,last_living_home_hour,detainees_released\n"
    "10,1,optimal,14,14,12,2,12,6\n"
    "10,2,optimal,4,4,2,1,2,6\n"
    "20,1,optimal,24,24,22,2,22,6\n"
    "20,2,optimal,4,4,2,1,2,6\n"
)


def test_cli_sweep_deterministic_for_a_seed(tmp_path: Path) -> None:
    sc = write(tmp_path, TINY)
    csvs = []
    # The first run solves in two worker processes, the second in this process: the
    # same seed gives the same CSV wherever the cells are solved.
    for run, processes in (("a", "2"), ("b", "1")):
        out = tmp_path / run / "sweep"
        res = runner.invoke(
            app,
            [
                "sweep",
                str(sc),
                "--set",
                "rounds.min_gap_hours=10,20",
                "--set",
                "sites[s].max_captives_per_round=1,2",
                "--seed",
                "3",
                "--processes",
                processes,
                "--out",
                str(out),
            ],
        )
        assert res.exit_code == 0, res.output
        assert res.stdout.startswith("rounds.min_gap_hours  sites[s].max_captives_per_round")
        assert (out / "sweep.html").read_text(encoding="utf-8").startswith("<!doctype html>")
        csvs.append((out / "sweep.csv").read_text(encoding="utf-8"))
    assert csvs[0] == csvs[1] == TINY_GRID_CSV


def test_sweep_one_axis_with_an_infeasible_cell(tiny, tmp_path: Path) -> None:
    result = whatif.sweep(tiny, [("rounds.max_rounds", [1, 2])], processes=1, time_limit=20)
    assert result.rows[0] == {
        "rounds.max_rounds": 1,
        "status": "infeasible",
        "living_release_hours": None,
        "release_hours": None,
        "makespan": None,
        "rounds": None,
        "last_living_home_hour": None,
        "detainees_released": None,
    }
    assert result.rows[1]["living_release_hours"] == 14
    assert whatif.csv_text(result).splitlines()[1] == "1,infeasible,,,,,,"
    assert len(result.seconds) == 2  # times kept, but not in the rows
    whatif.write_chart(result, tmp_path / "chart.html")
    assert "rounds.max_rounds" in (tmp_path / "chart.html").read_text(encoding="utf-8")


def test_sweep_list_values_split_at_top_level_commas(tmp_path: Path) -> None:
    sc = write(tmp_path, TINY)
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        ["sweep", str(sc), "--set", "rounds.open_hours=[0,24],[6,20]", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    lines = (out / "sweep.csv").read_text(encoding="utf-8").splitlines()
    # Rounds start at 6 and 16 with open hours [6, 20]: releases at 8 and 18.
    assert lines[1:] == ['"[0, 24]",optimal,14,14,12,2,12,6', '"[6, 20]",optimal,26,26,18,2,18,6']


@pytest.mark.parametrize(
    ("sets", "line"),
    [
        (
            ["rounds.max_rounds=2,3", "rounds.min_gap_hours=10", "rounds.duration_hours=2"],
            "sweep: give 1 or 2 parameters to sweep, not 3",
        ),
        (
            ["rounds.max_rounds=2", "rounds.max_rounds=3"],
            "sweep: parameter 'rounds.max_rounds' is given twice",
        ),
        (
            ["rounds.min_gapp_hours=10,20"],
            "variant 'rounds.min_gapp_hours=10': rounds has no field 'min_gapp_hours' (did you "
            "mean 'min_gap_hours'? fields: max_rounds, duration_hours, min_gap_hours, "
            "detainee_lag_hours, open_hours)",
        ),
        (
            ["rounds.max_rounds=2,0"],
            "variant 'rounds.max_rounds=0': rounds.max_rounds: must be >= 1",
        ),
        (
            ["rounds.max_rounds"],
            "variant 'rounds.max_rounds': expected PATH=V1,V2,..., e.g. "
            "rounds.min_gap_hours=12,24,48",
        ),
        ([], "--set: give one or two parameters, e.g. rounds.min_gap_hours=12,24,48"),
    ],
)
def test_cli_sweep_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, sets: list[str], line: str
) -> None:
    sc = write(tmp_path, TINY)
    out = tmp_path / "out"
    args = ["sweep", str(sc), "--out", str(out)]
    for s in sets:
        args += ["--set", s]
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.splitlines() == [line]
    assert not out.exists()


def test_cli_sweep_out_is_a_file(tmp_path: Path) -> None:
    sc = write(tmp_path, TINY)
    out = tmp_path / "taken"
    out.write_text("x", encoding="utf-8")
    res = runner.invoke(app, ["sweep", str(sc), "--set", "rounds.max_rounds=2", "--out", str(out)])
    assert res.exit_code == 2
    assert res.stdout == ""
    assert res.stderr.splitlines() == [f"--out: {out} exists and is not a folder"]


# --------------------------------------------------------------------------- Dask


def test_sweep_on_dask_local_cluster_equals_local(tiny) -> None:
    from distributed import Client, LocalCluster

    axes = [("rounds.min_gap_hours", [10, 20]), ("sites[s].max_captives_per_round", [1, 2])]
    local = whatif.sweep(tiny, axes, seed=1, time_limit=20)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = whatif.sweep(
            tiny, axes, seed=1, time_limit=20, scheduler=cluster.scheduler_address
        )
        with Client(cluster) as client:
            # An open client is used as it is (and left open), results in input order.
            assert run_map(abs, [-3, 1, -2], scheduler=client) == [3, 1, 2]
            assert client.status != "closed"
    assert remote.rows == local.rows
    assert whatif.csv_text(remote) == whatif.csv_text(local) == TINY_GRID_CSV


# --------------------------------------------------------------------------- parallel


def test_run_map_local_processes_keep_order_and_raise() -> None:
    assert run_map(abs, [-3, 1, -2, 5, -8]) == [3, 1, 2, 5, 8]
    assert run_map(abs, [-1, -2], processes=1) == [1, 2]
    assert run_map(abs, []) == []
    with pytest.raises(ValueError, match="invalid literal"):
        run_map(int, ["1", "x"], processes=2)
    with pytest.raises(ValueError, match="processes must be >= 1"):
        run_map(abs, [1], processes=0)


# --------------------------------------------------------------------------- diff


def _plan(*rounds: dict) -> Plan:
    return Plan(scenario="s", status="optimal", engine="cpsat", rounds=list(rounds))


def _round(index: int, site: str, start: int, out: int | None = None, **captives: int) -> dict:
    return {
        "index": index,
        "site": site,
        "start_hour": start,
        "end_hour": start + 2,
        "detainee_release_hour": out,
        "captives": captives,
        "detainees": {"d": 3} if out is not None else {},
    }


def test_plan_diff_rows_are_plain_values() -> None:
    a = _plan(_round(1, "n", 0, 2, x=1), _round(2, "s", 10, None, y=2))
    b = _plan(_round(1, "n", 0, 4, x=1), _round(2, "s", 12, 15, y=2), _round(3, "n", 20, None, x=1))
    assert diff.plan_diff(a, a) == []
    assert diff.plan_diff(a, b) == [
        {"round": "R1", "change": "detainees out", "before": 2, "after": 4, "delta": 2},
        {"round": "R2", "change": "start", "before": 10, "after": 12, "delta": 2},
        {"round": "R2", "change": "detainees out", "before": "-", "after": 15, "delta": None},
        {"round": "R2", "change": "detainee d", "before": 0, "after": 3, "delta": 3},
        {
            "round": "new R3",
            "change": "added",
            "before": "",
            "after": "n 20-22: 1 captives, 0 detainees",
            "delta": None,
        },
    ]
    pairs = diff.match_rounds(a, b)
    assert [(p and p.index, q and q.index) for p, q in pairs] == [(1, 1), (2, 2), (None, 3)]


def test_load_shipped_instance_for_docs() -> None:
    assert load_scenario(TEACHING).rounds.min_gap_hours == 24
