"""Posterior predictive checks: weighted draws of each observation against the observation.

Pure functions over a weighted sample: its quantiles, its CRPS, and the table a
calibration writes to ``predictive.parquet``.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from econsim.experiments.calibration.measures import half_width, scaled, unscaled
from econsim.experiments.calibration.observations import Observation


def predictive_checks(
    observations: tuple[Observation, ...], weights: np.ndarray, stats: list[dict[str, float]]
) -> pl.DataFrame:
    """Per observation, the weighted predictive draws against the observation.

    ``inside``: the observed value lies in the 90% predictive interval. ``width``: that
    interval over the observation's own interval, both on the residual scale (an
    interval as wide as the prior's proves little). ``crps``: the continuous ranked
    probability score of the draws at the observation, on the residual scale, in
    half-widths of its interval (lower is better). ``residual_*``: the predictive
    interval and ``interval_*`` the observation's, on that scale from the observation,
    in half-widths: every row on one axis, as the distance reads them.
    """
    rows = []
    for i, o in enumerate(observations):
        draws = np.array([scaled(o.kind, s[f"o{i}"]) for s in stats])
        ok = np.isfinite(draws)
        low, median, high = weighted_quantiles(draws[ok], weights[ok], (0.05, 0.5, 0.95))
        target, half = scaled(o.kind, o.value), half_width(o)

        def residual(value: float, target: float = target, half: float = half) -> float:
            return (value - target) / half

        rows.append(
            {
                "measure": o.measure,
                "kind": o.kind,
                "role": o.role,
                "time": o.time,
                "observed": o.value,
                "low": o.low,
                "high": o.high,
                "predicted_low": unscaled(o.kind, low),
                "predicted": unscaled(o.kind, median),
                "predicted_high": unscaled(o.kind, high),
                "inside": bool(low <= target <= high),
                "width": (high - low) / (2 * half),
                "crps": crps(draws[ok], weights[ok], target) / half,
                "residual_low": residual(low),
                "residual": residual(median),
                "residual_high": residual(high),
                "interval_low": residual(scaled(o.kind, o.low)),
                "interval_high": residual(scaled(o.kind, o.high)),
            }
        )
    return pl.DataFrame(rows)


def weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, levels: tuple[float, ...]
) -> tuple[float, ...]:
    """Quantiles of a weighted sample (the inverse of its step CDF at each level)."""
    if values.size == 0:
        return tuple(math.nan for _ in levels)
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    picks = np.searchsorted(cumulative, levels, side="left")
    return tuple(float(values[order][min(k, values.size - 1)]) for k in picks)


def crps(values: np.ndarray, weights: np.ndarray, target: float) -> float:
    """CRPS of a weighted sample at ``target``: E|X - y| - E|X - X'| / 2."""
    if values.size == 0:
        return math.nan
    w = weights / weights.sum()
    spread = float(w @ np.abs(values[:, None] - values[None, :]) @ w)
    return float(w @ np.abs(values - target)) - spread / 2
