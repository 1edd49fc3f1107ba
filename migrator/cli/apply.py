"""``migrator apply``: rewrite, show the report, and put the result on a new branch
(or in place, or in a patch)."""

from __future__ import annotations

import os
import sys
from enum import Enum
from typing import List, Optional, Set

import typer

from migrator.cli import app
from migrator.cli.common import config_and_excludes, jobs_option, target, write_output
from migrator.config import line_length
from migrator.discovery import DEFAULT_MAX_BYTES
from migrator.errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, SafetyError, UsageError
from migrator.i18n import N_, _, language


class Plan(str, Enum):
    compat = "compat"
    native = "native"


class ApplyFormat(str, Enum):
    text = "text"
    json = "json"


@app.command(help=_("Rewrite OpenAI usage for a provider; by default commit it on a new git branch."))
def apply(
    path: str = typer.Argument(".", help=_("Directory to migrate.")),
    provider: Optional[str] = typer.Option(None, "--provider", "-p", help=_("Target provider (see `migrator rules list`).")),
    plan: Optional[Plan] = typer.Option(None, "--plan", help=_("compat: keep the openai SDK on the provider's endpoint; native: the provider's SDK.")),
    region: Optional[str] = typer.Option(None, "--region", help=_("Provider region (e.g. cn, intl).")),
    only: Optional[List[str]] = typer.Option(None, "--only", help=_("Apply only this rule id (repeatable).")),
    skip: Optional[List[str]] = typer.Option(None, "--skip", help=_("Do not apply this rule id (repeatable).")),
    dry_run: bool = typer.Option(False, "--dry-run", help=_("Show the report, write nothing; exit 1 if anything would change.")),
    patch: Optional[str] = typer.Option(None, "--patch", help=_("Also write the changes as a patch `git apply` accepts (- for stdout).")),
    branch: Optional[str] = typer.Option(None, "--branch", help=_("Branch to create (default migrator/<provider>-<plan>).")),
    in_place: bool = typer.Option(False, "--in-place", help=_("Write into the working tree instead of a new branch.")),
    allow_dirty: bool = typer.Option(False, "--allow-dirty", help=_("Migrate files that have uncommitted changes.")),
    todo_comments: Optional[bool] = typer.Option(None, "--todo-comments/--no-todo-comments", help=_("Add # TODO(migrator: rule) comments at sites left for a person.")),
    completions_as_chat: Optional[bool] = typer.Option(None, "--completions-as-chat/--no-completions-as-chat", help=_("Turn legacy text completions into chat calls (the prompt becomes one user message).")),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Do not ask for confirmation.")),
    interactive: bool = typer.Option(False, "--interactive", "-i", help=_("Show each unit (a client and all that depends on it) and ask whether to migrate it, like `git add -p`.")),
    pr_body: Optional[str] = typer.Option(None, "--pr-body", help=_("Write a Markdown pull-request description to this file.")),
    html_report: Optional[str] = typer.Option(None, "--report", help=_("Also write a self-contained HTML report to this file.")),
    stat: bool = typer.Option(False, "--stat", help=_("Show lines added and removed per file instead of the diffs.")),
    no_diff: bool = typer.Option(False, "--no-diff", help=_("Leave the diffs out of the report.")),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=_("List info diagnostics too (by default they are only counted).")),
    no_pager: bool = typer.Option(False, "--no-pager", help=_("Do not page a report longer than the terminal (also MIGRATOR_PAGER=0).")),
    format: ApplyFormat = typer.Option(ApplyFormat.text, "--format", "-f", help=_("Report format.")),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help=_("Glob of paths to skip (repeatable).")),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help=_("Extra rule file or directory (repeatable).")),
    jobs: int = typer.Option(0, "--jobs", "-j", help=_("Worker processes (0 = one per core).")),
    no_cache: bool = typer.Option(False, "--no-cache", help=_("Ignore the analysis cache.")),
    max_file_size: int = typer.Option(DEFAULT_MAX_BYTES, "--max-file-size", help=_("Skip files larger than this many bytes.")),
) -> None:
    from migrator import vcs
    from migrator.apply import _NOT_RECORDED as NOT_RECORDED, migrate_tree, record_config
    from migrator.report import apply as report
    from migrator.report.console import console, error_console, paged, printable, progress_stages, safe
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    if branch and in_place:
        raise UsageError(_("--branch and --in-place exclude each other"))
    to_stdout = [name for name, value in (("--format json", format == ApplyFormat.json), ("--patch -", patch == "-"),
                                          ("--pr-body -", pr_body == "-"), ("--report -", html_report == "-")) if value]
    if len(to_stdout) > 1:
        raise UsageError(_("{options} would both write to stdout; send one to a file").format(options=_(" and ").join(to_stdout)))
    if interactive:
        _interactive_usage(format == ApplyFormat.json, yes, bool(only or skip), to_stdout)
    root = target(path)
    cfg, excludes = config_and_excludes(root, exclude)
    provider = provider or cfg.provider
    if not provider:
        raise UsageError(_("which provider? pass --provider (e.g. --provider dashscope); `migrator rules list` shows them"))
    providers = load_all(list(cfg.rules) + list(rules or []))
    use_todo = todo_comments if todo_comments is not None else (cfg.todo_comments if cfg.todo_comments is not None else True)
    as_chat = completions_as_chat if completions_as_chat is not None else bool(cfg.completions_as_chat)
    ruleset = select(providers, provider, plan.value if plan else cfg.plan, models=cfg.models, env=cfg.env,
                     region=region or cfg.region, only=only or [], skip=skip or [], todo_comments=use_todo,
                     options=["completions_as_chat"] if as_chat else [], line_length=line_length(root),
                     todo_lang=cfg.todo_lang or language())
    if interactive:
        ruleset = ruleset.with_held(())  # nothing held yet: the engine lists the units it moves
    writes = not dry_run
    repo = vcs.find_repo(root)
    if writes and not in_place and repo is None:
        raise UsageError(_("{root} is not in a git repository: use --in-place to write into the files, "
                           "or --dry-run / --patch FILE to only look").format(root=root))
    if writes and not in_place:
        vcs.current_branch(repo)  # a detached HEAD or an unborn branch is refused before any work
    options = ScanOptions(excludes=excludes, jobs=jobs_option(jobs), use_cache=not no_cache, max_bytes=max_file_size)
    with progress_stages([_("scanning"), _("rewriting")], enabled=format == ApplyFormat.text) as (scanned, rewritten):
        result = migrate_tree(root, ruleset, options, scanned, rewritten)
    if interactive:
        paths = [c.path for c in result.changes]
        if writes and not in_place:  # a branch commit leaves untracked files out: nothing to ask about them
            untracked = set(vcs.untracked_paths(repo, paths))
            paths = [p for p in paths if p not in untracked]
        if writes:  # refused before the questions rather than after them
            _dirty(repo, paths, allow_dirty)
        result = _choose(result, root, ruleset, options, set(paths))
    if result.changes and _config_outside(root, cfg.path):
        result.notes.append((os.path.relpath(cfg.path, root).replace(os.sep, "/"),
                             NOT_RECORDED.format(why=N_("it is in a parent folder of the one migrated"))))
    elif result.changes:
        recorded = record_config(root, ruleset, result.changes, result.notes, policy=result.check_policy)
        if recorded is not None:
            result.changes.append(recorded)
    if writes and not in_place and result.changes:
        _leave_untracked(repo, result)
    out = error_console() if to_stdout else console()  # stdout carries the patch or PR body
    if format == ApplyFormat.text:
        with paged(out, enabled=not no_pager and not to_stdout):
            # --interactive: the diffs were shown unit by unit
            report.render_text(result, out, show_diff=not no_diff, stat=stat or interactive, verbose=verbose)
    extra = {}
    if patch:
        from migrator.writer import encode_patch, make_patch, write_user_file

        text = make_patch({c.path: c.original or None for c in result.changes}, {c.path: c.new for c in result.changes})
        if patch == "-":
            sys.stdout.buffer.write(encode_patch(text))
            sys.stdout.flush()
        else:
            write_user_file(patch, encode_patch(text))
    if pr_body:
        write_output(report.pr_body(result), pr_body)
    err = error_console()
    if dry_run or not result.changes:
        _html_report(html_report, result, dry_run, extra)
        if format == ApplyFormat.json:
            write_output(report.to_json(result, {"dry_run": dry_run}) + "\n", None)
        err.print(_("{summary} (dry run: nothing written)").format(summary=report.summary_line(result)) if dry_run
                  else report.summary_line(result))
        code = EXIT_FINDINGS if (dry_run and result.changes) else (EXIT_PARTIAL if result.failures else EXIT_OK)
        raise typer.Exit(code)
    changes = {c.path: c.new for c in result.changes}
    dirty = _dirty(repo, list(changes), allow_dirty)
    if in_place:
        _confirm(yes, _("Write {n} file(s) in place under {root}?").format(n=len(changes), root=root))
        from migrator.writer import write_in_place

        write_in_place(root, changes)
        extra["written"] = sorted(changes)
        err.print(_("Wrote {n} file(s) in place. {summary}").format(n=len(changes), summary=report.summary_line(result)))
    else:
        name = branch or f"migrator/{ruleset.provider.name}-{ruleset.plan.name}"
        if interactive:  # what is left after the units skipped, shown above: confirmed once more
            _confirm(False, _("Commit {n} file(s) on a new branch {branch}?").format(n=len(changes), branch=printable(name)))
        made = vcs.commit_to_branch(repo, changes, branch=name, message=report.commit_message(result, dirty=dirty),
                                    allow_dirty=allow_dirty)
        extra["branch"] = made.branch
        extra["commit"] = made.commit
        err.print(_("Committed on branch {branch} ({commit}); your checkout is unchanged.").format(
            branch=f"[bold]{safe(made.branch)}[/]", commit=made.commit[:12]))
        err.print(_("  review: {command}").format(command=made.review_command), markup=False)
        err.print(_("  switch: {command}").format(command=made.switch_command), markup=False)
        err.print(report.summary_line(result))
    if format == ApplyFormat.text:
        report.render_next_steps(result, err)
    _html_report(html_report, result, dry_run, extra)
    if format == ApplyFormat.json:
        write_output(report.to_json(result, extra) + "\n", None)
    raise typer.Exit(EXIT_PARTIAL if result.failures else EXIT_OK)


