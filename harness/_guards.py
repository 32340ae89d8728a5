"""Guards around every conformance test: a watchdog against hangs, a wall against the network.

The harness must never hang CI and never spend money: an agent that blocks or spins fails its
test after a bounded real time and the run goes on; an agent that opens a network connection
(wired to a real model, say) fails its test with a message that says so.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Collection, Iterator, NoReturn

__all__ = [
    "DEFAULT_AGENT_TIMEOUT",
    "AgentBroken",
    "AgentExited",
    "AgentHung",
    "NetworkBlocked",
    "agent_timeout",
    "exit_blocked",
    "exit_past_stray_threads",
    "hang_notes",
    "network_blocked",
    "non_daemon_threads",
    "watchdog",
]


#: Real seconds one call into an agent may take: a scripted agent needs milliseconds.
DEFAULT_AGENT_TIMEOUT = 5.0


class AgentHung(BaseException):
    """Raised into a test whose agent did not return in time.

    A BaseException, so that an agent's ``except Exception`` cannot swallow it.
    """


class AgentBroken(Exception):
    """The process an agent runs in broke (it exited, or broke the wire protocol): the test fails
    with this message alone (which says what broke, with the process's last words), not a traceback
    through the harness."""


#: Callables whose text a watchdog adds to its message when it fires (e.g. a child process's
#: stderr tail and what the harness was waiting for); see :func:`hang_notes`.
_HANG_NOTES: list[Callable[[], str]] = []


def hang_notes(note: Callable[[], str]) -> Callable[[], None]:
    """From now on, a watchdog that fires adds ``note()`` (if not empty) to its message; call
    what this returns to stop. (Not a context manager: a block around an ``await`` that a
    watchdog interrupted would be left only when the coroutine is collected.)"""
    _HANG_NOTES.append(note)

    def remove() -> None:
        if note in _HANG_NOTES:
            _HANG_NOTES.remove(note)

    return remove


def _noted(message: str) -> str:
    notes = []
    for note in list(_HANG_NOTES):
        try:
            text = note()
        except Exception as exc:  # a note must never hide the hang it explains
            text = f"(a hang note failed: {type(exc).__name__}: {exc})"
        if text:
            notes.append(text)
    return "\n".join([message, *notes])


class AgentExited(BaseException):
    """Raised where an agent tried to end the interpreter (``sys.exit``, ``os._exit``).

    The test fails with a message saying so, and the run, its summary and its reports go on.
    """


def agent_timeout(text: str) -> float:
    """``--agent-timeout``: finite and positive, or 0 for no watchdog; anything else is an error."""
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"--agent-timeout expects seconds (a number), got {text!r}") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(
            f"--agent-timeout must be a finite number of seconds > 0 (or 0 to turn the watchdog off), got {text!r}"
        )
    return seconds


@contextmanager
def exit_blocked(attempts: list[str]) -> Iterator[None]:
    """Turn ``os._exit`` into :class:`AgentExited` in the block, recording each attempt.

    ``sys.exit`` needs no patch: it raises ``SystemExit``, which the caller turns into a
    failure. ``os._exit`` would end the process at once, losing the summary and every report.
    """
    real = os._exit

    def refuse(status: int) -> NoReturn:
        attempts.append(f"os._exit({status!r})")
        raise AgentExited(f"the agent called os._exit({status!r})")

    os._exit = refuse
    try:
        yield
    finally:
        os._exit = real


class NetworkBlocked(ConnectionRefusedError):
    """Raised by any attempt to open a network connection during a conformance test.

    A ConnectionError, so that client libraries fail fast the way they do offline; the
    attempt is recorded as well, so the test fails even if the agent swallows the error.
    """


@contextmanager
def watchdog(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`AgentHung` in the main thread if the block runs longer than ``seconds``.

    Uses SIGALRM (real time, unaffected by frozen clocks): it interrupts a spinning loop and a
    blocking wait alike. asyncio swallows exceptions raised inside a plain callback, so the
    alarm also stops the running loop, and it fires again every second until the block is
    left. Outside the main thread, or where SIGALRM does not exist, the block runs unguarded.
    """
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    message = (
        f"watchdog: {what} did not finish within {seconds:g} s of real time: the agent blocks or spins "
        "without making progress (a scripted model answers at once, so no real wait is legitimate). "
        "Raise the bound with --agent-timeout=SECONDS if this agent is just slow."
    )
    fired = False

    def fire(signum: int, frame: Any) -> None:
        nonlocal fired, message
        if not fired:
            message = _noted(message) + _where(frame)
        fired = True
        import asyncio  # only here: importing this module must stay cheap (the plugin does at load)

        loop = asyncio._get_running_loop()
        if loop is not None:
            loop.stop()
        raise AgentHung(message)

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    except AgentHung:
        raise
    except BaseException as exc:
        if fired:  # the loop was stopped, or the agent turned our exception into its own
            raise AgentHung(message) from exc
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if fired:  # the agent (or its adapter) swallowed what the alarm caused and returned anyway
        raise AgentHung(message)


def _where(frame: Any, depth: int = 4) -> str:
    """Where the agent's thread was when the watchdog fired: its innermost frames outside this
    module, so a hang reads as the line that blocks (a real-time wait, a lock) and not only as a bound."""
    import traceback  # only here: importing this module must stay cheap

    if frame is None:
        return ""
    frames = [f for f in traceback.extract_stack(frame) if f.filename != __file__][-depth:]
    if not frames:
        return ""
    lines = [f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames)]
    return "\nthe agent's thread was at (innermost first): " + " <- ".join(lines)


