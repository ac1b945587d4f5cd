"""The views a calibration check must tell apart, compared with the observations.

``tables`` runs each view as it is against the observations (the point fit's check);
``view_scores`` reads them from a posterior: how much of its mass lies nearer each
view than the other, against the prior's, and how well each predicts the rows held out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from econsim.engine import Simulation
from econsim.experiments.calibration.fit import FIT_FIRMS, FIT_YEARS
from econsim.experiments.calibration.measures import compare
from econsim.experiments.calibration.observations import Observation
from econsim.experiments.calibration.predictive import predictive_checks
from econsim.scenario import load_scenario
from econsim.scenario.keys import value_at

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


# ---------------------------------------------------------------- the views over a posterior

OPPOSED = ("baseline", "generalization_optimist")  # learning stays in its vertical; it spreads


def separating(keys: Sequence[str], views: Sequence[str] = OPPOSED) -> dict[str, list[float]]:
    """The calibrated keys whose values tell the views apart, with each view's value.

    Only plain keys (no ``*``): what separates the views is set once for the economy.
    """
    raws = [load_scenario(view).model_dump(mode="json") for view in views]
    out = {}
    for key in keys:
        if "*" in key:
            continue
        values = [float(value_at(raw, key)) for raw in raws]
        if len(set(values)) > 1:
            out[key] = values
    return out


def nearest_view(
    table: pl.DataFrame,
    places: Mapping[str, Sequence[float]],
    units: Mapping[str, Callable[[float], float]],
) -> np.ndarray:
    """For each row, the index of the view it lies nearest, each key in its prior's unit."""
    distances = np.zeros((table.height, len(next(iter(places.values())))))
    for key, values in places.items():
        unit = np.vectorize(units[key])
        column = unit(table[key].cast(pl.Float64).to_numpy())
        for v, value in enumerate(values):
            distances[:, v] += (column - units[key](value)) ** 2
    return np.asarray(distances.argmin(axis=1))


def view_scores(
    posterior: pl.DataFrame,
    stats: list[dict[str, float]],
    prior: pl.DataFrame,
    observations: tuple[Observation, ...],
    units: Mapping[str, Callable[[float], float]],
    views: Sequence[str] = OPPOSED,
) -> pl.DataFrame:
    """How much the data favour each view, and how well each predicts the held-out rows.

    Each particle (and each prior draw) belongs to the view it lies nearest on the
    keys that separate the views. ``bayes_factor`` is the view's posterior odds over
    its prior odds against the others (the ABC approximation of the evidence ratio);
    ``held_out_crps`` and ``held_out_inside`` score its particles' predictions of the
    held-out rows alone.
    """
    places = separating([k for k in posterior.columns if k in units], views)
    if not places:
        return pl.DataFrame()
    weights = posterior["weight"].to_numpy()
    found = nearest_view(posterior, places, units)
    drawn = nearest_view(prior, places, units)
    rows = []
    for v, view in enumerate(views):
        mine = found == v
        post_mass, prior_mass = float(weights[mine].sum()), float((drawn == v).mean())
        odds = post_mass / (1 - post_mass) if post_mass < 1 else math.inf
        prior_odds = prior_mass / (1 - prior_mass) if prior_mass < 1 else math.inf
        row = {"view": view, "particles": int(mine.sum()), "prior_mass": prior_mass,
               "posterior_mass": post_mass, "bayes_factor": odds / prior_odds}  # fmt: skip
        row.update(
            _held_out(
                observations, weights[mine], [s for s, m in zip(stats, mine, strict=True) if m]
            )
        )
        rows.append(row)
    return pl.DataFrame(rows)


def _held_out(
    observations: tuple[Observation, ...], weights: np.ndarray, stats: list[dict[str, float]]
) -> dict[str, float]:
    """Coverage and mean CRPS of the held-out rows, from one view's particles."""
    if not stats:
        return {"held_out_inside": math.nan, "held_out_crps": math.nan}
    checks = predictive_checks(observations, weights, stats).filter(pl.col("role") == "held out")
    return {
        "held_out_inside": float(checks["inside"].cast(pl.Float64).mean()),  # type: ignore[arg-type]
        "held_out_crps": float(checks["crps"].mean()),  # type: ignore[arg-type]
    }
