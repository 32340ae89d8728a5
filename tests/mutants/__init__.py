"""The mutant catalogue: the reference agent with exactly one real-world limit bug each.

Every mutant names the clauses it must fail (``KILLED_BY``); ``tests/test_mutants.py`` runs
the conformance suite against each one and checks that those clauses do fail. A mutant that
survives is a hole in the suite.
"""

from __future__ import annotations

from ._catalogue import CATALOGUE, Mutant

__all__ = ["CATALOGUE", "Mutant"]
