"""Loading scenarios: TOML files, inheritance, validation, and errors that name keys.

A scenario is a TOML file. It may ``extends`` another scenario (deep merge, the child
wins; top-level tables named in ``replace`` are taken from the child alone), give
``[vertical_defaults]`` that every vertical inherits, and be overridden
from the command line (``--set verticals.legal.p=0.05``) or from Python. Every
problem is reported with the key path that caused it, never as a traceback.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from econsim.scenario.errors import ScenarioError
from econsim.scenario.graphs import EdgeList, Network, read_edge_list
from econsim.scenario.keys import (
    apply_overrides,
    describe_error,
    is_live,
    parse_assignments,
    unknown,
)
from econsim.scenario.schema import Scenario

DEFAULT_SCENARIO = "baseline"
MAX_SCENARIO_BYTES = 1_000_000  # a scenario is a page of TOML, not a data file


# ---------------------------------------------------------------- loading


def library_dirs(kind: str = "scenarios") -> list[Path]:
    """Folders of a bundled library, ``scenarios`` or ``studies`` (installed, then checkout)."""
    here = Path(__file__).resolve().parent.parent  # the econsim package
    return [d for d in (here / f"_{kind}", here.parent / kind) if d.is_dir()]


def scenario_dirs() -> list[Path]:
    """Folders that hold the bundled scenario library."""
    return library_dirs("scenarios")


def bundled(kind: str = "scenarios") -> list[str]:
    """Names of the scenarios (or studies) shipped with econsim."""
    return sorted({p.stem for d in library_dirs(kind) for p in d.glob("*.toml")})


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with econsim."""
    return bundled("scenarios")


def find_file(source: str | Path, kind: str = "scenarios") -> Path | None:
    """A file from a path, or a bundled scenario (or study) name; None if neither."""
    path = Path(source)
    candidates = [path]
    if path.suffix == "":
        candidates += [d / f"{path.name}.toml" for d in library_dirs(kind)]
    return next((c for c in candidates if c.is_file()), None)


def not_found(source: str | Path, kind: str = "scenarios") -> str:
    """Why ``source`` names no file, with the bundled names and the closest one."""
    names = bundled(kind)
    hint = difflib.get_close_matches(str(source), names, n=1)
    did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
    one = {"scenarios": "scenario", "studies": "study"}[kind]
    listed = ", ".join(names) or "none"
    return f"no such {one} file or bundled {one}{did_you_mean}; bundled: {listed}"


def resolve_path(source: str | Path) -> Path:
    """A scenario file path from a path or a bundled scenario name."""
    found = find_file(source, "scenarios")
    if found is None:
        raise ScenarioError(str(source), [not_found(source, "scenarios")])
    return found


def load_scenario(
    source: str | Path = DEFAULT_SCENARIO,
    overrides: Mapping[str, Any] | Iterable[str] = (),
) -> Scenario:
    """Load, merge, override and validate a scenario.

    Args:
        source: a TOML file or the name of a bundled scenario (``econsim list``).
        overrides: ``{"verticals.legal.p": 0.05}`` or ``["verticals.legal.p=0.05"]``.

    Raises:
        ScenarioError: with one line per problem, each naming its key path.
    """
    path = resolve_path(source)
    raw = _read_with_parents(path, seen=())
    if not isinstance(overrides, Mapping):
        overrides = parse_assignments(overrides, source=str(path))
    apply_overrides(raw, overrides, source=str(path))
    raw.setdefault("name", path.stem)
    return validate(_merge_vertical_defaults(raw), source=str(path))


def _read_toml(path: Path) -> dict[str, Any]:
    """A scenario file's tables; errors say where, never what the file holds."""
    try:
        if path.stat().st_size > MAX_SCENARIO_BYTES:
            raise ScenarioError(str(path), [f"larger than {MAX_SCENARIO_BYTES:,} bytes"])
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(str(path), [f"malformed TOML: {error}"]) from None
    except UnicodeDecodeError:
        raise ScenarioError(str(path), ["cannot read file: not UTF-8 text"]) from None
    except OSError as error:
        raise ScenarioError(str(path), [f"cannot read file: {error.strerror}"]) from None


