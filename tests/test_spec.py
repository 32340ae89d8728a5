"""SPEC.md and the suite cannot drift: every clause has tests, every test a clause from the spec."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from agent_limits.conformance import clause, clauses
from agent_limits.harness.plugin import suite_dir


def clause_ids_used_by_the_suite() -> set[str]:
    used = set()
    for path in Path(suite_dir()).glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "clause":
                used.add(node.args[0].value)
    return used


def test_every_spec_clause_is_tested_and_every_tested_clause_is_in_the_spec():
    assert clause_ids_used_by_the_suite() == set(clauses())


def test_clause_ids_are_well_formed_with_a_level_and_a_sentence():
    for c in clauses().values():
        assert c.level in ("MUST", "SHOULD")
        assert c.text.endswith(".") and len(c.text) > 30, c


def test_unknown_clause_id_is_an_error_not_a_guess():
    with pytest.raises(KeyError, match="NOPE-1"):
        clause("NOPE-1")
