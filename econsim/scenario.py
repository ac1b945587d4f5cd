"""Scenarios: the validated, frozen description of one simulated economy.

A scenario is a TOML file. It may ``extends`` another scenario (deep merge, the child
wins), give ``[vertical_defaults]`` that every vertical inherits, and be overridden
from the command line (``--set verticals.legal.p=0.05``) or from Python. Every
problem is reported with the key path that caused it, never as a traceback.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_SCENARIO = "baseline"

Probability = Annotated[float, Field(ge=0, le=1)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class ScenarioError(ValueError):
    """A scenario that cannot be run; ``problems`` name the key paths at fault."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        head = f"{source}: " if source else ""
        if len(problems) == 1:
            super().__init__(head + problems[0])
        else:
            super().__init__(head + f"{len(problems)} problems\n  " + "\n  ".join(problems))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Threshold(_Frozen):
    """Firms' capability thresholds θ: a Beta distribution given by mean and sd."""

    mean: Probability = 0.5
    sd: NonNegative = 0.15

    @model_validator(mode="after")
    def _feasible(self) -> Threshold:
        if self.sd > 0 and self.sd**2 >= self.mean * (1 - self.mean):
            raise ValueError(
                f"sd {self.sd} is too large for mean {self.mean}: a Beta distribution "
                f"needs sd² < mean·(1 - mean)"
            )
        return self


class LeadTime(_Frozen):
    """Pilot integration lead time in years: lognormal with a median and log-sd."""

    median: NonNegative = 0.25
    sigma: NonNegative = 0.5


class Vertical(_Frozen):
    """A sector of the economy (DESIGN 2.1); rates are per year, data in episodes.

    ``volume`` is the practice episodes the whole vertical performs in a year and
    ``output_value`` its yearly output in USD; each firm carries its employment share.
    """

    firm_share: Positive
    tokenizability: Probability
    corpus_practice: NonNegative
    corpus_descriptive: NonNegative
    data_scale: Positive
    learning_slope: Positive
    simulability: Probability = 0.0
    market_coupling: Probability = 0.0
    eval_validity: Probability = 0.5
    drift: NonNegative = 0.1
    p: NonNegative = 0.03
    q: NonNegative = 0.38
    threshold: Threshold = Threshold()
    lead_time: LeadTime = LeadTime()
    pilot_success: Probability = 0.5
    pilot_data: Probability = 0.25
    contract_years: Positive = 2.0
    cooldown: NonNegative = 1.0
    churn: Probability = 0.1
    consent: Probability = 0.5
    volume: NonNegative = 1.0e9
    output_value: NonNegative = 1.0e11


class Lab(_Frozen):
    """An AI lab: what it sells, how efficient its training is, how often it ships."""

    strategy: Literal["broad"] = "broad"
    verticals: list[str] | Literal["all"] = "all"
    sample_efficiency: Positive = 1.0
    training_time: Positive = 0.5
    release_interval: Positive = 0.5
    synthetic_rate: NonNegative = 0.0

    @model_validator(mode="after")
    def _cycle(self) -> Lab:
        if self.release_interval < self.training_time:
            raise ValueError(
                f"release_interval {self.release_interval} is shorter than training_time "
                f"{self.training_time}: a lab trains one model at a time"
            )
        return self


class FirmSize(_Frozen):
    """Employees per firm: a Pareto (Zipf) tail, truncated to [min, max]."""

    exponent: Positive = 1.06
    min: Annotated[float, Field(ge=1)] = 1.0
    max: Annotated[float, Field(ge=1)] = 1.0e5

    @model_validator(mode="after")
    def _ordered(self) -> FirmSize:
        if self.max < self.min:
            raise ValueError(f"max {self.max} is below min {self.min}")
        return self


class Economy(_Frozen):
    """The population of firms."""

    firms: Annotated[int, Field(ge=1, le=50_000_000)] = 100_000
    firm_size: FirmSize = FirmSize()
    size_elasticity: Annotated[float, Field(ge=0, le=1)] = 0.0


