"""Commands over many runs: compare arms, sweep a study, sensitivity indices, discovery.

Click glue only: options, where and how a study runs, errors as exit codes, what is
printed. Building arms and studies is ``experiments/``'s, drawing results ``report/``'s.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from econsim.cli.common import (
    InputError,
    at_option,
    check_limits,
    check_new,
    check_writable,
    force_option,
    limit_option,
    new_folder,
    progress_bar,
    quiet_option,
    set_option,
)
from econsim.extras import require

if TYPE_CHECKING:  # the engine, polars and numpy load when a command runs, not for --help
    from econsim.experiments import Outcome, Plan, Study
    from econsim.scenario import Scenario


@dataclass(frozen=True)
class Execution:
    """Where and how a study runs, from the options every study command shares."""

    out: Path | None
    workers: int | None
    scheduler: str | None
    quiet: bool
    limits: tuple[str, ...] = ()

    def folder(self, name: str) -> Path:
        """The study folder: --out, or a new one under runs/."""
        return self.out or new_folder("runs", name)

    def check_size(self, runs: int, bases: Iterable[Scenario] = ()) -> None:
        """Refuse a study over the limits: its runs, and a run's cost on each local worker."""
        here = 1 if self.scheduler else (self.workers or os.cpu_count() or 1)
        check_limits(bases, self.limits, runs, here)

    def plan(self, spec: Study) -> Plan:
        """A study's plan: its size checked before the design is drawn, and after."""
        from econsim.experiments import plan_study

        self.check_size(spec.run_count())
        plan = plan_study(spec)
        self.check_size(len(plan.tasks), plan.bases.values())
        return plan

    def check_writable(self, folder: Path) -> None:
        """Refuse, before anything runs, a folder that cannot take the output."""
        check_writable(folder)

    def run(self, plan: Plan, folder: Path, **options: Any) -> Outcome:
        """Run a plan into its folder with a progress bar; say what ran unless quiet."""
        from econsim.experiments import run_plan
        from econsim.experiments.executors import executor_for

        check_writable(folder if folder.exists() else folder.parent)  # before any run
        executor = executor_for(self.workers, self.scheduler)
        with progress_bar(len(plan.tasks), "runs", not self.quiet) as progress:
            try:
                outcome = run_plan(plan, folder, executor, progress, **options)
            except KeyboardInterrupt:
                raise click.ClickException(
                    f"interrupted; rerun with --out {folder} to resume"
                ) from None
        if not self.quiet:
            click.echo(outcome.describe())
        return outcome


def executor_options(command: Any) -> Any:
    """Add --out, --workers, --scheduler and --quiet, passed on as one ``execution``."""

    @functools.wraps(command)
    def wrapper(
        *args: Any,
        out: Path | None,
        workers: int | None,
        scheduler: str | None,
        quiet: bool,
        limits: tuple[str, ...],
        **kwargs: Any,
    ) -> Any:
        execution = Execution(out, workers, scheduler, quiet, limits)
        return command(*args, execution=execution, **kwargs)

    for option in reversed(
        [
            click.option(
                "--out",
                type=click.Path(path_type=Path),
                help="Study folder; rerun with the same folder to resume.",
            ),
            click.option(
                "--workers",
                "-j",
                type=click.IntRange(min=1),
                help="Local worker processes (default: all cores; 1: this process).",
            ),
            click.option(
                "--scheduler",
                metavar="ADDRESS",
                help="Run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786.",
            ),
            limit_option,
            quiet_option,
        ]
    ):
        wrapper = option(wrapper)
    return wrapper


@contextmanager
def _study_errors() -> Iterator[None]:
    from econsim.experiments import StudyError
    from econsim.results import DamagedFile
    from econsim.scenario import ScenarioError

    try:
        yield
    except (StudyError, ScenarioError, DamagedFile) as error:
        raise InputError(str(error)) from None


# ---------------------------------------------------------------- compare


