"""A must-pass variant that supports little: the synchronous path only, and two limits.

Most agents a user writes for one product support a few limits on one path. Every clause about
another limit or the asynchronous path must then be skipped as unsupported, never failed, and
those it supports must pass: a clause that needs an async path, a limit it did not ask for, or
a result attribute it does not read fails this agent wrongly. Written from SPEC.md's native
protocol only (no code of the reference): plain dicts for messages, a namedtuple for usage, a
plain class for the result.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Sequence

from agent_limits.mocks import ScriptedModel, Tool

from ._base import variant

__all__ = ["SyncOnlySubset"]

Usage = namedtuple("Usage", "input_tokens output_tokens")


class Outcome:
    """The four attributes the native protocol reads."""

    def __init__(self, stop_reason: str, messages: list[dict[str, Any]], text: str | None, usage: Usage) -> None:
        self.stop_reason, self.messages, self.text, self.usage = stop_reason, messages, text, usage


def _count(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value!r}")
    return value


@variant("only the synchronous path (no ainvoke) and only max_turns and max_tool_calls, written from SPEC alone")
class SyncOnlySubset:
    def __init__(self, model: ScriptedModel, tools: Sequence[Tool], max_turns: Any = None,
                 max_tool_calls: Any = None) -> None:
        self.model = model
        self.tools = {t.name: t for t in tools}
        self.specs = [t.spec() for t in tools]
        self.max_turns = _count("max_turns", max_turns)
        self.max_tool_calls = _count("max_tool_calls", max_tool_calls)
        self.history: list[dict[str, Any]] = []

    def invoke(self, prompt: str) -> Outcome:
        first = len(self.history)
        self.history.append({"role": "user", "content": prompt})
        turns = runs = inp = out = 0
        text: str | None = None
        while True:
            if self.max_turns is not None and turns >= self.max_turns:
                return self._done("max_turns", first, text, inp, out)
            reply = self.model.complete(list(self.history), self.specs)
            turns += 1
            inp += reply.usage.input_tokens
            out += reply.usage.output_tokens
            text = reply.text or text
            self.history.append({"role": "assistant", "content": reply.text, "tool_calls": list(reply.tool_calls)})
            if not reply.tool_calls:
                return self._done("end_turn", first, text, inp, out)
            capped = False
            for call in reply.tool_calls:
                if call.name not in self.tools:
                    answer = f"no tool named {call.name}"
                elif self.max_tool_calls is not None and runs >= self.max_tool_calls:
                    answer, capped = "not run: the tool-call limit is spent", True
                else:
                    runs += 1
                    try:
                        answer = str(self.tools[call.name](**call.arguments))
                    except Exception as exc:  # a failing tool is answered, not fatal
                        answer = f"failed: {exc}"
                self.history.append({"role": "tool", "tool_call_id": call.id, "content": answer})
            if capped:
                return self._done("max_tool_calls", first, text, inp, out)

    def _done(self, reason: str, first: int, text: str | None, inp: int, out: int) -> Outcome:
        return Outcome(reason, list(self.history[first:]), text, Usage(inp, out))
