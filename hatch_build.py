"""Build hook: a wheel built from a git checkout records its commit (econsim/build.py)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CommitHook(BuildHookInterface):
    """Writes ``econsim/_commit.txt`` into a wheel; editable installs ask git instead."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Add the commit file when the source is a git checkout."""
        if self.target_name != "wheel" or version == "editable":
            return
        sys.path.insert(0, self.root)  # econsim/build.py, without importing the package
        try:
            from econsim.build import describe
        finally:
            sys.path.remove(self.root)
        commit = describe(Path(self.root))
        if commit is None:
            return
        self._folder = tempfile.mkdtemp(prefix="econsim-commit-")
        path = Path(self._folder) / "_commit.txt"
        path.write_text(commit + "\n", encoding="utf-8")
        build_data["force_include"][str(path)] = "econsim/_commit.txt"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary file."""
        if getattr(self, "_folder", None):
            shutil.rmtree(self._folder, ignore_errors=True)
