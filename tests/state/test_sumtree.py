"""The Fenwick tree behind the adoption race."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsim.state.sumtree import SumTree


def prefix_sums(tree: SumTree) -> list[float]:
    return np.cumsum([tree.weight(i) for i in range(len(tree))]).tolist()


@given(
    st.lists(st.floats(0, 100), min_size=1, max_size=60),
    st.lists(st.tuples(st.integers(0, 59), st.floats(0, 100)), max_size=40),
)
def test_find_agrees_with_a_linear_scan_after_updates(weights, updates):
    tree = SumTree(weights)
    for index, weight in updates:
        tree.set(index % len(weights), weight)
    cumulative = prefix_sums(tree)
    assert tree.total == pytest.approx(cumulative[-1], abs=1e-9)
    for index, end in enumerate(cumulative):
        weight = tree.weight(index)
        if weight > 1e-6:  # the middle of a firm's interval picks that firm
            assert tree.find(end - weight / 2) == index


def test_picks_follow_the_weights():
    rng = np.random.default_rng(7)
    weights = np.array([1.0, 0.0, 3.0, 6.0])
    tree = SumTree(weights)
    picks = [tree.find(u * tree.total) for u in rng.random(40_000)]
    shares = np.bincount(picks, minlength=4) / len(picks)
    assert shares == pytest.approx(weights / weights.sum(), abs=0.01)


def test_a_zero_weight_is_never_picked_and_updates_move_the_total():
    tree = SumTree([2.0, 2.0, 2.0])
    tree.set(1, 0.0)
    assert tree.total == 4.0
    assert {tree.find(t) for t in np.linspace(0, 3.999, 50)} == {0, 2}


def test_rebuild_rejects_negative_weights():
    with pytest.raises(ValueError, match="non-negative"):
        SumTree([1.0, -1.0])
