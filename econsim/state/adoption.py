"""The adoption race: which idle firm adopts next, and when (Gillespie / next reaction).

An idle firm f in vertical v adopts at hazard ``h_f = (p_v + q_v·a_f) · g_f(P_v) · m_f``
with ``a_f`` the share of its supply-graph neighbours that have adopted, ``P_v`` the
best perceived score and ``m_f`` a static size weight. Two races run on the firms:
integration, whose gate is the smooth step ``s(P_v - θ_f)`` on each firm's threshold,
and light use, whose gate is ``P_v`` itself (no thresholds: a firm tries a tool at a
rate that rises with what it sees the models do). One sum tree per vertical holds the
hazards of its idle firms, so the total is a handful of tree totals, a firm is picked
in O(log n), and an adoption updates only its neighbours. Mean-field (no graph): every
firm of a vertical has the same ``a``, so the tree holds ``g·m`` and the vertical's
total is scaled by ``p + q·a``. The light-use gate ``P_v`` is one factor for all of a
vertical's firms, so its trees hold the hazards without it and a new score moves one
number instead of rebuilding the tree.
"""

from __future__ import annotations

from array import array

import numpy as np
from numpy.typing import NDArray

from econsim.model.diffusion import smooth_step
from econsim.state.sumtree import SumTree
from econsim.world.firms import World

FloatArray = NDArray[np.float64]


