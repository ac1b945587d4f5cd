"""What a training run produces: a model's capabilities, fixed at its release (DESIGN 2.2).

A lab snapshots its data and efficiencies when a training run starts; the released
model's real capability earns skill per task type from practice episodes (its own
and those transferred from other verticals), deepened by grounded synthetic data,
at the lab's *real* efficiency in each vertical. Its benchmark score sees the doing
part at the full efficiency ``A`` and adds talk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from econsim.model.capability import grounded_synthetic, proxy_score, transfer_matrix
from econsim.model.tasks import TaskMix, capability, coverage
from econsim.scenario import Capability
from econsim.state.conditions import VerticalTable

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class TrainingData:
    """One lab's data and efficiencies at a training run's start, per vertical.

    ``consented`` is the cumulative consented customer data at the snapshot, from
    which continual learning counts what customers sent since.
    """

    practice: FloatArray
    synthetic: FloatArray
    environments: FloatArray
    consented: FloatArray
    efficiency: float
    real_efficiency: FloatArray


@dataclass(frozen=True)
class ReleasedModel:
    """What a lab's current model can do, per vertical, fixed at its release.

    ``doing`` is the doing capability at the full efficiency ``A``: what benchmarks
    see of doing. ``real`` uses the efficiency the lab could verify.
    """

    real: FloatArray
    doing: FloatArray
    talk: FloatArray
    proxy: FloatArray
    coverage: FloatArray
    data: TrainingData
    released: float

    @property
    def gap(self) -> FloatArray:
        """The Goodhart gap: benchmark score minus real capability."""
        return self.proxy - self.real

    def rescored(self, eval_validity: FloatArray) -> ReleasedModel:
        """The same model measured by different benchmarks (an eval intervention)."""
        return replace(self, proxy=proxy_score(self.doing, self.talk, eval_validity))


class Trainer:
    """Turns training data into released models under the live parameters."""

    def __init__(self, verticals: VerticalTable, tasks: TaskMix) -> None:
        self.verticals, self.tasks = verticals, tasks

    def assess(self, data: TrainingData, settings: Capability, released: float) -> ReleasedModel:
        """The model trained on ``data``."""
        v = self.verticals
        episodes = self.episodes(data, settings)
        real = self.doing(data, episodes, data.real_efficiency, settings)
        doing = self.doing(data, episodes, np.full(real.size, data.efficiency), settings)
        talk = capability(
            self.tasks, v.corpus_descriptive, data.efficiency, v.type_data_scale, v.learning_slope
        )
        proxy = proxy_score(doing, talk, v.eval_validity)
        return ReleasedModel(
            real, doing, talk, proxy, coverage(self.tasks, episodes), data, released
        )

    def episodes(self, data: TrainingData, settings: Capability) -> FloatArray:
        """Practice episodes per vertical, with those transferred from the others.

        Transfer is the one channel by which data from elsewhere covers a vertical's
        task types: transferred episodes are spread over its types by popularity.
        """
        v = self.verticals
        grounded = grounded_synthetic(
            data.synthetic, data.practice, v.simulability, v.market_coupling, settings.grounding
        )
        transfer = transfer_matrix(v.names, settings.generalization, settings.transfer)
        return np.asarray(data.practice + (data.practice + grounded) @ transfer, float)

    def doing(
        self,
        data: TrainingData,
        episodes: FloatArray,
        efficiency: FloatArray,
        settings: Capability,
    ) -> FloatArray:
        """Doing capability per vertical at the given efficiencies."""
        v = self.verticals
        return capability(
            self.tasks,
            episodes,
            efficiency,
            v.type_data_scale,
            v.learning_slope,
            data.synthetic,
            data.environments,
            v.simulability * (1 - v.market_coupling),
            settings.grounding,
        )

    def learned(
        self, model: ReleasedModel, consented: FloatArray, share: float, settings: Capability
    ) -> ReleasedModel:
        """Continual learning: the deployed model learns ``share`` of what customers sent.

        Only real capability moves; benchmark scores are published per release.
        """
        extra = share * np.maximum(consented - model.data.consented, 0.0)
        data = replace(model.data, practice=model.data.practice + extra)
        real = self.doing(data, self.episodes(data, settings), data.real_efficiency, settings)
        return replace(model, real=real)

    def gain(
        self, model: ReleasedModel, vertical: int, extra: float, settings: Capability
    ) -> float:
        """Real capability ``extra`` episodes of one vertical would add to a model's data."""
        practice = model.data.practice.copy()
        practice[vertical] += extra
        before, after = (
            self.doing(data, self.episodes(data, settings), data.real_efficiency, settings)
            for data in (model.data, replace(model.data, practice=practice))
        )
        return float(after[vertical] - before[vertical])
