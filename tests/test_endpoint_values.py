"""Endpoints given as values (issue 15): ``base_url`` falling back to OpenAI through ``x or
os.getenv("OPENAI_BASE_URL") or "https://api.openai.com/v1"`` (inline, in a local, in
``self.<attr>``) is retargeted where the default is written, keeping the caller's choice; a
default that names another server is not OpenAI usage; a value that decides otherwise keeps the
client, and its key, as they are.  The migrated code is run with the real openai SDK against the
provider's fake, with OpenAI's variables pointing at a trap."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrator.check import Policy
from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

PACKS = load_all([])
COMPAT = [pf.name for pf in PACKS if "compat" in pf.plans and not pf.plans["compat"].refuse]

CONFIGURED = '''
import os
from openai import OpenAI


class LLM:
    def __init__(self, config):
        self.config = config
        api_key = self.config.api_key or os.getenv("OPENAI_API_KEY")
        base_url = (
            self.config.openai_base_url
            or os.getenv("OPENAI_API_BASE")
            or os.getenv("OPENAI_BASE_URL")
            or "https://api.openai.com/v1"
        )
        self.client = OpenAI(api_key=api_key, base_url=base_url)

    def ask(self, q):
        return self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])


class Model:
    def __init__(self, url=None, api_key=None):
        self._url = url or os.environ.get("OPENAI_API_BASE_URL")
        self._client = OpenAI(base_url=self._url, api_key=api_key or os.environ.get("OPENAI_API_KEY"))

    def ask(self, q):
        return self._client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])


plain = OpenAI(api_key=os.getenv("OPENAI_API_KEY"), base_url=os.getenv("OPENAI_BASE_URL"))


class Config:
    api_key = None
    openai_base_url = None


print(LLM(Config()).ask("a").choices[0].message.content is not None)
print(Model().ask("b").choices[0].message.content is not None)
print(plain.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "c"}]).model)
'''

ELSEWHERE = '''
import os
from openai import OpenAI

local = OpenAI(base_url=os.getenv("OLLAMA_HOST", "http://localhost:11434/v1"), api_key=os.environ["OPENAI_API_KEY"])
router = OpenAI(base_url=os.getenv("OPENROUTER_API_BASE") or "https://openrouter.ai/api/v1", api_key=os.environ["OPENAI_API_KEY"])


def ask(q):
    return router.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
'''


def migrate(source: str, provider: str, plan: str = "compat"):
    result = migrate_source(textwrap.dedent(source).lstrip("\n"), "m.py", select(PACKS, provider, plan))
    assert result.error is None, result.error
    return result


def code_lines(output: str) -> str:
    return "\n".join(line for line in output.splitlines() if not line.lstrip().startswith("#"))


def rendered_default(provider: str) -> str:
    """What the pack's client rule writes as base_url= for a bare OpenAI()."""
    out = migrate("from openai import OpenAI\nclient = OpenAI()\n", provider).output
    call = out[out.index("base_url=") + len("base_url=") :]
    depth = 0
    for i, ch in enumerate(call):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth < 0 or (depth == 0 and ch == ","):
            return call[:i]
    raise AssertionError(out)


@pytest.mark.parametrize("provider", COMPAT)
def test_a_default_written_as_a_value_is_retargeted_where_it_is_written(provider):
    ruleset = select(PACKS, provider, "compat")
    value, key = rendered_default(provider), ruleset.vars["api_key_env"]
    result = migrate(CONFIGURED, provider)
    out = result.output
    code = code_lines(out)
    # OpenAI's variables and URL are gone from every default; the caller's choices stay first
    assert "OPENAI_" not in code and "api.openai.com" not in code, code
    assert f'self.config.openai_base_url\n            or {value}\n        )' in out
    assert f'self._url = url or {value}\n' in out
    assert f'base_url={value})' in out
    assert f'os.getenv("{key}")' in out
    # the constructions read the retargeted values; a key that may still be None (nothing set)
    # fails there rather than let the openai SDK read OPENAI_API_KEY itself (re-review S10)
    assert f'self.client = OpenAI(api_key=api_key or os.environ["{key}"], base_url=base_url)' in out
    assert "OpenAI(base_url=self._url," in out
    warnings = [d.message for d in result.diagnostics if d.severity == "warning"]
    assert any("self.config.openai_base_url" in w and "configured value" in w for w in warnings)
    # nothing is left for a person but, where the provider has no model for it, the model
    manual = [d for d in result.diagnostics if d.severity == "manual" and not d.rule.endswith("/model")]
    assert not manual, [(d.rule, d.message) for d in manual]
    # a second apply changes nothing
    again = migrate_source(out, "m.py", ruleset)
    assert again.output == out


@pytest.mark.parametrize("provider", COMPAT)
def test_a_default_naming_another_server_is_left_alone(provider):
    result = migrate(ELSEWHERE, provider)
    assert result.output == textwrap.dedent(ELSEWHERE).lstrip("\n")
    assert not [d for d in result.diagnostics if d.severity in ("manual", "warning")]


