"""The reference agent: the native protocol implemented exactly, sync and async.

It passes every clause, and it is written as small steps (check limits, take a reply, admit a
tool call, run tools, answer, finish) so that each mutant in ``tests/mutants`` can override
exactly one step with one real-world bug.

    from agent_limits.conformance.reference import ReferenceAgent
    from agent_limits.mocks import Script, ScriptedModel, Tool

    agent = ReferenceAgent(ScriptedModel(Script.endless_tools()), [Tool()], max_turns=3)
    result = agent.invoke("Find it.")
    assert result.stop_reason == "max_turns" and len(agent.model.calls) == 3

Timeouts: the synchronous path is cooperative (it checks the clock before every model call
and tool execution); the asynchronous path is also pre-emptive (a call in flight at the
deadline is cancelled, and its pending tool calls are answered as cancelled).

Retries: a request the provider throttles (``ModelThrottled``) is sent again at once, up to
``MAX_ATTEMPTS`` in all; a failed attempt is no turn, and no attempt starts after the deadline.
"""

from __future__ import annotations

import asyncio
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from agent_limits.mocks import ModelThrottled, ScriptedModel, Tool, ToolCall, Turn, Usage

__all__ = [
    "TRUNCATION_MARKER",
    "ReferenceAgent",
    "Result",
    "approximate_tokens",
    "check_amount",
    "check_limit",
    "truncate_utf8",
]

#: Appended to a tool output cut at max_output_bytes (ASCII, so its byte length is its length).
TRUNCATION_MARKER = " [truncated]"
#: Attempts at one model request while the provider throttles it, the first one included.
MAX_ATTEMPTS = 3
CostEstimator = Callable[[str, int, int, int], float]
TokenCounter = Callable[[str], int]


def approximate_tokens(text: str) -> int:
    """The reference's own count when no ``token_counter`` is given: about four characters a token."""
    return math.ceil(len(text) / 4)


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


