"""The per-file analysis cache: warm equals cold, edits miss, corruption and races are harmless."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

from migrator import cache as cache_mod
from migrator.cache import Cache
from migrator.report.scan import to_json
from migrator.scan import ScanOptions, scan_paths

CALL = "import openai\nopenai.ChatCompletion.create(model='gpt-4', messages=[])\n"


def tree(root: Path, n: int = 30) -> Path:
    # more files than the in-process threshold, so the process pool runs too
    for i in range(n):
        (root / f"m{i:02d}.py").parent.mkdir(parents=True, exist_ok=True)
        (root / f"m{i:02d}.py").write_text(CALL if i % 3 else "x = 1  # mentions openai only in a comment\n")
    (root / "plain.py").write_text("print('nothing here')\n")
    return root


def scan_json(root: Path, use_cache: bool = True, jobs: int = 2) -> str:
    return to_json(scan_paths(str(root), ScanOptions(use_cache=use_cache, jobs=jobs)))


def entries(cache_dir: Path):
    """Per-file analysis entries (not the per-root manifests)."""
    return sorted(p for p in cache_dir.rglob("*.json") if not p.name.startswith(".tmp-") and p.parent.name != "manifests")


def test_warm_run_equals_cold_and_hits(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    root = tree(tmp_path / "src")
    cold = scan_json(root)
    assert len(entries(tmp_path / "cache")) == 30  # every analysed file, "nothing here" included
    calls = []
    real = cache_mod.Cache.get
    monkeypatch.setattr(cache_mod.Cache, "get", lambda self, key: calls.append(key) or real(self, key))
    import migrator.scan as scan_mod

    seen = []
    monkeypatch.setattr(scan_mod, "analyze_bytes", lambda *a: seen.append(a[0]))
    warm = scan_json(root, jobs=1)
    assert seen == [] and warm == cold and len(calls) == 30


def test_changed_file_is_reanalysed(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    root = tree(tmp_path / "src", n=3)
    first = json.loads(scan_json(root))
    assert first["summary"]["calls"] == 2
    (root / "m00.py").write_text(CALL + "openai.Embedding.create(model='ada', input='x')\n")
    second = json.loads(scan_json(root))
    assert second["summary"]["calls"] == 4
    assert second == json.loads(scan_json(root, use_cache=False))


def test_no_cache_bypasses_reads_and_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    root = tree(tmp_path / "src", n=3)
    scan_json(root, use_cache=False)
    assert not (tmp_path / "cache").exists()
    scan_json(root)
    # a poisoned entry is not read with --no-cache
    for entry in entries(tmp_path / "cache"):
        data = json.loads(entry.read_text())
        if data.get("findings"):
            data["findings"] = []
            entry.write_text(json.dumps(data))
    assert json.loads(scan_json(root, use_cache=False))["summary"]["calls"] == 2
    assert json.loads(scan_json(root))["summary"]["calls"] == 0  # proves the cache really is read otherwise


def test_corrupt_entries_are_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    root = tree(tmp_path / "src", n=6)
    cold = scan_json(root)
    for i, entry in enumerate(entries(tmp_path / "cache")):
        entry.write_text(["{not json", '{"path": 3}', "[]", "", '{"path": "x", "error": null}'][i % 5])
    assert scan_json(root) == cold
    assert scan_json(root) == cold  # and they were rewritten whole


def test_read_only_cache_dir_never_fails_a_scan(tmp_path, monkeypatch):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(blocker))
    root = tree(tmp_path / "src", n=3)
    assert json.loads(scan_json(root))["summary"]["calls"] == 2


def test_key_depends_on_path_and_bytes(tmp_path):
    c = Cache(tmp_path)
    assert c.key("a.py", b"x") != c.key("b.py", b"x") != c.key("a.py", b"y")
    assert c.key("a.py", b"x") == Cache(tmp_path).key("a.py", b"x")
    assert c.get("0" * 64) is None


def test_concurrent_processes(tmp_path):
    root = tree(tmp_path / "src", n=60)
    env = dict(os.environ, MIGRATOR_CACHE_DIR=str(tmp_path / "cache"))
    cmd = [sys.executable, "-m", "migrator", "scan", str(root), "--format", "json", "--jobs", "2"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    docs = [json.loads(o[0]) for o in outs]
    assert docs[0] == docs[1] and docs[0]["summary"]["calls"] == 40
    assert not list((tmp_path / "cache").rglob(".tmp-*"))
    warm = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
    assert json.loads(warm.stdout) == docs[0]


def test_unchanged_files_are_recognised_without_being_read(tmp_path, monkeypatch):
    """The manifest: a rescan stats each file; only changed (or racy-fresh) files are read."""
    import os
    import time

    import migrator.discovery as discovery
    from migrator.scan import ScanOptions, scan_paths

    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.py").write_text("from openai import OpenAI\nOpenAI()\n")
    (tree / "b.py").write_text("print('nothing here')\n")
    old = time.time() - 60  # older than the racy window
    for name in ("a.py", "b.py"):
        os.utime(tree / name, (old, old))
    first = scan_paths(str(tree), ScanOptions(jobs=1, use_git=False))
    reads = []
    real = discovery.read_limited
    monkeypatch.setattr("migrator.scan.read_limited", lambda p, *a: reads.append(p) or real(p, *a))
    second = scan_paths(str(tree), ScanOptions(jobs=1, use_git=False))
    assert reads == [] and [a.findings for a in second.analyses] == [a.findings for a in first.analyses]
    (tree / "a.py").write_text("from openai import OpenAI\nOpenAI()\nOpenAI()\n")  # changed: read again
    third = scan_paths(str(tree), ScanOptions(jobs=1, use_git=False))
    assert [os.path.basename(p) for p in reads] == ["a.py"]
    assert sum(1 for f in third.analyses[0].findings if f.kind == "client") == 2


def test_meanwhile_runs_once_while_the_pool_works_and_in_process(tmp_path, monkeypatch):
    """scan's hook for the parent's own work (the CLI loads the rule packs there)."""
    import migrator.pool as pool_mod

    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    root = tree(tmp_path / "src")
    pools = []
    real_pool = pool_mod.ProcessPoolExecutor
    monkeypatch.setattr(pool_mod, "ProcessPoolExecutor", lambda **kw: pools.append(kw) or real_pool(**kw))
    for jobs, expect_pool in ((2, True), (1, False)):
        pools.clear()
        calls = []
        result = scan_paths(str(root), ScanOptions(use_cache=False, jobs=jobs), meanwhile=functools.partial(calls.append, 1))
        assert calls == [1] and bool(pools) == expect_pool
        assert sum(1 for a in result.analyses for f in a.findings if f.kind == "call") == 20
