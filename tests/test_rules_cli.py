"""`migrator rules test` takes rule files as well as ids and provider names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ACME = Path(__file__).resolve().parent / "data" / "rules" / "acme.yaml"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migrator", "rules", *args], capture_output=True, text=True, timeout=120)


def test_a_rule_file_is_tested_on_its_own():
    done = run("test", str(ACME))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed, 0 failed" in done.stdout  # only acme's rules, not the built-in packs


def test_a_failing_case_in_a_file_shows_the_diff(tmp_path):
    broken = tmp_path / "acme.yaml"
    broken.write_text(
        ACME.read_text().replace(
            "after: \"from acme import Client\\nc = Client()\\n\"", "after: \"from acme import Client\\nc = Client(1)\\n\""
        )
    )
    done = run("test", str(broken))
    assert done.returncode == 1
    assert "WRONG acme/client-class::invalid[0]" in done.stdout and "+c = Client()" in done.stdout


def test_a_missing_file_is_a_usage_error():
    done = run("test", "no-such-rules.yaml")
    assert done.returncode == 2 and "not found" in done.stderr and "Traceback" not in done.stderr


def test_a_built_in_pack_named_on_the_command_line_is_tested_on_its_own():
    # the authoring guide tells users to run `migrator rules test rules/<p>.yaml`; a built-in pack
    # named there used to be loaded twice and refused ("provider already defined", exit 2)
    pack = Path(__file__).resolve().parent.parent / "rules" / "moonshot.yaml"
    done = run("test", str(pack))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed, 0 failed" in done.stdout and "already defined" not in done.stderr
    assert run("validate", str(pack)).returncode == 0


def test_a_copy_of_a_built_in_pack_is_tested_instead_of_the_built_in(tmp_path):
    # an installed migrator reads its built-in packs from the package, so `rules/<p>.yaml` of a clone
    # (or a pack copied to be edited) is a second file for the same provider: it is the one tested
    pack = Path(__file__).resolve().parent.parent / "rules" / "moonshot.yaml"
    copy = tmp_path / "moonshot.yaml"
    copy.write_text(pack.read_text(encoding="utf-8"), encoding="utf-8")
    done = run("test", str(copy))
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed, 0 failed" in done.stdout and "already defined" not in done.stderr
    # the copy's own cases run, not the built-in's: a case broken in the copy fails
    text = copy.read_text(encoding="utf-8")
    expected = 'api_key=os.environ["MOONSHOT_API_KEY"])\n'
    assert expected in text
    copy.write_text(text.replace(expected, 'api_key=os.environ["MOONSHOT_KEY"])\n', 1), encoding="utf-8")
    done = run("test", str(copy))
    assert done.returncode == 1 and "WRONG moonshot/" in done.stdout and "already defined" not in done.stderr
    # two files named for one provider still collide
    done = run("test", str(copy), str(pack))
    assert done.returncode == 2 and "already defined" in done.stderr and "Traceback" not in done.stderr
