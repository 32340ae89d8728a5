"""A pytest plugin (``-p agent_limits.harness._first_failure``) for runs that read only statuses.

Hypothesis shrinks a failing example to a minimal one, which is what a failure message shows a
framework author; a run that only asks *whether* each clause fails does not need it, and
shrinking costs more than finding (Pydantic AI's property clauses: 43 s with it, 11 s without;
a failing state machine of the mutant budget-greater-than: ten times as long). This drops the
shrink phase from the suite's two profiles; everything else about the run stays the same: the
same examples in the same order, so the same cases fail and every status is the same. Used by
the matrix check (``harness.matrix.check_column``: the evidence ``make matrix`` writes keeps
shrinking) and by the seed sweep of ``tests/test_properties_reliable.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings

import agent_limits.mocks.strategies  # noqa: F401  (registers the profiles this replaces)

__all__: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    for name in ("agent-limits-ci", "agent-limits-dev"):
        profile = settings.get_profile(name)
        settings.register_profile(name, profile, phases=[p for p in profile.phases if p is not Phase.shrink])
