"""One run: build the world, start the processes, step SimPy to each report time.

The engine knows nothing of files, click or plots: it takes a scenario and a seed and
returns :class:`~econsim.results.Results` with polars frames.
"""

from __future__ import annotations

import gc
import math
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import numpy as np
import simpy
from numpy.typing import NDArray

from econsim.agents.calendar import FirmClock
from econsim.agents.holders import DataHolder, HolderTerms
from econsim.agents.interventions import economy, interventions
from econsim.agents.lab import LabAgent, LabTerms
from econsim.agents.market import Market, MarketTerms
from econsim.build import commit, engine_build, version
from econsim.results import Results, metrics
from econsim.scenario import Scenario
from econsim.state.events import Event
from econsim.state.ledger import LedgerTerms, PracticeLedger
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
        # each agent is made with its view of the scenario and follows it, in this order:
        # the ledger first, so that it integrates under the old rates before the rest
        live = self.live = LiveScenario(scenario)
        start, labs = scenario.start, len(scenario.labs)
        self.ledger = live.follow(LedgerTerms.read, partial(PracticeLedger, labs=labs, start=start))
        self.labs = [
            live.follow(
                partial(LabTerms.read, name=name),
                partial(
                    LabAgent, index=i, name=name, ledger=self.ledger, tasks=live.tasks, start=start
                ),
            )
            for i, name in enumerate(scenario.labs)
        ]
        self.market = live.follow(
            MarketTerms.read,
            partial(
                Market,
                env=self.env,
                world=self.world,
                labs=self.labs,
                ledger=self.ledger,
                log=self.log,
                streams=streams,
            ),
        )
        self.holders = [
            live.follow(
                partial(HolderTerms.read, name=name),
                partial(DataHolder, labs=self.labs, ledger=self.ledger, log=self.log, start=start),
            )
            for name in scenario.holders
        ]
        steps = round(scenario.horizon * scenario.reports_per_year)
        self.report_times = scenario.start + np.arange(steps + 1) / scenario.reports_per_year
        self.series = TimeSeries(self.report_times, len(self.labs), len(scenario.verticals))
        self._started = False
        self.build_seconds = time.perf_counter() - clock

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
        for lab in self.labs:
            lab.begin(env.now)
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
        manifest = {
            "scenario": scenario.model_dump(mode="json"),
            "seed": self.seed,
            "version": version(),
            "commit": commit(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "firms": dict(zip(verticals, self.world.firm_counts().tolist(), strict=True)),
            "events": len(self.log),
            "timings": {
                "build_seconds": round(self.build_seconds, 3),
                "run_seconds": round(run_seconds, 3),
                "events_per_second": round(len(self.log) / max(run_seconds, 1e-9)),
            },
            "platform": {
                "python": platform.python_version(),
                "engine": engine_build(),
                "numpy": np.__version__,
                "simpy": simpy.__version__,
            },
        }
        return Results(scenario, self.seed, timeseries, events, summary, manifest)


def simulate(
    scenario: Scenario, seed: int | None = None, progress: Progress | None = None
) -> Results:
    """Run a scenario once and return its results in memory (nothing touches disk)."""
    return Simulation(scenario, seed).run(progress)
