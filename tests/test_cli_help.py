"""``--help`` shows every help text as written: nothing in it is taken for markup.

Rich markup read ``[tool.migrator.check]`` in ``check --policy``'s help as a style tag and
dropped it; ``:name:`` would have become an emoji.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> Iterator[Tuple[List[str], object]]:
    import typer

    from migrator import cli

    cli._register()
    root = typer.main.get_command(cli.app)

    def walk(path: List[str], command):
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):  # a group (typer vendors click)
            yield from walk(path + [name], sub)

    yield from walk([], root)


def _texts(command) -> List[str]:
    texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
    return [" ".join(t.split()) for t in texts if t.strip()]


COMMANDS = [(path, _texts(command)) for path, command in _commands()]


def test_a_help_text_with_brackets_exists():  # the case the test below is about
    assert any("[tool.migrator.check]" in text for _, texts in COMMANDS for text in texts)


@pytest.mark.parametrize("path,texts", COMMANDS, ids=[" ".join(p) or "migrator" for p, _ in COMMANDS])
def test_help_shows_every_help_text_literally(path, texts):
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "migrator", *path, "--help"], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    shown = " ".join(proc.stdout.split())
    for text in texts:
        assert text in shown, f"{' '.join(path)} --help lost: {text!r}\n{proc.stdout}"
