"""Issue 17: the TODO comments apply writes into the code speak the chosen language, unless the
project pins one (``todo-lang``); a TODO written by a run in the other language is the same TODO
(never written twice), and a file whose encoding cannot hold Chinese gets its TODOs in English."""

from __future__ import annotations

import json

import pytest

from migrator.apply import migrate_python_bytes
from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from tests.test_apply_cli import make_repo, run

PACKS = load_all([])
SOURCE = (
    'from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef make():\n'
    '    return client.beta.assistants.create(model="gpt-4o", name="helper")\n'
)


def todos(text: str):
    return [line.strip() for line in text.splitlines() if line.strip().startswith("# TODO(migrator")]


def rules(lang: str):
    return select(PACKS, "dashscope", "compat", todo_lang=lang)


def test_a_todo_is_written_in_chinese_when_asked_and_once_in_either_language():
    zh = migrate_source(SOURCE, "m.py", rules("zh")).output
    en = migrate_source(SOURCE, "m.py", rules("en")).output
    (zh_todo,), (en_todo,) = todos(zh), todos(en)
    assert zh_todo.startswith("# TODO(migrator: dashscope/assistants): ") and any("\u4e00" <= c <= "\u9fff" for c in zh_todo)
    assert en_todo.isascii()
    # a second run, in either language, finds its TODO already there
    for first in (zh, en):
        for lang in ("zh", "en"):
            assert migrate_source(first, "m.py", rules(lang)).output == first, (lang, first)


def test_a_file_that_cannot_hold_chinese_gets_its_todo_in_english():
    data = ("# -*- coding: latin-1 -*-\n# caf\u00e9\n" + SOURCE).encode("latin-1")
    new, result = migrate_python_bytes("m.py", data, rules("zh"), None)
    assert result.error is None and new is not None
    text = new.decode("latin-1")
    assert todos(text) and all(t.isascii() for t in todos(text)) and "caf\u00e9" in text


@pytest.mark.parametrize("pinned, expect_chinese", [(None, True), ('"en"', False)])
def test_the_language_follows_migrator_s_unless_the_project_pins_one(tmp_path, pinned, expect_chinese):
    files = {"app.py": SOURCE.encode()}
    if pinned:
        files["pyproject.toml"] = f"[tool.migrator]\ntodo-lang = {pinned}\n".encode()
    repo = make_repo(tmp_path, files)
    proc = run("--lang", "zh", "apply", ".", "--provider", "dashscope", "--yes", "--in-place", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    (todo,) = todos((repo / "app.py").read_text(encoding="utf-8"))
    assert (not todo.isascii()) is expect_chinese


@pytest.mark.parametrize("lang, expect_chinese", [("zh", True), ("en", False)])
def test_the_comment_apply_writes_in_an_env_file_follows_the_language(tmp_path, lang, expect_chinese):
    app = b'from openai import OpenAI\n\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4o", messages=[])\n'
    repo = make_repo(tmp_path, {"app.py": app, ".env": b"OPENAI_API_KEY=sk-placeholder-not-real-0000\n"})
    proc = run("--lang", lang, "apply", ".", "--provider", "dashscope", "--yes", "--in-place", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    comment = (repo / ".env").read_text(encoding="utf-8").splitlines()[0]
    assert comment.startswith("# DASHSCOPE_API_KEY") and (not comment.isascii()) is expect_chinese, comment


def test_a_bad_todo_lang_is_a_usage_error_naming_the_file_and_line(tmp_path):
    repo = make_repo(tmp_path, {"app.py": SOURCE.encode(), "pyproject.toml": b'[tool.migrator]\n\ntodo-lang = "fr"\n'})
    proc = run("apply", ".", "--provider", "dashscope", "--dry-run", "--format", "json", cwd=repo)
    assert proc.returncode == 2, (proc.returncode, proc.stdout)
    assert "pyproject.toml:3" in proc.stderr and "todo-lang" in proc.stderr and "Traceback" not in proc.stderr
    assert not proc.stdout.strip() or json.loads(proc.stdout)
