"""The scripted model provider: replays a :class:`~agent_limits.mocks.Script` and logs every call.

The log is the ground truth the harness judges agents by, so recording is O(1) per call:
the conversation is never copied, only its length noted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ._clock import Clock, wait_latency
from ._script import Inexpressible, Script, ToolCall, Turn
from ._usage import Usage

__all__ = ["CallRecord", "ScriptExhausted", "ScriptedModel"]

# Which limit to blame first when a runaway agent exhausts the script.
_real_perf_counter = time.perf_counter  # captured before any freeze: per-turn cost is real time
_process_time = time.process_time  # CPU time of the whole process (no freeze touches it)
_SUSPECTS = ("max_turns", "max_token_budget", "max_output_tokens", "max_cost_usd", "timeout_seconds")


class ScriptExhausted(Exception):
    """The agent called the model more often than the script allows.

    Raised on the offending call (and every one after it), so a runaway agent fails in
    milliseconds; the message names the limit the agent most likely failed to enforce.
    """

    def __init__(self, message: str, calls: int) -> None:
        super().__init__(message)
        self.calls = calls


@dataclass
class CallRecord:
    """One model call as the mock saw it, opened when the call starts.

    ``reply`` is the turn the agent received, or None while the call is in flight, when it
    was cancelled (a pre-emptive timeout), or when it raised. Usage counts only once replied.
    ``wall_started`` is real time (perf counter) and ``cpu_started`` the process's CPU time, both
    read as the call started, for per-turn cost (LONG-2) only.
    ``messages`` is what the agent sent (a shallow copy of its list, taken as the call
    started) when the model records messages, else None.
    """

    index: int
    turn: Turn
    n_messages: int
    n_tools: int
    started_at: float | None = None
    ended_at: float | None = None
    reply: Turn | None = None
    wall_started: float = 0.0
    cpu_started: float = 0.0
    messages: tuple[Any, ...] | None = None

    @property
    def completed(self) -> bool:
        return self.reply is not None

    @property
    def usage(self) -> Usage:
        return self.reply.usage if self.reply is not None else Usage()

    @property
    def tool_calls(self) -> tuple[ToolCall, ...]:
        return self.reply.tool_calls if self.reply is not None else ()

    @property
    def text(self) -> str | None:
        return self.reply.text if self.reply is not None else None


class ScriptedModel:
    """A model that says exactly what its script says, and remembers every call.

    ``complete(messages, tools)`` returns the next :class:`~agent_limits.mocks.Turn`; ``acomplete`` is its
    async twin. ``limits`` (optional) only sharpens the :class:`ScriptExhausted` message.
    ``clock`` (optional) is advanced by each turn's latency. ``record_messages`` keeps a
    shallow copy of the messages of every call (:attr:`CallRecord.messages`): off by default,
    because copying makes a long run quadratic; clauses about what the model receives turn it on.
    """

    def __init__(
        self,
        script: Script,
        *,
        clock: Clock | None = None,
        limits: Mapping[str, Any] | None = None,
        name: str = "scripted-model",
        record_messages: bool = False,
    ) -> None:
        self.script = script
        self.record_messages = record_messages
        self.clock = clock
        self.limits = dict(limits or {})
        self.name = name
        self.calls: list[CallRecord] = []
        self.exhausted: ScriptExhausted | None = None
        #: Why a dialect could not say a scripted turn (see :class:`~agent_limits.mocks.Inexpressible`), else None.
        self.inexpressible: str | None = None
        self._spent = Usage()

    # -- the provider interface -----------------------------------------------------------
    def complete(self, messages: Sequence[Any], tools: Sequence[Any] | None = None) -> Turn:
        """Answer one model call synchronously, advancing the clock by the turn's latency."""
        record = self._begin(messages, tools)
        if record.turn.latency and self.clock is not None:
            self.clock.advance(record.turn.latency)
        return self._end(record)

    async def acomplete(self, messages: Sequence[Any], tools: Sequence[Any] | None = None) -> Turn:
        """Answer one model call asynchronously; the latency passes on the loop's clock.

        Cancelling the awaiting task (a pre-emptive timeout) leaves the call in the log,
        started but never replied.
        """
        record = self._begin(messages, tools)
        await wait_latency(record.turn.latency, self.clock)
        return self._end(record)

    def extend(self, turns: Sequence[Turn]) -> None:
        """Append ``turns`` to a finite script: what the next invocations will hear.

        For stateful tests that decide what the model says one invocation at a time.
        """
        if self.script.endless:
            raise ValueError("cannot extend an endless script")
        self.script = Script([*self.script.turns, *turns])

    def cannot_express(self, error: Inexpressible) -> Inexpressible:
        """Note that a dialect could not say the turn it was given; returns ``error`` to raise."""
        self.inexpressible = self.inexpressible or str(error)
        return error

    # -- reading the log --------------------------------------------------------------------
    @property
    def usage(self) -> Usage:
        """Usage summed over every call so far."""
        return self._spent

    def usage_of(self, calls: Sequence[CallRecord]) -> Usage:
        total = Usage()
        for c in calls:
            total = total + c.usage
        return total

    # -- internals --------------------------------------------------------------------------
    def _begin(self, messages: Sequence[Any], tools: Sequence[Any] | None) -> CallRecord:
        index = len(self.calls)
        if index >= len(self.script):
            self.exhausted = ScriptExhausted(self._exhausted_message(index), calls=index + 1)
            raise self.exhausted
        started = self.clock.now() if self.clock is not None else None
        record = CallRecord(index, self.script.turn(index), len(messages), len(tools or ()), started,
                            wall_started=_real_perf_counter(), cpu_started=_process_time(),
                            messages=tuple(messages) if self.record_messages else None)
        self.calls.append(record)
        return record

    def _end(self, record: CallRecord) -> Turn:
        record.ended_at = self.clock.now() if self.clock is not None else None
        turn = record.turn
        if turn.raises is not None:
            raise turn.raises
        record.reply = turn
        self._spent = self._spent + turn.usage
        return turn

    def _exhausted_message(self, index: int) -> str:
        n = index + 1
        script = self.script
        if not script.endless and script.turns[-1].is_final:
            return (
                f"ScriptedModel: model call #{n} came after the script's final answer on call #{index}: "
                "the agent did not stop on a reply without tool calls."
            )
        end = f"hard cap of {script.cap} calls" if script.endless else f"end ({script.cap} turns)"
        return (
            f"ScriptedModel: model call #{n} is past the script's {end}: the agent kept calling the model. "
            f"Most likely not enforced: {self._suspect(index)}."
        )

    def _suspect(self, made: int) -> str:
        spent = self._spent
        for kind in _SUSPECTS:
            value = self.limits.get(kind)
            if value is None:
                continue
            if kind == "max_turns" and made >= value:
                return f"max_turns={value} ({made} calls already made)"
            if kind == "max_token_budget" and spent.total >= value:
                return f"max_token_budget={value} ({spent.total} tokens already spent)"
            if kind == "max_output_tokens" and spent.output_tokens >= value:
                return f"max_output_tokens={value} ({spent.output_tokens} output tokens already spent)"
            if kind in ("max_cost_usd", "timeout_seconds"):
                return f"{kind}={value}"
        if self.limits:
            given = ", ".join(f"{k}={v}" for k, v in self.limits.items())
            return f"no limit given ({given}) had been reached yet; the script is too short for this test"
        return "no limit was set, so the script is simply too short for this agent"

    def __repr__(self) -> str:
        return f"ScriptedModel({len(self.calls)} calls; {self.script.describe()})"
