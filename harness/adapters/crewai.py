"""The adapter for CrewAI (``crewai`` 1.6): ``--agent-impl=crewai:Agent``.

It builds what a CrewAI user builds: an ``Agent`` (on :class:`agent_limits.mocks.crewai.CrewScriptedLLM`),
one ``Task`` whose description is the ``{prompt}`` input, and a ``Crew`` of the two, run with
``crew.kickoff(inputs={"prompt": ...})`` (sync) or ``await crew.kickoff_async(...)`` (async: CrewAI
runs the same synchronous loop on a worker thread with ``asyncio.to_thread``).

    canonical            CrewAI knob                        breach signal
    max_turns=N          Agent(max_iter=N)                  none: after N loop iterations CrewAI
                                                            makes one more LLM call ("give your
                                                            final answer") and returns it as a
                                                            normal CrewOutput -> reported completed
    timeout_seconds=T    Agent(max_execution_time=T)        TimeoutError raised by kickoff
                                                            -> "timeout_seconds"

CrewAI has no token budget, output-token budget, total tool-call cap (``BaseTool.max_usage_count``
caps one tool's uses, not all tools together), parallel-tool cap (one ``Action`` per reply),
cost cap, output-size cap or context-token ceiling, so none of them is in ``capabilities``.
``max_rpm`` is a rate (requests per minute, enforced by sleeping), not a canonical limit, and is
not set. ``max_iter`` cannot be unlimited (an int field, default 25): a canonical ``None`` leaves it
at that default, which is how a CrewAI user says "no limit of mine". ``max_execution_time`` of
``None`` is CrewAI's own "no timeout". Every other value is passed through untouched, so
CrewAI's pydantic fields and its own check in ``Agent.execute_task`` are what the suite judges.

``max_execution_time`` is enforced with ``concurrent.futures`` (``future.result(timeout=T)`` in
``Agent._execute_with_timeout``), a real-time wait no frozen clock can drive; see
docs/findings/crewai.md for what it does in real time.

What CrewAI reports is what the Outcome carries: usage is ``CrewOutput.token_usage`` (after an
exception ``crew.calculate_usage_metrics()``), both read from ``llm.get_token_usage_summary()``;
messages are the agent's own (``TaskOutput.messages``, after an exception
``agent.agent_executor.messages``). CrewAI's ReAct transcript carries no tool-call ids, so the
assistant and tool entries read from it carry none either (nothing is reconstructed from the mock).

Telemetry and tracing are switched off as a user does: the environment variables
``CREWAI_DISABLE_TELEMETRY``, ``CREWAI_TRACING_ENABLED=false`` and ``CREWAI_TESTING`` (no first-run
trace prompt) are set, if unset, before CrewAI is first imported (``agent_limits.mocks._offline``;
``--agent-impl`` resolution sets them before it imports the named module), and every Crew is built
with ``tracing=False``.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from agent_limits.mocks._offline import keep_offline

keep_offline("crewai")

from crewai import Agent, Crew, Task  # noqa: E402

from agent_limits.mocks import ScriptedModel, Tool, Usage  # noqa: E402
from agent_limits.mocks.crewai import CrewScriptedLLM, crewai_tools  # noqa: E402

from .._limits import COMPLETED, ERROR  # noqa: E402
from .._resolve import ImplementationError  # noqa: E402
from ..adapter import Adapter, Message, Outcome, last_text  # noqa: E402

__all__ = ["LIMIT_FIELDS", "CrewAIAdapter", "CrewRun", "adapter_for", "said", "to_messages", "to_usage"]

#: Canonical limit kind -> field of ``crewai.Agent``.
LIMIT_FIELDS: dict[str, str] = {"max_turns": "max_iter", "timeout_seconds": "max_execution_time"}

_FINAL = "Final Answer:"
_OBSERVATION = "\nObservation:"
_ACTION = re.compile(r"^(.*?)(?:^|\n)\s*Action\s*\d*\s*:", re.DOTALL)


@dataclass
class CrewRun:
    """A built crew: the Crew to kick off, its one Agent, and the scripted LLM the agent runs on."""

    crew: Crew
    agent: Agent
    llm: CrewScriptedLLM


class CrewAIAdapter(Adapter):
    """Builds a real ``crewai.Agent`` (or subclass) in a one-task ``Crew`` and kicks it off."""

    name = "crewai"
    capabilities = frozenset(LIMIT_FIELDS)

    def __init__(self, agent_cls: type[Agent] = Agent) -> None:
        self.agent_cls = agent_cls

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> CrewRun:
        self.refuse_unsupported(limits)
        knobs = {LIMIT_FIELDS[k]: v for k, v in limits.items() if k in LIMIT_FIELDS and v is not None}
        llm = CrewScriptedLLM(model)
        agent = self.agent_cls(role="Conformance agent", goal="Answer the task, using the tools when asked.",
                               backstory="A test double's agent.", llm=llm, tools=crewai_tools(tools), **knobs)
        task = Task(description="{prompt}", expected_output="The answer.", agent=agent)
        crew = Crew(agents=[agent], tasks=[task], tracing=False)
        return CrewRun(crew, agent, llm)

    def run(self, agent: CrewRun, prompt: str) -> Outcome:
        try:
            result = agent.crew.kickoff(inputs={"prompt": prompt})
        except Exception as exc:  # a framework error is an outcome, not a harness crash
            return self.failed(agent, exc)
        return self.completed(result)

    async def arun(self, agent: CrewRun, prompt: str) -> Outcome:
        try:
            result = await agent.crew.kickoff_async(inputs={"prompt": prompt})
        except Exception as exc:
            return self.failed(agent, exc)
        return self.completed(result)

    # -- translating results ------------------------------------------------------------------
    def completed(self, result: Any) -> Outcome:
        """A ``CrewOutput``: a completion (CrewAI returns one after ``max_iter`` too)."""
        outputs = list(getattr(result, "tasks_output", None) or [])
        messages = to_messages(outputs[-1].messages) if outputs else []
        raw = getattr(result, "raw", None)
        return Outcome(COMPLETED, signal=None, messages=messages,
                       text=raw if isinstance(raw, str) and raw else last_text(messages),
                       usage=to_usage(getattr(result, "token_usage", None)), raw=result)

    def failed(self, run: CrewRun, exc: Exception) -> Outcome:
        """An exception from ``kickoff``: ``TimeoutError`` is ``max_execution_time``'s breach, anything
        else an error. The partial results are what CrewAI still exposes: the agent executor's
        messages and ``crew.calculate_usage_metrics()``."""
        stop = "timeout_seconds" if isinstance(exc, TimeoutError) else ERROR
        executor = run.agent.agent_executor
        messages = to_messages(getattr(executor, "messages", None) or []) if executor is not None else []
        return Outcome(stop, signal=exc, messages=messages, text=last_text(messages),
                       usage=to_usage(run.crew.calculate_usage_metrics()), raw=exc)

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """The chat messages (role/content dicts) CrewAI handed the LLM, read like the transcript."""
        return to_messages(messages)

    def describe(self) -> str:
        return (f"crewai ({self.agent_cls.__module__}.{self.agent_cls.__qualname__} in a one-task Crew, "
                "ReAct text protocol)")


def adapter_for(target: Any) -> CrewAIAdapter:
    """The adapter for ``crewai.Agent`` or a subclass of it (what ``crewai:Agent`` names)."""
    if inspect.isclass(target) and issubclass(target, Agent):
        return CrewAIAdapter(target)
    kind = "class" if inspect.isclass(target) else type(target).__name__
    raise ImplementationError(
        f"{target!r} is a CrewAI {kind}, not an agent class: name crewai.Agent (e.g. --agent-impl=crewai:Agent) "
        "or a subclass of it; the adapter builds the Task and the Crew around it"
    )


def to_usage(metrics: Any) -> Usage | None:
    """CrewAI's ``UsageMetrics`` as :class:`agent_limits.mocks.Usage` (cached prompt tokens kept as informational)."""
    if metrics is None:
        return None
    return Usage(int(metrics.prompt_tokens), int(metrics.completion_tokens), int(metrics.cached_prompt_tokens))


