"""A calibration's posterior as the parameters of runs (``--posterior FILE``).

``posterior.parquet`` (written by ``econsim calibrate``) holds one row per parameter
set, with its weight. A run draws one row by weight from a stream of its own seed,
so that the arms of a comparison, which share a replication's seed, share its draw
(paired), and a run with the same seed draws the same row wherever it runs. The
row's values are applied as the calibration applied them: the fitted values with the
corpora derived again (:func:`~econsim.experiments.calibration.fit.fitted_overrides`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from econsim.scenario import Scenario, ScenarioError

WEIGHT = "weight"
KEPT = (WEIGHT, "generation")  # the columns that are not parameters
_STREAM = 0x706F7374  # the posterior draw's stream, beside a seed's engine streams


class PosteriorError(ValueError):
    """A posterior file that cannot be drawn from; the message names the file."""


@dataclass(frozen=True)
class PosteriorSample:
    """Weighted parameter sets: scenario keys (columns) and one weight per row."""

    path: Path
    values: pl.DataFrame
    weights: np.ndarray

    @property
    def keys(self) -> list[str]:
        """The scenario keys a draw sets (before the corpora are derived)."""
        return list(self.values.columns)

    def row(self, seed: int) -> int:
        """The row a run with this seed draws, by weight."""
        rng = np.random.default_rng([_STREAM, seed])
        return int(rng.choice(len(self.weights), p=self.weights))

    def at(self, row: int) -> dict[str, float]:
        """The parameter values of one row."""
        return {key: float(value) for key, value in self.values.row(row, named=True).items()}

    def overrides(self, scenario: Scenario, row: int) -> dict[str, Any]:
        """Overrides that put one row's values into ``scenario``.

        Raises:
            PosteriorError: the scenario refuses them (a key it does not have).
        """
        from econsim.experiments.calibration.fit import fitted_overrides

        try:
            return fitted_overrides(scenario, self.at(row))
        except (ScenarioError, KeyError, AttributeError) as error:
            raise PosteriorError(f"{self.path}: row {row} does not apply to "
                                 f"{scenario.name}: {error}") from None  # fmt: skip

    def draw(self, scenario: Scenario, seed: int) -> tuple[int, Scenario]:
        """The row a run with ``seed`` draws, and ``scenario`` with its values."""
        row = self.row(seed)
        try:
            return row, scenario.override(self.overrides(scenario, row))
        except ScenarioError as error:
            raise PosteriorError(f"{self.path}: row {row}: {error}") from None


def read_posterior(path: str | Path) -> PosteriorSample:
    """A posterior sample from its parquet file, checked before anything runs.

    Raises:
        PosteriorError: the file is missing or damaged, has no weights or no
            parameters, or its weights are not finite, non-negative and summing above 0.
    """
    path = Path(path)
    try:
        table = pl.read_parquet(path)
    except FileNotFoundError:
        raise PosteriorError(f"{path}: no such file; give a calibration's "
                             "posterior.parquet (econsim calibrate)") from None  # fmt: skip
    except Exception as error:  # polars raises its own kinds for a damaged file
        raise PosteriorError(f"{path}: cannot read it as parquet ({error})") from None
    if WEIGHT not in table.columns:
        raise PosteriorError(f"{path}: no {WEIGHT!r} column; is it a calibration's posterior?")
    values = table.drop([c for c in KEPT if c in table.columns])
    if not values.width or not table.height:
        raise PosteriorError(f"{path}: holds no parameter sets")
    wrong = [c for c, t in values.schema.items() if not t.is_numeric()]
    if wrong:
        raise PosteriorError(f"{path}: parameter columns {wrong} are not numbers")
    weights = table[WEIGHT].cast(pl.Float64).to_numpy()
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise PosteriorError(f"{path}: weights must be finite and not negative")
    if not np.isfinite(values.cast(pl.Float64).to_numpy()).all():
        raise PosteriorError(f"{path}: parameter values must be finite numbers")
    total = float(weights.sum())
    if not total > 0 or not math.isfinite(total):
        raise PosteriorError(f"{path}: its weights sum to {total:g}; nothing can be drawn")
    return PosteriorSample(path, values, weights / total)