@pytest.mark.parametrize(
    "source",
    [
        # a value read for something else as well: retargeting it there would move that too
        '''
    import os
    from openai import OpenAI
    base = os.getenv("OPENAI_BASE_URL")
    def make():
        url = base or "https://api.openai.com/v1"
        print(url)
        return OpenAI(base_url=url)
    ''',
        # a value after the default, and a parameter with a default of its own
        '''
    import os
    from openai import OpenAI
    def make(fallback):
        return OpenAI(base_url=os.getenv("OPENAI_BASE_URL") or fallback)
    def make2(url="https://gateway.example/v1"):
        return OpenAI(base_url=url or os.getenv("OPENAI_BASE_URL"))
    ''',
        # another service's variable, with no default: unset means OpenAI, set means that service
        '''
    import os
    from openai import OpenAI
    client = OpenAI(base_url=os.getenv("GATEWAY_URL"), api_key=os.getenv("OPENAI_API_KEY"))
    ''',
    ],
)
def test_a_value_that_decides_otherwise_keeps_the_client_and_its_key(source):
    result = migrate(source, "dashscope")
    code = code_lines(result.output)
    assert "DASHSCOPE" not in code, code
    assert textwrap.dedent(source).lstrip("\n").count("OPENAI_") == code.count("OPENAI_")


def test_check_reads_the_default_where_it_is_written(tmp_path: Path):
    from migrator.check import check_bytes

    policy = Policy("compat", (), ("https://dashscope.aliyuncs.com/compatible-mode/v1",))
    listed = Policy("compat", (), ("https://dashscope.aliyuncs.com/compatible-mode/v1",), listed=True)

    def flagged(source: str, pol: Policy):
        text = textwrap.dedent(source).lstrip("\n")
        return [f.message for f in check_bytes("m.py", text.encode(), pol).findings if f.rule == "check/openai-client-endpoint"]

    before = CONFIGURED
    after = migrate(CONFIGURED, "dashscope").output
    assert len(flagged(before, policy)) == 3
    assert flagged(after, policy) == []
    # another service is not OpenAI usage, unless the user keeps a list of their own
    assert flagged(ELSEWHERE, policy) == []
    assert len(flagged(ELSEWHERE, listed)) == 1  # openrouter.ai (localhost is self-hosted)


def test_the_migrated_program_reaches_the_provider_and_never_openai(tmp_path: Path):
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    migrated = migrate(CONFIGURED, "dashscope").output
    with FakeServer("dashscope") as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, migrated)[0])
        # OpenAI's variables point at a trap: the migrated defaults must not read them
        env.update(
            {
                "OPENAI_BASE_URL": trap.base_url(),
                "OPENAI_API_BASE": trap.base_url(),
                "OPENAI_API_BASE_URL": trap.base_url(),
                "OPENAI_API_KEY": "sk-openai-trap",
            }
        )
        done = run_program(migrated, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert trap.requests == []
        sent = srv.requests
        assert [r.json["model"] for r in sent] == ["qwen-plus", "qwen-flash", "qwen-plus"]
        assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in sent)


# kani: the endpoint is a parameter whose default is OpenAI's URL, never falsy: `api_base or <provider>`
# kept OpenAI's endpoint and sent the provider's key there
URL_DEFAULT = '''
import asyncio
from openai import AsyncOpenAI


class Engine:
    def __init__(self, model, api_key=None, api_base: str = "https://api.openai.com/v1"):
        self.client = AsyncOpenAI(api_key=api_key, base_url=api_base)
        self.model = model

    async def predict(self, text):
        reply = await self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content


print(asyncio.run(Engine("gpt-4o").predict("hi")))
'''


@pytest.mark.parametrize("provider", COMPAT)
def test_a_parameter_defaulting_to_openai_s_url_is_retargeted_where_it_is_written(provider):
    out = migrate(URL_DEFAULT, provider).output
    # and a caller passing None (read by the SDK as OpenAI's endpoint) gets the provider's too
    assert "api.openai.com" not in out and "base_url=api_base or " in out, out
    assert f'api_base: str = {rendered_default(provider)}' in out, out
    assert migrate(out, provider).output == out


@pytest.mark.parametrize(
    "field",
    [
        '"https://api.openai.com/v1"',
        'Field("https://api.openai.com/v1")',
        'field(default="https://api.openai.com/v1")',
        # a factory without parameters stands for what it returns (distilabel's OpenAIBaseClient)
        'field(default_factory=lambda: "https://api.openai.com/v1")',
        'Field(default_factory=lambda: os.getenv("OPENAI_BASE_URL", "https://api.openai.com/v1"))',
    ],
)
def test_a_class_field_defaulting_to_openai_s_url_is_retargeted_with_the_model_of_its_calls(field):
    # browser-use's chat dataclasses with OpenAI's URL: the model default was mapped to a Qwen model
    # while the client stayed on api.openai.com (site not rewritten), so OpenAI was asked for qwen-plus
    source = f"""
from dataclasses import dataclass, field
import os
from openai import OpenAI
from pydantic import Field


@dataclass
class Engine:
    model: str = "gpt-4o"
    api_key: str = None
    base_url: str = {field}

    def client(self):
        return OpenAI(api_key=self.api_key, base_url=self.base_url)

    def ask(self, text):
        return self.client().chat.completions.create(model=self.model, messages=[])
"""
    result = migrate(source, "dashscope")
    out = result.output
    assert "api.openai.com" not in out and 'model: str = "qwen-plus"' in out and "base_url=self.base_url" in out, out
    assert "DASHSCOPE_COMPATIBLE_BASE_URL" in out and not [d for d in result.diagnostics if d.severity == "manual"]
    assert migrate(out, "dashscope").output == out


