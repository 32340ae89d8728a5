"""AutoGen AgentChat 0.7.5: TimeoutTermination's clock starts at construction (and at its last reset),
not when a run starts.

Run directly against AutoGen (no harness): a single-agent RoundRobinGroupChat with
TimeoutTermination(0.3) whose model answers at once. (1) The team sits idle for 0.5 s after it
is built, then runs: the run stops on the timeout before any model call. (2) A fresh team runs
once (a final answer ends it, which resets the conditions), sits idle 0.5 s, runs again: the
second run also stops before any model call. Offline: the model is a local ChatCompletionClient.
"""

import asyncio
import time
from typing import Any, AsyncGenerator, Sequence

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import TextMessageTermination, TimeoutTermination
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_core.models import ChatCompletionClient, CreateResult, ModelInfo, RequestUsage


class Answerer(ChatCompletionClient):
    """Answers every request at once, and counts the requests."""

    def __init__(self) -> None:
        self.calls = 0

    async def create(self, messages: Sequence[Any], **kwargs: Any) -> CreateResult:
        self.calls += 1
        return CreateResult(finish_reason="stop", content="done", cached=False,
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


def team_of(model: Answerer) -> RoundRobinGroupChat:
    agent = AssistantAgent("assistant", model_client=model)
    return RoundRobinGroupChat([agent], termination_condition=TextMessageTermination("assistant")
                               | TimeoutTermination(0.3))


async def main() -> None:
    model = Answerer()
    team = team_of(model)
    time.sleep(0.5)  # idle after construction
    result = await team.run(task="Go.")
    print(f"(1) idle 0.5 s after construction, timeout 0.3 s: model calls {model.calls}, "
          f"stop_reason {result.stop_reason!r}")

    model = Answerer()
    team = team_of(model)
    first = await team.run(task="One.")
    time.sleep(0.5)  # idle between two runs
    second = await team.run(task="Two.")
    print(f"(2) first run: stop_reason {first.stop_reason!r}; idle 0.5 s; second run: model calls "
          f"{model.calls - 1}, stop_reason {second.stop_reason!r}")


asyncio.run(main())
