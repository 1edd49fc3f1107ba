"""``migrator apply`` on the command line: its options, the terminal (progress, questions, the
report, the outputs asked for) and the exit status.  The workflow, top-down, is
``migrator.commands.apply``."""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from migrator.cli import app
from migrator.cli.common import write_output
from migrator.discovery import DEFAULT_MAX_BYTES
from migrator.i18n import N_, _


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
    plan: Optional[Plan] = typer.Option(
        None,
        "--plan",
        help=_(
            "compat: keep the openai SDK on the provider's endpoint; native: the provider's own SDK and framework integrations (`migrator rules list` shows each provider's plans)."
        ),
    ),
    region: Optional[str] = typer.Option(None, "--region", help=_("Provider region (e.g. cn, intl).")),
    only: Optional[List[str]] = typer.Option(None, "--only", help=_("Apply only this rule id (repeatable).")),
    skip: Optional[List[str]] = typer.Option(None, "--skip", help=_("Do not apply this rule id (repeatable).")),
    dry_run: bool = typer.Option(False, "--dry-run", help=_("Show the report, write nothing; exit 1 if anything would change.")),
    patch: Optional[str] = typer.Option(
        None, "--patch", help=_("Also write the changes as a patch `git apply` accepts (- for stdout).")
    ),
    branch: Optional[str] = typer.Option(None, "--branch", help=_("Branch to create (default migrator/<provider>-<plan>).")),
    in_place: bool = typer.Option(False, "--in-place", help=_("Write into the working tree instead of a new branch.")),
    allow_dirty: bool = typer.Option(False, "--allow-dirty", help=_("Migrate files that have uncommitted changes.")),
    todo_comments: Optional[bool] = typer.Option(
        None, "--todo-comments/--no-todo-comments", help=_("Add # TODO(migrator: rule) comments at sites left for a person.")
    ),
    completions_as_chat: Optional[bool] = typer.Option(
        None,
        "--completions-as-chat/--no-completions-as-chat",
        help=_("Turn legacy text completions into chat calls (the prompt becomes one user message)."),
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help=_("Do not ask for confirmation.")),
    interactive: bool = typer.Option(
        False,
        "--interactive",
        "-i",
        help=_("Show each unit (a client and all that depends on it) and ask whether to migrate it, like `git add -p`."),
    ),
    pr_body: Optional[str] = typer.Option(None, "--pr-body", help=_("Write a Markdown pull-request description to this file.")),
    html_report: Optional[str] = typer.Option(None, "--report", help=_("Also write a self-contained HTML report to this file.")),
    stat: bool = typer.Option(False, "--stat", help=_("Show lines added and removed per file instead of the diffs.")),
    no_diff: bool = typer.Option(False, "--no-diff", help=_("Leave the diffs out of the report.")),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help=_("List info diagnostics too (by default they are only counted).")
    ),
    no_pager: bool = typer.Option(
        False, "--no-pager", help=_("Do not page a report longer than the terminal (also MIGRATOR_PAGER=0).")
    ),
    format: ApplyFormat = typer.Option(ApplyFormat.text, "--format", "-f", help=_("Report format.")),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help=_("Glob of paths to skip (repeatable).")),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help=_("Extra rule file or directory (repeatable).")),
    jobs: int = typer.Option(0, "--jobs", "-j", help=_("Worker processes (0 = one per core).")),
    no_cache: bool = typer.Option(False, "--no-cache", help=_("Ignore the analysis cache.")),
    max_file_size: int = typer.Option(DEFAULT_MAX_BYTES, "--max-file-size", help=_("Skip files larger than this many bytes.")),
) -> None:
    from migrator.commands.apply import ApplyRequest, run

    request = ApplyRequest(
        path=path,
        provider=provider,
        plan=plan.value if plan else None,
        region=region,
        only=only or (),
        skip=skip or (),
        dry_run=dry_run,
        patch=patch,
        branch=branch,
        in_place=in_place,
        allow_dirty=allow_dirty,
        todo_comments=todo_comments,
        completions_as_chat=completions_as_chat,
        yes=yes,
        interactive=interactive,
        terminal=interactive and sys.stdin.isatty() and sys.stdout.isatty(),
        pr_body=pr_body,
        html_report=html_report,
        json_out=format == ApplyFormat.json,
        exclude=exclude or (),
        rules=rules or (),
        jobs=jobs,
        use_cache=not no_cache,
        max_bytes=max_file_size,
    )
    ui = TerminalUI(
        request,
        text=format == ApplyFormat.text,
        show_diff=not no_diff,
        stat=stat or interactive,
        verbose=verbose,
        pager=not no_pager,
    )
    outcome = run(request, ui)
    raise typer.Exit(ui.finish(outcome))