def test_a_parameter_url_default_reaches_the_provider_with_its_key_and_never_openai(tmp_path: Path):
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    migrated = migrate(URL_DEFAULT, "dashscope").output
    with FakeServer("dashscope") as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, migrated)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        program = migrated.replace(
            'asyncio.run(Engine("gpt-4o").predict("hi"))',
            'asyncio.run(Engine("qwen-plus").predict("hi")), asyncio.run(Engine("qwen-plus", api_base=None).predict("hi"))',
        )
        done = run_program(program, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert trap.requests == [] and [r.json["model"] for r in srv.requests] == ["qwen-plus", "qwen-plus"]
        assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in srv.requests)


def test_openai_s_url_a_caller_passes_for_a_retargeted_parameter_is_retargeted_with_it(tmp_path: Path):
    # review N3 (kani): `OpenAIEngine(key, api_base="https://api.openai.com/v1")` kept OpenAI's
    # endpoint for a client now built with the provider's key: the key went to api.openai.com
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    source = URL_DEFAULT.replace(
        'Engine("gpt-4o").predict("hi")', 'Engine("gpt-4o", api_base="https://api.openai.com/v1").predict("hi")'
    )
    source += 'print(asyncio.run(Engine("gpt-4o", None, "https://api.openai.com/v1/").predict("hi")))\n'
    result = migrate(source, "dashscope")
    migrated = result.output
    assert "api.openai.com" not in migrated, migrated
    assert migrate(migrated, "dashscope").output == migrated
    with FakeServer("dashscope") as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, migrated)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        done = run_program(migrated.replace('"gpt-4o"', '"qwen-plus"'), "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert trap.requests == [] and len(srv.requests) == 2
        assert all(r.authorization == f"Bearer {test_key('dashscope')}" for r in srv.requests)


LOCAL_KEY = '''
import os
from openai import OpenAI


def make(base_url=None):
    return OpenAI(base_url=base_url, api_key="ollama")


def ask(q, base_url=None):
    return make(base_url).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])


print(ask("hi").choices[0].message.content, ask("hi", os.environ["LOCAL_URL"]).choices[0].message.content)
'''


def test_a_literal_key_beside_a_caller_s_endpoint_stays_that_endpoint_s(tmp_path: Path):
    # review 4 R2 (textgrad's Ollama branch): `OpenAI(base_url=base_url, api_key="ollama")` became
    # `base_url or <provider>` with the provider's key: a caller's own server received DashScope's key
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    result = migrate(LOCAL_KEY, "dashscope")
    migrated = result.output
    assert 'api_key="ollama" if base_url else os.environ["DASHSCOPE_API_KEY"]' in migrated, migrated
    assert migrate(migrated, "dashscope").output == migrated
    with FakeServer("dashscope") as srv, FakeServer("openai") as local, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, migrated)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap", "LOCAL_URL": local.base_url()})
        done = run_program(migrated, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert trap.requests == []
        assert [r.authorization for r in srv.requests] == [f"Bearer {test_key('dashscope')}"]
        assert [r.authorization for r in local.requests] == ["Bearer ollama"]


def test_a_key_that_is_the_caller_s_choice_warns_that_callers_must_pass_the_provider_s():
    # review 4 R1 (llm's embedder): `OpenAI(api_key=key)` with `key=None` became `key or <provider key>`
    # silently, while every caller hands it the key its user set for OpenAI
    result = migrate(
        '''
import openai


class Embedder:
    def embed(self, items, *, key=None):
        return openai.OpenAI(api_key=key).embeddings.create(input=items, model="text-embedding-3-small").data
''',
        "dashscope",
    )
    assert 'api_key=key or os.environ["DASHSCOPE_API_KEY"]' in result.output, result.output
    assert [d.severity for d in result.diagnostics if "every caller must now pass the provider's key" in d.message] == ["warning"]


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_openai_s_variable_set_from_a_value_keeps_its_name(plan):
    # review 4 R6 (textgrad's ChatExternalClient): `os.environ["OPENAI_API_KEY"] = client.api_key`
    # became a write of DASHSCOPE_API_KEY: a handed OpenAI client's key went to DashScope
    result = migrate(
        '''
import os
from openai import OpenAI


class External:
    def __init__(self, client):
        if os.getenv("OPENAI_API_KEY") is None:
            os.environ["OPENAI_API_KEY"] = client.api_key
        os.environ["OPENAI_BASE_URL"] = "http://localhost:1/v1"
        self.client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))

    def ask(self):
        return self.client.chat.completions.create(model="gpt-4o", messages=[])
''',
        "dashscope",
        plan,
    )
    assert 'os.environ["OPENAI_API_KEY"] = client.api_key' in result.output, result.output
    assert 'if os.getenv("OPENAI_API_KEY") is None:' in result.output  # (the read guarding it stays with it: re-review S3)
    assert [d.line for d in result.diagnostics if "is set here from a value, which may be OpenAI's key" in d.message] == [8]


def test_a_name_declaring_openai_s_key_variable_is_renamed_with_the_client():
    # review 4 R1 (llm): `key_env_var = "OPENAI_API_KEY"` is where llm's callers read the key they
    # hand the embedder; left, OpenAI's key went to the provider
    result = migrate(
        '''
import openai

MESSAGE = "OPENAI_API_KEY"


class Embedder:
    key_env_var = "OPENAI_API_KEY"
    needs: str = "OPENAI_API_KEY"

    def embed(self, items, *, key=None):
        return openai.OpenAI(api_key=key).embeddings.create(input=items, model="text-embedding-3-small").data
''',
        "dashscope",
    )
    out = result.output
    assert 'key_env_var = "DASHSCOPE_API_KEY"' in out and 'MESSAGE = "OPENAI_API_KEY"' in out, out
    assert 'needs: str = "OPENAI_API_KEY"' in out


def test_an_unset_provider_key_never_lets_the_openai_sdk_fall_back_to_openai_s(tmp_path: Path):
    # re-review S1: `OpenAI(api_key=os.getenv("OPENAI_API_KEY"))` became os.getenv("DASHSCOPE_API_KEY"):
    # unset (a machine still set up for OpenAI), that is None and the openai SDK reads
    # OPENAI_API_KEY itself: OpenAI's key went to DashScope
    from tests.equivalence import base_env, migrated_env, run_program, write_guard
    from tests.fakes import FakeServer

    source = '''
import os
from openai import OpenAI

client = OpenAI(api_key=os.getenv("OPENAI_API_KEY"))
print(client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}]).model)
'''
    migrated = migrate(source, "dashscope").output
    assert 'api_key=os.environ["DASHSCOPE_API_KEY"]' in migrated, migrated
    with FakeServer("dashscope") as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, migrated)[0])
        env.pop("DASHSCOPE_API_KEY", None)
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        done = run_program(migrated, "main.py", env, tmp_path / "run")
        assert done.returncode != 0 and "DASHSCOPE_API_KEY" in done.tail(), done.tail()  # fails loudly, sends nothing
        assert srv.requests == [] and trap.requests == []


