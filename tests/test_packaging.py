"""What an install holds and needs: extras, the wheel's files, the commit in provenance."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import econsim
from econsim.build import describe
from econsim.experiments import StudyError, load_study
from econsim.extras import EXTRAS
from econsim.scenario.loading import bundled

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
FAST = ["--set", "economy.firms=300", "--set", "horizon=1"]


def requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[ ;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_each_optional_library_is_in_its_extra_and_not_in_the_core():
    core = requirement_names(PROJECT["dependencies"])
    extras = PROJECT["optional-dependencies"]
    for module, extra in EXTRAS.items():
        assert module.lower() not in core
        assert module.lower() in requirement_names(extras[extra])
    everything = re.fullmatch(r"econsim\[(.*)\]", extras["all"][0])
    assert everything is not None
    assert set(EXTRAS.values()) <= set(everything.group(1).split(","))
    assert "econsim[all]" in extras["test"]


# A core install, imitated: the optional libraries cannot be imported.
WITHOUT_EXTRAS = """
import importlib.abc, importlib.util, sys
from econsim.extras import EXTRAS
def optional(name):
    return name.split(".")[0] in EXTRAS
class Missing(importlib.abc.MetaPathFinder):  # import matplotlib -> not found
    def find_spec(self, name, path=None, target=None):
        if optional(name):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Missing())
found = importlib.util.find_spec  # and asked first, as econsim.extras does: None
importlib.util.find_spec = lambda name, *a: None if optional(name) else found(name, *a)
from econsim.cli import main
main(sys.argv[1:], prog_name="econsim")
"""


def core_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_run_needs_no_extra_and_each_command_that_does_names_its_own(tmp_path):
    ran = core_cli(tmp_path, "run", "bass", "--out", "run", "--quiet", *FAST)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "run" / "timeseries.parquet").is_file()
    factorial = tmp_path / "factorial.toml"
    factorial.write_text(
        'scenario = "bass"\n[set]\n"economy.firms" = 300\nhorizon = 1\n'
        '[parameters]\n"verticals.market.p" = { values = [0.01, 0.05] }\n',
        encoding="utf-8",
    )
    swept = core_cli(tmp_path, "sweep", str(factorial), "--out", "factorial", "-j", "1", "-q")
    assert swept.returncode == 0, swept.stderr
    sobol = tmp_path / "sobol.toml"
    sobol.write_text(
        'scenario = "bass"\n[parameters]\n"verticals.market.p" = { low = 0.01, high = 0.05 }\n'
        '[design]\nkind = "sobol"\nsamples = 2\n',
        encoding="utf-8",
    )
    for args, extra in [
        (["plot", "run"], "plot"),
        (["report", "run"], "report"),
        (["compare", "bass", "--arm", "a:", "--arm", "b:", "--out", "cmp", *FAST], "analysis"),
        (["sweep", str(sobol), "--out", "sw"], "analysis"),
        (["sensitivity", str(sobol), "--out", "se"], "analysis"),
        (["discover", "planted_box", "--metric", "m", "--below", "1", "--out", "d"], "discover"),
        (["serve", "--port", "0"], "serve"),
    ]:
        done = core_cli(tmp_path, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert f"pip install 'econsim[{extra}]'" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["factorial", "factorial.toml", "run", "sobol.toml"]  # nothing else ran


def test_a_bundled_study_loads_by_its_name_and_a_near_miss_gets_a_hint():
    assert set(bundled("studies")) >= {"healthcare_consent", "transfer_sensitivity"}
    assert load_study("healthcare_consent").name == "healthcare_consent"
    with pytest.raises(StudyError, match="did you mean 'healthcare_consent'"):
        load_study("healthcare_consnt")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
         str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return zipfile.ZipFile(next(out.glob("econsim-*.whl")))


def test_the_wheel_holds_the_libraries_the_licence_and_the_type_marker(wheel):
    names = set(wheel.namelist())
    assert "econsim/py.typed" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    for kind in ("scenarios", "studies"):
        shipped = {Path(n).stem for n in names if n.startswith(f"econsim/_{kind}/")}
        assert shipped == {p.stem for p in (ROOT / kind).glob("*.toml")}


def test_the_wheel_and_every_run_name_the_commit_they_come_from(wheel, tmp_path):
    commit = describe(ROOT)
    if commit is None:
        pytest.skip("not a git checkout")
    assert wheel.read("econsim/_commit.txt").decode().strip() == commit
    results = econsim.simulate(econsim.load_scenario("bass", {"economy.firms": 200}), seed=1)
    assert results.manifest["commit"] == commit
    stamp = econsim.read_provenance(results.write(tmp_path / "run") / "summary.parquet")
    assert stamp["commit"] == commit
    assert stamp["version"] == PROJECT["version"]


def test_the_licence_is_the_one_the_project_declares():
    assert PROJECT["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize(
    "page", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name
)
def test_every_relative_link_of_the_docs_resolves_inside_the_repository(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        resolved = (page.parent / target).resolve()
        assert resolved.exists(), f"{page.name}: {target}"
        assert resolved.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
