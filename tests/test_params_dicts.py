"""Keywords given in a ``**params`` dict (issue 15): a client built from a dict (a literal, keys
added by ``d["k"] = v`` / ``d.update(k=v)``, a comprehension dropping None values, a same-class
helper used only there) has its endpoint and key retargeted in the dict; a call's keywords in
its ``**params`` dict are offered to the rules and renamed, dropped or clamped in the dict; a
key a statement sets, or a dict whose keys cannot all be known, keeps the unit as it is,
reported.  The migrated programs run with the real SDKs against the providers' fakes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from migrator.testing import fixture_case

PACKS = load_all([])
COMPAT = [pf.name for pf in PACKS if "compat" in pf.plans and not pf.plans["compat"].refuse]


def migrate(source: str, provider: str, plan: str = "compat"):
    source = textwrap.dedent(source).lstrip("\n")
    ruleset = select(PACKS, provider, plan)
    result = migrate_source(source, "m.py", ruleset)
    assert result.error is None, result.error
    again = migrate_source(result.output, "m.py", ruleset)
    assert again.output == result.output, "a second run changed the file"
    return result


def manual(result) -> str:
    return "\n".join(d.message for d in result.diagnostics if d.severity in ("manual", "warning"))


CLIENT_DICT = '''
from openai import OpenAI


def make(api_key=None, base_url=None):
    client_params = {"api_key": api_key, "base_url": base_url, "timeout": 30}
    return OpenAI(**client_params)
'''

# agno's shape (agno/models/openai/chat.py): a same-class helper builds the dict, drops None values
AGNO_LIKE = fixture_case(
    Path(__file__).resolve().parent.parent / "fixtures", "dashscope", "compat", "client-params-dict"
).input.read_text()


@pytest.mark.parametrize("provider", COMPAT)
def test_a_client_built_from_a_dict_is_retargeted_in_the_dict(provider):
    out = migrate(CLIENT_DICT, provider).output
    assert "return OpenAI(**client_params)\n" in out  # the call keeps its shape
    entries = out[out.index("client_params = {") : out.index("return OpenAI")]
    assert '"api_key": api_key or os.environ' in entries
    assert '"base_url": base_url or ' in entries


def test_a_same_class_helper_filtering_none_is_followed_to_its_literal():
    out = migrate(AGNO_LIKE, "deepseek").output
    assert '"api_key": self.api_key or os.environ["DEEPSEEK_API_KEY"],' in out
    assert '"base_url": self.base_url or os.environ.get("DEEPSEEK_BASE_URL", "https://api.deepseek.com"),' in out
    assert "return OpenAI(**client_params)\n" in out


@pytest.mark.parametrize(
    "change",
    [
        # a **other inside the literal
        ('"timeout": 30}', '"timeout": 30, **extra}'),
        # update() with a mapping
        ("    return OpenAI(", "    client_params.update(extra)\n    return OpenAI("),
        # a key a loop sets
        ("    return OpenAI(", "    for k in extra:\n        client_params[k] = extra[k]\n    return OpenAI("),
        # the dict is passed elsewhere too
        ("    return OpenAI(", "    log(client_params)\n    return OpenAI("),
        # the endpoint set by a statement, perhaps only sometimes
        ("    return OpenAI(", "    if extra:\n        client_params['base_url'] = extra\n    return OpenAI("),
    ],
    ids=["star-inside", "update-mapping", "loop", "passed-elsewhere", "base-url-set"],
)
def test_a_dict_whose_keys_are_not_all_known_keeps_the_client_whole(change):
    source = (
        textwrap.dedent(CLIENT_DICT)
        .lstrip("\n")
        .replace("def make(api_key=None, base_url=None):", "def make(api_key=None, base_url=None, extra=None):")
    )
    source = source.replace(*change)
    result = migrate(source, "dashscope")
    assert result.output == source


def test_a_helper_called_twice_keeps_its_clients_whole():
    source = AGNO_LIKE + "\n    def get_async_client(self):\n        return OpenAI(**self._get_client_params())\n"
    assert migrate(source, "dashscope").output == source


def test_a_native_plan_leaves_a_client_built_from_a_dict_on_the_compatible_endpoint():
    result = migrate(
        CLIENT_DICT.replace("api_key=None, base_url=None", "api_key=None").replace('"base_url": base_url, ', ""),
        "dashscope",
        "native",
    )
    assert "OpenAI(**client_params)" in result.output and "dashscope.Client" not in result.output
    assert "built from a **params dict" in manual(result)


def test_a_key_read_into_a_local_only_the_dict_reads_moves_with_its_client():
    # as api_key=key does: the OPENAI_* read feeds this client alone, while another client stays
    result = migrate(
        '''
        import os
        from openai import OpenAI
        def make():
            key = os.getenv("OPENAI_API_KEY")
            params = {"api_key": key, "timeout": 5}
            return OpenAI(**params)
        def other(url):
            return OpenAI(base_url=url)
    ''',
        "dashscope",
    )
    assert 'key = os.getenv("DASHSCOPE_API_KEY")' in result.output
    assert '"base_url": os.environ.get("DASHSCOPE_COMPATIBLE_BASE_URL"' in result.output
    assert "return OpenAI(base_url=url)" in result.output


CALL_PARAMS = '''
from openai import OpenAI

client = OpenAI()


def ask(question):
    params = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": question}],
        "max_completion_tokens": 64,  # the reply's budget
        "store": True,
    }
    resp = client.chat.completions.create(**params)
    print(resp.choices[0].message.content)
'''


def test_a_call_s_keywords_in_its_params_dict_are_renamed_and_dropped_there():
    result = migrate(CALL_PARAMS, "dashscope")
    out = result.output
    assert '        "max_tokens": 64,  # the reply\'s budget\n    }\n' in out
    assert "max_completion_tokens" not in out and "store" not in out
    assert '"model": "qwen-plus"' in out
    assert "client.chat.completions.create(**params)" in out
    assert "store= (OpenAI stored completions)" in manual(result)


def test_a_keyword_in_params_is_clamped_there():
    source = CALL_PARAMS.replace('"store": True,', '"temperature": 1.8,')
    out = migrate(source, "zhipu").output
    assert '"temperature": 1.0,' in out or '"temperature": 1,' in out, out


def test_a_key_set_by_a_statement_that_a_rule_changes_keeps_the_unit_whole():
    source = (
        textwrap.dedent(CALL_PARAMS)
        .lstrip("\n")
        .replace("    resp = ", "    if question:\n        params[\"store\"] = False\n    resp = ")
    )
    result = migrate(source, "dashscope")
    assert result.output == source
    assert "store is set in the **params dict by a statement" in manual(result)


def test_a_native_plan_sees_the_keys_of_a_params_dict():
    # zhipuai's create() rejects modalities=: the dict key blocks the native client like a keyword does
    result = migrate(CALL_PARAMS.replace('"store": True,', '"modalities": ["text"],'), "zhipu", "native")
    assert "modalities" in manual(result) and "passes **kwargs" not in manual(result)
    plain = migrate(CALL_PARAMS.replace('"store": True,', '"temperature": 0.5,'), "zhipu", "native")
    assert "from zhipuai import ZhipuAI" in plain.output or "zhipuai.ZhipuAI" in plain.output, plain.output


PROGRAM = '''
import sys
from openai import OpenAI


def make(api_key=None, base_url=None):
    client_params = {"api_key": api_key, "base_url": base_url, "max_retries": 0}
    return OpenAI(**client_params)


client = make()


def ask(question):
    params = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": question}],
        "max_completion_tokens": 16,
        "store": True,
    }
    return client.chat.completions.create(**params).choices[0].message.content


print(ask(sys.argv[0]) is not None)
'''


def run_migrated(tmp_path: Path, provider: str, plan: str, source: str):
    """Migrate ``source``, run it with the real SDK against the provider's fake (OpenAI's
    variables point at a trap): the one request that reached the provider, its body's keywords
    (DashScope's native protocol nests them under "parameters"), and the migration."""
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    result = migrate(source, provider, plan)
    with FakeServer(provider) as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env(provider, srv, result.output)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        done = run_program(result.output, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert done.stdout.strip() == "True" and trap.requests == []
        [sent] = srv.requests
    assert sent.json["model"] == select(PACKS, provider, plan).map_model("gpt-4o")
    assert test_key(provider) in (sent.authorization or "")
    return sent, dict(sent.json, **sent.json.get("parameters", {})), result


@pytest.mark.parametrize(
    "provider, dropped", [("dashscope", ["max_completion_tokens", "store"]), ("deepseek", ["max_completion_tokens"])]
)
def test_the_migrated_program_reaches_the_provider_with_its_key_base_and_model(tmp_path: Path, provider, dropped):
    sent, body, _ = run_migrated(tmp_path, provider, "compat", PROGRAM)
    assert body.get("max_tokens") == 16
    assert not [k for k in dropped if k in body], sent.json


def test_check_reads_the_base_url_of_a_params_dict():
    from migrator.check import check_bytes, load_policy
    from migrator.config import Config

    policy = load_policy(Config(), "compat")

    def flagged(source: str):
        return [f.message for f in check_bytes("m.py", source.encode("utf-8"), policy).findings]

    source = textwrap.dedent(CLIENT_DICT).lstrip("\n")
    assert any("has no visible base_url" in m or "cannot be checked" in m or "has no base_url" in m for m in flagged(source))
    assert flagged(migrate(CLIENT_DICT, "dashscope").output) == []
    no_base = source.replace('"base_url": base_url, ', "")
    assert any("has no base_url, so it talks to api.openai.com" in m for m in flagged(no_base))


# the client built plainly: a native SDK replaces it, and takes the dict's keys translated
NATIVE_PROGRAM = "import sys\nfrom openai import OpenAI\n\nclient = OpenAI()\n" + PROGRAM[PROGRAM.index("\n\ndef ask") :].replace(
    '        "store": True,\n', ""
)


@pytest.mark.parametrize(
    "provider, sdk", [("zhipu", "from zhipuai import ZhipuAI"), ("dashscope", "from dashscope import Client")]
)
def test_a_native_sdk_receives_the_keys_of_a_params_dict_translated(tmp_path: Path, provider, sdk):
    sent, body, result = run_migrated(tmp_path, provider, "native", NATIVE_PROGRAM)
    assert sdk in result.output and not result.hybrid
    assert body.get("max_tokens") == 16 and "max_completion_tokens" not in body, sent.json
