"""A lab's models and books on small simulations, against the event log and closed forms."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import econsim


def simulation(
    name: str, overrides: dict[str, object], *changes: dict[str, object]
) -> econsim.Simulation:
    """A small simulation of a scenario, with interventions, not yet run."""
    scenario = econsim.load_scenario(name, {"economy.firms": 500, **overrides})
    return econsim.Simulation(scenario.override({"interventions": list(changes)}), seed=1)


def test_a_labs_current_model_records_the_time_of_its_last_release():
    run = simulation("baseline", {"horizon": 1.5})
    start = run.scenario.start
    assert [lab.model.released for lab in run.labs] == [start] * len(run.labs)
    releases = run.run().events.filter(pl.col("event") == "release")
    for lab in run.labs:
        last = releases.filter(pl.col("lab") == lab.name)["time"].max()
        assert last > start
        assert lab.model.released == last


@pytest.mark.parametrize(
    ("name", "learning"),
    [("baseline", 0.0), ("datacenter_of_geniuses", 0.5)],  # no learning; nobody to learn from
)
def test_a_model_that_learns_nothing_keeps_its_capability_when_the_learning_settings_change(
    name, learning
):
    # generalization rises between two releases: a model that learns nothing from customers
    # since its training started keeps its real capability until the next release
    change = {"at": 2023.1, "set": {"capability.generalization": 1e-3}}
    overrides = {"horizon": 1.0, "capability.continual_learning": learning}
    results = simulation(name, overrides, change).run()
    releases = results.events.filter(pl.col("event") == "release")
    for lab in results.scenario.lab_names:
        series = results.timeseries.filter(pl.col("lab") == lab).pivot(
            "vertical", index="time", values="capability"
        )
        times, level = series["time"].to_numpy(), series.drop("time").to_numpy()
        released = releases.filter(pl.col("lab") == lab)["time"].to_numpy()
        for i in np.flatnonzero(np.any(np.diff(level, axis=0) != 0, axis=1)):
            assert np.any((released > times[i]) & (released <= times[i + 1] + 1e-9))


def test_an_eval_intervention_leaves_each_lab_integrating_where_it_did():
    # the conqueror integrates its deployments in healthcare (full consent), the frontier lab
    # nowhere: after new benchmarks are adopted each lab still declares only its own flags
    change = {"at": 2023.0, "set": {"verticals.*.eval_validity": 0.5}}
    run = simulation("vertical_conquest", {"horizon": 1.0}, change)
    run.run()
    ledger, names = run.ledger, run.scenario.vertical_names
    flags = [lab.deployer_flags() for lab in run.labs]
    assert [lab.name for lab in run.labs] == ["frontier", "conqueror"]
    assert [np.flatnonzero(row).tolist() for row in flags] == [[], [names.index("healthcare")]]
    assert ledger.deployer.tolist() == flags
    consent = np.where(flags, 1.0, run.conditions.verticals.consent)
    assert ledger.consent.tolist() == consent.tolist()
    # the consent never changed during the run: every cell kept its share of what it generated
    assert ledger.consented == pytest.approx(ledger.generated * consent, rel=1e-12)


def test_each_licence_adds_its_yearly_fee_to_the_labs_licence_bill_at_once():
    run = simulation("baseline", {})
    lab, start = run.labs[0], run.scenario.start
    assert lab.licence_costs == 0.0
    lab.pay_licence(start + 2.0, 3e8)
    lab.pay_licence(start + 3.0, 5e8)
    assert lab.licences == [(start + 2.0, 3e8), (start + 3.0, 5e8)]
    assert lab.licence_costs == 8e8
