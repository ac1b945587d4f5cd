"""Observed AI adoption and Goodhart gap, and how a run compares (DESIGN §6).

Every observation names its source (see ``../shared/CALIBRATION.md`` and
``docs/calibration.md``). A firm counts as using AI while it pilots or runs a
deployed model, the closest match to the Census question "using AI to produce
goods or services". Run ``python -m econsim.experiments.calibration`` for the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from econsim.engine import Simulation
from econsim.results import Results


@dataclass(frozen=True)
class Observation:
    """One observed share: what, when, among which firms, and where it was read."""

    measure: str
    time: float
    value: float
    source: str
    verticals: tuple[str, ...] = ()
    min_size: float = 0.0


OBSERVATIONS = (
    Observation("US firms using AI", 2023.7, 0.037, "Census BTOS, Sep 2023 (Bonney et al. 2024)"),
    Observation("US firms using AI", 2024.1, 0.054, "Census BTOS, Feb 2024 (Bonney et al. 2024)"),
    Observation(
        "US firms using AI", 2025.85, 0.10, "Census BTOS, late 2025 (Minneapolis Fed 2026)"
    ),
    Observation(
        "EU firms (10+ staff) using AI", 2023.5, 0.080, "Eurostat isoc_eb_ai 2023", min_size=10
    ),
    Observation(
        "EU firms (10+ staff) using AI", 2024.5, 0.135, "Eurostat isoc_eb_ai 2024", min_size=10
    ),
    Observation(
        "EU firms (10+ staff) using AI", 2025.5, 0.200, "Eurostat isoc_eb_ai 2025", min_size=10
    ),
    Observation(
        "information sector using AI",
        2023.85,
        0.138,
        "Census BTOS, Oct-Nov 2023",
        verticals=("software",),
    ),
    Observation(
        "professional services using AI",
        2023.85,
        0.091,
        "Census BTOS, Oct-Nov 2023",
        verticals=("legal", "management", "finance"),
    ),
    Observation(
        "least-adopting sectors using AI",
        2024.0,
        0.014,
        "Census BTOS, Sep 2023-Feb 2024: construction, agriculture (Bonney et al. 2024)",
        verticals=("manufacturing", "logistics"),
    ),
)

SOFTWARE_GAP = Observation(
    "software benchmark / real capability",
    2026.2,
    0.72 / 0.48,
    "METR 2026: graders accept ~72% of agent PRs, maintainers ~48%",
    verticals=("software",),
)


def using_share(
    events: pl.DataFrame,
    simulation: Simulation,
    time: float,
    verticals: tuple[str, ...] = (),
    min_size: float = 0.0,
) -> float:
    """Share of firms (in ``verticals``, of at least ``min_size``) piloting or deployed."""
    delta = {"pilot_start": 1, "pilot_failure": -1, "churn": -1}
    steps = (
        events.filter(pl.col("event").cast(pl.String).is_in(list(delta)) & (pl.col("time") <= time))
        .group_by("firm")
        .agg(
            pl.col("event")
            .cast(pl.String)
            .replace_strict(delta, return_dtype=pl.Int64)
            .sum()
            .alias("open")
        )
    )
    using = np.zeros(simulation.world.firms, dtype=bool)
    using[steps.filter(pl.col("open") > 0)["firm"].to_numpy()] = True
    names = simulation.scenario.vertical_names
    chosen = (
        np.isin(simulation.world.firm_vertical, [names.index(v) for v in verticals])
        if verticals
        else np.ones_like(using)
    )
    chosen &= simulation.world.firm_size >= min_size
    return float(using[chosen].mean()) if chosen.any() else float("nan")


def software_gap_ratio(results: Results, time: float) -> float:
    """Benchmark score over real capability of the leading software model at ``time``."""
    rows = results.timeseries.filter(
        (pl.col("vertical") == "software") & ((pl.col("time") - time).abs() < 1 / 24)
    )
    best = rows.sort("capability", "proxy", descending=True, maintain_order=True).row(0, named=True)
    return float(best["proxy"] / best["capability"])


def compare(simulation: Simulation, results: Results) -> pl.DataFrame:
    """Observed against simulated, one row per observation, with their ratio."""
    rows = []
    for obs in OBSERVATIONS:
        value = using_share(results.events, simulation, obs.time, obs.verticals, obs.min_size)
        rows.append((obs.measure, obs.time, obs.value, value, obs.source))
    gap = SOFTWARE_GAP
    rows.append(
        (gap.measure, gap.time, gap.value, software_gap_ratio(results, gap.time), gap.source)
    )
    frame = pl.DataFrame(
        rows, schema=["measure", "time", "observed", "simulated", "source"], orient="row"
    )
    return frame.with_columns((pl.col("simulated") / pl.col("observed")).alias("ratio"))


def markdown(table: pl.DataFrame) -> str:
    """The comparison as a Markdown table."""
    lines = [
        "| measure | time | observed | simulated | ratio | source |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in table.iter_rows(named=True):
        lines.append(
            f"| {r['measure']} | {r['time']:.2f} | {r['observed']:.3f} | "
            f"{r['simulated']:.3f} | {r['ratio']:.2f} | {r['source']} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the baseline's calibration table (the one in docs/calibration.md)."""
    import econsim

    scenario = econsim.load_scenario("baseline", {"horizon": 4.0})
    simulation = Simulation(scenario)
    print(markdown(compare(simulation, simulation.run())))


if __name__ == "__main__":
    main()
