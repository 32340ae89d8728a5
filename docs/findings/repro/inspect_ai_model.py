"""Shared by the inspect_ai_*.py reproductions: a minimal Inspect model provider and tool, no harness.

`Endless` answers every request with a reply that calls `lookup` (15 tokens: 10 in, 5 out) and
counts the requests it got; `run(limits, ...)` runs `react(submit=False)` as Inspect runs agents,
in a one-sample `eval()`, with the scoped limits given to `as_solver`. Offline: no network.
"""

from __future__ import annotations

import tempfile
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.agent import as_solver, react
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalSample
from inspect_ai.model import (ChatCompletionChoice, ChatMessageAssistant, GenerateConfig, ModelAPI, ModelOutput,
                              ModelUsage, get_model, modelapi)
from inspect_ai.tool import ToolCall, tool

REQUESTS: list[int] = []
EXECUTIONS: list[int] = []
#: index of the reply that answers without calling a tool (None: never)
FINAL_AT: list[int | None] = [None]
#: requests after which the model answers anyway (so a limit that never fires shows as CAP requests)
CAP = 20


@modelapi(name="repro")
class Endless(ModelAPI):
    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:
        super().__init__(model_name, base_url, api_key, [], config)

    async def generate(self, input, tools, tool_choice, config) -> ModelOutput:  # type: ignore[no-untyped-def]
        n = len(REQUESTS)
        REQUESTS.append(n)
        final = FINAL_AT[0] == n or n >= CAP - 1  # an unenforced limit still ends, after CAP requests
        message = ChatMessageAssistant(content=f"reply {n}", tool_calls=None if final else [
            ToolCall(id=f"call-{n}", function="lookup", arguments={})])
        return ModelOutput(model="endless", choices=[ChatCompletionChoice(message=message,
                           stop_reason="stop" if final else "tool_calls")],
                           usage=ModelUsage(input_tokens=10, output_tokens=5, total_tokens=15))


@tool
def lookup():  # type: ignore[no-untyped-def]
    async def execute() -> str:
        """Look something up."""
        EXECUTIONS.append(len(EXECUTIONS))
        return "x" * 100

    return execute


def run(limits: list[Any], final_at: int | None = None, **eval_options: Any) -> EvalSample:
    REQUESTS.clear()
    EXECUTIONS.clear()
    FINAL_AT[0] = final_at
    model = get_model("repro/endless", memoize=False)
    agent = react(model=model, tools=[lookup()], submit=False)
    task = Task(dataset=[Sample(input="Go.")], solver=as_solver(agent, limits=limits))
    [log] = eval(task, model=model, display="none", log_dir=tempfile.mkdtemp(), log_format="json", score=False,
                 log_realtime=False, ctl_server=False, **eval_options)
    assert log.samples
    return log.samples[0]


def show(sample: EvalSample) -> str:
    replies = [m.text for m in sample.messages if m.role == "assistant"]
    return (f"model requests={len(REQUESTS)} tool executions={len(EXECUTIONS)} replies kept={len(replies)} "
            f"limit={sample.limit.type + ': ' + sample.limit.reason if sample.limit else None} "
            f"error={sample.error.message if sample.error else None}")
