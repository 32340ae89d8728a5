"""``make mutants``: run every mutant against the clauses that must catch it; print the score.

Prints one line per mutant: killed or not, the clause that killed it first (the first of its
clauses in SPEC's order that failed, a deterministic one before a sampled property, whose
examples are drawn at random), the other clauses that failed, and the bug. Then ``mutation
score: killed/total``, the survivors, and the mutants only a property killed (a bug whose
failure would name the wrong clause, or none on an unlucky run). Exits non-zero if any mutant
survived or was killed only by a property. Two mutants run at a time (two cores).
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_limits.conformance import clauses  # noqa: E402
from tests.causes import sampled_clauses  # noqa: E402
from tests.mutants import CATALOGUE, Mutant  # noqa: E402
from tests.mutants._run import DERANDOMIZED, verdicts  # noqa: E402


def killers(mutant: Mutant, order: list[str], sampled: set[str]) -> list[str]:
    """The mutant's clauses that failed against it: deterministic ones first, each group in SPEC's order."""
    found = verdicts(mutant.spec, mutant.killed_by, env=DERANDOMIZED)
    failed = [c for c in order if c in mutant.killed_by and found.get(c, {}).get("status") == "failed"]
    return sorted(failed, key=lambda c: c in sampled)


def main() -> int:
    began = time.perf_counter()
    order, sampled = list(clauses()), sampled_clauses()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda m: killers(m, order, sampled), CATALOGUE))
    width = max(len(m.name) for m in CATALOGUE)
    for mutant, failed in zip(CATALOGUE, results):
        verdict = "killed  " if failed else "SURVIVED"
        first = failed[0] if failed else "-"
        more = ", ".join(failed[1:])
        print(f"{verdict} {mutant.name:<{width}}  by {first:<12} {'(also ' + more + ')' if more else '':<24} {mutant.bug}")
    survivors = [m for m, failed in zip(CATALOGUE, results) if not failed]
    by_luck = [m for m, failed in zip(CATALOGUE, results) if failed and failed[0] in sampled]
    killed = len(CATALOGUE) - len(survivors)
    print(f"\nmutation score: {killed}/{len(CATALOGUE)} killed ({100 * killed / len(CATALOGUE):.0f}%) "
          f"in {time.perf_counter() - began:.1f} s; first killed by a deterministic clause: "
          f"{killed - len(by_luck)}/{len(CATALOGUE)} (sampled clauses: {', '.join(sorted(sampled))})")
    for m in survivors:
        print(f"survivor: {m.name} ({m.bug}): clauses {sorted(m.killed_by)} did not fail")
    for m in by_luck:
        print(f"only a property killed: {m.name} ({m.bug}): add a deterministic scenario to the clause it violates")
    return 1 if survivors or by_luck else 0


if __name__ == "__main__":
    sys.exit(main())
