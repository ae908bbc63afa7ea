"""Property tests of what-if overrides, rule knobs and sweep axes, plus regressions.

1. Every scalar of a scenario (shipped instances, generated ones), reached by every
   spelling of its path (indices, ids, names, routes): setting it to its current value
   gives the same scenario; setting a number to another value does exactly what
   editing that one place of the data by hand does (or is refused, as that edit is).
2. Every knob of every rule in force (:func:`planner.rules.knobs`) applies without
   error for n = 1..min(3, most) (1 for switches) and changes exactly the element its
   rule names, also when ids and names are made of digits (a path reads those as
   indices).
3. :func:`planner.variants.describe` reads back through ``variant_from_text`` as the
   same overrides; :func:`planner.variants.parse_axis` splits at top-level commas only.

The oracles walk plain data on their own: they never ask the path resolver under test
where a path should land.
"""

from __future__ import annotations

import copy
import random
import re
import types
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from typer.testing import CliRunner

from models.errors import InputError
from models.loader import load_scenario, scenario_from_data, scenario_to_data
from models.scenario import Scenario
from planner import rules, whatif
from planner.cli import app
from planner.generate import generate
from planner.parallel import run_map
from planner.variants import (
    apply_overrides,
    describe,
    element_key,
    locations,
    parse_axis,
    split_top_level,
    value_text,
    variant_from_text,
)

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = sorted(p.name for p in (ROOT / "instances").glob("*.yaml"))
SOURCE = "<property>"

# derandomize: the same examples on every run (and no example database), so CI is stable.
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}

# Top-level lists whose elements a path may pick by a key, and which key.
KEYED = {
    "captives": "id",
    "detainees": "id",
    "sites": "id",
    "facilities": "id",
    "phases": "id",
    "ratios": "name",
    "packages": "name",
    "routes": "route",
}


@cache
def shipped(name: str) -> Scenario:
    return load_scenario(ROOT / "instances" / name)


@cache
def generated(size: int, seed: int) -> Scenario:
    return scenario_from_data(generate(size, seed), f"generate({size}, {seed})")


SCENARIOS = st.one_of(
    st.sampled_from(INSTANCES).map(shipped),
    st.builds(generated, st.integers(1, 3), st.integers(0, 30)),
)


# --------------------------------------------------------------------------- oracles


def _key_of(item: dict[str, Any], by: str) -> str:
    if by == "route":
        return f"{item['facility']}->{item['destination']}"
    return item[by]


def leaves(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], list[str], Any]]:
    """``(location, path spellings, value)`` of every scalar in scenario data."""
    out: list[tuple[tuple[Any, ...], list[str], Any]] = []

    def walk(node: Any, loc: tuple[Any, ...], spellings: list[str]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*loc, k), [f"{s}.{k}" if s else k for s in spellings])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                spell = [f"{s}[{i}]" for s in spellings]
                if len(loc) == 1 and loc[0] in KEYED:
                    key = _key_of(v, KEYED[loc[0]])
                    if key.strip() == key and "]" not in key and not re.fullmatch("[0-9]+", key):
                        spell += [f"{s}[{key}]" for s in spellings]
                walk(v, (*loc, i), spell)
        else:
            out.append((loc, spellings, node))

    walk(data, (), [""])
    return out


