"""drop_kwarg: remove a keyword the target rejects and say which one."""

from __future__ import annotations

CLIENT = {"kind": "client"}
OP = ("drop_kwarg", {"name": "organization"})


def test_absent_keyword_is_silent(assert_codemod):
    assert_codemod("from openai import OpenAI\nc = OpenAI(timeout=3)\n", None, CLIENT, OP, silent=True)


def test_drop_last(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI(timeout=3, organization="org-1")\n',
        "from openai import OpenAI\nc = OpenAI(timeout=3)\n",
        CLIENT,
        OP,
        diagnostics=["warning: organization= is not supported by Acme; removed"],
    )


def test_drop_first(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI(organization="org-1", timeout=3)\n',
        "from openai import OpenAI\nc = OpenAI(timeout=3)\n",
        CLIENT,
        OP,
        diagnostics=["organization="],
    )


def test_drop_only_argument(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI(organization="org-1")\n',
        "from openai import OpenAI\nc = OpenAI()\n",
        CLIENT,
        OP,
        diagnostics=["organization="],
    )


def test_drop_in_a_multi_line_call_keeps_the_trailing_comma(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        c = OpenAI(
            timeout=3,
            organization="org-1",
        )
        """,
        """\
        from openai import OpenAI
        c = OpenAI(
            timeout=3,
        )
        """,
        CLIENT,
        OP,
        diagnostics=["organization="],
    )


def test_custom_message_and_severity(assert_codemod):
    op = ("drop_kwarg", {"name": "organization", "message": "organization= is OpenAI-only", "severity": "info"})
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI(organization="o")\n',
        "from openai import OpenAI\nc = OpenAI()\n",
        CLIENT,
        op,
        diagnostics=["info: organization= is OpenAI-only"],
    )
