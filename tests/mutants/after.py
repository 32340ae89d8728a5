"""Results that stop saying what they said: a reported text that is not the last one, a result
that shares its list with the agent. Each is caught by a fixed scenario of the clause it
violates (PARTIAL-1, RESET-3), not only by a property."""

from __future__ import annotations

from typing import Any

from agent_limits.conformance.reference import ReferenceAgent, Result, _Run
from agent_limits.mocks import Turn

from ._base import mutant


@mutant("PARTIAL-1", bug="the reported text is the first text the model returned in the invocation, not the last")
class FirstTextNotLast(ReferenceAgent):
    def _take(self, run: _Run, turn: Turn) -> bool:
        kept = run.text
        final = super()._take(run, turn)
        if kept is not None:
            run.text = kept
        return final


@mutant("PARTIAL-1", "RESET-3", bug="the result's messages are the agent's live list, cleared and refilled by the next invocation")
class AliasedResultMessages(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        result = super()._finish(run, stop_reason)
        live: list[dict[str, Any]] = self.__dict__.setdefault("_live", [])
        live.clear()
        live.extend(result.messages)
        result.messages = live
        return result