def put(data: dict[str, Any], loc: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at ``loc`` (None removes a mapping's key)."""
    data = copy.deepcopy(data)
    node: Any = data
    for step in loc[:-1]:
        node = node[step]
    if value is None and isinstance(node, dict):
        node.pop(loc[-1], None)
    else:
        node[loc[-1]] = value
    return data


def normal(data: dict[str, Any]) -> dict[str, Any]:
    """Data as the loader writes it back (defaults left out); InputError if invalid."""
    return scenario_to_data(scenario_from_data(data, SOURCE))


def typed(value: Any) -> Any:
    """A value with its types spelled out, so that 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return ("dict", tuple((typed(k), typed(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(typed(v) for v in value))
    return (type(value).__name__, value)


# --------------------------------------------------------------------------- 1. scalars


def _check_same_value_round_trips(sc: Scenario) -> None:
    """Every scalar, also those left at their defaults (a path may set those too)."""
    data = scenario_to_data(sc)
    full = sc.model_dump(mode="json", by_alias=True, exclude_none=True)
    for loc, spellings, value in leaves(full):
        if loc[-1] == "fraction" and "phase" in full[loc[0]][loc[1]][loc[2]][loc[3]]:
            continue  # a phase condition takes no fraction, not even the default
        for path in spellings:
            assert locations(sc, [(path, value)]) == [loc], path
            same = apply_overrides(sc, [(path, value)], source=SOURCE)
            assert scenario_to_data(same) == data, path
            text = f"{path}={value_text(value)}"
            assert scenario_to_data(apply_overrides(sc, [text], source=SOURCE)) == data, text


@pytest.mark.parametrize("name", INSTANCES)
def test_every_scalar_of_a_shipped_instance_set_to_itself(name: str) -> None:
    _check_same_value_round_trips(shipped(name))


@settings(max_examples=20, **SETTINGS)
@given(st.integers(1, 3), st.integers(0, 10**6))
def test_every_scalar_of_a_generated_scenario_set_to_itself(size: int, seed: int) -> None:
    _check_same_value_round_trips(scenario_from_data(generate(size, seed)))


def _sections() -> dict[str, type[BaseModel]]:
    """Fields of a scenario that hold one sub-model (``rounds``, ``vehicles``...), its class."""
    out = {}
    for name, f in Scenario.model_fields.items():
        union = get_origin(f.annotation) in (Union, types.UnionType)  # Vehicles | None
        for tp in (f.annotation, *(get_args(f.annotation) if union else ())):
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                out[f.alias or name] = tp
    return out


def absent_fields(sc: Scenario) -> list[str]:
    """Every top-level field and every field of a section that the scenario leaves out."""
    data = scenario_to_data(sc)
    out = [name for name in Scenario.model_fields if name not in data]
    for section, model in _sections().items():
        present = data.get(section, {})
        out += [
            f"{section}.{f.alias or n}"
            for n, f in model.model_fields.items()
            if (f.alias or n) not in present
        ]
    return out


@pytest.mark.parametrize("name", INSTANCES)
def test_null_on_anything_absent_changes_nothing(name: str) -> None:
    sc = shipped(name)
    data = scenario_to_data(sc)
    paths = absent_fields(sc)
    assert paths
    for path in paths:
        assert scenario_to_data(apply_overrides(sc, [f"{path}=null"])) == data, path


@settings(max_examples=150, **SETTINGS)
@given(SCENARIOS, st.data())
def test_a_number_set_to_another_value_changes_exactly_that_field(sc: Scenario, data) -> None:
    before = scenario_to_data(sc)
    numbers = [
        leaf
        for leaf in leaves(before)
        if isinstance(leaf[2], int | float) and not isinstance(leaf[2], bool)
    ]
    loc, spellings, value = data.draw(st.sampled_from(numbers), label="leaf")
    path = data.draw(st.sampled_from(spellings), label="path")
    if isinstance(value, float):  # a fraction, in (0, 1]
        new: Any = data.draw(st.sampled_from([0.25, 0.5, 0.75, 1.0]), label="new")
    else:
        new = value + data.draw(st.sampled_from([-3, -2, -1, 1, 2, 5, 24]), label="delta")
    assume(new != value and new >= 0)
    try:
        expected = normal(put(before, loc, new))
    except InputError:
        expected = None  # not a valid scenario: the override must be refused too
    try:
        edited = apply_overrides(sc, [(path, new)], source=SOURCE)
    except InputError as exc:
        # A validation error (named by the source), never a path error.
        assert exc.source == SOURCE, str(exc)
        assert expected is None, f"{path}={new} refused: {exc}"
        return
    assert expected is not None, f"{path}={new} accepted, but that edit is invalid"
    assert scenario_to_data(edited) == expected, path


# --------------------------------------------------------------------------- 2. knobs


def knob_location(sc: Scenario, knob: rules.Knob) -> tuple[Any, ...]:
    """Where a knob should land: the element its rule names, then its field path."""
    _, _, rule_key = knob.rule.partition(":")
    data = scenario_to_data(sc)
    loc: list[Any] = []
    first = True
    for name, key in re.findall(r"([A-Za-z_]+)|\[([^\]]*)\]", knob.path):
        if name:
            loc.append(name)
        elif first:  # the rule's element, found by its id or name
            by = KEYED[loc[0]]
            loc.append(next(i for i, x in enumerate(data[loc[0]]) if _key_of(x, by) == rule_key))
            first = False
        else:
            loc.append(int(key))
    return tuple(loc)


def _check_knobs(sc: Scenario) -> int:
    """Apply every knob of every rule; return how many overrides were checked."""
    before = scenario_to_data(sc)
    checked = 0
    for rule in rules.rule_words(sc):
        for knob in rules.knobs(sc, rule):
            where = knob_location(sc, knob)
            if "[" in knob.path:
                # The knob's name shows the element's id, as explain's slacks do.
                assert f"[{rule.partition(':')[2]}]" in knob.key, (knob.key, rule)
            for n in [1] if knob.values else range(1, min(3, knob.most) + 1):
                override = knob.override(n)
                edited = apply_overrides(sc, [override], source=SOURCE)
                expected = normal(put(before, where, knob.value(n)))
                assert scenario_to_data(edited) == expected, override
                checked += 1
    return checked


@pytest.mark.parametrize("name", INSTANCES)
def test_every_knob_of_a_shipped_instance_changes_its_own_element(name: str) -> None:
    assert _check_knobs(shipped(name)) > 0


def _selectors(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in data.get("ratios", []):
        out += [r["captives"], r.get("from", {})] + [ow["from"] for ow in r.get("of_which", [])]
    for p in data.get("packages", []):
        out += [p["captives"], p["detainees"]]
    out += (data.get("priority") or {}).get("tiers", [])
    for ph in data.get("phases", []):
        for a in ph.get("after", []):
            out += [a[k] for k in ("captives_released", "detainees_released") if k in a]
    return out


def digit_ids(data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The scenario with every id and name made of shuffled digits.

    References follow (detainees' and routes' facilities, phase conditions, the ``id``
    and ``facility`` attributes of selectors). Shuffled, an id read as an index picks
    another element.
    """
    data = copy.deepcopy(data)

    def renumber(items: list[dict[str, Any]], field: str) -> dict[str, str]:
        numbers = list(range(len(items)))
        rng.shuffle(numbers)
        names = {}
        for item, n in zip(items, numbers, strict=True):
            names[item[field]] = item[field] = str(n)
        return names

    shared = [i for k in ("captives", "detainees", "phases", "sites") for i in data.get(k, [])]
    ids = renumber(shared, "id")  # one namespace
    facilities = renumber(data.get("facilities", []), "id")
    renumber(data.get("ratios", []), "name")
    renumber(data.get("packages", []), "name")
    for item in data.get("detainees", []) + data.get("routes", []):
        if "facility" in item:
            item["facility"] = facilities.get(item["facility"], item["facility"])
    for ph in data.get("phases", []):
        for a in ph.get("after", []):
            if "phase" in a:
                a["phase"] = ids[a["phase"]]
    for sel in _selectors(data):
        for attr, names in (("id", ids), ("facility", facilities)):
            if attr in sel:
                sel[attr] = [names.get(v, v) for v in sel[attr]]
    return data


@settings(max_examples=30, **SETTINGS)
@given(SCENARIOS, st.randoms(use_true_random=False))
def test_knobs_with_digit_ids_change_their_own_element(sc: Scenario, rng: random.Random) -> None:
    renamed = scenario_from_data(digit_ids(scenario_to_data(sc), rng), "digits")
    _check_knobs(renamed)
    _check_same_value_round_trips(renamed)


def test_regression_knob_of_site_1_relaxes_site_1_not_the_site_at_index_1() -> None:
    # Before: sites[1].max_captives_per_round=4 (site "1" has 3), applied to index 1
    # (site "0", which has 5): the "relaxation" tightened another site to 4.
    data = scenario_to_data(shipped("teaching-basic.yaml"))
    data["sites"] = [
        {"id": "1", "max_captives_per_round": 3},
        {"id": "0", "max_captives_per_round": 5},
    ]
    sc = scenario_from_data(data)
    (knob,) = rules.knobs(sc, "site:1")
    assert knob.override(1) == "sites[0].max_captives_per_round=4"
    assert knob.key == "sites[1].max_captives_per_round"  # as slacks name it
    edited = apply_overrides(sc, [knob.override(1)])
    assert [s.max_captives_per_round for s in edited.sites] == [4, 5]
    assert element_key("1", 0) == "0"
    assert element_key("khan-younis", 3) == "khan-younis"
    assert element_key(" padded", 2) == element_key("a]b", 2) == "2"


# --------------------------------------------------------------------------- 3. text

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
KEYS = (
    st.text(
        st.characters(codec="utf-8", exclude_characters="]", exclude_categories=("Cs", "Cc")),
        min_size=1,
        max_size=6,
    )
    | st.text(st.sampled_from(list(";,=:[{}'\"\\# -ab1")), min_size=1, max_size=6)
).filter(lambda k: k.strip() != "")
PATHS = st.lists(
    st.tuples(NAMES, st.none() | KEYS).map(lambda t: t[0] if t[1] is None else f"{t[0]}[{t[1]}]"),
    min_size=1,
    max_size=4,
).map(".".join)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10)
# Characters that the splitting and quoting rules care about, often.
TRICKY = st.text(st.sampled_from(list(";,=:[]{}'\"\\# -ab1")), max_size=8)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | TEXT
    | TRICKY
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT | TRICKY, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=500, **SETTINGS)
@given(st.lists(st.tuples(PATHS, VALUES), min_size=1, max_size=3))
def test_describe_reads_back_as_the_same_overrides(overrides: list[tuple[str, Any]]) -> None:
    back = variant_from_text(describe(overrides)).overrides
    assert typed(back) == typed(tuple(overrides)), describe(overrides)


