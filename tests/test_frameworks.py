"""LangChain's OpenAI classes on every provider's compat plan (issue #16).

Every import path of a class is one symbol to the rules (migrator/analyzer/symbols.py
FRAMEWORK_CLASSES); the migrated code is run against the real, pinned langchain-openai and
langchain-community constructors, so a keyword the rules write that the class does not take (or
takes under another name) fails here, not in the user's program.  Whole-file before/after cases
are fixtures/cases/langchain-{paths,embeddings,reported}."""

from __future__ import annotations

import sys
import textwrap
import types
import warnings
from pathlib import Path

import pytest

from migrator.testing import fixture_case
from migrator.analyzer import symbols as sym
from migrator.analyzer.python import analyze_python
from migrator.engine import migrate_source
from migrator.engine.selfcheck import disagreements
from migrator.ruleset import load_all, select

PACKS = load_all([])
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
COMPAT = ["dashscope", "qianfan", "hunyuan", "zhipu", "ark", "deepseek", "moonshot"]
EMBEDDINGS = ["dashscope", "qianfan", "hunyuan", "zhipu", "ark"]  # deepseek and moonshot have none
ARK_MODELS = {
    "gpt-4o": "doubao-seed-1-6-251015",
    "gpt-4o-mini": "doubao-seed-1-6-flash-250828",
    "gpt-3.5-turbo": "doubao-seed-1-6-flash-250828",
    "text-embedding-3-small": "doubao-embedding-text-240715",
    "text-embedding-ada-002": "doubao-embedding-text-240715",
}


def ruleset(provider: str, plan: str = "compat"):
    return select(PACKS, provider, plan, models=ARK_MODELS if provider == "ark" else None)


# ------------------------------------------------------------------ one symbol per class


@pytest.mark.parametrize("path", sorted(sym.FRAMEWORK_CLASSES))
def test_every_import_path_is_named_by_the_class_it_is(path):
    module, _, name = path.rpartition(".")
    analysis = analyze_python(f"from {module} import {name} as K\nx = K(model='gpt-4o')\n", "m.py")
    [construct] = [f for f in analysis.findings if f.kind == "framework" and f.line == 2]
    assert construct.symbol == sym.FRAMEWORK_CLASSES[path]


@pytest.mark.parametrize("provider", COMPAT)
@pytest.mark.parametrize("path", [p for p, c in sym.FRAMEWORK_CLASSES.items() if c.endswith("ChatOpenAI") and "Azure" not in c])
def test_every_chat_path_is_rewritten(provider, path):
    module, _, name = path.rpartition(".")
    source = f"from {module} import {name}\nllm = {name}(model='gpt-4o')\n"
    result = migrate_source(source, "m.py", ruleset(provider))
    assert result.error is None and result.output != source
    url_kw = "base_url=" if path.startswith("langchain_openai") else "openai_api_base="
    assert url_kw in result.output and "gpt-4o" not in result.output


def test_the_self_check_knows_the_legacy_classes():
    """A provider key next to OpenAI's endpoint is a disagreement for the old paths too."""
    source = textwrap.dedent('''
        import os
        from langchain.chat_models import ChatOpenAI
        llm = ChatOpenAI(model="qwen-plus", openai_api_key=os.environ["DASHSCOPE_API_KEY"])
    ''')
    assert [d.kind for d in disagreements(source, ruleset("dashscope"))] == ["key"]


# ------------------------------------------------------------------ the real constructors


def _run(code: str, env: dict, monkeypatch) -> dict:
    """Execute migrated module code with the real packages; the old ``langchain.chat_models``
    path (langchain < 1.0, not installable next to langchain-openai 1.x) is the community class."""
    pytest.importorskip("langchain_openai")
    community = pytest.importorskip("langchain_community.chat_models.openai")
    for name in ("langchain", "langchain.chat_models"):
        monkeypatch.setitem(sys.modules, name, sys.modules.get(name) or types.ModuleType(name))
    monkeypatch.setattr(sys.modules["langchain.chat_models"], "ChatOpenAI", community.ChatOpenAI, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "migrated.py", "exec"), namespace)
    return namespace


def _base(obj) -> str:
    return str(obj.openai_api_base)


def _key(obj) -> str:
    key = obj.openai_api_key
    return key.get_secret_value() if hasattr(key, "get_secret_value") else str(key)


def _built(provider: str, case: str, names, monkeypatch) -> dict:
    """Migrate the fixture's input, run it, and check that each named object talks to the
    provider with the provider's key."""
    rs = ruleset(provider)
    source = fixture_case(FIXTURES, provider, "compat", case).input.read_text()
    result = migrate_source(source, "input.py", rs)
    assert result.error is None
    url = rs.vars["base_url"].rstrip("/")
    ns = _run(result.output, {rs.vars["api_key_env"]: "provider-key-f3a9", "OPENAI_API_KEY": "sk-openai-0000"}, monkeypatch)
    for name in names:
        assert _base(ns[name]).rstrip("/").startswith(url), (name, _base(ns[name]))
        assert _key(ns[name]) == "provider-key-f3a9", name
    return ns


