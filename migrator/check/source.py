"""One unit of Python source (a module or a notebook cell) with its tree, and the URL a ``base_url``
expression is known to default to."""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type


@dataclass(frozen=True)
class _Source:
    """One unit of Python source (a module or a notebook cell) with its parsed tree."""

    text: str
    lines: Tuple[str, ...]
    tree: Optional[ast.Module]
    cell: Optional[int] = None

    @classmethod
    def parse(cls, text: str, cell: Optional[int] = None) -> "_Source":
        try:
            tree: Optional[ast.Module] = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        return cls(text, tuple(re.split(r"\r\n|\r|\n", text)), tree, cell)

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def char_col(self, line: int, byte_col: int) -> int:
        text = self.line(line)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def call_at(self, line: int, col: int, end_line: int, end_col: int, kind: Type[ast.expr] = ast.Call) -> Optional[Any]:
        """The call expression (or other ``kind`` of node) at exactly this span (``a(...).b(...)``
        holds two calls that start together)."""
        if self.tree is None:
            return None
        for node in ast.walk(self.tree):
            if (
                isinstance(node, kind)
                and node.lineno == line
                and node.end_lineno == end_line
                and self.char_col(line, node.col_offset) == col
                and self.char_col(end_line, node.end_col_offset or 0) == end_col
            ):
                return node
        return None

    def module_constants(self) -> Dict[str, str]:
        """Names assigned exactly once at module level, to a string literal."""
        if self.tree is None:
            return {}
        seen: Counter[str] = Counter()
        values: Dict[str, str] = {}
        for stmt in self.tree.body:
            targets: List[ast.AST] = []
            value: Optional[ast.AST] = None
            if isinstance(stmt, ast.Assign):
                targets, value = list(stmt.targets), stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                targets, value = [stmt.target], stmt.value
            for target in targets:
                if isinstance(target, ast.Name):
                    seen[target.id] += 1
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        values[target.id] = value.value
        return {k: v for k, v in values.items() if seen[k] == 1}


_ENV_GETTERS = ("os.environ.get", "os.getenv", "environ.get", "getenv")


def literal_url(expr: ast.AST, constants: Mapping[str, str]) -> Optional[str]:
    """The URL a ``base_url`` expression is known to default to, or None.

    A string literal, a module-level string constant, or the literal default
    of ``os.environ.get("VAR", default)`` / ``os.getenv("VAR", default)``
    (positional or ``default=``): the value the code uses when the variable
    is unset, which is what a compat-plan migration writes; likewise the right
    side of ``base_url or <that>`` (a caller's choice, else the default).
    """
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Name):
        return constants.get(expr.id)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        # os.environ.get("X", "https://host") + "/v2"
        left, right = literal_url(expr.left, constants), literal_url(expr.right, constants)
        return left + right if left is not None and right is not None else None
    if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or) and len(expr.values) == 2:
        from migrator.analyzer.resolve import _passed_through  # (as dotted_name below)

        # `base_url or os.environ.get("X", "https://host")`: the caller's choice, else the default
        # (`(str(x) if x is not None else None) or ...` passes the caller's on: browser-use)
        if isinstance(_passed_through(expr.values[0]), (ast.Name, ast.Attribute)):
            return literal_url(expr.values[1], constants)
    if isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute)):
        from migrator.analyzer.python import dotted_name  # (the analyzer's Python part: not for a file without OpenAI code)

        if dotted_name(expr.func) not in _ENV_GETTERS:
            return None
        default: Optional[ast.AST] = expr.args[1] if len(expr.args) >= 2 else None
        for kw in expr.keywords:
            if kw.arg == "default":
                default = kw.value
        if default is not None and not isinstance(default, ast.Call):
            return literal_url(default, constants)
    return None
