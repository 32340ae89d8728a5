"""The adapter for smolagents (``smolagents``): ``--agent-impl=smolagents:ToolCallingAgent``.

smolagents bounds an agent by its number of steps (one model call each) and runs the tool calls
of one reply on a thread pool of a size the user may set; nothing else:

    canonical              smolagents knob                         breach signal
    max_turns=N            ToolCallingAgent(max_steps=N)           RunResult.state == "max_steps_error"
                                                                   (return_full_result=True); the last
                                                                   ActionStep's error is AgentMaxStepsError
    max_parallel_tools=P   ToolCallingAgent(max_tool_threads=P)    none (it shapes, never stops)

Both are constructor arguments, passed through untouched (smolagents validates neither, which is
what VALID-2 judges). A canonical ``None`` leaves the argument out: smolagents has no unlimited
step count (``max_steps=None`` fails its loop's comparison), so ``None`` means its default of 20
steps, and ``max_tool_threads=None`` is its own default (``ThreadPoolExecutor``'s). There is no
token budget, output-token budget, tool-call cap, cost cap, invocation timeout, tool-output size
cap or context ceiling (a model's ``max_tokens`` caps one response; ``CodeAgent``'s executor
timeout one code snippet), so those kinds are not in :attr:`SmolagentsAdapter.capabilities`.

After ``max_steps`` steps without a final answer smolagents makes one more model request,
without tools (``MultiStepAgent._handle_max_steps_reached`` -> ``provide_final_answer``), and
returns its text as the run's output; that request is in the scripted model's log and is
reported, not hidden (docs/findings/smolagents.md).

How the run is read: :meth:`SmolagentsAdapter.run` calls ``agent.run(prompt,
return_full_result=True)`` (the opt-in that makes a breach visible, ``RunResult.state``); the
default ``agent.run(prompt)`` returns the output alone, and :meth:`SmolagentsAdapter.run_default`
reads only that (KIND-2). Usage is ``RunResult.token_usage`` (smolagents' sum of its steps'
``TokenUsage``), or after an exception ``agent.monitor``'s counts, which ``run`` resets with the
memory at each invocation (``reset=True``, smolagents' default: the conversation does not carry
over). The transcript is this invocation's ``agent.memory.steps``: one assistant message per
reply (``model_output_message``, its tool calls in the model's order), one tool result per call
(smolagents keeps one joined ``observations`` text per step: it stands on the step's first
call's result, the other results carry no text; a step whose tools raised keeps only the error,
read as the first call's result, the other calls left without one). A ``final_answer`` call
is how a ``ToolCallingAgent`` receives a text answer (see ``agent_limits.mocks.smolagents``), so
it is read as the reply's text, not as a tool call. smolagents has no async agent path.
"""

from __future__ import annotations

import ast
import inspect
from typing import Any, Mapping, Sequence

from smolagents import ToolCallingAgent  # type: ignore[import-untyped]
from smolagents.agents import MultiStepAgent  # type: ignore[import-untyped]
from smolagents.memory import ActionStep, PlanningStep, TaskStep  # type: ignore[import-untyped]
from smolagents.models import ChatMessage  # type: ignore[import-untyped]
from smolagents.monitoring import LogLevel, TokenUsage  # type: ignore[import-untyped]
from smolagents.utils import AgentMaxStepsError  # type: ignore[import-untyped]

from agent_limits.mocks import ScriptedModel, Tool, Usage
from agent_limits.mocks.smolagents import FINAL_ANSWER, SmolScriptedModel, smolagents_tools

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome, last_text

__all__ = ["KNOBS", "STATES", "SmolagentsAdapter", "adapter_for", "received_messages", "to_messages", "to_usage"]

#: Canonical limit kind -> the smolagents constructor argument that is that limit.
KNOBS: dict[str, str] = {"max_turns": "max_steps", "max_parallel_tools": "max_tool_threads"}
#: ``RunResult.state`` -> canonical stop kind.
STATES: dict[str, str] = {"success": COMPLETED, "max_steps_error": "max_turns"}
#: The prefix smolagents' ``TaskStep`` writes before the task in the message the model receives.
_TASK_PREFIX = "New task:\n"


