"""Each kind of extension is one declaration in one place, and shows in a run's output.

Every test here adds a throwaway extension the way a developer would add a real one
(DESIGN §4), runs a small economy, and finds it in what the run writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

import econsim
from econsim.state.columns import COLUMNS, RecordedRun, column, per_lab


@pytest.fixture
def tiny() -> econsim.Scenario:
    return econsim.load_scenario("baseline", {"economy.firms": 800, "horizon": 2.0})


@pytest.fixture
def squared_proxy() -> Iterator[str]:
    @column("squared_proxy", "benchmark score squared, 0-1", "the benchmark score, squared")
    def _read(run: RecordedRun) -> np.ndarray:
        return per_lab(run, lambda lab: lab.model.proxy) ** 2

    yield "squared_proxy"
    del COLUMNS["squared_proxy"]


def test_a_column_declared_once_is_recorded_and_written_with_its_unit(
    tiny, squared_proxy, tmp_path: Path
):
    folder = econsim.simulate(tiny, seed=1).write(tmp_path / "run")
    frame = pl.read_parquet(folder / "timeseries.parquet")
    assert frame.columns[-1] == squared_proxy
    assert np.array_equal(frame[squared_proxy].to_numpy(), frame["proxy"].to_numpy() ** 2)
    field = pq.read_schema(folder / "timeseries.parquet").field(squared_proxy)
    assert field.metadata[b"unit"].decode() == "benchmark score squared, 0-1"


def test_a_column_name_is_declared_once(squared_proxy):
    with pytest.raises(KeyError, match="declared twice"):
        column(squared_proxy, "", "")(lambda run: np.zeros(1))
