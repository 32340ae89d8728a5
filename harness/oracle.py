"""What a conforming agent does with a given script and limits, computed without any agent.

The oracle replays the script under SPEC.md's semantics:
- before each model call the agent checks its limits (turns, tokens, output tokens, cost,
  time) and stops if any is spent;
- a reply without tool calls is the final answer;
- the tool calls of a reply run in order; a call naming an unknown tool is answered with an
  error and not executed; a call past max_tool_calls is refused (answered, not executed), and
  a refusal stops the invocation with ``max_tool_calls`` once the reply's calls are answered;
- no model call or tool execution starts at or after the deadline (``timeout_seconds``), with
  time passing by each turn's scripted latency and ``tool_latency`` per execution.
Where two limits stop the agent at the same moment, either stop kind is accepted.
``max_context_tokens`` is not modelled: an agent may trim or compact instead of stopping, so
an expectation holds with a ceiling only when no request comes near it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping

from agent_limits.mocks import Script, Usage

from ._limits import COMPLETED, ERROR

__all__ = ["EXHAUSTED", "Expectation", "Tally", "expect_run", "spent_limits"]

#: The script ran out before any stop: the test's script was too short (a test bug).
EXHAUSTED = "script-exhausted"


@dataclass(frozen=True)
class Expectation:
    """The ground truth a conforming agent must reproduce for one invocation.

    ``calls`` and ``executions`` count starts: a call cut short by a pre-emptive timeout
    still started. ``usage`` and ``text`` assume every started call returned.
    """

    calls: int
    executions: int
    stops: frozenset[str]
    usage: Usage
    text: str | None
    refused: int = 0

    @property
    def stop(self) -> str:
        return "|".join(sorted(self.stops))


@dataclass
class Tally:
    """One invocation's counters, as a conforming agent keeps them."""

    calls: int = 0
    executions: int = 0
    usage: Usage = Usage()
    cost: float = 0.0
    elapsed: float = 0.0


def spent_limits(limits: Mapping[str, Any], tally: Tally) -> frozenset[str]:
    """The limit kinds that forbid another model call in the state ``tally``."""
    checks = {
        "max_turns": tally.calls,
        "max_token_budget": tally.usage.total,
        "max_output_tokens": tally.usage.output_tokens,
        "max_cost_usd": tally.cost,
        "timeout_seconds": tally.elapsed,
    }
    return frozenset(k for k, spent in checks.items() if limits.get(k) is not None and spent >= limits[k])


def expect_run(
    script: Script,
    limits: Mapping[str, Any],
    start: int = 0,
    *,
    tool_latency: float = 0.0,
    known_tools: Collection[str] | None = None,
    model_name: str = "scripted-model",
) -> Expectation:
    """The expected invocation when the model's next call is answered by ``script.turn(start)``.

    ``limits`` may carry ``cost_estimator(model, input, output, cached) -> usd`` beside
    ``max_cost_usd``. ``known_tools`` (default: every name) are the tools that exist.
    """
    estimator: Callable[..., float] | None = limits.get("cost_estimator")
    cap = limits.get("max_tool_calls")
    deadline = limits.get("timeout_seconds")
    t, text, refused = Tally(), None, 0

    def done(stops: frozenset[str]) -> Expectation:
        return Expectation(t.calls, t.executions, stops, t.usage, text, refused)

    while True:
        hit = spent_limits(limits, t)
        if hit:
            return done(hit)
        if start + t.calls >= len(script):
            return done(frozenset({EXHAUSTED}))
        turn = script.turn(start + t.calls)
        t.calls += 1
        t.elapsed += turn.latency
        if turn.raises is not None:
            return done(frozenset({ERROR}))
        t.usage = t.usage + turn.usage
        if estimator is not None:
            u = turn.usage
            t.cost += estimator(model_name, u.input_tokens, u.output_tokens, u.cached_input_tokens)
        if turn.text:
            text = turn.text
        if turn.is_final:
            late = deadline is not None and t.elapsed > deadline
            return done(frozenset({COMPLETED, "timeout_seconds"} if late else {COMPLETED}))
        capped = timed_out = False
        for call in turn.tool_calls:
            late = deadline is not None and t.elapsed >= deadline
            timed_out |= late
            if known_tools is not None and call.name not in known_tools:
                continue
            over = cap is not None and t.executions >= cap
            if over:  # refused by the cap (maybe by the deadline too: either stop is accepted)
                capped = True
                refused += 1
            elif not late:
                t.executions += 1
                t.elapsed += tool_latency
        if capped or timed_out:
            return done(spent_limits(limits, t) | ({"max_tool_calls"} if capped else set()))
