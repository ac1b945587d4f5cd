"""Plot-ready frames from a run folder or a study folder (pure polars, lazy for studies)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from econsim.results import Results, metrics, read_results

STUDY_FILE, RUN_FILE = "study.json", "manifest.json"


def folder_kind(folder: Path) -> str:
    """'run' or 'study'; anything else is not ours."""
    if (folder / RUN_FILE).is_file():
        return "run"
    if (folder / STUDY_FILE).is_file():
        return "study"
    raise FileNotFoundError(
        f"{folder}: neither a run folder (manifest.json) nor a study folder (study.json)"
    )


# ---------------------------------------------------------------- one run


@dataclass(frozen=True)
class RunView:
    """What the figures of one run need."""

    results: Results
    verticals: list[str]
    labs: list[str]
    leading: pl.DataFrame  # time, vertical, capability, proxy, gap (best lab)
    adoption: pl.DataFrame  # time, vertical, piloting, deployed, churned (shares of firms)
    data: pl.DataFrame  # time, vertical, practice_data, synthetic_data (over labs)
    efficiency: pl.DataFrame  # time, lab, sample_efficiency
    breadth: pl.DataFrame  # time, breadth
    time_to_general: float | None


def run_view(folder: Path) -> RunView:
    """Read a run folder and derive its figures' frames."""
    results = read_results(folder)
    scenario, series = results.scenario, results.timeseries
    firms = results.manifest.get("firms", {})
    counts = pl.DataFrame({"vertical": list(firms), "firms": list(firms.values())})
    per_vertical = (
        series.with_columns(pl.col("vertical").cast(pl.String))
        .group_by("time", "vertical", maintain_order=True)
        .agg(pl.col("piloting", "deployed", "churned", "practice_data", "synthetic_data").sum())
    )
    shares = per_vertical.join(counts, on="vertical").with_columns(
        (pl.col(c) / pl.col("firms")) for c in ("piloting", "deployed", "churned")
    )
    return RunView(
        results,
        scenario.vertical_names,
        scenario.lab_names,
        metrics.leading_capability(series).with_columns(pl.col("vertical").cast(pl.String)),
        shares.select("time", "vertical", "piloting", "deployed", "churned"),
        per_vertical.select("time", "vertical", "practice_data", "synthetic_data"),
        series.filter(pl.col("vertical") == scenario.vertical_names[0]).select(
            "time", pl.col("lab").cast(pl.String), "sample_efficiency"
        ),
        results.breadth(),
        results.metrics().get("time_to_general"),
    )


# ---------------------------------------------------------------- a study


@dataclass(frozen=True)
class StudyView:
    """What the figures of a study need, computed without loading every run at once."""

    description: dict[str, Any]
    runs: pl.DataFrame
    fan: pl.DataFrame  # arm, time, metric, q10, median, q90 over runs
    comparison: pl.DataFrame | None
    sensitivity: pl.DataFrame | None


def study_view(folder: Path) -> StudyView:
    """Read a study folder: runs table, fan-chart quantiles, comparison, indices."""
    description = json.loads((folder / STUDY_FILE).read_text(encoding="utf-8"))
    runs = pl.read_parquet(folder / "runs.parquet")
    threshold = _threshold(description)
    return StudyView(
        description,
        runs,
        _fan(folder, runs, threshold),
        _optional(folder / "comparison.parquet"),
        _optional(folder / "sensitivity.parquet"),
    )


def _fan(folder: Path, runs: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Median and 10-90% band over runs, per arm and time, of breadth and mean capability.

    A streaming query over every run's time series: only the aggregates are kept.
    """
    files = folder / "timeseries" / "*" / "*.parquet"
    if not list(folder.glob("timeseries/*/*.parquet")):
        return pl.DataFrame()
    arms = runs.select(pl.col("run_id").cast(pl.Int64), "arm").lazy()
    per_run = (
        pl.scan_parquet(files, hive_partitioning=True, hive_schema={"run_id": pl.Int64})
        .select("run_id", "time", "vertical", "capability")
        .group_by("run_id", "time", "vertical")
        .agg(pl.col("capability").max())
        .group_by("run_id", "time")
        .agg(
            (pl.col("capability") >= threshold).sum().cast(pl.Float64).alias("breadth"),
            pl.col("capability").mean().alias("mean_capability"),
        )
        .join(arms, on="run_id")
    )
    long = per_run.unpivot(
        ["breadth", "mean_capability"], index=["arm", "time", "run_id"], variable_name="metric"
    )
    return (
        long.group_by("arm", "time", "metric")
        .agg(
            pl.col("value").quantile(0.1).alias("q10"),
            pl.col("value").median().alias("median"),
            pl.col("value").quantile(0.9).alias("q90"),
        )
        .sort("arm", "metric", "time")
        .collect(engine="streaming")
    )


def interval(table: pl.DataFrame, index: str) -> list[float] | None:
    """Half-widths of an index's confidence interval (``S1_conf``), None if it has none."""
    column = f"{index}_conf"
    return table[column].to_list() if column in table.columns else None


def _threshold(description: dict[str, Any]) -> float:
    bases = description.get("bases", {})
    first: dict[str, Any] = next(iter(bases.values()), {})
    return float(first.get("capability", {}).get("expert_threshold", 0.5))


def _optional(path: Path) -> pl.DataFrame | None:
    return pl.read_parquet(path) if path.is_file() else None
