"""Compute a migration for a tree: which files change, to what bytes, and what
was left for a person.  Writes nothing; the CLI decides where the result goes
(a git branch, the working tree, a patch)."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections import Counter
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from migrator.analyzer import decode_python, is_python
from migrator.analyzer.secrets import redact_text
from migrator.check import check_bytes
from migrator.engine import migrate_source
from migrator.engine.model import Diagnostic, FileResult
from migrator.engine.rewrite import not_rewritten
from migrator.engine.units import seeded, settle
from migrator.i18n import N_
from migrator.limits import rewrite_problem, size_problem, token_problem
from migrator.models import FileAnalysis, ScanResult
from migrator.pool import pool_map
from migrator.results import CheckFinding, Failure, FileChange, MigrationResult
from migrator.ruleset import RuleSet
from migrator.scan import ScanOptions, scan_paths

_POOL_THRESHOLD = 8


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


def migrate_python_bytes(
    relpath: str, data: bytes, ruleset: RuleSet, analysis: Optional[FileAnalysis]
) -> Tuple[Optional[bytes], FileResult]:
    text, problem = decode_python(data)
    if text is None:
        return None, FileResult(relpath, "", "", error=problem)
    problem = size_problem(text)
    if problem:
        return None, not_rewritten(relpath, text, problem)
    # the token pass runs only on a text LibCST is about to parse, which could take minutes or crash
    result = migrate_source(text, relpath, ruleset, analysis, guard=token_problem)
    if text.endswith("\r") and not result.output.endswith(("\r", "\n")):
        result.output += "\r"  # LibCST drops the last line break of a file whose lines end in CR only
    if not result.changed:
        return None, result
    try:
        return _encode(result.output, data), result
    except UnicodeEncodeError as exc:
        if ruleset.todo_lang != "en":  # a file in a legacy encoding cannot hold a Chinese TODO: write it in English
            return migrate_python_bytes(relpath, data, dataclasses.replace(ruleset, todo_lang="en"), analysis)
        return None, FileResult(
            relpath,
            text,
            text,
            result.diagnostics,
            error=N_("the rewrite cannot be encoded as the file's encoding: {reason}").format(reason=exc.reason),
        )


def _python_job(job: Tuple[str, bytes, RuleSet, Optional[FileAnalysis]]) -> Tuple[Optional[bytes], FileResult, list]:
    relpath, data, ruleset, analysis = job
    new, result = migrate_python_bytes(relpath, data, ruleset, analysis)
    result.units = None  # the plan itself stays in the worker; its summary (left, staying) goes back
    if result.error:
        return new, result, []
    # what check would still flag in the final bytes, computed here so it runs in the workers
    final = new if new is not None else data
    checked = check_bytes(relpath, final, _policy(result.check_policy(ruleset)), analysis=None if new is not None else analysis)
    return new, result, list(checked.findings)


@functools.lru_cache(maxsize=None)
def _policy(name: str):
    from migrator.check import load_policy
    from migrator.config import Config

    return load_policy(Config(), name)


def migrate_notebook_bytes(
    relpath: str, data: bytes, ruleset: RuleSet, parts: Optional[list] = None
) -> Tuple[Optional[bytes], List[FileResult]]:
    """A notebook's new bytes (None: unchanged) and its cells' results.  ``parts``: its cells with
    their analyses made knowing the project's modules (analyzer/project.py), if it uses them."""
    from migrator.analyzer.notebooks import NotebookError, replace_cells, restore_magics

    text = data.decode("utf-8")
    cells, done = notebook_results(relpath, text, ruleset, parts)
    results: List[FileResult] = []
    new_sources: Dict[int, str] = {}
    for cell in cells:
        number, source = cell[0], cell[1]
        result = done[number]
        if result.error:
            result.error = N_("cell {number}: {reason}").format(number=number, reason=result.error)
        results.append(result)
        if result.changed:
            try:
                new_sources[number] = restore_magics(cell, result.output)
            except NotebookError as exc:
                results.append(
                    FileResult(relpath, source, source, error=N_("cell {number}: {reason}").format(number=number, reason=exc))
                )
    if not new_sources:
        return None, results
    return replace_cells(text, new_sources).encode("utf-8"), results


def notebook_results(
    relpath: str, text: str, ruleset: RuleSet, parts: Optional[list] = None
) -> Tuple[list, Dict[int, FileResult]]:
    """A notebook's code cells and each one's migration (cell number -> result), the cells agreeing
    on the clients they share."""
    from migrator.analyzer import notebook_cells

    # the cells run as one program: each is analysed knowing what the cells before it bound (and
    # planned with them)
    analysed = parts if parts is not None else notebook_cells(relpath, text)
    cells = [cell for cell, _ in analysed]
    analyses: Dict[int, Optional[FileAnalysis]] = {cell[0]: analysis for cell, analysis in analysed}
    earlier = any(analysis is not None for analysis in analyses.values())

    def run(ruleset: RuleSet) -> Dict[int, FileResult]:
        out = {}
        for cell in cells:
            number, source = cell[0], cell[1]
            problem = rewrite_problem(source)
            out[number] = (
                not_rewritten(relpath, source, problem)
                if problem
                else migrate_source(source, relpath, ruleset, analyses[number], cell=number)
            )
        return out

    done: Dict[int, FileResult] = {}

    def ends_of(rs: RuleSet, keys: Optional[Set[Tuple[str, str]]]) -> Dict[str, Dict[Tuple[str, str], str]]:
        done.update(run(rs))
        return {f"cell {number}": result.clients for number, result in done.items()}

    if earlier:
        settle(ruleset, ends_of, shared_only=True)
    else:
        done.update(run(ruleset))
    return cells, done


