"""The fitted parameters of the baseline, what each is fitted to, and the fit itself.

Eight values are fitted, each to its own observations before 2025
(``observations.py``): the data per task type to the software capability
series (one observation); software's benchmark validity to the 2024 software gap (one);
the firms' median integration friction (with a prior), the size elasticity of
adoption and Bass p for four groups of verticals (with the literature's prior) to the
US and EU adoption levels and the early-2024 sector readings (seven). The research
productivity ``a0`` is set from Ho et al. 2024 (checked in ``tests/model/test_research.py``).
Everything else is a sourced value or a labelled assumption (``docs/calibration.md``).

The practice and descriptive corpora are not fitted: they follow from each
vertical's assumed capability and talk at the start (:data:`START`) and the data
per task type, so they are derived again whenever that changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from econsim.engine import Simulation
from econsim.experiments.calibration.horizons import horizon_capability
from econsim.experiments.calibration.measures import compare, scaled
from econsim.experiments.calibration.observations import OBSERVATIONS, Observation
from econsim.extras import require
from econsim.model.tasks import capability, task_mix
from econsim.scenario import Scenario, ScenarioError, Vertical, load_scenario

# Real capability and talk at the start (mid-2022), at sample efficiency 1. Software:
# the frontier's model then was GPT-4 (trained by August 2022, released in March 2023:
# a METR horizon of 4 minutes), mapped like the observations. The others keep the
# ratios to software of the earlier calibration [assumption]; talk, the share of a
# vertical's tasks that text about it lets a model discuss, 0.58-0.76 [assumption].
SOFTWARE_START = horizon_capability(3.99)
START = {
    "software": (1.0, 0.76),
    "ai_research": (0.83, 0.76),
    "finance": (0.46, 0.715),
    "legal": (0.36, 0.715),
    "healthcare": (0.17, 0.69),
    "education": (0.36, 0.715),
    "manufacturing": (0.025, 0.58),
    "logistics": (0.05, 0.59),
    "defense": (0.083, 0.595),
    "management": (0.36, 0.69),
}  # (capability relative to software's, talk)


@dataclass(frozen=True)
class Fitted:
    """Scenario keys fitted as one value, its search range, and a prior if it has one.

    A prior ``(median, factor)`` adds ``(ln(x / median) / ln(factor))²`` to the misfit:
    Bass p stays near the literature's 0.03 unless the observations insist. A
    ``relative`` value is that of the first vertical (``verticals.*.key``): the others
    keep their ratios to it, so the fit scales them all by one factor.
    """

    keys: tuple[str, ...]
    serves: str
    low: float
    high: float
    log: bool
    prior: tuple[float, float] | None = None
    relative: bool = False

    def at(self, unit: float) -> float:
        """The value at ``unit`` in [0, 1] of the search range."""
        if self.log:
            return math.exp(math.log(self.low) + unit * math.log(self.high / self.low))
        return self.low + unit * (self.high - self.low)

    def unit(self, value: float) -> float:
        """Where ``value`` lies in the search range, in [0, 1]."""
        if self.log:
            return math.log(value / self.low) / math.log(self.high / self.low)
        return (value - self.low) / (self.high - self.low)


BASS_P = (0.03, 2.0)  # Sultan, Farley & Lehmann 1990: mean 0.03; Orbach 2016: 0.01-0.03
FRICTION = (3.0, 3.0)  # complements cost several times the technology (Brynjolfsson et al. 2021)
FITTED = (
    Fitted(("verticals.*.type_data_scale",), "capability", 1e5, 1e11, True, relative=True),
    Fitted(("verticals.software.eval_validity",), "gap", 0.05, 0.95, False),
    Fitted(("verticals.*.integration.friction",), "adoption", 0.3, 30.0, True, FRICTION),
    Fitted(("economy.size_elasticity",), "adoption", 0.0, 1.0, False),
    Fitted(("verticals.software.p", "verticals.ai_research.p"), "adoption", 0.002, 0.3, True,
           BASS_P),
    Fitted(("verticals.finance.p", "verticals.legal.p"), "adoption", 0.002, 0.3, True, BASS_P),
    Fitted(("verticals.manufacturing.p", "verticals.logistics.p"), "adoption", 0.002, 0.3, True,
           BASS_P),
    Fitted(tuple(f"verticals.{v}.p" for v in ("healthcare", "education", "defense", "management")),
           "adoption", 0.002, 0.3, True, BASS_P),
)  # fmt: skip
FIT_FIRMS, FIT_YEARS = 20_000, 4.0
INFEASIBLE = 1e6


def start_capability(name: str) -> tuple[float, float]:
    """(real capability, talk) a vertical starts from."""
    relative, talk = START[name]
    return relative * SOFTWARE_START, talk


def corpus_for(vertical: Vertical, target: float) -> float:
    """Episodes a corpus needs for ``target`` capability at sample efficiency 1."""
    require("scipy", "the calibration")
    from scipy.optimize import brentq

    mix = task_mix(vertical.task_types, vertical.task_tail)

    def gap(log_episodes: float) -> float:
        level = capability(
            mix, math.exp(log_episodes), 1.0, vertical.type_data_scale, vertical.learning_slope
        )
        return float(level[0]) - target

    return math.exp(brentq(gap, -20.0, 80.0, xtol=1e-10))


def corpora(scenario: Scenario) -> dict[str, float]:
    """``--set`` overrides giving each known vertical its start capability and talk."""
    overrides = {}
    for name, vertical in scenario.verticals.items():
        if name in START:
            doing, talk = start_capability(name)
            overrides[f"verticals.{name}.corpus_practice"] = corpus_for(vertical, doing)
            overrides[f"verticals.{name}.corpus_descriptive"] = corpus_for(vertical, talk)
    return overrides


def with_values(
    name: str, values: Mapping[str, float], firms: int = FIT_FIRMS, years: float = FIT_YEARS
) -> Scenario:
    """The scenario with fitted values set and its corpora derived again.

    ``values`` maps the first key of each fitted value, or any other scenario key, to
    the value.
    """
    scenario = load_scenario(name, {"economy.firms": firms, "horizon": years})
    return scenario.override(fitted_overrides(scenario, values))


def fitted_overrides(scenario: Scenario, values: Mapping[str, float]) -> dict[str, float]:
    """Overrides that give ``scenario`` the fitted ``values``, with its corpora derived again.

    The corpora follow from the data per task type (module docstring), so a set of
    values is only whole with them: a posterior's draw is applied this way.
    """
    keys = settings(scenario, values)
    return {**keys, **corpora(scenario.override(keys))}


def settings(scenario: Scenario | str, values: Mapping[str, float]) -> dict[str, float]:
    """The scenario keys that ``values`` set (a relative value, in every vertical).

    ``values`` maps the first key of each fitted value to the value; any other key is
    a scenario key set as it is.
    """
    scenario = load_scenario(scenario) if isinstance(scenario, str) else scenario
    held = current(scenario)
    fitted_keys = {fitted.keys[0] for fitted in FITTED}
    out = {key: value for key, value in values.items() if key not in fitted_keys}
    for fitted in FITTED:
        value = values.get(fitted.keys[0])
        if value is None:
            continue
        if fitted.relative:
            out.update(_scaled(scenario, fitted.keys, value / held[fitted.keys[0]]))
        else:
            out.update(dict.fromkeys(fitted.keys, value))
    return out


def _scaled(scenario: Scenario, keys: Sequence[str], factor: float) -> dict[str, float]:
    """Every vertical's value of each ``verticals.*.key``, times ``factor``."""
    out = {}
    for key in keys:
        leaf = key.removeprefix("verticals.*.")
        for vertical, spec in scenario.verticals.items():
            out[f"verticals.{vertical}.{leaf}"] = getattr(spec, leaf) * factor
    return out


