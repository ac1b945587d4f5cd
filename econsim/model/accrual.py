"""Exact accrual of decaying stocks under piecewise-constant inflow."""

from __future__ import annotations

import math


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
