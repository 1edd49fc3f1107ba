"""Reproductions of the fourth reach review (benchmarks/reach_review4.md, findings R1..Rn).

Each test states the correct behaviour; each was marked ``xfail(strict=True)`` while it
failed on the code the review measured, and passes since its finding was fixed.  The shapes are cut
down from real packages (llm 0.36, textgrad 0.1.8, aisuite 0.2.0, fast-graphrag 0.0.5, chatlab
2.1.1); runtime ones run the migrated project with the real SDK against the provider's fake, with
OpenAI's variables on a trap.  S1..S10 were found re-reviewing the fixes of R2, R3/R7, R4 and R6 on
145fa2d (S9, S10: on main's later fixes of R12 and S1; benchmarks/reach_review4.md, "After the fixes"); all
pass since main fixed them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import equivalence
from tests.projects import apply, checkout, run_migrated
from tests.secret_shapes import ANYWHERE
from tests.test_apply_cli import make_repo


def _diags(doc: dict, path: str) -> list:
    return [d for d in doc["diagnostics"] if d["path"] == path]


def _branch(tmp_path: Path, files: dict, *args: str):
    """apply on a repository of ``files``: the branch checked out, or None when nothing changed."""
    repo = make_repo(tmp_path, files)
    doc = apply(repo, *args)
    return checkout(tmp_path, repo, doc) if doc.get("branch") else None


def _keys_at_the_caller_s_server(tmp_path: Path, files: dict) -> list:
    """apply, then ``ask(make(<a server the caller names>))``: the keys that server received."""
    from tests.equivalence import base_env, run_program, write_guard
    from tests.fakes import FakeServer

    repo = make_repo(tmp_path, files)
    doc = apply(repo)
    migrated = checkout(tmp_path, repo, doc) if doc.get("branch") else repo
    with FakeServer("openai") as ollama:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update({"DASHSCOPE_API_KEY": equivalence.test_key("dashscope"), "OPENAI_API_KEY": "sk-openai-trap"})
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{migrated}"
        program = f"from app.llm import make, ask\nask(make({ollama.base_url()!r}))\n"
        done = run_program(program, "run.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        return [r.headers.get("authorization") for r in ollama.requests]


def _keys_without_the_provider_s_variable(tmp_path: Path, migrated: Path, client_file: str, program: str) -> list:
    """Run ``program`` on the migrated tree with the provider's key variable unset (OpenAI's set, on
    a trap): the keys the provider's fake received."""
    from tests.equivalence import base_env, migrated_env, run_program, write_guard
    from tests.fakes import FakeServer

    with FakeServer("dashscope") as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, (migrated / client_file).read_text())[0])
        env.pop("DASHSCOPE_API_KEY", None)  # not set yet: a machine still set up for OpenAI
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{migrated}"
        run_program(program, "run.py", env, tmp_path / "run")
        return [r.headers.get("authorization") for r in srv.requests]


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


