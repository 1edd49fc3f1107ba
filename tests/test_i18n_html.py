"""Issue 17, item 6: the HTML apply report ends its summary with the next steps (the key to set,
the SDK to install, the endpoint variable, `migrator check`), as the terminal summary and the PR
body do, in the chosen language; the page declares that language.  Rendered in a real headless
Chromium in Chinese: not blank, and no sideways scrolling on a phone."""

from __future__ import annotations

import re

import pytest

from tests.test_html_browser import CHROMIUM, PHONE, assert_not_blank, phone_layout, screenshot
from tests.test_html_report import KEY, check_page, project, run


def _report(tmp_path, lang: str) -> str:
    root = project(tmp_path / f"repo-{lang}")
    out = tmp_path / f"apply-{lang}.html"
    proc = run("--lang", lang, "apply", root, "-p", "dashscope", "--dry-run", "--report", out, "--no-cache")
    assert proc.returncode == 1, proc.stderr
    return out.read_text(encoding="utf-8")


def _steps(page: str) -> "list[str]":
    section = re.search(r'<h2 id="next-steps">(.*?)</h2><ol class="next">(.*?)</ol>', page, re.S)
    assert section, page[:3000]
    return [section.group(1)] + re.findall(r"<li>(.*?)</li>", section.group(2), re.S)


@pytest.mark.parametrize(
    "lang,html_lang,heading,language_of",
    [
        ("en", "en", "Next steps", lambda text: "Set " in text or "Run " in text),
        ("zh", "zh-CN", "后续步骤", lambda text: re.search("[\u4e00-\u9fff]", text)),
    ],
)
def test_the_apply_report_lists_the_next_steps_in_the_language(tmp_path, lang, html_lang, heading, language_of):
    page = _report(tmp_path, lang)
    check_page(page)
    assert f'<html lang="{html_lang}">' in page
    shown, *steps = _steps(page)
    assert shown == heading
    assert "<code>DASHSCOPE_API_KEY</code>" in steps[0] and language_of(steps[0]), steps
    assert "<code>migrator check</code>" in steps[-1] and language_of(steps[-1]), steps
    assert all("`" not in step for step in steps), steps  # every backticked name became <code>
    assert KEY not in page
    if lang == "en":
        assert steps[-1] == ("Run <code>migrator check</code> to confirm no OpenAI usage is left (in CI or pre-commit too).")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH")
def test_the_chinese_apply_report_renders_on_desktop_and_phone(tmp_path):
    report = tmp_path / "apply-zh-page.html"
    report.write_text(_report(tmp_path, "zh"), encoding="utf-8")
    assert_not_blank(screenshot(tmp_path, report, 1280, "apply-zh-1280.png"), 1280)
    frame, scroll_width, client_width = phone_layout(tmp_path, report)
    assert client_width == PHONE
    assert scroll_width <= client_width, f"scrolls sideways at {PHONE} px: {scroll_width} px wide"
    assert_not_blank(screenshot(tmp_path, frame, PHONE, "apply-zh-390.png"), PHONE)