# ------------------------------------------------------------------ the whole tree


def migrate_tree(root: str, ruleset: RuleSet, options: ScanOptions, progress=None, rewrite_progress=None) -> MigrationResult:
    """Scan ``root`` and compute every change the rule set makes.  Never raises for a bad file.
    ``progress(done, total)`` follows the scan, ``rewrite_progress(done, total)`` the Python
    files planned and rewritten (a cached scan is instant; the rewrite is the long part)."""
    scan = scan_paths(root, options, progress)
    out = MigrationResult(ruleset, scan)
    for analysis in scan.failed:
        out.failures.append(Failure(analysis.path, analysis.error or "cannot analyse", analysis.error_line))
    py_jobs = []
    others = []
    out.links = _links(root, scan, out)
    for analysis in scan.analyses:
        if analysis.error or not analysis.findings or analysis.path in out.links:
            continue
        if "\n" in analysis.path:  # git's line-based commands and patches cannot carry it
            out.failures.append(Failure(analysis.path, "the file name contains a line break; rename it to migrate it"))
            continue
        if is_python(analysis.path):
            py_jobs.append((analysis.path, _read(root, analysis.path), ruleset, analysis))
        else:
            others.append(analysis)
    residue: Dict[str, list] = {}
    # notebooks using the project's modules: path -> their cells, analysed knowing them
    cells: Dict[str, list] = {}
    py_jobs += _importers(root, scan, py_jobs, ruleset, cells, others)
    start = seeded(ruleset, (f.detail for job in py_jobs if job[3] is not None for f in job[3].findings))
    if start is not ruleset:
        ruleset = start
        py_jobs = [(job[0], job[1], ruleset, job[3]) for job in py_jobs]
    done = list(_run(py_jobs, options.jobs, rewrite_progress))
    ruleset = _whole_clients(py_jobs, done, ruleset, options.jobs, _notebook_jobs(root, cells))
    stays = next((f"{job[0]}:{line}" for job, (_n, result, _l) in zip(py_jobs, done) for line, _ in result.staying), None)
    tree_ruleset = dataclasses.replace(ruleset, tree_stays=stays) if stays else ruleset
    out.tree_stays = stays
    # a native plan that moves no client leaves the code calling the openai SDK: the test doubles
    # faking it still fake what the code calls, unless some client now takes the provider's
    # compatible endpoint (a hybrid): then a route of api.openai.com no longer intercepts it
    doubles_kept = ""
    if not ruleset.plan.keeps_openai and not _moves_native(result for _n, result, _l in done):
        doubles_kept = "fallback" if any(result.hybrid for _n, result, _l in done) else "all"
        tree_ruleset = dataclasses.replace(tree_ruleset, doubles_kept=doubles_kept)
    # a client of the project stays on OpenAI: an OPENAI_* read outside every client (a settings
    # module, say) may feed it, so the files that renamed one are planned again
    # (and those whose moving clients take their key from another module's value, which may be
    # such a read: scan's readiness plans every module knowing where a client stays)
    loose = stays is not None and any(
        f.kind == "env" and str(f.symbol or "").startswith("OPENAI_")
        for job in py_jobs
        if job[3] is not None
        for f in job[3].findings
    )
    again = [
        i
        for i, (_n, result, _l) in enumerate(done)
        if (stays and result.loose_keys)
        or (loose and result.imported_keys)
        or (doubles_kept and any(f.kind == "double" for f in py_jobs[i][3].findings))
    ]
    if again:
        redone = _run([py_jobs[i][:2] + (tree_ruleset, py_jobs[i][3]) for i in again], options.jobs)
        for i, redo in zip(again, redone):
            done[i] = redo
    for (path, data, _rs, _a), (new, result, leftover) in zip(py_jobs, done):
        _collect(out, path, data, new, result, "python")
        residue[path] = leftover
    unused = _unused_wrappers(out, residue, scan)
    for analysis in others:  # after the code: whether the openai SDK stays depends on what moved
        if analysis.path.endswith(".ipynb"):
            _notebook(root, analysis, tree_ruleset, out, cells.get(analysis.path))
        else:
            _text_file(root, analysis, tree_ruleset, out, keep_openai=_openai_stays(out, residue), unused=unused)
    _report_project_facts(scan, out)
    _report_residue(root, scan, out, residue)
    _report_unresolved(scan, out)
    _report_expectations(root, scan, out, [r for _n, r, _l in done], py_jobs)
    _report_removed_keys(out)
    out.changes.sort(key=lambda c: c.path)
    out.units.sort(key=lambda u: (u.path, u.cell or 0, u.line, u.key))
    out.diagnostics.sort(key=Diagnostic.sort_key)
    out.failures.sort(key=lambda f: f.path)
    return out


def _moves_native(results: Iterable[FileResult]) -> bool:
    """Whether some client (or openai<1 call) of the project moves to the provider's own SDK."""
    for result in results:
        if any(end == "native" for end in result.clients.values()):
            return True
        units = result.units.units if result.units is not None else ()
        if not result.hybrid and any(u.key[0] == "legacy" and u.rewrites and not u.blocked for u in units):
            return True
    return False


