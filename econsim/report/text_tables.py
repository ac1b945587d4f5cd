"""Result tables as aligned text for a terminal: the comparison of policy arms."""

from __future__ import annotations

import polars as pl


def comparison_table(table: pl.DataFrame, confidence: float) -> str:
    """Rows whose difference is not exactly zero, as an aligned text table.

    ``table`` is a comparison (``econsim.experiments.compare_arms``): one row per
    metric and arm, with both means, the difference and its ``confidence`` interval.
    """
    shown = table.filter(pl.col("difference").is_not_null() & (pl.col("difference") != 0))
    label = f"{confidence:.0%} interval"
    lines = [
        f"{'metric':34s}{'arm':>22s}{'baseline':>11s}{'arm':>11s}{'difference':>12s}"
        f"{label:>24s}{'n':>5s}"
    ]
    for r in shown.sort("metric", "arm").iter_rows(named=True):
        low, high = r["ci_low"], r["ci_high"]
        interval = "" if low is None else f"[{low:+.3g}, {high:+.3g}]"
        lines.append(
            f"{r['metric']:34s}{r['arm']:>22s}{r['baseline_mean']:11.4g}"
            f"{r['arm_mean']:11.4g}{r['difference']:+12.3g}{interval:>24s}{r['n']:5d}"
        )
    if shown.height < table.height:
        lines.append(f"({table.height - shown.height} metrics with no difference not shown)")
    return "\n".join(lines)
