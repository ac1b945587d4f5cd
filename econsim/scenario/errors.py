"""The error every bad scenario input becomes: one line per problem, naming its key."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario that cannot be run; ``problems`` name the key paths at fault."""

    def __init__(self, source: str, problems: list[str]) -> None:
        # args stay (source, problems): SimPy re-raises process errors as type(e)(*e.args)
        super().__init__(source, problems)
        self.source = source
        self.problems = problems

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            return head + self.problems[0]
        return head + f"{len(self.problems)} problems\n  " + "\n  ".join(self.problems)


def key_part(part: object) -> str:
    """One part of a key path as it fits on one line: as it is if plain, else quoted."""
    text = str(part)
    return text if text and text.isprintable() and text.strip() == text else repr(text)
