"""The adapter contract: the one seam between the conformance suite and any agent.

An adapter builds an agent from the harness's scripted model, instrumented tools and
canonical limits, runs one invocation, and reports an :class:`Outcome` in canonical terms.
It maps limits onto the framework's own knobs the way that framework's users would, and
never patches the framework to make a clause pass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Sequence

from agent_limits.mocks import ScriptedModel, Tool, Usage

from ._limits import COMPANIONS, COMPLETED, ERROR, LIMIT_KINDS

__all__ = ["Adapter", "Message", "Outcome", "last_text"]


@dataclass(frozen=True)
class Message:
    """One transcript entry, reduced to what the clauses check.

    ``tool_calls`` holds the ids an assistant message asked for; ``tool_call_id`` the id a
    tool result answers; ``truncated`` flags a tool result cut at max_output_bytes.
    """

    role: str
    text: str | None = None
    tool_calls: tuple[str, ...] = ()
    tool_call_id: str | None = None
    truncated: bool = False


@dataclass
class Outcome:
    """One invocation's result in canonical terms.

    ``stop`` is ``"completed"``, ``"error"`` or the limit kind that was hit (e.g.
    ``"max_turns"``); ``signal`` is the framework's own breach signal (a stop-reason string
    or the exception); ``messages``/``text``/``usage`` are the partial results the agent
    exposes for this invocation; ``raw`` is the framework's own result, for debugging.
    """

    stop: str
    signal: Any = None
    messages: list[Message] = field(default_factory=list)
    text: str | None = None
    usage: Usage | None = None
    raw: Any = None

    @property
    def error(self) -> BaseException | None:
        return self.signal if isinstance(self.signal, BaseException) else None

    @property
    def completed(self) -> bool:
        return self.stop == COMPLETED

    def describe_stop(self) -> str:
        if self.stop == ERROR and self.error is not None:
            return f"error ({type(self.error).__name__}: {self.error})"
        if self.signal is not None and self.signal != self.stop:
            return f"{self.stop} (signal {self.signal!r})"
        return self.stop


def last_text(messages: Sequence[Message]) -> str | None:
    """The last non-empty assistant text of a transcript: what an adapter reports as the
    invocation's text when the framework's result has none of its own."""
    for m in reversed(messages):
        if m.role == "assistant" and m.text:
            return m.text
    return None


class Adapter(ABC):
    """Base class for adapters. Subclasses set ``name`` and ``capabilities``, implement
    :meth:`build`, and override :meth:`run` and/or :meth:`arun`.

    ``capabilities`` lists the limit kinds the implementation supports; clauses for any
    other kind are skipped with a reason, never passed. Whether the sync and async paths
    exist is read from which of ``run``/``arun`` a subclass overrides.
    """

    name: ClassVar[str] = "adapter"
    capabilities: frozenset[str] = frozenset()

    @property
    def supports_sync(self) -> bool:
        return type(self).run is not Adapter.run

    @property
    def supports_async(self) -> bool:
        return type(self).arun is not Adapter.arun

    @abstractmethod
    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> Any:
        """Construct an agent around ``model`` and ``tools`` with ``limits`` (may raise on bad limits)."""

    def run(self, agent: Any, prompt: str) -> Outcome:
        """One synchronous invocation (absent unless overridden)."""
        raise TypeError(f"{type(self).__name__} has no synchronous path")

    async def arun(self, agent: Any, prompt: str) -> Outcome:
        """One asynchronous invocation (absent unless overridden)."""
        raise TypeError(f"{type(self).__name__} has no asynchronous path")

    def reread(self, outcome: Outcome) -> Outcome | None:
        """``outcome`` read again from the framework's own result (``outcome.raw``), once later
        invocations ran: PARTIAL-1 and RESET-3 check that a returned result never changes (a
        result sharing a list with the agent is cleared or refilled by the next invocation).

        None where a result cannot be read again (the default): then nothing is re-checked.
        """
        return None

    def run_default(self, agent: Any, prompt: str) -> Outcome:
        """One synchronous invocation read with the framework's default options (KIND-2).

        :meth:`run` may pass an opt-in option that makes a breach visible in the result
        (tinyAgent's ``return_result=True``); this runs the invocation as a user who set no such
        option does, and reports only what that default result (or exception) tells. The limits
        stay mapped as :meth:`build` mapped them: a knob that is the limit itself is not an
        option about reading the result. The default is :meth:`run`, right for an adapter whose
        run passes no such option and for the native protocol, which has no options.
        """
        return self.run(agent, prompt)

    async def arun_default(self, agent: Any, prompt: str) -> Outcome:
        """The asynchronous twin of :meth:`run_default` (the default is :meth:`arun`)."""
        return await self.arun(agent, prompt)

    def describe(self) -> str:
        """One line for the report header."""
        return self.name

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """What the model received on one call (``CallRecord.messages``), as :class:`Message` s.

        Clauses about requests (their size, a stop notice sent back as a reply) judge this, not
        the transcript the agent reports. The default reads native messages (dicts or objects
        with role/content/tool_calls/tool_call_id); a framework's adapter overrides it for the
        messages its dialect hands the scripted model.
        """
        from ._native import to_message  # the native reader builds on this module

        return [to_message(m) for m in messages]

    def refuse_unsupported(self, limits: Mapping[str, Any]) -> None:
        """Raise for limits this adapter cannot map: an unknown name (KeyError), or a kind the
        framework has no knob for (ValueError). An adapter never emulates a missing limit;
        None (unlimited) is always fine."""
        unknown = sorted(k for k in limits if k not in LIMIT_KINDS and k not in COMPANIONS.values())
        if unknown:
            raise KeyError(f"not canonical limit kinds: {unknown}")
        lacking = sorted(k for k, v in limits.items() if k in LIMIT_KINDS and k not in self.capabilities and v is not None)
        if lacking:
            raise ValueError(f"{self.name} has no knob for {', '.join(lacking)}; the adapter does not emulate one")
