"""Which econsim made a file: its version, the commit it was built from, and its engine.

A wheel built from a git checkout carries its commit in ``_commit.txt`` (written by
``hatch_build.py``); a source checkout, editable or not installed at all, asks git.
A checkout with uncommitted edits says so (``-dirty``): its outputs are not
reproducible from the commit alone.
"""

from __future__ import annotations

import functools
import importlib.util
import subprocess
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BAKED = PACKAGE / "_commit.txt"


def version() -> str:
    """The installed econsim version."""
    try:
        return package_version("econsim")
    except PackageNotFoundError:
        return "0+unknown"


@functools.cache
def commit() -> str | None:
    """The commit this econsim was built from (``<sha>[-dirty]``); None when unknown."""
    if BAKED.is_file():
        return BAKED.read_text(encoding="utf-8").strip() or None
    checkout = PACKAGE.parent
    if not (checkout / "pyproject.toml").is_file():  # installed, from no git checkout
        return None
    return describe(checkout)


def describe(checkout: Path) -> str | None:
    """``git describe`` of a checkout as a full sha, ``-dirty`` if edited; None without git."""
    try:
        done = subprocess.run(
            ["git", "-C", str(checkout), "describe", "--always", "--dirty", "--abbrev=40"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def engine_kind() -> str:
    """``"compiled"`` or ``"pure Python"``: how the per-event modules run here.

    They are the files that pyproject's mypyc hook lists, compiled when asked for at
    install (README, "Faster runs"); results are the same either way.
    """
    spec = importlib.util.find_spec("econsim.agents.market")  # found, not imported
    python = spec is None or str(spec.origin).endswith(".py")
    return "pure Python" if python else "compiled"
