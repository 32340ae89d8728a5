"""The clock the mock advances by each scripted latency.

The mock never sleeps in real time. It asks a clock to move instead: a :class:`ManualClock`
(a number the test owns) or, for agents that read ``time.monotonic()``, a frozen clock.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock"]


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
