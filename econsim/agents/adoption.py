"""The adoption race: which idle firm adopts next, and when (Gillespie / next reaction).

An idle firm f in vertical v adopts at hazard ``h_f = (p_v + q_v·a_f) · s(P_v - θ_f) · m_f``
with ``a_f`` the share of its supply-graph neighbours with a deployed model, ``s`` the
smooth capability gate on the best perceived score ``P_v`` and ``m_f`` a static size
weight. Per vertical, one sum tree holds ``s·m`` (innovation) and one ``s·m·a``
(imitation), so the total hazard is a handful of tree totals, a firm is picked in
O(log n), and a deployment updates only its neighbours. Mean-field (no graph): every
firm of a vertical has the same ``a``, so the innovation tree serves both terms.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.conditions import ParameterTable
from econsim.model.diffusion import smooth_step
from econsim.sumtree import SumTree
from econsim.world import World

FloatArray = NDArray[np.float64]


class AdoptionRace:
    """Hazards of idle firms, grouped by vertical, with O(log n) picks and updates."""

    def __init__(
        self, world: World, verticals: ParameterTable, size_weight: FloatArray, gate_width: float
    ) -> None:
        self.world = world
        self.verticals = verticals
        self.gate_width = gate_width
        self.size_weight = size_weight
        self.lo: list[int] = world.bounds[:-1].tolist()
        self.counts: list[int] = world.firm_counts().tolist()
        self.vertical_of: list[int] = world.firm_vertical.tolist()
        self.idle = np.ones(world.firms, dtype=bool)
        self.gate = np.zeros(world.firms)
        self.deployed = [0] * len(self.counts)
        empty = [np.zeros(n) for n in self.counts]
        self.innovation = [SumTree(w) for w in empty]
        graph = world.graph
        self.imitation = [SumTree(w) for w in empty] if graph is not None else None
        if graph is not None:
            self.inverse_degree = 1.0 / np.maximum(graph.degree, 1)
            self.deployed_neighbours = np.zeros(world.firms)
        self._rates = [(0.0, 0.0)] * len(self.counts)
        self._stale = set(range(len(self.counts)))
        self.reload_parameters()

    def reload_parameters(self) -> None:
        """Re-read p and q (after an intervention changed them)."""
        self._p, self._q = self.verticals.p.tolist(), self.verticals.q.tolist()
        self._stale.update(range(len(self.counts)))

    # ------------------------------------------------------------ rates and picks

    def rates(self, vertical: int) -> tuple[float, float]:
        """(innovation, imitation) hazard of all idle firms of one vertical."""
        innovation = self.innovation[vertical].total
        if self.imitation is not None:
            imitation = self.imitation[vertical].total
        else:
            others = max(self.counts[vertical] - 1, 1)
            imitation = innovation * self.deployed[vertical] / others
        return self._p[vertical] * innovation, self._q[vertical] * imitation

    @property
    def changed(self) -> bool:
        """Whether any hazard changed since the total rate was last read."""
        return bool(self._stale)

    def _current_rates(self) -> list[tuple[float, float]]:
        """Per-vertical rates, recomputed only where something changed."""
        for v in self._stale:
            self._rates[v] = self.rates(v)
        self._stale.clear()
        return self._rates

    def total_rate(self) -> float:
        """Hazard that some idle firm adopts."""
        return max(sum(a + b for a, b in self._current_rates()), 0.0)

    def pick(self, u: float) -> int | None:
        """The adopting firm, given ``u`` uniform in [0, 1); None on round-off."""
        target = u * self.total_rate()
        for v, (innovation, imitation) in enumerate(self._rates):
            if target < innovation:
                return self._find(self.innovation[v], v, target / innovation)
            target -= innovation
            if target < imitation:
                tree = self.imitation[v] if self.imitation is not None else self.innovation[v]
                return self._find(tree, v, target / imitation)
            target -= imitation
        return None

    def _find(self, tree: SumTree, vertical: int, share: float) -> int | None:
        local = tree.find(share * tree.total)
        if tree.weight(local) <= 0.0:
            return None
        return self.lo[vertical] + local

    # ------------------------------------------------------------ updates

    def leave(self, firm: int) -> None:
        """A firm stops being idle (it pilots or cools down)."""
        self.idle[firm] = False
        self._set(firm, 0.0)

    def join(self, firm: int) -> None:
        """A firm becomes idle again, with its current gate."""
        self.idle[firm] = True
        self._set(firm, float(self.gate[firm] * self.size_weight[firm]))

    def _set(self, firm: int, weight: float) -> None:
        v = self.vertical_of[firm]
        self._stale.add(v)
        local = firm - self.lo[v]
        self.innovation[v].set(local, weight)
        if self.imitation is not None:
            share = self.deployed_neighbours[firm] * self.inverse_degree[firm]
            self.imitation[v].set(local, weight * float(share))

    def deployment_changed(self, firm: int, delta: int) -> None:
        """A firm starts (+1) or stops (-1) running a deployed model."""
        self.deployed[self.vertical_of[firm]] += delta
        self._stale.add(self.vertical_of[firm])
        if self.imitation is None or self.world.graph is None:
            return
        neighbours = self.world.graph.neighbours(firm)
        self.deployed_neighbours[neighbours] += delta
        for other in neighbours[self.idle[neighbours]].tolist():
            v = self.vertical_of[other]
            self._stale.add(v)
            local = other - self.lo[v]
            share = self.deployed_neighbours[other] * self.inverse_degree[other]
            self.imitation[v].set(local, self.innovation[v].weight(local) * float(share))

    def refresh(self, vertical: int, best_score: float | None) -> None:
        """Recompute the gate of every firm in a vertical after a release (vectorised)."""
        lo, n = self.lo[vertical], self.counts[vertical]
        firms = slice(lo, lo + n)
        self._stale.add(vertical)
        if best_score is None:
            self.gate[firms] = 0.0
        else:
            gap = best_score - self.world.firm_threshold[firms]
            self.gate[firms] = smooth_step(gap, self.gate_width)
        weight = self.gate[firms] * self.size_weight[firms] * self.idle[firms]
        self.innovation[vertical].rebuild(weight)
        if self.imitation is not None:
            share = self.deployed_neighbours[firms] * self.inverse_degree[firms]
            self.imitation[vertical].rebuild(weight * share)
