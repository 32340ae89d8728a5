"""A scripted model provider for testing agents: exact text, tool calls, usage and latency.

    from agent_limits.mocks import Script, ScriptedModel, Tool, Usage

    model = ScriptedModel(Script.tool_calls(2, usage=Usage(100, 20)))
    turn = model.complete([{"role": "user", "content": "hi"}], tools=[Tool()])
    assert turn.tool_calls and model.calls[0].usage.total == 120

No framework is imported here; framework dialects live in their own modules
(``agent_limits.mocks.strands``, ...), and Hypothesis strategies in ``agent_limits.mocks.strategies``.
"""

from ._clock import Clock, ManualClock, wait_latency
from ._frozen import EPOCH, FrozenClock, frozen_clock
from ._model import CallRecord, ScriptedModel, ScriptExhausted
from ._script import DEFAULT_CAP, DEFAULT_TOOL, DEFAULT_USAGE, Script, ToolCall, Turn
from ._tools import Concurrency, Tool, ToolExecution
from ._usage import Usage

__all__ = [
    "DEFAULT_CAP",
    "DEFAULT_TOOL",
    "DEFAULT_USAGE",
    "EPOCH",
    "CallRecord",
    "Clock",
    "Concurrency",
    "FrozenClock",
    "ManualClock",
    "Script",
    "ScriptExhausted",
    "ScriptedModel",
    "Tool",
    "ToolCall",
    "ToolExecution",
    "Turn",
    "Usage",
    "frozen_clock",
    "wait_latency",
]