class TerminalUI:
    """``migrator apply`` on the terminal: progress bars, the questions, the report and the outputs
    asked for (patch, PR body, HTML, JSON), and the closing lines."""

    def __init__(self, request, *, text: bool, show_diff: bool, stat: bool, verbose: bool, pager: bool):
        self.request, self.text, self.show_diff, self.stat, self.verbose, self.pager = (
            request,
            text,
            show_diff,
            stat,
            verbose,
            pager,
        )

    def stages(self):
        from migrator.report.console import progress_stages

        return progress_stages([_("scanning"), _("rewriting")], enabled=self.text)

    def choose(self, offered):
        return _ask_units(offered)

    def replanning(self, skipped) -> None:
        from migrator.report.console import console

        console().print(_("Planning again without the {n} unit(s) you skipped...").format(n=len(skipped)))

    def left(self, skipped, extra) -> None:
        from migrator.report.console import console, printable

        out = console()
        for title, units in (
            (_("Left on OpenAI as you chose:"), skipped),
            (_("Left on OpenAI with them (they share a client or depend on one you skipped):"), extra),
        ):
            if units:
                out.print(title)
                for unit in units:
                    out.print("  " + printable(_describe(unit)), markup=False)

    def show(self, result) -> None:
        from migrator.report import apply as report
        from migrator.report.console import console, error_console, paged

        request = self.request
        to_stdout = request.to_stdout
        out = error_console() if to_stdout else console()  # stdout carries the patch or PR body
        if self.text:
            with paged(out, enabled=self.pager and not to_stdout):
                # --interactive: the diffs were shown unit by unit
                report.render_text(result, out, show_diff=self.show_diff, stat=self.stat, verbose=self.verbose)
        patch = request.patch
        if patch:
            from migrator.writer import encode_patch, make_patch, write_user_file

            text = make_patch({c.path: c.original or None for c in result.changes}, {c.path: c.new for c in result.changes})
            if patch == "-":
                sys.stdout.buffer.write(encode_patch(text))
                sys.stdout.flush()
            else:
                write_user_file(patch, encode_patch(text))
        if request.pr_body:
            write_output(report.pr_body(result), request.pr_body)

    def confirm(self, question: str) -> bool:
        if not sys.stdin.isatty():
            return True
        return typer.confirm(question, default=False, err=True)  # stdout may carry --format json

    def finish(self, outcome) -> int:
        """The closing lines and the outputs written last; the exit code."""
        from migrator.report import apply as report
        from migrator.report.console import error_console, safe

        err = error_console()
        result, extra, request = outcome.result, outcome.extra, self.request
        if outcome.action == "quit":
            return outcome.code
        if outcome.action == "declined":
            err.print(_("Nothing written."))
            return outcome.code
        if outcome.action in ("dry-run", "unchanged"):
            dry_run = request.dry_run
            _html_report(request.html_report, result, dry_run, {})
            if request.json_out:
                write_output(report.to_json(result, extra) + "\n", None)
            err.print(
                _("{summary} (dry run: nothing written)").format(summary=report.summary_line(result))
                if dry_run
                else report.summary_line(result)
            )
            return outcome.code
        if outcome.action == "in-place":
            err.print(
                _("Wrote {n} file(s) in place. {summary}").format(n=len(extra["written"]), summary=report.summary_line(result))
            )
        else:
            made = outcome.made
            err.print(
                _("Committed on branch {branch} ({commit}); your checkout is unchanged.").format(
                    branch=f"[bold]{safe(made.branch)}[/]", commit=made.commit[:12]
                )
            )
            err.print(_("  review: {command}").format(command=made.review_command), markup=False)
            err.print(_("  switch: {command}").format(command=made.switch_command), markup=False)
            err.print(report.summary_line(result))
        if self.text:
            report.render_next_steps(result, err)
        _html_report(request.html_report, result, request.dry_run, extra)
        if request.json_out:
            write_output(report.to_json(result, extra) + "\n", None)
        return outcome.code


def _html_report(path: Optional[str], result, dry_run: bool, extra: dict) -> None:
    if path:
        from migrator.report.html import apply_page

        write_output(apply_page(result, dry_run=dry_run, extra=extra), path)


# ------------------------------------------------------------------ --interactive

ANSWERS_HELP = N_(
    "y - migrate this unit\n"
    "n - leave it on OpenAI, with everything that depends on it\n"
    "a - migrate this unit and all the ones after it\n"
    "q - quit: apply nothing\n"
    "? - show this help"
)


def _describe(unit) -> str:
    where = (
        _("{path}, cell {cell}, line {line}").format(path=unit.path, cell=unit.cell, line=unit.line)
        if unit.cell is not None
        else f"{unit.path}:{unit.line}"
    )
    what = {
        "client": N_("the client built at {where}"),
        "framework": N_("the {name} built at {where}"),
        "route": N_("the {name} call at {where}"),
        "legacy": N_("the openai<1 call at {where}"),
        "external": N_("the calls on the client annotated at {where}"),
        "remote": N_("the calls at {where} on the client built in {name}"),
    }.get(unit.kind, N_("the call at {where}"))
    return _("{what} ({n} site(s))").format(what=_(what).format(where=where, name=unit.name), n=unit.sites)


def _ask(out, index: int, total: int) -> str:
    while True:
        try:
            answer = (
                out.input(_("({index}/{total}) Migrate this unit [y,n,a,q,?]? ").format(index=index, total=total), markup=False)
                .strip()
                .lower()
            )
        except EOFError:
            return "q"
        if answer[:1] in ("y", "n", "a", "q"):
            return answer[:1]
        out.print(_(ANSWERS_HELP), markup=False)


def _ask_units(offered):
    """Ask about each unit offered; the ones skipped, or None when the person quits."""
    from rich.panel import Panel
    from rich.syntax import Syntax

    from migrator.report.console import console, printable, safe

    out = console()
    skipped = []
    for index, unit in enumerate(offered, 1):
        out.print(f"[bold]{safe(_describe(unit))}[/]")
        if unit.hunks:
            out.print(Panel(Syntax(printable("".join(unit.hunks), lines=True), "diff", theme="ansi_dark", word_wrap=True)))
        answer = _ask(out, index, len(offered))
        if answer == "q":
            out.print(_("Quit: nothing written."))
            return None
        if answer == "n":
            skipped.append(unit)
        elif answer == "a":
            break
    return skipped
