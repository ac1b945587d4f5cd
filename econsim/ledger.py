"""Practice data per (lab, vertical): stocks that decay, integrated exactly.

Inflow comes from the firms a lab serves (deployed firms, and piloting firms at the
pilot's data intensity), each by its share of the vertical's task volume, times
capture and consent; from the lab's internal deployment; and in lumps from data
holders. Rates change only at events (and at the monthly economy step, which moves
actuation and drift), so between them each stock follows ``dX/dt = inflow - δ X``
exactly. A cell is brought up to date only when its own rates change or someone
reads it. The same pass integrates the value deployed models create (AI output).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.conditions import Conditions
from econsim.model.accrual import accrue_array, decay_factor
from econsim.model.diffusion import capture_share

FloatArray = NDArray[np.float64]


class PracticeLedger:
    """Real and synthetic practice stocks, shape (labs, verticals), with their ledgers.

    Cumulative and undecayed, for conservation: ``received = consented + internal +
    licensed`` where ``consented`` is the consented share of ``generated``.
    """

    def __init__(self, labs: int, conditions: Conditions, start: float) -> None:
        verticals = conditions.verticals
        shape = (labs, len(verticals.names))
        self.conditions = conditions
        self.real = np.tile(verticals.corpus_practice, (labs, 1))
        self.synthetic = np.zeros(shape)
        # exposure: task-volume shares of the firms each lab serves
        self.deployed_share, self.piloting_share = np.zeros(shape), np.zeros(shape)
        # rates set by the labs, and the capability of their released models
        self.synthetic_rate, self.internal_rate = np.zeros(shape), np.zeros(shape)
        self.capability = np.zeros(shape)
        # cumulative, undecayed ledgers
        self.generated, self.consented, self.internal = (np.zeros(shape) for _ in range(3))
        self.received, self.licensed, self.output = (np.zeros(shape) for _ in range(3))
        self.consent = np.tile(verticals.consent, (labs, 1))
        self.deployer = np.zeros(shape, dtype=bool)
        self.updated = np.full(shape, start)
        self.actuation = conditions.scenario.capability.actuation.initial
        self.adoption = np.zeros(shape[1])
        self.reload_parameters()

    def reload_parameters(self) -> None:
        """Re-read per-vertical rates; call :meth:`advance_all` first when they change."""
        v = self.conditions.verticals
        feedback = self.conditions.scenario.capability.drift_feedback
        self.drift = v.drift * (1.0 + feedback * self.adoption)
        self.consent = np.where(self.deployer, 1.0, v.consent)
        self._per_share = (v.volume * capture_share(v.tokenizability, self.actuation)).tolist()
        self._pilot_data = v.pilot_data.tolist()
        self._drift = self.drift.tolist()
        self._value = v.output_value.tolist()

    # ------------------------------------------------------------ time

    def generation_rate(self) -> FloatArray:
        """Episodes per year that the served firms generate, per (lab, vertical)."""
        exposure = self.deployed_share + np.array(self._pilot_data) * self.piloting_share
        return np.asarray(exposure * np.array(self._per_share), float)

    def advance(self, lab: int, vertical: int, now: float) -> None:
        """Bring one cell up to ``now`` under its current rates."""
        dt = now - float(self.updated[lab, vertical])
        if dt <= 0:
            return
        cell = lab, vertical
        exposure = float(self.deployed_share[cell]) + self._pilot_data[vertical] * float(
            self.piloting_share[cell]
        )
        generated = exposure * self._per_share[vertical]
        consented = generated * float(self.consent[cell])
        internal = float(self.internal_rate[cell])
        keep, gain = decay_factor(self._drift[vertical], dt)
        self.real[cell] = self.real[cell] * keep + (consented + internal) * gain
        self.synthetic[cell] = self.synthetic[cell] * keep + self.synthetic_rate[cell] * gain
        self.generated[cell] += generated * dt
        self.consented[cell] += consented * dt
        self.internal[cell] += internal * dt
        self.received[cell] += (consented + internal) * dt
        self.output[cell] += (
            float(self.deployed_share[cell])
            * self._value[vertical]
            * float(self.capability[cell])
            * dt
        )
        self.updated[cell] = now

    def advance_all(self, now: float) -> None:
        """Bring every cell up to ``now`` (vectorised); call before rates change globally."""
        dt = np.maximum(now - self.updated, 0.0)
        generated = self.generation_rate()
        consented = generated * self.consent
        inflow = consented + self.internal_rate
        self.real = accrue_array(self.real, inflow, self.drift, dt)
        self.synthetic = accrue_array(self.synthetic, self.synthetic_rate, self.drift, dt)
        self.generated += generated * dt
        self.consented += consented * dt
        self.internal += self.internal_rate * dt
        self.received += inflow * dt
        self.output += self.deployed_share * np.array(self._value) * self.capability * dt
        self.updated[:] = np.maximum(self.updated, now)

    # ------------------------------------------------------------ flows

    def change_exposure(
        self, lab: int, vertical: int, now: float, deployed: float = 0.0, piloting: float = 0.0
    ) -> None:
        """Firms (by task share) start or stop feeding one cell at ``now``."""
        self.advance(lab, vertical, now)
        self.deployed_share[lab, vertical] += deployed
        self.piloting_share[lab, vertical] += piloting

    def advance_lab(self, lab: int, now: float) -> None:
        """Bring one lab's cells up to ``now``."""
        for vertical in range(self.real.shape[1]):
            self.advance(lab, vertical, now)

    def set_lab_rates(
        self, lab: int, now: float, synthetic: FloatArray, internal: FloatArray
    ) -> None:
        """A lab's synthetic (RL environment) and internal-use data rates from ``now``."""
        self.advance_lab(lab, now)
        self.synthetic_rate[lab] = synthetic
        self.internal_rate[lab] = internal

    def set_capability(self, lab: int, now: float, capability: FloatArray) -> None:
        """A lab released a model: value created from ``now`` on uses its capability."""
        self.advance_lab(lab, now)
        self.capability[lab] = capability

    def deliver(self, lab: int, vertical: int, now: float, episodes: float) -> None:
        """A lump of licensed practice data arrives at ``now``."""
        self.advance(lab, vertical, now)
        self.real[lab, vertical] += episodes
        self.received[lab, vertical] += episodes
        self.licensed[lab, vertical] += episodes
