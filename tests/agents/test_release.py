"""Training: what a released model can do, against exact sums and retraining."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from econsim.agents.release import Learning, TrainingData
from econsim.model.capability import learning_curve
from econsim.model.tasks import exact_popularity
from tests.conftest import at_the_start


def test_the_gain_of_extra_data_is_what_a_model_trained_with_it_would_add():
    simulation, trainer = at_the_start()
    settings, lab = Learning.read(simulation.scenario), simulation.labs[0]
    model = lab.model
    finance = simulation.scenario.vertical_names.index("finance")
    assert trainer.gain(model, finance, 0.0, settings) == 0.0
    practice = model.data.practice.copy()
    practice[finance] += 3e9
    richer = trainer.assess(replace(model.data, practice=practice), settings, model.released)
    gain = trainer.gain(model, finance, 3e9, settings)
    assert gain > 0
    assert gain == pytest.approx(richer.real[finance] - model.real[finance], rel=1e-12)


def test_continual_learning_is_retraining_on_the_learned_share_of_what_customers_sent():
    simulation, trainer = at_the_start()
    model, names = simulation.labs[0].model, simulation.scenario.vertical_names
    settings = replace(Learning.read(simulation.scenario), continual_learning=0.25)
    snapshot = replace(model.data, consented=np.full(len(names), 2e9))
    model = replace(model, data=snapshot)
    sent = np.zeros(len(names))
    sent[names.index("legal")] = 4e9
    learned = trainer.learned(model, snapshot.consented + sent, settings)
    retrained = trainer.assess(
        replace(snapshot, practice=snapshot.practice + 0.25 * sent), settings, model.released
    )
    assert learned.real == pytest.approx(retrained.real, rel=1e-12)
    assert learned.real[names.index("legal")] > model.real[names.index("legal")]
    assert learned.proxy is model.proxy  # benchmark scores are published per release
    nothing = trainer.learned(model, snapshot.consented, settings)
    assert nothing.real.tolist() == model.real.tolist()  # nothing sent, nothing learned


def expected_capability(
    episodes: float,
    efficiency: float,
    tail: float,
    slope: float,
    environments: float = 0.0,
    synthetic: float = 0.0,
    worth: float = 0.0,
) -> float:
    """Σ_k w_k E[L(A·(n_k + worth·min(S_k, 2·n_k)))], n_k ~ Poisson(episodes·w_k), over 40 types.

    The ``environments`` most popular types get ``synthetic / environments`` episodes each.
    """
    total = 0.0
    for k, w in enumerate(exact_popularity(40, tail)):
        mean = episodes * w
        n = np.arange(int(mean + 15 * np.sqrt(mean) + 40), dtype=float)
        extra = synthetic / environments if k < environments else 0.0
        data = efficiency * (n + worth * np.minimum(extra, 2.0 * n))
        total += w * float(stats.poisson(mean).pmf(n) @ learning_curve(data, 30.0, slope))
    return total


def test_a_release_earns_skill_type_by_type_from_its_data_and_the_transferred_data():
    # 40 task types, all evaluated one by one, and Poisson means under 100: every sum
    # below is exact, so the trainer must match it to rounding. The model's scale
    # (Q/Q0)^γ = 1.5 multiplies every efficiency: real, benchmark and talk
    overrides = {
        "verticals.*.task_types": 40,
        "verticals.*.type_data_scale": 30.0,
        "verticals.*.corpus_descriptive": 150.0,
        "capability.grounding": 2.0,
        "capability.generalization": 0.01,
        "capability.transfer": {"software": {"finance": 0.3}},
    }
    simulation, trainer = at_the_start(overrides)
    scenario = simulation.scenario
    settings, names = Learning.read(scenario), scenario.vertical_names
    count = len(names)
    data = TrainingData(
        practice=np.linspace(100.0, 300.0, count),
        synthetic=np.full(count, 600.0),
        environments=np.arange(count, dtype=float) % 4 * 3,  # 0, 3, 6 or 9 environments
        consented=np.zeros(count),
        efficiency=3.0,
        real_efficiency=np.linspace(1.0, 3.0, count),
        scale=1.5,
    )
    model = trainer.assess(data, settings, 2030.0)
    specs = list(scenario.verticals.values())
    transfer = np.full((count, count), 0.01) - 0.01 * np.eye(count)  # [source, target]
    transfer[names.index("software"), names.index("finance")] = 0.3
    worth = np.array([s.simulability * (1 - s.market_coupling) for s in specs])
    grounded = worth * np.minimum(data.synthetic, 2.0 * data.practice)
    episodes = data.practice + (data.practice + grounded) @ transfer
    for v, spec in enumerate(specs):
        own = data.environments[v], data.synthetic[v], worth[v]
        real = expected_capability(
            episodes[v], 1.5 * data.real_efficiency[v], spec.task_tail, spec.learning_slope, *own
        )
        doing = expected_capability(episodes[v], 4.5, spec.task_tail, spec.learning_slope, *own)
        talk = expected_capability(150.0, 4.5, spec.task_tail, spec.learning_slope)
        rho = spec.eval_validity
        assert model.real[v] == pytest.approx(real, rel=1e-9)
        assert model.doing[v] == pytest.approx(doing, rel=1e-9)
        assert model.talk[v] == pytest.approx(talk, rel=1e-9)
        assert model.proxy[v] == pytest.approx(rho * doing + (1 - rho) * talk, rel=1e-9)
        w = exact_popularity(40, spec.task_tail)
        assert model.coverage[v] == pytest.approx(w @ -np.expm1(-episodes[v] * w), rel=1e-12)
    assert model.released == 2030.0
