"""The columns of ``timeseries.parquet``: each declared once, with its unit and meaning.

A column is registered where it is read from the run's state (``state/columns.py``,
the registry's home, loaded before any question about the columns); the engine's
report loop, the parquet files' units and the README's table of columns all come
from :data:`COLUMNS` (a test holds the README to it). The unit names below are
shared with the summary metrics and the event kinds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from econsim.scenario.registry import Registry

SHARE_OF_TASKS = "share of the vertical's tasks, 0-1"
SCORE = "benchmark score, 0-1"
GAP = "score minus capability, -1 to 1"
EPISODES = "episodes"
USD_A_YEAR = "USD a year"
FIRMS = "firms"
SHARE_OF_FIRMS = "share of the vertical's firms, 0-1"

Reader = Callable[[Any], Any]  # a run's state -> a (labs, verticals) or (labs, 1) array


@dataclass(frozen=True)
class Column:
    """One recorded quantity: its name, unit, meaning, and how a report reads it."""

    name: str
    unit: str
    meaning: str
    read: Reader


COLUMNS: Registry[Column] = Registry("column", home="econsim.state.columns")  # file order


def column(name: str, unit: str, meaning: str) -> Callable[[Reader], Reader]:
    """Register a reader as the column ``name``; columns are written in this order."""

    def add(read: Reader) -> Reader:
        COLUMNS.register(name)(Column(name, unit, meaning, read))
        return read

    return add
