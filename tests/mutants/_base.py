"""The catalogue itself: each mutant registers with the clauses that must catch it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["CATALOGUE", "Mutant", "mutant"]


@dataclass(frozen=True)
class Mutant:
    """A broken agent, its bug in one line, and the clauses that must catch it."""

    name: str
    agent: type
    bug: str
    killed_by: frozenset[str]

    @property
    def spec(self) -> str:
        """The ``--agent-impl`` value that runs the suite against this mutant."""
        return f"{self.agent.__module__}:{self.agent.__qualname__}"


CATALOGUE: list[Mutant] = []


def mutant(*clauses: str, bug: str) -> Callable[[type], type]:
    """Class decorator: add the agent to the catalogue, to be killed by ``clauses``."""

    def register(cls: type) -> type:
        name = re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()
        CATALOGUE.append(Mutant(name, cls, bug, frozenset(clauses)))
        return cls

    return register
