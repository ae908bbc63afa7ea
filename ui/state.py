"""The session's state: the scenario being edited, the solve running, the plans made.

Everything lives in ``st.session_state`` under the keys below; this module only
reads and writes them and calls :mod:`models` and :mod:`planner`.

``loaded``    scenario data as loaded (for "Reset edits")
``source``    where it came from (file name)
``base_general``, ``base_tables``
              form values and tables the Scenario page's widgets start from
``edit_general``, ``edit_tables``
              form values and tables as edited now (see :func:`enter_page`)
``gen``       generation of the Scenario page's widget keys; bumped on every rebuild
``data``      scenario data as edited now (assembled from the form values and tables)
``scenario``  the validated :class:`~models.scenario.Scenario` of ``data``, or None
``problems``  every problem of ``data`` (:class:`~models.errors.Problem`), empty when valid
``canonical`` ``scenario`` as canonical data (``scenario_to_data``), None when invalid
``plans``     every :class:`PlanRecord` of the session, oldest first
``job``       the :class:`SolveJob` running or just finished, or None
``selected``  name of the plan shown on the Plan page
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from models.errors import InputError, Problem
from models.loader import MAX_FILE_BYTES, parse_text, scenario_from_data, scenario_to_data
from models.plan import Plan
from models.scenario import Scenario
from planner.engine import Progress
from planner.solve import solve
from planner.validate import Violation
from ui import tables, views

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
DEFAULT_SCENARIO = "october-2025.yaml"


# --------------------------------------------------------------------------- scenarios


def shipped_scenarios() -> list[str]:
    """File names of the shipped scenarios, the default first."""
    names = sorted(p.name for p in INSTANCES.glob("*.yaml"))
    if DEFAULT_SCENARIO in names:
        names.remove(DEFAULT_SCENARIO)
        names.insert(0, DEFAULT_SCENARIO)
    return names


@st.cache_data(show_spinner=False, max_entries=32)
def _shipped_data(name: str, mtime: float) -> dict[str, Any]:
    """A shipped scenario as plain data (cached per file version)."""
    del mtime  # part of the cache key only
    path = INSTANCES / name
    return scenario_to_data(scenario_from_data(parse_text(path.read_text("utf-8"), name), name))


def shipped_data(name: str) -> dict[str, Any]:
    """A shipped scenario, loaded and checked, as plain data (a fresh copy)."""
    path = INSTANCES / name
    return _copy(_shipped_data(name, path.stat().st_mtime))


def _copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data


def read_upload(name: str, content: bytes) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Check an uploaded scenario file completely: size, encoding, YAML, every field.

    Returns the scenario as plain data, or None and every problem found.
    """
    if len(content) > MAX_FILE_BYTES:
        return None, [Problem("", f"file is larger than {MAX_FILE_BYTES} bytes")]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    try:
        scenario = scenario_from_data(parse_text(text, name), name)
    except InputError as exc:
        return None, exc.problems
    return scenario_to_data(scenario), []


def check(data: dict[str, Any], extra: list[Problem] | None = None) -> None:
    """Validate ``data`` and store it as the current scenario (or its problems)."""
    ss = st.session_state
    ss.data = data
    problems = list(extra or [])
    scenario = None
    try:
        scenario = scenario_from_data(data, ss.get("source", "scenario"))
    except InputError as exc:
        problems += exc.problems
    ss.scenario = None if problems else scenario
    ss.problems = problems
    ss.canonical = None if scenario is None or problems else scenario_to_data(scenario)


def load(data: dict[str, Any], source: str) -> None:
    """Make ``data`` the scenario of the session (from a shipped file or an upload)."""
    ss = st.session_state
    ss.loaded = _copy(data)
    ss.source = source
    ss.base_general = ss.edit_general = tables.general_of(_copy(data))
    ss.base_tables = ss.edit_tables = tables.to_tables(data)
    ss.gen = ss.get("gen", 0) + 1
    check(_copy(data))


def init() -> None:
    """First run of a session: the default scenario, no plans."""
    ss = st.session_state
    if "data" not in ss:
        ss.plans = []
        ss.job = None
        ss.last_page = None
        load(shipped_data(DEFAULT_SCENARIO), DEFAULT_SCENARIO)


def enter_page(name: str) -> bool:
    """Record the page shown; True when the previous run showed another page.

    The Scenario page then rebuilds its widgets from the latest edits: Streamlit
    forgets the state of widgets that a run did not draw, so widgets drawn again
    must start from the edited form values and tables (kept as they are, rows
    that belong nowhere yet included), under fresh keys.
    """
    ss = st.session_state
    entering = ss.get("last_page") != name
    ss.last_page = name
    if entering and name == "scenario":
        ss.base_general = ss.edit_general
        ss.base_tables = ss.edit_tables
        ss.gen = ss.get("gen", 0) + 1
    return entering


def edited() -> bool:
    """True when the current scenario means something else than the one loaded.

    Compared in canonical form (defaults left out, selectors as lists), so that
    rewriting a value in the form it already had is no edit; invalid data is one.
    """
    ss = st.session_state
    return ss.get("canonical") != ss.get("loaded")


# --------------------------------------------------------------------------- plans


