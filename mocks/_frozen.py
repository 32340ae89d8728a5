"""Frozen clocks (freezegun) that an agent under test cannot tell from real time.

Inside :func:`frozen_clock`, ``time.monotonic()``, ``time.time()`` and every asyncio loop's
clock stand still until something advances them: the scripted model and instrumented tools
advance them by their scripted latency, so a one-hour timeout is checked in milliseconds.

The traps this module exists to avoid (each one hit in practice):
- freezing at a modern date makes an asyncio timer due "now" unfireable (float rounding near
  1.7e9 s), so the clock starts near the epoch (1970-01-02);
- pytest's and Hypothesis' own timers must keep real time: they are on the ignore list (and
  freezegun then gives real time to any caller with them a few frames up, so the clock reads
  the freeze directly);
- freezegun ticks in whole microseconds: every advance rounds *up* so that a timer scheduled
  ``latency`` seconds ahead is due once the clock has moved by ``latency``;
- an agent's own ``asyncio.sleep`` would hang a frozen loop: :meth:`FrozenClock.new_event_loop`
  makes a loop that, when it has nothing to do but wait for a timer, jumps the clock to it.
"""

from __future__ import annotations

import asyncio
import calendar
import math
import selectors
import threading
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from freezegun import freeze_time

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["EPOCH", "IGNORED_MODULES", "FrozenClock", "frozen_clock"]

#: Where frozen time starts: near the epoch, where float timestamps are exact to well below 1 us.
EPOCH = "1970-01-02"
#: Modules that keep reading real time: the test runner's timing and Hypothesis' deadlines.
IGNORED_MODULES: tuple[str, ...] = ("_pytest.runner", "_pytest.timing", "_pytest.terminal", "hypothesis")
#: Real seconds a jumping loop waits for a worker thread before jumping the clock.
_THREAD_GRACE = 0.01


def _microseconds(seconds: float) -> int:
    """Whole microseconds, rounded up (with tolerance for float noise such as 0.1 * 1e6)."""
    if seconds < 0 or math.isnan(seconds):
        raise ValueError(f"a clock cannot move by {seconds!r} s")
    return math.ceil(seconds * 1e6 - 1e-6)


class FrozenClock:
    """The clock inside :func:`frozen_clock`: ``now()`` is ``time.monotonic()``, ``advance`` ticks it.

    ``drives_event_loop``: asyncio loops read this same frozen clock, so timers can be
    scheduled on it.
    """

    drives_event_loop = True

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        self._lock = threading.Lock()

    def now(self) -> float:
        """The frozen ``time.monotonic()``, read from the freeze itself.

        Not through ``time.monotonic()``: freezegun hands real time to callers with an ignored
        module (pytest's runner) a few frames up, and the harness is such a caller.
        """
        current: datetime = self._factory()
        return calendar.timegm(current.timetuple()) + current.microsecond / 1e6

    def advance(self, seconds: float) -> None:
        us = _microseconds(seconds)
        if us:
            with self._lock:
                self._factory.tick(timedelta(microseconds=us))

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        """An event loop that jumps this clock to its next timer whenever it would otherwise wait."""
        return _JumpingEventLoop(self)

    def __repr__(self) -> str:
        return f"FrozenClock(now={self.now():g})"


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self, clock: FrozenClock) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is None or timeout <= 0:
            return super().select(timeout)
        grace = _THREAD_GRACE if threading.active_count() > 1 else 0
        events = super().select(min(timeout, grace))
        if not events:
            self._clock.advance(timeout)
        return events


class _JumpingEventLoop(asyncio.SelectorEventLoop):
    """A selector loop on a frozen clock: idle waits become clock jumps, so sleeps never hang."""

    autojump = True

    def __init__(self, clock: FrozenClock) -> None:
        super().__init__(_JumpingSelector(clock))


@contextmanager
def frozen_clock(start: str = EPOCH, ignore: Sequence[str] = ()) -> Iterator[FrozenClock]:
    """Freeze time for the block; usable per Hypothesis example (unlike a function-scoped fixture).

        with frozen_clock() as clock:
            model = ScriptedModel(script, clock=clock)
            ...
    """
    with freeze_time(start, ignore=[*IGNORED_MODULES, *ignore]) as factory:
        yield FrozenClock(factory)
