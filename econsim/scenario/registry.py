"""Extension points: the names a scenario may use, and what registers under them.

The allowed names live here, in the lowest layer, so the schema validates against
them without importing the agents; each implementation registers itself under its
name where it is defined (a strategy class, a holder policy), and a test checks that
every name has exactly one implementation. A new strategy is its name here and one
registered class in ``agents/strategies.py``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Names allowed in scenarios, and the implementation registered under each."""

    def __init__(self, kind: str, names: tuple[str, ...]) -> None:
        self.kind, self.names = kind, names
        self._implementations: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register the implementation of ``name``."""

        def add(implementation: T) -> T:
            if name not in self.names:
                raise KeyError(f"{self.kind} {name!r} is not declared in the registry")
            if name in self._implementations:
                raise KeyError(f"{self.kind} {name!r} is registered twice")
            self._implementations[name] = implementation
            return implementation

        return add

    def __getitem__(self, name: str) -> T:
        return self._implementations[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._implementations)

    def check(self, name: str) -> str:
        """``name`` if allowed, else a ValueError naming the allowed ones."""
        if name in self.names:
            return name
        close = difflib.get_close_matches(name, self.names, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        allowed = ", ".join(repr(n) for n in self.names)
        raise ValueError(f"unknown {self.kind} {name!r}{hint}; one of {allowed}")


STRATEGIES: Registry[type] = Registry("strategy", ("broad", "isolated", "vertical"))
HOLDER_POLICIES: Registry[Callable[..., None]] = Registry(
    "holder policy", ("embargo", "license", "exclusive", "open")
)
