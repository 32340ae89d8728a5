"""The wire adapter: an agent in any language, run as a child process that speaks JSON lines.

    pytest --agent-impl=js-reference                      # the JavaScript reference agent
    pytest --agent-cmd="node path/to/my-agent.mjs"        # any agent that speaks the protocol

The protocol is ``conformance/WIRE.md`` (normative, versioned). The harness stays the model, the
tools and the clock; the child is only the agent. Every model request the child sends is
answered by the test's :class:`~agent_limits.mocks.ScriptedModel` (its call log is the ground
truth, as for a Python agent), every tool request runs the instrumented
:class:`~agent_limits.mocks.Tool` for real, on a thread of its own (so executions the child
asks for together overlap, and a parallel cap is judged on what really ran at once), and every
message to the child carries the harness clock, which the child reads as its own.

Time: a scripted model latency passes on the frozen clock the way it does on the asynchronous
path of a Python agent (calls of several agents in flight overlap), with one rule more: the
clock jumps to the next reply only when the child has said it is idle (it has handled every
message sent to it and has nothing more to send) and no tool is running. A tool's latency
passes when its execution starts (``Tool.__call__``). See WIRE.md, "Time".

One child process per test holds every agent the test builds (an agent keeps its history
across invocations; two agents may share module state, as they would in one Python process);
it is killed when the test ends (``release``), when it breaks the protocol, and at exit.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import queue
import shlex
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from agent_limits.mocks import CallRecord, ModelThrottled, ScriptedModel, Tool, Turn

from .._child import Child, ChildFailed, isolation
from .._guards import hang_notes
from .._limits import COMPANIONS, ERROR, LIMIT_KINDS
from .._native import native_stop, to_message, to_usage
from ..adapter import Adapter, Outcome

__all__ = ["PROTOCOL", "REGISTERED", "AgentError", "Hello", "Registered", "WireAdapter", "encode_value"]

#: The wire protocol version this harness speaks (conformance/WIRE.md, "Wire protocol version").
PROTOCOL = 1
#: Real seconds a child has to say hello after it starts.
HELLO_SECONDS = 30.0
#: The repository root, where the bundled bridges live (a clone; a wheel has no bridges).
ROOT = Path(__file__).resolve().parents[2]
_PATHS = ("sync", "async")


@dataclass(frozen=True)
class Registered:
    """A wire agent known by name: ``--agent-impl=<name>``."""

    command: tuple[str, ...]
    needs: str
    install: str
    file: Path | None = None
    #: What to do when ``file`` is missing (default: run from a clone).
    missing: str = ""


#: Agents ``--agent-impl`` takes by name (no colon), besides ``wire`` with ``--agent-cmd``.
REGISTERED: dict[str, Registered] = {
    "js-reference": Registered(
        ("node", str(ROOT / "bridges" / "js" / "reference-agent.mjs")), needs="node",
        install="Node.js 18 or later (the `node` command): e.g. `apt-get install nodejs`, or see https://nodejs.org",
        file=ROOT / "bridges" / "js" / "reference-agent.mjs",
    ),
    # The Cognipeer agent-sdk (TypeScript), pinned in bridges/cognipeer/package.json: needs
    # `npm ci` in bridges/cognipeer first (file is then the installed SDK's package.json).
    "cognipeer": Registered(
        ("node", str(ROOT / "bridges" / "cognipeer" / "driver.mjs")), needs="node",
        install="Node.js 18 or later (the `node` command), then `npm ci` in bridges/cognipeer",
        file=ROOT / "bridges" / "cognipeer" / "node_modules" / "@cognipeer" / "agent-sdk" / "package.json",
        missing="the pinned SDK is not installed: run `npm ci` in bridges/cognipeer (needs npm and the npm registry)",
    ),
}


class AgentError(RuntimeError):
    """An error the agent reported whose kind is not one the harness maps to a Python exception."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind


#: Error kinds the child may name, and the Python exception each becomes.
_ERRORS: dict[str, Callable[[str], Exception]] = {
    "ValueError": ValueError,
    "TypeError": TypeError,
    "ModelThrottled": ModelThrottled,
}


def agent_error(error: Any) -> Exception:
    """The exception an ``{"kind", "message"}`` error object from the child stands for."""
    kind = str(error.get("kind") or "Error") if isinstance(error, Mapping) else "Error"
    message = str(error.get("message") or "") if isinstance(error, Mapping) else str(error)
    make = _ERRORS.get(kind)
    return make(message) if make is not None else AgentError(kind, message)


