"""``migrator scan`` as a user runs it: formats, output file, exit codes, progress."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import migrator.cli as cli
from migrator.report import console as console_mod

KEY = "sk-" + "proj-" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2H1g0"


@pytest.fixture(scope="module", autouse=True)
def _registered():
    cli._register()


@pytest.fixture(autouse=True)
def _fresh_consoles():
    console_mod.reset()
    yield
    console_mod.reset()


def project(root):
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "app.py").write_text(
        "import openai\nfrom openai import OpenAI\n"
        f"openai.api_key = '{KEY}'\n"
        "client = OpenAI()\n"
        "r = client.chat.completions.create(model='gpt-4o', messages=[], stream=True)\n"
        "old = openai.ChatCompletion.create(model='gpt-3.5-turbo', messages=[])\n",
        encoding="utf-8",
    )
    (root / "pkg" / "bad.py").write_text("import openai\ndef f(:\n", encoding="utf-8")
    (root / "requirements.txt").write_text("openai==0.28\n", encoding="utf-8")
    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# demo"]},
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": ["import openai\n", "openai.Embedding.create(model='text-embedding-ada-002', input='x')\n"],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "notebooks").mkdir()
    (root / "notebooks" / "demo.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return root


def run(*args):
    return CliRunner().invoke(cli.app, list(args))


def test_json_schema(tmp_path):
    root = project(tmp_path / "proj")
    res = run("scan", str(root), "--format", "json", "--no-cache")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert isinstance(doc["schema_version"], int) and doc["command"] == "scan"
    for f in doc["findings"]:
        assert not f["path"].startswith("/") and "\\" not in f["path"]
        assert isinstance(f["line"], int) and f["line"] >= 1 and isinstance(f["column"], int) and f["column"] >= 1
        assert f["kind"] in (
            "import",
            "client",
            "call",
            "config",
            "exception",
            "framework",
            "dependency",
            "env",
            "url",
            "secret",
            "js",
        )
        assert f["confidence"] in ("high", "medium", "low")
    calls = [f for f in doc["findings"] if f["kind"] == "call"]
    got = [(c["path"], c.get("cell"), c["line"], c["column"], c["api"], c["legacy"], c["model"]) for c in calls]
    assert got == [
        ("notebooks/demo.ipynb", 2, 2, 1, "embeddings.create", True, "text-embedding-ada-002"),
        ("pkg/app.py", None, 5, 5, "chat.completions.create", False, "gpt-4o"),
        ("pkg/app.py", None, 6, 7, "chat.completions.create", True, "gpt-3.5-turbo"),
    ]
    assert doc["summary"]["calls"] == 3 and doc["summary"]["legacy_calls"] == 2
    assert doc["errors"] == [{"path": "pkg/bad.py", "line": 2, "message": doc["errors"][0]["message"]}]
    assert any(f["kind"] == "dependency" and f["path"] == "requirements.txt" for f in doc["findings"])
    assert KEY not in res.stdout and KEY[-4:] in res.stdout  # redacted, never in full
    # a finding per line, keys sorted, two-space indentation
    lines = res.stdout.splitlines()
    first = lines.index('  "findings": [') + 1
    assert [json.loads(line.strip().rstrip(",")) for line in lines[first : first + len(doc["findings"])]] == doc["findings"]
    top = [line.split('"')[1] for line in lines if line.startswith('  "')]
    assert top == sorted(doc) and lines[0] == "{" and lines[-1] == "}"


def test_markdown_and_text_never_show_the_key(tmp_path):
    root = project(tmp_path / "proj")
    md = run("scan", str(root), "--format", "markdown", "--no-cache")
    assert md.exit_code == 0 and md.stdout.startswith("# OpenAI usage report")
    assert "| `pkg/app.py` | 5:5 | call |" in md.stdout and "cell 2 2:1" in md.stdout
    assert "pkg/bad.py" in md.stdout and KEY not in md.stdout
    text = run("scan", str(root), "--no-cache")
    assert text.exit_code == 0 and "3 API calls" in text.stdout and KEY not in text.stdout


def test_output_file(tmp_path):
    root = project(tmp_path / "proj")
    out = tmp_path / "report.json"
    res = run("scan", str(root), "-f", "json", "-o", str(out), "--no-cache")
    assert res.exit_code == 0 and res.stdout == ""
    assert json.loads(out.read_text())["summary"]["calls"] == 3
    txt = tmp_path / "report.txt"
    assert run("scan", str(root), "-o", str(txt), "--no-cache").exit_code == 0
    assert "API calls" in txt.read_text()
    bad = _cli("scan", str(root), "-o", str(tmp_path / "missing" / "r.json"))
    # (Rich wraps stderr at 80 columns on a pipe, so compare with whitespace folded)
    assert bad.returncode == 2 and "directory does not exist" in " ".join(bad.stderr.split())
    assert "Traceback" not in bad.stderr


def test_empty_tree_exit_zero(tmp_path):
    res = run("scan", str(tmp_path), "-f", "json")
    assert res.exit_code == 0 and json.loads(res.stdout)["findings"] == []


def _cli(*args, cwd=None, env=None):
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("MIGRATOR_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=120
    )


@pytest.mark.parametrize("case", ["missing", "file", "option"])
def test_usage_errors_exit_2_without_traceback(tmp_path, case):
    (tmp_path / "f.py").write_text("import openai\n")
    args = {
        "missing": ["scan", str(tmp_path / "nope")],
        "file": ["scan", str(tmp_path / "f.py")],
        "option": ["scan", str(tmp_path), "--frobnicate"],
    }[case]
    proc = _cli(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.strip()


def test_subprocess_json_and_no_progress_when_not_a_tty(tmp_path):
    root = project(tmp_path / "proj")
    proc = _cli("scan", str(root), "--format", "json", env={"MIGRATOR_CACHE_DIR": str(tmp_path / "c")})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["calls"] == 3
    assert proc.stderr == ""  # no progress bar, no escape codes on a pipe
    text = _cli("scan", str(root), env={"MIGRATOR_CACHE_DIR": str(tmp_path / "c")})
    assert text.returncode == 0 and "\x1b[" not in text.stderr and "scanning" not in text.stderr


def test_scan_of_current_directory_by_default(tmp_path):
    root = project(tmp_path / "proj")
    proc = _cli("scan", "-f", "json", cwd=str(root), env={"MIGRATOR_CACHE_DIR": str(tmp_path / "c")})
    assert proc.returncode == 0
    assert {f["path"] for f in json.loads(proc.stdout)["findings"]} >= {"pkg/app.py", "notebooks/demo.ipynb"}


def test_cli_exclude_option(tmp_path):
    root = project(tmp_path / "proj")
    res = run("scan", str(root), "-f", "json", "--exclude", "notebooks", "--exclude", "pkg/bad.py", "--no-cache")
    doc = json.loads(res.stdout)
    assert {f["path"] for f in doc["findings"]} == {"pkg/app.py", "requirements.txt"} and doc["errors"] == []


def test_summary_line_counts_in_the_singular_too(tmp_path):
    (tmp_path / "m.py").write_text("import openai\nopenai.Embedding.create(model='m', input='x')\n")
    out = CliRunner().invoke(cli.app, ["scan", str(tmp_path), "--no-cache"])
    assert out.exit_code == 0
    text = " ".join(out.stdout.split())
    assert "1 file scanned" in text and "1 API call (1 legacy v0), 0 blockers" in text, text


def test_no_best_fit_is_named_when_no_provider_migrates_anything(tmp_path):
    (tmp_path / "m.py").write_text("import openai\nopenai.Embedding.create(model='m', input='x')\n")
    text = " ".join(CliRunner().invoke(cli.app, ["scan", str(tmp_path), "--no-cache"]).stdout.split())
    assert "Best fit" not in text and "No provider migrates any of these call sites automatically" in text, text
    (tmp_path / "m.py").write_text("from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\n")
    text = " ".join(CliRunner().invoke(cli.app, ["scan", str(tmp_path), "--no-cache"]).stdout.split())
    assert "Best fit:" in text and "migrates 1 of 1 call site automatically" in text, text
