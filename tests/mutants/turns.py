"""Turn-limit bugs: off by one, checked at the wrong moment, and what happens at the limit."""

from __future__ import annotations

from typing import Sequence

from agent_limits.conformance.reference import ReferenceAgent, Result, _Run
from agent_limits.mocks import ToolCall, Turn

from ._base import mutant


@mutant("TURNS-1", bug="a limit of N allows N+1 model calls (> where >= belongs)")
class TurnsAllowNPlusOne(ReferenceAgent):
    def _limit_hit(self, run: _Run) -> str | None:
        if self.max_turns is not None and run.calls == self.max_turns:
            turns, self.max_turns = self.max_turns, None
            try:
                return super()._limit_hit(run)
            finally:
                self.max_turns = turns
        return super()._limit_hit(run)


@mutant("TURNS-1", "TURNS-3", bug="max_turns checked after the model call, so the limit-th reply's tools never run")
class TurnsCheckedAfterCall(ReferenceAgent):
    def _take(self, run: _Run, turn: Turn) -> bool:
        final = super()._take(run, turn)
        self._over = self.max_turns is not None and run.calls >= self.max_turns and not final
        return final

    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        if getattr(self, "_over", False):
            run.stop = "max_turns"
            for call in calls:
                self._answer(call, "skipped: turn limit")
            return
        super()._run_tools(run, calls)

    async def _arun_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        self._run_tools(run, calls) if getattr(self, "_over", False) else await super()._arun_tools(run, calls)


@mutant("TURNS-1", bug='one extra "final summary" model call after the turn limit')
class ExtraSummaryCall(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        if stop_reason == "max_turns":
            self._take(run, self.model.complete(self.messages, []))  # "let the model wrap up"
        return super()._finish(run, stop_reason)

    async def ainvoke(self, prompt: str) -> Result:
        result = await super().ainvoke(prompt)
        if result.stop_reason == "max_turns":
            await self.model.acomplete(self.messages, [])
        return result


@mutant("TURNS-3", "TRANSCRIPT-1", bug="the last permitted reply's tool calls are dropped, left dangling")
class LastToolCallsDropped(ReferenceAgent):
    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        if self._limit_hit(run) is None:
            super()._run_tools(run, calls)

    async def _arun_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        if self._limit_hit(run) is None:
            await super()._arun_tools(run, calls)


@mutant("LONG-1", bug="the agent loop recurses once per turn, and crashes a few hundred turns in")
class RecursiveLoop(ReferenceAgent):
    def invoke(self, prompt: str) -> Result:
        return self._step(self._start(prompt))

    def _step(self, run: _Run) -> Result:
        stop = self._limit_hit(run)
        if stop is not None:
            return self._finish(run, stop)
        turn = self.model.complete(self.messages, self._specs)
        if self._take(run, turn):
            return self._finish(run, "end_turn")
        self._run_tools(run, turn.tool_calls)
        return self._finish(run, run.stop) if run.stop else self._step(run)

    async def ainvoke(self, prompt: str) -> Result:
        return await self._astep(self._start(prompt))

    async def _astep(self, run: _Run) -> Result:
        stop = self._limit_hit(run)
        if stop is not None:
            return self._finish(run, stop)
        turn = await self.model.acomplete(self.messages, self._specs)
        if self._take(run, turn):
            return self._finish(run, "end_turn")
        await self._arun_tools(run, turn.tool_calls)
        return self._finish(run, run.stop) if run.stop else await self._astep(run)
