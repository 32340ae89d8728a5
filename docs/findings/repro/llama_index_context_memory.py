"""LlamaIndex: reusing one Context across runs (the documented way to keep state) drops the chat.

Run offline: python docs/findings/repro/llama_index_context_memory.py
Two runs of one FunctionAgent with the same ``ctx``: the model receives only the second prompt on
the second run (the workflow runtime skips the default ChatMemoryBuffer when it serializes the
context's state: UnserializableKeyWarning), while passing one ``memory=`` to both runs keeps it.
"""

import asyncio
import warnings

from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.llms.mock import MockFunctionCallingLLM
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.workflow import Context

received: list[list[str]] = []


def echo(messages, **kwargs):
    received.append([f"{m.role.value}:{m.content}" for m in messages])
    return ChatMessage(role="assistant", content=f"reply to {messages[-1].content}")


async def main() -> None:
    llm = MockFunctionCallingLLM(response_generator=echo)
    agent = FunctionAgent(llm=llm, streaming=False)
    ctx = Context(agent)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await agent.run("first", ctx=ctx)
        await agent.run("second", ctx=ctx)
    print(f"same ctx:    second run received {received[-1]}")
    print(f"             warnings: {sorted({type(w.message).__name__ for w in caught})}")
    memory = ChatMemoryBuffer.from_defaults(llm=llm)
    await agent.run("first", memory=memory)
    await agent.run("second", memory=memory)
    print(f"same memory: second run received {received[-1]}")


asyncio.run(main())
