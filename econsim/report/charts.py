"""Every chart of a run or a study, described once as data; two renderers draw them.

A :class:`Chart` is panels of :class:`Series` with their labels, scales and marks.
``figures.py`` draws a chart with matplotlib (PNG, SVG) and ``interactive.py`` with
plotly (the HTML report, the what-if page): what a chart shows is decided here
alone, so the static and the interactive figure cannot drift apart. Nothing here
imports a plotting library.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from econsim.report.data import RunView, StudyView, interval
from econsim.report.style import ARM_COLOURS, colours
from econsim.results import Results
from econsim.results.metrics import leading_capability

GREY = "#777777"
Mark = Literal["line", "step", "points", "bars"]
Dash = Literal["solid", "dash", "dot"]


@dataclass(frozen=True)
class Series:
    """One drawn thing: a line, a step line, points or bars, with an optional interval.

    ``low``/``high`` bound each value: a shaded band when ``shade``, else error bars.
    Series that share a ``group`` share one legend entry (the one with ``legend``).
    """

    label: str
    x: Sequence[float | str]
    y: Sequence[float | str | None]
    colour: str
    mark: Mark = "line"
    dash: Dash = "solid"
    width: float = 2.0
    group: str = ""
    legend: bool = True
    low: Sequence[float | None] | None = None
    high: Sequence[float | None] | None = None
    shade: bool = False
    opacity: float = 0.2


@dataclass(frozen=True)
class Panel:
    """One set of axes."""

    title: str
    series: list[Series]


@dataclass(frozen=True)
class Chart:
    """A figure: panels (small multiples when more than one), labels, scales and marks.

    ``horizontal``: values run along x and the categories (``y``) down the side.
    ``vlines``: (x, label, colour) marks across every panel.
    """

    name: str
    title: str
    panels: list[Panel]
    x_label: str = "year"
    y_label: str = ""
    y_range: tuple[float, float] | None = None
    log_y: bool = False
    horizontal: bool = False
    vlines: list[tuple[float, str, str]] = field(default_factory=list)


def grid(count: int) -> tuple[int, int]:
    """(rows, columns) of small multiples: at most five to a row."""
    columns = min(5, count)
    return -(-count // columns), columns


def error_bars(series: Series, horizontal: bool) -> tuple[list[float], list[float]] | None:
    """Distances from each value down to ``low`` and up to ``high`` (NaN: undefined).

    None for a series without an interval, or one drawn as a shaded band.
    """
    if series.low is None or series.high is None or series.shade:
        return None
    values = series.x if horizontal else series.y
    down, up = [], []
    for value, low, high in zip(values, series.low, series.high, strict=True):
        known = isinstance(value, float | int) and low is not None and high is not None
        down.append(float(value) - float(low) if known else math.nan)  # type: ignore[arg-type]
        up.append(float(high) - float(value) if known else math.nan)  # type: ignore[arg-type]
    return down, up


# ---------------------------------------------------------------- one run


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
        _per_vertical(
            view,
            view.leading,
            [
                ("capability", "real capability", {"width": 2.5, **gap}),
                ("proxy", "benchmark score", {"dash": "dash", "width": 1.5}),
            ],
        ),
        y_label="share of tasks at expert level",
        y_range=(0, 1),
    )


def adoption_chart(view: RunView) -> Chart:
    """Per vertical: shares of firms deployed, piloting, and churned so far."""
    return Chart(
        "adoption",
        f"{view.results.scenario.name}: the adoption wave",
        _per_vertical(
            view,
            view.adoption,
            [
                ("deployed", "deployed", {"width": 2.5}),
                ("piloting", "piloting", {"dash": "dot", "width": 1.5}),
                ("churned", "churned (cumulative)", {"dash": "dash", "width": 1.0, "colour": GREY}),
            ],
        ),
        y_label="share of the vertical's firms",
        y_range=(0, 1),
    )


Line = tuple[str, str, dict[str, Any]]  # column, legend label, Series options


def _per_vertical(view: RunView, frame: pl.DataFrame, lines: Sequence[Line]) -> list[Panel]:
    """Small multiples: the same lines for each vertical, in the vertical's colour.

    An option ``between = (low, high)`` shades between two columns.
    """
    palette = colours(view.verticals)
    panels = []
    for vertical in view.verticals:
        rows = frame.filter(pl.col("vertical") == vertical)
        series = []
        for column, label, options in lines:
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
                    legend=vertical == view.verticals[0],
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
    total = len(view.verticals)
    threshold = view.results.scenario.capability.expert_threshold
    general = view.time_to_general
    return Chart(
        "breadth",
        f"{view.results.scenario.name}: breadth (capability ≥ {threshold:g})",
        [
            Panel(
                "",
                [
                    Series(
                        "breadth",
                        view.breadth["time"].to_list(),
                        view.breadth["breadth"].to_list(),
                        "#0072B2",
                        mark="step",
                        width=2.5,
                    )
                ],
            )
        ],
        y_label=f"verticals at expert level (of {total})",
        y_range=(0, total + 0.5),
        vlines=[] if general is None else [(general, f"domain-general: {general:.1f}", "#D55E00")],
    )


def _positive(column: pl.Series) -> list[float | None]:
    """Values for a log axis: zeros (nothing yet) are not drawn."""
    return [v if v is not None and v > 0 else None for v in column.to_list()]


# ---------------------------------------------------------------- a study

FAN = {"breadth": "verticals at expert level", "mean_capability": "mean real capability"}


def study_charts(view: StudyView) -> list[Chart]:
    """Fans per arm and per parameter value, metrics against parameters, and more.

    Paired differences and sensitivity indices are drawn when the study has them.
    """
    charts = []
    if view.fan.height:
        charts.append(fan_chart(view))
    for parameter in view.parameters:
        if view.split_fan(parameter).height:
            charts.append(split_fan_chart(view, parameter))
        if view.by_parameter(parameter).height:  # no finished run: nothing to draw
            charts.append(parameter_chart(view, parameter))
    if view.comparison is not None and view.comparison.height:
        charts.append(differences_chart(view.comparison))
    if view.sensitivity is not None and view.sensitivity.height:
        charts.append(sensitivity_chart(view.sensitivity))
    return charts


def _arm_colours(frame: pl.DataFrame) -> dict[str, str]:
    return colours(frame["arm"].unique(maintain_order=True).to_list(), ARM_COLOURS)


def _bands(rows: pl.DataFrame, arm: str, colour: str, first: bool) -> Series:
    """An arm's median over time with its 10-90% band over runs."""
    return Series(
        arm,
        rows["time"].to_list(),
        rows["median"].to_list(),
        colour,
        width=2.5,
        group=arm,
        legend=first,
        low=rows["q10"].to_list(),
        high=rows["q90"].to_list(),
        shade=True,
    )


