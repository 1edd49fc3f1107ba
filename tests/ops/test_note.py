"""note: report without changing anything."""

from __future__ import annotations

CALL = {"kind": "call", "stream": True}
OP = ("note", {"message": "streaming usage arrives in the last chunk on ${base_url}", "severity": "warning"})


def test_unmatched_site_is_silent(assert_codemod):
    assert_codemod('from openai import OpenAI\nOpenAI().chat.completions.create(model="m")\n', None, CALL, OP, silent=True)


def test_reported_and_code_untouched(assert_codemod):
    result = assert_codemod(
        'from openai import OpenAI\nOpenAI().chat.completions.create(model="m", stream=True)\n',
        None,
        CALL,
        OP,
        diagnostics=["warning: streaming usage arrives in the last chunk on https://api.acme.example/v1"],
    )
    assert not result.applied  # a note is not a rewrite


def test_default_severity_is_info(assert_codemod):
    assert_codemod(
        'from openai import OpenAI\nOpenAI().chat.completions.create(model="m", stream=True)\n',
        None,
        CALL,
        ("note", {"message": "fyi"}),
        diagnostics=["info: fyi"],
    )
