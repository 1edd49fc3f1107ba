"""Scan a tree: discover files, prefilter bytes, analyse candidates in parallel, cache results."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from migrator.analyzer import analyze_bytes, holds_facts, is_python, mentions_lowered, read_whatever
from migrator.analyzer.textfiles import classify
from migrator.cache import EMPTY, Cache, Manifest
from migrator.discovery import DEFAULT_MAX_BYTES, Candidate, iter_files, looks_binary, read_limited
from migrator.models import Finding, ScanResult, SkippedFile
from migrator.pool import pool_map
from migrator.vcs import listed_files

# fewer files than this are read in-process: a pool costs more than it saves
_POOL_THRESHOLD = 24

Progress = Callable[[int, int], None]


@dataclass
class ScanOptions:
    excludes: Sequence[str] = ()
    jobs: int = 0  # 0 = number of cores
    use_cache: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    use_git: bool = True
    only: Optional[Sequence[str]] = None  # restrict to these relative paths (check's fast path)
    extra: dict = field(default_factory=dict)


def _interesting(relpath: str) -> bool:
    return is_python(relpath) or relpath.endswith(".ipynb") or classify(relpath) is not None


def _must_report_skip(relpath: str) -> bool:
    # an unreadable image is not worth a line; an unreadable .py is
    return is_python(relpath) or relpath.endswith(".ipynb")


# what a worker says of one file: ("skip", reason) | ("plain", None) | ("done", key, analysis)
Outcome = Tuple


def _read(abspath: str, size: Optional[int], max_bytes: int) -> Tuple[Optional[bytes], Optional[str]]:
    data, reason = read_limited(abspath, max_bytes, size)
    if data is not None and looks_binary(data):
        return None, "binary file (contains NUL bytes)"
    return data, reason


_WORKER_CACHE: Optional[Cache] = None


def _process(job: Tuple[str, str, Optional[int], int, bool]) -> Outcome:
    """Read, prefilter, look up and (on a miss) analyse one file.  Runs in a worker
    process, so reading and hashing are parallel too; only paths go out and only
    analyses come back."""
    global _WORKER_CACHE
    relpath, abspath, size, max_bytes, use_cache = job
    data, reason = _read(abspath, size, max_bytes)
    if data is None:
        return ("skip", reason if reason and _must_report_skip(relpath) else None)
    low = data.lower()
    if not mentions_lowered(low) and not read_whatever(relpath) and not holds_facts(relpath, low):
        return ("plain", None)  # the byte-level prefilter: most files never mention OpenAI
    if not use_cache:
        return ("done", None, analyze_bytes(relpath, data, low))
    if _WORKER_CACHE is None:
        _WORKER_CACHE = Cache()
    cache = _WORKER_CACHE
    key = cache.key(relpath, data)
    cached = cache.get(key)
    if cached is not None:
        return ("done", key, None if cached is EMPTY or not cached.path else cached)
    analysis = analyze_bytes(relpath, data, low)
    if cache.enabled:
        cache.put(key, analysis)
    return ("done", key, analysis)


def scan_paths(
    root: str, options: ScanOptions, progress: Optional[Progress] = None, meanwhile: Optional[Callable[[], None]] = None
) -> ScanResult:
    """Analyse every interesting file under ``root``.  Per-file problems are
    recorded in the result (``skipped`` / ``FileAnalysis.error``), never raised.

    ``meanwhile`` runs once in this process while the workers analyse (after they
    have all started, so it may start threads or import freely); it must not raise.
    """
    global _WORKER_CACHE
    _WORKER_CACHE = None  # the in-process path must see this run's cache directory
    result = ScanResult(root=root)
    candidates = _candidates(root, options)
    cache = Cache() if options.use_cache else None
    manifest = Manifest(cache, root) if cache else None
    jobs: List[Tuple[str, str, Optional[int], int, bool]] = []
    stats: List[Optional[os.stat_result]] = []
    for candidate in candidates:
        result.files_scanned += 1
        st = (candidate.stat or _stat(candidate.abspath)) if manifest else candidate.stat
        if manifest and cache is not None and st and _known(manifest, cache, candidate.relpath, st, result):
            continue
        size = candidate.stat.st_size if candidate.stat else None
        jobs.append((candidate.relpath, candidate.abspath, size, options.max_bytes, cache is not None))
        stats.append(st)
    for job, st, outcome in zip(jobs, stats, _run(jobs, options.jobs, progress, meanwhile)):
        relpath = job[0]
        if outcome[0] == "skip":
            if outcome[1]:
                result.skipped.append(SkippedFile(relpath, outcome[1]))
            continue
        if outcome[0] == "plain":
            if manifest and st:
                manifest.record(relpath, st, "")
            result.plain.append(relpath)
            result.identities[relpath] = _stat_identity(st)
            continue
        _, key, analysis = outcome
        result.files_parsed += 1
        result.identities[relpath] = key or ""
        if manifest and st and key:
            manifest.record(relpath, st, key)
        if analysis is not None:
            result.analyses.append(analysis)
    if manifest and cache:
        if options.only is None:  # a whole listing: forget the files gone (and the analyses only they kept)
            manifest.keep({c.relpath for c in candidates})
        manifest.save()
        cache.maintain()
    _project_facts(root, result)
    result.analyses.sort(key=lambda a: a.path)
    result.plain.sort()
    return result


def _project_facts(root: str, result: ScanResult) -> None:
    """Findings only the project as a whole decides, from the ``fact`` findings of its modules
    (cached with their analyses: no file is read again here), which are dropped: a LlamaIndex
    default no module sets (analyzer/llamaindex.py), a config list read from a file the project
    may hold (analyzer/autogen.py)."""
    from migrator.analyzer import autogen, llamaindex

    facts = [f for a in result.analyses for f in a.findings if f.kind == autogen.FACT]
    if not facts:
        return
    whole = llamaindex.from_facts(facts)
    exists = autogen.file_exists(root)
    kept = []
    for analysis in result.analyses:
        found = [f for f in analysis.findings if f.kind != autogen.FACT]
        if len(found) == len(analysis.findings):
            kept.append(analysis)
            continue
        found += whole.findings(analysis.path)
        found += [
            g
            for g in (autogen.resolve_source(f, exists) for f in analysis.findings if f.detail.get("fact") == "autogen_source")
            if g is not None
        ]
        analysis.findings = sorted(found, key=Finding.sort_key)
        if found:
            kept.append(analysis)
        else:  # a module read for its facts alone, none of which is a finding: free of OpenAI usage
            result.plain.append(analysis.path)
    result.analyses[:] = kept


def _stat_identity(st: Optional[os.stat_result]) -> str:
    """A plain file told by its size and mtime, as the manifest tells it; "" (not told) when its mtime
    is too recent for a change within the same timestamp tick to show (``Manifest.RACY_NS``)."""
    if st is None or st.st_mtime_ns >= time.time_ns() - Manifest.RACY_NS:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def _stat(path: str) -> Optional[os.stat_result]:
    try:
        return os.stat(path)
    except OSError:
        return None


def _known(manifest: Manifest, cache: Cache, relpath: str, st: os.stat_result, result: ScanResult) -> bool:
    """Use what the last scan learned about an unchanged file; False when it must be read."""
    key = manifest.lookup(relpath, st)
    if key is None:
        return False
    if key == "":
        result.plain.append(relpath)
        result.identities[relpath] = _stat_identity(st)
        return True  # unchanged, and it did not mention OpenAI
    cached = cache.get(key)
    if cached is None:
        return False
    result.files_parsed += 1
    result.identities[relpath] = key
    if cached is not EMPTY and cached.path:
        result.analyses.append(cached)
    return True


def _candidates(root: str, options: ScanOptions) -> List[Candidate]:
    wanted = set(options.only) if options.only is not None else None
    return list(
        iter_files(
            root,
            options.excludes,
            lister=listed_files if options.use_git else None,
            want=lambda rel: (wanted is None or rel in wanted) and _interesting(rel),
        )
    )


def _run(
    jobs: List[Tuple[str, str, Optional[int], int, bool]],
    workers: int,
    progress: Optional[Progress],
    meanwhile: Optional[Callable[[], None]] = None,
) -> List[Outcome]:
    workers = workers or os.cpu_count() or 1
    total = len(jobs)
    if workers <= 1 or total < _POOL_THRESHOLD:
        out: List[Outcome] = []
        for index, job in enumerate(jobs):
            out.append(_process(job))
            if progress:
                progress(index + 1, total)
        if meanwhile and total:  # (nothing to analyse: nothing to do meanwhile; the caller does it if needed)
            meanwhile()
        return out
    # largest files first, so the pool does not end waiting on one big file
    order = sorted(range(total), key=lambda i: -(jobs[i][2] or 0))
    chunk = max(1, min(32, total // (workers * 16) or 1))
    out = [("plain", None)] * total
    results = pool_map(
        _process,
        [jobs[i] for i in order],
        workers,
        chunk,
        _crashed,
        progress=(lambda done: progress(done, total)) if progress else None,
        meanwhile=meanwhile,
    )  # the parent would otherwise only wait
    for index, outcome in zip(order, results):
        out[index] = outcome
    return out


def _crashed(job: Tuple[str, str, Optional[int], int, bool]) -> Outcome:
    return ("skip", "the analysis crashed its worker process on this file; skipped")
