"""CrewAI 1.6.1, no harness: with max_iter=N and a model that keeps calling a tool, the agent makes
N + 1 LLM calls and returns the (N+1)-th reply, a tool action, as a normal result: no exception,
no flag. Also: the forced-final-answer notice is written into the chat as an assistant message.

Run: python docs/findings/repro/crewai_max_iter.py   (offline)
"""
import os

for k, v in {"CREWAI_DISABLE_TELEMETRY": "true", "OTEL_SDK_DISABLED": "true",
             "CREWAI_TRACING_ENABLED": "false", "CREWAI_TESTING": "true"}.items():
    os.environ.setdefault(k, v)

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM
from crewai.tools import tool


class AlwaysCallsTool(BaseLLM):
    def __init__(self):
        super().__init__(model="always-calls-tool")
        self.calls = 0

    def call(self, messages, tools=None, callbacks=None, available_functions=None, from_task=None,
             from_agent=None, response_model=None):
        self.calls += 1
        self._track_token_usage_internal({"prompt_tokens": 10, "completion_tokens": 5})
        return f'Thought: more\nAction: lookup\nAction Input: {{"query": "q{self.calls}"}}'


@tool("lookup")
def lookup(query: str) -> str:
    """Look something up."""
    return f"result for {query}"


for max_iter in (1, 3):
    llm = AlwaysCallsTool()
    agent = Agent(role="r", goal="g", backstory="b", llm=llm, tools=[lookup], max_iter=max_iter)
    crew = Crew(agents=[agent], tasks=[Task(description="Go.", expected_output="x", agent=agent)], tracing=False)
    result = crew.kickoff()
    notices = [m for m in result.tasks_output[0].messages
               if m["role"] == "assistant" and "MUST give your absolute best final answer" in m["content"]]
    print(f"max_iter={max_iter}: LLM calls={llm.calls}, kickoff returned {type(result).__name__} "
          f"raw={result.raw!r}, token_usage.successful_requests={result.token_usage.successful_requests}, "
          f"assistant notices in the chat={len(notices)}")
