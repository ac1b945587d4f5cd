"""Interventions (DESIGN 2.7): kinds of change to a running scenario, one registered class each.

An intervention applies a change at its time ``at`` and hands back how to undo it; a
kind whose change ends by itself says when (:meth:`Intervention.ends`). Each kind is
a model registered under its name in :data:`INTERVENTIONS`: a scenario's
``[[interventions]]`` entry names it with ``kind`` (``"set"`` when left out) and is
validated against that model, then checked against the scenario as it stands by
then (:meth:`Intervention.check`). The engine applies them knowing no kind.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol, Self

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from econsim.scenario.errors import ScenarioError
from econsim.scenario.keys import Kinds, expand_key, value_at
from econsim.scenario.registry import Registry
from econsim.scenario.schema import _Frozen


class Running(Protocol):
    """A scenario, as far as an intervention changes it."""

    @classmethod
    def is_live(cls, key: str) -> bool:
        """Whether an intervention may set this key while a run is going."""

    def override(self, overrides: Mapping[str, Any]) -> Self:
        """A validated copy with these keys set."""

    def model_dump(self, *, mode: str) -> dict[str, Any]:
        """The scenario as a raw dict."""


class Live(Protocol):
    """The scenario of a run as it stands, which interventions change from a time on."""

    @property
    def scenario(self) -> Running:
        """The scenario now."""

    def replace(self, scenario: Any, now: float) -> None:
        """Take a changed scenario (same verticals and labs) from ``now`` on."""


Undo = Callable[[Live, float], None]


class Intervention(Kinds, _Frozen):
    """A change to a running scenario at time ``at``; each kind is a subclass.

    ``name`` addresses it from the command line (``--set interventions.mandate.at=2030``)
    and from a scenario that extends this one; an unnamed one is named by its position.
    """

    DEFAULT_KIND: ClassVar[str] = "set"

    name: str = ""
    at: float
    note: str = ""

    @classmethod
    def kind_named(cls, entry: Mapping[str, Any]) -> str:
        """The kind an entry names (``kind``, else ``set``)."""
        return str(entry.get(cls.KIND_KEY, cls.DEFAULT_KIND))

    @classmethod
    def schema_for(cls, entry: Mapping[str, Any]) -> type[Intervention]:
        """The model of the kind an entry names (this base one for an unknown kind)."""
        kind = cls.kind_named(entry)
        return INTERVENTIONS[kind] if kind in INTERVENTIONS.names else cls

    @classmethod
    def kind(cls) -> str:
        """The name this kind is registered under."""
        return next(name for name in INTERVENTIONS.names if INTERVENTIONS[name] is cls)

    @abstractmethod
    def check(self, running: Running, where: str) -> tuple[Running, list[str]]:
        """The scenario as it stands after this change, and its problems (``where`` first)."""

    @abstractmethod
    def apply(self, live: Live, now: float) -> Undo:
        """Change the running scenario now; return how to change it back."""

    def ends(self) -> float | None:
        """When the change ends by itself (None: it lasts to the end of the run)."""
        return None

    @model_serializer(mode="wrap")
    def _written(self, write: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``name``, ``at``, ``kind`` (left out for the default), the kind's keys, ``note``.

        Scenarios and provenance from before kinds existed read the same.
        """
        fields: dict[str, Any] = write(self)
        head = {"name": fields.pop("name"), "at": fields.pop("at")}
        if self.kind() != self.DEFAULT_KIND:
            head[self.KIND_KEY] = self.kind()
        note = fields.pop("note")
        return {**head, **fields, "note": note}


def by_kind(entry: Any) -> Any:
    """A raw ``[[interventions]]`` entry as its kind's model (other input as it is)."""
    if not isinstance(entry, Mapping):
        return entry
    kind = INTERVENTIONS[INTERVENTIONS.check(Intervention.kind_named(entry))]
    return kind.model_validate({k: v for k, v in entry.items() if k != Intervention.KIND_KEY})


INTERVENTIONS: Registry[type[Intervention]] = Registry(
    "intervention kind", home="econsim.scenario.interventions"
)


@INTERVENTIONS.register("set")
class SetKeys(Intervention):
    """At ``at``, set scenario keys to new values: ``{"verticals.x.p": 0.05}``."""

    set: dict[str, Any] = Field(min_length=1)

    def check(self, running: Running, where: str) -> tuple[Running, list[str]]:
        """Every key may change during a run, and the changed scenario validates."""
        fixed = [key for key in self.set if not running.is_live(key)]
        if fixed:
            return running, [
                f"{where}.set.{key}: cannot change during a run; set it in the scenario itself"
                for key in fixed
            ]
        try:
            return running.override(self.set), []
        except ScenarioError as error:
            return running, [_at(where, problem) for problem in error.problems]

    def apply(self, live: Live, now: float) -> Undo:
        """Set the keys from now on; the undo sets them back to their values before."""
        before = live.scenario
        live.replace(before.override(self.set), now)

        def undo(live: Live, now: float) -> None:
            raw = before.model_dump(mode="json")
            old = {k: value_at(raw, k) for key in self.set for k in expand_key(raw, key)}
            live.replace(live.scenario.override(old), now)

        return undo


def _at(where: str, problem: str) -> str:
    """An override's problem, said at the intervention's key path."""
    if problem.startswith("--set "):
        return f"{where}.set.{problem.removeprefix('--set ')}"
    return f"{where}: {problem}"
