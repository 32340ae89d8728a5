"""Google ADK 2.13: the two limit knobs accept values that are not positive numbers (VALID-2, PROP-2).

``RunConfig(max_llm_calls=...)`` is a pydantic ``int`` field in lax mode with a validator that only
warns for values <= 0 ("no enforcement"); ``LlmAgent(timeout=...)`` (``BaseNode.timeout``) is a plain
``float | None`` field with no validator. Runs offline: a BaseLlm of its own that counts requests.
"""

import asyncio
import logging
import math

from google.adk.agents import LlmAgent, RunConfig
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.genai import types

logging.disable(logging.CRITICAL)  # ADK logs the warning and the failed node's traceback


class Endless(BaseLlm):
    """Asks for a tool on every request, and gives up after 20 requests."""

    model: str = "endless"
    requests: int = 0

    async def generate_content_async(self, llm_request, stream=False):
        self.requests += 1
        if self.requests > 20:
            raise RuntimeError("20 requests made: no limit stopped the agent")
        call = types.FunctionCall(id=f"c{self.requests}", name="lookup", args={"query": "x"})
        yield LlmResponse(content=types.Content(role="model", parts=[types.Part(function_call=call)]),
                          usage_metadata=types.GenerateContentResponseUsageMetadata(
                              prompt_token_count=10, candidates_token_count=5, total_token_count=15))


async def lookup(query: str) -> str:
    """Look something up."""
    return "result"


async def invoke(model: Endless, agent: LlmAgent, run_config: RunConfig) -> str:
    runner = Runner(agent=agent, app_name="repro", session_service=InMemorySessionService(), auto_create_session=True)
    prompt = types.Content(role="user", parts=[types.Part(text="Go.")])
    try:
        async for _ in runner.run_async(user_id="u", session_id="s", new_message=prompt, run_config=run_config):
            pass
    except RuntimeError:
        return "no limit: still calling the model at request 21 (where this repro's model gives up)"
    except Exception as exc:
        return f"{type(exc).__name__} after {model.requests} model requests"
    return f"completed after {model.requests} model requests"


print("RunConfig(max_llm_calls=value):")
for value in [0, -1, True, False, "3", 2.0, 1.5, math.nan, math.inf]:
    try:
        run_config = RunConfig(max_llm_calls=value)
    except ValueError as exc:
        print(f"  {value!r:>6}: rejected ({type(exc).__name__})")
        continue
    model = Endless()
    outcome = asyncio.run(invoke(model, LlmAgent(name="a", model=model, tools=[lookup]), run_config))
    print(f"  {value!r:>6}: accepted as max_llm_calls={run_config.max_llm_calls!r}; run: {outcome}")

print("LlmAgent(timeout=value):")
for value in [0, -1, -0.5, True, False, "3", math.nan, math.inf]:
    try:
        agent = LlmAgent(name="a", model=(model := Endless()), tools=[lookup], timeout=value)
    except ValueError as exc:
        print(f"  {value!r:>6}: rejected ({type(exc).__name__})")
        continue
    outcome = asyncio.run(invoke(model, agent, RunConfig(max_llm_calls=3)))
    print(f"  {value!r:>6}: accepted as timeout={agent.timeout!r}; run (max_llm_calls=3): {outcome}")
