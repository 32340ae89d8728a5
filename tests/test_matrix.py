"""The committed matrix is what the frameworks do: every column of docs/matrix.json, run again.

``make test`` checks the matrix here, one test per column, instead of after the other tests:
the columns are independent and most of the cost of ``make test``, so in one pool of xdist
workers with the rest (longest column first: ``tests/conftest.py``) the two cores stay busy to
the end. Each test does what ``python -m agent_limits.harness.matrix --check docs`` does for its
column: the statuses of its cells equal the committed ones, its run against its own
``docs/expectations/<column>.toml`` exits 0, and every failed cell has its evidence in
``docs/findings``. ``make matrix`` rewrites all three after a change that moves a verdict.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_limits.harness import matrix

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.mark.parametrize("column", matrix.IMPLEMENTATIONS, ids=[c.name for c in matrix.IMPLEMENTATIONS])
def test_the_column_reproduces_the_committed_matrix(column: matrix.Column) -> None:
    problems = matrix.check_column(column, DOCS, expectations=DOCS / "expectations", findings=DOCS / "findings")
    assert not problems, (f"the {column.name} column ({column.spec}) no longer gives docs/matrix.json; if the "
                          "change is meant, `make matrix` rewrites it:\n" + "\n".join(problems))


def test_the_committed_matrix_has_exactly_the_columns_the_matrix_runs() -> None:
    committed = json.loads((DOCS / "matrix.json").read_text(encoding="utf-8"))
    assert sorted(committed) == sorted(c.name for c in matrix.IMPLEMENTATIONS)


def test_a_measured_should_cell_that_changes_is_information_not_a_difference() -> None:
    """LONG-2 measures CPU time: at its bound a framework passes one run and fails the next, so the
    check reports such a change (--check prints it) and gates every other cell as before."""
    measured = {"level": "SHOULD", "status": "passed", "info": ["sync: median cost of a turn (CPU time): x2.9"]}
    plain = {"level": "MUST", "status": "passed", "info": []}
    committed = {"fw": {"clauses": {"LONG-2": {**measured, "status": "failed", "info": []},
                                    "TURNS-1": {**plain, "status": "failed"}}}}
    fresh = {"fw": {"clauses": {"LONG-2": measured, "TURNS-1": plain}}}
    assert matrix.compare(committed, fresh) == ["fw TURNS-1: committed 'failed', now 'passed'"]
    assert matrix.compare(committed, fresh, measured=True) == ["fw LONG-2: committed 'failed', now 'passed'"]


def test_a_cell_that_newly_fails_says_why_where_the_check_reports_it() -> None:
    committed = {"fw": {"clauses": {"TRANSCRIPT-1": {"level": "MUST", "status": "skipped"},
                                    "TURNS-1": {"level": "MUST", "status": "passed"}}}}
    fresh = {"fw": {"clauses": {
        "TRANSCRIPT-1": {"level": "MUST", "status": "failed", "first_failure": "watchdog: invocation #1 ...\n  at x.py:3"},
        "TURNS-1": {"level": "MUST", "status": "skipped", "first_failure": ""}}}}
    assert matrix.compare(committed, fresh) == [
        "fw TRANSCRIPT-1: committed 'skipped', now 'failed'; its first failure:\n"
        "    watchdog: invocation #1 ...\n      at x.py:3",
        "fw TURNS-1: committed 'passed', now 'skipped'"]
