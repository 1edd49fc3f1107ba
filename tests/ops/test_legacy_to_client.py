"""legacy_to_client: v0 module calls become calls on an explicit client: sync calls share one
lazily built client per module, async calls build theirs at the call."""

from __future__ import annotations

import textwrap

LEGACY = {"kind": "call", "receiver": ["legacy", "module"]}
OP = (
    "legacy_to_client",
    {
        "sync": {"expr": 'acme.Client(api_key=os.environ["${api_key_env}"])', "imports": ["acme", "os"]},
        "async": {"expr": 'acme.AsyncClient(api_key=os.environ["${api_key_env}"])', "imports": ["acme", "os"]},
    },
)
PER_CALL = ("legacy_to_client", {**OP[1], "shared": False})
ACCESSOR = '''

        @functools.lru_cache(maxsize=None)
        def _migrator_client():
            """The client the migrated module-level OpenAI calls share, built on first use."""
            return acme.Client(api_key=os.environ["ACME_API_KEY"])
'''


def test_v1_client_calls_are_not_matched(assert_codemod):
    assert_codemod('from openai import OpenAI\nOpenAI().chat.completions.create(model="m")\n', None, LEGACY, OP, silent=True)


def test_sync_legacy_call_uses_a_shared_lazy_client(assert_codemod):
    assert_codemod(
        'import openai\nr = openai.ChatCompletion.create(model="m", messages=[])\n',
        """\
        import functools
        import os

        import acme
        import openai
        """
        + ACCESSOR
        + """\
        r = _migrator_client().chat.completions.create(model="m", messages=[])
        """,
        LEGACY,
        OP,
    )


def test_shared_false_builds_the_client_at_the_call(assert_codemod):
    assert_codemod(
        'import openai\nr = openai.ChatCompletion.create(model="m", messages=[])\n',
        """\
        import os

        import acme
        import openai
        r = acme.Client(api_key=os.environ["ACME_API_KEY"]).chat.completions.create(model="m", messages=[])
        """,
        LEGACY,
        PER_CALL,
    )


def test_an_existing_name_is_not_shadowed(assert_codemod):
    source = 'import openai\n_migrator_client = 1\nr = openai.ChatCompletion.create(model="m")\n'
    expected = textwrap.dedent(ACCESSOR).replace("_migrator_client", "_migrator_client_2")
    assert_codemod(
        source,
        "import functools\nimport os\n\nimport acme\nimport openai\n"
        + expected
        + '_migrator_client = 1\nr = _migrator_client_2().chat.completions.create(model="m")\n',
        LEGACY,
        OP,
    )


def test_async_acreate_uses_the_async_client_and_the_canonical_method(assert_codemod):
    assert_codemod(
        "import openai\nasync def f():\n    return await openai.ChatCompletion.acreate(model=\"m\")\n",
        """\
        import os

        import acme
        import openai
        async def f():
            return await acme.AsyncClient(api_key=os.environ["ACME_API_KEY"]).chat.completions.create(model="m")
        """,
        LEGACY,
        OP,
    )


def test_v1_module_level_call(assert_codemod):
    assert_codemod(
        'import openai\nopenai.embeddings.create(model="m", input="x")\n',
        """\
        import os

        import acme
        import openai
        acme.Client(api_key=os.environ["ACME_API_KEY"]).embeddings.create(model="m", input="x")
        """,
        LEGACY,
        PER_CALL,
    )


def test_imports_added_once_for_many_calls_and_unused_openai_removed(assert_codemod):
    assert_codemod(
        """\
        import os
        import openai
        a = openai.Completion.create(model="m", prompt="x")
        b = openai.Embedding.create(model="m", input="x")
        """,
        """\
        import functools
        import os
        import acme
        """
        + ACCESSOR
        + """\
        a = _migrator_client().completions.create(model="m", prompt="x")
        b = _migrator_client().embeddings.create(model="m", input="x")
        """,
        LEGACY,
        OP,
        cleanup=["openai"],
    )
