"""A new user's world, for the tests that need one: the wheel built from what a fresh clone has,
and a fresh venv with only that wheel and its dependencies from PyPI.

The fixtures (``built``, ``wheel``, ``user_venv`` in ``tests/conftest.py``) are session-scoped
and every test using them is in the ``userland`` xdist group (``make test`` runs
``--dist loadgroup``), so one run builds and installs once. A module that changes the venv
(e.g. installs pytest-xdist into it) must say so and must not break the other modules' tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["LEAKY", "PACKAGE_DIRS", "PIP", "REPO", "Built", "UserVenv", "build_wheel", "make_venv", "run", "must"]

REPO = Path(__file__).resolve().parents[1]
#: The repository's top-level folders and the import names they install under (pyproject's package-dir).
PACKAGE_DIRS = {"agent_limits": "agent_limits", "mocks": "agent_limits/mocks", "harness": "agent_limits/harness",
                "conformance": "agent_limits/conformance"}
PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input")
#: Environment variables that would let this checkout, or the outer pytest run, leak into the user's runs.
LEAKY = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "PYTHONNOUSERSITE", "VIRTUAL_ENV",
         "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_CURRENT_TEST",
         "PYTEST_VERSION", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID",
         "PYTEST_THEME", "PYTEST_THEME_MODE", "PYTHONWARNINGS", "COV_CORE_SOURCE", "COV_CORE_CONFIG",
         "COV_CORE_DATAFILE")

# -- fixtures ------------------------------------------------------------------------------------
def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, check=False)


def must(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        pytest.fail(f"{what} failed (exit {result.returncode}):\n{result.stdout[-6000:]}", pytrace=False)


@dataclass
class Built:
    clone: Path
    files: list[str]  # what a fresh clone has: the files git tracks, as in the working tree
    wheel: Path


def build_wheel(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The wheel built from a fresh copy of the files git tracks (what a clone would have)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: cannot tell which files a fresh clone would have")
    listed = run(["git", "ls-files", "-z"], cwd=REPO)
    if listed.returncode != 0:
        pytest.skip(f"{REPO} is not a git checkout: {listed.stdout.strip()}")
    clone = tmp_path_factory.mktemp("clone")
    files = []
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not in a clone of it
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
            files.append(name)
    dist = tmp_path_factory.mktemp("dist")
    result = run([sys.executable, *PIP, "wheel", "--no-deps", "-w", str(dist), str(clone)], cwd=clone)
    must(result, "pip wheel")
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return Built(clone, files, wheels[0])


@dataclass
class UserVenv:
    root: Path
    env: dict[str, str]

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def pytest(self) -> str:
        return str(self.bin / "pytest")

    @property
    def python(self) -> str:
        return str(self.bin / "python")


def make_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> UserVenv:
    """A fresh venv with our wheel installed, and its dependencies from PyPI: nothing else of ours."""
    root = tmp_path_factory.mktemp("venv")
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    made = run([sys.executable, "-m", "venv", str(root)], cwd=root, env=env)
    if made.returncode != 0:
        pytest.skip(f"python -m venv does not work here: {made.stdout.strip()[-500:]}")
    # as if activated: the venv's bin first on PATH
    env = {**env, "VIRTUAL_ENV": str(root), "PATH": os.pathsep.join([str(root / "bin"), env.get("PATH", "")])}
    venv = UserVenv(root, env)
    must(run([venv.python, *PIP, "install", "--quiet", str(wheel)], cwd=root, env=env), "pip install <wheel>")
    return venv
