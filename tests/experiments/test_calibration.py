"""DESIGN §6, calibration: observations, the METR mapping, and checks that tell views apart."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re

import numpy as np
import polars as pl
import pytest

import econsim
from econsim.experiments.calibration import (
    FITTED,
    OBSERVATIONS,
    corpora,
    horizon_capability,
)
from econsim.experiments.calibration.fit import current, misfit
from econsim.experiments.calibration.horizons import success_slope
from econsim.experiments.calibration.observations import FIT_UNTIL, Observation
from econsim.experiments.calibration.views import tables
from tests.conftest import ROOT

BASELINE = ROOT / "scenarios" / "baseline.toml"


def load_program(name: str) -> object:
    """A program of docs/programs/ (not part of the package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / "programs" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


program = load_program("calibration")
markdown, main = program.markdown, program.main


# ------------------------------------------------------------------ the METR mapping


def test_success_falls_to_80_percent_at_the_80_percent_horizon():
    beta = success_slope(5.5)
    assert 1 / (1 + (1 / 5.5) ** beta) == pytest.approx(0.8)


@pytest.mark.parametrize("horizon", [1.0, 30.0, 600.0])
def test_with_equal_task_lengths_capability_is_the_success_curve(horizon):
    # every real task 60 minutes long: capability is success on a 60-minute task
    expected = 1 / (1 + (60.0 * 6.0 / horizon) ** success_slope(5.5))
    assert horizon_capability(horizon, median=60.0, sigma=0.0) == pytest.approx(expected)


def test_half_the_tasks_are_done_when_the_deflated_horizon_is_the_median_task():
    assert horizon_capability(360.0, median=60.0, sigma=1.5, deflation=6.0) == pytest.approx(0.5)
    levels = [horizon_capability(h) for h in (1, 10, 100, 1000, 10_000)]
    assert levels == sorted(levels) and levels[0] > 0 and levels[-1] < 1


# ------------------------------------------------------------------ observations and the fit


def test_every_observation_lies_in_its_interval_and_has_a_role():
    for obs in OBSERVATIONS:
        assert obs.low < obs.value < obs.high, obs.measure
        assert obs.role in ("fit", "held out", "start")
        if obs.role == "held out":
            assert obs.time >= FIT_UNTIL
        if obs.role == "fit":  # every row the fit may use is from before 2025
            assert obs.time < FIT_UNTIL


def test_each_kind_has_at_least_as_many_fit_observations_as_fitted_values():
    for kind in ("adoption", "capability", "gap"):
        values = sum(f.serves == kind for f in FITTED)
        observations = sum(o.kind == kind and o.role == "fit" for o in OBSERVATIONS)
        assert values <= observations, kind


def test_the_baselines_corpora_are_the_ones_its_start_capabilities_imply():
    text = BASELINE.read_text()
    for key, value in corpora(econsim.load_scenario("baseline")).items():
        vertical, field = key.split(".")[1:]
        block = re.search(rf"(?ms)^\[verticals\.{vertical}\]\n.*?(?=^\[|\Z)", text).group(0)
        written = float(re.search(rf"(?m)^{field} = (\S+)", block).group(1))
        assert math.isclose(written, value, rel_tol=1e-3), key


# ------------------------------------------------------------------ the table


@pytest.fixture(scope="module")
def views():
    return tables()


def test_a_row_tells_the_baseline_from_the_optimist(views):
    base, optimist = views["baseline"], views["optimist"]
    differs = base["matched"] != optimist["matched"]
    assert differs.any()


def test_research_switched_off_misses_the_software_series_the_baseline_matches(views):
    fit = (views["baseline"]["kind"] == "capability") & (views["baseline"]["role"] == "fit")
    assert views["baseline"].filter(fit)["matched"].all()
    assert not views["no AI R&D"].filter(fit)["matched"].any()


def test_sectors_adopt_in_the_observed_order(views):
    early = views["baseline"].filter(views["baseline"]["time"] == 2024.1)
    share = dict(zip(early["measure"], early["simulated"], strict=True))
    assert (
        share["information sector using AI"]
        > share["professional services using AI"]
        > share["least-adopting sectors using AI"]
    )


def test_adoption_grows_between_surveys(views):
    base = views["baseline"]
    us = base.filter(base["measure"] == "US firms using AI")["simulated"].to_numpy()
    assert np.all(np.diff(us) > 0)


def test_software_benchmarks_overstate_real_capability_as_observed(views):
    base = views["baseline"].filter(pl.col("kind") == "gap").sort("time")
    early, late = base["simulated"].to_list()
    assert early > late > 1.0  # SWE-bench+ 2024: 3.1 (fitted); METR 2026: 1.5 (held out)


def test_the_table_renders_as_markdown(views):
    text = markdown(views)
    assert text.count("\n") == len(views["baseline"]) + 1
    assert "✓" in text and "✗" in text


def test_an_unknown_calibration_command_is_refused_without_running_anything(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["tabel"])
    assert stop.value.code == 2
    assert "invalid choice: 'tabel'" in capsys.readouterr().err


def test_a_held_out_observation_changes_no_fitted_value():
    # the fit is a deterministic search over `misfit`: if moving every held-out row's
    # observed value and interval leaves each kind's misfit unchanged, no fitted value
    # can change. Moving one fit row does change it, so the check can fail.
    values = current()

    def moved(row: Observation) -> Observation:
        return dataclasses.replace(
            row, value=row.value * 1.5, low=row.low * 1.5, high=row.high * 1.5
        )

    held_out = [moved(o) if o.role == "held out" else o for o in OBSERVATIONS]
    assert held_out != list(OBSERVATIONS)
    small = {"seeds": (1,), "firms": 1500}
    for kind in ("adoption", "capability", "gap"):
        as_observed = misfit("baseline", values, kind=kind, **small)
        assert misfit("baseline", values, kind=kind, observations=held_out, **small) == as_observed
    first_fit = next(i for i, o in enumerate(OBSERVATIONS) if o.role == "fit")
    one_fit_moved = list(OBSERVATIONS)
    one_fit_moved[first_fit] = moved(OBSERVATIONS[first_fit])
    kind = OBSERVATIONS[first_fit].kind
    assert misfit("baseline", values, kind=kind, observations=one_fit_moved, **small) != misfit(
        "baseline", values, kind=kind, **small
    )


# ------------------------------------------------------------------ the views over a posterior


def test_the_views_are_told_apart_by_what_separates_them_and_scored_on_held_out_rows():
    from econsim.experiments.calibration.inference import Prior
    from econsim.experiments.calibration.views import separating, view_scores

    transfer = "capability.generalization"
    places = separating([transfer, "capability.grounding", "verticals.*.type_data_scale"])
    assert places == {transfer: [1e-9, 0.1], "capability.grounding": [1.0, 10.0]}
    prior = Prior(low=1e-9, high=0.1, scale="log")
    # a quarter of the prior lies nearer the baseline's view, three quarters of the
    # posterior's weight: posterior odds 3 over prior odds 1/3
    draws = pl.DataFrame({transfer: [1e-8, 1e-3, 1e-2, 1e-1]})
    posterior = pl.DataFrame({transfer: [1e-8, 1e-7, 1e-2], "weight": [0.5, 0.25, 0.25]})
    share = Observation("a share", "adoption", 2025.5, 0.5, 0.25, 0.75, "s", role="held out")
    stats = [{"o0": 0.5}, {"o0": 0.5}, {"o0": 0.75}]  # the optimist's particle: a half-width off
    table = view_scores(posterior, stats, draws, (share,), {transfer: prior.unit})
    baseline, optimist = table.rows(named=True)
    assert (baseline["view"], optimist["view"]) == ("baseline", "generalization_optimist")
    assert baseline["posterior_mass"] == pytest.approx(0.75) and baseline["prior_mass"] == 0.25
    assert baseline["bayes_factor"] == pytest.approx(9.0)
    assert optimist["bayes_factor"] == pytest.approx(1 / 9)
    assert baseline["held_out_crps"] == pytest.approx(0.0) and baseline["held_out_inside"] == 1.0
    assert optimist["held_out_crps"] == pytest.approx(1.0) and optimist["held_out_inside"] == 0.0
