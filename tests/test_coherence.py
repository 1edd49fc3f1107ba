"""Coherent migrations: a client and everything that depends on it move together or not at
all, a native plan falls back to the compatible endpoint for a client it cannot serve whole,
and the self-check refuses a rewrite that would disagree with itself (engine/units.py,
engine/selfcheck.py).  Whole-file before/after cases live in fixtures/ (coherence-exceptions,
raised-exceptions, key-outside-client, typed-property, result-two-branches,
legacy-config-elsewhere, legacy-call-settings, chat-and-embeddings); the runtime evidence is
the coherence_* programs in fixtures/programs, run by tests/test_equivalence.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.engine.selfcheck import SELF_CHECK, disagreements, introduced
from migrator.ruleset import load_all, select
from tests.test_apply_cli import git, make_repo, run

PACKS = load_all([])


def migrate(source: str, provider: str, plan: str):
    result = migrate_source(textwrap.dedent(source).lstrip("\n"), "m.py", select(PACKS, provider, plan))
    assert result.error is None, result.error
    return result


def messages(result) -> str:
    return "\n".join(f"{d.severity} {d.rule}: {d.message}" for d in result.diagnostics)


# ------------------------------------------------------------------ units


def test_an_unsupported_call_keeps_its_whole_client_on_openai():
    result = migrate(
        '''
        from openai import OpenAI
        client = OpenAI()
        a = client.chat.completions.create(model="gpt-4o", messages=[])
        b = client.audio.speech.create(model="tts-1", voice="alloy", input="hi")
    ''',
        "deepseek",
        "compat",
    )
    assert "client = OpenAI()" in result.output and 'model="gpt-4o"' in result.output
    assert "DEEPSEEK" not in result.output
    assert "manual migrator/unit: the client built at line 2 is left on OpenAI as a whole" in messages(result)
    assert result.applied == {}
    assert len(result.left) == 2  # both calls stay, and scan's matrix says so too


def test_two_clients_are_two_units():
    result = migrate(
        '''
        from openai import OpenAI
        chat = OpenAI()
        speech = OpenAI()
        a = chat.chat.completions.create(model="gpt-4o", messages=[])
        b = speech.audio.speech.create(model="tts-1", voice="alloy", input="hi")
    ''',
        "deepseek",
        "compat",
    )
    lines = result.output.splitlines()
    chat = next(line for line in lines if line.startswith("chat ="))
    assert "DEEPSEEK_API_KEY" in chat and "speech = OpenAI()" in lines
    assert "deepseek-chat" in result.output


def test_exceptions_follow_the_calls_they_guard():
    result = migrate(
        '''
        import openai
        from openai import OpenAI
        ok = OpenAI()
        left = OpenAI()
        try:
            ok.chat.completions.create(model="gpt-4o", messages=[])
        except openai.RateLimitError:
            pass
        try:
            left.images.generate(model="dall-e-3", prompt="p")
        except openai.RateLimitError:
            pass
    ''',
        "dashscope",
        "native",
    )
    assert result.output.count("except dashscope.v2.errors.RateLimitError:") == 1
    assert result.output.count("except openai.RateLimitError:") == 1
    assert result.output.index("dashscope.v2.errors.RateLimitError") < result.output.index("openai.RateLimitError")


def test_an_exception_the_module_raises_itself_is_never_remapped():
    result = migrate(
        '''
        import openai
        from openai import OpenAI
        client = OpenAI()
        def call(messages):
            if not messages:
                raise openai.APIConnectionError(message="empty", request=None)
            return client.chat.completions.create(model="gpt-4o", messages=messages).choices[0].message.content
    ''',
        "dashscope",
        "native",
    )
    # the raise keeps its class (dashscope's APIConnectionError takes other arguments); the client,
    # whose errors nothing in this module catches, moves
    assert 'raise openai.APIConnectionError(message="empty", request=None)' in result.output
    assert 'client = Client(api_key=os.environ["DASHSCOPE_API_KEY"])' in result.output
    assert "openai.APIConnectionError is raised by this module itself: kept" in messages(result)


def test_an_unmigrated_client_keeps_the_openai_key_read_outside_it():
    result = migrate(
        '''
        import os
        from openai import AzureOpenAI
        KEY = os.environ["OPENAI_API_KEY"]
        azure = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01")
    ''',
        "dashscope",
        "compat",
    )
    assert 'os.environ["OPENAI_API_KEY"]' in result.output
    assert "DASHSCOPE_API_KEY" not in result.output.split("# TODO")[0]


def test_a_fully_migrated_module_renames_the_key_read_outside_its_client():
    result = migrate(
        '''
        import os
        from openai import OpenAI
        KEY = os.environ["OPENAI_API_KEY"]
        client = OpenAI(api_key=KEY)
    ''',
        "dashscope",
        "compat",
    )
    assert 'KEY = os.environ["DASHSCOPE_API_KEY"]' in result.output


ALL_PLANS = [(pf.name, plan.name) for pf in PACKS for plan in pf.plans.values() if not plan.refuse]


@pytest.mark.parametrize("provider,plan", ALL_PLANS)
def test_the_key_a_run_time_endpoint_reads_stays_openai_s(provider, plan):
    # base_url from a value: nothing points the construction at the provider, so the provider's
    # key must not replace OpenAI's there (it would go to api.openai.com when the value is unset)
    result = migrate(
        '''
        import os
        from openai import OpenAI
        client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"), base_url=os.getenv("MY_GATEWAY"))
        def ask(q):
            return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    ''',
        provider,
        plan,
    )
    code = "\n".join(line for line in result.output.splitlines() if not line.lstrip().startswith("#"))
    assert 'os.getenv("OPENAI_API_KEY")' in code, code
    assert 'base_url=os.getenv("MY_GATEWAY")' in code
    assert "run time" in messages(result)


@pytest.mark.parametrize("provider,plan", ALL_PLANS)
def test_a_client_of_another_server_is_not_touched(provider, plan):
    # Ollama through the openai SDK: not OpenAI usage; its key read must not become the provider's
    source = '''
        import os
        from openai import OpenAI
        local = OpenAI(base_url="http://localhost:11434/v1", api_key=os.environ["OPENAI_API_KEY"])
        def ask(q):
            return local.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    '''
    result = migrate(source, provider, plan)
    assert result.output == textwrap.dedent(source).lstrip("\n")
    assert "migrator/unit" not in messages(result)


@pytest.mark.parametrize("provider", ["dashscope", "qianfan", "zhipu"])
def test_a_key_read_outside_a_hybrid_client_moves_with_it(provider):
    # native cannot serve a client whose endpoint is the caller's choice, the compat fallback does:
    # the key read that feeds it must become the provider's too (it used to stay OPENAI_API_KEY,
    # which the self-check refused: an OpenAI key sent to the provider)
    result = migrate(
        '''
        import os
        from openai import OpenAI
        KEY = os.environ["OPENAI_API_KEY"]
        class M:
            def __init__(self, url=None):
                self.client = OpenAI(base_url=url, api_key=KEY)
            def ask(self):
                return self.client.chat.completions.create(model="gpt-4o", messages=[])
    ''',
        provider,
        "native",
    )
    key = select(PACKS, provider, "native").vars["api_key_env"]
    assert f'KEY = os.environ["{key}"]' in result.output
    assert "migrator/hybrid" in messages(result)


@pytest.mark.parametrize("provider", ["dashscope", "deepseek"])
def test_a_library_function_taking_the_client_says_its_callers_must_hand_it_the_provider_s(provider):
    # a library's `ask(client, q)`: its calls take the provider's model, so a user of the library
    # still handing it an OpenAI client would send that model to OpenAI: the migration says so
    result = migrate(
        '''
        from openai import OpenAI
        def ask(client: OpenAI, q: str):
            return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    ''',
        provider,
        "compat",
    )
    assert 'model="gpt-4o"' not in result.output
    title = select(PACKS, provider, "compat").provider.title
    assert [d.severity for d in result.diagnostics if "every caller must hand it a client pointed at " + title in d.message] == [
        "warning"
    ]


@pytest.mark.parametrize("holder", ["self.client", "client"])
def test_the_clients_one_name_may_hold_are_one_client_to_its_calls(holder):
    # review 4 R3 (textgrad): `self.client` built in two branches, one on OpenAI's endpoint, one on
    # the caller's; the native plan moved the first to dashscope.Client and rewrote the shared call
    # for it (extra_body= -> parameters=), a TypeError on the second, which stayed on the openai SDK
    source = f'''
        import os
        from openai import OpenAI
        class Engine:
            def __init__(self, base_url=None):
                if not base_url:
                    {holder} = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
                else:
                    {holder} = OpenAI(base_url=base_url, api_key=os.getenv("LOCAL_KEY"))
                self.reply = {holder}.chat.completions.create(model="gpt-4o", messages=[], extra_body={{"top_k": 5}})
    '''
    result = migrate(source, "dashscope", "native")
    assert "dashscope" not in result.output.split("class")[0] and "extra_body=" in result.output, result.output
    assert result.output.count("DASHSCOPE_COMPATIBLE_BASE_URL") == 2, result.output
    assert "migrator/hybrid" in messages(result)


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_a_subclass_s_own_client_on_the_same_attribute_is_one_client_with_the_inherited_calls(plan):
    # re-review S7 (textgrad's ChatExternalClient): Engine's client moved (native: dashscope.Client,
    # its call's extra_body= -> parameters=), LocalEngine's stayed and inherited that call: TypeError
    # (compat: the local server received qwen-plus)
    source = '''
        from openai import OpenAI
        class Engine:
            def __init__(self):
                self.client = OpenAI()
            def ask(self):
                return self.client.chat.completions.create(model="gpt-4o", messages=[], extra_body={"top_k": 5})
        class LocalEngine(Engine):
            def __init__(self, url):
                super().__init__()
                self.client = OpenAI(base_url=url, api_key="local")
    '''
    result = migrate(source, "dashscope", plan)
    assert result.output == textwrap.dedent(source).lstrip("\n"), result.output
    assert "is left on OpenAI as a whole" in messages(result)


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_the_clients_of_a_conditional_expression_are_one_client_to_its_calls(plan):
    # re-review L2 (fast-graphrag's shape as a conditional expression): the OpenAI branch moved while
    # the call, its receiver unresolved, kept OpenAI's model (native: the openai call shape on dashscope's client)
    source = '''
        from openai import AsyncAzureOpenAI, AsyncOpenAI
        class S:
            def __init__(self, azure=False):
                self.client = AsyncAzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="v") if azure else AsyncOpenAI()
            async def embed(self):
                return await self.client.embeddings.create(model="text-embedding-3-small", input=["x"])
    '''
    result = migrate(source, "dashscope", plan)
    code = "\n".join(line for line in result.output.splitlines() if not line.lstrip().startswith("#"))
    assert code == textwrap.dedent(source).strip("\n"), result.output
    assert "is left on OpenAI as a whole" in messages(result) and "receiver" not in messages(result)


@pytest.mark.parametrize(
    "rebound, moves", [('OpenAI(base_url=url, api_key="local")', False), ("None", True), ("make(url)", False)]
)
def test_a_module_client_rebound_through_global_is_one_client_with_what_it_is_rebound_to(rebound, moves):
    # re-review L6: `global client; client = OpenAI(base_url=url, ...)` in a function: the module's
    # client moved and its call sent qwen-plus to the caller's server
    source = f'''
        from openai import OpenAI
        client = OpenAI()
        def use_local(url):
            global client
            client = {rebound}
        def ask():
            return client.chat.completions.create(model="gpt-4o", messages=[])
    '''
    result = migrate(source, "dashscope", "compat")
    assert ('model="qwen-plus"' in result.output) == moves, result.output
    assert moves or "is left on OpenAI as a whole" in messages(result)


def test_module_configuration_without_v0_calls_is_kept_and_reported():
    result = migrate(
        '''
        import openai
        openai.api_key = "x"
        openai.api_base = "https://example.invalid/v1"
    ''',
        "dashscope",
        "compat",
    )
    assert 'openai.api_base = "https://example.invalid/v1"' in result.output
    assert "openai.api_base is kept: no openai<1 call in this module uses it" in messages(result)


def test_a_native_plan_serves_what_it_can_and_falls_back_for_the_rest():
    result = migrate(
        '''
        from openai import OpenAI
        chat = OpenAI()
        embed = OpenAI()
        a = chat.chat.completions.create(model="gpt-4o", messages=[])
        b = embed.embeddings.create(model="text-embedding-3-small", input="x")
    ''',
        "qianfan",
        "native",
    )
    lines = result.output.splitlines()
    chat_line = next(line for line in lines if line.startswith("chat ="))
    embed_line = next(line for line in lines if line.startswith("embed ="))
    assert chat_line.startswith("chat = Qianfan(")
    assert embed_line.startswith("embed = OpenAI(base_url=") and "QIANFAN_BEARER_TOKEN" in embed_line
    assert result.hybrid and "warning migrator/hybrid: the client built at line 3 stays on the openai SDK" in messages(result)
    assert result.check_policy(select(PACKS, "qianfan", "native")) == "compat"
    again = migrate_source(result.output, "m.py", select(PACKS, "qianfan", "native"))
    assert again.output == result.output


def test_only_and_skip_rewrite_site_by_site():
    ruleset = select(PACKS, "dashscope", "compat", only=["dashscope/model"])
    assert ruleset.partial and ruleset.fallback is None
    result = migrate_source(
        'from openai import OpenAI\nc = OpenAI()\nc.images.generate(model="dall-e-3", prompt="p")\n'
        'c.chat.completions.create(model="gpt-4o", messages=[])\n',
        "m.py",
        ruleset,
    )
    assert 'model="qwen-plus"' in result.output


# ------------------------------------------------------------------ the self-check


RULESET = select(PACKS, "dashscope", "compat")
NATIVE = select(PACKS, "dashscope", "native")


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            'import os\nfrom openai import OpenAI\nc = OpenAI(api_key=os.environ["DASHSCOPE_API_KEY"])\n',
            "still talks to api.openai.com but reads DASHSCOPE_API_KEY",
        ),
        (
            'import os\nfrom openai import OpenAI\nK = os.getenv("DASHSCOPE_API_KEY")\nc = OpenAI(api_key=K, base_url="https://api.openai.com/v1")\n',
            "still talks to api.openai.com but reads DASHSCOPE_API_KEY",
        ),
        (
            'import os\nfrom openai import OpenAI\nc = OpenAI(base_url=os.environ.get("DASHSCOPE_COMPATIBLE_BASE_URL", "u"))\n',
            "pointed at the provider but reads OPENAI_API_KEY",
        ),
        (
            'import os\nfrom openai import OpenAI\nK = os.environ["OPENAI_API_KEY"]\n'
            'c = OpenAI(api_key=K, base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")\n',
            "pointed at the provider but reads OPENAI_API_KEY",
        ),
        (
            'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", messages=[], request_timeout=5)\n',
            "passes request_timeout= (TypeError)",
        ),
    ],
)
def test_self_check_finds_a_credential_or_keyword_that_disagrees(source, expected):
    found = disagreements(source, RULESET)
    assert any(expected in d.message for d in found), found


def test_self_check_finds_exceptions_that_do_not_match_their_client():
    provider_exc_around_openai = (
        "import dashscope.v2.errors\nfrom openai import OpenAI\nc = OpenAI()\n"
        "try:\n    c.chat.completions.create(model='m', messages=[])\n"
        "except dashscope.v2.errors.RateLimitError:\n    pass\n"
    )
    openai_exc_around_provider = (
        "import openai\nfrom dashscope import Client\nc = Client()\n"
        "try:\n    c.chat.completions.create(model='m', messages=[])\n"
        "except openai.RateLimitError:\n    pass\n"
    )
    assert [d.kind for d in disagreements(provider_exc_around_openai, NATIVE)] == ["exception"]
    assert [d.kind for d in disagreements(openai_exc_around_provider, NATIVE)] == ["exception"]
    matching = openai_exc_around_provider.replace("import openai\n", "import dashscope.v2.errors\n").replace(
        "openai.RateLimitError", "dashscope.v2.errors.RateLimitError"
    )
    assert disagreements(matching, NATIVE) == []


def test_self_check_finds_an_openai_field_read_on_a_provider_response():
    source = (
        "from dashscope import Client\nclient = Client()\n"
        "def f(t):\n    r = client.embeddings.create(model='m', input=t)\n"
        "    return r.data[0].embedding, r.usage.prompt_tokens\n"
        "def g(t):\n    r = client.embeddings.create(model='m', input=t)\n    return r.embeddings[0].embedding\n"
    )
    found = [(d.line, d.kind) for d in disagreements(source, NATIVE)]
    assert found == [(5, "field"), (5, "field")]
    assert disagreements(source.replace("from dashscope import Client", "from openai import OpenAI as Client"), NATIVE) == []


def test_self_check_finds_rebound_provider_names_and_parameters_given_the_other_side():
    rebound = (
        "from dashscope import Client\ntry:\n    from openai import OpenAI as Client\n"
        "except ImportError:\n    pass\nc = Client()\n"
    )
    assert [(d.line, d.kind) for d in disagreements(rebound, NATIVE)] == [(3, "binding")]
    fed = (
        "from openai import OpenAI\nfrom dashscope import Client\n"
        "def ask(client: Client, q):\n    return client.chat.completions.create(model='m', messages=[])\n"
        "c = OpenAI()\nask(c, 'x')\n"
    )
    assert [(d.line, d.kind) for d in disagreements(fed, NATIVE)] == [(6, "annotation")]
    agreeing = fed.replace("c = OpenAI()", "c = Client()")
    assert disagreements(agreeing, NATIVE) == []


def test_self_check_blames_only_what_the_rewrite_introduced():
    already = 'import os\nfrom openai import OpenAI\nc = OpenAI(api_key=os.environ["DASHSCOPE_API_KEY"])\n'
    assert disagreements(already, RULESET) and introduced(already, already, RULESET) == []
    fine = 'import os\nfrom openai import OpenAI\nc = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n'
    assert introduced(fine, already, RULESET)


SLOPPY = """\
schema_version: 1
provider:
  name: sloppy
  title: Sloppy AI
  docs: https://example.invalid/sloppy
  verified: "2026-12-06"
