"""The GitHub Action (action.yml): a composite action with the inputs the docs name, whose shell
steps, run here as the runner runs them (inputs substituted, GITHUB_OUTPUT and GITHUB_PATH
files), produce a SARIF report code scanning accepts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import yaml

from tests.test_check import commit, git, make_repo, write
from tests.test_check_cli import _validate_sarif

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
_EXPR = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")


def action() -> dict:
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


class Runner:
    """Just enough of the Actions runner for this composite action: ``${{ }}`` expressions of
    inputs, github.* and step outputs; ``if:`` conditions of ``always()`` and ``==``/``!=``
    terms joined by ``&&``; bash steps with GITHUB_OUTPUT, GITHUB_PATH and RUNNER_TEMP.
    ``uses:`` steps (the SARIF upload) are recorded, not run."""

    def __init__(self, workspace: Path, temp: Path, inputs: Dict[str, str], env: Dict[str, str]):
        doc = action()
        self.inputs = {name: str(spec.get("default", "")) for name, spec in doc["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, f"not inputs of action.yml: {unknown}"
        self.inputs.update(inputs)
        self.steps = doc["runs"]["steps"]
        self.workspace, self.temp, self.env = workspace, temp, env
        self.outputs: Dict[str, Dict[str, str]] = {}
        self.path: List[str] = []
        self.used: List[str] = []
        self.log: List[subprocess.CompletedProcess] = []

    def value(self, expr: str) -> str:
        if expr.startswith("inputs."):
            return self.inputs[expr[len("inputs.") :]]
        if expr == "github.action_path":
            return str(ROOT)
        if expr == "github.action_repository":
            return "example/migrator"
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if match:
            return self.outputs.get(match.group(1), {}).get(match.group(2), "")
        match = re.fullmatch(r"'([^']*)'", expr)
        if match:
            return match.group(1)
        raise AssertionError(f"the test runner does not know {expr!r}")

    def expand(self, text: str) -> str:
        return _EXPR.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, cond: Optional[str]) -> bool:
        if cond is None:
            return True
        ok = True
        for term in _EXPR.sub(lambda m: m.group(1), cond).split("&&"):
            term = term.strip()
            if term == "always()":
                continue
            left, op, right = re.fullmatch(r"(\S+)\s*(==|!=)\s*(\S+)", term).groups()
            equal = self.value(left) == self.value(right)
            ok = ok and (equal if op == "==" else not equal)
        return ok

    def run(self) -> int:
        """Run the steps in order, as a job does; the exit code of the first failing step."""
        failed = 0
        for i, step in enumerate(self.steps):
            # after a failure only steps that ask for it (always()) run
            if (failed and "always()" not in step.get("if", "")) or not self.condition(step.get("if")):
                continue
            if "uses" in step:
                self.used.append(step["uses"])
                continue
            failed = failed or self._bash(i, step)
        return failed

    def _bash(self, i: int, step: dict) -> int:
        assert step["shell"] == "bash"
        out, path_file = self.temp / f"output-{i}", self.temp / f"path-{i}"
        out.write_text("")
        path_file.write_text("")
        env = dict(os.environ, **self.env, GITHUB_OUTPUT=str(out), GITHUB_PATH=str(path_file), RUNNER_TEMP=str(self.temp))
        env["PATH"] = os.pathsep.join(self.path + [env["PATH"]])
        env.update({k: self.expand(str(v)) for k, v in step.get("env", {}).items()})
        cwd = self.workspace / self.expand(step.get("working-directory", "."))
        script = self.temp / f"step-{i}.sh"
        script.write_text(self.expand(step["run"]))
        # the runner's own command line for `shell: bash`
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.log.append(proc)
        if "id" in step:
            self.outputs[step["id"]] = dict(line.split("=", 1) for line in out.read_text().splitlines() if line)
        self.path = [p for p in path_file.read_text().splitlines() if p] + self.path
        return proc.returncode

    @property
    def stdout(self) -> str:
        return "".join(p.stdout for p in self.log)

    @property
    def stderr(self) -> str:
        return "".join(p.stderr for p in self.log)


def test_action_yml_is_a_composite_action_with_its_inputs():
    doc = action()
    assert doc["name"] and doc["description"]
    assert doc["runs"]["using"] == "composite"
    assert {"ref", "paths", "policy", "base", "baseline", "install", "sarif-file", "upload-sarif", "working-directory"} <= set(
        doc["inputs"]
    )
    steps = doc["runs"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
    text = ACTION.read_text(encoding="utf-8")
    for name in re.findall(r"inputs\.([\w-]+)", text):
        assert name in doc["inputs"], name
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            # inputs reach a script through its environment, never pasted into it (no injection)
            assert "${{" not in step["run"], step["name"]
            proc = subprocess.run(["bash", "-n"], input=step["run"], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
    install = steps[0]
    assert install["if"] == "inputs.install == 'true'"
    assert install["env"]["MIGRATOR_ACTION_PATH"] == "${{ github.action_path }}"
    assert 'spec="$MIGRATOR_ACTION_PATH"' in install["run"] and "pip install" in install["run"]
    # the distribution the install line builds is the one pyproject names
    assert 'name = "openai-migrator-cn"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """A checkout as actions/checkout makes it for a pull request: origin/main (which already
    uses OpenAI: only what the branch adds fails), and a branch on top."""
    origin = make_repo(tmp_path / "origin")
    write(origin, "app/__init__.py", "")
    write(origin, "app/old.py", "import openai\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n")
    write(origin, "app/util.py", "def helper():\n    return 1\n")
    commit(origin, "init")
    subprocess.run(["git", "clone", "-q", str(origin), str(tmp_path / "work")], check=True)
    work = tmp_path / "work"
    git(work, "config", "user.name", "Test")
    git(work, "config", "user.email", "test@example.com")
    git(work, "checkout", "-q", "-b", "feature")
    return work


def runner(work: Path, tmp_path: Path, **inputs: str) -> Runner:
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    r = Runner(work, temp, {"install": "false", **inputs}, {"GITHUB_BASE_REF": "main", "NO_COLOR": "1"})
    r.path = [str(Path(sys.executable).parent)]  # migrator from this test's environment (install: false)
    return r


def test_new_openai_usage_fails_the_job_with_a_valid_sarif(pull_request, tmp_path):
    write(pull_request, "app/llm.py", "from openai import OpenAI\nclient = OpenAI()\n")
    commit(pull_request, "use openai")
    r = runner(pull_request, tmp_path)
    assert r.run() == 1, r.stderr
    assert r.outputs["check"]["exit-code"] == "1"
    sarif = Path(r.outputs["check"]["sarif-file"])
    assert sarif == pull_request / "migrator.sarif"
    doc = _validate_sarif(sarif.read_text(encoding="utf-8"))
    errors = [x for x in doc["runs"][0]["results"] if x["level"] == "error"]
    assert {x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in errors} == {"app/llm.py"}
    assert "::error file=app/llm.py" in r.stdout  # annotations on the pull request's lines
    assert r.used == ["github/codeql-action/upload-sarif@v3"]  # uploaded before the job fails
    assert "new OpenAI usage" in r.stdout


def test_no_new_usage_passes_and_still_writes_sarif(pull_request, tmp_path):
    write(pull_request, "app/util.py", "def helper():\n    return 2\n")
    commit(pull_request, "no openai")
    r = runner(pull_request, tmp_path, **{"sarif-file": "out/m.sarif", "paths": "app", "upload-sarif": "false"})
    (pull_request / "out").mkdir()
    assert r.run() == 0, r.stderr
    assert r.outputs["check"]["exit-code"] == "0"
    doc = _validate_sarif((pull_request / "out" / "m.sarif").read_text(encoding="utf-8"))
    assert [x for x in doc["runs"][0]["results"] if x["level"] == "error"] == []
    assert r.used == []


def test_a_bad_input_fails_the_check_step_with_its_message(pull_request, tmp_path):
    r = runner(pull_request, tmp_path, policy="lenient")
    assert r.run() == 2
    assert "lenient" in r.stderr and "Traceback" not in r.stderr
    assert r.outputs["check"]["exit-code"] == "2"
    assert r.used == []  # no SARIF to upload


def test_docs_list_every_input():
    docs = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")
    for name, spec in action()["inputs"].items():
        default = str(spec.get("default", "")) or "empty"
        assert re.search(rf"^\| `{re.escape(name)}` \| `?{re.escape(default)}`? \|", docs, re.M), name
