"""replace_symbol: Name -> from-import, dotted -> module import; conflicts and gaps reported."""

from __future__ import annotations

SYM = {"kind": "symbol", "symbol": "openai.*"}
MAP = ("replace_symbol", {"map": {"openai.OpenAI": "acme.Client", "openai.RateLimitError": "acme.errors.RateLimit"}})
NATIVE = {"cleanup": ["openai"]}


def test_symbols_of_other_modules_are_not_matched(assert_codemod):
    assert_codemod("from zhipuai import ZhipuAI\nc = ZhipuAI()\n", None, SYM, MAP, silent=True, **NATIVE)


def test_name_form_becomes_a_from_import(assert_codemod):
    assert_codemod(
        "from openai import OpenAI\nc = OpenAI()\n", "from acme import Client\nc = Client()\n", SYM, MAP, silent=True, **NATIVE
    )


def test_dotted_form_becomes_a_module_import(assert_codemod):
    assert_codemod(
        """\
        import openai
        c = openai.OpenAI()
        try:
            pass
        except openai.RateLimitError:
            pass
        """,
        """\
        import acme
        import acme.errors
        c = acme.Client()
        try:
            pass
        except acme.errors.RateLimit:
            pass
        """,
        SYM,
        MAP,
        **NATIVE,
    )


def test_alias_is_replaced_by_the_target_name(assert_codemod):
    assert_codemod("from openai import OpenAI as C\nc = C()\n", "from acme import Client\nc = Client()\n", SYM, MAP, **NATIVE)


def test_to_parameter(assert_codemod):
    assert_codemod(
        "from openai import OpenAI\nc = OpenAI()\n",
        "from acme import Client\nc = Client()\n",
        {"kind": "symbol", "symbol": "openai.OpenAI"},
        ("replace_symbol", {"to": "acme.Client"}),
        **NATIVE,
    )


def test_name_taken_by_something_else_falls_back_to_the_dotted_form(assert_codemod):
    assert_codemod(
        "from openai import OpenAI\nClient = object\nc = OpenAI()\n",
        "import acme\nClient = object\nc = acme.Client()\n",
        SYM,
        MAP,
        **NATIVE,
    )


def test_module_name_taken_is_manual(assert_codemod):
    assert_codemod(
        "import openai\nacme = 1\nc = openai.OpenAI()\n",
        "import openai\nacme = 1\n# TODO(migrator: acme/rule): cannot write acme.Client: the name 'acme' "
        "means something else in this module\nc = openai.OpenAI()\n",
        SYM,
        MAP,
        diagnostics=["manual: cannot write acme.Client"],
        **NATIVE,
    )


def test_symbol_missing_from_the_map_is_manual_and_its_import_kept(assert_codemod):
    assert_codemod(
        """\
        from openai import OpenAI, APIError
        c = OpenAI()
        try:
            pass
        except APIError:
            pass
        """,
        """\
        from acme import Client
        from openai import APIError
        c = Client()
        # TODO(migrator: acme/rule): openai.APIError has no equivalent in Acme
        try:
            pass
        except APIError:
            pass
        """,
        SYM,
        MAP,
        diagnostics=["manual: openai.APIError has no equivalent in Acme"],
        **NATIVE,
    )


def test_compat_plan_keeps_the_openai_import(assert_codemod):
    assert_codemod(
        "from openai import OpenAI\nc = OpenAI()\n",
        "from acme import Client\nfrom openai import OpenAI\nc = Client()\n",
        SYM,
        MAP,
    )
