"""Per-file analysis cache in the user's cache directory.

Entries are keyed by a hash of (analyzer fingerprint, relative path, file
bytes), so a changed file, a changed analyzer or a new migrator version misses.
Each entry is one JSON file written atomically (temp file + rename), which
makes concurrent runs safe: readers see a whole entry or none.

The cache looks after itself (``Cache.maintain``, run by scan once a day at most,
otherwise one ``stat``): the directories of other fingerprints (another migrator
version, an edited checkout) unused for ``STALE_DAYS`` are removed; so are the
manifests of roots not scanned for ``MANIFEST_DAYS``, the analyses no manifest
refers to any more, and stale readiness matrices; and the current directory is
brought back under ``MIGRATOR_CACHE_MAX_MB``, least recently used first (an
analysis is used when a scan of a root whose manifest refers to it runs).
``clear`` removes everything migrator keeps there.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

from migrator import __version__
from migrator.models import Endpoint, EnvRead, FileAnalysis, Finding, ImportFact, ResultAccess, SourceFacts, Span, SymbolRef

_FINGERPRINT: Optional[str] = None
_CODE: Optional[str] = None


def code_fingerprint() -> str:
    """Hash of migrator's version and all its own source and data files (what a result computed from
    analyses, e.g. the readiness matrix, depends on besides its inputs)."""
    global _CODE
    if _CODE is None:
        digest = hashlib.sha256(__version__.encode())
        here = Path(__file__).parent
        for path in sorted(p for p in here.rglob("*") if p.suffix in (".py", ".yaml", ".yml", ".json", ".mo", ".po")):
            digest.update(str(path.relative_to(here)).encode("utf-8", "surrogateescape") + b"\0")
            digest.update(path.read_bytes())
        _CODE = digest.hexdigest()[:16]
    return _CODE


def fingerprint() -> str:
    """Hash of migrator's version and the analyzer's own source files."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        digest = hashlib.sha256(__version__.encode())
        here = Path(__file__).parent
        for path in sorted((here / "analyzer").glob("*.py")) + [here / "models.py"]:
            digest.update(path.read_bytes())
        _FINGERPRINT = digest.hexdigest()[:16]
    return _FINGERPRINT


def cache_dir() -> Path:
    base = os.environ.get("MIGRATOR_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg else Path.home() / ".cache"
    return root / "migrator"


class Cache:
    def __init__(self, directory: Optional[Path] = None):
        self.dir = (directory or cache_dir()) / f"analysis-{fingerprint()}"
        self.enabled = True
        self._folders: set = set()  # entry folders known to exist
        self._tmp = itertools.count()

    def key(self, relpath: str, data: bytes) -> str:
        digest = hashlib.sha256(relpath.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def get(self, key: str) -> Optional[Optional[FileAnalysis]]:
        """The cached analysis; ``None`` for a miss.  A cached "nothing here" is ``FileAnalysis`` with no path."""
        path = os.path.join(self.dir, key[:2], key + ".json")
        try:
            with open(path, "rb") as handle:
                raw = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        try:
            return _load(raw)
        except (KeyError, TypeError, ValueError, AttributeError):  # valid JSON of the wrong shape ([], "x")
            return None

    def put(self, key: str, analysis: Optional[FileAnalysis]) -> None:
        self._write(os.path.join(self.dir, key[:2]), key, _dump(analysis))

    def get_value(self, kind: str, key: str) -> Any:
        """A JSON value stored under ``kind`` (e.g. "readiness") and ``key``; None for a miss.  A hit
        is marked used (its mtime), for ``maintain``."""
        path = os.path.join(self.dir, kind, key[:2], key + ".json")
        try:
            with open(path, "rb") as handle:
                value = json.loads(handle.read())
        except (OSError, ValueError):
            return None
        try:
            os.utime(path)
        except OSError:
            pass
        return value

    def put_value(self, kind: str, key: str, value: Any) -> None:
        self._write(os.path.join(self.dir, kind, key[:2]), key, value)

    def _write(self, folder: str, key: str, value: Any) -> None:
        """Write ``value`` as JSON to ``folder/key.json`` atomically; a failure disables the cache."""
        try:
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            payload = json.dumps(value, separators=(",", ":")).encode("utf-8")
            # a temporary name no other process uses (pid), nor this one twice (counter);
            # O_EXCL all the same: a stale file of a dead process with this pid is not clobbered
            tmp = os.path.join(folder, f".tmp-{os.getpid()}-{next(self._tmp)}.json")
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
            except FileExistsError:
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
            try:
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view) :]
                os.close(fd)
                fd = -1
                os.replace(tmp, os.path.join(folder, key + ".json"))
            except OSError:
                if fd >= 0:
                    os.close(fd)
                os.unlink(tmp)  # (a full disk: leave no half entry behind)
                raise
        except OSError:
            self.enabled = False  # a read-only or full cache directory never fails a scan

    def maintain(self, now: Optional[float] = None) -> None:
        """Look after the cache directory if it has not been for ``MAINTAIN_EVERY_S`` (see the module's
        docstring); scan calls it once its manifest is saved.  Never raises: a cache it cannot tidy
        is left as it is."""
        if not self.enabled:
            return
        now = time.time() if now is None else now
        stamp = os.path.join(self.dir, _STAMP)
        try:
            if now - os.stat(stamp).st_mtime < MAINTAIN_EVERY_S:
                return
        except OSError:
            pass  # never looked after (or not there yet)
        try:
            os.makedirs(self.dir, exist_ok=True)
            with open(stamp, "ab"):
                pass
            os.utime(stamp, (now, now))  # first: a scan starting meanwhile does not do it again
            _collect(self.dir, now, max_bytes())
        except Exception:  # noqa: BLE001  # (a tidy-up never fails a scan)
            pass


