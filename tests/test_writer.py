"""migrator.writer: all-or-nothing in-place writes and git-apply-able patches."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
from pathlib import Path
from typing import Dict, Optional

import pytest

from migrator import writer
from migrator.errors import MigratorError, SafetyError


def tree(root: Path) -> Dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def temp_leftovers(root: Path):
    return [p.name for p in root.rglob("*") if ".migrator-" in p.name]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "a.py").write_bytes(b"import openai\n")
    (root / "pkg" / "b.py").write_bytes(b"from openai import OpenAI\n")
    (root / "pkg" / "c.py").write_bytes(b"openai.api_key = 'x'\n")
    return root


def fail_on_call(monkeypatch, name: str, number: int, exc: BaseException):
    """Make writer's ``os.<name>`` raise ``exc`` on its ``number``-th call."""
    real = getattr(os, name)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == number:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(writer.os, name, flaky)
    return calls


NEW = {"a.py": b"import dashscope\n", "pkg/b.py": b"from dashscope import X\n", "pkg/c.py": b"k = 1\n"}


# --------------------------------------------------------------------------
# write_in_place
# --------------------------------------------------------------------------


def test_writes_all_files_and_leaves_no_temp_files(project: Path):
    writer.write_in_place(project, NEW)
    assert tree(project) == NEW
    assert temp_leftovers(project) == []


def test_permission_bits_are_preserved(project: Path):
    os.chmod(project / "a.py", 0o750)
    os.chmod(project / "pkg/b.py", 0o604)
    writer.write_in_place(project, NEW)
    assert stat.S_IMODE((project / "a.py").stat().st_mode) == 0o750
    assert stat.S_IMODE((project / "pkg/b.py").stat().st_mode) == 0o604


def test_new_file_gets_umask_permissions(project: Path):
    old_umask = os.umask(0o027)
    try:
        writer.write_in_place(project, {"pkg/new.py": b"x = 1\n"})
    finally:
        os.umask(old_umask)
    assert (project / "pkg/new.py").read_bytes() == b"x = 1\n"
    assert stat.S_IMODE((project / "pkg/new.py").stat().st_mode) == 0o640


