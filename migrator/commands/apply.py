"""What ``migrator apply`` does, top-down.

1. The request is checked (options that exclude each other, --interactive without a terminal).
2. The project's config and rule packs give the rule set; writing on a branch needs a git
   repository on a branch.
3. ``migrate_tree`` computes the migration (nothing is written).
4. --interactive: the person chooses units (``ApplyUI.choose``); the migration is planned again
   without the ones skipped.
5. The provider is recorded in the project's config; untracked files are left out of a branch.
6. The UI shows the result (report, patch, PR body): a dry run, or nothing to change, ends here.
7. Files with uncommitted changes are refused; the result is written in place (after a
   confirmation) or committed on a new branch; the checkout is left as it was.

The terminal is the caller's: it passes an ``ApplyUI`` (progress, questions, showing the result)
and turns ``ApplyOutcome.code`` into the exit status."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Protocol, Sequence, Set, Tuple

from migrator import vcs
from migrator.apply import _NOT_RECORDED as NOT_RECORDED, migrate_tree, record_config
from migrator.commands.common import config_and_excludes, jobs_option
from migrator.config import line_length
from migrator.discovery import DEFAULT_MAX_BYTES, resolve_root
from migrator.errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, SafetyError, UsageError
from migrator.i18n import N_, _, language
from migrator.results import MigrationResult
from migrator.ruleset import load_all, select
from migrator.scan import ScanOptions

if TYPE_CHECKING:
    from migrator.config import Config
    from migrator.ruleset import RuleSet
    from migrator.vcs import RepoInfo

_Progress = Optional[Callable[[int, int], None]]


@dataclass(frozen=True)
class ApplyRequest:
    """The options of one ``migrator apply`` run, as the command line gave them."""

    path: str = "."
    provider: Optional[str] = None
    plan: Optional[str] = None
    region: Optional[str] = None
    only: Sequence[str] = ()
    skip: Sequence[str] = ()
    dry_run: bool = False
    patch: Optional[str] = None
    branch: Optional[str] = None
    in_place: bool = False
    allow_dirty: bool = False
    todo_comments: Optional[bool] = None
    completions_as_chat: Optional[bool] = None
    yes: bool = False
    interactive: bool = False
    terminal: bool = False  # stdin and stdout are a terminal (--interactive needs one)
    pr_body: Optional[str] = None
    html_report: Optional[str] = None
    json_out: bool = False
    exclude: Sequence[str] = ()
    rules: Sequence[str] = ()
    jobs: int = 0
    use_cache: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES

    @property
    def writes(self) -> bool:
        return not self.dry_run

    @property
    def to_stdout(self) -> List[str]:
        """The outputs sent to stdout (at most one is allowed)."""
        return [
            name
            for name, value in (
                ("--format json", self.json_out),
                ("--patch -", self.patch == "-"),
                ("--pr-body -", self.pr_body == "-"),
                ("--report -", self.html_report == "-"),
            )
            if value
        ]


class ApplyUI(Protocol):
    """What the workflow asks of the terminal."""

    def stages(self) -> AbstractContextManager[Tuple[_Progress, _Progress]]:
        """A context giving the (scanned, rewritten) progress callbacks (or Nones)."""

    def choose(self, offered: List[Any]) -> Optional[List[Any]]:
        """--interactive: the units of ``offered`` the person skips; None when they quit."""

    def replanning(self, skipped: List[Any]) -> None:
        """The migration is planned again without ``skipped``."""

    def left(self, skipped: List[Any], extra: List[Any]) -> None:
        """Units left on OpenAI: the ones skipped, and the ones that stay with them."""

    def show(self, result: MigrationResult) -> None:
        """The result is computed: report it (and write the patch and PR body asked for)."""

    def confirm(self, question: str) -> bool:
        """Ask before writing; False: nothing is written."""


@dataclass
class ApplyOutcome:
    """How the run ended: ``action`` is one of dry-run, unchanged (nothing to change), quit (an
    --interactive run quit), declined (a confirmation refused), in-place, branch."""

    action: str
    code: int
    result: Optional[MigrationResult] = None
    ruleset: Any = None
    extra: Dict[str, Any] = field(default_factory=dict)  # written / branch, commit (for JSON and HTML)
    made: Any = None  # the vcs.BranchCommit of a branch run


def run(request: ApplyRequest, ui: ApplyUI) -> ApplyOutcome:
    """Compute the migration, let the UI show it, then write it where the request says."""
    _check_request(request)
    root = resolve_root(request.path)
    cfg, excludes = config_and_excludes(root, request.exclude)
    ruleset = _ruleset(request, root, cfg)
    writes, in_place, allow_dirty = request.writes, request.in_place, request.allow_dirty
    repo = vcs.find_repo(root)
    if writes and not in_place:
        if repo is None:
            raise UsageError(
                _(
                    "{root} is not in a git repository: use --in-place to write into the files, "
                    "or --dry-run / --patch FILE to only look"
                ).format(root=root)
            )
        vcs.current_branch(repo)  # a detached HEAD or an unborn branch is refused before any work
    options = ScanOptions(
        excludes=excludes, jobs=jobs_option(request.jobs), use_cache=request.use_cache, max_bytes=request.max_bytes
    )
    with ui.stages() as (scanned, rewritten):
        result = migrate_tree(root, ruleset, options, scanned, rewritten)
    if request.interactive:
        paths = [c.path for c in result.changes]
        if writes and not in_place:  # a branch commit leaves untracked files out: nothing to ask about them
            assert repo is not None  # refused above outside git
            untracked = set(vcs.untracked_paths(repo, paths))
            paths = [p for p in paths if p not in untracked]
        if writes:  # refused before the questions rather than after them
            _dirty(repo, paths, allow_dirty)
        chosen = _choose(result, root, ruleset, options, set(paths), ui)
        if chosen is None:
            return ApplyOutcome("quit", EXIT_OK, ruleset=ruleset)
        result = chosen
    if result.changes and cfg.path is not None and _config_outside(root, cfg.path):
        result.notes.append(
            (
                os.path.relpath(cfg.path, root).replace(os.sep, "/"),
                NOT_RECORDED.format(why=N_("it is in a parent folder of the one migrated")),
            )
        )
    elif result.changes:
        recorded = record_config(root, ruleset, result.changes, result.notes, policy=result.check_policy)
        if recorded is not None:
            result.changes.append(recorded)
    if writes and not in_place and result.changes:
        assert repo is not None  # refused above outside git
        _leave_untracked(repo, result)
    ui.show(result)
    if request.dry_run or not result.changes:
        code = EXIT_FINDINGS if (request.dry_run and result.changes) else (EXIT_PARTIAL if result.failures else EXIT_OK)
        return ApplyOutcome("dry-run" if request.dry_run else "unchanged", code, result, ruleset, {"dry_run": request.dry_run})
    changes = {c.path: c.new for c in result.changes}
    dirty = _dirty(repo, list(changes), allow_dirty)
    outcome = ApplyOutcome("in-place" if in_place else "branch", EXIT_PARTIAL if result.failures else EXIT_OK, result, ruleset)
    if in_place:
        if not request.yes and not ui.confirm(_("Write {n} file(s) in place under {root}?").format(n=len(changes), root=root)):
            return ApplyOutcome("declined", EXIT_OK, result, ruleset)
        from migrator.writer import write_in_place

        write_in_place(root, changes)
        outcome.extra["written"] = sorted(changes)
    else:
        from migrator.report.apply import commit_message

        name = request.branch or f"migrator/{ruleset.provider.name}-{ruleset.plan.name}"
        if request.interactive:  # what is left after the units skipped, shown above: confirmed once more
            from migrator.report.console import printable

            if not ui.confirm(_("Commit {n} file(s) on a new branch {branch}?").format(n=len(changes), branch=printable(name))):
                return ApplyOutcome("declined", EXIT_OK, result, ruleset)
        assert repo is not None  # (a branch write: refused above outside git)
        made = vcs.commit_to_branch(
            repo, changes, branch=name, message=commit_message(result, dirty=dirty), allow_dirty=allow_dirty
        )
        outcome.made = made
        outcome.extra["branch"] = made.branch
        outcome.extra["commit"] = made.commit
    return outcome


def _check_request(request: ApplyRequest) -> None:
    """Options that cannot go together, refused before any work."""
    if request.branch and request.in_place:
        raise UsageError(_("--branch and --in-place exclude each other"))
    to_stdout = request.to_stdout
    if len(to_stdout) > 1:
        raise UsageError(_("{options} would both write to stdout; send one to a file").format(options=_(" and ").join(to_stdout)))
    if request.interactive:
        _interactive_usage(request.json_out, request.yes, bool(request.only or request.skip), to_stdout, request.terminal)


def _ruleset(request: ApplyRequest, root: str, cfg: Config) -> RuleSet:
    """The rule set of the provider and plan asked for (else the config's), with its options."""
    provider = request.provider or cfg.provider
    if not provider:
        raise UsageError(_("which provider? pass --provider (e.g. --provider dashscope); `migrator rules list` shows them"))
    providers = load_all(list(cfg.rules) + list(request.rules or []))
    todo_comments, completions_as_chat = request.todo_comments, request.completions_as_chat
    use_todo = todo_comments if todo_comments is not None else (cfg.todo_comments if cfg.todo_comments is not None else True)
    as_chat = completions_as_chat if completions_as_chat is not None else bool(cfg.completions_as_chat)
    ruleset = select(
        providers,
        provider,
        request.plan or cfg.plan,
        models=cfg.models,
        env=cfg.env,
        region=request.region or cfg.region,
        only=request.only or [],
        skip=request.skip or [],
        todo_comments=use_todo,
        options=["completions_as_chat"] if as_chat else [],
        line_length=line_length(root),
        todo_lang=cfg.todo_lang or language(),
    )
    if request.interactive:
        ruleset = ruleset.with_held(())  # nothing held yet: the engine lists the units it moves
    return ruleset


def _config_outside(root: str, path: Optional[str]) -> bool:
    """The config that applies is in a parent of ``root`` (apply was given a sub-folder): it is
    not part of what apply writes, so the provider is not recorded there."""
    return path is not None and os.path.dirname(os.path.abspath(path)) != os.path.abspath(root)


def _dirty(repo: Optional[RepoInfo], paths: List[str], allow_dirty: bool) -> List[str]:
    """Which of ``paths`` have uncommitted changes; refused unless --allow-dirty."""
    dirty = vcs.uncommitted_paths(repo, paths) if repo is not None else []
    if dirty and not allow_dirty:
        raise SafetyError(
            _("these files have uncommitted changes; commit or stash them, or pass --allow-dirty:\n  {paths}").format(
                paths="\n  ".join(sorted(dirty))
            )
        )
    return dirty


UNTRACKED_NOTE = N_("not committed: git does not track this file (add it to git first, or use --in-place)")


def _leave_untracked(repo: RepoInfo, result: MigrationResult) -> None:
    """A branch commit holds only files git tracks: an untracked file (a ``.env`` with a key,
    scratch work) is left out of the result, with a note."""
    untracked = set(vcs.untracked_paths(repo, [c.path for c in result.changes]))
    result.changes = [c for c in result.changes if c.path not in untracked]
    result.notes.extend((path, UNTRACKED_NOTE) for path in sorted(untracked))  # translated where shown


# ------------------------------------------------------------------ --interactive


def _interactive_usage(json_out: bool, yes: bool, partial: bool, to_stdout: List[str], terminal: bool) -> None:
    """--interactive asks on the terminal: what would answer for it, or take its stdout, is refused."""
    clash = (["--format json"] if json_out else []) + (["--yes"] if yes else []) + (["--only/--skip"] if partial else [])
    clash += [name for name in to_stdout if name not in clash]
    if clash:
        raise UsageError(_("--interactive and {option} exclude each other").format(option=clash[0]))
    if not terminal:
        raise UsageError(
            _("--interactive needs a terminal (stdin and stdout); without one, leave it out and use --dry-run to look first")
        )


def _choose(
    result: MigrationResult, root: str, ruleset: RuleSet, options: ScanOptions, paths: Set[str], ui: ApplyUI
) -> Optional[MigrationResult]:
    """Ask about each unit the migration moves in ``paths``; plan again holding back the skipped ones (a unit
    that shares a client with one stays with it), show what is left and confirm it once.
    None: the person quit, nothing is written."""
    offered = [u for u in result.units if u.path in paths]
    skipped = ui.choose(offered)
    if skipped is None:
        return None
    extra = []
    if skipped:
        ui.replanning(skipped)
        held = ruleset.with_held(u.key for u in skipped)
        again = migrate_tree(root, held, options)
        moving = {u.key for u in again.units}
        extra = [u for u in offered if u not in skipped and u.key not in moving]
        result = again
    ui.left(skipped, extra)
    return result  # the report shows what is left; apply asks once more before writing it
