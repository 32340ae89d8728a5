"""CrewAI 1.6.1, no harness, real time: Agent(max_execution_time=T) does not stop the agent at T.

Agent._execute_with_timeout runs the task in a ThreadPoolExecutor and waits with
future.result(timeout=T); on timeout it calls future.cancel() (a no-op on a running future) and
raises TimeoutError inside `with ThreadPoolExecutor() as executor:`, whose exit waits for the
worker. So every LLM call and tool execution still happens after the deadline, and the
TimeoutError reaches the caller only when the whole run is over.

Run: python docs/findings/repro/crewai_timeout.py   (offline, about 3 s)
"""
import os
import time

for k, v in {"CREWAI_DISABLE_TELEMETRY": "true", "OTEL_SDK_DISABLED": "true",
             "CREWAI_TRACING_ENABLED": "false", "CREWAI_TESTING": "true"}.items():
    os.environ.setdefault(k, v)

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM
from crewai.tools import tool

START = time.monotonic()
starts: list[float] = []


class SlowModel(BaseLLM):
    """0.5 s per reply (real time); five tool calls, then a final answer."""

    def __init__(self):
        super().__init__(model="slow")

    def call(self, messages, tools=None, callbacks=None, available_functions=None, from_task=None,
             from_agent=None, response_model=None):
        starts.append(round(time.monotonic() - START, 2))
        time.sleep(0.5)
        n = len(starts)
        if n <= 5:
            return f'Action: lookup\nAction Input: {{"query": "q{n}"}}'
        return "Final Answer: done"


@tool("lookup")
def lookup(query: str) -> str:
    """Look something up."""
    return f"result for {query}"


agent = Agent(role="r", goal="g", backstory="b", llm=SlowModel(), tools=[lookup], max_execution_time=1)
crew = Crew(agents=[agent], tasks=[Task(description="Go.", expected_output="x", agent=agent)], tracing=False)
try:
    crew.kickoff()
    print("kickoff returned normally")
except Exception as exc:
    print(f"kickoff raised {type(exc).__name__} at +{time.monotonic() - START:.2f} s: {exc}")
print(f"max_execution_time=1: LLM calls started at {starts} s after kickoff "
      f"({sum(s >= 1 for s in starts)} of them at or after the deadline)")
