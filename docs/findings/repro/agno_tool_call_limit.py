"""Agno 3.1.10: Agent(tool_call_limit=M) refuses the calls past M but never ends the run.

Offline, no harness: a hand-written agno Model that asks for one tool call on each of its first
SIX requests and answers on the seventh. With tool_call_limit=2, SPEC.md (max_tool_calls) expects
2 executions and the run to end with max_tool_calls after the reply whose call was refused
(3 model requests). Agno answers the refused call with an error tool message and asks the model
again, every time, until the model stops on its own; the run ends COMPLETED.

Run: python docs/findings/repro/agno_tool_call_limit.py
"""

import json
from typing import Any

from agno.agent import Agent
from agno.metrics import MessageMetrics
from agno.models.base import Model
from agno.models.response import ModelResponse

REQUESTS: list[int] = []
EXECUTIONS: list[str] = []


class AsksForeverModel(Model):
    def invoke(self, *args: Any, **kwargs: Any) -> ModelResponse:
        n = len(REQUESTS)
        REQUESTS.append(n)
        usage = MessageMetrics(input_tokens=10, output_tokens=5, total_tokens=15)
        if n >= 6:
            return ModelResponse(role="assistant", content="done", response_usage=usage)
        call = {"id": f"call-{n}", "type": "function", "function": {"name": "lookup", "arguments": json.dumps({"query": f"q{n}"})}}
        return ModelResponse(role="assistant", tool_calls=[call], response_usage=usage)

    async def ainvoke(self, *args: Any, **kwargs: Any) -> ModelResponse:
        return self.invoke(*args, **kwargs)

    def invoke_stream(self, *args: Any, **kwargs: Any) -> Any:
        yield self.invoke(*args, **kwargs)

    async def ainvoke_stream(self, *args: Any, **kwargs: Any) -> Any:
        yield self.invoke(*args, **kwargs)

    def _parse_provider_response(self, response: Any, **kwargs: Any) -> ModelResponse:
        return response

    def _parse_provider_response_delta(self, response: Any) -> ModelResponse:
        return response


def lookup(query: str) -> str:
    """Look something up."""
    EXECUTIONS.append(query)
    return f"result for {query}"


agent = Agent(model=AsksForeverModel(id="asks-forever"), tools=[lookup], tool_call_limit=2, telemetry=False)
result = agent.run("Find it.")
refused = [m for m in result.messages if m.role == "tool" and m.tool_call_error]
print(f"tool_call_limit=2: model requests {len(REQUESTS)}, executions {len(EXECUTIONS)} {EXECUTIONS}, "
      f"refused calls {len(refused)}")
print(f"run status {result.status.value}, content {result.content!r}")
print(f"first refusal: {refused[0].content!r}")
print("SPEC expects: 3 model requests, 2 executions, the run ending with max_tool_calls after request 3")
