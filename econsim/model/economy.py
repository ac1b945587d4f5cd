"""Money: funding, compute prices, revenue and what data is worth to a lab."""

from __future__ import annotations

import math

from econsim.model.capability import learning_curve


def outside_funding(elapsed: float, base: float, growth: float, patience: float) -> float:
    """Yearly outside funding: grows at ``growth`` while investors stay patient, then flat."""
    return base * math.exp(growth * min(max(elapsed, 0.0), patience))


def compute_price(elapsed: float, price: float, decline: float) -> float:
    """USD per unit of compute-year, falling exponentially (hardware FLOP per dollar)."""
    return price * math.exp(-decline * max(elapsed, 0.0))


def affordable_compute(budget: float, price: float, cap: float) -> float:
    """Compute a budget buys, within a cap (a policy lever)."""
    return min(max(budget, 0.0) / price, cap)


def data_value(
    extra: float,
    effective: float,
    efficiency: float,
    scale: float,
    slope: float,
    output_value: float,
    reach: float,
    price_share: float,
    years: float,
) -> float:
    """What ``extra`` practice episodes are worth to a lab over ``years`` (USD).

    The capability they add (on the learning curve at the lab's current effective
    data), times the output the lab reaches in the vertical and the share of created
    value it captures as revenue.
    """
    before, after = learning_curve([effective, effective + efficiency * extra], scale, slope)
    return float((after - before) * output_value * reach * price_share * years)
