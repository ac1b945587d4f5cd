"""Exact accrual of decaying stocks under piecewise-constant inflow."""

from __future__ import annotations

import math


def decay_factor(decay: float, dt: float) -> tuple[float, float]:
    """``(e^{-δ dt}, ∫_0^dt e^{-δ s} ds)`` for one cell, exact also as δ → 0."""
    x = decay * dt
    if x < 1e-8:  # series: -expm1(-x)/δ loses everything when δ dt underflows
        return 1.0 - x, dt * (1.0 - 0.5 * x)
    return math.exp(-x), -math.expm1(-x) / decay


def accrue(stock: float, inflow: float, decay: float, dt: float) -> float:
    """Stock after ``dt`` years of inflow at a constant rate with exponential decay.

    Solves ``dX/dt = inflow - δ X`` exactly: ``X e^{-δ dt} + inflow (1 - e^{-δ dt}) / δ``.
    """
    keep, gain = decay_factor(decay, dt)
    return stock * keep + inflow * gain