def check_amount(name: str, value: Any) -> float | None:
    """``None`` or a positive, finite number (seconds, dollars); bools, strings, NaN, inf raise."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a positive number or None, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number (None means unlimited), got {value!r}")
    return float(value)


def truncate_utf8(text: str, cap: int, marker: str = TRUNCATION_MARKER) -> str:
    """``text`` cut so that it, with ``marker``, is at most ``cap`` bytes, never mid-character."""
    room = cap - len(marker.encode())
    if room <= 0:
        return marker.encode()[:cap].decode("utf-8", errors="ignore")
    return text.encode()[:room].decode("utf-8", errors="ignore") + marker


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
    deadline: float | None = None
    calls: int = 0
    executions: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    text: str | None = None
    stop: str | None = None


class ReferenceAgent:
    """A tool-calling agent loop that enforces every limit of the native protocol.

    Before each model call the limits are checked against this invocation's counters; a reply
    without tool calls is the final answer; every tool call a reply asks for is answered:
    executed if admitted (a known tool, under max_tool_calls) and still before the deadline
    when it would start, refused otherwise; at most max_parallel_tools run at a time.
    """

    def __init__(
        self,
        model: ScriptedModel,
        tools: Sequence[Tool],
        max_turns: int | None = None,
        max_token_budget: int | None = None,
        max_output_tokens: int | None = None,
        max_tool_calls: int | None = None,
        max_parallel_tools: int | None = None,
        max_cost_usd: float | None = None,
        cost_estimator: CostEstimator | None = None,
        timeout_seconds: float | None = None,
        max_output_bytes: int | None = None,
        max_context_tokens: int | None = None,
        token_counter: TokenCounter | None = None,
    ) -> None:
        self.max_turns = check_limit("max_turns", max_turns)
        self.max_token_budget = check_limit("max_token_budget", max_token_budget)
        self.max_output_tokens = check_limit("max_output_tokens", max_output_tokens)
        self.max_tool_calls = check_limit("max_tool_calls", max_tool_calls)
        self.max_parallel_tools = check_limit("max_parallel_tools", max_parallel_tools)
        self.max_cost_usd = check_amount("max_cost_usd", max_cost_usd)
        self.timeout_seconds = check_amount("timeout_seconds", timeout_seconds)
        self.max_output_bytes = check_limit("max_output_bytes", max_output_bytes)
        if self.max_cost_usd is not None and cost_estimator is None:
            raise ValueError("max_cost_usd needs a cost_estimator(model, input, output, cached) -> usd")
        if cost_estimator is not None and not callable(cost_estimator):
            raise TypeError(f"cost_estimator must be callable, got {cost_estimator!r}")
        self.cost_estimator = cost_estimator
        self.max_context_tokens = check_limit("max_context_tokens", max_context_tokens)
        if token_counter is not None and not callable(token_counter):
            raise TypeError(f"token_counter must be callable, got {token_counter!r}")
        self.token_counter: TokenCounter = token_counter if token_counter is not None else approximate_tokens
        self._counted = 0  # how many of self.messages are in self._size: each text is counted once
        self._size = 0
        self.model = model
        self.tools = {t.name: t for t in tools}
        self._specs = [t.spec() for t in tools]
        self.messages: list[dict[str, Any]] = []

    # -- the loop, twice: once sync, once async -------------------------------------------------
    def invoke(self, prompt: str) -> Result:
        run = self._start(prompt)
        while (stop := self._limit_hit(run)) is None:
            turn = self._request(run)
            if isinstance(turn, str):  # a limit forbade retrying a throttled request
                return self._finish(run, turn)
            if self._take(run, turn):
                return self._finish(run, "end_turn")
            self._run_tools(run, turn.tool_calls)
            if run.stop is not None:
                return self._finish(run, run.stop)
        return self._finish(run, stop)

    async def ainvoke(self, prompt: str) -> Result:
        run = self._start(prompt)
        try:
            stop = await asyncio.wait_for(self._aloop(run), timeout=self._remaining(run))
        except asyncio.TimeoutError:
            self._answer_pending("cancelled: timeout")
            stop = "timeout"
        return self._finish(run, stop)

    async def _aloop(self, run: _Run) -> str:
        while (stop := self._limit_hit(run)) is None:
            turn = await self._arequest(run)
            if isinstance(turn, str):
                return turn
            if self._take(run, turn):
                return "end_turn"
            await self._arun_tools(run, turn.tool_calls)
            if run.stop is not None:
                return run.stop
        return stop

    # -- the steps ------------------------------------------------------------------------------
    def _start(self, prompt: str) -> _Run:
        run = _Run(start=len(self.messages))
        if self.timeout_seconds is not None:
            run.deadline = time.monotonic() + self.timeout_seconds
        self.messages.append({"role": "user", "content": prompt})
        return run

    def _remaining(self, run: _Run) -> float | None:
        return None if run.deadline is None else max(0.0, run.deadline - time.monotonic())

    def _timed_out(self, run: _Run) -> bool:
        return run.deadline is not None and time.monotonic() >= run.deadline

    def _limit_hit(self, run: _Run) -> str | None:
        """The stop reason if a limit forbids another model call, else None."""
        if self.max_turns is not None and run.calls >= self.max_turns:
            return "max_turns"
        if self.max_token_budget is not None and run.usage.total >= self.max_token_budget:
            return "max_token_budget"
        if self.max_output_tokens is not None and run.usage.output_tokens >= self.max_output_tokens:
            return "max_output_tokens"
        if self.max_cost_usd is not None and run.cost >= self.max_cost_usd:
            return "max_cost_usd"
        if self.max_context_tokens is not None and self._request_size() > self.max_context_tokens:
            return "max_context_tokens"  # the reference does not compact: it stops before an oversized request
        if self._timed_out(run):
            return "timeout"
        return None

    def _request_size(self) -> int:
        """The size of the request the next model call would send: ``token_counter`` summed over
        the text of every message in it. Messages are only ever appended, so each is counted once,
        when first seen, and a long run stays linear."""
        for message in self.messages[self._counted:]:
            content = message.get("content")
            self._size += self.token_counter(content) if isinstance(content, str) else 0
        self._counted = len(self.messages)
        return self._size

    def _request(self, run: _Run) -> Turn | str:
        """The model's reply to one request, or the stop reason of a limit that forbade a retry.

        A throttled attempt (:class:`agent_limits.mocks.ModelThrottled`) is no reply: it is not a turn
        and costs nothing. The request is sent again at once, up to ``MAX_ATTEMPTS`` in all, each
        attempt after the limits were checked again (only the deadline can have moved); once the
        attempts are spent, the provider's error ends the invocation.
        """
        failed = 0
        while True:
            try:
                return self.model.complete(self.messages, self._specs)
            except ModelThrottled:
                failed += 1
                if not self._may_retry(run, failed):
                    raise
            if (stop := self._limit_hit(run)) is not None:
                return stop

    async def _arequest(self, run: _Run) -> Turn | str:
        failed = 0
        while True:
            try:
                return await self.model.acomplete(self.messages, self._specs)
            except ModelThrottled:
                failed += 1
                if not self._may_retry(run, failed):
                    raise
            if (stop := self._limit_hit(run)) is not None:
                return stop

    def _may_retry(self, run: _Run, failed: int) -> bool:
        """Whether a request throttled ``failed`` times in a row is sent again."""
        return failed < MAX_ATTEMPTS

    def _take(self, run: _Run, turn: Turn) -> bool:
        """Record one model reply; True when it is the final answer."""
        run.calls += 1
        run.usage = run.usage + turn.usage
        if self.cost_estimator is not None:
            u = turn.usage
            run.cost += self.cost_estimator(self.model.name, u.input_tokens, u.output_tokens, u.cached_input_tokens)
        if turn.text:
            run.text = turn.text
        self.messages.append({"role": "assistant", "content": turn.text, "tool_calls": list(turn.tool_calls)})
        return not turn.tool_calls

    def _admit(self, run: _Run, call: ToolCall) -> bool:
        """Decide whether ``call`` may run; one that may not is answered here, with the reason.

        A call to an unknown tool is answered as unknown even once the cap is spent, and so does
        not end the invocation; SPEC accepts refusing it as over the cap too (the oracle's
        ``expect_runs`` gives both expectations). Neither counts as an execution.
        """
        if call.name not in self.tools:
            self._answer(call, f"error: no tool named {call.name!r}")
        elif self.max_tool_calls is not None and run.executions >= self.max_tool_calls:
            run.stop = run.stop or "max_tool_calls"
            self._answer(call, f"refused: max_tool_calls={self.max_tool_calls} reached")
        else:
            run.executions += 1
            return True
        return False

    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        """Run and answer a reply's calls: one by one, or on at most max_parallel_tools threads."""
        if self.max_parallel_tools is None or len(calls) < 2:
            for call in calls:
                if self._admit(run, call):
                    self._answer(call, self._execute(run, call))
            return
        admitted = [call for call in calls if self._admit(run, call)]
        with ThreadPoolExecutor(max_workers=self.max_parallel_tools) as pool:
            outputs = list(pool.map(lambda call: self._execute(run, call), admitted))
        for call, output in zip(admitted, outputs):
            self._answer(call, output)

    async def _arun_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        if self.max_parallel_tools is None or len(calls) < 2:
            for call in calls:
                if self._admit(run, call):
                    self._answer(call, await self._aexecute(run, call))
            return
        admitted = [call for call in calls if self._admit(run, call)]
        gate = asyncio.Semaphore(self.max_parallel_tools)

        async def gated(call: ToolCall) -> None:
            async with gate:
                self._answer(call, await self._aexecute(run, call))

        await asyncio.gather(*(gated(call) for call in admitted))

    def _execute(self, run: _Run, call: ToolCall) -> Any:
        """The tool's output, or a refusal if the deadline passed before it could start."""
        if self._timed_out(run):
            run.stop = "timeout"
            return "refused: the invocation timed out"
        try:
            return self.tools[call.name](**call.arguments)
        except Exception as exc:
            return f"error: {type(exc).__name__}: {exc}"

    async def _aexecute(self, run: _Run, call: ToolCall) -> Any:
        if self._timed_out(run):
            run.stop = "timeout"
            return "refused: the invocation timed out"
        try:
            return await self.tools[call.name].acall(**call.arguments)
        except Exception as exc:
            return f"error: {type(exc).__name__}: {exc}"

    def _answer(self, call: ToolCall, output: Any) -> None:
        content = str(output)
        message: dict[str, Any] = {"role": "tool", "tool_call_id": call.id, "content": content}
        if self.max_output_bytes is not None and len(content.encode()) > self.max_output_bytes:
            message["content"] = truncate_utf8(content, self.max_output_bytes)
            message["truncated"] = True
        self.messages.append(message)

    def _answer_pending(self, reason: str) -> None:
        """After a cancellation, answer every tool call of the last reply that has no result yet."""
        last = next((m for m in reversed(self.messages) if m["role"] == "assistant"), None)
        if last is None:
            return
        answered = {m.get("tool_call_id") for m in self.messages if m["role"] == "tool"}
        for call in last["tool_calls"]:
            if call.id not in answered:
                self._answer(call, reason)

    def _finish(self, run: _Run, stop_reason: str) -> Result:
        return Result(stop_reason, self.messages[run.start:], run.text, run.usage)
