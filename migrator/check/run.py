"""``run_check``: the gate over a project, top-down: the config and policy, the files asked for, each
file's check, then the findings compared with ``--base`` or the baseline (or the baseline written)."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from migrator.analyzer import decode_python, is_python
from migrator.check.baseline import DEFAULT_BASELINE, _follow_renames, _under, _write_baseline, new_findings, read_baseline
from migrator.check.files import FileCheck, Fixer, check_bytes
from migrator.check.fixes import make_fixer
from migrator.check.policy import Policy, load_policy
from migrator.config import Config, load_config
from migrator.discovery import DEFAULT_MAX_BYTES, iter_files, looks_binary, normalize_excludes, read_limited
from migrator.errors import GitError, UsageError
from migrator.i18n import _
from migrator.models import Finding
from migrator.results import R_UNPARSEABLE, CheckFinding, CheckResult
from migrator.vcs import listed_files

if TYPE_CHECKING:
    from migrator.analyzer.llamaindex import Project
    from migrator.vcs import RepoInfo


@dataclass(frozen=True)
class CheckOptions:
    root: str
    paths: Tuple[str, ...] = ()  # root-relative files or directories; () = everything
    base: Optional[str] = None
    baseline: Optional[str] = None  # root-relative or absolute
    update_baseline: bool = False
    policy: Optional[str] = None  # None = [tool.migrator.check] policy, else strict
    excludes: Tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES


def _interesting(relpath: str) -> bool:
    if is_python(relpath) or relpath.endswith(".ipynb"):
        return True
    from migrator.analyzer.textfiles import classify  # (not imported for a run over Python files alone)

    return classify(relpath) is not None


def _normalize_paths(root: str, paths: Sequence[str]) -> Tuple[str, ...]:
    out = []
    root_real = os.path.realpath(root)
    for p in paths:
        full = p if os.path.isabs(p) else os.path.join(root, p)
        if not os.path.exists(full):
            raise UsageError(_("path does not exist: {path}").format(path=p))
        real = os.path.realpath(full) if not os.path.islink(full) else os.path.abspath(full)
        rel = os.path.relpath(real, root_real)
        if rel == ".." or rel.startswith(".." + os.sep):
            raise UsageError(_("{path} is outside the project root {root}").format(path=p, root=root))
        out.append("" if rel == "." else rel.replace(os.sep, "/"))
    return tuple(out)


def _baseline_path(root: str, options: CheckOptions, cfg: Config) -> Optional[str]:
    if options.base:
        return None
    chosen = options.baseline or cfg.check.baseline
    if chosen is None and (options.update_baseline or os.path.isfile(os.path.join(root, DEFAULT_BASELINE))):
        chosen = DEFAULT_BASELINE
    if chosen is None:
        return None
    return chosen if os.path.isabs(chosen) else os.path.join(root, chosen)


def run_check(
    options: CheckOptions, *, cfg: Optional[Config] = None, progress: Optional[Callable[[int, int], None]] = None
) -> CheckResult:
    """Run the check; raise UsageError/ConfigError/GitError for problems the user must fix.
    ``progress(done, total)`` is called as files are checked."""
    root = os.path.abspath(options.root)
    if not os.path.isdir(root):
        raise UsageError(_("not a directory: {path}").format(path=options.root))
    if options.base and options.baseline:
        raise UsageError(_("--base and --baseline cannot be used together"))
    if options.base and options.update_baseline:
        raise UsageError(_("--update-baseline writes a baseline file; it cannot be combined with --base"))
    cfg = cfg if cfg is not None else load_config(root)
    policy = load_policy(cfg, options.policy)
    baseline_path = _baseline_path(root, options, cfg)
    excludes = normalize_excludes(list(cfg.exclude) + list(cfg.check.exclude) + list(options.excludes))
    paths = _normalize_paths(root, options.paths)
    skip = {DEFAULT_BASELINE}
    if baseline_path:
        skip.add(os.path.relpath(baseline_path, root).replace(os.sep, "/"))
    # only what the user named is listed (a pre-commit run names its files: the tree is not walked)
    files = [
        c
        for c in iter_files(root, excludes, lister=listed_files, under=paths)
        if c.relpath not in skip and _interesting(c.relpath) and (not paths or _under(c.relpath, paths))
    ]
    fixer = make_fixer(cfg) if policy.name == "compat" else None

    repo: Optional[RepoInfo] = None
    base_commit = ""
    if options.base:
        from migrator import vcs

        repo = vcs.find_repo(root)
        if repo is None:
            raise UsageError(_("--base needs a git repository; use --baseline outside git"))
        base_commit = _merge_base(repo, options.base)
        changed = set(vcs.changed_paths_since(repo, options.base))
        everything, files = files, [c for c in files if c.relpath in changed]

    project = _ProjectFacts(root, excludes, options.max_bytes)
    then = project
    if options.base and repo is not None:
        # a change to what the project sets (a LlamaIndex Settings.llm removed) reaches unchanged files
        then = project.at_base(repo, base_commit, changed | set(vcs.deleted_paths_since(repo, options.base)))
        files += [c for c in everything if c.relpath not in changed and c.relpath in then.reached]
    checks = _check_files([(c.relpath, c.abspath) for c in files], policy, fixer, options.max_bytes, progress, project)
    current = sorted((f for c in checks for f in c.findings), key=CheckFinding.sort_key)
    errors = tuple((c.path, c.error) for c in checks if c.error)
    suppressed = sum(c.suppressed for c in checks)
    common: Dict[str, Any] = dict(
        root=root, policy=policy.name, findings=tuple(current), files_checked=len(files), suppressed=suppressed, errors=errors
    )

    if options.base and repo is not None:
        # only files with findings now can have new ones: read just those at the base
        known, snippets = _known_at_base(repo, base_commit, sorted({f.path for f in current}), policy, then)
        new = _with_unparseable(new_findings(current, known, snippets), current)
        return CheckResult(mode="base", new=tuple(new), base=options.base, base_commit=base_commit, **common)
    if baseline_path and options.update_baseline:
        _write_baseline(baseline_path, root, current, policy.name, paths, {c.relpath for c in files})
        return CheckResult(mode="baseline", new=(), baseline=baseline_path, baseline_written=True, **common)
    if baseline_path:
        known, commit = read_baseline(baseline_path)
        known = _follow_renames(root, known, commit)
        new = _with_unparseable(new_findings(current, known), current)
        return CheckResult(mode="baseline", new=tuple(new), baseline=baseline_path, **common)
    return CheckResult(mode="all", new=tuple(current), **common)


def _with_unparseable(new: List[CheckFinding], current: Sequence[CheckFinding]) -> List[CheckFinding]:
    """A file the gate cannot read fails it even where a base or a baseline knew it: what it
    does now cannot be compared with what it did then."""
    seen = {id(f) for f in new}
    return sorted(new + [f for f in current if f.rule == R_UNPARSEABLE and id(f) not in seen], key=CheckFinding.sort_key)


def _merge_base(repo: RepoInfo, ref: str) -> str:
    from migrator import vcs

    try:
        return vcs.merge_base(repo, ref)
    except GitError as exc:
        unknown = exc.message == _("unknown ref '{ref}'").format(ref=ref)
        if "@{" in ref and unknown:  # reflog syntax: nothing to fetch
            hint = _(
                " (git cannot resolve it here: `git rev-parse` says the same; e.g. {example} is the previous branch)"
            ).format(example="@{-1}")
        elif unknown or exc.message == _("HEAD and '{ref}' have no common ancestor").format(ref=ref):
            hint = _(" (in CI, fetch it first: `git fetch origin <branch>`, or check out with fetch-depth: 0)")
        else:
            hint = ""
        raise GitError(f"--base {ref}: {exc.message}{hint}") from None


class _ProjectFacts:
    """Findings only the whole project decides (analyzer/llamaindex.py: a LlamaIndex default no
    module sets, worked out on the first file that may hold one: every Python file of the tree is
    read then, with --base too, whose changed files are not the project, never otherwise; and
    analyzer/autogen.py's config-list helpers that build OpenAI entries)."""

    def __init__(self, root: str, excludes: Sequence[str], max_bytes: int):
        self.root, self.excludes, self.max_bytes = root, excludes, max_bytes
        self.whole: Optional[Project] = None
        self.reached: Set[str] = set()  # (at a base) the files whose sites the change of project settings reaches

    def __call__(self, relpath: str, data: bytes) -> List[Finding]:
        """The findings of ``data``, the bytes of ``relpath`` now or at a base, against the project
        now (or, made by ``at_base``, then)."""
        from migrator.analyzer import llamaindex

        notebook = relpath.endswith(".ipynb")
        if not is_python(relpath) and not notebook:
            return []
        # config_list_openai_aoai(...): OpenAI entries (a config list read from a file is not: it is unknown)
        text = decode_python(data)[0] if b"config_list_" in data and not notebook else None
        out = []
        if text is not None:
            from migrator.analyzer import autogen

            out = [
                f for f in autogen.config_source_findings(relpath, text, autogen.file_exists(self.root)) if f.detail.get("route")
            ]
        if llamaindex.MARK not in data:
            return out
        return out + self.project().findings_in(relpath, data)

    def project(self) -> Project:
        from migrator.analyzer import llamaindex

        if self.whole is None:
            files = {
                c.relpath: c.abspath
                for c in iter_files(self.root, self.excludes, lister=listed_files)
                if is_python(c.relpath) or c.relpath.endswith(".ipynb")
            }
            self.whole = llamaindex.project(sorted(files), lambda p: read_limited(files[p], self.max_bytes)[0])
        return self.whole

    def at_base(self, repo: RepoInfo, base_commit: str, changed: Iterable[str]) -> "_ProjectFacts":
        """The project facts at the base commit: the tree as it is, but for the files the change
        touched, read as they were (only when one of them holds LlamaIndex code, now or then)."""
        from migrator import vcs
        from migrator.analyzer import llamaindex

        then = {
            path: vcs.file_at(repo, base_commit, path) for path in sorted(changed) if is_python(path) or path.endswith(".ipynb")
        }
        now = {path: read_limited(os.path.join(self.root, *path.split("/")), self.max_bytes)[0] for path in then}
        if not any(llamaindex.MARK in data for data in [*then.values(), *now.values()] if data is not None):
            return self
        out = _ProjectFacts(self.root, self.excludes, self.max_bytes)
        out.whole = self.project().at(then)
        if self.project().differs(out.whole):
            out.reached = {path for path, fact in self.project().facts.items() if fact.sites}
        return out


def _check_files(
    files: Sequence[Tuple[str, str]],
    policy: Policy,
    fixer: Optional[Fixer],
    max_bytes: int,
    progress: Optional[Callable[[int, int], None]] = None,
    project: Optional[Callable[[str, bytes], List[Finding]]] = None,
) -> List[FileCheck]:
    out = []
    for index, (relpath, abspath) in enumerate(files):
        if progress:
            progress(index, len(files))
        data, reason = read_limited(abspath, max_bytes)
        if data is None:
            if reason and (is_python(relpath) or relpath.endswith(".ipynb")):
                out.append(FileCheck(relpath, error=reason))
            continue
        if looks_binary(data):
            continue
        out.append(check_bytes(relpath, data, policy, fixer, extra=project(relpath, data) if project else ()))
    if progress:
        progress(len(files), len(files))
    return out


def _known_at_base(
    repo: RepoInfo,
    base_commit: str,
    paths: Sequence[str],
    policy: Policy,
    project: Optional[Callable[[str, bytes], List[Finding]]] = None,
) -> Tuple[Dict[Tuple[str, str, str], int], Dict[Tuple[str, str, str], List[str]]]:
    """Counts and snippets per (rule, path, symbol) at the merge-base, following renames."""
    from migrator import vcs

    renames = vcs.renamed_paths(repo, base_commit, "HEAD")
    known: Counter[Tuple[str, str, str]] = Counter()
    snippets: Dict[Tuple[str, str, str], List[str]] = defaultdict(list)
    for path in paths:
        old = renames.get(path, path)
        data = vcs.file_at(repo, base_commit, old)
        if data is None or looks_binary(data):
            continue
        # (what the project sets is taken as it is now: a default the change leaves unset was there before)
        for f in check_bytes(old, data, policy, extra=project(old, data) if project else ()).findings:
            f = replace(f, path=path)
            known[f.key] += 1
            snippets[f.key].append(f.snippet)
    return dict(known), dict(snippets)
