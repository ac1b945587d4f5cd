"""Static figures with matplotlib: PNG and SVG files a policy reader understands.

Every vertical keeps its colour across figures; axes are labelled with units and
years; legends sit outside the data. Figures are built on ``matplotlib.figure.Figure``
directly, so no display or pyplot state is involved.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from econsim.report.data import (
    RunView,
    StudyView,
    folder_kind,
    interval,
    run_view,
    study_view,
)
from econsim.report.style import ARM_COLOURS, colours

FORMATS = ("png", "svg")


def plot_folder(
    folder: str | Path, out: str | Path | None = None, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Write every figure of a run or study folder; returns the files written."""
    folder = Path(folder)
    kind = folder_kind(folder)  # a folder that is not ours gets nothing created in it
    figures = run_figures(run_view(folder)) if kind == "run" else study_figures(study_view(folder))
    target = Path(out) if out is not None else folder / "figures"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, figure in figures.items():
        for fmt in formats:
            path = target / f"{name}.{fmt}"
            figure.savefig(path, dpi=130, bbox_inches="tight")
            written.append(path)
    return written


# ---------------------------------------------------------------- one run


def run_figures(view: RunView) -> dict[str, Figure]:
    """The four figures of a run."""
    return {
        "capability_vs_benchmark": capability_vs_benchmark(view),
        "adoption": adoption_wave(view),
        "practice_data": practice_data(view),
        "breadth": breadth(view),
    }


def capability_vs_benchmark(view: RunView) -> Figure:
    """Per vertical: real capability against benchmark score, the gap shaded."""
    palette = colours(view.verticals)

    def panel(ax: Axes, vertical: str) -> None:
        rows = view.leading.filter(pl.col("vertical") == vertical)
        t, real, proxy = rows["time"], rows["capability"], rows["proxy"]
        ax.fill_between(t, real, proxy, color=palette[vertical], alpha=0.25, linewidth=0)
        ax.plot(t, real, color=palette[vertical], linewidth=2, label="real capability")
        ax.plot(
            t,
            proxy,
            color=palette[vertical],
            linewidth=1.2,
            linestyle="--",
            label="benchmark score",
        )
        ax.set_ylim(0, 1)

    figure = _small_multiples(view.verticals, panel, "share of tasks at expert level")
    figure.suptitle(
        f"{view.results.scenario.name}: real capability (solid) and benchmark "
        f"score (dashed); shaded: the Goodhart gap",
        fontsize=11,
    )
    return figure


def adoption_wave(view: RunView) -> Figure:
    """Per vertical: shares of firms piloting, deployed, and churned so far."""
    palette = colours(view.verticals)

    def panel(ax: Axes, vertical: str) -> None:
        rows = view.adoption.filter(pl.col("vertical") == vertical)
        colour = palette[vertical]
        ax.plot(rows["time"], rows["deployed"], color=colour, linewidth=2, label="deployed")
        ax.plot(rows["time"], rows["piloting"], color=colour, linestyle=":", label="piloting")
        ax.plot(
            rows["time"],
            rows["churned"],
            color="#777777",
            linestyle="--",
            linewidth=1,
            label="churned (cumulative)",
        )
        ax.set_ylim(0, 1)

    figure = _small_multiples(view.verticals, panel, "share of the vertical's firms")
    figure.suptitle(f"{view.results.scenario.name}: the adoption wave", fontsize=11)
    return figure


def practice_data(view: RunView) -> Figure:
    """Practice data per vertical (real solid, synthetic dashed) and sample efficiency."""
    figure = Figure(figsize=(12, 4.5), layout="constrained")
    data, efficiency = figure.subplots(1, 2, width_ratios=(2, 1))
    palette = colours(view.verticals)
    for vertical in view.verticals:
        rows = view.data.filter(pl.col("vertical") == vertical)
        data.plot(rows["time"], rows["practice_data"], color=palette[vertical], label=vertical)
        data.plot(
            rows["time"],
            rows["synthetic_data"],
            color=palette[vertical],
            linestyle="--",
            linewidth=1,
        )
    data.set_yscale("log")  # zeros (no synthetic data yet) are simply not drawn
    data.set(
        title="practice data (solid: real, dashed: synthetic)",
        xlabel="year",
        ylabel="episodes (all labs)",
    )
    data.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    lab_colours = colours(view.labs, ARM_COLOURS)
    for lab in view.labs:
        rows = view.efficiency.filter(pl.col("lab") == lab)
        efficiency.plot(rows["time"], rows["sample_efficiency"], color=lab_colours[lab], label=lab)
    efficiency.set_yscale("log")
    efficiency.set(title="sample efficiency A", xlabel="year", ylabel="A (1 at the start)")
    efficiency.legend(fontsize=8, frameon=False)
    return figure


