"""One run: build the world, start the processes, step SimPy to each report time.

The engine knows nothing of files, click or plots: it takes a scenario and a seed and
returns :class:`~econsim.results.Results` with polars frames.
"""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import simpy

from econsim import metrics
from econsim.agents.lab import LabAgent
from econsim.agents.market import Market
from econsim.ledger import PracticeLedger
from econsim.record import Event, EventLog, TimeSeries
from econsim.results import Results
from econsim.scenario import Scenario
from econsim.streams import Streams
from econsim.world import build_world

Progress = Callable[[float], None]


def version() -> str:
    """The installed econsim version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("econsim")
    except PackageNotFoundError:
        return "0+unknown"


class Simulation:
    """A scenario's world and agents, ready to run once."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        clock = time.perf_counter()
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        streams = Streams(self.seed)
        self.world = build_world(scenario, streams)
        self.env = simpy.Environment(initial_time=scenario.start)
        labs, verticals = scenario.labs, self.world.verticals
        synthetic = np.array([[lab.synthetic_rate] * len(verticals.names) for lab in labs.values()])
        self.ledger = PracticeLedger(
            len(labs), verticals, scenario.start, scenario.capability.actuation, synthetic
        )
        self.labs = [
            LabAgent(i, name, spec, verticals, scenario.capability, self.ledger, scenario.start)
            for i, (name, spec) in enumerate(labs.items())
        ]
        self.log = EventLog()
        self.market = Market(
            self.env,
            self.world,
            self.labs,
            self.ledger,
            self.log,
            streams,
            scenario.market,
            scenario.economy.size_elasticity,
        )
        steps = round(scenario.horizon * scenario.reports_per_year)
        self.report_times = scenario.start + np.arange(steps + 1) / scenario.reports_per_year
        self.series = TimeSeries(self.report_times, len(self.labs), len(verticals.names))
        self.build_seconds = time.perf_counter() - clock

    def run(self, progress: Progress | None = None) -> Results:
        """Simulate to the horizon; ``progress(now)`` is called at every report."""
        clock = time.perf_counter()
        self.market.start()
        for lab in self.labs:
            self.log.add(
                self.env.now, Event.RELEASE, lab.index, -1, value=float(lab.model.real.mean())
            )
            self.env.process(lab.process(self.env, self.market.on_release))
        for index, when in enumerate(self.report_times.tolist()):
            # SimPy stops *before* events at `until`; a report at t includes events at t.
            self.env.run(until=math.nextafter(when, math.inf))
            self._report(index, when)
            if progress is not None:
                progress(when)
        return self._results(time.perf_counter() - clock)

    def _report(self, index: int, now: float) -> None:
        self.ledger.advance_all(now)
        models = [lab.model for lab in self.labs]
        real = np.array([m.real for m in models])
        proxy = np.array([m.proxy for m in models])
        counts = self.world.firm_counts()
        self.series.store(
            index,
            {
                "capability": real,
                "talk": np.array([m.talk for m in models]),
                "proxy": proxy,
                "gap": proxy - real,
                "practice_data": self.ledger.real,
                "synthetic_data": self.ledger.synthetic,
                "data_received": self.ledger.received,
                "sample_efficiency": np.array([[lab.efficiency] for lab in self.labs])
                * np.ones_like(real),
                "piloting": self.market.piloting,
                "deployed": self.market.deployed,
                "churned": self.market.churned,
                "adoption": self.market.deployed / np.maximum(counts, 1),
            },
        )

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
