"""Likely causes of a failing run: its failed clauses matched against the bugs the suite is known to catch.

Why: a run that fails nine clauses usually has one bug, not nine. The project's mutant catalogue
(``tests/mutants``: the reference agent with one real-world bug each) is a knowledge base of what
each such bug looks like from the outside: which clauses it fails, and which way (the symptoms,
``fact:direction``, that the trial records). ``tests/causes.py`` runs the whole suite against
every mutant and ships the result as ``causes.json`` next to this module; :func:`diagnose` matches
a run's failed clauses against it.

The matching is deliberately conservative, because a wrong diagnosis costs more than none:

- a known bug is *consistent* with a run only when every clause of its signature (the clauses it
  fails on every run) failed in the run, each with at least the symptoms the bug showed there.
  More symptoms are allowed: a second bug may add its own. A partial match, or the same clauses
  failing the other way, is no match;
- sampled (Hypothesis) clauses find different examples on every run, so they are never required
  and their symptoms never compared; a consistent bug known to fail them explains them too;
- the consistent bug explaining the most not-yet-explained failed clauses is reported first (on a
  tie, the one whose signature accounts for more of the symptoms), then the next, while a
  consistent bug explains something new;
- bugs that explain the same clauses just as well are named together ("equally consistent with"),
  never one picked; a consistent bug explaining less is still named, as explaining less;
- failed clauses no known bug explains are listed as unexplained, never attributed by guesswork.

The wording is always "likely" and "consistent with": a signature match is evidence, not proof.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Collection, Mapping, Sequence

__all__ = ["Cause", "Diagnosis", "diagnose", "known_causes", "load_causes", "summary"]

#: The symptom of a failure that carries no structured fact (validation failures, exceptions).
OTHER = "other"
#: The knowledge base, shipped as package data of ``agent_limits.harness``.
DATA_FILE = "causes.json"


@dataclass(frozen=True, eq=False)
class Cause:
    """One known bug and what it fails.

    ``signature``: the clauses it fails on every run, each with its symptoms (all required for a
    match); ``sometimes``: sampled clauses it is known to fail (never required; explained when
    they fail; their symptoms, kept for the record, are never compared).
    """

    mutant: str
    bug: str
    killed_by: frozenset[str]
    signature: Mapping[str, frozenset[str]]
    sometimes: Mapping[str, frozenset[str]]

    def consistent_with(self, failed: Mapping[str, Collection[str]]) -> bool:
        """Every clause of the signature failed in ``failed``, with (at least) the signature's symptoms.

        An empty signature is consistent with nothing: a bug known only by sampled clauses is no evidence.
        """
        return bool(self.signature) and all(
            clause in failed and symptoms <= set(failed[clause]) for clause, symptoms in self.signature.items()
        )

    def explains(self, failed: Collection[str]) -> frozenset[str]:
        """The failed clauses this bug accounts for (if consistent): its signature, and its sampled clauses that failed."""
        return frozenset(self.signature) | (frozenset(self.sometimes) & frozenset(failed))

    @property
    def weight(self) -> int:
        """How much of a run the signature pins down: its (clause, symptom) pairs. Breaks ties between bugs."""
        return sum(len(symptoms) for symptoms in self.signature.values())


@dataclass(frozen=True)
class Diagnosis:
    """A likely cause of some of a run's failed clauses, or (``mutant`` None) the clauses none explains.

    ``clauses``: the failed clauses this cause explains, sorted: ``required`` (its signature) and
    ``sampled`` (sampled clauses it is known to fail, which failed here); ``new``: those no earlier
    diagnosis explained; ``symptoms``: the signature's symptoms; ``extra``: symptoms the run
    showed on the signature's clauses that the signature does not have; ``see``: the clauses the
    bug is known for; ``equally``: known bugs explaining the same clauses just as well; ``fewer``:
    known bugs consistent with the run that explain less of it.
    """

    mutant: str | None
    bug: str
    clauses: tuple[str, ...]
    new: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    sampled: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    see: tuple[str, ...] = ()
    equally: tuple[Cause, ...] = ()
    fewer: tuple[Cause, ...] = ()

    @property
    def explained(self) -> bool:
        """False for the entry listing the failed clauses no known bug explains."""
        return self.mutant is not None

    def rule(self) -> str:
        """How this diagnosis was matched, in one line, so a reader can weigh the evidence."""
        n = len(self.required)
        every = "the 1 clause this bug fails on every run" if n == 1 else f"all {n} clauses this bug fails on every run"
        if set(self.symptoms) <= {OTHER}:
            return (f"matched: {every} failed here; these failures carry no structured symptom (other), "
                    "so only the clauses matched, not the direction")
        how = f"with the same symptoms ({', '.join(self.symptoms)})"
        if self.extra:
            how = f"with its symptoms ({', '.join(self.symptoms)}) among others ({', '.join(self.extra)})"
        return f"matched: {every} failed here, {how}"

    def lines(self) -> list[str]:
        """The text of this diagnosis for the terminal summary (first line unindented)."""
        if not self.explained:
            return [f"{_count(self.clauses)} consistent with no known bug (unexplained): {', '.join(self.clauses)}"]
        head = f"likely cause of {_count(self.new)}"
        if self.equally:
            head += (f", one of {len(self.equally) + 1} known bugs equally consistent with "
                     f"{'it' if len(self.new) == 1 else 'them'}")
        out = [f"{head}: {self.bug}"]
        before = [c for c in self.clauses if c not in self.new]
        out.append(f"  clauses: {', '.join(self.new)}" + (f" (and {', '.join(before)}, explained above)" if before else ""))
        out.append(f"  {self.rule()}")
        if self.sampled:
            out.append(f"  also explained: {', '.join(self.sampled)}, sampled (Hypothesis) clause(s) this bug is known "
                       "to fail; their symptoms vary from run to run and were not compared")
        out.append(f"  known as mutant {self.mutant} of the project's catalogue"
                   + (f"; see {', '.join(self.see)}" if self.see else ""))
        for other in self.equally:
            out.append(f"  equally consistent with: {other.bug} (mutant {other.mutant})")
        for other in self.fewer:
            out.append(f"  also consistent, explaining less of this run: {other.bug} "
                       f"(mutant {other.mutant}: {', '.join(sorted(other.explains(self.clauses)))})")
        return out

    def as_dict(self) -> dict[str, Any]:
        """The diagnosis for the JSON report (``--conformance-report``); ``mutant`` is None for the unexplained."""
        if not self.explained:
            return {"mutant": None, "unexplained": list(self.clauses)}
        return {"mutant": self.mutant, "bug": self.bug, "clauses": list(self.clauses), "new": list(self.new),
                "required": list(self.required), "sampled": list(self.sampled), "symptoms": list(self.symptoms),
                "extra_symptoms": list(self.extra), "see": list(self.see), "rule": self.rule(),
                "equally_consistent": [{"mutant": c.mutant, "bug": c.bug} for c in self.equally],
                "also_consistent": [{"mutant": c.mutant, "bug": c.bug} for c in self.fewer]}

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _count(clauses: Collection[str]) -> str:
    return "1 failed clause" if len(clauses) == 1 else f"{len(clauses)} failed clauses"


def load_causes(data: Mapping[str, Any]) -> tuple[Cause, ...]:
    """The known bugs in a parsed ``causes.json``: ``{"causes": {mutant: {bug, killed_by, signature, sometimes}}}``."""
    return tuple(
        Cause(mutant=name, bug=str(entry["bug"]), killed_by=frozenset(entry.get("killed_by", ())),
              signature={c: frozenset(s) for c, s in entry["signature"].items()},
              sometimes={c: frozenset(s) for c, s in entry.get("sometimes", {}).items()})
        for name, entry in sorted(data["causes"].items())
    )


@lru_cache(maxsize=1)
def known_causes() -> tuple[Cause, ...]:
    """The knowledge base shipped with the package (read once, on first use: a passing run never needs it)."""
    text = resources.files(__package__ or "agent_limits.harness").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return load_causes(json.loads(text))


def diagnose(failed: Mapping[str, Collection[str]], causes: Sequence[Cause] | None = None) -> list[Diagnosis]:
    """Likely causes of the FAILED clauses in ``failed`` (clause id -> its symptoms), best first.

    Greedy and conservative: among the known bugs consistent with the run (see
    :meth:`Cause.consistent_with`), the one explaining the most not-yet-explained failed clauses
    comes first; on a tie, the one whose signature accounts for more symptoms; bugs still tied
    that explain the same clauses form one diagnosis naming all of them (otherwise the order is by
    mutant name, so it never depends on the file). Then the next, while a consistent bug explains
    something new. Consistent bugs left over are named under the diagnosis they overlap most. If
    failed clauses remain, the last entry (``mutant`` None) lists them as unexplained.
    ``causes`` defaults to the shipped knowledge base.
    """
    pool = known_causes() if causes is None else causes
    candidates = sorted((c for c in pool if c.consistent_with(failed)), key=lambda c: c.mutant)
    left = set(failed)
    chosen: list[tuple[Cause, list[Cause]]] = []
    while candidates:
        rank = {c: (len(c.explains(failed) & left), c.weight) for c in candidates}
        best = max(rank.values())
        if best[0] == 0:
            break
        lead = next(c for c in candidates if rank[c] == best)
        same = [c for c in candidates
                if c is not lead and rank[c] == best and c.explains(failed) == lead.explains(failed)]
        chosen.append((lead, same))
        left -= lead.explains(failed)
        candidates = [c for c in candidates if c is not lead and c not in same]
    result: list[Diagnosis] = []
    explained: set[str] = set()
    for lead, same in chosen:
        clauses = lead.explains(failed)
        fewer = tuple(c for c in candidates  # each left-over bug under the diagnosis it overlaps most (first on a tie)
                      if max(chosen, key=lambda ch: len(c.explains(failed) & ch[0].explains(failed)))[0] is lead)
        symptoms = set[str]().union(*lead.signature.values())
        extra = {s for c in lead.signature for s in failed[c]} - symptoms
        result.append(Diagnosis(
            mutant=lead.mutant, bug=lead.bug, clauses=tuple(sorted(clauses)), new=tuple(sorted(clauses - explained)),
            required=tuple(sorted(lead.signature)), sampled=tuple(sorted(clauses - set(lead.signature))),
            symptoms=tuple(sorted(symptoms)), extra=tuple(sorted(extra)), see=tuple(sorted(lead.killed_by)),
            equally=tuple(same), fewer=fewer))
        explained |= clauses
    if left:
        result.append(Diagnosis(mutant=None, bug="", clauses=tuple(sorted(left)), new=tuple(sorted(left))))
    return result


def summary(failed: Mapping[str, Collection[str]], causes: Sequence[Cause] | None = None) -> list[str]:
    """The terminal summary's lines for ``failed`` (empty when no clause failed)."""
    if not failed:
        return []
    pool = known_causes() if causes is None else causes
    out = [f"{_count(failed)} matched against the failure records of {len(pool)} known bugs (the project's mutant "
           "catalogue): a bug is named only when every clause it fails on every run failed here, with at least "
           "its symptoms"]
    for diagnosis in diagnose(failed, pool):
        out.extend(diagnosis.lines())
    return out
