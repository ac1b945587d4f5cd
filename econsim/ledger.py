"""Practice data per (lab, vertical): stocks that decay, integrated exactly.

Inflow comes from the firms a lab serves (deployed firms, and piloting firms at the
pilot's data intensity), each by its share of the vertical's task volume, times
capture and consent. Rates change only at events, so
between events each stock follows ``dX/dt = inflow - δ X`` exactly (closed form);
a cell is brought up to date only when its own rate changes or someone reads it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.model.accrual import accrue_array, decay_factor
from econsim.model.diffusion import capture_share
from econsim.world import ParameterTable

FloatArray = NDArray[np.float64]


class PracticeLedger:
    """Real and synthetic practice stocks, shape (labs, verticals), with their ledgers.

    ``received`` and ``generated`` are cumulative and undecayed, for conservation:
    received = generated × consent + licensed.
    """

    def __init__(
        self,
        labs: int,
        verticals: ParameterTable,
        start: float,
        actuation: float,
        synthetic_rate: FloatArray,
    ) -> None:
        shape = (labs, len(verticals.names))
        self.verticals = verticals
        self.actuation = actuation
        self.real = np.tile(verticals.corpus_practice, (labs, 1))
        self.synthetic = np.zeros(shape)
        self.synthetic_rate = np.asarray(synthetic_rate, float).reshape(shape)
        self.deployed_share = np.zeros(shape)
        self.piloting_share = np.zeros(shape)
        self.generated = np.zeros(shape)
        self.received = np.zeros(shape)
        self.licensed = np.zeros(shape)
        self.updated = np.full(shape, start)
        self.reload_parameters()

    def reload_parameters(self) -> None:
        """Re-read per-vertical yields; call :meth:`advance_all` first when they change."""
        v = self.verticals
        self._per_share = (v.volume * capture_share(v.tokenizability, self.actuation)).tolist()
        self._pilot_data = v.pilot_data.tolist()
        self._consent = v.consent.tolist()
        self._drift = v.drift.tolist()

    # ------------------------------------------------------------ rates

    def generation_rate(self) -> FloatArray:
        """Episodes per year that the served firms generate, per (lab, vertical)."""
        v = self.verticals
        per_share = v.volume * capture_share(v.tokenizability, self.actuation)
        return (self.deployed_share + v.pilot_data * self.piloting_share) * per_share

    def _cell_rates(self, lab: int, vertical: int) -> tuple[float, float]:
        exposure = float(self.deployed_share[lab, vertical]) + self._pilot_data[vertical] * float(
            self.piloting_share[lab, vertical]
        )
        generated = exposure * self._per_share[vertical]
        return generated, generated * self._consent[vertical]

    # ------------------------------------------------------------ time

    def advance(self, lab: int, vertical: int, now: float) -> None:
        """Bring one cell up to ``now`` under its current rates."""
        dt = now - float(self.updated[lab, vertical])
        if dt <= 0:
            return
        generated, received = self._cell_rates(lab, vertical)
        keep, gain = decay_factor(self._drift[vertical], dt)
        self.real[lab, vertical] = self.real[lab, vertical] * keep + received * gain
        self.synthetic[lab, vertical] = (
            self.synthetic[lab, vertical] * keep + self.synthetic_rate[lab, vertical] * gain
        )
        self.generated[lab, vertical] += generated * dt
        self.received[lab, vertical] += received * dt
        self.updated[lab, vertical] = now

    def advance_all(self, now: float) -> None:
        """Bring every cell up to ``now`` (vectorised); call before rates change globally."""
        dt = np.maximum(now - self.updated, 0.0)
        generated = self.generation_rate()
        received = generated * self.verticals.consent
        drift = self.verticals.drift
        self.real = accrue_array(self.real, received, drift, dt)
        self.synthetic = accrue_array(self.synthetic, self.synthetic_rate, drift, dt)
        self.generated += generated * dt
        self.received += received * dt
        self.updated[:] = np.maximum(self.updated, now)

    # ------------------------------------------------------------ flows

    def change_exposure(
        self, lab: int, vertical: int, now: float, deployed: float = 0.0, piloting: float = 0.0
    ) -> None:
        """Firms (by task share) start or stop feeding one cell at ``now``."""
        self.advance(lab, vertical, now)
        self.deployed_share[lab, vertical] += deployed
        self.piloting_share[lab, vertical] += piloting

    def deliver(self, lab: int, vertical: int, now: float, episodes: float) -> None:
        """A lump of licensed practice data arrives at ``now``."""
        self.advance(lab, vertical, now)
        self.real[lab, vertical] += episodes
        self.received[lab, vertical] += episodes
        self.licensed[lab, vertical] += episodes
