"""Policy what-ifs: the difference each arm makes, with a confidence interval.

Arms that share replication seeds share their random streams (common random
numbers), so the paired difference of a metric between two arms cancels most of the
noise both runs share; the interval is a t interval over replications. With
independent seeds the interval is Welch's, for comparison.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from econsim.extras import require

METRIC = "metric."


def metric_columns(runs: pl.DataFrame, patterns: Sequence[str] = ()) -> list[str]:
    """Metric columns of a runs table, optionally filtered by glob patterns."""
    columns = [c for c in runs.columns if c.startswith(METRIC)]
    if not patterns:
        return columns
    return [c for c in columns if any(fnmatch.fnmatch(c[len(METRIC) :], p) for p in patterns)]


def paired_differences(
    runs: pl.DataFrame,
    baseline: str,
    metrics: Sequence[str] = (),
    confidence: float = 0.95,
    paired: bool = True,
) -> pl.DataFrame:
    """For every other arm and metric: mean difference from ``baseline`` and its interval.

    A metric that is null in a run ("never reached") leaves that pair out; ``n``
    counts the pairs (or runs, unpaired) that entered.
    """
    ok = runs.filter(pl.col("status") == "ok")
    base = ok.filter(pl.col("arm") == baseline)
    rows = []
    for arm in ok["arm"].unique(maintain_order=True).to_list():
        if arm == baseline:
            continue
        other = ok.filter(pl.col("arm") == arm)
        joined = base.join(other, on=["point", "replication"], suffix=":arm")
        for column in metric_columns(ok, metrics):
            pair = joined.select(column, f"{column}:arm").drop_nulls().to_numpy().T
            a, b = (
                pair
                if paired
                else (base[column].drop_nulls().to_numpy(), other[column].drop_nulls().to_numpy())
            )
            rows.append(
                {
                    "metric": column[len(METRIC) :],
                    "arm": arm,
                    "baseline": baseline,
                    **_interval(a, b, confidence, paired),
                }
            )
    return pl.DataFrame(rows, schema=_SCHEMA, orient="row")


def _interval(a: np.ndarray, b: np.ndarray, confidence: float, paired: bool) -> dict[str, object]:
    n = len(a) if paired else min(len(a), len(b))
    result: dict[str, object] = {
        "n": n,
        "baseline_mean": float(np.mean(a)) if len(a) else None,
        "arm_mean": float(np.mean(b)) if len(b) else None,
        "difference": None,
        "ci_low": None,
        "ci_high": None,
        "paired": paired,
    }
    if n == 0:
        return result
    difference = float(np.mean(b) - np.mean(a))
    result["difference"] = difference
    if n < 2:
        return result
    if paired:
        se, df = float(np.std(b - a, ddof=1)) / math.sqrt(n), n - 1.0
    else:
        va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
        se = float(math.sqrt(va + vb))
        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else 1.0
    require("scipy", "confidence intervals of differences")
    from scipy import stats  # here, not at import: workers never need it

    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    result.update(ci_low=difference - half, ci_high=difference + half)
    return result


_SCHEMA = {
    "metric": pl.String,
    "arm": pl.String,
    "baseline": pl.String,
    "n": pl.Int64,
    "baseline_mean": pl.Float64,
    "arm_mean": pl.Float64,
    "difference": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "paired": pl.Boolean,
}


def compare_arms(
    runs: pl.DataFrame, metrics: Sequence[str] = (), confidence: float = 0.95, paired: bool = True
) -> pl.DataFrame:
    """Differences of every arm from the first arm of the runs table."""
    baseline = runs.sort("run_id")["arm"][0]
    return paired_differences(runs, baseline, metrics, confidence, paired)
