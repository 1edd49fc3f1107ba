"""apply analyses a changed file's final text once (issue 19): the rewrite's fixpoint check
analyses it, and apply's check of the final bytes (check_bytes) takes that analysis instead of
making it again, only for exactly that text and never a copy the first reader changed."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from migrator.analyzer import analyze_bytes
from migrator.analyzer import python
from migrator.analyzer.python import analyze_python, analyze_python_kept, kept_analysis
from migrator.apply import _policy, _python_job, migrate_tree
from migrator.check import check_bytes
from migrator.ruleset import load_all, select
from migrator.scan import ScanOptions

SOURCE = '''import os
from openai import OpenAI

client = OpenAI(base_url=os.environ.get("OPENAI_BASE_URL"))


def ask(question):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])


def ask_mini(question):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])


def embed(texts):
    return client.embeddings.create(model="text-embedding-3-small", input=texts)
'''


def analyses(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The sources the analyzer is asked to analyse from now on (one entry per ``analyze_python``,
    however many walks the test suite's own checks make of it: see conftest.py)."""
    seen: List[str] = []
    inner = python._analyze

    def counting(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(source)
        return inner(source, *args, **kwargs)

    monkeypatch.setattr(python, "_analyze", counting)
    return seen


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_a_changed_files_final_text_is_analysed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: str) -> None:
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    ruleset = select(load_all([]), "dashscope", plan)
    seen = analyses(monkeypatch)
    out = migrate_tree(str(tmp_path), ruleset, ScanOptions(jobs=1, use_cache=False))
    [change] = [c for c in out.changes if c.path == "app.py"]
    final = change.new.decode("utf-8")
    assert final != SOURCE and not out.failures
    # one analysis, which the fixpoint check and apply's check of the final bytes share (two
    # before: each reader analysed it)
    assert seen.count(final) == 1


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_the_shared_analysis_gives_the_same_check(monkeypatch: pytest.MonkeyPatch, plan: str) -> None:
    """What apply's job finds in the final bytes is what a fresh check of them finds."""
    ruleset = select(load_all([]), "dashscope", plan)
    data = SOURCE.encode("utf-8")
    seen = analyses(monkeypatch)
    new, result, findings = _python_job(("app.py", data, ruleset, analyze_bytes("app.py", data)))
    assert new is not None
    assert seen.count(new.decode("utf-8")) == 1
    assert kept_analysis(new.decode("utf-8"), "app.py") is None  # (taken by the job's check)
    fresh = check_bytes("app.py", new, _policy(result.check_policy(ruleset)))
    assert findings == list(fresh.findings)
    assert seen.count(new.decode("utf-8")) == 2  # (the fresh check analysed it itself)


def test_kept_analysis_is_for_that_text_only_and_once() -> None:
    first = analyze_python_kept(SOURCE, "app.py")
    assert kept_analysis(SOURCE + "\n", "app.py") is None  # another text
    assert kept_analysis(SOURCE, "other.py") is None  # another path
    assert kept_analysis(SOURCE, "app.py", cell=1) is None  # a notebook cell
    first.findings.clear()  # what the first reader does to its copy never reaches the second
    second = kept_analysis(SOURCE, "app.py")
    assert second is not None and second == analyze_python(SOURCE, "app.py") and second.findings
    assert kept_analysis(SOURCE, "app.py") is None  # taken once


@pytest.mark.parametrize("switch, value", [("PRUNE", False), ("MASK", True)])
def test_kept_analysis_is_not_given_under_other_switches(monkeypatch: pytest.MonkeyPatch, switch: str, value: bool) -> None:
    analyze_python_kept(SOURCE, "app.py")
    monkeypatch.setattr(python, switch, value)  # (a switch the analysis depends on)
    assert kept_analysis(SOURCE, "app.py") is None
