"""Must-pass variants for the freedoms of the native protocol and of the limit clauses.

Each agent here does something the spec leaves to the implementation, differently from the
reference: the stop kind's own name as ``stop_reason``, a result that is not a dataclass, limits
checked in another order, values validated at invocation rather than at construction. A clause
that fails one of them assumes more than SPEC.md says: that is a defect of the suite.
"""

from __future__ import annotations

import math
import time
from collections import namedtuple
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any, Callable, Sequence

from agent_limits.conformance.reference import ReferenceAgent, Result, _Run
from agent_limits.mocks import ScriptedModel, Tool

from ._base import variant

__all__ = ["InvocationValidated", "PlainResult", "ReversedChecks", "StopKindNames"]

#: The clauses each freedom can change a verdict of. The meta-test runs only these, to stay cheap
#: (the whole suite takes about a minute an agent); each variant was also run on the whole suite
#: and passed every clause it supports. The properties (PROP-1, STATE-1) run only where the freedom
#: shows nowhere else: limits that coincide are drawn there, not scripted.
_STOP_KINDS = ("TURNS-2", "VALID-1", "RESET-3", "KEPT-1", "KIND-1", "KIND-2", "TIMEOUT-1", "TIMEOUT-2",
               "TIMEOUT-3", "TOOLS-4", "ISOLATION-1", "CONTEXT-1")
_RESULTS = ("TURNS-3", "PARTIAL-1", "TRANSCRIPT-1", "RESET-2", "RESET-3", "KIND-1", "TOOLS-2", "TOOLS-4",
            "BYTES-1", "BYTES-2", "NOTICE-1", "KEPT-1", "CONTEXT-1")
_ORDER = ("TOKENS-1", "OUTPUT-1", "COST-1", "KIND-1", "TIMEOUT-1", "TOOLS-1", "PROP-1")
_INDEPENDENT = tuple(sorted({*_STOP_KINDS, *_RESULTS, *_ORDER, "TURNS-1", "TOKENS-2", "VALID-2", "RESET-1",
                             "TOOLS-3", "COST-2", "PROP-2"} - {"PROP-1"}))


@variant("stop_reason spelled as the stop kind: 'timeout_seconds' and 'completed' (SPEC accepts both spellings)",
         clauses=_STOP_KINDS)
class StopKindNames(ReferenceAgent):
    _KINDS = {"timeout": "timeout_seconds", "end_turn": "completed"}

    def _finish(self, run: _Run, stop_reason: str) -> Result:
        result = super()._finish(run, stop_reason)
        return replace(result, stop_reason=self._KINDS.get(stop_reason, stop_reason))


#: Usage as a namedtuple: attributes, but neither a dataclass nor the harness's Usage.
Tokens = namedtuple("Tokens", "input_tokens output_tokens")


class _Outcome:
    """A plain class with the four attributes the protocol reads, nothing else."""

    __slots__ = ("stop_reason", "messages", "text", "usage")

    def __init__(self, stop_reason: str, messages: list[Any], text: str | None, usage: Any) -> None:
        self.stop_reason, self.messages, self.text, self.usage = stop_reason, messages, text, usage


@variant("result is a plain class, usage a namedtuple, messages objects without the prompt, tool calls as dicts",
         clauses=_RESULTS)
