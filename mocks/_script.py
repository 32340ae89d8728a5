"""What the scripted model says, call by call.

A :class:`Script` is data, not behaviour: the model replays it, the oracle reads it, and
failure messages print it in one line with :meth:`Script.describe`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

from ._errors import ModelThrottled
from ._usage import Usage

__all__ = ["DEFAULT_CAP", "DEFAULT_TOOL", "DEFAULT_USAGE", "Inexpressible", "Script", "ToolCall", "Turn"]

#: Hard cap on calls for an endless script: a runaway agent fails here, in milliseconds.
DEFAULT_CAP = 1000
#: The tool the builders call when none is named (``agent_limits.mocks.Tool`` defaults to it too).
DEFAULT_TOOL = "lookup"
#: Usage the builders report per call when none is given.
DEFAULT_USAGE = Usage(10, 5)


class Inexpressible(ValueError):
    """A framework's dialect cannot say this scripted turn (e.g. two tool calls in one reply to
    an agent whose protocol carries one).

    A dialect raises it from the call that was to deliver the turn, after noting it on the model
    (:attr:`agent_limits.mocks.ScriptedModel.inexpressible`), so the harness reports the case as
    not expressible instead of judging what the agent did with an error it never should have seen.
    """


@dataclass(frozen=True)
class ToolCall:
    """One tool call the model asks for. ``id`` is filled in by :class:`Script` when empty."""

    name: str = DEFAULT_TOOL
    arguments: Mapping[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True)
class Turn:
    """What one model call returns: text and/or tool calls, usage, latency, or an error.

    A turn with tool calls asks the agent to go on; a turn without is a final answer.
    ``latency`` is in seconds on the model's clock (never real time). ``raises`` is an
    exception the model raises instead of answering (a provider error).
    """

    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = DEFAULT_USAGE
    latency: float = 0.0
    raises: BaseException | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tool_calls", tuple(self.tool_calls))
        if self.latency < 0:
            raise ValueError(f"Turn.latency must be >= 0, got {self.latency!r}")

    @property
    def is_final(self) -> bool:
        """A final answer: no tool calls and no error."""
        return not self.tool_calls and self.raises is None

    @classmethod
    def answer(cls, text: str = "done", usage: Usage = DEFAULT_USAGE, latency: float = 0.0) -> Turn:
        return cls(text=text, usage=usage, latency=latency)

    @classmethod
    def tools(
        cls,
        *calls: ToolCall | str,
        text: str | None = None,
        usage: Usage = DEFAULT_USAGE,
        latency: float = 0.0,
    ) -> Turn:
        """A turn asking for ``calls`` (tool names or :class:`ToolCall`), in parallel if several."""
        made = tuple(c if isinstance(c, ToolCall) else ToolCall(c) for c in calls) or (ToolCall(),)
        return cls(text=text, tool_calls=made, usage=usage, latency=latency)

    @classmethod
    def throttled(cls, latency: float = 0.0, message: str | None = None) -> Turn:
        """An attempt the provider refuses with :class:`agent_limits.mocks.ModelThrottled` (retry later).

        The model logs the call (never replied, no usage) after ``latency`` and raises; an agent
        that retries sends the request again, and the next turn of the script answers it.
        """
        error = ModelThrottled() if message is None else ModelThrottled(message)
        return cls(usage=Usage(), latency=latency, raises=error)

    def _short(self) -> str:
        if self.raises is not None:
            what = f"raise {type(self.raises).__name__}"
        elif self.tool_calls:
            names = ",".join(c.name for c in self.tool_calls)
            what = f"tools {names}" if len(self.tool_calls) > 1 else f"tool {names}"
            if self.text:
                what += f" +text {self.text!r}"
        else:
            what = f"answer {self.text!r}"
        lat = f"; {self.latency:g}s" if self.latency else ""
        return f"[{what}; {self.usage}{lat}]"


def _with_ids(turn: Turn, index: int, force: bool = False) -> Turn:
    """Give every unnamed tool call an id (and distinct arguments) derived from its position.

    Distinct arguments let ground truth match an execution back to the call that asked for it.
    ``force`` renames even named calls: a repeated turn must not repeat ids.
    """
    if not force and all(c.id for c in turn.tool_calls):
        return turn
    calls = tuple(
        c
        if c.id and not force
        else replace(c, id=f"call-{index}-{j}", arguments=c.arguments or {"query": f"q{index}.{j}"})
        for j, c in enumerate(turn.tool_calls)
    )
    return replace(turn, tool_calls=calls)


class Script:
    """A sequence of turns, optionally followed by one turn repeated without end.

    ``then`` turns an otherwise finite script into an endless one; ``cap`` bounds it so
    that an agent that never stops fails with :class:`agent_limits.mocks.ScriptExhausted` instead of
    hanging. Indexing is O(1), so a 10,000-call run never rescans the script.
    """

    def __init__(self, turns: Iterable[Turn] = (), *, then: Turn | None = None, cap: int = DEFAULT_CAP):
        fixed = tuple(_with_ids(t, i) for i, t in enumerate(turns))
        if not fixed and then is None:
            raise ValueError("a Script needs at least one turn, or then= for an endless one")
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < len(fixed):
            raise ValueError(f"cap must be an int >= the number of turns ({len(fixed)}), got {cap!r}")
        seen: set[str] = set()
        for t in fixed:
            for c in t.tool_calls:
                if c.id in seen:
                    raise ValueError(f"tool call id {c.id!r} appears twice in the script")
                seen.add(c.id)
        self.turns: tuple[Turn, ...] = fixed
        self.then = then
        self.cap = cap if then is not None else len(fixed)

    # -- builders for the common shapes ---------------------------------------------------
    @classmethod
    def answer(cls, text: str = "done", usage: Usage = DEFAULT_USAGE) -> Script:
        """The model answers at once."""
        return cls([Turn.answer(text, usage)])

    @classmethod
    def tool_calls(
        cls, k: int, tool: str = DEFAULT_TOOL, *, usage: Usage = DEFAULT_USAGE, final: str = "done"
    ) -> Script:
        """The model calls ``tool`` once per turn, ``k`` turns, then answers ``final``."""
        return cls([Turn.tools(tool, usage=usage) for _ in range(k)] + [Turn.answer(final, usage)])

    @classmethod
    def endless_tools(
        cls, tool: str = DEFAULT_TOOL, *, usage: Usage = DEFAULT_USAGE, parallel: int = 1, cap: int = DEFAULT_CAP
    ) -> Script:
        """The model asks for tools forever (``parallel`` calls per turn), up to ``cap`` calls."""
        return cls(then=Turn.tools(*([tool] * parallel), usage=usage), cap=cap)

    @classmethod
    def from_usages(cls, usages: Sequence[Usage], *, final: str | None = "done", tool: str = DEFAULT_TOOL) -> Script:
        """One tool turn per usage; the last turn answers ``final`` (or calls a tool if None)."""
        turns = [Turn.tools(tool, usage=u) for u in usages]
        if final is not None and turns:
            turns[-1] = Turn.answer(final, usages[-1])
        return cls(turns)

    # -- reading --------------------------------------------------------------------------
    @property
    def endless(self) -> bool:
        return self.then is not None

    def __len__(self) -> int:
        """Calls the script can answer (the cap, for an endless script)."""
        return self.cap

    def turn(self, index: int) -> Turn:
        """The turn answering call ``index`` (0-based). IndexError past the end or the cap."""
        if index < 0 or index >= self.cap:
            raise IndexError(index)
        if index < len(self.turns):
            return self.turns[index]
        assert self.then is not None
        return _with_ids(self.then, index, force=True)

    def describe(self) -> str:
        """The script in one line, runs of equal turns folded: for failure messages."""
        parts: list[str] = []
        last, count = None, 0
        for t in self.turns:
            s = t._short()
            if s == last:
                count += 1
                continue
            if last is not None:
                parts.append(last if count == 1 else f"{count}x {last}")
            last, count = s, 1
        if last is not None:
            parts.append(last if count == 1 else f"{count}x {last}")
        if self.then is not None:
            parts.append(f"then {self.then._short()} forever (cap {self.cap} calls)")
        return " -> ".join(parts)

    def __repr__(self) -> str:
        return f"Script({self.describe()})"
