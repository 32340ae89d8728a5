"""AutoGen AgentChat 0.7.5: TimeoutTermination lets a reply received after the deadline run its tools.

Run directly against AutoGen (no harness): a single-agent RoundRobinGroupChat with
TimeoutTermination(0.5); the model replies after 0.2 s of real time, always asking for one tool.
Replies 1-3 start at +0.0/+0.2/+0.4 s (before the deadline); reply 3 arrives at +0.6 s, after it,
and its tool still executes: termination conditions are checked only once the agent's turn
(model call + tool execution) is over. Offline: the model is a local ChatCompletionClient.
"""

import asyncio
import time
from typing import Any, AsyncGenerator, Sequence

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import TextMessageTermination, TimeoutTermination
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_core import FunctionCall
from autogen_core.models import ChatCompletionClient, CreateResult, ModelInfo, RequestUsage

START = 0.0
EVENTS: list[str] = []


def at() -> str:
    return f"+{time.monotonic() - START:.2f} s"


class SlowToolCaller(ChatCompletionClient):
    """Every request takes 0.2 s and asks for the `lookup` tool."""

    calls = 0

    async def create(self, messages: Sequence[Any], **kwargs: Any) -> CreateResult:
        n = SlowToolCaller.calls = SlowToolCaller.calls + 1
        EVENTS.append(f"model call {n} starts at {at()}")
        await asyncio.sleep(0.2)
        call = FunctionCall(id=f"c{n}", name="lookup", arguments='{"query": "q"}')
        return CreateResult(finish_reason="function_calls", content=[call], cached=False,
                            usage=RequestUsage(prompt_tokens=10, completion_tokens=5))

    def create_stream(self, messages: Sequence[Any], **kwargs: Any) -> AsyncGenerator[Any, None]:
        raise NotImplementedError

    async def close(self) -> None: ...
    def actual_usage(self) -> RequestUsage: return RequestUsage(0, 0)
    def total_usage(self) -> RequestUsage: return RequestUsage(0, 0)
    def count_tokens(self, messages: Sequence[Any], **kwargs: Any) -> int: return 0
    def remaining_tokens(self, messages: Sequence[Any], **kwargs: Any) -> int: return 0
    @property
    def capabilities(self) -> Any: return self.model_info
    @property
    def model_info(self) -> ModelInfo:
        return {"vision": False, "function_calling": True, "json_output": False, "family": "unknown",
                "structured_output": False}


async def lookup(query: str) -> str:
    """Look something up."""
    EVENTS.append(f"tool lookup executes at {at()}")
    return "found"


async def main() -> None:
    global START
    agent = AssistantAgent("assistant", model_client=SlowToolCaller(), tools=[lookup])
    team = RoundRobinGroupChat([agent], termination_condition=TextMessageTermination("assistant")
                               | TimeoutTermination(0.5))
    START = time.monotonic()
    result = await team.run(task="Go.")
    print("\n".join(EVENTS))
    print(f"stop_reason: {result.stop_reason!r} at {at()}")
    late = [e for e in EVENTS if e.startswith("tool") and float(e.split("+")[1].split()[0]) >= 0.5]
    print(f"tool executions at or after the 0.5 s deadline: {len(late)}")


asyncio.run(main())
