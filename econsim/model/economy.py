"""Money and compute: funding, the bound on investment, compute as capital, what data is worth."""

from __future__ import annotations

import math


def promised_funding(elapsed: float, base: float, growth: float) -> float:
    """Yearly outside funding while investors fund the promise: ``base · e^{growth · t}``."""
    return base * math.exp(growth * max(elapsed, 0.0))


def funding_after(funding: float, target: float, dt: float, lag: float) -> float:
    """Yearly funding ``dt`` years on, relaxing towards ``target`` with time constant ``lag``.

    Rounds already raised keep paying out: funding closes all but ``1/e`` of its gap
    to what investors would now put in over one ``lag``, so it never falls faster than
    ``e^{-1/lag}`` a year (a lab without revenue raises less and less, not nothing at once).
    """
    return target + (funding - target) * math.exp(-dt / lag)


def investment_bound(elapsed: float, world: float, growth: float, share: float) -> float:
    """USD a year all AI labs together may spend: ``share`` of world investment, growing."""
    return share * world * math.exp(growth * max(elapsed, 0.0))


def rationed(order: float, others: float, bound: float) -> float:
    """The part of ``order`` filled when all orders share ``bound`` pro rata."""
    order = max(order, 0.0)
    total = order + max(others, 0.0)
    return order if total <= bound else order * bound / total


def compute_price(elapsed: float, price: float, decline: float) -> float:
    """USD per unit of compute-year, falling exponentially (hardware FLOP per dollar)."""
    return price * math.exp(-decline * max(elapsed, 0.0))


def capital_price(yearly: float, life: float, decline: float) -> float:
    """USD per unit of compute capacity whose use costs ``yearly`` a year.

    The user cost of capital (Hall and Jorgenson 1967, without interest): owning a unit
    for a year costs its depreciation ``1/life`` and the fall of its price ``decline``,
    so a unit is worth ``yearly / (1/life + decline)``.
    """
    return yearly / (1.0 / life + decline)


def compute_after(stock: float, bought: float, life: float, dt: float) -> float:
    """Compute capacity ``dt`` years on, buying ``bought`` units a year, each lasting ``life``.

    ``dK/dt = bought - K/life`` solved over the step: the stock relaxes towards
    ``bought · life`` with time constant ``life``.
    """
    steady = bought * life
    return steady + (stock - steady) * math.exp(-dt / life)


def topping_up(stock: float, target: float, life: float, dt: float) -> float:
    """Units a year to buy so that the stock is ``target`` after ``dt`` (none when above it)."""
    kept = stock * math.exp(-dt / life)
    return max(target - kept, 0.0) / (life * -math.expm1(-dt / life))


def growing_stock(
    spending: float, price: float, life: float, decline: float, growth: float
) -> float:
    """Compute a lab holds after years of spending growing at ``growth`` (its stock at the start).

    Spending ``S·e^{gt}`` at capital price ``p·e^{-dt}`` buys units growing at ``g + d``;
    with depreciation ``1/life`` the stock is ``(S/p) / (g + d + 1/life)``. Shrinking
    funding counts as steady (``g = 0``): its past would have no finite stock.
    """
    return spending / price / (max(growth, 0.0) + decline + 1.0 / life)


def data_value(
    gain: float, output_value: float, reach: float, price_share: float, years: float
) -> float:
    """What data is worth to a lab over ``years`` (USD).

    The real capability ``gain`` it adds, times the output the lab reaches in the
    vertical and the share of created value the lab captures as revenue.
    """
    return gain * output_value * reach * price_share * years
