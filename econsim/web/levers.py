"""The controls of the what-if page: scenario keys, their bounds and how to slide them.

Bounds come from the scenario schema; where the schema sets no upper bound, the
page offers a multiple of the scenario's own value and says so. A value outside a
lever's bounds is refused with a message naming the key.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from econsim.scenario import Scenario
from econsim.scenario.keys import expand_key, key_bounds, value_at
from econsim.scenario.registry import HOLDER_POLICIES

HEADROOM = 10.0  # no upper bound in the schema: up to this many times the scenario's value


@dataclass(frozen=True)
class Lever:
    """One control: a key (``*``: every vertical or lab), its range and its value now."""

    key: str
    label: str
    group: str  # "policy" or "uncertainty"
    low: float
    high: float
    value: float | str
    log: bool = False  # a slider in orders of magnitude
    choices: tuple[str, ...] = ()  # a selector instead of a slider
    note: str = ""

    def check(self, value: Any) -> float | str:
        """The value if the lever allows it, else ValueError naming the key and range."""
        if self.choices:
            if value not in self.choices:
                raise ValueError(f"{self.key}: {value!r} is not one of {', '.join(self.choices)}")
            return str(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{self.key}: {value!r} is not a number")
        number = float(value)
        if not (math.isfinite(number) and self.low <= number <= self.high):
            raise ValueError(f"{self.key}: {number:g} is outside {self.low:g}-{self.high:g}")
        return number

    def to_json(self) -> dict[str, Any]:
        """The lever as the page's script reads it."""
        return asdict(self)


# key, label, group, log scale, vertical-level (None: scenario-wide)
LEVERS = (
    ("verticals.{v}.consent", "consent to train on customers' data", "policy", False),
    ("verticals.{v}.lead_time.median", "pilot lead time, years (median)", "policy", False),
    ("verticals.{v}.p", "adoption push (Bass p): subsidies", "policy", True),
    ("verticals.{v}.eval_validity", "eval validity: better evals", "policy", False),
    ("capability.generalization", "transfer between verticals", "uncertainty", True),
    ("labs.*.research.ceiling", "sample-efficiency ceiling", "uncertainty", True),
)


def levers_for(scenario: Scenario, vertical: str) -> list[Lever]:
    """The page's controls for a scenario, vertical-level ones for ``vertical``."""
    raw = scenario.model_dump(mode="json")
    levers = []
    for template, label, group, log in LEVERS:
        key = template.format(v=vertical)
        value = float(value_at(raw, expand_key(raw, key)[0]))
        low, high, strict = key_bounds(key)
        note = ""
        if high is None:
            high, note = max(value, 1e-12) * HEADROOM, f"up to {HEADROOM:g}x the scenario's value"
        low = low if low is not None else 0.0
        if log or strict:  # no zero on a log slider: three orders of magnitude below
            low = max(low, min(value, high) / 1e3, 1e-12)
        levers.append(Lever(key, label, group, low, high, value, log, note=note))
    for name, holder in scenario.holders.items():
        levers.append(
            Lever(
                f"holders.{name}.policy",
                f"{name}'s data policy ({holder.vertical})",
                "policy",
                0.0,
                0.0,
                holder.policy,
                choices=tuple(HOLDER_POLICIES.names),
            )
        )
    return levers
