"""The pure model math, one behaviour per test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsim.model.accrual import accrue
from econsim.model.capability import (
    effective_data,
    grounded_synthetic,
    learning_curve,
    proxy_score,
    transfer_matrix,
)
from econsim.model.diffusion import (
    bass_adoption,
    capture_share,
    smooth_step,
    smooth_step_at,
)


def test_no_relevant_data_means_no_capability_whatever_the_efficiency():
    assert learning_curve(0.0, 1e9, 0.5) == 0.0
    assert learning_curve(1e30 * 0.0, 1.0, 2.0) == 0.0


def test_learning_curve_is_one_half_at_its_data_scale():
    assert learning_curve(3e9, 3e9, 0.7) == pytest.approx(0.5)


def test_log_odds_are_linear_in_log_data():
    data = np.array([1e6, 1e7, 1e8, 1e9])
    c = learning_curve(data, 1e8, 0.5)
    log_odds = np.log(c / (1 - c))
    assert np.allclose(np.diff(log_odds), 0.5 * np.log(10))


def test_learning_curve_saturates_without_overflow():
    assert learning_curve(1e300, 1e-300, 5.0) == 1.0
    assert learning_curve(1e-300, 1e300, 5.0) == 0.0


def test_synthetic_data_cannot_exceed_its_grounding_in_real_data():
    assert grounded_synthetic(1e12, 1e6, 1.0, 0.0, grounding=2.0) == pytest.approx(2e6)
    assert grounded_synthetic(1e3, 1e6, 1.0, 0.0, grounding=2.0) == pytest.approx(1e3)


def test_market_coupled_work_cannot_be_simulated():
    assert grounded_synthetic(1e6, 1e6, 0.9, 1.0, grounding=1.0) == 0.0
    assert grounded_synthetic(1e6, 1e6, 0.8, 0.5, grounding=1.0) == pytest.approx(0.4e6)


def test_effective_data_multiplies_by_efficiency_and_adds_transfer():
    own = np.array([[100.0, 0.0, 10.0]])
    data = effective_data(3.0, own, transfer_matrix(3, 0.1))[0]
    assert data.tolist() == pytest.approx([3 * (100 + 1.0), 3 * (0 + 11.0), 3 * (10 + 10.0)])


def test_with_zero_generalization_a_vertical_learns_only_from_its_own_data():
    own = np.array([[100.0, 0.0]])
    assert effective_data(1e6, own, transfer_matrix(2, 0.0))[0, 1] == 0.0


def test_proxy_is_a_validity_weighted_mix_of_doing_and_talking():
    assert proxy_score(0.2, 0.9, 0.25) == pytest.approx(0.25 * 0.2 + 0.75 * 0.9)
    assert proxy_score(0.2, 0.9, 1.0) == pytest.approx(0.2)


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 5), st.floats(0, 10), st.floats(0, 10))
def test_accrual_composes_over_split_intervals(stock, inflow, decay, a, b):
    whole = accrue(stock, inflow, decay, a + b)
    split = accrue(accrue(stock, inflow, decay, a), inflow, decay, b)
    assert split == pytest.approx(whole, rel=1e-9, abs=1e-9)


def test_accrual_matches_a_fine_numerical_integration():
    stock, inflow, decay, dt = 5.0, 3.0, 0.7, 2.5
    x, h = stock, dt / 200_000
    for _ in range(200_000):  # explicit midpoint steps
        mid = x + 0.5 * h * (inflow - decay * x)
        x += h * (inflow - decay * mid)
    assert accrue(stock, inflow, decay, dt) == pytest.approx(x, rel=1e-9)


def test_accrual_without_decay_is_linear():
    assert accrue(2.0, 3.0, 0.0, 4.0) == 14.0


def test_smooth_step_is_exactly_closed_and_open_outside_its_ramp():
    x = np.array([-1.0, -0.1, 0.0, 0.1, 1.0])
    assert smooth_step(x, 0.1).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]


@given(st.floats(-2, 2), st.floats(0.01, 1))
def test_scalar_and_array_smooth_steps_agree(x, width):
    assert smooth_step_at(x, width) == pytest.approx(float(smooth_step(x, width)), abs=1e-15)


def test_actuation_widens_what_a_deployment_can_record():
    assert capture_share(0.2, 0.0) == pytest.approx(0.2)
    assert capture_share(0.2, 0.5) == pytest.approx(0.6)


@pytest.mark.parametrize(("p", "q"), [(0.03, 0.38), (0.01, 0.5), (0.1, 0.0)])
def test_bass_curve_solves_the_bass_equation(p, q):
    t = np.linspace(0, 120, 12001)
    f = bass_adoption(t, p, q)
    assert f[0] == 0.0
    assert f[-1] == pytest.approx(1.0, abs=1e-3)
    derivative = np.gradient(f, t)
    assert np.allclose(derivative[1:-1], ((p + q * f) * (1 - f))[1:-1], atol=1e-4)
