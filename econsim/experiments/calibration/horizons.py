"""METR time horizons as real software capability (a documented mapping).

METR measures the length of task (in skilled-human time) a model completes with 50%
success; success falls as a logistic in log task length, and the 80% horizon is
about 5.5 times shorter than the 50% one (METR 2025, median over 12 models), which
fixes the logistic's slope. METR scores tasks automatically; maintainers judging
the same kind of work give horizons about 6 times shorter (METR 2026: ~50 minutes
by the grader against ~8 by maintainers). Real capability in software is then the
expected success over the task lengths of real software work, an assumption:
lognormal with a median of 1 hour and a log-sd of 1.5 (range: median 20 minutes to
4 hours, log-sd 1 to 2).
"""

from __future__ import annotations

import math

import numpy as np

TASK_MEDIAN = 60.0  # minutes of skilled-human time, assumption
TASK_SIGMA = 1.5  # log-sd of task lengths, assumption
RATIO_50_80 = 5.5  # 50% horizon over 80% horizon, METR 2025
MAINTAINER_FACTOR = 6.0  # grader horizon over maintainer horizon, METR 2026
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(48)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def success_slope(ratio_50_80: float = RATIO_50_80) -> float:
    """Slope β of success against log task length: 80% at ``h / ratio`` means ``ratio^β = 4``."""
    return math.log(4.0) / math.log(ratio_50_80)


def horizon_capability(
    horizon: float,
    median: float = TASK_MEDIAN,
    sigma: float = TASK_SIGMA,
    deflation: float = MAINTAINER_FACTOR,
    ratio_50_80: float = RATIO_50_80,
) -> float:
    """Share of real software tasks done: ``E[1 / (1 + (ℓ / h)^β)]`` over task lengths ℓ.

    ``horizon`` is METR's 50% horizon in minutes, deflated to maintainers' judgement.
    """
    real = horizon / deflation
    log_length = math.log(median) + sigma * _NODES
    odds = np.exp(success_slope(ratio_50_80) * (log_length - math.log(real)))
    return float(_WEIGHTS @ (1.0 / (1.0 + odds)))
