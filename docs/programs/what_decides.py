"""What decides the headline results: the experiments behind ``docs/what-decides.md``.

Run from the repository with econsim installed:
``python docs/programs/what_decides.py [--out runs/what_decides] [--workers N]
[--calibration DIR] [--only NAME]`` runs the experiments (each resumes what its
folder already holds) and writes their sections of the document:

1. **Efficiency cannot create data**: an isolated lab with an efficiency ceiling of
   1e12 and no transfer, as it is and with eval validity forced to 1, so that what
   is left is the coverage of its data.
2. **A two-year healthcare pilot delay from 2026**: paired replications under the
   baseline, under the baseline with every lab's evals valid (the data channel
   alone), and under the optimist's view.
3. **The study** ``studies/what_decides.toml``: the distribution of each headline
   result over the uncertain parameters, and Morris indices of what decides it.
4. **Money within its bounds** over every run of the study: the largest share of the
   bound on world investment that any lab raised or spent, and the runs in which a
   lab's funding halved within a year while its revenue grew.
5. **Over the prior and the posterior** (with ``--calibration DIR``, a folder that
   ``econsim calibrate`` wrote): the study's arms with the calibrated values drawn
   from their priors, then from their posterior, every other value at the baseline's.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from paired import executor

from econsim.engine import simulate
from econsim.experiments.compare import compare_arms
from econsim.experiments.runner import run_plan
from econsim.experiments.sensitivity import indices
from econsim.experiments.store import PART, partition
from econsim.experiments.study import Study, load_study, plan_arms, plan_study
from econsim.model.economy import investment_bound
from econsim.results.metrics import leading_capability
from econsim.scenario import Scenario, load_scenario

STUDY = Path(__file__).resolve().parents[2] / "studies" / "what_decides.toml"
DELAY_AT, DELAY_YEARS, MEASURED_AT = 2026.0, 2.0, 2035.0


# ---------------------------------------------------------------- 1. efficiency


def efficiency_limits(firms: int = 10_000) -> pl.DataFrame:
    """Per vertical, the isolated lab's capability at the horizon under three settings.

    As it is; with its evals valid (``eval_validity = 1``: real capability gets every
    efficiency gain); and valid evals with investors who never lose patience, so
    that research is not starved and efficiency can approach its ceiling.
    """
    settings = {
        "economy.firms": firms,
        "labs.*.research.ceiling": 1e12,
        "capability.generalization": 0.0,
    }
    valid = {**settings, "verticals.*.eval_validity": 1.0}
    runs = {
        "as is": settings,
        "evals valid": valid,
        "evals valid, patient investors": {**valid, "labs.*.finance.investor_patience": 100.0},
    }
    columns = []
    for label, overrides in runs.items():
        scenario = load_scenario("datacenter_of_geniuses", overrides)
        final = simulate(scenario).timeseries.filter(pl.col("time") == scenario.end)
        efficiency = final["sample_efficiency"][0]
        columns.append(
            final.select(
                pl.col("vertical").cast(pl.String),
                pl.col("capability").alias(f"{label} (A = {efficiency:.2g})"),
                pl.col("coverage").alias(f"coverage ({label})"),
            )
        )
    frame = columns[0]
    for column in columns[1:]:
        frame = frame.join(column, on="vertical", maintain_order="left")
    coverage = [c for c in frame.columns if c.startswith("coverage")]
    return frame.drop(coverage[1:]).rename({coverage[0]: "coverage"})


# ---------------------------------------------------------------- 2. pilot delay


def delayed(scenario: Scenario) -> Scenario:
    """The same scenario with healthcare pilots taking two years longer from 2026."""
    median = scenario.verticals["healthcare"].lead_time.median
    change = {"verticals.healthcare.lead_time.median": median + DELAY_YEARS}
    return scenario.override({"interventions": [{"at": DELAY_AT, "set": change}]})


DELAY_VIEWS: dict[str, tuple[str, dict[str, Any]]] = {
    "baseline": ("baseline", {}),
    "baseline, every lab's evals valid": ("baseline", {"verticals.*.graded_half": 1e-12}),
    "generalization_optimist": ("generalization_optimist", {}),
}


def pilot_delay(
    folder: Path, workers: int, firms: int = 20_000, replications: int = 20
) -> pl.DataFrame:
    """Healthcare's real capability in 2035 with and without the delay, paired, per view."""
    rows = []
    for index, (view, (name, extra)) in enumerate(DELAY_VIEWS.items()):
        base = load_scenario(
            name, {"economy.firms": firms, "horizon": MEASURED_AT - 2022.5, **extra}
        )
        plan = plan_arms({"base": base, "delay": delayed(base)}, replications, seed=7)
        outcome = run_plan(plan, folder / f"delay-{index}", executor(workers))
        table = compare_arms(outcome.runs, ["capability.healthcare", "adoption.healthcare"])
        rows += [{"view": view, **row} for row in table.iter_rows(named=True)]
    return pl.DataFrame(rows)


