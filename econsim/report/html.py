"""One self-contained HTML report of a run or a study (plotly, embedded; opens offline).

Charts are interactive where that helps: hover for values, click a vertical or arm
in a legend to hide or show it. plotly.js is written into the page itself, so the
file makes no network request.
"""

from __future__ import annotations

import html
import json
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from econsim.report.data import RunView, StudyView, folder_kind, run_view, study_view
from econsim.report.style import ARM_COLOURS, colours

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
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    staging.write_text(page(title, sections), encoding="utf-8")
    os.replace(staging, target)
    return target


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
    return [
        ("Provenance", _definition_list(provenance)),
        ("Summary", _summary_table(view)),
        ("Real capability and benchmark score", _figure(capability_chart(view))),
        ("Adoption", _figure(adoption_chart(view))),
        (
            "Practice data and sample efficiency",
            _figure(data_chart(view)) + _figure(efficiency_chart(view)),
        ),
        ("Breadth", _figure(breadth_chart(view))),
        ("Scenario (resolved)", _details("scenario.toml", results.scenario.to_toml())),
    ]


def capability_chart(view: RunView) -> go.Figure:
    """Per vertical: real capability (solid), benchmark score (dashed), the gap shaded."""
    return _per_vertical(
        view,
        view.leading,
        ("capability", "real", {"width": 2.5}),
        ("proxy", "benchmark", {"dash": "dash", "width": 1.5}),
        ".3f",
        "share of tasks at expert level",
        "real capability (solid) and benchmark score (dashed); shaded: the Goodhart gap",
        fill=True,
    )


def adoption_chart(view: RunView) -> go.Figure:
    """Per vertical: shares of firms deployed (solid) and piloting (dotted)."""
    return _per_vertical(
        view,
        view.adoption,
        ("deployed", "deployed", {"width": 2.5}),
        ("piloting", "piloting", {"dash": "dot", "width": 1.5}),
        ".1%",
        "share of the vertical's firms",
        "deployed (solid) and piloting (dotted)",
    )


Line = tuple[str, str, dict[str, Any]]  # column, label, line style


def _per_vertical(
    view: RunView,
    frame: pl.DataFrame,
    lead: Line,
    second: Line,
    fmt: str,
    y_title: str,
    title: str,
    fill: bool = False,
) -> go.Figure:
    """Small multiples, two lines per vertical, one legend entry that toggles both."""
    figure, panels = _small_multiples(view.verticals)
    palette = colours(view.verticals)
    for vertical in view.verticals:
        rows = frame.filter(pl.col("vertical") == vertical)
        for (column, label, style), first in ((lead, True), (second, False)):
            shade = (
                {"fill": "tonexty", "fillcolor": _translucent(palette[vertical], 0.25)}
                if fill and not first
                else {}
            )
            figure.add_scatter(
                x=rows["time"].to_list(),
                y=rows[column].to_list(),
                mode="lines",
                name=vertical if first else f"{vertical} {label}",
                legendgroup=vertical,
                showlegend=first,
                line={"color": palette[vertical], **style},
                hovertemplate=f"{vertical} %{{x:.2f}}: {label} %{{y:{fmt}}}<extra></extra>",
                **shade,
                **panels[vertical],
            )
    return _panels(figure, y_title, title)


