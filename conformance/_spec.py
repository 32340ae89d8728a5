"""Reads the clause table out of SPEC.md, so the spec is the single source of clause text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["Clause", "SPEC_PATH", "clauses", "spec_version"]

SPEC_PATH = Path(__file__).with_name("SPEC.md")
_VERSION = re.compile(r"^Spec version: (\S+)\s*$", re.M)
_ROW = re.compile(r"^\|\s*([A-Z]+-\d+)\s*\|\s*(MUST|SHOULD)\s*\|\s*(.+?)\s*\|\s*$")


@dataclass(frozen=True)
class Clause:
    id: str
    level: str
    text: str


@cache
def clauses() -> dict[str, Clause]:
    """Every clause in SPEC.md by id, in the order the spec lists them."""
    found: dict[str, Clause] = {}
    for line in SPEC_PATH.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line)
        if m:
            if m.group(1) in found:
                raise ValueError(f"SPEC.md lists clause {m.group(1)} twice")
            found[m.group(1)] = Clause(*m.groups())
    return found


@cache
def spec_version() -> str:
    """The version SPEC.md declares ("Spec version: X.Y" near the top): what a report vouches against."""
    m = _VERSION.search(SPEC_PATH.read_text(encoding="utf-8"))
    if m is None:
        raise ValueError("SPEC.md declares no 'Spec version:' line")
    return m.group(1)
