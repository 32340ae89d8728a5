"""Turning ``--agent-impl=MODULE:ATTR`` into an adapter, with errors a person can act on."""

from __future__ import annotations

import importlib
import inspect
import shlex
from dataclasses import dataclass
from typing import Any, cast

from agent_limits.mocks._offline import keep_offline

from ._native import NativeAdapter
from .adapters import framework_adapter, framework_root
from .adapter import Adapter

__all__ = ["FRAMEWORK_EXTRAS", "Implementation", "ImplementationError", "adapter_for", "resolve"]

#: Top-level modules of frameworks with an adapter, and the extra that installs each.
FRAMEWORK_EXTRAS: dict[str, tuple[str, str]] = {
    "strands": ("strands-agents", "strands"),
    "agents": ("openai-agents", "openai-agents"),
    "pydantic_ai": ("pydantic-ai", "pydantic-ai"),
    "langchain": ("langchain", "langchain"),
    "langgraph": ("langgraph", "langchain"),
    "tinyagent": ("tiny-agent-os", "tinyagent"),
    "inspect_ai": ("inspect-ai", "inspect-ai"),
    "smolagents": ("smolagents", "smolagents"),
    "google.adk": ("google-adk", "google-adk"),
    "autogen_agentchat": ("autogen-agentchat", "autogen"),
    "autogen_core": ("autogen-core", "autogen"),
    "llama_index": ("llama-index-core", "llama-index"),
    "agno": ("agno", "agno"),
    "crewai": ("crewai", "crewai"),
}
DIST = "agent-limit-conformance"


class ImplementationError(Exception):
    """``--agent-impl`` names something the harness cannot test; the message says why and what to do."""


@dataclass(frozen=True)
class Implementation:
    """What ``--agent-impl`` resolved to."""

    spec: str
    target: Any
    adapter: Adapter
    #: Options besides ``--agent-impl`` that re-run it (``--agent-cmd=...`` for a wire agent).
    options: tuple[str, ...] = ()

    def header(self) -> str:
        limits = ", ".join(sorted(self.adapter.capabilities)) or "none"
        paths = [p for p, ok in (("sync", self.adapter.supports_sync), ("async", self.adapter.supports_async)) if ok]
        return f"agent-impl: {self.spec} | adapter: {self.adapter.describe()} | limits: {limits} | paths: {'+'.join(paths)}"


def resolve(spec: str, command: str | None = None) -> Implementation:
    """Import ``MODULE:ATTR`` and pick its adapter, or raise :class:`ImplementationError`.

    A name without a colon is an agent that runs as a child process over the wire protocol:
    ``wire`` with ``command`` (``--agent-cmd``), or a registered one (``js-reference``).
    """
    if command is not None or (":" not in spec and spec in _wire_names()):
        return _wire(spec, command)
    module_name, colon, attr = spec.partition(":")
    if not colon or not module_name or not attr:
        raise ImplementationError(
            f"--agent-impl expects MODULE:ATTR, e.g. --agent-impl=mypkg.agents:Agent, or the name of an agent run as "
            f"a child process over the wire protocol ({', '.join(_wire_names()[1:])}; or --agent-cmd=COMMAND); "
            f"got {spec!r}"
        )
    module = _import(module_name, spec)
    target: Any = module
    for part in attr.split("."):
        if not hasattr(target, part):
            raise ImplementationError(_missing(module, module_name, attr, spec))
        target = getattr(target, part)
    return Implementation(spec, target, adapter_for(target, spec))


def _wire_names() -> list[str]:
    from .adapters.wire import REGISTERED

    return ["wire", *REGISTERED]


def _wire(spec: str, command: str | None) -> Implementation:
    """An agent in a child process: ``--agent-cmd=COMMAND`` (alone or with ``--agent-impl=wire``),
    or a registered name. Starting it reads its hello: a failure is the usage error."""
    from ._child import ChildFailed
    from .adapters.wire import WireAdapter

    try:
        if command is not None:
            if spec not in ("wire", ""):
                raise ImplementationError(
                    f"--agent-cmd runs an agent over the wire protocol; it goes alone (or with --agent-impl=wire), "
                    f"not with --agent-impl={spec}")
            argv = shlex.split(command)
            if not argv:
                raise ImplementationError("--agent-cmd is empty: give the command that starts the agent")
            return Implementation("wire", None, WireAdapter(argv), options=(f"--agent-cmd={shlex.quote(command)}",))
        if spec == "wire":
            raise ImplementationError("--agent-impl=wire needs --agent-cmd=COMMAND: the command that starts the agent")
        return Implementation(spec, None, WireAdapter.registered(spec))
    except ChildFailed as exc:
        raise ImplementationError(f"--agent-impl={spec}: {exc}") from exc


