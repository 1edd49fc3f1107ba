"""LiteLLM (and DSPy / CrewAI on top of it): OpenAI model strings routed to the provider (issue #16).

A router call is OpenAI usage only when its model string names an OpenAI model ("gpt-4o",
"openai/gpt-4o") and no api_base= points elsewhere; the rules (``*/litellm*``) turn the string into
the provider's LiteLLM route (``dashscope/qwen-plus``) or, where LiteLLM has no prefix for the
provider, keep ``openai/`` with the provider's api_base=/api_key=.  The migrated strings are
resolved by the real, pinned litellm's ``get_llm_provider`` here; the wire runs are in
tests/test_equivalence.py (fixtures/programs/fw_litellm_*.py).  Whole-file cases:
fixtures/cases/litellm."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from migrator.testing import fixture_case
from migrator.analyzer import analyze_bytes, mentions_openai, needs_ast
from migrator.analyzer.python import analyze_python
from migrator.check import Policy, check_bytes
from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm fetches its cost map at import otherwise

PACKS = load_all([])
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PLANS = [
    ("dashscope", "compat"),
    ("dashscope", "native"),
    ("qianfan", "compat"),
    ("qianfan", "native"),
    ("hunyuan", "compat"),
    ("zhipu", "compat"),
    ("zhipu", "native"),
    ("ark", "compat"),
    ("ark", "native"),
    ("deepseek", "compat"),
    ("moonshot", "compat"),
]
ARK_MODELS = {
    "gpt-4o": "doubao-seed-1-6-251015",
    "gpt-4o-mini": "doubao-seed-1-6-flash-250828",
    "text-embedding-3-small": "doubao-embedding-text-240715",
}
#: provider -> (LiteLLM provider the migrated chat string resolves to, the same for embeddings)
ROUTES = {
    "dashscope": ("dashscope", "dashscope"),
    "deepseek": ("deepseek", None),
    "moonshot": ("moonshot", None),
    "ark": ("volcengine", "volcengine"),
    "zhipu": ("bigmodel", "openai"),
    "qianfan": ("openai", "openai"),
    "hunyuan": ("openai", "openai"),
}


def ruleset(provider: str, plan: str = "compat"):
    return select(PACKS, provider, plan, models=ARK_MODELS if provider == "ark" else None)


def routes(source: str):
    return [
        f for f in analyze_python(textwrap.dedent(source), "m.py").findings if f.kind == "framework" and f.detail.get("route")
    ]


# ------------------------------------------------------------------ what is OpenAI usage


@pytest.mark.parametrize(
    "source, model",
    [
        ('import litellm\nlitellm.completion(model="gpt-4o", messages=[])\n', "gpt-4o"),
        ('import litellm as ll\nll.acompletion(model="openai/gpt-4o-mini", messages=[])\n', "gpt-4o-mini"),
        ('from litellm import completion\ncompletion("o3-mini", [])\n', "o3-mini"),
        ('from litellm import embedding as emb\nemb(model="text-embedding-3-small", input=["x"])\n', "text-embedding-3-small"),
        ('import litellm\nM = "gpt-4.1"\nlitellm.text_completion(model=M, prompt="x")\n', "gpt-4.1"),
        ('import litellm\nlitellm.completion(model="gpt-4o", api_base="https://api.openai.com/v1", messages=[])\n', "gpt-4o"),
    ],
)
def test_openai_model_strings_are_found(source, model):
    [finding] = routes(source)
    assert finding.model == model and finding.symbol.startswith("litellm.")


@pytest.mark.parametrize(
    "source",
    [
        'import litellm\nlitellm.completion(model="anthropic/claude-3-5-sonnet", messages=[])\n',
        'import litellm\nlitellm.completion(model="ollama/llama3", messages=[])\n',
        'import litellm\nlitellm.completion(model="dashscope/qwen-plus", messages=[])\n',
        'import litellm\nlitellm.completion(model="llama3", messages=[])\n',
        'import litellm\nlitellm.completion(model="openai/llama3", api_base="http://localhost:8000/v1", messages=[])\n',
        'import os, litellm\nlitellm.completion(model="openai/m", api_base=os.environ["GATEWAY"], messages=[])\n',
        'import litellm\ndef f(m):\n    return litellm.completion(model=m, messages=[])\n',
    ],
)
def test_other_routes_are_not_openai_usage(source):
    assert routes(source) == []


def test_a_file_that_only_imports_litellm_passes_the_prefilter():
    data = b'from litellm import completion\n\nr = completion(model="gpt-4o", messages=[])\n'
    assert mentions_openai(data) and needs_ast(data)
    analysis = analyze_bytes("app.py", data)
    assert [f.model for f in analysis.findings if f.kind == "framework"] == ["gpt-4o"]


def test_litellm_s_own_submodules_are_not_parsed():
    assert not needs_ast(b"from litellm.llms.openai import chat\n")


# ------------------------------------------------------------------ the rules, on every pack


@pytest.mark.parametrize("provider, plan", PLANS)
def test_every_pack_routes_chat_and_is_stable(provider, plan):
    rs = ruleset(provider, plan)
    source = 'import litellm\nr = litellm.completion(model="openai/gpt-4o", messages=[])\n'
    result = migrate_source(source, "m.py", rs)
    assert result.error is None and "gpt-4o" not in result.output, result.output
    assert [d for d in result.diagnostics if d.severity == "manual"] == []
    assert migrate_source(result.output, "m.py", rs).output == result.output
    assert routes(result.output) == []  # migrated: no longer OpenAI usage


@pytest.mark.parametrize("provider, plan", PLANS)
def test_an_embedding_without_a_provider_model_stays_whole(provider, plan):
    source = 'import litellm\nr = litellm.embedding(model="text-embedding-3-small", input=["x"])\n'
    result = migrate_source(source, "m.py", ruleset(provider, plan))
    if ROUTES[provider][1] is None:  # DeepSeek, Moonshot: no embedding model
        assert result.output == source
        assert any("no " in d.message and "text-embedding-3-small" in d.message for d in result.diagnostics)
    else:
        assert "text-embedding-3-small" not in result.output


def test_a_route_whose_model_is_a_value_is_left_saying_so():
    # gpt-researcher's AG2 orchestrator: {"model": model_name, "api_type": "openai"}; it was reported as
    # "no dashscope model for 'None'"
    source = (
        'from autogen import ConversableAgent\n\n\ndef agent(task):\n    model_name = task.get("model") or "gpt-4o"\n'
        '    config = {"config_list": [{"model": model_name, "api_type": "openai"}]}\n'
        '    return ConversableAgent(name="a", llm_config=config)\n'
    )
    result = migrate_source(source, "m.py", ruleset("dashscope", "compat"))
    assert result.output == source
    messages = [d.message for d in result.diagnostics]
    assert any("not a literal" in m for m in messages) and not any("'None'" in m for m in messages), messages


# ------------------------------------------------------------------ check


STRICT = Policy("strict")
COMPAT = Policy("compat", allow_endpoints=("https://dashscope.aliyuncs.com/compatible-mode/v1",))


def _check(source: str, policy: Policy):
    return [(f.line, f.message) for f in check_bytes("app.py", source.encode(), policy).findings]


@pytest.mark.parametrize("policy", [STRICT, COMPAT], ids=["strict", "compat"])
def test_check_treats_an_openai_route_as_an_openai_call(policy):
    source = textwrap.dedent('''
        from litellm import completion
        a = completion(model="gpt-4o", messages=[])
        b = completion(model="anthropic/claude-3-5-sonnet", messages=[])
        c = completion(model="openai/llama3", api_base="http://localhost:8000/v1", messages=[])
    ''')
    assert _check(source, policy) == [(3, "routes 'gpt-4o' to OpenAI through litellm.completion")]


@pytest.mark.parametrize("policy", [STRICT, COMPAT], ids=["strict", "compat"])
def test_check_passes_the_migrated_file(policy):
    source = fixture_case(FIXTURES, "dashscope", "compat", "litellm").expected.read_text()
    assert _check(source, policy) == []


# ------------------------------------------------------------------ the real litellm


def _captured(code: str, env: dict, monkeypatch) -> dict:
    """Run migrated code with litellm's functions replaced by a recorder: the keywords a call gets."""
    litellm = pytest.importorskip("litellm")
    calls: list = []
    for name in ("completion", "embedding"):
        monkeypatch.setattr(litellm, name, lambda *a, **kw: calls.append((a, kw)))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    exec(compile(code, "migrated.py", "exec"), {})
    return calls


