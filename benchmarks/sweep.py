"""Sweep scaling: speed-up from local workers, and the parent's memory as runs grow.

Each measurement runs in a fresh Python process, which reports its own peak
resident memory: that is the parent of the sweep (workers are separate processes).

    python benchmarks/sweep.py                 # speed-up (100 runs), memory (100, 1000)
    python benchmarks/sweep.py --study-target  # 1,000 runs of baseline at 10k firms, 2 workers
    python benchmarks/sweep.py --study-target --study-runs 100   # a tenth of it, per 1,000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from econsim import engine_kind  # what the children import too: they start in this folder

CHILD = """
import json, resource, sys, tempfile, time
from econsim.experiments import LocalProcesses, Sequential, Study, plan_study, run_plan
runs, workers, overrides = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
study = Study.model_validate({"scenario": "baseline", "seed": 1, "replications": runs,
                              "set": overrides})
executor = Sequential() if workers == 0 else LocalProcesses(workers)
with tempfile.TemporaryDirectory() as folder:
    clock = time.perf_counter()
    outcome = run_plan(plan_study(study), folder, executor)
    seconds = time.perf_counter() - clock
assert outcome.runs.height == runs and outcome.failed == 0
print(json.dumps({"runs": runs, "workers": workers, "seconds": seconds,
                  "parent_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(runs: int, workers: int, firms: int, horizon: float | None = None) -> dict[str, float]:
    """One sweep in a fresh process (workers = 0: in the parent, no pool)."""
    overrides: dict[str, float] = {"economy.firms": firms}
    if horizon is not None:
        overrides["horizon"] = horizon
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(runs), str(workers), json.dumps(overrides)],
        cwd=Path(__file__).resolve().parent,  # not the repository root: see run.py
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
    parser.add_argument(
        "--study-target",
        action="store_true",
        help="only the study check: runs of baseline (10,000 firms, its horizon), 2 workers",
    )
    parser.add_argument("--study-runs", type=int, default=1000, help="runs of the study check")
    args = parser.parse_args()
    if args.study_target:
        runs = args.study_runs
        row = measure(runs, 2, 10_000)
        print(
            f"{runs:,} runs of baseline at 10,000 firms on 2 workers ({engine_kind()} engine): "
            f"{row['seconds']:.1f} s = {row['seconds'] * 1000 / runs:.0f} s per 1,000 runs, "
            f"parent peak {row['parent_peak_mb']:.0f} MB"
        )
        return
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
