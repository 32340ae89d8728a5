"""Timeout bugs: which clock the deadline reads, where it starts, whether it restarts, how it is reported."""

from __future__ import annotations

import time
from typing import Any, Sequence

from agent_limits.conformance.reference import ReferenceAgent, Result, _Run
from agent_limits.harness import LIMIT_KINDS
from agent_limits.mocks import ToolCall

from ._base import mutant


@mutant("TIMEOUT-2", bug="the timeout clock starts when the agent is built, not when it is invoked")
class DeadlineFromConstruction(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._born = time.monotonic()

    def _start(self, prompt: str) -> _Run:
        run = super()._start(prompt)
        if self.timeout_seconds is not None:
            run.deadline = self._born + self.timeout_seconds
        return run


@mutant("TIMEOUT-1", "TIMEOUT-2", bug="the deadline is pushed back after every tool batch (per step, not per invocation)")
class DeadlineRestartedPerStep(ReferenceAgent):
    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        super()._run_tools(run, calls)
        if self.timeout_seconds is not None:
            run.deadline = time.monotonic() + self.timeout_seconds


@mutant("TIMEOUT-1", "KIND-1", bug="a timeout is raised as a generic error instead of a timeout stop")
class TimeoutAsGenericError(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        if stop_reason == "timeout":
            raise RuntimeError("agent run failed")
        return super()._finish(run, stop_reason)


@mutant("TIMEOUT-3", bug="the deadline is computed from time.time(): a wall-clock step fires it early or postpones it")
class DeadlineOnWallClock(ReferenceAgent):
    def _start(self, prompt: str) -> _Run:
        run = super()._start(prompt)
        if self.timeout_seconds is not None:
            run.deadline = time.time() + self.timeout_seconds
        return run

    def _remaining(self, run: _Run) -> float | None:
        return None if run.deadline is None else max(0.0, run.deadline - time.time())

    def _timed_out(self, run: _Run) -> bool:
        return run.deadline is not None and time.time() >= run.deadline


@mutant("TIMEOUT-1", bug="the deadline is compared with > where >= belongs: a call starts exactly at the deadline")
class DeadlineGreaterThan(ReferenceAgent):
    def _timed_out(self, run: _Run) -> bool:
        return run.deadline is not None and time.monotonic() > run.deadline