def _small_multiples(names: Sequence[str]) -> tuple[go.Figure, dict[str, dict[str, int]]]:
    columns = min(5, len(names))
    rows = -(-len(names) // columns)
    figure = make_subplots(
        rows=rows,
        cols=columns,
        shared_xaxes=True,
        shared_yaxes=True,
        subplot_titles=list(names),
        horizontal_spacing=0.02,
        vertical_spacing=0.12,
    )
    where = {
        name: {"row": i // columns + 1, "col": i % columns + 1} for i, name in enumerate(names)
    }
    return figure, where


def _panels(figure: go.Figure, y_title: str, title: str) -> go.Figure:
    figure = _layout(figure, "", title + ". Click a vertical to hide it.", y_range=(0, 1))
    figure.update_layout(height=560)
    figure.update_yaxes(title=y_title, col=1)
    figure.update_xaxes(title="year", row=2)
    figure.update_xaxes(title="", row=1)
    figure.update_annotations(font_size=12)
    return figure


def data_chart(view: RunView) -> go.Figure:
    """Real and synthetic practice data per vertical, log scale."""
    figure = go.Figure()
    palette = colours(view.verticals)
    for vertical in view.verticals:
        rows = view.data.filter(pl.col("vertical") == vertical)
        t = rows["time"].to_list()
        figure.add_scatter(
            x=t,
            y=rows["practice_data"].to_list(),
            name=vertical,
            legendgroup=vertical,
            line={"color": palette[vertical]},
            hovertemplate=f"{vertical} %{{x:.2f}}: real %{{y:.3g}}<extra></extra>",
        )
        figure.add_scatter(
            x=t,
            y=rows["synthetic_data"].to_list(),
            legendgroup=vertical,
            name=f"{vertical} synthetic",
            showlegend=False,
            line={"color": palette[vertical], "dash": "dash", "width": 1},
            hovertemplate=f"{vertical} %{{x:.2f}}: synthetic %{{y:.3g}}<extra></extra>",
        )
    figure = _layout(
        figure, "episodes (all labs)", "practice data: real (solid), synthetic (dashed)"
    )
    figure.update_yaxes(type="log")
    return figure


def efficiency_chart(view: RunView) -> go.Figure:
    """Each lab's sample efficiency."""
    figure = go.Figure()
    palette = colours(view.labs, ARM_COLOURS)
    for lab in view.labs:
        rows = view.efficiency.filter(pl.col("lab") == lab)
        figure.add_scatter(
            x=rows["time"].to_list(),
            y=rows["sample_efficiency"].to_list(),
            name=lab,
            line={"color": palette[lab]},
        )
    figure = _layout(figure, "sample efficiency A (1 at the start)", "sample efficiency by lab")
    figure.update_yaxes(type="log")
    return figure


def breadth_chart(view: RunView) -> go.Figure:
    """Verticals at expert level over time, with the time to domain-general capability."""
    figure = go.Figure(
        go.Scatter(
            x=view.breadth["time"].to_list(),
            y=view.breadth["breadth"].to_list(),
            line_shape="hv",
            name="breadth",
            line={"color": "#0072B2", "width": 3},
        )
    )
    if view.time_to_general is not None:
        figure.add_vline(
            x=view.time_to_general,
            line_dash="dash",
            line_color="#D55E00",
            annotation_text=f"domain-general: {view.time_to_general:.1f}",
        )
    threshold = view.results.scenario.capability.expert_threshold
    return _layout(
        figure,
        f"verticals at expert level (of {len(view.verticals)})",
        f"breadth: verticals whose best model does ≥ {threshold:g} of the tasks",
        y_range=(0, len(view.verticals) + 0.5),
    )


def _summary_table(view: RunView) -> str:
    m = view.results.metrics()
    header = [
        "vertical",
        "real capability",
        "benchmark",
        "gap",
        "adoption",
        "expert from",
        "data HHI",
    ]
    rows = []
    for v in view.verticals:
        expert = m.get(f"time_to_expert.{v}")
        rows.append(
            [
                v,
                f"{m[f'capability.{v}']:.2f}",
                f"{m[f'proxy.{v}']:.2f}",
                f"{round(m[f'gap.{v}'] or 0.0, 2) + 0.0:.2f}",
                f"{m[f'adoption.{v}']:.1%}",
                "never" if expert is None else f"{expert:.2f}",
                f"{m[f'data_hhi.{v}']:.2f}",
            ]
        )
    general = m.get("time_to_general")
    totals = {
        "breadth at the horizon": f"{m['breadth']:.0f} of {len(view.verticals)}",
        "domain-general from": "never" if general is None else f"{general:.2f}",
        "largest Goodhart gap": f"{m['max_gap']:.2f}",
    }
    return _table(header, rows) + _definition_list(totals)


# ---------------------------------------------------------------- a study


def study_sections(view: StudyView) -> list[Section]:
    """Study description, runs, fan charts, comparison and sensitivity when present."""
    runs = view.runs
    counts = runs.group_by("arm", "status", maintain_order=True).len().sort("arm", "status")
    sections: list[Section] = [
        (
            "Study",
            _definition_list(
                {
                    "name": view.description.get("name"),
                    "runs": runs.height,
                    "failed": runs.filter(pl.col("status") != "ok").height,
                    "arms": ", ".join(runs["arm"].unique(maintain_order=True).to_list()),
                    "parameters": ", ".join(view.description.get("parameters", [])) or "none",
                    "econsim": view.description.get("version"),
                }
            ),
        ),
        ("Runs by arm and status", _table(counts.columns, counts.rows())),
    ]
    if view.fan.height:
        sections.append(
            (
                "Over replications",
                _figure(fan_chart(view, "breadth")) + _figure(fan_chart(view, "mean_capability")),
            )
        )
    if view.comparison is not None and view.comparison.height:
        shown = view.comparison.filter(
            pl.col("difference").is_not_null() & (pl.col("difference") != 0)
        )
        sections.append(
            (
                "Paired differences",
                _figure(differences_chart(shown)) + _table(shown.columns, _rounded(shown.rows())),
            )
        )
    if view.sensitivity is not None and view.sensitivity.height:
        sections.append(
            (
                "Sensitivity",
                _figure(sensitivity_chart(view.sensitivity))
                + _table(view.sensitivity.columns, _rounded(view.sensitivity.rows())),
            )
        )
    bases = view.description.get("bases", {})
    sections.append(
        (
            "Scenarios (resolved)",
            "".join(_details(arm, json.dumps(base, indent=2)) for arm, base in bases.items()),
        )
    )
    return sections


def fan_chart(view: StudyView, metric: str) -> go.Figure:
    """Median and 10-90% band over runs, per arm."""
    figure = go.Figure()
    arms = view.fan["arm"].unique(maintain_order=True).to_list()
    palette = colours(arms, ARM_COLOURS)
    for arm in arms:
        rows = view.fan.filter((pl.col("arm") == arm) & (pl.col("metric") == metric))
        t = rows["time"].to_list()
        band = {"legendgroup": arm, "showlegend": False, "line": {"width": 0}, "hoverinfo": "skip"}
        figure.add_scatter(x=t, y=rows["q10"].to_list(), **band)
        figure.add_scatter(
            x=t,
            y=rows["q90"].to_list(),
            fill="tonexty",
            fillcolor=_translucent(palette[arm]),
            **band,
        )
        figure.add_scatter(
            x=t,
            y=rows["median"].to_list(),
            name=arm,
            legendgroup=arm,
            line={"color": palette[arm], "width": 3},
            hovertemplate=f"{arm} %{{x:.2f}}: median %{{y:.3g}}<extra></extra>",
        )
    label = {"breadth": "verticals at expert level", "mean_capability": "mean real capability"}
    return _layout(figure, label[metric], f"{label[metric]}: median and 10-90% of runs")


def differences_chart(shown: pl.DataFrame) -> go.Figure:
    """Each arm's difference from the baseline, with its interval, per metric."""
    figure = go.Figure()
    arms = shown["arm"].unique(maintain_order=True).to_list()
    palette = colours(arms, ARM_COLOURS)
    for arm in arms:
        rows = shown.filter(pl.col("arm") == arm).with_columns(
            pl.col("ci_high").fill_null(pl.col("difference")),
            pl.col("ci_low").fill_null(pl.col("difference")),
        )
        figure.add_scatter(
            x=rows["difference"].to_list(),
            y=rows["metric"].to_list(),
            mode="markers",
            name=arm,
            marker={"color": palette[arm], "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (rows["ci_high"] - rows["difference"]).to_list(),
                "arrayminus": (rows["difference"] - rows["ci_low"]).to_list(),
            },
        )
    figure.add_vline(x=0, line_color="#777777")
    figure = _layout(
        figure,
        "",
        "paired difference from the baseline arm (interval: confidence level of the comparison)",
        x_title="difference (metric units)",
    )
    figure.update_layout(height=max(320, 28 * shown.height + 120))
    return figure


def sensitivity_chart(table: pl.DataFrame) -> go.Figure:
    """Sensitivity indices per parameter and metric."""
    first, total = ("S1", "ST") if "ST" in table.columns else ("mu_star", "sigma")
    figure = go.Figure()
    for index, colour in ((first, "#0072B2"), (total, "#E69F00")):
        figure.add_bar(
            x=table[index].to_list(),
            y=[f"{p} | {m}" for p, m in zip(table["parameter"], table["metric"], strict=True)],
            orientation="h",
            name=index,
            marker_color=colour,
        )
    figure = _layout(figure, "", f"{first} and {total} per parameter and metric", x_title="index")
    figure.update_layout(barmode="group", height=max(320, 30 * table.height + 120))
    return figure


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


def _figure(figure: go.Figure) -> str:
    config = {"displaylogo": False, "responsive": True}
    return str(figure.to_html(full_html=False, include_plotlyjs=False, config=config))


def _layout(
    figure: go.Figure,
    y_title: str,
    title: str,
    y_range: tuple[float, float] | None = None,
    x_title: str = "year",
) -> go.Figure:
    figure.update_layout(
        title={"text": title, "font": {"size": 14}},
        template="simple_white",
        hovermode="closest",
        height=460,
        margin={"t": 60, "r": 20},
        legend={"itemclick": "toggle", "itemdoubleclick": "toggleothers"},
    )
    figure.update_xaxes(title=x_title, showgrid=True)
    figure.update_yaxes(title=y_title, showgrid=True, range=list(y_range) if y_range else None)
    return figure


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


def _rounded(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    return [[f"{c:.4g}" if isinstance(c, float) else c for c in row] for row in rows]


def _translucent(colour: str, alpha: float = 0.2) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
