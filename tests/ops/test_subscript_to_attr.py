"""subscript_to_attr: dict-style reads of legacy results become attribute reads."""

from __future__ import annotations

RESULT = {"kind": "result", "legacy": True}
OP = ("subscript_to_attr", {})


def test_attribute_reads_are_left_alone(assert_codemod):
    assert_codemod(
        'import openai\nr = openai.ChatCompletion.create(model="m")\nprint(r.choices[0].message.content)\n',
        None,
        RESULT,
        OP,
        silent=True,
    )


def test_v1_results_are_not_matched(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nr = OpenAI().chat.completions.create(model="m")\nx = r["id"]\n', None, RESULT, OP, silent=True
    )


def test_keys_become_attributes_and_indexes_stay(assert_codemod):
    assert_codemod(
        """\
        import openai
        r = openai.ChatCompletion.create(model="m")
        print(r["choices"][0]["message"]["content"], r['usage']['total_tokens'])
        """,
        """\
        import openai
        r = openai.ChatCompletion.create(model="m")
        print(r.choices[0].message.content, r.usage.total_tokens)
        """,
        RESULT,
        OP,
    )


def test_streamed_chunks(assert_codemod):
    assert_codemod(
        """\
        import openai
        for chunk in openai.ChatCompletion.create(model="m", stream=True):
            print(chunk["choices"][0]["delta"]["content"])
        """,
        """\
        import openai
        for chunk in openai.ChatCompletion.create(model="m", stream=True):
            print(chunk.choices[0].delta.content)
        """,
        RESULT,
        OP,
    )
