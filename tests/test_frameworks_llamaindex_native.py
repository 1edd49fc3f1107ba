"""LlamaIndex's global settings and its providers' own classes (issue #16).

``Settings.llm = OpenAI(...)`` / ``Settings.embed_model = OpenAIEmbedding(...)`` and
``ServiceContext.from_defaults(llm=OpenAI(...))`` are constructions like any other: the compat rules
rewrite them where they stand (fixtures/<provider>/<plan>/llamaindex-settings), and what reads the
settings afterwards (``Settings.llm.complete(...)``, ``index.as_query_engine()``) holds no OpenAI
name of its own: scan counts the constructions once each and `migrator check` passes on the result.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.test_apply_cli import branch_file, git, make_repo, run as cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _settings_app() -> bytes:
    return (FIXTURES / "dashscope" / "compat" / "llamaindex-settings" / "input.py").read_bytes()


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_settings_constructions_are_counted_moved_and_pass_check(tmp_path, plan):
    repo = make_repo(tmp_path, {"app.py": _settings_app()})
    scanned = json.loads(cli("scan", ".", "--format", "json", "--no-cache", cwd=repo).stdout)
    built = [f for f in scanned["findings"] if f["kind"] == "framework" and f.get("form") == "construct"]
    # Settings.llm = ..., Settings.embed_model = ..., and both inside ServiceContext.from_defaults: four,
    # and nothing for Settings.llm.complete(...) or the index, which name no OpenAI class
    assert sorted((f["line"], f["symbol"].rsplit(".", 1)[1]) for f in built) == [
        (6, "OpenAI"), (7, "OpenAIEmbedding"), (10, "OpenAI"), (10, "OpenAIEmbedding")]
    done = cli("apply", "--provider", "dashscope", "--plan", plan, cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    branch = f"migrator/dashscope-{plan}"
    expected = FIXTURES / "dashscope" / plan / "llamaindex-settings" / "expected.py"
    # the CLI wraps the long ServiceContext line; the code is the fixture's
    assert ast.dump(ast.parse(branch_file(repo, branch, "app.py"))) == ast.dump(ast.parse(expected.read_bytes()))
    git(repo, "checkout", "-q", branch)
    checked = cli("check", cwd=repo)
    assert checked.returncode == 0 and "No new findings" in checked.stdout, checked.stdout
