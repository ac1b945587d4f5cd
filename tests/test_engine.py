"""Whole runs: reproducibility, releases, conservation of data, consistency of states."""

from __future__ import annotations

import itertools
import json
import math
import os
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

import econsim
from econsim.agents.market import DEPLOYED, PILOTING
from econsim.agents.release import Learning, Trainer, TrainingData
from econsim.model.capability import learning_curve
from econsim.model.diffusion import capture_share
from econsim.model.tasks import exact_popularity
from econsim.state.ledger import LedgerTerms, PracticeLedger
from econsim.state.parameters import VerticalTable

RIVAL = """
extends = "baseline"
replace = ["labs"]
name = "two_labs"
horizon = 8.0
[economy]
firms = 4000
[capability]                    # capture and drift constant: the replay below is exact
actuation = { ceiling = 0.0 }
drift_feedback = 0.0
[vertical_defaults]
p = 0.2
q = 0.6
[verticals.software]
lead_time = { median = 0.3, sigma = 0.8 }
[labs.frontier]
internal_use = 0.0              # no internal-use inflow: stocks come from firms alone
research = { automation = 1.0 }
[labs.rival]
verticals = ["software", "finance", "legal", "healthcare"]
sample_efficiency = 1.5
training_time = 0.25
release_interval = 0.75
internal_use = 0.0
research = { productivity = 0.0 }   # A stays 1.5
"""


def shared(fixture_name: str, config: pytest.Config) -> str:
    """One run for the module, except in mutmut's stats run (see conftest.py)."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else "module"


@pytest.fixture(scope=shared)
def two_labs(tmp_path_factory: pytest.TempPathFactory) -> econsim.Simulation:
    path = tmp_path_factory.mktemp("s") / "two_labs.toml"
    path.write_text(RIVAL)
    simulation = econsim.Simulation(econsim.load_scenario(path), seed=11)
    simulation.results = simulation.run()  # type: ignore[attr-defined]
    return simulation


def test_same_seed_gives_identical_parquet_files(small, tmp_path):
    for name in ("a", "b"):
        econsim.simulate(small, seed=5).write(tmp_path / name)
    for table in ("timeseries", "events", "summary"):
        a, b = ((tmp_path / run / f"{table}.parquet").read_bytes() for run in "ab")
        assert a == b


def test_the_seed_drives_the_draws_not_only_the_metadata(small):
    # a different seed gives a different economy: other firms adopt at other times
    a, c = (econsim.simulate(small, seed=seed) for seed in (5, 6))
    assert not a.events.equals(c.events)
    assert not a.timeseries.drop("time").equals(c.timeseries.drop("time"))


def test_the_scenario_seed_is_used_when_none_is_given(small):
    assert econsim.simulate(small).seed == small.seed


def test_no_nan_anywhere_and_shares_stay_in_range(two_labs):
    series = two_labs.results.timeseries
    assert series.null_count().sum_horizontal().item() == 0
    numeric = series.select(pl.exclude("lab", "vertical"))
    assert not any(numeric[c].is_nan().any() for c in numeric.columns)
    for column in ("capability", "talk", "proxy", "adoption"):
        assert series[column].min() >= 0 and series[column].max() <= 1


def test_every_firm_is_in_exactly_one_state_and_counts_agree(two_labs):
    market = two_labs.market
    labs, verticals = market.deployed.shape
    for state, counter in ((DEPLOYED, market.deployed), (PILOTING, market.piloting)):
        serving = market.lab_of[market.state == state]
        vertical = two_labs.world.firm_vertical[market.state == state]
        counted = np.zeros((labs, verticals), dtype=np.int64)
        np.add.at(counted, (serving, vertical), 1)
        assert (counted == counter).all()
    assert (market.race.idle == (market.state == 0)).all()


def replay(two_labs):
    """Each firm's piloting and deployed intervals, rebuilt from the event log alone."""
    scenario = two_labs.scenario
    end = scenario.start + scenario.horizon
    labs = {name: i for i, name in enumerate(scenario.lab_names)}
    open_at: dict[int, tuple[str, int, float]] = {}
    intervals = []
    allowed = {
        None: {"pilot_start", "initial"},
        "pilot": {"pilot_success", "pilot_failure"},
        "deployed": {"renewal", "switch", "churn"},
    }
    for time, event, lab, firm, value in (
        two_labs.results.events.filter(pl.col("firm").is_not_null())
        .select("time", "event", "lab", "firm", "value")
        .rows()
    ):
        state = open_at.get(firm, (None,))[0]
        assert event in allowed[state], f"firm {firm}: {event} while {state}"
        if state is not None:
            kind, serving, since = open_at.pop(firm)
            old = labs[scenario.lab_names[int(value)]] if event == "switch" else serving
            intervals.append((firm, kind, old, since, time))
        if event == "pilot_start":
            open_at[firm] = ("pilot", labs[lab], time)
        elif event == "initial":  # running a model when the run starts
            open_at[firm] = ("deployed", labs[lab], time)
        elif event in ("pilot_success", "renewal", "switch"):
            open_at[firm] = (
                "deployed",
                labs[lab] if event != "pilot_success" else open_at.get(firm, ("", labs[lab], 0))[1],
                time,
            )
    intervals += [(f, kind, lab, since, end) for f, (kind, lab, since) in open_at.items()]
    return intervals


