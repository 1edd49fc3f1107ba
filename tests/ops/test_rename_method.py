"""rename_method: rename the resource path of an API call."""

from __future__ import annotations

CALL = {"kind": "call", "api": "chat.completions.create"}
OP = ("rename_method", {"to": "chat.completions.acreate"})


def test_other_api_is_not_matched(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.embeddings.create(model="m", input="x")\n', None, CALL, OP, silent=True
    )


def test_rename_on_a_client(assert_codemod):
    assert_codemod(
        'from openai import AsyncOpenAI\nc = AsyncOpenAI()\nasync def f():\n'
        '    return await c.chat.completions.create(model="m")\n',
        'from openai import AsyncOpenAI\nc = AsyncOpenAI()\nasync def f():\n'
        '    return await c.chat.completions.acreate(model="m")\n',
        CALL,
        OP,
    )


def test_rename_to_a_different_depth(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.images.generate(prompt="cat")\n',
        'from openai import OpenAI\nc = OpenAI()\nc.images.generations(prompt="cat")\n',
        {"kind": "call", "api": "images.generate"},
        ("rename_method", {"to": "images.generations"}),
    )


def test_receiver_expression_is_kept(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nOpenAI(timeout=3).chat.completions.create(model="m")\n',
        'from openai import OpenAI\nOpenAI(timeout=3).chat.completions.acreate(model="m")\n',
        CALL,
        OP,
    )
