"""Capability from data: practice, not talk (DESIGN 2.2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def learning_curve(data: ArrayLike, scale: ArrayLike, slope: ArrayLike) -> Array:
    """Share of tasks done at expert level: ``1 / (1 + (K / E)^α)``, and 0 when E = 0.

    Log-odds are linear in log data, so each order of magnitude of data buys the same
    step in log-odds; with no relevant data no amount of efficiency helps.
    """
    data, scale, slope = np.broadcast_arrays(
        np.asarray(data, float), np.asarray(scale, float), np.asarray(slope, float)
    )
    out = np.zeros(data.shape)
    seen = data > 0
    log_odds = slope[seen] * (np.log(data[seen]) - np.log(scale[seen]))
    out[seen] = 0.5 * (1.0 + np.tanh(0.5 * log_odds))  # a logistic that cannot overflow
    return out


def grounded_synthetic(
    synthetic: ArrayLike,
    real: ArrayLike,
    simulability: ArrayLike,
    market_coupling: ArrayLike,
    grounding: float,
) -> Array:
    """Synthetic data worth counting: ``σ (1 - μ) min(S, κ R)``.

    A simulator cannot teach what nobody has observed (the cap κ·R), and the part of
    success that hangs on market actors' unknown preferences cannot be simulated.
    """
    synthetic = np.asarray(synthetic, float)
    capped = np.minimum(synthetic, grounding * np.asarray(real, float))
    share = np.asarray(simulability, float) * (1 - np.asarray(market_coupling, float))
    return np.asarray(share * capped, float)


def transfer_matrix(
    verticals: Sequence[str] | int,
    generalization: float,
    explicit: Mapping[str, Mapping[str, float]] | None = None,
) -> Array:
    """``T[w, v]``: the weight of one episode of vertical w's data in vertical v.

    ``generalization`` between every pair of distinct verticals, except the pairs that
    ``explicit`` names (``{"software": {"finance": 0.1}}``: source, then target).
    """
    names: list[object] = list(range(verticals)) if isinstance(verticals, int) else list(verticals)
    matrix = generalization * (1.0 - np.eye(len(names)))
    for source, targets in (explicit or {}).items():
        for target, weight in targets.items():
            matrix[names.index(source), names.index(target)] = weight
    return np.asarray(matrix, float)


def effective_data(efficiency: ArrayLike, own: ArrayLike, transfer: NDArray[np.float64]) -> Array:
    """``E = A · (own_v + Σ_w T[w, v] · own_w)``, per lab (rows) and vertical (columns).

    ``own`` is real plus grounded synthetic data, shape (labs, verticals); ``efficiency``
    is each lab's sample efficiency A, shape (labs,).
    """
    own = np.atleast_2d(np.asarray(own, float))
    efficiency = np.asarray(efficiency, float).reshape(-1, 1)
    return efficiency * (own + own @ transfer)


def proxy_score(real: ArrayLike, talk: ArrayLike, eval_validity: ArrayLike) -> Array:
    """Benchmark score: ``ρ · C + (1 - ρ) · C_talk``; the best eval only partly sees doing."""
    rho = np.asarray(eval_validity, float)
    return np.asarray(rho * np.asarray(real, float) + (1 - rho) * np.asarray(talk, float), float)