def said(content: str) -> tuple[str | None, str | None]:
    """What one CrewAI assistant message holds: (the model's text, the tool observation CrewAI
    appended to it, or None). The text is the ``Final Answer``, or the ``Thought`` before an
    ``Action`` (None when the reply said only the action); content in no ReAct shape is text."""
    head, sep, observation = content.partition(_OBSERVATION)
    if _FINAL in head:
        return head.split(_FINAL)[-1].strip() or None, (observation.strip() if sep else None)
    match = _ACTION.match(head)
    if match is None:
        return content.strip() or None, None
    thought = match.group(1).strip()
    if thought.startswith("Thought:"):
        thought = thought[len("Thought:"):].strip()
    return thought or None, (observation.strip() if sep else None)


def to_messages(raw: Sequence[Any]) -> list[Message]:
    """CrewAI chat messages as transcript entries.

    An assistant message becomes an ``assistant`` entry with the model's text (see :func:`said`),
    followed by a ``tool`` entry for the ``Observation`` CrewAI appended to it. The ReAct protocol
    carries no tool-call ids, so neither entry has one. Other roles keep their content.
    """
    out: list[Message] = []
    for message in raw:
        role = str(message.get("role", "user"))
        content = message.get("content")
        text = content if isinstance(content, str) else None
        if role == "assistant" and text is not None:
            reply, observation = said(text)
            out.append(Message("assistant", reply))
            if observation is not None:
                out.append(Message("tool", observation))
            continue
        out.append(Message(role, text))
    return out

