"""smolagents 1.26.0: max_steps=N makes N+1 model requests, and the default result hides the stop.

Run offline: python docs/findings/repro/smolagents_max_steps.py
A minimal custom smolagents Model (no harness) asks for a tool on every request; the agent has
max_steps=2. It prints the requests made, the tools each request offered, the output and state.
"""

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


class AlwaysTools(Model):
    """Replies with one `lookup` call (and the text "still looking") to every request."""

    def __init__(self) -> None:
        super().__init__(model_id="always-tools")
        self.requests: list[int] = []  # how many tools each request offered

    def generate(self, messages, stop_sequences=None, response_format=None, tools_to_call_from=None, **kwargs):
        self.requests.append(len(tools_to_call_from or ()))
        n = len(self.requests)
        call = ChatMessageToolCall(function=ChatMessageToolCallFunction(name="lookup", arguments={"query": f"q{n}"}),
                                   id=f"call-{n}", type="function")
        return ChatMessage(role=MessageRole.ASSISTANT, content=f"still looking ({n})", tool_calls=[call],
                           token_usage=TokenUsage(input_tokens=10, output_tokens=5))


for full in (True, False):
    model = AlwaysTools()
    agent = ToolCallingAgent(tools=[lookup], model=model, max_steps=2, verbosity_level=LogLevel.OFF)
    result = agent.run("Find it.", return_full_result=full)
    print(f"return_full_result={full}: {len(model.requests)} model requests for max_steps=2; "
          f"tools offered per request: {model.requests}")
    if full:
        print(f"  state={result.state!r} output={result.output!r} token_usage={result.token_usage}")
        last = agent.memory.steps[-1]
        print(f"  last memory step: error={last.error!r}, model_output_message={last.model_output_message!r}, "
              f"tool_calls={last.tool_calls!r}  (the extra reply's tool call 'call-3' is kept nowhere)")
    else:
        print(f"  agent.run returned {result!r}: nothing in it says max_steps was reached")
