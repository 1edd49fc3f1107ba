"""Issue 19: ``migrator check FILE`` (the pre-commit case) lists only what it is given.

The files named (and the directories named) are the only part of the tree looked at: a sibling
directory is neither listed nor read, outside git (where the tree would be walked) and inside
(where git is asked for the named paths only).  Which files are checked is what it was: the whole
listing filtered by the named paths, excluded directories, ``--exclude`` globs, links and all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.check.baseline import _under
from migrator import discovery
from migrator.discovery import iter_files
from migrator.vcs import listed_files
from tests.test_check import commit, make_repo, write

ROOT = Path(__file__).resolve().parent.parent

# Runs ``migrator`` in a fresh interpreter with an audit hook that records every directory listed,
# every file opened and every command started, then prints them as JSON on the last line of stderr.
SPY = r"""
import json, os, sys
seen = {"listed": [], "opened": [], "run": []}
def hook(event, args):
    if event in ("os.scandir", "os.listdir") and args and args[0] is not None:
        seen["listed"].append(os.path.abspath(os.fsdecode(args[0])))
    elif event == "open" and isinstance(args[0], (str, bytes)):
        seen["opened"].append(os.path.abspath(os.fsdecode(args[0])))
    elif event == "subprocess.Popen":
        seen["run"].append([os.fsdecode(a) for a in args[1]])
sys.addaudithook(hook)
from migrator.cli import main
try:
    main(sys.argv[1:])
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
sys.stderr.write("\n" + json.dumps({"code": code, **seen}) + "\n")
"""


def spied(cwd: Path, *args: str):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-c", SPY, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return report, proc.stdout


def in_work_tree(path: Path) -> bool:
    done = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=path, capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.strip() == "true"


def project(root: Path) -> Path:
    write(root, "app/clean.py", "import json\n\n\ndef f(x):\n    return json.dumps(x)\n")
    write(root, "app/sub/more.py", "x = 1\n")
    # a sibling full of OpenAI code: if it were listed or read, its findings would fail the gate
    for i in range(30):
        write(root, f"sibling/pkg{i}/mod.py", "from openai import OpenAI\n\nclient = OpenAI()\n")
    return root


def outside(report, root: Path):
    sibling = str(root / "sibling")
    return [p for p in report["listed"] + report["opened"] if p == sibling or p.startswith(sibling + os.sep)]


@pytest.mark.parametrize("named", [["app/clean.py"], ["app"], ["app/clean.py", "app/sub"]])
def test_outside_git_only_the_named_paths_are_listed_and_read(tmp_path, named):
    root = project(tmp_path / "proj")
    if in_work_tree(root):
        pytest.skip("the temporary directory is inside a git work tree")
    report, out = spied(root, "check", *named)
    assert report["code"] == 0, out
    assert outside(report, root) == []
    assert str(root / "app" / "clean.py") in report["opened"]
    assert f"{2 if 'app' in named or 'app/sub' in named else 1} files checked" in out, out


def test_inside_git_only_the_named_paths_are_asked_of_git_and_read(tmp_path):
    root = project(make_repo(tmp_path / "proj"))
    commit(root, "init")
    write(root, "untracked/pkg/mod.py", "import openai\n")  # git would search here for untracked files
    report, out = spied(root, "check", "app/clean.py")
    assert report["code"] == 0, out
    assert outside(report, root) == []
    listings = [cmd for cmd in report["run"] if cmd[:2] == ["git", "ls-files"]]
    assert listings and all("app/clean.py" in cmd and "." not in cmd for cmd in listings), listings
    assert "1 files checked" in out, out


def test_the_whole_tree_is_still_checked_when_nothing_is_named(tmp_path):
    root = project(tmp_path / "proj")
    report, out = spied(root, "check")
    assert report["code"] == 1, out
    assert "sibling/pkg7/mod.py" in out


def tree(root: Path) -> Path:
    for rel in [
        "a.py",
        "pkg/b.py",
        "pkg/c.txt",
        "pkg/deep/d.py",
        "pkg/build/e.py",
        "pkg/x.egg-info/f.py",
        "pkg-2/g.py",
        "other/h.py",
        "env/i.py",
        "skip/j.py",
        "pkg/skip/k.py",
        "node_modules/l.py",
    ]:
        write(root, rel, "x = 1\n")
    (root / "env" / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    os.symlink(root / "other", root / "pkg" / "linkdir")
    os.symlink(root / "other" / "h.py", root / "pkg" / "link.py")
    os.symlink(root / "missing.py", root / "pkg" / "broken.py")
    return root


NAMED = [
    ["pkg"],
    ["pkg/b.py"],
    ["pkg/deep", "pkg"],
    ["pkg/build/e.py"],
    ["pkg/build"],
    ["pkg/x.egg-info/f.py"],
    ["env/i.py"],
    ["env"],
    ["pkg/linkdir"],
    ["pkg/linkdir/h.py"],
    ["pkg/link.py"],
    ["pkg/broken.py"],
    ["skip/j.py", "pkg/skip"],
    ["pkg-2", "pkg/deep/d.py"],
    ["node_modules/l.py"],
    ["nope.py", "pkg/nope"],
    [""],
    ["a.py", ""],
]


@pytest.mark.parametrize("use_git", [False, True, "too many for one git command"])
@pytest.mark.parametrize("named", NAMED)
def test_the_named_listing_is_the_whole_listing_filtered(tmp_path, monkeypatch, use_git, named):
    root = tree(make_repo(tmp_path / "proj") if use_git else tmp_path / "proj")
    if use_git:
        commit(root, "init")
    if use_git == "too many for one git command":  # git lists everything; the named paths are kept here
        monkeypatch.setattr(discovery, "_PATHSPEC_CHARS", 1)
        use_git = True
    whole = [
        (c.relpath, c.abspath)
        for c in iter_files(str(root), ["skip"], lister=listed_files if use_git else None)
        if _under(c.relpath, named)
    ]
    assert [
        (c.relpath, c.abspath) for c in iter_files(str(root), ["skip"], lister=listed_files if use_git else None, under=named)
    ] == whole
