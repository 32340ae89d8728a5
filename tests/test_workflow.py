"""The CI workflow in ``docs/ci.md`` and the composite action in ``action.yml`` stay correct.

People copy a workflow without reading it, and a copied workflow that fails on its first run
costs the project that user. GitHub Actions cannot run here, so this module does the next best
thing in two parts.

**Structure.** It parses both YAML files (and the action's usage example in the docs) and checks
what GitHub would reject, or what would quietly defeat the gate:

- the steps are present and pinned to the major versions the docs name;
- every upload has ``if: always()``, so the reports survive a failed run, which is when you need them;
- every ``${{ inputs.X }}`` names a declared input, and the docs pass only declared inputs;
- ``action.yml`` has no ``${{ }}`` inside a ``run:`` script (script injection).

**Behaviour.** It runs the ``run:`` steps with bash, as GitHub's ``shell: bash`` does
(``bash --noprofile --norc -eo pipefail``). They run against a sample project in the shared user
venv (``tests/userland.py``: our wheel, installed the way a user installs it). The sample agent
is the reference agent with a token-budget bug, so TOKENS-1 fails. The steps run in this order:
the docs' ``--conformance-expect-update`` command writes the expectations file, then the
workflow's steps run, then the action's steps run with that file (the run must pass) and without
it (the run must fail, and its reports must still be written).

What stands in for GitHub, and nothing else:

- ``uses:`` steps do not run. ``actions/checkout`` is the sample project as ``GITHUB_WORKSPACE``
  and the working directory. ``actions/setup-python`` is the venv's ``python`` first on ``PATH``.
  ``actions/upload-artifact`` is an assertion that every file in its ``path:`` exists.
- The package requirement in a ``pip install`` line
  (``"agent-limit-conformance[extra] @ git+https://github.com/<org>/...@vX"``) becomes the
  wheel's path. The package is not on PyPI, ``<org>`` is a placeholder, and the venv already has
  the wheel, so pip does nothing. The extra is dropped: the sample agent is native-protocol, and
  installing a framework from PyPI would cost minutes and change the shared venv. Instead, the
  extra's name must be one that pyproject.toml declares.
- ``${{ github.action_path }}`` is the wheel's path (the action runs ``pip install "$ACTION_PATH"``).
  ``${{ inputs.X }}`` is the input's value or its declared default, and
  ``${{ steps.ID.outputs.X }}`` is what that step wrote to ``$GITHUB_OUTPUT``. Any other
  expression fails the test, so a new one is a deliberate change here.
- ``GITHUB_WORKSPACE``, ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY`` (one file per step, as on
  GitHub), ``RUNNER_TEMP``, ``CI`` and ``GITHUB_ACTIONS`` are set as on a runner.
- To stay fast, the suite is restricted to two clauses. In the workflow this uses
  ``PYTEST_ADDOPTS``, so its command still runs exactly as written. In the action it uses the
  ``pytest-args`` input, which also exercises its word splitting.

Everything else runs as written. About 30 s, plus the shared wheel build and venv.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.userland import REPO, UserVenv, run

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

DOC = REPO / "docs" / "ci.md"
ACTION = REPO / "action.yml"
#: What GitHub runs for ``shell: bash``: ``bash --noprofile --norc -eo pipefail {0}``.
BASH = ("bash", "--noprofile", "--norc", "-eo", "pipefail")
#: The majors the docs promise; a bump is a deliberate change of docs/ci.md and this line.
PINNED = {"actions/checkout": "v4", "actions/setup-python": "v5", "actions/upload-artifact": "v4"}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
#: The package as the docs install it: from git, at a release tag, optionally with a framework extra.
REQUIREMENT = re.compile(
    r'"agent-limit-conformance(?:\[(?P<extra>[\w,-]+)\])? @ '
    r'git\+https://github\.com/[^/"\s]+/agent-limit-conformance@(?P<tag>v[\w.]+)"'
)
#: Only these clauses run: one the sample agent passes, one it fails (and the expectations file lists).
CLAUSES = ("TURNS-1", "TOKENS-1")
EXPECTATIONS = "conformance-expectations.toml"

SAMPLE_AGENT = '''\
"""The sample project's agent: the reference agent with a bug real frameworks shipped."""