def _named_file(reference: str, key: str, naming: Path) -> Path:
    """A file a scenario file names (``extends``, ``graph.path``): beside it or bundled.

    Scenarios get shared, so what one names may not reach elsewhere on the
    machine; a path given on the command line (``--set graph.path=...``) may.
    """
    folder = naming.parent.resolve()
    candidates = [folder / reference]
    if Path(reference).suffix == "":  # a bundled scenario's name
        candidates += [d / f"{reference}.toml" for d in scenario_dirs()]
    found = next((c for c in candidates if c.is_file()), candidates[0]).resolve()
    allowed = [folder, *(d.resolve() for d in scenario_dirs())]
    if not any(found.is_relative_to(place) for place in allowed):
        raise ScenarioError(
            str(naming),
            [
                f"{key}: {reference!r} lies outside this scenario's folder; a scenario names "
                f"files beside it (or bundled scenarios), a path outside goes on the command line"
            ],
        )
    return found


def _read_with_parents(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if path.resolve() in seen:
        chain = " -> ".join(str(p) for p in (*seen, path.resolve()))
        raise ScenarioError(str(path), [f"extends: cycle {chain}"])
    raw = _read_toml(path)
    graph = raw.get("graph")
    if isinstance(graph, dict) and isinstance(graph.get("path"), str):
        graph["path"] = str(_named_file(graph["path"], "graph.path", path))
    parent = raw.pop("extends", None)
    replaced = raw.pop("replace", [])
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError(str(path), ["extends: expected a scenario name or file path"])
    if not (isinstance(replaced, list) and all(isinstance(k, str) for k in replaced)):
        raise ScenarioError(str(path), ['replace: expected a list of keys, e.g. ["labs"]'])
    named = _named_file(parent, "extends", path)
    if not named.is_file():
        raise ScenarioError(str(path), [f"extends: {not_found(parent, 'scenarios')}"])
    base = _read_with_parents(named, (*seen, path.resolve()))
    for key in ("name", "description", *replaced):
        base.pop(key, None)
    timeline = _merge_timelines(base.pop("interventions", []), raw.pop("interventions", []))
    merged = _deep_merge(base, raw)
    if timeline:
        merged["interventions"] = timeline
    return merged


def _merge_timelines(base: Any, top: Any) -> Any:
    """A child's interventions merged into its parent's by name; new ones are added.

    ``replace = ["interventions"]`` in the child drops the parent's instead.
    """
    if not (isinstance(base, list) and isinstance(top, list)):
        return top or base
    merged = [copy.deepcopy(entry) for entry in base]
    names = [entry.get("name") if isinstance(entry, dict) else None for entry in merged]
    for entry in top:
        name = entry.get("name") if isinstance(entry, dict) else None
        if name and name in names:
            i = names.index(name)
            merged[i] = _deep_merge(merged[i], entry)
        else:
            merged.append(copy.deepcopy(entry))
    return merged


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _merge_vertical_defaults(raw: dict[str, Any]) -> dict[str, Any]:
    defaults = raw.pop("vertical_defaults", {})
    verticals = raw.get("verticals")
    if isinstance(defaults, dict) and isinstance(verticals, dict):
        raw["verticals"] = {
            name: _deep_merge(defaults, table) if isinstance(table, dict) else table
            for name, table in verticals.items()
        }
    return raw


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
        raise ScenarioError(source, [describe_error(e) for e in error.errors()]) from None
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
    running = scenario.model_copy(update={"interventions": []})  # or checks would recurse
    timeline = sorted(enumerate(scenario.interventions), key=lambda pair: pair[1].at)
    for i, intervention in timeline:
        fixed = [key for key in intervention.set if not is_live(key)]
        problems += [
            f"interventions.{i}.set.{key}: cannot change during a run; set it in "
            f"the scenario itself"
            for key in fixed
        ]
        if fixed:
            continue
        try:
            running = running.override(intervention.set)
        except ScenarioError as error:
            problems += [_at_intervention(i, p) for p in error.problems]
    return problems


def _at_intervention(index: int, problem: str) -> str:
    if problem.startswith("--set "):
        return f"interventions.{index}.set.{problem.removeprefix('--set ')}"
    return f"interventions.{index}: {problem}"
