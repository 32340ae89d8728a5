"""The scripted model spoken as an Inspect AI model provider (``inspect_ai.model.ModelAPI``).

Inspect's bundled ``mockllm/model`` provider invents token usage (it counts the prompt and the
completion's characters) whenever an output carries none, so token and cost limits tested on it
are tested on made-up numbers. :class:`InspectScriptedModelAPI` replays a
:class:`agent_limits.mocks.Script` instead: every request Inspect sends to the provider is one
``await scripted.acomplete(...)``, and every ``ModelOutput`` carries the scripted usage exactly
(in Inspect's own convention: ``input_tokens`` without the cached part, which goes to
``input_tokens_cache_read``; ``total_tokens`` = input + output as scripted). Parallel tool calls
are several ``ToolCall`` s in one assistant message. :func:`scripted_model` wraps it as the
``inspect_ai.model.Model`` agents take, and :func:`inspect_tools` turns instrumented
:class:`agent_limits.mocks.Tool` objects into Inspect ``ToolDef`` s that record every execution.

Inspect's ``react()`` agent runs only inside an evaluation sample (it opens the sample's
checkpointer), so the example runs it the way Inspect runs agents, through ``eval()``:

    import tempfile
    from inspect_ai import Task, eval
    from inspect_ai.agent import react
    from inspect_ai.dataset import Sample
    from agent_limits.mocks import Script, ScriptedModel, Tool, Usage
    from agent_limits.mocks.inspect_ai import inspect_tools, scripted_model

    scripted = ScriptedModel(Script.tool_calls(2, usage=Usage(100, 20)))
    lookup = Tool()
    model = scripted_model(scripted)
    agent = react(model=model, tools=inspect_tools([lookup]), submit=False)
    with tempfile.TemporaryDirectory() as logs:
        [log] = eval(Task(dataset=[Sample(input="Find it.")], solver=agent), model=model,
                     display="none", log_dir=logs, score=False, log_realtime=False)
        sample = log.samples[0]
    assert sample.output.completion == "done" and len(lookup.executions) == 2
    assert sample.model_usage[str(model)].total_tokens == 3 * 120

Only this module (and the Inspect adapter) imports ``inspect_ai``; ``mocks`` itself never does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    Model,
    ModelAPI,
    ModelCost,
    ModelOutput,
    ModelUsage,
    get_model,
    modelapi,
)
from inspect_ai.model._model import RetryDecision, compute_model_cost
from inspect_ai.model._model_output import ServedModelUsage
from inspect_ai.tool import ToolCall as InspectToolCall
from inspect_ai.tool import ToolChoice, ToolDef, ToolInfo, ToolParams
from tenacity.wait import WaitBaseT

from ._errors import ModelThrottled
from ._model import ScriptedModel
from ._script import Inexpressible, Turn
from ._tools import Tool
from ._usage import Usage

__all__ = [
    "API_NAME",
    "CostEstimator",
    "InspectScriptedModelAPI",
    "cost_rates",
    "inspect_tool",
    "inspect_tools",
    "scripted_model",
    "to_model_output",
    "to_model_usage",
]

#: The provider name the dialect is registered under (models are named ``API_NAME/<model name>``).
API_NAME = "agent_limits_scripted"
#: ``cost_estimator(model, input_tokens, output_tokens, cached_input_tokens) -> USD`` (the harness's signature).
CostEstimator = Callable[[str, int, int, int], float]
_MILLION = 1_000_000


def to_model_usage(usage: Usage) -> ModelUsage:
    """One call's scripted usage as Inspect's ``ModelUsage``, always set.

    Inspect's ``input_tokens`` excludes tokens read from a prompt cache (they are
    ``input_tokens_cache_read``, as its Anthropic provider reports them), and ``total_tokens``
    counts each token once: input (cached included) + output, exactly as scripted.
    """
    cached = usage.cached_input_tokens
    return ModelUsage(
        input_tokens=usage.input_tokens - cached,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total,
        input_tokens_cache_read=cached or None,
    )


def to_model_output(turn: Turn, model_name: str) -> ModelOutput:
    """A scripted turn as a ``ModelOutput``: one assistant message with the turn's text and its
    tool calls (parallel calls are several in one message), usage always set."""
    calls = [InspectToolCall(id=c.id, function=c.name, arguments=dict(c.arguments)) for c in turn.tool_calls]
    message = ChatMessageAssistant(content=turn.text or "", tool_calls=calls or None, model=model_name,
                                   source="generate")
    choice = ChatCompletionChoice(message=message, stop_reason="tool_calls" if calls else "stop")
    return ModelOutput(model=model_name, choices=[choice], usage=to_model_usage(turn.usage))


def cost_rates(estimator: CostEstimator, model_name: str) -> ModelCost:
    """``estimator`` as the per-million-token rates Inspect prices calls with (``ModelCost``).

    Inspect computes cost only from linear rates (uncached input, output, cache reads, cache
    writes): the rates are the estimator's price of one million tokens of each kind. An
    estimator that is not linear cannot be said to Inspect (see :meth:`InspectScriptedModelAPI.generate`).
    """
    uncached = estimator(model_name, _MILLION, 0, 0)
    return ModelCost(input=uncached, output=estimator(model_name, 0, _MILLION, 0),
                     input_cache_write=uncached, input_cache_read=estimator(model_name, _MILLION, 0, _MILLION))


class InspectScriptedModelAPI(ModelAPI):
    """An Inspect model provider that answers each request with the next turn of ``scripted``.

    One ``generate()`` is one provider request and one ``scripted.acomplete`` call, so the
    scripted model's call log stays the ground truth (Inspect's retries are further requests,
    each logged). A turn's ``raises`` propagates from ``generate()`` as a provider error would;
    :class:`agent_limits.mocks.ModelThrottled` is classified as a rate limit by
    :meth:`should_retry`, which is how an Inspect provider tells Inspect's retry loop to retry.

    ``cost_estimator`` (optional) prices each call the way a provider that knows its own prices
    does: :meth:`served_model_usage` reports the call's usage with the estimator's rates
    (:func:`cost_rates`), so ``cost_limit()`` has a cost to check. Without it the model has no
    cost data, as any model missing from Inspect's model database. ``retry_wait`` is the backoff
    between retries (tenacity ``wait``); None keeps Inspect's default (3 s, exponential, jitter).
    """

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),
        *,
        scripted: ScriptedModel,
        cost_estimator: CostEstimator | None = None,
        retry_wait: WaitBaseT | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config)
        self.scripted = scripted
        self.cost_estimator = cost_estimator
        self.cost = cost_rates(cost_estimator, scripted.name) if cost_estimator is not None else None
        self._retry_wait = retry_wait

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        turn = await self.scripted.acomplete(input, tools)
        output = to_model_output(turn, self.model_name)
        if self.cost is not None and self.cost_estimator is not None:
            u = turn.usage
            priced = compute_model_cost(self.cost, to_model_usage(u))
            wanted = self.cost_estimator(self.scripted.name, u.input_tokens, u.output_tokens, u.cached_input_tokens)
            if priced != wanted:  # Inspect prices on linear rates only: say so rather than check another cost
                raise self.scripted.cannot_express(Inexpressible(
                    f"Inspect prices a call from per-token rates; the cost estimator is not linear "
                    f"({wanted!r} for {u}, the rates give {priced!r})"))
        return output

    def served_model_usage(self, output: ModelOutput) -> list[ServedModelUsage] | None:
        """The call's usage with this provider's own prices (when it has a cost estimator)."""
        if self.cost is None or output.usage is None:
            return None
        return [ServedModelUsage(model=self.model_name, usage=output.usage, cost=self.cost)]

    def should_retry(self, ex: Exception) -> bool | RetryDecision:
        """A throttled request is a rate limit (retried by Inspect); any other error is not."""
        return RetryDecision.rate_limit() if isinstance(ex, ModelThrottled) else RetryDecision.no()

    def retry_wait(self) -> WaitBaseT | None:
        return self._retry_wait

    def connection_key(self) -> str:
        # one connection pool per scripted model: two agents never wait on each other's slots
        return f"{API_NAME}-{id(self.scripted)}"

    def __repr__(self) -> str:
        return f"InspectScriptedModelAPI({self.scripted!r})"


#: The registered provider (``@modelapi`` registers a factory under ``API_NAME``).
_registered = modelapi(name=API_NAME)(InspectScriptedModelAPI)


def scripted_model(
    scripted: ScriptedModel,
    *,
    cost_estimator: CostEstimator | None = None,
    retry_wait: WaitBaseT | None = None,
    config: GenerateConfig | None = None,
) -> Model:
    """An Inspect ``Model`` on ``scripted`` (``get_model`` of the registered provider, not memoized,
    so each scripted model gets its own)."""
    return get_model(f"{API_NAME}/{scripted.name}", config=config or GenerateConfig(), memoize=False,
                     scripted=scripted, cost_estimator=cost_estimator, retry_wait=retry_wait)


def _result(output: Any) -> str:
    return output if isinstance(output, str) else json.dumps(output, default=str)


def inspect_tool(tool: Tool, *, parallel: bool = False, max_output: int | None = None) -> ToolDef:
    """``tool`` as an Inspect ``ToolDef``: each execution awaits ``tool.acall(**arguments)``, so it
    is recorded. The schema is the tool's own JSON schema (``ToolParams``); ``parallel`` and
    ``max_output`` are Inspect's own per-tool options (its defaults: sequential, and the active
    ``max_tool_output``)."""

    async def execute(**kwargs: Any) -> str:
        return _result(await tool.acall(**kwargs))

    return ToolDef(execute, name=tool.name, description=tool.description,
                   parameters=ToolParams.model_validate(dict(tool.parameters)), parallel=parallel,
                   max_output=max_output)


def inspect_tools(tools: Sequence[Tool], *, parallel: bool = False) -> list[ToolDef]:
    """Every tool of ``tools`` as an Inspect tool (see :func:`inspect_tool`)."""
    return [inspect_tool(t, parallel=parallel) for t in tools]
