"""The self-contained HTML reports: ``scan --format html`` and ``apply --report FILE.html``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser


KEY = "sk-" + "proj-" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2H1g0"
HOSTILE = "<img src=x onerror=alert(1)>"


def git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def project(root):
    """A git repository with a key, a hostile file name and message text, Chinese text, a
    blocker (an OpenAI-only API) and a line left for a person."""
    (root / "app").mkdir(parents=True)
    (root / "app" / "chat.py").write_text(
        "import openai\n"
        f"openai.api_key = '{KEY}'\n"
        "# 中文注释：把模型换成通义千问\n"
        "r = openai.ChatCompletion.create(model='gpt-4o', messages=[{'role': 'user', 'content': '你好'}])\n"
        "print(r.choices[0].message.content)\n",
        encoding="utf-8",
    )
    (root / "app" / f"x{HOSTILE}.py").write_text(
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "a = client.beta.assistants.create(model='gpt-4o')\n"
        f"b = client.chat.completions.create(model='{HOSTILE}', messages=[])\n",
        encoding="utf-8",
    )
    (root / "模型.py").write_text(
        "from openai import OpenAI\nc = OpenAI()\nc.embeddings.create(model='text-embedding-3-small', input='你好')\n",
        encoding="utf-8",
    )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


class _Page(HTMLParser):
    """What the assertions need from a page: ids, in-page links, resources it would fetch."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.fetches, self.tags, self.meta = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a":
            self.links.append(a.get("href", ""))
        if tag == "meta":
            self.meta.append(a)
        for name in ("src", "srcset", "poster", "data", "action"):
            if name in a:
                self.fetches.append((tag, name, a[name]))
        if tag == "link":
            self.fetches.append((tag, "href", a.get("href")))
        for name in a:
            if name.startswith("on"):
                self.fetches.append((tag, name, a[name]))


def check_page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    assert text.startswith("<!DOCTYPE html>")
    assert {"charset": "utf-8"} in page.meta
    assert any(m.get("name") == "viewport" and "width=device-width" in m.get("content", "") for m in page.meta)
    # one file, nothing fetched, nothing run: no script, no remote style, font or image
    assert "script" not in page.tags and "iframe" not in page.tags
    assert page.fetches == []
    assert not re.search(r"url\(|@import|https?://", text.split("</style>")[0])
    assert len(page.ids) == len(set(page.ids)), "ids repeat"
    targets = set(page.ids)
    for href in page.links:
        assert href.startswith("#") and href[1:] in targets, href
    # untrusted text escaped, keys redacted
    assert HOSTILE not in text and "onerror=alert(1)>" not in text
    assert KEY not in text and KEY[-20:] not in text
    return page


def run(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "migrator", *map(str, args)], capture_output=True, env=env, timeout=120)


def test_scan_html_to_a_file(tmp_path):
    root = project(tmp_path / "repo")
    out = tmp_path / "report.html"
    result = run("scan", root, "--format", "html", "--output", out, "--no-cache")
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    page = check_page(text)
    assert "Provider readiness" in text and "Best fit:" in text
    assert "Blockers" in text and "assistants" in text  # the OpenAI-only API, per provider too
    assert "What stands in each provider" in text
    assert "模型.py" in text  # Chinese text as UTF-8, not escaped
    assert f"x{HOSTILE.replace('<', '&lt;').replace('>', '&gt;')}.py:3" in text.replace("&quot;", '"')
    assert "sk-proj-…H1g0" in text  # the key as every report shows it
    assert any(h.endswith("-L4") for h in page.links)  # path:line links to the finding's row


def test_scan_html_to_stdout_is_utf8(tmp_path):
    root = project(tmp_path / "repo")
    proc = run("scan", root, "--format", "html", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode("utf-8")
    check_page(text)
    assert "模型.py" in text and text.rstrip().endswith("</html>")


def test_apply_dry_run_report(tmp_path):
    root = project(tmp_path / "repo")
    out = tmp_path / "apply.html"
    result = run("apply", root, "--provider", "dashscope", "--dry-run", "--report", out, "--no-cache")
    assert result.returncode == 1, result.stderr  # --dry-run found changes
    text = out.read_text(encoding="utf-8")
    page = check_page(text)
    assert "dry run: nothing written" in text
    assert '<span class="add">+' in text and '<span class="del">-' in text  # the diff
    assert "Left for a person" in text and "assistants" in text
    # an item left in a changed file links to that file's diff
    assert any(h == "#" + i for h in page.links for i in page.ids if i.startswith("f-") and "-L" not in i)
    status = subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout == ""  # the report went outside; the repository is as it was


def test_apply_report_names_the_branch(tmp_path):
    root = project(tmp_path / "repo")
    out = tmp_path / "apply.html"
    result = run("apply", root, "--provider", "dashscope", "--report", out, "--no-cache", "--yes")
    assert result.returncode == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    check_page(text)
    assert "<code>migrator/dashscope-compat</code>" in text


def test_report_to_stdout_collides_with_json(tmp_path):
    root = project(tmp_path / "repo")
    proc = run("apply", root, "--provider", "dashscope", "--dry-run", "--report", "-", "--format", "json")
    assert proc.returncode == 2, proc.stderr
    assert b"--report -" in proc.stderr and b"Traceback" not in proc.stderr


def test_links_to_the_repository_when_its_url_is_known(tmp_path):
    from migrator.report.html import scan_page
    from migrator.scan import ScanOptions, scan_paths

    root = project(tmp_path / "repo")
    result = scan_paths(str(root), ScanOptions(use_cache=False, jobs=1))
    text = scan_page(result, None, link_base="https://example.com/o/r/blob/abc/")
    assert 'href="https://example.com/o/r/blob/abc/app/chat.py#L4"' in text
    assert 'href="https://example.com/o/r/blob/abc/%E6%A8%A1%E5%9E%8B.py#L3"' in text
    # anything but http(s) is not a link base: links stay within the page
    text = scan_page(result, None, link_base="javascript:alert(1)//")
    assert "javascript:" not in text
    check_page(text)
