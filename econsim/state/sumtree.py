"""A Fenwick tree of non-negative weights: O(log n) updates and weighted picks.

The adoption race uses one per vertical: the next adopting firm is picked in
proportion to its hazard, and a firm's hazard changes (it adopts, a neighbour
deploys) in O(log n), so the cost of a run grows with its events, not its firms.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


class SumTree:
    """Weights ``w[0..n)`` with their running total, point updates and picks."""

    __slots__ = ("_n", "_top", "_tree", "_weights", "total")

    def __init__(self, weights: ArrayLike) -> None:
        self._tree: list[float] = []
        self._weights: list[float] = []
        self._n = 0
        self._top = 0
        self.total = 0.0
        self.rebuild(weights)

    def __len__(self) -> int:
        return self._n

    def rebuild(self, weights: ArrayLike) -> None:
        """Replace every weight at once, in O(n) vectorised work."""
        w = np.asarray(weights, dtype=float)
        if w.ndim != 1 or (w.size and w.min() < 0):
            raise ValueError("weights must be a 1-d array of non-negative numbers")
        n = w.size
        csum = np.concatenate(([0.0], np.cumsum(w)))
        i = np.arange(1, n + 1)
        self._tree = [0.0, *(csum[i] - csum[i - (i & -i)]).tolist()]
        self._weights = w.tolist()
        self._n = n
        self._top = 1 << (n.bit_length() - 1) if n else 0
        self.total = float(csum[-1])

    def weight(self, index: int) -> float:
        """The weight at ``index``."""
        return self._weights[index]

    def set(self, index: int, weight: float) -> None:
        """Set the weight at ``index`` in O(log n)."""
        delta = weight - self._weights[index]
        if delta == 0.0:
            return
        self._weights[index] = weight
        self.total += delta
        tree, n, i = self._tree, self._n, index + 1
        while i <= n:
            tree[i] += delta
            i += i & -i

    def find(self, target: float) -> int:
        """The index whose cumulative-weight interval holds ``target`` (0 ≤ target < total).

        Floating round-off can land on a zero-weight neighbour; callers check the
        weight of the index they get.
        """
        tree, pos, step, n = self._tree, 0, self._top, self._n
        while step:
            nxt = pos + step
            if nxt <= n and tree[nxt] <= target:
                pos = nxt
                target -= tree[nxt]
            step >>= 1
        return min(pos, n - 1)
