"""Firms: adoption, pilots, deployments and contracts as timed SimPy events.

There is no process per firm. The next adoption comes from the adoption race; every
pilot end, contract end and cool-down is one SimPy timeout whose callback moves that
firm on. States: idle → piloting → deployed → (renewing | churned → cool-down → idle);
a failed pilot also cools down. Data follows the firm to the lab that serves it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.agents.adoption import AdoptionRace
from econsim.agents.lab import LabAgent
from econsim.conditions import Conditions
from econsim.ledger import PracticeLedger
from econsim.model.diffusion import smooth_step_at
from econsim.record import Event, EventLog
from econsim.streams import Streams
from econsim.world import World

IDLE, PILOTING, DEPLOYED, COOLDOWN = 0, 1, 2, 3


class Market:
    """Every firm's state, the adoption race, and the handlers of firm events."""

    def __init__(
        self,
        env: simpy.Environment,
        world: World,
        conditions: Conditions,
        labs: Sequence[LabAgent],
        ledger: PracticeLedger,
        log: EventLog,
        streams: Streams,
    ) -> None:
        self.env, self.world, self.labs, self.ledger, self.log = env, world, labs, ledger, log
        self.conditions = conditions
        self.settings = conditions.scenario.market
        self.params = conditions.verticals
        self.state = np.zeros(world.firms, dtype=np.int8)
        self.lab_of = np.full(world.firms, -1, dtype=np.int16)
        self.share = world.firm_share.tolist()
        self.threshold = world.firm_threshold.tolist()
        self.vertical_of = world.firm_vertical.tolist()
        shape = (len(labs), world.bounds.size - 1)
        self.piloting = np.zeros(shape, dtype=np.int64)
        self.deployed = np.zeros(shape, dtype=np.int64)
        self.churned = np.zeros(shape, dtype=np.int64)
        elasticity = conditions.scenario.economy.size_elasticity
        weight = (world.firm_size / np.median(world.firm_size)) ** elasticity
        self.race = AdoptionRace(world, self.params, weight, self.settings.gate_width)
        self._adoption_draws = streams.draws("adoption")
        self._pilot_draws = streams.draws("pilots")
        self._contract_draws = streams.draws("contracts")
        self._token = 0

    # ------------------------------------------------------------ capability changes

    def on_release(self, lab: LabAgent) -> None:
        """A lab released a model: firms see the new scores from now on."""
        self.refresh(np.flatnonzero(lab.offers).tolist())

    def refresh(self, verticals: Sequence[int] | None = None) -> None:
        """Recompute gates where scores or offers changed (all verticals by default)."""
        self.settings = self.conditions.scenario.market
        self.race.gate_width = self.settings.gate_width
        self.race.reload_parameters()
        everything = range(len(self.params.names))
        for v in everything if verticals is None else verticals:
            self.race.refresh(v, self.best_score(v))
        self._schedule_adoption()

    def adoption(self) -> NDArray[np.float64]:
        """Deployed firms per (lab, vertical) as a share of the vertical's firms."""
        return self.deployed / np.maximum(self.world.firm_counts(), 1)

    def best_score(self, vertical: int) -> float | None:
        """Best benchmark score on offer in a vertical (None: no lab sells there)."""
        scores = [float(lab.model.proxy[vertical]) for lab in self.labs if lab.offers[vertical]]
        return max(scores) if scores else None

    def choose_lab(self, vertical: int, incumbent: int = -1) -> int:
        """A lab by perceived score (logit); the incumbent gets a switching-cost bonus."""
        offering = [lab for lab in self.labs if lab.offers[vertical]]
        if len(offering) == 1:
            return offering[0].index
        price = self.settings.price_sensitivity
        utility = np.array(
            [lab.model.proxy[vertical] - price * lab.spec.finance.price_share for lab in offering]
        )
        utility += self.settings.switching_cost * np.array(
            [lab.index == incumbent for lab in offering]
        )
        weight = np.exp((utility - utility.max()) / self.settings.choice_temperature)
        target = self._adoption_draws.uniform() * weight.sum()
        pick = min(int(np.searchsorted(np.cumsum(weight), target, side="right")), len(offering) - 1)
        return offering[pick].index

    # ------------------------------------------------------------ the adoption race

    def _schedule_adoption(self) -> None:
        """(Re)draw the time of the next adoption when hazards changed.

        Exponential waiting times are memoryless, so redrawing after a change is exact;
        the superseded timer fires later and is ignored by its stale token.
        """
        if not self.race.changed:
            return
        self._token += 1
        rate = self.race.total_rate()
        if rate > 0.0:
            timer = self.env.timeout(self._adoption_draws.exponential() / rate, value=self._token)
            timer.callbacks.append(self._on_adoption)

    def _on_adoption(self, event: simpy.Event) -> None:
        if event.value != self._token:
            return
        firm = self.race.pick(self._adoption_draws.uniform())
        if firm is not None:
            self._start_pilot(firm, self.choose_lab(self.vertical_of[firm]))
        self._schedule_adoption()

    # ------------------------------------------------------------ firm lifecycle

    def _start_pilot(self, firm: int, lab: int) -> None:
        v, now = self.vertical_of[firm], self.env.now
        self.race.leave(firm)
        self.state[firm], self.lab_of[firm] = PILOTING, lab
        self.piloting[lab, v] += 1
        self.ledger.change_exposure(lab, v, now, piloting=self.share[firm])
        median, sigma = (
            float(self.params.lead_time_median[v]),
            float(self.params.lead_time_sigma[v]),
        )
        lead = median * math.exp(sigma * self._pilot_draws.normal()) if median > 0 else 0.0
        if self.labs[lab].strategy.is_deployer(v):  # the lab integrates its own deployment
            lead *= self.labs[lab].spec.conquest.lead_time_factor
        self.log.add(now, Event.PILOT_START, lab, v, firm, lead)
        self._after(lead, firm, self._on_pilot_end)

    def _on_pilot_end(self, event: simpy.Event) -> None:
        firm = cast(int, event.value)
        lab, v, now = int(self.lab_of[firm]), self.vertical_of[firm], self.env.now
        self.piloting[lab, v] -= 1
        self.ledger.change_exposure(lab, v, now, piloting=-self.share[firm])
        chance = float(self.params.pilot_success[v]) * self._fit(firm, lab)
        if self._pilot_draws.uniform() < chance:
            self.log.add(now, Event.PILOT_SUCCESS, lab, v, firm, chance)
            self._deploy(firm, lab)
        else:
            self.log.add(now, Event.PILOT_FAILURE, lab, v, firm, chance)
            self._cool_down(firm)
        self._schedule_adoption()

    def _deploy(self, firm: int, lab: int) -> None:
        self._serve(firm, lab, +1)
        self.race.deployment_changed(firm, +1)
        self._after(
            float(self.params.contract_years[self.vertical_of[firm]]), firm, self._on_contract_end
        )

    def _on_contract_end(self, event: simpy.Event) -> None:
        firm = cast(int, event.value)
        lab, v, now = int(self.lab_of[firm]), self.vertical_of[firm], self.env.now
        keep = (1.0 - float(self.params.churn[v])) * self._fit(firm, lab)
        if self._contract_draws.uniform() >= keep:
            self._serve(firm, lab, -1)
            self.race.deployment_changed(firm, -1)
            self.churned[lab, v] += 1
            self.log.add(now, Event.CHURN, lab, v, firm, keep)
            self._cool_down(firm)
            self._schedule_adoption()
            return
        chosen = self.choose_lab(v, incumbent=lab)
        if chosen == lab:
            self.log.add(now, Event.RENEWAL, lab, v, firm, keep)
        else:  # the firm's data now flows to the new lab; its neighbours see no change
            self._serve(firm, lab, -1)
            self._serve(firm, chosen, +1)
            self.log.add(now, Event.SWITCH, chosen, v, firm, lab)
        self._after(float(self.params.contract_years[v]), firm, self._on_contract_end)

    def _serve(self, firm: int, lab: int, sign: int) -> None:
        """Start (+1) or stop (-1) serving a deployed firm: counts and data flow."""
        v = self.vertical_of[firm]
        if sign > 0:
            self.state[firm], self.lab_of[firm] = DEPLOYED, lab
        self.deployed[lab, v] += sign
        self.ledger.change_exposure(lab, v, self.env.now, deployed=sign * self.share[firm])

    def _cool_down(self, firm: int) -> None:
        self.state[firm], self.lab_of[firm] = COOLDOWN, -1
        self._after(float(self.params.cooldown[self.vertical_of[firm]]), firm, self._on_cooled)

    def _on_cooled(self, event: simpy.Event) -> None:
        firm = cast(int, event.value)
        self.state[firm] = IDLE
        self.race.join(firm)
        self._schedule_adoption()

    # ------------------------------------------------------------ helpers

    def _fit(self, firm: int, lab: int) -> float:
        """How well the lab's model really does this firm's work: s(C - θ)."""
        v = self.vertical_of[firm]
        real = float(self.labs[lab].model.real[v])
        return smooth_step_at(real - self.threshold[firm], self.settings.gate_width)

    def _after(self, delay: float, firm: int, handler: Callable[[simpy.Event], None]) -> None:
        timer = self.env.timeout(delay, value=firm)
        timer.callbacks.append(handler)