def _importers(root: str, scan: ScanResult, py_jobs: list, ruleset: RuleSet, cells: Dict[str, list], others: list) -> list:
    """The modules that use a client another module of the project builds, analysed again
    knowing it (analyzer/project.py): replaces their jobs in ``py_jobs``; returns new ones.  The
    notebooks among them go to ``others`` (their analyses replacing the scan's), their cells with
    their analyses to ``cells``."""
    from migrator.analyzer.project import importer_analyses

    by_path = {job[0]: i for i, job in enumerate(py_jobs)}
    added = []
    for analysis in importer_analyses(root, scan, {job[0]: job[1] for job in py_jobs}, cells):
        if analysis.path.endswith(".ipynb"):
            if "\n" not in analysis.path and analysis.path in cells:
                others[:] = [a for a in others if a.path != analysis.path] + [analysis]
            continue
        if analysis.path in by_path:
            job = py_jobs[by_path[analysis.path]]
            py_jobs[by_path[analysis.path]] = (job[0], job[1], job[2], analysis)
        else:
            added.append((analysis.path, _read(root, analysis.path), ruleset, analysis))
    return added


def _notebook_jobs(root: str, cells: Dict[str, list]) -> List[Tuple[str, str, list]]:
    """(path, text, cells) of the notebooks using the project's modules (that can be read)."""
    out = []
    for path, parts in sorted(cells.items()):
        try:
            out.append((path, _read(root, path).decode("utf-8"), parts))
        except (OSError, UnicodeDecodeError):
            continue  # (reported when the notebook is migrated)
    return out


def _whole_clients(
    py_jobs: list, done: list, ruleset: RuleSet, jobs: int, notebooks: Sequence[Tuple[str, str, list]] = ()
) -> RuleSet:
    """A client built in one module and called in others moves in all of them or in none
    (units.settle); the cells of the notebooks using the project's modules count as such others.
    Updates ``done``; returns the rule set with what the modules agreed."""
    cell_ends: Dict[str, Dict[Tuple[str, str], str]] = {}

    def ends_of(rs: RuleSet, keys: Optional[Set[Tuple[str, str]]]) -> Dict[str, Dict[Tuple[str, str], str]]:
        if keys is not None:
            again = [i for i in range(len(py_jobs)) if keys & set(done[i][1].clients)]
            for i, result in zip(again, _run([py_jobs[i][:2] + (rs, py_jobs[i][3]) for i in again], jobs)):
                done[i] = result
        for path, text, parts in notebooks:
            owners = [owner for owner in cell_ends if owner.startswith(f"{path}#cell ")]
            if keys is None or any(keys & set(cell_ends[owner]) for owner in owners):
                for owner in owners:
                    del cell_ends[owner]
                _cells, results = notebook_results(path, text, rs, parts)  # (migrate_source never raises)
                cell_ends.update({f"{path}#cell {number}": result.clients for number, result in results.items()})
        ends = {job[0]: result.clients for job, (_n, result, _l) in zip(py_jobs, done)}
        ends.update(cell_ends)
        return ends

    return settle(ruleset, ends_of)


def _links(root: str, scan: ScanResult, out: MigrationResult) -> Set[str]:
    """Files that are symbolic links (to a file inside the target, or discovery would have left
    them out): never rewritten through the link; the file they name is migrated once, as itself."""
    links = set()
    for analysis in scan.analyses:
        full = os.path.join(root, *analysis.path.split("/"))
        if analysis.findings and os.path.islink(full):
            links.add(analysis.path)
            target = os.path.relpath(os.path.realpath(full), os.path.realpath(root)).replace(os.sep, "/")
            out.notes.append(
                (
                    analysis.path,
                    N_("a symbolic link to {target}: not rewritten; {target} is migrated as itself").format(target=target),
                )
            )
    return links


RESIDUE = N_("not migrated; `migrator check` would flag it: {message}")
RESIDUE_MIGRATED = N_("not migrated; `migrator check` would flag it: {message} (in the migrated file)")


def _report_residue(root: str, scan: ScanResult, out: MigrationResult, known: Dict[str, list]) -> None:
    """Whatever `migrator check` would still flag under the plan's policy, and no rule already
    reported for a person, is reported for a person too: when apply says a file is done, check
    agrees (the issue's invariant), and the user sees every place that still reaches OpenAI."""
    policy = _policy(out.check_policy)
    final = {c.path: c.new for c in out.changes}
    failed = {f.path for f in out.failures}
    reported = {(d.path, d.cell, d.line) for d in out.diagnostics if d.severity == "manual"}
    for analysis in scan.analyses:
        if analysis.error or not analysis.findings or analysis.path in failed or analysis.path in out.links:
            continue
        data = final.get(analysis.path)
        findings: Sequence[CheckFinding]
        if analysis.path in known:
            findings = known[analysis.path]
        else:
            findings = check_bytes(analysis.path, data if data is not None else _read(root, analysis.path), policy).findings
        to_original = _line_map(_read(root, analysis.path), data) if data is not None else None
        for f in findings:
            line = to_original.get(f.line, f.line) if to_original is not None and f.cell is None else f.line
            if (f.path, f.cell, line) not in reported:
                residue = (RESIDUE if to_original is None or f.line in to_original else RESIDUE_MIGRATED).format(
                    message=f.message
                )
                out.diagnostics.append(Diagnostic(f.rule, f.path, line, f.column, residue, "manual", f.cell))


