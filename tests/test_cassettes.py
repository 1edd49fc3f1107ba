"""Recorded HTTP exchanges with OpenAI (issue 15, "Reach": magentic 0.40.0's 148 of 154 items left
"for a person" were `check/openai-url` lines of tests/**/cassettes/*.yaml, a request URI and a Host
header per recorded request): a VCR.py / pytest-recording YAML cassette, or a VCR.py / betamax JSON
one, is one finding per file -- in scan, in check (`check/openai-cassette`) and in what apply leaves
for a person -- not one per URL it records.  Any other file's OpenAI URLs are still one finding each."""

from __future__ import annotations

import json
from pathlib import Path

from migrator.analyzer.textfiles import analyze_text
from migrator.check import R_CASSETTE, R_URL, Policy, check_bytes

REQUEST = """- request:
    body: '{{"messages": [{{"role": "user", "content": "Say hello"}}], "model": "gpt-4o"}}'
    headers:
      host:
      - api.openai.com
      user-agent:
      - OpenAI/Python 1.54.4
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body:
      string: '{{"id": "chatcmpl-{n}", "object": "chat.completion"}}'
    headers:
      openai-version:
      - '2020-10-01'
    status:
      code: 200
      message: OK
"""
YAML_CASSETTE = "interactions:\n" + REQUEST.format(n=1) + REQUEST.format(n=2) + "version: 1\n"
BETAMAX = json.dumps(
    {
        "http_interactions": [
            {"request": {"method": "POST", "uri": "https://api.openai.com/v1/embeddings", "headers": {}}, "response": {}},
            {"request": {"method": "POST", "uri": "https://api.openai.com/v1/chat/completions"}, "response": {}},
        ],
        "recorded_with": "betamax/0.9.0",
    },
    indent=2,
)
# a configuration that names OpenAI's URLs (not a recording): each is a place to point elsewhere
CONFIG = "llm:\n  base_url: https://api.openai.com/v1\n  fallback: https://api.openai.com/v1/chat\n"


def urls(path: str, text: str):
    return [f for f in analyze_text(path, text) if f.kind == "url"]


def test_a_cassette_is_one_finding_where_a_configuration_is_one_per_url():
    for path, text in (("tests/cassettes/test_chat.yaml", YAML_CASSETTE), ("tests/cassettes/chat.json", BETAMAX)):
        found = urls(path, text)
        assert len(found) == 1 and found[0].detail["cassette"] and found[0].detail["urls"] >= 2, found
        assert found[0].message.startswith("recorded exchange with api.openai.com in " + path), found[0].message
    assert len(urls("config/llm.yaml", CONFIG)) == 2
    assert not any(f.detail.get("cassette") for f in urls("config/llm.yaml", CONFIG))


def test_check_flags_a_cassette_once_with_its_own_rule():
    for path, text in (("tests/cassettes/test_chat.yaml", YAML_CASSETTE), ("tests/cassettes/chat.json", BETAMAX)):
        for policy in (Policy("strict"), Policy("compat", allow_endpoints=("https://api.deepseek.com",))):
            found = list(check_bytes(path, text.encode(), policy).findings)
            assert [f.rule for f in found] == [R_CASSETTE], found
            assert found[0].message == "recorded exchange with api.openai.com: re-record it against the provider"
    assert [f.rule for f in check_bytes("config/llm.yaml", CONFIG.encode(), Policy("strict")).findings] == [R_URL, R_URL]


def test_apply_leaves_one_item_per_cassette_for_a_person(tmp_path: Path):
    from migrator.apply import migrate_tree
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    (tmp_path / "tests/cassettes").mkdir(parents=True)
    (tmp_path / "tests/cassettes/test_chat.yaml").write_text(YAML_CASSETTE)
    (tmp_path / "tests/cassettes/test_embed.json").write_text(BETAMAX)
    (tmp_path / "app.py").write_text('from openai import OpenAI\n\nprint(OpenAI().models.list())\n')
    result = migrate_tree(str(tmp_path), select(load_all(), "dashscope", "compat"), ScanOptions(jobs=1, use_cache=False))
    left = sorted((d.path, d.rule) for d in result.manual if d.path.startswith("tests/"))
    assert left == [("tests/cassettes/test_chat.yaml", R_CASSETTE), ("tests/cassettes/test_embed.json", R_CASSETTE)], left
    assert not [c for c in result.changes if c.path.startswith("tests/")]  # a recording is not edited


def test_the_cassette_message_is_translated():
    from migrator import i18n

    with i18n.use_language("zh"):
        shown = i18n.localize("recorded exchange with api.openai.com: re-record it against the provider")
    assert "重新录制" in shown and "api.openai.com" in shown
