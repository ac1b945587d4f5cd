"""Interactive charts (plotly) for the HTML report: one builder per chart.

Each vertical or arm is a legend group: a click on its legend entry hides or shows all
of its traces; every trace shows its values on hover.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from econsim.report.data import RunView, StudyView, interval
from econsim.report.style import ARM_COLOURS, colours


def capability_chart(view: RunView) -> go.Figure:
    """Per vertical: real capability (solid), benchmark score (dashed), the gap shaded."""
    return _per_vertical(
        view,
        view.leading,
        ("capability", "real", {"width": 2.5}),
        ("proxy", "benchmark", {"dash": "dash", "width": 1.5}),
        ".3f",
        "share of tasks at expert level",
        "real capability (solid) and benchmark score (dashed); shaded: the Goodhart gap",
        fill=True,
    )


def adoption_chart(view: RunView) -> go.Figure:
    """Per vertical: shares of firms deployed (solid) and piloting (dotted)."""
    return _per_vertical(
        view,
        view.adoption,
        ("deployed", "deployed", {"width": 2.5}),
        ("piloting", "piloting", {"dash": "dot", "width": 1.5}),
        ".1%",
        "share of the vertical's firms",
        "deployed (solid) and piloting (dotted)",
    )


Line = tuple[str, str, dict[str, Any]]  # column, label, line style


def _per_vertical(
    view: RunView,
    frame: pl.DataFrame,
    lead: Line,
    second: Line,
    fmt: str,
    y_title: str,
    title: str,
    fill: bool = False,
) -> go.Figure:
    """Small multiples, two lines per vertical, one legend entry that toggles both."""
    figure, panels = _small_multiples(view.verticals)
    palette = colours(view.verticals)
    for vertical in view.verticals:
        rows = frame.filter(pl.col("vertical") == vertical)
        for (column, label, style), first in ((lead, True), (second, False)):
            shade = (
                {"fill": "tonexty", "fillcolor": _translucent(palette[vertical], 0.25)}
                if fill and not first
                else {}
            )
            figure.add_scatter(
                x=rows["time"].to_list(),
                y=rows[column].to_list(),
                mode="lines",
                name=vertical if first else f"{vertical} {label}",
                legendgroup=vertical,
                showlegend=first,
                line={"color": palette[vertical], **style},
                hovertemplate=f"{vertical} %{{x:.2f}}: {label} %{{y:{fmt}}}<extra></extra>",
                **shade,
                **panels[vertical],
            )
    return _panels(figure, y_title, title)


def _small_multiples(names: Sequence[str]) -> tuple[go.Figure, dict[str, dict[str, int]]]:
    columns = min(5, len(names))
    rows = -(-len(names) // columns)
    figure = make_subplots(
        rows=rows,
        cols=columns,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=list(names),
        horizontal_spacing=0.02,
        vertical_spacing=0.12,
    )
    where = {
        name: {"row": i // columns + 1, "col": i % columns + 1} for i, name in enumerate(names)
    }
    return figure, where


def _panels(figure: go.Figure, y_title: str, title: str) -> go.Figure:
    figure = _layout(figure, "", title + ". Click a vertical to hide it.", y_range=(0, 1))
    figure.update_layout(height=560)
    figure.update_yaxes(title=y_title, col=1)
    figure.update_xaxes(title="year", row=2)
    figure.update_xaxes(title="", row=1)
    figure.update_annotations(font_size=12)
    return figure


def data_chart(view: RunView) -> go.Figure:
    """Real and synthetic practice data per vertical, log scale."""
    figure = go.Figure()
    palette = colours(view.verticals)
    for vertical in view.verticals:
        rows = view.data.filter(pl.col("vertical") == vertical)
        t = rows["time"].to_list()
        figure.add_scatter(
            x=t,
            y=rows["practice_data"].to_list(),
            name=vertical,
            legendgroup=vertical,
            line={"color": palette[vertical]},
            hovertemplate=f"{vertical} %{{x:.2f}}: real %{{y:.3g}}<extra></extra>",
        )
        figure.add_scatter(
            x=t,
            y=rows["synthetic_data"].to_list(),
            legendgroup=vertical,
            name=f"{vertical} synthetic",
            showlegend=False,
            line={"color": palette[vertical], "dash": "dash", "width": 1},
            hovertemplate=f"{vertical} %{{x:.2f}}: synthetic %{{y:.3g}}<extra></extra>",
        )
    figure = _layout(
        figure, "episodes (all labs)", "practice data: real (solid), synthetic (dashed)"
    )
    figure.update_yaxes(type="log")
    return figure


def efficiency_chart(view: RunView) -> go.Figure:
    """Each lab's sample efficiency."""
    figure = go.Figure()
    palette = colours(view.labs, ARM_COLOURS)
    for lab in view.labs:
        rows = view.efficiency.filter(pl.col("lab") == lab)
        figure.add_scatter(
            x=rows["time"].to_list(),
            y=rows["sample_efficiency"].to_list(),
            name=lab,
            line={"color": palette[lab]},
        )
    figure = _layout(figure, "sample efficiency A (1 at the start)", "sample efficiency by lab")
    figure.update_yaxes(type="log")
    return figure


