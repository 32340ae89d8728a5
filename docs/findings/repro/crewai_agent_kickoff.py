"""CrewAI 1.6.1, no harness: Agent.kickoff() (the LiteAgent path) neither stops at max_iter nor
applies max_execution_time.

LiteAgent._invoke_loop calls handle_max_iterations_exceeded() (one LLM call for a forced final
answer) but, unlike CrewAgentExecutor._invoke_loop, has no `break` after it: the loop goes on to
the normal LLM call, and with a model that keeps calling a tool it never ends (this script stops
the model after 12 calls). max_execution_time is copied onto the LiteAgent and never read.

Run: python docs/findings/repro/crewai_agent_kickoff.py   (offline)
"""
import os

for k, v in {"CREWAI_DISABLE_TELEMETRY": "true", "OTEL_SDK_DISABLED": "true",
             "CREWAI_TRACING_ENABLED": "false", "CREWAI_TESTING": "true"}.items():
    os.environ.setdefault(k, v)

import inspect

from crewai import Agent
from crewai.lite_agent import LiteAgent
from crewai.llms.base_llm import BaseLLM
from crewai.tools import tool


class AlwaysCallsTool(BaseLLM):
    def __init__(self, cap):
        super().__init__(model="always-calls-tool")
        self.calls, self.cap = 0, cap

    def call(self, messages, tools=None, callbacks=None, available_functions=None, from_task=None,
             from_agent=None, response_model=None):
        self.calls += 1
        if self.calls > self.cap:
            raise RuntimeError(f"model stopped by the script after {self.cap} calls")
        return f'Action: lookup\nAction Input: {{"query": "q{self.calls}"}}'


@tool("lookup")
def lookup(query: str) -> str:
    """Look something up."""
    return f"result for {query}"


llm = AlwaysCallsTool(cap=12)
agent = Agent(role="r", goal="g", backstory="b", llm=llm, tools=[lookup], max_iter=2, max_execution_time=1)
try:
    agent.kickoff("Go.")
    print("Agent.kickoff returned")
except RuntimeError as exc:
    print(f"Agent.kickoff with max_iter=2: {llm.calls} LLM calls, then {exc}")
source = inspect.getsource(LiteAgent)
print("LiteAgent's source reads self.max_execution_time anywhere:", "self.max_execution_time" in source)
