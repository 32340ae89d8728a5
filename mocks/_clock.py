"""The clock the mock advances by each scripted latency.

The mock never sleeps in real time. It asks a clock to move instead: a :class:`ManualClock`
(a number the test owns) or, for agents that read ``time.monotonic()``, a frozen clock.
"""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "wait_latency"]


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