def _html_report(path: Optional[str], result, dry_run: bool, extra: dict) -> None:
    if path:
        from migrator.report.html import apply_page

        write_output(apply_page(result, dry_run=dry_run, extra=extra), path)


def _config_outside(root: str, path: Optional[str]) -> bool:
    """The config that applies is in a parent of ``root`` (apply was given a sub-folder): it is
    not part of what apply writes, so the provider is not recorded there."""
    return path is not None and os.path.dirname(os.path.abspath(path)) != os.path.abspath(root)


def _dirty(repo, paths: List[str], allow_dirty: bool) -> List[str]:
    """Which of ``paths`` have uncommitted changes; refused unless --allow-dirty."""
    from migrator import vcs

    dirty = vcs.uncommitted_paths(repo, paths) if repo is not None else []
    if dirty and not allow_dirty:
        raise SafetyError(_("these files have uncommitted changes; commit or stash them, or pass --allow-dirty:\n  {paths}")
                          .format(paths="\n  ".join(sorted(dirty))))
    return dirty


def _confirm(yes: bool, question: str) -> None:
    if yes or not sys.stdin.isatty():
        return
    if not typer.confirm(question, default=False, err=True):  # stdout may carry --format json
        from migrator.report.console import error_console

        error_console().print(_("Nothing written."))
        raise typer.Exit(EXIT_OK)


