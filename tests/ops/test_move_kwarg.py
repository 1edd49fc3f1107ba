"""move_kwarg: into a new dict, into a dict literal; a non-literal target is manual."""

from __future__ import annotations

CALL = {"kind": "call"}
OP = ("move_kwarg", {"name": "top_k", "into": "extra_body"})
HEAD = "from openai import OpenAI\nc = OpenAI()\n"


def test_absent_keyword_is_silent(assert_codemod):
    assert_codemod(HEAD + 'c.chat.completions.create(model="m", extra_body={"a": 1})\n', None, CALL, OP, silent=True)


def test_into_a_new_dict(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="m", top_k=3)\n',
        HEAD + 'c.chat.completions.create(model="m", extra_body={"top_k": 3})\n',
        CALL,
        OP,
        diagnostics=["info: moved top_k= into extra_body="],
    )


def test_into_an_existing_dict_literal(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(top_k=3, model="m", extra_body={"a": 1})\n',
        HEAD + 'c.chat.completions.create(model="m", extra_body={"a": 1, "top_k": 3})\n',
        CALL,
        OP,
    )


def test_into_an_empty_dict_literal(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="m", top_k=3, extra_body={})\n',
        HEAD + 'c.chat.completions.create(model="m", extra_body={"top_k": 3})\n',
        CALL,
        OP,
    )


def test_into_a_non_literal_is_manual(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(model="m", top_k=3, extra_body=body)\n',
        HEAD + "# TODO(migrator: acme/rule): cannot move top_k= into extra_body=, which is not a dict "
        "literal\n" + 'c.chat.completions.create(model="m", top_k=3, extra_body=body)\n',
        CALL,
        OP,
        diagnostics=["manual: cannot move top_k= into extra_body="],
    )


def test_given_twice_is_manual(assert_codemod):
    assert_codemod(
        HEAD + 'c.chat.completions.create(top_k=3, extra_body={"top_k": 4})\n',
        HEAD + "# TODO(migrator: acme/rule): top_k is given both directly and in extra_body=; keep one\n"
        'c.chat.completions.create(top_k=3, extra_body={"top_k": 4})\n',
        CALL,
        OP,
        diagnostics=["manual: top_k is given both"],
    )
