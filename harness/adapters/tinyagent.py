"""The tinyAgent adapter: ``ReactAgent`` / ``TinyCodeAgent`` (``tiny-agent-os`` 0.73) on a scripted client.

tinyAgent has one limit, ``run(task, max_steps=N)``, and it maps onto ``max_turns``. Its agents
talk to the model through ``agent.client`` (an OpenAI client built in the constructor); the
adapter builds the agent as a user does and replaces that client with
:class:`agent_limits.mocks.tinyagent.ScriptedClient`, as tinyAgent's own users do in tests.

The run uses ``return_result=True``, tinyAgent's richer result: ``RunResult.state`` says
``"step_limit_reached"`` even when the extra "final attempt" call after the last step produced
an answer (with the default string result that breach is invisible). A ``StepLimitReached``
raised anyway is translated the same way.

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

from dataclasses import dataclass
from importlib import metadata
from typing import Any, Mapping, Sequence

import tinyagent

from .._limits import COMPLETED, ERROR
from .._resolve import ImplementationError
from ..adapter import Adapter, Outcome


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

__all__ = ["TinyAgentAdapter", "TinyAgentRun", "adapter_for"]

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
        options: dict[str, Any] = {} if agent.max_steps is None else {"max_steps": agent.max_steps}
        try:
            result = agent.agent.run(prompt, return_result=True, **options)
        except StepLimitReached as exc:
            return Outcome("max_turns", signal=exc)
        except Exception as exc:  # the framework's error is an outcome, not a harness crash
            return Outcome(ERROR, signal=exc)
        return self.outcome(result)

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


def adapter_for(target: Any) -> Adapter:
    """The adapter for ``tinyagent:ReactAgent`` / ``tinyagent:TinyCodeAgent`` (any other tinyAgent object: ReactAgent)."""
    if target is TinyCodeAgent:
        return TinyAgentAdapter(TinyCodeAgent, "code")
    return TinyAgentAdapter(ReactAgent, "react")
