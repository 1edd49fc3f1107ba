"""What ``migrator check`` needs of a module's source besides the findings, read from the tree the
analyzer parsed (``SourceFacts``, models.py), so check need not parse the file again (issue 18):
the URL a construction's ``base_url`` (or a wrapper's ``openai_api_base``, ...) is known to default
to, or its ``**params`` dict's entry; the literal URL an ``openai.base_url = ...`` line assigns;
every absolute import (a check policy may forbid any module).  check/files.py computes the same
facts with ``source_facts`` from a parse of its own where the analysis holds none."""

from __future__ import annotations

import ast
import bisect
from collections import Counter
from typing import Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from migrator.models import URL_KEYWORDS, Endpoint, Finding, ImportFact, SourceFacts, Span

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
        from migrator.analyzer.resolve import _passed_through

        # `base_url or os.environ.get("X", "https://host")`: the caller's choice, else the default
        # (`(str(x) if x is not None else None) or ...` passes the caller's on: browser-use)
        if isinstance(_passed_through(expr.values[0]), (ast.Name, ast.Attribute)):
            return literal_url(expr.values[1], constants)
    if isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute)):
        from migrator.analyzer.scope import dotted_name

        if dotted_name(expr.func) not in _ENV_GETTERS:
            return None
        default: Optional[ast.AST] = expr.args[1] if len(expr.args) >= 2 else None
        for kw in expr.keywords:
            if kw.arg == "default":
                default = kw.value
        if default is not None and not isinstance(default, ast.Call):
            return literal_url(default, constants)
    return None


def module_constants(tree: ast.Module) -> Dict[str, str]:
    """Names assigned exactly once at module level, to a string literal."""
    seen: Counter[str] = Counter()
    values: Dict[str, str] = {}
    for stmt in tree.body:
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


def wanted(
    findings: Iterable[Finding], cell: Optional[int]
) -> Tuple[Dict[Tuple[int, int, int, int], Optional[Tuple[int, int, int, int]]], Set[int]]:
    """What check asks of the source of ``cell`` about ``findings``: the span of each construction
    (a client, an OpenAI wrapper) with the span of the ``**params`` dict it takes (``_params_def``),
    and the lines of the ``openai.base_url`` / ``openai.api_base`` settings."""
    calls: Dict[Tuple[int, int, int, int], Optional[Tuple[int, int, int, int]]] = {}
    configs: Set[int] = set()
    for f in findings:
        if f.cell != cell:
            continue
        if f.kind == "client" or (f.kind == "framework" and f.detail.get("form") == "construct"):
            made = f.detail.get("_params_def")
            calls[_key(f.span)] = (made[0], made[1], made[2], made[3]) if made else calls.get(_key(f.span))
        elif f.kind == "config" and f.detail.get("attribute") in ("base_url", "api_base"):
            configs.add(f.span.line)
    return calls, configs


def covers(facts: SourceFacts, findings: Iterable[Finding], cell: Optional[int]) -> bool:
    """Do ``facts`` hold all check asks of ``cell`` about ``findings`` (``wanted``)?"""
    calls, configs = wanted(findings, cell)
    for span, made in calls.items():
        if span not in facts.calls:
            return False
        endpoint = facts.calls[span]
        if endpoint is not None and endpoint.made != made:
            return False
    return all(line in facts.configs for line in configs)