@settings(max_examples=500, **SETTINGS)
@given(TRICKY | SCALARS, SCALARS)
def test_describe_reads_back_scalars_between_two_overrides(first: Any, second: Any) -> None:
    overrides = [("description", first), ("rounds.open_hours", second)]
    back = variant_from_text(describe(overrides)).overrides
    assert typed(back) == typed(tuple(overrides)), describe(overrides)


def _compact(value: Any) -> str:
    """``[6,20]``: a list of numbers written without spaces."""
    return "[" + ",".join(str(v) for v in value) + "]"


AXIS_VALUES = st.lists(
    st.integers(0, 100).map(lambda v: (v, str(v)))
    | st.lists(st.integers(0, 24), min_size=1, max_size=3).map(lambda v: (v, _compact(v)))
    | VALUES.filter(lambda v: v is not None).map(lambda v: (v, value_text(v))),
    min_size=1,
    max_size=5,
)


@settings(max_examples=300, **SETTINGS)
@given(PATHS, AXIS_VALUES)
def test_parse_axis_splits_at_top_level_commas(path: str, pairs: list[tuple[Any, str]]) -> None:
    values = [v for v, _ in pairs]
    assume(not any(a == b for a, b in combinations(values, 2)))
    texts = [t for _, t in pairs]
    assert split_top_level(",".join(texts), ",") == texts
    got_path, got = parse_axis(f"{path}={','.join(texts)}")
    assert got_path == path
    assert typed(got) == typed(values)


