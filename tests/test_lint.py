"""The linter CI runs (issue 18): ruff's pyflakes and syntax rules, and ruff's formatter, over the
package, tests, benchmarks and scripts, with the configuration in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["migrator", "tests", "benchmarks", "scripts"]


def _ruff() -> str:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff is not None, "ruff is a test dependency: pip install -e '.[test]'"
    return ruff


def test_ruff_finds_nothing():
    done = subprocess.run(
        [_ruff(), "check", "--output-format", "concise", *PATHS], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_changes_nothing():
    """The code is laid out as ``ruff format`` lays it out; the diff shows what to run it on."""
    done = subprocess.run([_ruff(), "format", "--check", "--diff", *PATHS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, "run `ruff format " + " ".join(PATHS) + "`:\n" + done.stdout + done.stderr
