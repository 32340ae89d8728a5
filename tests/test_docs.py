"""The examples people copy must run: README code blocks and module docstring examples."""

from __future__ import annotations

import importlib
import re
import textwrap
from pathlib import Path

import pytest

import agent_limits.conformance.reference
import agent_limits.mocks as mocks
import agent_limits.mocks._snapshot

ROOT = Path(__file__).resolve().parents[1]


def readme_examples() -> list[str]:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    return [b for b in blocks if "): ..." not in b]  # protocol sketches have "...": bodies


FRAMEWORK_MODULES = ("strands", "agents", "pydantic_ai", "langchain", "tinyagent", "inspect_ai", "smolagents", "google.adk",
                     "autogen_agentchat", "llama_index", "agno", "crewai")


def docstring_example(module: object) -> str:
    """The indented example block of a module docstring."""
    doc = module.__doc__ or ""
    match = re.search(r"\n\n((?:    .*\n|\n)+)", doc)
    assert match, f"{module.__name__} has no example in its docstring"
    return textwrap.dedent(match.group(1))


@pytest.mark.parametrize("code", readme_examples(), ids=lambda c: c.splitlines()[0][:40])
def test_readme_example_runs(code):
    for name in FRAMEWORK_MODULES:
        if re.search(rf"^(from|import) {name}\b", code, re.M):
            pytest.importorskip(name)
    exec(compile(code, "README.md", "exec"), {})


@pytest.mark.parametrize("module", [mocks, agent_limits.conformance.reference, agent_limits.mocks._snapshot],
                         ids=lambda m: m.__name__)
def test_docstring_example_runs(module):
    exec(compile(docstring_example(module), module.__name__, "exec"), {})


@pytest.mark.parametrize(
    "dialect, framework",
    [("strands", "strands"), ("openai_agents", "agents"), ("pydantic_ai", "pydantic_ai"),
     ("langchain", "langchain.agents"), ("tinyagent", "tinyagent"), ("agno", "agno"),
     ("autogen", "autogen_agentchat"), ("llama_index", "llama_index.core"),
     ("crewai", "crewai"), ("smolagents", "smolagents"),
     ("google_adk", "google.adk"), ("inspect_ai", "inspect_ai")],
)
def test_framework_dialect_example_runs(dialect, framework):
    pytest.importorskip(framework)
    module = importlib.import_module(f"agent_limits.mocks.{dialect}")
    exec(compile(docstring_example(module), module.__name__, "exec"), {})


def test_readme_sample_output_is_what_the_reference_agent_prints():
    """The sample after `make conformance` is kept true: header, clause count, a known row."""
    from agent_limits.conformance import clauses
    from agent_limits.harness import resolve

    readme = (ROOT / "README.md").read_text()
    sample = readme[readme.index("agent conformance by clause"):]
    sample = sample[:sample.index("```")]
    assert resolve("agent_limits.conformance.reference:ReferenceAgent").header() in sample
    total = len(clauses())
    assert f"clauses: {total} passed, 0 failed, 0 skipped (of {total})" in sample
    from agent_limits.conformance import spec_version

    assert f"spec {spec_version()}, python " in sample and "| gate: MUST clauses" in sample