class AdoptionRace:
    """Hazards of idle firms, grouped by vertical, with O(log n) picks and updates."""

    def __init__(
        self,
        world: World,
        size_weight: FloatArray,
        gate_width: float,
        p: list[float],
        q: list[float],
        thresholds: FloatArray | None = None,
    ) -> None:
        self.world, self.gate_width = world, gate_width
        self.size_weight = size_weight
        self.lo: list[int] = world.bounds[:-1].tolist()
        self.counts: list[int] = world.firm_counts().tolist()
        self.vertical_of: list[int] = world.firm_vertical.tolist()
        self._idle = bytearray(b"\x01") * world.firms
        self.idle = np.frombuffer(self._idle, dtype=np.bool_)  # a live view for readers
        self._base: list[float] = [0.0] * world.firms  # s(P - θ) · m, or m under the light level
        self._level = [1.0] * len(self.counts)  # the proportional gate P_v, outside the trees
        self.deployed = [0] * len(self.counts)
        self.trees = [SumTree(np.zeros(n)) for n in self.counts]
        self.graph = world.graph
        if self.graph is not None:  # Python lists: per-event reads without numpy overhead
            self._indptr: list[int] = self.graph.indptr.tolist()
            self._indices: list[int] = self.graph.indices.tolist()
            self._inverse_degree_array = 1.0 / np.maximum(self.graph.degree, 1)
            self._inverse_degree: list[float] = self._inverse_degree_array.tolist()
            self._deployed_neighbours = array("q", [0]) * world.firms
        self._score = [-np.inf] * len(self.counts)  # the best score each gate was set for
        self.set_thresholds(thresholds)
        self.set_rates(p, q)

    def set_thresholds(self, thresholds: FloatArray | None) -> None:
        """Each firm's threshold θ_f, or None for the proportional gate; refresh after."""
        self.thresholds = thresholds
        self._highest_threshold = [
            np.inf if thresholds is None else float(thresholds[lo : lo + n].max(initial=-np.inf))
            for lo, n in zip(self.lo, self.counts, strict=True)
        ]

    def set_rates(self, p: list[float], q: list[float]) -> None:
        """Take p and q per vertical; on a graph, refresh every vertical after (hazards move)."""
        self._p, self._q = p, q
        self._rates = [0.0] * len(self.counts)
        self._total = 0.0
        self._stale = set(range(len(self.counts)))

    # ------------------------------------------------------------ rates and picks

    def rate(self, vertical: int) -> float:
        """Hazard that some idle firm of this vertical adopts."""
        total = self.trees[vertical].total * self._level[vertical]
        if self.graph is not None:
            return total
        share = self.deployed[vertical] / max(self.counts[vertical] - 1, 1)
        return (self._p[vertical] + self._q[vertical] * share) * total

    def total_rate(self) -> float:
        """Hazard that some idle firm adopts; recomputed only where something changed."""
        for v in self._stale:
            new = self.rate(v)
            self._total += new - self._rates[v]
            self._rates[v] = new
        self._stale.clear()
        return max(self._total, 0.0)

    def pick(self, u: float) -> int | None:
        """The adopting firm, given ``u`` uniform in [0, 1); None on round-off."""
        target = u * self.total_rate()
        for v, rate in enumerate(self._rates):
            if target < rate:
                tree = self.trees[v]
                local = tree.find(target / rate * tree.total)
                return self.lo[v] + local if tree.weight(local) > 0.0 else None
            target -= rate
        return None

    def gate_weights(self, vertical: int) -> FloatArray:
        """Each firm's gate times its size weight: the hazard without p and q."""
        lo = self.lo[vertical]
        return np.array(self._base[lo : lo + self.counts[vertical]]) * self._level[vertical]

    # ------------------------------------------------------------ updates

    def _hazard(self, firm: int, v: int) -> float:
        base = self._base[firm]
        if self.graph is None:
            return base
        share = self._deployed_neighbours[firm] * self._inverse_degree[firm]
        return base * (self._p[v] + self._q[v] * share)

    def leave(self, firm: int) -> None:
        """A firm stops being idle (it pilots or cools down)."""
        v = self.vertical_of[firm]
        self._idle[firm] = 0
        self.trees[v].set(firm - self.lo[v], 0.0)
        self._stale.add(v)

    def join(self, firm: int) -> None:
        """A firm becomes idle again, with its current gate."""
        v = self.vertical_of[firm]
        self._idle[firm] = 1
        self.trees[v].set(firm - self.lo[v], self._hazard(firm, v))
        self._stale.add(v)

    def deployment_changed(self, firm: int, delta: int) -> None:
        """A firm starts (+1) or stops (-1) counting as an adopter to its neighbours."""
        vertical_of = self.vertical_of
        self.deployed[vertical_of[firm]] += delta
        self._stale.add(vertical_of[firm])
        if self.graph is None:
            return
        counts, idle = self._deployed_neighbours, self._idle
        for other in self._indices[self._indptr[firm] : self._indptr[firm + 1]]:
            counts[other] += delta
            if idle[other]:
                v = vertical_of[other]
                self.trees[v].set(other - self.lo[v], self._hazard(other, v))
                self._stale.add(v)

    def refresh(self, vertical: int, best_score: float | None, only_score: bool = False) -> None:
        """Recompute the gate of every firm in a vertical (vectorised).

        When ``only_score`` changed (a release), nothing needs doing if every gate was
        open and stays open: the best score was and is above every threshold by the
        gate's half-width; for the proportional gate, only its level moves.
        """
        score = best_score if best_score is not None else -np.inf
        previous, self._score[vertical] = self._score[vertical], score
        if self.thresholds is None:
            self._level[vertical] = max(score, 0.0)
            self._stale.add(vertical)
            if only_score:
                return
        # the smallest gap, computed as smooth_step will: at or above the width, z is 1
        narrowest = min(score, previous) - self._highest_threshold[vertical]
        if only_score and narrowest >= self.gate_width:
            return
        lo, n = self.lo[vertical], self.counts[vertical]
        firms = slice(lo, lo + n)
        base = self.size_weight[firms]
        if self.thresholds is not None:
            base = smooth_step(score - self.thresholds[firms], self.gate_width) * base
        self._base[firms] = base.tolist()
        hazard = base * self.idle[firms]
        if self.graph is not None:
            share = (
                np.frombuffer(self._deployed_neighbours, dtype=np.int64)[firms]
                * self._inverse_degree_array[firms]
            )
            hazard = hazard * (self._p[vertical] + self._q[vertical] * share)
        self.trees[vertical].rebuild(hazard)
        self._stale.add(vertical)
