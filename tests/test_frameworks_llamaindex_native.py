"""LlamaIndex's global settings and its providers' own classes (issue #16).

``Settings.llm = OpenAI(...)`` / ``Settings.embed_model = OpenAIEmbedding(...)`` and
``ServiceContext.from_defaults(llm=OpenAI(...))`` are constructions like any other: the compat rules
rewrite them where they stand (fixtures/cases/llamaindex-settings), and what reads the
settings afterwards (``Settings.llm.complete(...)``, ``index.as_query_engine()``) holds no OpenAI
name of its own: scan counts the constructions once each and `migrator check` passes on the result.

On native plans, a construction whose every keyword the provider's own LlamaIndex class takes moves
to it (kwargs_within), and the migrated object is built with the real, pinned class and asked for an
answer by the fake provider in tests/fakes; any other stays on the compat rewrite and says why.
DashScope's LlamaIndex LLM is never a target: llama-index-llms-dashscope pins dashscope==1.22.2.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from migrator.testing import fixture_case
from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from tests import equivalence as eq
from tests.fakes.server import FakeServer
from tests.test_apply_cli import branch_file, git, make_repo, run as cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FAKE_KEY = {"dashscope": "sk-provider-f3a9", "zhipu": "id123.secretf3a9"}


def _settings_app() -> bytes:
    return fixture_case(FIXTURES, "dashscope", "compat", "llamaindex-settings").input.read_bytes()


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_settings_constructions_are_counted_moved_and_pass_check(tmp_path, plan):
    repo = make_repo(tmp_path, {"app.py": _settings_app()})
    scanned = json.loads(cli("scan", ".", "--format", "json", "--no-cache", cwd=repo).stdout)
    built = [f for f in scanned["findings"] if f["kind"] == "framework" and f.get("form") == "construct"]
    # Settings.llm = ..., Settings.embed_model = ..., and both inside ServiceContext.from_defaults: four,
    # and nothing for Settings.llm.complete(...) or the index, which name no OpenAI class
    assert sorted((f["line"], f["symbol"].rsplit(".", 1)[1]) for f in built) == [
        (6, "OpenAI"),
        (7, "OpenAIEmbedding"),
        (10, "OpenAI"),
        (10, "OpenAIEmbedding"),
    ]
    done = cli("apply", "--provider", "dashscope", "--plan", plan, cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    branch = f"migrator/dashscope-{plan}"
    expected = fixture_case(FIXTURES, "dashscope", plan, "llamaindex-settings").expected
    # the CLI wraps the long ServiceContext line; the code is the fixture's
    assert ast.dump(ast.parse(branch_file(repo, branch, "app.py"))) == ast.dump(ast.parse(expected.read_bytes()))
    git(repo, "checkout", "-q", branch)
    checked = cli("check", cwd=repo)
    assert checked.returncode == 0 and "No new findings" in checked.stdout, checked.stdout


# ------------------------------------------------------------------ native classes on native plans

PACKS = load_all([])


def migrate(provider: str, source: str, plan: str = "native"):
    result = migrate_source(source, "m.py", select(PACKS, provider, plan))
    assert result.error is None, result.error
    return result


def run_native(code: str, provider: str, monkeypatch, srv: FakeServer) -> dict:
    """Execute migrated code with the real llama_index classes, the provider's SDK pointed at ``srv``."""
    if provider == "dashscope":  # read by dashscope.TextEmbedding at each call
        dashscope = pytest.importorskip("dashscope")
        monkeypatch.setattr(dashscope, "base_http_api_url", srv.env()["DASHSCOPE_HTTP_BASE_URL"])
    for key, value in {**srv.env(), eq.SDK_KEY_VARS[provider][0]: FAKE_KEY[provider], "OPENAI_API_KEY": "sk-openai-0000"}.items():
        monkeypatch.setenv(key, value)
    namespace: dict = {}
    exec(compile(code, "migrated.py", "exec"), namespace)
    return namespace


def test_migrated_embeddings_answer_through_dashscope_embedding(monkeypatch):
    pytest.importorskip("llama_index.embeddings.dashscope")
    code = migrate("dashscope", fixture_case(FIXTURES, "dashscope", "native", "llamaindex-embeddings").input.read_text()).output
    with FakeServer("dashscope") as srv:
        ns = run_native(code, "dashscope", monkeypatch, srv)
        for name in ("embed_model", "default_embed"):
            emb = ns[name]
            assert type(emb).__name__ == "DashScopeEmbedding" and emb.embed_batch_size == 10
            vectors = emb.get_text_embedding_batch([f"text {i}" for i in range(12)])
            assert len(vectors) == 12 and all(vectors), name
            assert emb.get_query_embedding("red")
        sent = [q.json for q in srv.requests]
    assert all(q.status == 200 for q in srv.requests)
    assert all(q.authorization and FAKE_KEY["dashscope"] in q.authorization for q in srv.requests)
    # at most 10 texts a call (v3/v4) and the mapped models (the class nests text_type under
    # parameters.kwargs, where the service does not read it: documents and queries embed alike)
    assert max(len(b["input"]["texts"]) for b in sent) == 10
    assert {b["model"] for b in sent} == {"text-embedding-v4", "text-embedding-v2"}


