"""Shared fixtures: a new user's world (see ``tests/userland.py``), built once per run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.userland import Built, UserVenv, build_wheel, make_venv


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the wheel or the user's venv runs on one xdist worker, so they are built once.

    The matrix columns (``tests/test_matrix.py``, one to four minutes each) go first, longest first:
    xdist hands out work in collection order, so they start while short tests fill the other worker,
    and the run does not end on one worker finishing a long column alone.
    """
    for item in items:
        if {"built", "wheel", "user_venv"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("userland"))
    items.sort(key=_column_seconds)


def _column_seconds(item: pytest.Item) -> float:
    """Minus the time of the matrix column an item runs (sorts longest first); 0 for other tests."""
    callspec = getattr(item, "callspec", None)
    column = callspec.params.get("column") if callspec is not None else None
    return -float(getattr(column, "seconds", 0))


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
