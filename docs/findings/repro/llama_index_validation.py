"""LlamaIndex FunctionAgent: limit values are not validated.

Run offline: python docs/findings/repro/llama_index_validation.py
For each value of max_iterations (run option), TokenCountingHandler(token_budget=) and the
workflow timeout (constructor), with a model that keeps asking for a tool (it answers on call 30
so that an ignored limit ends the run): how many model calls were made and how the run ended.
The spec wants every value but a positive number rejected with ValueError/TypeError before any call,
and None to mean unlimited.
"""

import asyncio
import math

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ToolCallBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool

calls: list[int] = []


def keeps_asking(messages, **kwargs):
    calls.append(1)
    if len(calls) >= 30:
        return ChatMessage(role="assistant", content="gave up asking")
    return ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_call_id=f"c{len(calls)}", tool_name="lookup",
                                                               tool_kwargs={"query": "q"})])


def lookup(query: str) -> str:
    """Look something up."""
    return "result"


async def run(max_iterations=None, token_budget=None, timeout=None):
    calls.clear()
    counter = TokenCountingHandler(token_budget=token_budget, tokenizer=str.split)
    llm = MockFunctionCallingLLM(response_generator=keeps_asking, callback_manager=CallbackManager([counter]))
    agent = FunctionAgent(llm=llm, tools=[FunctionTool.from_defaults(lookup)], streaming=False, timeout=timeout)
    try:
        result = await agent.run("Go.", max_iterations=max_iterations)
        return f"{len(calls):2} calls, completed ({result})"
    except Exception as exc:
        return f"{len(calls):2} calls, {type(exc).__name__}: {str(exc)[:50]}"


VALUES = [None, 0, -1, True, False, 1.5, "3", math.nan, math.inf]
for knob in ("max_iterations", "token_budget", "timeout"):
    print(knob)
    for value in VALUES:
        print(f"  {value!r:>6}: {asyncio.run(run(**{knob: value}))}")
