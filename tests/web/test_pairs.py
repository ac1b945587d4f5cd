"""The page's evidence, against closed forms: paired differences, their intervals and
the verdict each gets, and the bands drawn around the replications."""

from __future__ import annotations

import polars as pl
import pytest

from econsim.web.pairs import Outcome, band, differences

T975_2 = 4.302653  # Student's t, 97.5th percentile, 2 degrees of freedom


def run(metrics: dict[str, float], capability: list[float]) -> Outcome:
    frame = pl.DataFrame({"time": [2023.0, 2024.0], "vertical": ["legal"] * 2,
                          "capability": capability})  # fmt: skip
    return Outcome(metrics, frame, pl.DataFrame({"time": [2023.0], "breadth": [1.0]}))


def test_each_difference_is_paired_with_a_t_interval_and_a_verdict():
    unchanged = [run({"capability.legal": x, "breadth": 2.0}, [0.1, 0.2]) for x in (1.0, 2.0, 3.0)]
    changed = [run({"capability.legal": x, "breadth": 2.0}, [0.1, 0.2]) for x in (2.0, 3.5, 4.5)]
    table = {row["metric"]: row for row in differences(unchanged, changed).iter_rows(named=True)}
    legal = table["capability.legal"]
    half = T975_2 * 0.288675 / 3**0.5  # the pairs differ by 1, 1.5, 1.5: sd 0.2887
    assert legal["difference"] == pytest.approx(4 / 3)
    assert (legal["ci_low"], legal["ci_high"]) == pytest.approx((4 / 3 - half, 4 / 3 + half), 1e-5)
    assert legal["clear"]  # [0.62, 2.05] excludes 0
    assert table["breadth"]["difference"] == 0 and not table["breadth"]["clear"]
    noisy = [run({"capability.legal": x, "breadth": 2.0}, [0.1, 0.2]) for x in (0.0, 3.0, 3.0)]
    assert not differences(unchanged, noisy).row(0, named=True)["clear"]  # -1, 1, 0: spans 0


def test_the_band_is_the_mean_and_the_range_of_the_replications():
    runs = [run({}, [0.1, 0.4]), run({}, [0.3, 0.2]), run({}, [0.2, 0.9])]
    rows = band(runs).rows(named=True)
    assert [r["mean"] for r in rows] == pytest.approx([0.2, 0.5])
    assert [r["low"] for r in rows] == pytest.approx([0.1, 0.2])
    assert [r["high"] for r in rows] == pytest.approx([0.3, 0.9])


def test_with_a_posterior_each_replication_runs_its_draw_and_what_was_set_wins(tmp_path):
    import econsim
    from econsim.engine import simulate
    from econsim.experiments.calibration.posterior import read_posterior
    from econsim.web.app import WhatIf
    from econsim.web.pairs import outcome
    from econsim.world.streams import replication_seeds

    path = tmp_path / "posterior.parquet"
    pl.DataFrame({"capability.generalization": [1e-4, 1e-2], "verticals.legal.p": [0.01, 0.2],
                  "weight": [0.5, 0.5]}).write_parquet(path)  # fmt: skip
    sample = read_posterior(path)
    scenario = econsim.load_scenario("baseline", {"economy.firms": 300, "horizon": 1.0})
    pinned = {"verticals.legal.p": 0.05}
    page = WhatIf(scenario, 5, "healthcare", replications=3, posterior=sample, pinned=pinned)
    seeds = replication_seeds(5, 3)  # the page's replications, spawned from its seed
    for seed, run in zip(seeds, page.unchanged, strict=True):
        drawn = scenario.override(sample.overrides(scenario, sample.row(seed))).override(pinned)
        assert drawn.verticals["legal"].p == 0.05
        assert run.metrics == outcome((drawn, seed)).metrics  # an independent replay
    assert simulate(scenario, seeds[0]).metrics() != page.unchanged[0].metrics  # it mattered
