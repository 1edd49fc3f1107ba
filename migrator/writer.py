"""Write migrated files in place (atomically, all or nothing) and render patches.

This module never imports git: it is the fallback for targets outside a git
repository and the producer of ``--patch`` output.
"""

from __future__ import annotations

import difflib
import errno
import itertools
import os
import posixpath
import secrets
import stat
from dataclasses import dataclass
from typing import Dict, Iterator, List, Mapping, Optional

from migrator.errors import MigratorError, SafetyError, UsageError
from migrator.i18n import _

_TEMP_TAG = ".migrator-"
_NO_EOL = "\\ No newline at end of file\n"


def normalize_relpath(path: str) -> str:
    """Return ``path`` as a normalised ``/``-separated path relative to its root.

    Raises SafetyError for empty, absolute or root-escaping paths (``..``), and
    for names git or a line-based protocol cannot carry (NUL, newline).
    """
    if not path or "\0" in path or "\n" in path:
        raise SafetyError(_("refusing an empty or malformed file name"), path=repr(path))
    if path.startswith("/") or posixpath.isabs(path) or _has_drive(path):
        raise SafetyError(_("refusing an absolute path; paths must be relative to the target"), path=path)
    norm = posixpath.normpath(path)
    if norm in (".", "..") or norm.startswith("../"):
        raise SafetyError(_("refusing a path outside the target directory"), path=path)
    return norm


def _has_drive(path: str) -> bool:
    # "C:/x" is relative on POSIX but would escape the root on Windows.
    return len(path) > 1 and path[1] == ":" and path[0].isalpha()


# --------------------------------------------------------------------------
# In-place writes
# --------------------------------------------------------------------------


@dataclass
class _Write:
    """One planned file write; mutable bookkeeping for the rollback."""

    rel: str
    target: str  # real absolute path (symlinks inside the root resolved)
    data: bytes
    original: Optional[bytes]  # None: the file is new
    mode: Optional[int]  # permission bits of the original
    owner: Optional[tuple] = None  # (uid, gid) of the original
    temp: Optional[str] = None
    renaming: bool = False  # os.replace(temp, target) was started
    replaced: bool = False  # ... and is known to have completed

    @property
    def written(self) -> str:
        """The temp file, once ``_write_temp`` has written it."""
        assert self.temp is not None, "the temp file is written before it is renamed"
        return self.temp


def write_in_place(root: "os.PathLike[str] | str", changes: Mapping[str, bytes]) -> None:
    """Replace files under ``root`` with ``changes`` ({relative path: bytes}), all or nothing.

    Each file is written to a temp file in its own directory, fsynced, given the
    original's permission bits and moved over the original with ``os.replace``.
    If any step fails, files already replaced get their original bytes back and
    every temp file is removed. Returns None.

    Raises SafetyError for paths that escape ``root`` (also via symlinks) or name
    the same file twice; MigratorError (naming the file and the OS error) when a
    file cannot be read or written. KeyboardInterrupt is re-raised after rollback.
    """
    root_real = os.path.realpath(os.fspath(root))
    if not os.path.isdir(root_real):
        raise MigratorError(_("target directory does not exist"), path=os.fspath(root))
    plans = [_plan(root_real, rel, data) for rel, data in sorted(changes.items())]
    _refuse_duplicates(plans)
    current: Optional[_Write] = None
    try:
        for current in plans:
            _write_temp(current)
        for current in plans:
            current.renaming = True
            os.replace(current.written, current.target)
            current.replaced = True
    except BaseException as exc:
        problems = _rollback(plans)
        if isinstance(exc, OSError) and current is not None:
            raise _write_error(current, exc, problems) from exc
        raise
    _fsync_dirs(plans)


