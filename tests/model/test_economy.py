"""Money and compute (DESIGN 2.3): checked against closed forms and step-by-step replays."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsim.model.economy import (
    capital_price,
    compute_after,
    compute_price,
    data_value,
    funding_after,
    growing_stock,
    investment_bound,
    promised_funding,
    rationed,
    topping_up,
)


def test_promised_funding_grows_exponentially_from_the_start():
    assert promised_funding(0.0, 1e10, 0.875) == pytest.approx(1e10)
    assert promised_funding(2.0, 1e10, 0.875) == pytest.approx(1e10 * 2.4**2, rel=1e-3)


def test_funding_without_revenue_decays_at_the_rounds_pace():
    assert funding_after(1e10, 0.0, 1.0, 2.0) == pytest.approx(1e10 * np.exp(-0.5))


@given(st.floats(0, 1e12), st.floats(0, 1e11), st.floats(0.1, 5), st.floats(0, 3), st.floats(0, 3))
def test_funding_relaxes_to_its_target_the_same_way_in_split_steps(f, target, lag, a, b):
    whole = funding_after(f, target, a + b, lag)
    split = funding_after(funding_after(f, target, a, lag), target, b, lag)
    assert split == pytest.approx(whole, rel=1e-9, abs=1e-3)
    assert min(f, target) - 1e-3 <= whole <= max(f, target) + 1e-3


def test_funding_closes_all_but_a_share_1_over_e_of_its_gap_in_one_lag():
    f, target, lag = 1e10, 2e9, 2.0
    assert funding_after(f, target, lag, lag) - target == pytest.approx((f - target) / math.e)


@given(st.floats(1e6, 1e13), st.floats(1.0 / math.log(2), 10), st.integers(1, 24))
def test_with_rounds_lasting_over_ln2_years_funding_never_halves_in_a_year(f, lag, steps):
    # the worst case is investors putting in nothing for a year, in any number of steps
    funding = f
    for _ in range(steps):
        funding = funding_after(funding, 0.0, 1.0 / steps, lag)
    assert funding >= 0.5 * f * (1 - 1e-9)


def test_the_bound_on_investment_is_a_share_of_world_investment_growing_from_the_start():
    assert investment_bound(0.0, 2.6e13, 0.03, 0.1) == pytest.approx(2.6e12)
    assert investment_bound(-1.0, 2.6e13, 0.03, 0.1) == pytest.approx(2.6e12)
    assert investment_bound(10.0, 2.6e13, 0.03, 0.1) == pytest.approx(
        2.6e12 * 1.03045**10, rel=1e-4
    )


def test_orders_within_the_bound_are_filled_and_beyond_it_shared_pro_rata():
    assert rationed(3.0, 4.0, 10.0) == 3.0
    assert rationed(3.0, 7.0, 10.0) == 3.0  # exactly at the bound
    assert rationed(6.0, 14.0, 10.0) == pytest.approx(3.0)  # 6 of 20 asked: 30% of 10
    assert rationed(-1.0, 14.0, 10.0) == 0.0


@given(st.lists(st.floats(0, 1e12), min_size=1, max_size=6), st.floats(1e6, 1e12))
def test_rationed_orders_sum_to_the_bound_when_they_exceed_it(orders, bound):
    total = sum(orders)
    filled = [rationed(o, total - o, bound) for o in orders]
    assert sum(filled) == pytest.approx(min(total, bound), rel=1e-9, abs=1e-6)


def test_compute_prices_halve_every_ln2_over_decline_years_from_the_start():
    assert compute_price(0.0, 1e10, 0.35) == 1e10
    assert compute_price(-3.0, 1e10, 0.35) == 1e10  # before the start: today's price
    assert compute_price(math.log(2) / 0.35, 1e10, 0.35) == pytest.approx(5e9)


def test_owning_a_unit_for_a_short_time_costs_its_yearly_price():
    # over dt a unit loses dt/life of itself and its price falls by decline·dt: together
    # the yearly price times dt (the user cost of capital)
    yearly, life, decline, dt = 1e10, 5.0, 0.35, 1e-6
    price = capital_price(yearly, life, decline)
    kept = math.exp(-dt / life) * price * math.exp(-decline * dt)
    assert (price - kept) / dt == pytest.approx(yearly, rel=1e-5)


def test_a_compute_stock_depreciates_over_its_life_and_buying_fills_it():
    assert compute_after(10.0, 0.0, 5.0, 5.0) == pytest.approx(10.0 / math.e)
    assert compute_after(0.0, 2.0, 5.0, 1e3) == pytest.approx(10.0)  # bought × life
    # a short step adds what was bought, less a little depreciation
    assert compute_after(0.0, 2.0, 5.0, 1e-6) == pytest.approx(2e-6, rel=1e-6)


@given(st.floats(0, 1e3), st.floats(0, 1e3), st.floats(0.5, 10), st.floats(0, 3), st.floats(0, 3))
def test_a_compute_stock_moves_the_same_way_in_split_steps(stock, bought, life, a, b):
    whole = compute_after(stock, bought, life, a + b)
    split = compute_after(compute_after(stock, bought, life, a), bought, life, b)
    assert split == pytest.approx(whole, rel=1e-9, abs=1e-9)


@given(st.floats(0, 1e3), st.floats(0, 1e3), st.floats(0.5, 10), st.floats(1e-3, 3))
def test_topping_up_brings_the_stock_to_its_target_and_buys_nothing_above_it(
    stock, target, life, dt
):
    bought = topping_up(stock, target, life, dt)
    reached = compute_after(stock, bought, life, dt)
    if bought > 0:
        assert reached == pytest.approx(target, rel=1e-9, abs=1e-9)
    else:
        assert stock * math.exp(-dt / life) >= target * (1 - 1e-12)


def test_the_starting_stock_is_what_decades_of_growing_spending_built():
    # replay: spend S·e^{g t} from 60 years back at a capital price p·e^{-d t}, month by month
    spending, price, life, decline, growth, dt = 1e10, 3e10, 5.0, 0.35, 0.875, 1 / 1200
    stock = 0.0
    for t in np.arange(-60.0, 0.0, dt):
        bought = (
            spending * math.exp(growth * (t + dt / 2)) / (price * math.exp(-decline * (t + dt / 2)))
        )
        stock = compute_after(stock, bought, life, dt)
    assert growing_stock(spending, price, life, decline, growth) == pytest.approx(stock, rel=1e-4)


def test_a_lab_whose_funding_shrinks_starts_with_the_stock_of_a_steady_budget():
    assert growing_stock(1e10, 3e10, 5.0, 0.35, -1.0) == pytest.approx(1e10 / 3e10 / 0.55)
    assert growing_stock(1e10, 3e10, 5.0, 0.35, -1.0) == growing_stock(1e10, 3e10, 5.0, 0.35, 0.0)


def test_data_is_worth_the_revenue_its_capability_gain_brings():
    assert data_value(0.1, 3e12, 0.25, 0.1, 1.0) == pytest.approx(0.1 * 3e12 * 0.25 * 0.1)


def test_data_is_worth_a_years_revenue_for_every_year_it_serves():
    one_year = data_value(0.1, 3e12, 0.25, 0.1, 1.0)
    assert data_value(0.1, 3e12, 0.25, 0.1, 2.5) == pytest.approx(2.5 * one_year)