def breadth_chart(view: RunView) -> go.Figure:
    """Verticals at expert level over time, with the time to domain-general capability."""
    figure = go.Figure(
        go.Scatter(
            x=view.breadth["time"].to_list(),
            y=view.breadth["breadth"].to_list(),
            line_shape="hv",
            name="breadth",
            line={"color": "#0072B2", "width": 3},
        )
    )
    if view.time_to_general is not None:
        figure.add_vline(
            x=view.time_to_general,
            line_dash="dash",
            line_color="#D55E00",
            annotation_text=f"domain-general: {view.time_to_general:.1f}",
        )
    threshold = view.results.scenario.capability.expert_threshold
    return _layout(
        figure,
        f"verticals at expert level (of {len(view.verticals)})",
        f"breadth: verticals whose best model does ≥ {threshold:g} of the tasks",
        y_range=(0, len(view.verticals) + 0.5),
    )


def fan_chart(view: StudyView, metric: str) -> go.Figure:
    """Median and 10-90% band over runs, per arm."""
    figure = go.Figure()
    arms = view.fan["arm"].unique(maintain_order=True).to_list()
    palette = colours(arms, ARM_COLOURS)
    for arm in arms:
        rows = view.fan.filter((pl.col("arm") == arm) & (pl.col("metric") == metric))
        t = rows["time"].to_list()
        band = {"legendgroup": arm, "showlegend": False, "line": {"width": 0}, "hoverinfo": "skip"}
        figure.add_scatter(x=t, y=rows["q10"].to_list(), **band)
        figure.add_scatter(
            x=t,
            y=rows["q90"].to_list(),
            fill="tonexty",
            fillcolor=_translucent(palette[arm]),
            **band,
        )
        figure.add_scatter(
            x=t,
            y=rows["median"].to_list(),
            name=arm,
            legendgroup=arm,
            line={"color": palette[arm], "width": 3},
            hovertemplate=f"{arm} %{{x:.2f}}: median %{{y:.3g}}<extra></extra>",
        )
    label = {"breadth": "verticals at expert level", "mean_capability": "mean real capability"}
    return _layout(figure, label[metric], f"{label[metric]}: median and 10-90% of runs")


def differences_chart(shown: pl.DataFrame) -> go.Figure:
    """Each arm's difference from the baseline, with its interval, per metric."""
    figure = go.Figure()
    arms = shown["arm"].unique(maintain_order=True).to_list()
    palette = colours(arms, ARM_COLOURS)
    for arm in arms:
        rows = shown.filter(pl.col("arm") == arm).with_columns(
            pl.col("ci_high").fill_null(pl.col("difference")),
            pl.col("ci_low").fill_null(pl.col("difference")),
        )
        figure.add_scatter(
            x=rows["difference"].to_list(),
            y=rows["metric"].to_list(),
            mode="markers",
            name=arm,
            marker={"color": palette[arm], "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (rows["ci_high"] - rows["difference"]).to_list(),
                "arrayminus": (rows["difference"] - rows["ci_low"]).to_list(),
            },
        )
    figure.add_vline(x=0, line_color="#777777")
    figure = _layout(
        figure,
        "",
        "paired difference from the baseline arm (interval: confidence level of the comparison)",
        x_title="difference (metric units)",
    )
    figure.update_layout(height=max(320, 28 * shown.height + 120))
    return figure


def sensitivity_chart(table: pl.DataFrame) -> go.Figure:
    """Sensitivity indices per parameter and metric."""
    first, total = ("S1", "ST") if "ST" in table.columns else ("mu_star", "sigma")
    figure = go.Figure()
    for index, colour in ((first, "#0072B2"), (total, "#E69F00")):
        figure.add_bar(
            x=table[index].to_list(),
            y=[f"{p} | {m}" for p, m in zip(table["parameter"], table["metric"], strict=True)],
            orientation="h",
            name=index,
            marker_color=colour,
            error_x=None if (half := interval(table, index)) is None else {"array": half},
        )
    figure = _layout(figure, "", f"{first} and {total} per parameter and metric", x_title="index")
    figure.update_layout(barmode="group", height=max(320, 30 * table.height + 120))
    return figure


def _layout(
    figure: go.Figure,
    y_title: str,
    title: str,
    y_range: tuple[float, float] | None = None,
    x_title: str = "year",
) -> go.Figure:
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        template="simple_white",
        hovermode="closest",
        height=460,
        margin={"t": 60, "r": 20},
        legend={"itemclick": "toggle", "itemdoubleclick": "toggleothers"},
    )
    figure.update_xaxes(title=x_title, showgrid=True)
    figure.update_yaxes(title=y_title, showgrid=True, range=list(y_range) if y_range else None)
    return figure


def _translucent(colour: str, alpha: float = 0.2) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
