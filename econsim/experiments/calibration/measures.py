"""How a run is measured against each observation, and the comparison table."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import polars as pl

from econsim.engine import Simulation
from econsim.experiments.calibration.observations import OBSERVATIONS, Observation
from econsim.results import Results
from econsim.results.metrics import leading_capability

_OPENS = {"pilot_start": 1, "initial": 1, "pilot_failure": -1, "churn": -1}
_LIGHT = "light_use"  # kept for good


def using_share(
    events: pl.DataFrame,
    simulation: Simulation,
    time: float,
    verticals: tuple[str, ...] = (),
    min_size: float = 0.0,
) -> float:
    """Share of firms (in ``verticals``, of at least ``min_size``) using AI at ``time``.

    Surveys count light use and integration together: a firm uses AI when it uses it
    lightly or pilots or runs a model.
    """
    steps = (
        events.filter(
            pl.col("event").cast(pl.String).is_in(list(_OPENS)) & (pl.col("time") <= time)
        )
        .group_by("firm")
        .agg(
            pl.col("event")
            .cast(pl.String)
            .replace_strict(_OPENS, return_dtype=pl.Int64)
            .sum()
            .alias("open")
        )
    )
    using = np.zeros(simulation.world.firms, dtype=bool)
    using[steps.filter(pl.col("open") > 0)["firm"].to_numpy()] = True
    light = events.filter((pl.col("event").cast(pl.String) == _LIGHT) & (pl.col("time") <= time))
    using[light["firm"].to_numpy()] = True
    names = simulation.scenario.vertical_names
    chosen = (
        np.isin(simulation.world.firm_vertical, [names.index(v) for v in verticals])
        if verticals
        else np.ones_like(using)
    )
    chosen &= simulation.world.firm_size >= min_size
    return float(using[chosen].mean()) if chosen.any() else float("nan")


def leading_software(results: Results, time: float) -> dict[str, float]:
    """Real capability and benchmark score of the leading software model near ``time``."""
    lead = leading_capability(results.timeseries.filter(pl.col("vertical") == "software"))
    nearest = lead.sort((pl.col("time") - time).abs()).row(0, named=True)
    return {"capability": nearest["capability"], "proxy": nearest["proxy"]}


def measure(observation: Observation, simulation: Simulation, results: Results) -> float:
    """What the run says about one observation."""
    if observation.kind == "adoption":
        return using_share(
            results.events, simulation, observation.time, observation.verticals,
            observation.min_size,
        )  # fmt: skip
    software = leading_software(results, observation.time)
    if observation.kind == "capability":
        return software["capability"]
    return software["proxy"] / software["capability"]


def applies(observation: Observation, simulation: Simulation) -> bool:
    """Whether the scenario has every vertical the observation is about."""
    return all(v in simulation.scenario.verticals for v in observation.verticals)


def compare(
    simulation: Simulation,
    results: Results,
    observations: Sequence[Observation] = OBSERVATIONS,
) -> pl.DataFrame:
    """Observed against simulated, one row per observation the scenario can be measured on."""
    rows = [
        (
            o.measure, o.kind, o.role, o.time, o.value, o.low, o.high,
            measure(o, simulation, results), o.source,
        )
        for o in observations
        if applies(o, simulation)
    ]  # fmt: skip
    frame = pl.DataFrame(
        rows,
        schema=[
            "measure",
            "kind",
            "role",
            "time",
            "observed",
            "low",
            "high",
            "simulated",
            "source",
        ],
        orient="row",
    )
    return frame.with_columns(
        pl.col("simulated").is_between(pl.col("low"), pl.col("high")).alias("matched")
    )


def scaled(kind: str, value: float) -> float:
    """A value on the scale residuals are taken on.

    Ratios (the gap) on the log scale, shares and capabilities on the logit scale.
    """
    if kind == "gap":
        return math.log(max(value, 1e-12))
    p = min(max(value, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def unscaled(kind: str, value: float) -> float:
    """A value back from the residual scale (the inverse of :func:`scaled`)."""
    if not math.isfinite(value):
        return math.nan
    return math.exp(value) if kind == "gap" else 1 / (1 + math.exp(-value))


def half_width(observation: Observation) -> float:
    """Half the observation's interval on its residual scale: its own uncertainty."""
    kind = observation.kind
    return (scaled(kind, observation.high) - scaled(kind, observation.low)) / 2
