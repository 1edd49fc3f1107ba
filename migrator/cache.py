"""Per-file analysis cache in the user's cache directory.

Entries are keyed by a hash of (analyzer fingerprint, relative path, file
bytes), so a changed file, a changed analyzer or a new migrator version misses.
Each entry is one JSON file written atomically (temp file + rename), which
makes concurrent runs safe: readers see a whole entry or none.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Optional

from migrator import __version__
from migrator.models import EnvRead, FileAnalysis, Finding, ResultAccess, Span, SymbolRef

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
        """A JSON value stored under ``kind`` (e.g. "readiness") and ``key``; None for a miss."""
        try:
            with open(os.path.join(self.dir, kind, key[:2], key + ".json"), "rb") as handle:
                return json.loads(handle.read())
        except (OSError, ValueError):
            return None

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
                    view = view[os.write(fd, view):]
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
            isinstance(entry, list) and len(entry) == 3
            and entry[0] == st.st_size and entry[1] == st.st_mtime_ns
            and st.st_mtime_ns < self.written_ns - self.RACY_NS
        ):
            return entry[2]
        return None

    def record(self, relpath: str, st: os.stat_result, key: str) -> None:
        self.files[relpath] = [st.st_size, st.st_mtime_ns, key]

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
        "symbols": [[s.qname, list(_t(s.span)), s.node, s.context, list(_t(s.guard)) if s.guard else None]
                    for s in a.symbols],
        "results": [[list(_t(r.call)), list(r.path), list(r.styles), list(_t(r.span)), r.chunk,
                     [list(_t(o)) for o in r.others]] for r in a.results],
        "env": [[e.var, list(_t(e.span))] + ([1] if e.written else []) for e in a.env_reads],
    }


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
    out.results = [ResultAccess(_span(c), tuple(p), tuple(st), _span(s), ch, tuple(_span(o) for o in others))
                   for c, p, st, s, ch, others in raw["results"]]
    out.env_reads = [EnvRead(e[0], _span(e[1]), bool(e[2:])) for e in raw["env"]]
    return out