def test_openai_s_variable_set_to_a_real_key_or_from_setdefault_keeps_its_name():
    # re-review S2, S4: `os.environ["OPENAI_API_KEY"] = "sk-proj-..."` (a notebook's idiom) and
    # `os.environ.setdefault("OPENAI_API_KEY", client.api_key)` were renamed: OpenAI's key went to
    # the provider; a placeholder ("test") is a setting and moves with the clients
    result = migrate(
        '''
import os
from openai import OpenAI
os.environ["OPENAI_API_KEY"] = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
os.environ.setdefault("OPENAI_API_KEY", os.environ["MY_KEY"])
os.environ["OPENAI_API_KEY"] = "test"
client = OpenAI()
print(client.chat.completions.create(model="gpt-4o", messages=[]))
''',
        "dashscope",
    )
    out = result.output
    assert out.count('"OPENAI_API_KEY"') == 2 and 'os.environ["DASHSCOPE_API_KEY"] = "test"' in out, out
    assert [d.line for d in result.diagnostics if "is set here from a value" in d.message] == [3, 4]
    assert not any("sk-proj" in d.message for d in result.diagnostics)


def test_a_settings_module_writing_openai_s_variable_from_a_value_is_reported():
    # re-review S3: the write sat in a module building no client, and got no word
    result = migrate(
        '''
import os


def configure(key):
    os.environ["OPENAI_API_KEY"] = key
''',
        "dashscope",
    )
    assert [d.severity for d in result.diagnostics if "is set here from a value" in d.message] == ["warning"]


def test_a_literal_key_beside_a_caller_s_endpoint_with_an_env_fallback_stays_that_endpoint_s():
    # re-review S5: `base_url=base_url or os.getenv("OPENAI_BASE_URL")` (retargeted where it is
    # written) with api_key="ollama": the caller's own server received DashScope's key
    result = migrate(
        LOCAL_KEY.replace("OpenAI(base_url=base_url,", 'OpenAI(base_url=base_url or os.getenv("OPENAI_BASE_URL"),'), "dashscope"
    )
    assert 'api_key="ollama" if base_url else os.environ["DASHSCOPE_API_KEY"]' in result.output, result.output


def test_no_key_beside_a_caller_s_endpoint_stays_none_there():
    # re-review L4: `api_key=None` (the SDK reads OPENAI_API_KEY) beside a caller's base_url was
    # replaced by the provider's key, sent to the caller's server, and warned as "a key written in the code"
    result = migrate(LOCAL_KEY.replace('api_key="ollama"', "api_key=None"), "dashscope")
    assert 'api_key=None if base_url else os.environ["DASHSCOPE_API_KEY"]' in result.output, result.output
    assert not [d for d in result.diagnostics if "a key written in the code" in d.message]


def test_a_real_key_written_beside_a_caller_s_endpoint_is_replaced_with_a_warning():
    source = LOCAL_KEY.replace('"ollama"', '"sk-abcdefghijklmnopqrstuvwxyz0123456789"')
    result = migrate(source, "dashscope")
    assert "sk-abcdefghij" not in result.output and 'api_key=os.environ["DASHSCOPE_API_KEY"]' in result.output
    assert [d.severity for d in result.diagnostics if "a caller giving an endpoint of its own" in d.message] == ["warning"]


