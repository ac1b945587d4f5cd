"""Many runs: replications, policy arms, sweeps and sensitivity, on any executor.

from econsim.experiments import load_study, plan_study, run_plan, LocalProcesses
outcome = run_plan(plan_study(load_study("study.toml")), "studies/mine", LocalProcesses(2))
outcome.runs  # one row per run: parameters, seed, status, summary metrics
"""

from econsim.experiments.compare import compare_arms, paired_differences
from econsim.experiments.executors import DaskCluster, Executor, LocalProcesses, Sequential
from econsim.experiments.results import StudyResults, read_study
from econsim.experiments.runner import Outcome, run_plan
from econsim.experiments.sensitivity import sensitivity_indices
from econsim.experiments.study import (
    Plan,
    Study,
    StudyError,
    load_study,
    plan_arms,
    plan_study,
)

__all__ = [
    "DaskCluster",
    "Executor",
    "LocalProcesses",
    "Outcome",
    "Plan",
    "Sequential",
    "Study",
    "StudyError",
    "StudyResults",
    "compare_arms",
    "load_study",
    "paired_differences",
    "plan_arms",
    "plan_study",
    "read_study",
    "run_plan",
    "sensitivity_indices",
]
