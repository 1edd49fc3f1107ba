"""LlamaIndex's implicit OpenAI (issue #16): an app that sets no ``Settings.llm`` /
``Settings.embed_model`` anywhere talks to OpenAI through llama-index-core's defaults.

fixtures/projects/llamaindex-default/<case>/ are projects and the findings expected in them; scan
lists them, check flags them under both policies, apply reports them for a person with the
provider's class, endpoint and key variable, and rewrites nothing.  The real llama-index-core
(pinned) shows the default is OpenAI's: the unset app asks for llama-index-llms-openai, the app
whose config module sets the models answers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.analyzer.llamaindex import project_findings
from tests.test_apply_cli import git, make_repo, run as cli, snapshot

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "llamaindex-default"
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def files_of(case: str) -> dict:
    root = CASES / case
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def expected(case: str) -> list:
    return sorted(
        tuple([p, line, parts]) for p, line, parts in json.loads((CASES / case / "expected.json").read_text())["findings"]
    )


@pytest.mark.parametrize("case", NAMES)
def test_each_project_reports_exactly_the_defaults_it_leaves_unset(case):
    files = files_of(case)
    found = project_findings(sorted(files), files.get)
    assert sorted((p, f.line, f.detail["parts"]) for p, fs in found.items() for f in fs) == [
        (p, line, parts) for p, line, parts in expected(case)
    ]


def test_a_module_alone_is_not_the_project():
    # index.py by itself reaches both defaults; with the config module that sets them, nothing
    files = files_of("set_elsewhere")
    assert project_findings(["app/index.py"], files.get)
    assert project_findings(sorted(files), files.get) == {}


@pytest.mark.parametrize("case", ["unset", "set_elsewhere", "llm_only"])
def test_scan_check_and_apply_through_the_cli(tmp_path, case):
    repo = make_repo(tmp_path, files_of(case))
    want = expected(case)
    scanned = json.loads(cli("scan", ".", "--format", "json", "--no-cache", cwd=repo).stdout)
    got = sorted((f["path"], f["line"]) for f in scanned["findings"] if f.get("form") == "llamaindex_default")
    assert got == [(p, line) for p, line, _ in want]
    for policy in ("strict", "compat"):
        checked = cli("check", "--policy", policy, cwd=repo)
        assert checked.returncode == (1 if want else 0), checked.stdout + checked.stderr
        assert checked.stdout.count("LlamaIndex uses OpenAI here by default") == len(want)
    before = snapshot(repo)
    done = cli("apply", "--provider", "deepseek", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert snapshot(repo) == before and "migrator/deepseek-compat" not in git(repo, "branch", "--list")
    reported = [line for line in done.stdout.splitlines() if "migrator/llamaindex-default" in line]
    assert len(reported) == len(want)
    for line, (_, number, parts) in zip(reported, want):
        assert line.strip().startswith(f"{number}:")
        assert f"no Settings.{parts[0]} is set" in line and 'api_base="https://api.deepseek.com' in line
        assert 'os.environ["DEEPSEEK_API_KEY"]' in line


def test_readiness_counts_each_default_as_left_for_a_person(tmp_path):
    repo = make_repo(tmp_path, files_of("unset"))
    scanned = json.loads(cli("scan", ".", "--format", "json", "--no-cache", "--provider", "dashscope", cwd=repo).stdout)
    row = next(r for r in scanned["readiness"] if r["plan"] == "compat")
    assert row["manual"] == 2 and row["automatic"] == 0
    assert any("Settings.llm is OpenAI" in r for r in row["reasons"])


def test_check_base_counts_a_default_already_there_as_known_and_a_new_one_as_new(tmp_path):
    repo = make_repo(tmp_path, files_of("unset"))
    index = repo / "app" / "index.py"
    index.write_text(index.read_text() + "\n\nVERSION = 2\n")
    git(repo, "commit", "-qam", "unrelated edit")
    quiet = cli("check", "--base", "HEAD~1", cwd=repo)
    assert quiet.returncode == 0, quiet.stdout
    (repo / "app" / "graph.py").write_text(
        "from llama_index.core import KnowledgeGraphIndex\n\ngraph = KnowledgeGraphIndex.from_documents([])\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a graph")
    loud = cli("check", "--base", "HEAD~1", cwd=repo)
    assert loud.returncode == 1 and "app/graph.py" in loud.stdout and "app/index.py" not in loud.stdout, loud.stdout


def test_setting_the_models_in_a_changed_module_clears_them(tmp_path):
    repo = make_repo(tmp_path, files_of("unset"))
    assert cli("check", cwd=repo).returncode == 1
    (repo / "config.py").write_bytes((CASES / "set_elsewhere" / "config.py").read_bytes())
    assert cli("check", cwd=repo).returncode == 0


# ------------------------------------------------------------------ the real llama-index-core


def _run_app(tmp_path: Path, case: str) -> subprocess.CompletedProcess:
    pytest.importorskip("llama_index.core")
    app = tmp_path / case
    shutil.copytree(CASES / case, app, ignore=shutil.ignore_patterns("expected.json"))
    (app / "data").mkdir()
    (app / "data" / "notes.txt").write_text("The documents say hello.\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_") and k != "IS_TESTING"}
    # no network: anything that tried one would be refused at once
    env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", NO_PROXY="")
    return subprocess.run([sys.executable, "main.py"], cwd=app, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", ["unset", "set_elsewhere"])
def test_the_finding_agrees_with_what_llama_index_core_does(tmp_path, case):
    """The analyzer reports a default exactly where the real library reaches for OpenAI's class."""
    pytest.importorskip("llama_index.core")
    if __import__("importlib").util.find_spec("llama_index.embeddings.openai") is not None:
        pytest.skip("llama-index-embeddings-openai is installed: the default would be built, not refused")
    files = files_of(case)
    reported = bool(project_findings(sorted(files), files.get))
    ran = _run_app(tmp_path, case)
    # VectorStoreIndex.from_documents reads Settings.embed_model first: resolve_embed_model("default")
    # builds llama_index.embeddings.openai.OpenAIEmbedding, refused here as not installed
    reached_openai = ran.returncode != 0 and "llama-index-embeddings-openai" in ran.stderr
    assert reported == reached_openai, ran.stderr[-2000:]
    assert reached_openai or (ran.returncode == 0 and "openai" not in (ran.stdout + ran.stderr).lower()), ran.stderr[-2000:]
    assert reported == (case == "unset")


