"""The compiled engine and the pure-Python one give byte-identical results.

The per-event modules (the files pyproject's mypyc hook lists) are compiled with
mypyc into a copy of the package, and every bundled scenario runs on both. Needs a
C compiler, as the compiled install does; without one the test is skipped.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

import econsim

ROOT = Path(__file__).resolve().parent.parent
FIRMS, SEED = 1500, 5

BUILD = """
from setuptools import setup
from mypyc.build import mypycify
setup(name="econsim-compiled", packages=[],
      ext_modules=mypycify(["--ignore-missing-imports", *{files!r}], opt_level="3"))
"""

RUN = """
import sys
import econsim
assert econsim.engine_kind() == sys.argv[1], "wrong build on the path"
for name in econsim.bundled_scenarios():
    scenario = econsim.load_scenario(name, {{"economy.firms": {firms}}})
    results = econsim.simulate(scenario, seed={seed})
    assert results.manifest["platform"]["engine"] == sys.argv[1]
    results.timeseries.write_parquet(f"{{sys.argv[2]}}/{{name}}-timeseries.parquet")
    results.events.write_parquet(f"{{sys.argv[2]}}/{{name}}-events.parquet")
"""


def module_files() -> list[str]:
    """The files pyproject's mypyc hook compiles, relative to the repository."""
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    return [path.lstrip("/") for path in build["targets"]["wheel"]["hooks"]["mypyc"]["include"]]


def test_the_hook_compiles_the_module_that_tells_which_engine_runs():
    assert "econsim/agents/market.py" in module_files()  # what econsim.engine_kind() looks at
    assert all((ROOT / path).is_file() for path in module_files())


def test_the_source_tree_holds_no_compiled_modules_that_would_shadow_its_sources():
    found = [*ROOT.glob("*.so"), *(ROOT / "econsim").rglob("*.so")]  # mypyc's shared library too
    left = sorted(str(p.relative_to(ROOT)) for p in found)
    assert not left, f"delete {left}: a compiled install left them beside the sources"


def copy_of_the_package(into: Path) -> Path:
    shutil.copytree(ROOT / "econsim", into / "econsim", ignore=shutil.ignore_patterns("*.so"))
    shutil.copytree(ROOT / "scenarios", into / "scenarios")
    return into


def run_all(source: Path, build: str, out: Path) -> None:
    out.mkdir()
    script = RUN.format(firms=FIRMS, seed=SEED)
    env = {**os.environ, "PYTHONPATH": str(source)}
    command = [sys.executable, "-c", script, build, str(out)]
    subprocess.run(command, cwd=source, env=env, check=True)  # `-c` puts the cwd first


def can_compile() -> bool:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    headers = Path(sysconfig.get_paths()["include"], "Python.h")
    found = importlib.util.find_spec("mypyc") is not None
    return found and shutil.which(compiler) is not None and headers.exists()


@pytest.mark.skipif(not can_compile(), reason="no C compiler, Python headers or mypyc")
def test_compiled_and_pure_python_runs_are_byte_identical(tmp_path):
    pure = copy_of_the_package(tmp_path / "pure")
    fast = copy_of_the_package(tmp_path / "compiled")
    (fast / "setup.py").write_text(BUILD.format(files=module_files()))
    subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=fast,
        check=True,
        capture_output=True,
    )
    run_all(pure, "pure Python", tmp_path / "pure-out")
    run_all(fast, "compiled", tmp_path / "compiled-out")
    outputs = sorted(p.name for p in (tmp_path / "pure-out").iterdir())
    assert len(outputs) == 2 * len(econsim.bundled_scenarios())
    differ = [
        name
        for name in outputs
        if (tmp_path / "pure-out" / name).read_bytes()
        != (tmp_path / "compiled-out" / name).read_bytes()
    ]
    assert not differ


def test_the_version_says_which_engine_is_installed(cli):
    from econsim.cli import main

    expected = f"({econsim.engine_kind()} engine)\n"
    assert cli.invoke(main, ["--version"]).output.endswith(expected)
