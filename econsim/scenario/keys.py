"""Key paths into a schema: one walker, and what it answers.

A key path is dotted (``verticals.legal.lead_time.median``); a ``*`` stands for every
entry of a named table (``verticals.*.p``). Everything here takes the schema's root
model as an argument, so it serves the scenario and the study file alike, and
imports neither. Messages name the key at fault, with a "did you mean" where a name
is close.
"""

from __future__ import annotations

import difflib
import math
import tomllib
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Union

from pydantic import BaseModel

from econsim.scenario.errors import ScenarioError, key_part


class _World:
    """Marks a key that shapes the world or the run itself: interventions cannot set it."""

    def __repr__(self) -> str:
        return "WORLD"


WORLD = _World()

_ENTRY_KIND = {"verticals": "vertical", "labs": "lab", "holders": "holder"}


class Kinds(BaseModel):
    """An entry whose schema is chosen by the entry itself (an intervention's kind)."""

    KIND_KEY: ClassVar[str] = "kind"

    @classmethod
    def schema_for(cls, entry: Mapping[str, Any]) -> type[BaseModel]:
        """The model an entry with these keys is validated against."""
        return cls


class BelowValue(KeyError):
    """A key path goes on below a value, which has no keys."""


@dataclass(frozen=True)
class Step:
    """One part of a key path: the type below it and the rules set on it."""

    part: str
    schema: Any
    rules: list[Any]


def walk(root: type[BaseModel], parts: Iterable[str], raw: Any = None) -> Iterator[Step]:
    """Follow a key path down a schema, one :class:`Step` per part.

    With ``raw`` (the entries as given) a named table's entry and a list's index must
    exist, and an entry that chooses its own schema (:class:`Kinds`) is followed by
    it. Raises KeyError naming an unknown key, :class:`BelowValue` past a value.
    """
    schema: Any = root
    node, parent = raw, ""
    for part in parts:
        step = _step(schema, part, node, parent, checked=raw is not None)
        yield step
        schema, node, parent = step.schema, _child(node, part), part


def _step(schema: Any, part: str, node: Any, parent: str, checked: bool = True) -> Step:
    """The schema below ``part`` of ``node`` (checked against ``node`` when ``checked``)."""
    if _is_model(schema):
        if issubclass(schema, Kinds) and isinstance(node, Mapping):
            schema = schema.schema_for(node)
        field = schema.model_fields.get(part)
        if field is None:
            raise KeyError(unknown("key", part, schema.model_fields))
        return Step(part, _unwrap(field.annotation), list(field.metadata))
    origin = typing.get_origin(schema)
    if origin is dict:  # a named table such as verticals.legal must already exist;
        known = list(node) if isinstance(node, dict) else []  # other maps may grow
        if checked and parent in _ENTRY_KIND and part not in known:
            raise KeyError(unknown(_ENTRY_KIND[parent], part, known))
        entry = typing.get_args(schema)[1]
        return Step(part, _unwrap(entry), _metadata(entry))
    if origin is list and (
        not checked or (part.isdigit() and isinstance(node, list) and int(part) < len(node))
    ):
        entry = typing.get_args(schema)[0]
        return Step(part, _unwrap(entry), _metadata(entry))
    raise BelowValue(f"{part!r} is below a value that has no keys")


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


def is_live(root: type[BaseModel], path: str) -> bool:
    """Whether an intervention may set this key while a run is going.

    Not if any key along the path is marked ``WORLD`` (it shapes the world or the run
    itself), not below a value, and not for a whole table. An unknown key is left to
    validation to name.
    """
    schema: Any = root
    try:
        for step in walk(root, path.split(".")):
            if WORLD in step.rules:
                return False
            schema = step.schema
    except BelowValue:
        return False
    except KeyError:
        return True
    return not (_is_model(schema) or typing.get_origin(schema) in (dict, list))