def misfit(
    name: str,
    values: Mapping[str, float],
    seeds: Sequence[int],
    kind: str,
    observations: Sequence[Observation] = OBSERVATIONS,
    firms: int = FIT_FIRMS,
) -> float:
    """Sum of squared residuals over the fit rows of one kind, in half-intervals.

    Each row's simulated value is the mean over ``seeds`` (firm sizes are heavy-tailed,
    so one draw of the largest adopters moves a vertical's data). Shares and
    capabilities are compared on the logit scale, ratios on the log scale. Fitted
    values with a prior add its penalty. Held-out rows never enter it.
    """
    scenario = with_values(name, values, firms)
    tables = []
    for seed in seeds:
        simulation = Simulation(scenario, seed)
        tables.append(compare(simulation, simulation.run(), observations))
    simulated = np.mean([table["simulated"].to_numpy() for table in tables], axis=0)
    table = tables[0].with_columns(simulated=simulated)
    total = 0.0
    for row in table.filter((table["role"] == "fit") & (table["kind"] == kind)).iter_rows(
        named=True
    ):
        half = (scaled(kind, row["high"]) - scaled(kind, row["low"])) / 2
        total += ((scaled(kind, row["simulated"]) - scaled(kind, row["observed"])) / half) ** 2
    for fitted in FITTED:
        if fitted.prior is not None and fitted.serves == kind:
            median, factor = fitted.prior
            total += (math.log(values[fitted.keys[0]] / median) / math.log(factor)) ** 2
    return total


