"""What a verdict was reached with: this package, the spec, Python, and the package under test.

A report that gates a release must say what it vouches for; a framework's verdict changes with
its version, and ours with the spec's.
"""

from __future__ import annotations

import platform
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from typing import Any

__all__ = ["DIST", "versions"]

DIST = "agent-limit-conformance"


@cache
def _distributions() -> dict[str, list[str]]:
    return dict(packages_distributions())


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def versions(target: Any) -> dict[str, str]:
    """Name -> version: ours, the spec's, Python's, and the distribution(s) ``target`` comes from
    (nothing for a module that is not an installed package, e.g. the user's own agent file)."""
    from agent_limits.conformance import spec_version

    found = {DIST: _version(DIST), "spec": spec_version(),
             "python": f"{platform.python_version()} ({platform.python_implementation()})"}
    module = getattr(target, "__module__", None) or getattr(target, "__name__", "") or ""
    for dist in sorted(set(_distributions().get(module.split(".")[0], []))):
        if dist != DIST:
            found[dist] = _version(dist)
    return found
