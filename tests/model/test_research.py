"""DESIGN §6, the R&D limit: the research law against its closed form."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy.integrate import solve_ivp

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


def test_a_rate_beyond_any_float_reaches_the_ceiling_at_once():
    # 1e200 researchers to the power 10 overflows a float: the blow-up time is
    # A^-γ / (γ k) with k ~ 1e2000, far inside any step, so the ceiling is the answer
    humans, lam = 1e200, 10.0
    assert advance_efficiency(A0, 1e-9, humans, 0.0, PRODUCTIVITY, 0.5, lam, CEILING) == CEILING
    # and no researchers with no productivity is no progress, not 0 × inf
    assert advance_efficiency(A0, 1.0, humans, 0.0, 0.0, 0.5, lam, CEILING) == A0


def test_blow_up_is_stopped_by_the_ceiling_before_the_blow_up_time():
    beta, lam = 0.5, 0.7
    k = automated_growth_constant(PRODUCTIVITY, lam, AUTOMATED)
    t_star = blow_up_time(A0, k, lam - beta)
    path = integrate(beta, lam, t_star + 1.0)
    reached = np.flatnonzero(path >= CEILING)[0] / 12
    assert reached <= t_star + 1 / 12
    assert path[-1] == CEILING


@pytest.mark.parametrize("gamma", [-0.3, 0.0, 0.2])
def test_the_closed_form_solves_the_research_law(gamma):
    # independent of the closed form: dA/dt = k·A^(1+γ) integrated numerically
    k, years = 0.4, 3.0
    t = np.linspace(0.0, years, 7)
    numeric = solve_ivp(
        lambda _, a: k * a ** (1 + gamma), (0.0, years), [A0], t_eval=t, rtol=1e-12, atol=0
    ).y[0]
    assert efficiency_closed_form(t, A0, k, gamma) == pytest.approx(numeric, rel=1e-8)


def test_the_closed_form_diverges_from_the_blow_up_time_on():
    k, gamma = 0.4, 0.2
    t_star = blow_up_time(A0, k, gamma)
    before = solve_ivp(
        lambda _, a: k * a ** (1 + gamma), (0.0, 0.999 * t_star), [A0], rtol=1e-10, atol=0
    ).y[0][-1]
    assert efficiency_closed_form(0.999 * t_star, A0, k, gamma) == pytest.approx(before, rel=1e-6)
    assert efficiency_closed_form([t_star, t_star + 1.0], A0, k, gamma).tolist() == [math.inf] * 2


@pytest.mark.parametrize(("k", "gamma"), [(0.4, 0.0), (0.4, -0.2), (0.0, 0.2), (0.0, 0.0)])
def test_without_increasing_returns_or_research_there_is_no_blow_up(k, gamma):
    assert blow_up_time(A0, k, gamma) == math.inf


def test_without_researchers_there_is_no_progress():
    assert advance_efficiency(3.0, 5.0, 0.0, 0.0, 0.1, 0.5, 0.6, 1e4) == 3.0


def frontier(scenario: econsim.Scenario) -> dict[str, pl.DataFrame]:
    """The frontier lab's series, by vertical."""
    rows = econsim.simulate(scenario).timeseries.filter(pl.col("lab") == "frontier")
    return {v: rows.filter(pl.col("vertical") == v) for v in scenario.vertical_names}


@pytest.mark.parametrize(("growth", "share"), [(0.0, 0.0), (0.3, 0.25)])
def test_human_research_alone_has_its_own_closed_form_in_a_run(growth, share):
    # dA/dt = a0 A^(1-β) ((1-s) H)^λ, with H = H0 e^{g t} held over each step from its
    # start: A^β grows by β a0 ((1-s) H)^λ per year, a geometric sum over the steps
    scenario = econsim.load_scenario(
        "baseline",
        {
            "economy.firms": 500,
            "horizon": 6,
            "labs.frontier.research.automation": 0.0,
            "labs.frontier.research.human_growth": growth,
            "labs.frontier.environments.labour_share": share,
        },
    )
    research = scenario.labs["frontier"].research
    series = frontier(scenario)["software"]
    beta, lam, dt = research.beta, research.lam, 1 / scenario.steps_per_year
    steps = np.rint((series["time"].to_numpy() - scenario.start) / dt)
    ratio = math.exp(growth * lam * dt)
    years = dt * ((ratio**steps - 1) / (ratio - 1) if growth else steps)
    labour = ((1 - share) * research.humans) ** lam
    expected = (1 + beta * research.productivity * labour * years) ** (1 / beta)
    assert series["sample_efficiency"].to_numpy() == pytest.approx(expected, rel=1e-6)


def test_automated_research_alone_follows_the_closed_form_in_a_run():
    # no humans, compute held at its cap, no release within the horizon (C_ai fixed):
    # dA/dt = a0 A^(1-β) ((1-s) χ C_ai compute A)^λ = k A^(1+γ)
    scenario = econsim.load_scenario(
        "baseline",
        {
            "economy.firms": 500,
            "horizon": 6,
            "labs.frontier.research.humans": 0.0,
            "labs.frontier.research.automation": 40.0,
            "labs.frontier.finance.compute_cap": 0.3,  # below its stock at the start
            "labs.frontier.environments.labour_share": 0.25,
            "labs.frontier.training_time": 50.0,
            "labs.frontier.release_interval": 50.0,
        },
    )
    research = scenario.labs["frontier"].research
    runs = frontier(scenario)
    series, ai = runs["software"], runs["ai_research"]["capability"].unique().item()
    assert series["compute"].unique().item() == 0.3
    k = automated_growth_constant(research.productivity, research.lam, 0.75 * 40.0 * ai * 0.3)
    t = series["time"].to_numpy() - scenario.start
    exact = efficiency_closed_form(t, 1.0, k, research.lam - research.beta)
    assert series["sample_efficiency"].to_numpy() == pytest.approx(exact, rel=1e-6)
    assert exact[-1] > 1.05
    # researcher-equivalents: χ · C_ai · compute per unit of A, all of them counted
    assert series["researchers"].to_numpy() == pytest.approx(40.0 * ai * 0.3 * exact, rel=1e-6)