vars:
  api_key_env: SLOPPY_API_KEY
  base_url_env: SLOPPY_BASE_URL
  base_url: https://api.sloppy.example/v1
plans:
  compat:
    title: openai SDK on Sloppy
    keeps_openai: true
    check_policy: compat
    cleanup_imports: []
rules:
  - id: sloppy/client
    message: Point the client at Sloppy (but forget its key, so it sends OPENAI_API_KEY there)
    match: {kind: client, endpoint: [none, openai]}
    rewrite:
      - set_kwarg: {name: base_url, value: {env: "${base_url_env}", default: "${base_url}"}}
    tests:
      valid: ["x = 1\n"]
      invalid:
        - before: |
            from openai import OpenAI
            c = OpenAI()
          after: |
            from openai import OpenAI
            import os
            c = OpenAI(base_url=os.environ.get("SLOPPY_BASE_URL", "https://api.sloppy.example/v1"))
  - id: sloppy/env
    message: Read Sloppy's key
    match: {kind: env, variable: OPENAI_API_KEY}
    rewrite:
      - rename_env: {to: "${api_key_env}"}
    tests:
      valid: ["import os\nos.environ['HOME']\n"]
      invalid:
        - before: "import os\nos.environ['OPENAI_API_KEY']\n"
          after: "import os\nos.environ['SLOPPY_API_KEY']\n"
