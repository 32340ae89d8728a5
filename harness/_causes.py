"""Likely causes of a failing run: its failed clauses matched against the bugs the suite is known to catch.

Why: a run that fails nine clauses usually has one bug, not nine. The project's mutant catalogue
(``tests/mutants``: the reference agent with one real-world bug each) is a knowledge base of what
each such bug looks like from the outside: which clauses it fails, and which way (the symptoms,
``fact:direction``, that :mod:`._trial` records). ``tests/causes.py`` runs the whole suite against
every mutant and ships the result as ``causes.json`` next to this module; :func:`diagnose` matches a
run's failed clauses against it.

The matching is deliberately conservative, because a wrong diagnosis costs more than none:

- a known bug is *consistent* with a run only when every clause of its signature failed in the
  run, each with at least the symptoms the bug showed there (more symptoms are allowed: a second
  bug may add its own). A partial match, or the same clauses failing the other way, is no match;
- the consistent bug explaining the most still-unexplained failed clauses is reported first, then
  the next, until no consistent bug explains anything new;
- bugs with the same clause set are named together ("equally consistent with"), never one picked;
  a consistent bug explaining only clauses already explained is still named, as explaining fewer;
- failed clauses no known bug explains are listed as unexplained, never attributed by guesswork.

The wording is always "likely" and "consistent with": a signature match is evidence, not proof.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Collection, Mapping, Sequence

__all__ = ["Cause", "Diagnosis", "diagnose", "known_causes", "load_causes", "summary"]

#: The symptom of a failure that carries no structured fact (validation failures, exceptions).
OTHER = "other"
#: The knowledge base, shipped as package data of ``agent_limits.harness``.
DATA_FILE = "causes.json"


@dataclass(frozen=True)
class Cause:
    """One known bug and its failure signature: the clauses it fails, each with its symptoms.

    ``varied``: clauses (or symptoms) the bug failed in some generating runs but not in all
    (Hypothesis-based clauses draw random examples); kept for the record, never matched on.
    """

    mutant: str
    bug: str
    killed_by: frozenset[str]
    signature: Mapping[str, frozenset[str]]
    varied: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def consistent_with(self, failed: Mapping[str, Collection[str]]) -> bool:
        """Every clause of the signature failed in ``failed``, with (at least) the signature's symptoms.

        An empty signature is consistent with nothing: a bug that fails no clause stably is no evidence.
        """
        return bool(self.signature) and all(
            clause in failed and symptoms <= set(failed[clause]) for clause, symptoms in self.signature.items()
        )


@dataclass(frozen=True)
class Diagnosis:
    """A likely cause of some of a run's failed clauses, or (``mutant`` None) the clauses none explains.

    ``clauses``: the failed clauses this cause explains (its whole signature), sorted;
    ``new``: those of them no earlier diagnosis explained; ``symptoms``: the signature's symptoms;
    ``extra``: symptoms the run showed on these clauses that the signature does not have;
    ``equally``: other known bugs with the same clause set, equally consistent with the run;
    ``fewer``: known bugs consistent with the run that explain only clauses already explained.
    """

    mutant: str | None
    bug: str
    clauses: tuple[str, ...]
    new: tuple[str, ...] = ()
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
        n = len(self.clauses)
        every = "the 1 clause" if n == 1 else f"all {n} clauses"
        if set(self.symptoms) <= {OTHER}:
            return (f"matched: {every} this bug fails failed here; these failures carry no structured symptom "
                    "(other), so only the clause set matched, not the direction")
        how = f"with the same symptoms ({', '.join(self.symptoms)})"
        if self.extra:
            how = f"with its symptoms ({', '.join(self.symptoms)}) among others ({', '.join(self.extra)})"
        return f"matched: {every} this bug fails failed here, {how}"

    def lines(self) -> list[str]:
        """The text of this diagnosis for the terminal summary (first line unindented)."""
        if not self.explained:
            return [f"{_count(self.clauses)} consistent with no known bug (unexplained): {', '.join(self.clauses)}"]
        if self.equally:
            head = f"{_count(self.new)} consistent with {len(self.equally) + 1} known bugs equally, likely one of them: "
        else:
            head = f"{_count(self.new)} consistent with one known bug, likely their cause: "
        out = [head + self.bug]
        also = [c for c in self.clauses if c not in self.new]
        out.append(f"  clauses: {', '.join(self.new)}"
                   + (f" (and {', '.join(also)}, explained above)" if also else ""))
        out.append(f"  {self.rule()}")
        out.append(f"  known as mutant {self.mutant} of the project's catalogue"
                   + (f"; see {', '.join(self.see)}" if self.see else ""))
        for other in self.equally:
            out.append(f"  equally consistent with: {other.bug} (mutant {other.mutant})")
        for other in self.fewer:
            out.append(f"  also consistent, explaining fewer failed clauses ({', '.join(sorted(other.signature))}): "
                       f"{other.bug} (mutant {other.mutant})")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _count(clauses: Collection[str]) -> str:
    return "1 failed clause" if len(clauses) == 1 else f"{len(clauses)} failed clauses"


def load_causes(data: Mapping[str, Any]) -> tuple[Cause, ...]:
    """The known bugs in a parsed ``causes.json`` (``{"causes": {mutant: {bug, killed_by, signature, varied}}}``)."""
    return tuple(
        Cause(mutant=name, bug=str(entry["bug"]), killed_by=frozenset(entry.get("killed_by", ())),
              signature={c: frozenset(s) for c, s in entry["signature"].items()},
              varied={c: frozenset(s) for c, s in entry.get("varied", {}).items()})
        for name, entry in sorted(data["causes"].items())
    )


@lru_cache(maxsize=1)
def known_causes() -> tuple[Cause, ...]:
    """The knowledge base shipped with the package (read once, on first use: most runs never need it)."""
    text = resources.files(__package__ or "agent_limits.harness").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return load_causes(json.loads(text))


def diagnose(failed: Mapping[str, Collection[str]], causes: Sequence[Cause] | None = None) -> list[Diagnosis]:
    """Likely causes of the FAILED clauses in ``failed`` (clause id -> its symptoms), best first.

    Greedy and conservative: among the known bugs consistent with the run (see
    :meth:`Cause.consistent_with`), the one explaining the most not-yet-explained failed clauses
    comes first (ties: bugs with the same clause set form one diagnosis, naming all of them;
    different clause sets go by clause ids, then mutant name, so the order never depends on the
    file), and so on while a consistent bug explains something new. If failed clauses remain, the
    last entry (``mutant`` None) lists them as unexplained. ``causes`` defaults to the shipped
    knowledge base.
    """
    pool = list(known_causes() if causes is None else causes)
    candidates = sorted((c for c in pool if c.consistent_with(failed)), key=lambda c: (sorted(c.signature), c.mutant))
    left = set(failed)
    chosen: list[tuple[Cause, list[Cause], tuple[str, ...]]] = []
    while candidates:
        best = max(len(left & set(c.signature)) for c in candidates)
        if best == 0:
            break
        lead = next(c for c in candidates if len(left & set(c.signature)) == best)
        same = [c for c in candidates if c is not lead and set(c.signature) == set(lead.signature)]
        chosen.append((lead, same, tuple(sorted(left & set(lead.signature)))))
        left -= set(lead.signature)
        candidates = [c for c in candidates if c is not lead and c not in same]
    result: list[Diagnosis] = []
    for lead, same, new in chosen:
        # every consistent bug left explains nothing new: name it under the diagnosis it overlaps most
        fewer = tuple(c for c in candidates
                      if max(chosen, key=lambda ch: len(set(c.signature) & set(ch[0].signature)))[0] is lead)
        clauses = tuple(sorted(lead.signature))
        symptoms = tuple(sorted(set[str]().union(*lead.signature.values())))
        extra = tuple(sorted({s for c in clauses for s in failed[c]} - set(symptoms)))
        result.append(Diagnosis(mutant=lead.mutant, bug=lead.bug, clauses=clauses, new=new, symptoms=symptoms,
                                extra=extra, see=tuple(sorted(lead.killed_by)), equally=tuple(same), fewer=fewer))
    if left:
        result.append(Diagnosis(mutant=None, bug="", clauses=tuple(sorted(left)), new=tuple(sorted(left))))
    return result


def summary(failed: Mapping[str, Collection[str]], causes: Sequence[Cause] | None = None) -> list[str]:
    """The terminal summary's lines for ``failed`` (empty when no clause failed)."""
    if not failed:
        return []
    pool = known_causes() if causes is None else causes
    out = [f"likely causes: {_count(failed)} matched against the failure signatures of {len(pool)} known bugs "
           "(the mutant catalogue); a bug is named only when every clause it fails failed here the same way"]
    for diagnosis in diagnose(failed, pool):
        out.extend(diagnosis.lines())
    return out
