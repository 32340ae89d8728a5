"""Per-turn cost bugs (LONG-2): work per turn that grows with the length of the conversation."""

from __future__ import annotations

from agent_limits.conformance.reference import ReferenceAgent, _Run
from agent_limits.mocks import ToolCall

from ._base import mutant


@mutant("LONG-2", bug="a dangling-call check before every model call searches the whole history once per tool "
                      "call, so the cost of a turn grows with the square of the conversation")
class DanglingCallsRescannedEveryTurn(ReferenceAgent):
    def _limit_hit(self, run: _Run) -> str | None:
        self.dangling = [call for call in self._tool_calls()
                         if not any(m.get("tool_call_id") == call.id for m in self.messages)]
        return super()._limit_hit(run)

    def _tool_calls(self) -> list[ToolCall]:
        return [call for m in self.messages if m["role"] == "assistant" for call in m["tool_calls"]]
