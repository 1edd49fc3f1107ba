"""Interrupting `migrator apply` (SIGINT, SIGTERM) or failing a write must leave the repository
exactly as it was: HEAD, branches, index bytes, working tree, untracked files, no index.lock,
no temp files, no new branch.

Deterministic, no sleeps: a ``sitecustomize`` hook (enabled by ``MIGRATOR_TEST_HOOK``) makes the
apply process send the signal to itself (or raise an OSError) at a chosen call of a chosen
function, e.g. the 3rd blob written, or after the temporary index was filled.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

HOOK = r'''
import errno, os, signal
_spec = os.environ.get("MIGRATOR_TEST_HOOK")
if _spec:
    import importlib
    _mod_name, _func, _nth, _what = _spec.split(":")
    _nth = int(_nth)
    _after = _what.endswith("-after")  # fire once the call has returned (os.* only)
    _what = _what[:-len("-after")] if _after else _what
    _mod = importlib.import_module(_mod_name)
    _calls = [0]

    def _fire():
        if _what in ("SIGINT", "SIGTERM"):
            os.kill(os.getpid(), getattr(signal, _what))
        else:
            raise OSError(getattr(errno, _what), os.strerror(getattr(errno, _what)))

    if _func.startswith("os."):
        _name = _func[3:]

        class _Os:
            def __getattr__(self, attr):
                return getattr(os, attr)

        def _wrapped_os(*a, **k):
            _calls[0] += 1
            if _calls[0] == _nth and not _after:
                _fire()
            result = getattr(os, _name)(*a, **k)
            if _calls[0] == _nth and _after:
                _fire()
            return result

        _proxy = _Os()
        setattr(_proxy, _name, _wrapped_os)
        _mod.os = _proxy
    else:
        _orig = getattr(_mod, _func)

        def _wrapped(*a, **k):
            if _func == "_git" and "update-index" not in a:
                return _orig(*a, **k)
            _calls[0] += 1
            if _calls[0] == _nth and _func == "_git":
                result = _orig(*a, **k)  # fire once the temporary index has been filled
                _fire()
                return result
            if _calls[0] == _nth:
                _fire()
            return _orig(*a, **k)

        setattr(_mod, _func, _wrapped)
'''

SOURCE = '''import openai
from openai import OpenAI

client = OpenAI()


def ask{n}(text):
    r = client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": text}}])
    return r.choices[0].message.content


def legacy{n}():
    return openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[])["choices"][0]
'''

N_FILES = 30


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    for n in range(N_FILES):
        (repo / "pkg" / f"m{n:02d}.py").write_text(SOURCE.format(n=n))
    (repo / "README.md").write_text("hello\n")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    (repo / "notes.txt").write_text("untracked\n")  # untracked files must stay as they are
    (repo / "staged.txt").write_text("staged\n")
    _git(repo, "add", "staged.txt")  # and so must the index
    return repo


def snapshot(repo: Path) -> dict:
    tree = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo).as_posix()
        if rel == ".git" or rel.startswith(".git/"):
            continue
        if path.is_file():
            tree[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), oct(path.stat().st_mode))
    git_dir = repo / ".git"
    return {
        "head": _git(repo, "rev-parse", "HEAD"),
        "symbolic": _git(repo, "symbolic-ref", "HEAD"),
        "refs": _git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "index": hashlib.sha256((git_dir / "index").read_bytes()).hexdigest(),
        "status": _git(repo, "status", "--porcelain=v1", "-uall"),
        "tree": tree,
        "git_top": sorted(p.name for p in git_dir.iterdir() if p.name != "objects"),
    }


def run_apply(repo: Path, tmp_path: Path, hook: str, *extra: str) -> subprocess.CompletedProcess:
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir(exist_ok=True)
    (hook_dir / "sitecustomize.py").write_text(HOOK)
    temp = tmp_path / "tmp"
    temp.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hook_dir), str(ROOT)]),
        "MIGRATOR_TEST_HOOK": hook,
        "TMPDIR": str(temp),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "MIGRATOR_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("MIGRATOR_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "migrator", "apply", str(repo), "--provider", "deepseek", "--yes", "--no-cache", *extra],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def assert_untouched(repo: Path, tmp_path: Path, before: dict) -> None:
    after = snapshot(repo)
    assert after == before
    assert not (repo / ".git" / "index.lock").exists()
    leftovers = [p for p in repo.rglob("*") if ".migrator-" in p.name]
    assert leftovers == []
    assert list((tmp_path / "tmp").iterdir()) == [], "temp files left in TMPDIR"


def test_the_hook_is_inert_without_a_trigger(repo, tmp_path):
    # the uninterrupted run for comparison: it does commit on a new branch
    before = snapshot(repo)
    proc = run_apply(repo, tmp_path, "migrator.vcs:_write_blob:100000:SIGINT", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert "migrator/deepseek-compat" in _git(repo, "branch", "--list")
    after = snapshot(repo)
    assert after["tree"] == before["tree"] and after["index"] == before["index"] and after["head"] == before["head"]


POINTS = [
    ("migrator.apply:_collect:5", ["--jobs", "1"]),  # while files are being rewritten
    ("migrator.vcs:_write_blob:3", []),  # while blobs are written (objects only)
    ("migrator.vcs:_git:1", []),  # right after the temporary index was filled
    ("migrator.vcs:_commit_tree:1", []),  # before the commit object
    ("migrator.vcs:_create_branch:1", []),  # commit made, branch not yet created
]


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("point,extra", POINTS, ids=[p[0].split(":", 1)[1] for p in POINTS])
def test_signal_during_apply_leaves_the_repository_as_it_was(repo, tmp_path, point, extra, sig):
    before = snapshot(repo)
    proc = run_apply(repo, tmp_path, f"{point}:{sig}", *extra)
    assert proc.returncode == (130 if sig == "SIGINT" else 143), proc.stderr
    assert ("interrupted (SIGTERM)" if sig == "SIGTERM" else "interrupted") in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert_untouched(repo, tmp_path, before)


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    "point", ["migrator.writer:_write_temp:2", "migrator.writer:os.replace:2", "migrator.writer:os.replace:30"]
)
def test_signal_during_in_place_write_rolls_back(repo, tmp_path, point, sig):
    before = snapshot(repo)
    proc = run_apply(repo, tmp_path, f"{point}:{sig}", "--in-place")
    assert proc.returncode == (130 if sig == "SIGINT" else 143), proc.stderr
    assert "interrupted" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert_untouched(repo, tmp_path, before)


@pytest.mark.parametrize("error", ["ENOSPC", "EACCES", "EIO"])
@pytest.mark.parametrize("point", ["migrator.writer:_write_temp:7", "migrator.writer:os.replace:4", "migrator.writer:os.fsync:1"])
def test_write_failure_in_place_leaves_nothing_half_done(repo, tmp_path, point, error):
    before = snapshot(repo)
    proc = run_apply(repo, tmp_path, f"{point}:{error}", "--in-place")
    assert proc.returncode == 2, proc.stderr
    out = " ".join((proc.stderr + proc.stdout).split())  # rich wraps long lines
    assert "Traceback" not in out and "internal error" not in out
    assert "could not write the file" in out and "no files were changed" in out
    assert "pkg/m" in out  # the message names the file
    assert_untouched(repo, tmp_path, before)


def test_git_failure_while_committing_leaves_the_repository_as_it_was(repo, tmp_path):
    before = snapshot(repo)
    proc = run_apply(repo, tmp_path, "migrator.vcs:_commit_tree:1:EIO")
    assert proc.returncode == 70  # an OSError from git plumbing is unexpected: internal error, one line
    assert "Traceback" not in proc.stderr + proc.stdout
    assert_untouched(repo, tmp_path, before)


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="POSIX signals")
def test_sigterm_handler_is_installed_only_by_main():
    # importing the CLI must not change the process's signal handling (library use)
    code = "import signal, migrator.cli; print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("nth", [1, 2, 30])
def test_signal_landing_as_a_rename_completes_rolls_that_file_back_too(repo, tmp_path, nth, sig):
    """The signal arrives once os.replace has renamed the file but before the writer has noted
    it: the rollback must still restore that file (it is already the new one on disk)."""
    before = snapshot(repo)
    proc = run_apply(repo, tmp_path, f"migrator.writer:os.replace:{nth}:{sig}-after", "--in-place")
    assert proc.returncode == (130 if sig == "SIGINT" else 143), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert_untouched(repo, tmp_path, before)


# ------------------------------------------------------------------ the worker pool (issue 14)

BIG = "import openai\nfrom openai import OpenAI\nc = OpenAI()\n" + "".join(
    f"def f{i}(x):\n    return c.chat.completions.create(model='gpt-4o', messages=[{{'role': 'user', 'content': x + {i}}}])\n"
    for i in range(400)
)


def _alive(pgid: int) -> list:
    """Processes of the group still running (a zombie is dead: it only waits to be reaped)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            out.append(int(entry))
    return out