# --------------------------------------------------------------------------- regressions


@pytest.fixture(scope="module")
def basic() -> Scenario:
    return shipped("teaching-basic.yaml")


@pytest.fixture(scope="module")
def buses() -> Scenario:
    return shipped("teaching-buses-infeasible.yaml")  # no detainee_lag_hours, no teams


def test_regression_a_path_into_a_default_list_starts_from_the_default(buses: Scenario) -> None:
    # Before: "rounds.detainee_lag_hours has no element [1] (it is empty)".
    assert "detainee_lag_hours" not in scenario_to_data(buses)["rounds"]
    edited = apply_overrides(buses, ["rounds.detainee_lag_hours[1]=8"])
    assert edited.rounds.detainee_lag_hours == (0, 8)


def test_regression_null_in_an_absent_section_changes_nothing(
    buses: Scenario, basic: Scenario
) -> None:
    # Before: "teams.count: required" (an empty teams section was added, then refused).
    assert buses.teams is None
    assert scenario_to_data(apply_overrides(buses, ["teams.count=null"])) == scenario_to_data(buses)
    # The path is still checked, and a present section still needs its fields.
    with pytest.raises(InputError, match="teams has no field 'cnt'"):
        apply_overrides(buses, ["teams.cnt=null"])
    with pytest.raises(InputError, match=r"teams\.count: required"):
        apply_overrides(basic, ["teams.count=null"])


