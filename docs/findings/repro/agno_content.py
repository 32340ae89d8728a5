"""Agno 3.1.10: RunOutput.content joins the text of every reply of a run, without a separator.

Offline, no harness. A model that writes "Let me check." beside a tool call, then answers "It is
sunny.": the run's content is "Let me check.It is sunny.", not the final answer. The per-reply
texts are intact in RunOutput.messages. Model.response accumulates ``model_response.content +=``
over the whole tool loop (agno/models/base.py, Model._process_model_response).

Run: python docs/findings/repro/agno_content.py
"""

import json
from typing import Any

from agno.agent import Agent
from agno.metrics import MessageMetrics
from agno.models.base import Model
from agno.models.response import ModelResponse


class CheckThenAnswer(Model):
    requests: int = 0

    def invoke(self, *args: Any, **kwargs: Any) -> ModelResponse:
        self.requests += 1
        usage = MessageMetrics(input_tokens=10, output_tokens=5, total_tokens=15)
        if self.requests > 1:
            return ModelResponse(role="assistant", content="It is sunny.", response_usage=usage)
        call = {"id": "call-1", "type": "function", "function": {"name": "weather", "arguments": json.dumps({})}}
        return ModelResponse(role="assistant", content="Let me check.", tool_calls=[call], response_usage=usage)

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


def weather() -> str:
    """The weather."""
    return "sunny"


result = Agent(model=CheckThenAnswer(id="check"), tools=[weather], telemetry=False).run("Weather?")
print(f"content: {result.content!r}")
print(f"assistant texts: {[m.content for m in result.messages if m.role == 'assistant']!r}")
