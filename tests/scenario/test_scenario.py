"""Loading, inheriting, overriding and validating scenarios from Python."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

import econsim
from econsim.scenario import ScenarioError, load_scenario, parse_assignments


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
name = "tiny"
[verticals.a]
firm_share = 1
tokenizability = 0.5
corpus_practice = 1e6
corpus_descriptive = 1e8
type_data_scale = 1e3
learning_slope = 0.5
[labs.x]
"""


def test_every_bundled_scenario_validates():
    for name in econsim.bundled_scenarios():
        assert load_scenario(name).name == name


def test_a_scenario_is_frozen():
    scenario = load_scenario("bass")
    with pytest.raises(pydantic.ValidationError):
        scenario.horizon = 3.0  # type: ignore[misc]


def test_defaults_fill_what_a_file_leaves_out(tmp_path):
    scenario = load_scenario(write(tmp_path / "s.toml", MINIMAL))
    assert scenario.verticals["a"].p == 0.03
    assert scenario.labs["x"].verticals == "all"


def test_vertical_defaults_are_inherited_and_overridable(tmp_path):
    text = (
        MINIMAL
        + "[vertical_defaults]\np = 0.07\nq = 0.2\n[verticals.b]\n"
        + MINIMAL.split("[verticals.a]")[1].split("[labs.x]")[0]
        + "q = 0.5\n"
    )
    scenario = load_scenario(write(tmp_path / "s.toml", text))
    assert (scenario.verticals["a"].p, scenario.verticals["a"].q) == (0.07, 0.2)
    assert (scenario.verticals["b"].p, scenario.verticals["b"].q) == (0.07, 0.5)


def test_extends_merges_the_child_over_its_parent(tmp_path):
    write(tmp_path / "parent.toml", "horizon = 7\n" + MINIMAL)
    child = write(
        tmp_path / "child.toml",
        'extends = "parent.toml"\nname = "child"\n[verticals.a]\np = 0.09\n',
    )
    scenario = load_scenario(child)
    assert (scenario.name, scenario.horizon, scenario.verticals["a"].p) == ("child", 7, 0.09)
    assert scenario.verticals["a"].tokenizability == 0.5


def test_replace_takes_a_table_from_the_child_alone(tmp_path):
    write(tmp_path / "parent.toml", MINIMAL)
    child = write(
        tmp_path / "child.toml",
        'extends = "parent.toml"\nreplace = ["labs"]\n[labs.y]\nstrategy = "isolated"\n',
    )
    assert list(load_scenario(child).labs) == ["y"]
    merged = write(tmp_path / "merged.toml", 'extends = "parent.toml"\n[labs.y]\n')
    assert list(load_scenario(merged).labs) == ["x", "y"]


MANDATE = """
[[interventions]]
name = "mandate"
at = 2028.0
set = { "verticals.a.p" = 0.2, "verticals.a.q" = 0.6 }
[[interventions]]
at = 2030.0
set = { "verticals.a.q" = 0.3 }
"""


def test_a_childs_interventions_merge_into_its_parents_by_name(tmp_path):
    write(tmp_path / "parent.toml", MINIMAL + MANDATE)
    child = write(
        tmp_path / "child.toml",
        """extends = "parent.toml"
[[interventions]]
name = "mandate"
at = 2029.0
set = { "verticals.a.p" = 0.25 }
[[interventions]]
name = "late"
at = 2031.0
set = { "verticals.a.p" = 0.1 }
""",
    )
    timeline = load_scenario(child).interventions
    assert [(i.name, i.at) for i in timeline] == [
        ("mandate", 2029.0), ("1", 2030.0), ("late", 2031.0)
    ]  # fmt: skip
    assert timeline[0].set == {"verticals.a.p": 0.25, "verticals.a.q": 0.6}
    replaced = write(
        tmp_path / "replaced.toml",
        """extends = "parent.toml"
replace = ["interventions"]
[[interventions]]
at = 2031.0
set = { "verticals.a.p" = 0.1 }
""",
    )
    assert [(i.name, i.at) for i in load_scenario(replaced).interventions] == [("0", 2031.0)]


