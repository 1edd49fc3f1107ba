"""The analysis cache looks after itself (migrator/cache.py, ``Cache.maintain``): directories of other
fingerprints unused for a week, manifests of roots not scanned for a month, analyses no manifest
refers to and stale readiness matrices are removed, and the current directory is kept under
MIGRATOR_CACHE_MAX_MB, least recently used first; ``migrator cache clear`` removes it all.  On real
temporary directories."""

from __future__ import annotations

import os
import time

import pytest

from migrator import cache as cache_mod
from migrator.cache import Cache, Manifest
from migrator.models import FileAnalysis

DAY = 86400
NOW = time.time()


def _age(path, days):
    when = NOW - days * DAY
    os.utime(path, (when, when))


def _entry(cache, name, days=0.0, size=0):
    key = (name * 64)[:64]
    cache.put(key, FileAnalysis("m.py", error="x" * size))
    path = os.path.join(cache.dir, key[:2], key + ".json")
    _age(path, days)
    return key, path


def _manifest(cache, root, keys, days=0.0):
    manifest = Manifest(cache, str(root))
    st = os.stat(__file__)
    for index, key in enumerate(keys):
        manifest.record(f"f{index}.py", st, key)
    manifest.save()
    _age(manifest.path, days)
    return manifest.path


def _other(base, fingerprint, days, stamp=True):
    other = base / f"analysis-{fingerprint}"
    (other / "ab").mkdir(parents=True)
    (other / "ab" / ("ab" * 32 + ".json")).write_text("{}")
    (other / "manifests").mkdir()
    paths = [other / "ab", other / "manifests", other]
    if stamp:
        (other / ".maintained").write_text("")
        paths.insert(0, other / ".maintained")
    for path in paths:
        _age(path, days)
    return other


def test_other_fingerprints_unused_for_a_week_go_and_nothing_else_of_the_folder(tmp_path):
    cache = Cache(tmp_path)
    _entry(cache, "a")
    old = _other(tmp_path, "1" * 16, days=8)
    old_unstamped = _other(tmp_path, "2" * 16, days=9, stamp=False)  # a version that made no stamp
    recent = _other(tmp_path, "3" * 16, days=2)
    recent_unstamped = _other(tmp_path, "4" * 16, days=2, stamp=False)
    mine = tmp_path / "notes"  # not migrator's
    mine.mkdir()
    _age(mine, 100)
    (tmp_path / "analysis-readme.txt").write_text("x")
    cache.maintain(NOW)
    assert not old.exists() and not old_unstamped.exists()
    assert recent.exists() and recent_unstamped.exists() and mine.exists() and (tmp_path / "analysis-readme.txt").exists()
    assert cache.dir.exists()


def test_analyses_no_manifest_refers_to_go_a_day_after_they_were_written(tmp_path):
    cache = Cache(tmp_path)
    referred, referred_path = _entry(cache, "a", days=20)
    _, orphan_path = _entry(cache, "b", days=2)
    _, fresh_path = _entry(cache, "c", days=0.5)  # a scan running meanwhile may not have saved its manifest
    _manifest(cache, tmp_path / "project", [referred])
    stale_tmp = os.path.join(cache.dir, "aa", ".tmp-1-0.json")
    with open(stale_tmp, "w") as handle:
        handle.write("{")
    _age(stale_tmp, 2)
    cache.maintain(NOW)
    assert os.path.exists(referred_path) and os.path.exists(fresh_path)
    assert not os.path.exists(orphan_path) and not os.path.exists(stale_tmp)


def test_a_root_not_scanned_for_a_month_loses_its_manifest_and_its_analyses(tmp_path):
    cache = Cache(tmp_path)
    kept, kept_path = _entry(cache, "a", days=40)
    gone, gone_path = _entry(cache, "b", days=40)
    recent_manifest = _manifest(cache, tmp_path / "p1", [kept], days=3)
    old_manifest = _manifest(cache, tmp_path / "p2", [gone], days=31)
    readiness_old = cache.dir / "readiness" / "cd" / ("cd" * 32 + ".json")
    readiness_new = cache.dir / "readiness" / "ef" / ("ef" * 32 + ".json")
    for path, days in ((readiness_old, 31), (readiness_new, 3)):
        path.parent.mkdir(parents=True)
        path.write_text("[]")
        _age(path, days)
    cache.maintain(NOW)
    assert recent_manifest.exists() and os.path.exists(kept_path) and readiness_new.exists()
    assert not old_manifest.exists() and not os.path.exists(gone_path) and not readiness_old.exists()


