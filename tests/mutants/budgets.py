"""Token-budget bugs: the boundary, what is counted, and where usage is read from."""

from __future__ import annotations

from dataclasses import replace

from agent_limits.conformance.reference import ReferenceAgent, _Run
from agent_limits.mocks import Turn, Usage

from ._base import mutant


@mutant("TOKENS-1", "PROP-1", "STATE-1", bug="budget check uses > where >= belongs: one call too many at the boundary")
class BudgetGreaterThan(ReferenceAgent):
    def _limit_hit(self, run: _Run) -> str | None:
        if self.max_token_budget is None or run.usage.total != self.max_token_budget:
            return super()._limit_hit(run)
        budget, self.max_token_budget = self.max_token_budget, None  # total == budget is not "> budget"
        try:
            return super()._limit_hit(run)
        finally:
            self.max_token_budget = budget


@mutant("TOKENS-1", bug="budget check predicts the next call's cost and stops while budget remains")
class BudgetStopsEarly(ReferenceAgent):
    def _take(self, run: _Run, turn: Turn) -> bool:
        self._last_total = turn.usage.total
        return super()._take(run, turn)

    def _limit_hit(self, run: _Run) -> str | None:
        predicted = run.usage.total + getattr(self, "_last_total", 0)
        if self.max_token_budget is not None and run.calls and predicted > self.max_token_budget:
            return "max_token_budget"
        return super()._limit_hit(run)


@mutant("TOKENS-1", bug="the total-token budget counts output tokens only")
class BudgetOutputOnly(ReferenceAgent):
    def _limit_hit(self, run: _Run) -> str | None:
        budget, self.max_token_budget = self.max_token_budget, None
        try:
            hit = super()._limit_hit(run)
        finally:
            self.max_token_budget = budget
        if hit is None and budget is not None and run.usage.output_tokens >= budget:
            return "max_token_budget"
        return hit


@mutant("TOKENS-1", "OUTPUT-1", bug="usage read from a field the model never sets, so no token cap can fire")
class UsageFromMissingField(ReferenceAgent):
    def _take(self, run: _Run, turn: Turn) -> bool:
        # the model reports .usage; this agent reads .token_usage, which nobody sets
        return super()._take(run, replace(turn, usage=getattr(turn, "token_usage", None) or Usage()))


@mutant("TOKENS-2", bug="the token budget adds cached input tokens to input+output: they are counted twice")
class BudgetCountsCachedTwice(ReferenceAgent):
    def _take(self, run: _Run, turn: Turn) -> bool:
        cached = turn.usage.cached_input_tokens
        done = super()._take(run, turn)
        run.usage = run.usage + Usage(cached, 0)  # "input + cached + output"
        return done
