"""The what-if page's charts: a changed run against the unchanged one.

Drawn with the run charts' pieces (per-vertical panels, breadth step lines), so a
what-if looks like the run it changes.
"""

from __future__ import annotations

from econsim.report.chart_spec import GREY, Chart
from econsim.report.data import leading
from econsim.report.run_charts import breadth_over_time, breadth_series, per_vertical
from econsim.results import Results


def whatif_charts(unchanged: Results, changed: Results) -> list[Chart]:
    """Real capability per vertical and breadth: the unchanged run and the what-if."""
    verticals = unchanged.scenario.vertical_names
    before = {"dash": "dash", "width": 1.5}
    capability = per_vertical(
        verticals,
        [
            (leading(unchanged.timeseries), "capability", "unchanged", before),
            (leading(changed.timeseries), "capability", "what-if", {"width": 2.5}),
        ],
    )
    breadth = [
        breadth_series("unchanged", unchanged.breadth(), GREY),
        breadth_series("what-if", changed.breadth()),
    ]
    return [
        Chart(
            "whatif_capability",
            "real capability of the best model: unchanged (dashed) and what-if (solid)",
            capability,
            y_label="share of tasks at expert level",
            y_range=(0, 1),
        ),
        breadth_over_time(
            "whatif_breadth",
            "verticals at expert level: unchanged and what-if",
            breadth,
            len(verticals),
        ),
    ]
