"""An OpenAI wrapper package (langchain-openai, llama-index-llms-openai, ...) that no code of the
project imports once a native plan has replaced every use leaves the dependency files with it, so
the `migrator check` the migration records (strict, for a native plan) passes on the new branch;
a wrapper still imported somewhere (a class left for a person, a compat plan) stays."""

from __future__ import annotations

import json
from pathlib import Path

from migrator.engine.textfiles import drop_requirements
from tests.test_apply_cli import git, make_repo, run

APP = b'''from langchain_openai import ChatOpenAI, OpenAIEmbeddings

llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)
emb = OpenAIEmbeddings(model="text-embedding-3-small")
'''
REQUIREMENTS = b"langchain-openai==0.3.0\r\nlangchain-core>=0.3  # the chains\r\n"
PYPROJECT = b'''[project]
name = "app"
version = "0"
dependencies = [
    "langchain-openai>=0.3",
    "langchain-core>=0.3",
]
'''


def test_drop_requirements_removes_only_the_named_entries_and_keeps_every_other_byte():
    text, notes = drop_requirements("requirements.txt", REQUIREMENTS.decode(), ["langchain-openai"])
    assert text == "langchain-core>=0.3  # the chains\r\n" and len(notes) == 1 and "removed" in notes[0]
    text, _ = drop_requirements("pyproject.toml", PYPROJECT.decode(), ["langchain_openai"])
    assert text == PYPROJECT.decode().replace('    "langchain-openai>=0.3",\n', "")
    assert drop_requirements("requirements.txt", "openai\n", ["langchain-openai"]) == ("openai\n", [])
    unusual = "langchain-openai @ https://example.com/x.whl\n"  # (a URL requirement is still removable as a line)
    assert drop_requirements("requirements.txt", unusual, ["langchain-openai"])[0] == ""


def _apply(repo: Path, *args: str) -> dict:
    proc = run("apply", "--provider", "dashscope", "--format", "json", "--yes", *args, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_a_native_migration_drops_the_wrapper_no_code_imports_and_check_passes(tmp_path: Path):
    repo = make_repo(tmp_path, {"app.py": APP, "requirements.txt": REQUIREMENTS, "pyproject.toml": PYPROJECT})
    doc = _apply(repo, "--plan", "native")
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    requirements = (migrated / "requirements.txt").read_bytes()
    assert b"langchain-openai" not in requirements and b"langchain-core>=0.3  # the chains\r\n" in requirements
    assert b"langchain-community" in requirements and b"dashscope" in requirements, requirements
    assert b"langchain-openai" not in (migrated / "pyproject.toml").read_bytes()
    checked = run("check", cwd=migrated)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = run("apply", "--provider", "dashscope", "--plan", "native", "--format", "json", "--dry-run", cwd=migrated)
    assert json.loads(again.stdout)["files"] == []  # a second run changes nothing


def test_a_wrapper_still_imported_somewhere_stays(tmp_path: Path):
    azure = b'from langchain_openai import AzureChatOpenAI\n\nllm = AzureChatOpenAI(azure_deployment="gpt-4o", api_version="2024-06-01")\n'
    for name, files, args in (
        ("left", {"app.py": APP, "azure.py": azure}, ("--plan", "native")),
        ("compat", {"app.py": APP}, ("--plan", "compat")),
    ):
        (tmp_path / name).mkdir()
        repo = make_repo(tmp_path / name, {**files, "requirements.txt": REQUIREMENTS})
        doc = _apply(repo, *args, "--dry-run")
        diff = next((f["diff"] for f in doc["files"] if f["path"] == "requirements.txt"), "")
        assert "-langchain-openai" not in diff, (name, diff)


def test_a_wrapper_the_code_never_imported_stays(tmp_path: Path):
    # lightrag: an extra installs llama-index-llms-openai for the package's users; its code never
    # imported it, and the native plan removed it "as no code imports it any more"
    plain = (
        b'from openai import OpenAI\n\nclient = OpenAI()\nprint(client.chat.completions.create(model="gpt-4o", messages=[]))\n'
    )
    repo = make_repo(tmp_path, {"app.py": plain, "requirements.txt": b"openai>=1\nllama-index-llms-openai>=0.6\n"})
    doc = _apply(repo, "--plan", "native", "--dry-run")
    diff = next((f["diff"] for f in doc["files"] if f["path"] == "requirements.txt"), "")
    assert any(f["path"] == "app.py" for f in doc["files"]) and "-llama-index-llms-openai" not in diff, doc["files"]
