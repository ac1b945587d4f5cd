"""econsim: how fast AI capability spreads across the verticals of an economy.

Quick use::

    import econsim
    scenario = econsim.load_scenario("baseline", {"verticals.legal.p": 0.05})
    results = econsim.simulate(scenario, seed=1)
    results.timeseries  # polars DataFrame

The names below load on first use, so that ``econsim --help`` starts without the
engine, polars or numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from econsim.build import engine_kind
    from econsim.engine import Simulation, simulate
    from econsim.results import Results, read_provenance, read_results
    from econsim.scenario import Scenario, ScenarioError, bundled_scenarios, load_scenario

_WHERE = {
    "engine_kind": "econsim.build",
    "Simulation": "econsim.engine",
    "simulate": "econsim.engine",
    "Results": "econsim.results",
    "read_provenance": "econsim.results",
    "read_results": "econsim.results",
    "Scenario": "econsim.scenario",
    "ScenarioError": "econsim.scenario",
    "bundled_scenarios": "econsim.scenario",
    "load_scenario": "econsim.scenario",
}
__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "bundled_scenarios",
    "engine_kind",
    "load_scenario",
    "read_provenance",
    "read_results",
    "simulate",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'econsim' has no attribute {name!r}")
