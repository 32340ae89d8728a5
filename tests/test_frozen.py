"""Frozen clocks: hour-long waits in milliseconds, for sync pollers and asyncio agents alike."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import freezegun.api
import pytest
from freezegun import freeze_time

from hypothesis import given, settings
from hypothesis import strategies as st

from agent_limits.mocks import Script, ScriptedModel, Tool, Turn, frozen_clock


def test_sync_agents_see_the_model_latency_on_time_monotonic():
    with frozen_clock() as clock:
        model = ScriptedModel(Script([Turn.tools(latency=1800.0), Turn.answer(latency=1800.0)]), clock=clock)
        start = time.monotonic()
        model.complete([])
        assert time.monotonic() - start == 1800.0
        model.complete([])
        assert time.monotonic() - start == 3600.0
        assert [c.started_at - start for c in model.calls] == [0.0, 1800.0]


def test_asyncio_timeout_fires_inside_a_slow_model_call_on_a_jumping_loop():
    with frozen_clock() as clock:
        model = ScriptedModel(Script(then=Turn.tools(latency=1000.0), cap=10), clock=clock)

        async def agent() -> float:
            start = time.monotonic()
            try:
                async with asyncio.timeout(3600):
                    while True:
                        await model.acomplete([])
                        await asyncio.sleep(5)  # the agent's own sleep must not hang a frozen loop
            except TimeoutError:
                return time.monotonic() - start
            raise AssertionError("unreachable")

        loop = clock.new_event_loop()
        try:
            assert loop.run_until_complete(agent()) == 3600.0
        finally:
            loop.close()
        assert [c.completed for c in model.calls] == [True, True, True, False]  # the 4th was cut at the deadline


def test_wait_for_fires_on_a_plain_loop_because_the_mock_schedules_on_the_frozen_clock():
    with frozen_clock() as clock:
        model = ScriptedModel(Script([Turn.answer(latency=7200.0)]), clock=clock)

        async def agent() -> str:
            try:
                await asyncio.wait_for(model.acomplete([]), timeout=3600)
            except asyncio.TimeoutError:
                return "timed out"
            return "answered"

        assert asyncio.run(agent()) == "timed out"
        assert not model.calls[0].completed


def test_concurrent_tool_latencies_overlap_on_a_jumping_loop():
    with frozen_clock() as clock:
        tool = Tool(latency=10.0, clock=clock)

        async def three_at_once() -> float:
            start = time.monotonic()
            await asyncio.gather(*(tool.acall(query=str(i)) for i in range(3)))
            return time.monotonic() - start

        loop = clock.new_event_loop()
        try:
            assert loop.run_until_complete(three_at_once()) == 10.0
        finally:
            loop.close()
        assert tool.peak_concurrency == 3


def test_fractional_latencies_never_leave_a_timer_just_short_of_due():
    with frozen_clock() as clock:
        model = ScriptedModel(Script([Turn.answer(latency=1 / 3)]), clock=clock)
        assert asyncio.run(model.acomplete([])).text == "done"


@settings(max_examples=25, deadline=None)
@given(latencies=st.lists(st.floats(min_value=0.001, max_value=5000, allow_nan=False), min_size=1, max_size=5))
def test_frozen_clock_per_hypothesis_example(latencies):
    with frozen_clock() as clock:
        model = ScriptedModel(Script([Turn.tools(latency=x) for x in latencies]), clock=clock)
        start = clock.now()
        for _ in latencies:
            model.complete([])
        assert clock.now() - start >= sum(latencies) - 1e-6 * len(latencies)


@pytest.mark.parametrize("step", [7200.0, -7200.0, 0.25])
def test_a_wall_step_moves_time_and_datetime_but_no_monotonic_clock(step):
    with frozen_clock() as clock:
        clock.advance(10.0)
        wall, now, mono, mono_ns, perf, perf_ns = (time.time(), datetime.now(), time.monotonic(),
                                                   time.monotonic_ns(), time.perf_counter(), time.perf_counter_ns())
        clock.step_wall(step)
        assert time.time() - wall == step and clock.wall() - wall == step
        assert datetime.now() - now == timedelta(seconds=step)
        assert (time.monotonic(), time.monotonic_ns(), time.perf_counter(), time.perf_counter_ns()) == (
            mono, mono_ns, perf, perf_ns) and clock.now() == mono
        clock.advance(5.0)  # time passing moves both clocks again, the step kept
        assert time.monotonic() - mono == 5.0 and time.time() - wall == step + 5.0


def test_asyncio_loops_keep_monotonic_time_across_wall_steps():
    with frozen_clock() as clock:

        async def timed(back: float) -> tuple[float, float]:
            loop = asyncio.get_running_loop()
            start = loop.time()
            clock.step_wall(back)  # an NTP correction while a timer is pending
            try:
                async with asyncio.timeout(100):
                    await asyncio.sleep(3600)
            except TimeoutError:
                pass
            return loop.time() - start, time.monotonic() - loop.time()

        loop = clock.new_event_loop()
        try:
            assert loop.run_until_complete(timed(-7200.0)) == (100.0, 0.0)
            assert loop.run_until_complete(timed(+7200.0)) == (100.0, 0.0)
        finally:
            loop.close()
        model = ScriptedModel(Script([Turn.answer(latency=50.0)]), clock=clock)

        async def plain() -> float:  # a plain loop: the mock schedules the reply on the loop clock
            start = asyncio.get_running_loop().time()
            clock.step_wall(-7200.0)
            await model.acomplete([])
            return asyncio.get_running_loop().time() - start

        assert asyncio.run(plain()) == 50.0


def test_another_freeze_inside_keeps_freezeguns_own_clocks_and_the_hooks_are_restored():
    original = freezegun.api._get_fake_monotonic
    with frozen_clock() as clock:
        clock.step_wall(-7200.0)
        with freeze_time("2001-01-01"):  # an agent's own freeze: freezegun's coupled clocks, as always
            assert time.monotonic() == time.time() == 978307200.0
        assert time.time() == clock.wall() and time.monotonic() == clock.now() == clock.wall() + 7200.0
    assert freezegun.api._get_fake_monotonic is original


# -- threads --------------------------------------------------------------------------------------
def _read_in_worker() -> float:
    """time.monotonic() read right in a pool's task, two frames above ``threading``'s own code:
    under freezegun's default rule such a read is the host's real clock."""
    return time.monotonic()


def test_a_worker_thread_reads_the_frozen_clock_however_shallow_its_read():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    with frozen_clock() as clock:
        with ThreadPoolExecutor(max_workers=2) as pool:
            assert pool.submit(_read_in_worker).result() == clock.now()
        seen: list[float] = []
        thread = threading.Thread(target=lambda: seen.append(time.monotonic()))
        thread.start()
        thread.join(timeout=5)  # threading's own bounded wait stays in real time: it returns
        assert seen == [clock.now()]


def test_overlapping_executions_on_threads_take_their_latency_once_and_one_after_the_other_add_up():
    from concurrent.futures import ThreadPoolExecutor

    with frozen_clock() as clock:
        tools = [Tool(f"t{i}", latency=100.0 * (i + 1), clock=clock) for i in range(3)]
        start = clock.now()
        with ThreadPoolExecutor(max_workers=3) as pool:
            starts = list(pool.map(lambda tool: (time.monotonic(), tool())[0], tools))
        assert starts == [start] * 3 and clock.now() - start == 300.0  # the latest end
        with ThreadPoolExecutor(max_workers=1) as pool:  # one worker: one after the other
            list(pool.map(lambda tool: tool(), tools))
        assert clock.now() - start == 300.0 + 600.0
        for tool in tools:  # on the thread that froze the clock: one after the other
            tool()
        assert clock.now() - start == 300.0 + 600.0 + 600.0


def test_the_real_time_rule_is_ours_only_while_our_clock_is_active():
    original = freezegun.api._should_use_real_time
    with frozen_clock():
        assert freezegun.api._should_use_real_time is not original
    assert freezegun.api._should_use_real_time is original


def test_a_jumping_loop_waits_for_its_own_executor_jobs_before_jumping_to_a_deadline():
    """Work a framework hands to ``asyncio.to_thread`` takes no frozen time, however long it takes
    in real time (a loaded machine): the deadline must not pass while it runs."""
    with frozen_clock() as clock:

        def slow_bookkeeping() -> str:
            time.sleep(0.2)  # real time: twenty times the thread grace
            return "kept"

        async def agent() -> tuple[str, float]:
            start = time.monotonic()
            kept = await asyncio.wait_for(asyncio.to_thread(slow_bookkeeping), timeout=60)
            await asyncio.sleep(30)  # and an idle wait still jumps at once
            return kept, time.monotonic() - start

        loop = clock.new_event_loop()
        try:
            assert loop.run_until_complete(agent()) == ("kept", 30.0)
        finally:
            loop.close()


def test_freezing_never_imports_what_a_module_loads_lazily(monkeypatch):
    """freezegun scans every loaded module's attributes; a PEP 562 ``__getattr__`` (huggingface_hub's
    package) would import on that read - and huggingface_hub's CLI fetches from the network."""
    import sys
    import types

    lazy = types.ModuleType("lazy_package_for_test")
    loaded: list[str] = []

    def __getattr__(name: str) -> object:
        loaded.append(name)
        raise AttributeError(name)

    lazy.__getattr__ = __getattr__  # type: ignore[method-assign]
    lazy.__dir__ = lambda: ["cli", "monotonic"]  # type: ignore[method-assign]
    lazy.monotonic = time.monotonic  # type: ignore[attr-defined]  # loaded: must still be swapped
    monkeypatch.setitem(sys.modules, lazy.__name__, lazy)
    with frozen_clock() as clock:
        clock.advance(5.0)
        assert lazy.monotonic() == clock.now()  # type: ignore[attr-defined]
    assert loaded == []
