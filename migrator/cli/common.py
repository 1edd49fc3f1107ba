"""Option parsing shared by commands: target root, config, output files."""

from __future__ import annotations

from enum import Enum
from typing import List, Optional, Sequence

from migrator.config import Config, load_config
from migrator.discovery import normalize_excludes, resolve_root
from migrator.errors import UsageError
from migrator.report import ESCAPE_ERRORS


class ScanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"


def target(path: str) -> str:
    return resolve_root(path)


def config_and_excludes(root: str, excludes: Optional[Sequence[str]]) -> "tuple[Config, List[str]]":
    cfg = load_config(root)
    return cfg, normalize_excludes(list(cfg.exclude) + list(excludes or []))


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


def jobs_option(jobs: int) -> int:
    if jobs < 0:
        raise UsageError("--jobs must be 0 (all cores) or more")
    return jobs