#: how often a scan looks after the cache (the rest of the time it costs one ``stat``)
MAINTAIN_EVERY_S = 86400
#: the directory of another fingerprint unused this long is removed
STALE_DAYS = 7
#: the manifest of a root not scanned this long is removed (a readiness matrix not read: the same)
MANIFEST_DAYS = 30
#: an analysis no manifest refers to is kept this long after it was written (a scan running
#: meanwhile may not have saved its manifest yet); so is a temporary file of a killed run
ORPHAN_S = 86400
#: the size of the current directory's entries, by default (``MIGRATOR_CACHE_MAX_MB``)
DEFAULT_MAX_MB = 1024
_STAMP = ".maintained"  # its mtime: when the directory was last looked after (and so used)
_FINGERPRINT_DIR = re.compile(r"analysis-[0-9a-f]{16}\Z")
_SHARD = re.compile(r"[0-9a-f]{2}\Z")
_DAY = 86400.0


def max_bytes() -> int:
    """The bound on the current directory's entries: ``MIGRATOR_CACHE_MAX_MB`` (a positive number of
    MiB), else ``DEFAULT_MAX_MB``."""
    try:
        megabytes = float(os.environ.get("MIGRATOR_CACHE_MAX_MB", ""))
    except ValueError:
        megabytes = DEFAULT_MAX_MB
    return int((megabytes if megabytes > 0 else DEFAULT_MAX_MB) * 1024 * 1024)


def _last_used(directory: str) -> float:
    """When a fingerprint's directory was last used: its stamp, else (a version that made none) the
    last time a manifest was saved in it or it was made."""
    times = []
    for path in (os.path.join(directory, _STAMP), os.path.join(directory, "manifests"), directory):
        try:
            times.append(os.stat(path).st_mtime)
        except OSError:
            continue
    return max(times, default=0.0)


