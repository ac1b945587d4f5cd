"""DESIGN §6, the R&D limit: the research law against its closed form."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

import econsim
from econsim.model.research import (
    advance_efficiency,
    automated_growth_constant,
    blow_up_time,
    efficiency_closed_form,
)

A0, PRODUCTIVITY, AUTOMATED, CEILING = 2.0, 0.05, 3.0, 1e12


def integrate(beta: float, lam: float, years: float, step: float = 1 / 12) -> np.ndarray:
    """A at each month, integrated step by step as a lab does (no human researchers)."""
    path, efficiency = [A0], A0
    for _ in range(round(years / step)):
        efficiency = advance_efficiency(
            efficiency, step, 0.0, AUTOMATED, PRODUCTIVITY, beta, lam, CEILING
        )
        path.append(efficiency)
    return np.array(path)


@pytest.mark.parametrize(
    ("beta", "lam", "regime"),
    [(0.5, 0.5, "exponential"), (0.8, 0.5, "polynomial"), (0.5, 0.7, "blow-up")],
)
def test_research_law_matches_its_closed_form_in_every_regime(beta, lam, regime):
    k = automated_growth_constant(PRODUCTIVITY, lam, AUTOMATED)
    gamma = lam - beta
    years = 0.95 * blow_up_time(A0, k, gamma) if regime == "blow-up" else 30.0
    t = np.arange(round(years * 12) + 1) / 12
    exact = efficiency_closed_form(t, A0, k, gamma)
    numeric = integrate(beta, lam, t[-1])
    assert np.max(np.abs(numeric / exact - 1)) < 0.01
    growth = np.diff(np.log(exact))
    if regime == "exponential":
        assert np.allclose(growth, growth[0])
    elif regime == "polynomial":
        assert growth[-1] < 0.7 * growth[0]  # growth rate falls as A grows
    else:
        assert growth[-1] > 5 * growth[0]  # growth rate explodes towards t*


def test_blow_up_is_stopped_by_the_ceiling_before_the_blow_up_time():
    beta, lam = 0.5, 0.7
    k = automated_growth_constant(PRODUCTIVITY, lam, AUTOMATED)
    t_star = blow_up_time(A0, k, lam - beta)
    path = integrate(beta, lam, t_star + 1.0)
    reached = np.flatnonzero(path >= CEILING)[0] / 12
    assert reached <= t_star + 1 / 12
    assert path[-1] == CEILING


def test_without_researchers_there_is_no_progress():
    assert advance_efficiency(3.0, 5.0, 0.0, 0.0, 0.1, 0.5, 0.6, 1e4) == 3.0


def test_human_research_alone_has_its_own_closed_form_in_a_run():
    # dA/dt = a0 A^(1-β) H^λ  =>  A^β = A0^β + β a0 H^λ t (H, a0 fixed; no automation)
    scenario = econsim.load_scenario(
        "baseline",
        {
            "economy.firms": 500,
            "horizon": 6,
            "labs.frontier.research.automation": 0.0,
            "labs.frontier.research.human_growth": 0.0,
            "labs.frontier.environments.labour_share": 0.0,
        },
    )
    research = scenario.labs["frontier"].research
    series = econsim.simulate(scenario).timeseries.filter(
        (pl.col("vertical") == "software") & (pl.col("lab") == "frontier")
    )
    t = series["time"].to_numpy() - scenario.start
    beta = research.beta
    expected = (1 + beta * research.productivity * research.humans**research.lam * t) ** (1 / beta)
    assert series["sample_efficiency"].to_numpy() == pytest.approx(expected, rel=1e-6)


def test_baseline_progress_starts_near_2_8x_a_year():
    # Ho et al. 2024: compute for fixed performance halves every ~8 months (about 2.8x/yr)
    scenario = econsim.load_scenario("baseline", {"economy.firms": 500, "horizon": 1})
    series = econsim.simulate(scenario).timeseries.filter(
        (pl.col("vertical") == "software") & (pl.col("lab") == "frontier")
    )
    yearly = series["sample_efficiency"][-1] / series["sample_efficiency"][0]
    assert yearly == pytest.approx(2.8, rel=0.15)
    assert math.isfinite(yearly)
