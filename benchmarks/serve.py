"""The what-if page's redraw: its paired replications at the page's firm count, as a
request sees it.

python benchmarks/serve.py                    # baseline, 3,000 firms, 6 replications, 2 workers
python benchmarks/serve.py --firms 10000 --replications 10 --scenario data_holder_leverage
"""

from __future__ import annotations

import argparse
import statistics
import time

import econsim
from econsim import engine_kind
from econsim.web.app import WhatIf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--firms", type=int, default=3_000)
    parser.add_argument("--replications", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scenario = econsim.load_scenario(args.scenario, {"economy.firms": args.firms})
    clock = time.perf_counter()
    whatif = WhatIf(scenario, scenario.seed, "healthcare", args.replications, args.workers)
    start = time.perf_counter() - clock
    times = []
    for i in range(args.repeats):
        clock = time.perf_counter()
        whatif.run({"verticals.healthcare.consent": 0.2 + 0.15 * i})  # charts and table too
        times.append(time.perf_counter() - clock)
    whatif.close()
    print(
        f"{args.scenario} at {args.firms:,} firms, {args.replications} replications on "
        f"{args.workers} workers ({engine_kind()} engine): page ready in "
        f"{start:.2f} s; a redraw {statistics.median(times):.2f} s median "
        f"({', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