@pytest.mark.parametrize(
    "body, endpoint",
    [
        ('config["base_url"] = "https://api.deepseek.com"\n        c = OpenAI(**config)', "other"),
        ('config["base_url"] = "https://api.openai.com/v1"\n        c = OpenAI(**config)', "dynamic"),
        ('if x:\n            config["base_url"] = "https://api.deepseek.com"\n        c = OpenAI(**config)', "dynamic"),
        ('c = OpenAI(**config)\n        config["base_url"] = "https://api.deepseek.com"', "dynamic"),
        (
            'config["base_url"] = "https://api.deepseek.com"\n        config.pop("base_url")\n        c = OpenAI(**config)',
            "dynamic",
        ),
        (
            'config["base_url"] = "https://api.deepseek.com"\n        config.update(extra)\n        c = OpenAI(**config)',
            "dynamic",
        ),
        (
            'config["base_url"] = "https://api.deepseek.com"\n        config = dict(extra)\n        c = OpenAI(**config)',
            "dynamic",
        ),
    ],
)
def test_a_base_url_set_in_the_spread_dict_just_before_the_construction_is_its_endpoint(body, endpoint):
    # review 4 R5 (aisuite): `config["base_url"] = "https://api.deepseek.com"` then `OpenAI(**config)`
    # was "left on OpenAI as a whole" for a person; only an unconditional, last word counts
    from migrator.analyzer.python import analyze_python

    source = f"from openai import OpenAI\n\n\nclass P:\n    def __init__(self, x=None, extra=None, **config):\n        {body}\n"
    (client,) = [f for f in analyze_python(source, "p.py").findings if f.kind == "client"]
    assert client.detail["endpoint"] == endpoint, source


@pytest.mark.parametrize("decorator, base", [("@dataclass\n", ""), ("", "(BaseModel)")])
def test_openai_s_url_a_caller_passes_for_a_retargeted_field_is_retargeted_with_it(decorator, base):
    # re-review S6: N3 for a dataclass / pydantic field: `Svc(base_url="https://api.openai.com/v1")`
    # kept OpenAI's URL while the field default and key moved (DashScope's key to api.openai.com)
    source = f'''
import os
from dataclasses import dataclass
from openai import OpenAI
from pydantic import BaseModel


{decorator}class Svc{base}:
    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o"

    def ask(self):
        return OpenAI(base_url=self.base_url, api_key=os.getenv("K")).chat.completions.create(model=self.model, messages=[])


print(Svc(base_url="https://api.openai.com/v1", model="gpt-4o-mini").ask())
'''
    result = migrate(source, "dashscope")
    assert "api.openai.com" not in result.output and '"gpt-4o' not in result.output, result.output
    if decorator:  # positional callers of a dataclass, by field order
        positional = migrate(
            source.replace(
                'Svc(base_url="https://api.openai.com/v1", model="gpt-4o-mini")',
                'Svc("https://api.openai.com/v1", "gpt-4o-mini")',
            ),
            "dashscope",
        ).output
        assert "api.openai.com" not in positional and '"gpt-4o' not in positional, positional


def test_a_caller_in_another_module_passing_openai_s_url_keeps_the_client_whole(tmp_path: Path):
    # review N3 across modules (kani's examples): `Engine("gpt-4o", api_base="https://api.openai.com/v1")`
    # in run.py kept OpenAI's URL for a client moved with the provider's key: the key went to OpenAI
    import json

    from tests.test_apply_cli import make_repo, run
    from tests.test_project import apply

    engine = URL_DEFAULT.split("\n\nprint(")[0].lstrip("\n").encode()
    caller = b'import asyncio\n\nfrom engine import Engine\n\nprint(asyncio.run(Engine("gpt-4o", api_base="https://api.openai.com/v1").predict("hi")))\n'
    repo = make_repo(tmp_path, {"engine.py": engine, "run.py": caller})
    doc = apply(repo, "--dry-run")
    assert not [f for f in doc["files"] if f["path"] == "engine.py"], doc["files"]
    assert any(
        d["path"] == "engine.py" and d["severity"] == "manual" and "run.py passes OpenAI's URL for `api_base`" in d["message"]
        for d in doc["diagnostics"]
    ), doc["diagnostics"]
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
    assert row["automatic"] + row["with_diagnostics"] == 0 and row["manual"] == 1, row
    # a caller passing nothing (or another server's URL) leaves it free to move
    (repo / "run.py").write_bytes(caller.replace(b'api_base="https://api.openai.com/v1"', b'api_base="http://localhost:8000/v1"'))
    doc = apply(repo, "--dry-run", "--allow-dirty")
    assert [f for f in doc["files"] if f["path"] == "engine.py"], doc["diagnostics"]


def test_a_parameter_defaulting_to_another_server_is_not_openai_usage():
    source = URL_DEFAULT.replace("https://api.openai.com/v1", "http://localhost:11434/v1")
    result = migrate(source, "dashscope")
    assert "localhost:11434" in result.output and "DASHSCOPE_API_KEY" not in result.output
    assert not [d for d in result.diagnostics if d.severity == "manual" and "run time" in d.message], result.diagnostics


