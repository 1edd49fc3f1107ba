"""Compute a migration for a tree: which files change, to what bytes, and what
was left for a person.  Writes nothing; the CLI decides where the result goes
(a git branch, the working tree, a patch)."""

from __future__ import annotations

import functools
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from migrator.analyzer import decode_python, is_python
from migrator.check import check_bytes
from migrator.engine import migrate_source
from migrator.engine.model import Diagnostic, FileResult
from migrator.limits import rewrite_problem
from migrator.models import FileAnalysis, ScanResult
from migrator.pool import pool_map
from migrator.ruleset import RuleSet
from migrator.scan import ScanOptions, scan_paths

_POOL_THRESHOLD = 8


@dataclass
class FileChange:
    path: str
    original: bytes
    new: bytes
    kind: str  # python | notebook | dependency | env | config
    applied: Counter = field(default_factory=Counter)


@dataclass
class Failure:
    path: str
    message: str
    line: Optional[int] = None


@dataclass
class MigrationResult:
    ruleset: RuleSet
    scan: ScanResult
    changes: List[FileChange] = field(default_factory=list)
    diagnostics: List[Diagnostic] = field(default_factory=list)
    failures: List[Failure] = field(default_factory=list)
    notes: List[Tuple[str, str]] = field(default_factory=list)  # (path, note) from non-Python files

    @property
    def applied(self) -> Counter:
        total: Counter = Counter()
        for change in self.changes:
            total.update(change.applied)
        return total

    def files_per_rule(self) -> Counter:
        out: Counter = Counter()
        for change in self.changes:
            out.update(set(change.applied))
        return out

    @property
    def manual(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "manual"]


def _read(root: str, relpath: str) -> bytes:
    with open(os.path.join(root, *relpath.split("/")), "rb") as handle:
        return handle.read()


# ------------------------------------------------------------------ python files