def test_an_intervention_is_set_by_its_name_and_a_dotted_key_inside_its_set(tmp_path):
    path = write(tmp_path / "s.toml", MINIMAL + MANDATE)
    scenario = load_scenario(
        path,
        [
            "interventions.mandate.at=2027",
            "interventions.mandate.set.verticals.a.p=0.3",
            "interventions.1.note=the unnamed one, by its position",
        ],
    )
    mandate = scenario.interventions[0]
    assert mandate.at == 2027.0 and mandate.set == {"verticals.a.p": 0.3, "verticals.a.q": 0.6}
    assert scenario.interventions[1].note == "the unnamed one, by its position"
    with pytest.raises(ScenarioError, match=r"unknown intervention 'mandat' \(did you mean"):
        load_scenario(path, ["interventions.mandat.at=2027"])
    named_twice = MANDATE.replace("at = 2030.0", 'name = "mandate"\nat = 2030.0')
    with pytest.raises(ScenarioError, match=r"interventions\.1\.name: two .* named 'mandate'"):
        load_scenario(write(tmp_path / "twice.toml", MINIMAL + named_twice))


def test_extends_can_name_a_bundled_scenario(tmp_path):
    child = write(tmp_path / "c.toml", 'extends = "bass"\nname = "c"\n[economy]\nfirms = 99\n')
    assert load_scenario(child).economy.firms == 99


def test_an_extends_cycle_is_an_error(tmp_path):
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_overrides_from_python_and_from_strings_agree():
    a = load_scenario("baseline", {"verticals.legal.p": 0.05, "graph.kind": "complete"})
    b = load_scenario("baseline", ["verticals.legal.p=0.05", "graph.kind=complete"])
    assert a == b
    assert a.verticals["legal"].p == 0.05


def test_a_wildcard_sets_a_key_in_every_entry():
    scenario = load_scenario("baseline", {"verticals.*.p": 0.07, "labs.*.training_time": 0.25})
    assert {v.p for v in scenario.verticals.values()} == {0.07}
    assert {lab.training_time for lab in scenario.labs.values()} == {0.25}
    with pytest.raises(ScenarioError, match=r"'\*' stands for every vertical"):
        load_scenario("baseline", {"economy.*": 1})


def test_override_on_a_loaded_scenario_revalidates():
    scenario = load_scenario("bass").override({"economy.firms": 500})
    assert scenario.economy.firms == 500
    with pytest.raises(ScenarioError, match=r"economy\.firms"):
        scenario.override({"economy.firms": -1})


def test_assignment_values_are_toml_literals_or_bare_strings():
    parsed = parse_assignments(["a=1", "b=0.5", "c=true", "d=block", 'e="x y"', "f=[1, 2]"])
    assert parsed == {"a": 1, "b": 0.5, "c": True, "d": "block", "e": "x y", "f": [1, 2]}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"verticals.legl.p": 0.1}, "unknown vertical 'legl' (did you mean 'legal'?)"),
        ({"verticals.legal.pp": 0.1}, "unknown key 'pp' (did you mean 'p'?)"),
        ({"economy.firm": 10}, "unknown key 'firm' (did you mean 'firms'?)"),
        (
            {"verticals.legal.p": -0.1},
            "verticals.legal.p: input should be greater than or equal to 0",
        ),
        ({"verticals.legal.consent": 1.5}, "verticals.legal.consent: input should be less than"),
        ({"economy.firms": "many"}, "economy.firms: expected a number, got 'many'"),
        (
            {"labs.frontier.verticals": ["legal", "helthcare"]},
            "labs.frontier.verticals.1: unknown vertical 'helthcare' (did you mean 'healthcare'?)",
        ),
        ({"graph.kind": "file"}, "graph: kind 'file' needs path"),
    ],
)
def test_problems_name_their_key_path(override, message):
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", override)
    assert message in str(caught.value)


def test_several_problems_are_reported_together(tmp_path):
    bad = MINIMAL.replace("tokenizability = 0.5", "tokenizability = 2").replace(
        "learning_slope = 0.5", "learning_slop = 0.5"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write(tmp_path / "s.toml", bad))
    problems = caught.value.problems
    assert any(p.startswith("verticals.a.tokenizability:") for p in problems)
    assert any(
        "unknown key 'learning_slop' (did you mean 'learning_slope'?)" in p for p in problems
    )
    assert any(p == "verticals.a.learning_slope: required key is missing" for p in problems)


def test_malformed_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path / "broken.toml", 'name = "x"\n[verticals\n')
    with pytest.raises(ScenarioError, match=r"broken\.toml: malformed TOML: .*line 2"):
        load_scenario(path)


def test_an_unknown_scenario_name_suggests_a_bundled_one():
    with pytest.raises(ScenarioError, match="did you mean 'baseline'"):
        load_scenario("baselin")


def test_resolved_scenario_round_trips_through_toml(tmp_path):
    scenario = load_scenario("baseline")
    again = load_scenario(write(tmp_path / "again.toml", scenario.to_toml()))
    assert again == scenario