@pytest.mark.parametrize("provider", COMPAT)
def test_migrated_chat_classes_are_built_for_the_provider(provider, monkeypatch):
    names = ("chat", "default_chat", "mini", "legacy", "community")
    ns = _built(provider, "langchain-paths", names, monkeypatch)
    for name in names:
        assert not str(ns[name].model_name).startswith("gpt-"), (name, ns[name].model_name)
    assert ns["chat"].openai_organization is None  # the OpenAI-only organization header is gone
    assert ns["chat"].openai_organization is None  # the OpenAI organization header is gone


@pytest.mark.parametrize("provider", EMBEDDINGS)
def test_migrated_embeddings_send_raw_text_to_the_provider(provider, monkeypatch):
    ns = _built(provider, "langchain-embeddings", ("default_embeddings", "small"), monkeypatch)
    for obj in (ns["default_embeddings"], ns["small"]):
        assert obj.check_embedding_ctx_length is False
        assert not obj.model.startswith("text-embedding-3") and obj.model != "text-embedding-ada-002"


@pytest.mark.parametrize("provider", COMPAT)
def test_classes_without_a_faithful_rewrite_are_left_and_reported(provider):
    source = fixture_case(FIXTURES, provider, "compat", "langchain-reported").input.read_text()
    result = migrate_source(source, "input.py", ruleset(provider))
    rules = {d.rule.split("/", 1)[1] for d in result.diagnostics if d.severity == "manual"}
    assert {"langchain-completions-llm", "langchain-azure"} <= rules
    code = "\n".join(line for line in result.output.splitlines() if not line.lstrip().startswith("#"))
    assert code == "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))


# ------------------------------------------------------------------ LlamaIndex


@pytest.mark.parametrize("provider", COMPAT)
def test_llamaindex_openai_becomes_openai_like_on_the_provider(provider, monkeypatch):
    """llama_index's OpenAI raises "Unknown model" for a non-OpenAI name; OpenAILike (same
    arguments, is_chat_model=True) does not.  Running the result needs llama-index-llms-openai-like,
    whose llama-index-llms-openai pins openai<3, so it cannot share tests/requirements-providers.txt
    (openai==3.57.0): the next test skips there and runs where it is installed."""
    rs = ruleset(provider)
    source = fixture_case(FIXTURES, provider, "compat", "llamaindex").input.read_text()
    result = migrate_source(source, "input.py", rs)
    assert result.error is None
    assert "from llama_index.llms.openai_like import OpenAILike" in result.output
    assert "from llama_index.llms.openai import" not in result.output  # the old import went with its last use
    assert result.output.count("is_chat_model=True") == 2
    assert migrate_source(result.output, "input.py", rs).output == result.output


@pytest.mark.parametrize("provider", COMPAT)
def test_migrated_llamaindex_llm_is_built_for_the_provider(provider, monkeypatch):
    pytest.importorskip("llama_index.llms.openai_like")
    rs = ruleset(provider)
    source = fixture_case(FIXTURES, provider, "compat", "llamaindex").input.read_text()
    result = migrate_source(source, "input.py", rs)
    monkeypatch.setenv(rs.vars["api_key_env"], "provider-key-f3a9")
    ns: dict = {}
    exec(compile(result.output.replace("reply = llm.chat(", "_ = ("), "migrated.py", "exec"), ns)
    for llm in (ns["llm"], ns["default_llm"]):
        assert llm.api_base.rstrip("/").startswith(rs.vars["base_url"].rstrip("/"))
        assert llm.api_key == "provider-key-f3a9" and llm.metadata.is_chat_model and not llm.model.startswith("gpt-")


def test_a_replaced_class_keeps_its_import_while_the_code_still_names_it():
    source = textwrap.dedent('''
        from llama_index.llms.openai import OpenAI
        llm = OpenAI(model="gpt-4o")
        assert isinstance(llm, OpenAI)
    ''').lstrip()
    result = migrate_source(source, "m.py", ruleset("deepseek"))
    assert result.error is None
    assert result.output.startswith(
        "import os\n\nfrom llama_index.llms.openai import OpenAI\nfrom llama_index.llms.openai_like import OpenAILike\n"
    )
    assert 'llm = OpenAILike(model="deepseek-chat"' in result.output and "isinstance(llm, OpenAI)" in result.output


@pytest.mark.parametrize("provider", EMBEDDINGS)
def test_migrated_llamaindex_embeddings_send_the_provider_model(provider, monkeypatch):
    """OpenAIEmbedding checks model= against OpenAI's names and sends model_name= when given
    (llama-index-embeddings-openai 0.7.0); skipped where it is not installed (see above)."""
    rs = ruleset(provider)
    source = fixture_case(FIXTURES, provider, "compat", "llamaindex-embeddings").input.read_text()
    result = migrate_source(source, "input.py", rs)
    assert result.error is None and result.output.count("model_name=") == 2
    pytest.importorskip("llama_index.embeddings.openai")
    monkeypatch.setenv(rs.vars["api_key_env"], "provider-key-f3a9")
    ns: dict = {}
    exec(compile(result.output, "migrated.py", "exec"), ns)
    for emb in (ns["embed_model"], ns["default_embed"]):
        assert emb.api_base.rstrip("/").startswith(rs.vars["base_url"].rstrip("/")) and emb.api_key == "provider-key-f3a9"
        assert emb._text_engine == emb._query_engine == emb.model_name and not emb.model_name.startswith("text-embedding-3")
