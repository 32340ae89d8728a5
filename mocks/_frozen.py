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
- threads see the frozen clock, whatever their stack depth. freezegun's default ignore list
  (``threading``, ``queue``, ``multiprocessing``...) would hand real time to any caller with such
  a frame a few frames up: ``time.monotonic()`` read shallowly in a worker thread (a pool's task,
  a ``Thread`` target) would be the host's real clock, and a verdict would depend on the host's
  uptime. In our freezes those modules read real time only in their *own* code (the immediate
  caller of the clock), and they keep their own imported clocks (``threading``'s ``_time``,
  ``queue``'s ``time``) unpatched: a bounded wait of theirs (``Condition.wait_for``,
  ``Queue.get(timeout=)``, ``Thread.join(timeout)``) stays a wait in real time and never turns into
  an endless one on a clock that stands still. Everything they call (the agent's code in a worker
  thread) reads the frozen clock. Modules passed as ``ignore`` and ``IGNORED_MODULES`` keep
  freezegun's rule (real time a few frames up). This is done by replacing freezegun's private
  ``_should_use_real_time`` while one of our clocks is active; for any other freeze (a user's
  own ``freeze_time``, even inside ours) the replacement applies freezegun's own rule, unchanged,
  and freezegun's global configuration is never touched;
- freezegun ticks in whole microseconds: every advance rounds *up* so that a timer scheduled
  ``latency`` seconds ahead is due once the clock has moved by ``latency``;
- an agent's own ``asyncio.sleep`` would hang a frozen loop: :meth:`FrozenClock.new_event_loop`
  makes a loop that, when it has nothing to do but wait for a timer, jumps the clock to it (not
  while a tool execution on another thread still holds its latency: see ``mocks._clock``);
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
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar

import freezegun.api as _freezegun
import freezegun.config as _freezegun_config
from freezegun import freeze_time

__all__ = ["EPOCH", "IGNORED_MODULES", "FrozenClock", "frozen_clock"]

_T = TypeVar("_T")
if TYPE_CHECKING:
    from typing_extensions import TypeVarTuple, Unpack

    _Ts = TypeVarTuple("_Ts")

#: Where frozen time starts: near the epoch, where float timestamps are exact to well below 1 us.
EPOCH = "1970-01-02"
#: Modules that keep reading real time: the test runner's timing and Hypothesis' deadlines.
IGNORED_MODULES: tuple[str, ...] = ("_pytest.runner", "_pytest.timing", "_pytest.terminal", "hypothesis")
#: Real seconds a jumping loop waits for a worker thread before jumping the clock.
_THREAD_GRACE = 0.01
#: Real seconds a jumping loop waits for a job of its own executor (``asyncio.to_thread``,
#: ``loop.run_in_executor``) before jumping the clock anyway. Such a job takes no frozen time (a
#: framework's memory or file access), so it normally ends in milliseconds; but on a loaded
#: machine it may take longer than the thread grace, and a jump meanwhile would move the clock to
#: the next timer (a deadline) while the job still runs. The loop knows its own jobs, so it waits
#: for them (woken as soon as one ends); the cap keeps a job that waits for the clock from hanging.
_EXECUTOR_GRACE = 2.0
#: freezegun's monotonic readers (seconds, nanoseconds) that a frozen clock replaces while active.
_MONOTONIC_HOOKS = ("_get_fake_monotonic", "_get_fake_monotonic_ns")
#: freezegun's rule for who reads real time, replaced while a frozen clock is active.
_REAL_TIME_HOOK = "_should_use_real_time"


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

    def __init__(self, factory: Any, deep: tuple[str, ...] = IGNORED_MODULES, own: tuple[str, ...] = ()) -> None:
        self._factory = factory
        #: The monotonic clock as a datetime: it starts with the wall clock, and only advance moves it.
        self._monotonic: datetime = factory()
        self._lock = threading.Lock()
        #: Modules whose callers read real time if they are a few frames up (freezegun's rule) ...
        self.deep_ignored = deep
        #: ... and modules that read real time only in their own code (threads see the frozen clock).
        self.own_ignored = own
        #: The thread that froze the clock: the one a synchronous agent runs on.
        self.owner = threading.get_ident()
        #: Tool executions on other threads whose latency is still pending (see ``mocks._clock``).
        self.pending = 0

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

    def advance_to(self, moment: float) -> None:
        """Move the clock on to ``moment`` (``now()`` seconds), if it is not there yet: atomic, so
        that executions overlapping on threads each ending at ``moment`` move it once."""
        with self._lock:
            us = _microseconds(max(0.0, moment - self.now()))
            if us:
                step = timedelta(microseconds=us)
                self._factory.tick(step)
                self._monotonic += step

    @contextmanager
    def holding(self) -> Iterator[None]:
        """While inside, a jumping event loop does not jump this clock (a latency is pending)."""
        with self._lock:
            self.pending += 1
        try:
            yield
        finally:
            with self._lock:
                self.pending -= 1

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
    def use_real_time(cls) -> bool:
        """freezegun's ``_should_use_real_time``, with threads seeing our frozen clocks.

        For one of our freezes: real time to a caller with a ``deep_ignored`` module up to
        ``call_stack_inspection_limit`` frames up (freezegun's rule), or whose own module (the
        immediate caller) is ``own_ignored``. For any other freeze: freezegun's rule on its
        ignore list, exactly as freezegun applies it. Frame 2 is the caller of the fake clock
        function that asked (frame 1), as in freezegun.
        """
        limit = _freezegun.call_stack_inspection_limit
        if not limit:
            return False
        if not _freezegun.ignore_lists:
            return True  # every freeze stopped
        clock = cls.active()
        deep, own = (clock.deep_ignored, clock.own_ignored) if clock is not None else (_freezegun.ignore_lists[-1], ())
        if not deep and not own:
            return False
        frame: Any = sys._getframe(2)
        for depth in range(limit):
            name = frame.f_globals.get("__name__")
            if name and (name.startswith(deep) or (depth == 0 and name.startswith(own))):
                return True
            frame = frame.f_back
            if frame is None:
                break
        return False

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
                if callable(getattr(_freezegun, _REAL_TIME_HOOK, None)):
                    cls.originals[_REAL_TIME_HOOK] = getattr(_freezegun, _REAL_TIME_HOOK)
                    setattr(_freezegun, _REAL_TIME_HOOK, cls.use_real_time)
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
    def __init__(self, clock: FrozenClock, busy: Callable[[], bool]) -> None:
        super().__init__()
        self._clock = clock
        self._busy = busy

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is None or timeout <= 0:
            return super().select(timeout)
        before = self._clock.now()
        if self._busy():  # the loop's own executor jobs: an ending one wakes the select at once
            grace = _EXECUTOR_GRACE
        else:
            grace = _THREAD_GRACE if threading.active_count() > 1 else 0
        events = super().select(min(timeout, grace))
        if not events and not self._clock.pending:  # a thread's pending latency lands first
            self._clock.advance_to(before + timeout)  # a thread may have moved it meanwhile: no overshoot
        return events