UNRESOLVED_RULE = "migrator/unresolved"  # not "migrator/unit": no client is known, so none is counted as left whole


def _report_unresolved(scan: ScanResult, out: MigrationResult) -> None:
    """A call left on OpenAI because its receiver could not be traced to a client matches no
    rule, and `migrator check` cannot tell its endpoint: say so, or "0 left for a person" would
    hide a call that may still reach OpenAI."""
    reported = {(d.path, d.cell, d.line) for d in out.diagnostics if d.severity == "manual"}
    for analysis in scan.analyses:
        left = out.left.get(analysis.path) or ()
        for f in analysis.findings:
            if f.kind == "call" and f.confidence == "low" and f.span in left and (f.path, f.cell, f.line) not in reported:
                out.diagnostics.append(
                    Diagnostic(
                        UNRESOLVED_RULE,
                        f.path,
                        f.line,
                        f.column,
                        N_(
                            "this {api} call is left "
                            "as it is: its receiver could not be resolved to a client; find the "
                            "client it uses and migrate it by hand"
                        ).format(api=f.api),
                        "manual",
                        f.cell,
                    )
                )


EXPECTATION_RULE = "migrator/test-expectation"


def _report_expectations(root: str, scan: ScanResult, out: MigrationResult, results: List[FileResult], jobs: list) -> None:
    """A test asserting the model a call sends (``call_args.kwargs["model"] == "gpt-4o"``) fails
    once apply maps that model in the code: say where, with the model the code now sends.  Only
    models mapped wherever the rewrite met them, and left by no call staying on OpenAI (a test
    may be checking that one)."""
    from migrator.analyzer.expectations import expected_models, is_test_path

    mapped: Dict[str, str] = {}
    kept: Set[str] = set()
    for result in results:
        if result.error:
            continue
        mapped.update(result.models)
        kept |= result.unmapped
    for job in jobs:
        left = out.left.get(job[0]) or ()
        analysis = job[3]
        for f in analysis.findings if analysis is not None else ():
            if f.kind == "call" and f.span in left and f.model:
                kept.add(f.model)
    models = {m for m in mapped if m not in kept}
    if not models:
        return
    paths = sorted({a.path for a in scan.analyses if not a.error} | set(scan.plain))
    for path in paths:
        if not (is_python(path) and is_test_path(path)):
            continue
        try:
            text, _why = decode_python(_read(root, path))
        except OSError:
            continue
        for line, column, model in expected_models(text or "", models):
            out.diagnostics.append(
                Diagnostic(
                    EXPECTATION_RULE,
                    path,
                    line,
                    column,
                    N_(
                        "this test expects the model '{model}', which the migrated code now sends as '{target}': "
                        "if it checks what the code sends, expect '{target}'"
                    ).format(model=model, target=mapped[model]),
                    "warning",
                )
            )


LLAMAINDEX_DEFAULT_RULE = "migrator/llamaindex-default"
LLAMAINDEX_DEFAULT = N_("LlamaIndex uses OpenAI here by default: no Settings.{parts} is set in the project; {what}")


def _report_project_facts(scan: ScanResult, out: MigrationResult) -> None:
    """A LlamaIndex default no module of the project sets (analyzer/llamaindex.py) is OpenAI: no
    rewrite can tell where every entry point would run a Settings assignment, so a person sets it,
    told the provider's class, endpoint and key variable.  So is an AutoGen config list read where
    apply cannot edit it (analyzer/autogen.py)."""
    from migrator.analyzer.autogen import config_source_todo
    from migrator.analyzer.llamaindex import pointers

    rs = out.ruleset
    for f in scan.findings:
        if f.detail.get("form") == "config_source":  # AutoGen: a config list apply cannot see or edit
            out.diagnostics.append(
                Diagnostic(
                    CONFIG_LIST_RULE,
                    f.path,
                    f.line,
                    f.column,
                    config_source_todo(f, rs.provider.title, rs.vars.get("base_url", ""), rs.vars.get("api_key_env", "")),
                    "manual",
                    f.cell,
                )
            )
        elif f.detail.get("form") == "llamaindex_default":
            parts = f.detail.get("parts") or ()
            what = "; ".join(pointers(parts, rs.provider.title, rs.vars.get("base_url", ""), rs.vars.get("api_key_env", "")))
            out.diagnostics.append(
                Diagnostic(
                    LLAMAINDEX_DEFAULT_RULE,
                    f.path,
                    f.line,
                    f.column,
                    LLAMAINDEX_DEFAULT.format(parts="/".join(parts), what=what),
                    "manual",
                    f.cell,
                )
            )


ROTATE_RULE = "secrets/rotate-key"
CONFIG_LIST_RULE = "migrator/oai-config-list"


def _report_removed_keys(out: MigrationResult) -> None:
    """A hard-coded key the migration removes (``openai.api_key = "sk-..."``, ``api_key="sk-..."``
    now read from the provider's variable, an env file's OpenAI value) is gone from the branch
    but not from git history: tell the person to rotate it, redacted."""
    from migrator.analyzer.secrets import find_secrets

    for change in out.changes:
        old = change.original.decode("utf-8", "replace")
        new = change.new.decode("utf-8", "replace")
        kept = {new[s:e] for s, e, _ in find_secrets(new)}
        seen = set()
        for start, end, redacted in find_secrets(old):
            key = old[start:end]
            if key in kept or key in seen:
                continue
            seen.add(key)
            line = old.count("\n", 0, start) + 1
            column = start - (old.rfind("\n", 0, start) + 1) + 1
            out.diagnostics.append(
                Diagnostic(
                    ROTATE_RULE,
                    change.path,
                    line,
                    column,
                    N_("rotate this key: {key} (removed here; it remains in git history)").format(key=redacted),
                    "manual",
                )
            )


