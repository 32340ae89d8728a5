"""Adapters for agent frameworks, found from the object passed to ``--agent-impl``.

Each framework's adapter lives in its own module here and exposes
``adapter_for(target) -> agent_limits.harness.Adapter``; it imports its framework lazily, so the
harness core works with none of them installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from ..adapter import Adapter

__all__ = ["ADAPTER_MODULES", "framework_adapter", "framework_of", "framework_root"]

#: Top-level module of a framework -> the module holding its adapter.
ADAPTER_MODULES: dict[str, str] = {
    "strands": "agent_limits.harness.adapters.strands",
    "agents": "agent_limits.harness.adapters.openai_agents",
    "pydantic_ai": "agent_limits.harness.adapters.pydantic_ai",
    "langchain": "agent_limits.harness.adapters.langchain",
    "langgraph": "agent_limits.harness.adapters.langchain",
    "tinyagent": "agent_limits.harness.adapters.tinyagent",
    "inspect_ai": "agent_limits.harness.adapters.inspect_ai",
    "smolagents": "agent_limits.harness.adapters.smolagents",
    "google.adk": "agent_limits.harness.adapters.google_adk",
    "autogen_agentchat": "agent_limits.harness.adapters.autogen",
    "llama_index": "agent_limits.harness.adapters.llama_index",
    "agno": "agent_limits.harness.adapters.agno",
    "crewai": "agent_limits.harness.adapters.crewai",
}


def framework_root(module_name: str, known: Iterable[str]) -> str | None:
    """The entry of ``known`` that ``module_name`` belongs to: its top-level module, or a longer
    dotted prefix where a framework shares its top level with others (``google.adk`` in ``google``)."""
    parts = module_name.split(".")
    for size in range(len(parts), 0, -1):
        prefix = ".".join(parts[:size])
        if prefix in known:
            return prefix
    return None


def framework_of(target: Any) -> str | None:
    """The framework's top-level module if ``target`` comes from one we have an adapter for."""
    return framework_root(getattr(target, "__module__", None) or "", ADAPTER_MODULES)


def framework_adapter(target: Any) -> Adapter | None:
    """The adapter for a framework object, or None if ``target`` is not from a known framework."""
    root = framework_of(target)
    if root is None:
        return None
    try:
        module = importlib.import_module(ADAPTER_MODULES[root])
    except ModuleNotFoundError as exc:
        if exc.name == ADAPTER_MODULES[root]:
            return None
        raise
    adapter: Adapter = module.adapter_for(target)
    return adapter
