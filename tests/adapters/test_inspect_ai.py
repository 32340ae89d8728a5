"""Inspect AI: the scripted-model dialect drives a real ``react()`` agent inside Inspect's own
``eval()``, and the adapter maps Inspect's scoped limits and the limit it records on the sample
onto the canonical ones."""

from __future__ import annotations

import asyncio
import tempfile

import pytest

pytest.importorskip("inspect_ai")

from inspect_ai import Task, eval, eval_async  # noqa: E402
from inspect_ai.agent import react  # noqa: E402
from inspect_ai.dataset import Sample  # noqa: E402
from inspect_ai.log import EvalSample  # noqa: E402
from inspect_ai.model import Model, ModelUsage  # noqa: E402

from agent_limits.harness import ImplementationError, resolve, transcript_problems  # noqa: E402
from agent_limits.harness.adapters.inspect_ai import InspectAdapter, to_messages  # noqa: E402
from agent_limits.mocks import ModelThrottled, Script, ScriptedModel, Tool, ToolCall, Turn, Usage  # noqa: E402
from agent_limits.mocks.inspect_ai import inspect_tools, scripted_model  # noqa: E402

from tests.adapters._breach import USAGE, assert_partial_results, assert_received_replies, breach, provider_error

#: Where these evals write their logs: removed when the process ends (a TemporaryDirectory's
#: finalizer), so a run leaves no .eval files behind in the system's temp folder.
_LOGS = tempfile.TemporaryDirectory(prefix="agent-limits-test-inspect-")
LOG_DIR = _LOGS.name


def price(model: str, input_tokens: int, output_tokens: int, cached_input_tokens: int) -> float:
    return (4 * (input_tokens - cached_input_tokens) + cached_input_tokens + 8 * output_tokens) / 1024


def _eval(script: Script, *tools: Tool, asynchronous: bool = False, **model_options: object) -> tuple[EvalSample, ScriptedModel, Model]:
    scripted = ScriptedModel(script)
    model = scripted_model(scripted, **model_options)  # type: ignore[arg-type]
    agent = react(model=model, tools=inspect_tools(tools or [Tool()]), submit=False)
    task = Task(dataset=[Sample(input="Find it.")], solver=agent)
    options = {"log_dir": LOG_DIR, "score": False, "log_realtime": False}
    if asynchronous:
        [log] = asyncio.run(eval_async(task, model=model, **options))
    else:
        [log] = eval(task, model=model, display="none", **options)
    assert log.samples
    return log.samples[0], scripted, model


def _usage(sample: EvalSample, model: Model) -> ModelUsage:
    return sample.model_usage[str(model)]


# -- the dialect ----------------------------------------------------------------------------------
def test_single_tool_calls_reach_the_final_answer_with_scripted_usage():
    script = Script([Turn.tools(usage=Usage(11, 2)), Turn.tools(usage=Usage(13, 3)), Turn.answer("found", Usage(17, 5))])
    lookup = Tool()
    sample, scripted, model = _eval(script, lookup)
    assert sample.error is None and sample.limit is None and sample.output.completion == "found"
    assert len(scripted.calls) == 3
    assert [e.arguments for e in lookup.executions] == [{"query": "q0.0"}, {"query": "q1.0"}]
    usage = _usage(sample, model)
    assert (usage.input_tokens, usage.output_tokens, usage.total_tokens) == (41, 10, 51)


def test_parallel_tool_calls_are_all_executed_and_answered():
    script = Script([Turn.tools("lookup", "search", usage=Usage(7, 3)), Turn.answer("both", Usage(7, 3))])
    lookup, search = Tool("lookup"), Tool("search")
    sample, scripted, model = _eval(script, lookup, search)
    assert len(lookup.executions) == len(search.executions) == 1
    assert [m.tool_call_id for m in sample.messages if m.role == "tool"] == ["call-0-0", "call-0-1"]
    assert transcript_problems(to_messages(sample.messages), scripted.calls) == []
    assert _usage(sample, model).total_tokens == 20


def test_async_eval_text_and_tool_call_arguments_come_through():
    call = ToolCall("lookup", {"query": "weather"}, id="tc-1")
    script = Script([Turn(text="checking", tool_calls=(call,), usage=Usage(5, 1)), Turn.answer("sunny", Usage(6, 2))])
    lookup = Tool()
    sample, _, model = _eval(script, lookup, asynchronous=True)
    assert sample.output.completion == "sunny"
    assert lookup.executions[0].arguments == {"query": "weather"}
    first = next(m for m in sample.messages if m.role == "assistant")
    assert first.text == "checking" and [c.id for c in first.tool_calls or ()] == ["tc-1"]
    assert _usage(sample, model).total_tokens == 14


def test_cached_input_tokens_are_reported_apart_and_counted_once():
    sample, _, model = _eval(Script([Turn.answer("ok", Usage(10, 2, cached_input_tokens=4))]))
    usage = _usage(sample, model)
    assert (usage.input_tokens, usage.input_tokens_cache_read, usage.total_tokens) == (6, 4, 12)


def test_an_injected_model_error_ends_the_sample_after_the_call_is_logged():
    sample, scripted, _ = _eval(Script([Turn.tools(), Turn(raises=RuntimeError("provider down"))]))
    assert sample.error is not None and "provider down" in sample.error.message
    assert len(scripted.calls) == 2


def test_a_throttled_request_is_retried_by_inspect_as_a_rate_limit():
    from tenacity import wait_none

    script = Script([Turn.throttled(), Turn.throttled(), Turn.answer("ok", Usage(3, 2))])
    sample, scripted, model = _eval(script, retry_wait=wait_none())
    assert sample.error is None and sample.output.completion == "ok"
    assert len(scripted.calls) == 3 and isinstance(scripted.calls[0].turn.raises, ModelThrottled)
    assert _usage(sample, model).total_tokens == 5