def _line_map(old: bytes, new: bytes) -> Dict[int, int]:
    """Lines of the migrated file that are unchanged -> their line in the original (1-based), so
    everything apply reports speaks of the file as the user knows it."""
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    out: Dict[int, int] = {}
    for i, j, size in _matching_blocks(a, b):
        out.update({j + k + 1: i + k + 1 for k in range(size)})
    return out


# a range of lines this small (lines of a times lines of b) is matched by difflib itself, whose
# cost grows with the product of the sides and with how often lines repeat
_DIFFLIB_CELLS = 40_000


def _matching_blocks(a: List[str], b: List[str]) -> List[Tuple[int, int, int]]:
    """Runs (i, j, size) of equal lines, ``a[i:i+size] == b[j:j+size]``, increasing in both, that
    a line diff keeps.  A range of at most ``_DIFFLIB_CELLS`` (lines of a times lines of b) goes
    to difflib as it is.  A larger one is split at anchors: the lines unique to both sides
    (patience diff: the longest series of them in the same order) or, without such lines, the
    rarest lines that occur as often on both sides (histogram diff's idea); each anchor grows
    into the run of equal lines around it (where two runs want the same lines, the longer keeps
    them, as difflib's longest match first would), and the ranges between runs are handled the
    same way; a large range without anchors is matched by its common ends only.  A rewrite
    changes a few lines here and there, so the ranges difflib sees stay small and the whole
    costs time in proportion to the file, where one difflib pass over the file grows with its
    square (its popular lines: blank lines, closing brackets)."""
    import difflib

    blocks: List[Tuple[int, int, int]] = []
    ranges = [(0, len(a), 0, len(b))]
    while ranges:
        alo, ahi, blo, bhi = ranges.pop()
        if alo >= ahi or blo >= bhi:
            continue
        if (ahi - alo) * (bhi - blo) <= _DIFFLIB_CELLS:
            matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            blocks.extend((alo + i, blo + j, size) for i, j, size in matcher.get_matching_blocks() if size)
            continue
        anchors = _anchors(a, alo, ahi, b, blo, bhi)
        if anchors:
            runs = _grown(a, b, anchors, alo, ahi, blo, bhi)
            i0, j0 = alo, blo
            for i, j, size in runs:
                ranges.append((i0, i, j0, j))
                i0, j0 = i + size, j + size
            ranges.append((i0, ahi, j0, bhi))
            blocks.extend(runs)
        else:
            head = 0
            while alo + head < ahi and blo + head < bhi and a[alo + head] == b[blo + head]:
                head += 1
            tail = 0
            while alo + head < ahi - tail and blo + head < bhi - tail and a[ahi - 1 - tail] == b[bhi - 1 - tail]:
                tail += 1
            if head:
                blocks.append((alo, blo, head))
            if tail:
                blocks.append((ahi - tail, bhi - tail, tail))
            if head or tail:
                ranges.append((alo + head, ahi - tail, blo + head, bhi - tail))
            # else: no line occurs as often on both sides and the ends differ: left unmatched
    blocks.sort()
    return blocks


def _grown(
    a: List[str], b: List[str], anchors: List[Tuple[int, int]], alo: int, ahi: int, blo: int, bhi: int
) -> List[Tuple[int, int, int]]:
    """Each anchor (i, j) grown into the run of equal lines around it, not past its neighbours;
    where two runs overlap, the shorter gives the shared lines up (to the earlier on a tie)."""
    runs = []
    for index, (i, j) in enumerate(anchors):
        lo_i, lo_j = (anchors[index - 1][0] + 1, anchors[index - 1][1] + 1) if index else (alo, blo)
        hi_i, hi_j = anchors[index + 1] if index + 1 < len(anchors) else (ahi, bhi)
        back = 0
        while i - back > lo_i and j - back > lo_j and a[i - back - 1] == b[j - back - 1]:
            back += 1
        ahead = 1
        while i + ahead < hi_i and j + ahead < hi_j and a[i + ahead] == b[j + ahead]:
            ahead += 1
        runs.append([i - back, j - back, back + ahead])
    for left, right in zip(runs, runs[1:]):
        overlap = max(left[0] + left[2] - right[0], left[1] + left[2] - right[1], 0)
        if not overlap:
            continue
        if left[2] >= right[2]:
            right[0] += overlap
            right[1] += overlap
            right[2] -= overlap
        else:
            left[2] -= overlap
    return [(i, j, size) for i, j, size in runs]


def _anchors(a: List[str], alo: int, ahi: int, b: List[str], blo: int, bhi: int) -> List[Tuple[int, int]]:
    """Pairs (i, j) of equal lines to split a range at, increasing in both: the longest series,
    in the same order on both sides, of the lines that occur once in ``a[alo:ahi]`` and once in
    ``b[blo:bhi]``; when no line does, of the rarest lines that occur as often on both sides,
    their k-th occurrences paired (code made of repeated blocks has no unique line)."""
    in_a: Dict[str, List[int]] = {}
    for i in range(alo, ahi):
        in_a.setdefault(a[i], []).append(i)
    in_b: Dict[str, List[int]] = {}
    for j in range(blo, bhi):
        if b[j] in in_a:
            in_b.setdefault(b[j], []).append(j)
    same = [line for line, where in in_b.items() if len(where) == len(in_a[line])]
    if not same:
        return []
    rarest = min(len(in_b[line]) for line in same)
    return _longest_increasing(sorted(pair for line in same if len(in_b[line]) == rarest for pair in zip(in_a[line], in_b[line])))


