"""The market's decisions against closed forms, binomial and Poisson bounds, and the event log.

Small worlds and short horizons: mutation testing reruns these thousands of times.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import polars as pl
import pytest

import econsim
from econsim.agents.market import COOLDOWN, DEPLOYED, size_weight
from econsim.engine import Simulation
from econsim.model.diffusion import smooth_step
from econsim.results import Results
from econsim.scenario.scenario import validate
from econsim.world.streams import Draws
from tests.conftest import binomial_bound, ended, firm_thresholds

BASS = {"economy.firms": 2000, "horizon": 4.0, "verticals.market.p": 0.5}


def simulate(name: str, overrides: dict[str, object], seed: int = 3) -> tuple[Simulation, Results]:
    """A run, with the simulation kept for its market's state."""
    simulation = econsim.Simulation(econsim.load_scenario(name, overrides), seed=seed)
    return simulation, simulation.run()


def size_weights(world, elasticity: float) -> np.ndarray:
    """``size^e``, mean 1 in each vertical (README, "How the model runs")."""
    weight = world.firm_size**elasticity
    means = np.bincount(world.firm_vertical, weights=weight) / world.firm_counts()
    return weight / means[world.firm_vertical]


# ------------------------------------------------------------------ the adoption race


def test_after_releases_every_gate_is_the_smooth_step_of_the_best_value_on_offer():
    simulation, results = simulate("baseline", {"economy.firms": 3000, "horizon": 1.0})
    scenario, world, market = simulation.scenario, simulation.world, simulation.market
    releases = ended(results, "release").filter(pl.col("time") > scenario.start)
    assert releases.height > 0
    price = np.array([[lab.finance.price_share] for lab in scenario.labs.values()])
    proxy = np.array([lab.model.proxy for lab in simulation.labs])
    best = (proxy * (1 - price)).max(axis=0)[world.firm_vertical]  # every lab sells everywhere
    width, theta = scenario.market.gate_width, firm_thresholds(scenario, world)
    gates = smooth_step(best - theta, width)
    weights = size_weights(world, scenario.economy.size_elasticity)
    found = np.concatenate([market.race.gate_weights(v) for v in range(len(scenario.verticals))])
    assert found == pytest.approx(gates * weights, rel=1e-9, abs=1e-12)
    # light use: the best score itself, no threshold
    light = np.concatenate([market.light.gate_weights(v) for v in range(len(scenario.verticals))])
    assert light == pytest.approx(proxy.max(axis=0)[world.firm_vertical] * weights, rel=1e-12)
    # the releases moved gates: the scores at the start would give other weights
    start = econsim.Simulation(scenario, seed=3)
    start.start()
    first = np.array([lab.model.proxy for lab in start.labs]) * (1 - price)
    moved = smooth_step(first.max(axis=0)[world.firm_vertical] - theta, width) != gates
    assert moved.sum() > 100


def test_the_light_use_hazard_is_the_best_score_times_each_idle_firms_bass_rate():
    # Replayed from the firms' state: P_v · Σ_idle m_f (p_v + q_v · light neighbours / degree)
    simulation, _ = simulate("baseline", {"economy.firms": 3000, "horizon": 1.5})
    scenario, world, market = simulation.scenario, simulation.world, simulation.market
    graph, firms = world.graph, world.firms
    light = np.frombuffer(market._light, dtype=np.uint8).astype(float)
    rows = np.repeat(np.arange(firms), graph.degree)
    share = np.bincount(rows, light[graph.indices], firms) / np.maximum(graph.degree, 1)
    weights = size_weights(world, scenario.economy.size_elasticity)
    best = np.array([lab.model.proxy for lab in simulation.labs]).max(axis=0)
    for v, vertical in enumerate(scenario.verticals.values()):
        idle = (world.firm_vertical == v) & (light == 0)
        bass = vertical.p + vertical.q * share[idle]
        assert market.light.rate(v) == pytest.approx(best[v] * (weights[idle] * bass).sum())


def test_a_change_of_p_and_q_reaches_every_idle_firm_on_a_supply_graph():
    # every gate is open (bass): no score moves, only the rates of the firms' hazards.
    # The change falls between two releases (every half year), which refresh gates too.
    stop = {"at": 1.25, "set": {"verticals.market.p": 0.0, "verticals.market.q": 0.0}}
    overrides = {**BASS, "horizon": 2.0, "graph.kind": "barabasi_albert", "interventions": [stop]}
    _, results = simulate("bass", overrides)
    assert 1.25 not in ended(results, "release")["time"].to_list()
    starts = ended(results, "pilot_start")["time"]
    assert (starts < 1.25).sum() > 100
    assert (starts >= 1.25).sum() == 0


def test_a_total_hazard_under_one_a_year_still_brings_adoptions_at_its_rate():
    # N firms at hazard p each (q = 0, gate open, size weights 1): N(1 - e^{-pT}) adopt
    firms, p, years = 2000, 4.5e-4, 20.0  # total hazard 0.9 a year
    overrides = {"economy.firms": firms, "horizon": years, "verticals.market.p": p}
    _, results = simulate("bass", {**overrides, "verticals.market.q": 0.0})
    starts = ended(results, "pilot_start")
    expected = firms * -np.expm1(-p * years)
    assert starts.height > 0
    assert starts.height == pytest.approx(expected, abs=4 * np.sqrt(expected))


# ------------------------------------------------------------------ pilots