def test_llama_index_core_resolves_an_unset_settings_llm_to_openai():
    pytest.importorskip("llama_index.core")
    files = {"bot.py": (CASES / "settings_read" / "bot.py").read_bytes()}
    assert project_findings(["bot.py"], files.get)  # Settings.llm read, set nowhere
    # what that read does: resolve_llm("default") imports llama_index.llms.openai.OpenAI
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_") and k != "IS_TESTING"}
    llm = subprocess.run(
        [sys.executable, "-c", "from llama_index.core import Settings; Settings.llm"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert llm.returncode != 0 and "llama-index-llms-openai" in llm.stderr, llm.stderr[-2000:]


def test_llama_index_core_none_disables_rather_than_reaching_openai():
    pytest.importorskip("llama_index.core")
    files = files_of("disabled")
    assert project_findings(sorted(files), files.get) == {}  # not reported: and indeed no OpenAI
    code = (
        "from llama_index.core import Settings\n"
        "from llama_index.core.llms import MockLLM\n"
        "Settings.llm = None\nSettings.embed_model = None\n"
        "assert isinstance(Settings.llm, MockLLM), type(Settings.llm)\n"
        "print(type(Settings.embed_model).__name__)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_") and k != "IS_TESTING"}
    ran = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and ran.stdout.split()[-1] == "MockEmbedding", ran.stdout + ran.stderr


def test_a_cached_scan_weighs_each_module_with_the_project_as_it_is_now(tmp_path, monkeypatch):
    # the facts are cached with each module's analysis: an unchanged index.py is not read again,
    # and a config module added later still clears its defaults
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    repo = make_repo(tmp_path, files_of("unset"))

    def defaults() -> list:
        scanned = json.loads(cli("scan", ".", "--format", "json", cwd=repo).stdout)
        return [(f["path"], f["line"]) for f in scanned["findings"] if f.get("form") == "llamaindex_default"]

    assert defaults() == defaults() == [("app/index.py", 7), ("app/index.py", 8)]
    (repo / "config.py").write_bytes((CASES / "set_elsewhere" / "config.py").read_bytes())
    assert defaults() == []


def test_a_module_read_for_its_facts_alone_stays_a_plain_module(tmp_path):
    # config.py sets the models and index.py reads them: neither is OpenAI usage, and both stay in
    # the list of plain modules that the project's other passes (clients built elsewhere) read
    from migrator.scan import ScanOptions, scan_paths

    for name, data in files_of("set_elsewhere").items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    result = scan_paths(str(tmp_path), ScanOptions(use_cache=False, use_git=False, jobs=1))
    assert result.analyses == [] and {"config.py", "app/index.py"} <= set(result.plain)


def test_a_llama_index_module_that_cannot_be_decoded_is_not_a_failure_of_the_gate():
    from migrator.analyzer import analyze_bytes

    data = b"# -*- coding: ascii -*-\nfrom llama_index.core import VectorStoreIndex\n# caf\xe9\n"
    assert analyze_bytes("m.py", data) is None
    assert analyze_bytes("m.py", data.replace(b"llama_index.core", b"openai")).error  # as before: it names openai


# ------------------------------------------------------------------ notebooks and check --base


def notebook(*cells: str) -> bytes:
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": cell.splitlines(keepends=True),
                }
                for cell in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    ).encode()


