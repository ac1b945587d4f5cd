"""Extension points: names in the low-layer registries, one implementation each."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import econsim
from econsim.results.metrics import METRICS
from econsim.scenario import INTERVENTIONS, ScenarioError
from econsim.scenario.registry import Registry


def test_a_registry_loads_its_built_in_implementations_before_it_names_any():
    # in a fresh process, validating a scenario is what loads the agents' extensions
    code = (
        "import sys\n"
        "from econsim.scenario.registry import HOLDER_POLICIES, STRATEGIES\n"
        "assert 'econsim.agents.strategies' not in sys.modules\n"
        "print(STRATEGIES.names, HOLDER_POLICIES.names)\n"
        "print(STRATEGIES['broad'].__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "('broad', 'isolated', 'vertical') ('embargo', 'license', 'exclusive', 'open')",
        "econsim.agents.strategies",
    ]
    assert INTERVENTIONS.names == ("set",)


def test_a_name_is_registered_once():
    toy: Registry[object] = Registry("toy", home="econsim.scenario.errors")
    toy.register("a")(object)
    with pytest.raises(KeyError, match="registered twice"):
        toy.register("a")(object)
    toy.forget("a")
    assert toy.names == ()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("labs.frontier.strategy", "brod", "unknown strategy 'brod' (did you mean 'broad'?)"),
        (
            "holders.h.policy",
            "licence",
            "unknown holder policy 'licence' (did you mean 'license'?)",
        ),
    ],
)
def test_an_unknown_name_is_a_clean_error_naming_the_allowed_ones(key, value, message):
    holder = {"holders": {"h": {"vertical": "legal"}}}
    with pytest.raises(ScenarioError) as caught:
        econsim.load_scenario("baseline", {**holder, key: value})
    assert message in str(caught.value)


def test_summary_metrics_are_null_never_nan_where_undefined():
    # no corpus and no firms in one vertical: its data concentration is undefined
    quiet = {
        "economy.firms": 500,
        "horizon": 1.0,
        "verticals.defense.corpus_practice": 0.0,
        "verticals.defense.p": 0.0,
        "verticals.defense.initial_adoption": 0.0,
    }
    results = econsim.simulate(econsim.load_scenario("baseline", quiet))
    values = results.metrics()
    assert values["data_hhi.defense"] is None
    assert not any(v is not None and math.isnan(v) for v in values.values())
    assert set(METRICS) == {"run", "vertical", "data", "lab"}


def test_an_undefined_value_becomes_null_in_the_summary():
    import polars as pl

    from econsim.results.metrics import flatten, summarize

    frame = pl.DataFrame(
        {
            "time": [0.0, 1.0],
            "lab": ["a", "a"],
            "vertical": ["v", "v"],
            "capability": [0.1, 0.2],
            "proxy": [0.3, 0.4],
            "gap": [float("nan"), float("nan")],
            "adoption": [0.0, 0.1],
            "practice_data": [1.0, 2.0],
            "deployed": [0, 1],
        }
    )
    values = flatten(summarize(frame, 0.5))
    assert values["max_gap"] is None and values["max_gap.a"] is None
    assert values["breadth"] == 0.0
