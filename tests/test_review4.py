"""Reproductions of the fourth reach review (benchmarks/reach_review4.md, findings R1..Rn).

Each test states the correct behaviour and is marked ``xfail(strict=True)``: it fails on the code
the review measured and passes once the finding is fixed (then drop the mark).  The shapes are cut
down from real packages (llm 0.36, textgrad 0.1.8, aisuite 0.2.0, fast-graphrag 0.0.5, chatlab
2.1.1); runtime ones run the migrated project with the real SDK against the provider's fake, with
OpenAI's variables on a trap."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import equivalence
from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo


def _diags(doc: dict, path: str) -> list:
    return [d for d in doc["diagnostics"] if d["path"] == path]


# --------------------------------------------------------------------------- R1
# llm 0.36 OpenAIEmbeddingModel.embed_batch(items, *, key=None): `openai.OpenAI(api_key=key)`; the
# key is always passed by llm's base class, resolved from `key_env_var = "OPENAI_API_KEY"`.
R1_EMB = b'''import openai


class Embedder:
    key_env_var = "OPENAI_API_KEY"

    def embed(self, items, *, key=None):
        client = openai.OpenAI(api_key=key)
        return client.embeddings.create(input=items, model="text-embedding-3-small").data
'''
R1_MAIN = b'''import os

from app.emb import Embedder


def main():
    e = Embedder()
    print(len(e.embed(["hi"], key=os.environ.get(e.key_env_var))))
'''


@pytest.mark.xfail(strict=True, reason="R1: a key parameter filled by callers with OpenAI's key: `key or <provider key>` "
                   "sends OpenAI's key to the provider, with no diagnostic")
def test_r1_openai_key_from_a_caller_never_reaches_the_provider(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/emb.py": R1_EMB, "app/main.py": R1_MAIN})
    doc = apply(repo)
    if not doc.get("branch"):  # left whole, reported: nothing can go wrong at run time
        assert any(d["severity"] == "manual" for d in _diags(doc, "app/emb.py")), doc["diagnostics"]
        return
    migrated = checkout(tmp_path, repo, doc)
    done, sent, trapped = run_migrated(tmp_path, migrated, "from app.main import main\nmain()\n",
                                       (migrated / "app/emb.py").read_text())
    assert done.returncode == 0, done.tail()
    # OpenAI's key must never be sent to the provider's endpoint
    assert all("sk-openai-trap" not in (r.headers.get("authorization") or "") for r in sent), \
        [r.headers.get("authorization") for r in sent]


# --------------------------------------------------------------------------- R2
# textgrad 0.1.8 ChatOpenAI.__init__: `elif base_url == OLLAMA_BASE_URL: OpenAI(base_url=base_url, api_key="ollama")`.
R2_LLM = b'''from openai import OpenAI


def make(base_url=None):
    return OpenAI(base_url=base_url, api_key="ollama")


def ask(client):
    return client.chat.completions.create(model="llama3", messages=[{"role": "user", "content": "hi"}])
'''


@pytest.mark.xfail(strict=True, reason="R2: base_url kept as the caller's choice (`base_url or <provider>`) while the "
                   "literal key is replaced by the provider's: the provider's key goes to the caller's server (Ollama)")
def test_r2_provider_key_never_reaches_the_caller_s_server(tmp_path: Path):
    from tests.equivalence import base_env, run_program, write_guard
    from tests.fakes import FakeServer

    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/llm.py": R2_LLM})
    doc = apply(repo)
    migrated = checkout(tmp_path, repo, doc) if doc.get("branch") else repo
    with FakeServer("openai") as ollama:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update({"DASHSCOPE_API_KEY": equivalence.test_key("dashscope"), "OPENAI_API_KEY": "sk-openai-trap"})
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{migrated}"
        program = f"from app.llm import make, ask\nask(make({ollama.base_url()!r}))\n"
        done = run_program(program, "run.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        keys = [r.headers.get("authorization") for r in ollama.requests]
    assert keys == ["Bearer ollama"], keys  # the server the caller named gets the key it was given, as before
