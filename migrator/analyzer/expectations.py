"""Model names a project's tests expect: string literals in an ``assert`` statement, or given to an
assertion method (``mock.assert_called_once_with(model="gpt-4o")``, ``self.assertEqual(...)``).
Once apply maps that model in the code the tests exercise, such an expectation no longer holds:
apply reports each one (it cannot tell what a test compares the literal with, so it does not
rewrite it)."""

from __future__ import annotations

import ast
from typing import Iterator, Set, Tuple

from migrator.analyzer.llamaindex import is_test_path

__all__ = ["expected_models", "is_test_path"]


def _is_assertion_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name.startswith("assert")


def expected_models(source: str, models: Set[str]) -> Iterator[Tuple[int, int, str]]:
    """(line, column, model) of each literal naming one of ``models`` inside an assertion of
    ``source``, once each; nothing when it does not parse."""
    if not any(m in source for m in models):
        return
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    seen: Set[int] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assert) or _is_assertion_call(node)):
            continue
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Constant)
                and isinstance(inner.value, str)
                and inner.value in models
                and id(inner) not in seen
            ):
                seen.add(id(inner))
                yield inner.lineno, inner.col_offset + 1, inner.value
