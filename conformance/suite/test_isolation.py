"""ISOLATION-1: agents built side by side keep their own counters."""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause

from ._scenarios import BREACH_KINDS, BREACHES


@clause("ISOLATION-1")
@pytest.mark.parametrize("kind", BREACH_KINDS)
def test_two_agents_invoked_together_never_share_counters(trial, kind):
    b = BREACHES[kind]
    agents = [trial.agent(b.script(), **b.limits) for _ in range(2)]
    for obs in trial.invoke_together(agents):
        trial.check_oracle(obs, why="each agent spends only its own budget, even while another runs beside it")
