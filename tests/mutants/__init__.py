"""The mutant catalogue: the reference agent with exactly one real-world limit bug each.

Every mutant names the clauses it must fail; ``tests/test_mutants.py`` runs the conformance
suite against each one and checks that those clauses do fail, and ``make mutants`` prints the
mutation score. A mutant that survives is a hole in the suite.
"""

from __future__ import annotations

from . import after, budgets, context, mixing, notices, pace, retries, state, timing, tools, transcript, turns, validation  # noqa: F401  (they register)
from ._base import CATALOGUE, Mutant

__all__ = ["CATALOGUE", "Mutant"]
