"""Each kind of extension is one declaration in one place, and shows in a run's output.

Every test here adds a throwaway extension the way a developer would add a real one
(DESIGN §4), runs a small economy, and finds it in what the run writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest

import econsim
from econsim.agents.holders import Licence, Round, license_to_all
from econsim.agents.strategies import Broad
from econsim.results.columns import COLUMNS, column
from econsim.scenario import INTERVENTIONS, SetKeys
from econsim.scenario.registry import HOLDER_POLICIES, STRATEGIES
from econsim.state.columns import RecordedRun, per_lab


@pytest.fixture
def tiny() -> econsim.Scenario:
    return econsim.load_scenario("baseline", {"economy.firms": 800, "horizon": 2.0})


@pytest.fixture
def squared_proxy() -> Iterator[str]:
    @column("squared_proxy", "benchmark score squared, 0-1", "the benchmark score, squared")
    def _read(run: RecordedRun) -> np.ndarray:
        return per_lab(run, lambda lab: lab.model.proxy) ** 2

    yield "squared_proxy"
    COLUMNS.forget("squared_proxy")


def test_a_column_declared_once_is_recorded_and_written_with_its_unit(
    tiny, squared_proxy, tmp_path: Path
):
    folder = econsim.simulate(tiny, seed=1).write(tmp_path / "run")
    frame = pl.read_parquet(folder / "timeseries.parquet")
    assert frame.columns[-1] == squared_proxy
    assert np.array_equal(frame[squared_proxy].to_numpy(), frame["proxy"].to_numpy() ** 2)
    field = pq.read_schema(folder / "timeseries.parquet").field(squared_proxy)
    assert field.metadata[b"unit"].decode() == "benchmark score squared, 0-1"


def test_a_column_name_is_declared_once(squared_proxy):
    with pytest.raises(KeyError, match="column 'squared_proxy' is registered twice"):
        column(squared_proxy, "", "")(lambda run: np.zeros(1))


@pytest.fixture
def for_a_while() -> Iterator[str]:
    @INTERVENTIONS.register("for_a_while")
    class ForAWhile(SetKeys):
        """Set keys at ``at`` and back to what they were at ``until``."""

        until: float

        def ends(self) -> float:
            return self.until

    yield "for_a_while"
    INTERVENTIONS.forget("for_a_while")


def test_an_intervention_kind_declared_once_is_validated_applied_and_undone(tiny, for_a_while):
    dearer = {"labs.*.finance.price_share": 0.3}
    entry = {"kind": for_a_while, "at": 2023.0, "until": 2023.5, "set": dearer}
    scenario = tiny.override({"interventions": [entry]})
    assert scenario.model_dump()["interventions"][0]["kind"] == for_a_while  # round trip
    results = econsim.simulate(scenario, seed=1)
    times = results.events.filter(pl.col("event") == "intervention")["time"].to_list()
    assert times == [2023.0, 2023.5]
    served = results.timeseries.filter(pl.col("ai_output") > 0)
    share = served.group_by("time", "lab").agg((pl.col("revenue") / pl.col("ai_output")).mean())
    price = dict(frontier=0.1, challenger=0.08)
    for time, lab, measured in share.iter_rows():
        expected = 0.3 if 2023.0 <= time < 2023.5 else price[lab]
        assert measured == pytest.approx(expected, rel=1e-12), (time, lab)


def test_an_intervention_is_checked_against_its_own_kind(tiny, for_a_while):
    entry = {"kind": for_a_while, "at": 2023.0, "untill": 2023.5, "set": {"verticals.legal.p": 1}}
    with pytest.raises(econsim.ScenarioError, match=r"interventions\.0\.untill: .*'until'"):
        tiny.override({"interventions": [entry]})
    with pytest.raises(econsim.ScenarioError, match="unknown intervention kind 'for_a_whil'"):
        tiny.override({"interventions": [{**entry, "kind": "for_a_whil"}]})


@pytest.fixture
def software_only() -> Iterator[str]:
    @STRATEGIES.register("software_only")
    class SoftwareOnly(Broad):
        """Sells in software alone."""

        def offers(self) -> np.ndarray:
            return np.array([v == "software" for v in self.lab.prospects.verticals])

    yield "software_only"
    STRATEGIES.forget("software_only")


def test_a_strategy_declared_once_decides_where_its_lab_sells(tiny, software_only):
    scenario = tiny.override({"economy.firms": 2000, "labs.challenger.strategy": software_only})
    events = econsim.simulate(scenario, seed=1).events.filter(
        (pl.col("lab") == "challenger") & pl.col("vertical").is_not_null()
    )
    assert set(events["vertical"].cast(pl.String)) == {"software"}
    assert events.filter(pl.col("event") == "pilot_start").height > 0


@pytest.fixture
def half_price() -> Iterator[str]:
    @HOLDER_POLICIES.register("half_price")
    def _half(round_: Round) -> list[Licence]:
        """Licence as ``license`` does, for half the price."""
        return [
            replace(licence, per_year=licence.per_year / 2) for licence in license_to_all(round_)
        ]

    yield "half_price"
    HOLDER_POLICIES.forget("half_price")


def test_a_holder_policy_declared_once_decides_the_licences(tiny, half_price):
    holder = {"vertical": "healthcare", "policy": half_price, "price": 1e6, "growth": 1e9}
    scenario = tiny.override({"holders": {"hospitals": holder}})
    licences = econsim.simulate(scenario, seed=1).events.filter(pl.col("event") == "licence")
    assert licences.height >= 2
    assert licences["value"].to_list() == [5e5] * licences.height
