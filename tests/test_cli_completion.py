"""Shell completion: ``--show-completion`` prints a script that completes, ``--install-completion``
installs it (into a temporary HOME here)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def migrator(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(home), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    return subprocess.run([str(BIN / "migrator"), *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("words,expected", [("migrator ch", "check"), ("migrator apply --pro", "--provider")])
def test_show_completion_bash_prints_a_script_that_completes(tmp_path, words, expected):
    shown = migrator("--show-completion", "bash", home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "complete " in shown.stdout and "_MIGRATOR_COMPLETE" in shown.stdout
    script = tmp_path / "migrator.bash"
    script.write_text(shown.stdout)
    words_list = words.split()
    probe = (
        f"source {script}; COMP_WORDS=({' '.join(words_list)}); COMP_CWORD={len(words_list) - 1}; "
        "_migrator_completion migrator; printf '%s\\n' \"${COMPREPLY[@]}\""
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-c", probe], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and expected in done.stdout.split(), done.stdout + done.stderr


def test_install_completion_writes_into_home_only(tmp_path):
    installed = migrator("--install-completion", "bash", home=tmp_path)
    assert installed.returncode == 0, installed.stderr
    assert "migrator.sh" in (tmp_path / ".bashrc").read_text()
    assert "_MIGRATOR_COMPLETE" in (tmp_path / ".bash_completions" / "migrator.sh").read_text()


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_show_completion_for_other_shells(tmp_path, shell):
    shown = migrator("--show-completion", shell, home=tmp_path)
    assert shown.returncode == 0 and "_MIGRATOR_COMPLETE" in shown.stdout, shown.stderr
