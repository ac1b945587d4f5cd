"""Each mechanism of DESIGN §2.2-2.3 moves outcomes the way its story says.

Every test compares two runs that differ in one mechanism (common random numbers:
same seed), so the difference is the mechanism's doing.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import polars as pl
import pytest

import econsim
from econsim.model.diffusion import smooth_step
from econsim.results import Results
from tests.conftest import binomial_bound, ended, firm_thresholds, series, simulated

NON_TEXT = ["finance", "legal", "healthcare", "education", "manufacturing", "logistics", "defense"]


def mean_capability(
    results: Results, lab: str, verticals: list[str], since: float, until: float = math.inf
) -> float:
    rows = series(results, lab).filter(
        pl.col("vertical").cast(pl.String).is_in(verticals)
        & pl.col("time").is_between(since, until)
    )
    return float(rows["capability"].mean())


def test_continual_learning_raises_the_capability_of_deployed_verticals():
    deployed = ["software", "finance", "healthcare", "management"]
    learning = (("capability.continual_learning", 0.5),)
    on, off = (
        np.mean([mean_capability(simulated("broad_deployment", extra, seed), "deployer",
                                 deployed, 2024.0)
                 for seed in range(1, 6)])
        for extra in (learning, ())
    )  # fmt: skip
    assert on > off
    # between releases the deployed model only gains: it learns, it never forgets
    results = simulated("broad_deployment", learning)
    releases = results.events.filter(pl.col("event") == "release")["time"].to_numpy()
    rows = series(results, "deployer", "software")
    times, level = rows["time"].to_numpy(), rows["capability"].to_numpy()
    between = [not np.any((releases > a) & (releases <= b)) for a, b in itertools.pairwise(times)]
    steps = np.diff(level)[between]
    assert np.all(steps >= 0) and np.count_nonzero(steps) > len(steps) / 2


def test_a_model_is_as_large_as_the_compute_its_training_run_had():
    # one lab: its first run is the reference Q0, so a model's scale is the compute
    # stock when its run started (the timeseries) over the stock at the start, to the γ
    gamma = 0.2
    scenario = econsim.load_scenario(
        "datacenter_of_geniuses",
        {"economy.firms": 1000, "horizon": 6.0, "capability.compute_exponent": gamma},
    )
    simulation = econsim.Simulation(scenario, seed=3)
    results = simulation.run()
    model = simulation.labs[0].model
    rows = series(results, "geniuses", "software")
    snapshot = model.released - scenario.labs["geniuses"].training_time
    stock = rows.filter(pl.col("time").is_close(snapshot))["compute"].item()
    assert model.data.scale == pytest.approx((stock / rows["compute"][0]) ** gamma, rel=1e-12)
    assert model.data.scale > 3  # the stock grew some 700-fold in five and a half years


def test_compute_in_learning_raises_an_isolated_labs_real_capability():
    # with efficiency from scale switched off (γ = 0) the same lab, with the same data,
    # is less capable: by 0.024 on average after 2030 (seed 3). Small, since efficiency
    # deepens skill on the types its data has seen and cannot add unseen ones
    on = simulated("datacenter_of_geniuses")
    off = simulated("datacenter_of_geniuses", (("capability.compute_exponent", 0.0),))
    verticals = [*NON_TEXT, "software", "ai_research", "management"]
    gained = mean_capability(on, "geniuses", verticals, 2030.0) - mean_capability(
        off, "geniuses", verticals, 2030.0
    )
    assert gained > 0.01


def test_continual_learning_lets_an_isolated_lab_that_starts_to_sell_catch_up_faster():
    # DESIGN 2.2: the datacenter of geniuses sells from 2030. Over the five years after,
    # a model that learns half of what its customers send between releases is further
    # along outside software, AI research and defense: +0.017 on average over seeds 1-4
    # at 10,000 firms (+0.011 to +0.027 seed by seed, on about 0.10; seeds 5-6 add
    # +0.001 and +0.020). Small, because it only brings forward by part of a release
    # interval the data the next release learns anyway, and few firms integrate a model
    # that does little of their work (docs/calibration.md)
    switch = {"at": 2030.0, "set": {"labs.geniuses.strategy": "broad"}}
    since = [v for v in NON_TEXT if v != "defense"] + ["management"]

    def five_years_on(learning: float, seed: int) -> float:
        overrides = {
            "economy.firms": 10_000,
            "horizon": 13.0,
            "interventions": [switch],
            "capability.continual_learning": learning,
        }
        results = econsim.simulate(econsim.load_scenario("datacenter_of_geniuses", overrides), seed)
        return mean_capability(results, "geniuses", since, 2030.0, 2035.0)

    gained = [five_years_on(0.5, seed) - five_years_on(0.0, seed) for seed in (1, 2, 3, 4)]
    assert min(gained) > 0.0 and np.mean(gained) > 0.01


def test_synthetic_data_adds_capability_only_where_real_episodes_ground_it():
    # DESIGN 2.2: environments' episodes count up to `grounding` times the real episodes
    # of their type. Grounding 0 -> 1 adds +0.0033 on average (+0.0019 to +0.0047 over
    # seeds 1-4, on about 0.2) to the deploying lab's mean capability outside software
    # and AI research over 2026-2030, and 0.0004 to the isolated lab's in defense,
    # whose real episodes are a corpus of 8e4. Small, because environments go to the
    # most popular types first, which deployment already covers (docs/calibration.md)
    outside = [*NON_TEXT, "management"]

    def gained(name: str, lab: str, verticals: list[str], seed: int) -> float:
        grounded, ungrounded = (
            mean_capability(simulated(name, (("horizon", 7.5), ("capability.grounding", g)), seed),
                            lab, verticals, 2026.0, 2030.0)
            for g in (1.0, 0.0)
        )  # fmt: skip
        return grounded - ungrounded

    deploying = [gained("broad_deployment", "deployer", outside, seed) for seed in (1, 2, 3, 4)]
    assert min(deploying) > 0.0 and np.mean(deploying) > 0.002
    assert 0.0 < gained("datacenter_of_geniuses", "geniuses", ["defense"], 1) < 0.001


def test_lab_run_operations_raise_capability_there_and_cost_budget():
    plain = simulated("datacenter_of_geniuses")
    runs = simulated("datacenter_of_geniuses", (("labs.geniuses.operations.healthcare", 2e4),))
    since = 2025.0
    assert mean_capability(runs, "geniuses", ["healthcare"], since) > mean_capability(
        plain, "geniuses", ["healthcare"], since
    )
    assert series(runs, "geniuses", "healthcare")["operations"].max() == 2e4
    early = pl.col("time").is_between(2023.0, 2024.0)  # before capability feeds back
    compute = [float(series(r, "geniuses", "software").filter(early)["compute"].mean())
               for r in (plain, runs)]  # fmt: skip
    assert compute[1] < compute[0]


def test_an_isolated_labs_funding_falls_once_investors_patience_runs_out():
    results = simulated("datacenter_of_geniuses")
    funding = series(results, "geniuses", "software").select("time", "funding")
    patience = results.scenario.labs["geniuses"].finance.investor_patience
    end = results.scenario.start + patience
    at_end = funding.filter(pl.col("time").is_close(end))["funding"].item()
    later = funding.filter(pl.col("time").is_close(end + 3.0))["funding"].item()
    lag = results.scenario.labs["geniuses"].finance.funding_lag
    # no revenue: what the rounds raised runs out with time constant `funding_lag`
    assert later == pytest.approx(at_end * math.exp(-3.0 / lag), rel=1e-9)
    growing = funding.filter(pl.col("time") <= end)["funding"].to_numpy()
    assert np.all(np.diff(growing) > 0)


def test_a_broad_labs_funding_follows_its_revenue_after_patience():
    results = simulated("broad_deployment")
    rows = (
        series(results, "deployer")
        .group_by("time")
        .agg(pl.col("funding").first(), pl.col("revenue").sum())
    )
    late = rows.filter(pl.col("time") >= results.scenario.start + 12).sort("time")
    multiple = results.scenario.labs["deployer"].finance.revenue_multiple
    # a year's lag behind a noisy, growing target: near multiple × revenue
    ratio = late["funding"] / (multiple * late["revenue"])
    assert ratio.min() > 0.5 and ratio.max() < 1.5


def test_dearer_rl_environments_lower_the_isolated_labs_capability():
    # environments 50 times dearer: 402 built instead of 2e7, and mean capability since
    # 2025 0.0014 lower (0.1175 -> 0.1161; software 0.0085, the rest 0.0002-0.0015).
    # Small where the lab's real data is thin: grounding caps each environment's worth
    # at the real episodes of its type (docs/calibration.md)
    cheap = simulated("datacenter_of_geniuses")
    dear = simulated(
        "datacenter_of_geniuses", (("labs.geniuses.environments.cost", 0.08 * 50_000),)
    )
    verticals = [*NON_TEXT, "software", "ai_research", "management"]
    lost = mean_capability(cheap, "geniuses", verticals, 2025.0) - mean_capability(
        dear, "geniuses", verticals, 2025.0
    )
    assert 0.001 < lost < 0.005
    built = [series(r, "geniuses")["environments"].max() for r in (cheap, dear)]
    assert built[1] < built[0] / 1000


def test_graded_outcomes_raise_a_labs_eval_validity_where_it_deploys():
    broad, isolated = simulated("broad_deployment"), simulated("datacenter_of_geniuses")
    end = broad.scenario.end
    for vertical in NON_TEXT:
        deploying = series(broad, "deployer", vertical).filter(pl.col("time") == end)
        alone = series(isolated, "geniuses", vertical).filter(pl.col("time") == end)
        benchmark = broad.scenario.verticals[vertical].eval_validity
        # graded outcomes reach it only from its own AI research, at transfer 1e-9
        assert alone["eval_validity"].item() == pytest.approx(benchmark, abs=1e-4)
        # where firms run its model (1% or more of them), its evals are far better;
        # elsewhere its pilots' outcomes still lift them (defense: +0.18, seed 3)
        lift = 0.3 if deploying["adoption"].item() >= 0.01 else 0.1
        assert deploying["eval_validity"].item() > benchmark + lift


def test_pilots_are_judged_on_real_capability_not_the_benchmark():
    # Benchmarks see only talk in healthcare (ρ = 0), so two labs with the same budget
    # and research score the same and firms pick them alike. Customers do not let
    # labs train on their data (consent 0), but one lab also runs clinics, so only its
    # real capability grows. Revenue does not feed back.
    overrides = (
        ("verticals.healthcare.consent", 0.0),
        ("labs.*.finance.reinvestment", 0.0),
        ("labs.*.finance.investor_patience", 100.0),
        ("verticals.healthcare.eval_validity", 0.0),
        ("labs.challenger.sample_efficiency", 1.0),
        ("labs.challenger.release_interval", 0.5),
        ("labs.challenger.finance.price_share", 0.1),
        ("labs.challenger.finance.funding", 1.0e10),
        ("labs.*.finance.operations_cost", 0.0),
        ("labs.frontier.operations.healthcare", 3e4),
        # thresholds θ_f lognormal around 0.3 (log-sd 0.5), whatever a firm's size
        ("verticals.healthcare.integration.firm_cost", 0.0),
        ("verticals.healthcare.integration.employee_cost", 0.3 * 9.0e4),
        ("verticals.healthcare.integration.friction", 1.0),
        ("verticals.healthcare.integration.friction_spread", 0.5),
    )
    results = simulated("baseline", overrides)
    ends = results.events.filter(
        (pl.col("vertical") == "healthcare")
        & pl.col("event").cast(pl.String).is_in(["pilot_success", "pilot_failure"])
    )
    proxy = results.timeseries.filter(pl.col("vertical") == "healthcare").pivot(
        "lab", index="time", values="proxy"
    )
    assert proxy["frontier"].to_numpy() == pytest.approx(proxy["challenger"].to_numpy(), rel=0.02)
    failure = {}
    for lab in ("frontier", "challenger"):
        mine = ends.filter(pl.col("lab") == lab)
        n = mine.height
        failure[lab] = (mine["event"] == "pilot_failure").sum() / n, n
    (f_hi, n_hi), (f_lo, n_lo) = failure["challenger"], failure["frontier"]
    se = np.sqrt(f_hi * (1 - f_hi) / n_hi + f_lo * (1 - f_lo) / n_lo)
    assert f_hi - f_lo > 3 * se


def test_firms_already_using_ai_at_the_start_are_the_observed_share():
    # a light_share of them use it lightly, the others run a model; no firm does both
    results = simulated("baseline")
    start, light = results.scenario.start, results.scenario.market.light_share
    initial = results.events.filter(pl.col("event") == "initial")
    lightly = results.events.filter((pl.col("event") == "light_use") & (pl.col("time") == start))
    counts = results.manifest["firms"]
    for vertical, spec in results.scenario.verticals.items():
        deployed = initial.filter(pl.col("vertical") == vertical).height
        users = lightly.filter(pl.col("vertical") == vertical).height
        expected = spec.initial_adoption * counts[vertical]
        assert deployed == pytest.approx((1 - light) * expected, abs=1)
        assert users == pytest.approx(light * expected, abs=1)
    assert (initial["time"] == start).all()
    assert not set(initial["firm"].to_list()) & set(lightly["firm"].to_list())


# ------------------------------------------------------------------ firms' decisions
# The Bass limit opens the capability gate fully (C ≈ 1, θ = 0): a firm's fit s(C - θ) is
# exactly 1, so pilots and renewals follow their probabilities alone.

BASS = (("economy.firms", 2000), ("horizon", 4.0), ("verticals.market.p", 1.0))


def test_a_pilot_of_a_fitting_model_succeeds_with_the_verticals_pilot_success():
    extra = (("verticals.market.pilot_success", 0.6), ("verticals.market.cooldown", 100.0))
    ends = ended(simulated("bass", (*BASS, *extra)), "pilot_success", "pilot_failure")
    assert ends["value"].to_numpy() == pytest.approx(0.6, abs=1e-15)  # the logged chance
    success = float((ends["event"] == "pilot_success").mean())
    assert success == pytest.approx(0.6, abs=binomial_bound(0.6, ends.height))


def test_a_fitting_model_is_kept_at_renewal_with_probability_one_minus_churn():
    extra = (
        ("verticals.market.churn", 0.3),
        ("verticals.market.contract_years", 0.5),
        ("verticals.market.cooldown", 100.0),
    )
    ends = ended(simulated("bass", (*BASS, *extra)), "renewal", "churn")
    assert ends["value"].to_numpy() == pytest.approx(0.7, abs=1e-15)  # the logged keep
    churned = float((ends["event"] == "churn").mean())
    assert churned == pytest.approx(0.3, abs=binomial_bound(0.3, ends.height))


def test_contracts_running_at_the_start_end_over_one_contract_length():
    # seeded firms' contracts have run a uniform share of their length: their first
    # renewals are uniform over the first contract_years
    extra = (
        ("verticals.market.initial_adoption", 0.5),
        ("verticals.market.contract_years", 2.0),
        ("market.light_share", 0.0),
    )
    results = simulated("bass", (*BASS, *extra))
    seeded = ended(results, "initial")["firm"]
    first = (
        ended(results, "renewal")
        .filter(pl.col("firm").is_in(seeded.implode()))
        .group_by("firm")
        .agg(pl.col("time").min())
    )
    wait = first["time"].to_numpy() - results.scenario.start
    assert first.height == seeded.len() == 1000
    assert wait.mean() == pytest.approx(1.0, abs=4 * (2 / np.sqrt(12)) / np.sqrt(wait.size))
    assert wait.max() > 1.9


SHORT = (("economy.firms", 3000), ("horizon", 8.0))


def test_a_switch_moves_a_firm_from_the_lab_that_served_it_to_another():
    results = simulated("baseline", SHORT)
    labs = results.scenario.lab_names
    served: dict[int, tuple[str, str]] = {}  # firm -> (lab, vertical) of its latest event
    switches = 0
    for event, lab, vertical, firm, value in (
        results.events.filter((pl.col("firm") >= 0) & (pl.col("event") != "light_use"))
        .select(pl.col("event", "lab", "vertical").cast(pl.String), "firm", "value")
        .rows()
    ):
        if event == "switch":
            old = labs[int(value)]
            assert old != lab
            assert served[firm] == (old, vertical)
            switches += 1
        served[firm] = (lab, vertical)
    assert switches > 0


def test_a_switching_cost_keeps_customers_with_their_lab():
    assert ended(simulated("baseline", SHORT), "switch").height > 0
    loyal = simulated("baseline", (*SHORT, ("market.switching_cost", 2.0)))
    assert ended(loyal, "switch").height == 0
    assert ended(loyal, "renewal").height > 0


NOT_SOFTWARE = ("ai_research", "finance", "legal", "healthcare", "education", "manufacturing",
                "logistics", "defense", "management")  # fmt: skip


@pytest.mark.parametrize(
    "skip",
    [
        ("verticals.software.initial_adoption", 0.0),  # no firm to seed
        ("labs.*.verticals", NOT_SOFTWARE),  # no lab to serve them
    ],
)
def test_a_vertical_seeded_with_nobody_leaves_the_others_their_initial_adopters(skip):
    results = simulated("baseline", (*SHORT, skip))
    initial = ended(results, "initial")
    counts = results.manifest["firms"]
    assert initial.filter(pl.col("vertical") == "software").height == 0
    for vertical, spec in results.scenario.verticals.items():
        if vertical != "software":
            deployed = initial.filter(pl.col("vertical") == vertical).height
            expected = (1 - results.scenario.market.light_share) * spec.initial_adoption
            assert deployed == pytest.approx(expected * counts[vertical], abs=1)


def test_firms_already_using_ai_are_drawn_among_those_the_gate_lets_through():
    scenario = econsim.load_scenario("baseline", {"economy.firms": 3000, "horizon": 0.25})
    simulation = econsim.Simulation(scenario, seed=3)
    simulation.start()
    price = [lab.finance.price_share for lab in scenario.labs.values()]
    net = np.array([lab.model.proxy * (1 - price[lab.index]) for lab in simulation.labs])
    best = net.max(axis=0)
    world, width = simulation.world, scenario.market.gate_width
    theta = firm_thresholds(scenario, world)
    closed = best[world.firm_vertical] - theta <= -width  # s(P(1 - π) - θ) = 0
    assert closed.mean() > 0.1
    seeded = ended(simulation.run(), "initial")["firm"].to_numpy()
    assert seeded.size > 50
    assert not closed[seeded].any()


def test_better_evals_rescore_the_released_model_at_once_not_at_the_next_release():
    # the evals change at a report time when no lab releases (they do every 0.5 and 0.75 years)
    at, scenario = 2024.25, econsim.load_scenario("baseline", {**dict(SHORT), "horizon": 2.0})
    change = {"at": at, "set": {"verticals.*.eval_validity": 0.7}}
    base, better = (
        econsim.simulate(s, seed=3)
        for s in (scenario, scenario.override({"interventions": [change]}))
    )
    releases = ended(better, "release")["time"].to_numpy()
    assert not np.any(np.isclose(releases, at))
    base, better = (r.timeseries.filter(pl.col("time").is_close(at)) for r in (base, better))
    assert better["capability"].to_list() == base["capability"].to_list()
    rho = np.array([scenario.verticals[v].eval_validity for v in base["vertical"].cast(pl.String)])
    talk = base["talk"].to_numpy()
    doing = (base["proxy"].to_numpy() - (1 - rho) * talk) / rho  # what the old score saw
    assert better["proxy"].to_numpy() == pytest.approx(0.7 * doing + 0.3 * talk, rel=1e-9)
    assert np.all(np.abs(better["proxy"].to_numpy() - base["proxy"].to_numpy()) > 1e-3)


def test_pilots_are_judged_on_the_capability_the_model_has_when_they_end():
    # With continual learning real capability moves at every monthly step, and at
    # releases (every half year): both on the report grid. A pilot that ends between two
    # reports meets the capability of the earlier one: its logged chance is
    # pilot_success · s(C (1 - π) - θ_f).
    scenario = econsim.load_scenario(
        "broad_deployment",
        {"economy.firms": 3000, "horizon": 6.0, "capability.continual_learning": 0.5},
    )
    simulation = econsim.Simulation(scenario, seed=2)
    results = simulation.run()
    reports = simulation.report_times
    capability = results.timeseries.pivot("vertical", index="time", values="capability")
    assert capability["time"].to_list() == reports.tolist()
    ends = ended(results, "pilot_success", "pilot_failure")
    assert ends.height > 150
    theta = firm_thresholds(scenario, simulation.world)
    price = {name: lab.finance.price_share for name, lab in scenario.labs.items()}
    for time, lab, vertical, firm, chance in ends.select(
        "time", pl.col("lab", "vertical").cast(pl.String), "firm", "value"
    ).rows():
        report = int(np.searchsorted(reports, time, side="right")) - 1
        realised = capability[vertical][report] * (1 - price[lab])
        fit = smooth_step(realised - theta[firm], scenario.market.gate_width)
        assert chance == pytest.approx(scenario.verticals[vertical].pilot_success * fit, abs=1e-12)


# ------------------------------------------------------------------ labs' books


def test_a_lab_pays_its_data_licences_out_of_its_compute_budget():
    # The same economy with every holder embargoed is the replay without licences: where
    # a lab raised the same funding in both (the promise, while investors wait, exceeds
    # what its revenue would raise) and no revenue is reinvested, its budget differs by
    # the licences alone, so it spends on compute exactly the licences less. Quarterly
    # steps fall on the licences' ends: a licence is paid from its signing to its end,
    # excluded (the first budget, at the start, precedes every licence).
    books = (*SHORT, ("steps_per_year", 4), ("reports_per_year", 4))
    books += (("labs.*.finance.reinvestment", 0.0),)
    licensed = simulated("data_holder_leverage", books)
    unlicensed = simulated("data_holder_leverage", (*books, ("holders.*.policy", "embargo")))
    scenario = licensed.scenario
    contract = {h.vertical: h.contract_years for h in scenario.holders.values()}
    licences = [
        (lab, signed, signed + contract[vertical], per_year)
        for signed, lab, vertical, per_year in ended(licensed, "licence")
        .select("time", pl.col("lab", "vertical").cast(pl.String), "value")
        .rows()
    ]
    assert len(licences) > 4
    books_of = [
        results.timeseries.filter(pl.col("vertical") == "software").select(
            "time", pl.col("lab").cast(pl.String), "funding", "compute_spending"
        )
        for results in (licensed, unlicensed)
    ]
    paired = books_of[0].join(books_of[1], on=("time", "lab"), suffix="_replay")
    same_funding = paired.filter(
        (pl.col("funding") == pl.col("funding_replay")) & (pl.col("time") > scenario.start)
    )
    for time, lab, _, have, _, would in same_funding.rows():
        owed = sum(
            cost for name, signed, end, cost in licences if name == lab and signed <= time < end
        )
        assert would - have == pytest.approx(owed, rel=1e-6, abs=1e-3)
    paying = same_funding.filter(pl.col("compute_spending") < pl.col("compute_spending_replay"))
    assert paying.height >= 2 * 4 * 2  # two labs, two years or more, quarterly


# no inflow of practice data (no consent, no internal use): the stock only decays
DRIFT, FEEDBACK = 0.3, 2.0
DECAYING = (*BASS, ("verticals.market.drift", DRIFT), ("verticals.market.consent", 0.0))


def test_deployment_speeds_up_the_decay_of_practice_data_by_the_drift_feedback():
    # over each step at δ·(1 + feedback × adoption at the step's start)
    results = simulated("bass", (*DECAYING, ("capability.drift_feedback", FEEDBACK)))
    rows = series(results, "lab", "market")
    stock, adoption = rows["practice_data"].to_numpy(), rows["adoption"].to_numpy()
    dt = np.diff(rows["time"].to_numpy())
    rate = -np.log(stock[1:] / stock[:-1]) / dt
    assert rate == pytest.approx(DRIFT * (1 + FEEDBACK * adoption[:-1]), rel=1e-9)
    assert adoption[-1] > 0.5


def test_drift_feedback_leaves_a_widely_deployed_model_less_capable():
    # the same market with the feedback off and on: every firm's gate is open either way
    # (integration is free), so adoption follows one path and the only difference is the
    # faster decay. The stock left after four years is exp(-δ·feedback·∫adoption) of the
    # other, and the model trained on it is less than half as capable (0.23 -> 0.10, seed 3)
    mid_curve = ("verticals.market.type_data_scale", 1e11)  # the corpus is 10 K
    off, on = (
        series(simulated("bass", (*DECAYING, mid_curve, ("capability.drift_feedback", f))),
               "lab", "market")
        for f in (0.0, FEEDBACK)
    )  # fmt: skip
    adoption = off["adoption"].to_numpy()
    assert np.array_equal(adoption, on["adoption"].to_numpy())
    exposure = float(adoption[:-1] @ np.diff(off["time"].to_numpy()))
    kept = on["practice_data"][-1] / off["practice_data"][-1]
    assert kept == pytest.approx(math.exp(-DRIFT * FEEDBACK * exposure), rel=1e-9)
    assert kept < 0.2
    assert on["capability"][-1] < 0.5 * off["capability"][-1]
    assert off["capability"][-1] > 0.2


def test_the_firms_a_lab_runs_itself_send_it_their_episodes_in_full():
    firms, healthcare = 2e4, "healthcare"
    overrides = {
        "economy.firms": 500,
        "horizon": 2.0,
        "capability.actuation.ceiling": 0.0,  # capture stays τ
        f"labs.geniuses.operations.{healthcare}": firms,
    }
    scenario = econsim.load_scenario("datacenter_of_geniuses", overrides)
    simulation = econsim.Simulation(scenario, seed=1)
    simulation.run()
    ledger, spec = simulation.ledger, scenario.verticals[healthcare]
    shares = {v: s.firm_share for v, s in scenario.verticals.items()}
    real_firms = scenario.economy.real_firms * spec.firm_share / sum(shares.values())
    episodes = firms / real_firms * spec.volume * spec.tokenizability * scenario.horizon
    h = scenario.vertical_names.index(healthcare)
    assert ledger.operated[0, h] == pytest.approx(episodes, rel=1e-9)
    assert np.count_nonzero(ledger.operated) == 1


TWO_VERTICALS = """
extends = "datacenter_of_geniuses"
replace = ["verticals"]
horizon = 1.0
[economy]
firms = 200
"""
VERTICAL = """
[verticals.{name}]
ai_research = {flag}
firm_share = 1.0
tokenizability = 1.0
corpus_practice = 1e9
corpus_descriptive = 1e9
learning_slope = 0.5
"""


@pytest.mark.parametrize("order", [("labs_own_work", "software"), ("software", "labs_own_work")])
def test_internal_use_feeds_the_vertical_flagged_ai_research(order, tmp_path):
    path = tmp_path / "two.toml"
    verticals = (VERTICAL.format(name=n, flag=str(n != "software").lower()) for n in order)
    path.write_text(TWO_VERTICALS + "".join(verticals))
    simulation = econsim.Simulation(econsim.load_scenario(path), seed=1)
    simulation.run()
    internal = dict(zip(order, simulation.ledger.internal[0].tolist(), strict=True))
    assert internal["labs_own_work"] > 0
    assert internal["software"] == 0


def test_investors_fund_the_promise_up_to_the_step_their_patience_runs_out():
    # quarterly steps land exactly on the end of patience (1.5 years): still the promise
    overrides = (
        ("steps_per_year", 4),
        ("reports_per_year", 4),
        ("horizon", 3.0),
        ("labs.geniuses.finance.investor_patience", 1.5),
    )
    results = simulated("datacenter_of_geniuses", overrides)
    finance = results.scenario.labs["geniuses"].finance
    funding = series(results, "geniuses", "software").select("time", "funding")
    end = results.scenario.start + 1.5
    at_end = funding.filter(pl.col("time") == end)["funding"].item()
    assert at_end == pytest.approx(finance.funding * np.exp(1.5 * finance.funding_growth))
    after = funding.filter(pl.col("time") == end + 0.25)["funding"].item()
    assert after == pytest.approx(at_end * np.exp(-0.25 / finance.funding_lag))  # no revenue
