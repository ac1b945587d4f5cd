"""AI labs: research, pay for compute and operations, build RL environments, train, release.

Two SimPy processes per lab. *Training*: snapshot the data and efficiencies, train,
release; firms see the new model only then. *Operations*, every economy step:
integrate the research law over the step just ended and credit real capability
with the share of the gain the lab could measure, collect revenue, follow investors,
buy compute for the next step, build RL environments, set internal-use, operations
and synthetic data rates, let a deployed model learn from its customers (continual
learning), and let the strategy reconsider where to sell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.agents.release import Trainer, TrainingData
from econsim.agents.strategies import strategy_for
from econsim.model.capability import eval_validity, steered_efficiency, transfer_matrix
from econsim.model.economy import (
    affordable_compute,
    compute_price,
    funding_after,
    promised_funding,
)
from econsim.model.research import advance_efficiency
from econsim.scenario import Capability, Lab
from econsim.state.conditions import Conditions
from econsim.state.ledger import PracticeLedger

FloatArray = NDArray[np.float64]
LabCallback = Callable[["LabAgent"], None]


class LabAgent:
    """One lab's state: efficiencies, compute, funding, environments, strategy, model.

    It reads its own parameters live; only benchmark validity (its scores) and the
    ban on vertical integration (where it is the deployer) need a refresh.
    """

    caches = ("verticals.*.eval_validity", "market.vertical_integration")

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
        self.ai_research = conditions.scenario.research_vertical
        self.trainer = Trainer(conditions.verticals, conditions.tasks)
        self.efficiency = spec.sample_efficiency
        self.real_efficiency = np.full(len(names), spec.sample_efficiency)
        self.environments = np.zeros(len(names))
        self.funding = spec.finance.funding
        self.compute = self.revenue = self.labour = self.licence_costs = 0.0
        self.licences: list[tuple[float, float]] = []  # (until, USD a year)
        self._output = 0.0
        self.model = self.trainer.assess(self.snapshot(), self.capability_settings, start)
        ledger.set_capability(index, start, self.model.real)
        self.strategy = strategy_for(self, spec.strategy)
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
    def price_share(self) -> float:
        """The share of the value its models create that the lab takes as revenue."""
        return self.spec.finance.price_share

    @property
    def offers(self) -> NDArray[np.bool_]:
        """Verticals whose firms may choose this lab now."""
        return self.strategy.offers()

    def eval_validity(self) -> FloatArray:
        """How well the lab's internal evals measure real capability, per vertical.

        Graded outcomes elsewhere count with the transfer weights, as practice does:
        where learning generalises, so does knowing what works.
        """
        v, settings = self.conditions.verticals, self.capability_settings
        graded = self.ledger.graded[self.index]
        transfer = transfer_matrix(v.names, settings.generalization, settings.transfer)
        return eval_validity(v.eval_validity, graded + graded @ transfer, v.graded_half)

    # ------------------------------------------------------------ training

    def snapshot(self) -> TrainingData:
        """The lab's data and efficiencies now (stocks must be up to date)."""
        ledger, lab = self.ledger, self.index
        return TrainingData(
            ledger.real[lab],
            ledger.synthetic[lab],
            self.environments.copy(),
            ledger.consented[lab],
            self.efficiency,
            self.real_efficiency.copy(),
        )

    def training(
        self, env: simpy.Environment, on_release: LabCallback
    ) -> Generator[simpy.Event, None, None]:
        """Snapshot the data at the start of a run, release when training ends."""
        while True:
            self.ledger.advance_lab(self.index, env.now)
            data, spec = self.snapshot(), self.spec
            yield env.timeout(spec.training_time)
            self.model = self.trainer.assess(data, self.capability_settings, env.now)
            on_release(self)
            yield env.timeout(max(spec.release_interval - spec.training_time, 0.0))

    def deployer_flags(self) -> list[bool]:
        """Per vertical: does the lab integrate its own deployments there?"""
        return [self.strategy.is_deployer(v) for v in range(self.configured.size)]

    def refresh(self, now: float) -> None:
        """Benchmarks or the rules on integration changed: re-measure, re-declare."""
        self.model = self.model.rescored(self.conditions.verticals.eval_validity)
        self.ledger.set_deployer(self.index, now, self.deployer_flags())

    def learn(self, now: float) -> bool:
        """Continual learning from customers since the release; True when it moved."""
        share = self.capability_settings.continual_learning
        if share <= 0.0:
            return False
        self.ledger.advance_lab(self.index, now)
        consented = self.ledger.consented[self.index]
        if np.array_equal(consented, self.model.data.consented):
            return False
        settings = self.capability_settings
        self.model = self.trainer.learned(self.model, consented, share, settings)
        return True

    def capability_gain(self, vertical: int, episodes: float) -> float:
        """Real capability ``episodes`` more of one vertical would add to the current model."""
        return self.trainer.gain(self.model, vertical, episodes, self.capability_settings)

    # ------------------------------------------------------------ operations

    def operations(
        self,
        env: simpy.Environment,
        step: float,
        adoption: Callable[[], FloatArray],
        on_offers_changed: LabCallback,
        on_learned: LabCallback,
    ) -> Generator[simpy.Event, None, None]:
        """Every economy step: research, money, environments, learning, strategy."""
        while True:
            yield env.timeout(step)
            self._progress(env.now, step)
            if self.learn(env.now):
                on_learned(self)
            if self.strategy.review(env.now, adoption()[self.index]):
                self.ledger.set_deployer(self.index, env.now, self.deployer_flags())
                on_offers_changed(self)
            self._plan(env.now)

    def _progress(self, now: float, dt: float) -> None:
        """What the step just ended produced: efficiencies, environments, revenue, funding."""
        spec = self.spec
        research, rl = spec.research, spec.environments
        humans, automated = self._labour(now - dt)
        before = self.efficiency
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
        self.ledger.advance_lab(self.index, now)
        validity = self.eval_validity()
        self.real_efficiency = steered_efficiency(
            self.real_efficiency, validity, before, self.efficiency
        )
        built = rl.labour_share * self.labour / rl.cost * dt
        self.environments = (
            self.environments * np.exp(-self.ledger.drift * dt)
            + built * self.strategy.environment_focus()
        )
        output = float(self.ledger.output[self.index].sum())
        self.revenue = spec.finance.price_share * (output - self._output) / dt
        self._output = output
        self.funding = self._funding(now, dt)

    def _funding(self, now: float, dt: float) -> float:
        """Outside funding a year from ``now``: the promise, then the revenue."""
        finance, elapsed = self.spec.finance, now - self.start
        if elapsed <= finance.investor_patience:
            return promised_funding(elapsed, finance.funding, finance.funding_growth)
        return funding_after(
            self.funding, self.revenue, finance.revenue_multiple, dt, finance.funding_lag
        )

    def _plan(self, now: float) -> None:
        """Buy compute for the coming step and set the data rates it produces."""
        spec, elapsed = self.spec, now - self.start
        finance = spec.finance
        self.licences = [(until, cost) for until, cost in self.licences if until > now]
        self.licence_costs = sum(cost for _, cost in self.licences)
        firms = self.operated_firms()
        budget = (
            self.funding
            + finance.reinvestment * self.revenue
            - self.licence_costs
            - finance.operations_cost * float(firms.sum())
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
        operated = firms / self._firms_per_vertical()
        self.ledger.set_lab_rates(self.index, now, synthetic, internal, operated)

    def operated_firms(self) -> FloatArray:
        """Firms the lab runs itself in each vertical (its own operations)."""
        names = self.conditions.verticals.names
        return np.array([self.spec.operations.get(name, 0.0) for name in names])

    def _firms_per_vertical(self) -> FloatArray:
        """Real firms in each vertical: the economy's firms by the verticals' firm shares."""
        share = self.conditions.verticals.firm_share
        return np.asarray(self.conditions.scenario.economy.real_firms * share / share.sum())

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