class SmolagentsAdapter(Adapter):
    """Builds a real ``smolagents.ToolCallingAgent`` (or subclass) on the scripted model and runs it."""

    name = "smolagents"
    capabilities = frozenset(KNOBS)

    def __init__(self, agent_cls: type[MultiStepAgent] = ToolCallingAgent) -> None:
        self.agent_cls = agent_cls

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> MultiStepAgent:
        self.refuse_unsupported(limits)
        knobs = {KNOBS[k]: v for k, v in limits.items() if k in KNOBS and v is not None}  # None: the default
        # verbosity OFF: smolagents' rich console log is for people watching a run, not a test suite.
        agent_tools: list[Any] = smolagents_tools(tools)
        return self.agent_cls(tools=agent_tools, model=SmolScriptedModel(model),
                              verbosity_level=LogLevel.OFF, **knobs)

    def run(self, agent: MultiStepAgent, prompt: str) -> Outcome:
        try:
            result = agent.run(prompt, return_full_result=True)
        except Exception as exc:  # a framework error is an outcome, not a harness crash
            messages = to_messages(agent.memory.steps)
            return Outcome(ERROR, signal=exc, messages=messages, text=last_text(messages),
                           usage=to_usage(agent.monitor.get_total_token_counts()), raw=None)
        state = result.state
        stop = STATES.get(state, f"unrecognised RunResult.state {state!r}")
        messages = to_messages(agent.memory.steps)
        output = result.output
        text = str(output) if isinstance(output, str) and output else last_text(messages)
        return Outcome(stop, signal=state, messages=messages, text=text,
                       usage=to_usage(result.token_usage) if result.token_usage is not None else None, raw=result)

    def run_default(self, agent: MultiStepAgent, prompt: str) -> Outcome:
        """``agent.run(prompt)`` as a user of the defaults calls it: it returns the output alone
        (after ``max_steps``, the text of the extra final-answer request) and raises only on an
        error, so a breach reads as a completion."""
        try:
            output = agent.run(prompt)
        except Exception as exc:
            return Outcome(ERROR, signal=exc)
        return Outcome(COMPLETED, text=str(output) if output is not None else None, raw=output)

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The smolagents ``ChatMessage`` s the dialect model was given (see :func:`received_messages`)."""
        return received_messages(messages)

    def describe(self) -> str:
        return f"smolagents ({self.agent_cls.__module__}.{self.agent_cls.__qualname__}, sync agent.run)"


def adapter_for(target: Any) -> SmolagentsAdapter:
    """The adapter for ``smolagents.ToolCallingAgent`` or a subclass (what ``smolagents:ToolCallingAgent`` names)."""
    if inspect.isclass(target) and issubclass(target, ToolCallingAgent):
        return SmolagentsAdapter(target)
    kind = "class" if inspect.isclass(target) else type(target).__name__
    raise ImplementationError(
        f"{target!r} is a smolagents {kind}, not an agent class this adapter drives: name "
        "smolagents.ToolCallingAgent (e.g. --agent-impl=smolagents:ToolCallingAgent) or a subclass of it"
    )


def to_usage(usage: TokenUsage) -> Usage:
    """smolagents' ``TokenUsage`` as :class:`agent_limits.mocks.Usage`."""
    return Usage(int(usage.input_tokens), int(usage.output_tokens))


def _text(content: Any) -> str | None:
    """A ``ChatMessage.content``: a string, or the text of its ``{"type": "text"}`` parts."""
    if isinstance(content, str):
        return content or None
    texts = [p["text"] for p in content or () if isinstance(p, Mapping) and isinstance(p.get("text"), str)]
    return "".join(texts) or None


def _reply(reply: ChatMessage) -> tuple[Message, list[str]]:
    """One recorded reply as an assistant message, and the ids of its real tool calls (a
    ``final_answer`` call is the reply's answer, its argument the reply's text)."""
    text = _text(reply.content)
    ids: list[str] = []
    for call in reply.tool_calls or ():
        if call.function.name == FINAL_ANSWER:
            arguments = call.function.arguments
            answer = arguments.get("answer") if isinstance(arguments, Mapping) else arguments
            text = str(answer) if answer is not None and str(answer) else text
        else:
            ids.append(str(call.id))
    return Message("assistant", text, tool_calls=tuple(ids)), ids


