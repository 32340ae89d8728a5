"""A pytest plugin (``-p tests._first_failure``) for runs that read only a clause's status.

Hypothesis shrinks a failing example to a minimal one, which is what a failure message shows a
framework author; a run that only asks *whether* a property clause fails (the seed sweep of
``tests/test_properties_reliable.py``) does not need it, and shrinking a failing state machine
takes ten times as long as finding it. This drops the shrink phase from the suite's two
profiles; everything else about the run (its examples, its verdicts) stays the same.
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
