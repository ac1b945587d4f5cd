"""AI labs: research, pay for compute, build RL environments, train and release models.

Two SimPy processes per lab. *Training*: snapshot the data and sample efficiency,
train, release; firms see the new model only then. *Operations*, every economy
step: integrate the research law over the step just ended, collect revenue, buy
compute for the next step, build RL environments, set internal-use and synthetic
data rates, and let the strategy reconsider where to sell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.agents.strategies import STRATEGIES, VerticalConquest
from econsim.model.capability import (
    effective_data,
    grounded_synthetic,
    learning_curve,
    proxy_score,
    transfer_matrix,
)
from econsim.model.economy import affordable_compute, compute_price, outside_funding
from econsim.model.research import advance_efficiency
from econsim.scenario import Capability, Lab
from econsim.state.conditions import Conditions, ParameterTable
from econsim.state.ledger import PracticeLedger

FloatArray = NDArray[np.float64]
AI_RESEARCH = "ai_research"


@dataclass(frozen=True)
class ReleasedModel:
    """What a lab's current model can do, per vertical, fixed at its release."""

    real: FloatArray
    talk: FloatArray
    proxy: FloatArray
    effective: FloatArray
    efficiency: float
    released: float

    @property
    def gap(self) -> FloatArray:
        """The Goodhart gap: benchmark score minus real capability."""
        return self.proxy - self.real

    def rescored(self, eval_validity: FloatArray) -> ReleasedModel:
        """The same model measured by different benchmarks (an eval intervention)."""
        return replace(self, proxy=proxy_score(self.real, self.talk, eval_validity))


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
    transfer = transfer_matrix(verticals.names, settings.generalization, settings.transfer)
    data = effective_data(efficiency, real + grounded, transfer)[0]
    doing = learning_curve(data, verticals.data_scale, verticals.learning_slope)
    talk = learning_curve(
        efficiency * verticals.corpus_descriptive, verticals.data_scale, verticals.learning_slope
    )
    return ReleasedModel(
        doing, talk, proxy_score(doing, talk, verticals.eval_validity), data, efficiency, released
    )