@click.command()
@click.argument("scenarios", nargs=-1)
@click.option(
    "--arm",
    "arms",
    multiple=True,
    metavar="NAME:KEY=VALUE,...",
    help="An arm of one scenario: a name and its overrides (repeatable; the first "
    "arm is the baseline). 'base:' is the scenario as it is.",
)
@click.option("--replications", "-n", type=click.IntRange(min=2), default=10, show_default=True)
@click.option(
    "--seed", type=click.IntRange(min=0), help="Root seed (default: the first scenario's)."
)
@set_option
@click.option(
    "--metrics",
    default="",
    metavar="GLOBS",
    help="Summary metrics to show, e.g. 'time_to_expert.*,breadth' (default: all).",
)
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option(
    "--independent",
    is_flag=True,
    help="Independent seeds per arm instead of common random numbers.",
)
@at_option
@executor_options
def compare(
    scenarios: tuple[str, ...],
    arms: tuple[str, ...],
    replications: int,
    seed: int | None,
    assignments: tuple[str, ...],
    metrics: str,
    confidence: float,
    independent: bool,
    at: float | None,
    execution: Execution,
) -> None:
    """Paired differences of summary metrics between policy arms.

    Either several scenarios (the first is the baseline) or one scenario with --arm.
    """
    from econsim.experiments import compare_arms, plan_arms
    from econsim.experiments.arms import comparison_arms
    from econsim.experiments.store import write_table
    from econsim.report.text_tables import comparison_table
    from econsim.results.parquet import ROWS

    require("scipy", "econsim compare (its confidence intervals)")  # before any run
    with _study_errors():
        bases = comparison_arms(scenarios, arms, assignments)
    root = seed if seed is not None else next(iter(bases.values())).seed
    folder = execution.folder("compare")
    execution.check_size(len(bases) * replications, bases.values())
    with _study_errors():
        plan = plan_arms(bases, replications, root, independent, at)
        outcome = execution.run(plan, folder)
        patterns = [p.strip() for p in metrics.split(",") if p.strip()]
        table = compare_arms(outcome.runs, patterns, confidence, paired=not independent)
        write_table(table, folder / "comparison.parquet", rows=ROWS["comparison"])
    if not execution.quiet:
        click.echo(f"comparison.parquet: each row is {ROWS['comparison']}")
        click.echo(comparison_table(table, confidence))
        click.echo(f"wrote {folder}/ comparison.parquet runs.parquet timeseries/ summary/ runs/")
    _stop_if_failed(outcome, folder)


# ---------------------------------------------------------------- sweep and sensitivity


def study_options(command: Any) -> Any:
    """--set, --replications and --at: change a study from the command line, not a copy."""
    command = at_option(set_option(command))
    return click.option(
        "--replications",
        "-n",
        type=click.IntRange(min=1),
        help="Replications per design point and arm (default: the study's).",
    )(command)


def _stop_if_failed(outcome: Outcome, folder: Path) -> None:
    """Exit 1 when any run of the study failed (its rows say why)."""
    import polars as pl

    failed = outcome.runs.filter(pl.col("status") != "ok").height if outcome.runs.height else 0
    if failed:
        raise RunsFailed(
            f"{failed} of {outcome.runs.height} runs failed: their error and traceback are in "
            f"{folder}/runs.parquet; rerun with --out {folder} --retry-failed"
        )


class RunsFailed(click.ClickException):
    """Some runs of a study failed: everything else was written; exit code 1."""

    exit_code = 1


@click.command()
@click.argument("study", type=click.Path(path_type=Path))
@click.option("--retry-failed", is_flag=True, help="Run failed runs again on resume.")
@click.option("--keep-events", is_flag=True, help="Also store each run's event log.")
@study_options
@executor_options
def sweep(
    study: Path,
    retry_failed: bool,
    keep_events: bool,
    assignments: tuple[str, ...],
    replications: int | None,
    at: float | None,
    execution: Execution,
) -> None:
    """Run a study (a file, or a bundled study's name): its design times its replications."""
    from econsim.experiments.study_source import changed_study

    with _study_errors():
        spec = changed_study(study, assignments, replications, at)
        folder = execution.folder(spec.name)
        outcome = execution.run(
            execution.plan(spec), folder, retry_failed=retry_failed, keep_events=keep_events
        )
    if not execution.quiet:
        _print_points(outcome)
        click.echo(f"wrote {folder}/ runs.parquet timeseries/ summary/ runs/")
    _stop_if_failed(outcome, folder)


