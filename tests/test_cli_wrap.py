"""Output piped at 80 columns (COLUMNS=80, NO_COLOR=1): a long path, a ``path:line:col`` and the
summary line are never broken where Rich would wrap them, so grep, CI logs and editors see them
whole."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_apply_cli import GIT_ENV, make_repo

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "services/conversational_assistant_backend/integrations/openai_compat_layer"
APP = f"{FOLDER}/chat_completion_client_wrapper_module_with_a_long_name.py"
BROKEN = f"{FOLDER}/a_module_that_does_not_parse_and_mentions_openai.py"
SOURCE = '''from openai import OpenAI

client = OpenAI()


def ask(question):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])


def assistant():
    return client.beta.assistants.create(model="gpt-4o", instructions="a long instruction for the assistant")
'''


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "COLUMNS": "80", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "migrator", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path, {APP: SOURCE.encode(), BROKEN: b"import openai\ndef broken(:\n"})


def lines(text: str):
    return text.splitlines()


def test_scan_prints_paths_and_locations_whole(repo):
    proc = run("scan", ".", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    out = lines(proc.stdout)
    assert f"  {APP}" in out  # the file's heading
    assert any(line.startswith(f"  {APP}:11:12  ") for line in out), proc.stdout  # a blocker, path:line:col
    assert any(line.startswith(f"  {BROKEN}:2:") for line in out), proc.stdout  # not analysed, path:line
    assert any(re.fullmatch(r"\d+ files? scanned, .* findings? in all\.", line) for line in out), proc.stdout


def test_check_prints_paths_whole(repo):
    proc = run("check", cwd=repo)
    assert proc.returncode == 1
    out = lines(proc.stdout)
    assert APP in out and BROKEN in out, proc.stdout
    assert any(re.fullmatch(r"  \d+:\d+  check/openai-import  .*strict policy\)", line) for line in out), proc.stdout


def test_apply_summary_line_and_diagnostics_are_whole(repo):
    proc = run("apply", "-p", "dashscope", "--dry-run", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    summary = [line for line in lines(proc.stderr) if "file(s) changed" in line]
    assert len(summary) == 1 and re.fullmatch(r"\d+ file\(s\) changed, .*\(dry run: nothing written\)", summary[0]), proc.stderr
    out = lines(proc.stdout)
    assert f"  {APP}" in out and f"  {BROKEN}:2: syntax error: invalid syntax" in out, proc.stdout
    assert APP in out  # the heading of its diff


def test_an_error_names_its_file_and_line_on_one_line(repo):
    (repo / FOLDER / "pyproject.toml").write_text('[tool.migrator]\nbogus_option_with_a_long_name = 1\n')
    proc = run("scan", FOLDER, cwd=repo)
    assert proc.returncode == 2
    assert f"error: {FOLDER}/pyproject.toml:2: unknown key 'bogus_option_with_a_long_name' in [tool.migrator]" in lines(
        proc.stderr
    ), proc.stderr
