"""econsim's `bass` scenario beside short hand-written implementations of the same model.

Network Bass diffusion on a Barabási-Albert graph (mean degree 6), 10 years, p = 0.03
and q = 0.38 a year. The peers (``bass_simpy_events.py`` with callbacks, and
``bass_numpy.py``) live outside this repository; pass their folder:

    python benchmarks/peers.py ../shared/peers --sizes 10000 100000 --repeats 5

Every run is a fresh process, the implementations interleaved within each repeat.
Each reports set-up plus run, without interpreter start and graph generation (the
same networkx call for all). econsim takes the graph as a user would, through
``Scenario.with_network`` (inside the clock, and also reported on its own). The
medians and ratios are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from econsim import engine_kind  # what the children import too: they start in this folder

ECONSIM = """
import sys, time
import networkx as nx
from econsim import Simulation, load_scenario  # imports are not the run's time
n, seed = int(sys.argv[1]), int(sys.argv[2])
clock = time.perf_counter()
graph = nx.barabasi_albert_graph(n, 3, seed=seed)  # the peers' graph, the same call
nx.set_node_attributes(graph, "market", "vertical")  # every firm in the one vertical
graph_seconds = time.perf_counter() - clock
clock = time.perf_counter()
scenario = load_scenario("bass", {"horizon": 10.0}).with_network(graph)
network_seconds = time.perf_counter() - clock
simulation = Simulation(scenario, seed)
results = simulation.run()
seconds = time.perf_counter() - clock
adopters = int(results.timeseries["deployed"][-1])
print(f"adopters={adopters} seconds={seconds:.4f} graph_s={graph_seconds:.4f} "
      f"network_s={network_seconds:.4f}")
"""
PEERS = {
    "bass_simpy_events.py": ["--style", "callbacks"],
    "bass_numpy.py": [],
}


def run(command: list[str]) -> dict[str, str]:
    """One fresh process; its last line ``key=value ...``."""
    here = Path(__file__).resolve().parent  # not the repository root: see benchmarks/run.py
    done = subprocess.run(command, cwd=here, check=True, capture_output=True, text=True)
    fields = done.stdout.strip().splitlines()[-1].split()
    return dict(field.split("=", 1) for field in fields)


def commands(peers: Path, n: int, seed: int) -> dict[str, list[str]]:
    """The command of each implementation for ``n`` firms."""
    out = {"econsim bass": [sys.executable, "-c", ECONSIM, str(n), str(seed)]}
    for name, extra in PEERS.items():
        out[name.removesuffix(".py")] = [
            sys.executable, str(peers / name), "--N", str(n), "--T", "120", "--seed", str(seed),
            *extra,
        ]  # fmt: skip
    return out


def main() -> None:
    """Measure, interleaved, and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peers", type=Path, help="folder holding the reference implementations")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    args.peers = args.peers.resolve()
    seconds: dict[tuple[int, str], list[float]] = {}
    for n in args.sizes:
        for repeat in range(args.repeats):
            for name, command in commands(args.peers, n, seed=repeat + 1).items():
                line = run(command)
                seconds.setdefault((n, name), []).append(float(line["seconds"]))
                if "network_s" in line:
                    seconds.setdefault((n, "with_network"), []).append(float(line["network_s"]))
    names = list(commands(args.peers, 1, 1))
    print(f"econsim engine: {engine_kind()}; medians of {args.repeats}, seconds\n")
    header = [*names, "of which with_network", "econsim / simpy events", "econsim / numpy"]
    print("| firms | " + " | ".join(header) + " |")
    print("|---:|" + "---:|" * len(header))
    for n in args.sizes:
        medians = [statistics.median(seconds[n, name]) for name in [*names, "with_network"]]
        cells = " | ".join(f"{m:.2f}" for m in medians)
        ratios = f"{medians[0] / medians[1]:.2f} | {medians[0] / medians[2]:.1f}"
        print(f"| {n:,} | {cells} | {ratios} |")


if __name__ == "__main__":
    main()
