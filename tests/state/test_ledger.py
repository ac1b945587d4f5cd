"""The practice ledger on its own: stocks and cumulative books against closed forms."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

import econsim
from econsim.model.diffusion import capture_share
from econsim.state.ledger import LedgerTerms, PracticeLedger
from econsim.state.parameters import VerticalTable
from tests.conftest import at_the_start


def fresh_ledger() -> tuple[econsim.Simulation, int]:
    """A simulation at its start (no firm served yet) and the index of finance."""
    scenario = econsim.load_scenario("baseline", {"economy.firms": 500})
    simulation = econsim.Simulation(scenario, seed=1)
    assert not simulation.ledger.deployed_share.any()
    return simulation, scenario.vertical_names.index("finance")


def test_deliveries_add_to_the_graded_and_received_data_already_there():
    # internal use flows in at r a year from the start; lumps L1, L2 arrive at 1 and 1.5 years.
    # After 3 years: graded = r(1 - e^{-3δ})/δ + L1 e^{-2δ} + L2 e^{-1.5δ}, received = 3r + L1 + L2
    simulation, finance = fresh_ledger()
    ledger, start = simulation.ledger, simulation.scenario.start
    r, lumps = 4e8, {1.0: 1e9, 1.5: 3e9}
    rates = np.zeros((3, ledger.real.shape[1]))
    rates[1, finance] = r
    ledger.set_lab_rates(0, start, *rates)
    for at, episodes in lumps.items():
        ledger.deliver(0, finance, start + at, episodes)
    ledger.advance_all(start + 3.0)
    drift = float(ledger.drift[finance])
    graded = r * -math.expm1(-3 * drift) / drift
    graded += sum(episodes * math.exp(-(3 - at) * drift) for at, episodes in lumps.items())
    corpus = simulation.ledger.terms.corpus_practice[finance] * math.exp(-3 * drift)
    assert ledger.graded[0, finance] == pytest.approx(graded, rel=1e-12)
    assert ledger.real[0, finance] == pytest.approx(corpus + graded, rel=1e-12)
    assert ledger.received[0, finance] == pytest.approx(3 * r + 4e9, rel=1e-12)
    assert ledger.licensed[0, finance] == 4e9
    assert ledger.internal[0, finance] == pytest.approx(3 * r, rel=1e-12)


def test_the_deployer_flags_are_booleans_from_the_start():
    simulation, finance = fresh_ledger()
    ledger = simulation.ledger
    assert ledger.deployer.dtype == np.bool_
    assert not ledger.deployer.any()
    flags = [v == finance for v in range(ledger.deployer.shape[1])]
    ledger.set_deployer(1, simulation.scenario.start, flags)
    assert ledger.deployer.dtype == np.bool_
    assert ledger.deployer[1].tolist() == flags


def test_the_capture_share_reads_single_precision_tokenizability_as_the_numbers_it_is():
    # τ + (1 - τ) a for float32 τ below 1/2, where 1 - τ is not a float32: the exact value,
    # from the rationals the inputs are, against the double-precision result
    tau = np.array([0.1, 0.2, 0.35, 0.45], dtype=np.float32)
    actuation = 0.6
    share = capture_share(tau, actuation)
    assert share.dtype == np.float64
    exact = [
        float(Fraction(float(t)) + (1 - Fraction(float(t))) * Fraction(actuation)) for t in tau
    ]
    assert share == pytest.approx(exact, rel=1e-15, abs=0)


@pytest.mark.parametrize("length", [-1, 1])
def test_a_capability_row_of_the_wrong_length_is_refused(length):
    # one capability per vertical: a short row would leave a vertical's capability stale,
    # a long one would be read as if it fitted
    simulation, _ = fresh_ledger()
    ledger, start = simulation.ledger, simulation.scenario.start
    verticals = ledger.real.shape[1]
    with pytest.raises(ValueError, match="zip"):
        ledger.set_capability(0, start, [0.5] * (verticals + length))


@pytest.mark.parametrize("rates", ["synthetic", "internal", "operations"])
@pytest.mark.parametrize("length", [-1, 1])
def test_a_row_of_lab_rates_of_the_wrong_length_is_refused(rates, length):
    simulation, _ = fresh_ledger()
    ledger, start = simulation.ledger, simulation.scenario.start
    verticals = ledger.real.shape[1]
    row = {name: [0.0] * verticals for name in ("synthetic", "internal", "operations")}
    row[rates] = [0.0] * (verticals + length)
    with pytest.raises(ValueError, match="zip"):
        ledger.set_lab_rates(0, start, **row)


def test_a_fresh_ledger_only_decays_the_corpus_until_rates_are_set():
    simulation, _ = at_the_start()
    start, v = simulation.scenario.start, VerticalTable(simulation.scenario.verticals)
    ledger = PracticeLedger(LedgerTerms.read(simulation.scenario), 2, start)
    ledger.advance_all(start + 2.0)
    assert ledger.real == pytest.approx(np.tile(v.corpus_practice * np.exp(-2.0 * v.drift), (2, 1)))
    for stock in ("graded", "synthetic", "received", "generated", "operated", "output"):
        assert not getattr(ledger, stock).any(), stock


def test_a_delivery_adds_its_episodes_to_the_practice_and_graded_stocks_which_then_decay():
    simulation, _ = at_the_start()
    ledger, start = simulation.ledger, simulation.scenario.start
    twin = PracticeLedger(simulation.ledger.terms, len(simulation.labs), start)
    for book, lab in itertools.product((ledger, twin), range(len(simulation.labs))):
        book.set_lab_rates(lab, start, *np.zeros((3, ledger.real.shape[1])))  # no inflow
    finance = simulation.scenario.vertical_names.index("finance")
    ledger.deliver(0, finance, start + 1.0, 1e9)
    for book in (ledger, twin):
        book.advance_all(start + 3.0)
    kept = 1e9 * math.exp(-2.0 * simulation.ledger.terms.drift[finance])
    for stock in ("real", "graded"):
        added = getattr(ledger, stock) - getattr(twin, stock)
        assert added[0, finance] == pytest.approx(kept, rel=1e-9)
        assert np.count_nonzero(added) == 1
    assert ledger.licensed[0, finance] == ledger.received[0, finance] - twin.received[0, finance]
    assert ledger.licensed[0, finance] == 1e9
