"""Conditions: the scenario as it stands now, while a run is going.

Built from the scenario; an intervention replaces the scenario mid-run and the live
parameter table is updated in place, so every agent that reads it sees the change
from that moment (DESIGN 2.7). Agents that keep copies of parameters for speed
subscribe with the keys they copy, and are refreshed when one of them changes: the
engine wires no refresh by hand.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, get_type_hints

import numpy as np
from numpy.typing import NDArray

from econsim.model.tasks import task_mix
from econsim.scenario import Scenario, Vertical

FloatArray = NDArray[np.float64]


class VerticalTable:
    """The verticals' live numeric parameters, one array over verticals per key.

    Nested keys are joined with ``_`` (``lead_time.median`` is ``lead_time_median``).
    Arrays keep their identity when an intervention changes a value.
    """

    firm_share: FloatArray
    tokenizability: FloatArray
    corpus_practice: FloatArray
    corpus_descriptive: FloatArray
    task_types: FloatArray
    task_tail: FloatArray
    type_data_scale: FloatArray
    learning_slope: FloatArray
    simulability: FloatArray
    market_coupling: FloatArray
    eval_validity: FloatArray
    graded_half: FloatArray
    drift: FloatArray
    p: FloatArray
    q: FloatArray
    threshold_mean: FloatArray
    threshold_sd: FloatArray
    lead_time_median: FloatArray
    lead_time_sigma: FloatArray
    pilot_success: FloatArray
    pilot_data: FloatArray
    contract_years: FloatArray
    cooldown: FloatArray
    churn: FloatArray
    consent: FloatArray
    initial_adoption: FloatArray
    volume: FloatArray
    output_value: FloatArray

    KEYS: ClassVar[tuple[str, ...]]

    def __init__(self, verticals: Mapping[str, Vertical]) -> None:
        self.names = list(verticals)
        for key in self.KEYS:
            setattr(self, key, np.zeros(len(self.names)))
        self.update(verticals)

    def update(self, verticals: Mapping[str, Vertical]) -> None:
        """Take new values for every vertical, in place."""
        rows = [numeric_fields(entry) for entry in verticals.values()]
        for key in self.KEYS:
            getattr(self, key)[:] = [row[key] for row in rows]


VerticalTable.KEYS = tuple(
    key for key, hint in get_type_hints(VerticalTable).items() if key not in ("KEYS", "names")
)


def numeric_fields(entry: Vertical) -> dict[str, float]:
    """A vertical's numbers by flat key (``lead_time_median``)."""
    flat = _flatten(entry.model_dump())
    return {k: math.inf if v is None else float(v) for k, v in flat.items() if _is_number(v)}


class Refreshable(Protocol):
    """Keeps copies of parameters: names the keys it copies, is told when one changes.

    ``caches`` holds scenario key patterns (``verticals.*.p``; a table such as
    ``market`` stands for every key below it).
    """

    @property
    def caches(self) -> tuple[str, ...]:
        """The scenario key patterns whose values it keeps copies of."""

    def refresh(self, now: float) -> None:
        """Copy the parameters again; stocks must first be brought up to ``now``."""


class Conditions:
    """The live scenario, its parameter table, and the verticals' task mixes.

    The task mixes shape the world, so they are built once (interventions cannot
    change the number or popularity of task types).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.verticals = VerticalTable(scenario.verticals)
        entries = scenario.verticals.values()
        self.tasks = task_mix([v.task_types for v in entries], [v.task_tail for v in entries])
        self._subscribers: list[Refreshable] = []

    def subscribe(self, subscriber: Refreshable) -> None:
        """Refresh ``subscriber`` whenever a key it caches changes (in subscription order)."""
        self._subscribers.append(subscriber)

    def replace(self, scenario: Scenario, now: float) -> None:
        """Take a changed scenario (same verticals and labs) from ``now`` on."""
        changed = changed_keys(self.scenario, scenario)
        self.scenario = scenario
        self.verticals.update(scenario.verticals)
        for subscriber in self._subscribers:
            if any(_matches(key, pattern) for key in changed for pattern in subscriber.caches):
                subscriber.refresh(now)


def flat_values(scenario: Scenario) -> dict[str, Any]:
    """Every value of a scenario by its dotted key (``verticals.legal.lead_time.median``)."""
    return _flatten(scenario.model_dump(), sep=".")


def changed_keys(old: Scenario, new: Scenario) -> list[str]:
    """Dotted keys whose values differ between two scenarios."""
    a, b = flat_values(old), flat_values(new)
    return [key for key in a.keys() | b.keys() if a.get(key) != b.get(key)]


def _matches(key: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(key, pattern) or fnmatch.fnmatchcase(key, pattern + ".*")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _flatten(entry: Mapping[str, Any], prefix: str = "", sep: str = "_") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}{sep}", sep))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