def _collect(directory: Path, now: float, limit: int) -> None:
    """``Cache.maintain``'s work (each removal on its own: one that fails is skipped)."""
    base, here = str(directory.parent), str(directory)
    with os.scandir(base) as found:
        others = [e.path for e in found if _FINGERPRINT_DIR.match(e.name) and e.path != here and e.is_dir(follow_symlinks=False)]
    for other in others:
        if now - _last_used(other) > STALE_DAYS * _DAY:
            shutil.rmtree(other, ignore_errors=True)
    used: Dict[str, float] = {}  # analysis key -> when a scan last used it (its newest manifest)
    for path, st in _files(os.path.join(here, "manifests"), now):
        if now - st.st_mtime > MANIFEST_DAYS * _DAY:
            _unlink(path)
            continue
        try:
            with open(path, "rb") as handle:
                files = json.loads(handle.read())["files"]
            keys = [entry[2] for entry in files.values()]
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            continue  # a manifest of another shape: it refers to nothing
        for key in keys:
            if isinstance(key, str) and used.get(key, 0.0) < st.st_mtime:
                used[key] = st.st_mtime
    kept: List[Tuple[float, int, str]] = []  # (last used, size, path)
    for shard in _shards(here):
        for path, st in _files(shard, now):
            when = used.get(os.path.basename(path)[:-5])
            if when is None and now - st.st_mtime > ORPHAN_S:
                _unlink(path)  # no manifest refers to it
            else:
                kept.append((st.st_mtime if when is None else when, st.st_size, path))
    for shard in _shards(os.path.join(here, "readiness")):
        for path, st in _files(shard, now):
            if now - st.st_mtime > MANIFEST_DAYS * _DAY:
                _unlink(path)
            else:
                kept.append((st.st_mtime, st.st_size, path))
    total = sum(size for _, size, _ in kept)
    if total <= limit:
        return
    kept.sort()
    target = limit * 0.8  # some room, so that the next scans need not evict again
    for _, size, path in kept:
        if total <= target:
            break
        if _unlink(path):
            total -= size


