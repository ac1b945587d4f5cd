"""AI labs: train on a data snapshot, release, and let the market see the new model."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.ledger import PracticeLedger
from econsim.model.capability import (
    effective_data,
    grounded_synthetic,
    learning_curve,
    proxy_score,
    transfer_matrix,
)
from econsim.scenario import Capability, Lab
from econsim.world import ParameterTable

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ReleasedModel:
    """What a lab's current model can do, per vertical, fixed at its release."""

    real: FloatArray
    talk: FloatArray
    proxy: FloatArray
    released: float

    @property
    def gap(self) -> FloatArray:
        """The Goodhart gap: benchmark score minus real capability."""
        return self.proxy - self.real


def assess(
    real: FloatArray,
    synthetic: FloatArray,
    efficiency: float,
    verticals: ParameterTable,
    settings: Capability,
    released: float,
) -> ReleasedModel:
    """Capabilities of a model trained on one lab's data stocks (shape (verticals,))."""
    grounded = grounded_synthetic(
        synthetic, real, verticals.simulability, verticals.market_coupling, settings.grounding
    )
    transfer = transfer_matrix(real.size, settings.generalization)
    data = effective_data(efficiency, real + grounded, transfer)[0]
    doing = learning_curve(data, verticals.data_scale, verticals.learning_slope)
    talk = learning_curve(
        efficiency * verticals.corpus_descriptive, verticals.data_scale, verticals.learning_slope
    )
    return ReleasedModel(doing, talk, proxy_score(doing, talk, verticals.eval_validity), released)


class LabAgent:
    """One lab: what it offers, its sample efficiency, and its released model."""

    def __init__(
        self,
        index: int,
        name: str,
        spec: Lab,
        verticals: ParameterTable,
        settings: Capability,
        ledger: PracticeLedger,
        start: float,
    ) -> None:
        self.index = index
        self.name = name
        self.spec = spec
        self.verticals = verticals
        self.settings = settings
        self.ledger = ledger
        names = verticals.names
        offered = names if spec.verticals == "all" else spec.verticals
        self.offers = np.array([name in offered for name in names])
        self.efficiency = spec.sample_efficiency
        self.model = self._train(start)

    def _train(self, now: float) -> ReleasedModel:
        ledger = self.ledger
        return assess(
            ledger.real[self.index].copy(),
            ledger.synthetic[self.index].copy(),
            self.efficiency,
            self.verticals,
            self.settings,
            now,
        )

    def process(
        self, env: simpy.Environment, on_release: Callable[[LabAgent], None]
    ) -> Generator[simpy.Event, None, None]:
        """Training cycle: snapshot the data, train, release; repeat every interval."""
        spec = self.spec
        while True:
            self.ledger.advance_all(env.now)
            snapshot = self.ledger.real[self.index].copy(), self.ledger.synthetic[self.index].copy()
            yield env.timeout(spec.training_time)
            self.model = assess(*snapshot, self.efficiency, self.verticals, self.settings, env.now)
            on_release(self)
            yield env.timeout(spec.release_interval - spec.training_time)
