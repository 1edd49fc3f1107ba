"""Helpers for tests that migrate a small project (a real git repository) and run the result
against the fake provider, with OpenAI's variables pointing at a trap that must see nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

from tests.test_apply_cli import git, run


def apply(repo: Path, *args: str, provider: str = "dashscope") -> dict:
    """``migrator apply --format json --yes`` on ``repo``; the parsed report."""
    proc = run("apply", "--provider", provider, "--format", "json", "--yes", *args, cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def checkout(tmp_path: Path, repo: Path, doc: dict) -> Path:
    """The branch apply made, checked out beside the repository."""
    migrated = tmp_path / "migrated"
    git(repo, "worktree", "add", "-q", str(migrated), doc["branch"])
    return migrated


def run_migrated(
    tmp_path: Path, migrated: Path, program: str, client_source: str, provider: str = "dashscope"
) -> Tuple[object, List[object], List[object]]:
    """Run ``program`` with ``migrated`` importable, the provider's fake for the variables
    ``client_source`` reads, and OpenAI's variables on a trap: (the finished run, the requests the
    provider's fake received, those the trap received)."""
    from tests.equivalence import base_env, migrated_env, run_program, write_guard
    from tests.fakes import FakeServer

    with FakeServer(provider) as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env(provider, srv, client_source)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{migrated}"
        done = run_program(program, "run.py", env, tmp_path / "run")
        return done, list(srv.requests), list(trap.requests)
