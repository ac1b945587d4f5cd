"""``python -m econsim.experiments.calibration [table | fit | corpora]``."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from econsim.engine import Simulation
from econsim.experiments.calibration.fit import FIT_FIRMS, FIT_YEARS, corpora, fit
from econsim.experiments.calibration.measures import compare
from econsim.scenario import load_scenario

# The views a calibration check must tell apart, as (column, scenario, overrides).
VIEWS: tuple[tuple[str, str, Mapping[str, Any]], ...] = (
    ("baseline", "baseline", {}),
    ("optimist", "generalization_optimist", {}),
    ("no AI R&D", "baseline", {"labs.*.research.productivity": 0.0}),
)
SEEDS = (1, 2, 3)  # as the fit: heavy-tailed firm sizes make one draw noisy


def tables(firms: int = FIT_FIRMS, seeds: Sequence[int] = SEEDS) -> dict[str, pl.DataFrame]:
    """The comparison table of each view, 2022.5 to 2026.5, means over ``seeds``."""
    out = {}
    for column, name, overrides in VIEWS:
        scenario = load_scenario(name, {"economy.firms": firms, "horizon": FIT_YEARS, **overrides})
        runs = []
        for seed in seeds:
            simulation = Simulation(scenario, seed)
            runs.append(compare(simulation, simulation.run()))
        simulated = np.mean([run["simulated"].to_numpy() for run in runs], axis=0)
        out[column] = (
            runs[0]
            .with_columns(simulated=simulated)
            .with_columns(
                pl.col("simulated").is_between(pl.col("low"), pl.col("high")).alias("matched")
            )
        )
    return out


def markdown(views: Mapping[str, pl.DataFrame]) -> str:
    """One row per observation: observed with its interval, then each view (✓ matched)."""
    first = next(iter(views.values()))
    lines = [
        "| measure | time | role | observed [interval] | " + " | ".join(views) + " | source |",
        "|---|---:|---|---|" + "---:|" * len(views) + "---|",
    ]
    for i, row in enumerate(first.iter_rows(named=True)):
        cells = []
        for table in views.values():
            simulated, matched = table["simulated"][i], table["matched"][i]
            cells.append(f"{simulated:.3f} {'✓' if matched else '✗'}")
        lines.append(
            f"| {row['measure']} | {row['time']:.2f} | {row['role']} | "
            f"{row['observed']:.3f} [{row['low']:.3f}, {row['high']:.3f}] | "
            + " | ".join(cells)
            + f" | {row['source']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table, fit the fitted parameters, or print the derived corpora."""
    parser = argparse.ArgumentParser(prog="python -m econsim.experiments.calibration")
    parser.add_argument("command", nargs="?", default="table", choices=("table", "fit", "corpora"))
    command = parser.parse_args(argv).command  # a wrong command exits 2 with the choices
    if command == "fit":
        for key, value in fit().items():
            print(f"{key} = {value:.4g}")
    elif command == "corpora":
        for key, value in corpora(load_scenario("baseline")).items():
            print(f"{key} = {value:.4g}")
    else:
        print(markdown(tables()))


if __name__ == "__main__":
    main()
