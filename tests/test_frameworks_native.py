"""LangChain's OpenAI classes moved to the provider's own LangChain class on native plans (issue #16).

The migrated fixtures (fixtures/cases/langchain*) are executed against the real, pinned
langchain-community classes, and each object is pointed at the fake provider server in
tests/fakes (ChatTongyi/DashScopeEmbeddings through the dashscope SDK's base_http_api_url,
ChatZhipuAI through ZHIPUAI_API_BASE, ZhipuAIEmbeddings through the zhipuai SDK's ZHIPUAI_BASE_URL)
and asked for an answer: a keyword the rules write that the class ignores or rejects fails here.
A ChatOpenAI passing a keyword the native class lacks keeps ChatOpenAI (the compat rule) and says why.
Qianfan's LangChain classes are not a target: they sign with an AK/SK pair on the v1 API and its
native plan has the v2 bearer token, so ChatOpenAI/OpenAIEmbeddings stay on the v2 endpoint, reported.
DeepSeek's native plan keeps the openai SDK for API code (compat's rules) and moves ChatOpenAI to
langchain-deepseek's ChatDeepSeek (through DEEPSEEK_API_BASE to the fake), which keeps
deepseek-reasoner's reasoning_content. Moonshot's MoonshotChat and Hunyuan's ChatHunyuan are not
targets: the tests at the end show why their native plans refuse.

AutoGen's OpenAIChatCompletionClient (autogen-ext 0.7.5) and Haystack's OpenAI generator and
embedders (haystack-ai 3.4.1) are pointed at each provider's compatible endpoint on compat plans:
the migrated fixtures (fixtures/cases/{autogen,haystack}) run against the real packages
and every provider's fake."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from migrator.testing import fixture_case, fixture_cases
from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from tests import equivalence as eq
from tests.fakes.server import FakeServer
from tests.test_frameworks import _run as run_migrated

PACKS = load_all([])
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KEY = {"dashscope": "DASHSCOPE_API_KEY", "zhipu": "ZHIPUAI_API_KEY"}
# a Zhipu key is "<id>.<secret>": ChatZhipuAI signs a JWT with it
FAKE_KEY = {"dashscope": "sk-provider-f3a9", "zhipu": "id123.secretf3a9"}
NATIVE_CHAT = {"dashscope": "ChatTongyi", "zhipu": "ChatZhipuAI"}
NATIVE_EMBED = {"dashscope": "DashScopeEmbeddings", "zhipu": "ZhipuAIEmbeddings"}


def migrate(provider: str, source: str):
    result = migrate_source(source, "m.py", select(PACKS, provider, "native"))
    assert result.error is None, result.error
    return result


def run(code: str, provider: str, monkeypatch, srv: FakeServer) -> dict:
    """Execute migrated code with the real classes (tests/test_frameworks.py's runner, which also
    provides the old langchain.chat_models path), every SDK pointed at ``srv``."""
    pytest.importorskip("langchain_community")
    dashscope = pytest.importorskip("dashscope")
    env = {KEY[provider]: FAKE_KEY[provider], "OPENAI_API_KEY": "sk-openai-0000", **srv.env()}
    if provider == "dashscope":  # read by dashscope.Generation / TextEmbedding at each call
        monkeypatch.setattr(dashscope, "base_http_api_url", srv.env()["DASHSCOPE_HTTP_BASE_URL"])
    if provider == "zhipu":  # ChatZhipuAI posts to this full URL itself
        env["ZHIPUAI_API_BASE"] = srv.base_url() + "/chat/completions"
    return run_migrated(code, env, monkeypatch)


@contextmanager
def running(provider: str, case: str, monkeypatch):
    """The native fixture ``case`` migrated and executed, with its fake server: (namespace, server)."""
    code = migrate(provider, fixture_case(FIXTURES, provider, "native", case).input.read_text()).output
    with FakeServer(provider) as srv:
        yield run(code, provider, monkeypatch, srv), srv


@pytest.mark.parametrize("provider", ["dashscope", "zhipu"])
def test_migrated_chat_models_answer_through_the_native_class(provider, monkeypatch):
    with running(provider, "langchain-paths", monkeypatch) as (ns, srv):
        for name in ("default_chat", "mini"):
            llm = ns[name]
            assert type(llm).__name__ == NATIVE_CHAT[provider], name
            assert not llm.model_name.startswith("gpt-"), llm.model_name
            reply = llm.invoke("Name three primary colours.")
            assert reply.content, name
        sent = [q.json for q in srv.requests if q.status == 200]
    assert len(sent) == 2
    # temperature=0.2 reached the provider (ChatTongyi: through model_kwargs into the SDK call)
    temps = [b.get("temperature", b.get("parameters", {}).get("temperature")) for b in sent]
    assert 0.2 in temps, sent
    # the one that passes an OpenAI-only keyword is still ChatOpenAI, on the compatible endpoint
    assert type(ns["chat"]).__name__ == "ChatOpenAI"
    assert ns["chat"].openai_api_key.get_secret_value() == FAKE_KEY[provider]


@pytest.mark.parametrize("provider", ["dashscope", "zhipu"])
def test_migrated_embeddings_answer_through_the_native_class(provider, monkeypatch):
    with running(provider, "langchain-embeddings", monkeypatch) as (ns, srv):
        for name in ("default_embeddings", "small"):
            emb = ns[name]
            assert type(emb).__name__ == NATIVE_EMBED[provider]
            vectors = emb.embed_documents(["red", "green", "blue"])
            assert len(vectors) == 3 and all(vectors)
            assert emb.embed_query("red")
        assert srv.requests and all(q.status == 200 for q in srv.requests)


@pytest.mark.parametrize("provider", ["dashscope", "zhipu"])
@pytest.mark.parametrize("args", ["timeout=5", "stop=['\\n']", "n=2", "**extra", "base_url=URL"])
def test_a_keyword_the_native_class_lacks_keeps_chat_openai(provider, args):
    source = (
        f"from langchain_openai import ChatOpenAI\nURL = 'http://x'\nextra = {{}}\nllm = ChatOpenAI(model='gpt-4o', {args})\n"
    )
    result = migrate(provider, source)
    assert f"{NATIVE_CHAT[provider]}(" not in result.output  # (a TODO may name the class)
    assert "ChatOpenAI(" in result.output
    if args == "**extra":  # keywords unknown until run time may carry the endpoint: left whole, for a person
        assert "model='gpt-4o'" in result.output and not any(d.rule == "migrator/hybrid" for d in result.diagnostics)
        assert any(d.severity == "manual" for d in result.diagnostics)
    elif args != "base_url=URL":  # one that points elsewhere is not OpenAI's: left alone
        [hybrid] = [d.message for d in result.diagnostics if d.rule == "migrator/hybrid"]
        assert f"{NATIVE_CHAT[provider]} takes only" in hybrid  # the reason names what the class takes


@pytest.mark.parametrize("provider", ["dashscope", "zhipu"])
def test_embeddings_keyword_the_native_class_lacks_keeps_openai_embeddings(provider):
    source = (
        "from langchain_openai import OpenAIEmbeddings\nemb = OpenAIEmbeddings(model='text-embedding-3-small', chunk_size=16)\n"
    )
    result = migrate(provider, source)
    assert NATIVE_EMBED[provider] not in result.output and "check_embedding_ctx_length=False" in result.output
    [hybrid] = [d.message for d in result.diagnostics if d.rule == "migrator/hybrid"]
    assert f"{NATIVE_EMBED[provider]} takes only" in hybrid


def test_temperature_and_max_tokens_reach_dashscope_through_model_kwargs(monkeypatch):
    """ChatTongyi has no temperature/max_tokens field and pydantic drops unknown keywords
    silently: the rule moves them into model_kwargs, which ChatTongyi passes to the SDK."""
    source = "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o', temperature=0.3, max_tokens=7)\n"
    code = migrate("dashscope", source).output
    assert "model_kwargs=" in code
    with FakeServer("dashscope") as srv:
        ns = run(code, "dashscope", monkeypatch, srv)
        ns["llm"].invoke("hi")
        params = srv.last.json["parameters"]
    assert params["temperature"] == 0.3 and params["max_tokens"] == 7


def test_the_key_is_read_from_the_provider_variable_never_written():
    source = "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o', api_key='sk-proj-abcdefabcdef1234')\n"
    for provider in ("dashscope", "zhipu"):
        out = migrate(provider, source).output
        assert "abcdef" not in out and f'os.environ["{KEY[provider]}"]' in out


@pytest.mark.parametrize("provider", ["dashscope", "zhipu"])
def test_native_rewrite_is_stable_and_leaves_the_compat_plan_alone(provider):
    source = fixture_case(FIXTURES, provider, "native", "langchain-paths").input.read_text()
    once = migrate(provider, source).output
    assert migrate(provider, once).output == once
    compat = migrate_source(source, "m.py", select(PACKS, provider, "compat")).output
    assert NATIVE_CHAT[provider] not in compat


# ------------------------------------------------------------------ AutoGen and Haystack (compat plans)

COMPAT = ["dashscope", "qianfan", "hunyuan", "zhipu", "ark", "deepseek", "moonshot"]
NO_EMBEDDINGS = {"deepseek", "moonshot"}


def compat_run(provider: str, case: str, monkeypatch, srv: FakeServer):
    """Migrate fixtures/cases/<case> on the provider's compat plan and execute it with every
    base-URL variable it reads pointed at ``srv`` (the equivalence harness's rule) and the
    provider's key variable set: (namespace, ruleset)."""
    fixture = fixture_case(FIXTURES, provider, "compat", case)
    meta = yaml.safe_load(fixture.meta.read_text()) if fixture.meta.exists() else {}
    rs = select(PACKS, provider, "compat", models=(meta or {}).get("models"))
    result = migrate_source(fixture.input.read_text(), "input.py", rs)
    assert result.error is None, result.error
    env, _ = eq.migrated_env(provider, srv, result.output)
    env[rs.vars["api_key_env"]] = eq.test_key(provider)
    env["HAYSTACK_TELEMETRY_ENABLED"] = "False"
    env["OPENAI_API_KEY"] = "sk-openai-0000"
    return run_migrated(result.output, env, monkeypatch), rs


@contextmanager
def served(provider: str, case: str, monkeypatch):
    """The compat fixture ``case`` running against its fake; on exit, every request must have
    reached the provider with a mapped model and the provider's key (none is left for OpenAI)."""
    with FakeServer(provider) as srv:
        yield compat_run(provider, case, monkeypatch, srv)[0]
        requests = srv.requests
    sent = [q.json.get("model") for q in requests if q.status == 200]
    assert sent and not any(m.startswith(("gpt-", "text-embedding-3")) for m in sent), sent
    assert all(q.authorization and eq.test_key(provider) in q.authorization for q in requests)


@pytest.mark.parametrize("provider", COMPAT)
def test_autogen_model_client_answers_from_the_provider(provider, monkeypatch):
    pytest.importorskip("autogen_ext.models.openai")
    from autogen_core.models import UserMessage

    with served(provider, "autogen", monkeypatch) as ns:
        for name in ("client", "default_key"):
            result = asyncio.run(ns[name].create([UserMessage(content="Name three primary colours.", source="user")]))
            assert result.content and result.finish_reason == "stop", name


@pytest.mark.parametrize("provider", COMPAT)
def test_haystack_components_answer_from_the_provider(provider, monkeypatch):
    pytest.importorskip("haystack")
    from haystack import Document
    from haystack.dataclasses import ChatMessage

    with served(provider, "haystack", monkeypatch) as ns:
        for name in ("chat", "default_chat"):
            replies = ns[name].run(messages=[ChatMessage.from_user("Name three primary colours.")])["replies"]
            assert replies and replies[0].text, name
        if provider not in NO_EMBEDDINGS:
            assert ns["query_embedder"].run(text="red")["embedding"]
            docs = ns["doc_embedder"].run(documents=[Document(content=c) for c in ("red", "green", "blue")])["documents"]
            assert all(d.embedding for d in docs)


def test_haystack_document_batches_fit_dashscope(monkeypatch):
    """DashScope's compatible mode takes at most 10 texts per embeddings call: the migrated
    OpenAIDocumentEmbedder (batch_size=64 in the input) sends 12 documents in batches of 10 and 2."""
    pytest.importorskip("haystack")
    from haystack import Document

    with FakeServer("dashscope") as srv:
        ns, _ = compat_run("dashscope", "haystack", monkeypatch, srv)
        ns["doc_embedder"].run(documents=[Document(content=f"text {i}") for i in range(12)])
        sizes = [len(q.json["input"]) for q in srv.requests]
    assert sizes == [10, 2]


# ------------------------------------------------------------------ dependency files


APP = b'from langchain_openai import ChatOpenAI\n\nllm = ChatOpenAI(model="gpt-4o", temperature=0)\n'


def test_native_apply_declares_the_packages_the_new_classes_import(tmp_path):
    """requirements.txt pins, so it gains pinned entries where langchain-openai was; pyproject's
    [project] dependencies are bare, so bare ones; langchain-openai, which no code imports any
    more, leaves both; every other byte stays; a second run adds nothing."""
    from tests.test_apply_cli import branch_file, git, make_repo, run as cli

    requirements = b"# app\r\nlangchain-openai==1.6.6\r\nrequests==2.32.3\r\n"
    pyproject = b'[project]\nname = "app"\ndependencies = [\n    "requests",\n    "langchain-openai",  # llm\n]\n'
    repo = make_repo(tmp_path, {"app.py": APP, "requirements.txt": requirements, "pyproject.toml": pyproject})
    done = cli("apply", "--provider", "dashscope", "--plan", "native", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    branch = "migrator/dashscope-native"
    assert b"ChatTongyi(" in branch_file(repo, branch, "app.py")
    assert branch_file(repo, branch, "requirements.txt") == (
        b"# app\r\ndashscope==2.0.2\r\nlangchain-community==0.4.2\r\nrequests==2.32.3\r\n"
    )
    new_pyproject = branch_file(repo, branch, "pyproject.toml").decode()
    assert new_pyproject.startswith(
        '[project]\nname = "app"\ndependencies = [\n    "requests",\n    "dashscope",\n    "langchain-community",\n]\n'
    ), new_pyproject
    # the migrated branch, migrated again, declares nothing twice
    git(repo, "checkout", "-q", branch)
    again = cli("apply", "--provider", "dashscope", "--plan", "native", "--dry-run", cwd=repo)
    assert "0 file(s) changed" in again.stdout and "added" not in again.stdout, again.stdout


def test_compat_apply_adds_no_package(tmp_path):
    from tests.test_apply_cli import branch_file, make_repo, run as cli

    repo = make_repo(tmp_path, {"app.py": APP, "requirements.txt": b"langchain-openai==1.6.6\n"})
    done = cli("apply", "--provider", "dashscope", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert branch_file(repo, "migrator/dashscope-compat", "requirements.txt") == b"langchain-openai==1.6.6\n"


NEED = ["langchain-community==0.4.2", "dashscope==2.0.2"]
NEAR = ["openai", "langchain-openai"]


@pytest.mark.parametrize(
    "path, before, after",
    [
        ("requirements.txt", "langchain-openai==1.6.6", "langchain-openai==1.6.6\nlangchain-community==0.4.2\ndashscope==2.0.2"),
        (
            "requirements.txt",
            "  langchain-openai>=1  # llm\nx\n",
            "  langchain-openai>=1  # llm\n  langchain-community\n  dashscope\nx\n",
        ),
        ("requirements.txt", "openai\ndashscope\n", "openai\nlangchain-community\ndashscope\n"),
        (
            "pyproject.toml",
            '[project]\ndependencies = ["openai==1.2", "x"]\n',
            '[project]\ndependencies = ["openai==1.2", "langchain-community==0.4.2", "dashscope==2.0.2", "x"]\n',
        ),
        (
            "pyproject.toml",
            "[project]\ndependencies = [\n  'x',\n  'openai'\n]\n",
            "[project]\ndependencies = [\n  'x',\n  'openai',\n  'langchain-community',\n  'dashscope'\n]\n",
        ),
        ("pyproject.toml", '[tool.poetry.dependencies]\nopenai = "^1"\n', None),
        ("requirements.txt", "requests\n", None),
    ],
)
def test_added_requirements_follow_the_file(path, before, after):
    from migrator.engine.textfiles import add_requirements

    new, notes = add_requirements(path, before, NEED, NEAR)
    if after is None:  # no OpenAI entry to stand next to, or a file kind not extended: unchanged
        assert new == before
        assert not notes or "by hand" in notes[0]
        return
    assert new == after and notes
    assert add_requirements(path, new, NEED, NEAR) == (new, [])


def test_the_cli_finds_autogen_and_haystack_files(tmp_path):
    """The byte prefilter must let these files through (migrate_source alone would not show it)."""
    from tests.test_apply_cli import branch_file, git, make_repo, run as cli

    files = {
        f"{case}.py": fixture_case(FIXTURES, "dashscope", "compat", case).input.read_bytes() for case in ("autogen", "haystack")
    }
    # the fixtures are the engine's output, which does not wrap long lines; the CLI wraps at the
    # project's line length, so this project's is set beyond the fixtures' longest line
    files["pyproject.toml"] = b"[tool.ruff]\nline-length = 400\n"
    repo = make_repo(tmp_path, files)
    done = cli("apply", "--provider", "dashscope", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    for case in ("autogen", "haystack"):
        expected = fixture_case(FIXTURES, "dashscope", "compat", case).expected.read_bytes()
        assert branch_file(repo, "migrator/dashscope-compat", f"{case}.py") == expected
    # and `migrator check` on the migrated branch sees every one pointed at the provider
    git(repo, "checkout", "-q", "migrator/dashscope-compat")
    checked = cli("check", cwd=repo)
    assert checked.returncode == 0 and "No new findings" in checked.stdout, checked.stdout


def test_kwargs_within_is_refused_outside_framework_constructions(tmp_path):
    """Only a construction records positional and ** arguments, so elsewhere the filter could match
    a call passing **kwargs: the loader says so, naming the file and line."""
    from migrator.ruleset import load_file

    pack = (Path(__file__).resolve().parent.parent / "rules" / "deepseek.yaml").read_text()
    old = 'match: {kind: framework, symbol: autogen_ext.models.openai.OpenAIChatCompletionClient, has_kwarg: ["!base_url"]}'
    assert old in pack
    bad = tmp_path / "deepseek.yaml"
    bad.write_text(pack.replace(old, "match: {kind: client, symbol: openai.OpenAI, kwargs_within: [model]}", 1))
    problems: list = []
    load_file(bad, problems)
    assert any("match.kwargs_within is for kind: framework only" in p and "deepseek.yaml:" in p for p in problems), problems


# ------------------------------------------------------------------ Qianfan: its LangChain classes are not a target


def test_qianfan_native_keeps_langchain_on_the_v2_endpoint_with_the_bearer_token(monkeypatch):
    """QianfanChatEndpoint/QianfanEmbeddingsEndpoint sign with an AK/SK pair (QIANFAN_AK/QIANFAN_SK);
    the native plan has the console key (QIANFAN_BEARER_TOKEN), and an OpenAI key is never one half
    of the pair: ChatOpenAI stays, on the v2 endpoint with the bearer token, and answers from there."""
    source = fixture_case(FIXTURES, "qianfan", "native", "langchain-native-kept").input.read_text()
    result = migrate("qianfan", source)
    assert "QianfanChatEndpoint(" not in result.output and "llama_index.llms.qianfan" not in result.output
    assert "QIANFAN_AK" not in result.output
    assert "abcdef" not in result.output and result.output.count('os.environ["QIANFAN_BEARER_TOKEN"]') == 3
    reasons = [d.message for d in result.diagnostics if d.rule == "migrator/hybrid"]
    assert len(reasons) == 3 and sum("sign with an AK/SK pair" in r for r in reasons) == 2
    code = result.output.replace(
        "from llama_index.llms.openai_like import OpenAILike\n", "OpenAILike = dict\n"
    )  # not installable here
    with FakeServer("qianfan") as srv:
        ns = run_migrated(
            code, {"QIANFAN_BEARER_TOKEN": eq.test_key("qianfan"), "OPENAI_API_KEY": "sk-openai-0000", **srv.env()}, monkeypatch
        )
        assert ns["chat"].invoke("Name three primary colours.").content
        assert ns["embeddings"].embed_query("red")
        requests = srv.requests
    assert [q.status for q in requests] == [200, 200]
    assert all(eq.test_key("qianfan") in q.authorization for q in requests)


def test_qianfan_chat_endpoint_reads_a_v2_reply_as_empty(monkeypatch):
    """Why the bearer token is not handed to QianfanChatEndpoint through init_kwargs (a v2 client):
    the class reads the v1 reply's result field, so the v2 answer, though it arrives, is lost."""
    qianfan_config = pytest.importorskip("qianfan.config")
    from langchain_community.chat_models import QianfanChatEndpoint

    with FakeServer("qianfan") as srv:
        for key, value in {**srv.env(), "QIANFAN_BEARER_TOKEN": eq.test_key("qianfan")}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(qianfan_config, "_GLOBAL_CONFIG", None)  # the SDK reads its variables once
        llm = QianfanChatEndpoint(
            model="ernie-4.5-turbo-128k", init_kwargs={"version": "2", "bearer_token": eq.test_key("qianfan")}
        )
        reply = llm.invoke("Name three primary colours.")
        requests = srv.requests
    assert [q.status for q in requests] == [200] and requests[0].json["messages"]
    assert reply.content == ""


# ------------------------------------------------------------------ DeepSeek's native plan: ChatDeepSeek

# DeepSeek's official client is the openai SDK, so its native plan migrates API code with compat's
# rules and keeps the openai SDK; only LangChain's ChatOpenAI moves, to langchain_deepseek.ChatDeepSeek
# (langchain-deepseek 1.1.1), which reads DEEPSEEK_API_BASE (the fake's env()) and DEEPSEEK_API_KEY.
DEEPSEEK_KEY = "sk-deepseek-f3a9"


def deepseek(plan: str, source: str):
    result = migrate_source(source, "m.py", select(PACKS, "deepseek", plan))
    assert result.error is None, result.error
    return result


def deepseek_run(code: str, monkeypatch, srv: FakeServer) -> dict:
    """Execute migrated code with the real classes; ChatDeepSeek finds the fake through
    DEEPSEEK_API_BASE, a ChatOpenAI kept on the compat rule through DEEPSEEK_BASE_URL."""
    pytest.importorskip("langchain_deepseek")
    env = {"DEEPSEEK_API_KEY": DEEPSEEK_KEY, "DEEPSEEK_BASE_URL": srv.base_url(), "OPENAI_API_KEY": "sk-openai-0000", **srv.env()}
    return run_migrated(code, env, monkeypatch)


def test_deepseek_native_moves_every_chat_openai_path_to_chat_deepseek_which_answers(monkeypatch):
    code = deepseek("native", fixture_case(FIXTURES, "deepseek", "native", "langchain-paths").input.read_text()).output
    names = ("chat", "default_chat", "mini", "legacy", "community")
    with FakeServer("deepseek") as srv:
        ns = deepseek_run(code, monkeypatch, srv)
        for name in names:
            llm = ns[name]
            assert type(llm).__name__ == "ChatDeepSeek", name
            assert llm.model_name == "deepseek-chat" and llm.api_key.get_secret_value() == DEEPSEEK_KEY, name
            assert llm.invoke("Name three primary colours.").content, name
        sent = [q for q in srv.requests if q.status == 200]
    assert len(sent) == len(names)
    assert all(q.authorization == f"Bearer {DEEPSEEK_KEY}" and q.json["model"] == "deepseek-chat" for q in sent)
    assert [q.json.get("temperature") for q in sent].count(0.2) == 1  # mini's temperature=0.2 reached DeepSeek


@pytest.mark.parametrize("stream", [False, True])
def test_chat_deepseek_keeps_the_reasoning_chat_openai_drops(stream, monkeypatch):
    """Why DeepSeek's native plan exists: deepseek-reasoner replies carry reasoning_content, which
    ChatDeepSeek keeps (additional_kwargs) and ChatOpenAI, the compat plan's class, drops."""
    source = "import os\nfrom langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='o3-mini', api_key=os.environ['OPENAI_API_KEY'])\n"
    native, compat = deepseek("native", source).output, deepseek("compat", source).output
    assert "ChatDeepSeek(model='deepseek-reasoner'" in native and "ChatOpenAI(model='deepseek-reasoner'" in compat

    def reasoning(code: str) -> object:
        with FakeServer("deepseek") as srv:
            llm = deepseek_run(code, monkeypatch, srv)["llm"]
            if stream:
                reply = None
                for chunk in llm.stream("Why is the sky blue?"):
                    reply = chunk if reply is None else reply + chunk
            else:
                reply = llm.invoke("Why is the sky blue?")
            assert reply.content and srv.requests[-1].json["model"] == "deepseek-reasoner"
            return reply.additional_kwargs.get("reasoning_content")

    assert str(reasoning(native)).startswith("fake reasoning ")
    assert reasoning(compat) is None


@pytest.mark.parametrize("args", ["openai_proxy='http://proxy:3128'", "n=2", "use_responses_api=True"])
def test_a_keyword_chat_deepseek_lacks_keeps_chat_openai_on_deepseeks_endpoint(args, monkeypatch):
    source = f"from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o', {args})\n"
    result = deepseek("native", source)
    assert "ChatDeepSeek(" not in result.output
    assert 'base_url=os.environ.get("DEEPSEEK_BASE_URL", "https://api.deepseek.com")' in result.output
    [hybrid] = [d.message for d in result.diagnostics if d.rule == "migrator/hybrid"]
    assert "ChatDeepSeek takes the sampling keywords" in hybrid
    with FakeServer("deepseek") as srv:
        llm = deepseek_run(result.output, monkeypatch, srv)["llm"]
        assert type(llm).__name__ == "ChatOpenAI" and str(llm.openai_api_base) == srv.base_url()


def test_deepseek_native_migrates_api_code_exactly_as_compat():
    """The same rules serve both plans: every compat fixture without a LangChain chat model comes
    out of the native plan byte for byte as compat's expected output, with the same diagnostics."""
    shared = 0
    for case in [c for c in fixture_cases(FIXTURES) if (c.provider, c.plan) == ("deepseek", "compat")]:
        source = case.input.read_text()
        if "ChatOpenAI" in source or case.meta.exists() and "only:" in case.meta.read_text():
            continue
        meta = yaml.safe_load(case.meta.read_text()) if case.meta.exists() else {}
        options = (meta or {}).get("options", [])
        native = migrate_source(source, "input.py", select(PACKS, "deepseek", "native", options=options))
        compat = migrate_source(source, "input.py", select(PACKS, "deepseek", "compat", options=options))
        expected = case.expected.read_text() if case.expected.exists() else source
        assert native.output == expected, case.name
        said = [sorted(f"{d.rule}: {d.severity}: {d.message}" for d in r.diagnostics) for r in (native, compat)]
        assert said[0] == said[1], case.name  # and reports the same
        shared += 1
    assert shared >= 30, shared


def test_deepseek_native_plan_says_it_keeps_the_openai_sdk():
    ruleset = select(PACKS, "deepseek", "native")
    assert ruleset.plan.keeps_openai and ruleset.check_policy(False) == ruleset.check_policy(True) == "compat"
    assert "openai SDK" in ruleset.plan.title and "keeps the openai SDK" in ruleset.plan.summary
    assert ruleset.fallback is not None and ruleset.fallback.plan.name == "compat"


def test_deepseek_native_apply_adds_langchain_deepseek_keeps_openai_and_passes_check(tmp_path):
    """apply declares the integration next to langchain-openai, keeps openai (API code still uses
    it), records the compat check policy, and `migrator check` passes on the migrated branch."""
    from tests.test_apply_cli import branch_file, git, make_repo, run as cli

    app = APP + b"from openai import OpenAI\nclient = OpenAI()\n"
    repo = make_repo(tmp_path, {"app.py": app, "requirements.txt": b"openai==2.0.0\nlangchain-openai==1.6.6\n"})
    done = cli("apply", "--provider", "deepseek", "--plan", "native", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    branch = "migrator/deepseek-native"
    code = branch_file(repo, branch, "app.py").decode()
    assert "ChatDeepSeek(\n    model=\"deepseek-chat\"" in code and "DEEPSEEK_BASE_URL" in code  # (wrapped by apply)
    assert branch_file(repo, branch, "requirements.txt") == b"openai==2.0.0\nlangchain-deepseek==1.1.1\nlangchain-openai==1.6.6\n"
    assert "kept openai (the native plan uses the OpenAI SDK)" in done.stdout
    git(repo, "checkout", "-q", branch)
    checked = cli("check", ".", cwd=repo)
    assert checked.returncode == 0, checked.stdout + checked.stderr


# ------------------------------------------------------------------ why Moonshot's and Hunyuan's native plans refuse


def test_moonshot_chat_cannot_be_pointed_away_from_moonshot_so_the_native_plan_refuses():
    """MoonshotChat (langchain-community 0.4.2) builds its openai client from its own base_url
    field, but base_url= fills ChatOpenAI's openai_api_base (that field's alias): it always talks to
    api.moonshot.cn (no --region intl, no proxy, no fake), and it sends max_tokens=1024 unless given."""
    from langchain_community.chat_models import MoonshotChat

    from migrator.errors import UsageError

    llm = MoonshotChat(model="moonshot-v1-8k", api_key="sk-moonshot-f3a9", base_url="http://127.0.0.1:9/v1")
    assert str(llm.client._client.base_url) == "https://api.moonshot.cn/v1/"
    assert llm._default_params["max_tokens"] == 1024
    with pytest.raises(UsageError) as refused:
        select(PACKS, "moonshot", "native")
    assert "MoonshotChat (0.4.2) is no target" in str(refused.value) and "--plan compat" in str(refused.value)


def test_chat_hunyuan_signs_with_cloud_api_credentials_so_the_native_plan_refuses():
    """ChatHunyuan and HunyuanEmbeddings (langchain-community 0.4.2) take Tencent Cloud API
    credentials (secret id/key, app id), not the API key of Hunyuan's compatible endpoint, and call
    the tencentcloud SDK's ChatCompletions / GetEmbedding, which that SDK marks pre-offline."""
    import inspect

    from langchain_community.chat_models import ChatHunyuan
    from langchain_community.embeddings import HunyuanEmbeddings
    from tencentcloud.hunyuan.v20230901.hunyuan_client import HunyuanClient

    from migrator.errors import UsageError

    assert {"hunyuan_app_id", "hunyuan_secret_id", "hunyuan_secret_key"} <= set(ChatHunyuan.model_fields)
    assert not any(f.alias == "api_key" or name == "api_key" for name, f in ChatHunyuan.model_fields.items())
    assert {"hunyuan_secret_id", "hunyuan_secret_key"} <= set(HunyuanEmbeddings.model_fields)
    assert ".ChatCompletions(" in inspect.getsource(ChatHunyuan) and ".GetEmbedding(" in inspect.getsource(HunyuanEmbeddings)
    for api in (HunyuanClient.ChatCompletions, HunyuanClient.GetEmbedding):
        assert "预下线" in (api.__doc__ or "")  # "pre-offline"
    with pytest.raises(UsageError) as refused:
        select(PACKS, "hunyuan", "native")
    assert "ChatHunyuan and HunyuanEmbeddings" in str(refused.value) and "Tencent Cloud API credentials" in str(refused.value)


def test_openai_embeddings_on_deepseek_native_is_left_for_a_person_and_scan_says_why(tmp_path):
    """DeepSeek has no embeddings API: on the native plan, as on compat, an OpenAIEmbeddings (and
    an embeddings call) stays on OpenAI with a TODO, and scan's row for the plan counts it as
    needing a person, with that reason."""
    from migrator.analyzer.python import analyze_python
    from migrator.config import Config
    from migrator.models import ScanResult
    from migrator.readiness import readiness_matrix

    source = (
        "from langchain_openai import ChatOpenAI, OpenAIEmbeddings\n"
        "llm = ChatOpenAI(model='gpt-4o')\nemb = OpenAIEmbeddings(model='text-embedding-3-small')\n"
    )
    result = deepseek("native", source)
    assert "ChatDeepSeek(" in result.output and "emb = OpenAIEmbeddings(model='text-embedding-3-small')\n" in result.output
    [manual] = [d for d in result.diagnostics if d.severity == "manual"]
    assert manual.rule == "deepseek/langchain-embeddings" and "DeepSeek offers no embeddings" in manual.message
    scan = ScanResult(root=str(tmp_path), analyses=[analyze_python(source, "m.py")])
    rows = {r["plan"]: r for r in readiness_matrix(scan, root=str(tmp_path), config=Config(), provider="deepseek")}
    native = rows["native"]
    assert (native["automatic"], native["manual"]) == (1, 1), native
    assert any("DeepSeek offers no embeddings" in reason for reason in native["reasons"]), native["reasons"]


def test_rules_list_gives_the_reason_a_plan_is_refused(tmp_path):
    """`migrator rules list` names each plan a pack refuses and why (as `apply --plan` would)."""
    from tests.test_apply_cli import run as cli

    hunyuan = cli("rules", "list", "-p", "hunyuan", cwd=tmp_path)
    assert hunyuan.returncode == 0, hunyuan.stderr
    text = " ".join(hunyuan.stdout.split())  # rich wraps long lines
    assert "provider 'hunyuan' does not offer a 'native' plan:" in text and "ChatHunyuan and HunyuanEmbeddings" in text
    deepseek = cli("rules", "list", "-p", "deepseek", cwd=tmp_path)
    assert deepseek.returncode == 0 and "does not offer" not in deepseek.stdout
