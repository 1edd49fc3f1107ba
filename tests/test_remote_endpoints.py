"""Endpoints from settings another module defines (#15): ``OpenAI(base_url=settings.llm_base_url,
api_key=settings.llm_api_key)`` with ``from app.config import settings`` and a settings field that
is unset by default (``Optional[str] = None``, ``os.getenv("LLM_BASE_URL")``).  Unset, the client
talked to OpenAI: compat keeps the setting and gives it the provider's default, and keeps the
key setting only where the endpoint setting names a server (a key configured beside an unset
endpoint was OpenAI's).  Proven by running the migrated package with the real openai SDK and
pydantic-settings against the provider's fake, OpenAI's variables on a trap
(analyzer/project.py ``endpoint_definitions``, ops ``set_kwarg``'s ``paired_kwargs``)."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Dict

from migrator.analyzer.python import unset_by_default, written_default
from tests.test_apply_cli import git, make_repo, run

CONFIG = b'''from typing import Optional

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    llm_base_url: Optional[str] = None
    llm_api_key: Optional[str] = None
    chat_model: str = "gpt-4o-mini"
    embedding_model: str = "text-embedding-3-small"


settings = Settings()
'''

LLM = b'''from openai import OpenAI

from app.config import settings

client = OpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key)


def ask(question):
    reply = client.chat.completions.create(model=settings.chat_model, messages=[{"role": "user", "content": question}])
    return reply.choices[0].message.content
'''

SEARCH = b'''from app.config import settings
from app.llm import client


def embed(text):
    return len(client.embeddings.create(model=settings.embedding_model, input=text).data[0].embedding)
'''

MAIN = '''from app.llm import ask
from app.search import embed

print(ask("hello"), embed("hello"))
'''

CLIENT = (
    b'client = OpenAI(\n'
    b'    base_url=settings.llm_base_url or os.environ.get("DASHSCOPE_COMPATIBLE_BASE_URL", '
    b'"https://dashscope.aliyuncs.com/compatible-mode/v1"),\n'
    b'    api_key=settings.llm_api_key if settings.llm_base_url else os.environ["DASHSCOPE_API_KEY"],\n'
    b')\n'
)


def project(config: bytes = CONFIG) -> Dict[str, bytes]:
    return {"app/__init__.py": b"", "app/config.py": config, "app/llm.py": LLM, "app/search.py": SEARCH}


def apply(repo: Path, *args: str, provider: str = "dashscope") -> dict:
    proc = run("apply", "--provider", provider, "--format", "json", "--yes", *args, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_written_default_finds_what_a_setting_is_unset_by():
    tree = ast.parse(CONFIG.decode())
    found = written_default(tree, CONFIG.decode(), ["settings", "llm_base_url"])
    assert found is not None and unset_by_default(found[0]) and found[3] == "LLM_BASE_URL"
    assert not unset_by_default(written_default(tree, CONFIG.decode(), ["settings", "chat_model"])[0])
    module = (
        'import os\nBASE = os.getenv("LLM_BASE_URL")\nREQUIRED = os.environ["LLM_BASE_URL"]\nURL = os.getenv("X", "http://h")\n'
    )
    tree = ast.parse(module)
    assert unset_by_default(written_default(tree, module, ["BASE"])[0])
    assert not unset_by_default(written_default(tree, module, ["REQUIRED"])[0])
    assert not unset_by_default(written_default(tree, module, ["URL"])[0])
    required = CONFIG.replace(b"llm_base_url: Optional[str] = None", b"llm_base_url: str")
    assert written_default(ast.parse(required), required.decode(), ["settings", "llm_base_url"]) is None


def test_a_client_configured_from_settings_moves_with_its_default_and_never_sends_a_configured_key_to_the_provider(
    tmp_path: Path,
):
    from tests.equivalence import FakeServer, run_package, test_key

    repo = make_repo(tmp_path, project())
    doc = apply(repo)
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    llm = (migrated / "app/llm.py").read_bytes()
    assert CLIENT in llm and llm.startswith(b"import os\n\nfrom openai import OpenAI\n"), llm.decode()
    assert b'chat_model: str = "qwen-flash"' in (migrated / "app/config.py").read_bytes()
    messages = [d["message"] for d in doc["diagnostics"] if d["path"] == "app/llm.py"]
    assert any("LLM_BASE_URL" in m for m in messages) and any("settings.llm_api_key" in m for m in messages), messages
    # the branch passes the check apply recorded, and a second run changes nothing
    check = run("check", cwd=migrated)
    assert check.returncode == 0, check.stdout + check.stderr
    again = run("apply", "--provider", "dashscope", "--format", "json", "--dry-run", cwd=migrated)
    assert again.returncode == 0 and json.loads(again.stdout)["files"] == [], again.stdout
    # the deployment still holds the OpenAI key it used with the unset endpoint: it must not reach
    # the provider, which gets its own key
    deployed = {"LLM_API_KEY": "sk-openai-configured"}
    done, sent, trapped = run_package(tmp_path, "dashscope", migrated, MAIN, llm.decode(), deployed)
    assert done.returncode == 0, done.tail()
    assert trapped == [] and [r.json["model"] for r in sent] == ["qwen-flash", "text-embedding-v4"]
    assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent), [r.authorization for r in sent]
    # a deployment that names its own server keeps it, with its own key
    with FakeServer("openai") as gateway:
        chosen = {"LLM_BASE_URL": gateway.base_url(), "LLM_API_KEY": "gateway-key"}
        done, sent, trapped = run_package(tmp_path, "dashscope", migrated, MAIN, llm.decode(), chosen)
        assert done.returncode == 0, done.tail()
        assert sent == [] and trapped == [] and len(gateway.requests) == 2
        assert all(r.authorization == "Bearer gateway-key" for r in gateway.requests)


def test_a_native_plan_serves_a_settings_endpoint_with_the_compat_rules_and_maps_its_model_with_them(tmp_path: Path):
    repo = make_repo(tmp_path, project())
    doc = apply(repo, "--plan", "native", provider="zhipu")
    assert doc["summary"]["files_failed"] == 0 and not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    llm = (migrated / "app/llm.py").read_text()
    assert (
        'os.environ.get("ZHIPUAI_BASE_URL"' in llm
        and 'settings.llm_api_key if settings.llm_base_url else os.environ["ZHIPUAI_API_KEY"]' in llm
    )
    # the calls keep the openai SDK, so the model default they read is mapped with them
    assert 'chat_model: str = "glm-4-flash"' in (migrated / "app/config.py").read_text()
    assert any(d["rule"] == "migrator/hybrid" and d["path"] == "app/llm.py" for d in doc["diagnostics"])
    # scan predicts it
    scan = json.loads(run("scan", "--format", "json", cwd=repo).stdout)
    row = next(r for r in scan["readiness"] if r["provider"] == "zhipu" and r["plan"] == "native")
    assert row["manual"] == 0 and any("hybrid" in r for r in row["reasons"]), row


def test_a_setting_that_is_not_unset_by_default_is_left_with_the_client_and_reported(tmp_path: Path):
    for number, changed in enumerate(
        (
            CONFIG.replace(b"llm_base_url: Optional[str] = None", b'llm_base_url: str = "http://localhost:11434/v1"'),
            CONFIG.replace(b"llm_base_url: Optional[str] = None", b"llm_base_url: str"),
            CONFIG.replace(b"settings = Settings()", b'settings = Settings(llm_base_url="https://api.openai.com/v1")'),
        )
    ):
        (tmp_path / str(number)).mkdir()
        repo = make_repo(tmp_path / str(number), project(changed))
        doc = apply(repo, "--dry-run")
        assert "app/llm.py" not in doc["files"], (changed, doc["files"])
        assert any(d["path"] == "app/llm.py" and d["severity"] == "manual" for d in doc["diagnostics"]), doc["diagnostics"]


def test_settings_made_in_the_module_of_the_client_are_followed_too(tmp_path: Path):
    source = (
        b'import os\nfrom dataclasses import dataclass\nfrom typing import Optional\n\nfrom openai import OpenAI\n\n'
        b'BASE_URL = os.getenv("LLM_BASE_URL")\n\n\n@dataclass\nclass Config:\n    base_url: Optional[str] = None\n'
        b'    api_key: Optional[str] = None\n\n\nconfig = Config()\n'
        b'client = OpenAI(base_url=config.base_url, api_key=config.api_key)\nother = OpenAI(base_url=BASE_URL)\n\n\n'
        b'def ask(q):\n    return client.chat.completions.create(model="gpt-4o", messages=[])\n\n\n'
        b'def ask2(q):\n    return other.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    repo = make_repo(tmp_path, {"app.py": source})
    doc = apply(repo, provider="deepseek")
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    text = (migrated / "app.py").read_text()
    assert 'base_url=config.base_url or os.environ.get("DEEPSEEK_BASE_URL", "https://api.deepseek.com")' in text, text
    assert 'api_key=config.api_key if config.base_url else os.environ["DEEPSEEK_API_KEY"]' in text, text
    assert 'base_url=BASE_URL or os.environ.get("DEEPSEEK_BASE_URL", "https://api.deepseek.com")' in text, text
    assert text.count('model="deepseek-chat"') == 2
    assert run("check", cwd=migrated).returncode == 0


def test_a_client_whose_endpoint_a_value_decides_is_reported_by_apply_with_why_under_both_plans(tmp_path: Path):
    source = (
        b'from openai import OpenAI\n\nfrom app.util import get_url\n\nclient = OpenAI(base_url=get_url())\n\n\n'
        b'def ask(q):\n    return client.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    repo = make_repo(tmp_path, {"app.py": source})
    for plan in ("compat", "native"):
        doc = apply(repo, "--dry-run", "--plan", plan)
        left = [d for d in doc["diagnostics"] if d["severity"] == "manual" and d["line"] == 5]
        assert [d["rule"] for d in left] == ["migrator/unit"] and "set at run time" in left[0]["message"], (
            plan,
            doc["diagnostics"],
        )
        assert doc["files"] == []


def test_a_native_plan_never_serves_a_client_whose_key_an_openai_read_kept_for_another_client_may_feed(tmp_path: Path):
    # camel-ai's shape: the key is read from OPENAI_API_KEY into self._api_key; an Azure client in
    # another module stays on OpenAI, so that read stays; the fallback plan pointed the client at
    # the provider with it and the self-check had to refuse the file
    emb = (
        b'import os\nfrom typing import Optional\n\nfrom openai import OpenAI\n\n\nclass Embedder:\n'
        b'    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None) -> None:\n'
        b'        self._api_key = api_key or os.environ.get("OPENAI_API_KEY")\n'
        b'        self._url = url or os.environ.get("OPENAI_API_BASE_URL")\n'
        b'        self.client = OpenAI(base_url=self._url, api_key=self._api_key)\n\n'
        b'    def embed(self, text: str):\n'
        b'        return self.client.embeddings.create(input=[text], model="text-embedding-3-small").data[0].embedding\n'
    )
    azure = (
        b'import os\nfrom typing import Optional\n\nfrom openai import AzureOpenAI\n\n\nclass AzureEmbedder:\n'
        b'    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None) -> None:\n'
        b'        self._api_key = api_key or os.environ.get("AZURE_OPENAI_API_KEY")\n'
        b'        self._url = url or os.environ.get("AZURE_OPENAI_BASE_URL")\n'
        b'        self.client = AzureOpenAI(api_key=self._api_key, api_version="2024-06-01", azure_endpoint=str(self._url))\n'
    )
    repo = make_repo(tmp_path, {"pkg/__init__.py": b"", "pkg/emb.py": emb, "pkg/azure.py": azure})
    doc = apply(repo, "--dry-run", "--plan", "native")
    assert doc["summary"]["files_failed"] == 0 and doc["summary"]["self_check_refusals"] == 0, doc["errors"]
    assert "pkg/emb.py" not in doc["files"]
    left = [
        d for d in doc["diagnostics"] if d["path"] == "pkg/emb.py" and d["rule"] == "migrator/unit" and d["severity"] == "manual"
    ]
    assert left and "line 11" in left[0]["message"], doc["diagnostics"]