def test_pilots_last_a_lognormal_lead_time_and_end_when_it_has_passed():
    median, sigma = 0.5, 0.5
    lead = {"verticals.market.lead_time.median": median, "verticals.market.lead_time.sigma": sigma}
    _, results = simulate("bass", {**BASS, **lead})
    starts = ended(results, "pilot_start").select("firm", "time", lead="value")
    ends = ended(results, "pilot_success", "pilot_failure").select("firm", end="time")
    assert starts["firm"].is_unique().all()  # pilots succeed and contracts outlast the run
    logs = np.log(starts["lead"].to_numpy())
    n = logs.size
    assert n > 500
    assert logs.mean() == pytest.approx(np.log(median), abs=4 * sigma / np.sqrt(n))
    assert logs.std() == pytest.approx(sigma, abs=4 * sigma / np.sqrt(2 * n))
    paired = starts.join(ends, on="firm")
    assert paired.height > 0.8 * n
    waited = (paired["end"] - paired["time"]).to_numpy()
    assert waited == pytest.approx(paired["lead"].to_numpy(), abs=1e-9)


# ------------------------------------------------------------------ choice of lab


def choice_counts(simulation, vertical: int, incumbent: int, draws: int) -> np.ndarray:
    market, stream = simulation.market, Draws(np.random.default_rng(7))
    picks = [market.choose_lab(vertical, stream, incumbent) for _ in range(draws)]
    return np.bincount(picks, minlength=len(simulation.labs))


def with_a_dearer_twin(price_share: float) -> econsim.Scenario:
    """baseline with a third lab, "dear": "challenger" again, at another price."""
    base = econsim.load_scenario("baseline", {"economy.firms": 2000})
    raw = base.model_dump(mode="json")
    twin = raw["labs"]["challenger"]
    raw["labs"]["dear"] = {**twin, "finance": {**twin["finance"], "price_share": price_share}}
    return validate(raw, "three labs")


@pytest.mark.parametrize("incumbent", [-1, 1, 2])
def test_labs_with_the_same_model_are_chosen_by_a_logit_of_price_and_switching_cost(incumbent):
    # At the start "dear" and "challenger" have the same model (same specification, no
    # customers yet): between them the odds of a choice are the closed form
    # exp(-(price sensitivity · price gap - switching cost if an incumbent) / temperature)
    scenario = with_a_dearer_twin(0.2)
    simulation = econsim.Simulation(scenario, seed=3)
    simulation.start()
    market, draws = scenario.market, 20_000
    gap = 0.2 - scenario.labs["challenger"].finance.price_share
    bonus = market.switching_cost * ((incumbent == 2) - (incumbent == 1))
    odds = math.exp(-(market.price_sensitivity * gap - bonus) / market.choice_temperature)
    counts = choice_counts(simulation, scenario.vertical_names.index("finance"), incumbent, draws)
    between = counts[1] + counts[2]
    p = odds / (1 + odds)  # dear, given challenger or dear
    assert between > draws / 4 and 0.02 < p < 0.98
    assert counts[2] / between == pytest.approx(p, abs=binomial_bound(p, between))


def test_no_lab_is_chosen_where_no_lab_sells():
    verticals = [v for v in econsim.load_scenario("baseline").vertical_names if v != "software"]
    scenario = econsim.load_scenario(
        "baseline", {"economy.firms": 2000, "labs.*.verticals": verticals}
    )
    simulation = econsim.Simulation(scenario, seed=3)
    simulation.start()
    software = scenario.vertical_names.index("software")
    for incumbent in (-1, 0, 1):
        assert (
            simulation.market.choose_lab(software, Draws(np.random.default_rng(1)), incumbent) < 0
        )
    assert simulation.market.race.gate_weights(software).max() == 0.0


# ------------------------------------------------------------------ contracts


def test_the_churned_count_is_the_running_number_of_churn_events():
    churn = {
        "verticals.market.churn": 0.3,
        "verticals.market.contract_years": 0.5,
        "verticals.market.cooldown": 100.0,
    }
    simulation, results = simulate("bass", {**BASS, **churn})
    churned = ended(results, "churn")["time"].to_numpy()
    assert churned.size > 100
    series = results.timeseries
    expected = [np.count_nonzero(churned <= t) for t in series["time"].to_list()]
    assert series["churned"].to_list() == expected
    assert simulation.market.churned.tolist() == [[churned.size]]
    market = simulation.market
    assert np.count_nonzero(market.state == COOLDOWN) == churned.size  # no failed pilots
    assert np.count_nonzero(market.state == DEPLOYED) == market.deployed.sum()


def test_adoption_is_the_deployed_share_of_the_firms_even_of_a_single_firm():
    simulation, results = simulate(
        "bass", {"economy.firms": 1, "horizon": 2.0, "verticals.market.p": 5.0}
    )
    assert ended(results, "pilot_success").height == 1  # P(no adoption in 2 years) = e^-10
    assert simulation.market.adoption().tolist() == [[1.0]]


def test_a_vertical_without_firms_leaves_the_size_weights_alone_and_warns_nothing():
    # 20 firms over 10 verticals: the largest remainders leave some verticals empty
    scenario = econsim.load_scenario("baseline", {"economy.firms": 20})
    world, elasticity = econsim.Simulation(scenario, seed=3).world, 0.5
    counts = world.firm_counts()
    assert (counts == 0).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no mean of an empty slice
        found = size_weight(world, elasticity)
    weight = world.firm_size**elasticity
    totals = np.bincount(world.firm_vertical, weights=weight, minlength=counts.size)
    means = totals / np.maximum(counts, 1)
    assert found == pytest.approx(weight / means[world.firm_vertical], rel=1e-12)
