"""``make mutants``: run every mutant against the clauses that must catch it; print the score.

Prints one line per mutant, then ``mutation score: killed/total`` and the survivors, and exits
non-zero if any mutant survived. Two mutants run at a time (this machine has two cores).
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.mutants import CATALOGUE  # noqa: E402
from tests.mutants._run import survived  # noqa: E402


def main() -> int:
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(survived, CATALOGUE))
    width = max(len(m.name) for m in CATALOGUE)
    for mutant, left in zip(CATALOGUE, results):
        verdict = "killed  " if not left else "SURVIVED"
        print(f"{verdict} {mutant.name:<{width}}  {', '.join(sorted(mutant.killed_by)):<24} {mutant.bug}")
    survivors = [m for m, left in zip(CATALOGUE, results) if left]
    killed = len(CATALOGUE) - len(survivors)
    print(f"\nmutation score: {killed}/{len(CATALOGUE)} killed ({100 * killed / len(CATALOGUE):.0f}%) "
          f"in {time.perf_counter() - began:.1f} s")
    for m in survivors:
        print(f"survivor: {m.name} ({m.bug}): clauses {sorted(results[CATALOGUE.index(m)])} did not fail")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
