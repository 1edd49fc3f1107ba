"""Issue 17, part 2: the analysis's finding texts and check's finding messages are shown in the
chosen language in the text and Markdown reports, and stay English in JSON and SARIF (machine
output is stable across languages; the analysis cache holds one language-free result)."""

from __future__ import annotations

import json
import re

import pytest

from migrator import i18n
from tests.test_i18n import _cli, _git, repo  # noqa: F401 - the fixture

ZH = {"LANG": "zh_CN.UTF-8"}
CJK = re.compile("[\u4e00-\u9fff]")

MANY = (
    "import os\nimport openai\nfrom openai import OpenAI, APIError\nfrom langchain_openai import ChatOpenAI\n\n"
    'openai.api_key = os.environ["OPENAI_API_KEY"]\nclient = OpenAI()\nllm = ChatOpenAI(model="gpt-4o")\n\n\n'
    "def ask(q):\n    try:\n"
    '        return openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": q}])\n'
    "    except APIError:\n        return None\n"
)


@pytest.fixture
def many(repo):
    (repo / "many.py").write_text(MANY)
    (repo / "requirements.txt").write_text("openai>=1.0\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "more")
    return repo


def test_every_finding_of_a_scan_is_shown_in_chinese_and_json_keeps_english(many):
    proc = _cli(many, "scan", ".", "--format", "json", LANG="C.UTF-8")
    findings = json.loads(proc.stdout)["findings"]
    kinds = {f["kind"] for f in findings}
    assert {"import", "client", "call", "config", "env", "exception", "framework", "dependency"} <= kinds, kinds
    i18n.set_language("zh")
    try:
        untranslated = [f["message"] for f in findings if not CJK.search(i18n.localize(f["message"]))]
    finally:
        i18n.set_language(None)
    assert not untranslated, untranslated
    text = _cli(many, "scan", ".", **ZH).stdout
    for shown in (
        "导入 openai",
        "创建 OpenAI",
        "旧版 v0 chat.completions.create 调用",
        "设置 openai.api_key",
        "读取环境变量 OPENAI_API_KEY",
        "使用 OpenAI 异常 openai.APIError",
        "创建 langchain_openai.ChatOpenAI",
    ):
        assert shown in text, (shown, text)
    markdown = _cli(many, "scan", ".", "--format", "markdown", **ZH).stdout
    assert "| import | 导入 openai |" in markdown, markdown
    assert json.loads(_cli(many, "scan", ".", "--format", "json", **ZH).stdout)["findings"] == findings


def test_check_findings_are_shown_in_chinese_and_sarif_keeps_english(many):
    text = _cli(many, "check", **ZH)
    assert text.returncode == 1, text.stderr
    assert "导入 openai.OpenAI（strict 策略下不允许使用 openai SDK）" in text.stdout, text.stdout
    assert "依赖 openai" in text.stdout, text.stdout
    zh = _cli(many, "check", "--format", "sarif", **ZH).stdout
    en = _cli(many, "check", "--format", "sarif", LANG="C.UTF-8").stdout
    assert zh == en and "the openai SDK is not allowed" in zh and not CJK.search(zh)


@pytest.mark.parametrize(
    "text",
    [
        "deepseek-reasoner ignores temperature; check this call",  # ends like "{api} call": not a finding
        "model 'gpt-4o' -> 'deepseek-chat' (mapped by hand)",  # the engine's message, with more after it
    ],
)
def test_localize_leaves_a_text_that_only_looks_like_a_message(text, monkeypatch):
    monkeypatch.setattr(i18n, "_CHOSEN", ["zh"])
    assert i18n.localize(text) == text


def test_a_hard_coded_key_finding_is_shown_in_chinese_with_the_key_as_found(monkeypatch):
    monkeypatch.setattr(i18n, "_CHOSEN", ["zh"])
    assert i18n.localize("hard-coded OpenAI API key sk-…f3a9") == "硬编码的 OpenAI API 密钥：sk-…f3a9"
