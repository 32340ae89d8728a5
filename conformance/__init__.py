"""The conformance suite: the spec (SPEC.md), the reference agent, and the tests.

``clause("TURNS-1")`` marks a test with a clause from SPEC.md, carrying its level and text.
"""

from __future__ import annotations

import pytest

from ._spec import Clause, clauses, spec_version

__all__ = ["Clause", "clause", "clauses", "spec_version"]


def clause(clause_id: str) -> pytest.MarkDecorator:
    """The ``clause`` marker for ``clause_id``; an id missing from SPEC.md is an error, not a guess."""
    found = clauses().get(clause_id)
    if found is None:
        raise KeyError(f"clause {clause_id!r} is not in conformance/SPEC.md")
    return pytest.mark.clause(found.id, level=found.level, text=found.text)
