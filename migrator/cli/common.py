"""Option parsing shared by commands: target root, config, output files."""

from __future__ import annotations

from enum import Enum
from typing import Optional

from migrator.commands.common import config_and_excludes, jobs_option  # noqa: F401 - the commands' own, shared
from migrator.discovery import resolve_root
from migrator.escapes import ESCAPE_ERRORS


class ScanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


def target(path: str) -> str:
    return resolve_root(path)


def write_output(text: str, output: Optional[str]) -> None:
    """Write ``text`` to ``output`` (atomically, never through a link) or, for None or "-", stdout;
    hard-coded keys redacted."""
    from migrator.analyzer.secrets import redact_text

    text = redact_text(text)  # reports quote source: JSON, Markdown, SARIF, GitHub lines, PR bodies
    if output is None or output == "-":
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from migrator.writer import write_user_file

    write_user_file(output, text.encode("utf-8", ESCAPE_ERRORS))
