"""The runs behind the profiles in this folder: `pyinstrument runs.py bass` or `... baseline N`."""

import sys

import networkx as nx

from econsim import Simulation, load_scenario

if sys.argv[1] == "bass":  # the peers' Bass row: 100,000 firms on a Barabási-Albert graph
    graph = nx.barabasi_albert_graph(100_000, 3, seed=1)
    nx.set_node_attributes(graph, "market", "vertical")
    Simulation(load_scenario("bass", {"horizon": 10.0}).with_network(graph), 1).run()
else:
    Simulation(load_scenario("baseline", {"economy.firms": int(sys.argv[2])}), 1).run()
