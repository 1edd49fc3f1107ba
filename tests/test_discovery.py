"""Which files scan looks at: git, default excludes, globs, symlinks, unreadable files."""

from __future__ import annotations

import os
import subprocess

import pytest

from migrator import discovery
from migrator.discovery import iter_files
from migrator.errors import UsageError
from migrator.scan import ScanOptions, scan_paths
from migrator.vcs import listed_files

CALL = "import openai\nopenai.ChatCompletion.create(model='gpt-4', messages=[])\n"


def write(root, rel, text=CALL, mode="w"):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def git(root, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def rels(root, excludes=(), use_git=True):
    # the walker yields directory by directory, git in path order: compare sorted
    return sorted(c.relpath for c in iter_files(str(root), excludes, lister=listed_files if use_git else None))


def scan(root, **kw):
    kw.setdefault("use_cache", False)
    kw.setdefault("jobs", 1)
    return scan_paths(str(root), ScanOptions(**kw))


def test_gitignore_honoured_in_git_repo(tmp_path):
    git(tmp_path, "init", "-q")
    write(tmp_path, ".gitignore", "generated/\nsecret_*.py\n")
    write(tmp_path, "app/main.py")
    write(tmp_path, "generated/out.py")
    write(tmp_path, "secret_local.py")
    write(tmp_path, "untracked.py")
    git(tmp_path, "add", "app/main.py", ".gitignore")
    git(tmp_path, "commit", "-qm", "init")
    assert rels(tmp_path) == [".gitignore", "app/main.py", "untracked.py"]
    # a subdirectory of a repo: paths stay relative to the target
    assert rels(tmp_path / "app") == ["main.py"]
    # outside git, the walker does not know .gitignore
    assert "generated/out.py" in rels(tmp_path, use_git=False)


def test_default_excludes(tmp_path):
    for d in (
        ".venv",
        "venv",
        "site-packages",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".tox",
        "pkg.egg-info",
        ".git",
        ".ipynb_checkpoints",
    ):
        write(tmp_path, f"{d}/x.py")
    write(tmp_path, "myenv/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, "myenv/lib/mod.py")
    write(tmp_path, "src/keep.py")
    assert rels(tmp_path, use_git=False) == ["src/keep.py"]


def test_default_excludes_apply_to_git_listing_too(tmp_path):
    git(tmp_path, "init", "-q")
    write(tmp_path, "node_modules/pkg/x.py")
    write(tmp_path, "build/lib/x.py")
    write(tmp_path, "src/keep.py")
    assert rels(tmp_path) == ["src/keep.py"]


def test_exclude_globs_and_pyproject(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.migrator]\nexclude = ["legacy/*"]\n')
    write(tmp_path, "legacy/old.py")
    write(tmp_path, "tests/test_x.py")
    write(tmp_path, "src/a.py")
    write(tmp_path, "src/gen_pb2.py")
    assert rels(tmp_path, ["tests", "*_pb2.py"], use_git=False) == ["legacy/old.py", "pyproject.toml", "src/a.py"]
    from migrator.cli.common import config_and_excludes

    _cfg, excludes = config_and_excludes(str(tmp_path), ["tests/"])
    assert set(excludes) == {"legacy/*", "tests/"}
    assert rels(tmp_path, excludes, use_git=False) == ["pyproject.toml", "src/a.py", "src/gen_pb2.py"]


def test_symlinks_never_leave_the_target(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "leak.py")
    root = tmp_path / "root"
    write(root, "inside.py")
    (root / "link_file.py").symlink_to(outside / "leak.py")
    (root / "link_dir").symlink_to(outside, target_is_directory=True)
    (root / "alias.py").symlink_to(root / "inside.py")
    (root / "loop").symlink_to(root, target_is_directory=True)  # a loop is harmless
    (root / "dangling.py").symlink_to(tmp_path / "missing.py")
    for use_git in (False, True):
        if use_git:
            git(root, "init", "-q")
        got = rels(root, use_git=use_git)
        assert "link_file.py" not in got and not any(p.startswith(("link_dir/", "loop/")) for p in got)
        assert "inside.py" in got and "dangling.py" not in got
    result = scan(root)
    assert all("leak" not in f.path for f in result.findings)


def test_problem_files_skipped_and_listed(tmp_path, monkeypatch):
    write(tmp_path, "ok.py")
    write(tmp_path, "binary.py", b"import openai\0\0\0", mode="wb")
    write(tmp_path, "big.py", CALL + "#" * 5000)
    write(tmp_path, "latin.py", b"# -*- coding: utf-8 -*-\nimport openai\nx = '\xff\xfe'\n", mode="wb")
    write(tmp_path, "locked.py")
    write(tmp_path, "image.png", b"\x89PNG\0openai", mode="wb")
    real_open = os.open

    def fake_open(path, *args, **kw):  # tests run as root: chmod cannot deny reads
        if str(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kw)

    monkeypatch.setattr("os.open", fake_open)
    result = scan(tmp_path, max_bytes=4096)
    skipped = {s.path: s.reason for s in result.skipped}
    assert set(skipped) == {"binary.py", "big.py", "locked.py"}
    assert "NUL" in skipped["binary.py"] and "larger than" in skipped["big.py"]
    assert skipped["locked.py"] == "permission denied"
    failed = {a.path: a.error for a in result.failed}
    assert list(failed) == ["latin.py"] and "decode" in failed["latin.py"]
    assert {f.path for f in result.findings} == {"ok.py"}


def test_syntax_error_listed_with_line_and_not_fatal(tmp_path):
    write(tmp_path, "bad.py", "import openai\n\ndef broken(:\n    pass\n")
    write(tmp_path, "good.py")
    result = scan(tmp_path)
    (bad,) = result.failed
    assert (bad.path, bad.error_line) == ("bad.py", 3) and "syntax error" in bad.error
    assert [f.path for f in result.findings if f.kind == "call"] == ["good.py"]


def test_root_must_be_an_existing_directory(tmp_path):
    with pytest.raises(UsageError):
        list(iter_files(str(tmp_path / "nope")))
    write(tmp_path, "f.py")
    with pytest.raises(UsageError):
        list(iter_files(str(tmp_path / "f.py")))
    with pytest.raises(UsageError):
        discovery.resolve_root(str(tmp_path / "f.py"))


def test_paths_are_slash_separated(tmp_path):
    write(tmp_path, "b/z.py")
    write(tmp_path, "a/deep/er/y.py")
    write(tmp_path, "c.py")
    assert rels(tmp_path, use_git=False) == ["a/deep/er/y.py", "b/z.py", "c.py"]


def test_non_utf8_file_name_does_not_crash(tmp_path):
    name = os.fsencode(str(tmp_path)) + b"/caf\xe9.py"
    with open(name, "wb") as handle:
        handle.write(CALL.encode())
    result = scan(tmp_path)
    assert len([f for f in result.findings if f.kind == "call"]) == 1
    assert result.findings[0].path.startswith("caf")
