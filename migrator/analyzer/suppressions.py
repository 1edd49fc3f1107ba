"""Inline suppressions (``# migrator: ignore[rule] -- reason``) found in Python source and in other
text: what check applies to a file's findings (``migrator.check.suppressions``) and what keeps apply
from rewriting a site (``migrator.engine.rewrite``).  Here, in the analyzer (which both may import),
only the finding of the comments; what they do is each command's."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import List, Optional, Tuple

from migrator.results import CheckFinding


@dataclass(frozen=True)
class Suppression:
    line: int
    rules: Tuple[str, ...]  # () = every rule
    reason: str
    standalone: bool  # a comment on a line of its own also covers the next line
    column: int = 1
    cell: Optional[int] = None

    def targets(self) -> Tuple[int, ...]:
        return (self.line, self.line + 1) if self.standalone else (self.line,)

    def covers(self, finding: CheckFinding) -> bool:
        return finding.cell == self.cell and finding.line in self.targets() and (not self.rules or finding.rule in self.rules)


_SUPPRESS_RE = re.compile(r"migrator:\s*ignore(?:\[(?P<rules>[^\]]*)\])?(?P<rest>[^\r\n]*)")


_SUPPRESS_BYTES = re.compile(rb"migrator:\s*ignore")


_COMMENT_START = re.compile(r"#|//")


def _parse_suppression(comment: str, line: int, column: int, standalone: bool, cell: Optional[int]) -> Optional[Suppression]:
    match = _SUPPRESS_RE.search(comment)
    if match is None:
        return None
    rules_text = match.group("rules")
    rules: Tuple[str, ...] = ()
    if rules_text is not None:
        rules = tuple(sorted({_rule_id(r) for r in rules_text.split(",") if r.strip()}))
    rest = match.group("rest").strip()
    reason = rest[2:].strip() if rest.startswith("--") else ""
    return Suppression(line, rules, reason, standalone, column, cell)


def _rule_id(text: str) -> str:
    text = text.strip()
    return text if "/" in text else f"check/{text}"


def python_suppressions(text: str, cell: Optional[int] = None) -> List[Suppression]:
    """Suppression comments in Python source (real comments only, not strings)."""
    if "migrator" not in text:
        return []
    out: List[Suppression] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                line, col = tok.start
                standalone = tok.line[:col].strip() == ""
                found = _parse_suppression(tok.string, line, col + 1, standalone, cell)
                if found:
                    out.append(found)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return text_suppressions(text, cell)
    return out


def text_suppressions(text: str, cell: Optional[int] = None) -> List[Suppression]:
    """Suppression comments (``#`` or ``//``) in any text, line by line."""
    out: List[Suppression] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if "migrator" not in line:
            continue
        match = _SUPPRESS_RE.search(line)
        if match is None:
            continue
        starts = [m.start() for m in _COMMENT_START.finditer(line, 0, match.start())]
        if not starts:
            continue
        start = starts[-1] if line[: starts[0]].strip() else starts[0]
        found = _parse_suppression(line[start:], number, start + 1, line[:start].strip() == "", cell)
        if found:
            out.append(found)
    return out