def encode_value(value: Any) -> Any:
    """A limit value as the wire carries it, its Python type kept (WIRE.md, "Values").

    JSON alone would lose what VALID-2 is about: ``2.0`` would arrive as the integer 2, and
    NaN or infinity could not be written at all. So ints, bools, strings and None travel as
    themselves; every float as ``{"float": x}`` (``"NaN"``, ``"Infinity"``, ``"-Infinity"``
    for the non-finite ones); anything else as ``{"repr": ..., "type": ...}``.
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return {"float": "NaN"}
        if math.isinf(value):
            return {"float": "Infinity" if value > 0 else "-Infinity"}
        return {"float": value}
    return {"repr": repr(value), "type": type(value).__name__}


def _json_value(value: Any) -> Any:
    """A tool output as the wire carries it: a string as is; else JSON if it encodes, else ``str()``."""
    if isinstance(value, str):
        return value
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return str(value)
    return value


def _now(clock: Any) -> dict[str, float]:
    """The harness clock, as every message to the child carries it."""
    if clock is None:
        return {"monotonic": time.monotonic(), "wall": time.time()}
    wall: Callable[[], float] | None = getattr(clock, "wall", None)  # a ManualClock has none
    return {"monotonic": float(clock.now()), "wall": float(wall()) if callable(wall) else time.time()}


def _turn(turn: Turn) -> dict[str, Any]:
    u = turn.usage
    return {
        "text": turn.text,
        "tool_calls": [{"id": c.id, "name": c.name, "arguments": dict(c.arguments)} for c in turn.tool_calls],
        "usage": {"input_tokens": u.input_tokens, "output_tokens": u.output_tokens,
                  "cached_input_tokens": u.cached_input_tokens},
    }


@dataclass(frozen=True)
class Hello:
    """What the child says about itself first."""

    name: str
    version: str
    limits: frozenset[str]
    paths: tuple[str, ...]

    @classmethod
    def read(cls, message: Mapping[str, Any]) -> Hello:
        """The hello, or :class:`ChildFailed` saying what is wrong with it."""
        version = message.get("protocol")
        if version != PROTOCOL:
            raise ChildFailed(f"the agent speaks wire protocol {version!r}; this harness speaks version {PROTOCOL} "
                              "(conformance/WIRE.md)")
        described = message.get("agent")
        agent: Mapping[str, Any] = described if isinstance(described, Mapping) else {}
        limits = message.get("limits")
        if not isinstance(limits, list) or not all(isinstance(k, str) for k in limits):
            raise ChildFailed(f"hello: \"limits\" must be a list of limit kinds, got {limits!r}")
        unknown = sorted(set(limits) - set(LIMIT_KINDS))
        if unknown:
            raise ChildFailed(f"hello: unknown limit kinds {unknown}; known: {', '.join(LIMIT_KINDS)}")
        paths = message.get("paths")
        if not isinstance(paths, list) or not paths or any(p not in _PATHS for p in paths):
            raise ChildFailed(f"hello: \"paths\" must be a non-empty list of \"sync\" and/or \"async\", got {paths!r}")
        return cls(str(agent.get("name", "?")), str(agent.get("version", "?")), frozenset(limits),
                   tuple(p for p in _PATHS if p in paths))


class _Waiter:
    """One answer the harness waits for: on a thread (build, the sync path) or on an event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = loop
        self.future: asyncio.Future[Any] | None = loop.create_future() if loop is not None else None
        self._event = threading.Event()
        self._value: Any = None

    def deliver(self, value: dict[str, Any] | ChildFailed) -> None:
        """Hand over the answer (or the failure), from any thread."""
        if self.loop is None:
            self._value = value
            self._event.set()
            return
        try:
            self.loop.call_soon_threadsafe(self._settle, value)
        except RuntimeError:  # the loop is closed: nobody waits any more
            pass

    def _settle(self, value: Any) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_result(value)

    def wait(self) -> dict[str, Any]:
        self._event.wait()  # interruptible: the watchdog's alarm reaches this thread
        return _unwrap(self._value)

    async def wait_async(self) -> dict[str, Any]:
        assert self.future is not None
        return _unwrap(await self.future)


