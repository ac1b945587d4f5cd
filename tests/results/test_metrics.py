"""Summary metrics against hand-made time series."""

from __future__ import annotations

import polars as pl
import pytest


def synthetic_series(capability: dict[str, list[float]]) -> pl.DataFrame:
    """One lab's time series at yearly reports 2030, 2031, ... with the given capability."""
    rows = []
    for vertical, path in capability.items():
        for k, c in enumerate(path):
            rows.append({"time": 2030.0 + k, "lab": "lab", "vertical": vertical,
                         "capability": c, "proxy": c, "gap": 0.0, "adoption": 0.1,
                         "practice_data": 1.0, "deployed": 1.0})  # fmt: skip
    return pl.DataFrame(rows)


def test_expert_from_is_the_report_after_the_last_dip_below_the_threshold():
    from econsim.results.metrics import flatten, summarize

    series = synthetic_series(
        {
            "steady": [0.6, 0.7, 0.8, 0.9],  # expert throughout: from the first report
            "dips": [0.6, 0.4, 0.55, 0.6],  # reached in 2030, fell back, settled in 2032
            "falls": [0.2, 0.6, 0.7, 0.43],  # reached in 2031 and ends below: never settled
            "never": [0.1, 0.2, 0.3, 0.4],
        }
    )
    got = flatten(summarize(series, 0.5))
    assert [got[f"expert_from.{v}"] for v in ("steady", "dips", "falls", "never")] == [
        2030.0, 2032.0, None, None
    ]  # fmt: skip
    assert [got[f"time_to_expert.{v}"] for v in ("steady", "dips", "falls", "never")] == [
        2030.0, 2030.0, 2031.0, None
    ]  # fmt: skip


def test_metrics_at_a_year_see_only_the_reports_up_to_it():
    from econsim.results.metrics import flatten, summarize

    series = synthetic_series({"a": [0.2, 0.6, 0.7, 0.43], "b": [0.1, 0.2, 0.6, 0.8]})
    at_2031 = flatten(summarize(series, 0.5, at=2031.0))
    assert at_2031["capability.a"] == 0.6 and at_2031["expert_from.a"] == 2031.0
    assert at_2031["breadth"] == 1.0 and at_2031["time_to_expert.b"] is None
    with pytest.raises(ValueError, match="outside the run"):
        summarize(series, 0.5, at=2040.0)
