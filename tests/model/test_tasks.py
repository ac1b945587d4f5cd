"""Task types (DESIGN 2.2): the bucketed sums against exact sums over every type.

The oracles are independent of the code under test: sums over every type one by
one, scipy's Poisson distribution, and a Monte Carlo draw of each type's count.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from econsim.model.capability import learning_curve
from econsim.model.tasks import (
    capability,
    coverage,
    exact_popularity,
    expected_skill,
    task_mix,
)


def exact_skill(mean, efficiency, scale, slope, synthetic=0.0, worth=0.0, grounding=0.0):
    """E[L(A·(n + worth·min(S, κn)))] for n ~ Poisson(mean), one type, with scipy."""
    top = int(mean + 12 * np.sqrt(mean) + 30)
    n = np.arange(top + 1, dtype=float)
    data = efficiency * (n + worth * np.minimum(synthetic, grounding * n))
    return float(stats.poisson(mean).pmf(n) @ learning_curve(data, scale, slope))


@pytest.mark.parametrize(
    ("types", "tail"),
    [(10, 1.0), (70, 1.0), (1000, 0.8), (100_000, 1.0), (1_000_000, 1.2), (5000, 0.0)],
)  # 70: a tail shorter than one bucket
@pytest.mark.parametrize("episodes", [1e2, 1e4, 1e6, 1e8])
def test_bucketed_coverage_matches_the_sum_over_every_type(types, tail, episodes):
    w = exact_popularity(types, tail)
    exact = float(w @ -np.expm1(-episodes * w))
    assert coverage(task_mix(types, tail), episodes)[0] == pytest.approx(exact, abs=2e-6)


def test_exact_popularity_is_zipf_for_any_tail_even_a_whole_number():
    assert exact_popularity(3, 1).tolist() == pytest.approx([6 / 11, 3 / 11, 2 / 11])
    assert exact_popularity(2, 2).tolist() == pytest.approx([0.8, 0.2])
    assert exact_popularity(4, 0.0).tolist() == [0.25] * 4


def test_buckets_cost_does_not_grow_with_the_number_of_types():
    assert task_mix(10**12, 1.0).types.shape[1] < 4 * task_mix(10**4, 1.0).types.shape[1]
    assert task_mix(10**12, 1.0).mass.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("mean", [1e-9, 1e-4, 0.05, 0.5, 3.0, 29.0, 99.0, 101.0, 400.0, 1e5])
@pytest.mark.parametrize("slope", [0.3, 1.0, 3.0])
def test_expected_skill_matches_the_poisson_expectation(mean, slope):
    assert expected_skill(mean, 7.0, 100.0, slope) == pytest.approx(
        exact_skill(mean, 7.0, 100.0, slope), abs=2e-5
    )


@pytest.mark.parametrize("mean", [0.01, 2.0, 50.0, 300.0])
def test_synthetic_episodes_count_at_their_worth_and_up_to_the_grounding_cap(mean):
    for synthetic in (5.0, 1e9):
        got = expected_skill(mean, 3.0, 500.0, 0.6, synthetic, 0.4, 2.0)
        assert got == pytest.approx(
            exact_skill(mean, 3.0, 500.0, 0.6, synthetic, 0.4, 2.0), abs=2e-5
        )


def test_a_type_never_seen_has_no_skill_whatever_the_efficiency_or_synthetic_data():
    assert expected_skill(0.0, 1e30, 1.0, 1.0) == 0.0
    assert expected_skill(0.0, 1e30, 1.0, 1.0, synthetic=1e12, worth=1.0, grounding=10.0) == 0.0


@pytest.mark.parametrize("episodes", [10.0, 1e3, 1e5])
def test_efficiency_cannot_create_types_capability_tends_to_coverage(episodes):
    mix = task_mix(20_000, 1.0)
    limit = coverage(mix, episodes)[0]
    huge = capability(mix, episodes, 1e30, 1e3, 0.5)[0]
    assert huge == pytest.approx(limit, rel=1e-6)
    assert capability(mix, episodes, 1e3, 1e3, 0.5)[0] < limit
    assert limit < 1.0


def test_capability_matches_a_monte_carlo_draw_of_every_types_count():
    types, tail, episodes, efficiency, scale, slope = 3000, 1.1, 2e4, 5.0, 200.0, 0.5
    w = exact_popularity(types, tail)
    rng = np.random.default_rng(7)
    counts = rng.poisson(episodes * w, size=(4000, types)).astype(float)
    draws = learning_curve(efficiency * counts, scale, slope) @ w
    got = capability(task_mix(types, tail), episodes, efficiency, scale, slope)[0]
    assert got == pytest.approx(draws.mean(), abs=4 * draws.std() / np.sqrt(draws.size))


@pytest.mark.parametrize("envs", [40, 1200])  # in the head, one by one; deep in the buckets
def test_capability_matches_the_exact_sum_with_environments_on_the_most_popular_types(envs):
    types, tail, episodes, synthetic = 3000, 1.0, 3e4, 8e4
    w = exact_popularity(types, tail)
    per_type = synthetic / envs
    exact = sum(
        w[k]
        * exact_skill(episodes * w[k], 4.0, 100.0, 0.5, per_type if k < envs else 0.0, 0.3, 1.0)
        for k in range(types)
    )
    got = capability(task_mix(types, tail), episodes, 4.0, 100.0, 0.5, synthetic, envs, 0.3, 1.0)
    assert got[0] == pytest.approx(exact, abs=1e-4)
    plain = capability(task_mix(types, tail), episodes, 4.0, 100.0, 0.5)[0]
    assert got[0] > plain


def test_models_that_differ_only_in_efficiency_are_assessed_together_each_as_if_alone():
    # rows of efficiency share the Poisson weights of one set of episodes; each model
    # and vertical is the exact sum over every type at its own efficiency, with the
    # grounding cap binding on the rarer types and not on the most popular ones
    types, tails, episodes = (200, 100), (1.0, 0.8), (3e4, 2e3)
    synthetic, envs, worth = (8e4, 5e3), (120, 10), (0.3, 0.6)
    efficiency = np.array([[4.0, 2.0], [9.0, 0.5]])  # (models, verticals)
    mix = task_mix(types, tails)
    got = capability(mix, episodes, efficiency, 100.0, 0.5, synthetic, envs, worth, 1.0)
    assert got.shape == (2, 2)
    for model in range(2):
        for v in range(2):
            w, per_type = exact_popularity(types[v], tails[v]), synthetic[v] / envs[v]
            exact = sum(
                w[k]
                * exact_skill(
                    episodes[v] * w[k],
                    efficiency[model, v],
                    100.0,
                    0.5,
                    per_type if k < envs[v] else 0.0,
                    worth[v],
                    1.0,
                )
                for k in range(types[v])
            )
            assert got[model, v] == pytest.approx(exact, abs=1e-4)


def test_verticals_are_rows_of_their_own_mix():
    mix = task_mix([100, 200_000], [1.2, 0.9])
    both = coverage(mix, [1e3, 1e5])
    assert both[0] == pytest.approx(coverage(task_mix(100, 1.2), 1e3)[0])
    assert both[1] == pytest.approx(coverage(task_mix(200_000, 0.9), 1e5)[0])


@pytest.mark.parametrize(
    "given",
    [
        {"environments": 1, "worth": 1.0, "grounding": 2.0},
        {"synthetic": 600.0, "worth": 0.5, "grounding": 2.0},
        {"synthetic": 600.0, "environments": 3, "grounding": 2.0},
        {"synthetic": 600.0, "environments": 3, "worth": 0.5},
    ],
    ids=["no synthetic episodes", "no environments", "no worth", "no grounding"],
)
def test_synthetic_data_counts_only_with_its_episodes_environments_worth_and_grounding(given):
    # 40 types, one by one, with Poisson means under 100: the sum over every type is exact
    w = exact_popularity(40, 1.0)
    plain = sum(w[k] * exact_skill(200.0 * w[k], 3.0, 30.0, 0.5) for k in range(40))
    got = capability(task_mix(40, 1.0), 200.0, 3.0, 30.0, 0.5, **given)
    assert got[0] == pytest.approx(plain, rel=1e-12)


def test_whole_numbers_of_synthetic_episodes_and_environments_count_as_the_numbers_they_are():
    # 3 environments share 600 synthetic episodes: 200 on each of the 3 most popular types
    w = exact_popularity(40, 1.0)
    exact = sum(
        w[k] * exact_skill(200.0 * w[k], 3.0, 30.0, 0.5, 200.0 if k < 3 else 0.0, 0.5, 2.0)
        for k in range(40)
    )
    got = capability(task_mix(40, 1.0), 200, 3, 30, 0.5, 600, 3, 0.5, 2)
    assert got[0] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(
    "given",
    [
        {"worth": 1.0, "grounding": 2.0},
        {"synthetic": 600.0, "grounding": 2.0},
        {"synthetic": 600.0, "worth": 0.5},
    ],
    ids=["no synthetic episodes", "no worth", "no grounding"],
)
def test_a_types_synthetic_episodes_count_only_with_their_worth_and_grounding(given):
    for mean in (0.4, 5.0, 60.0):
        assert expected_skill(mean, 3.0, 30.0, 0.5, **given) == pytest.approx(
            exact_skill(mean, 3.0, 30.0, 0.5), rel=1e-12
        )


def test_single_precision_mean_counts_are_read_as_the_numbers_they_are():
    # ln λ in single precision would round the Poisson weights by about 1e-7
    means = np.float32([0.37, 3.3, 29.7, 77.7])
    exact = [exact_skill(m, 3.0, 30.0, 0.5) for m in means.tolist()]
    assert expected_skill(means, 3.0, 30.0, 0.5).tolist() == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(("envs", "synthetic"), [(1, 600.0), (3, 0.9)])
def test_one_environment_or_less_than_one_synthetic_episode_already_counts(envs, synthetic):
    w = exact_popularity(40, 1.0)
    per_type = synthetic / envs
    exact = sum(
        w[k] * exact_skill(200.0 * w[k], 3.0, 30.0, 0.5, per_type if k < envs else 0.0, 0.5, 2.0)
        for k in range(40)
    )
    got = capability(task_mix(40, 1.0), 200.0, 3.0, 30.0, 0.5, synthetic, envs, 0.5, 2.0)
    assert got[0] == pytest.approx(exact, rel=1e-12)


def test_half_an_environment_covers_exactly_half_of_the_only_type():
    # so much grounded synthetic data that a seen type is mastered, and an unseen type
    # stays at 0: on a vertical of one type, C = E · P(n ≥ 1) for E ≤ 1 environment
    got = capability(task_mix(1, 1.0), 2.0, 1.0, 1e6, 20.0, 1e9, 0.5, 1.0, 1e12)
    assert got[0] == pytest.approx(0.5 * -np.expm1(-2.0), rel=1e-14, abs=0.0)


@pytest.mark.parametrize("mean", [1e-9, 1e-8, 3e-7])
def test_the_rarest_types_earn_skill_at_the_rate_they_are_seen(mean):
    # P(n ≥ 2) = O(mean²): the expectation is mean · L(A) to a relative mean
    assert expected_skill(mean, 7.0, 100.0, 0.8) == pytest.approx(
        exact_skill(mean, 7.0, 100.0, 0.8), rel=1e-6, abs=0.0
    )


EDGES = (1e-6, 0.1, 1.0, 10.0)  # and 100.0, past which a normal approximation takes over


@pytest.mark.parametrize("mean", [*EDGES, *(np.nextafter(edge, np.inf) for edge in EDGES), 100.0])
def test_means_on_and_just_past_each_sums_edge_get_the_poisson_expectation(mean):
    assert expected_skill(mean, 7.0, 100.0, 0.8) == pytest.approx(
        exact_skill(mean, 7.0, 100.0, 0.8), rel=1e-12
    )