UNTRACKED_NOTE = N_("not committed: git does not track this file (add it to git first, or use --in-place)")


def _leave_untracked(repo, result) -> None:
    """A branch commit holds only files git tracks: an untracked file (a ``.env`` with a key,
    scratch work) is left out of the result, with a note."""
    from migrator import vcs

    untracked = set(vcs.untracked_paths(repo, [c.path for c in result.changes]))
    result.changes = [c for c in result.changes if c.path not in untracked]
    result.notes.extend((path, UNTRACKED_NOTE) for path in sorted(untracked))  # translated where shown


# ------------------------------------------------------------------ --interactive

ANSWERS_HELP = N_("y - migrate this unit\n"
                  "n - leave it on OpenAI, with everything that depends on it\n"
                  "a - migrate this unit and all the ones after it\n"
                  "q - quit: apply nothing\n"
                  "? - show this help")


def _interactive_usage(json_out: bool, yes: bool, partial: bool, to_stdout: List[str]) -> None:
    """--interactive asks on the terminal: what would answer for it, or take its stdout, is refused."""
    clash = (["--format json"] if json_out else []) + (["--yes"] if yes else []) + (["--only/--skip"] if partial else [])
    clash += [name for name in to_stdout if name not in clash]
    if clash:
        raise UsageError(_("--interactive and {option} exclude each other").format(option=clash[0]))
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(_("--interactive needs a terminal (stdin and stdout); without one, leave it out "
                           "and use --dry-run to look first"))