# ---------------------------------------------------------------- 3. the study


def run_study(folder: Path, workers: int) -> tuple[pl.DataFrame, float]:
    """Run (or resume) the study; the runs table and the year the runs end."""
    plan = plan_study(load_study(STUDY))
    return run_plan(plan, folder / "study", executor(workers)).runs, plan.bases["base"].end


def headlines(runs: pl.DataFrame, root: Path, censor: float, by: str = "point") -> pl.DataFrame:
    """One row per design point (or per ``by``): every headline result, from its arms' runs.

    A "time to" result that never happens counts as ``censor`` (the runs' end).
    """

    def metric(arm: str, name: str, censored: bool = False) -> pl.DataFrame:
        value = pl.col(f"metric.{name}")
        value = value.fill_null(censor) if censored else value
        return runs.filter(pl.col("arm") == arm).group_by(by).agg(value.mean().alias(arm))

    healthcare = _capability_at(runs, root, "healthcare", MEASURED_AT, by)
    defense = _capability_at(runs, root, "defense", MEASURED_AT, by)
    frame = (
        metric("base", "breadth").rename({"base": "breadth, broad"})
        .join(metric("isolated", "breadth").rename({"isolated": "breadth, isolated"}), on=by)
        .join(metric("base", "time_to_general", True).rename({"base": "general, broad"}), on=by)
        .join(metric("isolated", "time_to_general", True)
              .rename({"isolated": "general, isolated"}), on=by)
        .join(healthcare, on=by)
        .join(defense, on=by)
    )  # fmt: skip
    return frame.with_columns(
        (pl.col("healthcare, delay") - pl.col("healthcare, base")).alias("delay effect"),
        (pl.col("defense, embargo") - pl.col("defense, licence")).alias("embargo effect"),
    ).sort(by)


def _capability_at(
    runs: pl.DataFrame, root: Path, vertical: str, time: float, by: str
) -> pl.DataFrame:
    """Each run's leading real capability in a vertical at ``time``, pivoted by arm."""
    wanted = {"healthcare": ("base", "delay"), "defense": ("embargo", "licence")}[vertical]
    values = []
    for run_id, key, arm in runs.select("run_id", by, "arm").iter_rows():
        if arm not in wanted:
            continue
        series = pl.read_parquet(partition(root, "timeseries", run_id) / PART)
        lead = leading_capability(series.filter(pl.col("vertical") == vertical))
        nearest = lead.sort((pl.col("time") - time).abs())["capability"][0]
        values.append({by: key, "arm": f"{vertical}, {arm}", "value": nearest})
    return pl.DataFrame(values).pivot("arm", index=by, values="value")


# ---------------------------------------------------------------- 5. prior and posterior