def adapter_for(target: Any, spec: str = "") -> Adapter:
    """The adapter for ``target``: itself if it is one, the native adapter for an agent class."""
    spec = spec or repr(target)
    found = framework_adapter(target)
    if found is not None:
        return found
    if _is_adapter(target):
        if inspect.isclass(target):
            try:
                return cast(Adapter, target())
            except TypeError as exc:
                raise ImplementationError(
                    f"{spec} is an adapter class but could not be built with no arguments: {exc}"
                ) from exc
        return cast(Adapter, target)  # an Adapter, or an object with the same methods
    if inspect.isclass(target) and (callable(getattr(target, "invoke", None)) or callable(getattr(target, "ainvoke", None))):
        try:
            return NativeAdapter(target)
        except (TypeError, ValueError) as exc:
            raise ImplementationError(f"{spec}: {exc}") from exc
    root = framework_root(getattr(target, "__module__", "") or "", FRAMEWORK_EXTRAS)
    if root is not None:
        dist, _ = FRAMEWORK_EXTRAS[root]
        raise ImplementationError(f"{spec} is a {dist} object, but this version has no adapter for {dist} yet.")
    kind = "class" if inspect.isclass(target) else type(target).__name__
    raise ImplementationError(
        f"{spec} is a {kind} that is neither an agent nor an adapter. Expected an agent class with "
        "invoke(prompt) and/or ainvoke(prompt) whose constructor takes (model, tools, <limits>), "
        "or an adapter (agent_limits.harness.Adapter, or an object with build() and run()/arun())."
    )


def _is_adapter(obj: Any) -> bool:
    if inspect.isclass(obj):
        return issubclass(obj, Adapter) or (hasattr(obj, "build") and (hasattr(obj, "run") or hasattr(obj, "arun")) and not hasattr(obj, "invoke"))
    return isinstance(obj, Adapter) or (callable(getattr(obj, "build", None)) and callable(getattr(obj, "run", None)))


def _import(module_name: str, spec: str) -> Any:
    keep_offline(module_name)  # a framework that decides on telemetry at import time decides offline
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        root = framework_root(module_name, FRAMEWORK_EXTRAS)
        missing = getattr(exc, "name", None) or ""
        if root is not None and (missing == root or missing.startswith(root + ".") or root.startswith(missing + ".")):
            dist, extra = FRAMEWORK_EXTRAS[root]
            raise ImplementationError(
                f"--agent-impl={spec} needs {dist}, which is not installed. "
                f"Install it with: pip install '{DIST}[{extra}]'"
            ) from exc
        raise ImplementationError(
            f"--agent-impl={spec}: cannot import module {module_name!r}: {type(exc).__name__}: {exc}"
        ) from exc
    except Exception as exc:
        raise ImplementationError(
            f"--agent-impl={spec}: importing module {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from exc


def _missing(module: Any, module_name: str, attr: str, spec: str) -> str:
    candidates = sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (
            (inspect.isclass(value) and (hasattr(value, "invoke") or hasattr(value, "ainvoke") or _is_adapter(value)))
            or "agent" in name.lower()
        )
    )
    hint = f" It has: {', '.join(f'{module_name}:{n}' for n in candidates)}." if candidates else (
        " It has nothing that looks like an agent (a class with invoke/ainvoke) or an adapter."
    )
    root = framework_root(module_name, FRAMEWORK_EXTRAS)
    if root is not None:
        dist, extra = FRAMEWORK_EXTRAS[root]
        hint += (f" The adapter is tested with the {dist} version pinned by the extra: "
                 f"pip install '{DIST}[{extra}]'.")
    return f"--agent-impl={spec}: module {module_name!r} has no attribute {attr!r}.{hint}"
