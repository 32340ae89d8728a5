"""A child process that speaks JSON lines: started without network where the platform allows,
read by threads, and killed with its whole process group, so that none outlives the harness.

The wire adapter (``agent_limits.harness.adapters.wire``) runs an agent written in another
language as such a child. What the lines mean is the adapter's business; this module only
starts the process, frames its stdout into JSON objects, keeps the tail of its stderr for
failure messages, and makes sure it dies: killed at the end of its test, killed when it breaks
the protocol, killed when the interpreter exits, and (``setpriv --pdeathsig``) killed by the
kernel if the harness dies first.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import threading
import weakref
from collections import deque
from dataclasses import dataclass
from typing import IO, Any, Callable, Sequence

from ._guards import AgentBroken

__all__ = ["Child", "ChildFailed", "Isolation", "isolation"]

#: Characters of the child's stderr kept for failure messages.
STDERR_TAIL = 3000
#: Real seconds to wait, once the child is dead, for the rest of its stderr (a grandchild that
#: escaped its process group could hold the pipe open).
STDERR_GRACE = 1.0


class ChildFailed(AgentBroken):
    """The child process broke: it could not start, exited, hung at start-up, wrote something that
    is not a protocol line, or broke the protocol. The message says which, with its stderr tail."""


@dataclass(frozen=True)
class Isolation:
    """How a child is started: ``prefix`` goes before its command; ``note`` says what it gets."""

    prefix: tuple[str, ...]
    note: str
    network_isolated: bool


def _works(argv: Sequence[str]) -> bool:
    try:
        return subprocess.run([*argv, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@functools.cache
def isolation() -> Isolation:
    """The strongest isolation this machine allows, found once per process.

    A fresh network namespace (``unshare -n`` as root, ``unshare -rn`` for a user with user
    namespaces) leaves the child only a loopback interface that is down: no connection leaves it.
    ``setpriv --pdeathsig KILL`` has the kernel kill the child if the harness process dies (it
    stays set across ``exec``). Either may be missing (another OS, a container without the
    privilege): the child then runs without it, and :attr:`Isolation.note` says so.
    """
    prefix: list[str] = []
    notes: list[str] = []
    setpriv = shutil.which("setpriv")
    if setpriv and _works([setpriv, "--pdeathsig", "KILL"]):
        prefix += [setpriv, "--pdeathsig", "KILL"]
    unshare = shutil.which("unshare")
    for flags in ("-n", "-rn"):
        if unshare and _works([unshare, flags]):
            prefix += [unshare, flags]
            notes.append("network isolated (a fresh network namespace)")
            return Isolation(tuple(prefix), "; ".join(notes), True)
    notes.append("network NOT isolated (no unshare -n here): the child could reach the network")
    return Isolation(tuple(prefix), "; ".join(notes), False)


class Child:
    """One child process, its stdout read as JSON objects, one per line.

    ``on_message(obj)`` is called on the reader thread for every line, in order; ``on_end(why)``
    once, when the stream ends: EOF, a line that is not a JSON object, or :meth:`fail`. After
    that the child is dead (killed if need be) and :meth:`send` raises :class:`ChildFailed`.
    """

    def __init__(self, argv: Sequence[str], *, on_message: Callable[[dict[str, Any]], None],
                 on_end: Callable[[str], None], isolate: bool = True, cwd: str | None = None) -> None:
        self.argv = tuple(argv)
        self._on_message = on_message
        self._on_end = on_end
        self._write = threading.Lock()
        self._state = threading.Lock()
        self._ended: str | None = None
        self._stderr: deque[str] = deque()
        self._stderr_size = 0
        self._unread: list[str] = []
        if not self.argv or shutil.which(self.argv[0]) is None:  # else the isolation prefix would fail to exec it
            raise ChildFailed(f"cannot start the agent's process {' '.join(self.argv)!r}: no such command "
                              f"{self.argv[0] if self.argv else ''!r} (not a file, nor found on PATH)")
        prefix = isolation().prefix if isolate else ()
        try:
            self.process = subprocess.Popen(
                [*prefix, *self.argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=cwd, start_new_session=True,  # its own process group: killed whole, deaf to our Ctrl-C
            )
        except OSError as exc:
            raise ChildFailed(f"cannot start the agent's process {' '.join(self.argv)!r}: {exc}") from exc
        assert self.process.stdin is not None and self.process.stdout is not None and self.process.stderr is not None
        self._stdin: IO[bytes] = self.process.stdin
        self._finalizer = weakref.finalize(self, _kill, self.process)  # also at interpreter exit
        self._stderr_reader = threading.Thread(target=self._read_stderr, args=(self.process.stderr,), daemon=True,
                                               name=f"agent-limits-child-{self.process.pid}-stderr")
        self._stderr_reader.start()
        threading.Thread(target=self._read_stdout, args=(self.process.stdout,), daemon=True,
                         name=f"agent-limits-child-{self.process.pid}-stdout").start()

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def ended(self) -> str | None:
        """Why the stream ended, or None while the child runs."""
        return self._ended

    def send(self, message: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
        """Write one message (or the message ``message()`` makes, built under the write lock, so
        that what it reads, such as the clock, is in the order the child receives it)."""
        with self._write:
            if self._ended is not None:
                raise ChildFailed(self.explain(self._ended))
            body = message() if callable(message) else message
            try:
                line = json.dumps(body, allow_nan=False, separators=(",", ":")) + "\n"
            except (TypeError, ValueError) as exc:
                raise ChildFailed(f"the harness could not encode a message for the child ({exc}): {body!r}") from exc
            try:
                self._stdin.write(line.encode())
                self._stdin.flush()
            except OSError as exc:
                broken = f"the child stopped reading its stdin ({type(exc).__name__}: {exc})"
            else:
                return
        self.fail(broken)
        raise ChildFailed(self.explain(self._ended or broken))

    def fail(self, why: str) -> None:
        """End the child for ``why`` (a protocol violation, say): kill it and report the end once."""
        with self._state:
            if self._ended is not None:
                return
            self._ended = why
        _kill(self.process)
        self._stderr_reader.join(STDERR_GRACE)  # its last words, read before anyone explains the end
        self._on_end(why)

    def kill(self) -> None:
        """Kill the child and its process group, and reap it (no zombie is left)."""
        self.fail("the harness ended the child")
        self._finalizer()

    def cpu_time(self) -> float:
        """CPU seconds the child has used so far (0.0 where /proc cannot tell: not Linux).

        ``/proc/<pid>/schedstat`` counts nanoseconds; ``/proc/<pid>/stat`` (the fallback) counts
        clock ticks, too coarse for one turn but right over many.
        """
        try:
            with open(f"/proc/{self.pid}/schedstat") as stats:
                return int(stats.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        try:
            with open(f"/proc/{self.pid}/stat") as stats:
                fields = stats.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def stderr_tail(self, limit: int = STDERR_TAIL) -> str:
        with self._state:
            text = "".join(self._stderr)
        return text[-limit:]

    def fresh_stderr(self) -> str:
        """What the child wrote to stderr since the last call (for the test's captured output)."""
        with self._state:
            text, self._unread = "".join(self._unread), []
        return text

    def explain(self, why: str) -> str:
        """``why``, with the command, exit status and stderr tail: the message a person reads."""
        code = self.process.poll()
        status = "still running" if code is None else f"exit status {code}" if code >= 0 else (
            f"killed by {_signal_name(-code)}")
        tail = self.stderr_tail().rstrip()
        shown = ("\n  its stderr (last lines):\n" + "\n".join(f"    | {line}" for line in tail.splitlines()[-25:])
                 if tail else "\n  its stderr: (empty)")
        return f"{why}\n  agent process: {' '.join(self.argv)} (pid {self.pid}, {status}){shown}"

    # -- the reader threads -------------------------------------------------------------------
    def _read_stdout(self, stream: IO[bytes]) -> None:
        for raw in stream:
            if self._ended is not None:
                break
            line = raw.decode("utf-8", errors="replace").strip()
            if not line:
                continue
            try:
                message = json.loads(line)
            except ValueError:
                message = None
            if not isinstance(message, dict) or not isinstance(message.get("type"), str):
                shown = line if len(line) <= 200 else line[:200] + "..."
                self.fail(f"the agent's process wrote a line to stdout that is not a protocol message: {shown!r} "
                          "(stdout carries JSON objects with a \"type\", one per line; logs go to stderr)")
                break
            try:
                self._on_message(message)
            except Exception as exc:  # a violation the handler found, or a bug in it: either way this child is done
                self.fail(str(exc) if isinstance(exc, ChildFailed) else f"{type(exc).__name__}: {exc}")
                break
        else:
            code = self.process.wait()
            self.fail(f"the agent's process ended its output (exit status {code})")
            return
        stream.close()

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in stream:
            text = raw.decode("utf-8", errors="replace")
            with self._state:
                self._stderr.append(text)
                self._unread.append(text)
                self._stderr_size += len(text)
                while self._stderr_size > STDERR_TAIL and len(self._stderr) > 1:
                    self._stderr_size -= len(self._stderr.popleft())
                if len(self._unread) > 200:
                    self._unread = self._unread[-200:]


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's process group (it leads one) and reap it; harmless once it is gone."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            try:
                process.kill()
            except ProcessLookupError:
                pass
    try:
        process.wait()  # no timeout: subprocess measures it on time.monotonic, which a frozen clock stops
    except ChildProcessError:
        pass
    for stream in (process.stdin,):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
