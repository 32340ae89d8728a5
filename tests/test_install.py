"""A new user's day one, end to end: our wheel, their venv, their project, plain ``pytest``.

What the other tests cannot show, because they run from this checkout with its editable install
and its own config: that the package built from a fresh clone installs with its dependencies
from PyPI and nothing else of ours; that in a project which has top-level packages of its own
named ``mocks``, ``harness`` and ``conformance``, its own pytest config and an uninstalled agent
module next to it,

- ``pytest`` runs the project's tests and nothing of ours, with no warning from our dependencies;
- ``pytest --agent-impl=myagent:Agent`` imports that module from the directory pytest was run in,
  runs the bundled suite and the project's tests in one run, and the project's tests still see
  their own ``mocks``/``harness``/``conformance``;
- a broken agent fails with the clause and a ``re-run:`` command that, run as printed from the
  project directory, re-runs exactly that case under the project's own config;
- bad option values are usage errors before anything runs;
- with pytest-xdist installed, ``-n 2`` gives the same per-clause verdicts as a serial run.

Slow by nature (a wheel build, a venv, installs from PyPI, a full suite run): about two minutes.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.userland import PACKAGE_DIRS, PIP, Built, UserVenv, must, run

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

# -- the user's project ---------------------------------------------------------------------------
PYPROJECT = """\
[project]
name = "my-agent-project"
version = "0.0.1"

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "--strict-markers"
markers = ["slow: the project's own marker, which --strict-markers makes it declare"]
# a strict project: any warning in its runs is an error, including one from a plugin's dependencies
filterwarnings = ["error"]
"""

OWN_PACKAGE = '''\
"""The project's own {name!r} package, not agent_limits.{name}."""

MY_{upper} = True
'''

#: The agent the user wants to vouch for (the reference behaviour), and one with a real-world bug.
MYAGENT = '''\
"""The project's agents: a plain module next to pyproject.toml, not installed."""

from agent_limits.conformance.reference import ReferenceAgent


class Agent(ReferenceAgent):
    """The project's agent."""


class Broken(ReferenceAgent):
    """Its token-budget check uses > where >= belongs: one model call too many at the boundary."""

    def _limit_hit(self, run):
        if self.max_token_budget is None or run.usage.total != self.max_token_budget:
            return super()._limit_hit(run)
        budget, self.max_token_budget = self.max_token_budget, None  # total == budget is not "> budget"
        try:
            return super()._limit_hit(run)
        finally:
            self.max_token_budget = budget
'''

OWN_TESTS = '''\
"""The project's own tests: its own mocks, harness and conformance, whatever else runs."""

import importlib.machinery
import sys
from pathlib import Path

import pytest

import conformance
import harness
import mocks

PROJECT = Path(__file__).resolve().parents[1]
OWN = ("mocks", "harness", "conformance")


def test_imported_packages_are_the_projects_own():
    assert mocks.MY_MOCKS is True and harness.MY_HARNESS is True and conformance.MY_CONFORMANCE is True
    for module in (mocks, harness, conformance):
        assert Path(module.__file__).resolve() == PROJECT / module.__name__ / "__init__.py", module.__file__


def test_sys_path_still_resolves_each_name_to_the_projects_own_package():
    # a fresh lookup on sys.path as it is now, after everything in this run was collected
    for name in OWN:
        spec = importlib.machinery.PathFinder.find_spec(name)
        assert spec is not None and Path(spec.origin).resolve() == PROJECT / name / "__init__.py", (name, spec)


def test_no_directory_on_sys_path_offers_another_package_of_those_names():
    others = [str(Path(entry or ".", name)) for entry in sys.path for name in OWN
              if Path(entry or ".", name, "__init__.py").is_file()
              and Path(entry or ".", name).resolve() != PROJECT / name]
    assert not others, f"sys.path would let these shadow the project's own packages: {others}"


@pytest.mark.slow
def test_the_projects_marker_is_declared_by_its_config():
    pass
