"""A class of the module inheriting what its base class of the same module sets: the client a
base's method stores in ``self._client`` (distilabel's ``OpenAIBaseClient.load()``, the calls made
by ``OpenAILLM``) and the model a base's field holds.  Before, a subclass's ``self._client`` was
resolved only through bases in other modules of the project: in the same module the call was
"unresolved" while the base's client moved to the provider, so the provider received gpt-4o."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

PACKS = load_all([])

LOADED = '''
from openai import OpenAI


class Base:
    def load(self):
        self._client = OpenAI()


class Mid(Base):
    pass


class Sub(Mid):
    def generate(self, text):
        reply = self._client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content


llm = Sub()
llm.load()
print(llm.generate("hi"))
'''

FIELD = '''
from openai import OpenAI


class Base:
    model = "gpt-4o-mini"

    def __init__(self):
        self._client = OpenAI()


class Sub(Base):
    def generate(self, text):
        reply = self._client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content


print(Sub().generate("hi"))
'''


def migrate(source: str, provider: str = "dashscope"):
    result = migrate_source(textwrap.dedent(source).lstrip("\n"), "m.py", select(PACKS, provider, "compat"))
    assert result.error is None, result.error
    return result


@pytest.mark.parametrize("source", [LOADED, FIELD], ids=["client-set-by-a-base-method", "model-of-a-base-field"])
def test_a_subclass_s_calls_move_with_the_client_its_base_sets(tmp_path: Path, source: str):
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    result = migrate(source)
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    assert '"gpt-4o' not in result.output, result.output
    assert migrate(result.output).output == result.output
    with FakeServer("dashscope") as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env("dashscope", srv, result.output)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        done = run_program(result.output, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert trap.requests == [] and len(srv.requests) == 1
        assert not srv.requests[0].json["model"].startswith("gpt")
        assert srv.requests[0].authorization == f"Bearer {test_key('dashscope')}"


def test_a_base_field_read_for_something_else_by_another_subclass_stays_and_is_reported():
    source = FIELD.replace(
        "\n\nprint(Sub()",
        '\n\nclass Other(Base):\n    def tier(self):\n        return "big" if self.model.startswith("gpt-4") else "small"\n\n\nprint(Sub()',
    )
    result = migrate(source)
    assert 'model = "gpt-4o-mini"' in result.output, result.output
    assert [d for d in result.diagnostics if d.severity == "manual" and d.rule.endswith("/model")], result.diagnostics


@pytest.mark.parametrize("other", ["OpenAI()", 'OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")'])
def test_two_bases_setting_the_attribute_move_or_stay_with_the_subclass_s_call(other: str):
    # which base's client an instance holds is the MRO's business: the call goes with both
    source = LOADED.replace(
        "class Mid(Base):\n    pass", f"class Mid:\n    def load(self):\n        self._client = {other}"
    ).replace("class Sub(Mid):", "class Sub(Mid, Base):")
    result = migrate(source)
    if other == "OpenAI()":  # both move, and the call's model with them
        assert result.output.count("DASHSCOPE_API_KEY") == 2 and '"gpt-4o"' not in result.output, result.output
    else:  # one talks to another server: nothing moves, as when one class sets both
        assert result.output == textwrap.dedent(source).lstrip("\n"), result.output


def test_scan_promises_what_apply_does_for_a_subclass_of_the_module(tmp_path: Path):
    import json

    from tests.test_apply_cli import make_repo, run
    from tests.test_endpoint_values import FACTORY_FIELDS
    from tests.test_project import apply

    repo = make_repo(tmp_path, {"one.py": LOADED.lstrip().encode(), "base.py": FACTORY_FIELDS.lstrip().encode()})
    proc = run("scan", "--provider", "dashscope", "--format", "json", "--no-cache", cwd=repo)
    (row,) = [r for r in json.loads(proc.stdout)["readiness"] if r["plan"] == "compat"]
    assert (row["automatic"] + row["with_diagnostics"], row["manual"]) == (2, 0), row
    report = apply(repo, "--plan", "compat", "--dry-run")
    assert sorted(f["path"] for f in report["files"] if f["path"].endswith(".py")) == ["base.py", "one.py"], report["files"]
    assert not [d for d in report["diagnostics"] if d["severity"] == "manual"], report["diagnostics"]
