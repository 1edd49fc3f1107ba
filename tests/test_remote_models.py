"""Models written in another module (#15): ``model=settings.chat_model`` with ``from app.config
import settings``, ``model=DEFAULT_MODEL`` from a constants module, an Enum member.  The value is
mapped where it is written when, across the project, it is read nowhere but in the ``model=``
arguments of calls that move; otherwise every call that takes it stays with it (analyzer/project.py
``model_definitions``, units.settle).  Run end to end on real git repositories, and the migrated
package run with the real openai SDK and pydantic-settings against the provider's fake."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Dict

from migrator.analyzer.python import written_value
from tests.test_apply_cli import git, make_repo, run

CONFIG = b'''from enum import Enum

from pydantic import Field
from pydantic_settings import BaseSettings

DEFAULT_MODEL = "gpt-4o"


class Models(str, Enum):
    SMALL = "gpt-4o-mini"


class Settings(BaseSettings):
    chat_model: str = "gpt-4o-mini"
    embedding_model: str = Field("text-embedding-3-small", description="the embedder")
    temperature: float = 0.2


settings = Settings()
'''

CHAT = b'''from openai import OpenAI

from ..core.config import settings
from app.core import config
from app.core.config import DEFAULT_MODEL, Models

client = OpenAI()


def answer(question):
    reply = client.chat.completions.create(model=settings.chat_model,
                                           messages=[{"role": "user", "content": question}])
    return reply.choices[0].message.content


def summarize(text):
    return client.chat.completions.create(model=DEFAULT_MODEL, messages=[{"role": "user", "content": text}]).choices[0].message.content


def classify(text):
    return client.chat.completions.create(model=Models.SMALL.value, messages=[{"role": "user", "content": text}]).choices[0].message.content


def embed(text):
    return len(client.embeddings.create(model=config.settings.embedding_model, input=text).data[0].embedding)
'''

AGENT = b'''from langchain_openai import ChatOpenAI

from app.core.config import settings

llm = ChatOpenAI(model=settings.chat_model, temperature=0)
'''

MAIN = b'''from app.services.agent import llm
from app.services.chat import answer, classify, embed, summarize

print(answer("hello"), summarize("x"), classify("y"), embed("hello"), llm.invoke("hi").content)
'''


def project(**extra: bytes) -> Dict[str, bytes]:
    files = {
        "app/__init__.py": b"",
        "app/core/__init__.py": b"",
        "app/core/config.py": CONFIG,
        "app/services/__init__.py": b"",
        "app/services/chat.py": CHAT,
        "app/services/agent.py": AGENT,
        "app/__main__.py": MAIN,
    }
    files.update({f"app/services/{name}.py": data for name, data in extra.items()})
    return files


def apply(repo: Path, *args: str, provider: str = "dashscope") -> dict:
    proc = run("apply", "--provider", provider, "--format", "json", "--yes", *args, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_written_value_finds_the_one_literal_a_dotted_name_holds():
    tree = ast.parse(CONFIG.decode())
    for rest, value, env in (
        (["DEFAULT_MODEL"], "gpt-4o", ""),
        (["Models", "SMALL", "value"], "gpt-4o-mini", ""),
        (["settings", "chat_model"], "gpt-4o-mini", "CHAT_MODEL"),
        (["settings", "embedding_model"], "text-embedding-3-small", "EMBEDDING_MODEL"),
    ):
        found = written_value(tree, CONFIG.decode(), rest)
        assert found is not None and found[0].value == value and found[3] == env, rest
    assert written_value(tree, CONFIG.decode(), ["settings", "temperature"]) is None  # not a string
    prefixed = CONFIG.replace(b"    temperature", b'    model_config = SettingsConfigDict(env_prefix="APP_")\n    temperature')
    assert written_value(ast.parse(prefixed), prefixed.decode(), ["settings", "chat_model"])[3] == "APP_CHAT_MODEL"
    for changed, rest in (
        (CONFIG.replace(b"settings = Settings()", b'settings = Settings(chat_model="gpt-4.1")'), ["settings", "chat_model"]),
        (CONFIG.replace(b"settings = Settings()", b"settings = load()"), ["settings", "chat_model"]),
        (CONFIG + b'\nDEFAULT_MODEL = "gpt-4.1"\n', ["DEFAULT_MODEL"]),
        (CONFIG + b'\nif True:\n    DEFAULT_MODEL = "gpt-4.1"\n', ["DEFAULT_MODEL"]),
        (CONFIG + b'\ndef f():\n    global DEFAULT_MODEL\n', ["DEFAULT_MODEL"]),
    ):
        assert written_value(ast.parse(changed), changed.decode(), rest) is None, changed


def test_models_written_in_a_settings_module_are_mapped_there_and_reach_the_provider(tmp_path: Path):
    from tests.equivalence import run_package, test_key

    repo = make_repo(tmp_path, project())
    doc = apply(repo)
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    config = (migrated / "app/core/config.py").read_bytes()
    assert config == (
        CONFIG.replace(b'DEFAULT_MODEL = "gpt-4o"', b'DEFAULT_MODEL = "qwen-plus"')
        .replace(b'SMALL = "gpt-4o-mini"', b'SMALL = "qwen-flash"')
        .replace(b'chat_model: str = "gpt-4o-mini"', b'chat_model: str = "qwen-flash"')
        .replace(b'Field("text-embedding-3-small"', b'Field("text-embedding-v4"')
    ), config.decode()
    warnings = [d["message"] for d in doc["diagnostics"] if d["path"] == "app/core/config.py" and d["severity"] == "warning"]
    assert any("CHAT_MODEL" in m for m in warnings) and any("EMBEDDING_MODEL" in m for m in warnings), warnings
    assert "model=settings.chat_model" in (migrated / "app/services/chat.py").read_text()
    agent = (migrated / "app/services/agent.py").read_text()  # the LangChain object takes the same setting
    assert "model=settings.chat_model" in agent and "DASHSCOPE_API_KEY" in agent, agent
    # a second run changes nothing
    again = run("apply", "--provider", "dashscope", "--format", "json", "--dry-run", cwd=migrated)
    assert again.returncode == 0 and json.loads(again.stdout)["files"] == [], again.stdout
    done, sent, trapped = run_package(
        tmp_path, "dashscope", migrated, MAIN.decode(), (migrated / "app/services/chat.py").read_text()
    )
    assert done.returncode == 0, done.tail()
    assert trapped == []
    assert [r.json["model"] for r in sent] == ["qwen-flash", "qwen-plus", "qwen-flash", "text-embedding-v4", "qwen-flash"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


def test_a_native_plan_maps_the_settings_with_the_native_client_and_reaches_the_provider(tmp_path: Path):
    from tests.equivalence import run_package

    files = project()  # (LangChain's ChatZhipuAI is run against the fake in tests/test_frameworks_native.py)
    del files["app/services/agent.py"]
    main = MAIN.replace(b"from app.services.agent import llm\n", b"").replace(b", llm.invoke(\"hi\").content", b"")
    repo = make_repo(tmp_path, files)
    doc = apply(repo, "--plan", "native", provider="zhipu")
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    assert 'chat_model: str = "glm-4-flash' in (migrated / "app/core/config.py").read_text()
    chat = (migrated / "app/services/chat.py").read_text()
    assert "ZhipuAI" in chat and doc["summary"]["files_failed"] == 0, chat
    done, sent, trapped = run_package(tmp_path, "zhipu", migrated, main.decode(), chat)
    assert done.returncode == 0, done.tail()
    assert trapped == [] and [r.json["model"] for r in sent] == ["glm-4-flash", "glm-4-plus", "glm-4-flash", "embedding-3"]


def test_a_value_read_anywhere_else_is_not_mapped_where_it_is_written(tmp_path: Path):
    logged = b'import logging\n\nfrom app.core.config import settings\n\nlogging.info("model %s", settings.chat_model)\n'
    repo = make_repo(tmp_path, project(log=logged))
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "+    chat_model" not in diffs["app/core/config.py"] and '+DEFAULT_MODEL = "qwen-plus"' in diffs["app/core/config.py"]
    manual = [d for d in doc["diagnostics"] if d["severity"] == "manual"]
    assert [(d["path"], d["line"]) for d in manual] == [("app/services/agent.py", 5), ("app/services/chat.py", 11)], manual
    assert all("settings.chat_model" in d["message"] for d in manual)


def test_a_model_a_call_to_another_server_takes_keeps_every_call_that_takes_it(tmp_path: Path):
    """The same setting feeds an Ollama client: mapped, Ollama would get a Qwen model; left, the
    migrated client would send an OpenAI model to the provider.  So nothing that takes it moves,
    and scan predicts exactly that."""
    local = (
        b'from openai import OpenAI\n\nfrom app.core.config import settings\n\n'
        b'ollama = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")\n\n\n'
        b'def local(q):\n    return ollama.chat.completions.create(model=settings.chat_model, messages=[])\n'
    )
    repo = make_repo(tmp_path, project(local=local))
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "app/services/chat.py" not in diffs and "app/services/local.py" not in diffs, diffs
    assert "+    chat_model" not in diffs.get("app/core/config.py", ""), diffs
    units = [d for d in doc["diagnostics"] if d["rule"] == "migrator/unit"]
    assert any(d["path"] == "app/services/chat.py" and "another server" in d["message"] for d in units), units
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
    # chat.py's four calls and agent.py's ChatOpenAI (Ollama's call is not OpenAI usage)
    assert row["automatic"] == 0 and row["manual"] == 5, row
    assert "app/services/agent.py" not in diffs


def test_a_setting_reaching_the_call_through_an_attribute_or_a_default_is_mapped_where_it_is_written(tmp_path: Path):
    wrapper = b'''from openai import OpenAI

from app.core import config
from app.core.config import DEFAULT_MODEL


class Assistant:
    def __init__(self, model=DEFAULT_MODEL):
        self.client = OpenAI()
        self.model = model
        self.embedder = config.settings.embedding_model

    def ask(self, q):
        return self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": q}])

    def embed(self, text):
        return self.client.embeddings.create(model=self.embedder, input=text)
'''
    files = project()
    files["app/services/chat.py"] = wrapper
    del files["app/services/agent.py"]
    repo = make_repo(tmp_path, files)
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert '+DEFAULT_MODEL = "qwen-plus"' in diffs["app/core/config.py"], diffs
    assert '+    embedding_model: str = Field("text-embedding-v4"' in diffs["app/core/config.py"]
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]
    # read once more in the class (logged): not only a model any more, so left for a person
    files["app/services/chat.py"] = wrapper.replace(
        b"    def embed(", b"    def name(self):\n        return self.embedder\n\n    def embed("
    )
    (tmp_path / "again").mkdir()
    doc = apply(make_repo(tmp_path / "again", files), "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert "+    embedding_model" not in diffs["app/core/config.py"] and "+DEFAULT_MODEL" in diffs["app/core/config.py"]


def test_a_settings_factory_is_followed_to_the_instance_it_makes(tmp_path: Path):
    config = (
        CONFIG
        + b'''

@lru_cache
def get_settings() -> Settings:
    return Settings()
'''
    )
    chat = b'''from openai import OpenAI

from app.core.config import get_settings

client = OpenAI()


def answer(q):
    settings = get_settings()
    return client.chat.completions.create(model=settings.chat_model, messages=[{"role": "user", "content": q}])


def embed(text):
    return client.embeddings.create(model=get_settings().embedding_model, input=text)
'''
    files = {
        "app/__init__.py": b"",
        "app/core/__init__.py": b"",
        "app/core/config.py": config.replace(b"from enum import Enum", b"from enum import Enum\nfrom functools import lru_cache"),
        "app/services/__init__.py": b"",
        "app/services/chat.py": chat,
    }
    repo = make_repo(tmp_path, files)
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    assert '+    chat_model: str = "qwen-flash"' in diffs["app/core/config.py"], diffs
    assert '+    embedding_model: str = Field("text-embedding-v4"' in diffs["app/core/config.py"]
    assert any("CHAT_MODEL" in d["message"] for d in doc["diagnostics"] if d["severity"] == "warning")
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]
    # a factory that makes its instance with values of its own is not followed
    files["app/core/config.py"] = files["app/core/config.py"].replace(
        b"    return Settings()", b"    return Settings(_env_file='.env')"
    )
    (tmp_path / "again").mkdir()
    doc = apply(make_repo(tmp_path / "again", files), "--dry-run")
    assert "app/core/config.py" not in {f["path"] for f in doc["files"]}
    assert len([d for d in doc["diagnostics"] if d["severity"] == "manual"]) == 2, doc["diagnostics"]


def test_an_instance_given_its_own_values_is_not_mapped(tmp_path: Path):
    files = project()
    files["app/core/config.py"] = CONFIG.replace(b"settings = Settings()", b'settings = Settings(chat_model="gpt-4.1")')
    repo = make_repo(tmp_path, files)
    doc = apply(repo, "--dry-run")
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    # (an instance made with values of its own may not keep any default: neither field is mapped)
    assert "+    chat_model" not in diffs["app/core/config.py"] and "+    embedding_model" not in diffs["app/core/config.py"]
    assert any(d["line"] == 11 and "settings.chat_model" in d["message"] for d in doc["diagnostics"]), doc["diagnostics"]