def test_r1_openai_key_from_a_caller_never_reaches_the_provider(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/emb.py": R1_EMB, "app/main.py": R1_MAIN})
    doc = apply(repo)
    if not doc.get("branch"):  # left whole, reported: nothing can go wrong at run time
        assert any(d["severity"] == "manual" for d in _diags(doc, "app/emb.py")), doc["diagnostics"]
        return
    migrated = checkout(tmp_path, repo, doc)
    done, sent, trapped = run_migrated(
        tmp_path, migrated, "from app.main import main\nmain()\n", (migrated / "app/emb.py").read_text()
    )
    assert done.returncode == 0, done.tail()
    # OpenAI's key must never be sent to the provider's endpoint
    assert all("sk-openai-trap" not in (r.headers.get("authorization") or "") for r in sent), [
        r.headers.get("authorization") for r in sent
    ]


# --------------------------------------------------------------------------- R2
# textgrad 0.1.8 ChatOpenAI.__init__: `elif base_url == OLLAMA_BASE_URL: OpenAI(base_url=base_url, api_key="ollama")`.
R2_LLM = b'''from openai import OpenAI


def make(base_url=None):
    return OpenAI(base_url=base_url, api_key="ollama")


def ask(client):
    return client.chat.completions.create(model="llama3", messages=[{"role": "user", "content": "hi"}])
'''


def test_r2_provider_key_never_reaches_the_caller_s_server(tmp_path: Path):
    keys = _keys_at_the_caller_s_server(tmp_path, {"app/__init__.py": b"", "app/llm.py": R2_LLM})
    assert keys == ["Bearer ollama"], keys  # the server the caller named gets the key it was given, as before


# --------------------------------------------------------------------------- R3
# textgrad 0.1.8 ChatOpenAI: `self.client` is built in two branches (OpenAI's key when no base_url, a
# caller's server otherwise); the native plan makes the first a dashscope.Client and keeps the second
# on the openai SDK (hybrid), but rewrites their one shared call for dashscope.Client.
R3_ENGINE = b'''import os

from openai import OpenAI


class Engine:
    def __init__(self, model="gpt-4o", base_url=None):
        self.model = model
        if not base_url:
            self.client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
        else:
            self.client = OpenAI(base_url=base_url, api_key=os.getenv("LOCAL_KEY"))

    def ask(self, text):
        reply = self.client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": text}], extra_body={"top_k": 5}
        )
        return reply.choices[0].message.content
'''


def test_r3_a_call_shared_with_a_hybrid_client_keeps_the_openai_sdk_s_keywords(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/engine.py": R3_ENGINE})
    doc = apply(repo, "--plan", "native")
    migrated = checkout(tmp_path, repo, doc)
    program = "import os\nfrom app.engine import Engine\nprint(Engine(base_url=os.environ['DASHSCOPE_COMPATIBLE_BASE_URL']).ask('hi'))\n"
    done, sent, trapped = run_migrated(tmp_path, migrated, program, (migrated / "app/engine.py").read_text())
    assert done.returncode == 0, (
        done.tail()
    )  # now: TypeError: Completions.create() got an unexpected keyword argument 'parameters'
    assert trapped == [] and [r.json.get("top_k") for r in sent] == [5]


# --------------------------------------------------------------------------- R4
# A unit test patching the project's own name for the class (`patch("app.engine.OpenAI")`, the
# idiom strands-agents' tests use): under a native plan the module builds dashscope.Client, the
# double no longer intercepts and the test sends a real request; apply says nothing about the test.
R4_ENGINE = b'''import os

from openai import OpenAI


class Engine:
    def __init__(self, model="gpt-4o"):
        self.model = model
        self.client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))

    def ask(self, text):
        reply = self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content
'''
R4_TEST = b'''from unittest.mock import patch

from app.engine import Engine


def test_ask_uses_the_client():
    with patch("app.engine.OpenAI") as fake:
        fake.return_value.chat.completions.create.return_value.choices[0].message.content = "ok"
        assert Engine().ask("hi") == "ok"
'''


def test_r4_a_patch_of_the_project_s_openai_name_still_intercepts_or_is_reported(tmp_path: Path):
    _the_patched_test_still_passes_or_is_reported(tmp_path, R4_ENGINE, R4_TEST)


def _the_patched_test_still_passes_or_is_reported(tmp_path: Path, engine: bytes, test: bytes) -> None:
    """native apply; the project's test (its double of the SDK) either reported or still intercepting."""
    repo = make_repo(
        tmp_path, {"app/__init__.py": b"", "app/engine.py": engine, "tests/__init__.py": b"", "tests/test_engine.py": test}
    )
    doc = apply(repo, "--plan", "native")
    if _diags(doc, "tests/test_engine.py"):
        return  # reported for a person
    migrated = checkout(tmp_path, repo, doc)
    program = "from tests.test_engine import test_ask_uses_the_client\ntest_ask_uses_the_client()\n"
    done, sent, trapped = run_migrated(tmp_path, migrated, program, (migrated / "app/engine.py").read_text())
    assert done.returncode == 0 and sent == [] and trapped == [], (done.tail(), len(sent), len(trapped))


# --------------------------------------------------------------------------- R5 (noise)
# aisuite 0.2.0: ten provider classes set `config["base_url"] = "https://api.<provider>..."` just before
# `openai.OpenAI(**config)`; each is reported "left on OpenAI as a whole ... endpoint set at run time".
R5_PROVIDER = b'''import os

import openai


class DeepseekProvider:
    def __init__(self, **config):
        config.setdefault("api_key", os.getenv("DEEPSEEK_API_KEY"))
        config["base_url"] = "https://api.deepseek.com"
        self.client = openai.OpenAI(**config)

    def chat(self, model, messages):
        return self.client.chat.completions.create(model=model, messages=messages)
'''


def test_r5_a_config_dict_pointed_at_another_service_is_not_left_for_a_person(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/deepseek.py": R5_PROVIDER})
    doc = apply(repo, "--dry-run")
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]


# --------------------------------------------------------------------------- R6
# textgrad 0.1.8 ChatExternalClient(ChatOpenAI): "if os.getenv('OPENAI_API_KEY') is None:
# os.environ['OPENAI_API_KEY'] = client.api_key" (the handed client's key, to pass the base class's
# check).  apply renames the write: the handed client's key, OpenAI's when the user hands an OpenAI
# client, becomes DASHSCOPE_API_KEY for the process, and the next default engine sends it to DashScope.
R6_ENGINE = b'''import os

from openai import OpenAI


class Engine:
    def __init__(self, model):
        if os.getenv("OPENAI_API_KEY") is None:
            raise ValueError("set OPENAI_API_KEY")
        self.model = model
        self.client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))

    def ask(self, text):
        return self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
'''
R6_EXTERNAL = b'''import os

from openai import OpenAI

from app.engine import Engine


class External(Engine):
    def __init__(self, client: OpenAI, model: str):
        if os.getenv("OPENAI_API_KEY") is None:
            os.environ["OPENAI_API_KEY"] = client.api_key
        super().__init__(model)
        self.client = client
'''
# Since the project pass links clients set again in another module (`self.client = client` in the
# subclass: the base's calls may run on the handed client), R6's own shape keeps Engine whole, reported
# (test_r6_the_subclass_s_handed_client_keeps_the_base_whole); the key-write tests below use a subclass
# that keeps the handed client under its own name, so the base's client moves and the write matters.
R6_EXTERNAL_OWN = R6_EXTERNAL.replace(b"        self.client = client\n", b"        self.handed = client\n")
R6_PROGRAM = """import os
from openai import OpenAI
from app.engine import Engine
from app.external import External
External(OpenAI(api_key=os.environ["OPENAI_API_KEY"]), "gpt-4o")  # the user keeps this one on OpenAI
Engine("gpt-4o").ask("hi")
"""


def test_r6_the_subclass_s_handed_client_keeps_the_base_whole(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/engine.py": R6_ENGINE, "app/external.py": R6_EXTERNAL})
    doc = apply(repo)
    assert "branch" not in doc and not doc.get("files"), doc
    engine = _diags(doc, "app/engine.py")
    assert any("set again in app/external.py" in d["message"] for d in engine), doc["diagnostics"]


def test_r6_a_handed_client_s_key_is_not_written_into_the_provider_s_variable(tmp_path: Path):
    assert R6_EXTERNAL_OWN != R6_EXTERNAL
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/engine.py": R6_ENGINE, "app/external.py": R6_EXTERNAL_OWN})
    doc = apply(repo)
    keys = _keys_without_the_provider_s_variable(tmp_path, checkout(tmp_path, repo, doc), "app/engine.py", R6_PROGRAM)
    assert "Bearer sk-openai-trap" not in keys, keys


# --------------------------------------------------------------------------- R7
# fast-graphrag 0.0.5 OpenAIEmbeddingService: `if self.client == "azure": self.embedding_client =
# AsyncAzureOpenAI(...)` / `elif self.client == "openai": self.embedding_client = AsyncOpenAI(base_url=self.base_url,
# api_key=self.api_key)` (here with the dataclass fields in the same class, so apply follows them).
# The OpenAI branch is retargeted, but the shared call is classed as Azure's: its model default and
# encoding_format stay OpenAI's and nothing is said.
R7_SVC = b'''from dataclasses import dataclass, field
from typing import Optional

from openai import AsyncAzureOpenAI, AsyncOpenAI


@dataclass
class Service:
    base_url: Optional[str] = field(default=None)
    api_key: Optional[str] = field(default=None)
    client: str = field(default="openai")
    model: str = field(default="text-embedding-3-small")

    def __post_init__(self):
        if self.client == "azure":
            self.embedding_client = AsyncAzureOpenAI(azure_endpoint=self.base_url, api_key=self.api_key, api_version="2024-02-01")
        elif self.client == "openai":
            self.embedding_client = AsyncOpenAI(base_url=self.base_url, api_key=self.api_key)

    async def encode(self, texts):
        return await self.embedding_client.embeddings.create(model=self.model, input=texts)
'''


def test_r7_an_openai_model_never_reaches_the_provider_through_a_call_shared_with_azure(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/svc.py": R7_SVC})
    doc = apply(repo)
    if not doc.get("branch") or any(d["severity"] == "manual" and d["line"] in (18, 21) for d in _diags(doc, "app/svc.py")):
        return  # left (or reported at the OpenAI client / the call) for a person
    migrated = checkout(tmp_path, repo, doc)
    program = "import asyncio\nfrom app.svc import Service\nprint(len(asyncio.run(Service().encode(['hi'])).data))\n"
    done, sent, trapped = run_migrated(tmp_path, migrated, program, (migrated / "app/svc.py").read_text())
    assert done.returncode == 0, done.tail()
    # the provider must not be asked for OpenAI's embedding model
    assert not [r for r in sent if r.json["model"].startswith("text-embedding-3")], [(r.path, r.json["model"]) for r in sent]


# --------------------------------------------------------------------------- R12
# A key read once in a settings module (`API_KEY = os.environ["OPENAI_API_KEY"]`) and used by two
# clients: one moves, one stays (moderations).  apply keeps the read for the one that stays ("this key
# may feed it") and still moves the other with `api_key=config.API_KEY`: OpenAI's key goes to DashScope
# (only "make sure it holds the new provider's value").
R12_CONFIG = b'''import os

API_KEY = os.environ["OPENAI_API_KEY"]
BASE_URL = os.environ.get("LLM_BASE_URL")
'''
R12_CHAT = b'''from openai import OpenAI

from app import config

client = OpenAI(api_key=config.API_KEY)


def chat(text):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
'''
R12_TOOLS = b'''from openai import OpenAI

from app.config import API_KEY, BASE_URL


def moderate(text):
    c = OpenAI(api_key=API_KEY, base_url=BASE_URL)
    return c.moderations.create(input=text)
'''


def test_r12_a_key_kept_for_openai_does_not_feed_a_client_that_moves(tmp_path: Path):
    _openai_s_key_stays_off_the_provider(tmp_path, R12_CONFIG, R12_CHAT, R12_TOOLS)


def _openai_s_key_stays_off_the_provider(tmp_path: Path, config: bytes, chat: bytes, tools: bytes) -> None:
    """apply on a settings module, a chat module and a tools module (whose client stays); run ``chat``."""
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/config.py": config, "app/chat.py": chat, "app/tools.py": tools})
    doc = apply(repo)
    migrated = checkout(tmp_path, repo, doc)
    done, sent, trapped = run_migrated(
        tmp_path,
        migrated,
        "from app.chat import chat\nprint(chat('hi').model)\n",
        (migrated / "app/chat.py").read_text() + (migrated / "app/config.py").read_text(),
    )
    assert done.returncode == 0, done.tail()
    assert all("sk-openai-trap" not in (r.headers.get("authorization") or "") for r in sent), [
        r.headers.get("authorization") for r in sent
    ]


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_r12_scan_counts_the_held_client_as_apply_leaves_it(tmp_path: Path, plan):
    # scan's readiness plans every module knowing where a client stays, as apply does (the key read
    # sits in a settings module that builds no client)
    import json

    from tests.test_apply_cli import run

    repo = make_repo(
        tmp_path, {"app/__init__.py": b"", "app/config.py": R12_CONFIG, "app/chat.py": R12_CHAT, "app/tools.py": R12_TOOLS}
    )
    doc = apply(repo, "--plan", plan, "--dry-run")
    left = [
        d for d in doc["diagnostics"] if d["path"] == "app/chat.py" and d["rule"] == "migrator/unit" and d["severity"] == "manual"
    ]
    assert left, doc["diagnostics"]
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == plan]
    assert row["automatic"] + row["with_diagnostics"] == 0 and row["manual"] == 2, row


# =========================================================================== re-review (S1..Sn)
# Shapes found probing the fixes of R2, R3/R7, R4 and R6 (and N3) on main 145fa2d; each still fails.

# --------------------------------------------------------------------------- S1
# The commonest construction there is: `OpenAI(api_key=os.getenv("OPENAI_API_KEY"))`.  apply makes it
# `OpenAI(api_key=os.getenv("DASHSCOPE_API_KEY"), base_url=<DashScope>)`; with DASHSCOPE_API_KEY not set
# yet (a machine still set up for OpenAI), api_key is None and the openai SDK reads OPENAI_API_KEY itself:
# OpenAI's key goes to DashScope.
S1_CHAT = b'''import os

from openai import OpenAI

client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))


def chat(text):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
'''


def test_s1_a_migrated_client_never_falls_back_to_openai_s_key(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/chat.py": S1_CHAT})
    doc = apply(repo)
    keys = _keys_without_the_provider_s_variable(
        tmp_path, checkout(tmp_path, repo, doc), "app/chat.py", "from app.chat import chat\nchat('hi')\n"
    )
    assert "Bearer sk-openai-trap" not in keys, keys  # (was: ['Bearer sk-openai-trap'])


# --------------------------------------------------------------------------- S2
# The notebook idiom `os.environ["OPENAI_API_KEY"] = "sk-..."` (a literal: R6's fix renames it as a
# setting) becomes `os.environ["DASHSCOPE_API_KEY"] = "sk-..."`: OpenAI's key, written in the code,
# goes to DashScope; nothing is said.
S2_KEY = ANYWHERE["openai-proj"]  # a fake key of OpenAI's shape
S2_CHAT = f'''import os

from openai import OpenAI

os.environ["OPENAI_API_KEY"] = "{S2_KEY}"
client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])


def chat(text):
    return client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": text}}])
'''.encode()


def test_s2_an_openai_key_written_in_the_code_never_reaches_the_provider(tmp_path: Path):
    migrated = _branch(tmp_path, {"app/__init__.py": b"", "app/chat.py": S2_CHAT})
    if migrated is None:
        return  # left (nothing moved): nothing can go wrong at run time
    done, sent, trapped = run_migrated(
        tmp_path, migrated, "from app.chat import chat\nchat('hi')\n", (migrated / "app/chat.py").read_text()
    )
    leaked = [r.path for r in sent if S2_KEY in (r.headers.get("authorization") or "")]
    assert not leaked, leaked  # (the key is fake; still not printed)


# --------------------------------------------------------------------------- S3
# R6's fix keeps `os.environ["OPENAI_API_KEY"] = client.api_key` but (1) says so only when a unit of the
# same file moves, so in textgrad's ChatExternalClient module (and R6's reproduction) nothing is said,
# and (2) still renames the guard right above it, `if os.getenv("OPENAI_API_KEY") is None:` -> DASHSCOPE_API_KEY:
# textgrad's documented local-server use (`ChatExternalClient(client=OpenAI(base_url=<lm-studio>, ...))`,
# no key set) now raises "Please set the OPENAI_API_KEY environment variable", silently.
def test_s3_a_kept_env_write_is_reported_and_keeps_its_guard(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/engine.py": R6_ENGINE, "app/external.py": R6_EXTERNAL_OWN})
    doc = apply(repo)
    assert any(d["line"] in (10, 11) for d in _diags(doc, "app/external.py")), doc["diagnostics"]
    migrated = checkout(tmp_path, repo, doc)
    guard, write = (migrated / "app/external.py").read_text().splitlines()[9:11]
    assert ("OPENAI_API_KEY" in guard) == ("OPENAI_API_KEY" in write), (guard, write)


# --------------------------------------------------------------------------- S4
# R6 with `os.environ.setdefault("OPENAI_API_KEY", client.api_key)`: still renamed (the fix looks at
# subscript assignments only): the handed client's key (OpenAI's) becomes DashScope's key.
S4_EXTERNAL = R6_EXTERNAL_OWN.replace(
    b'''        if os.getenv("OPENAI_API_KEY") is None:
            os.environ["OPENAI_API_KEY"] = client.api_key
''',
    b'''        os.environ.setdefault("OPENAI_API_KEY", client.api_key)
''',
)


def test_s4_a_key_set_by_default_from_a_value_is_not_written_into_the_provider_s_variable(tmp_path: Path):
    assert S4_EXTERNAL != R6_EXTERNAL_OWN
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/engine.py": R6_ENGINE, "app/external.py": S4_EXTERNAL})
    doc = apply(repo)
    keys = _keys_without_the_provider_s_variable(tmp_path, checkout(tmp_path, repo, doc), "app/engine.py", R6_PROGRAM)
    assert "Bearer sk-openai-trap" not in keys, keys


# --------------------------------------------------------------------------- S5
# R2 with the caller's base_url falling back to OpenAI's variable (`base_url or os.getenv("OPENAI_BASE_URL")`,
# retargeted as `base_url or <provider>`): the literal key is not paired as in R2's fix, so a caller's own
# server (Ollama) gets the provider's key; the only word is about base_url.
S5_LLM = b'''import os

from openai import OpenAI


def make(base_url=None):
    return OpenAI(base_url=base_url or os.getenv("OPENAI_BASE_URL"), api_key="ollama")


def ask(client):
    return client.chat.completions.create(model="llama3", messages=[{"role": "user", "content": "hi"}])
'''


def test_s5_provider_key_never_reaches_the_caller_s_server_behind_an_env_fallback(tmp_path: Path):
    keys = _keys_at_the_caller_s_server(tmp_path, {"app/__init__.py": b"", "app/llm.py": S5_LLM})
    assert keys == ["Bearer ollama"], keys


# --------------------------------------------------------------------------- S6
# N3 with a dataclass field: the field's OpenAI URL default is retargeted with the client, but this
# module's callers passing OpenAI's URL for the field (`Svc(base_url="https://api.openai.com/v1")`) are
# not (the fix follows function parameters only): the provider's key and a Qwen model go to
# api.openai.com; only `check/openai-url` says anything.
S6_SVC = b'''import os
from dataclasses import dataclass

from openai import OpenAI


@dataclass
class Svc:
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o"

    def ask(self, text):
        c = OpenAI(base_url=self.base_url, api_key=os.getenv("OPENAI_API_KEY"))
        return c.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])


def main():
    return Svc(base_url="https://api.openai.com/v1").ask("hi")
'''


def test_s6_a_caller_s_openai_url_for_a_retargeted_dataclass_field_moves_with_it(tmp_path: Path):
    branch = _branch(tmp_path, {"app/__init__.py": b"", "app/svc.py": S6_SVC})
    if branch is None:
        return
    migrated = (branch / "app/svc.py").read_text()
    if "DASHSCOPE_API_KEY" in migrated:  # the client moved: no caller may still point it at OpenAI
        assert "api.openai.com" not in migrated, migrated


# --------------------------------------------------------------------------- S7
# R3 through a subclass (textgrad's AzureChatOpenAI / ChatExternalClient shape: the subclass sets
# `self.client` to another client and inherits the calls): R3's fix unites the clients one attribute
# holds within a class, not a subclass's; under a native plan the base class's client becomes
# dashscope.Client and the inherited call is rewritten for it (`extra_body=` -> `parameters=`), so the
# subclass's openai client raises TypeError; nothing is said about the subclass's client.
S7_ENGINE = b'''import os

from openai import OpenAI


class Engine:
    def __init__(self, model="gpt-4o"):
        self.model = model
        self.client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])

    def ask(self, text):
        reply = self.client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": text}], extra_body={"top_k": 5}
        )
        return reply.choices[0].message.content


class LocalEngine(Engine):
    def __init__(self, base_url, model="llama3"):
        super().__init__(model)
        self.client = OpenAI(base_url=base_url, api_key="local")
'''


def test_s7_a_call_inherited_by_a_subclass_with_its_own_client_keeps_working(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/engine.py": S7_ENGINE})
    doc = apply(repo, "--plan", "native")
    if not doc.get("branch"):  # left whole, reported: the subclass keeps working as it did
        assert any(
            d["severity"] == "manual" and "left on OpenAI as a whole" in d["message"] for d in _diags(doc, "app/engine.py")
        )
        return
    migrated = checkout(tmp_path, repo, doc)
    program = (
        "import os\nfrom app.engine import LocalEngine\n"
        "print(LocalEngine(os.environ['DASHSCOPE_COMPATIBLE_BASE_URL']).ask('hi'))\n"
    )
    done, sent, trapped = run_migrated(tmp_path, migrated, program, (migrated / "app/engine.py").read_text())
    assert done.returncode == 0, (
        done.tail()
    )  # now: TypeError: Completions.create() got an unexpected keyword argument 'parameters'
    assert trapped == [] and [r.json.get("top_k") for r in sent] == [5]


# --------------------------------------------------------------------------- S8
# R4 with the SDK's module patched where the project imports it (`patch("app.engine.openai")`, the
# module calling `openai.OpenAI(...)`): the native plan replaces `import openai` with `import dashscope`,
# the patch target is gone (AttributeError when the test runs) and nothing is said about the test.
S8_ENGINE = R4_ENGINE.replace(b"from openai import OpenAI", b"import openai").replace(b"= OpenAI(", b"= openai.OpenAI(")
S8_TEST = R4_TEST.replace(b'patch("app.engine.OpenAI")', b'patch("app.engine.openai")').replace(
    b"fake.return_value", b"fake.OpenAI.return_value"
)


def test_s8_a_patch_of_the_project_s_openai_module_still_intercepts_or_is_reported(tmp_path: Path):
    _the_patched_test_still_passes_or_is_reported(tmp_path, S8_ENGINE, S8_TEST)


# --------------------------------------------------------------------------- S9
# R12 (fixed for `config.API_KEY` / `settings.api_key`) with the key in a module dict: `KEYS = {"llm":
# os.environ["OPENAI_API_KEY"]}` is kept for the client that stays (tools.py, moderations) and still feeds
# `OpenAI(api_key=KEYS["llm"])`, which moves: OpenAI's key to DashScope ("make sure" warning only).
S9_CONFIG = b'''import os

KEYS = {"llm": os.environ["OPENAI_API_KEY"]}
'''
S9_CHAT = b'''from openai import OpenAI

from app.config import KEYS

client = OpenAI(api_key=KEYS["llm"])


def chat(text):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
'''
S9_TOOLS = b'''from openai import OpenAI

from app.config import KEYS


def moderate(text):
    return OpenAI(api_key=KEYS["llm"]).moderations.create(input=text)
'''


def test_s9_a_key_kept_for_openai_in_a_settings_dict_does_not_feed_a_client_that_moves(tmp_path: Path):
    _openai_s_key_stays_off_the_provider(tmp_path, S9_CONFIG, S9_CHAT, S9_TOOLS)


# --------------------------------------------------------------------------- S10
# S1's fix (d81b267) turns `api_key=os.getenv("OPENAI_API_KEY")` into `os.environ["DASHSCOPE_API_KEY"]`; the
# same None-able read in other forms still reaches the openai SDK, which then sends OPENAI_API_KEY itself.
S10_KEYS = {
    "name": 'key = os.getenv("OPENAI_API_KEY")\nclient = OpenAI(api_key=key)',
    "getenv_none": 'client = OpenAI(api_key=os.getenv("OPENAI_API_KEY", None))',
    "get_none": 'client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY", None))',
    "or_chain": 'def make(api_key=None):\n    return OpenAI(api_key=api_key or os.getenv("OPENAI_API_KEY"))\n\n\nclient = make()',
}


@pytest.mark.parametrize("shape", sorted(S10_KEYS))
def test_s10_no_form_of_a_none_able_key_lets_the_sdk_fall_back_to_openai_s(tmp_path: Path, shape):
    source = (
        "import os\n\nfrom openai import OpenAI\n\n" + S10_KEYS[shape] + "\n\n\ndef chat(text):\n"
        '    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])\n'
    )
    migrated = _branch(tmp_path, {"app/__init__.py": b"", "app/chat.py": source.encode()})
    assert migrated is not None
    keys = _keys_without_the_provider_s_variable(tmp_path, migrated, "app/chat.py", "from app.chat import chat\nchat('hi')\n")
    assert "Bearer sk-openai-trap" not in keys, keys
