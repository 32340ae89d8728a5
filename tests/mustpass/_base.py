"""The must-pass catalogue: correct agents, each using a freedom the spec grants, that must pass.

The mirror of the mutant catalogue. A mutant proves a clause *can* fail; a must-pass variant
proves it does not fail a correct agent that does its work differently from the reference
(tools in a thread pool, a pre-emptive timeout, validation at invocation, another refusal
wording, a sync-only subset). ``tests/test_mustpass.py`` runs the whole suite against each one
and requires every clause it supports to pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

__all__ = ["CATALOGUE", "Variant", "variant"]


@dataclass(frozen=True)
class Variant:
    """A correct agent, the freedom it takes in one line, and how the meta-test runs it.

    ``env``: extra environment for the suite run (e.g. a monotonic offset simulating a host
    that has been up for days). ``clauses``: only these (empty: the whole suite).
    """

    name: str
    agent: type
    freedom: str
    env: Mapping[str, str] = field(default_factory=dict)
    clauses: frozenset[str] = frozenset()

    @property
    def spec(self) -> str:
        """The ``--agent-impl`` value that runs the suite against this variant."""
        return f"{self.agent.__module__}:{self.agent.__qualname__}"


CATALOGUE: list[Variant] = []


def variant(freedom: str, env: Mapping[str, str] | None = None,
            clauses: tuple[str, ...] = ()) -> Callable[[type], type]:
    """Class decorator: add the agent to the must-pass catalogue."""

    def register(cls: type) -> type:
        name = re.sub(r"(?<!^)(?=[A-Z])", "-", cls.__name__).lower()
        CATALOGUE.append(Variant(name, cls, freedom, dict(env or {}), frozenset(clauses)))
        return cls

    return register
