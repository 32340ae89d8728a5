"""Google ADK 2.13: a node timeout that cancels a tool in flight leaves its function call without a
function response in the session (TIMEOUT-1: "tool call(s) without a result (dangling)").

``LlmAgent(timeout=T)`` wraps the agent's run in ``asyncio.wait_for`` (``NodeRunner._run_node_loop_with_timeout``
in google/adk/workflow/_node_runner.py) and raises ``NodeTimeoutError``; nothing answers the calls
that were cancelled (the ``_synthesize_abort_events_if_needed`` repair in runners.py runs for an
abort signal, not for a timeout). The session keeps the call unanswered; the next invocation's
request leaves the whole reply out (``drop_orphaned_function_calls`` in
google/adk/flows/llm_flows/tools/_rearranger.py, called by ``_get_contents``), so the model never
sees its earlier reply. Runs offline in about half a second of real time.
"""

import asyncio
import logging

from google.adk.agents import LlmAgent
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import Runner
from google.adk.sessions import InMemorySessionService
from google.genai import types

logging.disable(logging.CRITICAL)  # ADK logs the failed node's traceback


def describe(contents):
    out = []
    for c in contents:
        for p in c.parts or []:
            if p.text:
                out.append(f"{c.role}:text {p.text!r}")
            if p.function_call:
                out.append(f"{c.role}:call {p.function_call.id}")
            if p.function_response:
                out.append(f"{c.role}:result {p.function_response.id}")
    return out


class Model(BaseLlm):
    """First invocation: asks for the slow tool. Second: answers, after showing what it received."""

    model: str = "repro"
    requests: int = 0

    async def generate_content_async(self, llm_request, stream=False):
        self.requests += 1
        if self.requests == 1:
            parts = [types.Part(function_call=types.FunctionCall(id="call-1", name="slow", args={}))]
        else:
            print("  request", self.requests, "contents:", describe(llm_request.contents))
            parts = [types.Part(text="answer")]
        yield LlmResponse(content=types.Content(role="model", parts=parts),
                          usage_metadata=types.GenerateContentResponseUsageMetadata(
                              prompt_token_count=10, candidates_token_count=5, total_token_count=15))


async def slow() -> str:
    """A tool that takes longer than the timeout."""
    await asyncio.sleep(0.5)
    return "late"


async def main():
    sessions = InMemorySessionService()
    runner = Runner(agent=LlmAgent(name="a", model=Model(), tools=[slow], timeout=0.2), app_name="repro",
                    session_service=sessions, auto_create_session=True)

    async def invoke(text):
        prompt = types.Content(role="user", parts=[types.Part(text=text)])
        try:
            async for _ in runner.run_async(user_id="u", session_id="s", new_message=prompt):
                pass
            return "completed"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    print("invocation 1:", await invoke("first"))
    session = await sessions.get_session(app_name="repro", user_id="u", session_id="s")
    print("  session events:", describe(e.content for e in session.events if e.content))
    print("invocation 2:", await invoke("second"))


asyncio.run(main())
