"""A throttled attempt: the scripted model logs and raises it, and each dialect raises it as its
framework's own throttling error, so that the framework's own retry logic decides."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from agent_limits.mocks import ModelThrottled, Script, ScriptedModel, Tool, Turn, Usage


def _scripted() -> ScriptedModel:
    return ScriptedModel(Script([Turn.throttled(), Turn.answer("done", Usage(3, 1))]))


def _caused_by_throttling(error: BaseException) -> bool:
    return isinstance(error.__cause__, ModelThrottled)


def test_a_throttled_attempt_is_logged_unanswered_and_costs_nothing():
    model = _scripted()
    with pytest.raises(ModelThrottled, match="retry later"):
        model.complete([])
    assert model.complete([]).text == "done"
    failed, replied = model.calls
    assert not failed.completed and failed.usage == Usage() and replied.completed
    assert model.usage == Usage(3, 1)
    assert "raise ModelThrottled" in model.script.describe()


def test_a_throttled_attempt_takes_its_latency():
    from agent_limits.mocks import ManualClock

    clock = ManualClock()
    model = ScriptedModel(Script([Turn.throttled(latency=30.0), Turn.answer()]), clock=clock)
    with pytest.raises(ModelThrottled):
        model.complete([])
    assert (model.calls[0].started_at, model.calls[0].ended_at) == (0.0, 30.0)


def test_strands_dialect_raises_model_throttled_exception():
    pytest.importorskip("strands")
    from strands.types.exceptions import ModelThrottledException

    from agent_limits.mocks.strands import StrandsScriptedModel

    async def first_event() -> Any:
        async for event in StrandsScriptedModel(_scripted()).stream([]):
            return event

    with pytest.raises(ModelThrottledException) as info:
        asyncio.run(first_event())
    assert _caused_by_throttling(info.value)


def test_strands_adapter_retries_with_strands_default_attempts_and_no_real_sleep():
    pytest.importorskip("strands")
    from agent_limits.harness.adapters.strands import StrandsAdapter

    scripted = ScriptedModel(Script([Turn.throttled()] * 5 + [Turn.answer("done")]))
    adapter = StrandsAdapter()
    began = time.perf_counter()
    outcome = adapter.run(adapter.build(scripted, [Tool()], {}), "Go.")
    assert outcome.stop == "completed" and len(scripted.calls) == 6  # Strands' default: 6 attempts
    assert time.perf_counter() - began < 2.0  # its default backoff would sleep 4+8+16+32+64 s


def test_openai_agents_dialect_raises_a_rate_limit_error_it_advises_retrying():
    pytest.importorskip("agents")
    import openai
    from agents import ModelRetryAdviceRequest, ModelSettings, ModelTracing

    from agent_limits.mocks.openai_agents import AgentsScriptedModel

    model = AgentsScriptedModel(_scripted())
    with pytest.raises(openai.RateLimitError) as info:
        asyncio.run(model.get_response(None, "Go.", ModelSettings(), [], None, [], ModelTracing.DISABLED,
                                       previous_response_id=None))
    assert info.value.status_code == 429 and _caused_by_throttling(info.value)
    advice = model.get_retry_advice(ModelRetryAdviceRequest(error=info.value, attempt=1, stream=False))
    assert advice is not None and advice.suggested is True
    assert model.get_retry_advice(ModelRetryAdviceRequest(error=RuntimeError("x"), attempt=1, stream=False)) is None


def test_pydantic_ai_dialect_raises_a_rate_limit_http_error():
    pytest.importorskip("pydantic_ai")
    from pydantic_ai import Agent, ModelHTTPError, ModelRateLimitError

    from agent_limits.mocks.pydantic_ai import ScriptedFunctionModel

    with pytest.raises(ModelRateLimitError) as info:
        Agent(ScriptedFunctionModel(_scripted())).run_sync("Go.")
    assert isinstance(info.value, ModelHTTPError) and info.value.status_code == 429
    assert _caused_by_throttling(info.value)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_langchain_dialect_raises_a_retryable_rate_limit_error(mode):
    pytest.importorskip("langchain_core")
    from langchain_core.exceptions import ModelRateLimitError

    from agent_limits.mocks.langchain import ScriptedChatModel

    model = ScriptedChatModel(scripted=_scripted())
    with pytest.raises(ModelRateLimitError) as info:
        model.invoke("Go.") if mode == "sync" else asyncio.run(model.ainvoke("Go."))
    assert info.value.is_retryable and _caused_by_throttling(info.value)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_tinyagent_dialect_raises_the_openai_clients_rate_limit_error(mode):
    pytest.importorskip("tinyagent")
    import openai

    from agent_limits.mocks.tinyagent import AsyncScriptedClient, ScriptedClient

    with pytest.raises(openai.RateLimitError) as info:
        if mode == "sync":
            ScriptedClient(_scripted()).chat.completions.create(messages=[])
        else:
            asyncio.run(AsyncScriptedClient(_scripted()).chat.completions.create(messages=[]))  # type: ignore[arg-type]
    assert info.value.status_code == 429 and _caused_by_throttling(info.value)
