"""One unit of source (a module, a notebook cell, another file's text) with its lines; its tree only
where the analysis recorded none of what check reads of it (analyzer/facts.py)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Optional, Tuple

from migrator.analyzer.facts import literal_url as literal_url  # (re-exported: migrator.check)


@dataclass(frozen=True)
class _Source:
    """One unit of source (a module or a notebook cell) and its lines."""

    text: str
    lines: Tuple[str, ...]
    cell: Optional[int] = None

    @classmethod
    def of(cls, text: str, cell: Optional[int] = None) -> "_Source":
        return cls(text, tuple(re.split(r"\r\n|\r|\n", text)), cell)

    def tree(self) -> Optional[ast.Module]:
        """The parsed tree, None when it cannot be parsed."""
        try:
            return ast.parse(self.text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def char_col(self, line: int, byte_col: int) -> int:
        text = self.line(line)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
