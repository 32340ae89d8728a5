"""The clock the mock advances by each scripted latency.

The mock never sleeps in real time. It asks a clock to move instead: a :class:`ManualClock`
(a number the test owns) or, for agents that read ``time.monotonic()``, a frozen clock.

Overlapping executions take their latency once. On the asynchronous path that is
:func:`wait_latency` (concurrent sleeps on a jumping loop overlap). On threads it is
:func:`pass_latency`: an execution on the thread that froze the clock (a synchronous agent
running its tools one by one) moves the clock by its latency at once, so sequential executions
add up; an execution on any other thread (a thread pool, ``asyncio.to_thread``) keeps its
latency pending for ``OVERLAP_GRACE`` seconds of real time, then moves the clock on to
``start + latency`` if it is not there yet. A sibling that starts within the grace (a pool's
next worker picking the batch's next call) reads the same start time, so the clock ends at the
latest end, not at the sum of the latencies; one that starts after it (a pool of one worker,
the same worker's next task) starts where the first ended. The grace is what makes this
deterministic: without it a worker that finishes in microseconds of real time would take the
batch's next call before another worker woke up, and the schedule would depend on the host's
thread scheduling. Threads of the harness itself (named ``agent-limits-*``: the wire adapter's
tool workers) keep the sequential rule, which the wire protocol's version 1 states.
"""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Callable, Protocol, runtime_checkable

__all__ = ["OVERLAP_GRACE", "Clock", "ManualClock", "pass_latency", "wait_latency"]

#: Real seconds an execution on another thread keeps its latency pending, for siblings to start.
OVERLAP_GRACE = 0.05
#: Threads of the harness itself, whose executions pass their latency at once (wire protocol v1).
HARNESS_THREADS = "agent-limits-"


@runtime_checkable
class Clock(Protocol):
    """Anything with ``now()`` (seconds, monotonic) and ``advance(seconds)``."""

    def now(self) -> float: ...

    def advance(self, seconds: float) -> None: ...


class ManualClock:
    """A clock that only moves when told to: enough for agents that take the clock as input."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds!r} s)")
        self._now += seconds

    def advance_to(self, moment: float) -> None:
        """Move on to ``moment``, if the clock is not there yet."""
        self._now = max(self._now, float(moment))

    def __repr__(self) -> str:
        return f"ManualClock(now={self._now:g})"


async def wait_latency(latency: float, clock: Clock | None) -> None:
    """Let ``latency`` seconds pass on ``clock`` inside a coroutine, without real waiting.

    On a loop that jumps its frozen clock (``FrozenClock.new_event_loop``) this is a plain
    ``asyncio.sleep``: concurrent waits overlap, as they would in real time. On any other loop
    over a frozen clock, the reply is scheduled on the loop's clock and the clock ticked, so
    ``asyncio.timeout``/``wait_for`` around the call fire as they would. Without a clock the
    latency is only recorded. The awaiting task may be cancelled at any point.
    """
    loop = asyncio.get_running_loop()
    if not latency or clock is None:
        await asyncio.sleep(0)
        return
    if getattr(loop, "autojump", False):
        await asyncio.sleep(latency)
        return
    clock.advance(latency)
    if getattr(clock, "drives_event_loop", False):
        done = loop.create_future()
        loop.call_at(clock.now(), _settle, done)
        await done
    else:
        await asyncio.sleep(0)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def pass_latency(clock: Clock, started: float, latency: float) -> None:
    """Let ``latency`` seconds pass on ``clock`` for a synchronous execution that started at
    ``started`` (read from ``clock.now()``), overlapping with executions on other threads.

    On the thread that owns the clock (``clock.owner``, the one that froze it), on a harness
    thread, or on a clock with no owner: the clock moves by ``latency`` now. On any other thread:
    after ``OVERLAP_GRACE`` real seconds, during which the clock is held (a jumping event loop
    does not jump it), the clock moves on to ``started + latency`` if it is not there yet.
    """
    owner = getattr(clock, "owner", None)
    if owner is None or threading.get_ident() == owner or threading.current_thread().name.startswith(HARNESS_THREADS):
        clock.advance(latency)
        return
    holding: Callable[[], AbstractContextManager[Any]] | None = getattr(clock, "holding", None)
    held = holding() if holding is not None else nullcontext()
    with held:
        time.sleep(OVERLAP_GRACE)  # never patched by freezegun: real seconds
        advance_to = getattr(clock, "advance_to", None)
        if callable(advance_to):
            advance_to(started + latency)
        else:
            clock.advance(max(0.0, started + latency - clock.now()))
