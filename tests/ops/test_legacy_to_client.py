"""legacy_to_client: v0 module calls become calls on a client built at the call."""

from __future__ import annotations

LEGACY = {"kind": "call", "receiver": ["legacy", "module"]}
OP = ("legacy_to_client", {
    "sync": {"expr": 'acme.Client(api_key=os.environ["${api_key_env}"])', "imports": ["acme", "os"]},
    "async": {"expr": 'acme.AsyncClient(api_key=os.environ["${api_key_env}"])', "imports": ["acme", "os"]},
})


def test_v1_client_calls_are_not_matched(assert_codemod):
    assert_codemod('from openai import OpenAI\nOpenAI().chat.completions.create(model="m")\n', None, LEGACY, OP,
                   silent=True)


def test_sync_legacy_call(assert_codemod):
    assert_codemod('import openai\nr = openai.ChatCompletion.create(model="m", messages=[])\n', """\
        import openai
        import acme
        import os
        r = acme.Client(api_key=os.environ["ACME_API_KEY"]).chat.completions.create(model="m", messages=[])
        """, LEGACY, OP)


def test_async_acreate_uses_the_async_client_and_the_canonical_method(assert_codemod):
    assert_codemod("import openai\nasync def f():\n    return await openai.ChatCompletion.acreate(model=\"m\")\n", """\
        import openai
        import acme
        import os
        async def f():
            return await acme.AsyncClient(api_key=os.environ["ACME_API_KEY"]).chat.completions.create(model="m")
        """, LEGACY, OP)


def test_v1_module_level_call(assert_codemod):
    assert_codemod('import openai\nopenai.embeddings.create(model="m", input="x")\n', """\
        import openai
        import acme
        import os
        acme.Client(api_key=os.environ["ACME_API_KEY"]).embeddings.create(model="m", input="x")
        """, LEGACY, OP)


def test_imports_added_once_for_many_calls_and_unused_openai_removed(assert_codemod):
    assert_codemod("""\
        import os
        import openai
        a = openai.Completion.create(model="m", prompt="x")
        b = openai.Embedding.create(model="m", input="x")
        """, """\
        import os
        import acme
        a = acme.Client(api_key=os.environ["ACME_API_KEY"]).completions.create(model="m", prompt="x")
        b = acme.Client(api_key=os.environ["ACME_API_KEY"]).embeddings.create(model="m", input="x")
        """, LEGACY, OP, cleanup=["openai"])
