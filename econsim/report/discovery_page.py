"""What scenario discovery found, drawn: PNG figures and one HTML page beside its tables."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import polars as pl

from econsim.report.discovery_charts import box_chart, trajectory_chart
from econsim.report.figures import to_matplotlib
from econsim.report.html import chart_sections, preformatted, write_page


class Found(Protocol):
    """What the page shows of a discovery (``econsim.experiments.discover.Discovery``)."""

    @property
    def question(self) -> str:
        """The cases of interest, e.g. ``adoption.market < 0.3``."""

    @property
    def trajectory(self) -> pl.DataFrame:
        """PRIM's peeling trajectory: coverage and density of each box."""

    @property
    def box(self) -> pl.DataFrame:
        """The chosen box's limits on each input."""

    @property
    def scores(self) -> pl.DataFrame:
        """Each input's feature score, the most deciding first."""

    @property
    def inputs(self) -> pl.DataFrame:
        """The runs' inputs and whether each is a case."""

    def describe(self) -> str:
        """A short text of what was found."""


def write_discovery_views(found: Found, folder: Path) -> list[Path]:
    """The peeling trajectory and the box as PNG figures and one HTML page."""
    charts = [trajectory_chart(found.trajectory, found.question)]
    box = box_chart(found.inputs, found.box, found.scores, found.question)
    charts += [box] if box is not None else []
    written = []
    for chart in charts:
        path = folder / f"{chart.name}.png"
        to_matplotlib(chart).savefig(path, dpi=130, bbox_inches="tight")
        written.append(path)
    sections = [("What was found", preformatted(found.describe())), *chart_sections(charts)]
    written.append(
        write_page(folder / "discovery.html", f"econsim discover: {found.question}", sections)
    )
    return written
