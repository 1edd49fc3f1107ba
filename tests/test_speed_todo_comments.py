"""Issue 19: a TODO comment built from any text is one valid comment line, whatever the text
holds (line breaks of every kind, a form feed, a NUL, a lone surrogate: a model value can
carry any of them through an escape), and the pinned corpus's litellm/main.py migrates."""

from __future__ import annotations

import ast
import io
import os
import tokenize

import libcst as cst
import pytest

from migrator.apply import migrate_python_bytes
from migrator.engine.ops import COMMENT_LIMIT, one_line
from migrator.ruleset import load_all, select

# every kind of character a source file cannot hold in a comment as it is
AWKWARD = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    "\x85",
    "\u2028",
    "\u2029",
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\x9f",
    "\ud800",
    "\udfff",
    "\ud83d",
    "\u200b",
    "\ufeff",
    "\U000e0001",
]


def _is_one_valid_comment(comment: str) -> None:
    line = f"x = 1  {comment}\n"
    assert len(line.splitlines()) == 1
    line.encode("utf-8")  # writable as UTF-8 (no lone surrogate)
    ast.parse(line)
    assert cst.parse_module(line).code == line
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(line).readline) if t.type == tokenize.COMMENT]
    assert [t.string for t in tokens] == [comment]


@pytest.mark.parametrize("char", AWKWARD, ids=[repr(c) for c in AWKWARD])
def test_a_comment_from_any_character_is_one_valid_line(char):
    for text in (f"a{char}b", f"{char}", f"model `x{char}{char}y`", "w " * 300 + char):
        flat = one_line(text, COMMENT_LIMIT)
        assert len(flat) <= COMMENT_LIMIT
        _is_one_valid_comment(f"# {flat}")
        assert one_line(flat, COMMENT_LIMIT) == flat  # the same comment on a second run


VALUE = b'''from openai import OpenAI

client = OpenAI()


def ask():
    return client.chat.completions.create(model="gpt%s4o", messages=[])
'''

EXPRESSION = b'''from openai import OpenAI

client = OpenAI()
x = True


def ask():
    return client.chat.completions.create(model=(%s"a" if x%selse "b"), messages=[])
'''


@pytest.mark.parametrize("provider, plan", [("dashscope", "compat"), ("dashscope", "native")])
@pytest.mark.parametrize(
    "source",
    [
        VALUE % b"\\x00",
        VALUE % b"\\ud800",
        VALUE % b"\\r\\x0c\\u2028",
        EXPRESSION % (b"\r", b"\x0c "),
        EXPRESSION % (b"\\\n", b"\n\x0c  "),
    ],
    ids=["nul-value", "surrogate-value", "breaks-value", "cr-ff-expression", "continued-expression"],
)
def test_a_file_whose_todo_quotes_awkward_text_migrates(source, provider, plan):
    ruleset = select(load_all([]), provider, plan)
    new, result = migrate_python_bytes("app.py", source, ruleset, None)
    assert result.error is None
    assert new is not None
    text = new.decode("utf-8")
    ast.parse(text)
    todos = [line.strip() for line in text.splitlines() if "# TODO(migrator" in line]
    assert todos, text
    for todo in todos:
        _is_one_valid_comment(todo)
    again, second = migrate_python_bytes("app.py", new, ruleset, None)
    assert second.error is None and again is None  # a second run changes nothing


LITELLM_MAIN = os.path.join(os.path.dirname(__file__), "..", "benchmarks", ".corpus", "litellm-1.110.2", "litellm", "main.py")


@pytest.mark.skipif(not os.path.isfile(LITELLM_MAIN), reason="the pinned corpus is not fetched (python benchmarks/corpus.py)")
@pytest.mark.parametrize("plan", ["compat", "native"])
def test_litellm_main_of_the_pinned_corpus_migrates(plan):
    with open(LITELLM_MAIN, "rb") as handle:
        data = handle.read()
    ruleset = select(load_all([]), "dashscope", plan)
    new, result = migrate_python_bytes("litellm/main.py", data, ruleset, None)
    assert result.error is None  # neither refused nor crashed (issue 19: a TODO made LibCST reject it)
    if new is not None:  # on its own every client of it stays whole on OpenAI, so it may not change
        ast.parse(new)
        again, second = migrate_python_bytes("litellm/main.py", new, ruleset, None)
        assert second.error is None and again is None