def test_data_received_equals_data_generated_times_consent_exactly(two_labs):
    world, scenario = two_labs.world, two_labs.scenario
    v = VerticalTable(scenario.verticals)
    per_share = v.volume * capture_share(v.tokenizability, two_labs.ledger.actuation)
    received = np.zeros(two_labs.market.deployed.shape)
    stock = np.tile(
        v.corpus_practice * np.exp(-v.drift * scenario.horizon), (len(scenario.labs), 1)
    )
    end = scenario.start + scenario.horizon
    for firm, kind, lab, since, until in replay(two_labs):
        vertical = world.firm_vertical[firm]
        weight = 1.0 if kind == "deployed" else v.pilot_data[vertical]
        rate = world.firm_share[firm] * per_share[vertical] * weight * v.consent[vertical]
        received[lab, vertical] += rate * (until - since)
        drift = v.drift[vertical]
        stock[lab, vertical] += (
            rate * (math.exp(-drift * (end - until)) - math.exp(-drift * (end - since))) / drift
        )
    final = two_labs.results.timeseries.filter(pl.col("time") == end)
    shape = received.shape
    assert final["data_received"].to_numpy().reshape(shape) == pytest.approx(received, rel=1e-9)
    assert final["practice_data"].to_numpy().reshape(shape) == pytest.approx(stock, rel=1e-9)
    assert received.sum() > 0


def test_revenue_is_the_price_share_of_output_from_the_firms_the_event_log_says_are_served(
    two_labs,
):
    # replayed independently of the ledger: which firms run which lab's model at t
    scenario, world, results = two_labs.scenario, two_labs.world, two_labs.results
    when = scenario.start + 4.0
    served = np.zeros(two_labs.market.deployed.shape)
    for firm, kind, lab, since, until in replay(two_labs):
        if kind == "deployed" and since <= when < until:
            served[lab, world.firm_vertical[firm]] += world.firm_share[firm]
    rows = results.timeseries.filter(pl.col("time").is_close(when))
    shape = served.shape
    capability = rows["capability"].to_numpy().reshape(shape)
    output = served * VerticalTable(two_labs.scenario.verticals).output_value * capability
    assert rows["ai_output"].to_numpy().reshape(shape) == pytest.approx(output, rel=1e-9)
    price = np.array([[lab.finance.price_share] for lab in scenario.labs.values()])
    assert rows["revenue"].to_numpy().reshape(shape) == pytest.approx(price * output, rel=1e-9)
    assert output.sum() > 0


def test_without_deployments_practice_data_decays_exactly(small):
    quiet = small.override({"verticals.*.p": 0.0, "verticals.*.initial_adoption": 0.0})
    series = econsim.simulate(quiet).timeseries.filter(pl.col("vertical") == "software")
    drift, corpus = quiet.verticals["software"].drift, quiet.verticals["software"].corpus_practice
    elapsed = series["time"].to_numpy() - quiet.start
    assert series["practice_data"].to_numpy() == pytest.approx(
        corpus * np.exp(-drift * elapsed), rel=1e-12
    )
    assert series["deployed"].sum() == 0


