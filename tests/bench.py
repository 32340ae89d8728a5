"""Benchmarks (``make bench``): scaling figures measured in one run, never asserted by tests.

Long runs: the reference agent under the scripted model, with max_turns = N and a model that
keeps asking for tools. Linear means the time per turn stays flat as N grows; the figure that
matters is the ratio of per-turn time at the largest N to the smallest, measured here together.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent_limits.conformance.reference import ReferenceAgent  # noqa: E402
from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, frozen_clock  # noqa: E402

SIZES = (1_000, 2_500, 5_000, 10_000)


def run_once(n: int, mode: str) -> float:
    model = ScriptedModel(Script.endless_tools(cap=n))
    agent = ReferenceAgent(model, [Tool()], max_turns=n)
    start = time.perf_counter()
    result = agent.invoke("go") if mode == "sync" else asyncio.run(agent.ainvoke("go"))
    elapsed = time.perf_counter() - start
    assert result.stop_reason == "max_turns" and len(model.calls) == n, "benchmark run did not reach its limit"
    return elapsed


def best_of(n: int, mode: str, repeats: int = 3) -> float:
    return min(run_once(n, mode) for _ in range(repeats))


def long_runs() -> None:
    print("long runs: reference agent, max_turns=N, model always asks for a tool (best of 3)")
    print(f"{'mode':<6}{'N':>8}{'total s':>10}{'us/turn':>10}{'vs N=' + str(SIZES[0]):>12}")
    for mode in ("sync", "async"):
        base = None
        for n in SIZES:
            per_turn = best_of(n, mode) / n
            base = base or per_turn
            print(f"{mode:<6}{n:>8}{per_turn * n:>10.3f}{per_turn * 1e6:>10.1f}{per_turn / base:>11.2f}x")
    print("linear scaling: the last column stays near 1.0x (quadratic growth would reach ~10x at N=10,000)")


def frozen_timeouts() -> None:
    """Simulated seconds per real second: a one-hour timeout, checked on the frozen clock."""
    print("\nfrozen-clock timeouts: timeout_seconds=3600, model replies take 1000 s, tools 50 s (best of 3)")
    print(f"{'mode':<6}{'simulated s':>13}{'real ms':>10}{'ratio':>14}")
    for mode in ("sync", "async"):
        best = None
        for _ in range(3):
            real = time.perf_counter()
            with frozen_clock() as clock:
                model = ScriptedModel(Script(then=Turn.tools(latency=1000.0), cap=100), clock=clock)
                agent = ReferenceAgent(model, [Tool(latency=50.0, clock=clock)], timeout_seconds=3600)
                start = clock.now()
                if mode == "sync":
                    result = agent.invoke("go")
                else:
                    loop = clock.new_event_loop()
                    result = loop.run_until_complete(agent.ainvoke("go"))
                    loop.close()
                simulated = clock.now() - start
            real = time.perf_counter() - real
            assert result.stop_reason == "timeout", result.stop_reason
            best = min(best or real, real)
        print(f"{mode:<6}{simulated:>13.0f}{best * 1e3:>10.2f}{simulated / best:>13,.0f}x")


def wire_overhead(n: int = 1_000, repeats: int = 3) -> None:
    """Real time per turn (one model call and one tool execution) of the JavaScript reference agent
    over the wire protocol, beside the Python reference agent in process, in the same run."""
    import shutil

    from agent_limits.harness.adapters.wire import WireAdapter

    node = shutil.which("node")
    if node is None:
        print("\nwire protocol: skipped (no node on PATH)")
        return
    adapter = WireAdapter([node, str(Path(__file__).resolve().parents[1] / "bridges" / "js" / "reference-agent.mjs")])

    def wired() -> float:
        model = ScriptedModel(Script.endless_tools(cap=n))
        agent = adapter.build(model, [Tool()], {"max_turns": n})
        start = time.perf_counter()
        outcome = asyncio.run(adapter.arun(agent, "go"))
        elapsed = time.perf_counter() - start
        adapter.release()
        assert outcome.stop == "max_turns" and len(model.calls) == n, "benchmark run did not reach its limit"
        return elapsed

    print(f"\nwire protocol: max_turns={n}, model always asks for a tool (best of {repeats}); a turn is one model "
          "call and one tool execution")
    native = best_of(n, "async", repeats) / n
    remote = min(wired() for _ in range(repeats)) / n
    print(f"{'python reference, in process (async)':<44}{native * 1e6:>10.1f} us/turn")
    print(f"{'js reference over the wire (node child)':<44}{remote * 1e6:>10.1f} us/turn")
    print(f"{'wire overhead':<44}{(remote - native) * 1e6:>10.1f} us/turn")


def full_suite() -> None:
    """Real seconds for the whole bundled suite, properties included, at the CI profile: serially,
    then spread over both cores with pytest-xdist (``-n 2``), in one run so the ratio is fair."""
    import importlib.util
    import os
    import subprocess

    root = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "--agent-impl=agent_limits.conformance.reference:ReferenceAgent", str(root / "conformance" / "suite")]
    spreads = [[]] + ([["-n", "2"]] if importlib.util.find_spec("xdist") else [])
    took: dict[str, float] = {}
    for extra in spreads:
        label = " ".join(extra) or "serial"
        began = time.perf_counter()
        done = subprocess.run([*command, *extra], cwd=root, capture_output=True, text=True,
                              env={**os.environ, "CI": "true"})
        took[label] = time.perf_counter() - began
        summary = [line for line in done.stdout.splitlines() if line.startswith("clauses:")]
        print(f"\nfull conformance suite vs the reference agent, CI profile, {label}: {took[label]:.1f} s real")
        for line in summary[-1:]:
            print(f"  {line}")
    if len(took) == 2:
        print(f"  -n 2 takes {took['-n 2'] / took['serial']:.2f}x the serial time on {os.cpu_count()} cores")


if __name__ == "__main__":
    long_runs()
    frozen_timeouts()
    wire_overhead()
    full_suite()
