"""CrewAI 1.6.1, no harness: the usage a kickoff reports is the LLM object's running total.

CrewOutput.token_usage (and crew.usage_metrics) come from Crew.calculate_usage_metrics(), which
sums agent.llm.get_token_usage_summary(): BaseLLM._token_usage, a counter kept on the LLM
instance for its whole life and never reset per kickoff.

Run: python docs/findings/repro/crewai_usage.py   (offline)
"""
import os

for k, v in {"CREWAI_DISABLE_TELEMETRY": "true", "OTEL_SDK_DISABLED": "true",
             "CREWAI_TRACING_ENABLED": "false", "CREWAI_TESTING": "true"}.items():
    os.environ.setdefault(k, v)

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM


class Answers(BaseLLM):
    """Answers at once, reporting 10 input + 5 output tokens per call (as CrewAI's providers do)."""

    def __init__(self):
        super().__init__(model="answers")

    def call(self, messages, tools=None, callbacks=None, available_functions=None, from_task=None,
             from_agent=None, response_model=None):
        self._track_token_usage_internal({"prompt_tokens": 10, "completion_tokens": 5})
        return "Final Answer: done"


agent = Agent(role="r", goal="g", backstory="b", llm=Answers())
crew = Crew(agents=[agent], tasks=[Task(description="Go.", expected_output="x", agent=agent)], tracing=False)
for n in (1, 2, 3):
    usage = crew.kickoff().token_usage
    print(f"kickoff {n} (one LLM call of 10+5 tokens): token_usage total={usage.total_tokens} "
          f"prompt={usage.prompt_tokens} completion={usage.completion_tokens} requests={usage.successful_requests}")
