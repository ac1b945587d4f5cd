"""The scenario itself: its validation, and the copies made from it.

:class:`Scenario` is the root of the schema (its tables are in ``schema.py``);
:func:`validate` turns a raw dict (a merged TOML file, a JSON manifest) into one, and
the conversions (``override``, ``with_network``, ``to_toml``) make validated copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import tomli_w
from pydantic import BeforeValidator, Field, SerializeAsAny, ValidationError, model_validator

from econsim.scenario import keys
from econsim.scenario.errors import ScenarioError, key_part
from econsim.scenario.graphs import EdgeList, Network, network_from_graph, read_edge_list
from econsim.scenario.interventions import Intervention, Running, by_kind
from econsim.scenario.keys import WORLD, apply_overrides, describe_error, unknown
from econsim.scenario.schema import (
    MAX_TICKS,
    NAME,
    NAME_RULE,
    Capability,
    Compute,
    Economy,
    Holder,
    Lab,
    Market,
    SupplyGraph,
    Vertical,
    Year,
    _Frozen,
)


class Scenario(_Frozen):
    """One economy, its labs and its horizon: everything a run needs but the seed."""

    name: Annotated[str, WORLD]
    description: Annotated[str, WORLD] = ""
    seed: Annotated[int, Field(ge=0, le=2**63 - 1), WORLD] = 0
    start: Annotated[Year, WORLD] = 2023.0
    horizon: Annotated[float, Field(gt=0, le=200), WORLD] = 20.0
    reports_per_year: Annotated[int, Field(ge=1, le=365), WORLD] = 12
    steps_per_year: Annotated[int, Field(ge=1, le=365), WORLD] = 12
    economy: Annotated[Economy, WORLD] = Economy()
    graph: Annotated[SupplyGraph, WORLD] = SupplyGraph()
    capability: Capability = Capability()
    market: Market = Market()
    compute: Compute = Compute()
    verticals: Annotated[dict[str, Vertical], Field(min_length=1)]
    labs: Annotated[dict[str, Lab], Field(min_length=1)]
    holders: dict[str, Holder] = Field(default_factory=dict)
    interventions: Annotated[
        list[SerializeAsAny[Annotated[Intervention, BeforeValidator(by_kind)]]], WORLD
    ] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _name_interventions(cls, data: Any) -> Any:
        """Name each unnamed intervention by its position in the timeline ("0", "1", ...)."""
        timeline = data.get("interventions") if isinstance(data, dict) else None
        if isinstance(timeline, list):
            data = {
                **data,
                "interventions": [
                    {**entry, "name": str(i)}
                    if isinstance(entry, dict) and not entry.get("name")
                    else entry
                    for i, entry in enumerate(timeline)
                ],
            }
        return data

    @model_validator(mode="after")
    def _names_are_safe_and_unique(self) -> Scenario:
        """Names label files, tables, legends and folders: plain, and one thing each."""
        kinds: dict[str, Mapping[str, Any]] = {
            "vertical": self.verticals,
            "lab": self.labs,
            "holder": self.holders,
        }
        seen: dict[str, str] = {}
        for kind, table in kinds.items():
            for name in table:
                where = f"{kind}s.{key_part(name)}: {kind} {name!r}"  # starts at its key
                if not NAME.fullmatch(name):
                    raise ValueError(f"{where}: {NAME_RULE}")
                if name in seen:
                    raise ValueError(f"{where}: also the name of a {seen[name]}")
                seen[name] = kind
        for i, intervention in enumerate(self.interventions):  # or its position: "0", ...
            if not (NAME.fullmatch(intervention.name) or intervention.name.isdigit()):
                raise ValueError(
                    f"interventions.{i}.name: intervention {intervention.name!r}: {NAME_RULE}"
                )
        return self

    @model_validator(mode="after")
    def _interventions_in_the_run(self) -> Scenario:
        for i, intervention in enumerate(self.interventions):
            if not self.covers(intervention.at):
                raise ValueError(
                    f"interventions.{i}.at: intervention {intervention.name!r} at "
                    f"{intervention.at:g} is outside the run ({self.period}); "
                    f"it would never or at once apply"
                )
        return self

    @model_validator(mode="after")
    def _unique_intervention_names(self) -> Scenario:
        names = [i.name for i in self.interventions]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"interventions.{i}.name: two interventions are named {name!r}")
        return self

    @model_validator(mode="after")
    def _one_research_vertical(self) -> Scenario:
        flagged = [name for name, v in self.verticals.items() if v.ai_research]
        if len(flagged) > 1:
            raise ValueError(
                f"verticals.{flagged[1]}.ai_research: verticals {', '.join(flagged)} are "
                f"all marked ai_research; mark one"
            )
        return self

    @model_validator(mode="after")
    def _whole_reports(self) -> Scenario:
        reports = self.horizon * self.reports_per_year
        if reports < 1 - 1e-9 or abs(reports - round(reports)) > 1e-9:
            raise ValueError(
                f"horizon: {self.horizon:g} years is not a whole number of reports "
                f"at {self.reports_per_year} a year; the run must end on a report"
            )
        return self

    @model_validator(mode="after")
    def _countable_clock(self) -> Scenario:
        """Each report and step costs the same whatever the firms: bound how many."""
        for key in ("reports_per_year", "steps_per_year"):
            ticks = self.horizon * getattr(self, key)
            if ticks > MAX_TICKS:
                raise ValueError(
                    f"{key}: {getattr(self, key)} a year over {self.horizon:g} years is "
                    f"{ticks:,.0f}; a run has at most {MAX_TICKS:,} (fewer a year, or a "
                    f"shorter horizon)"
                )
        return self

    @property
    def vertical_names(self) -> list[str]:
        """Vertical names in scenario order."""
        return list(self.verticals)

    @property
    def research_vertical(self) -> int:
        """Index of the vertical marked ``ai_research`` (-1: none)."""
        marked = [i for i, v in enumerate(self.verticals.values()) if v.ai_research]
        return marked[0] if marked else -1

    @property
    def lab_names(self) -> list[str]:
        """Lab names in scenario order."""
        return list(self.labs)

    @property
    def end(self) -> float:
        """The year the run stops."""
        return self.start + self.horizon

    @classmethod
    def is_live(cls, key: str) -> bool:
        """Whether an intervention may set this key while a run is going."""
        return keys.is_live(cls, key)

    @classmethod
    def key_bounds(cls, key: str) -> tuple[float | None, float | None, bool]:
        """The (lowest, highest, strictly-above-lowest) a number's key may take."""
        return keys.key_bounds(cls, key)

    @property
    def period(self) -> str:
        """The run's years as text: ``2022.5-2043``."""
        return f"{self.start:g}-{self.end:g}"

    def covers(self, year: float) -> bool:
        """Whether ``year`` falls inside the run (its start and end included)."""
        return self.start <= year <= self.end

    def override(self, overrides: Mapping[str, Any]) -> Scenario:
        """A copy with ``{"key.path": value}`` overrides applied and re-validated."""
        raw, source = self.model_dump(mode="json"), f"scenario {self.name!r}"
        apply_overrides(Scenario, raw, overrides, source=source)
        return validate(raw, source=source, edges=self.graph.edges)

    def with_network(self, graph: Any) -> Scenario:
        """A copy whose firms and supply ties are the nodes and edges of a networkx graph.

        Each node needs a ``vertical`` attribute naming one of the scenario's verticals,
        and may have a ``size`` (employees; every node or none, else sizes are drawn).
        ``economy.firms`` becomes the number of nodes. :meth:`Results.firms` maps the
        run's firm indices back to the node ids.
        """
        source = f"scenario {self.name!r}: with_network"
        try:
            network = network_from_graph(graph, self.vertical_names)
        except ValueError as error:
            raise ScenarioError(source, [str(error)]) from None
        raw = self.model_dump(mode="json")
        raw["graph"] = {"kind": "network", "sha256": network.sha256}
        raw["economy"]["firms"] = len(network.nodes)
        return validate(raw, source=source, edges=network)

    def to_toml(self) -> str:
        """The resolved scenario as TOML text."""
        return tomli_w.dumps(_drop_none(self.model_dump(mode="json")))


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def validate(raw: dict[str, Any], source: str, edges: EdgeList | None = None) -> Scenario:
    """Validate a raw scenario dict; problems are reported against ``source``.

    A ``file`` graph's edge list is read here (or ``edges``, already read, reused
    while the file's digest is unchanged) and checked against the firms.
    """
    graph = raw.get("graph")
    given: dict[str, Any] = graph if isinstance(graph, dict) else {}
    if given.get("kind") == "file" and isinstance(given.get("path"), str) and given["path"]:
        edges = _edge_list(given, source, edges)  # a path that is not text: the schema says
        given["sha256"] = edges.sha256
    if given.get("kind") == "network" and not (
        isinstance(edges, Network) and given.get("sha256") == edges.sha256
    ):
        raise ScenarioError(
            source, ["graph.kind 'network' comes from Scenario.with_network(graph) in Python"]
        )
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(
            source, [describe_error(e, Scenario, raw) for e in error.errors()]
        ) from None
    _check_references(scenario, source)
    if scenario.graph.kind == "file" and edges is not None:
        _check_edges(edges, scenario.economy.firms, f"{source}: graph.path {scenario.graph.path}")
        scenario.graph._edges = edges
    if isinstance(edges, Network) and scenario.graph.kind == "network":
        if scenario.economy.firms != len(edges.nodes):
            raise ScenarioError(
                source,
                [f"economy.firms: the network has {len(edges.nodes)} nodes, one firm each"],
            )
        if len(edges.counts) != len(scenario.verticals):
            raise ScenarioError(source, ["verticals: a network's verticals cannot change"])
        scenario.graph._edges = edges
    return scenario


