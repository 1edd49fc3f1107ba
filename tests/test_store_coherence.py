"""The vectors of one store come from one provider (review 6 F2).

chromadb's OpenAIEmbeddingFunction (an openai client inside chromadb) embeds a collection's query
texts; the project's own ``embeddings.create`` calls often store the documents' vectors in that
collection.  The function is pointed at the provider where a rule can (every pack with an
OpenAI-compatible embeddings endpoint, compat plan; native plans through the compat fallback), and
an OpenAI embedding wrapper left talking to OpenAI keeps the embeddings calls of its module there
too (engine/unit.py build_units).  Whole files: fixtures/cases/chromadb-store{,-left}; runtime:
tests/test_review6.py (F2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrator.engine import migrate_source
from tests.test_frameworks import EMBEDDINGS, ruleset


def _migrate(source: str, provider: str = "dashscope", plan: str = "compat"):
    result = migrate_source(source, "m.py", ruleset(provider, plan))
    assert result.error is None, result.error
    return result


IMPORTS = {
    "from-package": (
        "from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction\n",
        "OpenAIEmbeddingFunction",
    ),
    "module-attribute": ("from chromadb.utils import embedding_functions\n", "embedding_functions.OpenAIEmbeddingFunction"),
    "module-alias": ("import chromadb.utils.embedding_functions as ef\n", "ef.OpenAIEmbeddingFunction"),
    "submodule": (
        "from chromadb.utils.embedding_functions.openai_embedding_function import OpenAIEmbeddingFunction as F\n",
        "F",
    ),
}


@pytest.mark.parametrize("provider", EMBEDDINGS)
@pytest.mark.parametrize("form", sorted(IMPORTS))
def test_every_import_path_of_the_function_is_pointed_at_the_provider(provider: str, form: str):
    header, name = IMPORTS[form]
    source = header + f'ef_ = {name}(api_key="sk-proj-abcdefabcdef1234", model_name="text-embedding-3-small")\n'
    out = _migrate(source, provider).output
    assert "api_base=" in out and ruleset(provider).vars["api_key_env"] in out, out
    assert "sk-proj" not in out and "text-embedding-3-small" not in out, out


def test_a_key_that_may_be_none_cannot_become_openai_s():
    """Given api_key=None, chromadb 1.3.5's function reads OPENAI_API_KEY itself (before its
    CHROMA_OPENAI_API_KEY): a value None may reach falls back to the provider's variable."""
    source = (
        "from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction\n\n\n"
        "def make(key=None):\n    return OpenAIEmbeddingFunction(api_key=key)\n"
    )
    out = _migrate(source).output
    assert 'api_key=key or os.environ["DASHSCOPE_API_KEY"]' in out, out


LEFT_WRAPPERS = {
    # dimensions=: chromadb 1.x sends it only for text-embedding-3 names (no rule moves it)
    "chromadb-dimensions": (
        "from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction\n",
        'OpenAIEmbeddingFunction(model_name="text-embedding-3-small", dimensions=256)',
        "OpenAIEmbeddingFunction",
    ),
    # langchain_community's class sends token ids: left for a person on DashScope
    "langchain-community": (
        "from langchain_community.embeddings import OpenAIEmbeddings\n",
        'OpenAIEmbeddings(model="text-embedding-3-small")',
        "OpenAIEmbeddings",
    ),
}


@pytest.mark.parametrize("wrapper", sorted(LEFT_WRAPPERS))
def test_a_wrapper_left_on_openai_keeps_its_module_s_embeddings_calls_there(wrapper: str):
    header, construction, name = LEFT_WRAPPERS[wrapper]
    calls = (
        "from openai import OpenAI\n\nclient = OpenAI()\n"
        f"store = {construction}\n\n\n"
        "def embed(texts):\n"
        '    return client.embeddings.create(input=texts, model="text-embedding-3-small").data\n'
    )
    source = header + calls
    result = _migrate(source)
    assert "client = OpenAI()\n" in result.output, result.output
    assert 'client.embeddings.create(input=texts, model="text-embedding-3-small").data' in result.output, result.output
    [left] = [d for d in result.diagnostics if d.rule == "migrator/unit"]
    assert left.severity == "manual"
    assert f"line 5: the {name} built here embeds at OpenAI" in left.message, left.message
    # a module whose client makes no embeddings call is not held by the wrapper
    chat = calls.replace(
        'embeddings.create(input=texts, model="text-embedding-3-small").data',
        'chat.completions.create(model="gpt-4o", messages=texts)',
    )
    assert "DASHSCOPE_API_KEY" in _migrate(header + chat).output
    # nor is one whose wrapper names another server
    elsewhere = source.replace(construction, 'OpenAIEmbeddingFunction(api_base="http://localhost:11434/v1", model_name="nomic")')
    elsewhere = elsewhere.replace(header, "from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction\n")
    moved = _migrate(elsewhere).output
    assert "DASHSCOPE_API_KEY" in moved and "localhost:11434" in moved, moved


def test_scan_counts_what_apply_leaves(tmp_path: Path):
    """scan's readiness predicts apply's outcome: the function left on OpenAI, the client whose
    embeddings it may share a store with, and that client's chat call are a person's."""
    from tests.test_apply_cli import make_repo, run
    from tests.test_project import apply

    source = (Path(__file__).resolve().parent.parent / "fixtures/cases/chromadb-store-left/input.py").read_bytes()
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/store.py": source})
    doc = apply(repo, "--dry-run")
    assert not [f for f in doc["files"] if f["path"] == "app/store.py"], doc["files"]
    left = [d for d in doc["diagnostics"] if d["rule"] == "migrator/unit" and d["severity"] == "manual"]
    assert len(left) == 1 and "OpenAIEmbeddingFunction built here embeds at OpenAI" in left[0]["message"], left
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
    assert row["manual"] == 3 and row["automatic"] + row["with_diagnostics"] == 1, row  # (the wrapper at Ollama)