from agent_limits.conformance.reference import ReferenceAgent


class Agent(ReferenceAgent):
    """Its token-budget check uses > where >= belongs: one model call too many at the boundary (TOKENS-1)."""

    def _limit_hit(self, run):
        if self.max_token_budget is None or run.usage.total != self.max_token_budget:
            return super()._limit_hit(run)
        budget, self.max_token_budget = self.max_token_budget, None
        try:
            return super()._limit_hit(run)
        finally:
            self.max_token_budget = budget
'''


# -- reading the files ---------------------------------------------------------------------------
def fenced(language: str) -> list[str]:
    """The ``language`` code blocks of docs/ci.md."""
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(), re.S | re.M)


def workflows() -> list[dict[str, Any]]:
    return [data for data in map(yaml.safe_load, fenced("yaml")) if isinstance(data, dict) and "jobs" in data]


def steps_of(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    jobs = list(workflow["jobs"].values())
    assert len(jobs) == 1, "the docs' workflows have one job"
    return list(jobs[0]["steps"])


def uses_action(step: dict[str, Any]) -> bool:
    return str(step.get("uses", "")).split("@")[0].endswith("/agent-limit-conformance")


def full_workflow() -> dict[str, Any]:
    """The workflow that installs and runs the suite itself (the other one uses the action)."""
    found = [w for w in workflows() if not any(uses_action(s) for s in steps_of(w))]
    assert len(found) == 1, f"docs/ci.md should have one full workflow, found {len(found)}"
    return found[0]


def action_usage() -> dict[str, Any]:
    """The step of the docs' example that uses the action."""
    found = [s for w in workflows() for s in steps_of(w) if uses_action(s)]
    assert len(found) == 1, f"docs/ci.md should show the action used once, found {len(found)}"
    return found[0]


def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text())
    assert isinstance(data, dict)
    return data


def pyproject() -> dict[str, Any]:
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs tomllib (Python 3.11+)")
    config: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())
    return config


def action_name(uses: str) -> str:
    return uses.split("@")[0]


def expressions(node: Any) -> list[str]:
    """Every ``${{ }}`` expression anywhere in a parsed YAML document (keys and values)."""
    if isinstance(node, dict):
        return [e for k, v in node.items() for e in expressions(k) + expressions(v)]
    if isinstance(node, list):
        return [e for v in node for e in expressions(v)]
    return EXPRESSION.findall(node) if isinstance(node, str) else []


# -- structure: the workflow ---------------------------------------------------------------------
def test_the_workflow_checks_out_sets_up_python_installs_runs_and_uploads() -> None:
    """The five steps issue 9 asks for, in the order they must run."""
    workflow = full_workflow()
    keys: dict[Any, Any] = workflow
    on = keys.get("on", keys.get(True))  # YAML 1.1 (PyYAML) reads the key `on` as True
    assert on, "the workflow names its triggers"
    steps = steps_of(workflow)
    kinds = []
    for step in steps:
        uses, script = step.get("uses"), step.get("run", "")
        if uses:
            name, _, version = uses.partition("@")
            assert PINNED.get(name) == version, f"{uses}: the docs pin {name}@{PINNED.get(name)}"
            kinds.append(name)
        elif REQUIREMENT.search(script):
            kinds.append("install")
        elif "pytest" in script:
            kinds.append("suite")
    assert kinds == ["actions/checkout", "actions/setup-python", "install", "suite", "actions/upload-artifact"], kinds
    job = next(iter(workflow["jobs"].values()))
    shells = {step.get("shell", workflow.get("defaults", {}).get("run", {}).get("shell")) for step in steps if "run" in step}
    assert shells == {"bash"}, f"run steps use bash (pipefail), not the default shell: {shells}"
    assert "runs-on" in job


def test_the_workflow_installs_a_declared_extra_at_the_released_tag() -> None:
    """The docs' requirement names an extra pyproject declares and the tag of this version, in
    every place it appears (the workflow, and the command that creates the expectations file)."""
    config = pyproject()
    extras = set(config["project"]["optional-dependencies"])
    version = config["project"]["version"]
    scripts = [s.get("run", "") for s in steps_of(full_workflow())] + fenced("sh")
    found = [m for script in scripts for m in REQUIREMENT.finditer(script)]
    assert len(found) >= 2, "the workflow and the expectations command each install the package"
    for match in found:
        assert match["tag"] == f"v{version}", f"{match[0]}: pin the tag of this version, v{version}"
        assert match["extra"] is None or set(match["extra"].split(",")) <= extras, (
            f"{match[0]}: pyproject.toml declares the extras {sorted(extras)}")
    usage = action_usage()
    assert usage["uses"].partition("@")[2] == f"v{version}"
    assert usage.get("with", {}).get("extra", "") in extras | {""}


def test_every_upload_runs_always_and_picks_up_the_reports_the_suite_writes() -> None:
    """A failed suite is exactly when the reports are needed: the upload must not be skipped then,
    and it must upload the files the pytest command writes, not files with similar names."""
    steps = steps_of(full_workflow())
    uploads = [s for s in steps if action_name(s.get("uses", "")) == "actions/upload-artifact"]
    assert uploads
    for upload in uploads:
        assert "always()" in str(upload.get("if", "")), f"{upload}: add `if: always()`"
    suite = next(s["run"] for s in steps if "pytest" in s.get("run", "") and not REQUIREMENT.search(s["run"]))
    words = shlex.split(suite)
    written = {w.split("=", 1)[1] for w in words if w.startswith(("--junitxml=", "--conformance-report="))}
    assert any(p.endswith(".md") for p in written), "the suite writes a Markdown report"
    assert any(w.startswith("--junitxml=") for w in words) and any(w.startswith("--conformance-expect=") for w in words)
    uploaded = {line.strip() for u in uploads for line in str(u["with"]["path"]).splitlines() if line.strip()}
    assert written == uploaded, f"written {sorted(written)}, uploaded {sorted(uploaded)}"


# -- structure: the action -----------------------------------------------------------------------
def test_the_action_is_a_composite_of_bash_steps_fed_only_through_env() -> None:
    """``${{ }}`` inside a script is pasted into the script before bash reads it: an input built
    from a branch name or a PR title would run as code. Inputs go through ``env:`` instead."""
    data = action()
    assert data["runs"]["using"] == "composite"
    assert data.get("name") and data.get("description")
    for step in data["runs"]["steps"]:
        if "uses" in step:
            name, _, version = step["uses"].partition("@")
            assert PINNED.get(name) == version, f"{step['uses']}: pin {name}@{PINNED.get(name)}"
            continue
        assert step.get("shell") == "bash", f"{step.get('name')}: a composite action's run step needs shell: bash"
        assert not EXPRESSION.search(step["run"]), f"{step.get('name')}: ${{{{ }}}} inside run:, pass it via env:"
    uploads = [s for s in data["runs"]["steps"] if action_name(s.get("uses", "")) == "actions/upload-artifact"]
    assert uploads and all("always()" in str(s.get("if", "")) for s in uploads)
    setup = [s for s in data["runs"]["steps"] if action_name(s.get("uses", "")) == "actions/setup-python"]
    assert len(setup) == 1 and "inputs.python-version" in setup[0].get("if", ""), (
        "setup-python runs only when python-version is given; otherwise the python on PATH is used")


def test_every_expression_in_the_action_names_a_declared_input_or_step() -> None:
    """A misspelled ``inputs.X`` is an empty string on GitHub, not an error: the gate would
    quietly run without, say, the expectations file."""
    data = action()
    inputs = set(data["inputs"])
    ids = {s["id"] for s in data["runs"]["steps"] if "id" in s}
    named = [e for step in data["runs"]["steps"] for e in [*expressions(step), step.get("if", "")]]
    named += expressions(data["outputs"])
    for expression in named:
        for ref in re.findall(r"\binputs\.([\w-]+)", expression):
            assert ref in inputs, f"{expression!r}: no input {ref!r} (declared: {sorted(inputs)})"
        for ref in re.findall(r"\bsteps\.([\w-]+)\.", expression):
            assert ref in ids, f"{expression!r}: no step with id {ref!r}"
    assert data["inputs"]["agent-impl"].get("required") is True
    optional = {n: spec for n, spec in data["inputs"].items() if n != "agent-impl"}
    assert all(spec.get("required") is False and "default" in spec for spec in optional.values()), optional
    assert {n: optional[n]["default"] for n in ("level", "junit", "report", "python-version", "extra")} == {
        "level": "must", "junit": "conformance-junit.xml", "report": "conformance.md", "python-version": "",
        "extra": ""}
    assert {"exit-code", "outcome"} <= set(data["outputs"])


def test_the_docs_pass_the_action_only_inputs_it_declares() -> None:
    """An undeclared input is only a warning on GitHub, and it is silently ignored."""
    declared = action()["inputs"]
    given = action_usage().get("with", {})
    assert set(given) <= set(declared), f"undeclared: {sorted(set(given) - set(declared))}"
    required = {name for name, spec in declared.items() if spec.get("required")}
    assert required <= set(given), f"the example leaves out required inputs {sorted(required - set(given))}"
    table = DOC.read_text()
    missing = [name for name in declared if f"| `{name}` |" not in table]
    assert not missing, f"docs/ci.md's input table does not describe {missing}"


# -- behaviour: a runner, as far as run: steps go --------------------------------------------------
@dataclass
class Ran:
    """One step as GitHub would have run it."""

    name: str
    result: subprocess.CompletedProcess[str] | None  # None: a `uses:` step, not run here
    script: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""


@dataclass
class Runner:
    """Runs ``run:`` steps the way a GitHub runner does (see the module docstring for what differs)."""

    venv: UserVenv
    workspace: Path
    scratch: Path
    wheel: Path
    counter: int = 0

    def expand(self, text: str, context: dict[str, Any]) -> str:
        """``${{ inputs.X }}``, ``${{ github.action_path }}``, ``${{ steps.ID.outputs.X }}``; nothing else."""

        def value(match: re.Match[str]) -> str:
            expression = match[1]
            if m := re.fullmatch(r"inputs\.([\w-]+)", expression):
                return str(context["inputs"][m[1]])
            if expression == "github.action_path":
                return str(self.wheel)
            if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
                return str(context["steps"].get(m[1], {}).get(m[2], ""))
            pytest.fail(f"the test's runner does not know the expression ${{{{ {expression} }}}}: teach it, "
                        "and say so in the module docstring", pytrace=False)

        return EXPRESSION.sub(value, text)

    def run(self, name: str, script: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> Ran:
        self.counter += 1
        step_dir = self.scratch / f"step{self.counter}"
        step_dir.mkdir()
        output, summary = step_dir / "output", step_dir / "summary"
        output.touch()
        summary.touch()
        (step_dir / "script.sh").write_text(script)
        runner_env = {
            **self.venv.env,  # as after setup-python: this interpreter first on PATH
            "CI": "true", "GITHUB_ACTIONS": "true", "RUNNER_OS": "Linux", "RUNNER_TEMP": str(self.scratch),
            "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
            **(env or {}),
        }
        result = run([*BASH, str(step_dir / "script.sh")], cwd=cwd or self.workspace, env=runner_env, timeout=timeout)
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        return Ran(name, result, script, outputs, summary.read_text())


def local_install(script: str, wheel: Path) -> str:
    """The docs' ``pip install "agent-limit-conformance[extra] @ git+https://github.com/<org>/...@vX"``
    installs the wheel instead: the package is not on PyPI, ``<org>`` is a placeholder, and the
    wheel is what a release tag would build. Exactly one requirement per script is replaced."""
    replaced, count = REQUIREMENT.subn(lambda _: shlex.quote(str(wheel)), script)
    assert count == 1, f"expected one requirement of the package to install in:\n{script}"
    return replaced


def show(ran: Ran) -> str:
    assert ran.result is not None
    return f"step {ran.name!r} exited {ran.result.returncode}:\n{ran.result.stdout[-6000:]}"


@pytest.fixture(scope="module")
def runner(user_venv: UserVenv, wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """The sample project: an uninstalled agent module named as the docs name it
    (``mypkg.agents:Agent``), and a pytest config whose testpaths hold a failing test of the
    project's own. The docs promise a gate on conformance alone, so that test must never run. The
    expectations file is not here yet: the docs' command makes it."""
    root = tmp_path_factory.mktemp("ci-project")
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
                                         'addopts = "-p no:cacheprovider"\n')
    (root / "tests").mkdir()
    (root / "tests" / "test_own.py").write_text(
        "def test_the_projects_own_failing_test():\n    assert False, 'the conformance gate ran the project tests'\n")
    (root / "mypkg").mkdir()
    (root / "mypkg" / "__init__.py").write_text("")
    (root / "mypkg" / "agents.py").write_text(SAMPLE_AGENT)
    return Runner(user_venv, root, tmp_path_factory.mktemp("ci-runner"), wheel)


@pytest.fixture(scope="module")
def expectations(runner: Runner) -> Path:
    """Made the way docs/ci.md tells a user to make it: its ``--conformance-expect-update`` command."""
    blocks = [b for b in fenced("sh") if "--conformance-expect-update" in b]
    assert len(blocks) == 1, "docs/ci.md shows one command that creates the expectations file"
    ran = runner.run("create the expectations file", local_install(blocks[0], runner.wheel),
                     env={"PYTEST_ADDOPTS": " ".join(f"--clause={c}" for c in CLAUSES)})
    path = runner.workspace / EXPECTATIONS
    assert path.is_file(), f"the documented command did not write {EXPECTATIONS}; {show(ran)}"
    text = path.read_text()
    tables = re.findall(r'^\["?([\w-]+)"?\]', text, re.M)
    assert tables == ["TOKENS-1"], f"{EXPECTATIONS} should list TOKENS-1 alone (the sample agent's bug):\n{text}"
    if tomllib is not None:
        assert tomllib.loads(text)["TOKENS-1"]["expected"] == "fail", text
    return path


def test_the_documented_workflow_runs_and_passes_given_the_expectations(runner: Runner, expectations: Path) -> None:
    """The workflow's run: steps, as written, against the sample project: it conforms given the
    committed file, and the reports land where the upload step looks for them."""
    steps = steps_of(full_workflow())
    ran: list[Ran] = []
    restrict = {"PYTEST_ADDOPTS": " ".join(f"--clause={c}" for c in CLAUSES)}
    for index, step in enumerate(steps):
        name = step.get("name") or step.get("uses") or f"step {index}"
        if "uses" in step:
            ran.append(Ran(name, None))
            continue
        script = runner.expand(step["run"], {"inputs": {}, "steps": {}})
        if REQUIREMENT.search(script):
            script = local_install(script, runner.wheel)
        env = {k: runner.expand(str(v), {"inputs": {}, "steps": {}}) for k, v in step.get("env", {}).items()}
        cwd = runner.workspace / step.get("working-directory", ".")
        done = runner.run(name, script, env={**env, **restrict}, cwd=cwd)
        assert done.result is not None and done.result.returncode == 0, show(done)
        ran.append(done)
    suite = next(r for r in ran if "python -m pytest" in r.script)
    assert "TOKENS-1" in suite.summary and "TURNS-1" in suite.summary, (
        f"GITHUB_STEP_SUMMARY got no per-clause summary:\n{suite.summary!r}\n{show(suite)}")
    for upload in (s for s in steps if action_name(s.get("uses", "")) == "actions/upload-artifact"):
        for line in filter(None, map(str.strip, str(upload["with"]["path"]).splitlines())):
            assert (runner.workspace / line).is_file(), f"the upload step would find no {line}; {show(suite)}"
    junit_has_clauses(runner.workspace / "conformance-junit.xml")


def junit_has_clauses(path: Path) -> None:
    """One JUnit file tells a CI test view which clause each testcase checks."""
    cases = ET.parse(path).getroot().iter("testcase")
    clauses = {p.get("value") for case in cases for p in case.iter("property") if p.get("name") == "clause"}
    assert set(CLAUSES) <= clauses, f"{path}: testcases carry clause properties {sorted(filter(None, clauses))}"


def run_action(runner: Runner, given: dict[str, str]) -> tuple[list[Ran], dict[str, str]]:
    """The action's steps with the inputs ``given`` (others at their defaults), stopping after the
    first failing step as GitHub does; returns the steps and the action's outputs."""
    data = action()
    inputs = {name: str(spec.get("default", "")) for name, spec in data["inputs"].items()}
    assert set(given) <= set(inputs)
    inputs.update(given)
    context: dict[str, Any] = {"inputs": inputs, "steps": {}}
    ran: list[Ran] = []
    for step in data["runs"]["steps"]:
        name = step.get("name", step.get("uses", "?"))
        if "uses" in step:
            ran.append(Ran(name, None))
            continue
        if ran and any(r.result is not None and r.result.returncode != 0 for r in ran):
            break  # no run: step of the action is `if: always()`
        env = {k: runner.expand(str(v), context) for k, v in step.get("env", {}).items()}
        cwd = runner.workspace / runner.expand(step.get("working-directory", "."), context)
        done = runner.run(name, step["run"], env=env, cwd=cwd)
        if "id" in step:
            context["steps"][step["id"]] = done.outputs
        ran.append(done)
    outputs = {name: runner.expand(spec["value"], context) for name, spec in data["outputs"].items()}
    return ran, outputs


def test_the_action_passes_given_the_expectations_and_fails_without_them(runner: Runner, expectations: Path) -> None:
    """The action's steps as written: installing from its own path, then the gate in both directions,
    with the outputs and reports a workflow relies on."""
    args = '--clause TURNS-1 "--clause=TOKENS-1"'  # quoted on purpose: pytest-args is split like shell words
    ran, outputs = run_action(runner, {"agent-impl": "mypkg.agents:Agent", "expectations": EXPECTATIONS,
                                       "pytest-args": args})
    for step in ran:
        assert step.result is None or step.result.returncode == 0, show(step)
    suite = next(r for r in ran if "python -m pytest" in r.script)
    assert outputs["exit-code"] == "0" and outputs["outcome"] == "conforms", (outputs, show(suite))
    for key in ("junit", "report"):
        assert Path(outputs[key]).is_file() and Path(outputs[key]).parent == runner.workspace, (outputs, show(suite))
    assert outputs["report"].endswith(".md")
    assert "TOKENS-1" in suite.summary, f"GITHUB_STEP_SUMMARY: {suite.summary!r}"
    junit_has_clauses(Path(outputs["junit"]))

    for key in ("junit", "report"):
        Path(outputs[key]).unlink()
    ran, outputs = run_action(runner, {"agent-impl": "mypkg.agents:Agent", "pytest-args": args})
    failed = [r for r in ran if r.result is not None and r.result.returncode != 0]
    assert len(failed) == 1 and failed[0].result is not None and failed[0].result.returncode == 1, (
        [show(r) for r in ran if r.result is not None])
    assert outputs["exit-code"] == "1" and outputs["outcome"] == "does-not-conform", outputs
    heading = next((line for line in failed[0].summary.splitlines() if line.strip()), "")
    assert "TOKENS-1" in failed[0].summary and not re.search(r"\bconforms\b", heading), (
        f"the job summary of a failed run must say so, not that it conforms:\n{failed[0].summary[:1500]}")
    for key in ("junit", "report"):
        assert Path(outputs[key]).is_file(), f"a failed run still writes its {key} for the upload: {outputs}"