def key_bounds(root: type[BaseModel], path: str) -> tuple[float | None, float | None, bool]:
    """The schema's (lowest, highest, strictly-above-lowest) for a number's key path.

    ``None`` where the schema sets no bound; a ``*`` or a name stands for any entry.
    The highest is a value the key may take (the float below an open bound), and
    a whole-number bound stays an int (``2**63 - 1`` is not a float).
    """
    rules: list[Any] = []
    for step in walk(root, path.split(".")):
        rules = step.rules
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


def fields_at(root: type[BaseModel], parts: Sequence[str], raw: Any = None) -> list[str]:
    """The keys a table at this path may hold ([] where it is no table of keys)."""
    schema: Any = root
    try:
        for step in walk(root, parts, raw):
            schema = step.schema
    except KeyError:
        return []
    if _is_model(schema) and issubclass(schema, Kinds):
        entry = value_at(raw, ".".join(parts)) if raw is not None else None
        schema = schema.schema_for(entry) if isinstance(entry, Mapping) else schema
    return list(schema.model_fields) if _is_model(schema) else []


# ---------------------------------------------------------------- overrides


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


def apply_overrides(
    root: type[BaseModel],
    raw: dict[str, Any],
    overrides: Mapping[str, Any],
    source: str = "--set",
) -> None:
    """Set ``{"key.path": value}`` in a raw dict of ``root``, checking each path.

    A ``*`` stands for every entry of a named table: ``verticals.*.p``.
    """
    problems = []
    for key, value in overrides.items():
        try:
            for path in _expand(raw, key.split(".")):
                _set_path(root, raw, _intervention_path(raw, path), value)
        except KeyError as error:
            problems.append(f"--set {shown(key)}: {error.args[0]}")
    if problems:
        raise ScenarioError(source, problems)


def expand_key(raw: dict[str, Any], key: str) -> list[str]:
    """The concrete key paths a key with ``*`` wildcards stands for in a raw dict."""
    try:
        return [".".join(path) for path in _expand(raw, key.split("."))]
    except KeyError as error:
        raise ScenarioError("--set", [f"{shown(key)}: {error.args[0]}"]) from None


def value_at(raw: dict[str, Any], key: str) -> Any:
    """The value at a concrete key path of a raw dict (KeyError if absent)."""
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


def _set_path(root: type[BaseModel], raw: dict[str, Any], parts: list[str], value: Any) -> None:
    """Set ``raw[a][b]...= value`` where the schema allows that path."""
    node: Any = raw
    schema: Any = root
    parent = ""
    for depth, part in enumerate(parts):
        schema = _step(schema, part, node, parent).schema
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


# ---------------------------------------------------------------- types


def _is_model(schema: Any) -> bool:
    return isinstance(schema, type) and issubclass(schema, BaseModel)


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
        models = [a for a in args if typing.get_origin(a) in (dict, list) or _is_model(a)]
        return _unwrap(models[0]) if len(models) == 1 else annotation
    return annotation


# ---------------------------------------------------------------- messages


def unknown(kind: str, name: str, known: Iterable[str]) -> str:
    """``unknown vertical 'legl' (did you mean 'legal'?)``."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {name!r}{hint}"


def describe_error(error: Any, root: type[BaseModel], raw: Any = None) -> str:
    """One line for a pydantic error: key path, what is wrong, what was given.

    ``raw``, the input that failed, lets a "did you mean" name the keys of an entry
    whose schema the entry chooses itself (an intervention's kind).
    """
    loc = [str(part) for part in error["loc"] if not str(part).startswith("function-")]
    loc = [p for p in loc if p not in {"list[str]", "literal['all']", "str", "none"}]
    path = ".".join(map(key_part, loc)) or "(top level)"  # one line, whatever the keys
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"{path}: {unknown('key', loc[-1], fields_at(root, loc[:-1], raw))}"
    if kind == "missing":
        return f"{path}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    field, _, rest = message.partition(": ")
    if kind == "value_error" and rest and field.split(".")[0] in fields_at(root, loc, raw):
        return f"{'.'.join([*map(key_part, loc), field])}: {rest}"  # a check of a key below
    if kind == "value_error" or isinstance(given, dict):
        return f"{path}: {message}"
    return f"{path}: {message[0].lower() + message[1:]} (got {given!r})"