def _unwrap(value: Any) -> dict[str, Any]:
    if isinstance(value, ChildFailed):
        raise ChildFailed(str(value))  # a fresh one, raised here: the traceback shows this wait
    assert isinstance(value, dict)
    return value


@dataclass(eq=False)
class _Agent:
    """One agent built in the child: the model, tools and companions the harness answers it with."""

    session: Session
    id: str
    model: ScriptedModel
    tools: dict[str, Tool]
    specs: list[dict[str, Any]]
    estimator: Callable[..., Any] | None
    counter: Callable[[str], Any] | None
    #: The messages of its last model request (a request may keep a prefix of them: "base").
    request: list[Any] = field(default_factory=list)
    waiter: _Waiter | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    running: int = 0
    result: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<wire agent {self.id} in pid {self.session.child.pid}>"


@dataclass(eq=False)
class _Timed:
    """A model call in flight: answered once the clock reaches ``due``."""

    agent: _Agent
    request: Any
    record: CallRecord
    due: float


class _Workers:
    """Threads that run tool executions, each on a thread of its own: a job starts at once, on an
    idle worker or a new one (daemon threads, reused: starting a thread per execution costs more
    than the rest of a turn)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
                self._jobs.put(job)
                return
        threading.Thread(target=self._work, args=(job,), daemon=True, name="agent-limits-wire-tool").start()

    def _work(self, job: Callable[[], None]) -> None:
        while True:
            job()
            with self._lock:
                self._idle += 1
            job = self._jobs.get()


_WORKERS = _Workers()


class Session:
    """One child process and every agent built in it."""

    def __init__(self, argv: Sequence[str], *, isolate: bool = True) -> None:
        self._lock = threading.RLock()
        self._said_hello = threading.Event()
        self._hello: Hello | None = None
        self._failure: str | None = None
        self._agents: dict[str, _Agent] = {}
        self._builds: dict[str, _Waiter] = {}
        self._timed: list[_Timed] = []
        self._sent = 0  # seq of the last message sent
        self._idle = 0  # seq of the last message the child said it handled, with nothing left to send
        self._tools = 0  # tool executions running
        self._loops: dict[asyncio.AbstractEventLoop, int] = {}  # async invocations in flight, per loop
        self._numbers = itertools.count(1)
        self._doing: dict[str, str] = {}  # what the harness waits for, per agent (for a hang's message)
        self._unnote: Callable[[], None] | None = None
        self.child = Child(argv, on_message=self._receive, on_end=self._end, isolate=isolate)

    @property
    def hello(self) -> Hello:
        """The child's hello, waited for (at most :data:`HELLO_SECONDS`) the first time."""
        if self._hello is None:
            if not self._said_hello.wait(HELLO_SECONDS):
                self.child.fail(f"the agent's process did not say hello within {HELLO_SECONDS:g} s of real time")
            if self._hello is None:
                raise ChildFailed(self.child.explain(self._failure or "the agent's process did not say hello"))
        return self._hello

    @property
    def broken(self) -> str | None:
        return self._failure

    def activate(self) -> None:
        """This child is the current test's: a watchdog that fires says what the harness was
        waiting for from it, and its stderr tail."""
        if self._unnote is None:
            self._unnote = hang_notes(self.note)

    def close(self) -> None:
        if self._unnote is not None:
            self._unnote()
        self.child.kill()

    # -- the harness side: build and invoke ----------------------------------------------------
    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> _Agent:
        companions = {name: limits[name] for name in COMPANIONS.values() if limits.get(name) is not None}
        agent = _Agent(self, f"a{next(self._numbers)}", model, {t.name: t for t in tools}, [t.spec() for t in tools],
                       estimator=companions.get("cost_estimator") if callable(companions.get("cost_estimator")) else None,
                       counter=companions.get("token_counter") if callable(companions.get("token_counter")) else None)
        waiter = _Waiter()
        with self._lock:
            self._agents[agent.id] = agent
            self._builds[agent.id] = waiter
        self._send({
            "type": "build", "agent": agent.id, "model": model.name, "tools": agent.specs,
            "limits": {k: encode_value(v) for k, v in limits.items() if k not in COMPANIONS.values()},
            "companions": {k: True if callable(v) else encode_value(v) for k, v in companions.items()},
        }, model.clock)
        self._doing[agent.id] = f"building agent {agent.id}"
        try:
            answer = waiter.wait()
        finally:
            self._doing.pop(agent.id, None)
        if answer.get("error") is not None:
            with self._lock:
                del self._agents[agent.id]
            raise agent_error(answer["error"])
        return agent

    def invoke(self, agent: _Agent, prompt: str) -> Outcome:
        waiter = self._start(agent, prompt, None)
        try:
            return self._outcome(agent, waiter.wait())
        finally:
            self._doing.pop(agent.id, None)

    async def ainvoke(self, agent: _Agent, prompt: str) -> Outcome:
        loop = asyncio.get_running_loop()
        waiter = self._start(agent, prompt, loop)
        try:
            return self._outcome(agent, await waiter.wait_async())
        finally:
            self._doing.pop(agent.id, None)
            with self._lock:
                self._loops[loop] -= 1
                if not self._loops[loop]:
                    del self._loops[loop]

    def _start(self, agent: _Agent, prompt: str, loop: asyncio.AbstractEventLoop | None) -> _Waiter:
        if agent.session is not self:
            raise ChildFailed(f"{agent!r} belongs to a child process that was already ended (its test is over)")
        waiter = _Waiter(loop)
        with self._lock:
            if self._failure is not None:
                raise ChildFailed(self.child.explain(self._failure))
            if agent.waiter is not None:
                raise RuntimeError(f"{agent!r} is already being invoked")
            agent.waiter, agent.events, agent.result = waiter, [], None
            self._doing[agent.id] = f"invoking agent {agent.id}"
            if loop is not None:
                self._loops[loop] = self._loops.get(loop, 0) + 1
        try:
            self._send({"type": "invoke", "agent": agent.id, "prompt": prompt, "path": "async" if loop else "sync"},
                       agent.model.clock)
        except BaseException:
            with self._lock:
                agent.waiter = None
                if loop is not None:
                    self._loops[loop] -= 1
                    if not self._loops[loop]:
                        del self._loops[loop]
            self._doing.pop(agent.id, None)
            raise
        return waiter

    def _outcome(self, agent: _Agent, result: dict[str, Any]) -> Outcome:
        printed = self.child.fresh_stderr()
        if printed:  # the agent's own stderr, in the test's captured output
            sys.stderr.write(printed)
        raw = {"result": result, "events": agent.events}
        if result.get("error") is not None:
            return Outcome(ERROR, signal=agent_error(result["error"]), raw=raw)
        reason = result.get("stop_reason")
        stop = native_stop(reason)  # either spelling; anything else named with the accepted values
        return Outcome(stop, signal=reason, messages=[to_message(m) for m in result.get("messages") or ()],
                       text=result.get("text"), usage=to_usage(result.get("usage")), raw=raw)

    def note(self) -> str:
        """What the harness was waiting for, for the watchdog's message when the child hangs."""
        doing = ", ".join(self._doing.values())
        if not doing:
            return ""
        with self._lock:
            timed = [f"{t.agent.id}'s model call #{t.record.index + 1} (due at {t.due:g} s on the frozen clock)"
                     for t in self._timed]
            state = (f"the child said it was idle after message {self._idle} of {self._sent} sent to it; "
                     f"{self._tools} tool execution(s) running")
        waiting = (f"; model replies held until the child says it is idle: {', '.join(timed)}" if timed else "")
        return self.child.explain(f"wire: the harness was {doing}; {state}{waiting}")

    # -- sending --------------------------------------------------------------------------------
    def _send(self, message: dict[str, Any], clock: Any) -> None:
        def stamped() -> dict[str, Any]:  # under the child's write lock: seq and now in stream order
            self._sent += 1
            return {**message, "seq": self._sent, "now": _now(clock)}

        self.child.send(stamped)

    def _reply(self, agent: _Agent, message: dict[str, Any]) -> None:
        """Answer one of the child's requests; a child that died meanwhile is reported elsewhere."""
        try:
            self._send(message, agent.model.clock)
        except ChildFailed:
            pass

    # -- receiving (on the child's reader thread) -------------------------------------------------
    def _receive(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if self._hello is None:
            if kind != "hello":
                raise ChildFailed(f"the agent's first message must be \"hello\", got {kind!r}")
            self._hello = Hello.read(message)
            self._said_hello.set()
            return
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise ChildFailed(f"the agent sent a message of unknown type {kind!r} (protocol version {PROTOCOL}): "
                              f"{_short(message)}")
        handler(self, message)
        self._poke()

    def _end(self, why: str) -> None:
        with self._lock:
            self._failure = why
            waiters = [*self._builds.values(), *(a.waiter for a in self._agents.values() if a.waiter is not None)]
            self._builds.clear()
            for agent in self._agents.values():
                agent.waiter = None
        self._said_hello.set()
        failed = ChildFailed(self.child.explain(why))
        for waiter in waiters:
            waiter.deliver(failed)

    def _agent(self, message: Mapping[str, Any], *, invoking: bool = True) -> _Agent:
        agent = self._agents.get(message.get("agent"))  # type: ignore[arg-type]
        if agent is None:
            raise ChildFailed(f"a {message['type']} names agent {message.get('agent')!r}, which the harness never "
                              f"built: {_short(message)}")
        if invoking and agent.waiter is None:
            raise ChildFailed(f"a {message['type']} for agent {agent.id}, which is not being invoked: {_short(message)}")
        return agent

    def _on_built(self, message: dict[str, Any]) -> None:
        with self._lock:
            waiter = self._builds.pop(message.get("agent"), None)  # type: ignore[arg-type]
        if waiter is None:
            raise ChildFailed(f"\"built\" for agent {message.get('agent')!r}, which the harness was not building")
        waiter.deliver(message)

    def _on_idle(self, message: dict[str, Any]) -> None:
        seq = message.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq > self._sent:
            raise ChildFailed(f"\"idle\" must carry the seq of a message the harness sent (last: {self._sent}), "
                              f"got {seq!r}")
        with self._lock:
            self._idle = max(self._idle, seq)

    def _on_model_request(self, message: dict[str, Any]) -> None:
        agent = self._agent(message)
        base, messages = message.get("base", 0), message.get("messages")
        if not isinstance(base, int) or isinstance(base, bool) or not 0 <= base <= len(agent.request):
            raise ChildFailed(f"model_request: \"base\" must be an int from 0 to {len(agent.request)} (the messages "
                              f"of agent {agent.id}'s previous request), got {base!r}")
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise ChildFailed(f"model_request: \"messages\" must be a list of message objects: {_short(message)}")
        del agent.request[base:]
        agent.request.extend(messages)
        try:
            record = agent.model._begin(agent.request, agent.specs)  # the call log's entry, opened now
        except Exception as exc:  # the script is exhausted: the agent called once too often
            self._reply(agent, {"type": "model_reply", "id": message.get("id"), "error": _model_error(exc)})
            return
        if isinstance(getattr(record, "cpu_started", None), float):  # the agent's CPU is the child's too (LONG-2)
            record.cpu_started += self.child.cpu_time()
        latency, clock = record.turn.latency, agent.model.clock
        if not latency or clock is None or record.started_at is None:
            self._answer(_Timed(agent, message.get("id"), record, 0.0))
            return
        with self._lock:
            self._timed.append(_Timed(agent, message.get("id"), record, record.started_at + latency))

    def _answer(self, timed: _Timed) -> None:
        """Close one model call in the log, and send the child its reply (or the provider's error)."""
        try:
            turn = timed.agent.model._end(timed.record)
        except Exception as exc:
            self._reply(timed.agent, {"type": "model_reply", "id": timed.request, "error": _model_error(exc)})
            return
        self._reply(timed.agent, {"type": "model_reply", "id": timed.request, "reply": _turn(turn)})

    def _on_tool_request(self, message: dict[str, Any]) -> None:
        agent = self._agent(message)
        call = message.get("call")
        if not isinstance(call, dict) or not isinstance(call.get("name"), str) or not isinstance(
                call.get("arguments", {}), dict):
            raise ChildFailed(f"tool_request: \"call\" must be {{\"id\", \"name\", \"arguments\": {{...}}}}: "
                              f"{_short(message)}")
        tool = agent.tools.get(call["name"])
        if tool is None:
            self._reply(agent, {"type": "tool_result", "id": message.get("id"),
                                "error": {"kind": "UnknownTool", "message": f"no tool named {call['name']!r}"}})
            return
        with self._lock:
            self._tools += 1
            agent.running += 1
        _WORKERS.submit(lambda: self._execute(agent, tool, message.get("id"), dict(call.get("arguments", {}))))

    def _execute(self, agent: _Agent, tool: Tool, request: Any, arguments: dict[str, Any]) -> None:
        """One tool execution, on its own thread: the instrumented tool records it."""
        try:
            try:
                answer: dict[str, Any] = {"output": _json_value(tool(**arguments))}
            except Exception as exc:
                answer = {"error": {"kind": type(exc).__name__, "message": str(exc)}}
            self._reply(agent, {"type": "tool_result", "id": request, **answer})
        finally:
            with self._lock:
                self._tools -= 1
                agent.running -= 1
                finished = agent.result if agent.running == 0 else None
            if finished is not None:
                self._deliver(agent, finished)
            self._poke()

    def _on_count_request(self, message: dict[str, Any]) -> None:
        agent = self._agent(message)
        texts = message.get("texts")
        if agent.counter is None:
            raise ChildFailed(f"count_request for agent {agent.id}, which was built without a token_counter")
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ChildFailed(f"count_request: \"texts\" must be a list of strings: {_short(message)}")
        counter = agent.counter
        self._reply(agent, {"type": "count_reply", "id": message.get("id"), "tokens": [int(counter(t)) for t in texts]})

    def _on_cost_request(self, message: dict[str, Any]) -> None:
        agent = self._agent(message)
        if agent.estimator is None:
            raise ChildFailed(f"cost_request for agent {agent.id}, which was built without a cost_estimator")
        numbers = [message.get(k) for k in ("input_tokens", "output_tokens", "cached_input_tokens")]
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
            raise ChildFailed(f"cost_request: input_tokens, output_tokens and cached_input_tokens must be ints: "
                              f"{_short(message)}")
        usd = float(agent.estimator(str(message.get("model", agent.model.name)), *numbers))
        if not math.isfinite(usd):
            raise ChildFailed(f"the harness's cost_estimator returned {usd!r} for {_short(message)}")
        self._reply(agent, {"type": "cost_reply", "id": message.get("id"), "usd": usd})

    def _on_event(self, message: dict[str, Any]) -> None:
        agent = self._agent(message, invoking=False)
        agent.events.append({"name": message.get("name"), "data": message.get("data")})

    def _on_result(self, message: dict[str, Any]) -> None:
        agent = self._agent(message)
        problem = _result_problem(message)
        if problem:
            raise ChildFailed(f"result for agent {agent.id}: {problem}: {_short(message)}")
        with self._lock:
            if agent.running:  # executions it asked for are still running: ground truth waits for them
                agent.result = message
                return
        self._deliver(agent, message)

    def _deliver(self, agent: _Agent, result: dict[str, Any]) -> None:
        with self._lock:
            waiter, agent.waiter, agent.result = agent.waiter, None, None
        if waiter is not None:
            waiter.deliver(result)

    def _on_fatal(self, message: dict[str, Any]) -> None:
        raise ChildFailed(f"the agent's process gave up: {message.get('message')!r}")

    def _on_hello(self, message: dict[str, Any]) -> None:
        raise ChildFailed("the agent said hello twice")

    # -- time -----------------------------------------------------------------------------------
    def _poke(self) -> None:
        """Let time move if it may. While asynchronous invocations are in flight, the decision is
        taken on their event loop, after whatever the harness already had ready to run there (an
        invocation about to start must start before the clock jumps)."""
        with self._lock:
            loops = list(self._loops)
            if not self._timed:
                return
        if not loops:
            self._advance()
            return
        for loop in loops:
            try:
                loop.call_soon_threadsafe(self._advance)
            except RuntimeError:  # closed: the invocation is over
                pass

    def _advance(self) -> None:
        """Answer the model calls that are due; if none is, and the child is idle and no tool runs,
        jump the clock to the earliest one (the asynchronous path's frozen loop does the same)."""
        while True:
            with self._lock:
                due = [t for t in self._timed if _reached(t)]
                if not due:
                    if not self._timed or self._idle < self._sent or self._tools or self._failure:
                        return
                    first = min(self._timed, key=lambda t: t.due)
                    clock = first.agent.model.clock
                    assert clock is not None  # a call without a clock is answered at once
                    clock.advance(max(0.0, first.due - clock.now()))
                    due = [t for t in self._timed if _reached(t)]
                due.sort(key=lambda t: (t.due, t.record.started_at))
                for t in due:
                    self._timed.remove(t)
            for t in due:
                self._answer(t)


def _reached(timed: _Timed) -> bool:
    clock = timed.agent.model.clock
    return clock is None or clock.now() >= timed.due - 1e-9


def _model_error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ModelThrottled):
        return {"kind": "throttled", "type": type(exc).__name__, "message": str(exc)}
    return {"kind": "error", "type": type(exc).__name__, "message": str(exc)}


