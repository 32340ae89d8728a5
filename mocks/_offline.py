"""What a framework needs in the environment to stay offline, set before it is first imported.

Some frameworks decide at import time whether to send telemetry (CrewAI builds its OpenTelemetry
exporter to telemetry.crewai.com then, and retries on background threads when the network is
closed). ``--agent-impl=crewai:Agent`` imports the framework before any adapter of ours could
speak, so the harness sets these defaults before that import, as a user of the framework does in
a test environment; a value the environment already has is kept.
"""

from __future__ import annotations

import os

__all__ = ["OFFLINE_ENV", "keep_offline"]

#: Top-level module of a framework -> the environment defaults that keep it offline and quiet.
OFFLINE_ENV: dict[str, tuple[tuple[str, str], ...]] = {
    "crewai": (
        ("CREWAI_DISABLE_TELEMETRY", "true"),  # no anonymous telemetry (crewai/telemetry/telemetry.py)
        ("CREWAI_TRACING_ENABLED", "false"),  # no execution traces sent to CrewAI's platform
        ("CREWAI_TESTING", "true"),  # no first-run prompt on the terminal about viewing traces
    ),
}


def keep_offline(framework: str) -> None:
    """Set the defaults of :data:`OFFLINE_ENV` for ``framework`` (its top-level module name)."""
    for name, value in OFFLINE_ENV.get(framework.split(".")[0], ()):
        os.environ.setdefault(name, value)