def fan_chart(view: StudyView) -> Chart:
    """Median and 10-90% band over runs, per arm, of breadth and mean capability."""
    palette = _arm_colours(view.fan)
    panels = [
        Panel(
            label,
            [
                _bands(
                    view.fan.filter((pl.col("arm") == arm) & (pl.col("metric") == metric)),
                    arm,
                    colour,
                    metric == "breadth",
                )
                for arm, colour in palette.items()
            ],
        )
        for metric, label in FAN.items()
    ]
    return Chart("fan", "median and 10-90% of runs, per arm", panels)


def split_fan_chart(view: StudyView, parameter: str) -> Chart:
    """Breadth over time, one panel per value of a design parameter, per arm."""
    fan = view.split_fan(parameter)
    palette = _arm_colours(fan)
    values = fan["value"].unique(maintain_order=True).to_list()
    panels = [
        Panel(
            f"{parameter} = {value:g}",
            [
                _bands(
                    fan.filter((pl.col("arm") == arm) & (pl.col("value") == value)),
                    arm,
                    colour,
                    value == values[0],
                )
                for arm, colour in palette.items()
            ],
        )
        for value in values
    ]
    return Chart(
        f"fan_by_{_file_name(parameter)}",
        f"verticals at expert level by {parameter}: median and 10-90% of runs",
        panels,
        y_label=FAN["breadth"],
    )


