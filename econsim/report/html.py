"""One self-contained HTML report of a run or a study (plotly, embedded; opens offline).

Charts are interactive where that helps: hover for values, click a vertical or arm
in a legend to hide or show it. plotly.js is written into the page itself, so the
file makes no network request.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from plotly.offline import get_plotlyjs

from econsim.report.chart_spec import Chart
from econsim.report.data import (
    RunView,
    StudyView,
    folder_kind,
    run_view,
    study_view,
    summary_rows,
)
from econsim.report.interactive import to_plotly
from econsim.report.run_charts import run_charts
from econsim.report.study_charts import study_charts
from econsim.results.files import write_atomically

Section = tuple[str, str]


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write ``report.html`` for a run or study folder (atomically); returns its path."""
    folder = Path(folder)
    target = Path(out) if out is not None else folder / "report.html"
    if folder_kind(folder) == "run":
        view = run_view(folder)
        title = f"econsim run: {view.results.scenario.name}"
        sections = run_sections(view)
    else:
        study = study_view(folder)
        title = f"econsim study: {study.description.get('name', folder.name)}"
        sections = study_sections(study)
    return write_page(target, title, sections)


def write_page(target: Path, title: str, sections: Sequence[Section]) -> Path:
    """Write a page of sections atomically (a complete temporary file renamed into place)."""
    write_atomically(target, partial(Path.write_text, data=page(title, sections), encoding="utf-8"))
    return target


def chart_sections(charts: Sequence[Chart]) -> list[Section]:
    """One section per chart, titled by the chart."""
    return [(chart.title, _figure(chart)) for chart in charts]


def preformatted(text: str) -> str:
    """Text shown as it is (a command's printout)."""
    return f"<pre>{html.escape(text)}</pre>"


# ---------------------------------------------------------------- one run


def run_sections(view: RunView) -> list[Section]:
    """Provenance, summary tables, four interactive charts and the scenario."""
    results = view.results
    manifest = results.manifest
    provenance = {
        "scenario": results.scenario.name,
        "seed": results.seed,
        "econsim": manifest.get("version"),
        "created": manifest.get("created"),
        "firms": f"{results.scenario.economy.firms:,}",
        "years": f"{results.scenario.start:g}-{results.scenario.end:g}",
        "events": f"{manifest.get('events', 0):,}",
    }
    charts = {chart.name: chart for chart in run_charts(view)}
    return [
        ("Provenance", _definition_list(provenance)),
        ("Summary", _summary_table(view)),
        ("Real capability and benchmark score", _figure(charts["capability_vs_benchmark"])),
        ("Adoption", _figure(charts["adoption"])),
        (
            "Practice data and sample efficiency",
            _figure(charts["practice_data"]) + _figure(charts["sample_efficiency"]),
        ),
        ("Breadth", _figure(charts["breadth"])),
        ("Scenario (resolved)", _details("scenario.toml", results.scenario.to_toml())),
    ]


def _summary_table(view: RunView) -> str:
    header, rows, totals = summary_rows(view.results)
    return _table(header, rows) + _definition_list(totals)


# ---------------------------------------------------------------- a study


def study_sections(view: StudyView) -> list[Section]:
    """Study description, runs, every study chart, comparison and sensitivity tables."""
    sections = [("Study", _study_description(view)), ("Runs by arm and status", _counts(view.runs))]
    tables = {"differences": view.comparison, "sensitivity": view.sensitivity}
    for chart in study_charts(view):
        table = tables.get(chart.name)
        below = "" if table is None else frame_table(table)
        sections.append((chart.title, _figure(chart) + below))
    bases = view.description.get("bases", {})
    sections.append(
        (
            "Scenarios (resolved)",
            "".join(_details(arm, json.dumps(base, indent=2)) for arm, base in bases.items()),
        )
    )
    return sections


def _study_description(view: StudyView) -> str:
    runs, description = view.runs, view.description
    return _definition_list(
        {
            "name": description.get("name"),
            "runs": runs.height,
            "failed": runs.filter(pl.col("status") != "ok").height,
            "arms": ", ".join(runs["arm"].unique(maintain_order=True).to_list()),
            "parameters": ", ".join(description.get("parameters", [])) or "none",
            "econsim": description.get("version"),
        }
    )


def _counts(runs: pl.DataFrame) -> str:
    counts = runs.group_by("arm", "status", maintain_order=True).len().sort("arm", "status")
    return _table(counts.columns, counts.rows())


def frame_table(frame: pl.DataFrame) -> str:
    """A table of a frame, floats to four significant digits."""
    rows = [[f"{c:.4g}" if isinstance(c, float) else c for c in row] for row in frame.rows()]
    return _table(frame.columns, rows)


# ---------------------------------------------------------------- the page


def page(title: str, sections: Sequence[Section]) -> str:
    """The whole document: plotly.js inline, one section after another."""
    body = "\n".join(
        f"<section><h2>{html.escape(name)}</h2>\n{content}</section>" for name, content in sections
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
<script>{get_plotlyjs()}</script>
</head><body><main>
<h1>{html.escape(title)}</h1>
{body}
</main></body></html>
"""


_CSS = """
body { font-family: system-ui, sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
section { background: white; border: 1px solid #e3e3e3; border-radius: 6px;
          padding: 0.5rem 1rem 1rem; margin-bottom: 1.2rem; }
h2 { font-size: 1.15rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
pre { max-height: 30rem; overflow: auto; background: #f4f4f4; padding: 0.6rem; }
"""


def _figure(chart: Chart) -> str:
    config = {"displaylogo": False, "responsive": True}
    return str(to_plotly(chart).to_html(full_html=False, include_plotlyjs=False, config=config))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _definition_list(items: dict[str, Any]) -> str:
    entries = "".join(
        f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>" for k, v in items.items()
    )
    return f"<dl>{entries}</dl>"


def _details(name: str, text: str) -> str:
    return (
        f"<details><summary>{html.escape(name)}</summary><pre>{html.escape(text)}</pre></details>"
    )
