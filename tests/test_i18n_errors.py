"""Issue 17, part 2: the errors and file problems raised outside migrator/cli and migrator/report
(config, rule files, git, the file writer, the analysis and the rewrite) are in Chinese under
``--lang zh``, on a real git repository through the real command, and stay English otherwise.

File problems found in worker processes and kept in the analysis cache ("syntax error: ...") are
made in English and translated where shown (``i18n.localize``), so JSON and the cache are the
same in either language."""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

import pytest

from migrator import i18n
from tests.test_i18n import _cli, _git, repo  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parent.parent
ZH = {"LANG": "zh_CN.UTF-8"}
BROKEN = "import openai\n\ndef broken(:\n    pass\n"


def _no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


def test_a_malformed_rule_file_is_explained_in_chinese_with_its_line(repo):
    rules = repo / "myrules"
    rules.mkdir()
    (rules / "acme.yaml").write_text("provider:\n  name: [\n")
    proc = _cli(repo, "--lang", "zh", "apply", ".", "--provider", "deepseek", "--rules", "myrules")
    assert proc.returncode == 2, proc.stderr
    assert "错误：" in proc.stderr and "acme.yaml:3: 无效的 YAML：" in proc.stderr, proc.stderr
    _no_traceback(proc)
    (rules / "acme.yaml").write_text(
        "schema_version: 1\nprovider:\n  name: acme\n  title: Acme\n  docs: x\n"
        "  verified: 'last week'\n  colour: red\nplans: {}\nrules: []\n"
    )
    proc = _cli(repo, "--lang", "zh", "rules", "list", "--rules", "myrules")
    assert proc.returncode == 2, proc.stderr
    assert "acme.yaml:6: provider.verified 必须是 YYYY-MM-DD 格式的日期（请加引号）" in proc.stderr, proc.stderr
    assert "acme.yaml:7: provider：未知的键 'colour'" in proc.stderr, proc.stderr
    english = _cli(repo, "rules", "list", "--rules", "myrules", LANG="C.UTF-8")
    assert "acme.yaml:7: provider: unknown key 'colour'" in english.stderr, english.stderr


def test_a_bad_config_is_explained_in_chinese(repo):
    (repo / "pyproject.toml").write_text('[tool.migrator]\nexclde = ["x"]\ntodo-comments = 3\n')
    proc = _cli(repo, "scan", ".", **ZH)
    assert proc.returncode == 2, proc.stderr
    assert "pyproject.toml:2: [tool.migrator] 中有未知的键 'exclde'（是否想用 'exclude'？）" in proc.stderr, proc.stderr
    assert "pyproject.toml:3: 'todo-comments' 必须是 true 或 false" in proc.stderr, proc.stderr
    _no_traceback(proc)
    (repo / "pyproject.toml").write_text("[tool.migrator\n")
    proc = _cli(repo, "check", **ZH)
    assert proc.returncode == 2 and "pyproject.toml: 无效的 TOML：" in proc.stderr, proc.stderr
    english = _cli(repo, "check", LANG="C.UTF-8")
    assert "pyproject.toml: invalid TOML: " in english.stderr, english.stderr


def test_a_dirty_tree_and_a_detached_head_are_refused_in_chinese(repo):
    (repo / "app.py").write_text((repo / "app.py").read_text() + "# edited\n")
    before = _git(repo, "for-each-ref"), _git(repo, "status", "--porcelain")
    proc = _cli(repo, "apply", ".", "--provider", "deepseek", "--no-diff", **ZH)
    assert proc.returncode == 2, proc.stderr
    assert "错误：" in proc.stderr and "未提交的改动" in proc.stderr and "app.py" in proc.stderr, proc.stderr
    assert (_git(repo, "for-each-ref"), _git(repo, "status", "--porcelain")) == before
    _git(repo, "checkout", "-q", "app.py")
    _git(repo, "checkout", "-q", "--detach")
    proc = _cli(repo, "apply", ".", "--provider", "deepseek", "--no-diff", **ZH)
    assert proc.returncode == 2, proc.stderr
    assert "错误：HEAD 处于分离状态；请先切换到一个分支（git switch <branch>），再运行 migrator" in proc.stderr, proc.stderr
    _no_traceback(proc)


