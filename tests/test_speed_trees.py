"""Issue 19: within a run each text is parsed with ``ast`` once and the tree shared between the
rewrite's import clean-up, the check that the rewrite parses and the self-check."""

from __future__ import annotations

import ast
import os
import sys
from collections import Counter

import pytest

from migrator.engine import trees
from migrator.engine.rewrite import migrate_source
from migrator.ruleset import load_all, select

SOURCE = '''import os

import openai
from openai import OpenAI

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])


def ask(q):
    try:
        return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    except openai.RateLimitError:
        return None
'''


def test_each_text_is_parsed_once_by_the_engine(monkeypatch):
    from migrator.analyzer.python import analyze_python

    analysis = analyze_python(SOURCE, "app.py")  # scan's analysis, made before the rewrite
    parsed: Counter = Counter()
    real = ast.parse

    def counting(text, *args, **kwargs):
        caller = sys._getframe(1).f_code.co_filename.replace(os.sep, "/")
        if "/migrator/engine/" in caller and not args and not kwargs.get("mode"):
            parsed[text] += 1  # the analyzer's own parses (scan, the second pass) apart
        return real(text, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting)
    trees._trees.clear()
    result = migrate_source(SOURCE, "app.py", select(load_all([]), "dashscope", "compat"), analysis)
    assert result.error is None and result.output != SOURCE
    # the source: read for its bindings and by the self-check; the rewrite: by the import
    # clean-up, the parse check, the self-check and the second pass's bindings
    assert parsed[SOURCE] == 1
    assert parsed[result.output] == 1


def test_a_text_that_does_not_parse_raises_every_time_and_is_not_kept():
    trees._trees.clear()
    for _ in range(2):
        with pytest.raises(SyntaxError):
            trees.parse("def (:\n")
    assert not trees._trees


def test_only_the_last_few_trees_are_kept():
    trees._trees.clear()
    first = trees.parse("a = 1\n")
    assert trees.parse("a = 1\n") is first
    for k in range(10):
        trees.parse(f"b = {k}\n")
    assert len(trees._trees) <= 3
    assert trees.parse("a = 1\n") is not first  # parsed again, not a stale tree
