"""Retry bugs (RETRY-1, and TIMEOUT-2's retry segment): failed attempts counted as turns, deadlines restarted."""

from __future__ import annotations

import time

from agent_limits.conformance.reference import ReferenceAgent, _Run

from ._base import mutant


@mutant("RETRY-1", bug="each attempt at a request is counted as a turn, so a throttled attempt the agent retries uses one up")
class ThrottledAttemptCountedAsTurn(ReferenceAgent):
    def _may_retry(self, run: _Run, failed: int) -> bool:
        run.calls += 1  # the limits are checked again before the retry, and now see one turn more
        return super()._may_retry(run, failed)


@mutant("TIMEOUT-2", bug="the deadline is restarted when a throttled request is retried (a per-request timeout)")
class DeadlineRestartedOnRetry(ReferenceAgent):
    def _may_retry(self, run: _Run, failed: int) -> bool:
        if self.timeout_seconds is not None:
            run.deadline = time.monotonic() + self.timeout_seconds
        return super()._may_retry(run, failed)
