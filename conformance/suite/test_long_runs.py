"""LONG-1: a thousand-turn invocation ends at its limit, not in a recursion error."""

from __future__ import annotations

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import Script

TURNS = 1000


@clause("LONG-1")
@pytest.mark.watchdog(factor=60)  # slow is reported (per-turn cost), not failed: only a hang is
def test_a_thousand_turns_end_normally_at_the_limit(trial):
    obs = trial.agent(Script.endless_tools(cap=TURNS + 10), max_turns=TURNS).invoke()
    calls = obs.calls
    if len(calls) >= 200:
        first = (calls[100].wall_started - calls[0].wall_started) / 100
        last = (calls[-1].wall_started - calls[-101].wall_started) / 100
        trial.note(f"per-turn cost: {first * 1e6:.0f} us over turns 1-100, {last * 1e6:.0f} us over "
                   f"turns {len(calls) - 100}-{len(calls)}")
    if obs.outcome.stop == "error":
        trial.fail(obs, {"calls": TURNS, "stop": "max_turns"}, ["calls", "stop"],
                   why=f"the agent broke at turn {len(calls)} of {TURNS}")
    trial.check(obs, calls=TURNS, stop="max_turns")
