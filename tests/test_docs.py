"""The README's examples stay true: its scenario block loads and its CLI lines parse."""

from __future__ import annotations

import re
from pathlib import Path

import econsim

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_scenario_format_example_is_a_valid_scenario(tmp_path):
    section = README.split("## Scenario format", 1)[1]
    block = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert block is not None
    path = tmp_path / "example.toml"
    path.write_text(block.group(1), encoding="utf-8")
    scenario = econsim.load_scenario(path)
    assert scenario.verticals["healthcare"].consent == 0.2
    assert scenario.interventions[0].at == 2028.0


def test_the_scenario_library_table_lists_exactly_the_bundled_scenarios():
    section = README.split("## The scenario library", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE))
    assert named == set(econsim.bundled_scenarios())