'''
OWN_TEST_NAMES = (
    "test_imported_packages_are_the_projects_own",
    "test_sys_path_still_resolves_each_name_to_the_projects_own_package",
    "test_no_directory_on_sys_path_offers_another_package_of_those_names",
    "test_the_projects_marker_is_declared_by_its_config",
)

SUMMARY = re.compile(r"^clauses: (\d+) passed, (\d+) failed, (\d+) skipped \(of (\d+)\)$", re.M)
RERUN = re.compile(r"^\s*re-run: (pytest .+)$", re.M)
#: A line of pytest output that shows a warning (the summary section, or a warning category).
WARNING_LINE = re.compile(r"warnings summary|Warning\b|\bwarnings?\b", re.I)



# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's project: its own mocks/harness/conformance, tests, config and an uninstalled agent module."""
    root = tmp_path_factory.mktemp("myproject")
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "myagent.py").write_text(MYAGENT)
    for name in ("mocks", "harness", "conformance"):
        (root / name).mkdir()
        (root / name / "__init__.py").write_text(OWN_PACKAGE.format(name=name, upper=name.upper()))
    (root / "tests").mkdir()
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "test_own.py").write_text(OWN_TESTS)
    return root


def pytest_in(project: Path, venv: UserVenv, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Plain ``pytest`` (the venv's script, not ``python -m pytest``), run from the project directory."""
    return run([venv.pytest, *args], cwd=project, env=venv.env, timeout=timeout)


def show(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}; output:\n{result.stdout[-8000:]}"


def own_tests_passed(output: str) -> set[str]:
    """The project's own tests reported PASSED in the ``-rA`` short summary."""
    return set(re.findall(r"^PASSED tests/test_own\.py::(\w+)", output, re.M))


def clause_summary(output: str) -> tuple[int, int, int, int]:
    found = SUMMARY.findall(output)
    assert len(found) == 1, f"expected one per-clause summary line, found {found}"
    passed, failed, skipped, total = map(int, found[0])
    return passed, failed, skipped, total


# -- the tests -----------------------------------------------------------------------------------
def test_the_wheel_ships_every_file_of_our_packages(built: Built) -> None:
    """``packages`` in pyproject is an explicit list and package data a list of names: a new
    subpackage or data file left out of them still works from the checkout, and is missing from
    every install."""
    with zipfile.ZipFile(built.wheel) as whl:
        shipped = {n for n in whl.namelist() if not n.split("/")[0].endswith(".dist-info")}
    expected = {f"{PACKAGE_DIRS[top]}/{rest}" for top, _, rest in (f.partition("/") for f in built.files)
                if top in PACKAGE_DIRS and rest}
    assert not expected - shipped, f"tracked in the repository, missing from the wheel: {sorted(expected - shipped)}"
    assert not shipped - expected, f"in the wheel, not tracked in the repository: {sorted(shipped - expected)}"
    if tomllib is None:
        pytest.skip("reading pyproject.toml's package-data needs tomllib (Python 3.11+)")
    config = tomllib.loads((built.clone / "pyproject.toml").read_text())
    declared = config["tool"]["setuptools"].get("package-data", {})
    missing = [f"{package.replace('.', '/')}/{name}" for package, names in declared.items() for name in names
               if not any(ch in name for ch in "*?[") and f"{package.replace('.', '/')}/{name}" not in shipped]
    assert not missing, (f"package data pyproject.toml declares, missing from the wheel built from a clone "
                         f"(not tracked by git, or not generated?): {missing}")


def test_the_wheel_brings_its_dependencies_and_nothing_else_of_ours(user_venv: UserVenv) -> None:
    listed = run([user_venv.python, *PIP, "list", "--format=json"], cwd=user_venv.root, env=user_venv.env)
    must(listed, "pip list")
    installed = {p["name"].lower().replace("_", "-") for p in json.loads(listed.stdout)}
    assert {"agent-limit-conformance", "pytest", "hypothesis", "freezegun", "syrupy"} <= installed
    # the dev extra's tools stay out of a user's venv: pytest-asyncio, in particular, would warn in every run
    assert not installed & {"pytest-asyncio", "pytest-xdist", "mypy", "pyright"}, installed
    entry = run([user_venv.python, "-c", "import importlib.metadata as m; "
                  "print([e.value for e in m.entry_points(group='pytest11') if e.name == 'agent_limits'])"],
                 cwd=user_venv.root, env=user_venv.env)
    assert entry.stdout.strip() == "['agent_limits.harness.plugin']", entry.stdout


def test_plain_pytest_runs_only_the_projects_tests_without_warnings(project: Path, user_venv: UserVenv) -> None:
    result = pytest_in(project, user_venv)
    out = result.stdout
    assert result.returncode == 0, show(result)
    assert f"{len(OWN_TEST_NAMES)} passed" in out and f"collected {len(OWN_TEST_NAMES)} items" in out, show(result)
    assert "agent conformance by clause" not in out and "agent-impl" not in out, show(result)
    assert f"rootdir: {project}" in out and "configfile: pyproject.toml" in out, show(result)
    warnings = [line for line in out.splitlines() if WARNING_LINE.search(line)]
    assert not warnings, f"warning lines in a run of the user's own tests: {warnings}\n{show(result)}"
    # and nothing of the suite is collected, wherever it is installed
    listed = pytest_in(project, user_venv, "--collect-only", "-q", "-p", "no:cacheprovider")
    assert listed.returncode == 0, show(listed)
    ids = [line for line in listed.stdout.splitlines() if "::" in line]
    assert sorted(ids) == sorted(f"tests/test_own.py::{name}" for name in OWN_TEST_NAMES), show(listed)


def test_agent_impl_runs_the_suite_and_the_projects_tests_in_one_run(project: Path, user_venv: UserVenv) -> None:
    # myagent is not installed: only the directory pytest runs in makes it importable
    isolated = run([user_venv.python, "-I", "-c", "import myagent"], cwd=project, env=user_venv.env)
    assert isolated.returncode != 0 and "No module named 'myagent'" in isolated.stdout, show(isolated)
    result = pytest_in(project, user_venv, "--agent-impl=myagent:Agent", "-p", "no:cacheprovider", "-rA",
                       "--clause=TURNS-1", "--clause=TOKENS-1")
    out = result.stdout
    assert result.returncode == 0, show(result)
    assert "agent-impl: myagent:Agent" in out, show(result)
    assert clause_summary(out) == (2, 0, 0, 2), show(result)
    assert re.search(r"^PASSED\s+TURNS-1\b", out, re.M) and re.search(r"^PASSED\s+TOKENS-1\b", out, re.M), show(result)
    assert own_tests_passed(out) == set(OWN_TEST_NAMES), show(result)
    assert f"rootdir: {project}" in out and "configfile: pyproject.toml" in out, show(result)


def test_full_suite_passes_for_the_projects_agent(project: Path, user_venv: UserVenv) -> None:
    # CI=true, as in the user's CI: the suite's property tests use their CI profile (fewer examples)
    ci = UserVenv(user_venv.root, {**user_venv.env, "CI": "true"})
    result = pytest_in(project, ci, "--agent-impl=myagent:Agent", "-p", "no:cacheprovider", "-rA")
    out = result.stdout
    assert result.returncode == 0, show(result)
    passed, failed, skipped, total = clause_summary(out)
    assert passed == total and failed == skipped == 0 and total >= 20, show(result)
    assert own_tests_passed(out) == set(OWN_TEST_NAMES), show(result)


def test_a_broken_agent_fails_with_a_rerun_command_that_reruns_exactly_that_case(project: Path, user_venv: UserVenv) -> None:
    result = pytest_in(project, user_venv, "--agent-impl=myagent:Broken", "-p", "no:cacheprovider",
                       "--clause=TOKENS-1", "--clause=TURNS-1")
    out = result.stdout
    assert result.returncode == 1, show(result)
    assert "[TOKENS-1]" in out and re.search(r"^FAILED\s+TOKENS-1\b", out, re.M), show(result)
    assert re.search(r"^PASSED\s+TURNS-1\b", out, re.M), show(result)
    assert clause_summary(out) == (1, 1, 0, 2), show(result)
    reruns = RERUN.findall(out)
    assert reruns, f"no re-run: command printed\n{show(result)}"
    command = reruns[0].strip()
    argv = shlex.split(command)
    assert argv[:2] == ["pytest", "--agent-impl=myagent:Broken"] and "--pyargs" in argv, command
    case = argv[-1]
    assert case.startswith("agent_limits.conformance.suite.test_tokens::") and "[" in case, command

    # exactly as printed, from the project directory (the venv's bin is first on PATH, as when activated)
    assert shutil.which("pytest", path=user_venv.env["PATH"]) == user_venv.pytest
    again = run(argv, cwd=project, env=user_venv.env, timeout=300)
    rerun_out = again.stdout
    assert again.returncode == 1, f"{command}\n{show(again)}"
    assert re.search(r"^=+ 1 failed in [\d.]+s", rerun_out, re.M), f"{command}\n{show(again)}"
    assert "passed" not in rerun_out.splitlines()[-1] and "error" not in rerun_out.splitlines()[-1], show(again)
    assert "collected 1 item" in rerun_out, show(again)
    assert case.split("::", 1)[1] in rerun_out and "[TOKENS-1]" in rerun_out, show(again)
    # the user's config is still the one in effect
    assert f"rootdir: {project}" in rerun_out and "configfile: pyproject.toml" in rerun_out, show(again)
    # and it prints the same re-run command again
    assert command in [c.strip() for c in RERUN.findall(rerun_out)], show(again)


def test_report_into_a_missing_directory_is_a_usage_error_before_anything_runs(project: Path, user_venv: UserVenv) -> None:
    result = pytest_in(project, user_venv, "--agent-impl=myagent:Agent", "-p", "no:cacheprovider",
                       "--conformance-report=out/verdicts.json")
    out = result.stdout
    assert result.returncode == 4, show(result)
    assert "--conformance-report=out/verdicts.json" in out and "does not exist" in out, show(result)
    assert "collected" not in out and "passed" not in out and "test session starts" not in out, show(result)
    assert not (project / "out").exists()


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "-inf", "soon"])
def test_bad_agent_timeout_is_a_usage_error(project: Path, user_venv: UserVenv, value: str) -> None:
    result = pytest_in(project, user_venv, "--agent-impl=myagent:Agent", "-p", "no:cacheprovider",
                       f"--agent-timeout={value}")
    assert result.returncode == 4, show(result)
    assert "--agent-timeout" in result.stdout and repr(value) in result.stdout, show(result)
    assert "collected" not in result.stdout and "test session starts" not in result.stdout, show(result)


# Last in the module: it adds pytest-xdist to the shared venv, which the tests above must not see.
@pytest.fixture(scope="module")
def with_xdist(user_venv: UserVenv) -> UserVenv:
    must(run([user_venv.python, *PIP, "install", "--quiet", "pytest-xdist"], cwd=user_venv.root, env=user_venv.env),
          "pip install pytest-xdist")
    return user_venv


def _verdicts(path: Path) -> dict[str, tuple[str, int, int, int]]:
    clauses = json.loads(path.read_text())["clauses"]
    return {c: (v["status"], v["passed"], v["failed"], v["skipped"]) for c, v in clauses.items()}


def test_xdist_gives_the_same_verdicts_as_a_serial_run(project: Path, with_xdist: UserVenv) -> None:
    # the broken agent, so that the selection has both a passed and a failed clause
    selection = ("--clause=TURNS-1", "--clause=TOKENS-1", "--clause=TOOLS-1")
    reports = project / "reports"
    reports.mkdir(exist_ok=True)
    common = ("--agent-impl=myagent:Broken", "-p", "no:cacheprovider", "-rA", *selection)
    serial = pytest_in(project, with_xdist, *common, "--conformance-report=reports/serial.json")
    parallel = pytest_in(project, with_xdist, *common, "-n", "2", "--conformance-report=reports/parallel.json")
    assert serial.returncode == 1, show(serial)
    assert parallel.returncode == 1, show(parallel)
    assert re.search(r"created: 2/2 workers|\b2 workers\b", parallel.stdout), show(parallel)
    verdicts = _verdicts(reports / "serial.json")
    assert set(verdicts) == {"TURNS-1", "TOKENS-1", "TOOLS-1"}, verdicts
    assert verdicts["TOKENS-1"][0] == "failed" and verdicts["TURNS-1"][0] == verdicts["TOOLS-1"][0] == "passed", verdicts
    assert _verdicts(reports / "parallel.json") == verdicts
    assert clause_summary(parallel.stdout) == clause_summary(serial.stdout) == (2, 1, 0, 3)
    serial_failures = json.loads((reports / "serial.json").read_text())["clauses"]["TOKENS-1"]["failures"]
    parallel_failures = json.loads((reports / "parallel.json").read_text())["clauses"]["TOKENS-1"]["failures"]
    assert sorted(parallel_failures) == sorted(serial_failures)
    # the project's own tests ran on the workers too, still seeing their own packages
    assert own_tests_passed(parallel.stdout) == set(OWN_TEST_NAMES), show(parallel)
