"""``apply`` honours ``# migrator: ignore[rule] -- reason`` as ``check`` does: the site is left
as it is (with the rest of its client), reported and counted as suppressed."""

from __future__ import annotations

import json

import pytest

from tests.test_apply_cli import branch_file, git, make_repo, run

TWO_CLIENTS = '''from openai import OpenAI

{comment_before}harness = OpenAI(){comment_after}
client = OpenAI()


def reference(question):
    return harness.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": question}}])


def ask(question):
    return client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": question}}])
'''

HARNESS_LINES = ('harness = OpenAI()', 'return harness.chat.completions.create(model="gpt-4o"')


@pytest.mark.parametrize(
    "before,after",
    [
        ("", "  # migrator: ignore -- the eval harness compares against OpenAI"),
        ("# migrator: ignore[dashscope/client-endpoint] -- the eval harness compares against OpenAI\n", ""),
        ("", "  # migrator: ignore[openai-client-endpoint] -- the eval harness compares against OpenAI"),
    ],
)
def test_a_suppressed_client_is_left_whole_and_counted(tmp_path, before, after):
    source = TWO_CLIENTS.format(comment_before=before, comment_after=after)
    repo = make_repo(tmp_path, {"app.py": source.encode()})
    dry = run("apply", "-p", "dashscope", "--dry-run", "--format", "json", cwd=repo)
    assert dry.returncode == 1, dry.stderr
    doc = json.loads(dry.stdout)
    assert doc["summary"]["suppressed"] == 1 and "1 site(s) suppressed" in dry.stderr
    (note,) = [d for d in doc["diagnostics"] if d["rule"] == "migrator/suppressed"]
    assert note["line"] == 3 + bool(before) and "the eval harness compares against OpenAI" in note["message"]
    assert note["severity"] == "info"
    assert run("apply", "-p", "dashscope", cwd=repo).returncode == 0
    migrated = branch_file(repo, "migrator/dashscope-compat", "app.py").decode()
    for line in HARNESS_LINES + ((before + "harness = OpenAI()" + after),):
        assert line in migrated, migrated  # the suppressed client and its call, byte for byte
    # the statement, wrapped one argument per line when longer than 88 columns (engine/layout.py)
    moved = migrated[migrated.index("\nclient = ") + 1 :]
    moved = moved[: moved.index(")\n") + 1] if moved.startswith("client = OpenAI(\n") else moved.splitlines()[0]
    assert "DASHSCOPE_API_KEY" in moved and "dashscope.aliyuncs.com" in moved  # the other client moved
    assert migrated.count('model="qwen-plus"') == 1
    git(repo, "switch", "-q", "migrator/dashscope-compat")
    again = run("apply", "-p", "dashscope", "--dry-run", cwd=repo)
    assert again.returncode == 0 and "1 site(s) suppressed" in again.stderr  # a second run changes nothing


def test_a_suppression_of_another_rule_holds_nothing(tmp_path):
    source = TWO_CLIENTS.format(comment_before="", comment_after="  # migrator: ignore[dashscope/other] -- not this")
    repo = make_repo(tmp_path, {"app.py": source.encode()})
    dry = run("apply", "-p", "dashscope", "--dry-run", "--format", "json", cwd=repo)
    doc = json.loads(dry.stdout)
    assert doc["summary"]["suppressed"] == 0 and "suppressed" not in dry.stderr
    assert doc["rules"]["dashscope/client-endpoint"]["sites"] == 2