def _print_points(outcome: Outcome) -> None:
    """Medians of the headline metrics per arm and design point (at most 40 rows)."""
    import polars as pl

    table = outcome.by_point()
    if table.height:
        click.echo("each row is one arm at one design point: medians over its finished runs")
        with pl.Config(
            fmt_float="mixed", tbl_rows=40, tbl_hide_dataframe_shape=True, tbl_width_chars=160
        ):
            click.echo(table)


@click.command()
@click.argument("study", type=click.Path(path_type=Path))
@click.option(
    "--metrics",
    default="",
    metavar="NAMES",
    help="Summary metrics to explain (default: the study's 'metrics').",
)
@study_options
@executor_options
def sensitivity(
    study: Path,
    metrics: str,
    assignments: tuple[str, ...],
    replications: int | None,
    at: float | None,
    execution: Execution,
) -> None:
    """Sobol or Morris indices of summary metrics (runs the study first, or resumes it)."""
    import polars as pl

    from econsim.experiments import sensitivity_indices
    from econsim.experiments.sensitivity import check_design
    from econsim.experiments.store import write_table
    from econsim.experiments.study import check_metrics
    from econsim.experiments.study_source import changed_study
    from econsim.results.parquet import ROWS

    require("SALib", "econsim sensitivity")  # before any run
    with _study_errors():
        spec = changed_study(study, assignments, replications, at)
        check_design(spec)
        plan = execution.plan(spec)
        names = [m.strip() for m in metrics.split(",") if m.strip()]
        check_metrics(next(iter(plan.bases.values())), names or spec.metrics)
        folder = execution.folder(spec.name)
        outcome = execution.run(plan, folder)
        _stop_if_failed(outcome, folder)
        table = sensitivity_indices(spec, outcome.runs, plan.metrics_year, names)
        write_table(table, folder / "sensitivity.parquet", rows=ROWS["sensitivity"])
    if not execution.quiet:
        click.echo(f"sensitivity.parquet: each row is {ROWS['sensitivity']}")
        with pl.Config(tbl_rows=200, tbl_hide_dataframe_shape=True, float_precision=3):
            click.echo(table.drop("warning"))
    for row in table.filter(pl.col("warning").is_not_null()).iter_rows(named=True):
        click.echo(f"warning: {row['parameter']} on {row['metric']}: {row['warning']}", err=True)
    if not execution.quiet:
        click.echo(f"wrote {folder}/ sensitivity.parquet runs.parquet timeseries/ summary/ runs/")


# ---------------------------------------------------------------- scenario discovery


@click.command()
@click.argument("study", type=click.Path(path_type=Path))
@click.option("--metric", required=True, help="A summary metric, e.g. capability.healthcare.")
@click.option("--below", type=float, help="Cases of interest: runs whose metric is below this.")
@click.option("--above", type=float, help="Cases of interest: runs whose metric is above this.")
@click.option(
    "--threshold",
    type=click.FloatRange(0.05, 1.0),
    default=0.8,
    show_default=True,
    help="PRIM's density threshold: peel until the box is at least this dense.",
)
@force_option
@study_options
@executor_options
def discover(
    study: Path,
    metric: str,
    below: float | None,
    above: float | None,
    threshold: float,
    force: bool,
    assignments: tuple[str, ...],
    replications: int | None,
    at: float | None,
    execution: Execution,
) -> None:
    """Scenario discovery: the box of inputs where METRIC is below (or above) a value.

    STUDY is a study folder that has run, or a study file (or a bundled study's name)
    that is run, or resumed, first. PRIM's box, its peeling trajectory and feature
    scores go to STUDY_FOLDER/discovery/ (parquet, an HTML page and PNG figures).
    """
    from econsim.experiments.discover import discover as find_box
    from econsim.experiments.discover import write_discovery
    from econsim.experiments.study_source import study_runs

    require("ema_workbench", "econsim discover (PRIM)")
    if (below is None) == (above is None):
        raise InputError("give one of --below or --above")
    with _study_errors():
        folder, runs, end = study_runs(study, metric, execution, assignments, replications, at)
        found = find_box(runs, metric, end, below, above, threshold)
        target = folder / "discovery"
        check_new(target, force, folder=True)
        written = write_discovery(found, target)
        from econsim.report.discovery_page import write_discovery_views  # matplotlib, plotly

        written += write_discovery_views(found, target)
    click.echo(found.describe())
    click.echo(f"wrote {target}/ " + " ".join(p.name for p in written))