def _longest_increasing(pairs: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by i, each i once) whose j's increase."""
    import bisect

    tails: List[int] = []  # tails[k]: index in pairs ending the best run of length k + 1
    tail_js: List[int] = []
    previous = [-1] * len(pairs)
    for index, (_i, j) in enumerate(pairs):
        k = bisect.bisect_left(tail_js, j)
        previous[index] = tails[k - 1] if k else -1
        if k == len(tails):
            tails.append(index)
            tail_js.append(j)
        else:
            tails[k] = index
            tail_js[k] = j
    out = []
    index = tails[-1] if tails else -1
    while index >= 0:
        out.append(pairs[index])
        index = previous[index]
    out.reverse()
    return out


def _run(jobs: list, workers: int, progress=None) -> List[Tuple[Optional[bytes], FileResult, list]]:
    workers = workers or os.cpu_count() or 1
    total = len(jobs)
    if progress:
        progress(0, total)
    if workers <= 1 or total < _POOL_THRESHOLD:
        out = []
        for job in jobs:
            out.append(_python_job(job))
            if progress:
                progress(len(out), total)
        return out
    # largest first, one at a time: a big file started last would keep one worker busy alone
    # while the others wait (the corpus: litellm/utils.py); the results keep the jobs' order
    order = sorted(range(total), key=lambda i: -len(jobs[i][1]))
    results = pool_map(
        _python_job,
        [jobs[i] for i in order],
        workers,
        1,
        _crashed,
        progress=(lambda done: progress(done, total)) if progress else None,
    )
    by_job = dict(zip(order, results))  # (pool_map returns one result per job)
    return [by_job[i] for i in range(total)]


def _crashed(job: Tuple[str, bytes, RuleSet, Optional[FileAnalysis]]) -> Tuple[Optional[bytes], FileResult, list]:
    return None, FileResult(job[0], "", "", error=N_("the rewrite crashed its worker process on this file; left unchanged")), []


def _collect(out: MigrationResult, path: str, data: bytes, new: Optional[bytes], result: FileResult, kind: str) -> None:
    out.diagnostics.extend(result.diagnostics)
    if result.hybrid and not result.error:
        out.hybrid.append(path)
    if not result.error:
        out.left[path] = result.left
    if result.error:
        out.failures.append(Failure(path, result.error))
        return
    if new is not None and new != data:
        out.changes.append(FileChange(path, data, new, kind, result.applied))
        out.units.extend(result.offered)


def _notebook(root: str, analysis: FileAnalysis, ruleset: RuleSet, out: MigrationResult, parts: Optional[list] = None) -> None:
    from migrator.analyzer.notebooks import NotebookError

    data = _read(root, analysis.path)
    try:
        new, results = migrate_notebook_bytes(analysis.path, data, ruleset, parts)
    except (NotebookError, UnicodeDecodeError) as exc:
        out.failures.append(Failure(analysis.path, N_("invalid notebook: {reason}").format(reason=exc)))
        return
    applied: Counter = Counter()
    for result in results:
        out.diagnostics.extend(result.diagnostics)
        applied.update(result.applied)
        if result.hybrid and analysis.path not in out.hybrid:
            out.hybrid.append(analysis.path)
        if result.error:
            out.failures.append(Failure(analysis.path, result.error))
    if new is not None and new != data and not any(r.error for r in results):
        out.changes.append(FileChange(analysis.path, data, new, "notebook", applied))
        out.units.extend(u for result in results for u in result.offered)


def _openai_stays(out: MigrationResult, residue: Dict[str, list]) -> bool:
    """Whether migrated code still needs the openai SDK: the plan keeps it, a client went to the
    compatible endpoint (a hybrid), or code left on OpenAI still imports it (a unit left whole,
    a failed file): the dependency files must not drop it then."""
    if out.ruleset.plan.keeps_openai or out.hybrid or out.failures:
        return True
    return any(f.rule == "check/openai-import" for findings in residue.values() for f in findings)


def _unused_wrappers(out: MigrationResult, residue: Dict[str, list], scan: ScanResult) -> List[str]:
    """The OpenAI wrapper packages (langchain-openai, ...) the project's code imported and no longer
    imports once the rewritten files are written: a native plan replaced every use.  None when a file could not be
    migrated or a notebook uses a wrapper (its cells are not in ``residue``)."""
    from migrator.analyzer.textfiles import WRAPPER_MODULES

    if (
        out.ruleset.plan.keeps_openai
        or out.failures
        or any(a.path.endswith(".ipynb") and any(f.kind == "framework" for f in a.findings) for a in scan.analyses)
    ):
        return []
    used = {str(f.symbol or "") for findings in residue.values() for f in findings if f.rule == "check/framework-import"}
    # only a wrapper this migration took the last import of: one the code never imported may be
    # there for the package's users (an extra installing it for them)
    before = {
        str(f.symbol or f.detail.get("module") or "")
        for a in scan.analyses
        if is_python(a.path)
        for f in a.findings
        if f.kind == "framework" and f.detail.get("form") == "import"
    }

    def imports(names: set, module: str) -> bool:
        return any(s == module or s.startswith(module + ".") for s in names)

    return sorted(package for package, module in WRAPPER_MODULES.items() if imports(before, module) and not imports(used, module))