@pytest.mark.parametrize("provider", sorted(ROUTES))
@pytest.mark.parametrize("function, model", [("completion", "gpt-4o"), ("embedding", "text-embedding-3-small")])
def test_the_pinned_litellm_resolves_the_migrated_route(provider, function, model, monkeypatch):
    litellm = pytest.importorskip("litellm")
    rs = ruleset(provider)
    expected = ROUTES[provider][0 if function == "completion" else 1]
    if expected is None:
        pytest.skip(f"{provider} has no embedding model")
    arg = "messages=[]" if function == "completion" else 'input=["x"]'
    source = f'import litellm\nr = litellm.{function}(model="{model}", {arg})\n'
    result = migrate_source(source, "m.py", rs)
    [(args, kw)] = _captured(
        result.output, {rs.vars["api_key_env"]: "provider-key-f3a9", "OPENAI_API_KEY": "sk-openai-0000"}, monkeypatch
    )
    got_model, got_provider, key, base = litellm.get_llm_provider(
        kw["model"], api_base=kw.get("api_base"), api_key=kw.get("api_key")
    )
    assert got_provider == expected
    assert kw["api_key"] == "provider-key-f3a9"
    host = rs.vars.get("base_url", "").split("/")[2]
    assert host in kw["api_base"] and (base is None or host in base)
    assert got_model == rs.map_model(model)