def current(scenario: Scenario | str = "baseline") -> dict[str, float]:
    """The fitted values as the scenario holds them now."""
    held = load_scenario(scenario) if isinstance(scenario, str) else scenario
    raw = held.model_dump()
    out = {}
    for fitted in FITTED:
        node: Any = raw
        parts = fitted.keys[0].split(".")
        for part in parts:
            node = next(iter(node.values())) if part == "*" else node[part]
        out[fitted.keys[0]] = float(node)
    return out


def fit(
    name: str = "baseline",
    seeds: Sequence[int] = (1, 2, 3),
    rounds: int = 2,
    evals: int = 150,
    kinds: Sequence[str] = ("adoption", "capability", "gap"),
) -> dict[str, float]:
    """Fit each kind's values to that kind's observations, in turn, ``rounds`` times.

    The data per task type serves the software capability series, software's benchmark
    validity the software gap, and the adoption values the adoption levels; they
    interact only weakly, so fitting them in turn converges in a couple of rounds.
    Each stage is Nelder-Mead over the unit interval of each value's search range,
    starting from the scenario's values. ``kinds`` fits only those kinds' values.
    """
    require("scipy", "the calibration")
    from scipy.optimize import minimize

    values = current(name)
    for _ in range(rounds):
        for kind in kinds:
            group = [f for f in FITTED if f.serves == kind]

            def trial(x: np.ndarray, group: list[Fitted] = group, kind: str = kind) -> float:
                tried = dict(values)
                for f, u in zip(group, np.clip(x, 0.0, 1.0), strict=True):
                    tried[f.keys[0]] = f.at(float(u))
                try:
                    return misfit(name, tried, seeds, kind)
                except ScenarioError:  # a value the scenario refuses
                    return INFEASIBLE

            start = np.array([np.clip(f.unit(values[f.keys[0]]), 0.0, 1.0) for f in group])
            simplex = np.vstack([start, start + 0.15 * np.eye(len(group))])
            best = minimize(
                trial,
                start,
                method="Nelder-Mead",
                options={"maxfev": evals, "xatol": 1e-3, "fatol": 1e-2, "initial_simplex": simplex},
            )
            for f, u in zip(group, np.clip(best.x, 0.0, 1.0), strict=True):
                values[f.keys[0]] = f.at(float(u))
    return values
