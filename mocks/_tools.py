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

from ._clock import Clock
from ._script import DEFAULT_TOOL

__all__ = ["Tool", "ToolExecution"]

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


@dataclass
class Tool:
    """A tool that records every execution.

    ``fn`` (sync or async) computes the output from the arguments; without it the tool
    returns ``output`` if given, else ``"<name>: <arguments>"``. ``latency`` seconds are
    added to ``clock`` per execution (never slept in real time). Call it as
    ``tool(**arguments)`` or ``await tool.acall(**arguments)``.
    """

    name: str = DEFAULT_TOOL
    fn: Callable[..., Any] | None = None
    description: str = "Look something up."
    parameters: Mapping[str, Any] = field(default_factory=lambda: dict(_DEFAULT_PARAMETERS))
    latency: float = 0.0
    output: Any = None
    clock: Clock | None = None
    executions: list[ToolExecution] = field(default_factory=list, init=False, repr=False)
    peak_concurrency: int = field(default=0, init=False)
    _running: int = field(default=0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __call__(self, **arguments: Any) -> Any:
        """Execute synchronously (an async ``fn`` is run to completion on a fresh loop)."""
        started = self._enter()
        try:
            if self.latency and self.clock is not None:
                self.clock.advance(self.latency)
            out = self._compute(arguments)
            if inspect.isawaitable(out):
                out = asyncio.run(_await(out))
            return self._leave(arguments, started, out)
        except BaseException as exc:
            self._leave(arguments, started, None, error=exc)
            raise

    async def acall(self, **arguments: Any) -> Any:
        """Execute asynchronously; yields to the loop once so that concurrency is observable."""
        started = self._enter()
        try:
            if self.latency and self.clock is not None:
                self.clock.advance(self.latency)
            await asyncio.sleep(0)
            out = self._compute(arguments)
            if inspect.isawaitable(out):
                out = await out
            return self._leave(arguments, started, out)
        except BaseException as exc:
            self._leave(arguments, started, None, error=exc)
            raise

    @property
    def running(self) -> int:
        """Executions in flight right now."""
        return self._running

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
        with self._lock:
            self._running += 1
            self.peak_concurrency = max(self.peak_concurrency, self._running)
        return self.clock.now() if self.clock is not None else None

    def _leave(
        self, arguments: Mapping[str, Any], started: float | None, out: Any, error: BaseException | None = None
    ) -> Any:
        ended = self.clock.now() if self.clock is not None else None
        with self._lock:
            self._running -= 1
            self.executions.append(ToolExecution(self.name, dict(arguments), started, ended, out, error))
        return out


async def _await(awaitable: Any) -> Any:
    return await awaitable
