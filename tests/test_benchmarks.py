"""The benchmark harness itself runs (figures are recorded in benchmarks/README.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polars as pl
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
HARNESS = BENCHMARKS / "run.py"


def load(name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.benchmark
def test_harness_measures_a_small_run():
    harness = load("run")
    row = harness.measure("baseline", 10_000, 1)
    assert row["events"] > 0 and row["peak_mb"] > 0
    assert "| 10,000 |" in harness.table([row])


@pytest.mark.benchmark
def test_sweep_harness_measures_a_small_sweep():
    row = load("sweep").measure(4, 2, 500, 1.0)
    assert row["runs"] == 4 and row["parent_peak_mb"] > 0


@pytest.mark.benchmark
def test_serve_harness_times_a_small_page(monkeypatch, capsys):
    argv = ["serve.py", "--firms", "500", "--repeats", "2", "--replications", "2", "--workers", "1"]
    monkeypatch.setattr("sys.argv", argv)
    load("serve").main()
    assert "a redraw" in capsys.readouterr().out


def test_the_ab_check_tells_float_rounding_from_a_changed_run(tmp_path):
    far_apart = load("identical").far_apart

    def written(name: str, values: list[float], events: list[str]) -> Path:
        path = tmp_path / f"{name}.parquet"
        pl.DataFrame({"event": events, "value": values}).write_parquet(path)
        return path

    base = written("base", [1.0, 0.0, float("nan")], ["pilot", "deploy", "churn"])
    rounded = written("rounded", [1.0 + 4e-16, 1e-14, float("nan")], ["pilot", "deploy", "churn"])
    moved = written("moved", [1.0 + 1e-6, 0.0, float("nan")], ["pilot", "deploy", "churn"])
    reordered = written("reordered", [1.0, 0.0, float("nan")], ["deploy", "pilot", "churn"])
    shorter = written("shorter", [1.0, 0.0], ["pilot", "deploy"])
    assert far_apart(rounded, base, rtol=1e-9, atol=1e-12) is None
    assert "value: off by 1.00e-06" in far_apart(moved, base, rtol=1e-9, atol=1e-12)
    assert "event: values differ" in far_apart(reordered, base, rtol=1e-9, atol=1e-12)
    assert "shape" in far_apart(shorter, base, rtol=1e-9, atol=1e-12)
