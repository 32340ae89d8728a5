"""Instrumented tools: ground truth for what an agent actually executed.

An agent may *say* it ran three tools; the tool's own log says whether it did, with which
arguments, when, and how many ran at once.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ._clock import Clock, pass_latency, wait_latency
from ._script import DEFAULT_TOOL

__all__ = ["Concurrency", "Tool", "ToolExecution"]

_DEFAULT_PARAMETERS: Mapping[str, Any] = {
    "type": "object",
    "properties": {"query": {"type": "string", "description": "what to look up"}},
}


@dataclass(frozen=True)
class ToolExecution:
    """One execution of a tool."""

    tool: str
    arguments: Mapping[str, Any]
    started_at: float | None
    ended_at: float | None
    output: Any
    error: BaseException | None = None


class Concurrency:
    """How many tool executions run at once, across every tool that shares this gauge.

    ``hold_until``: an execution waits (at most ``hold_seconds`` of real time) until that many
    executions are running at once. Without it, a tool that finishes in microseconds would
    rarely overlap with another, and a parallel cap that is too loose would go unseen.
    """

    def __init__(self, hold_until: int = 0, hold_seconds: float = 0.1) -> None:
        self.hold_until = hold_until
        self.hold_seconds = hold_seconds
        self.running = 0
        self.peak = 0
        self._cond = threading.Condition()

    def enter(self) -> None:
        with self._cond:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self._cond.notify_all()

    def leave(self) -> None:
        with self._cond:
            self.running -= 1
            self._cond.notify_all()

    def hold(self) -> None:
        """Block this thread until ``hold_until`` executions overlap, or ``hold_seconds`` pass."""
        if self.hold_until:
            with self._cond:
                self._cond.wait_for(lambda: self.peak >= self.hold_until, timeout=self.hold_seconds)

    async def ahold(self) -> None:
        """Yield to the loop until ``hold_until`` executions overlap, or a few rounds pass."""
        for _ in range(20 if self.hold_until else 1):
            if self.hold_until and self.peak >= self.hold_until:
                return
            await asyncio.sleep(0)


@dataclass
class Tool:
    """A tool that records every execution.

    ``fn`` (sync or async) computes the output from the arguments; without it the tool
    returns ``output`` if given, else ``"<name>: <arguments>"``. ``latency`` seconds pass on
    ``clock`` per execution (never slept in real time); executions that overlap, as tasks on a
    loop or on threads, take it once (``mocks._clock.pass_latency``): the clock ends at the
    latest end, while executions one after the other add up. Call it as ``tool(**arguments)``
    or ``await tool.acall(**arguments)``.
    """

    name: str = DEFAULT_TOOL
    fn: Callable[..., Any] | None = None
    description: str = "Look something up."
    parameters: Mapping[str, Any] = field(default_factory=lambda: dict(_DEFAULT_PARAMETERS))
    latency: float = 0.0
    output: Any = None
    clock: Clock | None = None
    concurrency: Concurrency = field(default_factory=Concurrency, repr=False)
    executions: list[ToolExecution] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __call__(self, **arguments: Any) -> Any:
        """Execute synchronously (an async ``fn`` is run to completion on a fresh loop)."""
        started = self._enter()
        try:
            self.concurrency.hold()
            if self.latency and self.clock is not None:
                pass_latency(self.clock, started if started is not None else self.clock.now(), self.latency)
            out = self._compute(arguments)
            if inspect.isawaitable(out):
                out = asyncio.run(_await(out))
            return self._leave(arguments, started, out)
        except BaseException as exc:
            self._leave(arguments, started, None, error=exc)
            raise

    async def acall(self, **arguments: Any) -> Any:
        """Execute asynchronously; the latency passes on the loop's clock, and concurrent
        executions overlap observably."""
        started = self._enter()
        try:
            await self.concurrency.ahold()
            await wait_latency(self.latency, self.clock)
            out = self._compute(arguments)
            if inspect.isawaitable(out):
                out = await out
            return self._leave(arguments, started, out)
        except BaseException as exc:
            self._leave(arguments, started, None, error=exc)
            raise

    @property
    def running(self) -> int:
        """Executions in flight right now (across every tool sharing this gauge)."""
        return self.concurrency.running

    @property
    def peak_concurrency(self) -> int:
        """The most executions ever in flight at once (across every tool sharing this gauge)."""
        return self.concurrency.peak

    def spec(self) -> dict[str, Any]:
        """The JSON-schema description a model would be shown."""
        return {"name": self.name, "description": self.description, "parameters": dict(self.parameters)}

    # -- internals --------------------------------------------------------------------------
    def _compute(self, arguments: Mapping[str, Any]) -> Any:
        if self.fn is not None:
            return self.fn(**arguments)
        if self.output is not None:
            return self.output
        shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
        return f"{self.name}: {shown}"

    def _enter(self) -> float | None:
        self.concurrency.enter()
        return self.clock.now() if self.clock is not None else None

    def _leave(
        self, arguments: Mapping[str, Any], started: float | None, out: Any, error: BaseException | None = None
    ) -> Any:
        ended = self.clock.now() if self.clock is not None else None
        self.concurrency.leave()
        with self._lock:
            self.executions.append(ToolExecution(self.name, dict(arguments), started, ended, out, error))
        return out


async def _await(awaitable: Any) -> Any:
    return await awaitable
