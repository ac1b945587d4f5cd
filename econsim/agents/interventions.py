"""Interventions (DESIGN 2.7) and the economy's own clock, as SimPy processes."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from functools import partial

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.scenario.interventions import Intervention, Live, Undo
from econsim.state.ledger import PracticeLedger


def interventions(
    env: simpy.Environment,
    timeline: Sequence[Intervention],
    live: Live,
    applied: Callable[[int], None],
) -> Generator[simpy.Event, None, None]:
    """At each intervention's time, apply it (one at or before the start applies at once).

    A change that ends by itself is undone at its end; ``applied(index)`` is told of
    each change and each undoing, by the intervention's place in the timeline.
    """
    for index, intervention in sorted(enumerate(timeline), key=lambda pair: pair[1].at):
        if intervention.at > env.now:
            yield env.timeout(intervention.at - env.now)
        undo = intervention.apply(live, env.now)
        applied(index)
        until = intervention.ends()
        if until is not None:
            env.process(_undo_at(env, until, undo, live, partial(applied, index)))


def _undo_at(
    env: simpy.Environment, until: float, undo: Undo, live: Live, undone: Callable[[], None]
) -> Generator[simpy.Event, None, None]:
    yield env.timeout(max(until - env.now, 0.0))
    undo(live, env.now)
    undone()


def economy(
    env: simpy.Environment,
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