def _start_scan(tmp_path: Path) -> subprocess.Popen:
    tree = tmp_path / "big"
    tree.mkdir()
    for n in range(150):  # above the pool threshold, and long enough to be caught mid-pool
        (tree / f"m{n:03d}.py").write_text(BIG)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MIGRATOR_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MIGRATOR_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "migrator", "scan", str(tree), "--no-cache", "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    # the parent and two workers that have analysed for a while (0.3 s of CPU): the pool is busy
    while len(_alive(proc.pid)) < 3 or _worker_ticks(proc.pid) < 30:
        assert proc.poll() is None and time.monotonic() < deadline, "the pool never got busy"
        time.sleep(0.01)
    return proc


def _worker_ticks(pgid: int) -> int:
    total = 0
    for pid in _alive(pgid):
        if pid != pgid:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total


def _gone(pgid: int) -> list:
    deadline = time.monotonic() + 10
    while _alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(pgid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("attempt", range(3))  # the old failure was a race: try it more than once
def test_sigterm_to_the_process_group_stops_the_pool(tmp_path, attempt):
    proc = _start_scan(tmp_path)
    os.killpg(proc.pid, signal.SIGTERM)  # what `timeout` and a CI cancel send
    try:
        code = proc.wait(timeout=60)
    finally:
        left = _gone(proc.pid)
        if left:
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read().decode()
    assert code == 143, err
    assert "interrupted" in err and "Traceback" not in err and "Error" not in err, err
    assert left == [], "worker processes left running"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_their_parent_is_killed(tmp_path):
    proc = _start_scan(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up
    proc.wait(timeout=60)
    left = _gone(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert left == [], "orphaned workers kept running"


CRASH_HOOK = r"""
import os, signal
import migrator.scan as _scan
_orig = _scan._process

def _process(job):
    if job[0].endswith("crash.py"):
        os.kill(os.getpid(), signal.SIGSEGV)  # what a native parser crash looks like
    return _orig(job)

_scan._process = _process
"""


def test_a_worker_crash_costs_only_its_file(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for n in range(40):  # above the pool threshold
        (tree / f"m{n:02d}.py").write_text(SOURCE.format(n=n))
    (tree / "crash.py").write_text(SOURCE.format(n=99))
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASH_HOOK)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]), "MIGRATOR_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MIGRATOR_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "migrator", "scan", str(tree), "--no-cache", "--jobs", "2", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    import json

    doc = json.loads(proc.stdout)
    assert [s["path"] for s in doc["skipped"]] == ["crash.py"] and "crashed" in doc["skipped"][0]["reason"]
    assert {f["path"] for f in doc["findings"]} == {f"m{n:02d}.py" for n in range(40)}
