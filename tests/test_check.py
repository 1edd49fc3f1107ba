"""migrator.check: policies, fingerprints, --base, baselines, suppressions, fixes.

Every repository here is a fresh temporary git repository made with
``git init``; the project's own repository is never touched.
"""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path

import pytest

from migrator.check import (
    R_CLIENT,
    R_DEPENDENCY,
    R_FRAMEWORK,
    R_IMPORT,
    R_NO_REASON,
    R_UNUSED,
    R_URL,
    CheckFinding,
    CheckOptions,
    Policy,
    apply_fix,
    check_bytes,
    endpoint_allowed,
    literal_url,
    new_findings,
    python_suppressions,
    run_check,
    text_suppressions,
)
from migrator.errors import GitError, UsageError

DASHSCOPE = "https://dashscope.aliyuncs.com/compatible-mode/v1"
STRICT = Policy("strict")
COMPAT = Policy("compat", allow_endpoints=(DASHSCOPE, "https://api.deepseek.com"))


# ---------------------------------------------------------------- helpers


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Test")
    git(path, "config", "user.email", "test@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


def write(repo: Path, rel: str, text: str) -> None:
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = make_repo(tmp_path / "proj")
    write(r, "app/__init__.py", "")
    write(r, "app/util.py", "def helper():\n    return 1\n")
    commit(r, "init")
    git(r, "switch", "-q", "-c", "feature")
    return r


def check(repo: Path, **kw) -> "object":
    return run_check(CheckOptions(root=str(repo), **kw))


def rules(findings) -> list:
    return [(f.rule, f.path, f.line) for f in findings]


def file_findings(text: str, policy: Policy = STRICT, path: str = "m.py"):
    return list(check_bytes(path, text.encode(), policy).findings)


# ---------------------------------------------------------------- policies


def test_strict_reports_imports_wrappers_urls_and_dependencies():
    src = (
        "import openai\n"
        "from langchain_openai import ChatOpenAI\n"
        "from llama_index.llms.openai import OpenAI as LI\n"
        "import tiktoken\n"
        "URL = 'https://api.openai.com/v1'\n"
    )
    got = rules(file_findings(src))
    assert got == [(R_IMPORT, "m.py", 1), (R_FRAMEWORK, "m.py", 2), (R_FRAMEWORK, "m.py", 3), (R_URL, "m.py", 5)]
    deps = file_findings("openai>=1\nlangchain-openai\ntiktoken\nrequests\n", path="requirements.txt")
    assert [(f.rule, f.symbol, f.line) for f in deps] == [(R_DEPENDENCY, "openai", 1), (R_DEPENDENCY, "langchain-openai", 2)]


def test_import_inside_function_and_try_is_found():
    src = "def f():\n    try:\n        import openai\n    except ImportError:\n        pass\n"
    assert rules(file_findings(src)) == [(R_IMPORT, "m.py", 3)]


def test_compat_allows_clients_on_the_allow_list():
    src = (
        "import os\n"
        "from openai import OpenAI, AsyncOpenAI\n"
        f"a = OpenAI(base_url='{DASHSCOPE}')\n"
        f"b = OpenAI(base_url=os.environ.get('DASHSCOPE_BASE_URL', '{DASHSCOPE}'))\n"
        f"c = AsyncOpenAI(api_key='x', base_url=os.getenv('X', default='{DASHSCOPE}/'))\n"
        f"BASE = '{DASHSCOPE}'\n"
        "d = OpenAI(base_url=BASE)\n"
    )
    assert file_findings(src, COMPAT) == []


def test_compat_reports_clients_that_default_to_openai_or_cannot_be_verified():
    src = (
        "import os\n"
        "from openai import OpenAI, AzureOpenAI\n"
        "a = OpenAI()\n"
        "b = OpenAI(base_url='https://api.openai.com/v1')\n"
        "c = OpenAI(base_url='https://openai-proxy.example.com/v1')\n"
        "d = OpenAI(base_url=os.environ['BASE'])\n"
        "e = OpenAI(base_url=os.environ.get('BASE', 'http://8.8.8.8/v1'))\n"
        "f = AzureOpenAI(api_version='x')\n"
        "g = OpenAI(**opts)\n"
    )
    found = file_findings(src, COMPAT)
    clients = [(f.line, f.message) for f in found if f.rule == R_CLIENT]
    assert [line for line, _ in clients] == [3, 4, 5, 6, 7, 8, 9]
    assert "no base_url" in clients[0][1]
    assert "not on the allow-list" in clients[2][1]
    assert "cannot be checked" in clients[3][1]
    assert "Azure" in clients[5][1]
    # the openai URL is still reported under compat; the import is not
    assert (R_URL, "m.py", 4) in rules(found)
    assert not any(f.rule == R_IMPORT for f in found)


def test_compat_module_level_client_needs_an_allowed_base_url():
    bare = "import openai\nr = openai.chat.completions.create(model='m', messages=[])\n"
    assert [f.rule for f in file_findings(bare, COMPAT)] == [R_CLIENT]
    configured = f"import openai\nopenai.base_url = '{DASHSCOPE}'\n" + bare.split("\n", 1)[1]
    assert file_findings(configured, COMPAT) == []


def test_compat_flags_v0_calls_through_super_in_a_resource_subclass():
    # gptcache's adapters: class ChatCompletion(openai.ChatCompletion) calling super().create(...)
    src = (
        "import openai\n\nclass ChatCompletion(openai.ChatCompletion):\n    @classmethod\n"
        "    def create(cls, **kw):\n        return super().create(**kw)\n"
    )
    assert [(f.rule, f.line) for f in file_findings(src, COMPAT)] == [(R_CLIENT, 6)]


def test_compat_allows_wrappers_only_on_an_allowed_endpoint():
    # like a client: the import and the dependency are fine, a construction must name the endpoint
    assert file_findings("from langchain_openai import ChatOpenAI\n", COMPAT) == []
    bare = "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='m')\n"
    assert [f.rule for f in file_findings(bare, COMPAT)] == [R_FRAMEWORK]
    pointed = f"from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='m', base_url='{DASHSCOPE}')\n"
    assert file_findings(pointed, COMPAT) == []
    assert file_findings("openai>=1\nlangchain-openai\n", COMPAT, path="requirements.txt") == []
    assert [f.symbol for f in file_findings("langchain-openai\n", STRICT, path="requirements.txt")] == ["langchain-openai"]


def test_configured_forbidden_modules_are_reported_in_any_file():
    policy = Policy("compat", forbidden_modules=("anthropic", "tiktoken"), allow_endpoints=(DASHSCOPE,))
    src = "import anthropic.types\nfrom tiktoken import get_encoding\nimport anthropicx\n"
    assert [(f.rule, f.symbol, f.line) for f in file_findings(src, policy)] == [
        (R_FRAMEWORK, "anthropic.types", 1),
        (R_FRAMEWORK, "tiktoken.get_encoding", 2),
    ]


@pytest.mark.parametrize(
    "expr, expected",
    [
        ("'https://x/v1'", "https://x/v1"),
        ("os.environ.get('A', 'https://x')", "https://x"),
        ("os.getenv('A', 'https://x')", "https://x"),
        ("os.environ.get('A', default='https://x')", "https://x"),
        ("environ.get('A', 'https://x')", "https://x"),
        ("os.environ.get('A')", None),
        ("os.environ['A']", None),
        ("f'https://{host}'", None),
        ("BASE", "https://const"),
        ("os.environ.get('A', BASE)", "https://const"),
        ("os.environ.get('A', os.environ.get('B', 'https://x'))", None),
    ],
)
def test_literal_url(expr, expected):
    assert literal_url(ast.parse(expr, mode="eval").body, {"BASE": "https://const"}) == expected


def test_endpoint_allow_list_matching():
    allowed = ("https://dashscope.aliyuncs.com/compatible-mode/v1", "api.deepseek.com")
    assert endpoint_allowed("https://DashScope.aliyuncs.com/compatible-mode/v1/", allowed)
    assert endpoint_allowed("https://dashscope.aliyuncs.com/compatible-mode/v1/chat", allowed)
    assert endpoint_allowed("http://api.deepseek.com", allowed)
    assert not endpoint_allowed("https://dashscope.aliyuncs.com/compatible-mode/v10", allowed)
    assert not endpoint_allowed("https://api.deepseek.com.evil.io", allowed)
    assert not endpoint_allowed("https://api.openai.com/v1", allowed)


def test_default_policy_comes_from_config_and_default_endpoints_from_the_packs(repo):
    write(
        repo,
        "pyproject.toml",
        "[tool.migrator]\nprovider = 'deepseek'\nplan = 'compat'\n[tool.migrator.check]\npolicy = 'compat'\n",
    )
    write(
        repo,
        "app/ds.py",
        "import os\nfrom openai import OpenAI\n"
        "c = OpenAI(base_url=os.environ.get('DEEPSEEK_BASE_URL', 'https://api.deepseek.com'))\n",
    )
    result = check(repo)
    assert result.policy == "compat" and result.new == ()
    assert [f.rule for f in check(repo, policy="strict").new] == [R_IMPORT]


# ---------------------------------------------------------------- --base


def test_new_import_on_a_branch_fails_with_file_and_line(repo):
    write(repo, "app/llm.py", "import os\n\nfrom openai import OpenAI\n")
    commit(repo)
    result = check(repo, base="main")
    assert rules(result.new) == [(R_IMPORT, "app/llm.py", 3)]
    assert result.new[0].column == 1 and result.failed


def test_uncommitted_changes_count_too(repo):
    write(repo, "app/util.py", "import openai\n")
    assert rules(check(repo, base="main").new) == [(R_IMPORT, "app/util.py", 1)]


def test_import_present_at_the_base_passes(repo):
    git(repo, "switch", "-q", "main")
    write(repo, "app/llm.py", "import openai\n")
    commit(repo, "old usage")
    git(repo, "switch", "-q", "-c", "feature2")
    write(repo, "app/llm.py", "\n\n# a comment\nimport openai\n\nx = 1\n")
    commit(repo)
    result = check(repo, base="main")
    assert result.new == () and len(result.findings) == 1


def test_moved_code_passes(repo):
    git(repo, "switch", "-q", "main")
    write(repo, "app/llm.py", "from openai import OpenAI\n\ndef a():\n    return 1\n\ndef b():\n    return OpenAI()\n")
    commit(repo, "old")
    git(repo, "switch", "-q", "-c", "moved")
    write(repo, "app/llm.py", "def b():\n    from openai import OpenAI\n    return OpenAI()\n\ndef a():\n    return 1\n")
    commit(repo, "move")
    assert check(repo, base="main").new == ()
    assert check(repo, base="main", policy="compat", baseline=None).new == ()


def test_second_identical_import_in_the_same_file_is_new(repo):
    git(repo, "switch", "-q", "main")
    write(repo, "app/llm.py", "def a():\n    import openai\n    return openai\n")
    commit(repo, "old")
    git(repo, "switch", "-q", "-c", "more")
    write(repo, "app/llm.py", "def a():\n    import openai\n    return openai\n\ndef b():\n    import openai  # again\n")
    commit(repo, "more")
    assert rules(check(repo, base="main").new) == [(R_IMPORT, "app/llm.py", 6)]


def test_renamed_file_with_its_old_import_passes(repo):
    git(repo, "switch", "-q", "main")
    body = "".join(f"def f{i}():\n    return {i}\n\n" for i in range(20))
    write(repo, "app/old_name.py", "import openai\n\n" + body)
    commit(repo, "old")
    git(repo, "switch", "-q", "-c", "rename")
    git(repo, "mv", "app/old_name.py", "app/new_name.py")
    write(repo, "app/new_name.py", "import openai\n\n" + body + "x = 1\n")
    commit(repo, "rename")
    result = check(repo, base="main")
    assert result.new == ()
    assert rules(result.findings) == [(R_IMPORT, "app/new_name.py", 1)]


def test_fast_path_analyses_only_changed_files(repo):
    git(repo, "switch", "-q", "main")
    write(repo, "app/legacy.py", "import openai\n")
    commit(repo, "legacy")
    git(repo, "switch", "-q", "-c", "small")
    write(repo, "app/util.py", "def helper():\n    return 2\n")
    commit(repo)
    result = check(repo, base="main")
    assert result.files_checked == 1 and result.findings == () and result.new == ()
    assert check(repo).files_checked >= 3  # without --base everything is read


def test_unknown_base_ref_is_a_git_error(repo):
    with pytest.raises(GitError, match="unknown ref 'no-such-branch'"):
        check(repo, base="no-such-branch")


def test_base_outside_git_is_a_usage_error(tmp_path):
    write(tmp_path, "a.py", "import openai\n")
    with pytest.raises(UsageError, match="needs a git repository"):
        check(tmp_path, base="main")


# ---------------------------------------------------------------- baseline


def test_baseline_round_trip(repo):
    write(repo, "app/a.py", "import openai\n")
    write(repo, "app/b.py", "from langchain_openai import ChatOpenAI\nURL = 'https://api.openai.com/v1'\n")
    commit(repo)
    written = check(repo, baseline="baseline.json", update_baseline=True)
    assert written.baseline_written and not written.failed
    text = (repo / "baseline.json").read_text()
    doc = json.loads(text)
    assert [(e["rule"], e["path"], e["count"]) for e in doc["findings"]] == [
        (R_IMPORT, "app/a.py", 1),
        (R_FRAMEWORK, "app/b.py", 1),
        (R_URL, "app/b.py", 1),
    ]
    assert "line" not in text  # identity is rule/path/symbol, never a line
    # deterministic: writing again gives the same bytes
    check(repo, baseline="baseline.json", update_baseline=True)
    assert (repo / "baseline.json").read_text() == text
    assert check(repo, baseline="baseline.json").new == ()
    write(repo, "app/a.py", "# moved down\n\nimport openai\n")
    assert check(repo, baseline="baseline.json").new == ()
    write(repo, "app/c.py", "x = 1\nfrom openai import OpenAI\n")
    assert rules(check(repo, baseline="baseline.json").new) == [(R_IMPORT, "app/c.py", 2)]


def test_default_baseline_file_is_used_when_present(repo):
    write(repo, "app/a.py", "import openai\n")
    check(repo, update_baseline=True)
    assert (repo / ".migrator-baseline.json").is_file()
    result = check(repo)
    assert result.mode == "baseline" and result.new == ()


def test_baseline_follows_a_committed_rename(repo):
    body = "".join(f"def f{i}():\n    return {i}\n\n" for i in range(20))
    write(repo, "app/a.py", "import openai\n" + body)
    commit(repo)
    check(repo, baseline="b.json", update_baseline=True)
    git(repo, "mv", "app/a.py", "app/z.py")
    commit(repo, "rename")
    assert check(repo, baseline="b.json").new == ()


def test_update_baseline_with_paths_keeps_other_entries(repo):
    write(repo, "app/a.py", "import openai\n")
    write(repo, "app/b.py", "import openai\n")
    check(repo, baseline="b.json", update_baseline=True)
    check(repo, baseline="b.json", update_baseline=True, paths=("app/a.py",))
    doc = json.loads((repo / "b.json").read_text())
    assert sorted(e["path"] for e in doc["findings"]) == ["app/a.py", "app/b.py"]


def test_missing_or_bad_baseline_is_a_usage_error(repo):
    with pytest.raises(UsageError, match="does not exist"):
        check(repo, baseline="nope.json")
    write(repo, "bad.json", "{not json")
    with pytest.raises(UsageError, match="cannot read baseline"):
        check(repo, baseline="bad.json")


def test_base_and_baseline_are_exclusive(repo):
    with pytest.raises(UsageError):
        check(repo, base="main", baseline="x.json")
    with pytest.raises(UsageError):
        check(repo, base="main", update_baseline=True)


def test_new_findings_prefers_occurrences_on_new_lines():
    def f(line, snippet):
        return CheckFinding(R_IMPORT, "a.py", line, 1, line, 5, "m", "openai", snippet=snippet)

    current = [f(1, "import openai"), f(5, "import openai  # new"), f(9, "import openai")]
    key = (R_IMPORT, "a.py", "openai")
    assert [x.line for x in new_findings(current, {key: 2}, {key: ["import openai", "import openai"]})] == [5]
    assert [x.line for x in new_findings(current, {key: 2})] == [9]
    assert new_findings(current, {key: 3}) == []


# ---------------------------------------------------------------- suppressions


def test_suppression_with_reason_silences_the_finding():
    src = (
        "import openai  # migrator: ignore[check/openai-import] -- vendored example\n"
        "# migrator: ignore[openai-url] -- documented endpoint\n"
        "URL = 'https://api.openai.com/v1'\n"
    )
    result = check_bytes("m.py", src.encode(), STRICT)
    assert result.findings == () and result.suppressed == 2


def test_suppression_without_reason_is_reported():
    src = "import openai  # migrator: ignore[check/openai-import]\n"
    assert [(f.rule, f.line, f.symbol) for f in file_findings(src)] == [(R_NO_REASON, 1, R_IMPORT)]


def test_unused_suppression_is_reported():
    src = "import os  # migrator: ignore[check/openai-import] -- stale\nimport openai  # migrator: ignore[check/openai-url] -- wrong rule\n"
    found = [(f.rule, f.line) for f in file_findings(src)]
    assert sorted(found) == [(R_IMPORT, 2), (R_UNUSED, 1), (R_UNUSED, 2)]


def test_trailing_suppression_does_not_cover_the_next_line():
    src = "import os  # migrator: ignore[check/openai-import] -- x\nimport openai\n"
    assert sorted((f.rule, f.line) for f in file_findings(src)) == [(R_IMPORT, 2), (R_UNUSED, 1)]


def test_suppression_marker_in_a_string_is_not_a_suppression():
    src = "S = '# migrator: ignore[check/openai-import] -- no'\nimport openai\n"
    assert rules(file_findings(src)) == [(R_IMPORT, "m.py", 2)]
    assert python_suppressions(src) == []


def test_suppressions_in_dependency_files():
    text = "openai>=1  # migrator: ignore[check/openai-dependency] -- the eval harness needs it\n# migrator: ignore -- x\n"
    assert [(s.line, s.rules, s.reason) for s in text_suppressions(text)] == [
        (1, (R_DEPENDENCY,), "the eval harness needs it"),
        (2, (), "x"),
    ]
    found = file_findings(text, path="requirements.txt")
    assert [(f.rule, f.line) for f in found] == [(R_UNUSED, 2)]


def test_unused_suppression_in_a_file_without_openai():
    found = file_findings("x = 1  # migrator: ignore[check/openai-import] -- old\n")
    assert [(f.rule, f.line) for f in found] == [(R_UNUSED, 1)]


def test_suppression_findings_at_the_base_are_not_new(repo):
    git(repo, "switch", "-q", "main")
    write(repo, "app/a.py", "import openai  # migrator: ignore[check/openai-import]\n")
    commit(repo, "old")
    git(repo, "switch", "-q", "-c", "x")
    write(repo, "app/a.py", "\nimport openai  # migrator: ignore[check/openai-import]\n")
    commit(repo)
    result = check(repo, base="main")
    assert [f.rule for f in result.findings] == [R_NO_REASON] and result.new == ()


# ---------------------------------------------------------------- pre-commit style paths


def test_file_arguments_restrict_the_check(repo):
    write(repo, "app/a.py", "import openai\n")
    write(repo, "app/b.py", "import openai\n")
    write(repo, "other/c.py", "import openai\n")
    assert [f.path for f in check(repo, paths=("app/b.py",)).new] == ["app/b.py"]
    assert [f.path for f in check(repo, paths=("app",)).new] == ["app/a.py", "app/b.py"]
    with pytest.raises(UsageError, match="does not exist"):
        check(repo, paths=("missing.py",))


def test_config_excludes_apply(repo):
    write(repo, "pyproject.toml", "[tool.migrator.check]\nexclude = ['examples']\n")
    write(repo, "examples/demo.py", "import openai\n")
    write(repo, "app/a.py", "import openai\n")
    assert [f.path for f in check(repo).new] == ["app/a.py"]


# ---------------------------------------------------------------- fixes


def _deepseek_repo(repo: Path, source: str, plan: str = "compat") -> Path:
    write(
        repo,
        "pyproject.toml",
        f"[tool.migrator]\nprovider = 'deepseek'\nplan = '{plan}'\n[tool.migrator.check]\npolicy = 'compat'\n",
    )
    write(repo, "app/llm.py", source)
    return repo


def test_a_plan_that_keeps_the_openai_sdk_offers_the_fix_too(repo):
    # deepseek's native plan: its official client is the openai SDK, so the fix is apply's
    source = "from openai import OpenAI\n\nclient = OpenAI()\n"
    _deepseek_repo(repo, source, plan="native")
    [finding] = check(repo).new
    assert finding.fix is not None and "DEEPSEEK_BASE_URL" in apply_fix(source, finding.fix)
    _deepseek_repo(repo, source, plan="no-such-plan")
    assert check(repo).new[0].fix is None


def test_client_fix_is_what_apply_writes(repo):
    from migrator.engine import migrate_source
    from migrator.ruleset import load_all, select

    source = "from openai import OpenAI\n\nclient = OpenAI()\n"
    _deepseek_repo(repo, source)
    result = check(repo)
    [finding] = result.new
    assert finding.rule == R_CLIENT and finding.fix is not None
    fixed = apply_fix(source, finding.fix)
    expected = migrate_source(
        source, "app/llm.py", select(load_all(), "deepseek", "compat", only=["deepseek/client-endpoint"])
    ).output
    assert fixed == expected and fixed != source
    assert "import os" in fixed
    # and the fixed file passes the check
    write(repo, "app/llm.py", fixed)
    assert check(repo).new == ()


def test_two_clients_get_separate_fixes(repo):
    source = "import os\nfrom openai import OpenAI\n\na = OpenAI()\nb = OpenAI(timeout=5)\n"
    _deepseek_repo(repo, source)
    a, b = check(repo).new
    assert a.fix and b.fix
    assert apply_fix(source, a.fix).splitlines()[4] == "b = OpenAI(timeout=5)"
    assert "b = OpenAI(timeout=5)" not in apply_fix(source, b.fix)


def test_no_fix_without_a_configured_provider(repo):
    write(repo, "app/llm.py", "from openai import OpenAI\nc = OpenAI()\n")
    [finding] = check(repo, policy="compat").new
    assert finding.fix is None


def test_after_a_compat_migration_the_default_check_passes(repo):
    """The apply invariant: provider/plan/policy in [tool.migrator], migrated sites pass `check`."""
    from migrator.engine import migrate_source
    from migrator.ruleset import load_all, select

    source = (
        "import openai\nfrom openai import OpenAI\n\nclient = OpenAI(api_key='sk-test')\n"
        "r = client.chat.completions.create(model='gpt-4o', messages=[])\n"
        "old = openai.ChatCompletion.create(model='gpt-4', messages=[])\n"
    )
    ruleset = select(load_all(), "deepseek", "compat")
    migrated = migrate_source(source, "app/llm.py", ruleset)
    assert migrated.error is None
    _deepseek_repo(repo, migrated.output)
    result = check(repo)
    assert result.policy == ruleset.plan.check_policy == "compat"
    assert result.new == (), [f.message for f in result.new]


def test_notebook_cells_are_checked_and_suppressed_per_cell():
    cells = [
        ["import os\n", "import openai  # migrator: ignore[openai-import] -- demo\n"],
        ["from openai import OpenAI\n", "c = OpenAI()\n"],
    ]
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None} for s in cells],
    }
    data = json.dumps(nb).encode()
    strict = check_bytes("n.ipynb", data, STRICT)
    assert [(f.rule, f.cell, f.line) for f in strict.findings] == [(R_IMPORT, 2, 1)] and strict.suppressed == 1
    compat = check_bytes("n.ipynb", data, COMPAT)
    assert [(f.rule, f.cell, f.line) for f in compat.findings] == [(R_UNUSED, 1, 2), (R_CLIENT, 2, 2)]


