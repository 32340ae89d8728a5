"""Must-pass variants for the freedoms of the tool clauses (TOOLS-*, PAR-*, BYTES-*).

SPEC fixes what happens to each tool call (executed or not, exactly one result, the stored size
of an output) and leaves how to the agent: the words of a refusal, which of two checks comes
first for a call to an unknown tool once the cap is spent, the order in which a reply's calls run
and their results are written. A clause that fails one of these agents assumes more than SPEC.md
says: that is a defect of the suite.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from agent_limits.conformance.reference import ReferenceAgent, _Run
from agent_limits.mocks import ToolCall

from ._base import variant

__all__ = ["CapCheckedFirst", "RefusalsWordedDifferently", "ResultsInAnotherOrder"]

#: The clauses whose scenarios refuse or reject tool calls and read their results (the
#: properties draw the same refusals again; left out to keep the meta-test cheap).
_REFUSING = ("TOOLS-1", "TOOLS-2", "TOOLS-3", "TOOLS-4", "TRANSCRIPT-1", "PARTIAL-1", "KIND-1", "NOTICE-1",
             "TIMEOUT-1")
#: Those, and the clauses whose replies ask for several calls at once or read each output.
_ORDERING = (*_REFUSING, "PAR-1", "PAR-2", "BYTES-1", "BYTES-2")


@variant("refusals and unknown-tool errors worded in its own way (still plainly errors), with an is_error flag",
         clauses=_REFUSING)
class RefusalsWordedDifferently(ReferenceAgent):
    """The reference's results say ``refused: max_tool_calls=3 reached``; these say it otherwise."""

    _WORDS: dict[str, Callable[[ReferenceAgent, str], str]] = {
        "refused: max_tool_calls": lambda agent, text: (
            f"Error: tool budget exhausted ({agent.max_tool_calls} calls used); this call was not run."),
        "error: no tool named": lambda agent, text: (
            f"Error: unknown tool. Available tools: {', '.join(sorted(agent.tools))}."),
        "refused: the invocation timed out": lambda agent, text: "Error: time is up; this call was not run.",
        "cancelled: timeout": lambda agent, text: "Error: cancelled at the deadline.",
    }

    def _answer(self, call: ToolCall, output: Any) -> None:
        text = str(output)
        for prefix, words in self._WORDS.items():
            if text.startswith(prefix):
                self.messages.append({"role": "tool", "tool_call_id": call.id, "content": words(self, text),
                                      "is_error": True})
                return
        super()._answer(call, output)


@variant("a call to an unknown tool once max_tool_calls is spent is refused as over the cap (cap checked first)",
         clauses=("TOOLS-1", "TOOLS-2", "TOOLS-3"))  # the clauses with unknown calls or a cap
class CapCheckedFirst(ReferenceAgent):
    def _admit(self, run: _Run, call: ToolCall) -> bool:
        if self.max_tool_calls is not None and run.executions >= self.max_tool_calls:
            run.stop = run.stop or "max_tool_calls"
            self._answer(call, f"refused: max_tool_calls={self.max_tool_calls} reached")
            return False
        return super()._admit(run, call)


@variant("a reply's admitted calls run last to first, and refused or unknown calls are answered after them",
         clauses=_ORDERING)
class ResultsInAnotherOrder(ReferenceAgent):
    """Admission stays in order (the cap takes the first calls); running and answering do not."""

    def _admitted(self, run: _Run, calls: Sequence[ToolCall]) -> tuple[list[ToolCall], list[tuple[ToolCall, Any]]]:
        """The calls admitted to run, and the answers admission gave the others (held back)."""
        held: list[tuple[ToolCall, Any]] = []
        self._answer = lambda call, output: held.append((call, output))  # type: ignore[method-assign]
        try:
            admitted = [call for call in calls if self._admit(run, call)]
        finally:
            del self._answer
        return admitted, held

    def _run_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        admitted, held = self._admitted(run, calls)
        for call in reversed(admitted):
            self._answer(call, self._execute(run, call))
        for call, output in held:
            self._answer(call, output)

    async def _arun_tools(self, run: _Run, calls: Sequence[ToolCall]) -> None:
        admitted, held = self._admitted(run, calls)
        for call in reversed(admitted):
            self._answer(call, await self._aexecute(run, call))
        for call, output in held:
            self._answer(call, output)
