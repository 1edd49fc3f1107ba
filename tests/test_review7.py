"""Reproductions of the seventh reach review (set 6 of ``benchmarks/reach_review.py``: ell-ai 0.0.17,
marvin 2.3.8, paper-qa 4.9.0, gptcache 0.1.44, promptify 2.0.3; findings F1..Fn in
``benchmarks/reach_review6.md``).

Each test states the correct behaviour, in code cut down from the package's own.  Those fixed on the
review's branch pass; the rest are ``xfail(strict=True)`` with the reason.  Runtime ones run the
migrated project with the real SDK against the provider's fake, with OpenAI's variables on a trap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_apply_cli import make_repo, run
from tests.test_review6 import _models, _run  # (apply, check out the branch, run a program on it)


def _manual(doc: dict, path: str) -> list:
    return [d["message"] for d in doc["diagnostics"] if d["severity"] == "manual" and d["path"] == path]


def _repo(tmp_path: Path, name: str, source: bytes) -> Path:
    """A git repository of the package ``app`` with the one module ``app/<name>``."""
    return make_repo(tmp_path, {"app/__init__.py": b"", f"app/{name}": source})


# --------------------------------------------------------------------------- F1
# paper-qa 4.9.0 tests/test_paperqa.py test_chain_chat: `client = AsyncOpenAI()`, then
# `llm = OpenAILLMModel(config={"model": "gpt-3.5-turbo", ...})` and `llm.make_chain(client, ...)`;
# paperqa/llms.py makes the calls on `self._check_client(client)` (annotated AsyncOpenAI) with the
# model in `**process_llm_config(self.config)`, and its completions calls (no DashScope endpoint)
# keep that unit on OpenAI.  A client handed to a method of an object of another module's class
# was not seen as handed at all: it moved to the provider, which received gpt-3.5-turbo, with no
# word in the report.
F1_LLMS = b'''from typing import Any

from openai import AsyncOpenAI


def process_llm_config(llm_config: dict) -> dict:
    return {k: v for k, v in llm_config.items() if k != "model_type"}


class OpenAILLMModel:
    def __init__(self, config: dict):
        self.config = config

    def _check_client(self, client: Any) -> AsyncOpenAI:
        if not isinstance(client, AsyncOpenAI):
            raise ValueError(f"Your client is not a required AsyncOpenAI client. It is a {type(client)}")
        return client

    async def acomplete(self, client: Any, prompt: str) -> str:
        aclient = self._check_client(client)
        completion = await aclient.completions.create(prompt=prompt, **process_llm_config(self.config))
        return completion.choices[0].text

    async def achat(self, client: Any, messages: list) -> str:
        aclient = self._check_client(client)
        completion = await aclient.chat.completions.create(messages=messages, **process_llm_config(self.config))
        return completion.choices[0].message.content or ""

    def make_chain(self, client: Any, prompt: str):
        async def execute(data: dict) -> str:
            return await self.achat(client, [{"role": "user", "content": prompt.format(**data)}])

        return execute
'''
F1_CHAIN = b'''from openai import AsyncOpenAI

from app.llms import OpenAILLMModel


async def chain_chat():
    client = AsyncOpenAI()
    llm = OpenAILLMModel(config={"temperature": 0, "model": "gpt-3.5-turbo", "max_tokens": 56})
    call = llm.make_chain(client, "The {animal} says")
    return await call({"animal": "duck"})
'''
F1_PROGRAM = "import asyncio\nfrom app.chain import chain_chat\nprint(asyncio.run(chain_chat()))\n"


def test_f1_a_client_handed_to_a_method_of_another_modules_object_stays_with_its_calls(tmp_path: Path):
    doc, done, received, trap = _run(tmp_path, {"llms.py": F1_LLMS, "chain.py": F1_CHAIN}, F1_PROGRAM)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not received, _models(received)  # never the provider with gpt-3.5-turbo
    assert _models(trap) == ["gpt-3.5-turbo"]  # the unit stays on OpenAI, whole
    assert any("llm.make_chain" in m for m in _manual(doc, "app/chain.py")), doc["diagnostics"]


# The same with the method's parameter annotated (`def complete(self, client: OpenAI, ...)`): the
# calls there form a unit the callers' clients must join, as for a top-level function's or a
# class's `__init__`'s client parameter.  The completions call keeps its unit on OpenAI, so the
# client handed to it must stay; the chat method's unit moves, and the client handed to it too.
F1B_RUNNER = b'''from openai import OpenAI


class Runner:
    def complete(self, client: OpenAI, prompt):
        return client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt).choices[0].text

    def chat(self, client: OpenAI, text):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content
'''
F1B_MAIN = b'''from openai import OpenAI

from app.runner import Runner


def complete(text):
    runner = Runner()
    return runner.complete(OpenAI(), text)


def chat(text):
    return Runner().chat(OpenAI(), text)
'''
# (the OpenAI fake serves no text completions: its 404 is the proof the request went there)
F1B_PROGRAM = """import openai
from app.main import chat, complete
try:
    complete("hi")
