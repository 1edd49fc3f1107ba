"""todo: leave the code, report it, add one TODO comment (unless disabled)."""

from __future__ import annotations

from migrator.engine import migrate_source

from tests.ops.conftest import make_ruleset

CALL = {"kind": "call", "api": "embeddings.create"}
OP = ("todo", {"message": "Acme has no embeddings; keep ${base_url} out of it"})
BEFORE = 'from openai import OpenAI\nc = OpenAI()\nc.embeddings.create(model="m", input="x")\n'
AFTER = (
    'from openai import OpenAI\nc = OpenAI()\n# TODO(migrator: acme/rule): Acme has no embeddings; keep '
    'https://api.acme.example/v1 out of it\nc.embeddings.create(model="m", input="x")\n'
)


def test_other_calls_are_left_alone(assert_codemod):
    assert_codemod('from openai import OpenAI\nOpenAI().chat.completions.create(model="m")\n', None, CALL, OP, silent=True)


def test_comment_added_with_interpolated_message(assert_codemod):
    assert_codemod(BEFORE, AFTER, CALL, OP, diagnostics=["manual: Acme has no embeddings; keep https://api.acme"])


def test_rerun_does_not_duplicate_the_comment():
    result = migrate_source(AFTER, "case.py", make_ruleset(CALL, OP))
    assert result.output == AFTER
    assert [d.severity for d in result.diagnostics] == ["manual"]  # still reported


def test_indented_statement_gets_an_indented_comment(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\ndef f():\n    return c.embeddings.create(input="x")\n',
        'from openai import OpenAI\nc = OpenAI()\ndef f():\n    # TODO(migrator: acme/rule): Acme has no '
        'embeddings; keep https://api.acme.example/v1 out of it\n    return c.embeddings.create(input="x")\n',
        CALL,
        OP,
    )


def test_no_todo_comments_reports_without_editing(assert_codemod):
    assert_codemod(BEFORE, None, CALL, OP, todo_comments=False, diagnostics=["manual: Acme has no embeddings"])