def test_regression_a_key_given_twice_in_a_value_is_refused(basic: Scenario) -> None:
    # Before: silently the last one (count 30).
    with pytest.raises(InputError) as info:
        apply_overrides(basic, ["vehicles={count: 3, count: 30, seats: 5}"])
    assert str(info.value) == (
        "variant 'vehicles={count: 3, count: 30, seats: 5}': value '{count: 3, count: 30, "
        "seats: 5}' is not valid YAML: key 'count' is given twice"
    )


@pytest.mark.parametrize(
    ("text", "overrides"),
    [
        # Before: one override, description "it's; rounds.min_gap_hours=48", gap unchanged.
        (
            "description=it's; rounds.min_gap_hours=48",
            (("description", "it's"), ("rounds.min_gap_hours", 48)),
        ),
        ("description=a[b; horizon_hours=5", (("description", "a[b"), ("horizon_hours", 5))),
        (
            'description=say "hi; horizon_hours=5',
            (("description", 'say "hi'), ("horizon_hours", 5)),
        ),
        ("description='a;b'; horizon_hours=5", (("description", "a;b"), ("horizon_hours", 5))),
        (
            "description='it''s;x'; horizon_hours=5",
            (("description", "it's;x"), ("horizon_hours", 5)),
        ),
        ('vehicles={"count":3,"seats":5};x=1', (("vehicles", {"count": 3, "seats": 5}), ("x", 1))),
        ("captives[a;b].count=3; x=[1, 2]", (("captives[a;b].count", 3), ("x", [1, 2]))),
    ],
)
def test_regression_overrides_split_where_yaml_values_end(text: str, overrides: tuple) -> None:
    assert variant_from_text(text).overrides == overrides


def test_regression_describe_quotes_what_would_split_or_read_back_otherwise() -> None:
    # Before: "a;b" unquoted (two overrides on reading back), 1e-05 as "1e-05" (a string).
    assert value_text("a;b") == "'a;b'"
    assert value_text(1e-05) == "1.0e-05"
    assert value_text(0.5) == "0.5"
    ov = (("phases[0].after[0].fraction", 1e-05), ("description", 'a"b'), ("horizon_hours", 5))
    assert variant_from_text(describe(ov)).overrides == ov


def test_regression_parse_axis_plain_text_with_quote_or_bracket() -> None:
    assert parse_axis("description=it's,other") == ("description", ["it's", "other"])
    assert parse_axis("description=a[b,c") == ("description", ["a[b", "c"])
    assert parse_axis("rounds.open_hours=[6,20],[6,22]") == (
        "rounds.open_hours",
        [[6, 20], [6, 22]],
    )


def test_regression_a_key_matching_two_elements_is_refused(basic: Scenario) -> None:
    # Before: the first of the two was changed; the duplicate id was reported only
    # by validation, at the other element's index.
    with pytest.raises(InputError) as info:
        apply_overrides(
            basic, ["captives[1].id=living-elderly", "captives[living-elderly].count=3"]
        )
    assert str(info.value) == (
        "variant 'captives[living-elderly].count=3': captives has 2 elements with id "
        "'living-elderly'"
    )


def test_regression_only_ascii_digits_make_an_index(basic: Scenario) -> None:
    # Before: "٣" (Arabic-Indic three) was read as index 3.
    data = scenario_to_data(basic)
    data["captives"][0]["id"] = "٣"
    data["captives"].append({"id": "extra", "status": "deceased", "count": 1})
    sc = scenario_from_data(data)
    edited = apply_overrides(sc, ["captives[٣].count=5"])
    assert [c.count for c in edited.captives] == [5, 4, 2, 1]


