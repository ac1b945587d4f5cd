"""DESIGN §6, the thesis as orderings, never as magic numbers.

Runs with customers are compared over ten seeds. A lab without customers never meets
a random firm, so its run is deterministic: there the test varies the uncertain
parameters instead of claiming robustness over seeds.
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

import econsim
from econsim.experiments.compare import paired_differences
from econsim.results import Results
from tests.conftest import series, simulated

SEEDS = range(1, 11)
# the verticals whose work is not text (all but software and AI research)
NOT_TEXT = ("finance", "legal", "healthcare", "education", "manufacturing", "logistics",
            "defense", "management")  # fmt: skip
HIGH_TRANSFER = (("capability.generalization", 0.1), ("capability.grounding", 10.0))
# the isolated lab's uncertain parameters: automated research, internal use, task tail
ISOLATED_GRID = [
    (("labs.*.research.automation", a), ("labs.*.internal_use", u), ("verticals.*.task_types", n))
    for a, u, n in itertools.product((0.3, 3.0), (1e7, 1e9), (500, 20_000))
]


def lab_breadth(results: Results, lab: str) -> np.ndarray:
    threshold = results.scenario.capability.expert_threshold
    counts = (
        series(results, lab)
        .group_by("time", maintain_order=True)
        .agg((pl.col("capability") >= threshold).sum())
    )
    return counts["capability"].to_numpy()


def mean_gap(results: Results, lab: str, time: float) -> float:
    rows = series(results, lab).filter(
        pl.col("time").is_close(time) & pl.col("vertical").cast(pl.String).is_in(NOT_TEXT)
    )
    return float(rows["gap"].mean())


def capability(results: Results, vertical: str, lab: str | None = None) -> pl.DataFrame:
    rows = results.timeseries.filter(pl.col("vertical") == vertical)
    if lab is not None:
        return rows.filter(pl.col("lab") == lab)
    return rows.group_by("time", maintain_order=True).agg(pl.col("capability").max())


# ------------------------------------------------------------------ isolated against broad


@pytest.mark.parametrize("point", [(), *ISOLATED_GRID])
def test_with_low_transfer_an_isolated_lab_stays_narrower_and_more_goodharted(point):
    seeds = SEEDS if not point else SEEDS[:2]  # ten seeds at the baseline's values
    isolated = simulated("datacenter_of_geniuses", point, 1)
    for broad in (simulated("broad_deployment", point, seed) for seed in seeds):
        iso, dep = lab_breadth(isolated, "geniuses"), lab_breadth(broad, "deployer")
        assert (iso <= dep).all()
        assert iso[-1] < dep[-1]
        assert isolated.metrics()["mean_gap.geniuses"] > broad.metrics()["mean_gap.deployer"]


def final_capability(results: Results, lab: str) -> float:
    return float(
        series(results, lab).filter(pl.col("time") == results.scenario.end)["capability"].mean()
    )


def test_with_high_transfer_the_isolated_lab_catches_up():
    for point in [(), *ISOLATED_GRID]:  # transfer lifts it at every point ...
        low = simulated("datacenter_of_geniuses", point, 1)
        high = simulated("datacenter_of_geniuses", (*point, *HIGH_TRANSFER), 1)
        assert final_capability(high, "geniuses") > final_capability(low, "geniuses"), point
    # ... and at the baseline's values brings it level with a deploying lab
    broad = [simulated("broad_deployment", HIGH_TRANSFER, seed) for seed in SEEDS]
    caught_up = simulated("datacenter_of_geniuses", HIGH_TRANSFER, 1).metrics()["breadth.geniuses"]
    assert caught_up >= np.median([r.metrics()["breadth.deployer"] for r in broad]) - 1


def test_efficiency_cannot_create_data_an_isolated_lab_without_transfer_stays_below_expert():
    no_transfer = (("labs.*.research.ceiling", 1e12), ("capability.generalization", 0.0))
    threshold = simulated("datacenter_of_geniuses", seed=1).scenario.capability.expert_threshold
    for point in ISOLATED_GRID:
        results = simulated("datacenter_of_geniuses", (*point, *no_transfer), 1)
        best = series(results, "geniuses").group_by("vertical").agg(pl.col("capability").max())
        for vertical, value in best.iter_rows():
            if vertical not in ("software", "ai_research"):
                assert value < threshold, (point, vertical, value)


def research_rate(results: Results, lab: str, start: float, end: float) -> float:
    """Mean yearly growth of ln A between two report times."""
    rows = series(results, lab).filter(pl.col("vertical") == "software")
    a = dict(zip(rows["time"], rows["sample_efficiency"], strict=True))
    return float(np.log(a[end] / a[start]) / (end - start))


def test_efficiency_cannot_create_task_types_a_vertical_stays_where_its_coverage_is():
    # valid evals and patient investors: efficiency reaches 1e12, and still a vertical
    # whose corpus has not seen most of its work stays where its coverage is
    limits = (
        ("labs.*.research.ceiling", 1e12),
        ("capability.generalization", 0.0),
        ("verticals.*.eval_validity", 1.0),
        ("labs.*.finance.investor_patience", 100.0),
    )
    results = simulated("datacenter_of_geniuses", limits, 1)
    rows = series(results, "geniuses")
    assert rows["sample_efficiency"].max() == 1e12
    final = rows.filter(pl.col("time") == results.scenario.end)
    for vertical in ("manufacturing", "logistics"):
        row = final.filter(pl.col("vertical") == vertical)
        capability, coverage = row["capability"].item(), row["coverage"].item()
        # efficiency has done all it can (capability at its coverage) and it is not enough
        assert 0.85 * coverage < capability <= coverage < 0.6
        assert capability < 0.5


def test_an_isolated_labs_goodhart_gap_grows_while_its_research_speeds_up():
    for point in [(), *ISOLATED_GRID]:
        results = simulated("datacenter_of_geniuses", point, 1)
        assert mean_gap(results, "geniuses", 2030.5) > mean_gap(results, "geniuses", 2024.5)
    baseline = simulated("datacenter_of_geniuses", seed=1)
    assert research_rate(baseline, "geniuses", 2028.5, 2030.5) > research_rate(
        baseline, "geniuses", 2024.5, 2026.5
    )


def test_a_deploying_labs_goodhart_gap_shrinks():
    # integration waits on value realised with real capability, so outside text work
    # graded outcomes come slowly: the gap is flat to 2030 and down by 2033 (0.50-0.51 in
    # 2024.5, 0.34-0.45 in 2033.5 over seeds 1-10 at 5,000 firms)
    for seed in SEEDS:
        results = simulated("broad_deployment", seed=seed)
        assert mean_gap(results, "deployer", 2033.5) < mean_gap(results, "deployer", 2024.5) - 0.04


def test_coding_comes_before_management_and_physical_work():
    # the jaggedness every source shows in 2026 (docs/calibration.md): software ahead of
    # management and far ahead of manufacturing. Data per type by how outcomes are checked
    # makes it so; one scale for every vertical put management first. Seeds 1-6 at 20,000
    # firms (a few large firms carry software's data, so one seed is noisy): 0.28, 0.22, 0.08
    verticals = ("software", "management", "manufacturing")
    scenario = econsim.load_scenario("baseline", {"economy.firms": 20_000, "horizon": 3.5})
    leading = []
    for seed in range(1, 7):
        results = econsim.simulate(scenario, seed=seed)
        best = (capability(results, v).filter(pl.col("time") == 2026.0) for v in verticals)
        leading.append([rows["capability"].item() for rows in best])
    software, management, manufacturing = np.mean(leading, axis=0)
    assert software > management + 0.03 and software > 2 * manufacturing


# ------------------------------------------------------------------ data holders and policy


@pytest.mark.parametrize("seed", SEEDS)
def test_an_embargoed_vertical_lags_the_same_vertical_under_licensing(seed):
    embargo = simulated("data_holder_leverage", seed=seed)
    licensed = simulated(
        "data_holder_leverage", (("holders.defense_ministry.policy", "license"),), seed
    )
    gap = (
        capability(licensed, "defense")["capability"] - capability(embargo, "defense")["capability"]
    )
    assert gap.min() >= -1e-9 and gap.max() > 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_a_data_sharing_mandate_speeds_its_vertical(seed):
    base = simulated("data_holder_leverage", seed=seed)
    mandate = simulated("data_sharing_mandate", seed=seed)
    after = pl.col("time").is_between(2028.5, 2034.0)
    lift = (
        capability(mandate, "healthcare").filter(after)["capability"]
        - capability(base, "healthcare").filter(after)["capability"]
    )
    assert lift.mean() > 0
    before = pl.col("time") < 2028.0
    assert (
        capability(mandate, "healthcare")
        .filter(before)
        .equals(capability(base, "healthcare").filter(before))
    )  # same seed, same past


def conquest_lead(seed: int) -> float:
    """The conqueror's mean capability lead in healthcare over the second half of its
    first campaign (early on, one large customer decides who leads)."""
    results = simulated("vertical_conquest", seed=seed)
    campaigns = results.events.filter(pl.col("event") == "campaign")
    end = campaigns["time"].min() if campaigns.height else results.scenario.end
    during = pl.col("time").is_between((results.scenario.start + end) / 2, end)
    own = capability(results, "healthcare", "conqueror").filter(during)["capability"]
    rival = capability(results, "healthcare", "frontier").filter(during)["capability"]
    return float(own.mean() - rival.mean())


def test_a_vertical_conquest_lab_leads_in_its_first_vertical():
    # Heavy-tailed firm sizes: in a single draw the broad lab can win the few largest
    # hospitals, so the ordering is over seeds: a lead on average and in most of them.
    leads = [conquest_lead(seed) for seed in SEEDS]
    assert np.mean(leads) > 0
    assert sum(lead > 0 for lead in leads) > len(leads) / 2


# ------------------------------------------------------------------ diffusion reaches capability


def lever_effect(name: str, lever: dict[str, object], firms: int, seeds: range) -> dict:
    """Paired effect of a healthcare lever from 2026 on healthcare capability in 2035."""
    rows = []
    base = econsim.load_scenario(name, {"economy.firms": firms, "horizon": 12.5})
    arms = {"base": base, "lever": base.override({"interventions": [lever]})}
    for seed in seeds:
        for arm, scenario in arms.items():
            results = econsim.simulate(scenario, seed=seed)
            final = capability(results, "healthcare")["capability"][-1]
            rows.append({"arm": arm, "point": 0, "replication": seed, "status": "ok",
                         "metric.capability": final})  # fmt: skip
    return paired_differences(pl.DataFrame(rows), "base").row(0, named=True)


def test_a_deployment_lever_reaches_capability_years_later_and_less_so_if_learning_generalises():
    # customers stop letting labs train on healthcare data from 2026
    lever = {"at": 2026.0, "set": {"verticals.healthcare.consent": 0.0}}
    # seeds 1-4: -0.28 [-0.36, -0.21] in the baseline, -0.001 under the optimist
    low = lever_effect("baseline", lever, 5_000, range(1, 5))
    high = lever_effect("generalization_optimist", lever, 5_000, range(1, 5))
    assert low["ci_high"] < -0.05  # far lower capability in 2035, beyond the noise
    assert abs(high["difference"]) < abs(low["difference"]) / 4


def pilot_delay(base: econsim.Scenario) -> dict[str, object]:
    median = base.verticals["healthcare"].lead_time.median
    return {"at": 2026.0, "set": {"verticals.healthcare.lead_time.median": median + 2.0}}


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="not reached with the sourced parameters: -0.006 [-0.015, +0.003] measured "
    "(docs/what-decides.md); most of healthcare's data by 2035 comes from firms deployed "
    "before the delay, and a pilot yields data while it waits",
)
def test_the_acceptance_figure_of_the_healthcare_pilot_delay():
    # issue 8: at least 0.03 lower on average, 95% interval excluding zero, 20 paired
    # replications at 20,000 firms; under the optimist at most half as large
    lever = pilot_delay(econsim.load_scenario("baseline"))
    low = lever_effect("baseline", lever, 20_000, range(1, 21))
    high = lever_effect("generalization_optimist", lever, 20_000, range(1, 21))
    assert low["difference"] <= -0.03 and low["ci_high"] < 0
    assert abs(high["difference"]) <= abs(low["difference"]) / 2