def _shards(folder: str) -> List[str]:
    try:
        with os.scandir(folder) as found:
            return [e.path for e in found if _SHARD.match(e.name) and e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _files(folder: str, now: float) -> List[Tuple[str, os.stat_result]]:
    """The ``.json`` entries of ``folder`` with their stat; a temporary file left by a killed run is
    removed once it is ``ORPHAN_S`` old."""
    out = []
    try:
        with os.scandir(folder) as found:
            for entry in found:
                if not entry.name.endswith(".json") or not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
                if entry.name.startswith(".tmp-"):
                    if now - st.st_mtime > ORPHAN_S:
                        _unlink(entry.path)
                    continue
                out.append((entry.path, st))
    except OSError:
        pass
    return out


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def clear(base: Optional[Path] = None) -> Tuple[int, int]:
    """Remove every fingerprint directory migrator keeps under the cache directory (``base``):
    (directories removed, bytes they held).  Raises OSError when one cannot be removed."""
    base = base or cache_dir()
    removed = freed = 0
    try:
        with os.scandir(base) as found:
            targets = [e.path for e in found if _FINGERPRINT_DIR.match(e.name) and e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return 0, 0
    for target in sorted(targets):
        freed += _size(target)
        shutil.rmtree(target)
        removed += 1
    return removed, freed


def _size(folder: str) -> int:
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def usage(base: Optional[Path] = None) -> List[Tuple[str, int, bool]]:
    """The fingerprint directories under the cache directory: (name, bytes, is this migrator's)."""
    base = base or cache_dir()
    current = f"analysis-{fingerprint()}"
    try:
        with os.scandir(base) as found:
            names = sorted(e.name for e in found if _FINGERPRINT_DIR.match(e.name) and e.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return []
    return [(name, _size(os.path.join(base, name)), name == current) for name in names]


EMPTY = FileAnalysis("")


class Manifest:
    """What each file under one root looked like at the last scan (size and mtime) and which
    cache entry holds its analysis ("" = nothing of interest), so that on a rescan an unchanged
    file is recognised from one ``stat`` without being read.

    A file whose mtime is within ``RACY_NS`` of the moment the manifest was written is not trusted
    (it may have changed again within the same timestamp tick): it is read and hashed as usual.
    """

    RACY_NS = 2_000_000_000

    def __init__(self, cache: "Cache", root: str):
        digest = hashlib.sha256(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()[:24]
        self.path = cache.dir / "manifests" / f"{digest}.json"
        self.cache = cache
        self.files: Dict[str, Any] = {}
        self.written_ns = 0
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.files = dict(raw["files"])
            self.written_ns = int(raw["written_ns"])
        except (OSError, ValueError, KeyError, TypeError):
            self.files, self.written_ns = {}, 0

    def lookup(self, relpath: str, st: os.stat_result) -> Optional[str]:
        entry = self.files.get(relpath)
        if (
            isinstance(entry, list)
            and len(entry) == 3
            and entry[0] == st.st_size
            and entry[1] == st.st_mtime_ns
            and st.st_mtime_ns < self.written_ns - self.RACY_NS
        ):
            return entry[2]
        return None

    def record(self, relpath: str, st: os.stat_result, key: str) -> None:
        self.files[relpath] = [st.st_size, st.st_mtime_ns, key]

    def keep(self, relpaths: Set[str]) -> None:
        """Forget every file but these (the files a whole listing found)."""
        self.files = {relpath: entry for relpath, entry in self.files.items() if relpath in relpaths}

    def save(self) -> None:
        if not self.cache.enabled:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"written_ns": time.time_ns(), "files": self.files}, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            self.cache.enabled = False


def _span(raw: Any) -> Span:
    return Span(*raw)


def _dump(a: Optional[FileAnalysis]) -> Dict[str, Any]:
    if a is None:
        return {"empty": True}
    return {
        "path": a.path,
        "error": a.error,
        "error_line": a.error_line,
        "findings": [
            [f.kind, list(_t(f.span)), f.message, f.api, f.legacy, f.model, f.confidence, f.cell, f.symbol, f.detail]
            for f in a.findings
        ],
        "symbols": [[s.qname, list(_t(s.span)), s.node, s.context, list(_t(s.guard)) if s.guard else None] for s in a.symbols],
        "results": [
            [list(_t(r.call)), list(r.path), list(r.styles), list(_t(r.span)), r.chunk, [list(_t(o)) for o in r.others]]
            for r in a.results
        ],
        "env": [[e.var, list(_t(e.span)), int(e.written), int(e.guard), e.handed] for e in a.env_reads],
        "facts": [_dump_facts(facts) for facts in a.facts],
    }


def _dump_facts(facts: SourceFacts) -> List[Any]:
    calls = [
        [*span, None if e is None else [[list(k) for k in e.keywords], int(e.spread), [list(p) for p in e.params], e.made]]
        for span, e in facts.calls.items()
    ]
    imports = [[*_t(i.span), int(i.from_), list(i.modules)] for i in facts.imports]
    return [facts.cell, calls, [[line, list(urls)] for line, urls in facts.configs.items()], imports]


def _load_facts(raw: List[Any]) -> SourceFacts:
    cell, calls, configs, imports = raw
    return SourceFacts(
        cell,
        {
            (line, col, end_line, end_col): None
            if e is None
            else Endpoint(
                tuple((k, u) for k, u in e[0]), bool(e[1]), tuple((k, u) for k, u in e[2]), tuple(e[3]) if e[3] else None
            )
            for line, col, end_line, end_col, e in calls
        },
        {line: tuple(urls) for line, urls in configs},
        tuple(ImportFact(_span(i[:4]), tuple(i[5]), bool(i[4])) for i in imports),
    )


def _t(span: Span) -> tuple:
    return (span.line, span.col, span.end_line, span.end_col)


def _load(raw: Dict[str, Any]) -> FileAnalysis:
    if raw.get("empty"):
        return EMPTY
    path = raw["path"]
    out = FileAnalysis(path, error=raw["error"], error_line=raw["error_line"])
    for kind, span, message, api, legacy, model, confidence, cell, symbol, detail in raw["findings"]:
        out.findings.append(Finding(kind, path, _span(span), message, api, legacy, model, confidence, cell, symbol, detail))
    out.symbols = [SymbolRef(q, _span(s), n, c, _span(g) if g else None) for q, s, n, c, g in raw["symbols"]]
    out.results = [
        ResultAccess(_span(c), tuple(p), tuple(st), _span(s), ch, tuple(_span(o) for o in others))
        for c, p, st, s, ch, others in raw["results"]
    ]
    out.env_reads = [EnvRead(e[0], _span(e[1]), bool(e[2]), bool(e[3]), int(e[4])) for e in raw["env"]]
    out.facts = [_load_facts(facts) for facts in raw["facts"]]  # (an entry without them is a miss)
    return out
