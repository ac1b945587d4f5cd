"""Does the what-if page tell effect from noise? Its answer against a larger comparison.

``python docs/programs/whatif_check.py [--firms 3000] [--seed 0]`` opens the page's
evidence as ``econsim serve data_holder_leverage`` does (its firms, six paired
replications, two workers), moves healthcare's consent from 0.2 to 0.8, and runs
the same change as ``econsim compare -n 20`` with another root seed. For every
metric whose 20-replication interval excludes zero it prints both estimates and
whether their signs agree, then the page's clear effects against the comparison.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from tempfile import TemporaryDirectory

import polars as pl
from paired import executor

import econsim
from econsim.experiments.compare import compare_arms
from econsim.experiments.runner import run_plan
from econsim.experiments.study import plan_arms
from econsim.web.app import WhatIf

LEVER, TO = "verticals.healthcare.consent", 0.8


def main() -> None:
    """Open the page's evidence, run the comparison, print where they agree."""
    parser = argparse.ArgumentParser(
        prog="python docs/programs/whatif_check.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--firms", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scenario = econsim.load_scenario("data_holder_leverage", {"economy.firms": args.firms})
    page = WhatIf(scenario, scenario.seed, "healthcare", replications=6, workers=2)
    shown = {row["metric"]: row for row in page.run({LEVER: TO})["differences"]}
    page.close()
    arms = {"base": scenario, "consent": scenario.override({LEVER: TO})}
    with TemporaryDirectory() as folder:
        plan = plan_arms(arms, 20, args.seed)
        runs = run_plan(plan, Path(folder), executor(2)).runs
    table = compare_arms(runs).filter(pl.col("ci_low").is_not_null())
    agree = 0
    clear = table.filter(
        pl.col("metric").is_in(list(shown)) & ((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0))
    )
    for row in clear.iter_rows(named=True):
        mine = shown[row["metric"]]
        same = mine["difference"] * row["difference"] > 0
        agree += same
        print(
            f"{row['metric']:28s} compare {row['difference']:+.4f} "
            f"[{row['ci_low']:+.4f}, {row['ci_high']:+.4f}]  page {mine['difference']:+.4f} "
            f"[{mine['ci_low']:+.4f}, {mine['ci_high']:+.4f}] "
            f"{'effect' if mine['clear'] else 'noise'}, sign {'agrees' if same else 'differs'}"
        )
    print(f"{agree} of {clear.height} clear effects of the comparison have the page's sign")
    effects = [metric for metric, row in shown.items() if row["clear"]]
    print(f"the page's effects: {', '.join(effects) or 'none'}")


if __name__ == "__main__":
    main()
