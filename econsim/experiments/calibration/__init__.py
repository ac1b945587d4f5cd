"""Calibration (DESIGN §6): observations, how a run is measured on them, and the fit.

``python docs/programs/calibration.py`` prints the comparison table of
``docs/calibration.md`` (:func:`~econsim.experiments.calibration.views.tables`);
``... fit`` fits the baseline's fitted parameters again; ``... corpora`` prints the
corpora that give each vertical its start capability.
"""

from econsim.experiments.calibration.fit import FITTED, corpora, fit, start_capability
from econsim.experiments.calibration.horizons import horizon_capability
from econsim.experiments.calibration.measures import compare, using_share
from econsim.experiments.calibration.observations import OBSERVATIONS, Observation

__all__ = [
    "FITTED",
    "OBSERVATIONS",
    "Observation",
    "compare",
    "corpora",
    "fit",
    "horizon_capability",
    "start_capability",
    "using_share",
]
