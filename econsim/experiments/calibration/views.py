"""The views a calibration check must tell apart, each compared with the observations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from econsim.engine import Simulation
from econsim.experiments.calibration.fit import FIT_FIRMS, FIT_YEARS
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
