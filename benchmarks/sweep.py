"""Sweep scaling: speed-up from local workers, and the parent's memory as runs grow.

Each measurement runs in a fresh Python process, which reports its own peak
resident memory: that is the parent of the sweep (workers are separate processes).

    python benchmarks/sweep.py                 # speed-up (100 runs), memory (100, 1000)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CHILD = """
import json, resource, sys, tempfile, time
from econsim.experiments import LocalProcesses, Sequential, Study, plan_study, run_plan
runs, workers, firms, horizon = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
                                 float(sys.argv[4]))
study = Study.model_validate({"scenario": "baseline", "seed": 1, "replications": runs,
                              "set": {"economy.firms": firms, "horizon": horizon}})
executor = Sequential() if workers == 0 else LocalProcesses(workers)
with tempfile.TemporaryDirectory() as folder:
    clock = time.perf_counter()
    outcome = run_plan(plan_study(study), folder, executor)
    seconds = time.perf_counter() - clock
assert outcome.runs.height == runs and outcome.failed == 0
print(json.dumps({"runs": runs, "workers": workers, "seconds": seconds,
                  "parent_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(runs: int, workers: int, firms: int, horizon: float) -> dict[str, float]:
    """One sweep in a fresh process (workers = 0: in the parent, no pool)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(runs), str(workers), str(firms), str(horizon)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--firms", type=int, default=3000)
    parser.add_argument("--horizon", type=float, default=10.0)
    args = parser.parse_args()
    print(f"speed-up: {args.runs} runs of baseline, {args.firms} firms, {args.horizon} years\n")
    print("| executor | seconds | runs/s | speed-up vs 1 worker |\n|---|---:|---:|---:|")
    rows = {w: measure(args.runs, w, args.firms, args.horizon) for w in (1, 2, 0)}
    for workers, label in (
        (0, "in-process (--workers 1)"),
        (1, "1 local worker"),
        (2, "2 local workers"),
    ):
        row = rows[workers]
        print(
            f"| {label} | {row['seconds']:.1f} | {args.runs / row['seconds']:.2f} | "
            f"{rows[1]['seconds'] / row['seconds']:.2f} |"
        )
    print("\nparent memory: small runs (baseline, 500 firms, 2 years), 2 local workers\n")
    print("| runs | seconds | parent peak MB |\n|---:|---:|---:|")
    for runs in (100, 1000):
        row = measure(runs, 2, 500, 2.0)
        print(f"| {runs} | {row['seconds']:.1f} | {row['parent_peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
