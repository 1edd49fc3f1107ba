"""The readiness matrix kept across runs (issue 19: it was most of a warm rescan): keyed on everything
it reads, so a changed file, pack, configuration or provider plans again, and a warm rescan gives the
cold run's report."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import migrator.readiness as readiness_mod
from migrator.commands.scan import ScanRequest, run
from migrator.config import load_config
from migrator.readiness import readiness_key
from migrator.report.scan import to_json
from migrator.ruleset import builtin_rules_dir
from migrator.scan import ScanOptions, scan_paths

CLIENT = "from openai import OpenAI\n\nclient = OpenAI()\n"
USER = (
    "from app.clients import client\n\n\ndef ask(q):\n"
    "    return client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': q}])\n"
)


def age(root: Path) -> None:
    """Older than the racy window (a file changed within it is told by its bytes only)."""
    old = time.time() - 60
    for path in root.rglob("*"):
        if ".git" not in path.parts:
            os.utime(path, (old, old))


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "clients.py").write_text(CLIENT)
    (root / "app" / "service.py").write_text(USER)  # names no OpenAI: planned through the project pass
    (root / "app" / "util.py").write_text("def add(a, b):\n    return a + b\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    age(root)
    return root


def report(root: Path, **request) -> str:
    outcome = run(ScanRequest(path=str(root), jobs=1, **request))
    return to_json(outcome.result, outcome.readiness)


def key_of(root: Path, provider=None, rules=()) -> str:
    result = scan_paths(str(root), ScanOptions(jobs=1))
    key = readiness_key(result, root=str(root), config=load_config(str(root)), provider=provider, extra_rules=rules)
    assert key is not None
    return key


def test_a_warm_rescan_gives_the_cold_report_without_planning(project, monkeypatch):
    cold = report(project)
    assert "\"automatic\": 1" in cold, cold
    calls = []
    real = readiness_mod.readiness_matrix
    monkeypatch.setattr(readiness_mod, "readiness_matrix", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert report(project) == cold and calls == []
    # --no-cache neither reads nor writes it
    assert report(project, use_cache=False) == cold and calls == [1]


def test_a_plain_module_that_starts_using_the_client_plans_again(project, monkeypatch):
    cold = report(project)
    (project / "app" / "util.py").write_text(USER.replace("ask", "ask_again"))  # no "openai" in it: still plain
    age(project)
    warm = report(project)
    assert warm != cold
    shutil.rmtree(os.environ["MIGRATOR_CACHE_DIR"])
    assert report(project, use_cache=False) == warm  # what a cold run says


def test_the_key_changes_with_every_input(project, tmp_path):
    base = key_of(project)
    assert key_of(project) == base  # an unchanged project: the same key
    (project / "app" / "service.py").write_text(USER.replace("gpt-4o", "gpt-4o-mini"))  # an analysed file
    age(project)
    changed = key_of(project)
    assert changed != base
    (project / "app" / "util.py").write_text("def add(a, b):\n    return b + a\n")  # a plain file
    age(project)
    plain = key_of(project)
    assert plain != changed
    assert key_of(project, provider="dashscope") != plain  # the provider asked for
    (project / ".migrator.toml").write_text("completions-as-chat = true\n")  # the configuration
    age(project)
    configured = key_of(project)
    assert configured != plain
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(builtin_rules_dir() / "dashscope.yaml", rules / "mine.yaml")
    text = (rules / "mine.yaml").read_text()
    (rules / "mine.yaml").write_text(text.replace("provider: dashscope", "provider: mine", 1))
    packed = key_of(project, rules=[str(rules)])
    assert packed != configured
    (rules / "mine.yaml").write_text((rules / "mine.yaml").read_text() + "\n# edited\n")  # a pack's file
    assert key_of(project, rules=[str(rules)]) != packed


def test_a_file_changed_within_the_racy_window_is_not_keyed(project):
    (project / "app" / "util.py").write_text("x = 2\n")  # just now: its stat cannot tell a second change
    result = scan_paths(str(project), ScanOptions(jobs=1))
    assert readiness_key(result, root=str(project), config=load_config(str(project))) is None
    assert (
        readiness_key(
            scan_paths(str(project), ScanOptions(jobs=1, use_cache=False)), root=str(project), config=load_config(str(project))
        )
        is None
    )  # nor without the cache
