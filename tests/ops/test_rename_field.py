"""rename_field: result paths renamed for attribute and key reads alike."""

from __future__ import annotations

RESULT = {"kind": "result"}
USAGE = ("rename_field", {"from": "usage.prompt_tokens", "to": "usage.input_tokens"})
HEAD = 'from openai import OpenAI\nr = OpenAI().chat.completions.create(model="m")\n'


def test_other_fields_are_left_alone(assert_codemod):
    assert_codemod(HEAD + "print(r.usage.total_tokens, r.choices[0].message.content)\n", None, RESULT, USAGE, silent=True)


def test_attribute_style(assert_codemod):
    assert_codemod(HEAD + "n = r.usage.prompt_tokens\n", HEAD + "n = r.usage.input_tokens\n", RESULT, USAGE)


def test_key_style_keeps_quotes(assert_codemod):
    legacy = 'import openai\nr = openai.ChatCompletion.create(model="m")\n'
    assert_codemod(
        legacy + "n = r['usage']['prompt_tokens']\n",
        legacy + "n = r['usage']['input_tokens']\n",
        {"kind": "result", "legacy": True},
        USAGE,
    )


def test_any_index(assert_codemod):
    assert_codemod(
        HEAD + "t = r.choices[0].message.content\n",
        HEAD + "t = r.choices[0].msg.content\n",
        RESULT,
        ("rename_field", {"from": "choices[].message", "to": "choices[].msg"}),
    )


def test_mismatched_paths_are_refused_by_the_validator():
    from migrator.engine.ops import OPS

    assert OPS["rename_field"].validate({"from": "usage.prompt_tokens", "to": "input_tokens"})
