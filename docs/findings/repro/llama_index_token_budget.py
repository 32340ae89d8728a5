"""LlamaIndex TokenCountingHandler(token_budget=B): checked with '>' after each reply, which it then discards.

Run offline: python docs/findings/repro/llama_index_token_budget.py
A model that keeps asking for a tool and reports 10 prompt + 5 completion tokens per reply
(OpenAI's usage shape in ChatResponse.raw, what the handler reads). The spec's budget stops before
the next call once spent >= B, so B=45 allows exactly 3 calls and B=44 also 3 (the third call
overshoots, and its tool call is still run). Also: a reply that reports 0 tokens is counted as an
estimate from the text, never as 0.
"""

import asyncio
from typing import Any

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ToolCallBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.llms.callbacks import llm_chat_callback
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.tools import FunctionTool

calls: list[int] = []
ran: list[str] = []


class UsageLLM(MockFunctionCallingLLM):
    """LlamaIndex's mock function-calling LLM, reporting usage the way OpenAI's integration does."""

    prompt_tokens: int = 10
    completion_tokens: int = 5

    @llm_chat_callback()
    async def achat(self, messages: Any, **kwargs: Any) -> ChatResponse:
        calls.append(1)
        n = len(calls)
        message = ChatMessage(role="assistant", blocks=[
            ToolCallBlock(tool_call_id=f"c{n}", tool_name="lookup", tool_kwargs={"query": f"q{n}"})])
        usage = {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}
        return ChatResponse(message=message, raw={"usage": usage})


def lookup(query: str) -> str:
    """Look something up."""
    ran.append(query)
    return "result"


async def run(budget: int, prompt_tokens: int = 10, completion_tokens: int = 5) -> str:
    calls.clear(), ran.clear()
    counter = TokenCountingHandler(token_budget=budget)
    llm = UsageLLM(callback_manager=CallbackManager([counter]))
    llm.prompt_tokens, llm.completion_tokens = prompt_tokens, completion_tokens
    agent = FunctionAgent(llm=llm, tools=[FunctionTool.from_defaults(lookup)], streaming=False)
    handler = agent.run("Go.", max_iterations=100)
    try:
        await handler
        end = "completed"
    except Exception as exc:
        end = f"{type(exc).__name__}: {exc}"
    scratchpad = await handler.ctx.store.get("scratchpad", default=[])
    replies = sum(1 for m in scratchpad if m.role == "assistant")
    return (f"{len(calls)} model calls, {len(ran)} tool runs, {replies} replies kept, "
            f"counted {counter.total_llm_token_count} tokens; {end}")


for budget in (44, 45, 46):
    print(f"token_budget={budget}: {asyncio.run(run(budget))}")
print(f"token_budget=1, replies reporting 0+0 tokens: {asyncio.run(run(1, 0, 0))}")