def to_messages(steps: Sequence[Any]) -> list[Message]:
    """This invocation's memory steps as transcript entries (see the module docstring)."""
    out: list[Message] = []
    for step in steps:
        if isinstance(step, TaskStep):
            out.append(Message("user", step.task))
        elif isinstance(step, PlanningStep):
            out.append(Message("assistant", step.plan))
        elif isinstance(step, ActionStep):
            if step.model_output_message is None:
                if isinstance(step.error, AgentMaxStepsError):  # the extra request after max_steps
                    output = step.action_output
                    out.append(Message("assistant", output if isinstance(output, str) and output else None))
                continue  # a request that raised: no reply
            reply, ids = _reply(step.model_output_message)
            out.append(reply)
            if not ids:
                continue
            if step.tool_calls is not None:  # every call of the step ran: one joined observation
                out.append(Message("tool", step.observations, tool_call_id=ids[0]))
                out.extend(Message("tool", None, tool_call_id=i) for i in ids[1:])
            elif step.error is not None:  # the tools raised: smolagents keeps the error alone
                out.append(Message("tool", str(step.error), tool_call_id=ids[0]))
    return out


def _parse_calls(text: str) -> list[Mapping[str, Any]]:
    """The calls of smolagents' "Calling tools:\\n[...]" message (a Python repr of dicts)."""
    try:
        calls = ast.literal_eval(text.split("\n", 1)[1])
    except (IndexError, ValueError, SyntaxError):
        return []
    return [c for c in calls if isinstance(c, Mapping)] if isinstance(calls, list) else []


def _function(call: Mapping[str, Any]) -> Mapping[str, Any]:
    function = call.get("function")
    return function if isinstance(function, Mapping) else {}


def received_messages(messages: Sequence[Any]) -> list[Message]:
    """What a smolagents model receives (``ChatMessage`` s with smolagents' roles), as :class:`Message` s.

    smolagents writes a step as an ``assistant`` message (the reply's text, when it had one), a
    ``tool-call`` message listing its calls ("Calling tools:\\n[...]") and a ``tool-response``
    message ("Observation:\\n..." or "Error:\\n..."). The first two make one assistant
    Message; a ``final_answer`` call is read as the reply's text and its observation as no tool
    result, as in :func:`to_messages`. A tool response answers the calls listed before it (its
    text on the first), or the ``Call id:`` it names. The task's message is read without
    smolagents' "New task:" prefix.
    """
    out: list[Message] = []
    pending: list[str] = []
    answered = False  # the last tool-call message was a final answer: its observation is no result
    for raw in messages:
        role = getattr(getattr(raw, "role", None), "value", getattr(raw, "role", None))
        text = _text(getattr(raw, "content", None))
        if role == "tool-call":
            calls = _parse_calls(text or "")
            ids = tuple(str(c.get("id")) for c in calls if _function(c).get("name") != FINAL_ANSWER)
            answers = [_function(c).get("arguments") for c in calls if _function(c).get("name") == FINAL_ANSWER]
            answer = answers[0].get("answer") if answers and isinstance(answers[0], Mapping) else None
            previous = out[-1] if out and out[-1].role == "assistant" and not out[-1].tool_calls else None
            said = str(answer) if answer is not None and str(answer) else None
            if previous is not None and not pending:
                out[-1] = Message("assistant", said or previous.text, tool_calls=ids)
            else:
                out.append(Message("assistant", said, tool_calls=ids))
            pending, answered = list(ids), bool(answers) and not ids
        elif role == "tool-response":
            if text is not None and text.startswith("Call id: "):
                named = text.split("\n", 1)[0][len("Call id: "):]
                out.append(Message("tool", text, tool_call_id=named))
            elif pending:
                out.append(Message("tool", text, tool_call_id=pending[0]))
                out.extend(Message("tool", None, tool_call_id=i) for i in pending[1:])
            elif not answered:
                out.append(Message("tool", text))
            pending, answered = [], False
        else:
            if role == "assistant":
                pending, answered = [], False
            if role == "user" and text is not None and text.startswith(_TASK_PREFIX):
                text = text[len(_TASK_PREFIX):]
            out.append(Message(str(role), text))
    return out

