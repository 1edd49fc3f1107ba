"""A TODO comment built from any expression is a valid comment: one line, bounded (issue 19:
a multi-line expression quoted in a TODO made LibCST reject the whole rewrite)."""

from __future__ import annotations

import ast
import json

import pytest

from migrator.apply import migrate_python_bytes
from migrator.engine.ops import COMMENT_LIMIT, QUOTE_LIMIT
from migrator.ruleset import load_all, select
from tests.test_apply_cli import git, make_repo, run

MULTILINE_MODEL = b'''from openai import OpenAI

client = OpenAI()
x = True


def ask():
    return client.chat.completions.create(model=(
        "a" if x
        else "b"), messages=[])
'''

MULTILINE_CONFIG = b'''import openai

openai.api_base = (
    base
    or "https://api.openai.com/v1"
)


def ask(q):
    return openai.ChatCompletion.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
'''

# the model's value itself holds a line break: the message quotes it, not the source
MULTILINE_MODEL_NAME = b'''from openai import OpenAI

client = OpenAI()


def ask():
    return client.chat.completions.create(model="""gpt-4o
turbo""", messages=[])
'''

LONG_MODEL = (
    b"from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(pick):\n"
    b"    return client.chat.completions.create(model=pick("
    + b", ".join(b"'option_%d'" % k for k in range(60))
    + b"), messages=[])\n"
)


def _todos(text: str):
    return [line.strip() for line in text.splitlines() if line.strip().startswith("# TODO(migrator")]


@pytest.mark.parametrize("provider, plan", [("dashscope", "compat"), ("zhipu", "native"), ("qianfan", "native")])
@pytest.mark.parametrize(
    "source",
    [MULTILINE_MODEL, MULTILINE_CONFIG, MULTILINE_MODEL_NAME, LONG_MODEL],
    ids=["model-expression", "config-expression", "model-name", "long-expression"],
)
def test_todo_from_any_expression_is_one_valid_comment_line(source, provider, plan):
    ruleset = select(load_all([]), provider, plan)
    new, result = migrate_python_bytes("app.py", source, ruleset, None)
    assert result.error is None
    assert new is not None
    text = new.decode()
    ast.parse(text)
    todos = _todos(text)
    assert todos, text
    assert all(len(todo) <= len("# ") + COMMENT_LIMIT for todo in todos)
    again, second = migrate_python_bytes("app.py", new, ruleset, None)
    assert second.error is None and again is None  # a second run changes nothing


def test_a_quoted_expression_is_flattened_and_bounded():
    ruleset = select(load_all([]), "dashscope", "compat")
    _new, result = migrate_python_bytes("app.py", MULTILINE_MODEL, ruleset, None)
    assert [d.message for d in result.diagnostics if d.severity == "manual"] == [
        'model comes from `("a" if x else "b")`; map it to a model of Alibaba DashScope by hand'
    ]
    _new, result = migrate_python_bytes("app.py", LONG_MODEL, ruleset, None)
    (message,) = [d.message for d in result.diagnostics if d.severity == "manual"]
    quoted = message.split("`")[1]
    assert quoted.startswith("pick('option_0', ") and quoted.endswith("...") and len(quoted) <= QUOTE_LIMIT


def test_apply_commits_a_file_whose_todo_quotes_a_multiline_expression(tmp_path):
    repo = make_repo(tmp_path, {"app.py": MULTILINE_MODEL})
    result = run("apply", "--provider", "dashscope", "--format", "json", "--yes", cwd=repo)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["summary"]["files_failed"] == 0 and doc["summary"]["files_changed"] >= 1
    migrated = git(repo, "show", "migrator/dashscope-compat:app.py")
    ast.parse(migrated)
    assert _todos(migrated) == [
        '# TODO(migrator: dashscope/model): model comes from `("a" if x else "b")`; '
        'map it to a model of Alibaba DashScope by hand'
    ]


def test_one_line_flattens_every_line_break_and_cuts_long_texts():
    from migrator.engine.ops import one_line

    assert one_line("a(\n    b,\r\n\tc\x0c)\u2028d", 80) == "a( b, c ) d"
    cut = one_line("word " * 200, COMMENT_LIMIT)
    assert len(cut) <= COMMENT_LIMIT and cut.endswith("...") and "\n" not in cut
    assert one_line(cut, COMMENT_LIMIT) == cut  # a second run writes the same comment