def test_capability_changes_only_at_releases(two_labs):
    results = two_labs.results
    releases = results.events.filter(pl.col("event") == "release")
    for lab in two_labs.scenario.lab_names:
        series = results.timeseries.filter(pl.col("lab") == lab).pivot(
            "vertical", index="time", values="capability"
        )
        changed = np.flatnonzero(np.any(np.diff(series.drop("time").to_numpy(), axis=0) != 0, 1))
        times = series["time"].to_numpy()
        released = releases.filter(pl.col("lab") == lab)["time"].to_numpy()
        for i in changed:
            assert np.any((released > times[i]) & (released <= times[i + 1] + 1e-9))


def test_a_release_is_trained_on_the_data_at_its_training_start(two_labs):
    # rival: trains 0.25 y, releases every 0.75 y: training starts at start + 0.75 k.
    scenario, results = two_labs.scenario, two_labs.results
    snapshot_time = scenario.start + 1.5
    at = results.timeseries.filter(
        (pl.col("lab") == "rival") & (pl.col("time").is_close(snapshot_time))
    )
    data = TrainingData(
        *(at[column].to_numpy() for column in ("practice_data", "synthetic_data", "environments")),
        consented=np.zeros(at.height),  # only continual learning reads it
        efficiency=1.5,
        real_efficiency=at["real_efficiency"].to_numpy(),
    )
    model = Trainer(two_labs.live.tasks).assess(data, Learning.read(scenario), snapshot_time + 0.25)
    after = results.timeseries.filter(
        (pl.col("lab") == "rival") & (pl.col("time").is_close(snapshot_time + 0.5))
    )
    assert after["capability"].to_numpy() == pytest.approx(model.real, rel=1e-9)


def test_firms_choose_between_labs_and_switch(two_labs):
    events = two_labs.results.events
    software = events.filter(pl.col("vertical") == "software")
    assert set(software.filter(pl.col("event") == "pilot_start")["lab"]) == {"frontier", "rival"}
    assert events.filter(pl.col("vertical") == "manufacturing")["lab"].unique().to_list() == [
        "frontier"
    ]


def test_results_round_trip_through_a_folder_with_provenance(small, tmp_path):
    results = econsim.simulate(small, seed=3)
    folder = results.write(tmp_path / "run")
    again = econsim.read_results(folder)
    assert again.scenario == small and again.seed == 3
    assert again.scenario.vertical_names == small.vertical_names  # order decides the world
    assert again.timeseries.equals(results.timeseries)
    assert again.timeseries.schema == results.timeseries.schema  # names are enums again
    assert again.events.equals(results.events)
    assert again.events.schema == results.events.schema
    assert again.summary.equals(results.summary)
    stamp = econsim.read_provenance(folder / "events.parquet")
    assert stamp["seed"] == 3 and stamp["scenario"]["name"] == small.name


def test_the_events_file_says_the_unit_of_every_kind_of_value(small, tmp_path):
    import pyarrow.parquet as pq

    from econsim.state.events import Event

    folder = econsim.simulate(small, seed=3).write(tmp_path / "run")
    field = pq.read_schema(folder / "events.parquet").field("value")
    units = json.loads(field.metadata[b"unit"])
    assert list(units) == [kind.name.lower() for kind in Event]
    assert all(units.values()) and units["pilot_start"] == "lead time, years"


def test_a_run_folder_reads_the_same_in_pandas_and_pyarrow_with_units(small, tmp_path):
    import pandas as pd
    import pyarrow.parquet as pq

    results = econsim.simulate(small, seed=3)
    folder = results.write(tmp_path / "run")
    schema = pq.read_schema(folder / "timeseries.parquet")
    assert schema.field("funding").metadata == {b"unit": b"USD a year"}
    assert json.loads(schema.metadata[b"econsim"])["seed"] == 3
    frame = pd.read_parquet(folder / "timeseries.parquet")
    assert frame["capability"].tolist() == results.timeseries["capability"].to_list()
    assert frame["vertical"].tolist() == results.timeseries["vertical"].cast(str).to_list()


