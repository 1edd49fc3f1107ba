"""The Chinese README and docs keep every command exactly as the English ones give it, and the
English pages lead to them (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    ("README.zh-CN.md", "README.md"),
    ("docs/zh-CN/check.md", "docs/check.md"),
    ("docs/zh-CN/rule-authoring.md", "docs/rule-authoring.md"),
]
GENERATED = ["docs/zh-CN/rules.md", "docs/zh-CN/equivalence.md"]  # rendered with their English pages
# blocks a reader copies (commands, workflow files, the options synopsis); toml and python blocks
# carry translated comments
COPIED = ("bash", "text", "yaml", "")


def _blocks(text: str, languages=COPIED) -> "list[str]":
    return [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S) if lang in languages]


@pytest.mark.parametrize("chinese,english", PAIRS)
def test_every_command_block_is_the_english_one(chinese, english):
    zh = (ROOT / chinese).read_text(encoding="utf-8")
    en = (ROOT / english).read_text(encoding="utf-8")
    blocks = _blocks(zh)
    assert blocks
    for block in blocks:
        assert block in _blocks(en), f"{chinese}: a block that {english} does not have:\n{block}"
    assert len(_blocks(en, ("bash",))) == len(_blocks(zh, ("bash",))), "a shell block was left out or added"


@pytest.mark.parametrize("chinese,english", PAIRS)
def test_the_chinese_page_links_resolve(chinese, english):
    page = ROOT / chinese
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
        if "://" not in target:
            assert (page.parent / target).exists(), f"{chinese}: broken link {target}"


@pytest.mark.parametrize("chinese", GENERATED)
def test_a_generated_chinese_page_links_resolve_and_is_linked_from_the_chinese_readme(chinese):
    test_the_chinese_page_links_resolve(chinese, None)
    assert f"]({chinese})" in (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    english = ROOT / chinese.replace("zh-CN/", "")
    assert f"](../{english.name})" in (ROOT / chinese).read_text(encoding="utf-8")  # a way back to English


def test_readme_links_the_chinese_readme_first():
    head = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    assert any("(README.zh-CN.md)" in line for line in head)
    head = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8").splitlines()[:5]
    assert any("(README.md)" in line for line in head)


def test_the_chinese_readme_has_every_section():
    zh = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    en = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(re.findall(r"^## ", zh, re.M)) == len(re.findall(r"^## ", en, re.M))
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 70 |", "| 130 / 143 |"):  # the exit-code table
        assert code in zh
