"""Must-pass variants that do their work on threads, on the synchronous path.

SPEC lets a synchronous agent run a reply's tool calls on threads (PAR-1: "synchronous
(threaded)") and says threads see the frozen clock. These agents read ``time.monotonic()``
*shallowly* in their worker threads (right in the function handed to the pool): under
freezegun's default rules such a read is the host's real clock, and the verdict would depend on
the host's uptime. The ``-on-a-long-lived-host`` twins run with the real monotonic clocks shifted
three days forward (``tests/mustpass/_uptime.py``), so that any leak of real time shows.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError as FutureTimeout
from typing import Any, Callable, Sequence, TypeVar

from agent_limits.conformance.reference import ReferenceAgent, Turn, _Run
from agent_limits.mocks import ToolCall

from ._base import variant

__all__ = ["PooledTools", "PooledToolsOnALongLivedHost", "PreemptiveSteps", "PreemptiveStepsOnALongLivedHost"]

#: The clauses that read how tools run and when: time, counts, transcripts, parallelism, state.
#: The long runs, retries, validation and context clauses run no tools on threads and are left
#: out to keep the meta-test cheap.
_THREADED = ("TURNS-1", "TURNS-3", "TOKENS-1", "RESET-1", "RESET-3", "PARTIAL-1", "TRANSCRIPT-1", "KIND-1",
             "TIMEOUT-1", "TIMEOUT-2", "TIMEOUT-3", "TOOLS-1", "TOOLS-2", "TOOLS-3", "PAR-1", "PAR-2", "BYTES-1",
             "ISOLATION-1", "PROP-1", "STATE-1")
#: The clauses whose verdict a leak of real time changes (each failed on a host up for three days
#: before threads read the frozen clock): what the long-lived twins run.
_TIMED = ("ISOLATION-1", "KIND-1", "PARTIAL-1", "PROP-1", "RESET-1", "RESET-3", "STATE-1", "TIMEOUT-1", "TIMEOUT-2",
          "TIMEOUT-3", "TRANSCRIPT-1")
#: Left out for the pre-emptive variants until the harness accepts a reply abandoned at the
#: deadline: TIMEOUT-1's case with 1 us left races their worker thread against their 1-us wait, and
#: under load the harness judged them non-conforming (twice on 2026-12-07). The defect is shown,
#: deterministically, by tests/test_mustpass.py::test_a_preemptive_agent_whose_requests_take_real_time
#: (a strict xfail); put TIMEOUT-1 back when that is fixed.
_PREEMPTIVE_NOT_YET = ("TIMEOUT-1",)
#: A host up for three days: its real time.monotonic() is far past the frozen clock's (about one day).
_LONG_LIVED = {"PYTEST_ADDOPTS": "-p tests.mustpass._uptime", "AGENT_LIMITS_UPTIME_OFFSET": str(3 * 86_400)}

T = TypeVar("T")


@variant("each reply's tool calls run in a ThreadPoolExecutor on the sync path (at most max_parallel_tools "
         "workers), each worker checking the deadline itself with a shallow time.monotonic()", clauses=_THREADED)
class PooledTools(ReferenceAgent):
    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        admitted = [call for call in calls if self._admit(run, call)]
        if not admitted:
            return
        workers = min(self.max_parallel_tools or len(admitted), len(admitted))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(self._work, run, call) for call in admitted]
            outputs = [f.result() for f in futures]
        for call, output in zip(admitted, outputs):
            self._answer(call, output)

    def _work(self, run: _Run, call: ToolCall) -> Any:
        """One tool call on a worker thread, the clock read right here (two frames above threading)."""
        if run.deadline is not None and time.monotonic() >= run.deadline:
            run.stop = "timeout"
            return "refused: the invocation timed out"
        try:
            return self.tools[call.name](**call.arguments)
        except Exception as exc:
            return f"error: {type(exc).__name__}: {exc}"


@variant("PooledTools on a host whose monotonic clock has run for three days", env=_LONG_LIVED,
         clauses=_TIMED)
class PooledToolsOnALongLivedHost(PooledTools):
    pass


@variant("pre-emptive timeout on the sync path: every model request and tool execution runs on a worker thread, "
         "and the agent stops waiting for it at the deadline (future.result(timeout=remaining))",
         clauses=tuple(c for c in _THREADED if c not in _PREEMPTIVE_NOT_YET))
class PreemptiveSteps(ReferenceAgent):
    """Waits for each step at most until the deadline, then abandons it and stops with a timeout.

    On the frozen clock a step takes no real time, so the wait (real seconds, as many as the
    frozen clock has left) sees it finish unless fewer than a few milliseconds remain: the agent
    then keeps the reply and its own deadline check stops it, as a cooperative agent's does.
    """

    def invoke(self, prompt: str) -> Any:
        workers = self.max_parallel_tools or 1  # tool executions may wait on it from the reference's pool
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="preemptive-step") as self._steps:
            return super().invoke(prompt)

    def _within_deadline(self, run: _Run, step: Callable[[], T]) -> T | None:
        """``step()``'s value, or None if the deadline came first (the step is abandoned)."""
        future: Future[T] = self._steps.submit(step)
        try:
            return future.result(timeout=self._remaining(run))
        except FutureTimeout:
            run.stop = "timeout"
            return None

    def _request(self, run: _Run) -> Turn | str:
        turn = self._within_deadline(run, lambda: self._ask(run))
        return "timeout" if turn is None else turn

    def _ask(self, run: _Run) -> Turn | str:
        """The model request itself, on the worker thread."""
        return ReferenceAgent._request(self, run)

    def _execute(self, run: _Run, call: ToolCall) -> Any:
        if self._timed_out(run):
            run.stop = "timeout"
            return "refused: the invocation timed out"
        output = self._within_deadline(run, lambda: self._call_tool(call))
        return "cancelled: timeout" if output is None and run.stop == "timeout" else output

    def _call_tool(self, call: ToolCall) -> Any:
        try:
            return self.tools[call.name](**call.arguments)
        except Exception as exc:
            return f"error: {type(exc).__name__}: {exc}"


@variant("PreemptiveSteps on a host whose monotonic clock has run for three days", env=_LONG_LIVED,
         clauses=tuple(c for c in _TIMED if c not in _PREEMPTIVE_NOT_YET))
class PreemptiveStepsOnALongLivedHost(PreemptiveSteps):
    pass


class PreemptiveSlowSteps(PreemptiveSteps):
    """PreemptiveSteps whose model request takes real time on its worker thread, as a real HTTP
    request does (20 ms here). Correct by SPEC (pre-emptive: "cancel what is in flight at the
    deadline"), but not in the catalogue yet: the harness judges it non-conforming, see
    ``tests/test_mustpass.py::test_a_preemptive_agent_whose_requests_take_real_time``."""

    def _ask(self, run: _Run) -> Turn | str:
        threading.Event().wait(0.02)  # real seconds, which the frozen clock does not see
        return super()._ask(run)