# ------------------------------------------------------------------ Router(model_list=[...])


def test_router_entries_of_openai_are_found_where_they_are_written_and_others_not():
    source = fixture_case(FIXTURES, "dashscope", "compat", "litellm-router").input.read_text()
    found = routes(source)
    assert [(f.symbol, f.model, f.detail["dict"]) for f in found] == [
        ("litellm.Router", "gpt-4o-mini", True),
        ("litellm.Router", "gpt-4o", True),
        ("litellm.Router", "gpt-4o", False),
    ]
    lines = source.splitlines()
    assert [lines[f.line - 1].lstrip()[:20] for f in found] == [
        '{"model_name": "fast',
        '{"model_name": "big"',
        '{"model_name": "d", ',
    ]


@pytest.mark.parametrize("provider, plan", PLANS)
def test_router_entries_are_routed_and_the_others_kept(provider, plan):
    source = fixture_case(FIXTURES, "dashscope", "compat", "litellm-router").input.read_text()
    rs = ruleset(provider, plan)
    result = migrate_source(source, "m.py", rs)
    assert result.error is None and not [d for d in result.diagnostics if d.severity == "manual"]
    route = ROUTES[provider][0]
    assert f'"{route}/{rs.map_model("gpt-4o")}"' in result.output and f'"{route}/{rs.map_model("gpt-4o-mini")}"' in result.output
    assert "gpt-4o" not in result.output
    assert result.output.count(f'os.environ["{rs.vars["api_key_env"]}"]') == 3 and "sk-proj" not in result.output
    assert result.output.count("anthropic/claude-3-5-sonnet") == 2 and 'api_base="http://localhost:8000/v1"' in result.output
    assert routes(result.output) == [] and migrate_source(result.output, "m.py", rs).output == result.output


def test_a_zhipu_router_sends_embedding_deployments_through_openai():
    source = 'from litellm import Router\nr = Router(model_list=[{"model_name": "e", "litellm_params": {"model": "text-embedding-3-small"}}])\n'
    result = migrate_source(source, "m.py", ruleset("zhipu"))
    assert '"model": "openai/embedding-3"' in result.output and '"api_base": os.environ.get("ZHIPUAI_BASE_URL"' in result.output


def test_check_flags_a_router_with_an_openai_deployment():
    source = (
        'from litellm import Router\nr = Router(model_list=[{"model_name": "m", "litellm_params": {"model": "openai/gpt-4o"}}])\n'
    )
    assert _check(source, STRICT) == [(2, "routes 'openai/gpt-4o' to OpenAI through litellm.Router")]


# ------------------------------------------------------------------ DSPy


@pytest.mark.parametrize("provider, plan", PLANS)
def test_dspy_lm_is_routed_and_the_old_client_reported(provider, plan):
    source = fixture_case(FIXTURES, "dashscope", "compat", "dspy").input.read_text()
    result = migrate_source(source, "m.py", ruleset(provider, plan))
    assert result.error is None
    assert 'dspy.LM("openai/gpt-4o-mini"' not in result.output and 'model="gpt-4o"' not in result.output
    assert 'dspy.LM("anthropic/claude-3-5-sonnet")' in result.output
    assert [d.rule for d in result.diagnostics if d.severity == "manual"] == [f"{provider}/dspy-legacy"]