def test_rl_environments_accrue_from_research_labour_and_decay_with_drift():
    # human labour only, constant: each step builds s·H/cost·dt environments, shared by
    # σ(1 - μ), and the stock decays like practice data: a geometric sum
    scenario = econsim.load_scenario(
        "datacenter_of_geniuses",
        {
            "economy.firms": 500,
            "horizon": 3,
            "labs.geniuses.research.automation": 0.0,
            "labs.geniuses.research.human_growth": 0.0,
        },
    )
    lab = scenario.labs["geniuses"]
    dt = 1 / scenario.steps_per_year
    built = lab.environments.labour_share * lab.research.humans / lab.environments.cost * dt
    focus = {v: s.simulability * (1 - s.market_coupling) for v, s in scenario.verticals.items()}
    rows = econsim.simulate(scenario).timeseries
    for vertical, weight in focus.items():
        series = rows.filter(pl.col("vertical") == vertical)
        steps = np.rint((series["time"].to_numpy() - scenario.start) / dt)
        keep = math.exp(-scenario.verticals[vertical].drift * dt)
        expected = built * weight / sum(focus.values()) * (1 - keep**steps) / (1 - keep)
        assert series["environments"].to_numpy() == pytest.approx(expected, rel=1e-9)


def test_synthetic_data_accrues_exactly_from_the_environments_episodes():
    # each step, the environments of its start yield `episodes` a year each; the stock
    # decays at the vertical's drift: replayed step by step from the reported environments
    scenario = econsim.load_scenario("datacenter_of_geniuses", {"economy.firms": 500, "horizon": 3})
    per_environment = scenario.labs["geniuses"].environments.episodes
    rows = econsim.simulate(scenario).timeseries
    for vertical, spec in scenario.verticals.items():
        series = rows.filter(pl.col("vertical") == vertical)
        times, built = series["time"].to_numpy(), series["environments"].to_numpy()
        stock = [0.0]
        for dt, environments in zip(np.diff(times), built[:-1], strict=True):
            rate, keep = environments * per_environment, math.exp(-spec.drift * dt)
            stock.append(stock[-1] * keep + rate * (1 - keep) / spec.drift)
        assert series["synthetic_data"][0] == 0.0
        assert series["synthetic_data"].to_numpy() == pytest.approx(stock, rel=1e-9)


def test_baseline_progress_starts_near_2_8x_a_year():
    # Ho et al. 2024: compute for fixed performance halves every ~8 months (about 2.8x/yr)
    scenario = econsim.load_scenario("baseline", {"economy.firms": 500, "horizon": 1})
    series = econsim.simulate(scenario).timeseries.filter(
        (pl.col("vertical") == "software") & (pl.col("lab") == "frontier")
    )
    yearly = series["sample_efficiency"][-1] / series["sample_efficiency"][0]
    assert yearly == pytest.approx(2.8, rel=0.15)
    assert math.isfinite(yearly)


@pytest.mark.parametrize("gamma", [0.0, -0.3, 0.2])
def test_the_closed_form_reads_single_precision_times_and_computes_in_double(gamma):
    k, t = 0.4, np.linspace(0.0, 2.0, 9, dtype=np.float32)
    if gamma == 0:
        exact = [A0 * math.exp(k * x) for x in t.tolist()]
    else:
        exact = [(A0**-gamma - gamma * k * x) ** (-1 / gamma) for x in t.tolist()]
    assert efficiency_closed_form(t, A0, k, gamma).tolist() == pytest.approx(exact, rel=1e-13)


@pytest.mark.parametrize(("beta", "lam", "dt"), [(0.8, 0.5, 0.1), (0.5, 0.7, 0.05)])
def test_fast_research_is_followed_to_its_closed_form_within_one_step(beta, lam, dt):
    # ln A grows at 16-30 a year: one call must take many small sub-steps, not one big one
    productivity, automated = 10.0, 4.0
    k = automated_growth_constant(productivity, lam, automated)
    exact = float(efficiency_closed_form(dt, A0, k, lam - beta))
    assert exact > 3 * A0
    after = advance_efficiency(A0, dt, 0.0, automated, productivity, beta, lam, CEILING)
    assert after == pytest.approx(exact, rel=1e-11)


def test_without_an_ai_research_vertical_only_humans_do_research():
    # nothing is marked ai_research: no model does research, however much compute a lab buys
    scenario = econsim.load_scenario(
        "baseline",
        {"economy.firms": 500, "horizon": 1, "verticals.ai_research.ai_research": False},
    )
    assert scenario.research_vertical == -1
    research = scenario.labs["frontier"].research
    assert research.automation > 0
    series = frontier(scenario)["software"]
    assert series["compute"].min() > 0
    years = series["time"].to_numpy() - scenario.start
    humans = research.humans * np.exp(research.human_growth * years)
    assert series["researchers"].to_numpy() == pytest.approx(humans, rel=1e-12)
