"""``migrator scan`` on the command line: its options and the report's formats.  The workflow is
``migrator.commands.scan``."""

from __future__ import annotations

from typing import List, Optional

import typer

from migrator.cli import app
from migrator.cli.common import ScanFormat, write_output
from migrator.discovery import DEFAULT_MAX_BYTES
from migrator.i18n import _


@app.command(help=_("Report every OpenAI touchpoint and how ready each provider is to take it over."))
def scan(
    path: str = typer.Argument(".", help=_("Directory to scan.")),
    format: ScanFormat = typer.Option(ScanFormat.text, "--format", "-f", help=_("Output format.")),
    output: Optional[str] = typer.Option(None, "--output", "-o", help=_("Write the report to this file.")),
    provider: Optional[str] = typer.Option(None, "--provider", "-p", help=_("Narrow the readiness matrix to one provider.")),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help=_("Glob of paths to skip (repeatable).")),
    jobs: int = typer.Option(0, "--jobs", "-j", help=_("Worker processes (0 = one per core).")),
    no_cache: bool = typer.Option(False, "--no-cache", help=_("Ignore and do not update the analysis cache.")),
    max_file_size: int = typer.Option(DEFAULT_MAX_BYTES, "--max-file-size", help=_("Skip files larger than this many bytes.")),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help=_("Extra rule file or directory (repeatable).")),
) -> None:
    from migrator.commands.scan import ScanRequest, run
    from migrator.report.console import console, progress
    from migrator.report import scan as report

    request = ScanRequest(
        path=path,
        provider=provider,
        exclude=exclude or (),
        rules=rules or (),
        jobs=jobs,
        use_cache=not no_cache,
        max_bytes=max_file_size,
    )
    outcome = run(request, lambda: progress(_("scanning"), enabled=format == ScanFormat.text and output is None))
    result, readiness = outcome.result, outcome.readiness
    if format == ScanFormat.json:
        write_output(report.to_json(result, readiness) + "\n", output)
    elif format == ScanFormat.markdown:
        write_output(report.to_markdown(result, readiness), output)
    elif format == ScanFormat.html:
        from migrator.report.html import scan_page

        write_output(scan_page(result, readiness), output)
    elif output:
        import io

        from migrator.report.console import report_console

        buffer = io.StringIO()
        report.render_text(result, report_console(buffer), readiness, target=path)
        write_output(buffer.getvalue(), output)
    else:
        report.render_text(result, console(), readiness, target=path)
    raise typer.Exit(outcome.code)
