"""Models a class of another module takes as a required parameter (review 6 F5, issue 15):
``fixtures/projects/models_taken/<case>/project/`` migrated by apply is
``expected/<provider>.<plan>/`` (a file absent there: unchanged), applying again changes nothing,
and scan's readiness counts what apply leaves for a person.  The runtime checks of the same shapes
(the migrated code run with the real SDK against the provider's fake) are in test_review6.py."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict

import pytest

from tests.projects import apply, checkout
from tests.test_apply_cli import make_repo, run

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "models_taken"
PLANS = [("dashscope", "compat"), ("deepseek", "compat")]


def project_files(case: str) -> Dict[str, bytes]:
    root = FIXTURES / case / "project"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("provider,plan", PLANS)
@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()))
def test_models_taken_fixtures(tmp_path: Path, case: str, provider: str, plan: str):
    files = project_files(case)
    repo = make_repo(tmp_path, files)
    doc = apply(repo, "--plan", plan, provider=provider)
    assert doc["summary"]["files_failed"] == 0, doc
    migrated = checkout(tmp_path, repo, doc) if doc.get("branch") else repo
    expected = FIXTURES / case / "expected" / f"{provider}.{plan}"
    if os.environ.get("MIGRATOR_WRITE_EXPECTED"):  # (to review a new case's outputs: then read the diff)
        for path, data in files.items():
            got = (migrated / path).read_bytes()
            if got != data:
                (expected / path).parent.mkdir(parents=True, exist_ok=True)
                (expected / path).write_bytes(got)
    for path, data in files.items():
        want = (expected / path).read_bytes() if (expected / path).exists() else data
        assert (migrated / path).read_bytes().decode() == want.decode(), path
    again = run("apply", "--provider", provider, "--plan", plan, "--format", "json", "--dry-run", cwd=migrated)
    assert again.returncode in (0, 1), again.stderr
    assert [f["path"] for f in json.loads(again.stdout)["files"] if f["path"] != ".migrator.toml"] == []
    manual = {(d["path"], d["line"]) for d in doc["diagnostics"] if d["severity"] == "manual"}
    scan = run("scan", "--format", "json", "--no-cache", cwd=repo)
    [row] = [r for r in json.loads(scan.stdout)["readiness"] if (r["provider"], r["plan"]) == (provider, plan)]
    assert row["manual"] == len(manual), (row, doc["diagnostics"])
