"""Scan a tree: discover files, prefilter bytes, analyse candidates in parallel, cache results."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from migrator.analyzer import analyze_bytes, is_python, mentions_openai
from migrator.cache import EMPTY, Cache, Manifest
from migrator.discovery import DEFAULT_MAX_BYTES, Candidate, iter_files, looks_binary, read_limited
from migrator.models import FileAnalysis, ScanResult, SkippedFile

# files below this count are analysed in-process: a pool costs more than it saves
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
    from migrator.analyzer.textfiles import classify

    return is_python(relpath) or relpath.endswith(".ipynb") or classify(relpath) is not None


def _must_report_skip(relpath: str) -> bool:
    # an unreadable image is not worth a line; an unreadable .py is
    return is_python(relpath) or relpath.endswith(".ipynb")


def _analyze_job(job: Tuple[str, bytes]) -> Optional[FileAnalysis]:
    relpath, data = job
    return analyze_bytes(relpath, data)


def _read(candidate: Candidate, max_bytes: int) -> Tuple[Optional[bytes], Optional[str]]:
    data, reason = read_limited(candidate.abspath, max_bytes, candidate.stat.st_size if candidate.stat else None)
    if data is not None and looks_binary(data) and (_must_report_skip(candidate.relpath)):
        return None, "binary file (contains NUL bytes)"
    if data is not None and looks_binary(data):
        return None, None
    return data, reason


def scan_paths(root: str, options: ScanOptions, progress: Optional[Progress] = None) -> ScanResult:
    """Analyse every interesting file under ``root``.  Per-file problems are
    recorded in the result (``skipped`` / ``FileAnalysis.error``), never raised."""
    result = ScanResult(root=root)
    candidates = _candidates(root, options)
    cache = Cache() if options.use_cache else None
    manifest = Manifest(cache, root) if cache else None
    pending: List[Tuple[str, bytes, Optional[str]]] = []
    for candidate in candidates:
        result.files_scanned += 1
        st = (candidate.stat or _stat(candidate.abspath)) if manifest else None
        if manifest and st and _known(manifest, cache, candidate.relpath, st, result):
            continue
        data, reason = _read(candidate, options.max_bytes)
        if data is None:
            if reason and _must_report_skip(candidate.relpath):
                result.skipped.append(SkippedFile(candidate.relpath, reason))
            continue
        if not mentions_openai(data):
            if manifest and st:
                manifest.record(candidate.relpath, st, "")
            continue  # the byte-level prefilter: most files never mention OpenAI
        result.files_parsed += 1
        key = cache.key(candidate.relpath, data) if cache else None
        if manifest and st and key:
            manifest.record(candidate.relpath, st, key)
        cached = cache.get(key) if cache and key else None
        if cached is not None:
            if cached is not EMPTY and cached.path:
                result.analyses.append(cached)
            continue
        pending.append((candidate.relpath, data, key))
    analysed = _run(pending, options.jobs, progress)
    for (relpath, _data, key), analysis in zip(pending, analysed):
        if cache and key and cache.enabled:
            cache.put(key, analysis)
        if analysis is not None:
            result.analyses.append(analysis)
    if manifest:
        manifest.save()
    result.analyses.sort(key=lambda a: a.path)
    return result


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
        return True  # unchanged, and it did not mention OpenAI
    cached = cache.get(key)
    if cached is None:
        return False
    result.files_parsed += 1
    if cached is not EMPTY and cached.path:
        result.analyses.append(cached)
    return True


def _candidates(root: str, options: ScanOptions) -> List[Candidate]:
    files: Iterable[Candidate] = iter_files(root, options.excludes, use_git=options.use_git)
    if options.only is not None:
        wanted = set(options.only)
        files = (c for c in files if c.relpath in wanted)
    return [c for c in files if _interesting(c.relpath)]


def _run(pending: List[Tuple[str, bytes, Optional[str]]], jobs: int, progress: Optional[Progress]) -> List[Optional[FileAnalysis]]:
    jobs = jobs or os.cpu_count() or 1
    work = [(relpath, data) for relpath, data, _ in pending]
    total = len(work)
    if jobs <= 1 or total < _POOL_THRESHOLD:
        out = []
        for index, job in enumerate(work):
            out.append(_analyze_job(job))
            if progress:
                progress(index + 1, total)
        return out
    chunk = max(1, min(64, total // (jobs * 8) or 1))
    out = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for index, analysis in enumerate(pool.map(_analyze_job, work, chunksize=chunk)):
            out.append(analysis)
            if progress:
                progress(index + 1, total)
    return out
