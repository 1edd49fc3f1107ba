"""client_setting: an openai<1 module setting carried into the clients replacing its calls."""

from __future__ import annotations

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

CONFIG = {"kind": "config", "attribute": "proxy"}
OP = (
    "client_setting",
    {
        "keyword": "http_client",
        "sync": {"expr": "openai.DefaultHttpxClient(proxy=VALUE)", "imports": ["openai"]},
        "async": {"expr": "openai.DefaultAsyncHttpxClient(proxy=VALUE)", "imports": ["openai"]},
    },
)


def test_a_setting_made_at_import_is_removed_and_reported(assert_codemod):
    assert_codemod(
        'import openai\nopenai.proxy = "http://127.0.0.1:7890"\nx = 1\n',
        "import openai\nx = 1\n",
        CONFIG,
        OP,
        diagnostics=["warning: openai.proxy is now passed to the client (http_client=)"],
    )


def test_a_setting_made_in_a_function_is_left_for_a_person(assert_codemod):
    result = assert_codemod(
        'import openai\ndef setup():\n    openai.proxy = "http://p"\n',
        'import openai\ndef setup():\n    # TODO(migrator: acme/rule): openai.proxy is set inside a function or a '
        'branch, so which clients it applies to depends on the run; pass it to the client by hand '
        '(http_client=...)\n    openai.proxy = "http://p"\n',
        CONFIG,
        OP,
    )
    assert result.diagnostics[0].severity == "manual"


def test_a_value_that_may_not_be_a_url_or_a_second_setting_is_left(assert_codemod):
    assert_codemod(
        "import openai\nopenai.proxy = settings.proxy\n",
        None,
        CONFIG,
        OP,
        todo_comments=False,
        diagnostics=["manual: openai.proxy is set from an expression that may not be a URL string"],
    )
    assert_codemod(
        'import openai\nopenai.proxy = "http://a"\nopenai.proxy = "http://b"\n',
        None,
        CONFIG,
        OP,
        todo_comments=False,
        diagnostics=["manual: openai.proxy is set more than once in this module"],
    )


def test_the_clients_replacing_v0_calls_carry_it_and_v1_calls_do_not():
    """With the pack's legacy-call rule: the v0 call's client gets the proxy (an env read is read
    again where the client is built); a v1 module-level call, which never read openai.proxy, does not."""
    ruleset = select(load_all(), "deepseek", "compat")
    v0 = migrate_source(
        'import os\nimport openai\nopenai.proxy = os.getenv("HTTPS_PROXY")\n'
        'r = openai.ChatCompletion.create(model="gpt-4o", messages=[])\n',
        "m.py",
        ruleset,
    )
    assert 'http_client=openai.DefaultHttpxClient(proxy=os.getenv("HTTPS_PROXY"))' in v0.output
    assert "openai.proxy" not in v0.output
    v1 = migrate_source(
        'import openai\nopenai.proxy = "http://p"\nr = openai.chat.completions.create(model="gpt-4o", messages=[])\n',
        "m.py",
        ruleset,
    )
    assert "http_client" not in v1.output
