"""Issue 17: what the engine says about units (a client left on OpenAI as a whole and why, what
is kept for it, what goes to the compatible endpoint) is shown in Chinese too: the messages are
catalogue templates filled with their values, a unit's reasons joined by "; " each translated."""

from __future__ import annotations

import re
import textwrap

import pytest

from migrator import i18n
from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

PACKS = load_all([])
LATIN_WORDS = re.compile(r"\b(?!line\b)[a-z]{4,} [a-z]{3,} [a-z]{3,}\b")  # three English words in a row

SOURCE = textwrap.dedent('''
    import os
    import openai
    from openai import OpenAI

    KEY = os.getenv("OPENAI_API_KEY")
    client = OpenAI(api_key=KEY)


    def ask(q):
        try:
            client.beta.assistants.create(model="gpt-4o", name="helper")
            return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
        except openai.APIError:
            raise openai.APIError("wrapped", request=None, body=None)


    def make(factory):
        return factory(OpenAI())
''')


@pytest.fixture
def zh():
    i18n.set_language("zh")
    yield
    i18n.set_language(None)


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_unit_messages_are_shown_in_chinese(zh, plan):
    result = migrate_source(SOURCE, "m.py", select(PACKS, "dashscope", plan))
    units = [d.message for d in result.diagnostics if d.rule in ("migrator/unit", "migrator/hybrid")]
    assert units, result.diagnostics
    for message in units:
        shown = i18n.localize(message)
        assert shown != message, message
        # identifiers and paths may stay as they are; sentences may not
        assert not LATIN_WORDS.search(shown.replace("openai SDK", "")), shown
    assert any("整体保留在 OpenAI 上" in i18n.localize(m) for m in units), units


def test_a_reason_list_is_translated_part_by_part(zh):
    message = (
        "the client built at line 5 is left on OpenAI as a whole, with every call, result and exception that "
        "depends on it: line 5: receiver could not be resolved; line 9: gpt-4o-audio has no rule in the native "
        "plan; and 2 more"
    )
    assert i18n.localize(message) == (
        "第 5 行构建的客户端连同依赖它的所有调用、结果和异常整体保留在 OpenAI 上：第 5 行："
        "无法解析调用的接收者；第 9 行：native 方案中没有处理 gpt-4o-audio 的规则；另有 2 条"
    )


def test_english_is_unchanged():
    result = migrate_source(SOURCE, "m.py", select(PACKS, "dashscope", "compat"))
    assert any(d.message.startswith("the client built at line 7 is left on OpenAI as a whole") for d in result.diagnostics)
