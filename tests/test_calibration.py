"""DESIGN §6, calibration: the baseline against observed adoption and the software gap."""

from __future__ import annotations

import pytest

import econsim
from econsim.experiments.calibration import compare, markdown


@pytest.fixture(scope="module")
def table():
    # 40k firms: the smallest resolution at which sector shares are steady
    scenario = econsim.load_scenario("baseline", {"economy.firms": 40_000, "horizon": 4.0})
    simulation = econsim.Simulation(scenario)
    return compare(simulation, simulation.run())


def test_every_observation_is_matched_in_rough_level(table):
    # "rough level": within a factor of two of the observed share or ratio
    for row in table.iter_rows(named=True):
        assert 0.5 <= row["ratio"] <= 2.0, row


def test_sectors_adopt_in_the_observed_order(table):
    share = {row["measure"]: row["simulated"] for row in table.iter_rows(named=True)}
    assert (
        share["information sector using AI"]
        > share["professional services using AI"]
        > share["least-adopting sectors using AI"]
    )


def test_adoption_grows_between_surveys(table):
    us = table.filter(table["measure"] == "US firms using AI")["simulated"].to_list()
    assert us == sorted(us)


def test_software_benchmarks_overstate_real_capability_as_observed(table):
    gap = table.filter(table["measure"].str.starts_with("software"))
    assert 1.2 <= gap["simulated"].item() <= 2.0  # METR: 72% / 48% = 1.5


def test_the_table_renders_as_markdown(table):
    assert markdown(table).count("\n") == table.height + 1
