"""Agno 3.1.10: Agent(tool_call_limit=...) takes any value and never validates it.

Offline, no harness. SPEC.md (VALID-2): 0, negatives, bools, floats, strings, NaN and infinity
must be rejected with ValueError or TypeError before any model call. Agno stores the value as it
is (Agent.__init__) and only compares it, per tool call, inside Model.run_function_calls /
arun_function_calls (``current_function_call_count > function_call_limit``): a cap below 1 or
False refuses every call, True and 1.5 cap at one call, NaN and infinity never compare as reached
(no cap at all), a string raises TypeError only once a model reply asked for a tool, which Agno
then reports as a run error.

Run: python docs/findings/repro/agno_validation.py
"""

import json
import math
from typing import Any

from agno.agent import Agent
from agno.metrics import MessageMetrics
from agno.models.base import Model
from agno.models.response import ModelResponse


class TwoToolCallsThenAnswer(Model):
    requests: int = 0

    def invoke(self, *args: Any, **kwargs: Any) -> ModelResponse:
        self.requests += 1
        usage = MessageMetrics(input_tokens=10, output_tokens=5, total_tokens=15)
        if self.requests > 2:
            return ModelResponse(role="assistant", content="done", response_usage=usage)
        call = {"id": f"call-{self.requests}", "type": "function",
                "function": {"name": "lookup", "arguments": json.dumps({"query": "q"})}}
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


for value in (0, -1, True, False, "3", 1.5, 2.0, math.nan, math.inf):
    executions: list[str] = []

    def lookup(query: str) -> str:
        """Look something up."""
        executions.append(query)
        return "found"

    model = TwoToolCallsThenAnswer(id="two-calls")
    try:
        agent = Agent(model=model, tools=[lookup], tool_call_limit=value, telemetry=False)
    except (TypeError, ValueError) as exc:
        print(f"tool_call_limit={value!r}: rejected at construction: {exc!r}")
        continue
    result = agent.run("Go.")
    print(f"tool_call_limit={value!r}: accepted; model requests {model.requests}, executions {len(executions)}, "
          f"status {result.status.value}" + (f" ({result.content})" if result.status.value == "ERROR" else ""))