def test_the_size_bound_evicts_the_least_recently_used_root_first(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATOR_CACHE_MAX_MB", str(24 / 1024))  # 24 KiB
    cache = Cache(tmp_path)
    old = [_entry(cache, f"{i:x}", days=10, size=2000) for i in range(6)]  # ~12 KiB, used 5 days ago
    new = [_entry(cache, f"{i:x}", days=10, size=2000) for i in range(8, 14)]  # ~12 KiB, used today
    _manifest(cache, tmp_path / "old", [k for k, _ in old], days=5)
    _manifest(cache, tmp_path / "new", [k for k, _ in new], days=0)
    cache.maintain(NOW)
    assert all(os.path.exists(path) for _, path in new)
    left = [path for _, path in old if os.path.exists(path)]
    assert len(left) < len(old)
    total = sum(os.path.getsize(path) for _, path in old + new if os.path.exists(path))
    assert total <= 24 * 1024 * 0.8


def test_a_readiness_matrix_read_is_used(tmp_path):
    cache = Cache(tmp_path)
    cache.put_value("readiness", "cd" * 32, [1])
    path = cache.dir / "readiness" / "cd" / ("cd" * 32 + ".json")
    _age(path, 31)
    assert cache.get_value("readiness", "cd" * 32) == [1]
    cache.maintain(NOW)
    assert path.exists()


def test_it_looks_after_the_cache_once_a_day(tmp_path):
    cache = Cache(tmp_path)
    cache.maintain(NOW)
    _, orphan = _entry(cache, "b", days=3)
    cache.maintain(NOW + 3600)
    assert os.path.exists(orphan)
    cache.maintain(NOW + 25 * 3600)
    assert not os.path.exists(orphan)


def test_a_cache_it_cannot_tidy_never_fails_a_scan(tmp_path, monkeypatch):
    from migrator.scan import ScanOptions, scan_paths

    def broken(*args):
        raise PermissionError("no")

    monkeypatch.setattr(cache_mod, "_collect", broken)
    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "p"
    project.mkdir()
    (project / "app.py").write_text("import openai\nopenai.ChatCompletion.create(model='gpt-4o')\n")
    result = scan_paths(str(project), ScanOptions(use_git=False, jobs=1))
    assert [a.path for a in result.analyses] == ["app.py"]


def test_a_scan_forgets_the_files_gone_and_looks_after_the_cache(tmp_path, monkeypatch):
    from migrator.scan import ScanOptions, scan_paths

    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "p"
    project.mkdir()
    for name in ("a.py", "b.py"):
        (project / name).write_text("import openai\nopenai.ChatCompletion.create(model='gpt-4o')\n")
    scan_paths(str(project), ScanOptions(use_git=False, jobs=1))
    cache = Cache()
    manifest = Manifest(cache, str(project))
    assert sorted(manifest.files) == ["a.py", "b.py"]
    assert (cache.dir / ".maintained").exists()
    (project / "b.py").unlink()
    scan_paths(str(project), ScanOptions(use_git=False, jobs=1, only=["a.py"]))  # a part: nothing forgotten
    assert sorted(Manifest(cache, str(project)).files) == ["a.py", "b.py"]
    scan_paths(str(project), ScanOptions(use_git=False, jobs=1))
    assert sorted(Manifest(cache, str(project)).files) == ["a.py"]


def test_clear_removes_every_migrator_folder_and_only_those(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from migrator.cli import _register, app

    monkeypatch.setenv("MIGRATOR_CACHE_DIR", str(tmp_path))
    cache = Cache()
    _entry(cache, "a", size=100)
    other = _other(tmp_path, "1" * 16, days=0)
    (tmp_path / "notes").mkdir()
    _register(["cache"])
    runner = CliRunner()
    shown = runner.invoke(app, ["cache", "info"])
    assert shown.exit_code == 0 and cache.dir.name in shown.output and other.name in shown.output
    done = runner.invoke(app, ["cache", "clear"])
    assert done.exit_code == 0, done.output
    assert "2" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]
    assert runner.invoke(app, ["cache", "clear"]).exit_code == 0  # nothing left: not an error


@pytest.mark.parametrize("value,expected", [("", 1024), ("5", 5), ("0.5", 0.5), ("-3", 1024), ("lots", 1024)])
def test_the_size_bound_is_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("MIGRATOR_CACHE_MAX_MB", value)
    assert cache_mod.max_bytes() == int(expected * 1024 * 1024)
