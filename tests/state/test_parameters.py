"""Parameters reach agents one way: each agent's view of the scenario, retuned when it changes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import econsim
from econsim.agents.holders import HolderTerms
from econsim.agents.lab import LabTerms
from econsim.agents.market import MarketTerms
from econsim.scenario import Scenario
from econsim.scenario.registry import HOLDER_POLICIES, STRATEGIES
from econsim.state.ledger import LedgerTerms
from econsim.state.parameters import VerticalTable, numeric_fields, unchanged

EVERY_AGENT = {  # a lab of each strategy and a data holder
    "economy.firms": 400,
    "horizon": 1.0,
    "labs.frontier.strategy": "broad",
    "labs.challenger.strategy": "vertical",
    "holders": {"hospitals": {"vertical": "healthcare", "policy": "license"}},
}


def views(scenario: Scenario) -> dict[str, Any]:
    """Every agent's view of a scenario, by agent."""
    found: dict[str, Any] = {"ledger": LedgerTerms.read(scenario)}
    found |= {f"lab {name}": LabTerms.read(scenario, name) for name in scenario.labs}
    found["market"] = MarketTerms.read(scenario)
    found |= {f"holder {name}": HolderTerms.read(scenario, name) for name in scenario.holders}
    return found


def live_keys(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a scenario an intervention may set, with its value."""
    if isinstance(value, dict):
        for key, below in value.items():
            yield from live_keys(below, f"{prefix}{key}.")
    elif Scenario.is_live(prefix[:-1]):
        yield prefix[:-1], value


def others(key: str, value: Any) -> Iterator[Any]:
    """Values other than ``value`` a key may take, the likeliest to validate first."""
    if isinstance(value, bool):
        yield not value
    elif isinstance(value, str):  # a holder's policy or a lab's strategy
        names = HOLDER_POLICIES.names if key.endswith(".policy") else STRATEGIES.names
        yield from (name for name in names if name != value)
    elif value is None:  # an optional cap
        yield 1.0
    else:
        low, high, _ = Scenario.key_bounds(key)
        for candidate in (value * 1.5, value / 2, value + 0.01, value - 0.01, low, high):
            if candidate is not None and candidate != value and math.isfinite(candidate):
                yield candidate


def changed(scenario: Scenario, key: str, value: Any) -> Scenario:
    """The scenario with ``key`` set to the first other value that validates."""
    for candidate in others(key, value):
        try:
            return scenario.override({key: candidate})
        except econsim.ScenarioError:
            continue
    raise AssertionError(f"no other valid value for {key}")


def test_every_parameter_an_intervention_may_set_reaches_some_agent():
    scenario = econsim.load_scenario("baseline", EVERY_AGENT)
    before = views(scenario)
    unread = []
    for key, value in live_keys(scenario.model_dump(mode="json")):
        after = views(changed(scenario, key, value))
        if all(unchanged(before[agent], after[agent]) for agent in before):
            unread.append(key)
    assert unread == []


def test_a_view_is_the_same_when_the_scenario_is():
    scenario = econsim.load_scenario("baseline", EVERY_AGENT)
    again = scenario.override({})
    pairs = zip(views(scenario).values(), views(again).values(), strict=True)
    assert all(unchanged(a, b) for a, b in pairs)
    assert not unchanged(np.array([1.0, 2.0]), np.array([1.0, 2.5]))


def retunes(change: dict[str, Any]) -> list[str]:
    """Which agents an intervention at 2023 retunes, in order, in a short run."""
    scenario = econsim.load_scenario(
        "baseline", {**EVERY_AGENT, "interventions": [{"at": 2023.0, "set": change}]}
    )
    simulation = econsim.Simulation(scenario, seed=1)
    told: list[str] = []
    agents = {
        "ledger": simulation.ledger,
        "market": simulation.market,
        **{f"lab {lab.name}": lab for lab in simulation.labs},
        "holder hospitals": simulation.holders[0],
    }
    for name, agent in agents.items():
        agent.retune = spy(agent.retune, told, name)  # type: ignore[method-assign]
    simulation.run()
    return told


def spy(retune: Callable[[Any, float], None], told: list[str], name: str) -> Callable[..., None]:
    def wrapped(view: Any, now: float) -> None:
        told.append(name)
        retune(view, now)

    return wrapped


@pytest.mark.parametrize(
    ("change", "agents"),
    [
        ({"verticals.legal.consent": 0.9}, ["ledger"]),
        ({"verticals.legal.p": 0.2}, ["market"]),
        ({"labs.frontier.research.humans": 10.0}, ["lab frontier"]),
        ({"holders.hospitals.price": 1.0}, ["holder hospitals"]),
        (  # scores move for every lab, and with them the market's gates
            {"verticals.legal.eval_validity": 0.9},
            ["lab frontier", "lab challenger", "market"],
        ),
        ({"labs.challenger.finance.price_share": 0.2}, ["lab challenger", "market"]),
    ],
)
def test_an_intervention_retunes_exactly_the_agents_whose_view_it_changes(change, agents):
    assert retunes(change) == agents


def test_the_vertical_table_holds_every_number_of_a_vertical_read_only():
    scenario = econsim.load_scenario("baseline")
    table = VerticalTable(scenario.verticals)
    assert set(VerticalTable.KEYS) == set(numeric_fields(scenario.verticals["healthcare"]))
    assert table.p[table.names.index("legal")] == scenario.verticals["legal"].p
    with pytest.raises(ValueError, match="read-only"):
        table.p[0] = 1.0
