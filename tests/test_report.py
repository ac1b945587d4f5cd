"""Figures and the HTML report, the report checked in a real headless Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import econsim
from econsim.cli import main
from econsim.experiments import Sequential, compare_arms, plan_arms, run_plan
from econsim.experiments.store import write_table
from econsim.report import plot_folder, write_report

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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
    assert names == {"capability_vs_benchmark", "adoption", "practice_data", "breadth"}
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


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.mark.parametrize(("which", "plots"), [("run", 5), ("study", 3)])
def test_the_report_draws_offline_in_a_real_browser(
    which, plots, run_folder, study_folder, tmp_path
):
    from playwright.sync_api import sync_playwright

    report = write_report(run_folder if which == "run" else study_folder, tmp_path / "r.html")
    errors, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_selector(".js-plotly-plot .main-svg")
        drawn = page.locator(".js-plotly-plot").count()
        traces = page.locator(
            ".js-plotly-plot .scatterlayer .trace, .js-plotly-plot .barlayer .trace"
        ).count()
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert [url for url in requests if not url.startswith(("file:", "data:", "blob:"))] == []
    assert drawn == plots and traces > plots
    pixels = np.asarray(Image.open(tmp_path / "report.png").convert("L"), dtype=float)
    assert pixels.std() > 10  # not a blank page


def test_sensitivity_bars_carry_their_intervals_in_both_renderers():
    import polars as pl

    from econsim.report.charts import sensitivity_chart
    from econsim.report.figures import sensitivity_bars

    table = pl.DataFrame(
        {"parameter": ["p", "q"], "metric": ["m", "m"], "S1": [0.6, 0.1],
         "S1_conf": [0.05, 0.2], "ST": [0.7, 0.15], "ST_conf": [0.06, 0.25]}
    )  # fmt: skip
    from matplotlib.container import ErrorbarContainer

    figure = sensitivity_bars(table)
    bars = [c for c in figure.axes[0].containers if isinstance(c, ErrorbarContainer)]
    widths = sorted(
        round(float(np.ptp(segment[:, 0])) / 2, 6)
        for c in bars
        for segment in c.lines[2][0].get_segments()
    )
    assert widths == [0.05, 0.06, 0.2, 0.25]
    chart = sensitivity_chart(table)
    assert [list(trace.error_x.array) for trace in chart.data] == [[0.05, 0.2], [0.06, 0.25]]