class SupplyGraph(_Frozen):
    """Supplier/customer ties over which imitation spreads."""

    kind: Literal["block", "barabasi_albert", "complete", "file"] = "block"
    mean_degree: Positive = 6.0
    cross_vertical: Probability = 0.2
    path: str | None = None

    @model_validator(mode="after")
    def _path_for_file(self) -> SupplyGraph:
        if self.kind == "file" and not self.path:
            raise ValueError("kind 'file' needs path = an edge-list file")
        return self


class Capability(_Frozen):
    """How data becomes capability, across verticals."""

    expert_threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    generalization: Probability = 0.05
    grounding: NonNegative = 1.0
    actuation: Probability = 0.0


class Market(_Frozen):
    """How firms perceive and choose models."""

    gate_width: Positive = 0.1
    choice_temperature: Positive = 0.05
    switching_cost: NonNegative = 0.05


class Scenario(_Frozen):
    """One economy, its labs and its horizon: everything a run needs but the seed."""

    name: str
    description: str = ""
    seed: Annotated[int, Field(ge=0)] = 0
    start: float = 2023.0
    horizon: Annotated[float, Field(gt=0, le=200)] = 20.0
    reports_per_year: Annotated[int, Field(ge=1, le=365)] = 12
    economy: Economy = Economy()
    graph: SupplyGraph = SupplyGraph()
    capability: Capability = Capability()
    market: Market = Market()
    verticals: Annotated[dict[str, Vertical], Field(min_length=1)]
    labs: Annotated[dict[str, Lab], Field(min_length=1)]

    @property
    def vertical_names(self) -> list[str]:
        """Vertical names in scenario order."""
        return list(self.verticals)

    @property
    def lab_names(self) -> list[str]:
        """Lab names in scenario order."""
        return list(self.labs)

    def override(self, overrides: Mapping[str, Any]) -> Scenario:
        """A copy with ``{"key.path": value}`` overrides applied and re-validated."""
        raw = self.model_dump(mode="json")
        _apply_overrides(raw, overrides)
        return _validate(raw, source=f"scenario {self.name!r}")

    def to_toml(self) -> str:
        """The resolved scenario as TOML text."""
        import tomli_w

        return tomli_w.dumps(_drop_none(self.model_dump(mode="json")))


# ---------------------------------------------------------------- loading


def scenario_dirs() -> list[Path]:
    """Folders that hold the bundled scenario library (installed, then checkout)."""
    here = Path(__file__).resolve().parent
    return [d for d in (here / "_scenarios", here.parent / "scenarios") if d.is_dir()]


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with econsim."""
    return sorted({p.stem for d in scenario_dirs() for p in d.glob("*.toml")})


def resolve_path(source: str | Path, relative_to: Path | None = None) -> Path:
    """A scenario file path from a path or a bundled scenario name."""
    path = Path(source)
    candidates = [relative_to / path] if relative_to and not path.is_absolute() else []
    candidates.append(path)
    if path.suffix == "":
        candidates += [d / f"{path.name}.toml" for d in scenario_dirs()]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    names = bundled_scenarios()
    hint = difflib.get_close_matches(str(source), names, n=1)
    did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise ScenarioError(
        str(source),
        [
            f"no such scenario file or bundled scenario{did_you_mean}; "
            f"bundled: {', '.join(names) or 'none'}"
        ],
    )


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
    _apply_overrides(raw, overrides, source=str(path))
    raw.setdefault("name", path.stem)
    return _validate(_merge_vertical_defaults(raw), source=str(path))


def parse_assignments(items: Iterable[str], source: str = "--set") -> dict[str, Any]:
    """Parse ``KEY=VALUE`` strings; values are TOML literals, bare words are strings."""
    result: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(
                source, [f"--set {item!r}: expected KEY=VALUE, e.g. verticals.legal.p=0.05"]
            )
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        result[key.strip()] = value
    return result


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(str(path), [f"malformed TOML: {error}"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(str(path), [f"cannot read file: {error}"]) from None


def _read_with_parents(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    if path.resolve() in seen:
        chain = " -> ".join(str(p) for p in (*seen, path.resolve()))
        raise ScenarioError(str(path), [f"extends: cycle {chain}"])
    raw = _read_toml(path)
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise ScenarioError(str(path), ["extends: expected a scenario name or file path"])
    base = _read_with_parents(resolve_path(parent, path.parent), (*seen, path.resolve()))
    base.pop("name", None)
    base.pop("description", None)
    return _deep_merge(base, raw)


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


def _validate(raw: dict[str, Any], source: str) -> Scenario:
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(source, [_describe(e) for e in error.errors()]) from None
    _check_references(scenario, source)
    return scenario


def _check_references(scenario: Scenario, source: str) -> None:
    known = scenario.vertical_names
    problems = []
    for lab_name, lab in scenario.labs.items():
        if lab.verticals == "all":
            continue
        for i, name in enumerate(lab.verticals):
            if name not in scenario.verticals:
                problems.append(
                    f"labs.{lab_name}.verticals.{i}: {_unknown('vertical', name, known)}"
                )
    if problems:
        raise ScenarioError(source, problems)


# ---------------------------------------------------------------- overrides


def _apply_overrides(
    raw: dict[str, Any], overrides: Mapping[str, Any], source: str = "--set"
) -> None:
    problems = []
    for key, value in overrides.items():
        try:
            _set_path(raw, key.split("."), value)
        except KeyError as error:
            problems.append(f"--set {key}: {error.args[0]}")
    if problems:
        raise ScenarioError(source, problems)


def _set_path(raw: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``raw[a][b]...= value`` where the schema allows that path."""
    node: Any = raw
    schema: Any = Scenario
    parent = ""
    for depth, part in enumerate(parts):
        schema = _child_schema(schema, part, node, parent)
        if depth == len(parts) - 1:
            node[part] = value
            return
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        parent = part