def test_an_embedding_keyword_dashscope_lacks_keeps_openai_embedding():
    result = migrate(
        "dashscope",
        "from llama_index.embeddings.openai import OpenAIEmbedding\n"
        "emb = OpenAIEmbedding(model='text-embedding-3-small', dimensions=256)\n",
    )
    assert "DashScopeEmbedding(" not in result.output and "OpenAIEmbedding(model_name=" in result.output
    [hybrid] = [d.message for d in result.diagnostics if d.rule == "migrator/hybrid"]
    assert "DashScopeEmbedding takes only" in hybrid


def test_the_dashscope_llm_stays_on_openai_like_and_says_why():
    """llama-index-llms-dashscope pins dashscope==1.22.2, not installable next to the plan's 2.x."""
    result = migrate("dashscope", fixture_case(FIXTURES, "dashscope", "native", "llamaindex").input.read_text())
    assert "OpenAILike(" in result.output and "llama_index.llms.dashscope" not in result.output
    hybrids = [d.message for d in result.diagnostics if d.rule == "migrator/hybrid"]
    assert len(hybrids) == 2 and all("requires dashscope==1.22.2" in m for m in hybrids)


def test_native_apply_declares_the_llama_index_package(tmp_path):
    app = b"from llama_index.embeddings.openai import OpenAIEmbedding\n\nemb = OpenAIEmbedding(model='text-embedding-3-small')\n"
    requirements = b"llama-index-core==0.14.25\nllama-index-embeddings-openai==0.7.0\n"
    repo = make_repo(tmp_path, {"app.py": app, "requirements.txt": requirements})
    done = cli("apply", "--provider", "dashscope", "--plan", "native", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    branch = "migrator/dashscope-native"
    assert b"DashScopeEmbedding(" in branch_file(repo, branch, "app.py")
    # (llama-index-embeddings-openai, which no code imports any more, leaves it)
    assert branch_file(repo, branch, "requirements.txt") == (
        b"llama-index-core==0.14.25\ndashscope==2.0.2\nllama-index-embeddings-dashscope==0.6.0\n"
    )


def test_migrated_llm_answers_through_zhipuai(monkeypatch):
    pytest.importorskip("llama_index.llms.zhipuai")
    from llama_index.core.llms import ChatMessage

    code = migrate("zhipu", fixture_case(FIXTURES, "zhipu", "native", "llamaindex-native-kept").input.read_text()).output
    monkeypatch.setenv("CHAT_MODEL", "glm-4-air")
    code = code.replace("from llama_index.llms.openai_like import OpenAILike\n", "OpenAILike = dict\n")  # not installable here
    with FakeServer("zhipu") as srv:
        ns = run_native(code, "zhipu", monkeypatch, srv)
        llm = ns["creative"]
        assert type(llm).__name__ == "ZhipuAI"
        assert llm.metadata.context_window == 128_000  # a model its table knows: no ValueError
        reply = llm.chat([ChatMessage(role="user", content="Name three primary colours.")])
        assert reply.message.content
        assert llm.complete("Name three primary colours.").text
        requests = srv.requests
    assert len(requests) == 2 and all(q.status == 200 for q in requests)
    body = requests[0].json
    assert body["model"] == "glm-4-plus" and body["temperature"] == 1.0 and body["max_tokens"] == 4096
    assert all(q.authorization for q in requests)


def test_zhipu_llm_defaults_are_openai_s():
    """ZhipuAI's own defaults (temperature 0.95, max_tokens 1024) would change the replies."""
    out = migrate("zhipu", "from llama_index.llms.openai import OpenAI\nllm = OpenAI(model='gpt-4o-mini')\n").output
    assert 'ZhipuAI(model="glm-4-flash"' in out.replace("'", '"')
    assert "temperature=0.1" in out and "max_tokens=4096" in out


def test_a_user_mapping_outside_zhipuai_s_table_keeps_openai_like():
    """models_within reads the model after the user's [tool.migrator.models] mapping too."""
    source = "from llama_index.llms.openai import OpenAI\nllm = OpenAI(model='gpt-4o')\n"
    mapped = migrate_source(source, "m.py", select(PACKS, "zhipu", "native", models={"gpt-4o": "glm-4.5"}))
    assert "ZhipuAI(" not in mapped.output and 'OpenAILike(model="glm-4.5"' in mapped.output.replace("'", '"')
    assert any("outside its table" in d.message for d in mapped.diagnostics if d.rule == "migrator/hybrid")


def test_models_within_is_refused_outside_framework_constructions(tmp_path):
    from migrator.ruleset import load_file

    pack = (Path(__file__).resolve().parent.parent / "rules" / "zhipu.yaml").read_text()
    old = "      symbol: llama_index.llms.openai.OpenAI\n      kwargs_within: [model, temperature, max_tokens, timeout, api_key, callback_manager]\n      models_within:"
    assert old in pack
    bad = tmp_path / "zhipu.yaml"
    bad.write_text(
        pack.replace(old, "      symbol: llama_index.llms.openai.OpenAI\n      models_within:", 1).replace(
            "      kind: framework\n      symbol: llama_index.llms.openai.OpenAI\n      models_within:",
            "      kind: client\n      symbol: llama_index.llms.openai.OpenAI\n      models_within:",
            1,
        )
    )
    problems: list = []
    load_file(bad, problems)
    assert any("match.models_within is for kind: framework only" in p and "zhipu.yaml:" in p for p in problems), problems
