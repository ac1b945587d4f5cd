"""Exact accrual of decaying stocks under piecewise-constant inflow."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray


def decay_factor(decay: float, dt: float) -> tuple[float, float]:
    """``(e^{-δ dt}, ∫_0^dt e^{-δ s} ds)`` for one cell, exact also as δ → 0."""
    if decay == 0.0:
        return 1.0, dt
    return math.exp(-decay * dt), -math.expm1(-decay * dt) / decay


def accrue(stock: float, inflow: float, decay: float, dt: float) -> float:
    """Stock after ``dt`` years of inflow at a constant rate with exponential decay.

    Solves ``dX/dt = inflow - δ X`` exactly: ``X e^{-δ dt} + inflow (1 - e^{-δ dt}) / δ``.
    """
    keep, gain = decay_factor(decay, dt)
    return stock * keep + inflow * gain


def accrue_array(
    stock: ArrayLike, inflow: ArrayLike, decay: ArrayLike, dt: ArrayLike
) -> NDArray[np.float64]:
    """Vectorised :func:`accrue` (broadcasting over cells)."""
    stock, inflow, decay, dt = (np.asarray(x, float) for x in (stock, inflow, decay, dt))
    keep = np.exp(-decay * dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(decay > 0, -np.expm1(-decay * dt) / decay, dt)
    return np.asarray(stock * keep + inflow * gain, float)
