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


def test_the_catalogue_is_not_empty():
    assert CATALOGUE, "tests/mustpass registers no variant"


@pytest.mark.parametrize("variant", CATALOGUE, ids=[v.name for v in CATALOGUE])
def test_correct_variant_passes_every_clause_it_supports(variant: Variant):
    found = verdicts(variant.spec, variant.clauses, env=variant.env)
    failed = {c: v.get("reason") or v.get("first_failure", "")[:400]
              for c, v in found.items() if v["status"] == "failed"}
    assert not failed, (f"correct variant {variant.name!r} ({variant.freedom}) judged non-conforming:\n"
                        + "\n".join(f"  {c}: {r}" for c, r in sorted(failed.items())))
    assert any(v["status"] == "passed" for v in found.values()), f"{variant.name}: no clause ran"