class LabAgent:
    """One lab's state: efficiency, compute, environments, strategy, released model."""

    def __init__(
        self,
        index: int,
        name: str,
        conditions: Conditions,
        ledger: PracticeLedger,
        start: float,
    ) -> None:
        self.index, self.name, self.conditions, self.ledger = index, name, conditions, ledger
        self.start = start
        spec = self.spec
        names = conditions.verticals.names
        offered = names if spec.verticals == "all" else spec.verticals
        self.configured = np.array([v in offered for v in names])
        self.ai_research = names.index(AI_RESEARCH) if AI_RESEARCH in names else -1
        self.efficiency = spec.sample_efficiency
        self.environments = np.zeros(len(names))
        self.compute = self.revenue = self.labour = self.licence_costs = 0.0
        self.licences: list[tuple[float, float]] = []  # (until, USD a year)
        self._output = 0.0
        self.model = assess(
            ledger.real[index],
            ledger.synthetic[index],
            self.efficiency,
            conditions.verticals,
            self.capability_settings,
            start,
        )
        ledger.set_capability(index, start, self.model.real)
        self.strategy = STRATEGIES[spec.strategy](self)
        if isinstance(self.strategy, VerticalConquest):
            self.strategy.start(start)
        self._plan(start)

    @property
    def spec(self) -> Lab:
        """This lab's live scenario entry."""
        return self.conditions.scenario.labs[self.name]

    @property
    def capability_settings(self) -> Capability:
        """The live capability settings."""
        return self.conditions.scenario.capability

    @property
    def offers(self) -> NDArray[np.bool_]:
        """Verticals whose firms may choose this lab now."""
        return self.strategy.offers()

    # ------------------------------------------------------------ training

    def training(
        self, env: simpy.Environment, on_release: Callable[[LabAgent], None]
    ) -> Generator[simpy.Event, None, None]:
        """Snapshot the data at the start of a run, release when training ends."""
        while True:
            self.ledger.advance_all(env.now)
            snapshot = (
                self.ledger.real[self.index],
                self.ledger.synthetic[self.index],
                self.efficiency,
            )
            spec = self.spec
            yield env.timeout(spec.training_time)
            self.model = assess(
                *snapshot, self.conditions.verticals, self.capability_settings, env.now
            )
            on_release(self)
            yield env.timeout(max(spec.release_interval - spec.training_time, 0.0))

    def deployer_flags(self) -> list[bool]:
        """Per vertical: does the lab integrate its own deployments there?"""
        return [self.strategy.is_deployer(v) for v in range(self.configured.size)]

    def rescore(self) -> None:
        """Re-measure the released model after benchmarks changed."""
        self.model = self.model.rescored(self.conditions.verticals.eval_validity)

    # ------------------------------------------------------------ operations

    def operations(
        self,
        env: simpy.Environment,
        step: float,
        adoption: Callable[[], FloatArray],
        on_offers_changed: Callable[[LabAgent], None],
    ) -> Generator[simpy.Event, None, None]:
        """Every economy step: research, revenue, compute, environments, strategy."""
        while True:
            yield env.timeout(step)
            self._progress(env.now, step)
            if self.strategy.review(env.now, adoption()[self.index]):
                self.ledger.set_deployer(self.index, env.now, self.deployer_flags())
                on_offers_changed(self)
            self._plan(env.now)

    def _progress(self, now: float, dt: float) -> None:
        """What the step just ended produced: efficiency, environments, revenue."""
        spec = self.spec
        research, rl = spec.research, spec.environments
        humans, automated = self._labour(now - dt)
        self.efficiency = advance_efficiency(
            self.efficiency,
            dt,
            (1 - rl.labour_share) * humans,
            (1 - rl.labour_share) * automated,
            research.productivity,
            research.beta,
            research.lam,
            research.ceiling,
        )
        built = rl.labour_share * self.labour / rl.cost * dt
        self.environments = (
            self.environments * np.exp(-self.ledger.drift * dt)
            + built * self.strategy.environment_focus()
        )
        self.ledger.advance_lab(self.index, now)
        output = float(self.ledger.output[self.index].sum())
        self.revenue = spec.finance.price_share * (output - self._output) / dt
        self._output = output

    def _plan(self, now: float) -> None:
        """Buy compute for the coming step and set the data rates it produces."""
        spec, elapsed = self.spec, now - self.start
        finance = spec.finance
        self.licences = [(until, cost) for until, cost in self.licences if until > now]
        self.licence_costs = sum(cost for _, cost in self.licences)
        budget = (
            outside_funding(
                elapsed, finance.funding, finance.funding_growth, finance.investor_patience
            )
            + finance.reinvestment * self.revenue
            - self.licence_costs
        )
        cap = finance.compute_cap if finance.compute_cap is not None else math.inf
        scenario = self.conditions.scenario
        price = compute_price(elapsed, scenario.compute.price, scenario.compute.price_decline)
        self.compute = affordable_compute(budget, price, cap)
        humans, automated = self._labour(now)
        self.labour = humans + automated * self.efficiency
        internal = np.zeros(self.configured.size)
        if self.ai_research >= 0:
            internal[self.ai_research] = spec.internal_use * self.compute * self._ai_capability()
        synthetic = self.environments * spec.environments.episodes
        self.ledger.set_lab_rates(self.index, now, synthetic, internal)

    def _labour(self, when: float) -> tuple[float, float]:
        """(human researchers, automated researchers per unit of sample efficiency).

        Automated researchers are ``χ · C_ai · compute · A``: more capable and more
        efficient models give more researcher-equivalents per unit of compute.
        """
        research = self.spec.research
        humans = research.humans * math.exp(research.human_growth * (when - self.start))
        return humans, research.automation * self._ai_capability() * self.compute

    def _ai_capability(self) -> float:
        return float(self.model.real[self.ai_research]) if self.ai_research >= 0 else 0.0

    def pay_licence(self, until: float, per_year: float) -> None:
        """Commit to a yearly licence fee until ``until``; it comes out of the budget."""
        self.licences.append((until, per_year))
        self.licence_costs += per_year