# --------------------------------------------------------------------------- sweep axes

TINY = {
    "format": "exchange-scenario/1",
    "name": "tiny",
    "horizon_hours": 48,
    "captives": [{"id": "a", "status": "living", "count": 2}],
    "detainees": [{"id": "d", "status": "living", "count": 6, "facility": "f", "destination": "g"}],
    "rounds": {"max_rounds": 3, "duration_hours": 2, "min_gap_hours": 10},
    "sites": [{"id": "s", "max_captives_per_round": 1}],
    "facilities": [{"id": "f"}],
    "routes": [{"facility": "f", "destination": "g", "hours": 1}],
    "vehicles": {"count": 2, "seats": 5},
    "ratios": [{"name": "r", "captives": {}, "per_captive": 3}],
}


@pytest.mark.parametrize(
    ("axes", "line"),
    [
        # Before: the second axis overwrote the first in every cell; the grid was
        # labelled with values of the first that were never solved.
        (
            [("sites[0].max_captives_per_round", [1, 2]), ("sites[s].max_captives_per_round", [2])],
            "sweep: parameters 'sites[0].max_captives_per_round' and "
            "'sites[s].max_captives_per_round' name the same field",
        ),
        (
            [("vehicles.count", [1, 2]), ("vehicles", [{"count": 3, "seats": 5}])],
            "sweep: parameters 'vehicles.count' and 'vehicles' overlap (one is inside the other)",
        ),
        # Before: the 'rounds' column held the figure, not the parameter.
        (
            [("rounds", [{"max_rounds": 2, "duration_hours": 2}])],
            "sweep: parameter 'rounds' is also a result column: sweep one of its fields",
        ),
        (
            [("rounds.max_rounds", [2, 3, 2])],
            "sweep: parameter 'rounds.max_rounds' has the value 2 twice",
        ),
    ],
)
def test_regression_sweep_refuses_axes_that_would_mislabel_the_grid(
    axes: list, line: str, tmp_path: Path
) -> None:
    sc = scenario_from_data(TINY, "tiny")
    with pytest.raises(InputError) as info:
        whatif.sweep(sc, axes, processes=1)
    assert info.value.lines() == [line]
    # The command line: exit 2, one line, nothing on stdout, no file.
    path = tmp_path / "sc.yaml"
    path.write_text(yaml.safe_dump(TINY), encoding="utf-8")
    out = tmp_path / "out"
    args = ["sweep", str(path), "--out", str(out)]
    for p, values in axes:
        args += ["--set", f"{p}={','.join(value_text(v) for v in values)}"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert res.stdout == ""
    if "twice" in line:  # the command line reads the values first
        line = "variant 'rounds.max_rounds=2,3,2': value 2 is given twice"
    assert res.stderr.splitlines() == [line]
    assert not out.exists()


def test_regression_a_malformed_scheduler_address_is_an_oserror() -> None:
    # Before: Dask's ValueError escaped the CLI as a traceback (exit 1).
    with pytest.raises(OSError, match=r"not a scheduler address \(missing port number"):
        run_map(abs, [1], scheduler="nonsense")


def test_regression_a_null_parameter_value_is_written_null_not_empty() -> None:
    # Before: "" in the CSV and "-" in the table, as for a cell without a plan.
    result = whatif.SweepResult(
        base="b",
        axes=[("vehicles", [None, {"count": 2, "seats": 30}])],
        columns=["vehicles", "status", "makespan"],
        rows=[
            {"vehicles": None, "status": "unknown", "makespan": None},
            {"vehicles": {"count": 2, "seats": 30}, "status": "optimal", "makespan": 60},
        ],
        plans=[],
        seconds=[],
    )
    assert whatif.csv_text(result).splitlines() == [
        "vehicles,status,makespan",
        "null,unknown,",
        '"{count: 2, seats: 30}",optimal,60',
    ]
    assert whatif.render_sweep(result).splitlines()[2].split() == ["null", "unknown", "-"]
