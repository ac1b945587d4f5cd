"""Figures and the HTML report, the report checked in a real headless Chromium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from browser import watched_page
from click.testing import CliRunner
from PIL import Image

import econsim
from econsim.cli import main
from econsim.experiments import Sequential, compare_arms, plan_arms, run_plan
from econsim.experiments.store import write_table
from econsim.report import plot_folder, write_report


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = econsim.load_scenario("baseline", {"economy.firms": 2000, "horizon": 6.0})
    return econsim.simulate(scenario, seed=1).write(tmp_path_factory.mktemp("r") / "run")


@pytest.fixture(scope="module")
def study_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = econsim.load_scenario("bass", {"economy.firms": 500, "horizon": 3.0})
    arms = {"base": base, "fast": base.override({"verticals.market.p": 0.1})}
    folder = tmp_path_factory.mktemp("s") / "study"
    outcome = run_plan(plan_arms(arms, replications=4, seed=2), folder, Sequential())
    write_table(compare_arms(outcome.runs), folder / "comparison.parquet")
    return folder


def test_plot_writes_png_and_svg_for_every_run_figure(run_folder, tmp_path):
    written = plot_folder(run_folder, tmp_path)
    names = {p.stem for p in written}
    assert names == {
        "capability_vs_benchmark",
        "adoption",
        "practice_data",
        "sample_efficiency",
        "breadth",
    }
    for path in written:
        assert path.stat().st_size > 10_000
        if path.suffix == ".svg":
            assert "<svg" in path.read_text()[:2000]


def test_plot_draws_fan_charts_and_differences_for_a_study(study_folder, tmp_path):
    names = {p.stem for p in plot_folder(study_folder, tmp_path, formats=["png"])}
    assert names == {"fan", "differences"}


def test_the_cli_plots_and_reports(run_folder, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["plot", str(run_folder), "--out", str(tmp_path / "f")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "f" / "breadth.svg").exists()
    result = runner.invoke(main, ["report", str(run_folder), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.html").stat().st_size > 1_000_000  # plotly.js is inside


def test_a_folder_that_is_not_ours_is_an_input_error(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "neither a run folder" in result.output


@pytest.mark.parametrize(("which", "plots"), [("run", 5), ("study", 2)])
def test_the_report_draws_offline_in_a_real_browser(
    which, plots, run_folder, study_folder, tmp_path
):
    report = write_report(run_folder if which == "run" else study_folder, tmp_path / "r.html")
    with watched_page() as watched:
        page = watched.page
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_selector(".js-plotly-plot .main-svg")
        drawn = page.locator(".js-plotly-plot").count()
        traces = page.locator(
            ".js-plotly-plot .scatterlayer .trace, .js-plotly-plot .barlayer .trace"
        ).count()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert watched.errors == []
    local = ("file:", "data:", "blob:")
    assert [url for url in watched.requests if not url.startswith(local)] == []
    assert drawn == plots and traces > plots
    pixels = np.asarray(Image.open(tmp_path / "report.png").convert("L"), dtype=float)
    assert pixels.std() > 10  # not a blank page


def test_sensitivity_bars_carry_their_intervals_in_both_renderers():
    import polars as pl
    from matplotlib.container import ErrorbarContainer

    from econsim.report.charts import sensitivity_chart
    from econsim.report.figures import to_matplotlib
    from econsim.report.interactive import to_plotly

    table = pl.DataFrame(
        {"parameter": ["p", "q"], "metric": ["m", "m"], "S1": [0.6, 0.1],
         "S1_conf": [0.05, 0.2], "ST": [0.7, 0.15], "ST_conf": [0.06, 0.25]}
    )  # fmt: skip
    chart = sensitivity_chart(table)
    figure = to_matplotlib(chart)
    bars = [c for c in figure.axes[0].containers if isinstance(c, ErrorbarContainer)]
    widths = sorted(
        round(float(np.ptp(segment[:, 0])) / 2, 6)
        for c in bars
        for segment in c.lines[2][0].get_segments()
    )
    assert widths == [0.05, 0.06, 0.2, 0.25]
    traces = to_plotly(chart).data
    assert [[round(v, 6) for v in t.error_x.array] for t in traces] == [[0.05, 0.2], [0.06, 0.25]]


@pytest.fixture(scope="module")
def factorial_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from econsim.experiments import Study, plan_study

    study = Study.model_validate(
        {
            "scenario": "bass",
            "seed": 4,
            "replications": 3,
            "set": {"economy.firms": 400, "horizon": 3.0},
            "parameters": {"verticals.market.p": {"values": [0.01, 0.3]}},
        }
    )
    folder = tmp_path_factory.mktemp("f") / "study"
    run_plan(plan_study(study), folder, Sequential())
    return folder


def test_a_studys_charts_are_split_by_each_design_parameter_with_intervals(factorial_folder):
    from econsim.report.charts import study_charts
    from econsim.report.data import study_view

    charts = {c.name: c for c in study_charts(study_view(factorial_folder))}
    split = charts["fan_by_verticals_market_p"]
    assert [p.title for p in split.panels] == [
        "verticals.market.p = 0.01",
        "verticals.market.p = 0.3",
    ]
    by = charts["by_verticals_market_p"]
    breadth = next(p for p in by.panels if p.title == "breadth").series[0]
    assert breadth.x == [0.01, 0.3]
    bounds = zip(breadth.low, breadth.y, breadth.high, strict=True)
    assert all(low <= median <= high for low, median, high in bounds)
    # faster adoption: at the last report, no fewer verticals at expert level (median)
    low_p, high_p = (panel.series[0].y[-1] for panel in split.panels)
    assert high_p >= low_p


def test_both_renderers_draw_every_series_of_every_chart(run_folder, factorial_folder):
    from matplotlib.lines import Line2D

    from econsim.report.charts import run_charts, study_charts
    from econsim.report.data import run_view, study_view
    from econsim.report.figures import to_matplotlib
    from econsim.report.interactive import to_plotly

    charts = run_charts(run_view(run_folder)) + study_charts(study_view(factorial_folder))
    for chart in charts:
        lines = [s for p in chart.panels for s in p.series if s.mark in ("line", "step")]
        plotted = {
            tuple(np.nan_to_num(np.asarray(trace.y, dtype=float), nan=-1.0))
            for trace in to_plotly(chart).data
        }
        drawn = {
            tuple(np.nan_to_num(np.asarray(line.get_ydata(), dtype=float), nan=-1.0))
            for ax in to_matplotlib(chart).axes
            for line in ax.get_lines()
            if isinstance(line, Line2D)
        }
        for series in lines:
            y = tuple(np.nan_to_num(np.asarray(series.y, dtype=float), nan=-1.0))
            assert y in plotted, (chart.name, series.label)
            assert y in drawn or series.mark == "step", (chart.name, series.label)