def breadth(view: RunView) -> Figure:
    """Verticals at expert level over time, with the time to domain-general capability."""
    figure = Figure(figsize=(8, 4), layout="constrained")
    ax = figure.subplots()
    ax.step(
        view.breadth["time"], view.breadth["breadth"], where="post", color="#0072B2", linewidth=2
    )
    total = len(view.verticals)
    ax.set(
        ylim=(0, total + 0.5),
        xlabel="year",
        ylabel=f"verticals at expert level (of {total})",
        title=f"{view.results.scenario.name}: breadth (capability ≥ "
        f"{view.results.scenario.capability.expert_threshold:g})",
    )
    if view.time_to_general is not None:
        ax.axvline(view.time_to_general, color="#D55E00", linestyle="--")
        ax.annotate(
            f"domain-general: {view.time_to_general:.1f}",
            (view.time_to_general, total + 0.2),
            color="#D55E00",
            fontsize=9,
            ha="right",
            xytext=(-4, 0),
            textcoords="offset points",
        )
    return figure


def _small_multiples(
    names: Sequence[str], panel: Callable[[Axes, str], None], ylabel: str
) -> Figure:
    columns = min(5, len(names))
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(3.0 * columns + 1.5, 2.5 * rows + 0.8), layout="constrained")
    axes = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        panel(ax, name)
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("year")
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=9)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    return figure


# ---------------------------------------------------------------- a study


def study_figures(view: StudyView) -> dict[str, Figure]:
    """Fan charts per arm; paired differences and sensitivity indices when present."""
    figures: dict[str, Figure] = {}
    if view.fan.height:
        figures["fan"] = fan_chart(view)
    if view.comparison is not None and view.comparison.height:
        figures["differences"] = differences(view.comparison)
    if view.sensitivity is not None and view.sensitivity.height:
        figures["sensitivity"] = sensitivity_bars(view.sensitivity)
    return figures


def fan_chart(view: StudyView) -> Figure:
    """Median and 10-90% band over replications, per arm."""
    figure = Figure(figsize=(12, 4.5), layout="constrained")
    axes = figure.subplots(1, 2)
    arms = view.fan["arm"].unique(maintain_order=True).to_list()
    palette = colours(arms, ARM_COLOURS)
    titles = {"breadth": "verticals at expert level", "mean_capability": "mean real capability"}
    for ax, metric in zip(axes, titles, strict=True):
        for arm in arms:
            rows = view.fan.filter((pl.col("arm") == arm) & (pl.col("metric") == metric))
            ax.fill_between(
                rows["time"], rows["q10"], rows["q90"], color=palette[arm], alpha=0.2, linewidth=0
            )
            ax.plot(rows["time"], rows["median"], color=palette[arm], linewidth=2, label=arm)
        ax.set(
            title=f"{titles[metric]}: median, 10-90% of runs", xlabel="year", ylabel=titles[metric]
        )
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False)
    return figure


def differences(comparison: pl.DataFrame, most: int = 24) -> Figure:
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
    arms = shown["arm"].unique(maintain_order=True).to_list()
    palette = colours(arms, ARM_COLOURS)
    metrics_ = shown["metric"].unique(maintain_order=True).to_list()
    figure = Figure(figsize=(9, 0.35 * max(len(metrics_), 4) + 1.5), layout="constrained")
    ax = figure.subplots()
    for offset, arm in enumerate(arms):
        rows = shown.filter(pl.col("arm") == arm)
        y = [metrics_.index(m) + 0.2 * offset for m in rows["metric"]]
        low = rows["difference"] - rows["ci_low"]
        high = rows["ci_high"] - rows["difference"]
        ax.errorbar(
            rows["difference"],
            y,
            xerr=[low, high],
            fmt="o",
            color=palette[arm],
            capsize=3,
            label=f"{arm} − {rows['baseline'][0]}",
        )
    ax.axvline(0, color="#777777", linewidth=1)
    ax.set_yticks(range(len(metrics_)), metrics_, fontsize=8)
    ax.invert_yaxis()
    ax.set(
        xlabel="paired difference (metric units)",
        title="difference from the baseline arm, with its confidence interval",
    )
    ax.legend(frameon=False, loc="lower right")
    return figure


def sensitivity_bars(table: pl.DataFrame) -> Figure:
    """Sensitivity indices per parameter, one panel per metric."""
    first, total = ("S1", "ST") if "ST" in table.columns else ("mu_star", "sigma")
    metrics_ = table["metric"].unique(maintain_order=True).to_list()
    figure = Figure(
        figsize=(6 * min(len(metrics_), 2), 3.2 * math.ceil(len(metrics_) / 2)),
        layout="constrained",
    )
    axes = figure.subplots(math.ceil(len(metrics_) / 2), min(len(metrics_), 2), squeeze=False)
    for ax, metric in zip(axes.flat, metrics_, strict=False):
        rows = table.filter(pl.col("metric") == metric)
        y = range(rows.height)
        for offset, index, colour in ((-0.2, first, "#0072B2"), (0.2, total, "#E69F00")):
            ax.barh(
                [i + offset for i in y],
                rows[index],
                height=0.4,
                color=colour,
                label=index,
                xerr=interval(rows, index),  # SALib's bootstrap interval, where it gives one
                error_kw={"elinewidth": 0.8, "capsize": 2},
            )
        ax.set_yticks(list(y), rows["parameter"], fontsize=8)
        ax.invert_yaxis()
        ax.set(title=metric, xlabel="index")
        ax.legend(frameon=False, fontsize=8)
    for ax in axes.flat[len(metrics_) :]:
        ax.set_visible(False)
    return figure
