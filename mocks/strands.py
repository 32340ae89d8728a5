"""The scripted model spoken in Strands Agents' model interface (``strands.models.Model``).

Strands streams a model reply as Bedrock-style events. :class:`StrandsScriptedModel` turns each
:class:`agent_limits.mocks.Turn` into exactly that stream - ``messageStart``, one
``contentBlockStart``/``contentBlockDelta``/``contentBlockStop`` per text or ``toolUse`` block
(parallel tool calls are several blocks in one message), ``messageStop`` and ``metadata`` with
``usage`` - and ALWAYS reports usage as scripted, so Strands' token limits really get tested.
Each request calls ``await scripted.acomplete(...)`` exactly once, so the scripted model's call
log stays the ground truth. :func:`strands_tools` wraps instrumented :class:`agent_limits.mocks.Tool` objects as
Strands tools that record every execution.

    from strands import Agent
    from agent_limits.mocks import Script, ScriptedModel, Tool, Usage
    from agent_limits.mocks.strands import StrandsScriptedModel, strands_tools

    scripted = ScriptedModel(Script.tool_calls(2, usage=Usage(100, 20)))
    lookup = Tool()
    agent = Agent(model=StrandsScriptedModel(scripted), tools=strands_tools([lookup]),
                  callback_handler=None)
    result = agent("Find it.", limits={"turns": 5})
    assert result.stop_reason == "end_turn" and len(lookup.executions) == 2
    assert result.metrics.latest_agent_invocation.usage["totalTokens"] == 3 * 120

Only this module (and the Strands adapter) imports ``strands``; ``mocks`` itself never does.
"""

from __future__ import annotations

import json
from typing import Any, AsyncGenerator, Iterator, Sequence, TypeVar

from pydantic import BaseModel
from strands.models import Model
from strands.tools import PythonAgentTool
from strands.types.content import Messages
from strands.types.exceptions import ModelThrottledException
from strands.types.event_loop import Usage as StrandsUsage
from strands.types.streaming import StreamEvent
from strands.types.tools import ToolResult, ToolSpec, ToolUse

from ._errors import ModelThrottled
from ._model import ScriptedModel
from ._script import Turn
from ._tools import Tool

__all__ = ["StrandsScriptedModel", "strands_tool", "strands_tools", "turn_events"]

T = TypeVar("T", bound=BaseModel)


def turn_events(turn: Turn) -> Iterator[StreamEvent]:
    """The Strands stream events for one scripted turn, usage always included.

    A turn with tool calls ends with ``stopReason="tool_use"`` (so Strands runs the tools),
    a final answer with ``"end_turn"``. Cached input tokens, when scripted, are reported as
    ``cacheReadInputTokens`` beside ``inputTokens`` and never enter ``totalTokens``.
    """
    yield {"messageStart": {"role": "assistant"}}
    index = 0
    if turn.text:
        yield {"contentBlockStart": {"contentBlockIndex": index, "start": {}}}
        yield {"contentBlockDelta": {"contentBlockIndex": index, "delta": {"text": turn.text}}}
        yield {"contentBlockStop": {"contentBlockIndex": index}}
        index += 1
    for call in turn.tool_calls:
        yield {"contentBlockStart": {"contentBlockIndex": index,
                                     "start": {"toolUse": {"toolUseId": call.id, "name": call.name}}}}
        yield {"contentBlockDelta": {"contentBlockIndex": index,
                                     "delta": {"toolUse": {"input": json.dumps(dict(call.arguments))}}}}
        yield {"contentBlockStop": {"contentBlockIndex": index}}
        index += 1
    yield {"messageStop": {"stopReason": "tool_use" if turn.tool_calls else "end_turn"}}
    usage: StrandsUsage = {
        "inputTokens": turn.usage.input_tokens,
        "outputTokens": turn.usage.output_tokens,
        "totalTokens": turn.usage.total,
    }
    if turn.usage.cached_input_tokens:
        usage["cacheReadInputTokens"] = turn.usage.cached_input_tokens
    yield {"metadata": {"usage": usage, "metrics": {"latencyMs": int(round(turn.latency * 1000))}}}


class StrandsScriptedModel(Model):
    """A ``strands.models.Model`` that replays a :class:`agent_limits.mocks.ScriptedModel`.

    One ``stream()`` call is one model request: it awaits ``scripted.acomplete`` once and
    streams the returned turn. A turn's ``raises`` propagates from ``stream()`` as a provider
    error would (after the call was logged); :class:`agent_limits.mocks.ModelThrottled` becomes
    Strands' own ``ModelThrottledException``, which Strands' retry strategy retries.
    """

    def __init__(self, scripted: ScriptedModel, **config: Any) -> None:
        self.scripted = scripted
        self.config: dict[str, Any] = {"model_id": scripted.name, **config}

    def update_config(self, **model_config: Any) -> None:
        self.config.update(model_config)

    def get_config(self) -> dict[str, Any]:
        return dict(self.config)

    async def stream(
        self,
        messages: Messages,
        tool_specs: list[ToolSpec] | None = None,
        system_prompt: str | None = None,
        **kwargs: Any,
    ) -> AsyncGenerator[StreamEvent, None]:
        try:
            turn = await self.scripted.acomplete(messages, tool_specs or ())
        except ModelThrottled as exc:  # what Strands' Bedrock, Anthropic and OpenAI providers raise on a 429
            raise ModelThrottledException(str(exc)) from exc
        for event in turn_events(turn):
            yield event

    async def structured_output(
        self, output_model: type[T], prompt: Messages, system_prompt: str | None = None, **kwargs: Any
    ) -> AsyncGenerator[dict[str, T | Any], None]:
        """Not scripted: a script holds text and tool calls, not structured objects."""
        raise TypeError("StrandsScriptedModel does not script structured output: script text and tool calls instead")
        yield {}  # pragma: no cover  (makes this an async generator, as Strands expects)

    def __repr__(self) -> str:
        return f"StrandsScriptedModel({self.scripted!r})"


def strands_tool(tool: Tool) -> PythonAgentTool:
    """``tool`` as a Strands tool: each execution awaits ``tool.acall(**input)``, so it is recorded.

    The tool runs on Strands' event loop (an async tool function), never on a worker thread,
    so concurrency and the frozen clock stay observable. A tool that raises becomes Strands'
    own error tool result.
    """
    spec: ToolSpec = {
        "name": tool.name,
        "description": tool.description,
        "inputSchema": {"json": dict(tool.parameters)},
    }

    async def execute(tool_use: ToolUse, **_invocation_state: Any) -> ToolResult:
        arguments = tool_use.get("input") or {}
        output = await tool.acall(**arguments)
        text = output if isinstance(output, str) else json.dumps(output, default=str)
        return {"toolUseId": tool_use["toolUseId"], "status": "success", "content": [{"text": text}]}

    execute.__name__ = tool.name
    return PythonAgentTool(tool.name, spec, execute)


def strands_tools(tools: Sequence[Tool]) -> list[PythonAgentTool]:
    """Every tool in ``tools`` as a Strands tool (see :func:`strands_tool`)."""
    return [strands_tool(t) for t in tools]
