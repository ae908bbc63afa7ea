"""Overrides by dotted path: the grammar, the values set, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.errors import InputError
from models.loader import load_scenario, scenario_from_data, scenario_to_data
from models.scenario import Scenario
from planner.variants import (
    Variant,
    apply_overrides,
    describe,
    load_variant_file,
    parse_axis,
    parse_override,
    split_top_level,
    value_text,
    variant_from_text,
    variants_from_args,
)

ROOT = Path(__file__).resolve().parent.parent

# Never solved here: a scenario with one of every kind of list and section, so that
# every kind of path (ids, names, routes, nested lists, selectors) has a target.
RICH_YAML = """
format: exchange-scenario/1
name: rich
start: 2030-01-01T00:00:00+00:00
horizon_hours: 240
captives:
  - {id: living-civilians, status: living, category: civilian, count: 3}
  - {id: living-soldiers, status: living, category: soldier, count: 2}
  - {id: deceased, status: deceased, category: remains, count: 1}
detainees:
  - {id: life, status: living, category: life, count: 40, facility: ofer, destination: west-bank}
  - {id: short, status: living, category: short, count: 150, facility: ketziot, destination: gaza}
  - {id: extra, status: living, category: extra, count: 5, facility: ketziot, destination: gaza}
rounds: {max_rounds: 4, duration_hours: 3, min_gap_hours: 24, detainee_lag_hours: [0, 4]}
sites: [{id: main, max_captives_per_round: 4, zones: [south]}]
facilities: [{id: ofer, max_releases_per_day: 200}, {id: ketziot}]
routes:
  - {facility: ofer, destination: west-bank, hours: 2}
  - {facility: ketziot, destination: gaza, hours: 4}
vehicles: {count: 10, seats: 50}
ratios:
  - name: civilian-30
    captives: {status: living, category: civilian}
    per_captive: 30
    from: {category: [life, short]}
    of_which: [{from: {category: life}, count: 5}]
  - name: soldier-50
    captives: {status: living, category: soldier}
    per_captive: 50
    from: {category: [life, short]}
packages:
  - {name: all-living, captives: {status: living}, detainees: {category: life}, within_hours: 24}
phases:
  - {id: ceasefire, duration_hours: 0}
  - id: pullback-1
    duration_hours: 24
    deadline_hour: 200
    after:
      - {phase: ceasefire}
      - {captives_released: {status: living}, fraction: 0.5, lag_hours: 12}