_ENTRY_KIND = {"verticals": "vertical", "labs": "lab"}


def _child_schema(schema: Any, part: str, node: Any, parent: str) -> Any:
    """The schema below ``part``; raises KeyError naming what is unknown."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        names = list(schema.model_fields)
        if part not in names:
            raise KeyError(_unknown("key", part, names))
        return _unwrap(schema.model_fields[part].annotation)
    origin = typing.get_origin(schema)
    if origin is dict:  # a named table such as verticals.legal must already exist
        known = list(node) if isinstance(node, dict) else []
        if part not in known:
            raise KeyError(_unknown(_ENTRY_KIND.get(parent, "entry"), part, known))
        return _unwrap(typing.get_args(schema)[1])
    if origin is list and part.isdigit() and isinstance(node, list) and int(part) < len(node):
        return _unwrap(typing.get_args(schema)[0])
    raise KeyError(f"{part!r} is below a value that has no keys")


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional wrappers off a field's type."""
    while typing.get_origin(annotation) is Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        models = [
            a
            for a in args
            if typing.get_origin(a) in (dict, list)
            or (isinstance(a, type) and issubclass(a, BaseModel))
        ]
        return _unwrap(models[0]) if len(models) == 1 else annotation
    return annotation


# ---------------------------------------------------------------- messages


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {name!r}{hint}"


def _describe(error: Any) -> str:
    """One line for a pydantic error: key path, what is wrong, what was given."""
    loc = [str(part) for part in error["loc"] if not str(part).startswith("function-")]
    loc = [p for p in loc if p not in {"list[str]", "literal['all']", "str", "none"}]
    path = ".".join(loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{path}: {_unknown('key', loc[-1], _fields_at(loc[:-1]))}"
    if kind == "missing":
        return f"{path}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    if kind == "value_error" or isinstance(given, dict):
        return f"{path}: {message}"
    return f"{path}: {message[0].lower() + message[1:]} (got {given!r})"


def _fields_at(loc: list[str]) -> list[str]:
    schema: Any = Scenario
    for part in loc:
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            field = schema.model_fields.get(part)
            if field is None:
                return []
            schema = _unwrap(field.annotation)
        elif typing.get_origin(schema) in (dict, list):
            schema = _unwrap(typing.get_args(schema)[-1])
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return list(schema.model_fields)
    return []


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value
