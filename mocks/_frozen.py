"""Frozen clocks (freezegun) that an agent under test cannot tell from real time.

Inside :func:`frozen_clock`, ``time.monotonic()``, ``time.time()`` and every asyncio loop's
clock stand still until something advances them: the scripted model and instrumented tools
advance them by their scripted latency, so a one-hour timeout is checked in milliseconds.
:meth:`FrozenClock.step_wall` moves the wall clock alone (``time.time()``, ``datetime.now()``),
as an NTP correction does, while the monotonic clocks (``time.monotonic()``,
``time.perf_counter()``, their ``_ns`` twins, asyncio loop time) go on undisturbed.

The traps this module exists to avoid (each one hit in practice):
- freezing at a modern date makes an asyncio timer due "now" unfireable (float rounding near
  1.7e9 s), so the clock starts near the epoch (1970-01-02);
- pytest's and Hypothesis' own timers must keep real time: they are on the ignore list (and
  freezegun then gives real time to any caller with them a few frames up, so the clock reads
  the freeze directly);
- freezegun ticks in whole microseconds: every advance rounds *up* so that a timer scheduled
  ``latency`` seconds ahead is due once the clock has moved by ``latency``;
- an agent's own ``asyncio.sleep`` would hang a frozen loop: :meth:`FrozenClock.new_event_loop`
  makes a loop that, when it has nothing to do but wait for a timer, jumps the clock to it;
- freezegun derives its monotonic clocks from the same frozen datetime as the wall clock, so
  ticking its factory moves both. Wall and monotonic time part here at the one place freezegun
  computes monotonic time: its ``_get_fake_monotonic`` and ``_get_fake_monotonic_ns`` (every
  fake monotonic and perf-counter function, wherever freezegun patched it in, looks them up at
  call time). While a frozen clock is active they are replaced by readers of the clock's own
  monotonic datetime; another freeze (an agent's own ``freeze_time``) still gets freezegun's.
  They are private names: if a freezegun release drops them, :meth:`FrozenClock.step_wall`
  raises instead of stepping both clocks, and everything else works as before.
  time-machine is no way out: it patches the same functions at the C level and, since 2.13,
  makes ``time.monotonic()`` return ``time.time()``, the same coupling; and beside freezegun's
  module-level replacements its wall-clock patches would not even be reached.
"""

from __future__ import annotations

import asyncio
import calendar
import math
import selectors
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Callable, Iterator, Sequence

import freezegun.api as _freezegun
from freezegun import freeze_time

__all__ = ["EPOCH", "IGNORED_MODULES", "FrozenClock", "frozen_clock"]

#: Where frozen time starts: near the epoch, where float timestamps are exact to well below 1 us.
EPOCH = "1970-01-02"
#: Modules that keep reading real time: the test runner's timing and Hypothesis' deadlines.
IGNORED_MODULES: tuple[str, ...] = ("_pytest.runner", "_pytest.timing", "_pytest.terminal", "hypothesis")
#: Real seconds a jumping loop waits for a worker thread before jumping the clock.
_THREAD_GRACE = 0.01
#: freezegun's monotonic readers (seconds, nanoseconds) that a frozen clock replaces while active.
_MONOTONIC_HOOKS = ("_get_fake_monotonic", "_get_fake_monotonic_ns")


def _microseconds(seconds: float) -> int:
    """Whole microseconds, rounded up (with tolerance for float noise such as 0.1 * 1e6)."""
    if seconds < 0 or math.isnan(seconds):
        raise ValueError(f"a clock cannot move by {seconds!r} s")
    return math.ceil(seconds * 1e6 - 1e-6)


def _seconds(moment: datetime) -> float:
    """``moment`` as freezegun turns a frozen datetime into ``time.monotonic()``/``time.time()``."""
    return calendar.timegm(moment.timetuple()) + moment.microsecond / 1e6


def _nanoseconds(moment: datetime) -> int:
    return (calendar.timegm(moment.timetuple()) * 1_000_000 + moment.microsecond) * 1000


