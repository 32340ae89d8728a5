"""LlamaIndex workflow timeout: measured on the wall clock (time.time()), not the monotonic clock.

Run offline: python docs/findings/repro/llama_index_wall_clock.py
The workflow runtime's clock is ``InternalAsyncioAdapter.get_now() -> time.time()``
(workflows/plugins/basic.py). A wall-clock step during a run (NTP, a suspended laptop, DST-less
but stepped clocks) fires the timeout at once or postpones it. Simulated here by offsetting
time.time() from inside the model's first call (the stdlib clock, not LlamaIndex, is replaced);
asyncio's own timers (time.monotonic) are untouched. Each model call takes 0.1 s of real time.
"""

import asyncio
import time

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool

real_time = time.time
offset = 0.0
step = 0.0
calls: list[float] = []


def fake_time() -> float:
    return real_time() + offset


time.time = fake_time  # the wall clock as the OS would step it; LlamaIndex's code is unchanged


async def slow_model(messages, **kwargs):
    global offset
    calls.append(time.monotonic())
    if len(calls) == 1:
        offset += step  # the wall clock steps during the first call
    await asyncio.sleep(0.1)
    if len(calls) >= 12:
        return ChatMessage(role="assistant", content="done")
    return ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_call_id=f"c{len(calls)}", tool_name="lookup",
                                                               tool_kwargs={"query": "q"})])


class SlowLLM(MockFunctionCallingLLM):
    async def achat(self, messages, **kwargs):
        return ChatResponse(message=await slow_model(messages, **kwargs))


def lookup(query: str) -> str:
    """Look something up."""
    return "result"


async def run(wall_step: float, timeout: float) -> str:
    global offset, step
    offset, step = 0.0, wall_step
    calls.clear()
    agent = FunctionAgent(llm=SlowLLM(), tools=[FunctionTool.from_defaults(lookup)], streaming=False, timeout=timeout)
    start = time.monotonic()
    try:
        await agent.run("Go.", max_iterations=50)
        end = "completed"
    except Exception as exc:
        end = type(exc).__name__
    return f"{len(calls)} model calls, ended after {time.monotonic() - start:.2f} s (monotonic): {end}"


print(f"timeout=0.55 s, no wall step:   {asyncio.run(run(0.0, 0.55))}")
print(f"timeout=0.55 s, wall +2 h:      {asyncio.run(run(7200.0, 0.55))}")
print(f"timeout=0.55 s, wall -2 h:      {asyncio.run(run(-7200.0, 0.55))}")
