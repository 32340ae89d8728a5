"""smolagents 1.26.0: max_steps and max_tool_threads are not validated; None is not "unlimited".

Run offline: python docs/findings/repro/smolagents_validation.py
A minimal custom Model asks for two `lookup` calls per request (so the tool thread pool is
used), for at most 30 requests. For each value it prints how many model requests were made
before the run ended, and how it ended.
"""

import math
import threading

from smolagents import ToolCallingAgent, tool
from smolagents.models import ChatMessage, ChatMessageToolCall, ChatMessageToolCallFunction, MessageRole, Model
from smolagents.monitoring import LogLevel, TokenUsage


@tool
def lookup(query: str) -> str:
    """Look something up.

    Args:
        query: what to look up
    """
    return f"result for {query}"


class TwoCalls(Model):
    def __init__(self) -> None:
        super().__init__(model_id="two-calls")
        self.requests = 0

    def generate(self, messages, stop_sequences=None, response_format=None, tools_to_call_from=None, **kwargs):
        self.requests += 1
        if self.requests > 30:
            raise RuntimeError("30 requests: the run was not bounded")
        calls = [ChatMessageToolCall(function=ChatMessageToolCallFunction(name="lookup", arguments={"query": f"q{i}"}),
                                     id=f"call-{self.requests}-{i}", type="function") for i in range(2)]
        return ChatMessage(role=MessageRole.ASSISTANT, content=None, tool_calls=calls,
                           token_usage=TokenUsage(input_tokens=10, output_tokens=5))


def attempt(**knob):
    """Runs on a daemon thread: a value that makes the run hang is reported after 5 s."""
    model, outcome = TwoCalls(), []
    runner = threading.Thread(target=lambda: outcome.append(run(model, knob)), daemon=True)
    runner.start()
    runner.join(timeout=5)
    ended = outcome[0] if outcome else "still running after 5 s: the run hangs (no thread ever starts a tool)"
    (name, value), = knob.items()
    print(f"{name}={value!r:<6} -> {model.requests:>2} model request(s), {ended}", flush=True)


def run(model, knob):
    try:
        agent = ToolCallingAgent(tools=[lookup], model=model, verbosity_level=LogLevel.OFF, **knob)
        result = agent.run("Go.", return_full_result=True)
        return f"returned, state={result.state!r}"
    except Exception as exc:
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        return f"raised {type(exc).__name__}" + (f" (from {type(cause).__name__}: {cause})" if cause is not exc
                                                 else f": {exc}")


for value in (None, 0, -1, True, False, "3", math.nan, 1.5, 2.0, math.inf):
    attempt(max_steps=value)
print()
for value in (0, -1, True, False, "3", math.nan, 1.5, 2.0, math.inf):
    attempt(max_tool_threads=value)
