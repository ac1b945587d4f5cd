"""One run: build the world, start the processes, step SimPy to each report time.

The engine knows nothing of files, click or plots: it takes a scenario and a seed and
returns :class:`~econsim.results.Results` with polars frames.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from functools import partial

import numpy as np
from numpy.typing import NDArray

from econsim.agents.calendar import FirmClock
from econsim.agents.holders import DataHolder, HolderTerms
from econsim.agents.interventions import economy, interventions
from econsim.agents.lab import LabAgent, LabTerms
from econsim.agents.market import Market, MarketTerms
from econsim.results import Results, metrics
from econsim.results.events import Event
from econsim.results.manifest import manifest
from econsim.scenario import Scenario
from econsim.state.ledger import LedgerTerms, PracticeLedger
from econsim.state.orders import ComputeOrders
from econsim.state.parameters import LiveScenario
from econsim.state.recorder import EventLog, TimeSeries
from econsim.world.firms import build_world
from econsim.world.streams import Streams

Progress = Callable[[float], None]


class Simulation:
    """A scenario's world and agents, ready to run once."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        clock = time.perf_counter()
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        streams = Streams(self.seed)
        self.world = build_world(scenario, streams)
        self.env = FirmClock(scenario.start, scenario.end, 1.0 / scenario.steps_per_year)
        self.log = EventLog()
        self.live = LiveScenario(scenario)
        self._make_agents(streams)
        steps = round(scenario.horizon * scenario.reports_per_year)
        self.report_times = scenario.start + np.arange(steps + 1) / scenario.reports_per_year
        self.series = TimeSeries(self.report_times, len(self.labs), len(scenario.verticals))
        self._started = False
        self.build_seconds = time.perf_counter() - clock

    def _make_agents(self, streams: Streams) -> None:
        """Each agent, made with its view of the scenario, which it then follows.

        Order matters when an intervention retunes them: the ledger first, so that it
        integrates under the old rates before anything else reads the new ones.
        """
        live, start = self.live, self.scenario.start
        self.ledger = live.follow(
            LedgerTerms.read, lambda terms: PracticeLedger(terms, len(self.scenario.labs), start)
        )
        orders = ComputeOrders([lab.finance.funding for lab in self.scenario.labs.values()])
        self.labs = [
            live.follow(
                partial(LabTerms.read, name=name),
                partial(
                    LabAgent,
                    index=i,
                    name=name,
                    ledger=self.ledger,
                    orders=orders,
                    tasks=live.tasks,
                    start=start,
                ),
            )
            for i, name in enumerate(self.scenario.labs)
        ]
        self.market = live.follow(
            MarketTerms.read,
            lambda terms: Market(
                terms, self.env, self.world, self.labs, self.ledger, self.log, streams
            ),
        )
        self.holders = [
            live.follow(
                partial(HolderTerms.read, name=name),
                lambda terms: DataHolder(terms, self.labs, self.ledger, self.log, start),
            )
            for name in self.scenario.holders
        ]

    def run(self, progress: Progress | None = None) -> Results:
        """Simulate to the horizon; ``progress(now)`` is called at every report."""
        clock = time.perf_counter()
        self.start()
        # Events make no reference cycles, so the cyclic collector only rescans the
        # live heap of pending timers, again and again: pause it for the run.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for index, when in enumerate(self.report_times.tolist()):
                # SimPy stops *before* events at `until`: a report at t includes them.
                self.env.run(until=math.nextafter(when, math.inf))
                self._report(index, when)
                if progress is not None:
                    progress(when)
        finally:
            if collecting:
                gc.enable()
        return self._results(time.perf_counter() - clock)

    def start(self) -> None:
        """Start the run (once): labs assess their first models, every process begins."""
        if self._started:
            return
        self._started = True
        env, step = self.env, 1.0 / self.scenario.steps_per_year
        reference = max((lab.training_compute() for lab in self.labs), default=0.0)
        for lab in self.labs:
            lab.begin(env.now, reference)
        for lab in self.labs:
            self.ledger.set_deployer(lab.index, env.now, lab.deployer_flags())
            self.log.add(env.now, Event.RELEASE, lab.index, -1, value=float(lab.model.real.mean()))
            env.process(lab.training(env, self._released))
            env.process(
                lab.operations(env, step, self.market.adoption, self._offers_changed, self._learned)
            )
        self.market.update_gates()
        self.market.seed_adoption()
        for holder in self.holders:
            env.process(holder.process(env))
        env.process(economy(env, self.ledger, self.market.adoption, step))
        env.process(interventions(env, self.scenario.interventions, self.live, self._intervened))

    # ------------------------------------------------------------ callbacks

    def _released(self, lab: LabAgent) -> None:
        self.ledger.set_capability(lab.index, self.env.now, lab.model.real)
        self.log.add(self.env.now, Event.RELEASE, lab.index, -1, value=float(lab.model.real.mean()))
        self.market.on_release(lab)

    def _learned(self, lab: LabAgent) -> None:
        self.ledger.set_capability(lab.index, self.env.now, lab.model.real)
        self.market.on_learned(lab)

    def _offers_changed(self, lab: LabAgent) -> None:
        self.log.add(self.env.now, Event.CAMPAIGN, lab.index, lab.strategy.campaign)
        self.market.update_gates()

    def _intervened(self, index: int) -> None:
        """An intervention changed the scenario (or its change ended)."""
        self.log.add(self.env.now, Event.INTERVENTION, -1, -1, value=index)

    # ------------------------------------------------------------ recording

    @property
    def output_value(self) -> NDArray[np.float64]:
        """Each vertical's yearly output now, USD (what the recorded columns read)."""
        return self.ledger.terms.output_value

    def _report(self, index: int, now: float) -> None:
        self.ledger.advance_all(now)
        self.series.record(index, self)

    def _results(self, run_seconds: float) -> Results:
        scenario = self.scenario
        labs, verticals = scenario.lab_names, scenario.vertical_names
        timeseries = self.series.frame(labs, verticals)
        events = self.log.frame(labs, verticals)
        summary = metrics.summarize(timeseries, scenario.capability.expert_threshold)
        firms = dict(zip(verticals, self.world.firm_counts().tolist(), strict=True))
        made = manifest(scenario, self.seed, firms, len(self.log), self.build_seconds, run_seconds)
        return Results(scenario, self.seed, timeseries, events, summary, made)


def simulate(
    scenario: Scenario, seed: int | None = None, progress: Progress | None = None
) -> Results:
    """Run a scenario once and return its results in memory (nothing touches disk)."""
    return Simulation(scenario, seed).run(progress)
