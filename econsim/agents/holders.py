"""Data holders (DESIGN 2.6): deployment-grade data in one vertical, licensed by policy.

A holder's data grows from its own operations and is non-rival: every licensee
receives, at each delivery, what the holder has produced since its last delivery.
Negotiation rounds and deliveries are timed events. At each round the holder's
policy sees the round (:class:`Round`) and returns the licences it grants; a new
policy is one registered function here. Policies:

- ``embargo``: nobody gets the data.
- ``license``: any lab whose bid (a share of the value the data would add to it)
  meets the price gets a contract.
- ``exclusive``: one lab per contract period, by a second-price auction with the
  price as reserve.
- ``open``: a public data trust; every lab gets every delivery, free.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.agents.lab import LabAgent
from econsim.model.economy import data_value
from econsim.results.events import Event
from econsim.scenario import Holder, Scenario
from econsim.scenario.registry import HOLDER_POLICIES
from econsim.state.ledger import PracticeLedger
from econsim.state.recorder import EventLog


@dataclass(frozen=True)
class HolderTerms:
    """What a holder reads of the scenario: its own entry and its vertical's output."""

    holder: Holder
    vertical: int
    output_value: float

    @classmethod
    def read(cls, scenario: Scenario, name: str) -> HolderTerms:
        """The view of a scenario that the holder ``name`` reads."""
        holder = scenario.holders[name]
        vertical = scenario.vertical_names.index(holder.vertical)
        return cls(holder, vertical, scenario.verticals[holder.vertical].output_value)


@dataclass(frozen=True)
class Round:
    """What a policy sees at a negotiation round.

    ``licensed_until[lab]`` is when the lab's licence runs out; ``bid(lab)`` is what
    the lab offers a year (computed when asked: it values the data).
    """

    now: float
    terms: Holder
    licensed_until: NDArray[np.float64]
    bid: Callable[[int], float]


@dataclass(frozen=True)
class Licence:
    """A policy's decision: ``lab`` gets the deliveries until ``until``, for ``per_year``.

    ``per_year`` None is free: nothing is paid and no licence is signed (a public trust).
    """

    lab: int
    until: float
    per_year: float | None


Policy = Callable[[Round], list[Licence]]


class DataHolder:
    """One holder: what it has produced, delivered, and to whom it is licensed."""

    def __init__(
        self,
        terms: HolderTerms,
        labs: Sequence[LabAgent],
        ledger: PracticeLedger,
        log: EventLog,
        start: float,
    ) -> None:
        self.terms, self.labs, self.ledger, self.log = terms, labs, ledger, log
        self.start = start
        self.vertical = terms.vertical
        self.delivered = np.zeros(len(labs))
        self.licensed_until = np.full(len(labs), -np.inf)

    def retune(self, terms: HolderTerms, now: float) -> None:
        """The holder's policy or terms changed: the next round follows them."""
        self.terms = terms

    @property
    def spec(self) -> Holder:
        """This holder's scenario entry, as it stands."""
        return self.terms.holder

    def produced(self, now: float) -> float:
        """Episodes produced by the holder's own operations up to ``now``."""
        return self.spec.stock + self.spec.growth * (now - self.start)

    def process(self, env: simpy.Environment) -> Generator[simpy.Event, None, None]:
        """Negotiation rounds, each followed by deliveries to the labs holding licences."""
        while True:
            self.negotiate(env.now)
            spec = self.spec
            for lab in np.flatnonzero(self.licensed_until > env.now).tolist():
                delivery = env.timeout(spec.delivery_time, value=lab)
                delivery.callbacks.append(self._on_delivery)
            yield env.timeout(spec.round_interval)

    def negotiate(self, now: float) -> None:
        """One round under the holder's current policy: grant what it decides."""
        policy: Policy = HOLDER_POLICIES[self.spec.policy]
        round_ = Round(now, self.spec, self.licensed_until.copy(), lambda lab: self.bid(lab, now))
        for licence in policy(round_):
            self.grant(licence, now)

    def bid(self, index: int, now: float) -> float:
        """What a lab offers a year: a share of the yearly value the data would add."""
        lab = self.labs[index]
        if not lab.offers[self.vertical]:
            return 0.0
        spec, v = self.spec, self.vertical
        served = self.ledger.deployed_share[:, v]
        offering = sum(bool(other.offers[v]) for other in self.labs)
        reach = served[lab.index] + max(1.0 - served.sum(), 0.0) / offering
        extra = self.produced(now) - self.delivered[lab.index] + spec.growth * spec.contract_years
        value = data_value(
            lab.capability_gain(v, extra),
            self.terms.output_value,
            reach,
            lab.price_share,
            1.0,
        )
        return lab.spec.finance.bid_share * value

    def grant(self, licence: Licence, now: float) -> None:
        """Deliveries to a lab until the licence's end; a paid one is signed and logged."""
        self.licensed_until[licence.lab] = licence.until
        if licence.per_year is not None:
            self.labs[licence.lab].pay_licence(licence.until, licence.per_year)
            self.log.add(now, Event.LICENCE, licence.lab, self.vertical, value=licence.per_year)

    def _on_delivery(self, event: simpy.Event) -> None:
        lab, now = cast(int, event.value), event.env.now
        episodes = self.produced(now) - self.delivered[lab]
        if episodes <= 0:
            return
        self.delivered[lab] += episodes
        self.ledger.deliver(lab, self.vertical, now, episodes)
        self.log.add(now, Event.DELIVERY, lab, self.vertical, value=episodes)


# ---------------------------------------------------------------- policies


@HOLDER_POLICIES.register("embargo")
def embargo(round_: Round) -> list[Licence]:
    """Nobody gets the data."""
    return []


@HOLDER_POLICIES.register("license")
def license_to_all(round_: Round) -> list[Licence]:
    """Any lab whose bid meets the price gets a contract."""
    price, until = round_.terms.price, round_.now + round_.terms.contract_years
    return [
        Licence(lab, until, price)
        for lab, ends in enumerate(round_.licensed_until.tolist())
        if ends <= round_.now and round_.bid(lab) >= price
    ]


@HOLDER_POLICIES.register("exclusive")
def exclusive(round_: Round) -> list[Licence]:
    """One lab per contract period: a second-price auction with the price as reserve."""
    if (round_.licensed_until > round_.now).any():
        return []
    price = round_.terms.price
    bids = np.array([round_.bid(lab) for lab in range(round_.licensed_until.size)])
    ranked = np.argsort(-bids, kind="stable")
    if not (bids[ranked[0]] >= price and bids[ranked[0]] > 0):
        return []
    second = bids[ranked[1]] if len(ranked) > 1 else 0.0
    until = round_.now + round_.terms.contract_years
    return [Licence(int(ranked[0]), until, float(max(second, price)))]


@HOLDER_POLICIES.register("open")
def open_trust(round_: Round) -> list[Licence]:
    """A public data trust: every lab gets every delivery, free."""
    until = round_.now + round_.terms.round_interval
    return [Licence(lab, until, None) for lab in range(round_.licensed_until.size)]