NB_IMPORTS = "from llama_index.core import SimpleDirectoryReader, VectorStoreIndex\n"
NB_INDEX = "docs = SimpleDirectoryReader('data').load_data()\nindex = VectorStoreIndex.from_documents(docs)\n"
NB_QUERY = "%time\nprint(index.as_query_engine().query('what?'))\n"


def test_a_notebook_s_cells_are_one_program_that_reaches_the_defaults(tmp_path):
    # the cells import in one cell and build in later ones; a LlamaIndex notebook need not mention openai
    repo = make_repo(tmp_path, {"explore.ipynb": notebook(NB_IMPORTS, NB_INDEX, NB_QUERY)})
    scanned = json.loads(cli("scan", ".", "--format", "json", "--no-cache", cwd=repo).stdout)
    got = sorted((f["path"], f["cell"], f["line"]) for f in scanned["findings"] if f.get("form") == "llamaindex_default")
    assert got == [("explore.ipynb", 2, 2), ("explore.ipynb", 3, 2)], scanned["findings"]
    checked = cli("check", "--policy", "compat", cwd=repo)
    assert checked.returncode == 1 and checked.stdout.count("LlamaIndex uses OpenAI here by default") == 2, checked.stdout
    done = cli("apply", "--provider", "deepseek", "--dry-run", cwd=repo)
    assert done.stdout.count("migrator/llamaindex-default") == 2, done.stdout


def test_a_notebook_that_sets_the_models_is_configured_and_does_not_configure_the_app(tmp_path):
    settings = (
        "from llama_index.core import Settings\nfrom llama_index.llms.openai_like import OpenAILike\n"
        "Settings.llm = OpenAILike(model='qwen-plus')\nSettings.embed_model = None\n"
    )
    module = b"from llama_index.core import VectorStoreIndex\n\nindex = VectorStoreIndex.from_documents([])\n"
    repo = make_repo(tmp_path, {"explore.ipynb": notebook(settings, NB_IMPORTS, NB_INDEX, NB_QUERY), "app.py": module})
    scanned = json.loads(cli("scan", ".", "--format", "json", "--no-cache", cwd=repo).stdout)
    got = sorted((f["path"], f["line"]) for f in scanned["findings"] if f.get("form") == "llamaindex_default")
    assert got == [("app.py", 3)], got


def test_check_base_weighs_a_base_file_with_the_settings_the_project_had_then(tmp_path):
    # the change removes the app's Settings: the unchanged module that builds an index now reaches
    # OpenAI, which it did not at the base
    files = files_of("set_elsewhere")
    repo = make_repo(tmp_path, files)
    assert cli("check", cwd=repo).returncode == 0
    (repo / "config.py").write_text("# settings moved out\n")
    git(repo, "commit", "-qam", "drop the settings")
    loud = cli("check", "--base", "HEAD~1", cwd=repo)
    assert loud.returncode == 1 and "app/index.py" in loud.stdout, loud.stdout
    # deleting the module that set them counts the same
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    git(repo, "rm", "-q", "config.py")
    git(repo, "commit", "-qm", "no config")
    assert cli("check", "--base", "HEAD~1", cwd=repo).returncode == 1
    # and a change that leaves what the project sets alone reads no unchanged file
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    (repo / "main.py").write_text((repo / "main.py").read_text() + "\n# a comment\n")
    git(repo, "commit", "-qam", "a comment")
    quiet = cli("check", "--base", "HEAD~1", "--format", "json", cwd=repo)
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["summary"]["files_checked"] == 1, quiet.stdout
