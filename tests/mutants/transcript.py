"""What is left after a stop: transcript, final answer, and the name of the breach."""

from __future__ import annotations

from agent_limits.conformance.reference import ReferenceAgent, Result, _Run

from ._base import mutant


@mutant("PARTIAL-1", bug="the partial transcript is discarded when a limit is hit")
class PartialTranscriptDiscarded(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        result = super()._finish(run, stop_reason)
        if stop_reason != "end_turn":
            result.messages, result.text = [], None
        return result


@mutant("TURNS-2", bug="a final answer on the last permitted call is reported as a max_turns breach, its text dropped")
class BreachingAnswerDiscarded(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        if stop_reason == "end_turn" and self.max_turns is not None and run.calls >= self.max_turns:
            run.text, stop_reason = None, "max_turns"
        return super()._finish(run, stop_reason)


@mutant("KIND-1", bug="every breach is reported as max_turns, whichever limit was hit")
class WrongBreachKind(ReferenceAgent):
    def _finish(self, run: _Run, stop_reason: str) -> Result:
        return super()._finish(run, stop_reason if stop_reason == "end_turn" else "max_turns")