def parameter_chart(view: StudyView, parameter: str) -> Chart:
    """Each headline metric against a design parameter: median and 10-90% of runs."""
    table = view.by_parameter(parameter)
    palette = _arm_colours(table)
    panels = []
    for index, metric in enumerate(table["metric"].unique(maintain_order=True).to_list()):
        series = []
        for arm, colour in palette.items():
            rows = table.filter((pl.col("arm") == arm) & (pl.col("metric") == metric))
            series.append(
                Series(
                    arm,
                    rows["value"].to_list(),
                    rows["median"].to_list(),
                    colour,
                    mark="points",
                    group=arm,
                    legend=index == 0,
                    low=rows["q10"].to_list(),
                    high=rows["q90"].to_list(),
                )
            )
        panels.append(Panel(metric, series))
    return Chart(
        f"by_{_file_name(parameter)}",
        f"headline metrics against {parameter}: median and 10-90% of runs",
        panels,
        x_label=parameter,
    )


def differences_chart(comparison: pl.DataFrame, most: int = 24) -> Chart:
    """Paired differences from the baseline arm with their intervals, per metric."""
    shown = (
        comparison.filter(pl.col("ci_low").is_not_null() & (pl.col("difference") != 0))
        .with_columns(
            (
                pl.col("difference").abs()
                / (pl.col("ci_high") - pl.col("ci_low")).clip(lower_bound=1e-12)
            ).alias("signal")
        )
        .sort("signal", descending=True)
        .head(most)
        .sort("metric")
    )
    palette = _arm_colours(shown)
    series = [
        Series(
            f"{arm} − {rows['baseline'][0]}",
            rows["difference"].to_list(),
            rows["metric"].to_list(),
            colour,
            mark="points",
            group=arm,
            low=rows["ci_low"].to_list(),
            high=rows["ci_high"].to_list(),
        )
        for arm, colour in palette.items()
        for rows in [shown.filter(pl.col("arm") == arm)]
    ]
    return Chart(
        "differences",
        "paired difference from the baseline arm, with its confidence interval",
        [Panel("", series)],
        x_label="difference (metric units)",
        horizontal=True,
        vlines=[(0.0, "", GREY)],
    )


def sensitivity_chart(table: pl.DataFrame) -> Chart:
    """Sensitivity indices per parameter and metric, with their intervals."""
    first, total = ("S1", "ST") if "ST" in table.columns else ("mu_star", "sigma")
    rows = [f"{p} | {m}" for p, m in zip(table["parameter"], table["metric"], strict=True)]
    series = []
    for index, colour in ((first, "#0072B2"), (total, "#E69F00")):
        values = table[index].to_list()
        half = interval(table, index) or []  # SALib's bootstrap interval, where it gives one
        low = [v - h for v, h in zip(values, half, strict=True)] if half else None
        high = [v + h for v, h in zip(values, half, strict=True)] if half else None
        series.append(Series(index, values, rows, colour, mark="bars", low=low, high=high))
    return Chart(
        "sensitivity",
        f"{first} and {total} per parameter and metric (bars: the index; whiskers: its interval)",
        [Panel("", series)],
        x_label="index",
        horizontal=True,
    )


def _file_name(parameter: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in parameter)


# ---------------------------------------------------------------- scenario discovery


