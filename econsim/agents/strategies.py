"""Lab strategies (DESIGN 2.5): where a lab sells, where it builds RL environments.

- ``broad``: sells to every vertical it is configured for.
- ``isolated``: the datacenter of geniuses: no external customers, internal use,
  RL environments and synthetic data only.
- ``vertical``: conquers verticals one at a time as the deployer: full data capture
  and faster integration in the verticals it serves, one campaign at a time, the next
  vertical picked by expected value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from econsim.scenario import Conquest, Scenario
from econsim.scenario.registry import STRATEGIES
from econsim.state.parameters import VerticalTable

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Prospects:
    """What a strategy reads of the scenario: where selling and synthetic data pay."""

    verticals: tuple[str, ...]
    rl_worth: FloatArray  # σ (1 - μ): the share of practice that synthetic data can stand in for
    output_value: FloatArray
    conquest: Conquest
    vertical_integration: bool

    @classmethod
    def read(cls, scenario: Scenario, lab: str) -> Prospects:
        """A lab's strategy's view of a scenario."""
        v = VerticalTable(scenario.verticals)
        return cls(
            tuple(v.names),
            v.simulability * (1 - v.market_coupling),
            v.output_value,
            scenario.labs[lab].conquest,
            scenario.market.vertical_integration,
        )


class LabAgent(Protocol):
    """What a strategy sees of its lab."""

    @property
    def configured(self) -> BoolArray:
        """Verticals the lab may sell to at all."""

    @property
    def prospects(self) -> Prospects:
        """The strategy's view of the scenario now."""

    @property
    def capability(self) -> FloatArray:
        """Real capability of the lab's current model, per vertical."""


class Strategy(Protocol):
    """Where a lab sells, where it builds RL environments, whether it deploys itself.

    ``campaign`` is the vertical a conquering lab is working on (-1: none).
    """

    campaign: int

    def start(self, now: float) -> None:
        """The run begins."""

    def offers(self) -> BoolArray:
        """Verticals whose firms may choose this lab now."""

    def environment_focus(self) -> NDArray[np.float64]:
        """Weights over verticals for new RL environments."""

    def is_deployer(self, vertical: int) -> bool:
        """Whether the lab integrates its own deployments in ``vertical``."""

    def review(self, now: float, adoption: NDArray[np.float64]) -> bool:
        """Periodic reconsideration; True when :meth:`offers` changed."""


def strategy_for(lab: LabAgent, name: str) -> Strategy:
    """The registered strategy ``name`` for a lab."""
    made: Strategy = STRATEGIES[name](lab)
    return made


@STRATEGIES.register("broad")
class Broad:
    """Sells to all of its configured verticals all the time."""

    campaign = -1

    def __init__(self, lab: LabAgent) -> None:
        self.lab = lab

    def start(self, now: float) -> None:
        """Nothing to open."""

    def offers(self) -> BoolArray:
        """Verticals whose firms may choose this lab now."""
        return self.lab.configured

    def rl_verticals(self) -> BoolArray:
        """Where the lab builds RL environments: where it sells."""
        return self.offers()

    def environment_focus(self) -> NDArray[np.float64]:
        """Weights over verticals for new RL environments: where synthetic data pays."""
        return _normalised(self.lab.prospects.rl_worth * self.rl_verticals())

    def is_deployer(self, vertical: int) -> bool:
        """Whether the lab integrates its own deployments here (vertical strategy)."""
        return False

    def review(self, now: float, adoption: NDArray[np.float64]) -> bool:
        """Periodic reconsideration; True when ``offers`` changed."""
        return False


@STRATEGIES.register("isolated")
class Isolated(Broad):
    """No external customers: capability only from the corpus, RL and internal use."""

    def offers(self) -> BoolArray:
        """No vertical: the lab sells nothing."""
        return np.zeros(self.lab.configured.size, dtype=bool)

    def rl_verticals(self) -> BoolArray:
        """RL environments in every configured vertical: nowhere to sell, all to learn."""
        return self.lab.configured


@STRATEGIES.register("vertical")
class VerticalConquest(Broad):
    """One vertical at a time, as the deployer; keeps the verticals it conquered."""

    def __init__(self, lab: LabAgent) -> None:
        super().__init__(lab)
        self.served = np.zeros(lab.configured.size, dtype=bool)
        self.campaign = -1
        self.campaign_start = 0.0

    def start(self, now: float) -> None:
        """Open the first campaign."""
        prospects = self.lab.prospects
        first = prospects.conquest.first
        self._open(prospects.verticals.index(first) if first else self._best_next(), now)

    def offers(self) -> BoolArray:
        """The conquered verticals and the current campaign."""
        return self.served

    def is_deployer(self, vertical: int) -> bool:
        """A deployer wherever it sells, unless vertical integration is banned."""
        integrated = self.lab.prospects.vertical_integration
        return bool(integrated and self.served[vertical])

    def review(self, now: float, adoption: NDArray[np.float64]) -> bool:
        """Move on once the campaign reached its target adoption or ran out of time."""
        if self.campaign < 0:
            return False
        spec = self.lab.prospects.conquest
        done = adoption[self.campaign] >= spec.target_adoption
        if not (done or now - self.campaign_start >= spec.max_years):
            return False
        following = self._best_next()
        if following < 0:
            self.campaign = -1
            return False
        self._open(following, now)
        return True

    def _open(self, vertical: int, now: float) -> None:
        self.campaign, self.campaign_start = vertical, now
        if vertical >= 0:
            self.served[vertical] = True

    def _best_next(self) -> int:
        """The unconquered vertical with the most value left to capture."""
        value = self.lab.prospects.output_value * (1 - self.lab.capability)
        value = np.where(self.lab.configured & ~self.served, value, -np.inf)
        return int(np.argmax(value)) if np.isfinite(value.max()) else -1


def _normalised(weight: NDArray[np.float64]) -> NDArray[np.float64]:
    total = float(weight.sum())
    return weight / total if total > 0 else np.zeros_like(weight)
