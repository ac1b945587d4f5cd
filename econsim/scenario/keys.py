"""Key paths into a scenario: overrides with wildcards, and what may change mid-run.

Messages name the key at fault, with a "did you mean" where a name is close.
"""

from __future__ import annotations

import difflib
import math
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Union

from pydantic import BaseModel

from econsim.scenario.errors import ScenarioError, key_part
from econsim.scenario.schema import WORLD, Scenario


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


def is_live(path: str) -> bool:
    """Whether an intervention may set this key while a run is going.

    Derived from the schema: not if any key along the path is marked ``WORLD`` (it
    shapes the world or the run itself), and not for a whole table. A ``*`` stands
    for any vertical, lab or holder. An unknown key is left to validation to name.
    """
    schema: Any = Scenario
    for part in path.split("."):
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            field = schema.model_fields.get(part)
            if field is None:
                return True
            if WORLD in field.metadata:
                return False
            schema = _unwrap(field.annotation)
        elif typing.get_origin(schema) in (dict, list):
            schema = _unwrap(typing.get_args(schema)[-1])
        else:
            return False  # below a value
    return not (
        (isinstance(schema, type) and issubclass(schema, BaseModel))
        or typing.get_origin(schema) in (dict, list)
    )


def key_bounds(path: str) -> tuple[float | None, float | None, bool]:
    """The schema's (lowest, highest, strictly-above-lowest) for a number's key path.

    ``None`` where the schema sets no bound; a ``*`` or a name stands for any entry.
    The highest is a value the key may take (the float below an open bound), and
    a whole-number bound stays an int (``2**63 - 1`` is not a float).
    """
    schema: Any = Scenario
    rules: list[Any] = []
    for part in path.split("."):
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            field = schema.model_fields.get(part)
            if field is None:
                raise KeyError(unknown("key", part, schema.model_fields))
            schema, rules = _unwrap(field.annotation), field.metadata
        elif typing.get_origin(schema) in (dict, list):  # an entry: its type's own rules
            entry = typing.get_args(schema)[-1]
            schema, rules = _unwrap(entry), _metadata(entry)
    low = high = None
    strict = False
    for rule in rules:
        if getattr(rule, "ge", None) is not None:
            low = rule.ge
        if getattr(rule, "gt", None) is not None:
            low, strict = rule.gt, True
        if getattr(rule, "le", None) is not None:
            high = rule.le
        if getattr(rule, "lt", None) is not None:
            high = math.nextafter(rule.lt, -math.inf)
    return low, high, strict


def apply_overrides(
    raw: dict[str, Any], overrides: Mapping[str, Any], source: str = "--set"
) -> None:
    """Set ``{"key.path": value}`` in a raw scenario dict, checking each path.

    A ``*`` stands for every entry of a named table: ``verticals.*.p``.
    """
    problems = []
    for key, value in overrides.items():
        try:
            for path in _expand(raw, key.split(".")):
                _set_path(raw, _intervention_path(raw, path), value)
        except KeyError as error:
            problems.append(f"--set {shown(key)}: {error.args[0]}")
    if problems:
        raise ScenarioError(source, problems)


def expand_key(raw: dict[str, Any], key: str) -> list[str]:
    """The concrete key paths a key with ``*`` wildcards stands for in a raw scenario."""
    try:
        return [".".join(path) for path in _expand(raw, key.split("."))]
    except KeyError as error:
        raise ScenarioError("--set", [f"{shown(key)}: {error.args[0]}"]) from None


def value_at(raw: dict[str, Any], key: str) -> Any:
    """The value at a concrete key path of a raw scenario (KeyError if absent)."""
    node: Any = raw
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def shown(key: str) -> str:
    """A key path as it fits on one line (a part with a line break is quoted)."""
    return ".".join(map(key_part, key.split(".")))


def _expand(raw: dict[str, Any], parts: list[str]) -> list[list[str]]:
    """Concrete key paths for a path that may hold ``*`` wildcards."""
    if "*" not in parts:
        return [parts]
    star = parts.index("*")
    node = raw.get(parts[0]) if star == 1 and parts[0] in _ENTRY_KIND else None
    if not isinstance(node, dict) or not node or "*" in parts[star + 1 :]:
        raise KeyError("'*' stands for every vertical, lab or holder, as in verticals.*.p")
    return [[*parts[:star], name, *parts[star + 1 :]] for name in node]  # one '*' a key


