"""DESIGN §6, the Bass limit: mean-field, gate open, pilots always succeed."""

from __future__ import annotations

import numpy as np
import pytest

import econsim
from econsim.model.diffusion import bass_adoption


def bass_error(p: float, q: float, firms: int = 20_000, seed: int = 1, **extra: object) -> float:
    scenario = econsim.load_scenario(
        "bass", {"verticals.market.p": p, "verticals.market.q": q, "economy.firms": firms, **extra}
    )
    series = econsim.simulate(scenario, seed=seed).timeseries
    expected = bass_adoption(series["time"].to_numpy(), p, q)
    return float(np.max(np.abs(series["adoption"].to_numpy() - expected)))


@pytest.mark.parametrize(("p", "q"), [(0.03, 0.38), (0.01, 0.5), (0.1, 0.1), (0.02, 0.8)])
def test_adoption_follows_the_closed_form_bass_curve(p, q):
    assert bass_error(p, q) < 0.02


@pytest.mark.slow
def test_the_mean_curve_over_seeds_has_no_bias_even_for_a_noisy_takeoff():
    # p = 0.005: takeoff hangs on a few innovators, so one run at 20k firms can miss the
    # curve by 0.02-0.04; the mean of 16 runs must sit on it.
    p, q = 0.005, 0.9
    scenario = econsim.load_scenario("bass", {"verticals.market.p": p, "verticals.market.q": q})
    runs = [econsim.simulate(scenario, seed=seed).timeseries for seed in range(16)]
    mean = np.mean([run["adoption"].to_numpy() for run in runs], axis=0)
    assert np.abs(mean - bass_adoption(runs[0]["time"].to_numpy(), p, q)).max() < 0.006


def test_the_check_can_fail_when_the_model_is_not_bass():
    # Half the firms never qualify (threshold above any capability): far from Bass.
    error = bass_error(0.03, 0.38, **{"verticals.market.threshold": {"mean": 0.5, "sd": 0.45}})
    assert error > 0.1


def test_error_shrinks_with_more_firms():
    assert bass_error(0.03, 0.38, firms=500) > bass_error(0.03, 0.38, firms=20_000)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_bass_limit_holds_across_seeds(seed):
    assert bass_error(0.02, 0.4, seed=seed) < 0.02


def test_imitation_on_a_graph_spreads_more_slowly_than_mean_field():
    scenario = econsim.load_scenario(
        "bass", {"economy.firms": 5000, "horizon": 8, "verticals.market.p": 0.01}
    )
    mean_field = econsim.simulate(scenario).timeseries["adoption"][-1]
    ring_like = econsim.simulate(
        scenario.override({"graph.kind": "barabasi_albert", "graph.mean_degree": 2})
    ).timeseries
    assert ring_like["adoption"][-1] < mean_field
