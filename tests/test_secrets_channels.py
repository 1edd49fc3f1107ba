"""No key of any shape is ever printed or written in full, through any channel (issue 14).

A real git repository holds keys of every shape (tests/secret_shapes.py) in code, comments,
strings (after a ``\\n`` escape, URL-encoded after ``Bearer%20``, in a URL's query), a
notebook, an env file, YAML and JSON.  Every command and format runs on it in-process
(as the console script does), for every provider and plan, with the cache in tmp; then
every byte produced is searched for each key: stdout, stderr, report and PR-body files,
the patch's added lines, the branch's added lines, the commit message and the cache.

Decisions:
* a patch's removed and context lines are the user's own file, byte for byte (``git apply``
  needs them): only its added lines are searched, like the branch's;
* a key on a line the migration rewrites would be an added line: the fixture keeps keys on
  lines of their own or on lines the migration rewrites away (``OpenAI(api_key="sk-…")``);
* a key the migration removes is reported to rotate (redacted): it remains in git history.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from migrator.analyzer.secrets import redact
from migrator.report import console as console_mod
from tests.secret_shapes import ALL, ANYWHERE, ASSIGNED, leaks
from tests.test_check_cli import run as run_in_process

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}

A = ANYWHERE


def _app() -> str:
    anywhere = "\n".join(f'# {shape}: {key}\nKEY_{i} = "{key}"' for i, (shape, key) in enumerate(sorted(A.items())))
    assigned = "\n".join(f'{name} = "{key}"' for name, key in ASSIGNED.values())
    return f'''import os
import openai
from openai import OpenAI

{anywhere}
{assigned}
HEADERS = {{"Authorization": "Bearer%20{A["moonshot"]}", "X-Note": "first line\\n{A["deepseek"]}"}}
ENDPOINT = "https://api.openai.com/v1/chat/completions?key={A["dashscope"]}"
client = OpenAI(api_key="{A["openai"]}")


def ask(text):
    r = client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": text}}])
    return r.choices[0].message.content
'''


LEGACY = f'''import openai

openai.api_key = "{A["openai-proj"]}"


def old(q):
    r = openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[{{"role": "user", "content": q}}])
    return r["choices"][0]["message"]["content"]


def per_request_key(q):
    return openai.ChatCompletion.create(model="gpt-4o", messages=[], api_key="{A["moonshot"]}")


def edit(q):
    return openai.Edit.create(model="text-davinci-edit-001", input=q, instruction="{A["zhipu"]}")
'''


def _notebook() -> str:
    source = [
        "import openai\n",
        f'c = openai.OpenAI(api_key="{A["openai"]}")\n',
        f"# {A['qianfan-bearer']}\n",
        'r = c.chat.completions.create(model="gpt-4o", messages=[])\n',
    ]
    return json.dumps(
        {
            "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def _files() -> Dict[str, str]:
    env = [f"OPENAI_API_KEY={A['openai']}", "OPENAI_BASE_URL=https://api.openai.com/v1"]
    env += [f"{name}={key}" for name, key in ASSIGNED.values()]
    return {
        "app.py": _app(),
        "legacy.py": LEGACY,
        "notebook.ipynb": _notebook(),
        ".env": "\n".join(env) + "\n",
        "config.yaml": "".join(f"{name.lower()}: '{key}'\n" for name, key in ASSIGNED.values())
        + "".join(f"{shape}: {key}\n" for shape, key in A.items()),
        "settings.json": json.dumps({**{name: key for name, key in ASSIGNED.values()}, "keys": list(A.values())}),
        "requirements.txt": "openai==1.40.0\n",
    }


def git(repo: Path, *args: str) -> str:
    import os

    return subprocess.run(
        ["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True, capture_output=True, text=True, encoding="utf-8"
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, text in _files().items():
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo


@pytest.fixture
def cli(repo, tmp_path, capsys, monkeypatch):
    """Run ``migrator`` in-process as the console script does: (exit code, stdout + stderr);
    80 columns, so long lines wrap in panels and tables."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(cache))
    monkeypatch.delenv("MIGRATOR_DEBUG", raising=False)
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> Tuple[int, str]:
        argv = [*args, "--jobs", "1"] if args[0] in ("scan", "apply") else list(args)
        code, out, err = run_in_process(repo, *argv, capsys=capsys, monkeypatch=monkeypatch, columns=80)
        return code, out + err

    run.cache = cache  # type: ignore[attr-defined]
    return run


def assert_clean(where: str, text: str) -> None:
    assert leaks(text) == [], f"{where} holds a key in full"


def added_lines(diff: str) -> str:
    return "\n".join(line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))


def test_the_fixture_holds_every_shape_where_scan_can_see_it(repo):
    from migrator.analyzer.secrets import find_secrets

    text = "".join((repo / name).read_text(encoding="utf-8") for name in _files())
    found = {text[s:e] for s, e, _ in find_secrets(text)}
    assert set(ALL.values()) <= found


