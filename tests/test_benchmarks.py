"""The benchmark harness itself runs (figures are recorded in benchmarks/README.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


@pytest.mark.benchmark
def test_harness_measures_a_small_run():
    spec = importlib.util.spec_from_file_location("harness", HARNESS)
    assert spec is not None and spec.loader is not None
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    row = harness.measure("baseline", 10_000, 1)
    assert row["events"] > 0 and row["peak_mb"] > 0
    assert "| 10,000 |" in harness.table([row])