class _JumpingEventLoop(asyncio.SelectorEventLoop):
    """A selector loop on a frozen clock: idle waits become clock jumps, so sleeps never hang."""

    autojump = True

    def __init__(self, clock: FrozenClock) -> None:
        self._jobs = 0  # executor jobs started and not yet ended
        super().__init__(_JumpingSelector(clock, lambda: self._jobs > 0))

    def run_in_executor(self, executor: Executor | None, func: Callable[[Unpack[_Ts]], _T],
                        *args: Unpack[_Ts]) -> asyncio.Future[_T]:
        """Count the job while it runs, so that no idle wait jumps the clock past it."""
        future = super().run_in_executor(executor, func, *args)
        self._jobs += 1
        future.add_done_callback(self._ended)
        return future

    def _ended(self, _future: asyncio.Future[Any]) -> None:
        self._jobs -= 1


def _spare_lazy_modules() -> None:
    """Keep freezegun's start-up scan of ``sys.modules`` from importing what a module loads lazily.

    To find the clock functions it must swap, freezegun reads every attribute of every loaded
    module (``getattr`` over ``dir(module)``). A module with a PEP 562 ``__getattr__`` imports an
    attribute on its first read: huggingface_hub's package (loaded by smolagents) imports its CLI
    that way, which fetches a registry from huggingface.co - a network call from a frozen test.
    For such a module the scan is answered, through freezegun's own cache, from what the module
    has really loaded (``vars(module)``): what gets swapped is the same, since an attribute not
    yet loaded holds no clock function. A freezegun without that cache scans as it always did.
    """
    cache = getattr(_freezegun, "_GLOBAL_MODULES_CACHE", None)
    clocks = getattr(_freezegun, "_real_time_object_ids", None)
    fingerprint = getattr(_freezegun, "_get_module_attributes_hash", None)
    if not isinstance(cache, dict) or not isinstance(clocks, set) or not callable(fingerprint):
        return
    for name, module in list(sys.modules.items()):
        attributes = getattr(module, "__dict__", None)
        if not isinstance(attributes, dict) or not callable(attributes.get("__getattr__")):
            continue
        try:
            found = [(attr, value) for attr, value in list(attributes.items()) if id(value) in clocks]
            cache[name] = (fingerprint(module), found)
        except Exception:  # an odd module (a dir() that fails): freezegun decides, as before
            continue


@contextmanager
def frozen_clock(start: str = EPOCH, ignore: Sequence[str] = ()) -> Iterator[FrozenClock]:
    """Freeze time for the block; usable per Hypothesis example (unlike a function-scoped fixture).

        with frozen_clock() as clock:
            model = ScriptedModel(script, clock=clock)
            ...
    """
    deep = (*IGNORED_MODULES, *ignore)
    own = tuple(m for m in _freezegun_config.settings.default_ignore_list if not m.startswith(deep))
    _spare_lazy_modules()
    # freezegun adds its default list to ``ignore``: those modules keep their own clocks unpatched
    with freeze_time(start, ignore=list(deep)) as factory:
        clock = FrozenClock(factory, deep, own)
        with _Hooks.installed(clock):
            yield clock
