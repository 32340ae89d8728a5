"""Shared fixtures: a new user's world (see ``tests/userland.py``), built once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.userland import Built, UserVenv, build_wheel, make_venv


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the wheel or the user's venv runs on one xdist worker, so they are built once."""
    for item in items:
        if {"built", "wheel", "user_venv"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("userland"))


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs our tests make must not append to the job summary of a GitHub Actions job running them."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The wheel built from a fresh copy of the files git tracks (what a clone would have)."""
    return build_wheel(tmp_path_factory)


@pytest.fixture(scope="session")
def wheel(built: Built) -> Path:
    return built.wheel


@pytest.fixture(scope="session")
def user_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> UserVenv:
    """A fresh venv with our wheel installed, and its dependencies from PyPI: nothing else of ours."""
    return make_venv(wheel, tmp_path_factory)
