"""Pure helpers of the Scoreboard page: replan and stress results as tables (no Streamlit here).

Every figure comes from :mod:`planner.replan` and :mod:`planner.stress`; these only
read the inputs the page is given and lay the answers out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from models.errors import InputError, Problem
from models.execution import Execution, execution_from_data
from models.loader import MAX_FILE_BYTES, parse_text, plan_from_data
from models.plan import Plan
from models.scenario import Scenario
from planner.replan import Disruption, Milestone
from planner.stress import StressResult
from ui import views

ROOT = Path(__file__).resolve().parent.parent
EXECUTIONS = ROOT / "instances" / "executions"
# The shipped example: what happened in the first three days of the October 2025 plan.
EXAMPLE_EXECUTION = EXECUTIONS / "october-2025-day3.yaml"
EXAMPLE_PLAN = EXECUTIONS / "october-2025-plan.json"
# Source name of an execution written in the page's text area (for error lines).
TEXT_SOURCE = "<execution>"
# Source name of the delay spec typed on the page (for its error line).
DELAYS_SOURCE = "delays"

STATES = ("met", "missed", "at_risk", "on_track")
STATE_WORDS = {"met": "met", "missed": "missed", "at_risk": "at risk", "on_track": "on track"}
# Plain symbols (no colour emoji): they show in every browser font and in the screenshots.
STATE_ICONS = {"met": "✔", "missed": "✘", "at_risk": "⚠", "on_track": "●"}
STATE_COLORS = {
    "met": "background-color: #d4edda",
    "missed": "background-color: #f8d7da",
    "at_risk": "background-color: #fff3b0",
    "on_track": "background-color: #dbe9f6",
}
SCOREBOARD_COLUMNS = [
    "state",
    "milestone",
    "due",
    "done",
    "planned",
    "published",
    "slack",
    "note",
]


# --------------------------------------------------------------------------- inputs


def decode_upload(name: str, content: bytes) -> tuple[str | None, list[str]]:
    """An uploaded file as text, or None and one line saying why it cannot be read."""
    if len(content) > MAX_FILE_BYTES:
        return None, [Problem("", f"file is larger than {MAX_FILE_BYTES} bytes").render(name)]
    try:
        return content.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [
            Problem("", f"not UTF-8 text ({exc.reason} at byte {exc.start})").render(name)
        ]


def read_plan(text: str, source: str) -> Plan:
    """A plan JSON (or YAML) text, structure checked; ``InputError`` with one line per problem."""
    return plan_from_data(parse_text(text, source), source)


def read_execution(text: str, source: str = TEXT_SOURCE) -> Execution:
    """An execution text (``exchange-execution/1``), structure checked; ``InputError`` else."""
    return execution_from_data(parse_text(text, source), source)


def example_plan() -> Plan | None:
    """The shipped example's published plan, or None when it cannot be read."""
    try:
        return read_plan(EXAMPLE_PLAN.read_text("utf-8"), EXAMPLE_PLAN.name)
    except (OSError, InputError):
        return None


def example_text() -> str:
    """The shipped example's execution file, as text."""
    return EXAMPLE_EXECUTION.read_text("utf-8")


def execution_template(scenario: Scenario) -> str:
    """A small valid execution for ``scenario``: nothing happened yet, with commented examples.

    The examples use the scenario's own ids (first site, cohorts and phase), so that
    uncommenting and editing them gives a record the scenario knows.
    """
    site = scenario.sites[0].id if scenario.sites else "SITE"
    captive = scenario.captives[0].id if scenario.captives else "CAPTIVE-COHORT"
    detainee = scenario.detainees[0].id if scenario.detainees else None
    name = yaml.safe_dump({"scenario": scenario.name}, allow_unicode=True, width=10**6).strip()
    lines = [
        "format: exchange-execution/1",
        name,
        "now_hour: 0          # the first hour that has not happened yet",
        "rounds: []           # every round that started before now_hour, in start order:",
        f"#  - site: {site}",
        "#    start_hour: 42",
        f"#    captives: {{{captive}: 1}}",
    ]
    if detainee is not None:
        lines += [
            f"#    detainees: {{{detainee}: 3}}",
            "#    detainee_release_hour: 47   # required when the round moves detainees",
        ]
    if scenario.phases:
        pid = scenario.phases[0].id
        lines += [
            "phases: {}           # started or late phases, for example:",
            f"#  {pid}: {{start_hour: 0}}          # started then",
            f"#  {pid}: {{earliest_start: 120}}    # not started, not before hour 120",
        ]
    else:
        lines.append("phases: {}")
    lines += [
        "site_closures: []    # sites that take no new round for a while, for example:",
        f"#  - {{site: {site}, from_hour: 72, until_hour: 240}}   # until_hour optional",
    ]
    return "\n".join(lines) + "\n"


def from_hour_of(plan: Plan) -> int:
    """The ``now_hour`` of a replanned plan (``manifest.replan``), else 0."""
    info = (plan.manifest or {}).get("replan") or {}
    hour = info.get("now_hour")
    return hour if isinstance(hour, int) else 0


def keep_name(plan: Plan) -> str:
    """The name offered for a replanned plan kept in the session: ``replan at hour 72``."""
    return f"replan at hour {from_hour_of(plan)}"


