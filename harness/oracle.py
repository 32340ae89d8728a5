"""What a conforming agent does with a given script and limits, computed without any agent.

The oracle replays the script under the SPEC's semantics: before each model call the agent
checks its limits, and stops if any is spent; a reply without tool calls is a final answer;
the tool calls of every reply that was made are executed. Where two limits are spent at the
same moment, either stop kind is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from mocks import Script, Usage

from ._limits import COMPLETED, ERROR

__all__ = ["EXHAUSTED", "Expectation", "expect_run", "spent_limits"]

#: The script ran out before any stop: the test's script was too short (a test bug).
EXHAUSTED = "script-exhausted"


@dataclass(frozen=True)
class Expectation:
    """The ground truth a conforming agent must reproduce for one invocation."""

    calls: int
    executions: int
    stops: frozenset[str]
    usage: Usage
    text: str | None

    @property
    def stop(self) -> str:
        return "|".join(sorted(self.stops))


def spent_limits(limits: Mapping[str, Any], calls: int, spent: Usage) -> frozenset[str]:
    """The limit kinds that forbid another model call after ``calls`` calls costing ``spent``."""
    hit = set()
    if limits.get("max_turns") is not None and calls >= limits["max_turns"]:
        hit.add("max_turns")
    if limits.get("max_token_budget") is not None and spent.total >= limits["max_token_budget"]:
        hit.add("max_token_budget")
    if limits.get("max_output_tokens") is not None and spent.output_tokens >= limits["max_output_tokens"]:
        hit.add("max_output_tokens")
    return frozenset(hit)


def expect_run(script: Script, limits: Mapping[str, Any], start: int = 0) -> Expectation:
    """The expected invocation when the model's next call is answered by ``script.turn(start)``."""
    calls, executions, spent, text = 0, 0, Usage(), None
    while True:
        hit = spent_limits(limits, calls, spent)
        if hit:
            return Expectation(calls, executions, hit, spent, text)
        if start + calls >= len(script):
            return Expectation(calls, executions, frozenset({EXHAUSTED}), spent, text)
        turn = script.turn(start + calls)
        calls += 1
        spent = spent + turn.usage
        if turn.raises is not None:
            return Expectation(calls, executions, frozenset({ERROR}), spent, text)
        if turn.text:
            text = turn.text
        if turn.is_final:
            return Expectation(calls, executions, frozenset({COMPLETED}), spent, text)
        executions += len(turn.tool_calls)