def test_unknown_names_are_refused_in_chinese(repo):
    proc = _cli(repo, "apply", ".", "--provider", "deepsek", **ZH)
    assert proc.returncode == 2
    assert proc.stderr.startswith("错误：未知的供应商 'deepsek'（是否想用 'deepseek'？）；已知的供应商："), proc.stderr
    proc = _cli(repo, "check", "--base", "nope", **ZH)
    assert proc.returncode == 2 and "--base nope: 未知的引用 'nope'（在 CI 中请先获取它" in proc.stderr, proc.stderr
    proc = _cli(repo, "scan", "missing-dir", **ZH)
    assert proc.returncode == 2 and "路径不存在：missing-dir" in proc.stderr, proc.stderr


def test_a_syntax_error_in_a_user_file_is_shown_in_chinese_and_json_stays_english(repo):
    (repo / "bad.py").write_text(BROKEN)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "bad")
    dry = _cli(repo, "apply", ".", "--provider", "deepseek", "--dry-run", "--no-diff", **ZH)
    assert dry.returncode == 1, dry.stderr
    assert "bad.py:3: 语法错误：invalid syntax" in dry.stdout, dry.stdout  # Python's own words stay as they are
    scan = _cli(repo, "scan", ".", **ZH)
    assert "bad.py:3: 语法错误：" in scan.stdout, scan.stdout
    markdown = _cli(repo, "scan", ".", "--format", "markdown", **ZH)
    assert "- `bad.py`: 语法错误：" in markdown.stdout, markdown.stdout
    applied = _cli(repo, "apply", ".", "--provider", "deepseek", "--no-diff", **ZH)  # commits the rest
    assert applied.returncode == 3 and "bad.py:3: 语法错误：" in applied.stdout, applied.stdout + applied.stderr
    _no_traceback(applied)
    assert _git(repo, "show", "HEAD:bad.py") == BROKEN and _git(repo, "status", "--porcelain") == ""
    # machine output (and the analysis cache) keeps the English text
    zh = json.loads(_cli(repo, "scan", ".", "--format", "json", **ZH).stdout)
    en = json.loads(_cli(repo, "scan", ".", "--format", "json", LANG="C.UTF-8").stdout)
    assert zh == en and "syntax error: invalid syntax" in json.dumps(zh)
    assert "bad.py:3: syntax error: invalid syntax" in _cli(repo, "scan", ".", LANG="C.UTF-8").stdout


# ---------------------------------------------------------------- localize: English made, shown translated


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setattr(i18n, "_CHOSEN", ["zh"])


def test_localize_translates_a_filled_message_with_its_values(zh):
    assert i18n.localize("syntax error: invalid syntax") == "语法错误：invalid syntax"
    # a message inside a message, as a notebook cell's problem is
    assert i18n.localize("cell 3: cannot parse: unexpected EOF") == "单元格 3：无法解析：unexpected EOF"
    assert i18n.localize("not rewritten: line 7: brackets nested") == "未改写：第 7 行：brackets nested"
    assert i18n.localize("no such message {here}") == "no such message {here}"
    assert i18n.localize("") == ""


def test_localize_is_the_identity_in_english(monkeypatch):
    monkeypatch.setattr(i18n, "_CHOSEN", ["en"])
    assert i18n.localize("syntax error: invalid syntax") == "syntax error: invalid syntax"


def test_a_module_that_calls_underscore_does_not_also_bind_it():
    """``for key, (_, node) in ...`` in a function that calls ``_()`` would make ``_`` a local
    variable there: the call then raises UnboundLocalError or calls a YAML node."""
    bad = []
    for path in sorted((ROOT / "migrator").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            calls = binds = False
            stack = list(ast.iter_child_nodes(fn))
            while stack:
                node = stack.pop()
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                    continue
                comprehension = isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp))
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
                    calls = True
                if not comprehension and isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store):
                    binds = True
                if comprehension:  # its targets are its own; calls inside it still count
                    stack.extend(n for n in ast.walk(node) if isinstance(n, ast.Call))
                    continue
                stack.extend(ast.iter_child_nodes(node))
            if calls and binds:
                bad.append(f"{path.relative_to(ROOT)}:{fn.lineno}: {fn.name}")
    assert not bad, bad
