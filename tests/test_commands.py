"""The front door (issue 18): each command's workflow runs without a terminal.  ``migrator.commands``
is driven here as a program would drive it, on real git repositories, with a UI that records
what it was asked; the exit code comes back as a value."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from migrator.commands import apply as apply_command
from migrator.commands import check as check_command
from migrator.commands import scan as scan_command
from migrator.errors import EXIT_FINDINGS, EXIT_OK, SafetyError, UsageError

APP = (
    'import os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n\n\n'
    'def ask(q):\n    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])\n'
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "app.py").write_text(APP, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


class RecordingUI:
    def __init__(self, answer: bool = True, skip=None):
        self.answer, self.skip, self.calls = answer, skip, []

    def stages(self):
        self.calls.append("stages")
        return contextlib.nullcontext((None, None))

    def choose(self, offered):
        self.calls.append(("choose", len(offered)))
        return self.skip(offered) if self.skip else []

    def replanning(self, skipped):
        self.calls.append(("replanning", len(skipped)))

    def left(self, skipped, extra):
        self.calls.append(("left", len(skipped), len(extra)))

    def show(self, result):
        self.calls.append(("show", len(result.changes)))

    def confirm(self, question):
        self.calls.append(("confirm", question))
        return self.answer


def test_apply_commits_on_a_branch_and_leaves_the_checkout(repo):
    ui = RecordingUI()
    outcome = apply_command.run(apply_command.ApplyRequest(path=str(repo), provider="deepseek"), ui)
    assert outcome.action == "branch" and outcome.code == EXIT_OK
    assert outcome.extra["branch"] == "migrator/deepseek-compat" == outcome.made.branch
    assert (repo / "app.py").read_text(encoding="utf-8") == APP  # the checkout is as it was
    assert "DEEPSEEK_API_KEY" in git(repo, "show", "migrator/deepseek-compat:app.py")
    assert ui.calls[0] == "stages" and ui.calls[1][0] == "show" and not [c for c in ui.calls if c[0] == "confirm"]


def test_a_dry_run_shows_and_returns_exit_1(repo):
    ui = RecordingUI()
    outcome = apply_command.run(apply_command.ApplyRequest(path=str(repo), provider="deepseek", dry_run=True), ui)
    assert (outcome.action, outcome.code) == ("dry-run", EXIT_FINDINGS) and outcome.extra == {"dry_run": True}
    assert git(repo, "branch", "--list", "migrator/*") == "" and git(repo, "status", "--porcelain") == ""


def test_a_refused_confirmation_writes_nothing(repo):
    ui = RecordingUI(answer=False)
    outcome = apply_command.run(apply_command.ApplyRequest(path=str(repo), provider="deepseek", in_place=True), ui)
    assert (outcome.action, outcome.code) == ("declined", EXIT_OK)
    assert ui.calls[-1][0] == "confirm" and "in place" in ui.calls[-1][1]
    assert (repo / "app.py").read_text(encoding="utf-8") == APP and git(repo, "status", "--porcelain") == ""
    # --yes: no question, written
    ui = RecordingUI(answer=False)
    outcome = apply_command.run(apply_command.ApplyRequest(path=str(repo), provider="deepseek", in_place=True, yes=True), ui)
    assert outcome.action == "in-place" and outcome.extra["written"] == [".migrator.toml", "app.py"]
    assert "DEEPSEEK_API_KEY" in (repo / "app.py").read_text(encoding="utf-8")
    assert not [c for c in ui.calls if c[0] == "confirm"]


def test_uncommitted_changes_are_refused_after_the_report(repo):
    (repo / "app.py").write_text(APP + "# mine\n", encoding="utf-8")
    ui = RecordingUI()
    with pytest.raises(SafetyError, match="app.py"):
        apply_command.run(apply_command.ApplyRequest(path=str(repo), provider="deepseek"), ui)
    assert ui.calls[-1][0] == "show" and git(repo, "branch", "--list", "migrator/*") == ""


def test_interactive_skipping_every_unit_plans_again_and_quitting_ends_it(repo):
    ui = RecordingUI(skip=lambda offered: list(offered))
    request = apply_command.ApplyRequest(path=str(repo), provider="deepseek", interactive=True, terminal=True)
    outcome = apply_command.run(request, ui)
    assert ("choose", 1) in ui.calls and ("replanning", 1) in ui.calls and ("left", 1, 0) in ui.calls
    assert outcome.action == "unchanged" and outcome.code == EXIT_OK
    ui = RecordingUI(skip=lambda offered: None)  # q: quit
    outcome = apply_command.run(request, ui)
    assert (outcome.action, outcome.code) == ("quit", EXIT_OK) and not [c for c in ui.calls if c[0] == "show"]
    with pytest.raises(UsageError, match="needs a terminal"):
        apply_command.run(apply_command.ApplyRequest(path=str(repo), provider="deepseek", interactive=True), ui)
    assert git(repo, "branch", "--list", "migrator/*") == "" and git(repo, "status", "--porcelain") == ""


def test_scan_and_check_return_their_results_and_codes(repo, monkeypatch):
    outcome = scan_command.run(scan_command.ScanRequest(path=str(repo)))
    assert outcome.code == EXIT_OK and any(f.kind == "client" for f in outcome.result.findings)
    assert outcome.readiness and {row["provider"] for row in outcome.readiness} >= {"deepseek", "dashscope"}
    monkeypatch.chdir(repo)
    checked = check_command.run(check_command.CheckRequest())
    assert checked.code == EXIT_FINDINGS and checked.result.failed
    assert {f.rule for f in checked.result.new} == {"check/openai-import"}
