"""LlamaIndex FunctionAgent: max_iterations=N raises after the N-th reply, before acting on it.

Run offline: python docs/findings/repro/llama_index_max_iterations.py
A model that keeps asking for a tool, max_iterations=3: 3 model calls but only 2 tool runs (the
third reply's call is left without a result), and a final answer on call N is raised as a breach.
"""

import asyncio

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ToolCallBlock
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool

calls: list[int] = []
ran: list[str] = []


def keeps_asking(messages, **kwargs):
    calls.append(len(messages))
    return ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_call_id=f"c{len(calls)}", tool_name="lookup",
                                                               tool_kwargs={"query": f"q{len(calls)}"})])


def answers_on_call_2(messages, **kwargs):
    calls.append(len(messages))
    if len(calls) == 1:
        return ChatMessage(role="assistant", blocks=[ToolCallBlock(tool_call_id="c1", tool_name="lookup",
                                                                   tool_kwargs={"query": "q"})])
    return ChatMessage(role="assistant", content="the answer")


def lookup(query: str) -> str:
    """Look something up."""
    ran.append(query)
    return f"result for {query}"


async def run(generator, n):
    calls.clear(), ran.clear()
    agent = FunctionAgent(llm=MockFunctionCallingLLM(response_generator=generator),
                          tools=[FunctionTool.from_defaults(lookup)], streaming=False)
    handler = agent.run("Go.", max_iterations=n)
    try:
        result = await handler
        outcome = f"completed: {result}"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {str(exc)[:40]}..."
    scratchpad = await handler.ctx.store.get("scratchpad", default=[])
    asked = [b.tool_call_id for m in scratchpad for b in m.blocks if isinstance(b, ToolCallBlock)]
    answered = [m.additional_kwargs.get("tool_call_id") for m in scratchpad if m.role == "tool"]
    return outcome, asked, answered


out, asked, answered = asyncio.run(run(keeps_asking, 3))
print(f"max_iterations=3, model keeps asking: {len(calls)} model calls, {len(ran)} tool runs; {out}")
print(f"  tool calls asked {asked}, answered {answered} (unanswered: {sorted(set(asked) - set(answered))})")
out, _, _ = asyncio.run(run(answers_on_call_2, 2))
print(f"max_iterations=2, final answer on call 2: {len(calls)} model calls; {out}")
