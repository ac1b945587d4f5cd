"""Runs over a calibration's posterior: a row drawn by weight per seed, paired across
arms, applied as the calibration applies it, and what the user set winning over it."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from econsim.cli import main
from econsim.experiments.calibration.fit import START, start_capability
from econsim.experiments.calibration.posterior import (
    PosteriorError,
    PosteriorSample,
    read_posterior,
)
from econsim.experiments.study import Study, StudyError, plan_arms, plan_study
from econsim.model.tasks import capability, task_mix
from econsim.results import read_results
from econsim.scenario import load_scenario

SCALE = "verticals.*.type_data_scale"
TRANSFER = "capability.generalization"


def posterior(tmp_path, columns: dict[str, list[float]], weights: list[float]) -> PosteriorSample:
    path = tmp_path / "posterior.parquet"
    pl.DataFrame({**columns, "weight": weights, "generation": [5] * len(weights)}).write_parquet(
        path
    )
    return read_posterior(path)


def test_rows_are_drawn_by_weight_and_the_same_seed_draws_the_same_row(tmp_path):
    sample = posterior(tmp_path, {TRANSFER: [1e-9, 1e-3, 0.1]}, [1.0, 0.0, 3.0])
    rows = np.array([sample.row(seed) for seed in range(4000)])
    assert not (rows == 1).any()  # a weight of zero is never drawn
    share = (rows == 2).mean()  # 0.75, with a binomial sd of 0.0068
    assert abs(share - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 4000)
    assert [sample.row(s) for s in range(50)] == rows[:50].tolist()


def test_a_draw_sets_the_fitted_values_and_derives_the_start_corpora_again(tmp_path):
    base = load_scenario("baseline")
    tenfold = 10 * base.verticals["software"].type_data_scale
    sample = posterior(tmp_path, {SCALE: [tenfold], TRANSFER: [0.02]}, [1.0])
    row, drawn = sample.draw(base, seed=7)
    assert row == 0 and drawn.capability.generalization == 0.02
    for name, vertical in drawn.verticals.items():
        held = base.verticals[name]
        assert vertical.type_data_scale == pytest.approx(10 * held.type_data_scale)
        assert vertical.corpus_practice != pytest.approx(held.corpus_practice)
        if name in START:  # the start capability is kept: the corpus is what moved
            mix = task_mix(vertical.task_types, vertical.task_tail)
            level = capability(mix, vertical.corpus_practice, 1.0, vertical.type_data_scale,
                               vertical.learning_slope)  # fmt: skip
            assert float(level[0]) == pytest.approx(start_capability(name)[0], rel=1e-6)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (None, "no such file"),
        ("text", "cannot read it as parquet"),
        ({TRANSFER: [0.1]}, "no 'weight' column"),
        ({TRANSFER: [0.1], "weight": [-1.0]}, "not negative"),
        ({TRANSFER: [0.1, 0.2], "weight": [0.0, 0.0]}, "sum to 0"),
        ({TRANSFER: [float("nan")], "weight": [1.0]}, "finite numbers"),
        ({"note": ["x"], "weight": [1.0]}, "are not numbers"),
        ({"weight": [1.0]}, "holds no parameter sets"),
    ],
)
def test_a_posterior_that_cannot_be_drawn_from_names_its_file(tmp_path, table, message):
    path = tmp_path / "posterior.parquet"
    if table == "text":
        path.write_text("not parquet", encoding="utf-8")
    elif table is not None:
        pl.DataFrame(table).write_parquet(path)
    with pytest.raises(PosteriorError, match=message) as raised:
        read_posterior(path)
    assert str(path) in str(raised.value)


def test_compared_arms_share_each_replications_draw_and_keep_their_own_keys(tmp_path):
    sample = posterior(tmp_path, {TRANSFER: [1e-3, 1e-2]}, [1.0, 1.0])
    base = load_scenario("baseline", {"economy.firms": 200})
    bases = {"base": base, "optimist": base.override({TRANSFER: 0.5})}
    plan = plan_arms(bases, 20, seed=3, posterior=sample, pinned={"optimist": {TRANSFER: 0.5}})
    by_replication: dict[int, list] = {}
    for task in plan.tasks:
        by_replication.setdefault(task.replication, []).append(task)
    for base_task, optimist_task in by_replication.values():
        assert base_task.draw == optimist_task.draw and base_task.seed == optimist_task.seed
        assert base_task.overrides[TRANSFER] == sample.at(base_task.draw)[TRANSFER]
        assert optimist_task.overrides[TRANSFER] == 0.5
    assert {t.draw for t in plan.tasks} == {0, 1}
    independent = plan_arms(bases, 20, seed=3, independent=True, posterior=sample)
    arms = zip(independent.tasks[::2], independent.tasks[1::2], strict=True)
    assert any(a.draw != b.draw for a, b in arms)


def test_a_study_draws_per_replication_under_its_set_and_its_design(tmp_path):
    base = load_scenario("baseline")
    sample = posterior(
        tmp_path, {SCALE: [base.verticals["software"].type_data_scale * f for f in (0.1, 10)]},
        [1.0, 1.0],
    )  # fmt: skip
    study = Study(
        replications=6,
        set={"economy.firms": 300, "verticals.legal.type_data_scale": 5.0e7},
        parameters={"verticals.*.corpus_practice": {"low": 2.0, "high": 3.0, "levels": 2,
                                                    "relative": True}},
    )  # fmt: skip
    plan = plan_study(study, sample)
    assert {t.draw for t in plan.tasks} == {0, 1}
    for task in plan.tasks:
        same = [t for t in plan.tasks if t.replication == task.replication]
        assert {t.draw for t in same} == {task.draw}  # every point of a replication
        assert task.overrides["verticals.legal.type_data_scale"] == 5.0e7  # the set wins
        drawn = base.override({"economy.firms": 300}).override(
            sample.overrides(base, task.draw)
        )  # the relative design scales the drawn corpus, not the scenario's own
        factor = task.parameters["verticals.*.corpus_practice"]
        assert task.overrides["verticals.finance.corpus_practice"] == pytest.approx(
            factor * drawn.verticals["finance"].corpus_practice
        )


def test_a_design_parameter_the_posterior_draws_is_refused(tmp_path):
    sample = posterior(tmp_path, {TRANSFER: [1e-3]}, [1.0])
    study = Study(parameters={TRANSFER: {"low": 1e-9, "high": 0.1, "scale": "log"}})
    with pytest.raises(StudyError, match=r"the posterior .* draws capability\.generalization"):
        plan_study(study, sample)


FAST = ["--set", "economy.firms=300", "--set", "horizon=1"]


def test_run_and_compare_take_a_posterior_and_what_is_set_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    posterior(tmp_path, {TRANSFER: [3e-4, 3e-3]}, [1.0, 1.0])
    cli = CliRunner()
    ran = cli.invoke(main, ["run", "--out", "drawn", "--seed", "4", "--posterior",
                            "posterior.parquet", *FAST])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    row = read_posterior("posterior.parquet").row(4)
    assert f"posterior: row {row} of 2" in ran.output
    assert read_results("drawn").scenario.capability.generalization == [3e-4, 3e-3][row]
    pinned = cli.invoke(main, ["run", "--out", "pinned", "-q", "--posterior",
                               "posterior.parquet", *FAST, "--set", f"{TRANSFER}=0.2"])  # fmt: skip
    assert read_results("pinned").scenario.capability.generalization == 0.2, pinned.output
    compared = cli.invoke(main, ["compare", "--arm", "base:", "--arm", "open:verticals.legal."
                                 "consent=0.9", "-n", "2", "-j", "1", "-q", "--out", "c",
                                 "--posterior", "posterior.parquet", *FAST])  # fmt: skip
    assert compared.exit_code == 0, compared.output
    runs = pl.read_parquet("c/runs.parquet")
    assert runs.group_by("replication").agg(pl.col("draw").n_unique())["draw"].to_list() == [1, 1]
    study = json.loads((tmp_path / "c" / "study.json").read_text(encoding="utf-8"))
    assert study["posterior"] == "posterior.parquet"


def test_a_bad_posterior_exits_2_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "--out", "o", "--posterior", "none.parquet", *FAST])
    assert result.exit_code == 2 and "none.parquet: no such file" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "o").exists()