def trajectory_chart(trajectory: pl.DataFrame, question: str) -> Chart:
    """PRIM's peeling trajectory: each box's density against its coverage; the last chosen."""
    last = trajectory.tail(1)
    return Chart(
        "trajectory",
        f"{question}: PRIM's peeling trajectory (each point a box, peeled from the right)",
        [
            Panel(
                "",
                [
                    Series(
                        "boxes",
                        trajectory["coverage"].to_list(),
                        trajectory["density"].to_list(),
                        "#0072B2",
                        mark="points",
                    ),
                    Series(
                        "the box chosen",
                        last["coverage"].to_list(),
                        last["density"].to_list(),
                        "#D55E00",
                        mark="points",
                    ),
                ],
            )
        ],
        x_label="coverage (share of the cases inside the box)",
        y_label="density (share of the box that are cases)",
        y_range=(0, 1.05),
    )


def box_chart(
    inputs: pl.DataFrame, box: pl.DataFrame, scores: pl.DataFrame, question: str
) -> Chart | None:
    """The runs on the two inputs that decide most, the cases marked, the box drawn."""
    numeric = [name for name in scores["input"].to_list() if inputs.schema[name].is_numeric()][:2]
    if len(numeric) < 2:
        return None
    x, y = numeric
    limits = {row["input"]: row for row in box.iter_rows(named=True)}
    left, right = limits[x]["low"], limits[x]["high"]
    bottom, top = limits[y]["low"], limits[y]["high"]
    cases, others = inputs.filter(pl.col("case")), inputs.filter(~pl.col("case"))
    return Chart(
        "box",
        f"{question}: the runs on the two inputs that decide most, and PRIM's box",
        [
            Panel(
                "",
                [
                    Series(
                        "other runs", others[x].to_list(), others[y].to_list(), GREY, mark="points"
                    ),
                    Series(
                        question, cases[x].to_list(), cases[y].to_list(), "#D55E00", mark="points"
                    ),
                    Series(
                        "the box",
                        [left, right, right, left, left],
                        [bottom, bottom, top, top, bottom],
                        "#0072B2",
                    ),
                ],
            )
        ],
        x_label=x,
        y_label=y,
    )


# ---------------------------------------------------------------- a what-if against the unchanged


def whatif_charts(unchanged: Results, changed: Results) -> list[Chart]:
    """Real capability per vertical and breadth: the unchanged run and the what-if."""
    verticals = unchanged.scenario.vertical_names
    palette = colours(verticals)
    lead = {
        name: leading_capability(r.timeseries).with_columns(pl.col("vertical").cast(pl.String))
        for name, r in (("unchanged", unchanged), ("what-if", changed))
    }
    panels = []
    for vertical in verticals:
        series = []
        looks: tuple[tuple[str, Dash, float], ...] = (
            ("unchanged", "dash", 1.5),
            ("what-if", "solid", 2.5),
        )
        for name, dash, width in looks:
            rows = lead[name].filter(pl.col("vertical") == vertical)
            series.append(
                Series(
                    name,
                    rows["time"].to_list(),
                    rows["capability"].to_list(),
                    palette[vertical],
                    dash=dash,
                    width=width,
                    group=name,
                    legend=vertical == verticals[0],
                )
            )
        panels.append(Panel(vertical, series))
    breadth = [
        Series(name, b["time"].to_list(), b["breadth"].to_list(), colour, mark="step", width=2.5)
        for name, r, colour in (("unchanged", unchanged, GREY), ("what-if", changed, "#0072B2"))
        for b in [r.breadth()]
    ]
    return [
        Chart(
            "whatif_capability",
            "real capability of the best model: unchanged (dashed) and what-if (solid)",
            panels,
            y_label="share of tasks at expert level",
            y_range=(0, 1),
        ),
        Chart(
            "whatif_breadth",
            "verticals at expert level: unchanged and what-if",
            [Panel("", breadth)],
            y_label=f"verticals at expert level (of {len(verticals)})",
            y_range=(0, len(verticals) + 0.5),
        ),
    ]