def source_facts(
    tree: Optional[ast.Module],
    col: Callable[[int, int], int],
    findings: Iterable[Finding],
    cell: Optional[int] = None,
) -> SourceFacts:
    """The facts of one module or cell (``tree``: None when it cannot be parsed; ``col(line,
    byte_col)``: the character column) for the constructions and settings among ``findings``."""
    calls, configs = wanted(findings, cell)
    found: Dict[Tuple[int, int, int, int], Optional[Endpoint]] = dict.fromkeys(calls)
    out = SourceFacts(cell, found, {line: () for line in configs})
    if tree is None:
        return out
    module = tree
    wanted_lines = {line for span in [*calls, *(m for m in calls.values() if m)] for line in range(span[0], span[2] + 1)}
    ordered = sorted(wanted_lines)
    constants: List[Dict[str, str]] = []

    def url(expr: ast.AST) -> Optional[str]:
        if not constants:
            constants.append(module_constants(module))
        return literal_url(expr, constants[0])

    found_calls: Dict[Tuple[int, int, int, int], ast.Call] = {}
    found_dicts: Dict[Tuple[int, int, int, int], ast.Dict] = {}
    imports: List[ImportFact] = []
    for stmt in _statements(tree.body):
        if isinstance(stmt, ast.Import):
            imports.append(ImportFact(_import_span(stmt, col), tuple(a.name for a in stmt.names), False))
        elif isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
            modules = (stmt.module, *(f"{stmt.module}.{a.name}" for a in stmt.names))
            imports.append(ImportFact(_import_span(stmt, col), modules, True))
        elif configs and isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.lineno in configs and stmt.value is not None:
            assigned = url(stmt.value)
            if assigned is not None:
                out.configs[stmt.lineno] += (assigned,)
        if ordered and _covers(stmt, ordered):
            for node in _own_nodes(stmt):
                if isinstance(node, ast.Call) and node.lineno in wanted_lines:
                    found_calls.setdefault(_node_key(node, col), node)
                elif isinstance(node, ast.Dict) and node.lineno in wanted_lines:
                    found_dicts.setdefault(_node_key(node, col), node)
    for span, made in calls.items():
        call = found_calls.get(span)
        if call is None:
            continue
        keywords = tuple((str(kw.arg), url(kw.value)) for kw in call.keywords if kw.arg in URL_KEYWORDS)
        spread = any(kw.arg is None for kw in call.keywords)
        entries: Tuple[Tuple[str, Optional[str]], ...] = ()
        made_dict = found_dicts.get(made) if made else None
        if made_dict is not None:
            entries = tuple(
                (k.value, url(v))
                for k, v in zip(made_dict.keys, made_dict.values)
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value in URL_KEYWORDS
            )
        found[span] = Endpoint(keywords, spread, entries, made)
    out.imports = tuple(imports)
    return out


def _key(span: Span) -> Tuple[int, int, int, int]:
    return (span.line, span.col, span.end_line, span.end_col)


def _node_key(node: ast.expr, col: Callable[[int, int], int]) -> Tuple[int, int, int, int]:
    """An expression's span in characters, as a finding's (check/files.py read it so: ``end_col_offset or 0``)."""
    end_line = node.end_lineno or node.lineno
    return (node.lineno, col(node.lineno, node.col_offset), end_line, col(end_line, node.end_col_offset or 0))


def _import_span(node: ast.stmt, col: Callable[[int, int], int]) -> Span:
    line = node.lineno
    end_line = getattr(node, "end_lineno", line) or line
    return Span(
        line,
        col(line, node.col_offset),
        end_line,
        col(end_line, getattr(node, "end_col_offset", node.col_offset) or node.col_offset),
    )


_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")  # a compound statement's statement lists


# the statements that hold statements (ast.TryStar, ast.Match: Python 3.11 and 3.10)
_COMPOUND = frozenset(
    t
    for t in (
        ast.FunctionDef,
        ast.AsyncFunctionDef,
        ast.ClassDef,
        ast.For,
        ast.AsyncFor,
        ast.While,
        ast.If,
        ast.With,
        ast.AsyncWith,
        ast.Try,
        getattr(ast, "TryStar", None),
        getattr(ast, "Match", None),
    )
    if t is not None
)


def _statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones too (no expression holds a statement), in no particular order."""
    stack = list(body)
    while stack:
        stmt = stack.pop()
        yield stmt
        if type(stmt) in _COMPOUND:
            for name in _BODIES:
                for child in getattr(stmt, name, None) or ():
                    stack.extend([child] if isinstance(child, ast.stmt) else child.body)  # (a handler's, a case's)


def _covers(stmt: ast.stmt, lines: Sequence[int]) -> bool:
    """Does ``stmt`` (its decorators too) span one of ``lines`` (sorted)?"""
    first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
    at = bisect.bisect_left(lines, first)
    return at < len(lines) and lines[at] <= (stmt.end_lineno or stmt.lineno)


def _own_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of ``stmt`` outside its nested statements: its expressions, and its except
    handlers' and match cases' headers."""
    for name, value in ast.iter_fields(stmt):
        if name in _BODIES:
            for child in value or ():
                if not isinstance(child, ast.stmt):
                    for part in ("type", "pattern", "guard"):
                        if getattr(child, part, None) is not None:
                            yield from ast.walk(getattr(child, part))
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, ast.AST):
                yield from ast.walk(item)
