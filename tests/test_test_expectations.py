"""A project's own test asserting the model its code sends (``call_args.kwargs["model"] ==
"gpt-4o"``, ``assert_called_once_with(model="gpt-4o")``) fails once apply maps that model: apply
says where, with the model the code now sends, and only for models the migrated code really
sends mapped.  The migrated project's tests are run to show the warning is true."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.analyzer.expectations import expected_models
from tests.test_apply_cli import make_repo, run

APP = b'''from openai import OpenAI

client = OpenAI()


def ask(q):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}]).choices[0].message.content
'''

TEST = b'''from unittest.mock import MagicMock, patch

from app import llm

FAKE = MagicMock(choices=[MagicMock(message=MagicMock(content="hi"))], model="gpt-4o")


@patch("app.llm.client")
def test_ask_sends_the_model(mock_client):
    mock_client.chat.completions.create.return_value = FAKE
    assert llm.ask("q") == "hi"
    assert mock_client.chat.completions.create.call_args.kwargs["model"] == "gpt-4o"


@patch("app.llm.client")
def test_ask_with(mock_client):
    mock_client.chat.completions.create.return_value = FAKE
    llm.ask("q")
    mock_client.chat.completions.create.assert_called_once_with(
        model="gpt-4o", messages=[{"role": "user", "content": "q"}]
    )


@patch("app.llm.client")
def test_ask_answers(mock_client):
    mock_client.chat.completions.create.return_value = FAKE
    assert llm.ask("q") == "hi"
'''


def _apply(repo: Path, *args: str) -> dict:
    proc = run("apply", "--provider", "dashscope", "--format", "json", *args, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr  # (1: something is left for a person)
    return json.loads(proc.stdout)


def _expectations(doc: dict) -> list:
    return [(d["path"], d["line"], d["severity"]) for d in doc["diagnostics"] if d["rule"] == "migrator/test-expectation"]


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_a_test_expecting_a_mapped_model_is_reported_and_really_fails(tmp_path: Path, plan: str):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/llm.py": APP, "tests/__init__.py": b"", "tests/test_llm.py": TEST})
    doc = _apply(repo, "--plan", plan, "--yes")
    assert _expectations(doc) == [("tests/test_llm.py", 12, "warning"), ("tests/test_llm.py", 20, "warning")], doc["diagnostics"]
    message = next(d["message"] for d in doc["diagnostics"] if d["rule"] == "migrator/test-expectation")
    assert "'gpt-4o'" in message and "'qwen-plus'" in message
    # the migrated branch: exactly the two reported tests fail, at the reported lines
    subprocess.run(["git", "checkout", "-q", doc["branch"]], cwd=repo, check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DASHSCOPE_API_KEY": "sk-test", "PYTHONDONTWRITEBYTECODE": "1"})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "tests"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "2 failed, 1 passed" in done.stdout, done.stdout[-3000:]
    assert "test_llm.py:12" in done.stdout and "test_ask_with" in done.stdout, done.stdout[-3000:]


def test_no_expectation_is_reported_where_the_model_is_not_mapped(tmp_path: Path):
    # the client's endpoint is set at run time: it stays on OpenAI whole, the model with it
    app = APP.replace(b"client = OpenAI()", b"import os\n\nclient = OpenAI(base_url=os.environ['SOME_URL'])")
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/llm.py": app, "tests/test_llm.py": TEST})
    assert _expectations(_apply(repo, "--dry-run")) == []
    # and a model the code sends both mapped and unmapped (another call left on OpenAI) is no claim
    other = b"import os\nfrom openai import OpenAI\n\nkept = OpenAI(base_url=os.environ['SOME_URL'])\nkept.chat.completions.create(model='gpt-4o', messages=[])\n"
    (tmp_path / "two").mkdir()
    repo2 = make_repo(
        tmp_path / "two", {"app/__init__.py": b"", "app/llm.py": APP, "app/other.py": other, "tests/test_llm.py": TEST}
    )
    assert _expectations(_apply(repo2, "--dry-run")) == []


def test_only_literals_inside_assertions_are_expectations():
    found = list(expected_models(TEST.decode(), {"gpt-4o", "gpt-4o-mini"}))
    assert [(line, model) for line, _col, model in found] == [(12, "gpt-4o"), (20, "gpt-4o")]
    assert list(expected_models("self.assertEqual(x, 'gpt-4o-mini')\n", {"gpt-4o-mini"})) == [(1, 21, "gpt-4o-mini")]
    assert list(expected_models("def broken(:\n    assert 'gpt-4o'\n", {"gpt-4o"})) == []
