"""What a calibration found, drawn: PNG figures and one HTML page beside its tables."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import polars as pl

from econsim.report.calibration_charts import marginals_chart, pair_charts, predictive_chart
from econsim.report.figures import to_matplotlib
from econsim.report.html import chart_sections, frame_table, preformatted, write_page


class Calibrated(Protocol):
    """What the page shows of a calibration (``econsim.experiments.calibration.inference``)."""

    @property
    def sample(self) -> pl.DataFrame:
        """The posterior: one row per parameter set, with its ``weight``."""

    @property
    def views(self) -> pl.DataFrame:
        """Each view's share of the prior and the posterior, and its held-out scores."""

    @property
    def prior(self) -> pl.DataFrame:
        """Draws from the priors, a column per parameter."""

    @property
    def scales(self) -> dict[str, str]:
        """Each parameter's scale, ``log`` or ``linear``."""

    @property
    def parameters(self) -> pl.DataFrame:
        """Each parameter's prior and posterior 90% intervals."""

    @property
    def diagnostics(self) -> pl.DataFrame:
        """Per generation: threshold, simulations, acceptance, effective sample size."""

    @property
    def predictive(self) -> pl.DataFrame:
        """Per observation: its interval and the posterior predictive one."""

    def describe(self) -> str:
        """A short text of what was found."""


def write_calibration_views(calibrated: Calibrated, folder: Path) -> list[Path]:
    """The figures as PNG and ``calibration.html``; returns the files written."""
    charts = [
        marginals_chart(calibrated.prior, calibrated.sample, calibrated.scales),
        *pair_charts(calibrated.sample, calibrated.scales),
        predictive_chart(calibrated.predictive),
    ]
    written = []
    for chart in charts:
        path = folder / f"{chart.name}.png"
        to_matplotlib(chart).savefig(path, dpi=110, bbox_inches="tight")
        written.append(path)
    checks = calibrated.predictive.select(
        "measure", "role", "time", "observed", "predicted_low", "predicted", "predicted_high",
        "inside", "width", "crps",
    )  # fmt: skip
    sections = [
        ("What was found", preformatted(calibrated.describe())),
        ("Each parameter: prior and posterior 90% intervals", frame_table(calibrated.parameters)),
        ("Each observation: predicted against observed", frame_table(checks)),
        ("The views compared by the data", frame_table(calibrated.views)),
        *chart_sections(charts),
        ("The method, generation by generation", frame_table(calibrated.diagnostics)),
    ]
    written.append(write_page(folder / "calibration.html", "econsim calibrate", sections))
    return written