def test_a_cost_estimator_prices_each_call_in_inspects_own_accounting():
    script = Script([Turn.tools(usage=Usage(10, 5, cached_input_tokens=4)), Turn.answer("ok", Usage(10, 5))])
    sample, _, model = _eval(script, cost_estimator=price)
    assert _usage(sample, model).total_cost == price("", 10, 5, 4) + price("", 10, 5, 0)


# -- the adapter ----------------------------------------------------------------------------------
def test_resolve_picks_the_inspect_adapter():
    impl = resolve("inspect_ai.agent:react")
    assert isinstance(impl.adapter, InspectAdapter) and impl.adapter.factory is react
    assert impl.adapter.capabilities == {"max_turns", "max_token_budget", "max_output_tokens", "max_cost_usd",
                                         "timeout_seconds", "max_output_bytes"}
    assert impl.adapter.supports_sync and impl.adapter.supports_async


def test_an_inspect_object_that_is_not_an_agent_factory_is_refused_clearly():
    with pytest.raises(ImplementationError, match="not an agent factory"):
        resolve("inspect_ai.agent:as_solver")


@pytest.mark.parametrize("kind, value, signal", [
    ("max_token_budget", 45, "token"),
    ("max_output_tokens", 15, "token"),
    ("max_cost_usd", 3 * price("", 10, 5, 0), "cost"),
])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_budget_breach_is_translated_to_its_canonical_stop_kind(kind, value, signal, mode):
    limits = {kind: value, "cost_estimator": price} if kind == "max_cost_usd" else {kind: value}
    outcome, scripted = breach(InspectAdapter(), limits, mode)
    assert (outcome.stop, outcome.signal.type) == (kind, signal)
    assert len(scripted.calls) == 3
    assert_partial_results(outcome, scripted)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_turn_limit_breach_is_max_turns_after_one_call_too_many(mode):
    """Inspect counts a turn once the reply is in and raises past N: call N+1 is made and dropped
    (docs/findings/inspect_ai.md, TURNS-1)."""
    outcome, scripted = breach(InspectAdapter(), {"max_turns": 3}, mode)
    assert (outcome.stop, outcome.signal.type) == ("max_turns", "turn")
    assert len(scripted.calls) == 4
    assert [m.tool_calls for m in outcome.messages if m.role == "assistant"] == [("call-0-0",), ("call-1-0",),
                                                                               ("call-2-0",)]
    assert outcome.usage == Usage(4 * USAGE.input_tokens, 4 * USAGE.output_tokens) and outcome.text == "looking"


def test_an_overshooting_reply_is_dropped_with_its_tool_calls():
    """A reply that takes the token total past B raises inside generate(): the reply is neither
    kept nor acted on (docs/findings/inspect_ai.md, TOKENS-1)."""
    outcome, scripted = breach(InspectAdapter(), {"max_token_budget": 40}, "sync")
    assert outcome.stop == "max_token_budget" and len(scripted.calls) == 3
    assert sum(m.role == "assistant" for m in outcome.messages) == 2


def test_an_error_is_an_outcome_with_the_partial_results():
    outcome = provider_error(InspectAdapter())
    assert outcome.stop == "error" and isinstance(outcome.error, Exception) and "provider down" in str(outcome.error)
    assert outcome.usage == Usage(10, 5)
    assert [m.role for m in outcome.messages] == ["user", "assistant", "tool"]


def test_a_negative_value_is_rejected_by_inspect_when_the_agent_is_built():
    with pytest.raises(ValueError, match="non-negative"):
        InspectAdapter().build(ScriptedModel(Script.endless_tools()), [Tool()], {"max_turns": -1})


def test_a_limit_inspect_lacks_is_refused_not_emulated():
    with pytest.raises(ValueError, match="max_tool_calls"):
        InspectAdapter().build(ScriptedModel(Script.answer()), [Tool()], {"max_tool_calls": 2})


def test_max_output_bytes_is_inspects_max_tool_output():
    adapter = InspectAdapter()
    scripted = ScriptedModel(Script([Turn.tools(), Turn.answer("ok")]))
    outcome = adapter.run(adapter.build(scripted, [Tool(output="x" * 100)], {"max_output_bytes": 10}), "Go.")
    [result] = [m.text for m in outcome.messages if m.role == "tool"]
    assert result is not None and "too long" in result and "x" * 11 not in result


def test_the_conversation_continues_across_invocations():
    adapter = InspectAdapter()
    scripted = ScriptedModel(Script([Turn.tools(text="one"), Turn.answer("first"), Turn.answer("second")]),
                             record_messages=True)
    built = adapter.build(scripted, [Tool()], {})
    assert adapter.run(built, "Go.").text == "first"
    second = adapter.run(built, "Again.")
    assert second.text == "second" and [m.role for m in second.messages] == ["user", "assistant"]
    received = adapter.received(scripted.calls[-1].messages or ())
    assert [m.text for m in received if m.role == "user"] == ["Go.", "Again."]
    assert [m.text for m in received if m.role == "system"] != []  # react's prompt, once
    assert sum(m.role == "system" for m in received) == 1


def test_the_dialect_docstring_example_runs():
    import agent_limits.mocks.inspect_ai as dialect
    from tests.test_docs import docstring_example

    exec(compile(docstring_example(dialect), dialect.__name__, "exec"), {})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_received_reads_what_the_dialect_hands_the_model(mode):
    assert_received_replies(InspectAdapter(), mode)
