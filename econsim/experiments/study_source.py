"""The study a command names: a study file with the command line's changes, or its folder.

``econsim sweep`` and ``econsim sensitivity`` run a study file (or a bundled study's
name) with the command line's ``--set``, ``-n`` and ``--at``; ``econsim discover``
also takes a study folder that has run, and reads its runs instead of running them.
How a study runs (its folder, its size limits, its executor and progress) is the
caller's, through :class:`StudyRunner`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from econsim.experiments.results import read_study
from econsim.experiments.store import STUDY
from econsim.experiments.study import Plan, Study, StudyError, check_metrics, load_study
from econsim.scenario import parse_assignments

if TYPE_CHECKING:
    import polars as pl

    from econsim.experiments.runner import Outcome


class StudyRunner(Protocol):
    """How a caller runs a study: where it goes, how it is planned and run."""

    def check_writable(self, folder: Path) -> None:
        """Refuse a folder that cannot take the output, before anything is read or run."""

    def folder(self, name: str) -> Path:
        """The folder for the runs of the study ``name``."""

    def plan(self, spec: Study) -> Plan:
        """The study's plan, its size checked."""

    def run(self, plan: Plan, folder: Path) -> Outcome:
        """Run the plan into ``folder``, resuming what it already holds."""


def changed_study(
    source: str | Path,
    assignments: Sequence[str] = (),
    replications: int | None = None,
    at: float | None = None,
    posterior: Path | None = None,
) -> Study:
    """The study file with the command line's --set, -n, --at and --posterior applied."""
    spec = load_study(source)
    changes: dict[str, Any] = {}
    if posterior is not None:
        changes["posterior"] = str(posterior)
    if assignments:
        changes["set"] = {**spec.set, **parse_assignments(assignments)}
    if replications is not None:
        changes["replications"] = replications
    if at is not None:
        changes["at"] = at
    return Study.model_validate({**spec.model_dump(), **changes}) if changes else spec


def study_runs(
    source: Path,
    metric: str,
    runner: StudyRunner,
    assignments: Sequence[str] = (),
    replications: int | None = None,
    at: float | None = None,
    posterior: Path | None = None,
) -> tuple[Path, pl.DataFrame, float]:
    """A study's folder, runs table and end year: read from its folder, or run first.

    A folder that has run is read as it is (it takes no changes); a study file is
    run, or resumed, by ``runner``, once ``metric`` is known to be one of its metrics.
    """
    if (source / STUDY).is_file():
        if assignments or replications is not None or at is not None or posterior is not None:
            raise StudyError(
                f"{source}: a study folder that has run takes no --set, -n, --at or --posterior"
            )
        runner.check_writable(source)  # what is found there is written there
        results = read_study(source)
        return source, results.runs, results.end
    spec = changed_study(source, assignments, replications, at, posterior)
    plan = runner.plan(spec)
    check_metrics(next(iter(plan.bases.values())), [metric], "--metric")
    folder = runner.folder(spec.name)
    return folder, runner.run(plan, folder).runs, plan.metrics_year