@dataclass
class PlanRecord:
    """One solve of the session: its plan, the validator's verdict and how it was made."""

    name: str
    plan: Plan
    violations: list[Violation]
    scenario: Scenario
    settings: dict[str, Any]
    progress: list[Progress] = field(default_factory=list)
    edited: bool = False

    @property
    def has_plan(self) -> bool:
        return self.plan.has_plan

    # Frames are computed once per plan, then reused by every page.

    @cached_property
    def rounds_frame(self) -> pd.DataFrame:
        return views.rounds_frame(self.plan, self.scenario)

    @cached_property
    def phases_frame(self) -> pd.DataFrame:
        return views.phases_frame(self.plan, self.scenario)

    @cached_property
    def gantt_frame(self) -> pd.DataFrame:
        return views.gantt_frame(self.plan, self.scenario)

    @cached_property
    def curves(self) -> pd.DataFrame:
        return views.release_curves(self.plan, self.scenario)

    @cached_property
    def peak_frame(self) -> pd.DataFrame:
        return views.peak_frame(self.plan)


def plans() -> list[PlanRecord]:
    return st.session_state.get("plans", [])


def with_plans() -> list[PlanRecord]:
    """Records that carry a plan (status optimal or feasible)."""
    return [r for r in plans() if r.has_plan]


def find(name: str | None) -> PlanRecord | None:
    return next((r for r in plans() if r.name == name), None)


def next_name() -> str:
    """A default plan name: ``#3 october-2025 (edited)``."""
    source = Path(str(st.session_state.get("source") or "scenario")).stem
    return f"#{len(plans()) + 1} {source}" + (" (edited)" if edited() else "")


def unique_name(wanted: str) -> str:
    """``wanted``, or ``wanted (2)``, ... if a plan of the session has that name."""
    names = {r.name for r in plans()}
    name, k = wanted.strip() or "plan", 2
    base = name
    while name in names:
        name, k = f"{base} ({k})", k + 1
    return name


# --------------------------------------------------------------------------- solving


class SolveJob:
    """``planner.solve.solve`` on a background thread, with progress and a stop event."""

    def __init__(self, scenario: Scenario, name: str, settings: dict[str, Any], edited: bool):
        self.scenario = scenario
        self.name = name
        self.settings = dict(settings)
        self.edited = edited
        self.events: list[Progress] = []
        self.stop = threading.Event()
        self.result = None
        self.error: str | None = None
        self.started = time.monotonic()
        self.finished: float | None = None
        self.thread = threading.Thread(target=self._run, name="exchange-planner-solve", daemon=True)

    def _run(self) -> None:
        try:
            self.result = solve(
                self.scenario,
                engine=self.settings["engine"],
                time_limit=float(self.settings["time_limit"]),
                seed=int(self.settings["seed"]),
                workers=int(self.settings["workers"]),
                deterministic=bool(self.settings.get("deterministic", False)),
                on_progress=self.events.append,
                stop=self.stop,
            )
        except Exception as exc:  # shown on the page; the app must not crash
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.finished = time.monotonic()

    def start(self) -> SolveJob:
        self.thread.start()
        return self

    @property
    def done(self) -> bool:
        return self.finished is not None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the solve ends (tests, scripts); True when it has."""
        self.thread.join(timeout)
        return self.done


def start_solve(settings: dict[str, Any], name: str) -> SolveJob | None:
    """Start solving the current scenario, unless it is invalid or a solve is running."""
    ss = st.session_state
    job = ss.get("job")
    if ss.get("scenario") is None or (job is not None and not job.done):
        return None
    ss.job = SolveJob(ss.scenario, unique_name(name), settings, edited()).start()
    ss.last_outcome = None
    return ss.job


def collect() -> PlanRecord | None:
    """When the solve has ended: keep its plan in the session's list; return the record."""
    ss = st.session_state
    job: SolveJob | None = ss.get("job")
    if job is None or not job.done:
        return None
    ss.job = None
    if job.result is None:
        ss.last_outcome = {"error": job.error or "the solve ended without a result"}
        return None
    record = PlanRecord(
        name=job.name,
        plan=job.result.plan,
        violations=list(job.result.violations),
        scenario=job.scenario,
        settings=job.settings,
        progress=list(job.events),
        edited=job.edited,
    )
    ss.plans = [*plans(), record]
    ss.selected = record.name
    ss.last_outcome = {"name": record.name, "stopped": job.stop.is_set()}
    return record


def running() -> SolveJob | None:
    job = st.session_state.get("job")
    return job if job is not None and not job.done else None


def apply_edit(data: dict[str, Any]) -> None:
    """Make ``data`` the edited scenario (an edit of the one loaded, e.g. a repair applied).

    The Scenario page's widgets are rebuilt from it under fresh keys; ``loaded``
    stays, so the sidebar shows the scenario as edited.
    """
    ss = st.session_state
    ss.base_general = ss.edit_general = tables.general_of(_copy(data))
    ss.base_tables = ss.edit_tables = tables.to_tables(data)
    ss.gen = ss.get("gen", 0) + 1
    check(_copy(data))


def keep_plan(
    name: str,
    plan: Plan,
    violations: list[Violation],
    scenario: Scenario,
    settings: dict[str, Any],
) -> PlanRecord:
    """Add a plan made on another page (a replan) to the session's plans, and select it.

    The record is named ``name`` (made unique) and marked edited when the scenario
    is; the Plan and Compare pages then show it like any solved plan.
    """
    ss = st.session_state
    record = PlanRecord(
        name=unique_name(name),
        plan=plan,
        violations=list(violations),
        scenario=scenario,
        settings=dict(settings),
        edited=edited(),
    )
    ss.plans = [*plans(), record]
    ss.selected = record.name
    return record