def _edge_list(graph: dict[str, Any], source: str, known: EdgeList | None) -> EdgeList:
    """The graph's edge list: ``known`` if the scenario already carries this file's."""
    if known is not None and graph.get("sha256") == known.sha256:
        return known
    where = f"{source}: graph.path {graph['path']}"
    try:
        return read_edge_list(graph["path"])
    except OSError as error:
        raise ScenarioError(where, [f"cannot read edge list: {error.strerror}"]) from None
    except UnicodeDecodeError:
        raise ScenarioError(where, ["not an edge list: not UTF-8 text"]) from None
    except ValueError as error:
        raise ScenarioError(where, [f"not an edge list: {error}"]) from None


def _check_edges(edges: EdgeList, firms: int, where: str) -> None:
    low, high = int(edges.pairs.min()), int(edges.pairs.max())
    if low < 0 or high >= firms:
        found = low if low < 0 else high
        raise ScenarioError(
            where, [f"firm ids must lie in 0..{firms - 1} (economy.firms = {firms}); found {found}"]
        )


def _check_references(scenario: Scenario, source: str) -> None:
    known = scenario.vertical_names
    problems = []

    def check(path: str, name: str | None) -> None:
        if name is not None and name not in scenario.verticals:
            problems.append(f"{path}: {unknown('vertical', name, known)}")

    for lab_name, lab in scenario.labs.items():
        if lab.verticals != "all":
            for i, name in enumerate(lab.verticals):
                check(f"labs.{lab_name}.verticals.{i}", name)
        check(f"labs.{lab_name}.conquest.first", lab.conquest.first)
        for name in lab.operations:
            check(f"labs.{lab_name}.operations.{name}", name)
    for holder_name, holder in scenario.holders.items():
        check(f"holders.{holder_name}.vertical", holder.vertical)
    for source_name, targets in scenario.capability.transfer.items():
        check(f"capability.transfer.{source_name}", source_name)
        for target in targets:
            check(f"capability.transfer.{source_name}.{target}", target)
    problems += _intervention_problems(scenario)
    if problems:
        raise ScenarioError(source, problems)


def _intervention_problems(scenario: Scenario) -> list[str]:
    """Check each intervention in time order, on the scenario as it stands by then."""
    problems = []
    running: Running = scenario.model_copy(update={"interventions": []})  # or it recurses
    timeline = sorted(enumerate(scenario.interventions), key=lambda pair: pair[1].at)
    for i, intervention in timeline:
        running, found = intervention.check(running, f"interventions.{i}")
        problems += found
    return problems
