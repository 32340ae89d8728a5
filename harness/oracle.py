"""What a conforming agent does with a given script and limits, computed without any agent.

The oracle replays the script under SPEC.md's semantics:
- before each model call the agent checks its limits (turns, tokens, output tokens, cost,
  time) and stops if any is spent;
- a reply without tool calls is the final answer;
- the tool calls of a reply run in order; a call naming an unknown tool is answered with an
  error and not executed; a call past max_tool_calls is refused (answered, not executed), and
  a refusal stops the invocation with ``max_tool_calls`` once the reply's calls are answered;
  a call naming an unknown tool once the cap is spent may be either (``unknown_past_cap``:
  both answers conform, :func:`expect_runs` gives both expectations);
- no model call or tool execution starts at or after the deadline (``timeout_seconds``), with
  time passing by each turn's scripted latency and ``tool_latency`` per execution.
Where two limits stop the agent at the same moment, either stop kind is accepted.
``max_context_tokens`` is not modelled: an agent may trim or compact instead of stopping, so
an expectation holds with a ceiling only when no request comes near it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Mapping

from agent_limits.mocks import Script, Usage

from ._limits import COMPLETED, ERROR

__all__ = ["EXHAUSTED", "UNKNOWN_PAST_CAP", "Expectation", "Tally", "expect_run", "expect_runs", "spent_limits"]

#: The script ran out before any stop: the test's script was too short (a test bug).
EXHAUSTED = "script-exhausted"
#: How a call naming an unknown tool is answered once max_tool_calls executions happened: as
#: unknown (the reference: existence is checked first, the invocation goes on) or refused as
#: over the cap (the cap is checked first: the invocation stops after the reply). SPEC accepts
#: both; neither executes anything.
UNKNOWN_PAST_CAP = ("unknown", "refused")


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
    #: Executions per tool name (the tools of a reply are admitted in order, so which ran is fixed).
    by_tool: Mapping[str, int] = field(default_factory=dict)

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
    unknown_past_cap: str = "unknown",
) -> Expectation:
    """The expected invocation when the model's next call is answered by ``script.turn(start)``.

    ``limits`` may carry ``cost_estimator(model, input, output, cached) -> usd`` beside
    ``max_cost_usd``. ``known_tools`` (default: every name) are the tools that exist.
    ``unknown_past_cap`` (one of :data:`UNKNOWN_PAST_CAP`): how a call naming an unknown tool is
    answered once the cap is spent; :func:`expect_runs` gives every acceptable expectation.
    """
    if unknown_past_cap not in UNKNOWN_PAST_CAP:
        raise ValueError(f"unknown_past_cap must be one of {UNKNOWN_PAST_CAP}, got {unknown_past_cap!r}")
    estimator: Callable[..., float] | None = limits.get("cost_estimator")
    cap = limits.get("max_tool_calls")
    deadline = limits.get("timeout_seconds")
    t, text, refused, by_tool = Tally(), None, 0, Counter[str]()

    def done(stops: frozenset[str]) -> Expectation:
        return Expectation(t.calls, t.executions, stops, t.usage, text, refused, dict(by_tool))

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
            over = cap is not None and t.executions >= cap
            if known_tools is not None and call.name not in known_tools and not (
                    over and unknown_past_cap == "refused"):
                continue
            if over:  # refused by the cap (maybe by the deadline too: either stop is accepted)
                capped = True
                refused += 1
            elif not late:
                t.executions += 1
                by_tool[call.name] += 1
                t.elapsed += tool_latency
        if capped or timed_out:
            return done(spent_limits(limits, t) | ({"max_tool_calls"} if capped else set()))


def expect_runs(script: Script, limits: Mapping[str, Any], start: int = 0, **options: Any) -> tuple[Expectation, ...]:
    """Every expectation a conforming agent may meet (distinct ones, the reference's first): they
    differ only where a call naming an unknown tool comes once the cap is spent (refused as over
    the cap, or answered as unknown); the executions are the same either way."""
    found: list[Expectation] = []
    for reading in UNKNOWN_PAST_CAP:
        exp = expect_run(script, limits, start, unknown_past_cap=reading, **options)
        if exp not in found:
            found.append(exp)
    return tuple(found)
