"""Google ADK 2.13: the CPU cost of a turn grows with the length of the invocation (LONG-2).

Every model call rebuilds the request from the whole session: ``_get_contents``
(google/adk/flows/llm_flows/context/_contents.py) filters, copies (``_copy_content_for_request``)
and rearranges every event so far (``rearrange_events_for_async_function_responses_in_history``,
``drop_orphaned_function_responses`` in flows/llm_flows/tools/_rearranger.py). On top of that, with
ADK's default telemetry schema (v2, experimental GenAI semconv), each call converts the whole
request into OpenTelemetry attribute values (``_build_request_operation_details`` ->
``_to_input_messages`` / ``_to_any_value`` in google/adk/telemetry/_experimental_semconv.py), even
with no tracer provider configured. Both are linear in the history, so a turn costs more the later
it comes. ``TelemetryConfig(genai_semconv_stability_opt_in="stable")`` does not help: the legacy
spans it selects serialize the whole request to JSON instead (``trace_call_llm`` in
google/adk/telemetry/tracing.py, attribute ``gcp.vertex.agent.llm_request``, on unless
``ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS=false``).

Runs offline: a model that asks for one tool per reply, 300 turns, CPU time per turn measured
between the starts of consecutive model calls (as LONG-2 does). Takes about a minute.
"""

import asyncio
import logging
import statistics
import time

from google.adk.agents import LlmAgent, RunConfig
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.adk.telemetry import TelemetryConfig
from google.genai import types

logging.disable(logging.CRITICAL)
TURNS = 300


class Endless(BaseLlm):
    model: str = "endless"
    starts: list = []

    async def generate_content_async(self, llm_request, stream=False):
        self.starts.append(time.process_time())
        call = types.FunctionCall(id=f"c{len(self.starts)}", name="lookup", args={"query": "x"})
        yield LlmResponse(content=types.Content(role="model", parts=[types.Part(function_call=call)]),
                          usage_metadata=types.GenerateContentResponseUsageMetadata(
                              prompt_token_count=10, candidates_token_count=5, total_token_count=15))


async def lookup(query: str) -> str:
    """Look something up."""
    return "result"


async def run(run_config):
    model = Endless(starts=[])
    runner = Runner(agent=LlmAgent(name="a", model=model, tools=[lookup]), app_name="repro",
                    session_service=InMemorySessionService(), auto_create_session=True)
    prompt = types.Content(role="user", parts=[types.Part(text="Go.")])
    try:
        async for _ in runner.run_async(user_id="u", session_id="s", new_message=prompt, run_config=run_config):
            pass
    except Exception as exc:
        stop = type(exc).__name__
    costs = [(b - a) * 1000 for a, b in zip(model.starts, model.starts[1:])]
    first, last = statistics.median(costs[:50]), statistics.median(costs[-50:])
    return f"{len(model.starts)} calls, {stop}; median CPU ms per turn: turns 1-50 {first:.1f}, turns {TURNS - 50}-{TURNS - 1} {last:.1f} (x{last / first:.1f})"


print("default telemetry:          ", asyncio.run(run(RunConfig(max_llm_calls=TURNS))))
stable = TelemetryConfig(genai_semconv_stability_opt_in="stable")
print("stable semconv:             ", asyncio.run(run(RunConfig(max_llm_calls=TURNS, telemetry=stable))))
