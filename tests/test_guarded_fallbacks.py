"""Keys and endpoints that fall back by a statement (issue 15, lightrag-hku 1.5.7's
``openai_complete_if_cache``): a parameter rebound only by ``if not x: x = <value>`` / ``if x is
None: x = <value>`` before the construction has the value ``x or <value>``, and is migrated as
that expression is: the caller's choice kept, OpenAI's default (``OPENAI_*`` reads and OpenAI's
URL) turned into the provider's.  A shape that is not that (the value read for something else
too, an ``else`` branch) is left whole with its reason.  The migrated program runs with the real
SDK against the provider's fake, OpenAI's variables pointing at a trap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrator.ruleset import load_all, select
from tests.test_params_dicts import manual, migrate

PACKS = load_all([])

GUARDED = '''
import asyncio
import os
import sys

from openai import AsyncOpenAI


def make(api_key=None, base_url=None):
    if not api_key:
        api_key = os.environ["OPENAI_API_KEY"]
    if base_url is None:
        base_url = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
    return AsyncOpenAI(api_key=api_key, base_url=base_url)


async def ask(q):
    r = await make().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content


print(asyncio.run(ask(sys.argv[0])) is not None)
'''.lstrip("\n")

# the same with `if not base_url:`, a literal URL and os.getenv for the key
GUARDED_LITERAL = (
    GUARDED.replace("if base_url is None:", "if not base_url:")
    .replace('os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")', '"https://api.openai.com/v1"')
    .replace('os.environ["OPENAI_API_KEY"]', 'os.getenv("OPENAI_API_KEY")')
)

# the same through a dict: the entry set if given, else its default
GUARDED_DICT = GUARDED.replace(
    """    if not api_key:
        api_key = os.environ["OPENAI_API_KEY"]
    if base_url is None:
        base_url = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
    return AsyncOpenAI(api_key=api_key, base_url=base_url)
""",
    """    d = {"api_key": api_key}
    if base_url is not None:
        d["base_url"] = base_url
    else:
        d["base_url"] = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
    return AsyncOpenAI(**d)
""",
)

PLANS = [("dashscope", "compat"), ("dashscope", "native"), ("deepseek", "compat"), ("deepseek", "native")]


def run_migrated(tmp_path: Path, provider: str, plan: str, source: str):
    """Migrate ``source`` and run it against the provider's fake, every OpenAI variable it may
    read (OPENAI_API_BASE too) on a trap; the one request the provider received."""
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    result = migrate(source, provider, plan)
    with FakeServer(provider) as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env(provider, srv, result.output)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_BASE": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        done = run_program(result.output, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        assert done.stdout.strip() == "True" and trap.requests == []
        [sent] = srv.requests
    assert sent.json["model"] == select(PACKS, provider, plan).map_model("gpt-4o")
    assert sent.authorization == f"Bearer {test_key(provider)}"
    return result


@pytest.mark.parametrize("source", [GUARDED, GUARDED_LITERAL], ids=["env", "literal"])
@pytest.mark.parametrize("provider,plan", PLANS)
def test_a_statement_fallback_is_retargeted_where_it_is_written(tmp_path: Path, provider, plan, source):
    result = run_migrated(tmp_path, provider, plan, source)
    out = result.output
    var = "DASHSCOPE_API_KEY" if provider == "dashscope" else "DEEPSEEK_API_KEY"
    # the caller's choice is kept; the fallbacks name the provider's key and endpoint
    assert "    if not api_key:\n" in out and "OPENAI_API_KEY" not in out and var in out, out
    assert "api.openai.com" not in out and "OPENAI_API_BASE" not in out, out
    assert "        base_url = " in out and "base_url=base_url" in out, out
    assert "left on OpenAI" not in manual(result)


def test_a_statement_fallback_read_for_something_else_too_is_left_whole():
    # the endpoint is also logged: which value it holds there is not only the client's business
    source = GUARDED.replace("    return AsyncOpenAI(", "    print(base_url)\n    return AsyncOpenAI(")
    result = migrate(source, "dashscope")
    assert result.output == source
    assert "left on OpenAI as a whole" in manual(result) and "its endpoint is set at run time" in manual(result)


def test_a_rebinding_under_another_condition_is_not_a_fallback():
    # `if fast: base_url = ...`: base_url is still None otherwise, and the SDK then reads
    # OPENAI_BASE_URL, else OpenAI's URL: not `base_url or <value>`
    source = GUARDED.replace("base_url=None):", "base_url=None, fast=False):").replace("if base_url is None:", "if fast:")
    assert source != GUARDED
    result = migrate(source, "dashscope")
    assert result.output == source and "left on OpenAI as a whole" in manual(result)


def test_scan_counts_a_statement_fallback_as_apply_migrates_it(tmp_path: Path):
    from tests.projects import apply
    from tests.test_apply_cli import make_repo, run

    repo = make_repo(tmp_path, {"app/llm.py": GUARDED.encode()})
    proc = run("scan", "--format", "json", "--provider", "dashscope", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    rows = {r["plan"]: r for r in json.loads(proc.stdout)["readiness"]}
    assert (rows["compat"]["automatic"], rows["compat"]["manual"]) == (1, 0), rows
    assert rows["native"]["manual"] == 0, rows
    for plan in ("compat", "native"):
        doc = apply(repo, "--dry-run", "--plan", plan)
        assert doc["summary"]["left_for_review"] == 0, doc["diagnostics"]
        assert '+        api_key = os.environ["DASHSCOPE_API_KEY"]' in doc["files"][0]["diff"]


def flagged(source: str):
    from migrator.check import check_bytes, load_policy
    from migrator.config import Config

    policy = load_policy(Config(), "compat")
    return [f.message for f in check_bytes("m.py", source.encode("utf-8"), policy).findings]


# the branches the other way round
GUARDED_DICT_REVERSED = GUARDED_DICT.replace(
    """    if base_url is not None:
        d["base_url"] = base_url
    else:
        d["base_url"] = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
""",
    """    if base_url is None:
        d["base_url"] = os.environ.get("OPENAI_API_BASE", "https://api.openai.com/v1")
    else:
        d["base_url"] = base_url
""",
)


@pytest.mark.parametrize("source", [GUARDED_DICT, GUARDED_DICT_REVERSED], ids=["is-not-none", "is-none"])
@pytest.mark.parametrize("provider,plan", PLANS)
def test_a_dict_entry_set_if_given_else_defaulted_is_retargeted_in_its_default_branch(tmp_path: Path, provider, plan, source):
    assert GUARDED_DICT != GUARDED and GUARDED_DICT_REVERSED != GUARDED_DICT
    out = run_migrated(tmp_path, provider, plan, source).output
    assert '        d["base_url"] = base_url\n' in out and '        d["base_url"] = os.environ.get(' in out
    assert "api.openai.com" not in out and "OPENAI_" not in out and "return AsyncOpenAI(**d)" in out, out
    # check reads the entry's default where it is written: OpenAI's before, the provider's after
    assert flagged(out) == [] and flagged(source) != []


def test_a_dict_entry_given_something_else_than_the_parameter_is_left_whole():
    source = GUARDED_DICT.replace('        d["base_url"] = base_url\n', '        d["base_url"] = base_url + "/v1"\n')
    assert source != GUARDED_DICT
    result = migrate(source, "dashscope")
    assert result.output == source and "left on OpenAI as a whole" in manual(result)
