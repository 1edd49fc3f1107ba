"""Clients one module builds and others call (analyzer/project.py, apply's whole-project pass):
the calls in every module move with the construction, or the whole client stays; run end to end
on real git repositories, and the migrated package run with the real openai SDK against the
provider's fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict


from migrator.analyzer.project import ProjectIndex, module_names
from migrator.analyzer.python import analyze_python
from tests.test_apply_cli import git, make_repo, run

BASE = b'''from openai import OpenAI


class BaseLLM:
    def __init__(self):
        self.client = OpenAI()


def get_client():
    return OpenAI()
'''

CHAT = b'''from pkg.base import BaseLLM


class ChatLLM(BaseLLM):
    def ask(self, question):
        reply = self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}],
                                                    max_completion_tokens=50)
        return reply.choices[0].message.content
'''

EMBED = b'''from .base import get_client


def embed(text):
    return len(get_client().embeddings.create(model="text-embedding-3-small", input=text).data[0].embedding)
'''

MAIN = b'''from pkg.chat import ChatLLM
from pkg.embed import embed

print(ChatLLM().ask("hello"))
print(embed("hello"))
'''


def package(**extra: bytes) -> Dict[str, bytes]:
    files = {"pkg/__init__.py": b"", "pkg/base.py": BASE, "pkg/chat.py": CHAT, "pkg/embed.py": EMBED, "pkg/__main__.py": MAIN}
    files.update({f"pkg/{name}.py": data for name, data in extra.items()})
    return files


def apply(repo: Path, *args: str) -> dict:
    proc = run("apply", "--provider", "dashscope", "--format", "json", "--yes", *args, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_the_index_names_what_each_module_holds_and_who_imports_it():
    assert module_names("src/pkg/base.py") == ["src.pkg.base", "pkg.base", "base"]
    assert module_names("pkg/__init__.py") == ["pkg"]
    index = ProjectIndex()
    index.add("pkg/base.py", BASE.decode())
    index.finish()
    assert index.exports["pkg.base.BaseLLM"]["attrs"]["client"]["cls"] == "openai.OpenAI"
    assert index.exports["pkg.base.get_client"]["kind"] == "function"
    sources = {"pkg/chat.py": CHAT.decode(), "pkg/embed.py": EMBED.decode(), "pkg/other.py": "import json\nBaseLLM = 1\n"}
    assert [p for p, _ in index.importers(sorted(sources), sources.get, set())] == ["pkg/chat.py", "pkg/embed.py"]
    chat = analyze_python(CHAT.decode(), "pkg/chat.py", externals=index.exports)
    (call,) = [f for f in chat.findings if f.kind == "call"]
    assert call.detail["_client_path"] == "pkg/base.py" and call.confidence == "high"
    assert analyze_python(CHAT.decode(), "pkg/chat.py").findings == []  # alone, nothing says it is OpenAI


def test_calls_in_other_modules_move_with_the_client_and_reach_the_provider(tmp_path: Path):
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    repo = make_repo(tmp_path, package())
    doc = apply(repo)
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    chat = (migrated / "pkg/chat.py").read_text()
    assert 'model="qwen-plus"' in chat and "max_tokens=50" in chat and "max_completion_tokens" not in chat
    assert 'model="text-embedding-v4"' in (migrated / "pkg/embed.py").read_text()
    assert "DASHSCOPE_API_KEY" in (migrated / "pkg/base.py").read_text()
    with FakeServer("dashscope") as srv:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, (migrated / "pkg/base.py").read_text())[0])
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{migrated}"
        done = run_program(MAIN.decode(), "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        sent = srv.requests
        assert [r.json["model"] for r in sent] == ["qwen-plus", "text-embedding-v4"]
        assert sent[0].json["max_tokens"] == 50 and "max_completion_tokens" not in sent[0].json
        assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


def test_a_call_that_cannot_move_in_one_module_keeps_the_client_everywhere(tmp_path: Path):
    assistants = b'''from pkg.base import BaseLLM


class Helper(BaseLLM):
    def make(self):
        return self.client.beta.assistants.create(model="gpt-4o", name="x")
'''
    repo = make_repo(tmp_path, package(assistant=assistants))
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "pkg/chat.py" not in diffs and "self.client = OpenAI()" not in diffs["pkg/base.py"], diffs
    units = [d for d in doc["diagnostics"] if d["rule"] == "migrator/unit"]
    assert any(d["path"] == "pkg/base.py" and "another module" in d["message"] for d in units), units
    assert any(d["path"] == "pkg/chat.py" for d in units), units
    # the factory's client is another client: it still moves, with its caller
    assert (
        "+    return OpenAI(\n+        base_url=" in diffs["pkg/base.py"] and 'model="text-embedding-v4"' in diffs["pkg/embed.py"]
    )
    assert doc["summary"]["files_failed"] == 0


def test_a_native_plan_keeps_a_shared_client_on_the_compatible_endpoint_in_every_module(tmp_path: Path):
    repo = make_repo(tmp_path, package())
    doc = apply(repo, "--plan", "native", "--dry-run")
    hybrids = {d["path"] for d in doc["diagnostics"] if d["rule"] == "migrator/hybrid"}
    assert {"pkg/base.py", "pkg/chat.py", "pkg/embed.py"} <= hybrids, doc["diagnostics"]
    assert "dashscope.Client" not in json.dumps(doc) and doc["summary"]["files_failed"] == 0


def test_scan_predicts_what_the_whole_project_pass_does(tmp_path: Path):
    """scan's readiness matrix plans the modules that share a client together, as apply does:
    a call in another module is counted, and counted as left when its client stays."""
    assistants = b'''from pkg.base import BaseLLM


class Helper(BaseLLM):
    def make(self):
        return self.client.beta.assistants.create(model="gpt-4o", name="x")
'''
    for name, files, manual in (("moves", package(), 0), ("stays", package(assistant=assistants), 2)):
        (tmp_path / name).mkdir()
        repo = make_repo(tmp_path / name, files)
        proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
        assert proc.returncode == 0, proc.stderr
        (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
        assert row["automatic"] + row["with_diagnostics"] + row["manual"] == 2 + (manual > 0)
        assert row["manual"] == manual, row


def test_a_client_whose_endpoint_is_a_value_moves_to_the_compatible_endpoint_with_its_callers(tmp_path: Path):
    # the native SDK cannot take an endpoint the environment decides; the module building the
    # client had nothing native to rewrite, so it stayed on OpenAI while its callers moved
    base = b'import os\nfrom openai import OpenAI\n\nclient = OpenAI(base_url=os.getenv("OPENAI_BASE_URL"))\n'
    chat = (
        b'from pkg.base import client\n\n\ndef ask(q):\n    return client.chat.completions.create('
        b'model="gpt-4o", messages=[{"role": "user", "content": q}])\n'
    )
    repo = make_repo(tmp_path, {"pkg/__init__.py": b"", "pkg/base.py": base, "pkg/chat.py": chat})
    doc = apply(repo, "--plan", "native")
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    built = (migrated / "pkg/base.py").read_text()
    assert "OPENAI_BASE_URL" not in built and "DASHSCOPE_COMPATIBLE_BASE_URL" in built and "DASHSCOPE_API_KEY" in built
    assert 'model="qwen-plus"' in (migrated / "pkg/chat.py").read_text()


def test_a_client_left_on_openai_elsewhere_does_not_hold_a_key_read_only_another_client_reads(tmp_path: Path):
    # mem0ai: its Azure client stays (module level key read), and the key-safety rule held every
    # OPENAI_API_KEY read of the project for it, so the embedder whose key is read into a local
    # that only its own construction reads was left whole; that read can feed nothing else
    azure = (
        b'import os\nfrom openai import AzureOpenAI\n\nKEY = os.getenv("OPENAI_API_KEY")\n'
        b'azure = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01", api_key=KEY)\n'
    )
    embedder = b'''import os

from openai import OpenAI


class Embedder:
    def __init__(self, config):
        self.config = config
        api_key = self.config.api_key or os.getenv("OPENAI_API_KEY")
        base_url = self.config.openai_base_url or os.getenv("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        self.client = OpenAI(api_key=api_key, base_url=base_url)

    def embed(self, text):
        return len(self.client.embeddings.create(model="text-embedding-3-small", input=text).data[0].embedding)
'''
    main = (
        b"from pkg.embedder import Embedder\n\n\nclass Config:\n    api_key = None\n    openai_base_url = None\n\n\n"
        b"print(Embedder(Config()).embed('hello'))\n"
    )
    repo = make_repo(
        tmp_path, {"pkg/__init__.py": b"", "pkg/azure_client.py": azure, "pkg/embedder.py": embedder, "pkg/__main__.py": main}
    )
    doc = apply(repo)
    assert not any(d["path"] == "pkg/embedder.py" and d["rule"] == "migrator/unit" for d in doc["diagnostics"]), doc[
        "diagnostics"
    ]
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    kept = (migrated / "pkg/azure_client.py").read_text()
    assert kept.replace(kept[kept.index("# TODO") : kept.index("azure =")], "").encode() == azure  # only a TODO added
    from tests.equivalence import run_package, test_key

    done, sent, trapped = run_package(tmp_path, "dashscope", migrated, main.decode(), (migrated / "pkg/embedder.py").read_text())
    assert done.returncode == 0, done.tail()
    assert trapped == []
    assert [r.json["model"] for r in sent] == ["text-embedding-v4"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


def test_calls_on_another_module_s_run_time_client_are_reported_as_scan_counts_them(tmp_path: Path):
    # khoj: the calls stayed (right) but apply said nothing about them while scan counted them left
    from migrator.apply import migrate_tree
    from migrator.readiness import predicted_left
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    helpers = b'''import openai


def get_openai_client(api_key, api_base_url):
    client = openai.OpenAI(api_key=api_key, base_url=api_base_url)
    return client
'''
    embed = b'''import openai

from helpers import get_openai_client


def embed(key, url, docs):
    client = get_openai_client(key, url)
    return client.embeddings.create(input=docs, model="text-embedding-3-small")
'''
    repo = make_repo(tmp_path, {"helpers.py": helpers, "embed.py": embed})
    ruleset = select(load_all([]), "dashscope", "compat")
    result = migrate_tree(str(repo), ruleset, ScanOptions(jobs=1, use_cache=False))
    assert set(predicted_left(str(repo), result.scan, ruleset)["embed.py"]) == set(result.left["embed.py"]) != set()
    reported = [d for d in result.diagnostics if d.path == "embed.py" and d.rule == "migrator/unit"]
    assert reported and "its endpoint is set at run time" in reported[0].message, reported
