"""Clients built from the dict a same-class helper returns (issue 15, browser-use 0.13.14's chat
classes): ``AsyncOpenAI(**self._get_client_params())`` or through a local, the helper returning
a literal or a dict it builds.  The base_url/api_key entries are what the client has: another
service's URL (OpenRouter's, Vercel's) is not OpenAI usage, even where the helper computes the key
itself; None / OpenAI's is retargeted in the dict as explicit keywords are (a pass-through
``str(x) if x is not None else None`` included).  The migrated program runs with the real SDK
against the provider's fake, OpenAI's variables pointing at a trap."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrator.ruleset import load_all
from migrator.testing import fixture_case
from tests.test_params_dicts import manual, migrate, run_migrated

PACKS = load_all([])
COMPAT = [pf.name for pf in PACKS if "compat" in pf.plans and not pf.plans["compat"].refuse]


def flagged(source: str):
    from migrator.check import check_bytes, load_policy
    from migrator.config import Config

    policy = load_policy(Config(), "compat")
    return [f.message for f in check_bytes("m.py", source.encode("utf-8"), policy).findings]


CASES = Path(__file__).resolve().parent.parent / "fixtures"
# browser_use/llm/openrouter/chat.py (and vercel/chat.py): the helper computes the key itself
OPENROUTER = fixture_case(CASES, "dashscope", "compat", "helper-dict-openrouter").input.read_text()
# browser_use/llm/openai/chat.py: every value read from the fields, the URL passed through str()
OPENAI_CHAT = (
    fixture_case(CASES, "dashscope", "compat", "helper-dict-pass-through").input.read_text()
    + "\n\nimport sys  # noqa: E402\n\nprint(asyncio.run(ChatOpenAI().ainvoke(sys.argv[0])) is not None)\n"
)

# the brief's shape: the helper returns a literal, spread straight into the construction
DIRECT = textwrap.dedent(
    '''
    import sys

    from openai import OpenAI


    class Chat:
        def __init__(self, api_key=None, base_url=None, model="gpt-4o"):
            self.api_key = api_key
            self.base_url = base_url
            self.model = model

        def _get_client_params(self):
            return {"api_key": self.api_key, "base_url": self.base_url, "max_retries": 0}

        def get_client(self):
            return OpenAI(**self._get_client_params())

        def ask(self, question):
            messages = [{"role": "user", "content": question}]
            r = self.get_client().chat.completions.create(model=self.model, messages=messages)
            return r.choices[0].message.content


    print(Chat().ask(sys.argv[0]) is not None)
    '''
).lstrip("\n")


# a function of the module, called only there, builds the dict (conditional keys added before its return)
MODULE_HELPER = textwrap.dedent(
    '''
    import os
    import sys

    from openai import OpenAI


    def client_params():
        params = {"max_retries": 0}
        if os.environ.get("APP_TIMEOUT"):
            params["timeout"] = float(os.environ["APP_TIMEOUT"])
        return params


    def ask(question):
        client = OpenAI(**client_params())
        messages = [{"role": "user", "content": question}]
        return client.chat.completions.create(model="gpt-4o", messages=messages).choices[0].message.content


    print(ask(sys.argv[0]) is not None)
    '''
).lstrip("\n")


@pytest.mark.parametrize("url", ["https://openrouter.ai/api/v1", "https://ai-gateway.vercel.sh/v1"])
def test_a_helper_dict_naming_another_service_is_not_openai_usage(url):
    source = OPENROUTER.replace("https://openrouter.ai/api/v1", url)
    for provider in COMPAT:
        result = migrate(source, provider)
        assert result.output == source
        assert manual(result) == ""
    assert flagged(source) == []
    # the same helper, no base_url: the client talks to OpenAI with a key the helper computes
    to_openai = OPENROUTER.replace('            "base_url": self.base_url,\n', "")
    result = migrate(to_openai, "dashscope")
    assert result.output == to_openai
    assert "left on OpenAI as a whole" in manual(result)
    assert "its endpoint comes from the dict built at line 21 from values its helper computes itself" in manual(result)
    assert flagged(to_openai) != []


@pytest.mark.parametrize("provider", COMPAT)
def test_a_helper_returning_a_literal_spread_into_the_construction_is_retargeted_there(provider):
    out = migrate(DIRECT, provider).output
    assert "return OpenAI(**self._get_client_params())\n" in out
    literal = out[out.index("        return {") : out.index("    def get_client")]
    assert '"api_key": self.api_key or os.environ[' in literal
    assert '"base_url": self.base_url or ' in literal
    assert flagged(out) == []


@pytest.mark.parametrize("provider", COMPAT)
def test_a_url_passed_through_str_is_retargeted_with_its_parentheses(provider):
    out = migrate(OPENAI_CHAT, provider).output
    assert '"base_url": (str(self.base_url) if self.base_url is not None else None) or ' in out
    assert flagged(out) == []
    explicit = OPENAI_CHAT.replace(
        "        client_params = self._get_client_params()\n        return AsyncOpenAI(**client_params)",
        "        return AsyncOpenAI(\n"
        "            api_key=self.api_key, base_url=str(self.base_url) if self.base_url is not None else None\n"
        "        )",
    )
    assert explicit != OPENAI_CHAT
    assert "base_url=(str(self.base_url) if self.base_url is not None else None) or " in migrate(explicit, provider).output


@pytest.mark.parametrize(
    "program", [OPENAI_CHAT, DIRECT, MODULE_HELPER], ids=["browser-use-openai", "direct-literal", "module-function"]
)
@pytest.mark.parametrize("provider", ["dashscope", "deepseek"])
def test_the_migrated_program_reaches_the_provider_with_its_key_and_model(tmp_path: Path, provider, program):
    run_migrated(tmp_path, provider, "compat", program)


LIGHTRAG = fixture_case(CASES, "dashscope", "compat", "merged-configs-lightrag").input.read_text()


def test_a_merged_dict_a_spread_mapping_may_fill_names_the_mapping_in_its_reason():
    # lightrag's shape, the key left to **client_configs and base_url set only when given
    source = LIGHTRAG.replace('        "api_key": api_key,\n', "").replace(
        '        merged_configs["base_url"] = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")', "        pass"
    )
    result = migrate(source, "dashscope")
    assert result.output == source
    assert (
        "its endpoint comes from **merged_configs, which apply cannot read as keywords (its base_url or api_key is set by a "
        "statement at line 21; **client_configs inside it may carry its base_url and api_key)"
    ) in manual(result)


@pytest.mark.parametrize("provider", COMPAT)
def test_a_module_function_building_the_dict_is_followed_there(provider):
    out = migrate(MODULE_HELPER, provider).output
    literal = out[out.index("    params = {") : out.index("    if os.environ.get")]
    assert '"api_key": os.environ[' in literal and '"base_url": ' in literal
    assert "client = OpenAI(**client_params())\n" in out
    # called twice, or the name bound again: not this call's alone
    twice = MODULE_HELPER.replace("print(ask(", "print(client_params(), ask(")
    assert migrate(twice, provider).output == twice
