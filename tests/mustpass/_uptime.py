"""A pytest plugin that makes the host look long-lived: the real monotonic clocks are shifted.

    PYTEST_ADDOPTS="-p tests.mustpass._uptime" pytest --agent-impl=...

The harness freezes time near the epoch, so the frozen ``time.monotonic()`` reads about one day
(86 400 s). A host's real monotonic clock is its uptime, often less than that on a developer's
machine and far more on a CI runner that has been up for weeks. An agent that reads real time
where it should read the frozen clock (freezegun's ignore rules, a thread, a C extension) then
gets a verdict that depends on the host's uptime. This plugin shifts every real monotonic clock
(``time.monotonic``, ``time.perf_counter`` and their ``_ns`` twins) forward by
``AGENT_LIMITS_UPTIME_OFFSET`` seconds (default three days), so that any such leak shows as a
deadline long passed, deterministically, on every host.

Every module that holds one of the real clocks (``from time import monotonic``, freezegun's own
captured ``real_monotonic``...) gets the shifted one in its place, the way freezegun itself
patches modules, so the process keeps one consistent real clock whatever was imported first
(the ``tests.mustpass`` package imports the agents, and so freezegun, before this module). It
runs before any freeze starts: freezegun's cache of module attributes is still empty.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable

__all__ = ["OFFSET"]

#: How far the real monotonic clocks are shifted forward, in seconds.
OFFSET = float(os.environ.get("AGENT_LIMITS_UPTIME_OFFSET", 3 * 86_400))


def _shifted(real: Callable[[], float]) -> Callable[[], float]:
    def clock() -> float:
        return real() + OFFSET

    clock.__name__ = getattr(real, "__name__", "clock")
    return clock


def _shifted_ns(real: Callable[[], int]) -> Callable[[], int]:
    offset = int(OFFSET * 1e9)

    def clock() -> int:
        return real() + offset

    clock.__name__ = getattr(real, "__name__", "clock")
    return clock


def _install() -> None:
    if getattr(time, "_agent_limits_uptime", None) is not None:
        return  # loaded twice: shift once
    shifted: dict[int, Callable[[], object]] = {}
    for name in ("monotonic", "perf_counter", "monotonic_ns", "perf_counter_ns"):
        real = getattr(time, name)
        shifted[id(real)] = _shifted_ns(real) if name.endswith("_ns") else _shifted(real)
    for module in list(sys.modules.values()):
        attributes = getattr(module, "__dict__", None)
        if not isinstance(attributes, dict):
            continue
        for key, value in list(attributes.items()):
            if id(value) in shifted and callable(value):
                attributes[key] = shifted[id(value)]
    time._agent_limits_uptime = OFFSET  # type: ignore[attr-defined]


_install()
