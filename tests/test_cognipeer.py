"""The Cognipeer driver (bridges/cognipeer/driver.mjs) speaks the wire protocol with the real SDK.

Skipped, with the reason, when ``node`` is missing or the pinned SDK is not installed
(``npm ci`` in bridges/cognipeer): a skip here is not a pass. What the SDK fails is in
docs/findings/cognipeer.md; these tests only show the driver drives it: the hello declares the
SDK's own limits, clauses the SDK meets pass through the wire (PAR-1, PAR-2, TOOLS-4), and one it
fails (TOOLS-1, extra model calls after the cap) fails on ground truth.
"""

from __future__ import annotations

import json
import shlex
import shutil
import uuid
from pathlib import Path

import pytest

import agent_limits.harness._trial  # noqa: F401  (imported once here, not again by each run below)
from agent_limits.harness.adapters.wire import REGISTERED

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "bridges" / "cognipeer" / "driver.mjs"
SDK = ROOT / "bridges" / "cognipeer" / "node_modules" / "@cognipeer" / "agent-sdk" / "package.json"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="needs node (Node.js 18 or later)"),
    pytest.mark.skipif(not SDK.is_file(), reason="the pinned @cognipeer/agent-sdk is not installed: run `npm ci` in "
                                                 "bridges/cognipeer"),
]


def run(pytester: pytest.Pytester, clauses: list[str], path: str) -> tuple[pytest.RunResult, dict]:
    report = pytester.path / f"verdicts-{uuid.uuid4().hex}.json"
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function",
        f"--agent-cmd={shlex.join([NODE or 'node', str(DRIVER)])}", f"--conformance-report={report}",
        *(f"--clause={c}" for c in clauses), str(ROOT / "conformance" / "suite" / path))
    verdicts = json.loads(report.read_text())["clauses"] if report.exists() else {}
    return result, verdicts


def test_cognipeer_is_registered_and_pins_the_sdk():
    assert REGISTERED["cognipeer"].command[-1] == str(DRIVER)
    pinned = json.loads((DRIVER.parent / "package.json").read_text())["dependencies"]["@cognipeer/agent-sdk"]
    installed = json.loads(SDK.read_text())["version"]
    assert pinned == installed == "0.9.2"


def test_the_driver_drives_the_sdk_over_the_wire(pytester):
    result, verdicts = run(pytester, ["PAR-1", "PAR-2", "TOOLS-1", "TOOLS-4"], "test_tools.py")
    statuses = {c: v["status"] for c, v in verdicts.items()}
    assert statuses == {"PAR-1": "passed", "PAR-2": "passed", "TOOLS-4": "passed", "TOOLS-1": "failed"}, \
        result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(["*limits: max_context_tokens, max_cost_usd, max_output_tokens, max_parallel_tools, "
                                 "max_tool_calls, timeout_seconds | paths: async*"])
