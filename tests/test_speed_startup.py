"""Issue 19: the pre-commit ``migrator check FILE`` and ``migrator --version`` start fast because they
load only what they use: the modules a clean file's check does not need (the rewriting engine and
LibCST, the rule packs' YAML, the progress bar, the analyzer's Python part, the writer) are not
imported.  What is imported is read from the interpreter itself (``-X importtime``), in a fresh
process as the console script runs; no timing is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CLEAN = "import json\n\n\ndef dump(x):\n    return json.dumps(x)\n" * 40


def imported(cwd: Path, *args: str):
    """(exit code, stdout, the modules the run imported)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "migrator", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "migrator" in modules, proc.stderr[-2000:]
    return proc.returncode, proc.stdout, modules


def loaded(modules, *prefixes: str):
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


CHECK_NEEDS_NONE_OF = (
    "libcst",
    "yaml",
    "git",
    "rich.progress",
    "migrator.engine",
    "migrator.analyzer.python",
    # python.py's parts (issue 18): loaded only through it
    "migrator.analyzer.scope",
    "migrator.analyzer.nodes",
    "migrator.analyzer.resolve",
    "migrator.analyzer.endpoints",
    "migrator.analyzer.model_names",
    "migrator.analyzer.clients",
    "migrator.analyzer.walk",
    "migrator.analyzer.reporter",
    "migrator.analyzer.prune",
    "migrator.analyzer.mixins",
    "migrator.analyzer.textfiles",
    "migrator.writer",
    "migrator.scan",
    "migrator.ruleset",
)


@pytest.mark.parametrize("in_git", [False, True])
def test_check_of_one_clean_file_loads_only_what_it_uses(tmp_path, in_git):
    (tmp_path / "f200.py").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "other.md").write_text("nothing\n", encoding="utf-8")
    if in_git:
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    code, out, modules = imported(tmp_path, "check", "f200.py")
    assert code == 0, out
    assert "1 files checked" in out, out
    assert loaded(modules, *CHECK_NEEDS_NONE_OF) == []


def test_check_of_a_file_with_openai_code_still_finds_it(tmp_path):
    (tmp_path / "llm.py").write_text("from openai import OpenAI\n\nclient = OpenAI()\n", encoding="utf-8")
    code, out, modules = imported(tmp_path, "check", "llm.py")
    assert code == 1 and "llm.py" in out, out
    assert "migrator.analyzer.python" in modules  # loaded when a file needs it
    assert loaded(modules, "libcst", "migrator.engine", "rich.progress") == []


def test_version_loads_neither_the_cli_framework_nor_a_command(tmp_path):
    code, out, modules = imported(tmp_path, "--version")
    assert code == 0 and out.startswith("migrator "), out
    assert (
        loaded(
            modules,
            "typer",
            "rich",
            "migrator.check",
            "migrator.commands",
            "migrator.analyzer",
            "migrator.config",
            "migrator.vcs",
        )
        == []
    )