def _encode(text: str, data: bytes) -> bytes:
    """Encode ``text`` the way ``data`` was encoded (coding cookie, BOM)."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    if encoding == "utf-8-sig" or data.startswith(b"\xef\xbb\xbf"):
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def migrate_python_bytes(relpath: str, data: bytes, ruleset: RuleSet, analysis: Optional[FileAnalysis]) -> Tuple[Optional[bytes], FileResult]:
    text, problem = decode_python(data)
    if text is None:
        return None, FileResult(relpath, "", "", error=problem)
    problem = rewrite_problem(text)  # before LibCST, which could take minutes or crash on it
    if problem:
        return None, FileResult(relpath, text, text, error=f"not rewritten: {problem}")
    result = migrate_source(text, relpath, ruleset, analysis)
    if text.endswith("\r") and not result.output.endswith(("\r", "\n")):
        result.output += "\r"  # LibCST drops the last line break of a file whose lines end in CR only
    if not result.changed:
        return None, result
    try:
        return _encode(result.output, data), result
    except UnicodeEncodeError as exc:
        return None, FileResult(relpath, text, text, result.diagnostics, error=f"the rewrite cannot be encoded as the file's encoding: {exc.reason}")


def _python_job(job: Tuple[str, bytes, RuleSet, Optional[FileAnalysis]]) -> Tuple[Optional[bytes], FileResult, list]:
    relpath, data, ruleset, analysis = job
    new, result = migrate_python_bytes(relpath, data, ruleset, analysis)
    if result.error:
        return new, result, []
    # what check would still flag in the final bytes, computed here so it runs in the workers
    final = new if new is not None else data
    checked = check_bytes(relpath, final, _policy(ruleset.plan.check_policy), analysis=None if new is not None else analysis)
    return new, result, list(checked.findings)


@functools.lru_cache(maxsize=None)
def _policy(name: str):
    from migrator.check import load_policy
    from migrator.config import Config

    return load_policy(Config(), name)


def migrate_notebook_bytes(relpath: str, data: bytes, ruleset: RuleSet) -> Tuple[Optional[bytes], List[FileResult]]:
    from migrator.analyzer.notebooks import NotebookError, code_cells, replace_cells, restore_magics

    text = data.decode("utf-8")
    results: List[FileResult] = []
    new_sources: Dict[int, str] = {}
    for cell in code_cells(text):
        number, source = cell[0], cell[1]
        problem = rewrite_problem(source)
        result = (FileResult(relpath, source, source, error=f"not rewritten: {problem}") if problem
                  else migrate_source(source, relpath, ruleset, cell=number))
        if result.error:
            result.error = f"cell {number}: {result.error}"
        results.append(result)
        if result.changed:
            try:
                new_sources[number] = restore_magics(cell, result.output)
            except NotebookError as exc:
                results.append(FileResult(relpath, source, source, error=f"cell {number}: {exc}"))
    if not new_sources:
        return None, results
    return replace_cells(text, new_sources).encode("utf-8"), results


# ------------------------------------------------------------------ the whole tree


def migrate_tree(root: str, ruleset: RuleSet, options: ScanOptions, progress=None) -> MigrationResult:
    """Scan ``root`` and compute every change the rule set makes.  Never raises for a bad file."""
    scan = scan_paths(root, options, progress)
    out = MigrationResult(ruleset, scan)
    for analysis in scan.failed:
        out.failures.append(Failure(analysis.path, analysis.error or "cannot analyse", analysis.error_line))
    py_jobs = []
    for analysis in scan.analyses:
        if analysis.error or not analysis.findings:
            continue
        if is_python(analysis.path):
            py_jobs.append((analysis.path, _read(root, analysis.path), ruleset, analysis))
        elif analysis.path.endswith(".ipynb"):
            _notebook(root, analysis, ruleset, out)
        else:
            _text_file(root, analysis, ruleset, out)
    residue: Dict[str, list] = {}
    for (path, data, _rs, _a), (new, result, leftover) in zip(py_jobs, _run(py_jobs, options.jobs)):
        _collect(out, path, data, new, result, "python")
        residue[path] = leftover
    _report_residue(root, scan, out, residue)
    out.changes.sort(key=lambda c: c.path)
    out.diagnostics.sort(key=Diagnostic.sort_key)
    out.failures.sort(key=lambda f: f.path)
    return out


RESIDUE_PREFIX = "not migrated; `migrator check` would flag it: "


def _report_residue(root: str, scan: ScanResult, out: MigrationResult, known: Dict[str, list]) -> None:
    """Whatever `migrator check` would still flag under the plan's policy, and no rule already
    reported for a person, is reported for a person too: when apply says a file is done, check
    agrees (the issue's invariant), and the user sees every place that still reaches OpenAI."""
    policy = _policy(out.ruleset.plan.check_policy)
    final = {c.path: c.new for c in out.changes}
    failed = {f.path for f in out.failures}
    reported = {(d.path, d.cell, d.line) for d in out.diagnostics if d.severity == "manual"}
    for analysis in scan.analyses:
        if analysis.error or not analysis.findings or analysis.path in failed:
            continue
        data = final.get(analysis.path)
        if analysis.path in known:
            findings = known[analysis.path]
        else:
            findings = check_bytes(analysis.path, data if data is not None else _read(root, analysis.path), policy).findings
        to_original = _line_map(_read(root, analysis.path), data) if data is not None else None
        for f in findings:
            line = to_original.get(f.line, f.line) if to_original is not None and f.cell is None else f.line
            if (f.path, f.cell, line) not in reported:
                where = "" if to_original is None or f.line in to_original else " (in the migrated file)"
                out.diagnostics.append(Diagnostic(f.rule, f.path, line, f.column, RESIDUE_PREFIX + f.message + where,
                                                  "manual", f.cell))


def _line_map(old: bytes, new: bytes) -> Dict[int, int]:
    """Lines of the migrated file that are unchanged -> their line in the original (1-based), so
    everything apply reports speaks of the file as the user knows it."""
    import difflib

    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    out: Dict[int, int] = {}
    for tag, i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.update({j + 1: i1 + (j - j1) + 1 for j in range(j1, j2)})
    return out


def _run(jobs: list, workers: int) -> List[Tuple[Optional[bytes], FileResult, list]]:
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) < _POOL_THRESHOLD:
        return [_python_job(job) for job in jobs]
    return pool_map(_python_job, jobs, workers, max(1, len(jobs) // (workers * 4)), _crashed)


def _crashed(job: Tuple[str, bytes, RuleSet, Optional[FileAnalysis]]) -> Tuple[Optional[bytes], FileResult, list]:
    return None, FileResult(job[0], "", "", error="the rewrite crashed its worker process on this file; "
                                                  "left unchanged"), []


def _collect(out: MigrationResult, path: str, data: bytes, new: Optional[bytes], result: FileResult, kind: str) -> None:
    out.diagnostics.extend(result.diagnostics)
    if result.error:
        out.failures.append(Failure(path, result.error))
        return
    if new is not None and new != data:
        out.changes.append(FileChange(path, data, new, kind, result.applied))


def _notebook(root: str, analysis: FileAnalysis, ruleset: RuleSet, out: MigrationResult) -> None:
    from migrator.analyzer.notebooks import NotebookError

    data = _read(root, analysis.path)
    try:
        new, results = migrate_notebook_bytes(analysis.path, data, ruleset)
    except (NotebookError, UnicodeDecodeError) as exc:
        out.failures.append(Failure(analysis.path, f"invalid notebook: {exc}"))
        return
    applied: Counter = Counter()
    for result in results:
        out.diagnostics.extend(result.diagnostics)
        applied.update(result.applied)
        if result.error:
            out.failures.append(Failure(analysis.path, result.error))
    if new is not None and new != data and not any(r.error for r in results):
        out.changes.append(FileChange(analysis.path, data, new, "notebook", applied))


def _text_file(root: str, analysis: FileAnalysis, ruleset: RuleSet, out: MigrationResult) -> None:
    from migrator.engine.textfiles import rewrite_dependencies, rewrite_env

    kinds = {f.kind for f in analysis.findings}
    data = _read(root, analysis.path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        out.failures.append(Failure(analysis.path, "not UTF-8; left unchanged"))
        return
    new, notes = text, []
    plan = ruleset.plan
    if "dependency" in kinds and plan.requirement and any(
        f.detail.get("package") == "openai" for f in analysis.findings if f.kind == "dependency"
    ):
        new, more = rewrite_dependencies(analysis.path, new, requirement=ruleset.interpolate(plan.requirement),
                                         keep_openai=plan.keeps_openai)
        notes += more
    mapping = {k: ruleset.interpolate(v) for k, v in plan.env_files.items()}
    if "env" in kinds and mapping:
        new, more = rewrite_env(analysis.path, new, mapping)
        notes += more
    out.notes.extend((analysis.path, n) for n in notes)
    if new != text:
        kind = "dependency" if "dependency" in kinds else "env"
        out.changes.append(FileChange(analysis.path, data, new.encode("utf-8"), kind, Counter({f"({kind} files)": 1})))


# ------------------------------------------------------------------ recording what was applied


def record_config(root: str, ruleset: RuleSet, existing: List[FileChange]) -> Optional[FileChange]:
    """Record provider, plan and check policy in ``[tool.migrator]`` so ``migrator check`` agrees.

    Appends a table to pyproject.toml (or to the change already planned for it); a project
    without pyproject.toml gets ``.migrator.toml``.  An existing ``[tool.migrator]`` is left alone.
    """
    planned = {c.path: c for c in existing}
    name = "pyproject.toml" if os.path.isfile(os.path.join(root, "pyproject.toml")) else ".migrator.toml"
    change = planned.get(name)
    data = change.new if change else (_read(root, name) if os.path.isfile(os.path.join(root, name)) else b"")
    text = data.decode("utf-8", errors="surrogateescape")
    header = "[tool.migrator]" if name == "pyproject.toml" else ""
    if name == "pyproject.toml" and "[tool.migrator" in text:
        return None
    if name == ".migrator.toml" and text.strip():
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = [header] if header else []
    lines += [f'provider = "{ruleset.provider.name}"', f'plan = "{ruleset.plan.name}"', "",
              "[tool.migrator.check]" if header else "[check]", f'policy = "{ruleset.plan.check_policy}"']
    block = newline.join(lines) + newline
    if text and not text.endswith(("\n", "\r")):
        text += newline
    new_text = text + (newline if text.strip() else "") + block
    new = new_text.encode("utf-8", errors="surrogateescape")
    if change:
        change.new = new
        return None
    return FileChange(name, data, new, "config", Counter({"(migrator config)": 1}))
