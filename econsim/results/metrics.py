"""Summary metrics derived from a run's time series (DESIGN 2.8).

Times are report times, so "time to" metrics have the reporting interval's
resolution (a month by default), and are null when the event never happens.
"""

from __future__ import annotations

import polars as pl

SUMMARY_SCHEMA = {"metric": pl.String, "lab": pl.String, "vertical": pl.String, "value": pl.Float64}


def leading_capability(timeseries: pl.DataFrame) -> pl.DataFrame:
    """Per (time, vertical): the best real capability over labs, and its proxy and gap."""
    return (
        timeseries.sort("capability", "proxy", descending=True, maintain_order=True)
        .group_by("time", "vertical", maintain_order=True)
        .agg(
            pl.col("capability").first(),
            pl.col("proxy").first(),
            pl.col("gap").first(),
            pl.col("adoption").sum(),
        )
        .sort("time", "vertical")
    )


def breadth(timeseries: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Verticals at expert level (best lab's capability ≥ threshold) at each report time."""
    return (
        leading_capability(timeseries)
        .group_by("time", maintain_order=True)
        .agg((pl.col("capability") >= threshold).sum().cast(pl.Int64).alias("breadth"))
        .sort("time")
    )


def summarize(timeseries: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Long table ``metric, lab, vertical, value``; null lab/vertical means all of them."""
    lead = leading_capability(timeseries)
    last = lead.filter(pl.col("time") == pl.col("time").max())
    verticals = lead["vertical"].unique(maintain_order=True).len()
    over_time = breadth(timeseries, threshold)
    general = over_time.filter(pl.col("breadth") == verticals)["time"]
    rows: list[dict[str, object]] = [
        _row("breadth", float(over_time["breadth"][-1])),
        _row("time_to_general", general.min() if general.len() else None),
        _row("max_gap", timeseries["gap"].max()),
    ]
    expert = (
        lead.filter(pl.col("capability") >= threshold)
        .group_by("vertical")
        .agg(pl.col("time").min())
    )
    first_expert = dict(zip(expert["vertical"].cast(pl.String), expert["time"], strict=True))
    for record in last.iter_rows(named=True):
        v = str(record["vertical"])
        rows += [
            _row("time_to_expert", first_expert.get(v), vertical=v),
            _row("capability", record["capability"], vertical=v),
            _row("proxy", record["proxy"], vertical=v),
            _row("gap", record["gap"], vertical=v),
            _row("adoption", record["adoption"], vertical=v),
        ]
    rows += _per_vertical(timeseries) + _per_lab(timeseries, threshold)
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA, orient="row")


def _per_vertical(timeseries: pl.DataFrame) -> list[dict[str, object]]:
    final = timeseries.filter(pl.col("time") == pl.col("time").max())
    total = pl.col("practice_data").sum()
    share = pl.col("practice_data") / total
    hhi = final.group_by("vertical", maintain_order=True).agg(  # null, not NaN, with no data
        pl.when(total > 0).then((share**2).sum()).otherwise(None).alias("hhi")
    )
    peaks = timeseries.group_by("vertical", maintain_order=True).agg(pl.col("gap").max())
    rows = [
        _row("data_hhi", r["hhi"], vertical=str(r["vertical"])) for r in hhi.iter_rows(named=True)
    ]
    rows += [
        _row("max_gap", r["gap"], vertical=str(r["vertical"])) for r in peaks.iter_rows(named=True)
    ]
    return rows


def _per_lab(timeseries: pl.DataFrame, threshold: float) -> list[dict[str, object]]:
    final = timeseries.filter(pl.col("time") == pl.col("time").max())
    per_lab = final.group_by("lab", maintain_order=True).agg(
        (pl.col("capability") >= threshold).sum().cast(pl.Float64).alias("breadth"),
        pl.col("gap").mean().alias("mean_gap"),
        pl.col("deployed").sum().cast(pl.Float64).alias("deployed"),
    )
    peaks = timeseries.group_by("lab", maintain_order=True).agg(pl.col("gap").max())
    rows = []
    for r in per_lab.iter_rows(named=True):
        lab = str(r["lab"])
        rows += [
            _row("breadth", r["breadth"], lab=lab),
            _row("mean_gap", r["mean_gap"], lab=lab),
            _row("deployed", r["deployed"], lab=lab),
        ]
    rows += [_row("max_gap", r["gap"], lab=str(r["lab"])) for r in peaks.iter_rows(named=True)]
    return rows


def _row(
    metric: str, value: object, lab: str | None = None, vertical: str | None = None
) -> dict[str, object]:
    number = None if value is None else float(value)  # type: ignore[arg-type]
    return {"metric": metric, "lab": lab, "vertical": vertical, "value": number}


def flatten(summary: pl.DataFrame) -> dict[str, float | None]:
    """Summary as ``{"metric[.lab][.vertical]": value}``, one scalar per key."""
    flat: dict[str, float | None] = {}
    for r in summary.iter_rows(named=True):
        key = ".".join(str(part) for part in (r["metric"], r["lab"], r["vertical"]) if part)
        flat[key] = r["value"]
    return flat