def _text_file(
    root: str,
    analysis: FileAnalysis,
    ruleset: RuleSet,
    out: MigrationResult,
    keep_openai: bool = False,
    unused: Sequence[str] = (),
) -> None:
    from migrator.analyzer.textfiles import WATCHED_PACKAGES, parse_requirement
    from migrator.analyzer import read_whatever
    from migrator.engine.textfiles import (
        add_requirements,
        drop_requirements,
        rewrite_config_env,
        rewrite_config_list_for,
        rewrite_dependencies,
        rewrite_env,
    )

    kinds = {f.kind for f in analysis.findings}
    data = _read(root, analysis.path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        out.failures.append(Failure(analysis.path, "not UTF-8; left unchanged"))
        return
    new, notes = text, []
    plan = ruleset.plan
    if (
        "dependency" in kinds
        and plan.requirement
        and any(f.detail.get("package") == "openai" for f in analysis.findings if f.kind == "dependency")
    ):
        why = (
            N_("the {plan} plan uses the OpenAI SDK").format(plan=plan.name)
            if plan.keeps_openai
            else N_("code still uses the openai SDK; add {requirement} for the migrated clients").format(
                requirement=ruleset.interpolate(plan.requirement)
            )
        )
        new, more = rewrite_dependencies(
            analysis.path,
            new,
            requirement=ruleset.interpolate(plan.requirement),
            keep_openai=plan.keeps_openai or keep_openai,
            keep_reason=why,
        )
        notes += more
    needed = ruleset.requirements(out.applied) if "dependency" in kinds else []
    if needed:  # packages the rewritten code now imports (rule `requires`), next to openai/its wrapper
        near = [*WATCHED_PACKAGES, *(r.name for r in [parse_requirement(ruleset.interpolate(plan.requirement))] if r)]
        new, more = add_requirements(analysis.path, new, needed, near)
        notes += more
    if "dependency" in kinds and unused:  # after the additions, which are placed next to a wrapper's entry
        new, more = drop_requirements(analysis.path, new, unused)
        notes += more
    mapping = {k: ruleset.interpolate(v) for k, v in plan.env_files.items()}
    if "env" in kinds and mapping and ruleset.tree_stays:
        # a client of the project still talks to OpenAI and reads these variables: keep them
        notes.append(
            N_(
                "left unchanged: a client of the project stays on OpenAI ({place}) and may read {old}; add {new} for "
                "the migrated clients"
            ).format(place=ruleset.tree_stays, old=", ".join(sorted(mapping)), new=", ".join(sorted(set(mapping.values()))))
        )
    elif "env" in kinds and mapping:
        # a renamed variable's OpenAI value is replaced: the base URL by the provider's, a key by nothing
        url_env, url = ruleset.vars.get("base_url_env"), ruleset.vars.get("base_url")
        values = {url_env: url} if url_env and url else {}
        new, more = rewrite_env(
            analysis.path, new, mapping, values=values, what=f"{ruleset.provider.title} API", lang=ruleset.todo_lang
        )
        notes += more
    if read_whatever(analysis.path):  # AutoGen's OAI_CONFIG_LIST (engine/textfiles.py)
        new, more, manual = rewrite_config_list_for(ruleset, new)
        notes += [f"{analysis.path}:{n}" for n in more]
        out.diagnostics += [Diagnostic(CONFIG_LIST_RULE, analysis.path, line, 1, m, "manual") for line, m in manual]
    if any(f.detail.get("form") == "config_env" for f in analysis.findings):  # OAI_CONFIG_LIST='[...]'
        new, more, manual = rewrite_config_env(ruleset, new)
        notes += [f"{analysis.path}:{n}" for n in more]
        out.diagnostics += [Diagnostic(CONFIG_LIST_RULE, analysis.path, line, 1, m, "manual") for line, m in manual]
    out.notes.extend((analysis.path, redact_text(n)) for n in notes)
    if new != text:
        kind = "dependency" if "dependency" in kinds else ("autogen_config" if read_whatever(analysis.path) else "env")
        out.changes.append(FileChange(analysis.path, data, new.encode("utf-8"), kind, Counter({f"({kind} files)": 1})))


# ------------------------------------------------------------------ recording what was applied


_NOT_RECORDED = N_("provider, plan and check policy not recorded ({why}); add them to [tool.migrator] so `migrator check` agrees")


def record_config(
    root: str,
    ruleset: RuleSet,
    existing: List[FileChange],
    notes: Optional[List[Tuple[str, str]]] = None,
    policy: Optional[str] = None,
) -> Optional[FileChange]:
    """Record provider, plan and check policy in the config ``migrator check`` reads, so they agree.

    The file is the one ``load_config`` reads: pyproject.toml when it has ``[tool.migrator]``,
    else an existing ``.migrator.toml``, else pyproject.toml, else a new ``.migrator.toml``.
    Values already there are updated; the rest of the file keeps its bytes (edits go through
    tomlkit and are checked with tomllib, whatever the spelling of the tables: ``[tool]`` with
    dotted keys, inline tables...).  A change already planned for that file is updated in place
    (None is returned); a file that cannot be edited safely is left alone with a note in ``notes``.
    """
    name, nested = _config_target(root)
    if name is None:
        if notes is not None:
            notes.append(("pyproject.toml", _NOT_RECORDED.format(why=N_("it is a link to a file outside the project"))))
        return None
    planned = {c.path: c for c in existing}
    change = planned.get(name)
    exists = os.path.isfile(os.path.join(root, name))
    data = change.new if change else (_read(root, name) if exists else b"")
    values: Dict[str, object] = {
        "provider": ruleset.provider.name,
        "plan": ruleset.plan.name,
        "check": {"policy": policy or ruleset.plan.check_policy},
    }
    try:
        new = _with_values(data, nested, values)
    except ValueError as exc:
        if notes is not None:
            notes.append((name, _NOT_RECORDED.format(why=exc)))
        return None
    if new == data:
        return None
    if change:
        change.new = new
        return None
    return FileChange(name, data, new, "config", Counter({"(migrator config)": 1}))


def _config_target(root: str) -> Tuple[Optional[str], bool]:
    """(path relative to root, whether the values go under [tool.migrator]); a pyproject.toml that
    is a link stands for the file it names (None when that lies outside ``root``)."""
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject):
        real, root_real = os.path.realpath(pyproject), os.path.realpath(root)
        if os.path.commonpath([real, root_real]) != root_real:
            return None, True
        name = os.path.relpath(real, root_real).replace(os.sep, "/")
        if _has_migrator_table(root, name) or not os.path.isfile(os.path.join(root, ".migrator.toml")):
            return name, True
    # .migrator.toml holds the keys at the top level, or under [tool.migrator] as pyproject.toml does
    return ".migrator.toml", os.path.isfile(os.path.join(root, ".migrator.toml")) and _has_migrator_table(root, ".migrator.toml")