_INET = (socket.AF_INET, socket.AF_INET6)


@contextmanager
def network_blocked(attempts: list[str]) -> Iterator[None]:
    """Refuse every internet connection and name lookup in the block; record each attempt.

    Local plumbing keeps working: Unix sockets and the socket pairs asyncio uses internally.
    """
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refuse(what: str) -> NetworkBlocked:
        attempts.append(what)
        return NetworkBlocked(f"network access is blocked during conformance tests: {what}")

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in _INET:
            raise refuse(f"connect to {address!r}")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in _INET:
            raise refuse(f"connect to {address!r}")
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        raise refuse(f"name lookup of {host!r}:{port!r}")

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        raise refuse(f"connect to {address!r}")

    patched = {(socket.socket, "connect"): connect, (socket.socket, "connect_ex"): connect_ex,
               (socket, "getaddrinfo"): getaddrinfo, (socket, "create_connection"): create_connection}
    real = {where: getattr(*where) for where in patched}
    for (owner, name), value in patched.items():
        setattr(owner, name, value)
    try:
        yield
    finally:
        for (owner, name), value in real.items():
            setattr(owner, name, value)


#: Real seconds that threads an agent left behind get to finish once the interpreter exits.
EXIT_GRACE = 2.0
_exit_code: list[int] = []
_shutting_down = threading.Event()


def non_daemon_threads() -> set[threading.Thread]:
    """Live threads that Python would wait for before the interpreter exits."""
    return {t for t in threading.enumerate() if t is not threading.main_thread() and t.is_alive() and not t.daemon}


def exit_past_stray_threads(code: int, before: Collection[threading.Thread] = ()) -> bool:
    """If threads an agent left behind could block interpreter exit, make sure they cannot.

    Python joins non-daemon threads (thread pools included) before it exits, so one agent
    thread blocked forever would hang CI after every test already finished. Armed here, a
    reaper waits for the interpreter's shutdown, gives the threads :data:`EXIT_GRACE` seconds
    to finish (a pool that is merely idle ends at once, and the exit stays a normal one, with
    every atexit handler run), then ends the process with ``code``. Threads in ``before``
    (alive when the session started: not the agent's) do not count. The last session to call
    this sets the code (the outermost one, when pytest runs pytest). True if armed.
    """
    if not non_daemon_threads() - set(before):
        return False
    if not _exit_code:
        _exit_code.append(code)
        threading._register_atexit(_shutting_down.set)  # type: ignore[attr-defined]
        threading.Thread(target=_reap, name="agent-limits-reaper", daemon=True).start()
    _exit_code[0] = code
    return True


def _reap() -> None:
    _shutting_down.wait()
    if not _wait_for_strays(EXIT_GRACE):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_code[0])


def _wait_for_strays(seconds: float) -> bool:
    """True if every non-daemon thread ended within ``seconds``."""
    deadline = time.monotonic() + seconds
    for thread in non_daemon_threads():
        thread.join(max(0.0, deadline - time.monotonic()))
    return not non_daemon_threads()