MEM0_LIKE = '''
import os
from openai import OpenAI


class LLM:
    def __init__(self, config):
        self.config = config
        if os.environ.get("OPENROUTER_API_KEY"):
            self.client = OpenAI(
                api_key=os.environ.get("OPENROUTER_API_KEY"),
                base_url=self.config.openrouter_base_url or os.getenv("OPENROUTER_API_BASE") or "https://openrouter.ai/api/v1",
            )
        else:
            api_key = self.config.api_key or os.getenv("OPENAI_API_KEY")
            base_url = self.config.openai_base_url or os.getenv("OPENAI_BASE_URL") or "https://api.openai.com/v1"
            self.client = OpenAI(api_key=api_key, base_url=base_url)
'''


@pytest.mark.parametrize("provider", COMPAT)
def test_the_key_moves_with_a_retargeted_endpoint_beside_another_service_s_client(provider):
    # mem0ai: the OpenRouter client reads its own key, so it does not hold OPENAI_API_KEY back;
    # the OpenAI client's key and endpoint move together (its endpoint alone moved in the review run)
    out = migrate(MEM0_LIKE, provider).output
    key = select(PACKS, provider, "compat").vars["api_key_env"]
    assert f'api_key = self.config.api_key or os.getenv("{key}")' in out
    assert 'os.getenv("OPENAI_BASE_URL")' not in out and "https://openrouter.ai/api/v1" in out


def test_a_client_whose_key_may_be_one_kept_for_another_client_stays_whole():
    source = '''
        import os
        from openai import AzureOpenAI, OpenAI
        KEY = os.getenv("OPENAI_API_KEY")
        azure = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01", api_key=KEY)
        class M:
            def __init__(self, cfg):
                key = cfg.key or KEY
                base = cfg.url or os.getenv("OPENAI_BASE_URL")
                self.client = OpenAI(api_key=key, base_url=base)
    '''
    result = migrate(source, "dashscope")
    assert "DASHSCOPE" not in code_lines(result.output)
    assert any("its api_key comes from a value" in d.message for d in result.diagnostics)


AZURE_BESIDE = '''
    import os
    from openai import AzureOpenAI, OpenAI
    KEY = os.getenv("OPENAI_API_KEY")
    azure = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01", api_key=KEY)
    class M:
        def __init__(self, cfg):
            key = cfg.key or os.getenv("OPENAI_API_KEY")
            base = cfg.url or os.getenv("OPENAI_BASE_URL")
            self.client = OpenAI(api_key=key, base_url=base)
'''


@pytest.mark.parametrize("provider", COMPAT)
def test_a_key_read_into_a_local_only_its_client_reads_moves_with_that_client(provider):
    # mem0ai: `api_key = cfg.api_key or os.getenv("OPENAI_API_KEY")` then OpenAI(api_key=api_key):
    # the read feeds that client alone, so a client elsewhere that stays (Azure here) does not
    # hold it back; the Azure client's own read (module level) is kept for it
    result = migrate(AZURE_BESIDE, provider)
    key = select(PACKS, provider, "compat").vars["api_key_env"]
    out = code_lines(result.output)
    assert f'key = cfg.key or os.getenv("{key}")' in out
    assert 'KEY = os.getenv("OPENAI_API_KEY")' in out
    assert 'os.getenv("OPENAI_BASE_URL")' not in out


@pytest.mark.parametrize(
    "shared",
    [
        "self.other = Wrapper(api_key=key)",  # another library's client may talk to OpenAI
        "self.key = key",  # kept for later: anything may read it
        "return key",
    ],
)
def test_a_local_key_read_for_anything_else_too_is_not_the_client_s_alone(shared):
    source = AZURE_BESIDE.replace(
        "self.client = OpenAI(api_key=key, base_url=base)",
        "self.client = OpenAI(api_key=key, base_url=base)\n            " + shared,
    )
    result = migrate(source, "dashscope")
    assert "DASHSCOPE_API_KEY" not in code_lines(result.output)
    assert any("its api_key comes from a value" in d.message for d in result.diagnostics)


def test_the_self_check_follows_a_key_through_a_local_or_chain():
    from migrator.engine.selfcheck import introduced

    before = textwrap.dedent('''
        import os
        from openai import OpenAI
        def make(cfg):
            key = cfg.key or os.getenv("OPENAI_API_KEY")
            base = cfg.url or os.getenv("OPENAI_BASE_URL")
            return OpenAI(api_key=key, base_url=base)
    ''')
    after = before.replace(
        'os.getenv("OPENAI_BASE_URL")',
        'os.environ.get("DASHSCOPE_COMPATIBLE_BASE_URL", "https://dashscope.aliyuncs.com/compatible-mode/v1")',
    )
    problems = introduced(before, after, select(PACKS, "dashscope", "compat"))
    assert any("reads OPENAI_API_KEY" in p.message for p in problems), problems


NAMED_KEY = '''
import os
from openai import OpenAI
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    openai_api_key: str = ""


settings = Settings()
client = OpenAI(api_key=settings.openai_api_key)
print(client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "a"}]).model)
'''