def _has_migrator_table(root: str, name: str) -> bool:
    from migrator.config import tomllib

    try:
        return isinstance(tomllib.loads(_read(root, name).decode("utf-8")).get("tool", {}).get("migrator"), dict)
    except (ValueError, AttributeError):
        return False


def _with_values(data: bytes, nested: bool, values: Dict[str, object]) -> bytes:
    """``data`` (a TOML file) with ``values`` set at the top level or under [tool.migrator];
    ValueError (the reason) when that cannot be done so that the file still parses to exactly
    what it held plus ``values``."""
    from migrator.config import tomllib

    try:
        text = data.decode("utf-8")
        before = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"the file is not valid TOML: {exc}") from None
    expected = _merged(before, {"tool": {"migrator": values}} if nested else values)
    if not isinstance(expected, dict):
        raise ValueError("its [tool] or [tool.migrator] is not a table")
    for new in _candidates(text, nested, values):
        if "\r\n" in text and "\n" not in text.replace("\r\n", ""):
            new = new.replace("\r\n", "\n").replace("\n", "\r\n")  # CRLF files stay CRLF
        try:
            if tomllib.loads(new) == expected:
                return new.encode("utf-8")
        except tomllib.TOMLDecodeError:
            pass
    raise ValueError("the file's layout could not be edited safely")


def _merged(base: object, values: Dict[str, object]) -> object:
    """``base`` with ``values`` set recursively; None when a non-table stands in the way."""
    if not isinstance(base, dict):
        return None
    out = dict(base)
    for key, value in values.items():
        if isinstance(value, dict):
            sub = _merged(out.get(key, {}), value)
            if sub is None:
                return None
            out[key] = sub
        else:
            out[key] = value
    return out


def _candidates(text: str, nested: bool, values: Dict[str, object]) -> Iterator[str]:
    """Ways to write ``values`` into ``text``, the least intrusive first: a new table at the end
    (every other byte stays), then an edit through tomlkit (keeps comments and layout)."""
    yield _appended(text, values, header="tool.migrator" if nested else "")
    import tomlkit

    try:
        doc = tomlkit.parse(text)
        if nested:
            tool = doc.setdefault("tool", tomlkit.table(is_super_table=True))
            table = tool.setdefault("migrator", tomlkit.inline_table())
        else:
            table = doc
        _set(table, values)
        yield tomlkit.dumps(doc)
    except (tomlkit.exceptions.TOMLKitError, ValueError, TypeError, KeyError):
        return  # a layout tomlkit cannot edit: the caller reports it


def _set(table, values: Dict[str, object]) -> None:
    import tomlkit

    for key, value in values.items():
        if not isinstance(value, dict):
            table[key] = value
        elif key in table:
            _set(table[key], value)
        elif isinstance(table, tomlkit.items.InlineTable):
            table[key] = value
        else:
            # a dotted key inside the table: a new [x.check] header would have to go after its
            # sub-tables, which tomlkit does not always get right
            for sub, item in value.items():
                table.add(tomlkit.key([key, sub]), item)


def _appended(text: str, values: Dict[str, object], header: str = "tool.migrator") -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = [f"[{header}]"] if header else []
    tables = []
    for key, value in values.items():
        if isinstance(value, dict):
            tables += ["", f"[{header + '.' if header else ''}{key}]"]
            tables += [f"{sub} = {_toml_string(item)}" for sub, item in value.items()]
        else:
            lines.append(f"{key} = {_toml_string(value)}")
    block = newline.join(lines + tables) + newline
    if text and not text.endswith(("\n", "\r")):
        text += newline
    return text + (newline if text.strip() else "") + block


def _toml_string(value: object) -> str:
    import json

    return json.dumps(str(value))  # a JSON string of printable text is a valid TOML basic string