def test_a_failed_write_leaves_nothing_behind(small, tmp_path, monkeypatch):
    results = econsim.simulate(small)

    def explode(self, folder: Path) -> None:
        (folder / "timeseries.parquet").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(econsim.Results, "write_files", explode)
    with pytest.raises(OSError, match="disk full"):
        results.write(tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


def test_summary_metrics_are_consistent_with_the_timeseries(two_labs):
    results = two_labs.results
    metrics = results.metrics()
    threshold = two_labs.scenario.capability.expert_threshold
    assert metrics["breadth"] == results.breadth()["breadth"][-1]
    for vertical in two_labs.scenario.vertical_names:
        series = results.timeseries.filter(pl.col("vertical") == vertical)
        best = series.group_by("time").agg(pl.col("capability").max()).sort("time")
        reached = best.filter(pl.col("capability") >= threshold)["time"]
        expected = reached.min() if reached.len() else None
        assert metrics[f"time_to_expert.{vertical}"] == expected
    counts = defaultdict(float)
    for lab in two_labs.scenario.lab_names:
        counts[lab] = metrics[f"deployed.{lab}"]
    assert sum(counts.values()) == two_labs.market.deployed.sum()


def test_the_adoption_race_counts_each_deployed_firm_once(two_labs):
    assert two_labs.market.race.deployed == two_labs.market.deployed.sum(axis=0).tolist()


# ------------------------------------------------------------------ the parts, one at a time


def parts(overrides: dict[str, object] | None = None) -> tuple[econsim.Simulation, Trainer]:
    """A simulation whose labs have their first models (nothing has run), and a trainer."""
    scenario = econsim.load_scenario("baseline", {"economy.firms": 500, **(overrides or {})})
    simulation = econsim.Simulation(scenario, seed=1)
    for lab in simulation.labs:
        lab.begin(scenario.start)
    return simulation, Trainer(simulation.live.tasks)


def test_a_fresh_ledger_only_decays_the_corpus_until_rates_are_set():
    simulation, _ = parts()
    start, v = simulation.scenario.start, VerticalTable(simulation.scenario.verticals)
    ledger = PracticeLedger(LedgerTerms.read(simulation.scenario), 2, start)
    ledger.advance_all(start + 2.0)
    assert ledger.real == pytest.approx(np.tile(v.corpus_practice * np.exp(-2.0 * v.drift), (2, 1)))
    for stock in ("graded", "synthetic", "received", "generated", "operated", "output"):
        assert not getattr(ledger, stock).any(), stock


def test_a_delivery_adds_its_episodes_to_the_practice_and_graded_stocks_which_then_decay():
    simulation, _ = parts()
    ledger, start = simulation.ledger, simulation.scenario.start
    twin = PracticeLedger(simulation.ledger.terms, len(simulation.labs), start)
    for book, lab in itertools.product((ledger, twin), range(len(simulation.labs))):
        book.set_lab_rates(lab, start, *np.zeros((3, ledger.real.shape[1])))  # no inflow
    finance = simulation.scenario.vertical_names.index("finance")
    ledger.deliver(0, finance, start + 1.0, 1e9)
    for book in (ledger, twin):
        book.advance_all(start + 3.0)
    kept = 1e9 * math.exp(-2.0 * simulation.ledger.terms.drift[finance])
    for stock in ("real", "graded"):
        added = getattr(ledger, stock) - getattr(twin, stock)
        assert added[0, finance] == pytest.approx(kept, rel=1e-9)
        assert np.count_nonzero(added) == 1
    assert ledger.licensed[0, finance] == ledger.received[0, finance] - twin.received[0, finance]
    assert ledger.licensed[0, finance] == 1e9


def test_graded_outcomes_elsewhere_count_towards_eval_validity_by_their_transfer_weight():
    simulation, _ = parts(
        {"capability.generalization": 1e-3, "capability.transfer": {"software": {"finance": 0.5}}}
    )
    names, v = simulation.scenario.vertical_names, VerticalTable(simulation.scenario.verticals)
    software, finance = names.index("software"), names.index("finance")
    lab = simulation.labs[0]
    assert lab.eval_validity().tolist() == v.eval_validity.tolist()  # no graded outcomes yet
    graded = 2 * v.graded_half[finance]  # half of it reaches finance: half-way there
    simulation.ledger.deliver(0, software, simulation.scenario.start, graded)
    validity = lab.eval_validity()
    rho = v.eval_validity
    assert validity[finance] == pytest.approx(rho[finance] + (1 - rho[finance]) / 2)
    legal = names.index("legal")
    assert rho[legal] < validity[legal] < validity[finance]  # 1e-3 of it reaches legal


def test_the_gain_of_extra_data_is_what_a_model_trained_with_it_would_add():
    simulation, trainer = parts()
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
    simulation, trainer = parts()
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
    # below is exact, so the trainer must match it to rounding
    overrides = {
        "verticals.*.task_types": 40,
        "verticals.*.type_data_scale": 30.0,
        "verticals.*.corpus_descriptive": 150.0,
        "capability.grounding": 2.0,
        "capability.generalization": 0.01,
        "capability.transfer": {"software": {"finance": 0.3}},
    }
    simulation, trainer = parts(overrides)
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
            episodes[v], data.real_efficiency[v], spec.task_tail, spec.learning_slope, *own
        )
        doing = expected_capability(episodes[v], 3.0, spec.task_tail, spec.learning_slope, *own)
        talk = expected_capability(150.0, 3.0, spec.task_tail, spec.learning_slope)
        rho = spec.eval_validity
        assert model.real[v] == pytest.approx(real, rel=1e-9)
        assert model.doing[v] == pytest.approx(doing, rel=1e-9)
        assert model.talk[v] == pytest.approx(talk, rel=1e-9)
        assert model.proxy[v] == pytest.approx(rho * doing + (1 - rho) * talk, rel=1e-9)
        w = exact_popularity(40, spec.task_tail)
        assert model.coverage[v] == pytest.approx(w @ -np.expm1(-episodes[v] * w), rel=1e-12)
    assert model.released == 2030.0


