"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

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
