"""Bugs only mixed scenarios see: caps kept per tool name, output caps applied to some results only.

A scenario that asks for one tool, or has one output per reply, cannot tell these agents from
the reference: each passes the uniform cases of its clause and fails the mixed ones (two real
tools within and across replies; long and short outputs in one batch and in sequence).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from agent_limits.conformance.reference import ReferenceAgent, _Run
from agent_limits.mocks import ToolCall, Turn

from ._base import mutant


@mutant("TOOLS-1", bug="max_tool_calls=M is counted per tool name (one counter per tool): M executions of each tool")
class PerNameToolCap(ReferenceAgent):
    def _admit(self, run: _Run, call: ToolCall) -> bool:
        if call.name not in self.tools or self.max_tool_calls is None:
            return super()._admit(run, call)
        counts: Counter[str] = run.__dict__.setdefault("per_name", Counter())
        if counts[call.name] >= self.max_tool_calls:
            run.stop = run.stop or "max_tool_calls"
            self._answer(call, f"refused: max_tool_calls={self.max_tool_calls} reached for {call.name}")
            return False
        counts[call.name] += 1
        run.executions += 1
        return True


@mutant("PAR-1", bug="max_parallel_tools=P is enforced per tool name (one semaphore per tool): P of each tool at once")
class PerNameParallelGauge(ReferenceAgent):
    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        if self.max_parallel_tools is None or len(calls) < 2:
            return super()._run_tools(run, calls)
        admitted = [call for call in calls if self._admit(run, call)]
        gates = {call.name: threading.Semaphore(self.max_parallel_tools) for call in admitted}

        def gated(call: ToolCall) -> Any:
            with gates[call.name]:
                return self._execute(run, call)

        with ThreadPoolExecutor(max_workers=max(1, len(admitted))) as pool:
            outputs = list(pool.map(gated, admitted))
        for call, output in zip(admitted, outputs):
            self._answer(call, output)

    async def _arun_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        if self.max_parallel_tools is None or len(calls) < 2:
            return await super()._arun_tools(run, calls)
        admitted = [call for call in calls if self._admit(run, call)]
        gates = {call.name: asyncio.Semaphore(self.max_parallel_tools) for call in admitted}

        async def gated(call: ToolCall) -> None:
            async with gates[call.name]:
                self._answer(call, await self._aexecute(run, call))

        await asyncio.gather(*(gated(call) for call in admitted))


@mutant("BYTES-1", bug="max_output_bytes is applied to the first tool result of a reply only; the others are stored whole")
class OutputCapFirstResultOnly(ReferenceAgent):
    def _take(self, run: _Run, turn: Turn) -> bool:
        self._capped_this_reply = False
        return super()._take(run, turn)

    def _answer(self, call: ToolCall, output: Any) -> None:
        if getattr(self, "_capped_this_reply", False):
            self.messages.append({"role": "tool", "tool_call_id": call.id, "content": str(output)})
            return
        self._capped_this_reply = True
        super()._answer(call, output)


@mutant("BYTES-2", bug="the cut flag stays set: every result after a cut output is flagged truncated, short ones too")
class StickyCutFlag(ReferenceAgent):
    _cut = False

    def _answer(self, call: ToolCall, output: Any) -> None:
        super()._answer(call, output)
        stored = self.messages[-1]
        if stored.get("truncated"):
            self._cut = True
        elif self._cut:
            stored["truncated"] = True


@mutant("TOOLS-2", "TOOLS-3", bug="a call to an unknown tool once the cap is spent is answered twice: as unknown and as refused")
class UnknownPastCapAnsweredTwice(ReferenceAgent):
    def _admit(self, run: _Run, call: ToolCall) -> bool:
        if call.name not in self.tools and self.max_tool_calls is not None and run.executions >= self.max_tool_calls:
            self._answer(call, f"error: no tool named {call.name!r}")
            run.stop = run.stop or "max_tool_calls"
            self._answer(call, f"refused: max_tool_calls={self.max_tool_calls} reached")
            return False
        return super()._admit(run, call)
