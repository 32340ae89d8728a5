"""The tinyAgent adapter: ``ReactAgent`` / ``TinyCodeAgent`` (``tiny-agent-os`` 0.73) on a scripted client.

tinyAgent has one limit, ``run(task, max_steps=N)``, and it maps onto ``max_turns``. Its agents
talk to the model through ``agent.client`` (an OpenAI client built in the constructor); the
adapter builds the agent as a user does and replaces that client with
:class:`agent_limits.mocks.tinyagent.ScriptedClient`, as tinyAgent's own users do in tests.

The run uses ``return_result=True``, tinyAgent's richer result: ``RunResult.state`` says
``"step_limit_reached"`` even when the extra "final attempt" call after the last step produced
an answer (with the default string result that breach is invisible). A ``StepLimitReached``
raised anyway is translated the same way. ``return_result=True`` is an opt-in, so
:meth:`TinyAgentAdapter.run_default` runs without it and reports what the default result tells
(KIND-2): a plain string reads as a completion.

What tinyAgent does not expose is reported as missing, never reconstructed: it keeps the
conversation in a local variable of ``run`` (so ``messages`` is empty) and ignores the usage the
model reports (so ``usage`` is None). It has no async path, no limit other than steps, and a
``max_steps`` that cannot be unlimited: ``None`` is mapped to leaving the argument out, which
means tinyAgent's default (10 steps for ReactAgent, 6 for TinyCodeAgent).

``tinyagent:ReactAgent`` and ``tinyagent:TinyCodeAgent`` both resolve here; any other tinyAgent
object gets the ``ReactAgent`` adapter. tiny-agent-os 1.x has neither class nor any step limit
(see docs/findings/tinyagent.md): importing this module there raises ImplementationError, which
``--agent-impl`` reports as a usage error instead of guessing.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Mapping, Sequence

import tinyagent

from .._limits import COMPLETED, ERROR
from .._native import to_message
from .._resolve import ImplementationError
from ..adapter import Adapter, Message, Outcome


def _version() -> str:
    try:
        return metadata.version("tiny-agent-os")
    except metadata.PackageNotFoundError:
        return "?"


if not all(hasattr(tinyagent, name) for name in ("ReactAgent", "TinyCodeAgent", "StepLimitReached")):
    raise ImplementationError(
        f"tiny-agent-os {_version()} has no ReactAgent, TinyCodeAgent or max_steps (they exist up to the "
        "0.73 releases; 1.x is a different agent loop with no step limit). This adapter targets "
        "tiny-agent-os 0.73: pip install 'tiny-agent-os==0.73.5'"
    )

from tinyagent import ReactAgent, StepLimitReached, TinyCodeAgent  # noqa: E402

from agent_limits.mocks import ScriptedModel, Tool  # noqa: E402
from agent_limits.mocks.tinyagent import Protocol, ScriptedClient, tinyagent_tools  # noqa: E402

__all__ = ["TinyAgentAdapter", "TinyAgentRun", "adapter_for", "said"]

#: RunResult.state -> canonical stop kind.
_STATES: dict[str, str] = {"completed": COMPLETED, "step_limit_reached": "max_turns", "error": ERROR}
#: A key that is never used: the scripted client replaces the OpenAI client before any call.
_UNUSED_KEY = "scripted-client-no-network"


@dataclass
class TinyAgentRun:
    """A tinyAgent agent on a scripted client, with the ``max_steps`` its runs get (None: the default)."""

    agent: Any
    client: ScriptedClient
    max_steps: Any = None


class TinyAgentAdapter(Adapter):
    """Builds a ``ReactAgent`` or ``TinyCodeAgent`` and runs it with ``max_steps``."""

    name = "tinyagent"
    capabilities = frozenset({"max_turns"})

    def __init__(self, agent_cls: type, protocol: Protocol) -> None:
        self.agent_cls = agent_cls
        self.protocol: Protocol = protocol

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> TinyAgentRun:
        self.refuse_unsupported(limits)
        agent = self.agent_cls(tools=tinyagent_tools(tools), api_key=_UNUSED_KEY)
        client = ScriptedClient(model, protocol=self.protocol)
        agent.client = client
        return TinyAgentRun(agent, client, limits.get("max_turns"))

    def run(self, agent: TinyAgentRun, prompt: str) -> Outcome:
        return self._run(agent, prompt, return_result=True)

    def run_default(self, agent: TinyAgentRun, prompt: str) -> Outcome:
        """The run with tinyAgent's default result (``return_result=False``): the answer as a plain
        string, or ``StepLimitReached`` raised. A step limit whose "final attempt" call produced
        an answer then reads as a completion: that is what a user of the defaults sees."""
        return self._run(agent, prompt, return_result=False)

    def _run(self, agent: TinyAgentRun, prompt: str, *, return_result: bool) -> Outcome:
        options: dict[str, Any] = {} if agent.max_steps is None else {"max_steps": agent.max_steps}
        if return_result:
            options["return_result"] = True
        try:
            result = agent.agent.run(prompt, **options)
        except StepLimitReached as exc:
            return Outcome("max_turns", signal=exc)
        except Exception as exc:  # the framework's error is an outcome, not a harness crash
            return Outcome(ERROR, signal=exc)
        return self.outcome(result)

    def received(self, messages: Sequence[Any]) -> list[Message]:
        """tinyAgent's chat messages (dicts) as :class:`Message` s, an assistant message's text being
        what the model said in it: the protocol's ``answer`` or ``scratchpad`` (react) or the final
        answer or comment lines of the python block (code), not the JSON or code around it. The
        protocol carries no tool-call ids, so none are read."""
        out = []
        for raw in messages:
            message = to_message(raw)
            if message.role == "assistant" and message.text is not None and self.protocol != "tools":
                message = Message("assistant", said(message.text, self.protocol))
            out.append(message)
        return out

    def outcome(self, result: Any) -> Outcome:
        """A ``RunResult`` (or the plain string of ``return_result=False``) as an Outcome."""
        if isinstance(result, str):
            return Outcome(COMPLETED, text=result or None, raw=result)
        state: Any = getattr(result, "state", None)
        stop = _STATES.get(state, f"unrecognised RunResult.state {state!r}")
        error = getattr(result, "error", None)
        return Outcome(
            stop,
            signal=error if error is not None else state,
            messages=[],
            text=getattr(result, "output", None) or None,
            usage=None,
            raw=result,
        )

    def describe(self) -> str:
        return f"tinyagent.{self.agent_cls.__name__} (tiny-agent-os {_version()}, {self.protocol} protocol)"


def said(content: str, protocol: Protocol) -> str | None:
    """What the model said in one reply of ``protocol`` (the inverse of the scripted client's
    encoding): the answer, or the text beside a tool call; None when it said only a call.
    Content the protocol cannot read is returned as it is."""
    if protocol == "react":
        try:
            payload = json.loads(content)
        except ValueError:
            return content
        if not isinstance(payload, dict):
            return content
        if "tool" in payload:
            return str(payload.get("scratchpad") or "") or None
        if "answer" in payload:
            return str(payload["answer"]) or None
        return content
    block = re.sub(r"^```(?:python)?\n|\n?```$", "", content.strip())
    try:
        tree = ast.parse(block)
    except SyntaxError:
        return content
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "final_answer"
                and node.args and isinstance(node.args[0], ast.Constant)):
            return str(node.args[0].value) or None
    comments = [line[2:] if line.startswith("# ") else line[1:] for line in block.splitlines() if line.startswith("#")]
    return "\n".join(comments) or None


def adapter_for(target: Any) -> Adapter:
    """The adapter for ``tinyagent:ReactAgent`` / ``tinyagent:TinyCodeAgent`` (any other tinyAgent object: ReactAgent)."""
    if target is TinyCodeAgent:
        return TinyAgentAdapter(TinyCodeAgent, "code")
    return TinyAgentAdapter(ReactAgent, "react")