def _combinations() -> List[Tuple[str, str]]:
    from migrator.ruleset import load_all

    return [(p.name, plan) for p in load_all() for plan, spec in sorted(p.plans.items()) if not spec.refuse]


def test_scan_and_check_every_format(cli, repo, tmp_path):
    for fmt in ("text", "json", "markdown"):
        code, out = cli("scan", str(repo), "--format", fmt)
        assert code == 0, out
        assert "\u2026" in out and "sk-proj-\u2026" in out
        assert_clean(f"scan --format {fmt}", out)
        report = tmp_path / f"scan.{fmt}"
        cli("scan", str(repo), "--format", fmt, "--output", str(report), "--provider", "dashscope")
        assert_clean(f"scan --output ({fmt})", report.read_text(encoding="utf-8"))
    for fmt in ("text", "json", "github", "sarif"):
        code, out = cli("check", "--root", str(repo), str(repo), "--format", fmt)
        assert code in (0, 1), out
        assert_clean(f"check --format {fmt}", out)
        report = tmp_path / f"check.{fmt}"
        cli("check", "--root", str(repo), str(repo), "--format", fmt, "--output", str(report))
        assert_clean(f"check --output ({fmt})", report.read_text(encoding="utf-8"))
    baseline = tmp_path / "baseline.json"
    code, out = cli("check", "--root", str(repo), str(repo), "--update-baseline", "--baseline", str(baseline))
    assert code == 0, out
    assert_clean("check --update-baseline", out + baseline.read_text(encoding="utf-8"))
    assert any(p.is_file() for p in cli.cache.rglob("*")), "the analysis cache was not used"
    _assert_cache_clean(cli.cache)


def _assert_cache_clean(cache: Path) -> None:
    files = [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    for path in files:
        assert_clean(f"cache file {path.name}", path.read_bytes().decode("utf-8", errors="replace"))


@pytest.mark.parametrize("provider, plan", _combinations())
def test_apply_every_provider_and_plan(cli, repo, tmp_path, provider, plan):
    for fmt in ("text", "json"):
        code, out = cli("apply", str(repo), "-p", provider, "--plan", plan, "--dry-run", "--format", fmt)
        assert code in (0, 1, 3), out
        assert "Traceback" not in out
        assert_clean(f"apply --dry-run --format {fmt}", out)
    body, patch = tmp_path / "pr.md", tmp_path / "changes.patch"
    code, out = cli(
        "apply",
        str(repo),
        "-p",
        provider,
        "--plan",
        plan,
        "--yes",
        "--format",
        "json",
        "--pr-body",
        str(body),
        "--patch",
        str(patch),
    )
    assert code in (0, 3), out
    assert_clean("apply stdout/stderr", out)
    assert_clean("--pr-body", body.read_text(encoding="utf-8"))
    # the key OpenAI(api_key="sk-...") held is gone from the branch, not from history: rotate it
    rotate = f"rotate this key: {redact(A['openai'])}"
    assert rotate in body.read_text(encoding="utf-8") and rotate in out
    assert_clean("--patch (added lines)", added_lines(patch.read_text(encoding="utf-8")))
    branch = json.loads(out[: out.rindex("}") + 1])["branch"]
    assert_clean("commit message", git(repo, "log", "-1", "--format=%B", branch))
    assert_clean(f"git diff main..{branch} (added lines)", added_lines(git(repo, "diff", f"main..{branch}")))
    _assert_cache_clean(cli.cache)


def test_internal_error_and_debug_traceback(cli, repo, monkeypatch):
    import migrator.commands.apply as apply_mod  # (the front door records the config)

    def boom(root, ruleset, changes, *args, **kwargs):
        raise RuntimeError(f"bad value {A['openai-proj']} near {ASSIGNED['ark'][0]}={ASSIGNED['ark'][1]}")

    monkeypatch.setattr(apply_mod, "record_config", boom)
    code, out = cli("apply", str(repo), "-p", "deepseek", "--dry-run")
    assert code == 70 and "RuntimeError" in out
    assert_clean("internal error", out)
    monkeypatch.setenv("MIGRATOR_DEBUG", "1")
    code, out = cli("apply", str(repo), "-p", "deepseek", "--dry-run")
    assert code == 70 and "Traceback" in out and "bad value sk-proj-\u2026" in out
    assert_clean("MIGRATOR_DEBUG traceback", out)


def test_the_consoles_redact_whatever_they_are_given(capsys):
    console_mod.reset()
    try:
        console_mod.console().print(f"plain {A['zhipu']}", markup=False)
        console_mod.error_console().print(f"[bold]{ASSIGNED['ark'][0]}[/]={ASSIGNED['ark'][1]}")
    finally:
        console_mod.reset()
    out, err = capsys.readouterr()
    assert "\u2026" in out and "\u2026" in err
    assert_clean("console", out + err)
