"""Pre-flight limits: what a run (or a study) would cost, refused above a limit.

The estimates are cheap upper-leaning figures from the scenario alone, measured
on the baseline (benchmarks/README.md: 100k firms 265 MB, 1M firms 1.1 GB and
6.6M events; 100 firms reported daily for 200 years 0.9 GB), so that a typo like
``economy.firms = 50_000_000`` or a Sobol design of 10⁹ samples stops at once with
a message instead of exhausting the machine.
The defaults suit a laptop; ``--limit memory=64`` (GiB), ``--limit events=1e10``
or ``--limit runs=1e6`` raises one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from econsim.scenario.errors import ScenarioError
from econsim.scenario.scenario import Scenario

GIB = 2**30
BASE_BYTES = 200e6  # the interpreter, numpy, polars and the model's tables
FIRM_BYTES = 900.0  # a firm's state, timers and its share of the event log
TIE_BYTES = 48.0  # a supply tie while the graph is built (both directions, int64 keys)
ROW_BYTES = 500.0  # a (report, lab, vertical) row of the time series, while it is built


@dataclass(frozen=True)
class Limits:
    """What one command may use: memory in GiB (all workers), events a run, runs."""

    memory: float = 8.0
    events: float = 1e9
    runs: float = 10_000

    @classmethod
    def parse(cls, items: Iterable[str]) -> Limits:
        """``["memory=16", "runs=1e6"]`` over the defaults; ValueError names a bad item."""
        limits, names = cls(), [f.name for f in fields(cls)]
        for item in items:
            name, _, value = item.partition("=")
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if name not in names or not math.isfinite(number) or number <= 0:
                raise ValueError(
                    f"--limit {item}: expected NAME=NUMBER with NAME one of {', '.join(names)}"
                )
            limits = replace(limits, **{name: number})
        return limits


@dataclass(frozen=True)
class Estimate:
    """What one run of a scenario would cost."""

    memory: float  # bytes at the peak
    events: float


def estimate(scenario: Scenario) -> Estimate:
    """Memory and events of one run: firms, their supply ties and their deployments.

    Events are an upper bound (the baseline makes a fifth of it): a firm's events a
    year are at most a contract (renewal or switch) and a pilot every cooldown (at
    least a month); labs add releases, holders negotiation rounds, the clock its
    reports and steps. Memory grows with firms, ties and time-series rows.
    """
    firms, horizon = scenario.economy.firms, scenario.horizon
    ties = _ties(scenario)
    verticals = scenario.verticals.values()
    contract = min(v.contract_years for v in verticals)
    retry = max(min(v.cooldown + v.lead_time.median for v in verticals), 1 / 12)
    per_firm = 2 + horizon * (1 / contract + 1 / retry)
    labs = len(scenario.labs)
    releases = sum(horizon / lab.release_interval for lab in scenario.labs.values())
    rounds = labs * sum(horizon / h.round_interval for h in scenario.holders.values())
    ticks = horizon * (scenario.reports_per_year + scenario.steps_per_year)
    events = firms * per_firm + releases + rounds + ticks
    rows = horizon * scenario.reports_per_year * labs * len(scenario.verticals)
    return Estimate(BASE_BYTES + firms * FIRM_BYTES + ties * TIE_BYTES + rows * ROW_BYTES, events)


def _ties(scenario: Scenario) -> float:
    firms = scenario.economy.firms
    if scenario.graph.kind == "complete":  # mean-field: no ties are stored
        return 0.0
    if scenario.graph.edges is not None:
        return float(len(scenario.graph.edges.pairs))
    return firms * scenario.graph.mean_degree / 2


def check(scenarios: Iterable[Scenario], limits: Limits, runs: int = 1, workers: int = 1) -> None:
    """Refuse, naming the keys that size it, a run or study over ``limits``.

    ``workers`` runs of one scenario may be in memory at once.
    """
    problems = []
    if runs > limits.runs:
        problems.append(f"{runs:,} runs (limit {limits.runs:,.0f}); --limit runs={runs} allows it")
    for scenario in scenarios:
        problems += _too_big(scenario, estimate(scenario), limits, min(workers, runs))
    if problems:
        raise ScenarioError("too big to start", problems)


def _too_big(scenario: Scenario, cost: Estimate, limits: Limits, workers: int) -> list[str]:
    problems = []
    memory = cost.memory * workers
    if memory > limits.memory * GIB:
        problems.append(
            f"economy.firms = {scenario.economy.firms:,}, graph.mean_degree = "
            f"{scenario.graph.mean_degree:g}: about {memory / GIB:.1f} GiB on {workers} "
            f"worker(s) (limit {limits.memory:g}); --limit memory={math.ceil(memory / GIB)} "
            f"allows it"
        )
    if cost.events > limits.events:
        problems.append(
            f"economy.firms, horizon and the intervals: about {cost.events:.2g} events a run "
            f"(limit {limits.events:.2g}); --limit events={cost.events:.2g} allows it"
        )
    return [f"scenario {scenario.name!r}: {p}" for p in problems]
