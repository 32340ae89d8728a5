"""LlamaIndex workflow timeout: the steps in flight are cancelled and their tool calls stay unanswered.

Run offline: python docs/findings/repro/llama_index_timeout_transcript.py
timeout=0.3 s; the model asks for a tool that takes 1 s. WorkflowTimeoutError cancels the
running call_tool step: the tool call the model made has no result in what the run leaves
(the agent's scratchpad, and the event stream), so that conversation cannot be sent to a
provider again as it is.
"""

import asyncio

from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool


def asks_once(messages, **kwargs):
    if any(m.role == "tool" for m in messages):
        return ChatMessage(role="assistant", content="done")
    return ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_call_id="c1", tool_name="slow_lookup",
                                                               tool_kwargs={"query": "q"})])


async def slow_lookup(query: str) -> str:
    """Look something up, slowly."""
    await asyncio.sleep(1.0)
    return "result"


async def main() -> None:
    agent = FunctionAgent(llm=MockFunctionCallingLLM(response_generator=asks_once),
                          tools=[FunctionTool.from_defaults(async_fn=slow_lookup)], streaming=False, timeout=0.3)
    handler = agent.run("Go.")
    events = []
    try:
        async for event in handler.stream_events():
            events.append(event)
        await handler
    except Exception as exc:
        print(f"run ended with {type(exc).__name__}: {str(exc)[:60]}")
    scratchpad = await handler.ctx.store.get("scratchpad", default=[])
    asked = [b.tool_call_id for m in scratchpad for b in m.blocks if isinstance(b, ToolCallBlock)]
    answered = [m.additional_kwargs.get("tool_call_id") for m in scratchpad if m.role == "tool"]
    streamed = [e.tool_id for e in events if isinstance(e, ToolCallResult)]
    print(f"scratchpad: tool calls asked {asked}, answered {answered}; ToolCallResult events: {streamed}")


asyncio.run(main())