def _intervention_path(raw: dict[str, Any], parts: list[str]) -> list[str]:
    """``interventions.NAME...`` as a list index; the rest of a ``set`` key is one key.

    ``interventions.mandate.set.verticals.healthcare.consent`` sets the key
    ``verticals.healthcare.consent`` of the intervention named ``mandate``.
    """
    if len(parts) < 2 or parts[0] != "interventions":
        return parts
    timeline = raw.get("interventions") or []
    names = [
        str(entry.get("name") or i) if isinstance(entry, dict) else str(i)
        for i, entry in enumerate(timeline)
    ]
    if parts[1] not in names:
        raise KeyError(unknown("intervention", parts[1], names))
    index = [str(names.index(parts[1]))]
    if len(parts) > 3 and parts[2] == "set":
        return ["interventions", *index, "set", ".".join(parts[3:])]
    return ["interventions", *index, *parts[2:]]


def _set_path(raw: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``raw[a][b]...= value`` where the schema allows that path."""
    node: Any = raw
    schema: Any = Scenario
    parent = ""
    for depth, part in enumerate(parts):
        schema = _child_schema(schema, part, node, parent)
        if isinstance(node, list) and not (part.isdigit() and int(part) < len(node)):
            raise KeyError(f"{parent!r} holds a list, not a table of keys")
        key: Any = int(part) if isinstance(node, list) else part
        if depth == len(parts) - 1:
            node[key] = value
            return
        node = node[key] if isinstance(node, list) else node.setdefault(key, {})
        if not isinstance(node, dict | list):
            raise KeyError(f"{part!r} holds a value, not a table of keys")
        parent = part


_ENTRY_KIND = {"verticals": "vertical", "labs": "lab", "holders": "holder"}


def _child_schema(schema: Any, part: str, node: Any, parent: str) -> Any:
    """The schema below ``part``; raises KeyError naming what is unknown."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        names = list(schema.model_fields)
        if part not in names:
            raise KeyError(unknown("key", part, names))
        return _unwrap(schema.model_fields[part].annotation)
    origin = typing.get_origin(schema)
    if origin is dict:  # a named table such as verticals.legal must already exist;
        known = list(node) if isinstance(node, dict) else []  # other maps may grow
        if parent in _ENTRY_KIND and part not in known:
            raise KeyError(unknown(_ENTRY_KIND.get(parent, "entry"), part, known))
        return _unwrap(typing.get_args(schema)[1])
    if origin is list and part.isdigit() and isinstance(node, list) and int(part) < len(node):
        return _unwrap(typing.get_args(schema)[0])
    raise KeyError(f"{part!r} is below a value that has no keys")


def _metadata(annotation: Any) -> list[Any]:
    """The rules (``Field(ge=...)``) of an annotated type, outermost last."""
    rules: list[Any] = []
    while typing.get_origin(annotation) is Annotated:
        annotation, *more = typing.get_args(annotation)
        rules = [*more, *rules]
    return [r for rule in rules for r in getattr(rule, "metadata", [rule])]


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


def unknown(kind: str, name: str, known: Iterable[str]) -> str:
    """``unknown vertical 'legl' (did you mean 'legal'?)``."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {name!r}{hint}"


def describe_error(error: Any, root: type[BaseModel] = Scenario) -> str:
    """One line for a pydantic error: key path, what is wrong, what was given."""
    loc = [str(part) for part in error["loc"] if not str(part).startswith("function-")]
    loc = [p for p in loc if p not in {"list[str]", "literal['all']", "str", "none"}]
    path = ".".join(map(key_part, loc)) or "(top level)"  # one line, whatever the keys
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{path}: {unknown('key', loc[-1], _fields_at(loc[:-1], root))}"
    if kind == "missing":
        return f"{path}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    field, _, rest = message.partition(": ")
    if kind == "value_error" and rest and field.split(".")[0] in _fields_at(loc, root):
        return f"{'.'.join([*map(key_part, loc), field])}: {rest}"  # a check of a key below
    if kind == "value_error" or isinstance(given, dict):
        return f"{path}: {message}"
    return f"{path}: {message[0].lower() + message[1:]} (got {given!r})"


def _fields_at(loc: list[str], root: type[BaseModel]) -> list[str]:
    schema: Any = root
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