@pytest.mark.parametrize(
    "url, allowed",
    [
        ("http://localhost:11434/v1", True),
        ("http://127.0.0.1:8000/v1", True),
        ("http://10.1.2.3/v1", True),
        ("http://192.168.1.20:8000", True),
        ("http://[::1]:8000/v1", True),
        ("http://vllm.internal/v1", True),
        ("https://api.openai.com/v1", False),
        ("https://my-openai-proxy.example.com/v1", False),
        ("http://8.8.8.8/v1", False),
        ("https://x.openai.azure.com/", False),
        ("https://api.together.xyz/v1", True),
        ("https://openrouter.ai/api/v1", True),
    ],
)
def test_a_client_of_a_self_hosted_server_is_not_openai_usage_under_compat(url, allowed):
    """Ollama or vLLM on this machine or the office network is never OpenAI, nor is another named
    service (Together, OpenRouter); a host that names OpenAI may be an OpenAI proxy, and a public
    address names no service: those still need the allow-list.  With a list of the user's own,
    only it (and self-hosted servers) pass."""
    from migrator.check import Policy

    endpoints = ("https://dashscope.aliyuncs.com/compatible-mode/v1",)
    assert Policy("compat", (), endpoints).allows(url) is allowed
    listed = Policy("compat", (), endpoints, listed=True).allows(url)
    assert listed is (allowed and "together" not in url and "openrouter" not in url)
