"""Seeing results: static figures (matplotlib) and a self-contained HTML report (plotly).

Nothing here runs the model: it reads a run folder or a study folder.
"""

from econsim.report.figures import plot_folder
from econsim.report.html import write_report

__all__ = ["plot_folder", "write_report"]
