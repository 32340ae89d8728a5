"""Tool bugs: the call cap, the parallel cap, the cost cap and the output-byte cap."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from agent_limits.conformance.reference import TRUNCATION_MARKER, ReferenceAgent, _Run, check_amount, truncate_utf8
from agent_limits.harness import LIMIT_KINDS
from agent_limits.mocks import ToolCall

from ._base import mutant


@mutant("TOOLS-3", bug="a call that never ran (unknown tool) still uses up the tool-call cap")
class RefusedCallsCounted(ReferenceAgent):
    def _admit(self, run: _Run, call: ToolCall) -> bool:
        if call.name not in self.tools:
            run.executions += 1
        return super()._admit(run, call)


@mutant("PAR-1", bug="max_parallel_tools=P lets P+1 tools run at once")
class ParallelCapOffByOne(ReferenceAgent):
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


@mutant("COST-2", bug="max_cost_usd without a cost_estimator is accepted, and so never enforced")
class CostCapIgnoredWithoutEstimator(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    def __init__(self, model: Any, tools: Any, max_cost_usd: Any = None, cost_estimator: Any = None,
                 **limits: Any) -> None:
        super().__init__(model, tools, **limits)
        self.max_cost_usd = check_amount("max_cost_usd", max_cost_usd) if cost_estimator else None
        self.cost_estimator = cost_estimator


@mutant("BYTES-1", bug="the output is cut at the cap and the truncation marker appended after it, overshooting")
class MarkerOverCap(ReferenceAgent):
    def _answer(self, call: ToolCall, output: Any) -> None:
        content = str(output)
        cap = self.max_output_bytes
        if cap is not None and len(content.encode()) > cap:
            cut = content.encode()[:cap].decode("utf-8", errors="ignore") + TRUNCATION_MARKER
            self.messages.append({"role": "tool", "tool_call_id": call.id, "content": cut, "truncated": True})
            return
        super()._answer(call, output)


@mutant("TOOLS-1", bug="max_tool_calls=M lets M+1 tools run")
class ToolCapOffByOne(ReferenceAgent):
    def _admit(self, run: _Run, call: ToolCall) -> bool:
        if self.max_tool_calls is not None and run.executions == self.max_tool_calls and call.name in self.tools:
            run.executions += 1
            return True
        return super()._admit(run, call)


@mutant("TOOLS-2", "TRANSCRIPT-1", bug="calls refused at the cap get no result: dangling tool calls")
class RefusedCallsUnanswered(ReferenceAgent):
    def _answer(self, call: ToolCall, output: Any) -> None:
        if not str(output).startswith("refused: max_tool_calls"):
            super()._answer(call, output)


@mutant("PAR-2", bug="a reply asking for more than P tools gets only the first P run; the rest are skipped")
class ParallelDropsTheRest(ReferenceAgent):
    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        super()._run_tools(run, self._skip_past_cap(calls))

    async def _arun_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        await super()._arun_tools(run, self._skip_past_cap(calls))

    def _skip_past_cap(self, calls: Sequence[ToolCall]) -> Sequence[ToolCall]:
        cap = self.max_parallel_tools
        if cap is None or len(calls) <= cap:
            return calls
        for call in calls[cap:]:
            self._answer(call, "skipped: too many parallel calls")
        return calls[:cap]


@mutant("COST-1", bug="cached input tokens are not passed to the cost estimator (always 0)")
class CostWithoutCachedTokens(ReferenceAgent):
    def __init__(self, *args: Any, cost_estimator: Any = None, **kwargs: Any) -> None:
        blind = (lambda model, i, o, cached: cost_estimator(model, i, o, 0)) if cost_estimator else None
        super().__init__(*args, cost_estimator=blind, **kwargs)

    supported_limits = LIMIT_KINDS


@mutant("BYTES-2", bug="an output exactly at max_output_bytes is cut and flagged (>= where > belongs)")
class TruncatesAtTheCap(ReferenceAgent):
    def _answer(self, call: ToolCall, output: Any) -> None:
        content = str(output)
        cap = self.max_output_bytes
        if cap is not None and len(content.encode()) == cap:
            message = {"role": "tool", "tool_call_id": call.id, "content": truncate_utf8(content, cap),
                       "truncated": True}
            self.messages.append(message)
            return
        super()._answer(call, output)