def _plan(root_real: str, rel: str, data: bytes) -> _Write:
    norm = normalize_relpath(rel)
    target = os.path.realpath(os.path.join(root_real, *norm.split("/")))
    if os.path.commonpath([root_real, target]) != root_real or target == root_real:
        raise SafetyError(_("refusing to write through a symlink that leads outside the target"), path=rel)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        if not os.path.isdir(os.path.dirname(target)):
            raise MigratorError(_("cannot create the file: its directory does not exist"), path=rel) from None
        return _Write(rel, target, data, None, None)
    except OSError as exc:
        raise MigratorError(_("cannot read the file: {reason}").format(reason=_os_reason(exc)), path=rel) from exc
    if not stat.S_ISREG(st.st_mode):
        raise SafetyError(_("refusing to replace something that is not a regular file"), path=rel)
    original = _read(target, rel)
    return _Write(rel, target, data, original, stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid))


def _read(path: str, rel: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise MigratorError(_("cannot read the file: {reason}").format(reason=_os_reason(exc)), path=rel) from exc


def _refuse_duplicates(plans: List[_Write]) -> None:
    seen: Dict[str, str] = {}
    for plan in plans:
        if plan.target in seen:
            raise SafetyError(
                _("'{first}' and '{second}' are the same file").format(first=seen[plan.target], second=plan.rel), path=plan.rel
            )
        seen[plan.target] = plan.rel


def _write_temp(plan: _Write) -> None:
    """Write ``plan.data`` to a fresh temp file next to the target; record it in ``plan.temp``."""
    fd = _create_temp(plan)
    try:
        if plan.mode is not None:
            os.fchmod(fd, plan.mode)  # fchmod ignores the umask, so bits match exactly
            _copy_owner(fd, plan.owner)
        view = memoryview(plan.data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_temp(plan: _Write) -> int:
    """Create a fresh temp file next to ``plan.target``; return its fd.

    ``plan.temp`` names it before it exists, so an interrupt at any point leaves the rollback a
    name to remove; only a file this call created is ever named there.
    """
    directory, name = os.path.split(plan.target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    # New files get 0o666 minus the umask, as any editor would create them.
    create_mode = 0o600 if plan.mode is not None else 0o666
    for _attempt in range(100):
        temp = os.path.join(directory, f".{name}{_TEMP_TAG}{secrets.token_hex(4)}.tmp")
        if os.path.lexists(temp):
            continue
        plan.temp = temp
        try:
            return os.open(temp, flags, create_mode)
        except FileExistsError:  # created by someone else just now: not ours to remove
            plan.temp = None
    raise OSError(errno.EEXIST, "could not pick a unique temp file name", directory)


def write_file(path: str, data: bytes) -> None:
    """Create or replace the file ``path`` with ``data`` atomically, never writing through a link.

    The temp file is created exclusively (``O_EXCL|O_NOFOLLOW``, random name) in ``path``'s own
    folder, so nothing planted there (a file, a symlink) is opened or overwritten; ``os.replace``
    then swaps it in, and a symlink at ``path`` is itself replaced, not followed. An existing
    regular file keeps its permission bits; a new one gets 0o666 minus the umask. No temp file is
    left behind on any failure or interrupt. Raises OSError.
    """
    path = os.path.abspath(path)
    try:
        st = os.lstat(path)
        mode = stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None
    except FileNotFoundError:
        mode = None
    plan = _Write(path, path, data, None, mode)
    try:
        _write_temp(plan)
        os.replace(plan.written, path)
        plan.replaced = True
    finally:
        if plan.temp and not plan.replaced:
            _unlink_quietly(plan.temp)


def write_user_file(path: str, data: bytes, what: str = "") -> None:
    """``write_file`` for a file the user named (``--output``, ``--patch``, a baseline...):
    UsageError "cannot write [what] PATH: reason" instead of OSError."""
    label = f"{what} {path}" if what else path
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise UsageError(_("cannot write {path}: directory does not exist").format(path=label))
    try:
        write_file(path, data)
    except OSError as exc:
        raise UsageError(_("cannot write {path}: {reason}").format(path=label, reason=exc.strerror or exc)) from None


def _copy_owner(fd: int, owner: Optional[tuple]) -> None:
    # Best effort: only root (or the owner within its groups) may chown.
    if owner is None or owner == (os.geteuid(), os.getegid()):
        return
    try:
        os.fchown(fd, *owner)
    except OSError:
        pass


def _rollback(plans: List[_Write]) -> List[str]:
    """Undo replaced files and remove temp files; return what could not be undone."""
    problems = []
    for plan in plans:
        if plan.renaming and not plan.replaced and plan.temp and not os.path.lexists(plan.temp):
            plan.replaced = True  # renamed, but the interrupt came before that was noted
        if plan.temp and not plan.replaced:
            _unlink_quietly(plan.temp)
        if plan.replaced:
            try:
                _restore(plan)
            except OSError as exc:
                problems.append(f"could not restore {plan.rel}: {_os_reason(exc)}")
    return problems


def _restore(plan: _Write) -> None:
    if plan.original is None:
        os.unlink(plan.target)
    else:
        undo = _Write(plan.rel, plan.target, plan.original, None, plan.mode, plan.owner)
        try:
            _write_temp(undo)
            os.replace(undo.written, plan.target)
        except BaseException:
            if undo.temp:
                _unlink_quietly(undo.temp)
            raise
    plan.replaced = False


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _write_error(plan: _Write, exc: OSError, problems: List[str]) -> MigratorError:
    if problems:
        detail = _("; some files could not be restored:") + "\n  " + "\n  ".join(problems)
    else:
        detail = _("; no files were changed")
    return MigratorError(_("could not write the file: {reason}").format(reason=_os_reason(exc)) + detail, path=plan.rel)


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _fsync_dirs(plans: List[_Write]) -> None:
    # Make the renames durable; failure here cannot be rolled back, so it is ignored.
    for directory in sorted({os.path.dirname(p.target) for p in plans}):
        try:
            fd = os.open(directory, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


# --------------------------------------------------------------------------
# Patches
# --------------------------------------------------------------------------


def make_patch(originals: Mapping[str, Optional[bytes]], changes: Mapping[str, bytes]) -> str:
    """Return a unified diff (``a/``/``b/`` prefixes) turning ``originals`` into ``changes``.

    ``originals[path]`` is None (or missing) for a new file. Unchanged files are
    left out; an empty string means nothing changed. Bytes are decoded as UTF-8
    with ``surrogateescape``, so write the result with ``encode_patch`` to keep
    odd bytes and CRLF line ends exactly. The output is accepted by ``git apply``.
    Raises SafetyError for malformed paths.
    """
    parts = []
    for path in sorted(changes):
        old, new = originals.get(path), changes[path]
        if old == new:
            continue
        parts.append("".join(_file_diff(normalize_relpath(path), old, new)))
    return "".join(parts)


def encode_patch(patch: str) -> bytes:
    """Return ``patch`` as the exact bytes to write (UTF-8, surrogateescape, no newline translation)."""
    return patch.encode("utf-8", "surrogateescape")


def _file_diff(path: str, old: Optional[bytes], new: bytes) -> Iterator[str]:
    a_name, b_name = _quote("a/" + path), _quote("b/" + path)
    yield f"diff --git {a_name} {b_name}\n"
    if old is None:
        yield "new file mode 100644\n"
    # git appends a tab to names containing spaces so the end of the name is unambiguous.
    tab = "\t" if " " in path else ""
    yield "--- /dev/null\n" if old is None else f"--- {a_name}{tab}\n"
    yield f"+++ {b_name}{tab}\n"
    body = difflib.unified_diff(_lines(old or b""), _lines(new), n=3, lineterm="\n")
    for line in itertools.islice(body, 2, None):  # skip difflib's own ---/+++ header
        yield line
        if not line.endswith("\n"):
            yield "\n" + _NO_EOL


def _lines(data: bytes) -> List[str]:
    """Split on LF only (str.splitlines would also split on \\r, \\x0c, U+2028...)."""
    text = data.decode("utf-8", "surrogateescape")
    pieces = text.split("\n")
    lines = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


_C_ESCAPES = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r"}


def _quote(name: str) -> str:
    """Quote a path the way git does when it contains quotes, backslashes or control bytes."""
    if not any(ch in _C_ESCAPES or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name):
        return name
    out = []
    for ch in name:
        if ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
