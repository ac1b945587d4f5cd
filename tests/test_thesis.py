"""DESIGN §6, the thesis as orderings over seeds, never as magic numbers."""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl
import pytest

import econsim
from econsim.results import Results

SEEDS = [1, 2, 3]
HIGH_TRANSFER = (("capability.generalization", 1e-3), ("capability.grounding", 10.0))
FIRMS = 10_000  # shares are resolution-free; 10k firms keep each run near a second


@cache
def run(name: str, seed: int, overrides: tuple[tuple[str, object], ...] = ()) -> Results:
    scenario = econsim.load_scenario(name, {"economy.firms": FIRMS, **dict(overrides)})
    return econsim.simulate(scenario, seed=seed)


def lab_breadth_over_time(results: Results, lab: str) -> np.ndarray:
    threshold = results.scenario.capability.expert_threshold
    series = results.timeseries.filter(pl.col("lab") == lab)
    counts = series.group_by("time", maintain_order=True).agg(
        (pl.col("capability") >= threshold).sum()
    )
    return counts["capability"].to_numpy()


def capability(results: Results, vertical: str, lab: str | None = None) -> pl.DataFrame:
    rows = results.timeseries.filter(pl.col("vertical") == vertical)
    if lab is not None:
        return rows.filter(pl.col("lab") == lab)
    return rows.group_by("time", maintain_order=True).agg(pl.col("capability").max())


@pytest.mark.parametrize("seed", SEEDS)
def test_with_low_transfer_an_isolated_lab_stays_narrower_and_more_goodharted(seed):
    isolated, broad = run("datacenter_of_geniuses", seed), run("broad_deployment", seed)
    iso_breadth = lab_breadth_over_time(isolated, "geniuses")
    broad_breadth = lab_breadth_over_time(broad, "deployer")
    assert (iso_breadth <= broad_breadth).all()
    assert iso_breadth[-1] < broad_breadth[-1]
    iso, dep = isolated.metrics(), broad.metrics()
    assert iso["mean_gap.geniuses"] > dep["mean_gap.deployer"]
    assert iso["max_gap.geniuses"] > dep["max_gap.deployer"]


@pytest.mark.parametrize("seed", SEEDS)
def test_with_high_transfer_the_isolated_lab_catches_up(seed):
    low = run("datacenter_of_geniuses", seed).metrics()["breadth.geniuses"]
    isolated = run("datacenter_of_geniuses", seed, HIGH_TRANSFER).metrics()["breadth.geniuses"]
    broad = run("broad_deployment", seed, HIGH_TRANSFER).metrics()["breadth.deployer"]
    assert isolated > low
    assert isolated >= broad - 1


@pytest.mark.parametrize("seed", SEEDS)
def test_an_embargoed_vertical_lags_the_same_vertical_under_licensing(seed):
    embargo = run("data_holder_leverage", seed)
    licensed = run("data_holder_leverage", seed, (("holders.defense_ministry.policy", "license"),))
    late, early = (r.metrics()["time_to_expert.defense"] for r in (embargo, licensed))
    assert early is not None and (late is None or early < late)
    gap = (
        capability(licensed, "defense")["capability"] - capability(embargo, "defense")["capability"]
    )
    assert gap.min() >= -1e-9 and gap.max() > 0.2
    assert (
        embargo.events.filter(pl.col("vertical") == "defense")["event"]
        .cast(pl.String)
        .is_in(["licence", "delivery"])
        .sum()
        == 0
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_a_data_sharing_mandate_speeds_its_vertical(seed):
    base, mandate = run("data_holder_leverage", seed), run("data_sharing_mandate", seed)
    after = pl.col("time").is_between(2028.5, 2034.0)
    lift = (
        capability(mandate, "healthcare").filter(after)["capability"]
        - capability(base, "healthcare").filter(after)["capability"]
    )
    assert lift.mean() > 0
    before = pl.col("time") < 2028.0
    assert (
        capability(mandate, "healthcare")
        .filter(before)
        .equals(capability(base, "healthcare").filter(before))
    )  # same seed, same past


def conquest_lead(seed: int) -> float:
    """The conqueror's mean capability lead in healthcare over the second half of its
    first campaign (early on, one large customer decides who leads)."""
    results = run("vertical_conquest", seed)
    campaigns = results.events.filter(pl.col("event") == "campaign")
    end = campaigns["time"].min() if campaigns.height else results.scenario.end
    during = pl.col("time").is_between((results.scenario.start + end) / 2, end)
    own = capability(results, "healthcare", "conqueror").filter(during)["capability"]
    rival = capability(results, "healthcare", "frontier").filter(during)["capability"]
    return float(own.mean() - rival.mean())


def test_a_vertical_conquest_lab_leads_in_its_first_vertical():
    # Heavy-tailed firm sizes: in a single draw the broad lab can win the few largest
    # hospitals, so the ordering is over seeds: a lead on average and in most of them.
    leads = [conquest_lead(seed) for seed in range(1, 6)]
    assert np.mean(leads) > 0
    assert sum(lead > 0 for lead in leads) > len(leads) / 2
