"""The labs' orders for compute: what the world's bound on investment is shared among."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from econsim.model.economy import rationed


class ComputeOrders:
    """What each lab last asked to spend on compute, USD a year.

    Labs plan one after another at the same instant, so a lab's order is filled
    against the others' latest orders (their first budgets before they have ordered):
    pro rata when all of them exceed the bound. While orders grow, the total filled
    can exceed the bound by the others' growth over one step; no lab's ever does.
    """

    def __init__(self, first: Sequence[float]) -> None:
        self.asked = np.array(first, dtype=float)

    def fill(self, lab: int, order: float, bound: float) -> float:
        """Record ``order`` for ``lab`` and return the part of it the bound lets it spend."""
        self.asked[lab] = max(order, 0.0)
        others = float(self.asked.sum() - self.asked[lab])
        return rationed(order, others, bound)
