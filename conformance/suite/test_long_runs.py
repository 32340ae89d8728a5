"""LONG-*: a thousand-turn invocation ends at its limit, and its turns do not get dearer.

LONG-1 judges how the run ends (at the limit, not in a recursion error). LONG-2 judges its pace:
a turn's cost is the CPU time the process spends between the starts of two consecutive model
calls (the scripted model and the tool answer at once, so that is the agent's own work: taking
the reply, running the tool, building the next request), and the median of the first 100 turns
is compared with that of the last 100. CPU time, not real time: on a loaded machine real time
also counts the turns the process spent waiting for a core, which made a growing framework look
flat (Pydantic AI: x3.6 in real time, x10.5 in CPU time, same run). A median shrugs off a
garbage collection.

Every framework measured converts its whole history once per turn, so each of its turns costs a
little more than the last; what LONG-2 rejects is growth that dominates a long run: the last
100 turns more than RATIO times as dear as the first 100 and more than GROWTH dearer, which a
linear growth reaches only once it adds some 1000 x GROWTH / 2 = 15 s to a 1000-turn run. The
thresholds are CPU time on the 2.4 GHz AMD EPYC they were measured on (SPEC.md gives the
figures); a faster machine is more lenient.

Both clauses judge the same run: one 1000-turn invocation per implementation and path, made
by whichever of the two tests runs first in the process and kept for the other (a slow
framework spends minutes on it); either test run alone makes its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING, Sequence

import pytest

from agent_limits.conformance import clause
from agent_limits.mocks import CallRecord, Script

if TYPE_CHECKING:
    from agent_limits.harness import Observed, Trial

TURNS = 1000
#: Turns per window: the first and the last WINDOW turns of the run are compared.
WINDOW = 100
#: LONG-2 fails when the last window's median cost is more than RATIO times the first's ...
RATIO = 3.0
#: ... and more than GROWTH seconds (CPU) above it.
GROWTH = 0.030
#: In every line that carries measured figures (they differ from run to run, so the matrix leaves
#: such lines out of matrix.json: ``agent_limits.harness.matrix.reproducible``).
MEASURED = " (CPU time): "

#: The 1000-turn run of each (implementation, path), kept for the other LONG test.
_RUNS: dict[tuple[str, str], Observed] = {}


def thousand_turns(trial: Trial) -> Observed:
    """This implementation's 1000-turn invocation on the trial's path: made once, judged twice."""
    key = (trial.impl.spec, trial.mode)
    kept = _RUNS.pop(key, None)
    if kept is not None:
        return kept
    obs = trial.agent(Script.endless_tools(cap=TURNS + 10), max_turns=TURNS).invoke()
    _RUNS[key] = obs
    return obs


@dataclass(frozen=True)
class Pace:
    """The median cost of a turn (CPU seconds) over the first and the last WINDOW turns of a run."""

    first: float
    last: float
    calls: int
    seconds: float

    @property
    def ratio(self) -> float:
        return self.last / self.first if self.first > 0 else float("inf")

    @property
    def grew(self) -> bool:
        return self.ratio > RATIO and self.last - self.first > GROWTH

    def describe(self) -> str:
        change = self.last - self.first
        return (f"median cost of a turn {_ms(self.first)} over turns 1-{WINDOW} and {_ms(self.last)} over turns "
                f"{self.calls - WINDOW}-{self.calls - 1}{MEASURED}x{self.ratio:.1f}, {_ms(abs(change))} "
                f"{'more' if change >= 0 else 'less'}; {self.calls} model calls in {self.seconds:.1f} s of real time")


def pace(calls: Sequence[CallRecord]) -> Pace | None:
    """The pace of a run from its call log; None with too few calls for two separate windows.

    Turn k's cost is the gap between the starts of model calls k and k+1, so a run of N calls
    measures turns 1 to N-1.
    """
    cpu = [c.cpu_started for c in calls]
    gaps = [b - a for a, b in zip(cpu, cpu[1:])]
    if len(gaps) < 2 * WINDOW:
        return None
    return Pace(median(gaps[:WINDOW]), median(gaps[-WINDOW:]), len(calls),
                calls[-1].wall_started - calls[0].wall_started)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"


@clause("LONG-1")
@pytest.mark.watchdog(factor=120)  # slowness is LONG-2's verdict: here only a hang fails
def test_a_thousand_turns_end_normally_at_the_limit(trial: Trial) -> None:
    obs = thousand_turns(trial)
    if obs.outcome.stop == "error":
        trial.fail(obs, {"calls": TURNS, "stop": "max_turns"}, ["calls", "stop"],
                   why=f"the agent broke at turn {len(obs.calls)} of {TURNS}")
    trial.check(obs, calls=TURNS, stop="max_turns")


@clause("LONG-2")
@pytest.mark.watchdog(factor=120)  # a quadratic agent is slow, not hung: let it finish and be measured
def test_the_cost_of_a_turn_does_not_grow_with_the_turn_index(trial: Trial) -> None:
    obs = thousand_turns(trial)
    measured = pace(obs.calls)
    if measured is None:
        trial.fail(obs, {"calls": TURNS}, ["calls"],
                   why=f"the run ended after {len(obs.calls)} model calls: too few to compare the first "
                       f"{WINDOW} turns with the last {WINDOW} (LONG-1 says how it ended)")
    trial.note(measured.describe())
    if measured.grew:
        rule = f"more than {RATIO:g} times as dear as turns 1-{WINDOW} and more than {GROWTH * 1e3:g} ms dearer"
        trial.fail_text(
            [f"invocation #{obs.number} of this agent: {len(obs.calls)} model calls, stop {obs.outcome.stop}",
             f"  measured: {measured.describe()}",
             f"  expected: the last {WINDOW} turns at most {RATIO:g} times as dear as turns 1-{WINDOW}, "
             f"or at most {GROWTH * 1e3:g} ms dearer",
             "  why: the agent's own work per turn grows with the conversation (a turn's cost is the process's "
             "CPU time between two model-call starts; the model and the tool answer at once)"],
            limits=obs.subject.limits, script=obs.subject.script, model=obs.subject.model, outcome=obs.outcome,
            reason=f"the median cost of a turn (CPU time) over the last {WINDOW} turns was {rule}",
            symptoms=["pace:grows"])
