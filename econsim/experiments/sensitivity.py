"""Global sensitivity: which uncertain parameters move which summary metrics (SALib).

Sobol indices (first order S1 and total ST, with bootstrap intervals) need a
``sobol`` design; Morris elementary effects (mu*, sigma) a ``morris`` design. Each
design point's output is its mean over replications. A "time to" metric that never
happens counts as the horizon's end (censored), or indices could not be computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from econsim.experiments.compare import METRIC
from econsim.experiments.study import Study, StudyError, salib_problem, unit_sample
from econsim.extras import require


def sensitivity_indices(
    study: Study, runs: pl.DataFrame, censor_at: float, metrics: Sequence[str] = ()
) -> pl.DataFrame:
    """Indices per (parameter, metric) for a sobol or morris study."""
    _check_design(study)
    failed = runs.filter(pl.col("status") != "ok").height
    if failed:
        raise StudyError(
            f"{failed} runs failed; sensitivity needs every design point "
            f"(rerun with --retry-failed)"
        )
    points = len(unit_sample(study))
    outputs = {
        metric: _point_means(runs, metric, censor_at, points) for metric in metrics or study.metrics
    }
    return indices(study, outputs)


def indices(study: Study, outputs: Mapping[str, np.ndarray]) -> pl.DataFrame:
    """SALib's indices per (parameter, output), from one value per design point."""
    require("SALib", "sensitivity indices")
    from SALib.analyze import morris, sobol

    _check_design(study)
    kind = study.design.kind
    problem, units = salib_problem(study), unit_sample(study)
    rows = []
    for metric, y in outputs.items():
        if kind == "sobol":
            result = sobol.analyze(problem, y, calc_second_order=False, seed=study.seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            result = morris.analyze(
                problem, units, y, num_levels=study.design.levels, seed=study.seed
            )
            keys = ("mu_star", "mu_star_conf", "sigma", "mu")
        for i, name in enumerate(problem["names"]):
            rows.append(
                {
                    "parameter": name,
                    "metric": metric,
                    **{key: float(np.asarray(result[key])[i]) for key in keys},
                }
            )
    return pl.DataFrame(rows)


def _check_design(study: Study) -> None:
    if study.design.kind not in ("sobol", "morris"):
        raise StudyError(
            f"design.kind: sensitivity needs 'sobol' or 'morris', not {study.design.kind!r}"
        )


def _point_means(runs: pl.DataFrame, metric: str, censor_at: float, points: int) -> np.ndarray:
    column = METRIC + metric
    if column not in runs.columns:
        known = sorted(c[len(METRIC) :] for c in runs.columns if c.startswith(METRIC))
        raise StudyError(f"metrics: no summary metric {metric!r}; known: {', '.join(known)}")
    values = pl.col(column).fill_null(censor_at) if "time" in metric else pl.col(column)
    means = runs.group_by("point").agg(values.mean()).sort("point")
    if means.height != points:
        raise StudyError(
            f"runs cover {means.height} of {points} design points; run the study to the end first"
        )
    return means[column].to_numpy().astype(float)