@pytest.mark.parametrize(
    "shape",
    [
        "client = OpenAI(api_key=settings.openai_api_key)",
        "client = OpenAI(api_key=settings.OPENAI_API_KEY)",
        "def make(openai_api_key=None):\n    return OpenAI(api_key=openai_api_key)",
        "def make(cfg):\n    key = cfg.openai_key or os.getenv('OPENAI_API_KEY')\n    return OpenAI(api_key=key)",
        # codeinterpreterapi: a LangChain object moved to the compatible endpoint kept OpenAI's key
        "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o', api_key=settings.OPENAI_API_KEY)",
        # chatblade: a config mapping read with a key naming OpenAI's
        "def make(config):\n    return OpenAI(api_key=config['openai_api_key'])",
        "def make(params):\n    return OpenAI(api_key=params.get('openai_key'))",
    ],
)
@pytest.mark.parametrize("plan", ["compat", "native"])
def test_a_key_named_as_openai_s_keeps_its_client_on_openai(shape, plan):
    source = "import os\nfrom openai import OpenAI\nfrom config import settings\n" + shape + "\n"
    pf = next(pf for pf in PACKS if pf.name == "dashscope")
    result = migrate_source(source, "m.py", select(PACKS, pf.name, plan))
    assert result.error is None
    assert "DASHSCOPE" not in code_lines(result.output) and "dashscope" not in code_lines(result.output)
    assert any("by its name holds OpenAI's key" in d.message for d in result.diagnostics), result.diagnostics


KEY_SETTING_CHAINS = {
    # chatlab: the key chain ends in the openai module's key setting, read through a local and self
    "self_local": """
class Chat:
    def __init__(self, api_key=None, base_url=None):
        openai_key = api_key or os.getenv("OPENAI_API_KEY") or openai.api_key
        self.api_key = openai_key
        self.base_url = base_url

    async def ask(self, text):
        client = AsyncOpenAI(api_key=self.api_key, base_url=self.base_url)
        return await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
""",
    "self_direct": """
class Bot:
    def __init__(self, key=None):
        self.key = key or os.getenv("OPENAI_API_KEY") or openai.api_key

    def ask(self, text):
        return OpenAI(api_key=self.key).chat.completions.create(model="gpt-4o", messages=[])
""",
    "module_var": """
KEY = os.environ.get("OPENAI_API_KEY") if USE_ENV else openai.api_key


def ask(text):
    return OpenAI(api_key=KEY).chat.completions.create(model="gpt-4o", messages=[])
""",
}


@pytest.mark.parametrize("shape", sorted(KEY_SETTING_CHAINS))
@pytest.mark.parametrize("provider,plan", [("dashscope", "compat"), ("deepseek", "compat"), ("qianfan", "native")])
def test_a_key_that_can_be_the_openai_module_s_key_setting_keeps_its_client_whole(shape, provider, plan):
    # with the provider's variable unset, `openai.api_key` (OPENAI_API_KEY under openai<1, or
    # whatever the program set for OpenAI) would be sent to the provider: nothing moves, not even
    # the environment read in the chain, and the reason names the setting
    source = "import os\nimport openai\nfrom openai import AsyncOpenAI, OpenAI\nUSE_ENV = True\n" + KEY_SETTING_CHAINS[shape]
    result = migrate_source(source, "m.py", select(PACKS, provider, plan))
    assert result.error is None
    assert result.output == source
    assert any("`openai.api_key`, the openai module's key setting" in d.message for d in result.diagnostics), result.diagnostics


@pytest.mark.parametrize(
    "chain",
    [
        'os.environ.get("OPENAI_KEY") or os.environ.get("OPENAI_API_KEY")',
        'os.getenv("AZURE_OPENAI_API_KEY")',
        'key or os.environ["MY_OPENAI_TOKEN"]',
    ],
)
def test_a_key_chain_reading_another_variable_named_for_openai_keeps_its_client_whole(chain):
    # only OPENAI_API_KEY is renamed with the client: OPENAI_KEY (set in a deployment of this code)
    # was kept first in the chain and sent to the provider
    source = f"import os\nfrom openai import OpenAI\n\ndef make(key=None):\n    return OpenAI(api_key={chain})\n"
    result = migrate(source, "dashscope")
    assert result.output == source, result.output
    assert any("which by its name holds OpenAI's key and is not renamed" in d.message for d in result.diagnostics), (
        result.diagnostics
    )


def test_a_neutral_key_chain_beside_the_openai_module_is_still_migrated():
    # `openai.base_url` in the same chain is not the key: the client moves, its key read with it
    source = (
        "import os\nimport openai\nfrom openai import OpenAI\n"
        "def make(key=None):\n    k = key or os.getenv('OPENAI_API_KEY')\n"
        "    return OpenAI(api_key=k, base_url=openai.base_url)\n"
    )
    out = migrate(source, "dashscope").output
    assert "DASHSCOPE_API_KEY" in out, out


def test_a_key_of_a_neutral_name_is_still_the_caller_s_choice():
    out = migrate(
        "import os\nfrom openai import OpenAI\ndef make(cfg):\n    return OpenAI(api_key=cfg.api_key)\n", "dashscope"
    ).output
    assert "DASHSCOPE_COMPATIBLE_BASE_URL" in out and "api_key=cfg.api_key" in out


