"""Interventions (DESIGN 2.7) and the economy's own clock, as SimPy processes."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.scenario import Intervention
from econsim.state.conditions import Conditions
from econsim.state.ledger import PracticeLedger


def interventions(
    env: simpy.Environment,
    timeline: Sequence[Intervention],
    apply: Callable[[dict[str, Any], int], None],
) -> Generator[simpy.Event, None, None]:
    """At each intervention's time, set its keys; one at or before the start applies at once."""
    for index, intervention in sorted(enumerate(timeline), key=lambda pair: pair[1].at):
        if intervention.at > env.now:
            yield env.timeout(intervention.at - env.now)
        apply(intervention.set, index)


def economy(
    env: simpy.Environment,
    conditions: Conditions,
    ledger: PracticeLedger,
    adoption: Callable[[], NDArray[np.float64]],
    step: float,
) -> Generator[simpy.Event, None, None]:
    """Every step: actuation widens what deployments capture; deployment moves drift.

    Both are held constant within a step, so data stocks stay exactly integrated.
    """
    while True:
        yield env.timeout(step)
        ledger.economy_step(env.now, adoption().sum(axis=0))
