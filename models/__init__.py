"""Domain data: scenario format v1, plan format v1 and execution files; loading and checking."""

from models.errors import InputError, Problem
from models.execution import Execution, execution_from_data, load_execution
from models.loader import (
    load_plan,
    load_scenario,
    plan_from_data,
    scenario_from_data,
    scenario_hash,
    scenario_to_data,
    scenario_to_yaml,
)
from models.plan import PhaseTimes, Plan, PlanRound
from models.scenario import Scenario, matches

__all__ = [
    "Execution",
    "InputError",
    "PhaseTimes",
    "Plan",
    "PlanRound",
    "Problem",
    "Scenario",
    "execution_from_data",
    "load_execution",
    "load_plan",
    "load_scenario",
    "matches",
    "plan_from_data",
    "scenario_from_data",
    "scenario_hash",
    "scenario_to_data",
    "scenario_to_yaml",
]