class FrozenClock:
    """The clock inside :func:`frozen_clock`: ``now()`` is ``time.monotonic()``, ``advance`` ticks it.

    ``advance`` is time passing (wall and monotonic clocks move together); ``step_wall`` is the
    wall clock being set (only ``time.time()`` and ``datetime.now()`` move).
    ``drives_event_loop``: asyncio loops read this same frozen clock, so timers can be
    scheduled on it.
    """

    drives_event_loop = True

    def __init__(self, factory: Any) -> None:
        self._factory = factory
        #: The monotonic clock as a datetime: it starts with the wall clock, and only advance moves it.
        self._monotonic: datetime = factory()
        self._lock = threading.Lock()

    def now(self) -> float:
        """The frozen ``time.monotonic()``, read from the freeze itself.

        Not through ``time.monotonic()``: freezegun hands real time to callers with an ignored
        module (pytest's runner) a few frames up, and the harness is such a caller.
        """
        return _seconds(self._monotonic)

    def now_ns(self) -> int:
        """The frozen ``time.monotonic_ns()``."""
        return _nanoseconds(self._monotonic)

    def wall(self) -> float:
        """The frozen ``time.time()``: the monotonic time plus every wall step so far."""
        return _seconds(self._factory())

    def advance(self, seconds: float) -> None:
        us = _microseconds(seconds)
        if us:
            with self._lock:
                step = timedelta(microseconds=us)
                self._factory.tick(step)
                self._monotonic += step

    def step_wall(self, seconds: float) -> None:
        """Set the wall clock ``seconds`` forward (or back, if negative); monotonic time stays.

        Rounded to the nearest microsecond, freezegun's resolution.
        """
        if not math.isfinite(seconds):
            raise ValueError(f"a wall clock cannot step by {seconds!r} s")
        if not _Hooks.available():
            raise RuntimeError(
                f"freezegun {getattr(_freezegun, '__version__', '?')} has no {' / '.join(_MONOTONIC_HOOKS)}: "
                "this frozen clock cannot move the wall clock without moving the monotonic one")
        with self._lock:
            self._factory.tick(timedelta(microseconds=round(seconds * 1e6)))

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        """An event loop that jumps this clock to its next timer whenever it would otherwise wait."""
        return _JumpingEventLoop(self)

    def __repr__(self) -> str:
        return f"FrozenClock(now={self.now():g}, wall={self.wall():g})"


class _Hooks:
    """freezegun's monotonic readers, replaced while at least one frozen clock is active."""

    lock = threading.Lock()
    #: The active frozen clocks, by the id of their freezegun factory.
    clocks: dict[int, FrozenClock] = {}
    originals: dict[str, Callable[[], Any]] = {}

    @staticmethod
    def available() -> bool:
        return all(callable(getattr(_freezegun, name, None)) for name in _MONOTONIC_HOOKS)

    @classmethod
    def active(cls) -> FrozenClock | None:
        """The frozen clock of the innermost freeze, if that freeze is one of ours."""
        factories = _freezegun.freeze_factories
        return cls.clocks.get(id(factories[-1])) if factories else None

    @classmethod
    def monotonic(cls) -> float:
        clock = cls.active()
        return clock.now() if clock is not None else cls.originals["_get_fake_monotonic"]()

    @classmethod
    def monotonic_ns(cls) -> int:
        clock = cls.active()
        return clock.now_ns() if clock is not None else cls.originals["_get_fake_monotonic_ns"]()

    @classmethod
    @contextmanager
    def installed(cls, clock: FrozenClock) -> Iterator[None]:
        if not cls.available():
            yield
            return
        key = id(clock._factory)
        with cls.lock:
            if not cls.clocks:
                cls.originals = {name: getattr(_freezegun, name) for name in _MONOTONIC_HOOKS}
                _freezegun._get_fake_monotonic = cls.monotonic
                _freezegun._get_fake_monotonic_ns = cls.monotonic_ns
            cls.clocks[key] = clock
        try:
            yield
        finally:
            with cls.lock:
                del cls.clocks[key]
                if not cls.clocks:
                    for name, original in cls.originals.items():
                        setattr(_freezegun, name, original)


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
        clock = FrozenClock(factory)
        with _Hooks.installed(clock):
            yield clock