priority: {mode: hard, tiers: [{status: living, category: civilian}, {status: living}]}
"""


@pytest.fixture(scope="module")
def rich() -> Scenario:
    return scenario_from_data(yaml.safe_load(RICH_YAML), "rich")


GOOD: list[tuple[str, Any, Any]] = [
    ("rounds.min_gap_hours=48", lambda s: s.rounds.min_gap_hours, 48),
    ("horizon_hours=1200", lambda s: s.horizon_hours, 1200),
    ("captives[0].count=5", lambda s: s.captives[0].count, 5),
    (
        "captives[living-civilians].deadline_hour=96",
        lambda s: s.captives[0].deadline_hour,
        96,
    ),
    ("ratios[soldier-50].per_captive=30", lambda s: s.ratios[1].per_captive, 30),
    ("ratios[civilian-30].of_which[0].count=3", lambda s: s.ratios[0].of_which[0].count, 3),
    ("ratios[1].from.category=life", lambda s: s.ratios[1].from_, {"category": ["life"]}),
    (
        "ratios[civilian-30].captives={status: living}",
        lambda s: s.ratios[0].captives,
        {"status": ["living"]},
    ),
    ("routes[ofer->west-bank].hours=5", lambda s: s.routes[0].hours, 5),
    ("routes[1].hours=7", lambda s: s.routes[1].hours, 7),
    ("phases[pullback-1].after[1].lag_hours=6", lambda s: s.phases[1].after[1].lag_hours, 6),
    ("phases[pullback-1].after[1]=null", lambda s: len(s.phases[1].after), 1),
    ("vehicles.count=30", lambda s: s.vehicles.count, 30),
    ("vehicles=null", lambda s: s.vehicles, None),
    ("vehicles={count: 3, seats: 50}", lambda s: (s.vehicles.count, s.vehicles.seats), (3, 50)),
    # Absent in the data (left at its default) but a field of the model: may be set.
    ("teams.count=2", lambda s: s.teams.count, 2),
    ("reception.max_living_per_day=3", lambda s: s.reception.max_living_per_day, 3),
    ("rounds.open_hours=[6, 22]", lambda s: s.rounds.open_hours, (6, 22)),
    ("rounds.detainee_lag_hours[1]=8", lambda s: s.rounds.detainee_lag_hours, (0, 8)),
    ("rounds.min_gap_hours=null", lambda s: s.rounds.min_gap_hours, 0),
    ("objective=[makespan]", lambda s: s.objective, ["makespan"]),
    ("priority.mode=soft", lambda s: s.priority.mode, "soft"),
    ("priority.tiers[0]={status: living}", lambda s: s.priority.tiers[0], {"status": ["living"]}),
    ("priority.tiers[1].category=soldier", lambda s: s.priority.tiers[1]["category"], ["soldier"]),
    ("sites[main].zones=null", lambda s: s.sites[0].zones, None),
    (
        "facilities[ketziot].max_releases_per_day=100",
        lambda s: s.facilities[1].max_releases_per_day,
        100,
    ),
    ("packages[all-living].within_hours=48", lambda s: s.packages[0].within_hours, 48),
    ("detainees[extra]=null", lambda s: [d.id for d in s.detainees], ["life", "short"]),
    ("start=null", lambda s: s.start, None),
    ("name='48'", lambda s: s.name, "48"),
    ("  rounds.max_rounds = 6 ", lambda s: s.rounds.max_rounds, 6),
]


@pytest.mark.parametrize(("override", "get", "expected"), GOOD, ids=[g[0] for g in GOOD])
def test_good_paths_set_the_field(rich: Scenario, override: str, get, expected) -> None:
    before = scenario_to_data(rich)
    edited = apply_overrides(rich, [override])
    assert get(edited) == expected
    assert scenario_to_data(rich) == before  # the base is left as it was


def test_tuple_overrides_and_several_in_order(rich: Scenario) -> None:
    edited = apply_overrides(
        rich, [("rounds.min_gap_hours", 12), "rounds.min_gap_hours=36", ("teams", {"count": 2})]
    )
    assert edited.rounds.min_gap_hours == 36
    assert edited.teams is not None and edited.teams.count == 2


BAD: list[tuple[str, str]] = [
    (
        "ratios[soldier-5O].per_captive=30",
        "variant 'ratios[soldier-5O].per_captive=30': ratios has no element with name "
        "'soldier-5O' (have: civilian-30, soldier-50)",
    ),
    (
        "rounds.min_gapp_hours=48",
        "variant 'rounds.min_gapp_hours=48': rounds has no field 'min_gapp_hours' (did you "
        "mean 'min_gap_hours'? fields: max_rounds, duration_hours, min_gap_hours, "
        "detainee_lag_hours, open_hours)",
    ),
    (
        "captives[7].count=3",
        "variant 'captives[7].count=3': captives has no element [7] (it has 3: [0] to [2])",
    ),
    (
        "captives[nobody].count=3",
        "variant 'captives[nobody].count=3': captives has no element with id 'nobody' "
        "(have: living-civilians, living-soldiers, deceased)",
    ),
    (
        "phases[ceasefire].after[0].lag_hours=1",
        "variant 'phases[ceasefire].after[0].lag_hours=1': phases[ceasefire].after has no "
        "element [0] (it is empty)",
    ),
    (
        "routes[ofer-west-bank].hours=1",
        "variant 'routes[ofer-west-bank].hours=1': routes has no element with "
        "facility->destination 'ofer-west-bank' (have: ofer->west-bank, ketziot->gaza; "
        "a route is keyed FACILITY->DESTINATION)",
    ),
    (
        "ratios[0].from_.category=life",
        "variant 'ratios[0].from_.category=life': ratios[0] has no field 'from_' (did you "
        "mean 'from'? fields: name, captives, per_captive, from, of_which)",
    ),
    (
        "ratios.per_captive=3",
        "variant 'ratios.per_captive=3': ratios is a list: pick an element first, "
        "e.g. ratios[0].per_captive",
    ),
    (
        "rounds.max_rounds.value=3",
        "variant 'rounds.max_rounds.value=3': rounds.max_rounds is a single value and has "
        "no field 'value'",
    ),
    (
        "rounds[0].max_rounds=3",
        "variant 'rounds[0].max_rounds=3': rounds is not a list, so [0] picks nothing",
    ),
    (
        "priority.tiers[first]={status: living}",
        "variant 'priority.tiers[first]={status: living}': priority.tiers has no element "
        "'first': pick its elements by index ([0], [1]...)",
    ),
    (
        "ratios[0].captives.colour=red",
        "variant 'ratios[0].captives.colour=red': ratios[0].captives is a selector and has "
        "no attribute 'colour' (attributes: id, status, category, zone, facility, destination)",
    ),
    (
        "horizon=100",
        "variant 'horizon=100': the scenario has no field 'horizon' (did you mean "
        "'horizon_hours'? fields: format, name, description, start, horizon_hours, captives, "
        "detainees, rounds, sites, facilities, routes, vehicles, teams, reception, ratios, "
        "packages, phases, priority, objective)",
    ),
    (
        "rounds.min_gap_hours",
        "variant 'rounds.min_gap_hours': expected PATH=VALUE, e.g. rounds.min_gap_hours=48",
    ),
    ("=48", "variant '=48': empty path before '='"),
    (
        "rounds.min_gap_hours=",
        "variant 'rounds.min_gap_hours=': no value after '=' (write null to remove a field)",
    ),
    (
        "rounds..min_gap_hours=1",
        "variant 'rounds..min_gap_hours=1': path 'rounds..min_gap_hours': expected a field "
        "name at '.min_gap_hours'",
    ),
    ("rounds[=1", "variant 'rounds[=1': path 'rounds[': '[' without ']'"),
    (
        "rounds.open_hours=[6, 22",
        "variant 'rounds.open_hours=[6, 22': value '[6, 22' is not valid YAML: expected ',' "
        "or ']', but got '<stream end>'",
    ),
    # Paths that exist, values that fail validation: the loader's message and field path.
    ("rounds.max_rounds=0", "variant 'rounds.max_rounds=0': rounds.max_rounds: must be >= 1"),
    ("vehicles.count=null", "variant 'vehicles.count=null': vehicles.count: required"),
    (
        "captives[0].count=three",
        "variant 'captives[0].count=three': captives[0].count: must be a whole number",
    ),
    (
        "rounds.open_hours=[22, 6]",
        "variant 'rounds.open_hours=[22, 6]': rounds.open_hours: from 22 must be before to 6",
    ),
    (
        "captives[deceased].status=alive",
        "variant 'captives[deceased].status=alive': captives[2].status: must be 'living' or "
        "'deceased'",
    ),
]


@pytest.mark.parametrize(("override", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_paths_and_values_are_refused_in_one_line(
    rich: Scenario, override: str, message: str
) -> None:
    with pytest.raises(InputError) as info:
        apply_overrides(rich, [override], source=f"variant '{override.strip()}'")
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_a_later_override_cannot_walk_into_an_earlier_plain_value(rich: Scenario) -> None:
    with pytest.raises(InputError) as info:
        apply_overrides(rich, ["vehicles=5", "vehicles.count=3"])
    assert (
        str(info.value) == "variant 'vehicles.count=3': vehicles is 5, not a mapping with 'count'"
    )


def test_validation_errors_name_the_source(rich: Scenario) -> None:
    with pytest.raises(InputError) as info:
        apply_overrides(rich, [("rounds.max_rounds", 0)])
    assert info.value.lines() == ["<variant>: rounds.max_rounds: must be >= 1"]


def test_parse_override_reads_values_as_yaml() -> None:
    assert parse_override("rounds.min_gap_hours=48") == ("rounds.min_gap_hours", 48)
    assert parse_override("priority.mode=soft") == ("priority.mode", "soft")
    assert parse_override("rounds.open_hours=[6, 20]") == ("rounds.open_hours", [6, 20])
    assert parse_override("vehicles=null") == ("vehicles", None)
    assert parse_override("vehicles={count: 3, seats: 50}") == (
        "vehicles",
        {"count": 3, "seats": 50},
    )
    # '=' inside a key does not split; the first '=' outside brackets does.
    assert parse_override("name=a=b") == ("name", "a=b")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rounds.min_gap_hours=48",
            Variant("rounds.min_gap_hours=48", (("rounds.min_gap_hours", 48),)),
        ),
        (
            "rounds.min_gap_hours=48;vehicles.count=30",
            Variant(
                "rounds.min_gap_hours=48; vehicles.count=30",
                (("rounds.min_gap_hours", 48), ("vehicles.count", 30)),
            ),
        ),
        (
            "gap48: rounds.min_gap_hours=48; vehicles={count: 3, seats: 50}",
            Variant(
                "gap48",
                (("rounds.min_gap_hours", 48), ("vehicles", {"count": 3, "seats": 50})),
            ),
        ),
        (
            "open: rounds.open_hours=[6, 22];",
            Variant("open", (("rounds.open_hours", [6, 22]),)),
        ),
        (
            "routes[ofer->west-bank].hours=5",
            Variant("routes[ofer->west-bank].hours=5", (("routes[ofer->west-bank].hours", 5),)),
        ),
    ],
)
def test_variant_from_text(text: str, expected: Variant) -> None:
    v = variant_from_text(text)
    assert v == expected
    # The label reads back as the same overrides.
    assert variant_from_text(describe(v.overrides)).overrides == v.overrides


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "base: rounds.min_gap_hours=48",
            "variant 'base: rounds.min_gap_hours=48': 'base' names the base scenario; "
            "choose another name",
        ),
        (
            ": rounds.min_gap_hours=48",
            "variant ': rounds.min_gap_hours=48': empty variant name before ':'",
        ),
        (
            "gap48:",
            "variant 'gap48:': no overrides: expected PATH=VALUE, e.g. rounds.min_gap_hours=48",
        ),
        ("a=1;b", "variant 'b': expected PATH=VALUE, e.g. rounds.min_gap_hours=48"),
    ],
)
def test_variant_from_text_refuses(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        variant_from_text(text)
    assert str(info.value) == message


def test_value_text_and_describe() -> None:
    assert value_text(48) == "48"
    assert value_text(None) == "null"
    assert value_text(True) == "true"
    assert value_text("soft") == "soft"
    assert value_text("48") == "'48'"  # would read back as a number otherwise
    assert value_text([6, 22]) == "[6, 22]"
    assert value_text({"count": 3, "seats": 50}) == "{count: 3, seats: 50}"
    assert describe([("rounds.min_gap_hours", 48)]) == "rounds.min_gap_hours=48"
    assert describe(["a=1 ", ("b", [1, 2])]) == "a=1; b=[1, 2]"


def test_split_and_parse_axis() -> None:
    assert split_top_level("[6,20],[6,22]", ",") == ["[6,20]", "[6,22]"]
    assert split_top_level("'a,b',{x: 1, y: 2}", ",") == ["'a,b'", "{x: 1, y: 2}"]
    assert parse_axis("rounds.open_hours=[6,20],[6,22]") == (
        "rounds.open_hours",
        [[6, 20], [6, 22]],
    )
    assert parse_axis("rounds.min_gap_hours=12, 24,48") == ("rounds.min_gap_hours", [12, 24, 48])
    with pytest.raises(InputError, match=r"^variant 'a\.b=1,1': value 1 is given twice$"):
        parse_axis("a.b=1,1")
    with pytest.raises(InputError, match="no value after '='"):
        parse_axis("a.b=1,,2")


def test_variant_file_yaml_and_json(tmp_path: Path) -> None:
    data = {
        "variants": [
            {"name": "gap48", "set": {"rounds.min_gap_hours": 48}},
            {"set": {"vehicles": None, "teams.count": 2}},
        ]
    }
    for path in (tmp_path / "v.yaml", tmp_path / "v.json"):
        text = yaml.safe_dump(data, sort_keys=False) if path.suffix == ".yaml" else json.dumps(data)
        path.write_text(text, encoding="utf-8")
        assert load_variant_file(path) == [
            Variant("gap48", (("rounds.min_gap_hours", 48),)),
            Variant("vehicles=null; teams.count=2", (("vehicles", None), ("teams.count", 2))),
        ]
    both = variants_from_args([str(tmp_path / "v.yaml"), "tight: rounds.max_rounds=3"])
    assert [v.name for v in both] == ["gap48", "vehicles=null; teams.count=2", "tight"]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (
            "- {set: {a: 1}}\n",
            "expected a mapping {variants: [{name: ..., set: {PATH: VALUE}}, ...]}",
        ),
        (
            "name: x\nset: {a: 1}\n",
            "expected a mapping {variants: [{name: ..., set: {PATH: VALUE}}, ...]}",
        ),
        ("variants: []\n", "variants: must be a non-empty list"),
        ("variants: [3]\n", "variants[0]: must be a mapping {name: ..., set: ...}"),
        ("variants: [{name: x}]\n", "variants[0].set: required: a non-empty mapping PATH: VALUE"),
        ("variants: [{set: {a: 1}, sett: 2}]\n", "variants[0].sett: unknown field"),
        (
            "variants: [{name: base, set: {a: 1}}]\n",
            "variants[0].name: 'base' names the base scenario",
        ),
        (
            "variants: [{set: {'a..b': 1}}]\n",
            "variants[0].set: path 'a..b': expected a field name at '.b'",
        ),
        (
            "variants: [{set: {a: 1}}\n",
            "line 2, column 1: not valid YAML/JSON: expected ',' or ']', but got '<stream end>'",
        ),
    ],
)
def test_variant_file_refused_in_one_line_naming_the_file(
    tmp_path: Path, content: str, line: str
) -> None:
    path = tmp_path / "v.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_variant_file(path)
    assert info.value.lines() == [f"{path}: {line}"]


def test_missing_variant_file_and_duplicate_names(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read file"):
        variants_from_args([str(tmp_path / "none.yaml")])
    with pytest.raises(InputError) as info:
        variants_from_args(["x: a=1", "x: b=2"])
    assert str(info.value) == "variant 'x': this name is given twice"


def test_shipped_instance_round_trips() -> None:
    base = load_scenario(ROOT / "instances" / "teaching-basic.yaml")
    same = apply_overrides(base, [])
    assert scenario_to_data(same) == scenario_to_data(base)
    edited = apply_overrides(base, ["ratios[ten-per-living-captive].of_which[0].count=4"])
    assert edited.ratios[0].of_which[0].count == 4
