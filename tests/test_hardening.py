"""Issue 11: what the validator accepted and then crashed on, now refused at once.

Each case is refused with exit code 2, one line naming the key path, no traceback
and nothing written.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from econsim.cli import main

VERTICAL = """
firm_share = 0.5
tokenizability = 0.5
corpus_practice = 1e6
corpus_descriptive = 1e8
type_data_scale = 1e3
learning_slope = 0.5
"""


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("economy.firms=true", "economy.firms: expected a number, got True"),
        ("verticals.market.p=true", "verticals.market.p: expected a number, got True"),
        ('verticals.market.p="0.05"', "verticals.market.p: expected a number, got '0.05'"),
        ("verticals.market.p=inf", "verticals.market.p: input should be a finite number"),
        ("verticals.market.volume=inf", "verticals.market.volume: input should be a finite"),
        ("labs.lab.finance.funding=nan", "labs.lab.finance.funding: input should be a finite"),
        ("start=nan", "start: input should be a finite number"),
        ("start=-inf", "start: input should be a finite number"),
        ("start=1e15", "start: input should be less than or equal to 10000"),
    ],
)
def test_a_number_that_is_not_a_finite_number_is_refused(cli, assignment, message):
    result = cli.invoke(main, ["run", "bass", "--set", assignment, "--out", "o", "-q"])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not Path("o").exists()


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        ('[verticals.""]' + VERTICAL, "vertical '': a name is a letter"),
        ("[verticals.a-b]" + VERTICAL + "[labs.a-b]\n", "lab 'a-b': also the name of a vertical"),
        ('[labs."$x^{2$"]\n', "lab '$x^{2$': a name is a letter"),
        ('[labs."../../x"]\n', "lab '../../x': a name is a letter"),
        (
            '[[interventions]]\nname = "late"\nat = 3000.0\nset = { "verticals.market.p" = 0.1 }\n',
            "intervention 'late': at 3000 is outside the run (0-15)",
        ),
        (
            '[[interventions]]\nat = 1900.0\nset = { "verticals.market.p" = 0.1 }\n',
            "intervention '0': at 1900 is outside the run",
        ),
    ],
)
def test_names_and_times_the_model_cannot_use_are_refused(cli, addition, message):
    Path("s.toml").write_text('extends = "bass"\nname = "s"\n' + addition, encoding="utf-8")
    result = cli.invoke(main, ["run", "s.toml", "--out", "o", "-q"])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not Path("o").exists()


def test_a_whole_number_written_as_a_float_is_still_a_firm_count(cli):
    result = cli.invoke(main, ["validate", "bass", "--set", "economy.firms=1e3"])
    assert result.exit_code == 0, result.output
    assert "1,000 firms" in result.output


@pytest.mark.parametrize("name", ["/abs/x", "../../x", ".hidden", "a/b", "", "ünïcode ok"])
def test_a_scenario_name_without_out_stays_one_folder_under_runs(cli, name):
    Path("s.toml").write_text(f'extends = "bass"\nname = "{name}"\n', encoding="utf-8")
    result = cli.invoke(
        main, ["run", "s.toml", "-q", "--set", "economy.firms=200", "--set", "horizon=1"]
    )
    assert result.exit_code == 0, result.output
    (folder,) = Path("runs").iterdir()
    assert folder.parent == Path("runs") and not folder.name.startswith((".", "_"))
    assert sorted(p.name for p in Path().iterdir()) == ["runs", "s.toml"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_refused_before_anything_runs(cli):
    Path("locked").mkdir(mode=0o500)
    result = cli.invoke(main, ["run", "bass", "--out", "locked/run", "-q"])
    assert result.exit_code == 2 and "cannot write the output there" in result.output


def test_an_output_folder_that_cannot_be_made_is_refused_before_anything_runs(cli, monkeypatch):
    import econsim.engine

    def never(*args, **kwargs):
        raise AssertionError("simulated before checking the output folder")

    monkeypatch.setattr(econsim.engine, "simulate", never)
    Path("afile").write_text("not a folder")
    result = cli.invoke(main, ["run", "bass", "--out", "afile/run", "-q"])
    assert result.exit_code == 2, result.output
    assert "afile: cannot write the output there" in result.output