def _result_problem(message: Mapping[str, Any]) -> str:
    if message.get("error") is not None:
        return "" if isinstance(message["error"], Mapping) else "\"error\" must be {\"kind\", \"message\"}"
    if not isinstance(message.get("stop_reason"), str):
        return "a result needs a \"stop_reason\" (or an \"error\")"
    if not isinstance(message.get("messages", []), list):
        return "\"messages\" must be a list"
    if message.get("text") is not None and not isinstance(message["text"], str):
        return "\"text\" must be a string or null"
    if message.get("usage") is not None and not isinstance(message["usage"], Mapping):
        return "\"usage\" must be {\"input_tokens\", \"output_tokens\"}"
    return ""


def _short(message: Any) -> str:
    text = json.dumps(message, default=repr)
    return text if len(text) <= 300 else text[:300] + "..."


_HANDLERS: dict[str, Callable[[Session, dict[str, Any]], None]] = {
    "hello": Session._on_hello,
    "built": Session._on_built,
    "idle": Session._on_idle,
    "model_request": Session._on_model_request,
    "tool_request": Session._on_tool_request,
    "count_request": Session._on_count_request,
    "cost_request": Session._on_cost_request,
    "event": Session._on_event,
    "result": Session._on_result,
    "fatal": Session._on_fatal,
}


