"""State bugs: counters that outlive an invocation, or are shared between agents."""

from __future__ import annotations

from typing import ClassVar

from agent_limits.conformance.reference import ReferenceAgent, Result, _Run
from agent_limits.mocks import Turn, Usage

from ._base import mutant


@mutant("RESET-1", "STATE-1", bug="counters live on the agent and are never reset between invocations")
class CountersNotReset(ReferenceAgent):
    def _start(self, prompt: str) -> _Run:
        fresh = super()._start(prompt)
        if not hasattr(self, "_kept"):
            self._kept = fresh
        self._kept.start, self._kept.deadline = fresh.start, fresh.deadline
        return self._kept


@mutant("RESET-1", bug="counters are reset lazily, on the first model reply, after the first limit check")
class CountersResetLazily(ReferenceAgent):
    def _start(self, prompt: str) -> _Run:
        fresh = super()._start(prompt)
        self._pending_reset = fresh
        return getattr(self, "_last_run", fresh)  # the check before the first call sees old counters

    def _take(self, run: _Run, turn: Turn) -> bool:
        pending = getattr(self, "_pending_reset", None)
        if pending is not None and run is not pending:
            run.calls, run.usage, run.cost, run.executions = 0, Usage(), 0.0, 0
            run.start, run.deadline, run.text, run.stop = pending.start, pending.deadline, None, None
        self._pending_reset = None
        self._last_run = run
        return super()._take(run, turn)


@mutant("RESET-2", bug="usage reported as a running total across invocations")
class UsageCumulative(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        self._lifetime = getattr(self, "_lifetime", Usage()) + run.usage
        result = super()._finish(run, stop_reason)
        result.usage = self._lifetime
        return result


@mutant("RESET-3", bug="the last answer is kept on the agent, so a text-less invocation reports the previous one")
class PreviousAnswerLeaks(ReferenceAgent):
    def _take(self, run: _Run, turn: Turn) -> bool:
        if turn.text:
            self._last_text = turn.text
        run.text = getattr(self, "_last_text", None)
        return super()._take(run, turn)


@mutant("ISOLATION-1", bug="invocations in flight at the same time share one set of counters (class-level state)")
class SharedCounters(ReferenceAgent):
    _active: ClassVar[list[_Run]] = []

    def _start(self, prompt: str) -> _Run:
        fresh = super()._start(prompt)
        if not SharedCounters._active:
            SharedCounters._active.append(fresh)
        return SharedCounters._active[0]

    def _finish(self, run: _Run, stop_reason: str) -> Result:
        SharedCounters._active.clear()
        return super()._finish(run, stop_reason)
