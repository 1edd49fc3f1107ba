"""rename_kwarg: from -> to; both present is left for a person."""

from __future__ import annotations

CALL = {"kind": "call"}
OP = ("rename_kwarg", {"from": "max_completion_tokens", "to": "max_tokens"})


def test_absent_keyword_is_left_alone(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", max_tokens=5)\n',
        None,
        CALL,
        OP,
        silent=True,
    )


def test_rename(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", max_completion_tokens=5)\n',
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", max_tokens=5)\n',
        CALL,
        OP,
        silent=True,
    )


def test_rename_keeps_spacing_and_value(assert_codemod):
    assert_codemod(
        "from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(\n    model='m',\n"
        "    max_completion_tokens = limit,  # cap\n)\n",
        "from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(\n    model='m',\n"
        "    max_tokens = limit,  # cap\n)\n",
        CALL,
        OP,
    )


def test_conflict_with_the_new_name_is_manual(assert_codemod):
    result = assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(max_completion_tokens=5, max_tokens=4)\n',
        "from openai import OpenAI\nc = OpenAI()\n"
        "# TODO(migrator: acme/rule): both max_completion_tokens= and max_tokens= are given; keep one\n"
        "c.chat.completions.create(max_completion_tokens=5, max_tokens=4)\n",
        CALL,
        OP,
        diagnostics=["manual: both max_completion_tokens= and max_tokens="],
    )
    assert result.diagnostics[0].line == 3
