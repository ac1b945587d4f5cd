"""Conditions: the scenario as it stands now, while a run is going.

Built from the scenario; an intervention replaces the scenario mid-run and the live
parameter tables are updated in place, so every agent that reads them sees the
change from that moment (DESIGN 2.7).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.model.tasks import task_mix
from econsim.scenario import Scenario

FloatArray = NDArray[np.float64]


class ParameterTable:
    """Live numeric parameters of named entities (verticals, labs), one array per key.

    Nested keys are joined with ``_`` (``lead_time.median`` is ``lead_time_median``);
    an unset optional limit (``None``) is stored as ``inf``.
    """

    def __init__(self, entries: Mapping[str, Any]) -> None:
        self.names = list(entries)
        self._columns: dict[str, FloatArray] = {}
        self.update(entries)

    def update(self, entries: Mapping[str, Any]) -> None:
        """Take new values for every entity, in place (arrays keep their identity)."""
        rows = [_flatten(entry.model_dump()) for entry in entries.values()]
        for key in [k for k in rows[0] if all(k in row for row in rows[1:])] if rows else ():
            values = [row[key] for row in rows]
            if all(_is_number(v) or v is None for v in values):
                column = np.array([math.inf if v is None else v for v in values], dtype=float)
                if key in self._columns:
                    self._columns[key][:] = column
                else:
                    self._columns[key] = column

    def __getattr__(self, key: str) -> FloatArray:
        try:
            return self.__dict__["_columns"][key]  # type: ignore[no-any-return]
        except KeyError:
            raise AttributeError(key) from None

    def keys(self) -> list[str]:
        """The numeric parameters held."""
        return list(self._columns)


class Conditions:
    """The live scenario, its parameter tables, and the verticals' task mixes.

    The task mixes shape the world, so they are built once (interventions cannot
    change the number or popularity of task types).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.verticals = ParameterTable(scenario.verticals)
        self.labs = ParameterTable(scenario.labs)
        entries = scenario.verticals.values()
        self.tasks = task_mix([v.task_types for v in entries], [v.task_tail for v in entries])

    def replace(self, scenario: Scenario) -> None:
        """Take a changed scenario (same verticals and labs) from now on."""
        self.scenario = scenario
        self.verticals.update(scenario.verticals)
        self.labs.update(scenario.labs)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _flatten(entry: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}_"))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