def synthetic_series(capability: dict[str, list[float]]) -> pl.DataFrame:
    """One lab's time series at yearly reports 2030, 2031, ... with the given capability."""
    rows = []
    for vertical, path in capability.items():
        for k, c in enumerate(path):
            rows.append({"time": 2030.0 + k, "lab": "lab", "vertical": vertical,
                         "capability": c, "proxy": c, "gap": 0.0, "adoption": 0.1,
                         "practice_data": 1.0, "deployed": 1.0})  # fmt: skip
    return pl.DataFrame(rows)


def test_expert_from_is_the_report_after_the_last_dip_below_the_threshold():
    from econsim.results.metrics import flatten, summarize

    series = synthetic_series(
        {
            "steady": [0.6, 0.7, 0.8, 0.9],  # expert throughout: from the first report
            "dips": [0.6, 0.4, 0.55, 0.6],  # reached in 2030, fell back, settled in 2032
            "falls": [0.2, 0.6, 0.7, 0.43],  # reached in 2031 and ends below: never settled
            "never": [0.1, 0.2, 0.3, 0.4],
        }
    )
    got = flatten(summarize(series, 0.5))
    assert [got[f"expert_from.{v}"] for v in ("steady", "dips", "falls", "never")] == [
        2030.0, 2032.0, None, None
    ]  # fmt: skip
    assert [got[f"time_to_expert.{v}"] for v in ("steady", "dips", "falls", "never")] == [
        2030.0, 2030.0, 2031.0, None
    ]  # fmt: skip


def test_metrics_at_a_year_see_only_the_reports_up_to_it():
    from econsim.results.metrics import flatten, summarize

    series = synthetic_series({"a": [0.2, 0.6, 0.7, 0.43], "b": [0.1, 0.2, 0.6, 0.8]})
    at_2031 = flatten(summarize(series, 0.5, at=2031.0))
    assert at_2031["capability.a"] == 0.6 and at_2031["expert_from.a"] == 2031.0
    assert at_2031["breadth"] == 1.0 and at_2031["time_to_expert.b"] is None
    with pytest.raises(ValueError, match="outside the run"):
        summarize(series, 0.5, at=2040.0)
