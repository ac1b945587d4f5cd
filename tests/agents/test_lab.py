"""A lab's models and books on small simulations, against the event log and closed forms."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

import econsim
from econsim.state.parameters import VerticalTable
from tests.conftest import at_the_start


def simulation(
    name: str, overrides: dict[str, object], *changes: dict[str, object]
) -> econsim.Simulation:
    """A small simulation of a scenario, with interventions, not yet run."""
    scenario = econsim.load_scenario(name, {"economy.firms": 500, **overrides})
    return econsim.Simulation(scenario.override({"interventions": list(changes)}), seed=1)


def test_a_labs_current_model_records_the_time_of_its_last_release():
    run = simulation("baseline", {"horizon": 1.5})
    start = run.scenario.start
    run.start()
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
    consent = np.where(flags, 1.0, run.ledger.terms.consent)
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


def test_a_new_lab_has_earned_nothing_and_spends_its_funding_on_compute():
    run = simulation("baseline", {})
    run.start()
    # it holds what years of funding growing 2.4x a year (0.875) bought at the capital
    # price 1e10 / (1/5 + 0.35) and kept for five years: 0.55 / (0.875 + 0.35 + 0.2)
    # units per 1e10 USD a year
    for lab in run.labs:
        funding = lab.spec.finance.funding
        assert lab.revenue == 0.0
        assert lab.licence_costs == 0.0
        assert lab.spending == funding
        assert lab.compute == pytest.approx(funding / 1e10 * 0.55 / 1.425, rel=1e-12)


@pytest.mark.parametrize("gamma", [0.0, 0.2, 0.5])
def test_a_models_scale_is_its_training_compute_against_the_largest_at_the_start(gamma):
    # the challenger, funded 4x the frontier with the same growth, holds 4x its compute
    # and trains as long: its run is the reference Q0, and the frontier's first model
    # has scale (1/4)^γ
    overrides = {
        "labs.challenger.finance.funding": 4.0e10,
        "labs.challenger.training_time": 0.5,
        "capability.compute_exponent": gamma,
    }
    simulation, _ = at_the_start(overrides)
    frontier, challenger = simulation.labs
    assert challenger.compute == pytest.approx(4 * frontier.compute, rel=1e-12)
    assert challenger.model.data.scale == pytest.approx(1.0, rel=1e-12)
    assert frontier.model.data.scale == pytest.approx(0.25**gamma, rel=1e-12)


def test_a_labs_first_revenue_is_its_share_of_the_value_created_in_the_first_step():
    run = simulation("baseline", {"horizon": 1 / 12})
    run.run()
    for lab in run.labs:
        output = run.ledger.output[lab.index].sum()
        assert output > 0
        expected = lab.spec.finance.price_share * output * run.scenario.steps_per_year
        assert lab.revenue == pytest.approx(expected, rel=1e-12)


def test_a_labs_own_firms_feed_its_data_by_their_share_of_the_verticals_real_firms():
    # firm shares are weights: tripled, they describe the same economy. The lab runs 2,000
    # of finance's s/Σs · N real firms; its cell then gains that share of the vertical's
    # recorded task volume V (τ + (1 - τ) actuation) every year, at full consent
    base = econsim.load_scenario("baseline", {})
    tripled = {
        f"verticals.{name}.firm_share": 3 * spec.firm_share for name, spec in base.verticals.items()
    }
    run = simulation("baseline", {"labs.frontier.operations": {"finance": 2000.0}, **tripled})
    scenario, ledger = run.scenario, run.ledger
    weights = [spec.firm_share for spec in scenario.verticals.values()]
    finance, spec = scenario.vertical_names.index("finance"), scenario.verticals["finance"]
    actuation = scenario.capability.actuation
    level = actuation.initial + (actuation.ceiling - actuation.initial) / (
        1 + math.exp(-actuation.rate * (scenario.start - actuation.midpoint))
    )
    share = 2000.0 / (scenario.economy.real_firms * weights[finance] / sum(weights))
    yearly = share * spec.volume * (spec.tokenizability + (1 - spec.tokenizability) * level)
    run.start()
    ledger.advance_all(scenario.start + 1.0)
    assert ledger.operated[0, finance] == pytest.approx(yearly, rel=1e-12)
    assert ledger.operated[1, finance] == 0.0


def test_graded_outcomes_elsewhere_count_towards_eval_validity_by_their_transfer_weight():
    simulation, _ = at_the_start(
        {"capability.generalization": 1e-3, "capability.transfer": {"software": {"finance": 0.5}}}
    )
    names, v = simulation.scenario.vertical_names, VerticalTable(simulation.scenario.verticals)
    software, finance = names.index("software"), names.index("finance")
    lab = simulation.labs[0]
    assert lab.eval_validity().tolist() == v.eval_validity.tolist()  # no graded outcomes yet
    graded = 2 * v.graded_half[finance]  # half of it reaches finance: half-way there
    simulation.ledger.deliver(0, software, simulation.scenario.start, graded)
    validity = lab.eval_validity()
    rho = v.eval_validity
    assert validity[finance] == pytest.approx(rho[finance] + (1 - rho[finance]) / 2)
    legal = names.index("legal")
    assert rho[legal] < validity[legal] < validity[finance]  # 1e-3 of it reaches legal
