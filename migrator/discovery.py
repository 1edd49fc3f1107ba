"""Which files under a target to look at.

Inside a git work tree the file list comes from git itself (tracked plus
untracked-but-not-ignored), so ``.gitignore`` is honoured exactly; elsewhere
the tree is walked.  Default excludes, ``--exclude`` globs and the target's
``[tool.migrator] exclude`` apply in both cases.  Symlinks never lead outside
the target.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

from migrator.errors import UsageError
from migrator.i18n import _

DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "site-packages",
        "dist-packages",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
        ".ipynb_checkpoints",
        ".cache",
    }
)

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
_PATHSPEC_CHARS = 16 * 1024  # named paths given to git at most (a Windows command line holds 32 KiB)


@dataclass(frozen=True)
class Candidate:
    relpath: str  # '/'-separated, relative to the target root
    abspath: str
    stat: Optional[os.stat_result] = None  # of the file (through a link), taken while listing


def _excluded_dir(name: str, full: str) -> bool:
    if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
        return True
    return os.path.isfile(os.path.join(full, "pyvenv.cfg"))  # a virtual environment by another name


def _matches(relpath: str, patterns: Sequence[str]) -> bool:
    if not patterns:
        return False
    parts = relpath.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(relpath, pattern) or any(fnmatch.fnmatch(p, pattern) for p in parts):
            return True
        if relpath.startswith(pattern + "/"):
            return True
    return False


def _walk(root: str, rel: str = "") -> Iterator[Tuple[str, "os.DirEntry[str]"]]:
    """(relpath, entry) of every file, in ``os.walk(root)``'s order with sorted names: a
    directory's files, then each sub-directory; excluded directories and links to
    directories are not entered (as ``os.walk`` with ``followlinks=False``).  ``rel``: the
    relative path of ``root`` with a trailing "/" (a part of a larger tree)."""
    pending = [(root, rel)]
    while pending:
        path, rel = pending.pop()
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            name = rel + entry.name
            if not is_dir:
                yield name, entry
            elif not entry.is_symlink() and not _excluded_dir(entry.name, entry.path):
                subdirs.append((entry.path, name + "/"))
        pending.extend(reversed(subdirs))


def _outermost(paths: Sequence[str]) -> Tuple[str, ...]:
    """The paths none of the others contains, sorted; () when one is the root itself."""
    tops: List[str] = []
    for path in sorted({p.strip("/") for p in paths}):
        if path in ("", "."):
            return ()
        if not any(path.startswith(top + "/") for top in tops):
            tops.append(path)
    return tuple(tops)


def _walk_under(root: str, tops: Sequence[str]) -> Iterator[Tuple[str, str, "Optional[os.DirEntry[str]]"]]:
    """(relpath, path, entry or None) of ``_walk(root)``'s files at or below ``tops``, in its
    order, entering nothing else: a path is skipped where the walk of the whole root would not
    reach it (an excluded directory or a link to a directory on the way)."""
    found: List[Tuple[str, str, "Optional[os.DirEntry[str]]"]] = []
    for top in tops:
        parts = top.split("/")
        path = root
        for depth, name in enumerate(parts, 1):
            path = os.path.join(path, name)
            last = depth == len(parts)
            if last and not os.path.isdir(path):
                if os.path.lexists(path):
                    found.append((top, path, None))
            elif os.path.islink(path) or not os.path.isdir(path) or _excluded_dir(name, path):
                break
            elif last:
                found.extend((rel, entry.path, entry) for rel, entry in _walk(path, top + "/"))
    # the whole walk's order: in each directory its files (by name), then its sub-directories
    found.sort(key=lambda item: [(1, p) for p in item[0].split("/")[:-1]] + [(0, item[0].rsplit("/", 1)[-1])])
    return iter(found)


def _inside(root_real: str, path: str) -> bool:
    try:
        real = os.path.realpath(path)
    except OSError:
        return False
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


#: Lists the files of a tree (``root``, only under these root-relative paths), or None to walk it.
Lister = Callable[[str, Sequence[str]], Optional[List[str]]]


def iter_files(
    root: str,
    excludes: Sequence[str] = (),
    lister: Optional[Lister] = None,
    want: Optional[Callable[[str], bool]] = None,
    under: Sequence[str] = (),
) -> Iterator[Candidate]:
    """Every file under ``root`` that is not excluded, in sorted order (``want``: only
    the relative paths it accepts; the others are not even stat'ed).  ``lister``: asked first for
    the files (``migrator.vcs.listed_files``: git's list, ignored files left out); without one, or
    when it answers None (not a work tree), the tree is walked.  ``under``: only the
    files at or below these root-relative, "/"-separated paths ("" is the whole root), and
    nothing else of the tree is listed: the same files as the whole listing filtered by them."""
    if not os.path.exists(root):
        raise UsageError(_("path does not exist: {path}").format(path=root))
    if not os.path.isdir(root):
        raise UsageError(_("not a directory: {path}").format(path=root))
    root_real = os.path.realpath(root)
    tops = _outermost(under)
    # (so many paths that git's command line could overflow: git lists everything, filtered here)
    names = lister(root, tops if sum(len(t) + 1 for t in tops) < _PATHSPEC_CHARS else ()) if lister is not None else None
    if names is None:
        walked = _walk_under(root, tops) if tops else ((rel, entry.path, entry) for rel, entry in _walk(root))
        for rel, full, entry in walked:  # excluded directories were not entered
            if (want is None or want(rel)) and not _matches(rel, excludes):
                st = _regular_file(full, root_real, entry)
                if st is not None:
                    yield Candidate(rel, full, st)
        return
    for rel in names:
        if want is not None and not want(rel):
            continue
        if tops and not any(rel == top or rel.startswith(top + "/") for top in tops):
            continue
        parts = rel.split("/")
        if any(_is_default_excluded_part(p) for p in parts[:-1]):
            continue
        if _matches(rel, excludes):
            continue
        full = os.path.join(root, *parts)
        st = _regular_file(full, root_real)
        if st is not None:
            yield Candidate(rel, full, st)


def _regular_file(full: str, root_real: str, entry: "Optional[os.DirEntry[str]]" = None) -> Optional[os.stat_result]:
    """The stat of a regular file (or of a link to one inside the root); None for anything else."""
    try:
        st = entry.stat(follow_symlinks=False) if entry is not None else os.lstat(full)
        if stat.S_ISLNK(st.st_mode):
            if not _inside(root_real, full):
                return None
            st = os.stat(full)
    except OSError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def _is_default_excluded_part(name: str) -> bool:
    return name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info")


def read_limited(path: str, max_bytes: int, size: Optional[int] = None) -> Tuple[Optional[bytes], Optional[str]]:
    """Read a file, or say why not: (data, None) or (None, reason)."""
    try:
        size = os.path.getsize(path) if size is None else size
        if size > max_bytes:
            return None, f"larger than {max_bytes // 1024} KiB ({size // 1024} KiB); raise --max-file-size to include it"
        # os.read: a file object (FileIO + buffer) per file is a third of reading 12k small files
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            parts = [os.read(fd, size + 1)]  # one call for a file the size it was listed at
            while parts[-1]:  # ... then to the end, whatever it holds now
                parts.append(os.read(fd, 1 << 20))
        finally:
            os.close(fd)
        return b"".join(parts), None
    except PermissionError:
        return None, "permission denied"
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"


def looks_binary(data: bytes) -> bool:
    return data.find(b"\0", 0, 8192) >= 0  # (no copy of the first 8 KiB)


def normalize_excludes(patterns: Iterable[str]) -> List[str]:
    return [p.strip().replace(os.sep, "/") for p in patterns if p and p.strip()]


def resolve_root(path: str) -> str:
    p = Path(path)
    if not p.exists():
        raise UsageError(_("path does not exist: {path}").format(path=path))
    if not p.is_dir():
        raise UsageError(_("not a directory: {path}").format(path=path))
    if not os.access(path, os.R_OK | os.X_OK):
        raise UsageError(_("cannot read directory: {path}").format(path=path))
    return str(p)
