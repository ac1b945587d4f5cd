"""Seeing results: static figures (matplotlib) and a self-contained HTML report (plotly).

Nothing here runs the model: it reads a run folder or a study folder. Each entry
point loads its plotting library on first use, and names the pip extra that
installs it when it is missing (``econsim[plot]``, ``econsim[report]``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from econsim.extras import require

if TYPE_CHECKING:
    from econsim.report.figures import plot_folder
    from econsim.report.html import write_report

_WHERE = {  # name -> (module, library it needs, what needs it)
    "plot_folder": ("econsim.report.figures", "matplotlib", "figures (econsim plot)"),
    "write_report": ("econsim.report.html", "plotly", "the HTML report (econsim report)"),
}
__all__ = ["plot_folder", "write_report"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'econsim.report' has no attribute {name!r}")
    module, library, purpose = _WHERE[name]
    require(library, purpose)
    return getattr(importlib.import_module(module), name)
