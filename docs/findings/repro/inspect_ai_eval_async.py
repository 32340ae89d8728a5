"""ISOLATION-1 (async path): two evaluations cannot run at once in one process, and an eval_async
that is abandoned (its event loop stopped, as a watchdog does) leaves every later eval refused.

eval_async() (inspect_ai/_eval/eval.py) sets the module flag _eval_async_running and raises
"Multiple concurrent calls to eval_async are not allowed." while it is set; it is cleared in a
`finally` of the coroutine, which never runs when the loop is stopped under it.
"""

import asyncio
import os
import tempfile

from inspect_ai import Task, eval_async
from inspect_ai.agent import react
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from inspect_ai.util import display_type
from inspect_ai_model import FINAL_AT, lookup

os.environ["INSPECT_DISPLAY"] = "none"  # read by display_type(); eval_async would pick "plain" itself
display_type()


def task():  # type: ignore[no-untyped-def]
    model = get_model("repro/endless", memoize=False)
    return Task(dataset=[Sample(input="Go.")], solver=react(model=model, tools=[lookup()], submit=False)), model


async def one():  # type: ignore[no-untyped-def]
    t, model = task()
    [log] = await eval_async(t, model=model, log_dir=tempfile.mkdtemp(), log_format="json", score=False,
                             log_realtime=False, ctl_server=False)
    return log.status


async def together():  # type: ignore[no-untyped-def]
    return await asyncio.gather(one(), one(), return_exceptions=True)


FINAL_AT[0] = 2
print("two eval_async at once:", [r if isinstance(r, str) else f"{type(r).__name__}: {r}" for r in asyncio.run(together())])

loop = asyncio.new_event_loop()
loop.call_later(0.05, loop.stop)  # abandon the first eval mid-way, as a watchdog stopping the loop does
try:
    loop.run_until_complete(one())
except RuntimeError as exc:
    print("first eval abandoned:", exc)
try:
    print("a later eval:", asyncio.run(one()))
except RuntimeError as exc:
    print("a later eval:", f"{type(exc).__name__}: {exc}")