def test_a_pydantic_setting_named_for_openai_never_sends_openai_s_key_to_the_provider(tmp_path: Path):
    # BaseSettings fills openai_api_key from OPENAI_API_KEY: had the client been pointed at the
    # provider with that key, OpenAI's key would reach the provider's server
    pytest.importorskip("pydantic_settings")
    from tests.equivalence import base_env, migrated_env, run_program, write_guard
    from tests.fakes import FakeServer

    migrated = migrate(NAMED_KEY, "dashscope").output
    with FakeServer("dashscope") as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, migrated)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        done = run_program(migrated, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert all("sk-openai-trap" not in (r.authorization or "") for r in srv.requests)
        assert srv.requests == [] and len(trap.requests) == 1  # left on OpenAI, as reported


def test_the_sdk_s_own_base_url_is_read_as_openai_s_default():
    # gpt-command-line: base_url=base_url or openai.base_url (None unless set: the SDK's default)
    source = (
        "import openai\nfrom openai import OpenAI\n\n\ndef make(base_url=None):\n"
        "    client = OpenAI(base_url=base_url or openai.base_url)\n"
        "    return client.chat.completions.create(model='gpt-4o', messages=[])\n"
    )
    result = migrate_source(source, "m.py", select(PACKS, "dashscope", "compat"))
    assert result.error is None
    assert (
        'base_url=base_url or os.environ.get("DASHSCOPE_COMPATIBLE_BASE_URL", '
        '"https://dashscope.aliyuncs.com/compatible-mode/v1")'
    ) in result.output, result.output
    assert "model='qwen-plus'" in result.output
    # another object's base_url is not the SDK's
    other = source.replace("import openai\n", "import settings as openai\n")
    assert "DASHSCOPE" not in code_lines(migrate_source(other, "m.py", select(PACKS, "dashscope", "compat")).output)


@pytest.mark.parametrize(
    "given",
    [
        "str(self.base_url) if self.base_url is not None else None",
        "str(self.base_url)",
        "self.base_url if self.base_url else None",
    ],
)
def test_a_class_field_defaulting_to_another_server_is_that_server_s_client(given):
    # browser-use's ChatDeepSeek / ChatCerebras: reported "left on OpenAI: endpoint set at run time"
    source = f"""
import os
from dataclasses import dataclass
from openai import AsyncOpenAI


@dataclass
class ChatDeepSeek:
    model: str = "deepseek-chat"
    base_url: str = "https://api.deepseek.com/v1"

    def client(self):
        return AsyncOpenAI(api_key=os.getenv("DEEPSEEK_API_KEY"), base_url={given})

    async def ask(self, text):
        return await self.client().chat.completions.create(model=self.model, messages=[])
"""
    from migrator.analyzer.python import analyze_python

    (client,) = [f for f in analyze_python(textwrap.dedent(source), "m.py").findings if f.kind == "client"]
    assert client.detail["endpoint"] == "other" and client.detail["default_url"] == "https://api.deepseek.com/v1"
    result = migrate(source, "dashscope")
    assert result.output == textwrap.dedent(source).lstrip("\n")
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics


# distilabel 1.5.3 OpenAIBaseClient: pydantic fields whose defaults are made by factories reading
# OpenAI's variables (the key's name a module constant), the client built in a base class's
# load(), the calls made by a subclass; a model field given by the caller
FACTORY_FIELDS = '''
import os
from typing import Optional

from openai import OpenAI
from pydantic import BaseModel, Field, PrivateAttr

_OPENAI_API_KEY_ENV_VAR_NAME = "OPENAI_API_KEY"


class OpenAIBaseClient(BaseModel):
    model: str = Field(default_factory=lambda: "gpt-4o")
    base_url: Optional[str] = Field(default_factory=lambda: os.getenv("OPENAI_BASE_URL", "https://api.openai.com/v1"))
    api_key: Optional[str] = Field(default_factory=lambda: os.getenv(_OPENAI_API_KEY_ENV_VAR_NAME))
    _client: OpenAI = PrivateAttr(None)

    def load(self):
        if self.api_key is None:
            raise ValueError("no key")
        self._client = OpenAI(base_url=self.base_url, api_key=self.api_key)


class OpenAILLM(OpenAIBaseClient):
    def generate(self, text):
        reply = self._client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content


llm = OpenAILLM()
llm.load()
print(llm.generate("hi"))
'''


@pytest.mark.parametrize("provider", ["dashscope", "deepseek"])
def test_fields_made_by_factories_reach_the_provider_with_its_key_and_never_openai(tmp_path: Path, provider):
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    result = migrate(FACTORY_FIELDS, provider)
    migrated = result.output
    assert "api.openai.com" not in migrated and "\"OPENAI_" not in code_lines(migrated), migrated
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    assert migrate(migrated, provider).output == migrated
    with FakeServer(provider) as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env(provider, srv, migrated)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        done = run_program(migrated, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert trap.requests == [] and len(srv.requests) == 1, srv.requests
        assert not srv.requests[0].json["model"].startswith("gpt")
        assert srv.requests[0].authorization == f"Bearer {test_key(provider)}"


@pytest.mark.parametrize(
    "factory",
    ["lambda url=None: url or 'https://api.openai.com/v1'", "default_url", "lambda: default_url()"],
)
def test_a_factory_that_is_not_a_plain_value_keeps_the_client_reported(factory):
    source = FACTORY_FIELDS.replace('lambda: os.getenv("OPENAI_BASE_URL", "https://api.openai.com/v1")', factory).replace(
        "class OpenAIBaseClient", "def default_url():\n    return 'https://api.openai.com/v1'\n\n\nclass OpenAIBaseClient"
    )
    result = migrate(source, "dashscope")
    assert "OpenAI(base_url=self.base_url, api_key=self.api_key)" in result.output, result.output
    assert [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
