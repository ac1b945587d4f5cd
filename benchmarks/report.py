"""Figures and report on a large study folder: wall time and peak memory.

Builds (once) a 1,000-run comparison study of small baseline runs, then times
`econsim plot` and `econsim report` on it, each in a fresh process.

    python benchmarks/report.py [--folder /tmp/econsim-1000-runs]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BUILD = [
    "compare",
    "baseline",
    "--arm",
    "base:",
    "--arm",
    "subsidy:verticals.*.p=0.1",
    "-n",
    "500",
    "--set",
    "economy.firms=500",
    "--set",
    "horizon=5",
    "--quiet",
]


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one econsim command in a fresh process."""
    probe = (
        "import resource, sys, runpy; sys.argv = ['econsim', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('econsim.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)"
    )
    clock = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], check=True, capture_output=True, text=True
    )
    return time.perf_counter() - clock, float(done.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/econsim-1000-runs"))
    args = parser.parse_args()
    if not (args.folder / "comparison.parquet").exists():
        seconds, _ = timed([*BUILD, "--out", str(args.folder)])
        print(f"built the study (1,000 runs) in {seconds:.0f} s", file=sys.stderr)
    print("| command | seconds | peak MB |\n|---|---:|---:|")
    for command in (
        ["plot", str(args.folder), "--out", str(args.folder / "figures")],
        ["report", str(args.folder)],
    ):
        seconds, peak = timed(command)
        print(f"| econsim {command[0]} (1,000 runs) | {seconds:.1f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