def replan_status_words(status: str) -> str:
    """The replan's status as a sentence (infeasible: given the facts, not the scenario alone)."""
    if status == "infeasible":
        return (
            "Infeasible: given what has happened, no plan for the rest can respect every rule "
            "of the scenario."
        )
    return views.status_words(status)


def replan_label(plan: Plan) -> str:
    """How the page lists a replanned plan not kept in the session (for stress)."""
    return f"Replan at hour {from_hour_of(plan)} (not kept)"


# --------------------------------------------------------------------------- scoreboard


def state_label(state: str) -> str:
    """``✔ met``, ``✘ missed``, ``⚠ at risk``, ``● on track``."""
    return f"{STATE_ICONS.get(state, '')} {STATE_WORDS.get(state, state)}".strip()


def state_of_label(label: str) -> str:
    """The planner's state (``at_risk``) of a label shown in the table (``⚠ at risk``)."""
    return next((s for s in STATES if state_label(s) == label), label)


def state_counts(milestones: Sequence[Milestone]) -> dict[str, int]:
    """Number of milestones in each state, in :data:`STATES` order."""
    return {s: sum(m.state == s for m in milestones) for s in STATES}


def scoreboard_frame(milestones: Sequence[Milestone]) -> pd.DataFrame:
    """One row per deadline or milestone, in the planner's order.

    Columns: ``state`` (icon and words), ``milestone``, ``due``, ``done`` (hour the
    facts reached it), ``planned`` (in the new plan), ``published`` (in the published
    plan), ``slack`` (hours to spare; negative: late) and ``note``.
    """
    rows = [
        {
            "state": state_label(m.state),
            "milestone": m.label,
            "due": m.due_hour,
            "done": m.done_hour,
            "planned": m.planned_hour,
            "published": m.published_hour,
            "slack": m.slack_hours,
            "note": m.note,
        }
        for m in milestones
    ]
    frame = pd.DataFrame(rows, columns=SCOREBOARD_COLUMNS)
    return frame.astype({c: "Int64" for c in ("due", "done", "planned", "published", "slack")})


def state_styles(frame: pd.DataFrame) -> pd.DataFrame:
    """CSS per cell of :func:`scoreboard_frame`: the state cell coloured by its state."""
    styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
    styles["state"] = [STATE_COLORS.get(state_of_label(v), "") for v in frame["state"]]
    return styles


def disruption_text(d: Disruption, position: str | None = None) -> str:
    """``4 = 0 hours moved + 4 people moved + 0 sites changed`` (and where it was minimised)."""
    text = (
        f"{d.total} = {d.hours_moved} hours moved + {d.people_moved} people moved + "
        f"{d.sites_changed} sites changed"
    )
    return text + (f" ({position} in the objective)" if position else "")


def replan_rounds_frame(plan: Plan, scenario: Scenario, executed: int) -> pd.DataFrame:
    """The plan's rounds (:func:`ui.views.rounds_frame`) with a first column ``kind``.

    ``kind`` is ``executed`` for the first ``executed`` rounds (the facts, kept as
    they happened) and ``new`` for the rounds planned after ``now_hour``.
    """
    frame = views.rounds_frame(plan, scenario)
    frame.insert(0, "kind", ["executed" if i < executed else "new" for i in range(len(frame))])
    return frame


# --------------------------------------------------------------------------- stress


def stress_frame(result: StressResult) -> pd.DataFrame:
    """One row per milestone: planned and due hour, samples in which it holds, hold rate (%)."""
    rows = [
        {
            "milestone": r.label,
            "planned": r.planned_hour,
            "due": r.due_hour,
            "holds": r.holds,
            "hold rate %": round(100.0 * r.rate, 1),
        }
        for r in result.rows
    ]
    frame = pd.DataFrame(rows, columns=["milestone", "planned", "due", "holds", "hold rate %"])
    return frame.astype({"planned": "Int64", "due": "Int64"})


def robustness_text(result: StressResult) -> str:
    """``8.1%`` (the robustness score as shown)."""
    return f"{result.robustness:.1%}"


def stress_summary(result: StressResult) -> str:
    """One sentence: samples that keep everything, and the re-timed makespan."""
    text = (
        f"{result.all_hold} of {result.samples} samples keep every deadline and milestone "
        f"(seed {result.seed}, delays `{result.delays}`"
        + (f", rounds and phases from hour {result.from_hour}" if result.from_hour else "")
        + f"). Makespan re-timed: median {result.makespan_p50}, 90th percentile "
        f"{result.makespan_p90}, max {result.makespan_max} (planned {result.makespan})."
    )
    return text


def settings_of(options: dict[str, Any]) -> dict[str, Any]:
    """Settings of a replan, in the shape the session's plan records keep."""
    return {
        "engine": "cpsat",
        "time_limit": float(options["time_limit"]),
        "seed": 0,
        "workers": int(options.get("workers", 2)),
        "deterministic": bool(options.get("deterministic", True)),
        "replan": {
            "published": options.get("published"),
            "execution": options.get("execution"),
            "disruption": options.get("disruption"),
            "slack_hours": options.get("slack_hours"),
        },
    }
