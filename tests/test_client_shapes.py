"""Client shapes found on unseen packages (issue 15, second review): a client built inside a
package's own lazy property from a dynamically imported ``openai`` (griptape's drivers), and an
API method handed to a retry helper as a value (smolagents).  The first is migrated and run
against the provider's fake; the second keeps its client whole, reported, as apply cannot see
the calls made through the method."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from tests.test_model_values import requests_of

PACKS = load_all([])

LAZY = '''
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openai


class lazy_property:
    def __init__(self, fn=None):
        self.fn = fn

    def __call__(self, fn):
        return lazy_property(fn)

    def __get__(self, obj, owner=None):
        value = self.fn(obj)
        obj.__dict__[self.fn.__name__] = value
        return value


class Driver:
    def __init__(self, api_key=None, base_url=None):
        self.api_key = api_key
        self.base_url = base_url

    @lazy_property()
    def client(self) -> openai.OpenAI:
        openai = importlib.import_module("openai")
        return openai.OpenAI(api_key=self.api_key, base_url=self.base_url)

    def embed(self, text):
        return self.client.embeddings.create(input=text, model="text-embedding-3-small")

    def ask(self, q):
        return self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])


print(len(Driver().embed("a").data), Driver().ask("b").model)
'''


def migrate(source: str, provider: str = "dashscope", plan: str = "compat"):
    return migrate_source(textwrap.dedent(source).lstrip("\n"), "m.py", select(PACKS, provider, plan))


def test_a_client_built_in_a_lazy_property_from_a_dynamic_import_is_migrated_and_reaches_the_provider(tmp_path: Path):
    result = migrate(LAZY)
    assert result.error is None, result.error
    out = result.output
    assert 'api_key=self.api_key or os.environ["DASHSCOPE_API_KEY"]' in out, out
    assert 'model="qwen-plus"' in out and 'model="text-embedding-v4"' in out
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    sent = requests_of(out, tmp_path)
    assert [r.json["model"] for r in sent] == ["text-embedding-v4", "qwen-plus"]


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_an_api_method_handed_on_as_a_value_keeps_its_client_whole(plan):
    source = '''
    from openai import OpenAI
    client = OpenAI()
    def retry(fn, **kwargs):
        return fn(**kwargs)
    def ask(q):
        return retry(client.chat.completions.create, model="gpt-4o", messages=[{"role": "user", "content": q}])
    def embed(t):
        return client.embeddings.create(model="text-embedding-3-small", input=t)
    '''
    result = migrate(source, plan=plan)
    assert result.error is None, result.error
    assert result.output == textwrap.dedent(source).lstrip("\n")
    manual = [d.message for d in result.diagnostics if d.severity == "manual"]
    assert any("client.chat.completions.create` is passed as a value at line 6" in m for m in manual), manual
