"""rename_env: env var names in code, quote style kept."""

from __future__ import annotations

ENV = {"kind": "env", "variable": "OPENAI_API_KEY"}
OP = ("rename_env", {"to": "${api_key_env}"})


def test_other_variables_are_left_alone(assert_codemod):
    assert_codemod('import os\nk = os.environ["MY_KEY"]\n', None, ENV, OP, silent=True)


def test_all_read_forms_and_quote_styles(assert_codemod):
    assert_codemod(
        """\
        import os
        a = os.environ['OPENAI_API_KEY']
        b = os.getenv("OPENAI_API_KEY")
        c = os.environ.get('''OPENAI_API_KEY''', "")
        """,
        """\
        import os
        a = os.environ['ACME_API_KEY']
        b = os.getenv("ACME_API_KEY")
        c = os.environ.get('''ACME_API_KEY''', "")
        """,
        ENV,
        OP,
    )


def test_from_import_of_getenv(assert_codemod):
    assert_codemod(
        'from os import getenv\nk = getenv("OPENAI_API_KEY")\n', 'from os import getenv\nk = getenv("ACME_API_KEY")\n', ENV, OP
    )
