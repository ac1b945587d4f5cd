"""The AI R&D loop (DESIGN 2.3): sample efficiency under a semi-endogenous research law.

    dA/dt = a0 · A^(1-β) · L^λ,     L = H + χ · C_ai · compute · A

``H`` human researchers; the second term is automated researchers. With ``H = 0``
and capability and compute held fixed, ``dA/dt = k · A^(1+γ)`` with
``k = a0 (χ C_ai compute)^λ`` and ``γ = λ - β``: exponential growth when γ = 0,
polynomial when γ < 0, finite-time blow-up when γ > 0.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

_MAX_LOG_STEP = 0.01  # the largest change of ln A in one integration sub-step


def research_rate(
    efficiency: float,
    humans: float,
    automated_per_efficiency: float,
    productivity: float,
    beta: float,
    lam: float,
) -> float:
    """``dA/dt`` at sample efficiency ``A`` with ``L = H + m·A`` researchers."""
    labour = humans + automated_per_efficiency * efficiency
    if labour <= 0.0 or productivity == 0.0:
        return 0.0
    try:
        return float(productivity * efficiency ** (1.0 - beta) * labour**lam)
    except OverflowError:  # beyond any float: the loop has blown up
        return math.inf


def advance_efficiency(
    efficiency: float,
    dt: float,
    humans: float,
    automated_per_efficiency: float,
    productivity: float,
    beta: float,
    lam: float,
    ceiling: float,
) -> float:
    """Sample efficiency after ``dt`` years, capped at ``ceiling``.

    Runge-Kutta 4 on ``ln A`` with sub-steps sized so that ``ln A`` moves by at most
    1% each, which follows a blow-up closely until the ceiling stops it.
    """
    start = x = math.log(efficiency)
    left, x_max = dt, math.log(ceiling)

    def slope(log_a: float) -> float:
        a = math.exp(min(log_a, x_max))
        return research_rate(a, humans, automated_per_efficiency, productivity, beta, lam) / a

    while left > 0.0 and x < x_max:
        k1 = slope(x)
        if k1 <= 0.0:
            break
        if math.isinf(k1):  # a blow-up within this step: the ceiling stops it
            return ceiling
        h = min(left, _MAX_LOG_STEP / k1)
        k2 = slope(x + 0.5 * h * k1)
        k3 = slope(x + 0.5 * h * k2)
        k4 = slope(x + h * k3)
        x += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        left -= h
    return ceiling if x >= x_max else efficiency * math.exp(x - start)


def automated_growth_constant(
    productivity: float, lam: float, automated_per_efficiency: float
) -> float:
    """``k`` in ``dA/dt = k·A^(1+γ)`` when every researcher is automated."""
    return float(productivity * automated_per_efficiency**lam)


def blow_up_time(efficiency: float, k: float, gamma: float) -> float:
    """Years until ``A`` diverges under ``dA/dt = k·A^(1+γ)`` (inf unless γ > 0)."""
    if gamma <= 0 or k <= 0:
        return math.inf
    return float(efficiency ** (-gamma) / (gamma * k))


def efficiency_closed_form(
    t: ArrayLike, efficiency: float, k: float, gamma: float
) -> NDArray[np.float64]:
    """Exact ``A(t)`` for ``dA/dt = k·A^(1+γ)`` (inf from the blow-up time on)."""
    t = np.asarray(t, float)
    if gamma == 0:
        return np.asarray(efficiency * np.exp(k * t), float)
    base = efficiency ** (-gamma) - gamma * k * t
    with np.errstate(divide="ignore", invalid="ignore"):
        grown = np.where(base > 0, np.abs(base) ** (-1.0 / gamma), np.inf)
    return np.asarray(grown, float)
