"""Data holders (DESIGN 2.6): deployment-grade data in one vertical, licensed by policy.

A holder's data grows from its own operations and is non-rival: every licensee
receives, at each delivery, what the holder has produced since its last delivery.
Negotiation rounds and deliveries are timed events. Policies:

- ``embargo``: nobody gets the data.
- ``license``: any lab whose bid (a share of the value the data would add to it)
  meets the price gets a contract.
- ``exclusive``: one lab per contract period, by a second-price auction with the
  price as reserve.
- ``open``: a public data trust; every lab gets every delivery, free.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import cast

import numpy as np
import simpy

from econsim.agents.lab import LabAgent
from econsim.model.economy import data_value
from econsim.scenario import Holder
from econsim.scenario.registry import HOLDER_POLICIES
from econsim.state.conditions import Conditions
from econsim.state.events import Event
from econsim.state.ledger import PracticeLedger
from econsim.state.recorder import EventLog


class DataHolder:
    """One holder: what it has produced, delivered, and to whom it is licensed."""

    def __init__(
        self,
        name: str,
        conditions: Conditions,
        labs: Sequence[LabAgent],
        ledger: PracticeLedger,
        log: EventLog,
        start: float,
    ) -> None:
        self.name, self.conditions, self.labs, self.ledger, self.log = (
            name,
            conditions,
            labs,
            ledger,
            log,
        )
        self.start = start
        self.vertical = conditions.verticals.names.index(self.spec.vertical)
        self.delivered = np.zeros(len(labs))
        self.licensed_until = np.full(len(labs), -np.inf)

    @property
    def spec(self) -> Holder:
        """This holder's live scenario entry."""
        return self.conditions.scenario.holders[self.name]

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
        """One round under the holder's current policy."""
        HOLDER_POLICIES[self.spec.policy](self, now)

    def bid(self, lab: LabAgent, now: float) -> float:
        """What a lab offers a year: a share of the yearly value the data would add."""
        if not lab.offers[self.vertical]:
            return 0.0
        spec, v = self.spec, self.vertical
        served = self.ledger.deployed_share[:, v]
        offering = sum(bool(other.offers[v]) for other in self.labs)
        reach = served[lab.index] + max(1.0 - served.sum(), 0.0) / offering
        extra = self.produced(now) - self.delivered[lab.index] + spec.growth * spec.contract_years
        value = data_value(
            lab.capability_gain(v, extra),
            float(self.conditions.verticals.output_value[v]),
            reach,
            lab.spec.finance.price_share,
            1.0,
        )
        return lab.spec.finance.bid_share * value

    def sign(self, lab: LabAgent, now: float, per_year: float) -> None:
        """A licence to ``lab`` for a contract period at ``per_year``."""
        until = now + self.spec.contract_years
        self.licensed_until[lab.index] = until
        lab.pay_licence(until, per_year)
        self.log.add(now, Event.LICENCE, lab.index, self.vertical, value=per_year)

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
def embargo(holder: DataHolder, now: float) -> None:
    """Nobody gets the data."""


@HOLDER_POLICIES.register("license")
def license_to_all(holder: DataHolder, now: float) -> None:
    """Any lab whose bid meets the price gets a contract."""
    price = holder.spec.price
    for lab in holder.labs:
        if holder.licensed_until[lab.index] <= now and holder.bid(lab, now) >= price:
            holder.sign(lab, now, price)


@HOLDER_POLICIES.register("exclusive")
def exclusive(holder: DataHolder, now: float) -> None:
    """One lab per contract period: a second-price auction with the price as reserve."""
    if (holder.licensed_until > now).any():
        return
    price = holder.spec.price
    bids = np.array([holder.bid(lab, now) for lab in holder.labs])
    ranked = np.argsort(-bids, kind="stable")
    if bids[ranked[0]] >= price and bids[ranked[0]] > 0:
        second = bids[ranked[1]] if len(ranked) > 1 else 0.0
        holder.sign(holder.labs[int(ranked[0])], now, max(second, price))


@HOLDER_POLICIES.register("open")
def open_trust(holder: DataHolder, now: float) -> None:
    """A public data trust: every lab gets every delivery, free."""
    holder.licensed_until[:] = now + holder.spec.round_interval