def over_calibration(
    folder: Path, workers: int, calibration: Path, replications: int = 40
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each headline result with the calibrated values drawn from the prior and the posterior.

    The study's arms, with no design: every other assumption keeps the baseline's
    value, and replication r draws one parameter set (the same in every arm) from the
    calibration's ``prior.parquet`` or ``posterior.parquet``. Returns the results'
    quantiles side by side, and for each result the drawn values most rank-correlated
    with it under each.
    """
    found, deciding = [], []
    for source in ("prior", "posterior"):
        drawn_from = calibration / f"{source}.parquet"
        study = Study.model_validate(
            load_study(STUDY).model_dump()
            | {"parameters": {}, "design": {}, "replications": replications,
               "posterior": str(drawn_from)}
        )  # fmt: skip
        plan = plan_study(study)
        root = folder / f"calibrated-{source}"
        runs = run_plan(plan, root, executor(workers)).runs
        table = headlines(runs, root, plan.bases["base"].end, by="replication")
        quantiles = distributions(table).select("result", "p5", "median", "p95")
        found.append(quantiles.rename({q: f"{source} {q}" for q in ("p5", "median", "p95")}))
        deciding.append(_rank_correlations(table, runs, drawn_from).with_columns(
            pl.lit(source).alias("drawn from")))  # fmt: skip
    sides = found[0].join(found[1], on="result", maintain_order="left")
    return sides, pl.concat(deciding).select("result", "drawn from", "value", "rank correlation")


def _rank_correlations(
    table: pl.DataFrame, runs: pl.DataFrame, drawn_from: Path, top: int = 2
) -> pl.DataFrame:
    """Per headline result, the ``top`` drawn values by |Spearman's rank correlation|."""
    values = pl.read_parquet(drawn_from).drop("weight", "generation", strict=False)
    draws = runs.filter(pl.col("arm") == "base").select("replication", "draw")
    rows = values.with_row_index("draw").with_columns(pl.col("draw").cast(draws["draw"].dtype))
    joined = table.join(draws, on="replication").join(rows, on="draw")
    found = [
        {"result": HEADLINES[result], "value": key,
         "rank correlation": joined.select(pl.corr(key, result, method="spearman")).item()}
        for result in HEADLINES for key in values.columns
    ]  # fmt: skip
    return (
        pl.DataFrame(found)
        .sort(pl.col("rank correlation").abs(), descending=True, nulls_last=True)
        .group_by("result", maintain_order=True)
        .head(top)
    )


def calibrated(calibration: Path) -> pl.DataFrame:
    """Each calibrated value's prior and posterior 90% intervals, and their width ratio."""
    ends = ("prior_low", "prior_high", "posterior_low", "posterior_high", "width_ratio")
    table = pl.read_parquet(calibration / "parameters.parquet").select("parameter", *ends)
    return table.rename({end: end.replace("_", " ") for end in ends})


def money_within_bounds(runs: pl.DataFrame, root: Path) -> pl.DataFrame:
    """Per arm: each lab's funding and spending against the bound, and funding cliffs.

    The bound is the model's ``investment_bound`` at the run's own
    ``ai_investment_share``; a cliff is funding below half of what it
    was a year earlier while the lab's revenue (every vertical) grew.
    """
    base = plan_study(load_study(STUDY)).bases["base"]
    economy, year = base.economy, base.reports_per_year
    share = "param.economy.ai_investment_share"
    rows = []
    for run_id, arm, invested in runs.select("run_id", "arm", share).iter_rows():
        books = (
            pl.read_parquet(partition(root, "timeseries", run_id) / PART)
            .group_by("lab", "time")
            .agg(pl.col("funding", "compute_spending").first(), pl.col("revenue").sum())
            .sort("lab", "time")
        )
        bound = [
            investment_bound(t - base.start, economy.world_investment,
                             economy.investment_growth, invested)
            for t in books["time"]
        ]  # fmt: skip
        earlier = pl.col("funding", "revenue").shift(year).over("lab").name.suffix(" before")
        books = books.with_columns(pl.Series("bound", bound), earlier)
        cliff = (pl.col("funding") < 0.5 * pl.col("funding before")) & (
            pl.col("revenue") > pl.col("revenue before")
        )
        rows.append(
            books.select(
                pl.lit(arm).alias("arm"),
                (pl.col("funding") / pl.col("bound")).max().alias("funding / bound"),
                (pl.col("compute_spending") / pl.col("bound")).max().alias("spending / bound"),
                cliff.fill_null(False).any().alias("cliff"),
            )
        )
    return (
        pl.concat(rows)
        .group_by("arm", maintain_order=True)
        .agg(
            pl.len().alias("runs"),
            pl.col("funding / bound", "spending / bound").max().name.prefix("largest "),
            pl.col("cliff").sum().alias("runs with a cliff"),
        )
    )


HEADLINES = {
    "breadth, isolated": "verticals at expert level in 2043, isolated labs",
    "breadth, broad": "verticals at expert level in 2043, broad labs",
    "general, isolated": "domain-general capability (year; 2043 = not by then), isolated",
    "general, broad": "domain-general capability (year; 2043 = not by then), broad",
    "delay effect": "healthcare real capability in 2035: two-year pilot delay minus none",
    "embargo effect": "defense real capability in 2035: embargo minus licence",
}


def distributions(table: pl.DataFrame) -> pl.DataFrame:
    """Quantiles of each headline result over the design points."""
    rows = []
    for column, meaning in HEADLINES.items():
        values = table[column].drop_nulls().to_numpy()
        q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist()
        names = ("p5", "p25", "median", "p75", "p95")
        rows.append({"result": meaning, **dict(zip(names, q, strict=True))})
    return pl.DataFrame(rows)


def deciders(table: pl.DataFrame) -> pl.DataFrame:
    """Morris mu* (normalised per result) of every parameter for every headline result."""
    study = load_study(STUDY)
    outputs = {column: table[column].fill_null(0.0).to_numpy() for column in HEADLINES}
    found = indices(study, outputs)
    return found.with_columns(
        (pl.col("mu_star") / pl.col("mu_star").max().over("metric")).alias("relative")
    )


# ---------------------------------------------------------------- the document


def markdown_table(frame: pl.DataFrame, digits: int = 3) -> str:
    """A polars frame as a Markdown table."""
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---:" if frame[c].dtype.is_numeric() else "---" for c in frame.columns)
    lines = [header, rule + "|"]
    for row in frame.iter_rows():
        cells = [_number(v, digits) if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


EXPERIMENTS = ("limits", "delay", "study", "calibration")


def main(argv: list[str] | None = None) -> None:
    """Run the experiments and write their sections of ``docs/what-decides.md``."""
    parser = argparse.ArgumentParser(prog="python docs/programs/what_decides.py")
    parser.add_argument("--out", default="runs/what_decides", help="folder for the runs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--doc", default="docs/what-decides.md")
    parser.add_argument(
        "--calibration", help="a calibration's folder: the results over its prior and posterior"
    )
    parser.add_argument(
        "--only", action="append", choices=EXPERIMENTS, help="run this one (repeatable)"
    )
    args = parser.parse_args(argv)
    chosen = args.only or [e for e in EXPERIMENTS if e != "calibration" or args.calibration]
    if "calibration" in chosen and not args.calibration:
        parser.error("--only calibration needs --calibration DIR")
    folder = Path(args.out)
    sections: dict[str, str] = {}
    if "limits" in chosen:
        sections["limits"] = markdown_table(efficiency_limits())
    if "delay" in chosen:
        sections["delay"] = markdown_table(_delay_rows(pilot_delay(folder, args.workers)))
    if "study" in chosen:
        runs, end = run_study(folder, args.workers)
        table = headlines(runs, folder / "study", end)
        sections["distributions"] = markdown_table(distributions(table))
        sections["deciders"] = markdown_table(_top_deciders(deciders(table)))
        sections["bounds"] = markdown_table(money_within_bounds(runs, folder / "study"))
    if "calibration" in chosen:
        calibration = Path(args.calibration)
        sections["calibrated"] = markdown_table(calibrated(calibration), digits=2)
        sides, deciding = over_calibration(folder, args.workers, calibration)
        sections["posterior"] = markdown_table(sides)
        sections["posterior-deciders"] = markdown_table(deciding, digits=2)
    text = Path(args.doc).read_text(encoding="utf-8") if Path(args.doc).exists() else ""
    Path(args.doc).write_text(_fill(text, sections), encoding="utf-8")
    print(f"wrote {args.doc}")


def _number(value: float, digits: int) -> str:
    """Years and other large numbers in full, small ones to ``digits`` significant digits."""
    return f"{value:.1f}" if 100 <= abs(value) < 1e5 else f"{value:.{digits}g}"


def _delay_rows(table: pl.DataFrame) -> pl.DataFrame:
    return table.select(
        "view",
        "metric",
        pl.col("baseline_mean").alias("no delay"),
        pl.col("arm_mean").alias("delay"),
        "difference",
        "ci_low",
        "ci_high",
        "n",
    )


def _top_deciders(found: pl.DataFrame, top: int = 4) -> pl.DataFrame:
    ranked = found.sort("mu_star", descending=True).group_by("metric", maintain_order=True)
    return ranked.head(top).select(
        pl.col("metric").replace_strict(HEADLINES).alias("result"),
        "parameter",
        "mu_star",
        "relative",
    )


def _fill(text: str, sections: Mapping[str, str]) -> str:
    """Replace each ``<!-- name -->...<!-- /name -->`` block of the document."""
    for name, body in sections.items():
        start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            text = head + start + "\n" + body + "\n" + end + rest.split(end, 1)[1]
        else:
            text += f"\n{start}\n{body}\n{end}\n"
    return text


if __name__ == "__main__":
    main()