def _describe(unit) -> str:
    where = (_("{path}, cell {cell}, line {line}").format(path=unit.path, cell=unit.cell, line=unit.line)
             if unit.cell is not None else f"{unit.path}:{unit.line}")
    what = {"client": N_("the client built at {where}"), "framework": N_("the {name} built at {where}"),
            "route": N_("the {name} call at {where}"),
            "legacy": N_("the openai<1 call at {where}"), "external": N_("the calls on the client annotated at {where}"),
            "remote": N_("the calls at {where} on the client built in {name}")}.get(unit.kind, N_("the call at {where}"))
    return _("{what} ({n} site(s))").format(what=_(what).format(where=where, name=unit.name), n=unit.sites)


def _ask(out, index: int, total: int) -> str:
    while True:
        try:
            answer = out.input(_("({index}/{total}) Migrate this unit [y,n,a,q,?]? ").format(index=index, total=total),
                               markup=False).strip().lower()
        except EOFError:
            return "q"
        if answer[:1] in ("y", "n", "a", "q"):
            return answer[:1]
        out.print(_(ANSWERS_HELP), markup=False)


def _choose(result, root: str, ruleset, options, paths: Set[str]):
    """Ask about each unit the migration moves in ``paths``; plan again holding back the skipped ones (a unit
    that shares a client with one stays with it), show what is left and confirm it once.
    Quitting ends the command with nothing written."""
    from rich.panel import Panel
    from rich.syntax import Syntax

    from migrator.apply import migrate_tree
    from migrator.report.console import console, printable, safe

    out = console()
    offered = [u for u in result.units if u.path in paths]
    skipped = []
    for index, unit in enumerate(offered, 1):
        out.print(f"[bold]{safe(_describe(unit))}[/]")
        if unit.hunks:
            out.print(Panel(Syntax(printable("".join(unit.hunks), lines=True), "diff", theme="ansi_dark", word_wrap=True)))
        answer = _ask(out, index, len(offered))
        if answer == "q":
            out.print(_("Quit: nothing written."))
            raise typer.Exit(EXIT_OK)
        if answer == "n":
            skipped.append(unit)
        elif answer == "a":
            break
    extra = []
    if skipped:
        out.print(_("Planning again without the {n} unit(s) you skipped...").format(n=len(skipped)))
        held = ruleset.with_held(u.key for u in skipped)
        again = migrate_tree(root, held, options)
        moving = {u.key for u in again.units}
        extra = [u for u in offered if u not in skipped and u.key not in moving]
        result = again
    for title, units in ((_("Left on OpenAI as you chose:"), skipped),
                         (_("Left on OpenAI with them (they share a client or depend on one you skipped):"), extra)):
        if units:
            out.print(title)
            for unit in units:
                out.print("  " + printable(_describe(unit)), markup=False)
    return result  # the report shows what is left; apply asks once more before writing it
