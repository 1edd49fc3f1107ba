"""set_kwarg: add or replace a keyword argument (when=always|missing|literal)."""

from __future__ import annotations

CLIENT = {"kind": "client", "endpoint": ["none", "openai"]}
CALL = {"kind": "call"}
BASE = ("set_kwarg", {"name": "base_url", "value": "${base_url}"})
KEY = ("set_kwarg", {"name": "api_key", "value": {"env": "${api_key_env}"}, "when": "literal"})


# ---- no-op cases first


def test_client_elsewhere_is_not_matched(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI(base_url="http://localhost:8000/v1")\n', None, CLIENT, BASE, silent=True
    )


def test_same_value_already_set(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", n=1)\n',
        None,
        CALL,
        ("set_kwarg", {"name": "n", "value": 1}),
        silent=True,
    )


def test_when_missing_keeps_an_existing_value(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", n=3)\n',
        None,
        CALL,
        ("set_kwarg", {"name": "n", "value": 1, "when": "missing"}),
        silent=True,
    )


def test_when_literal_keeps_an_expression_and_says_so(assert_codemod):
    # and adds no import for the value it did not write
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI(api_key=f"{load_key()}")\n',
        None,
        {"kind": "client"},
        KEY,
        diagnostics=["warning: api_key= comes from `f"],
    )


def test_a_key_that_may_be_none_falls_back_to_the_provider_s_variable_not_openai_s(assert_codemod):
    # None makes the openai SDK read OPENAI_API_KEY itself (review 5 T1): it now means the provider's
    assert_codemod(
        "from openai import OpenAI\nc = OpenAI(api_key=load_key())\n",
        'import os\n\nfrom openai import OpenAI\nc = OpenAI(api_key=load_key() or os.environ["ACME_API_KEY"])\n',
        {"kind": "client"},
        KEY,
        diagnostics=["warning: api_key= comes from `load_key()`"],
    )


def test_star_kwargs_with_when_missing_is_reported_not_guessed(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", **opts)\n',
        None,
        CALL,
        ("set_kwarg", {"name": "n", "value": 1, "when": "missing"}),
        diagnostics=["warning: call passes **kwargs; set n="],
    )


# ---- rewrites


def test_add_to_an_empty_call(assert_codemod):
    assert_codemod(
        "from openai import OpenAI\nc = OpenAI()\n",
        'from openai import OpenAI\nc = OpenAI(base_url="https://api.acme.example/v1")\n',
        CLIENT,
        BASE,
    )


def test_add_after_existing_arguments(assert_codemod):
    assert_codemod(
        "from openai import OpenAI\nc = OpenAI(timeout=3)\n",
        'from openai import OpenAI\nc = OpenAI(timeout=3, base_url="https://api.acme.example/v1")\n',
        CLIENT,
        BASE,
    )


def test_replace_an_existing_value(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", n=3)\n',
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", n=1)\n',
        CALL,
        ("set_kwarg", {"name": "n", "value": 1}),
    )


def test_when_literal_replaces_a_hard_coded_key_with_an_env_read(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI(api_key="sk-test")\n',
        """\
        import os

        from openai import OpenAI
        c = OpenAI(api_key=os.environ["ACME_API_KEY"])
        """,
        {"kind": "client"},
        KEY,
    )


def test_env_with_default(assert_codemod):
    assert_codemod(
        "import os\nfrom openai import OpenAI\nc = OpenAI()\n",
        'import os\nfrom openai import OpenAI\nc = OpenAI(base_url=os.environ.get("ACME_BASE_URL", '
        '"https://api.acme.example/v1"))\n',
        CLIENT,
        ("set_kwarg", {"name": "base_url", "value": {"env": "ACME_BASE_URL", "default": "${base_url}"}}),
    )


def test_multi_line_call_with_trailing_comma_keeps_its_layout(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        c = OpenAI(
            timeout=3,  # seconds
        )
        """,
        """\
        from openai import OpenAI
        c = OpenAI(
            timeout=3,  # seconds
            base_url="https://api.acme.example/v1",
        )
        """,
        CLIENT,
        BASE,
    )


def test_multi_line_call_without_trailing_comma_keeps_its_layout(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        c = OpenAI(
            max_retries=1,
            timeout=3
        )
        """,
        """\
        from openai import OpenAI
        c = OpenAI(
            max_retries=1,
            timeout=3,
            base_url="https://api.acme.example/v1"
        )
        """,
        CLIENT,
        BASE,
    )


def test_aligned_continuation_lines(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI
        c = OpenAI(max_retries=1,
                   timeout=3)
        """,
        """\
        from openai import OpenAI
        c = OpenAI(max_retries=1,
                   timeout=3,
                   base_url="https://api.acme.example/v1")
        """,
        CLIENT,
        BASE,
    )


def test_added_before_star_kwargs(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", **opts)\n',
        'from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model="m", n=1, **opts)\n',
        CALL,
        ("set_kwarg", {"name": "n", "value": 1}),
    )


def test_expr_value_adds_its_imports_once(assert_codemod):
    op = ("set_kwarg", {"name": "http_client", "value": {"expr": "httpx.Client()", "imports": ["httpx"]}})
    assert_codemod(
        "from openai import OpenAI\na = OpenAI()\nb = OpenAI()\n",
        """\
        import httpx
        from openai import OpenAI
        a = OpenAI(http_client=httpx.Client())
        b = OpenAI(http_client=httpx.Client())
        """,
        CLIENT,
        op,
    )
