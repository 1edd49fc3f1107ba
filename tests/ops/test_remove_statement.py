"""remove_statement: module configuration removed only when provably redundant."""

from __future__ import annotations

CONFIG = {"kind": "config"}
OP = ("remove_statement", {})


def test_other_assignments_are_left_alone(assert_codemod):
    assert_codemod("import openai\nx = 1\nopenai_key = 'k'\n", None, CONFIG, OP, silent=True)


def test_env_literal_and_none_values_are_removed(assert_codemod):
    assert_codemod(
        """\
        import os
        import openai
        openai.api_key = os.getenv("OPENAI_API_KEY")
        openai.api_base = "https://example.invalid/v1"
        openai.organization = None
        x = 1
        """,
        "import os\nimport openai\nx = 1\n",
        CONFIG,
        OP,
        diagnostics=["info: removed `openai.api_key = ...`", "removed `openai.api_base = ...`"],
    )


def test_other_statements_on_the_same_line_stay(assert_codemod):
    assert_codemod('import openai\nopenai.api_key = "k"; x = 1\nprint(x)\n', "import openai\nx = 1\nprint(x)\n", CONFIG, OP)


def test_only_statement_of_a_block_leaves_pass(assert_codemod):
    assert_codemod('import openai\nif True:\n    openai.api_key = "k"\n', "import openai\nif True:\n    pass\n", CONFIG, OP)


def test_expression_value_is_kept_and_reported(assert_codemod):
    assert_codemod(
        "import openai\nopenai.api_key = load_key()\n",
        "import openai\n# TODO(migrator: acme/rule): `openai.api_key = load_key()` sets openai.api_key "
        "from an expression; move it to the client by hand\nopenai.api_key = load_key()\n",
        CONFIG,
        OP,
        diagnostics=["manual: `openai.api_key = load_key()`"],
    )


def test_kept_while_legacy_calls_are_left(assert_codemod):
    assert_codemod(
        'import openai\nopenai.api_key = "k"\nr = openai.ChatCompletion.create(model="m")\n',
        "import openai\n# TODO(migrator: acme/rule): `openai.api_key = \"k\"` still configures legacy "
        "calls that were not migrated\nopenai.api_key = \"k\"\nr = openai.ChatCompletion.create(model=\"m\")\n",
        CONFIG,
        OP,
        diagnostics=["still configures legacy calls"],
    )
