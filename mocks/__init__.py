"""A scripted model provider for testing agents: exact text, tool calls, usage and latency.

    from agent_limits.mocks import Script, ScriptedModel, Tool, Usage

    model = ScriptedModel(Script.tool_calls(2, usage=Usage(100, 20)))
    turn = model.complete([{"role": "user", "content": "hi"}], tools=[Tool()])
    assert turn.tool_calls and model.calls[0].usage.total == 120

No framework is imported here; framework dialects live in their own modules
(``agent_limits.mocks.strands``, ...), and Hypothesis strategies in ``agent_limits.mocks.strategies``.
"""

from typing import TYPE_CHECKING, Any

from ._clock import Clock, ManualClock, wait_latency
from ._errors import ModelThrottled
from ._frozen import EPOCH, FrozenClock, frozen_clock
from ._model import CallRecord, ScriptedModel, ScriptExhausted
from ._script import DEFAULT_CAP, DEFAULT_TOOL, DEFAULT_USAGE, Inexpressible, Script, ToolCall, Turn
from ._tools import Concurrency, Tool, ToolExecution
from ._usage import Usage

if TYPE_CHECKING:
    from ._snapshot import ScriptedRun, ScriptedRunExtension, render_run, scripted_run

#: Snapshot helpers (``agent_limits.mocks._snapshot``) import syrupy: loaded on first use only.
_SNAPSHOT_NAMES = frozenset({"ScriptedRun", "ScriptedRunExtension", "render_run", "scripted_run"})


def __getattr__(name: str) -> Any:
    if name in _SNAPSHOT_NAMES:
        from . import _snapshot

        return getattr(_snapshot, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_CAP",
    "DEFAULT_TOOL",
    "DEFAULT_USAGE",
    "EPOCH",
    "CallRecord",
    "Clock",
    "Concurrency",
    "FrozenClock",
    "Inexpressible",
    "ManualClock",
    "ModelThrottled",
    "Script",
    "ScriptExhausted",
    "ScriptedModel",
    "ScriptedRun",
    "ScriptedRunExtension",
    "Tool",
    "ToolCall",
    "ToolExecution",
    "Turn",
    "Usage",
    "frozen_clock",
    "render_run",
    "scripted_run",
    "wait_latency",
]