except openai.NotFoundError as e:
    print("completions:", e.status_code)
print(chat("hi"))
"""


def test_f1_a_client_handed_to_an_annotated_method_parameter_moves_or_stays_with_its_calls(tmp_path: Path):
    doc, done, received, trap = _run(tmp_path, {"runner.py": F1B_RUNNER, "main.py": F1B_MAIN}, F1B_PROGRAM)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [r.path for r in trap] == ["/v1/completions"] and _models(trap) == ["gpt-3.5-turbo-instruct"]
    assert [r.path.rsplit("/", 2)[-2:] for r in received] == [["chat", "completions"]]
    assert _models(received) and not any(m.startswith("gpt") for m in _models(received)), _models(received)
    assert any("runner.py" in m for m in _manual(doc, "app/main.py")), doc["diagnostics"]


# --------------------------------------------------------------------------- F2
# marvin 2.3.8 marvin/client/openai.py: `class AsyncMarvinClient(pydantic.BaseModel)` with the field
# `client: AsyncClient = pydantic.Field(default_factory=lambda: get_openai_client(is_async=True))`,
# every call made on `self.client`.  The field's default (a `Field(...)` call, or None) was taken
# for its value, and that value is not OpenAI's: the calls on the field were in neither scan nor
# apply, for marvin's whole core (scan: 0 API call sites).  The annotation says what it holds: a
# client made elsewhere, so the calls are found and reported as unresolved.
F2_CLIENT = b'''import pydantic
from openai import AsyncClient


def get_openai_client(is_async: bool = True):
    raise NotImplementedError


class AsyncMarvinClient(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(arbitrary_types_allowed=True, protected_namespaces=())

    client: AsyncClient = pydantic.Field(default_factory=lambda: get_openai_client(is_async=True))

    async def generate_embedding(self, texts):
        return await self.client.embeddings.create(model="text-embedding-3-small", input=texts)
'''


def test_f2_calls_on_a_field_annotated_as_a_client_with_a_default_are_found(tmp_path: Path):
    repo = _repo(tmp_path, "marvin_client.py", F2_CLIENT)
    proc = run("scan", "--format", "json", "--no-cache", ".", cwd=repo)
    calls = [f for f in json.loads(proc.stdout)["findings"] if f["kind"] == "call"]
    assert [(f["path"], f["line"], f["api"]) for f in calls] == [("app/marvin_client.py", 15, "embeddings.create")]
    # apply cannot tell where the client is made (the default factory's function): it reports the
    # call and leaves it, rather than name the provider's model on a client that may stay on OpenAI
    doc = json.loads(run("apply", "--provider", "dashscope", "--format", "json", "--dry-run", cwd=repo).stdout)
    assert doc["summary"]["sites_rewritten"] == 0 and len(_manual(doc, "app/marvin_client.py")) == 1, doc


# --------------------------------------------------------------------------- F3
# ell-ai 0.0.17 src/ell/models/ollama.py: `client = openai.Client(base_url=base_url, api_key="ollama")`
# in `register(base_url)` (no default: the caller names the Ollama server).  With a key no OpenAI
# account has, written in the code, the client cannot be talking to OpenAI; apply still left it
# for a person ("check would flag it") and `check --policy compat` flags it: noise of the kind the
# issue asks gone ("a client that already points at another service (Ollama ...)").
F3_OLLAMA = b'''import openai

client = None


def register(base_url, models):
    global client
    client = openai.Client(base_url=base_url, api_key="ollama")
    for model in models:
        REGISTRY[model] = client


REGISTRY = {}
'''


@pytest.mark.xfail(
    strict=True,
    reason="F3: a client built with a literal placeholder key (api_key='ollama') and a base_url the "
    "caller must give is reported for a person and flagged by check under the compat policy",
)
def test_f3_a_client_with_a_placeholder_key_and_a_given_url_is_not_openai_usage(tmp_path: Path):
    repo = _repo(tmp_path, "ollama.py", F3_OLLAMA)
    doc = json.loads(run("apply", "--provider", "dashscope", "--format", "json", "--dry-run", cwd=repo).stdout)
    assert not _manual(doc, "app/ollama.py"), doc["diagnostics"]
    check = run("check", "--policy", "compat", ".", cwd=repo)
    assert check.returncode == 0, check.stdout
