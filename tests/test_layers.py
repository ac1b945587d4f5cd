"""DESIGN §4: each folder is one layer and imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "econsim"
# top to bottom: a module may import its own layer and those after it
LAYERS = (
    "cli",
    "web",
    "experiments",
    "engine",
    "agents",
    "state",
    "report",
    "results",
    "world",
    "model",
    "scenario",
)


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "econsim" and parts[1] in LAYERS else None


def imported(path: Path) -> set[str]:
    """Every econsim module a file imports, at any depth (lazy imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("econsim")}


def modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p.parent != PACKAGE or p.stem == "engine"]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_import_runs_upward(path):
    own = "engine" if path.stem == "engine" and path.parent == PACKAGE else path.parent.name
    own = own if own in LAYERS else path.relative_to(PACKAGE).parts[0]
    for name in imported(path):
        layer = layer_of(name)
        if layer is not None:
            assert LAYERS.index(layer) >= LAYERS.index(own), f"{path.name} imports {name}"


def test_every_module_lives_in_a_layer_or_below_them_all():
    # beside engine.py only leaves that every layer may use: build.py (version and
    # commit) and extras.py (optional libraries); they import nothing of econsim
    flat = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "engine"}
    assert flat == {"build", "extras"}
    for stem in flat:
        assert imported(PACKAGE / f"{stem}.py") == set(), stem
