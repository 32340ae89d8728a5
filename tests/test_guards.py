"""The watchdog and the network wall, driven through pytester: a bad agent never hangs the run."""

from __future__ import annotations

import time

import pytest

from agent_limits.harness.plugin import suite_dir

BAD_AGENTS = '''
import asyncio, socket, threading, time
from concurrent.futures import ThreadPoolExecutor
from agent_limits.conformance.reference import ReferenceAgent

class Sleeper(ReferenceAgent):
    """Blocks forever on both paths."""
    def invoke(self, prompt):
        time.sleep(3600)
    async def ainvoke(self, prompt):
        await asyncio.Event().wait()

class Spinner(ReferenceAgent):
    """Spins without ever calling the model."""
    def invoke(self, prompt):
        while True:
            pass

class ThreadHang(ReferenceAgent):
    """Hangs in a worker thread that would block interpreter exit."""
    def invoke(self, prompt):
        return ThreadPoolExecutor(1).submit(threading.Event().wait).result()

class CallbackSpinner(ReferenceAgent):
    """Spins inside a plain event-loop callback, where asyncio swallows exceptions."""
    async def ainvoke(self, prompt):
        def spin():
            while True:
                pass
        asyncio.get_running_loop().call_soon(spin)
        await asyncio.sleep(3600)

class Caller(ReferenceAgent):
    """Wired to a "real model": opens a connection (loopback only, and refused by the wall)."""
    def invoke(self, prompt):
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        except OSError:
            pass  # swallowing the error must not hide the attempt
        return super().invoke(prompt)
    async def ainvoke(self, prompt):
        try:
            await asyncio.open_connection("127.0.0.1", 9)
        except OSError:
            pass
        return await super().ainvoke(prompt)
'''

TURNS_1 = "test_turns.py::test_exactly_n_calls_when_the_model_keeps_asking_for_tools"


@pytest.fixture
def bad(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(badagents=BAD_AGENTS)
    return pytester


def run(pytester: pytest.Pytester, agent: str, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function",
        f"--agent-impl=badagents:{agent}", *args, timeout=60,
    )


HANGS = {"Sleeper": ("sync", "async"), "Spinner": ("sync",), "ThreadHang": ("sync",), "CallbackSpinner": ("async",)}


@pytest.mark.parametrize("agent", list(HANGS))
def test_a_hanging_agent_fails_within_the_bound_and_the_run_goes_on(bad, agent):
    began = time.monotonic()
    result = run(bad, agent, "--agent-timeout=0.5", f"{suite_dir()}/{TURNS_1}")
    took = time.monotonic() - began
    paths = HANGS[agent]  # the paths it hangs on; its other path is the reference agent's
    result.assert_outcomes(failed=3 * len(paths), passed=6 - 3 * len(paths))
    result.stdout.fnmatch_lines([
        f"watchdog: invocation #1 of the agent ({paths[0]} path) in *test_exactly_n_calls_when_the_model_keeps_"
        f"asking_for_tools[[]{paths[0]}-max_turns=1[]] did not finish within 0.5 s of real time: the agent blocks or spins*"
        "--agent-timeout=SECONDS*",
        "*the agent's thread was at (innermost first): *badagents.py:* in *",
        "FAILED   TURNS-1 *",
    ])
    assert took < 45, f"the run took {took:.1f} s: the watchdog did not bound it"


def test_a_network_call_fails_the_test_even_when_the_agent_swallows_the_error(bad):
    result = run(bad, "Caller", f"{suite_dir()}/{TURNS_1}")
    result.assert_outcomes(failed=6)
    result.stdout.fnmatch_lines([
        "the adapter tried to reach the network (connect to ('127.0.0.1', 9)). An agent under test must talk only "
        "to the scripted model it is given: one wired to a real model would spend money in a test run.",
    ])
