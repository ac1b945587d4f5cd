"""The arms of a comparison as the command line gives them, turned into scenarios.

Either several scenarios, each an arm named by its scenario, or one scenario (the
default one when none is named) and arms of it as text, ``NAME:KEY=VALUE,...``
(``NAME:`` for the scenario as it is). The first arm is the baseline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from econsim.experiments.study import StudyError
from econsim.scenario import (
    DEFAULT_SCENARIO,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_assignments,
)

# An arm's assignments split at the commas that start a new KEY=, so that TOML values
# may hold commas: --arm 'a:verticals.legal.p=0.05,labs.lab.verticals=["legal", "finance"]'
ARM_ITEM = re.compile(r",(?=\s*[\w*.-]+\s*=)")


@dataclass(frozen=True)
class Arm:
    """An arm's scenario, and the keys the command line set in it (--set, then the arm's).

    A posterior's draw is applied to the scenario and ``settings`` again after it, so
    that what the user set wins.
    """

    scenario: Scenario
    settings: dict[str, Any]


def comparison_arms(
    scenarios: Sequence[str], arms: Sequence[str], assignments: Sequence[str]
) -> dict[str, Arm]:
    """Each arm by its name, every one with the ``assignments`` applied.

    Raises:
        StudyError: the arms cannot be compared (fewer than two, a name twice, both
            several scenarios and ``arms``, an arm that is not ``NAME:KEY=VALUE,...``).
        ScenarioError: a scenario that does not load.
    """
    if arms and len(scenarios) > 1:
        raise StudyError("give several scenarios or one scenario with --arm, not both")
    settings = parse_assignments(assignments)
    if not arms:
        return _scenario_arms(scenarios, assignments, settings)
    base = load_scenario(scenarios[0] if scenarios else DEFAULT_SCENARIO, assignments)
    result: dict[str, Arm] = {}
    for arm in arms:
        name, sep, spec = arm.partition(":")
        if not sep or not name:
            raise StudyError(f"--arm {arm!r}: expected NAME:KEY=VALUE,... (or NAME: for none)")
        if name in result:
            raise StudyError(f"--arm {name}: two arms have this name; give each its own")
        result[name] = _overridden(base, name, spec, settings)
    if len(result) < 2:
        raise StudyError("compare needs two arms: --arm twice, with different names")
    return result


def _scenario_arms(
    scenarios: Sequence[str], assignments: Sequence[str], settings: dict[str, Any]
) -> dict[str, Arm]:
    """One arm per scenario, named by the scenario."""
    if len(scenarios) < 2:
        raise StudyError("compare needs two arms: two scenarios, or --arm twice")
    bases: dict[str, Arm] = {}
    for source in scenarios:
        scenario = load_scenario(source, assignments)
        if scenario.name in bases:
            raise StudyError(f"{source}: two arms are named {scenario.name!r}")
        bases[scenario.name] = Arm(scenario, settings)
    return bases


def _overridden(base: Scenario, name: str, spec: str, settings: dict[str, Any]) -> Arm:
    """The base scenario with an arm's ``KEY=VALUE,...`` overrides."""
    items = [item for item in ARM_ITEM.split(spec) if item.strip()]
    try:
        own = parse_assignments(items, source=f"--arm {name}")
        return Arm(base.override(own), {**settings, **own})
    except ScenarioError as error:
        raise StudyError(f"--arm {name}: {error}") from None
