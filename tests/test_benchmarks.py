"""The benchmark harness itself runs (figures are recorded in benchmarks/README.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

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
    monkeypatch.setattr("sys.argv", ["serve.py", "--firms", "500", "--repeats", "2"])
    load("serve").main()
    assert "a redraw" in capsys.readouterr().out
