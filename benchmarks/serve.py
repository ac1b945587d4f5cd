"""The what-if page's redraw: one paired run at the page's firm count, as a request sees it.

python benchmarks/serve.py                    # baseline at 10,000 firms, 5 redraws
python benchmarks/serve.py --firms 20000 --scenario data_holder_leverage
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
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    scenario = econsim.load_scenario(args.scenario, {"economy.firms": args.firms})
    clock = time.perf_counter()
    whatif = WhatIf(scenario, scenario.seed, "healthcare")
    start = time.perf_counter() - clock
    times = []
    for i in range(args.repeats):
        clock = time.perf_counter()
        whatif.run({"verticals.healthcare.consent": 0.2 + 0.15 * i})  # charts and table too
        times.append(time.perf_counter() - clock)
    print(
        f"{args.scenario} at {args.firms:,} firms ({engine_kind()} engine): page ready in "
        f"{start:.2f} s; a redraw {statistics.median(times):.2f} s median "
        f"({', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
