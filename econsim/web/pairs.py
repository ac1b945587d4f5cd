"""The what-if page's evidence: paired replications of the scenario and of the what-if.

Replication r of the what-if has the seed of replication r of the unchanged scenario
(common random numbers), so their difference cancels the noise both share; over the
replications each difference gets an interval, and a difference whose interval spans
zero is noise, not an effect. A run sends back only what the page draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from econsim.engine import simulate
from econsim.experiments.compare import paired_differences
from econsim.report.data import leading
from econsim.scenario import Scenario

# the table's rows: capability and adoption of each vertical, and the economy's headlines
SHOWN = ("capability.*", "adoption.*", "breadth", "max_gap", "time_to_general")


@dataclass(frozen=True)
class Outcome:
    """What the page keeps of one run: its summary metrics, capability and breadth."""

    metrics: dict[str, float | None]
    capability: pl.DataFrame  # time, vertical, capability of the best model
    breadth: pl.DataFrame  # time, breadth


def outcome(task: tuple[Scenario, int]) -> Outcome:
    """Run one scenario with one seed (in a worker) and keep what the page draws."""
    scenario, seed = task
    results = simulate(scenario, seed)
    return Outcome(
        results.metrics(),
        leading(results.timeseries).select("time", "vertical", "capability"),
        results.breadth(),
    )


def differences(
    unchanged: Sequence[Outcome], changed: Sequence[Outcome], confidence: float = 0.95
) -> pl.DataFrame:
    """Each shown metric's paired difference and its interval; ``clear``: it excludes 0.

    A difference of exactly zero in every pair (the lever cannot reach the metric)
    is no effect either.
    """
    rows = [
        {"arm": arm, "point": 0, "replication": r, "status": "ok",
         **{f"metric.{k}": v for k, v in run.metrics.items()}}
        for arm, runs in (("unchanged", unchanged), ("what-if", changed))
        for r, run in enumerate(runs)
    ]  # fmt: skip
    table = paired_differences(pl.DataFrame(rows), "unchanged", SHOWN, confidence)
    return table.select(
        "metric",
        pl.col("baseline_mean").alias("unchanged"),
        pl.col("arm_mean").alias("what_if"),
        "difference",
        "ci_low",
        "ci_high",
        "n",
        clear=(pl.col("ci_low") > 0) | (pl.col("ci_high") < 0),
    )


def band(outcomes: Sequence[Outcome]) -> pl.DataFrame:
    """Capability per time and vertical over the replications: mean, lowest, highest."""
    stacked = pl.concat([run.capability for run in outcomes])
    return (
        stacked.group_by("time", "vertical", maintain_order=True)
        .agg(
            pl.col("capability").mean().alias("mean"),
            pl.col("capability").min().alias("low"),
            pl.col("capability").max().alias("high"),
        )
        .sort("vertical", "time")
    )


def mean_breadth(outcomes: Sequence[Outcome]) -> pl.DataFrame:
    """Verticals at expert level over time, the mean over the replications."""
    stacked = pl.concat([run.breadth for run in outcomes])
    return stacked.group_by("time", maintain_order=True).agg(pl.col("breadth").mean()).sort("time")
