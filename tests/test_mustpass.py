"""Verdict accuracy the other way round: correct variants must pass every clause they support.

A correct agent judged non-conforming is as bad a defect as a missed bug. Each variant in
``tests/mustpass`` takes a freedom the spec grants; the whole suite runs against it in a fresh
interpreter (with the variant's environment), and every clause must pass or be skipped because
the variant does not support that limit, never failed.
"""

from __future__ import annotations

import pytest

from tests.mustpass import CATALOGUE, Variant
from tests.mutants._run import verdicts


def test_the_catalogue_is_not_empty_and_the_readme_names_every_variant():
    from pathlib import Path

    assert CATALOGUE, "tests/mustpass registers no variant"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Proof that the suite does not fail correct agents"):]
    table = table[:table.index("\n## ", 1)]
    missing = [v.name for v in CATALOGUE
               if f"`{v.name}`" not in table and f"`{v.name.removesuffix('-on-a-long-lived-host')}` (and on a host" not in table]
    assert missing == [], "README's must-pass table lacks these variants"


def failures(found: dict[str, dict]) -> dict[str, str]:
    """The failed clauses of a run's verdicts, each with its reason (or its first failure's start)."""
    return {c: v.get("reason") or v.get("first_failure", "")[:400] for c, v in found.items() if v["status"] == "failed"}


@pytest.mark.parametrize("variant", CATALOGUE, ids=[v.name for v in CATALOGUE])
def test_correct_variant_passes_every_clause_it_supports(variant: Variant):
    found = verdicts(variant.spec, variant.clauses, env=variant.env)
    failed = failures(found)
    assert not failed, (f"correct variant {variant.name!r} ({variant.freedom}) judged non-conforming:\n"
                        + "\n".join(f"  {c}: {r}" for c, r in sorted(failed.items())))
    assert any(v["status"] == "passed" for v in found.values()), f"{variant.name}: no clause ran"


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "known harness defect (2026-12-07): a sync pre-emptive agent abandons the request in flight at the deadline "
    "(TIMEOUT-1 'reply-ends-1us-before-the-deadline': call #4 starts 1 us before it), but the scripted model still "
    "completes that call on the abandoned worker thread, so ground truth counts a reply the agent never received "
    "(reported_usage expected 40in+20out, observed 30in+15out), and its end after 1 us of real time looks "
    "'before the deadline' on the frozen clock. PreemptiveSteps passes only when its worker finishes inside the "
    "GIL switch interval; under load it failed twice in make test (TIMEOUT-1 is left out of it until the fix). "
    "Fix: a reply in flight at the deadline may be missing from a timeout stop's usage, text and transcript, and "
    "a real-time wait must not end an invocation before its frozen deadline; then make causes and make matrix. "
    "Strict, so the fix turns this into a pass to remove the marker."))
def test_a_preemptive_agent_whose_requests_take_real_time() -> None:
    failed = failures(verdicts("tests.mustpass.threads:PreemptiveSlowSteps", ["TIMEOUT-1", "PARTIAL-1"]))
    assert not failed, f"correct pre-emptive agent judged non-conforming: {failed}"
