"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import econsim
from econsim.scenario import Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture
def small() -> Scenario:
    """The baseline economy at low resolution and a short horizon."""
    return econsim.load_scenario("baseline", {"economy.firms": 3000, "horizon": 6.0})


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner working in an empty folder."""
    monkeypatch.chdir(tmp_path)
    return CliRunner()


@pytest.fixture(autouse=True)
def _unshared_runs_in_mutmut_stats(request: pytest.FixtureRequest) -> None:
    """In mutmut's stats run, forget the runs a test module caches before each test.

    mutmut credits a call to the test during which it happens, so a run shared by
    several tests would map only the first of them to the code it ran, and the others
    would never run against a mutant. Outside the stats run nothing changes.
    """
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        for value in vars(request.module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under mutmut, run the quickest modules (and tests) first, so a killed mutant dies fast.

    mutmut's fork-server workers run a mutant's tests in no particular order; this is
    the order its plain fork runner uses. Outside a mutant run nothing changes.
    """
    stats = Path("mutmut-stats.json")  # mutmut runs the tests from its mutants/ folder
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", "") or not stats.is_file():
        return
    duration = json.loads(stats.read_text())["duration_by_test"]
    module: defaultdict[str, float] = defaultdict(float)
    for item in items:
        module[item.nodeid.split("::")[0]] += duration.get(item.nodeid, 0.0)
    items.sort(key=lambda i: (module[i.nodeid.split("::")[0]], duration.get(i.nodeid, 0.0)))