class WireAdapter(Adapter):
    """Runs the suite against an agent in a child process (one per test), over the wire protocol.

    The limits it supports and the paths it offers are the ones its hello declares, read once
    here by starting it (a command that cannot start, or does not speak the protocol, is a usage
    error before anything runs).
    """

    name = "wire"

    def __init__(self, command: Sequence[str], *, label: str | None = None, isolate: bool = True) -> None:
        if not command:
            raise ValueError("the wire adapter needs a command to start the agent")
        self.command = tuple(command)
        self.label = label or shlex.join(self.command)
        self.isolate = isolate
        probe = Session(self.command, isolate=isolate)
        try:
            self.hello = probe.hello
        finally:
            probe.close()
        self.capabilities = self.hello.limits
        self._session: Session | None = None

    @classmethod
    def registered(cls, name: str) -> WireAdapter:
        """The adapter for an agent registered by name (``--agent-impl=js-reference``)."""
        known = REGISTERED[name]
        if shutil.which(known.needs) is None:
            raise ChildFailed(f"{name} runs `{' '.join(known.command)}`, but `{known.needs}` is not on PATH. "
                              f"Install {known.install}.")
        if known.file is not None and not known.file.is_file():
            if known.missing:
                raise ChildFailed(f"{name} needs {known.file}: {known.missing}")
            raise ChildFailed(f"{name} needs {known.file}, which ships with the source tree, not the wheel: run from "
                              "a clone of the project, or start it yourself with --agent-cmd")
        return cls(known.command, label=name)

    @property
    def supports_sync(self) -> bool:
        return "sync" in self.hello.paths

    @property
    def supports_async(self) -> bool:
        return "async" in self.hello.paths

    def build(self, model: ScriptedModel, tools: Sequence[Tool], limits: Mapping[str, Any]) -> Any:
        return self._current().build(model, tools, limits)

    def run(self, agent: Any, prompt: str) -> Outcome:
        handle: _Agent = agent
        return handle.session.invoke(handle, prompt)

    async def arun(self, agent: Any, prompt: str) -> Outcome:
        handle: _Agent = agent
        return await handle.session.ainvoke(handle, prompt)

    def release(self) -> None:
        """The test is over: end its child process (the next test's first build starts another)."""
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def describe(self) -> str:
        return (f"wire protocol {PROTOCOL} ({self.label}: {self.hello.name} {self.hello.version}; "
                f"{isolation().note if self.isolate else 'not isolated'})")

    def _current(self) -> Session:
        if self._session is None or self._session.broken is not None:
            if self._session is not None:
                self._session.close()
            session = Session(self.command, isolate=self.isolate)
            if session.hello != self.hello:
                session.close()
                raise ChildFailed(session.child.explain(
                    f"the agent's process said hello as {session.hello}, but as {self.hello} when the run started"))
            session.activate()
            self._session = session
        return self._session