def test_failed_replace_of_second_file_restores_the_first(project: Path, monkeypatch):
    before = tree(project)
    fail_on_call(monkeypatch, "replace", 2, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(MigratorError) as err:
        writer.write_in_place(project, NEW)
    assert err.value.path == "pkg/b.py"
    assert "No space left on device" in str(err.value) and "no files were changed" in str(err.value)
    assert tree(project) == before
    assert temp_leftovers(project) == []


def test_failed_temp_write_changes_nothing(project: Path, monkeypatch):
    before = tree(project)
    fail_on_call(monkeypatch, "fsync", 2, OSError(errno.EIO, "Input/output error"))
    with pytest.raises(MigratorError, match="pkg/b.py.*Input/output error"):
        writer.write_in_place(project, NEW)
    assert tree(project) == before
    assert temp_leftovers(project) == []


def test_new_file_is_removed_on_rollback(project: Path, monkeypatch):
    before = tree(project)
    fail_on_call(monkeypatch, "replace", 2, OSError(errno.EACCES, "Permission denied"))
    with pytest.raises(MigratorError, match="Permission denied"):
        writer.write_in_place(project, {"a.py": b"changed\n", "new.py": b"created\n", "pkg/b.py": b"y\n"})
    assert tree(project) == before


def test_keyboard_interrupt_rolls_back_and_propagates(project: Path, monkeypatch):
    before = tree(project)
    fail_on_call(monkeypatch, "replace", 3, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        writer.write_in_place(project, NEW)
    assert tree(project) == before
    assert temp_leftovers(project) == []


def test_restored_file_keeps_its_permissions(project: Path, monkeypatch):
    os.chmod(project / "a.py", 0o700)
    fail_on_call(monkeypatch, "replace", 2, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(MigratorError):
        writer.write_in_place(project, NEW)
    assert stat.S_IMODE((project / "a.py").stat().st_mode) == 0o700


def test_unreadable_original_is_reported_before_anything_is_written(project: Path, monkeypatch):
    before = tree(project)
    real_open = open

    def deny(path, *args, **kwargs):
        if str(path).endswith("c.py"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    with pytest.raises(MigratorError, match="c.py.*Permission denied"):
        writer.write_in_place(project, NEW)
    monkeypatch.undo()
    assert tree(project) == before


@pytest.mark.parametrize("bad", ["../escape.py", "/tmp/abs.py", "pkg/../../escape.py", "", "."])
def test_paths_escaping_root_are_refused(project: Path, bad: str):
    before = tree(project.parent)
    with pytest.raises(SafetyError):
        writer.write_in_place(project, {bad: b"x", "a.py": b"changed\n"})
    assert tree(project.parent) == before


def test_symlinked_directory_leading_outside_is_refused(project: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.py").write_bytes(b"precious\n")
    os.symlink(outside, project / "linkdir")
    os.symlink(outside / "victim.py", project / "linkfile.py")
    for path in ("linkdir/victim.py", "linkfile.py"):
        with pytest.raises(SafetyError, match="symlink"):
            writer.write_in_place(project, {"a.py": b"changed\n", path: b"pwned\n"})
    assert (outside / "victim.py").read_bytes() == b"precious\n"
    assert (project / "a.py").read_bytes() == b"import openai\n"


def test_symlink_inside_root_writes_its_target_and_stays_a_link(project: Path):
    os.symlink("pkg/b.py", project / "alias.py")
    writer.write_in_place(project, {"alias.py": b"via link\n"})
    assert (project / "alias.py").is_symlink()
    assert (project / "pkg/b.py").read_bytes() == b"via link\n"


def test_two_names_for_one_file_are_refused(project: Path):
    os.symlink("a.py", project / "alias.py")
    with pytest.raises(SafetyError, match="same file"):
        writer.write_in_place(project, {"a.py": b"one\n", "alias.py": b"two\n"})


def test_missing_directory_and_non_regular_files_are_refused(project: Path):
    with pytest.raises(MigratorError, match="directory does not exist"):
        writer.write_in_place(project, {"nodir/x.py": b"x\n"})
    with pytest.raises(SafetyError, match="not a regular file"):
        writer.write_in_place(project, {"pkg": b"x\n"})


def test_missing_root_is_an_error(tmp_path: Path):
    with pytest.raises(MigratorError, match="does not exist"):
        writer.write_in_place(tmp_path / "nope", {"a.py": b"x"})


# --------------------------------------------------------------------------
# make_patch
# --------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True)


def apply_patch(tmp_path: Path, originals: Dict[str, Optional[bytes]], changes: Dict[str, bytes]) -> Path:
    """Write ``originals`` into a fresh repo, check and apply ``make_patch``; return the repo."""
    root = tmp_path / "apply"
    root.mkdir()
    assert git(root, "init", "-q").returncode == 0
    for rel, data in originals.items():
        if data is not None:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
    patch_file = tmp_path / "change.patch"
    patch_file.write_bytes(writer.encode_patch(writer.make_patch(originals, changes)))
    for extra in (["--check"], []):
        proc = git(root, "apply", *extra, str(patch_file))
        assert proc.returncode == 0, proc.stderr.decode()
    return root


CASES = {
    "modified": ({"m.py": b"a\nb\nc\nd\ne\nf\ng\nh\n"}, {"m.py": b"a\nB\nc\nd\ne\nf\ng\nH\n"}),
    "new file": ({"new.py": None}, {"new.py": b"x = 1\ny = 2\n"}),
    "new file in new dir, no eol": ({}, {"d/e/new.py": b"x = 1"}),
    "no trailing newline either side": ({"n.py": b"a\nb"}, {"n.py": b"a\nc"}),
    "newline added": ({"n.py": b"a\nb"}, {"n.py": b"a\nb\n"}),
    "newline removed": ({"n.py": b"a\nb\n"}, {"n.py": b"a\nb"}),
    "crlf": ({"w.py": b"import openai\r\nx = 1\r\n"}, {"w.py": b"import dashscope\r\nx = 1\r\n"}),
    "mixed crlf and no eol": ({"w.py": b"a\r\nb\nc\r"}, {"w.py": b"a\r\nB\nc\r"}),
    "odd bytes": ({"o.py": b"s = '\xe9\xff'\nt = 1\n"}, {"o.py": b"s = '\xe9\xff'\nt = 2\n"}),
    "form feed and unicode separators": ({"f.py": "a\x0cb\u2028c\nd\n".encode()}, {"f.py": "a\x0cb\u2028c\nD\n".encode()}),
    "emptied": ({"e.py": b"x\n"}, {"e.py": b""}),
    "empty original": ({"e.py": b""}, {"e.py": b"x\n"}),
    "space in name": ({"my file.py": b"a\n"}, {"my file.py": b"b\n"}),
    "quote in name": ({'q"uote.py': b"a\n"}, {'q"uote.py': b"b\n"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_git_apply_reproduces_the_changes_byte_for_byte(tmp_path: Path, case: str):
    originals, changes = CASES[case]
    root = apply_patch(tmp_path, originals, changes)
    for rel, data in changes.items():
        assert (root / rel).read_bytes() == data


def test_all_cases_in_one_patch(tmp_path: Path):
    originals, changes = {}, {}
    for i, (old, new) in enumerate(CASES.values()):
        for rel in new:
            originals[f"c{i}/{rel}"] = old.get(rel)
            changes[f"c{i}/{rel}"] = new[rel]
    root = apply_patch(tmp_path, originals, changes)
    assert {rel: (root / rel).read_bytes() for rel in changes} == changes


def test_patch_format(tmp_path: Path):
    patch = writer.make_patch(
        {"a.py": b"x\n", "same.py": b"s\n", "n.py": None}, {"a.py": b"y", "same.py": b"s\n", "n.py": b"new\n"}
    )
    assert patch == (
        "diff --git a/a.py b/a.py\n"
        "--- a/a.py\n"
        "+++ b/a.py\n"
        "@@ -1 +1 @@\n"
        "-x\n"
        "+y\n"
        "\\ No newline at end of file\n"
        "diff --git a/n.py b/n.py\n"
        "new file mode 100644\n"
        "--- /dev/null\n"
        "+++ b/n.py\n"
        "@@ -0,0 +1 @@\n"
        "+new\n"
    )


def test_no_changes_gives_an_empty_patch():
    assert writer.make_patch({"a.py": b"x\n"}, {"a.py": b"x\n"}) == ""
    assert writer.make_patch({}, {}) == ""


def test_patch_refuses_escaping_paths():
    with pytest.raises(SafetyError):
        writer.make_patch({"../x.py": b"a\n"}, {"../x.py": b"b\n"})


@pytest.mark.parametrize("path, norm", [("a.py", "a.py"), ("./pkg//b.py", "pkg/b.py"), ("pkg/../a.py", "a.py")])
def test_normalize_relpath(path: str, norm: str):
    assert writer.normalize_relpath(path) == norm


@pytest.mark.parametrize("bad", ["", ".", "..", "../a", "/a", "a/../../b", "C:/x", "a\0b", "a\nb"])
def test_normalize_relpath_refuses(bad: str):
    with pytest.raises(SafetyError):
        writer.normalize_relpath(bad)


def test_write_file_creates_its_temp_file_exclusively_and_cleans_up(tmp_path: Path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    out = tmp_path / "dir"
    out.mkdir()
    for guess in ("out.migrator-tmp", ".out.migrator-tmp"):
        (out / guess).symlink_to(victim)
    writer.write_file(str(out / "out"), b"new\n")
    assert victim.read_text() == "precious\n" and (out / "out").read_bytes() == b"new\n"
    (out / "out").chmod(0o640)
    writer.write_file(str(out / "out"), b"newer\n")
    assert stat.S_IMODE((out / "out").stat().st_mode) == 0o640
    with pytest.raises(OSError):
        writer.write_file(str(out), b"x")  # a directory cannot be replaced by a file
    fail_on_call(monkeypatch, "replace", 1, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        writer.write_file(str(out / "out"), b"lost\n")
    assert (out / "out").read_bytes() == b"newer\n"
    assert sorted(p.name for p in tmp_path.rglob("*") if ".migrator-" in p.name) == [".out.migrator-tmp", "out.migrator-tmp"]


@pytest.mark.parametrize("number", [1, 2, 3])
def test_interrupt_right_after_a_rename_rolls_that_file_back(project: Path, monkeypatch, number):
    before = tree(project)
    real = os.replace
    calls = []

    def renamed_then_interrupted(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(args)
        if len(calls) == number:
            raise KeyboardInterrupt  # as a signal handler would, before the writer notes the rename

    monkeypatch.setattr(writer.os, "replace", renamed_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        writer.write_in_place(project, NEW)
    assert tree(project) == before
    assert temp_leftovers(project) == []
