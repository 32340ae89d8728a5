"""CrewAI 1.6.1, no harness: which values of max_iter / max_execution_time CrewAI accepts.

max_iter is a pydantic `int` field (lax mode): 0 and negatives are accepted and then spend one
LLM call (the forced final answer), True/"3"/2.0 are coerced to ints. max_execution_time is
`int | None` checked again in Agent.execute_task (`not isinstance(int) or <= 0`): True passes
both checks, and a valid fractional timeout such as 1.5 s is refused.

Run: python docs/findings/repro/crewai_validation.py   (offline)
"""
import math
import os

for k, v in {"CREWAI_DISABLE_TELEMETRY": "true", "OTEL_SDK_DISABLED": "true",
             "CREWAI_TRACING_ENABLED": "false", "CREWAI_TESTING": "true"}.items():
    os.environ.setdefault(k, v)

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM


class Counting(BaseLLM):
    def __init__(self):
        super().__init__(model="counting")
        self.calls = 0

    def call(self, messages, tools=None, callbacks=None, available_functions=None, from_task=None,
             from_agent=None, response_model=None):
        self.calls += 1
        return "Final Answer: done"


for field in ("max_iter", "max_execution_time"):
    for value in (0, -1, True, False, "3", 1.5, 2.0, math.nan, math.inf):
        llm = Counting()
        try:
            agent = Agent(role="r", goal="g", backstory="b", llm=llm, max_retry_limit=0, **{field: value})
        except Exception as exc:
            print(f"{field}={value!r}: rejected at construction ({type(exc).__name__})")
            continue
        crew = Crew(agents=[agent], tasks=[Task(description="Go.", expected_output="x", agent=agent)],
                    tracing=False)
        try:
            crew.kickoff()
            outcome = "kickoff completed"
        except Exception as exc:
            outcome = f"kickoff raised {type(exc).__name__}"
        print(f"{field}={value!r}: accepted as {getattr(agent, field)!r}; {outcome} after {llm.calls} LLM call(s)")
