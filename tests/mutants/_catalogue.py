"""Mutants, one bug each, each drawn from a bug a real agent framework shipped or nearly shipped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

from harness import LIMIT_KINDS
from conformance.reference import TRUNCATION_MARKER, ReferenceAgent, Result, _Run, check_amount
from mocks import ToolCall, Turn, Usage

__all__ = ["CATALOGUE", "Mutant"]


@dataclass(frozen=True)
class Mutant:
    """A broken agent, the bug in one line, and the clauses that must catch it."""

    name: str
    agent: type
    bug: str
    killed_by: frozenset[str]

    @property
    def spec(self) -> str:
        return f"{__name__}:{self.agent.__name__}"


class BudgetGreaterThan(ReferenceAgent):
    """Token budget checked with ``>`` where ``>=`` belongs: one call too many at the boundary."""

    def _limit_hit(self, run: _Run) -> str | None:
        if self.max_token_budget is None or run.usage.total != self.max_token_budget:
            return super()._limit_hit(run)
        budget, self.max_token_budget = self.max_token_budget, None  # total == budget is not "> budget"
        try:
            return super()._limit_hit(run)
        finally:
            self.max_token_budget = budget


class BudgetOutputOnly(ReferenceAgent):
    """The total-token budget counts output tokens only (input tokens forgotten)."""

    def _limit_hit(self, run: _Run) -> str | None:
        budget, self.max_token_budget = self.max_token_budget, None
        try:
            hit = super()._limit_hit(run)
        finally:
            self.max_token_budget = budget
        if hit is None and budget is not None and run.usage.output_tokens >= budget:
            return "max_token_budget"
        return hit


class CountersNotReset(ReferenceAgent):
    """Counters live on the agent and are never reset: the second invocation starts spent."""

    def _start(self, prompt: str) -> _Run:
        if not hasattr(self, "_shared_run"):
            self._shared_run = _Run(start=len(self.messages))
        self.messages.append({"role": "user", "content": prompt})
        self._shared_run.start = len(self.messages) - 1
        return self._shared_run


class NegativeTurnsAccepted(ReferenceAgent):
    """A negative max_turns is accepted (and then blocks every call) instead of being rejected."""

    supported_limits = LIMIT_KINDS

    def __init__(self, model: Any, tools: Any, max_turns: int | None = None, **limits: Any) -> None:
        if isinstance(max_turns, int) and not isinstance(max_turns, bool) and max_turns < 0:
            super().__init__(model, tools, **limits)
            self.max_turns = max_turns
        else:
            super().__init__(model, tools, max_turns=max_turns, **limits)


class LastToolCallsDropped(ReferenceAgent):
    """The tool calls of the last permitted turn are dropped: dangling calls in the transcript."""

    def invoke(self, prompt: str) -> Result:
        run = self._start(prompt)
        while (stop := self._limit_hit(run)) is None:
            turn = self.model.complete(self.messages, self._specs)
            if self._take(run, turn):
                return self._finish(run, "end_turn")
            if self._limit_hit(run) is not None:
                break
            for call in turn.tool_calls:
                self._answer(call, self._execute(call))
        return self._finish(run, self._limit_hit(run) or "max_turns")

    async def ainvoke(self, prompt: str) -> Result:
        run = self._start(prompt)
        while (stop := self._limit_hit(run)) is None:
            turn = await self.model.acomplete(self.messages, self._specs)
            if self._take(run, turn):
                return self._finish(run, "end_turn")
            if self._limit_hit(run) is not None:
                break
            for call in turn.tool_calls:
                self._answer(call, await self._aexecute(call))
        return self._finish(run, self._limit_hit(run) or "max_turns")


class UsageCumulative(ReferenceAgent):
    """Usage reported as a running total across invocations instead of per invocation."""

    def _finish(self, run: _Run, stop_reason: str) -> Result:
        self._lifetime = getattr(self, "_lifetime", Usage()) + run.usage
        return Result(stop_reason, self.messages[run.start:], run.text, self._lifetime)


class PreviousAnswerLeaks(ReferenceAgent):
    """The last answer is kept on the agent, so an invocation without text reports the previous one."""

    def _take(self, run: _Run, turn: Turn) -> bool:
        if turn.text:
            self._last_text = turn.text
        run.text = getattr(self, "_last_text", None)
        return super()._take(run, turn)


class WrongBreachKind(ReferenceAgent):
    """Every breach is reported as max_turns, whichever limit was hit."""

    def _limit_hit(self, run: _Run) -> str | None:
        return "max_turns" if super()._limit_hit(run) else None


class DeadlineFromConstruction(ReferenceAgent):
    """The timeout clock starts when the agent is built, not when it is invoked."""

    supported_limits = LIMIT_KINDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._born = time.monotonic()

    def _start(self, prompt: str) -> _Run:
        run = super()._start(prompt)
        if self.timeout_seconds is not None:
            run.deadline = self._born + self.timeout_seconds
        return run

    def _remaining(self, run: _Run) -> float | None:
        return None if run.deadline is None else max(0.0, run.deadline - time.monotonic())


class DeadlineRestartedPerStep(ReferenceAgent):
    """The deadline is pushed back after every tool batch (a per-step timeout, not per invocation)."""

    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        super()._run_tools(run, calls)
        if self.timeout_seconds is not None:
            run.deadline = time.monotonic() + self.timeout_seconds


class RefusedCallsCounted(ReferenceAgent):
    """A call that never ran (unknown tool) still uses up the tool-call cap."""

    def _admit(self, run: _Run, call: ToolCall) -> bool:
        if call.name not in self.tools:
            run.executions += 1
        return super()._admit(run, call)


class CostCapIgnoredWithoutEstimator(ReferenceAgent):
    """max_cost_usd without a cost_estimator is accepted, and so never enforced."""

    def __init__(self, model: Any, tools: Any, max_cost_usd: float | None = None, cost_estimator: Any = None,
                 **limits: Any) -> None:
        super().__init__(model, tools, **limits)
        self.max_cost_usd = check_amount("max_cost_usd", max_cost_usd)
        self.cost_estimator = cost_estimator

    supported_limits = LIMIT_KINDS

    def _limit_hit(self, run: _Run) -> str | None:
        cap, self.max_cost_usd = self.max_cost_usd, (self.max_cost_usd if self.cost_estimator else None)
        try:
            return super()._limit_hit(run)
        finally:
            self.max_cost_usd = cap


class MarkerOverCap(ReferenceAgent):
    """The output is cut at the cap and the truncation marker appended after it, overshooting."""

    def _answer(self, call: ToolCall, output: Any) -> None:
        content = str(output)
        message: dict[str, Any] = {"role": "tool", "tool_call_id": call.id, "content": content}
        if self.max_output_bytes is not None and len(content.encode()) > self.max_output_bytes:
            cut = content.encode()[: self.max_output_bytes].decode("utf-8", errors="ignore")
            message["content"], message["truncated"] = cut + TRUNCATION_MARKER, True
        self.messages.append(message)


class ParallelCapOffByOne(ReferenceAgent):
    """max_parallel_tools=P lets P+1 tools run at once."""

    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        if self.max_parallel_tools is None or len(calls) < 2:
            return super()._run_tools(run, calls)
        admitted = [call for call in calls if self._admit(run, call)]
        with ThreadPoolExecutor(max_workers=self.max_parallel_tools + 1) as pool:
            outputs = list(pool.map(lambda call: self._execute(run, call), admitted))
        for call, output in zip(admitted, outputs):
            self._answer(call, output)

    async def _arun_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        if self.max_parallel_tools is None or len(calls) < 2:
            return await super()._arun_tools(run, calls)
        admitted = [call for call in calls if self._admit(run, call)]
        gate = asyncio.Semaphore(self.max_parallel_tools + 1)

        async def gated(call: ToolCall) -> None:
            async with gate:
                self._answer(call, await self._aexecute(run, call))

        await asyncio.gather(*(gated(call) for call in admitted))


CATALOGUE: tuple[Mutant, ...] = (
    Mutant("budget-greater-than", BudgetGreaterThan, "budget check uses > instead of >=", frozenset({"TOKENS-1"})),
    Mutant("budget-output-only", BudgetOutputOnly, "total budget counts output tokens only", frozenset({"TOKENS-1"})),
    Mutant("counters-not-reset", CountersNotReset, "counters never reset between invocations", frozenset({"RESET-1"})),
    Mutant("negative-turns-accepted", NegativeTurnsAccepted, "negative max_turns accepted", frozenset({"VALID-2"})),
    Mutant("last-tool-calls-dropped", LastToolCallsDropped, "last permitted turn's tool calls dropped",
           frozenset({"TURNS-3", "TRANSCRIPT-1"})),
    Mutant("usage-cumulative", UsageCumulative, "usage reported cumulatively across invocations",
           frozenset({"RESET-2"})),
    Mutant("previous-answer-leaks", PreviousAnswerLeaks, "previous invocation's answer leaks", frozenset({"RESET-3"})),
    Mutant("wrong-breach-kind", WrongBreachKind, "every breach reported as max_turns", frozenset({"KIND-1"})),
    Mutant("deadline-from-construction", DeadlineFromConstruction, "timeout clock started at construction",
           frozenset({"TIMEOUT-2"})),
    Mutant("deadline-restarted-per-step", DeadlineRestartedPerStep, "deadline restarted after each tool batch",
           frozenset({"TIMEOUT-1", "TIMEOUT-2"})),
    Mutant("refused-calls-counted", RefusedCallsCounted, "calls that never ran count towards max_tool_calls",
           frozenset({"TOOLS-3"})),
    Mutant("cost-cap-ignored-without-estimator", CostCapIgnoredWithoutEstimator,
           "max_cost_usd without an estimator silently ignored", frozenset({"COST-2"})),
    Mutant("marker-over-cap", MarkerOverCap, "truncation marker pushes the output over the cap",
           frozenset({"BYTES-1"})),
    Mutant("parallel-cap-off-by-one", ParallelCapOffByOne, "max_parallel_tools=P lets P+1 run at once",
           frozenset({"PAR-1"})),
)
