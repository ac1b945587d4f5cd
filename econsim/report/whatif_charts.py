"""The what-if page's charts: the what-if's replications against the unchanged ones.

Drawn with the run charts' pieces (per-vertical panels, breadth step lines), so a
what-if looks like the run it changes; each capability line is the mean over the
replications, its band their lowest to highest.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from econsim.report.chart_spec import GREY, Chart
from econsim.report.run_charts import breadth_over_time, breadth_series, per_vertical

Replicated = tuple[pl.DataFrame, pl.DataFrame]  # capability band (mean, low, high); breadth


def whatif_charts(
    verticals: Sequence[str], unchanged: Replicated, changed: Replicated, replications: int
) -> list[Chart]:
    """Real capability per vertical and breadth: the unchanged runs and the what-if's."""
    before = {"dash": "dash", "width": 1.5, "between": ("low", "high"), "opacity": 0.12}
    after = {"width": 2.5, "between": ("low", "high"), "opacity": 0.25}
    capability = per_vertical(
        verticals,
        [(unchanged[0], "mean", "unchanged", before), (changed[0], "mean", "what-if", after)],
    )
    breadth = [
        breadth_series("unchanged", unchanged[1], GREY),
        breadth_series("what-if", changed[1]),
    ]
    return [
        Chart(
            "whatif_capability",
            f"real capability of the best model, mean of {replications} paired replications "
            "(bands: lowest to highest): unchanged (dashed) and what-if (solid)",
            capability,
            y_label="share of tasks at expert level",
            y_range=(0, 1),
        ),
        breadth_over_time(
            "whatif_breadth",
            f"verticals at expert level, mean of {replications} replications: unchanged and "
            "what-if",
            breadth,
            len(verticals),
        ),
    ]
