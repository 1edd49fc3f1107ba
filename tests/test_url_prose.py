"""OpenAI URLs in a Python file's comments and docstrings are prose, not a code path to OpenAI
(issue 15's noise: langroid's comments and a docstring example were left "for a person" and
failed `migrator check`); a URL in code is still found, and a key in a comment is still a secret."""

from __future__ import annotations

from pathlib import Path

from migrator.analyzer import analyze_python_bytes

SOURCE = b'''from openai import OpenAI


def limiter(key):
    """The limiter for `key`, e.g. `"https://api.openai.com/v1::gpt-4o-mini"`."""
    # without a base_url this talks to https://api.openai.com/v1 (key sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789)
    return key


class Limits:
    """Limits of https://api.openai.com/v1."""

    URL = "https://api.openai.com/v1"  # https://api.openai.com/v1/models


client = OpenAI()
'''


def test_urls_in_comments_and_docstrings_are_not_findings():
    analysis = analyze_python_bytes("app.py", SOURCE)
    urls = [f.span.line for f in analysis.findings if f.kind == "url"]
    assert urls == [13], urls
    assert [f.span.line for f in analysis.findings if f.kind == "secret"] == [6]


def test_check_passes_a_file_whose_only_openai_url_is_prose(tmp_path: Path):
    from tests.test_apply_cli import make_repo, run

    repo = make_repo(
        tmp_path,
        {
            "app.py": SOURCE.replace(b'    URL = "https://api.openai.com/v1"  # ', b"    # ")
            .replace(b"sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", b"redacted")
            .replace(b"OpenAI()", b'OpenAI(base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")'),
            ".migrator.toml": b'[check]\npolicy = "compat"\n',
        },
    )
    done = run("check", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    (repo / "app.py").write_bytes((repo / "app.py").read_bytes() + b'BASE = "https://api.openai.com/v1"\n')
    done = run("check", cwd=repo)
    assert done.returncode == 1 and "check/openai-url" in done.stdout, done.stdout + done.stderr
