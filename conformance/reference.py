"""The reference agent: the native protocol implemented exactly, sync and async.

It passes every clause, and it is written as small steps (check limits, take a reply, run a
tool call, finish) so that each mutant in ``tests/mutants`` can override exactly one step
with one real-world bug.

    from conformance.reference import ReferenceAgent
    from mocks import Script, ScriptedModel, Tool

    agent = ReferenceAgent(ScriptedModel(Script.endless_tools()), [Tool()], max_turns=3)
    result = agent.invoke("Find it.")
    assert result.stop_reason == "max_turns" and len(agent.model.calls) == 3
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from mocks import ScriptedModel, Tool, ToolCall, Turn, Usage

__all__ = ["ReferenceAgent", "Result", "check_limit"]


def check_limit(name: str, value: Any) -> int | None:
    """``None`` (unlimited) or a positive int; anything else raises before any model call.

    bool is rejected although it is an int subclass: ``max_turns=True`` is a bug, not 1.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive int or None, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1 (None means unlimited), got {value!r}")
    return value


@dataclass
class Result:
    """One invocation's result, as the native protocol defines it."""

    stop_reason: str
    messages: list[dict[str, Any]]
    text: str | None
    usage: Usage


@dataclass
class _Run:
    """Counters of one invocation: created fresh by every invoke, so nothing leaks."""

    start: int
    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    text: str | None = None


class ReferenceAgent:
    """A tool-calling agent loop with max_turns, max_token_budget and max_output_tokens.

    Before each model call the limits are checked against this invocation's counters; a reply
    without tool calls is the final answer; every tool call a reply asks for is executed and
    answered before the next check.
    """

    def __init__(
        self,
        model: ScriptedModel,
        tools: Sequence[Tool],
        max_turns: int | None = None,
        max_token_budget: int | None = None,
        max_output_tokens: int | None = None,
    ) -> None:
        self.max_turns = check_limit("max_turns", max_turns)
        self.max_token_budget = check_limit("max_token_budget", max_token_budget)
        self.max_output_tokens = check_limit("max_output_tokens", max_output_tokens)
        self.model = model
        self.tools = {t.name: t for t in tools}
        self._specs = [t.spec() for t in tools]
        self.messages: list[dict[str, Any]] = []

    # -- the loop, twice: once sync, once async -------------------------------------------------
    def invoke(self, prompt: str) -> Result:
        run = self._start(prompt)
        while (stop := self._limit_hit(run)) is None:
            turn = self.model.complete(self.messages, self._specs)
            if self._take(run, turn):
                return self._finish(run, "end_turn")
            for call in turn.tool_calls:
                self._answer(call, self._execute(call))
        return self._finish(run, stop)

    async def ainvoke(self, prompt: str) -> Result:
        run = self._start(prompt)
        while (stop := self._limit_hit(run)) is None:
            turn = await self.model.acomplete(self.messages, self._specs)
            if self._take(run, turn):
                return self._finish(run, "end_turn")
            for call in turn.tool_calls:
                self._answer(call, await self._aexecute(call))
        return self._finish(run, stop)

    # -- the steps ------------------------------------------------------------------------------
    def _start(self, prompt: str) -> _Run:
        run = _Run(start=len(self.messages))
        self.messages.append({"role": "user", "content": prompt})
        return run

    def _limit_hit(self, run: _Run) -> str | None:
        """The stop reason if a limit forbids another model call, else None."""
        if self.max_turns is not None and run.calls >= self.max_turns:
            return "max_turns"
        if self.max_token_budget is not None and run.usage.total >= self.max_token_budget:
            return "max_token_budget"
        if self.max_output_tokens is not None and run.usage.output_tokens >= self.max_output_tokens:
            return "max_output_tokens"
        return None

    def _take(self, run: _Run, turn: Turn) -> bool:
        """Record one model reply; True when it is the final answer."""
        run.calls += 1
        run.usage = run.usage + turn.usage
        if turn.text:
            run.text = turn.text
        self.messages.append({"role": "assistant", "content": turn.text, "tool_calls": list(turn.tool_calls)})
        return not turn.tool_calls

    def _execute(self, call: ToolCall) -> Any:
        tool = self.tools.get(call.name)
        if tool is None:
            return f"error: no tool named {call.name!r}"
        try:
            return tool(**call.arguments)
        except Exception as exc:
            return f"error: {type(exc).__name__}: {exc}"

    async def _aexecute(self, call: ToolCall) -> Any:
        tool = self.tools.get(call.name)
        if tool is None:
            return f"error: no tool named {call.name!r}"
        try:
            return await tool.acall(**call.arguments)
        except Exception as exc:
            return f"error: {type(exc).__name__}: {exc}"

    def _answer(self, call: ToolCall, output: Any) -> None:
        self.messages.append({"role": "tool", "tool_call_id": call.id, "content": str(output)})

    def _finish(self, run: _Run, stop_reason: str) -> Result:
        return Result(stop_reason, self.messages[run.start:], run.text, run.usage)
