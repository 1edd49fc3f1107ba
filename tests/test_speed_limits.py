"""Issue 19: the token pass of ``limits`` (nesting, operator chains) runs only on a text LibCST is
about to parse: a file whose sites no rule rewrites is never tokenized, and one that would reach
LibCST is still refused by name before it does; the size limit stays a check of every file."""

from __future__ import annotations

import pytest

from migrator import limits
from migrator.apply import migrate_python_bytes, migrate_tree
from migrator.engine import rewrite
from migrator.ruleset import load_all, select
from migrator.scan import ScanOptions

CHAIN = "\n\ndef total():\n    return " + " + ".join(f"a{i}" for i in range(1500)) + "\n"
NOTHING_TO_REWRITE = "import openai\n\nprint(openai.__version__)\n"
REWRITABLE = "import openai\n\nopenai.Model.list()\n"


@pytest.fixture(autouse=True)
def _pruned_only(monkeypatch):
    """The analyzer as users run it: the suite's full-walk comparison (conftest.py) recurses too
    deep on the chain, which the pruned analysis never walks."""
    from migrator.analyzer import python as analyzer

    monkeypatch.setattr(analyzer, "_analyze", getattr(analyzer._analyze, "__wrapped__", analyzer._analyze))


@pytest.fixture
def ruleset():
    return select(load_all([]), "dashscope", "compat")


@pytest.fixture
def tokenized(monkeypatch):
    texts = []
    token_problem = limits.token_problem

    def counting(text):
        texts.append(text)
        return token_problem(text)

    monkeypatch.setattr("migrator.apply.token_problem", counting)
    return texts


def test_a_file_no_rule_rewrites_is_not_tokenized_nor_refused(tmp_path, ruleset, tokenized, monkeypatch):
    parsed = []
    monkeypatch.setattr(rewrite.cst, "parse_module", lambda *a, **k: parsed.append(a) or pytest.fail("parsed"))
    (tmp_path / "app.py").write_text(NOTHING_TO_REWRITE + CHAIN)
    result = migrate_tree(str(tmp_path), ruleset, ScanOptions(jobs=1, use_cache=False))
    assert result.failures == [] and result.changes == []
    assert tokenized == [] and parsed == []


def test_a_file_about_to_reach_libcst_is_still_refused_by_name(tmp_path, ruleset, tokenized):
    (tmp_path / "app.py").write_text(REWRITABLE + CHAIN)
    (tmp_path / "ok.py").write_text(REWRITABLE)
    result = migrate_tree(str(tmp_path), ruleset, ScanOptions(jobs=1, use_cache=False))
    assert [(f.path, f.message) for f in result.failures] == [
        ("app.py", "not rewritten: line 7: an expression chaining more than 1000 operators")
    ]
    assert [c.path for c in result.changes] == ["ok.py"]
    assert sorted(text[:40] for text in tokenized) == sorted([REWRITABLE + CHAIN[: 40 - len(REWRITABLE)], REWRITABLE])


def test_the_size_limit_is_checked_before_anything_else(ruleset, tokenized):
    big = NOTHING_TO_REWRITE + "x = 1\n" * (limits.MAX_REWRITE_CHARS // 6 + 1)
    new, result = migrate_python_bytes("big.py", big.encode(), ruleset, None)
    assert new is None and result.error == "not rewritten: larger than 512 KiB, the limit for rewriting a file"
    assert tokenized == []


def test_rewrite_problem_is_still_both_halves():
    assert limits.rewrite_problem(REWRITABLE + CHAIN) == limits.token_problem(REWRITABLE + CHAIN) is not None
    assert limits.rewrite_problem("x = 1\n" * (limits.MAX_REWRITE_CHARS // 6 + 1)).startswith("larger than")
    assert limits.rewrite_problem(REWRITABLE) is None
