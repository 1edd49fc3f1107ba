"""``migrator check`` on the command line: its options and the report's formats.  The workflow is
``migrator.commands.check`` (the gate itself: ``migrator.check``)."""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from migrator.cli import app
from migrator.cli.common import write_output
from migrator.discovery import DEFAULT_MAX_BYTES
from migrator.i18n import _


PROGRESS_FROM = 200  # files


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"


class PolicyName(str, Enum):
    strict = "strict"
    compat = "compat"


@app.command(help=_("Fail (exit 1) when the code gains OpenAI usage the policy forbids; exit 2 on usage or config errors."))
def check(
    paths: Optional[List[str]] = typer.Argument(None, help=_("Files or directories to check (default: the whole project).")),
    base: Optional[str] = typer.Option(
        None, "--base", help=_("Fail only on findings not present at the merge-base of REF and HEAD.")
    ),
    baseline: Optional[str] = typer.Option(None, "--baseline", help=_("Fail only on findings not in this baseline file.")),
    update_baseline: bool = typer.Option(
        False, "--update-baseline", help=_("Write the current findings to the baseline file and pass.")
    ),
    policy: Optional[PolicyName] = typer.Option(
        None, "--policy", help=_("strict or compat (default: [tool.migrator.check] policy, else strict).")
    ),
    format: CheckFormat = typer.Option(CheckFormat.text, "--format", "-f", help=_("Output format.")),
    output: Optional[str] = typer.Option(None, "--output", "-o", help=_("Write the report to this file.")),
    root: Optional[str] = typer.Option(
        None,
        "--root",
        help=_(
            "Project root (default: the nearest folder, up to the git root, with a migrator config or baseline; else the current one). Paths are relative to the current directory."
        ),
    ),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help=_("Glob of paths to skip (repeatable).")),
    max_file_size: int = typer.Option(DEFAULT_MAX_BYTES, "--max-file-size", help=_("Skip files larger than this many bytes.")),
) -> None:
    from migrator.commands.check import CheckRequest, run
    from migrator.report import check as report
    from migrator.report.console import progress

    request = CheckRequest(
        paths=tuple(paths or ()),
        base=base,
        baseline=baseline,
        update_baseline=update_baseline,
        policy=policy.value if policy else None,
        root=root,
        exclude=tuple(exclude or ()),
        max_bytes=max_file_size,
    )
    # a big project takes seconds: a bar on a terminal, past PROGRESS_FROM files (a pre-commit
    # run of a few files stays silent); never on a pipe, nor for machine formats
    outcome = run(request, lambda: progress(_("checking"), enabled=format == CheckFormat.text, min_total=PROGRESS_FROM))
    result = outcome.result
    if format == CheckFormat.json:
        write_output(report.to_json(result), output)
    elif format == CheckFormat.github:
        write_output(report.to_github(result), output)
    elif format == CheckFormat.sarif:
        write_output(report.to_sarif(result), output)
    else:
        _text(result, output, report)
    raise typer.Exit(outcome.code)


def _text(result, output: Optional[str], report) -> None:
    if output is None or output == "-":
        from migrator.report.console import console

        report.render_text(result, console())
        return
    import io

    from migrator.report.console import report_console

    buffer = io.StringIO()
    report.render_text(result, report_console(buffer))
    write_output(buffer.getvalue(), output)
