"""Money: funding, compute prices, revenue and what data is worth to a lab."""

from __future__ import annotations

import math


def promised_funding(elapsed: float, base: float, growth: float) -> float:
    """Yearly outside funding while investors fund the promise: ``base · e^{growth · t}``."""
    return base * math.exp(growth * max(elapsed, 0.0))


def funding_after(funding: float, revenue: float, multiple: float, dt: float, lag: float) -> float:
    """Yearly funding ``dt`` years on, once investors' patience has run out.

    It relaxes towards ``multiple × revenue`` with time constant ``lag`` (rounds
    priced on revenue): a lab without revenue raises less and less.
    """
    target = multiple * max(revenue, 0.0)
    return target + (funding - target) * math.exp(-dt / lag)


def compute_price(elapsed: float, price: float, decline: float) -> float:
    """USD per unit of compute-year, falling exponentially (hardware FLOP per dollar)."""
    return price * math.exp(-decline * max(elapsed, 0.0))


def affordable_compute(budget: float, price: float, cap: float) -> float:
    """Compute a budget buys, within a cap (a policy lever)."""
    return min(max(budget, 0.0) / price, cap)


def data_value(
    gain: float, output_value: float, reach: float, price_share: float, years: float
) -> float:
    """What data is worth to a lab over ``years`` (USD).

    The real capability ``gain`` it adds, times the output the lab reaches in the
    vertical and the share of created value the lab captures as revenue.
    """
    return gain * output_value * reach * price_share * years