"""


def test_a_rule_pack_that_would_send_the_openai_key_to_its_provider_is_refused(tmp_path: Path):
    """The net holds for rules users write later: this pack points the client at Sloppy but
    leaves it reading OPENAI_API_KEY (the SDK's default), so apply refuses the file, says why,
    and exits 3 with nothing committed; a client that passes its key explicitly migrates."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "sloppy.yaml").write_text(SLOPPY)
    assert run("rules", "validate", str(rules / "sloppy.yaml"), cwd=tmp_path).returncode == 0  # valid in form
    app = b"from openai import OpenAI\n\nclient = OpenAI()\n"
    good = b'import os\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n'
    repo = make_repo(tmp_path, {"app.py": app, "good.py": good})
    head = git(repo, "rev-parse", "HEAD")
    proc = run("apply", "--provider", "sloppy", "--rules", str(rules), "--format", "json", "--yes", cwd=repo)
    assert proc.returncode == 3, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["self_check_refusals"] == 1
    (error,) = doc["errors"]
    assert error["path"] == "app.py" and error["message"].startswith(SELF_CHECK)
    assert "pointed at the provider but reads OPENAI_API_KEY" in error["message"]
    assert (repo / "app.py").read_bytes() == app
    branch = doc["branch"]
    assert git(repo, "show", f"{branch}:app.py").encode() == app  # the refused file is not on the branch
    migrated = git(repo, "show", f"{branch}:good.py")
    assert 'os.environ["SLOPPY_API_KEY"]' in migrated and "SLOPPY_BASE_URL" in migrated
    assert git(repo, "rev-parse", "HEAD") == head


def test_apply_summary_counts_units_hybrids_and_file_edits_apart(tmp_path: Path):
    app = (
        b"from openai import OpenAI\n\nchat = OpenAI()\nembed = OpenAI()\n"
        b"a = chat.chat.completions.create(model='gpt-4o', messages=[])\n"
        b"b = embed.embeddings.create(model='text-embedding-3-small', input='x')\n"
    )
    other = b"from openai import OpenAI\n\nc = OpenAI()\nc.audio.speech.create(model='tts-1', voice='alloy', input='x')\n"
    repo = make_repo(tmp_path, {"app.py": app, "speech.py": other, "requirements.txt": b"openai>=1.0\n"})
    proc = run("apply", "--provider", "qianfan", "--plan", "native", "--dry-run", "--format", "json", cwd=repo)
    doc = json.loads(proc.stdout)
    summary = doc["summary"]
    assert summary["clients_hybrid"] == 1 and summary["clients_left_whole"] == 1
    assert summary["file_edits"] >= 1  # the recorded config is a file edit, not a "site"
    rules = doc["rules"]
    assert summary["sites_rewritten"] == sum(v["sites"] for k, v in rules.items() if not k.startswith("("))
    proc = run("apply", "--provider", "qianfan", "--plan", "native", "--dry-run", cwd=repo)
    text = proc.stdout + proc.stderr
    assert "1 client(s) kept on the openai SDK at the provider's compatible endpoint" in text
    assert "1 client(s) left on OpenAI as a whole" in text
    # the openai SDK stays a dependency: one client is a hybrid, the other stays on OpenAI
    assert "requirements.txt: kept openai (code still uses the openai SDK; add qianfan" in text
    assert not any(f["path"] == "requirements.txt" for f in doc["files"])


# ------------------------------------------------------------------ test doubles


DOUBLES = '''
from unittest import mock
from unittest.mock import patch

import openai
import respx


@patch("openai.ChatCompletion.create")
def test_v0(create):
    create.return_value = {"choices": [{"message": {"content": "hi"}}]}


def test_v1(mocker):
    mocker.patch("openai.resources.chat.completions.Completions.create", return_value=None)


def test_object(monkeypatch):
    monkeypatch.setattr(openai.Embedding, "create", lambda **kw: None)
    with mock.patch.object(openai.ChatCompletion, "acreate"):
        pass


def test_http():
    respx.post("https://api.openai.com/v1/chat/completions").respond(json={})


def test_unrelated():
    with mock.patch("myapp.llm.ask"), patch("openai_helpers.x"):
        pass
'''


def test_the_analyzer_finds_every_kind_of_test_double():
    from migrator.analyzer.python import analyze_python

    found = [(f.line, f.symbol) for f in analyze_python(DOUBLES, "t.py").findings if f.kind == "double"]
    assert found == [
        (9, "openai.ChatCompletion.create"),
        (15, "openai.resources.chat.completions.Completions.create"),
        (19, "openai.Embedding.create"),
        (20, "openai.ChatCompletion.acreate"),
        (25, "https://api.openai.com/v1/chat/completions"),
    ]


PROJECT_PATCHES = b'''from unittest.mock import patch

from app import llm
from app.llm import ask


@patch("app.llm.OpenAI")
def test_ask(m):
    m.return_value.chat.completions.create.return_value.choices[0].message.content = "hi"
    assert ask("x") == "hi"


def test_ask_async(mocker, monkeypatch):
    mocker.patch("app.llm.AsyncOpenAI")
    monkeypatch.setattr("app.llm.OpenAI", None)
    with patch.object(llm, "AzureOpenAI"):
        pass
    with patch("app.llm.Client"), patch("app.llm.ask"), patch("app.other.OpenAI", create=True):
        pass
'''


def test_the_sdk_s_client_class_patched_on_a_module_of_the_project_is_a_test_double():
    # `@patch("app.llm.OpenAI")`: the most common way a project's tests fake the SDK; the module
    # the test imports holds the name, so the test file need not mention openai otherwise
    from migrator.analyzer import analyze_python_bytes, needs_ast

    assert needs_ast(PROJECT_PATCHES)
    found = [
        (f.line, f.symbol) for f in analyze_python_bytes("tests/test_llm.py", PROJECT_PATCHES).findings if f.kind == "double"
    ]
    assert found == [(7, "app.llm.OpenAI"), (14, "app.llm.AsyncOpenAI"), (15, "app.llm.OpenAI"), (16, "app.llm.AzureOpenAI")]
    # the SDK module where the project's module imports it (re-review S8)
    module = b'from unittest.mock import patch\n\n\ndef test_x():\n    with patch("app.engine.openai") as fake:\n        pass\n'
    assert needs_ast(module)
    assert [f.symbol for f in analyze_python_bytes("tests/test_e.py", module).findings if f.kind == "double"] == [
        "app.engine.openai"
    ]


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_a_patch_of_the_class_a_migrated_module_no_longer_imports_is_reported(tmp_path: Path, plan):
    # native: app.llm now imports dashscope's Client, so patch("app.llm.OpenAI") raises
    # AttributeError in the project's own tests; compat keeps the class, and the patch still fakes it
    llm = (
        b"from openai import OpenAI\n\n\ndef ask(q):\n    client = OpenAI()\n"
        b"    return client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': q}])"
        b".choices[0].message.content\n"
    )
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/llm.py": llm, "tests/test_llm.py": PROJECT_PATCHES})
    proc = run("apply", "--provider", "dashscope", "--plan", plan, "--dry-run", "--format", "json", cwd=repo)
    doc = json.loads(proc.stdout)
    lines = sorted(d["line"] for d in doc["diagnostics"] if d["path"] == "tests/test_llm.py")
    assert lines == ([] if plan == "compat" else [7, 14, 15, 16]), doc["diagnostics"]


def test_an_http_mock_routed_at_openai_s_url_through_a_constant_is_a_test_double():
    # review 5 T4 (gpt-json): `@respx.mock(base_url=OPENAI_URL)` with the URL in a module constant
    from migrator.analyzer.python import analyze_python

    source = (
        'import openai\nimport respx\n\nOPENAI_URL = "https://api.openai.com/v1"\n\n\n'
        '@respx.mock(base_url=OPENAI_URL)\ndef test_x(respx_mock):\n    respx_mock.post("/chat/completions")\n'
    )
    found = [(f.line, f.symbol) for f in analyze_python(source, "t.py").findings if f.kind == "double"]
    assert found == [(7, "https://api.openai.com/v1")]


def test_a_test_that_patches_openai_by_name_is_analysed_without_importing_it():
    from migrator.analyzer import analyze_python_bytes, needs_ast

    source = b'from unittest.mock import patch\n\n@patch("openai.Embedding.create")\ndef test(m):\n    pass\n'
    assert needs_ast(source)
    assert [f.kind for f in analyze_python_bytes("test_x.py", source).findings] == ["double"]
    assert not needs_ast(b'from unittest.mock import patch\n@patch("myapp.openai_client.ask")\ndef test(m): pass\n')


@pytest.mark.parametrize("plan, reported", [("compat", [8, 18, 19, 24]), ("native", [8, 14, 18, 19, 24])])  # (lstripped)
def test_test_doubles_are_reported_where_they_no_longer_fake_the_migrated_code(plan, reported):
    """compat keeps openai>=1, so a double of an openai>=1 resource class still fakes the migrated
    calls; v0 doubles and api.openai.com routes do not.  Under a native plan none does."""
    result = migrate(DOUBLES, "dashscope", plan)
    lines = sorted(d.line for d in result.diagnostics if d.rule.endswith("test-double"))
    assert lines == reported
    assert all(d.severity == "manual" for d in result.diagnostics if d.rule.endswith("test-double"))


PROJECT_APP = b'''from openai import OpenAI

client = OpenAI()


def ask(question):
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])
    return reply.choices[0].message.content
'''

PROJECT_TEST = b'''from unittest import mock

from openai.types.chat import ChatCompletion

import app

FAKE = ChatCompletion.model_validate({
    "id": "x", "object": "chat.completion", "created": 0, "model": "m",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hello"}}],
})


def test_ask():
    with mock.patch("openai.resources.chat.completions.Completions.create", return_value=FAKE) as create:
        assert app.ask("hi") == "hello"
    assert create.call_args.kwargs["messages"] == [{"role": "user", "content": "hi"}]
'''


def _pytest_in(tree: Path, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("PYTEST")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=tree,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_the_projects_own_tests_after_apply(tmp_path: Path, plan: str):
    """The repository's own test suite, run before and after apply: under compat its double of an
    openai>=1 resource class still fakes the migrated client, and its tests pass with the
    provider's key set; under native the double no longer fakes it and apply says so."""
    repo = make_repo(tmp_path, {"app.py": PROJECT_APP, "test_app.py": PROJECT_TEST})
    before = _pytest_in(repo, {"OPENAI_API_KEY": "test-key"})
    assert before.returncode == 0, before.stdout + before.stderr
    proc = run("apply", "--provider", "dashscope", "--plan", plan, "--format", "json", "--yes", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    doubles = [d for d in doc["diagnostics"] if d["rule"].endswith("test-double")]
    if plan == "compat":
        assert doubles == []
        after = _pytest_in(migrated, {"DASHSCOPE_API_KEY": "test-key"})
        assert after.returncode == 0, after.stdout + after.stderr
        assert "DASHSCOPE_API_KEY" in (migrated / "app.py").read_text()
    else:
        assert [(d["path"], d["line"], d["severity"]) for d in doubles] == [("test_app.py", 14, "manual")]
        assert "Client(" in (migrated / "app.py").read_text()


def test_clients_known_from_annotations_are_units_of_their_own():
    """Two functions take a client parameter; one calls an API the plan cannot serve.  Each
    parameter is its own unit.  A native plan cannot know that every caller will pass the
    provider's client, so a parameter's calls keep the openai SDK (the compat plan maps their
    model) and its annotation with them; the one it cannot serve is left whole."""
    result = migrate(
        '''
        from openai import OpenAI

        def draw(client: OpenAI, prompt):
            return client.images.generate(model="dall-e-3", prompt=prompt)

        def ask(client: OpenAI, q):
            return client.chat.completions.create(model="gpt-4o", messages=[])
    ''',
        "dashscope",
        "native",
    )
    assert "def draw(client: OpenAI, prompt):" in result.output
    assert "def ask(client: OpenAI, q):" in result.output and 'model="qwen-plus"' in result.output
    assert "dashscope" not in result.output.split("# TODO")[0]
    assert "the client annotated at line 4 is left on OpenAI as a whole" in messages(result)
    assert "warning migrator/hybrid: the client annotated at line 7 keeps the openai SDK" in messages(result)
    compat = migrate(result.original, "dashscope", "compat")
    assert 'model="qwen-plus"' in compat.output and "manual dashscope/images" in messages(compat)


SETTINGS = b'import os\n\nAPI_KEY = os.getenv("OPENAI_API_KEY")\n'
USES_SETTINGS = b'from openai import OpenAI\n\nfrom settings import API_KEY\n\nclient = OpenAI(api_key=API_KEY)\n'
AZURE_TOO = b'from openai import AzureOpenAI\n\nfrom settings import API_KEY\n\nazure = AzureOpenAI(api_key=API_KEY, azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01")\n'


@pytest.mark.parametrize("with_azure", [False, True])
def test_a_key_read_in_a_settings_module_follows_every_client_of_the_project(tmp_path: Path, with_azure: bool):
    """settings.py reads OPENAI_API_KEY for clients built in other modules.  It is renamed only
    when no client of the project stays on OpenAI: otherwise the provider's key could reach
    OpenAI (or Azure) through it."""
    files = {"settings.py": SETTINGS, "app.py": USES_SETTINGS, ".env.example": b"OPENAI_API_KEY=sk-your-key\n"}
    if with_azure:
        files["azure_client.py"] = AZURE_TOO
    repo = make_repo(tmp_path, files)
    doc = json.loads(run("apply", "--provider", "dashscope", "--dry-run", "--format", "json", cwd=repo).stdout)
    diffs = {f["path"]: f["diff"] for f in doc["files"]}
    if with_azure:
        assert "settings.py" not in diffs
        kept = [d for d in doc["diagnostics"] if d["path"] == "settings.py"]
        assert kept and "a client elsewhere in the project stays on OpenAI (azure_client.py:5)" in kept[0]["message"]
        assert ".env.example" not in diffs  # the Azure client still needs it
        assert any("left unchanged: a client of the project stays on OpenAI" in n for n in json.dumps(doc).split('"'))
        # and app.py's client, whose key is that kept read, stays with it (review 4 R12: it moved
        # to DashScope with OpenAI's key)
        assert "app.py" not in diffs
        assert any(
            d["path"] == "app.py"
            and d["severity"] == "manual"
            and "its api_key comes from `API_KEY`, which another module holds" in d["message"]
            for d in doc["diagnostics"]
        ), doc["diagnostics"]
    else:
        assert '+API_KEY = os.getenv("DASHSCOPE_API_KEY")' in diffs["settings.py"]
        assert "+DASHSCOPE_API_KEY" in diffs[".env.example"]
        assert "DASHSCOPE_COMPATIBLE_BASE_URL" in diffs["app.py"]
        # which value API_KEY holds is decided in another module: the client's key is flagged
        assert any(d["path"] == "app.py" and "api_key= comes from `API_KEY`" in d["message"] for d in doc["diagnostics"])


def test_a_module_that_only_receives_clients_keeps_naming_openai():
    """Library code (outlines' from_openai) checks and annotates the clients its users pass in;
    a native plan must not make it demand the provider's class (found on outlines 1.3.3)."""
    source = '''
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from openai import OpenAI

        def wrap(client: "OpenAI"):
            import openai
            if isinstance(client, openai.OpenAI):
                return client
            raise ValueError
    '''
    for provider in ("dashscope", "qianfan"):
        result = migrate(source, provider, "native")
        assert result.output == textwrap.dedent(source).lstrip("\n")
        assert "neither builds nor calls a client" in messages(result)


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_a_client_handed_to_another_library_stays_whole(plan):
    """outlines.from_openai(OpenAI(), "gpt-4o-mini"): the model travels beside the client into
    code this module cannot see; retargeting the client alone would send gpt-4o-mini to the
    provider (found in outlines' examples)."""
    result = migrate(
        '''
        import outlines
        from openai import OpenAI
        model = outlines.from_openai(OpenAI(), "gpt-4o-mini")
        client = OpenAI()
        agent = outlines.from_openai(client, "gpt-4o-mini")
        mine = OpenAI()
        reply = mine.chat.completions.create(model="gpt-4o", messages=[])
    ''',
        "dashscope",
        plan,
    )
    lines = result.output.splitlines()
    assert 'model = outlines.from_openai(OpenAI(), "gpt-4o-mini")' in lines and "client = OpenAI()" in lines
    assert "the client is passed to outlines.from_openai" in messages(result)
    assert "qwen-plus" in result.output  # the client this module uses itself moves


KWARGS_CALL = '''
    import openai
    def embed(x, m, d=None):
        kwargs = {"input": x, "model": m}
        if d:
            kwargs["dimensions"] = d
        return openai.OpenAI().embeddings.create(**kwargs).data
'''


def test_a_model_in_kwargs_is_reported_and_a_native_sdk_does_not_take_them():
    """llm builds kwargs = {"model": ..., "dimensions": ...} and calls create(**kwargs) (found on
    llm 0.36): compat cannot map the model there and says so; a native SDK with a closed keyword
    list may reject what the dict holds, so the client keeps the openai SDK (hybrid)."""
    compat = migrate(KWARGS_CALL, "dashscope", "compat")
    assert "manual dashscope/model: model comes from `m`; map it" in messages(compat)
    assert "dashscope/model" not in compat.applied  # nothing was edited there: not counted
    native = migrate(KWARGS_CALL, "dashscope", "native")
    assert "dashscope.Client" not in native.output and native.hybrid
    # its keys are known (tests/test_params_dicts.py): the reason names the one a statement sets
    assert "dimensions is set in the **params dict by a statement" in messages(native)


def test_counts_name_only_sites_whose_code_was_edited():
    result = migrate(
        '''
        from openai import OpenAI
        client = OpenAI(base_url="https://api.openai.com/v1")
        r = client.chat.completions.create(model="qwen-plus", messages=[])
    ''',
        "dashscope",
        "compat",
    )
    assert result.applied == {"dashscope/client-endpoint": 1}  # qwen-plus needed no mapping


def test_a_response_read_out_of_sight_keeps_its_call_as_it_was():
    """openai-function-call 0.2.6 passes a v0 response to parse(), which reads it as a dict:
    converting the call alone gives parse() an object it cannot subscript (TypeError).  A
    response returned or passed on whole stays with its call (a plain field is fine)."""
    source = '''
        import openai
        def ask(q):
            c = openai.ChatCompletion.create(model="gpt-4", messages=[])
            return parse(c)
        def parse(c):
            return c["choices"][0]["message"]["function_call"]["arguments"]
        def plain(q):
            r = openai.ChatCompletion.create(model="gpt-4", messages=[])
            return r["choices"][0]["message"]["content"]
    '''
    result = migrate(source, "dashscope", "compat")
    assert 'c = openai.ChatCompletion.create(model="gpt-4", messages=[])' in result.output
    assert 'return c["choices"][0]["message"]["function_call"]["arguments"]' in result.output
    assert "return r.choices[0].message.content" in result.output
    assert "its response is passed to parse at line 4" in messages(result)


def test_a_client_with_a_literal_key_does_not_hold_back_the_openai_key_reads():
    """textgrad: a local (Ollama) client keyed "ollama" stays as it is, and must not keep the
    guard of the migrated client on OPENAI_API_KEY (the guard then refused the provider's key)."""
    result = migrate(
        '''
        import os
        from openai import OpenAI
        def validate():
            if os.getenv("OPENAI_API_KEY") is None:
                raise ValueError("set it")
        class Engine:
            def __init__(self):
                validate()
                self.client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
            def ask(self):
                return self.client.chat.completions.create(model="gpt-4o", messages=[]).choices[0].message.content
        def local(base_url):
            return OpenAI(base_url=base_url, api_key="ollama")
    ''',
        "dashscope",
        "compat",
    )
    assert 'if os.getenv("DASHSCOPE_API_KEY") is None:' in result.output
    assert 'return OpenAI(base_url=base_url, api_key="ollama")' in result.output


def test_an_awaited_response_passed_on_stays_with_its_call():
    result = migrate(
        '''
        import openai
        def parse(c):
            return c["choices"][0]["message"]["function_call"]["arguments"]
        async def ask(m):
            completion = openai.ChatCompletion.acreate(model="gpt-3.5-turbo", messages=m)
            return parse(await completion)
    ''',
        "dashscope",
        "compat",
    )
    assert "openai.ChatCompletion.acreate(" in result.output
    assert "its response is passed to parse" in messages(result)


# ------------------------------------------------------------------ v0 settings carried into clients


class _ForwardProxy:
    """An HTTP forward proxy on 127.0.0.1 that records the absolute URLs it is asked for and
    relays them: proof that a migrated client really sends its requests through the proxy."""

    def __init__(self) -> None:
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        seen = self.seen = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                seen.append(self.path)
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                upstream = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
                upstream.request("POST", url.path + (f"?{url.query}" if url.query else ""), body, headers)
                reply = upstream.getresponse()
                data = reply.read()
                self.send_response(reply.status)
                for key, value in reply.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "_ForwardProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


PROXIED_V0 = '''import os

import openai

openai.api_key = os.getenv("OPENAI_API_KEY")
openai.proxy = {"http": "PROXY", "https": "PROXY"}


def ask(question):
    reply = openai.ChatCompletion.create(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])
    return reply["choices"][0]["message"]["content"]


async def ask_async(question):
    reply = await openai.ChatCompletion.acreate(model="gpt-4o-mini", messages=[{"role": "user", "content": question}])
    return reply["choices"][0]["message"]["content"]


if __name__ == "__main__":
    import asyncio

    print(ask("one"))
    print(asyncio.run(ask_async("two")))
'''


@pytest.mark.parametrize("provider", sorted(pf.name for pf in PACKS))
def test_a_v0_proxy_setting_is_carried_into_the_migrated_clients(tmp_path: Path, provider: str):
    """openai.proxy (a dict of proxies here) becomes the migrated clients' http_client, sync and
    async: run with the real openai SDK, both requests pass through a loopback proxy on their way
    to the provider's fake, with the provider's key and a provider model."""
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    ruleset = select(
        PACKS, provider, "compat", models={"gpt-4o-mini": "doubao-seed-1-6-flash-250828"} if provider == "ark" else None
    )
    with _ForwardProxy() as proxy, FakeServer(provider) as srv:
        result = migrate_source(PROXIED_V0.replace("PROXY", proxy.url), "app.py", ruleset)
        assert result.error is None and "openai.proxy" not in result.output, result.output
        assert "http_client=openai.DefaultHttpxClient(proxy=" in result.output
        assert "http_client=openai.DefaultAsyncHttpxClient(proxy=" in result.output
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env(provider, srv, result.output)[0])
        run = run_program(result.output, "app.py", env, tmp_path / "run")
        assert run.returncode == 0, run.tail()
        assert run.stdout.count("echo[") == 2, run.stdout
        assert len(proxy.seen) == 2 and all(u.startswith(srv.url) for u in proxy.seen), proxy.seen
        sent = srv.requests
        assert len(sent) == 2 and all(r.json["model"] == ruleset.map_model("gpt-4o-mini") for r in sent)
        assert all(r.authorization == f"Bearer {test_key(provider)}" for r in sent)


@pytest.mark.parametrize(
    "setting, reason",
    [
        ("openai.requestssession = requests.Session()", "openai.requestssession configures these calls"),
        ("def setup():\n    openai.proxy = 'http://127.0.0.1:7890'", "openai.proxy configures these calls"),
        ("openai.proxy = PROXIES", "openai.proxy configures these calls"),
    ],
)
def test_v0_calls_keep_their_settings_or_stay_whole(setting, reason):
    """A setting the plan cannot carry into the new client (a session, a proxy set in a function
    or from an arbitrary value) would be lost by the migrated calls: they stay as they were."""
    source = (
        f"import openai\nimport requests\nPROXIES = {{}}\n{setting}\n\n"
        "r = openai.ChatCompletion.create(model='gpt-4o', messages=[])\nprint(r['choices'][0]['message']['content'])\n"
    )
    result = migrate(source, "dashscope", "compat")
    assert "openai.ChatCompletion.create" in result.output
    assert reason in messages(result)


def test_v0_calls_pointed_at_another_server_are_not_openai_usage():
    result = migrate(
        """
        import openai
        openai.api_base = "http://localhost:8000/v1"
        openai.api_key = "EMPTY"
        r = openai.ChatCompletion.create(model="gpt-4o", messages=[])
    """,
        "dashscope",
        "compat",
    )
    assert result.output == result.original
    assert "not OpenAI's" in messages(result) and "manual migrator/unit" not in messages(result)
    assert not result.left  # scan does not count them as left on OpenAI


LIBRARY_CLIENT = '''from typing import Optional

from openai import OpenAI


class ChatModel:
    def __init__(self, model: str = "gpt-4o-mini", api_key: Optional[str] = None, base_url: Optional[str] = None):
        self.model = model
        self.client = OpenAI(api_key=api_key, base_url=base_url)

    def ask(self, question: str) -> str:
        reply = self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": question}])
        return reply.choices[0].message.content


if __name__ == "__main__":
    print(ChatModel().ask("hello"))
'''


@pytest.mark.parametrize("provider", ["dashscope", "zhipu", "deepseek"])
def test_a_library_client_configured_from_parameters_reaches_the_provider(tmp_path: Path, provider: str):
    """Endpoint and key from parameters that default to None, the model from a constructor default
    through self.model: compat keeps the caller's choice, changes the defaults, and maps the model
    where it is defined; run with the real SDK, the request reaches the provider's fake with the
    provider's key and a provider model."""
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    ruleset = select(PACKS, provider, "compat")
    result = migrate_source(LIBRARY_CLIENT, "lib.py", ruleset)
    assert result.error is None
    assert "base_url=base_url or os.environ.get(" in result.output and "api_key=api_key or os.environ[" in result.output
    assert f'model: str = "{ruleset.map_model("gpt-4o-mini")}"' in result.output
    assert not [d for d in result.diagnostics if d.severity == "manual"], messages(result)
    with FakeServer(provider) as srv:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env(provider, srv, result.output)[0])
        run = run_program(result.output, "lib.py", env, tmp_path / "run")
        assert run.returncode == 0, run.tail()
        assert "echo[" in run.stdout
        (sent,) = srv.requests
        assert sent.json["model"] == ruleset.map_model("gpt-4o-mini")
        assert sent.authorization == f"Bearer {test_key(provider)}"


def test_an_endpoint_kept_on_an_attribute_from_a_parameter_defaults_to_the_provider():
    result = migrate(
        """
        from openai import OpenAI
        class Bot:
            def __init__(self, base_url=None, api_key=None, model="gpt-4o"):
                self.base_url = base_url
                self.api_key = api_key
                self.model = model
            def ask(self, q):
                client = OpenAI(base_url=self.base_url, api_key=self.api_key)
                return client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": q}])
    """,
        "deepseek",
        "compat",
    )
    assert 'OpenAI(base_url=self.base_url or os.environ.get("DEEPSEEK_BASE_URL"' in result.output
    assert 'api_key=self.api_key or os.environ["DEEPSEEK_API_KEY"]' in result.output
    assert 'model="deepseek-chat"' in result.output, result.output