class PlainResult(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Any:
        result = super()._finish(run, stop_reason)
        messages = [SimpleNamespace(role=m["role"], content=m.get("content"),
                                    tool_calls=[{"id": c.id, "name": c.name} for c in m.get("tool_calls", ())],
                                    tool_call_id=m.get("tool_call_id"), truncated=m.get("truncated", False))
                    for m in result.messages if m["role"] != "user"]
        usage = Tokens(result.usage.input_tokens, result.usage.output_tokens)
        return _Outcome(result.stop_reason, messages, result.text, usage)


@variant("limits checked in the reverse order: when two forbid the next call at once, the other stop kind "
         "(SPEC: either is accepted)", clauses=_ORDER)
class ReversedChecks(ReferenceAgent):
    def _limit_hit(self, run: _Run) -> str | None:
        if self._timed_out(run):
            return "timeout"
        if self.max_context_tokens is not None and self._request_size() > self.max_context_tokens:
            return "max_context_tokens"
        if self.max_cost_usd is not None and run.cost >= self.max_cost_usd:
            return "max_cost_usd"
        if self.max_output_tokens is not None and run.usage.output_tokens >= self.max_output_tokens:
            return "max_output_tokens"
        if self.max_token_budget is not None and run.usage.total >= self.max_token_budget:
            return "max_token_budget"
        if self.max_turns is not None and run.calls >= self.max_turns:
            return "max_turns"
        return None


# -- an agent written on its own: values validated when it is invoked ------------------------------
_COUNTS = ("max_turns", "max_token_budget", "max_output_tokens", "max_tool_calls")
_AMOUNTS = ("max_cost_usd", "timeout_seconds")


def _valid(name: str, value: Any) -> Any:
    """None, or the value if it is a positive int (counts) / positive finite number (amounts)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int if name in _COUNTS else (int, float)):
        raise TypeError(f"{name}: {value!r} is not a {'whole' if name in _COUNTS else ''} number")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name}: {value!r} is not positive and finite")
    return value


@dataclass
class Message:
    """What this agent sends the model and returns: objects, not dicts."""

    role: str
    content: str | None = None
    tool_calls: tuple[Any, ...] = ()
    tool_call_id: str | None = None


@dataclass
class Spent:
    """One invocation's meter."""

    started: float
    turns: int = 0
    tokens: int = 0
    output: int = 0
    usd: float = 0.0
    runs: int = 0
    text: str | None = None
    input_tokens: int = 0


@dataclass
class Answer:
    stop_reason: str
    messages: list[Message]
    text: str | None
    usage: dict[str, int]


@variant("limits validated at invocation, not construction (VALID-2 allows either; COST-2 still at construction), "
         "written without the reference: message objects, keyword cost estimator calls, sequential tools",
         clauses=_INDEPENDENT)
class InvocationValidated:
    def __init__(self, model: ScriptedModel, tools: Sequence[Tool], max_turns: Any = None, max_token_budget: Any = None,
                 max_output_tokens: Any = None, max_tool_calls: Any = None, max_cost_usd: Any = None,
                 cost_estimator: Callable[..., float] | None = None, timeout_seconds: Any = None) -> None:
        if max_cost_usd is not None and cost_estimator is None:  # COST-2 names construction
            raise ValueError("max_cost_usd without a cost_estimator cannot be enforced")
        self.model, self.tools = model, {t.name: t for t in tools}
        self.raw = {"max_turns": max_turns, "max_token_budget": max_token_budget,
                    "max_output_tokens": max_output_tokens, "max_tool_calls": max_tool_calls,
                    "max_cost_usd": max_cost_usd, "timeout_seconds": timeout_seconds}
        self.estimator = cost_estimator
        self.history: list[Message] = []

    def _begin(self, prompt: str) -> tuple[dict[str, Any], Spent, int]:
        limits = {name: _valid(name, value) for name, value in self.raw.items()}
        first = len(self.history)
        self.history.append(Message("user", prompt))
        return limits, Spent(time.monotonic()), first

    def _stop_before_call(self, limits: dict[str, Any], spent: Spent) -> str | None:
        timeout = limits["timeout_seconds"]
        for reason, used, cap in (("max_cost_usd", spent.usd, limits["max_cost_usd"]),
                                  ("max_output_tokens", spent.output, limits["max_output_tokens"]),
                                  ("max_token_budget", spent.tokens, limits["max_token_budget"]),
                                  ("max_turns", spent.turns, limits["max_turns"])):
            if cap is not None and used >= cap:
                return reason
        if timeout is not None and time.monotonic() - spent.started >= timeout:
            return "timeout"
        return None

    def _record(self, turn: Any, spent: Spent) -> None:
        usage = turn.usage
        spent.turns += 1
        spent.input_tokens += usage.input_tokens
        spent.tokens += usage.input_tokens + usage.output_tokens
        spent.output += usage.output_tokens
        if self.estimator is not None:
            spent.usd += self.estimator(model=self.model.name, input_tokens=usage.input_tokens,
                                        output_tokens=usage.output_tokens,
                                        cached_input_tokens=usage.cached_input_tokens)
        if turn.text:
            spent.text = turn.text
        self.history.append(Message("assistant", turn.text, tuple(turn.tool_calls)))

    def _verdict(self, call: Any, limits: dict[str, Any], spent: Spent) -> str | None:
        """Why ``call`` does not run (its answer), or None when it runs now."""
        if call.name not in self.tools:
            return f"unknown tool {call.name}"
        if limits["max_tool_calls"] is not None and spent.runs >= limits["max_tool_calls"]:
            return "not run: tool-call cap reached"
        timeout = limits["timeout_seconds"]
        if timeout is not None and time.monotonic() - spent.started >= timeout:
            return "not run: out of time"
        spent.runs += 1
        return None

    def _result(self, reason: str, first: int, spent: Spent) -> Answer:
        return Answer(reason, self.history[first:], spent.text,
                      {"input_tokens": spent.input_tokens, "output_tokens": spent.tokens - spent.input_tokens})

    def invoke(self, prompt: str) -> Answer:
        limits, spent, first = self._begin(prompt)
        while (reason := self._stop_before_call(limits, spent)) is None:
            turn = self.model.complete(self.history, list(self.tools))
            self._record(turn, spent)
            if not turn.tool_calls:
                return self._result("end_turn", first, spent)
            ended = None
            for call in turn.tool_calls:
                why = self._verdict(call, limits, spent)
                if why is None:
                    try:
                        output = str(self.tools[call.name](**call.arguments))
                    except Exception as exc:  # a failing tool is answered, not fatal
                        output = f"tool failed: {exc}"
                else:
                    output, ended = why, ended or ("max_tool_calls" if "cap" in why else
                                                   "timeout" if "time" in why else None)
                self.history.append(Message("tool", output, tool_call_id=call.id))
            if ended:
                return self._result(ended, first, spent)
        return self._result(reason, first, spent)

    async def ainvoke(self, prompt: str) -> Answer:
        limits, spent, first = self._begin(prompt)
        while (reason := self._stop_before_call(limits, spent)) is None:
            turn = await self.model.acomplete(self.history, list(self.tools))
            self._record(turn, spent)
            if not turn.tool_calls:
                return self._result("end_turn", first, spent)
            ended = None
            for call in turn.tool_calls:
                why = self._verdict(call, limits, spent)
                if why is None:
                    try:
                        output = str(await self.tools[call.name].acall(**call.arguments))
                    except Exception as exc:
                        output = f"tool failed: {exc}"
                else:
                    output, ended = why, ended or ("max_tool_calls" if "cap" in why else
                                                   "timeout" if "time" in why else None)
                self.history.append(Message("tool", output, tool_call_id=call.id))
            if ended:
                return self._result(ended, first, spent)
        return self._result(reason, first, spent)
