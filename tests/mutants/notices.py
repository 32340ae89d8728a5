"""Bugs in what an invocation reports: stop notices, discarded final answers, unknown tools, hidden breaches."""

from __future__ import annotations

from typing import Any

from agent_limits.conformance.reference import ReferenceAgent, Result, _Run
from agent_limits.harness import LIMIT_KINDS
from agent_limits.mocks import ToolCall

from ._base import mutant

#: The budgets a final answer can cross (a turn cap or a deadline is checked before the call only).
_BUDGETS = ("max_token_budget", "max_output_tokens", "max_cost_usd")


@mutant("NOTICE-1", bug="a stop writes 'Stopped: <limit> reached' into the history as an assistant message, "
                        "so the next invocation sends it to the model as one of its replies")
class NoticeInHistory(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        result = super()._finish(run, stop_reason)  # this invocation's transcript and text stay clean
        if stop_reason != "end_turn":
            self.messages.append({"role": "assistant", "content": f"Stopped: {stop_reason} reached", "tool_calls": []})
        return result


@mutant("NOTICE-1", "PARTIAL-1", bug="a stop reports its notice ('Stopped: <limit> reached') as the result text")
class NoticeAsResultText(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        result = super()._finish(run, stop_reason)
        if stop_reason != "end_turn":
            result.text = f"Stopped: {stop_reason} reached"
        return result


@mutant("KEPT-1", bug="a final answer whose usage crosses a budget is discarded: no text, stopped at the budget")
class FinalAnswerDiscardedOverBudget(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        crossed = self._limit_hit(run) if stop_reason == "end_turn" else None
        if crossed in _BUDGETS:
            return Result(crossed, self.messages[run.start:], None, run.usage)
        return super()._finish(run, stop_reason)


@mutant("TOOLS-4", "TOOLS-3", bug="a call to a tool that does not exist ends the invocation with an error")
class UnknownToolEndsTheRun(ReferenceAgent):
    def _admit(self, run: _Run, call: ToolCall) -> bool:
        if call.name not in self.tools:
            raise LookupError(f"tool {call.name!r} not found")
        return super()._admit(run, call)


@mutant("TOOLS-4", bug="only one call to an unknown tool per invocation is answered (a retry budget of 1); "
                       "the second ends the invocation with an error")
class UnknownToolRetryBudget(ReferenceAgent):
    def _start(self, prompt: str) -> _Run:
        self._unknown = 0
        return super()._start(prompt)

    def _admit(self, run: _Run, call: ToolCall) -> bool:
        if call.name not in self.tools:
            self._unknown += 1
            if self._unknown > 1:
                raise LookupError(f"tool {call.name!r} exceeded max retries count of 1")
        return super()._admit(run, call)


@mutant("KIND-2", "KIND-1", bug="a breach is reported as 'end_turn' unless the agent is built with "
                                "report_breaches=True, an opt-in the defaults leave off")
class BreachVisibleOnlyOnRequest(ReferenceAgent):
    supported_limits = LIMIT_KINDS

    def __init__(self, *args: Any, report_breaches: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report_breaches = report_breaches

    def _finish(self, run: _Run, stop_reason: str) -> Result:
        result = super()._finish(run, stop_reason)
        if not self.report_breaches:
            result.stop_reason = "end_turn"
        return result
