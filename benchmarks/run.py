"""Time whole runs at several firm counts: wall time, events per second, peak memory.

Each size runs in a fresh Python process so that its peak resident memory is its own.
The work timed is what `econsim run` does: build the world, simulate, write parquet.

    python benchmarks/run.py                          # 10k, 100k, 1M firms, baseline
    python benchmarks/run.py --sizes 10000 --repeat 3 --json out.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from econsim import engine_kind  # what the children import too: they start in this folder

HERE = Path(__file__).resolve().parent
CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
from econsim import Simulation, load_scenario  # imports are not the run's time
scenario_name, firms, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
clock = time.perf_counter()
scenario = load_scenario(scenario_name, {"economy.firms": firms})
simulation = Simulation(scenario, seed)
built = time.perf_counter()
results = simulation.run()
ran = time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    results.write(Path(folder) / "run")
written = time.perf_counter()
print(json.dumps({
    "firms": firms, "events": len(simulation.log),
    "build_s": built - clock, "run_s": ran - built, "write_s": written - ran,
    "wall_s": written - clock, "events_per_s": len(simulation.log) / (ran - built),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def measure(scenario: str, firms: int, seed: int) -> dict[str, float]:
    """One run in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, str(firms), str(seed)],
        cwd=HERE,  # not the repository root, whose sources would shadow an installed build
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def table(rows: list[dict[str, float]]) -> str:
    """Markdown table of the median over repeats per size."""
    lines = [
        "| firms | events | build s | run s | write s | wall s | events/s | peak MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for firms in sorted({int(r["firms"]) for r in rows}):
        runs = [r for r in rows if r["firms"] == firms]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        lines.append(
            f"| {firms:,} | {med['events']:,.0f} | {med['build_s']:.2f} | {med['run_s']:.2f} "
            f"| {med['write_s']:.2f} | {med['wall_s']:.2f} | {med['events_per_s']:,.0f} "
            f"| {med['peak_mb']:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--json", type=Path, help="also write the raw rows here")
    args = parser.parse_args(argv)
    rows = []
    for firms in args.sizes:
        for _ in range(args.repeat):
            rows.append(measure(args.scenario, firms, args.seed))
            print(f"  {firms:>9,} firms: {rows[-1]['wall_s']:.2f} s", file=sys.stderr)
    print(
        f"scenario {args.scenario}, seed {args.seed}, median of {args.repeat}, "
        f"{engine_kind()} engine\n"
    )
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
