"""econsim: how fast AI capability spreads across the verticals of an economy.

Quick use::

    import econsim
    scenario = econsim.load_scenario("baseline", {"verticals.legal.p": 0.05})
    results = econsim.simulate(scenario, seed=1)
    results.timeseries  # polars DataFrame
"""

from econsim.engine import Simulation, simulate
from econsim.results import Results, read_provenance, read_results
from econsim.scenario import Scenario, ScenarioError, bundled_scenarios, load_scenario

__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "bundled_scenarios",
    "load_scenario",
    "read_provenance",
    "read_results",
    "simulate",
]
