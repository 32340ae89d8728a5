"""AutoGen AgentChat 0.7.5: the limit knobs accept invalid values.

Run directly against AutoGen (no harness). Each knob is given 0, -1, True, False, 1.5, 2.0, NaN,
inf and "3"; the script prints which ones are accepted at construction (and, for a team's
max_turns and the context's token_limit, which AutoGen checks only for <= 0). Then it runs two of
the accepted values: TokenUsageTermination(max_total_token=0) stops every run before any model
call with "The group chat has already terminated." (no error), and max_turns=True runs one turn.
Offline: the model is a local ChatCompletionClient.
"""

import asyncio
import logging
import math
from typing import Any, AsyncGenerator, Callable, Sequence

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.conditions import TextMessageTermination, TimeoutTermination, TokenUsageTermination
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_core import FunctionCall
from autogen_core.model_context import TokenLimitedChatCompletionContext
from autogen_core.models import ChatCompletionClient, CreateResult, ModelInfo, RequestUsage

logging.getLogger("autogen_core").setLevel(logging.CRITICAL)  # the runtime logs each refused max_turns

VALUES: list[Any] = [0, -1, True, False, 1.5, 2.0, math.nan, math.inf, "3"]


class ToolCaller(ChatCompletionClient):
    """Asks for the `lookup` tool on every request, and counts the requests."""

    def __init__(self) -> None:
        self.calls = 0

    async def create(self, messages: Sequence[Any], **kwargs: Any) -> CreateResult:
        self.calls += 1
        call = FunctionCall(id=f"c{self.calls}", name="lookup", arguments='{"query": "q"}')
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
    return "found"


def team(model: ToolCaller, **kwargs: Any) -> RoundRobinGroupChat:
    agent = AssistantAgent("assistant", model_client=model, tools=[lookup])
    return RoundRobinGroupChat([agent], **kwargs)


def accepted(make: Callable[[Any], Any]) -> list[str]:
    ok = []
    for value in VALUES:
        try:
            make(value)
        except (ValueError, TypeError):
            continue
        ok.append(repr(value))
    return ok


async def manager_accepts(value: Any) -> bool:
    """A team's max_turns is checked when its group chat manager is built: at the first run."""
    t = team(ToolCaller(), termination_condition=TokenUsageTermination(max_total_token=1), max_turns=value)
    try:
        await t.run(task="Go.")
    except (ValueError, TypeError):
        return False
    return True


async def main() -> None:
    print("TokenUsageTermination(max_total_token=v) accepts:", accepted(lambda v: TokenUsageTermination(max_total_token=v)))
    print("TokenUsageTermination(max_completion_token=v) accepts:",
          accepted(lambda v: TokenUsageTermination(max_completion_token=v)))
    print("TimeoutTermination(v) accepts:", accepted(TimeoutTermination))
    print("TokenLimitedChatCompletionContext(token_limit=v) accepts:",
          accepted(lambda v: TokenLimitedChatCompletionContext(ToolCaller(), token_limit=v)))
    print("RoundRobinGroupChat(max_turns=v) accepts (at its first run):",
          [repr(v) for v in VALUES if await manager_accepts(v)])

    model = ToolCaller()
    t = team(model, termination_condition=TextMessageTermination("assistant") | TokenUsageTermination(max_total_token=0))
    runs = [(await t.run(task=f"Run {i}.")).stop_reason for i in (1, 2)]
    print(f"max_total_token=0: model calls {model.calls}, stop_reasons {runs}")

    model = ToolCaller()
    result = await team(model, termination_condition=TextMessageTermination("assistant"), max_turns=True).run(task="Go.")
    print(f"max_turns=True: model calls {model.calls}, stop_reason {result.stop_reason!r}")


asyncio.run(main())