def test_the_old_dspy_client_is_an_openai_wrapper_for_check():
    source = "import dspy\nlm = dspy.OpenAI(model='gpt-3.5-turbo')\n"
    assert [f.symbol for f in analyze_python(source, "m.py").findings if f.kind == "framework"] == ["dspy.OpenAI"]
    assert _check("import dspy\nlm = dspy.LM('dashscope/qwen-plus')\n", STRICT) == []


@pytest.mark.parametrize("provider", sorted(ROUTES))
def test_the_pinned_dspy_builds_the_migrated_lm(provider, monkeypatch):
    """dspy.LM takes the keywords the rule writes and picks an engine for the route without I/O."""
    dspy = pytest.importorskip("dspy")
    from dspy.clients.backend_selection import select_backend

    rs = ruleset(provider)
    result = migrate_source('import dspy\nlm = dspy.LM("openai/gpt-4o-mini", temperature=0)\n', "m.py", rs)
    monkeypatch.setenv(rs.vars["api_key_env"], "provider-key-f3a9")
    ns: dict = {}
    exec(compile(result.output, "migrated.py", "exec"), ns)
    lm = ns["lm"]
    assert isinstance(lm, dspy.LM) and lm.model.startswith(ROUTES[provider][0] + "/")
    assert lm.kwargs["api_key"] == "provider-key-f3a9" and rs.vars["base_url"].split("/")[2] in lm.kwargs["api_base"]
    select_backend(lm)  # raises for a configuration DSPy cannot serve


# ------------------------------------------------------------------ CrewAI (read, not installed: it pins
# openai<3 and pydantic<2.13 and pulls chromadb, so it cannot share tests/requirements-providers.txt)


@pytest.mark.parametrize("provider, plan", PLANS)
def test_crewai_llm_is_routed_with_base_url_and_an_agent_string_reported(provider, plan):
    source = fixture_case(FIXTURES, "dashscope", "compat", "crewai").input.read_text()
    result = migrate_source(source, "m.py", ruleset(provider, plan))
    assert result.error is None
    [llm] = [line for line in result.output.splitlines() if line.startswith("llm = ")]
    assert f'model="{ROUTES[provider][0]}/' in llm and "base_url=" in llm and "api_base=" not in llm
    assert [d.rule for d in result.diagnostics if d.severity == "manual"] == [f"{provider}/crewai-agent"]
    assert 'llm="gpt-4o")' in result.output  # the Agent's string is left for the person


def test_an_agent_given_an_llm_object_is_not_reported():
    assert routes('from crewai import Agent\ndef f(llm):\n    return Agent(role="r", llm=llm)\n') == []


# ------------------------------------------------------------------ off the network


def _guarded_run(program: str, tmp_path: Path, drop: tuple = ()):
    from tests import equivalence as eq
    from tests.fakes import FakeServer

    srv = FakeServer("openai").start()
    try:
        eq.write_guard(tmp_path / "guard")
        (tmp_path / "home").mkdir(exist_ok=True)
        env = {**eq.base_env(tmp_path / "home", tmp_path / "guard"), **eq.openai_env(srv)}
        for name in drop:
            env.pop(name)
        source = (FIXTURES / "programs" / f"{program}.py").read_text()
        run = eq.run_program(source, f"{program}.py", env, tmp_path / "run")
        return run, srv.requests
    finally:
        srv.stop()


@pytest.mark.parametrize("program, module", [("fw_litellm_chat", "litellm"), ("fw_dspy_chat", "dspy")])
def test_the_wire_programs_attempt_no_connection_beyond_the_loopback(program, module, tmp_path):
    """The harness's guard refuses to resolve any host but the loopback and says so on stderr."""
    pytest.importorskip(module)
    run, requests = _guarded_run(program, tmp_path)
    assert run.returncode == 0, run.tail()
    assert run.blocked_hosts == [] and len(requests) == 1


def test_the_guard_sees_litellm_s_cost_map_fetch_when_it_is_not_switched_off(tmp_path):
    pytest.importorskip("litellm")
    run, _ = _guarded_run("fw_litellm_chat", tmp_path, drop=("LITELLM_LOCAL_MODEL_COST_MAP",))
    assert "raw.githubusercontent.com" in run.blocked_hosts
