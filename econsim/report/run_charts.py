"""The charts of one run: capability against benchmark, adoption, data, efficiency, breadth.

Their pieces (the per-vertical small multiples, the breadth step line and its
scale) also draw the what-if page's charts (``whatif_charts.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from econsim.report.chart_spec import GREY, Chart, Panel, Series
from econsim.report.data import RunView
from econsim.report.style import ARM_COLOURS, colours

BREADTH_COLOUR = "#0072B2"


def run_charts(view: RunView) -> list[Chart]:
    """The charts of a run."""
    return [
        capability_chart(view),
        adoption_chart(view),
        data_chart(view),
        efficiency_chart(view),
        breadth_chart(view),
    ]


def capability_chart(view: RunView) -> Chart:
    """Per vertical: real capability and benchmark score, the Goodhart gap shaded."""
    gap = {"between": ("capability", "proxy"), "opacity": 0.25}
    return Chart(
        "capability_vs_benchmark",
        f"{view.results.scenario.name}: real capability (solid) and benchmark score "
        f"(dashed); shaded: the Goodhart gap",
        per_vertical(
            view.verticals,
            [
                (view.leading, "capability", "real capability", {"width": 2.5, **gap}),
                (view.leading, "proxy", "benchmark score", {"dash": "dash", "width": 1.5}),
            ],
        ),
        y_label="share of tasks at expert level",
        y_range=(0, 1),
    )


def adoption_chart(view: RunView) -> Chart:
    """Per vertical: shares of firms deployed, piloting, and churned so far."""
    churned = {"dash": "dash", "width": 1.0, "colour": GREY}
    return Chart(
        "adoption",
        f"{view.results.scenario.name}: the adoption wave",
        per_vertical(
            view.verticals,
            [
                (view.adoption, "deployed", "deployed", {"width": 2.5}),
                (view.adoption, "piloting", "piloting", {"dash": "dot", "width": 1.5}),
                (view.adoption, "churned", "churned (cumulative)", churned),
            ],
        ),
        y_label="share of the vertical's firms",
        y_range=(0, 1),
    )


Line = tuple[pl.DataFrame, str, str, dict[str, Any]]  # rows, column, legend label, options


def per_vertical(verticals: Sequence[str], lines: Sequence[Line]) -> list[Panel]:
    """Small multiples: the same lines for each vertical, in the vertical's colour.

    Each line is a column of its rows (``time``, ``vertical``, ...) and the options of
    its :class:`Series`; an option ``between = (low, high)`` shades between two columns.
    """
    palette = colours(verticals)
    panels = []
    for vertical in verticals:
        series = []
        for frame, column, label, options in lines:
            rows = frame.filter(pl.col("vertical") == vertical)
            extra = dict(options)
            if "between" in extra:
                low, high = extra.pop("between")
                extra |= {"low": rows[low].to_list(), "high": rows[high].to_list(), "shade": True}
            series.append(
                Series(
                    label,
                    rows["time"].to_list(),
                    rows[column].to_list(),
                    extra.pop("colour", palette[vertical]),
                    group=label,
                    legend=vertical == verticals[0],
                    **extra,
                )
            )
        panels.append(Panel(vertical, series))
    return panels


def data_chart(view: RunView) -> Chart:
    """Real and synthetic practice data per vertical, on a log scale."""
    palette = colours(view.verticals)
    series = []
    for vertical in view.verticals:
        rows = view.data.filter(pl.col("vertical") == vertical)
        t = rows["time"].to_list()
        series += [
            Series(vertical, t, rows["practice_data"].to_list(), palette[vertical], group=vertical),
            Series(
                f"{vertical} synthetic",
                t,
                _positive(rows["synthetic_data"]),
                palette[vertical],
                dash="dash",
                width=1.0,
                group=vertical,
                legend=False,
            ),
        ]
    return Chart(
        "practice_data",
        "practice data: real (solid), synthetic (dashed)",
        [Panel("", series)],
        y_label="episodes (all labs)",
        log_y=True,
    )


def efficiency_chart(view: RunView) -> Chart:
    """Each lab's sample efficiency."""
    palette = colours(view.labs, ARM_COLOURS)
    series = [
        Series(lab, rows["time"].to_list(), rows["sample_efficiency"].to_list(), palette[lab])
        for lab in view.labs
        for rows in [view.efficiency.filter(pl.col("lab") == lab)]
    ]
    return Chart(
        "sample_efficiency",
        "sample efficiency A by lab",
        [Panel("", series)],
        y_label="A (1 at the start)",
        log_y=True,
    )


def breadth_chart(view: RunView) -> Chart:
    """Verticals at expert level over time, with the time to domain-general capability."""
    threshold = view.results.scenario.capability.expert_threshold
    general = view.time_to_general
    return breadth_over_time(
        "breadth",
        f"{view.results.scenario.name}: breadth (capability ≥ {threshold:g})",
        [breadth_series("breadth", view.breadth)],
        len(view.verticals),
        [] if general is None else [(general, f"domain-general: {general:.1f}", "#D55E00")],
    )


def breadth_series(label: str, breadth: pl.DataFrame, colour: str = BREADTH_COLOUR) -> Series:
    """A run's verticals at expert level (its ``time``, ``breadth`` rows) as a step line."""
    return Series(
        label,
        breadth["time"].to_list(),
        breadth["breadth"].to_list(),
        colour,
        mark="step",
        width=2.5,
    )


def breadth_over_time(
    name: str,
    title: str,
    series: list[Series],
    verticals: int,
    vlines: list[tuple[float, str, str]] | None = None,
) -> Chart:
    """One panel of breadth step lines, on the scale of the scenario's ``verticals``."""
    return Chart(
        name,
        title,
        [Panel("", series)],
        y_label=f"verticals at expert level (of {verticals})",
        y_range=(0, verticals + 0.5),
        vlines=vlines or [],
    )


def _positive(column: pl.Series) -> list[float | None]:
    """Values for a log axis: zeros (nothing yet) are not drawn."""
    return [v if v is not None and v > 0 else None for v in column.to_list()]
