"""Apply planned edits to a LibCST tree in one traversal, then fix imports once.

Edits are keyed by the exact source range the analyzer reported, so the
transformer needs only positions (LibCST's PositionProvider ranges, computed once
per module by ``positions``), never scope metadata.
"""

from __future__ import annotations

import ast
import bisect
import sys
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
import libcst.matchers as cstm
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState

from migrator.engine import trees
from migrator.engine.layout import wrap_long_calls
from migrator.engine.model import Site
from migrator.engine.ops import COMMENT_LIMIT, OPS, Context, Sink, one_line
from migrator.ruleset import Rule, RuleSet

Key = Tuple[str, int, int, int, int]


def _key(node_type: str, line: int, col: int, end_line: int, end_col: int) -> Key:
    return (node_type, line, col, end_line, end_col)


def _merge_lines(carry: Sequence[cst.EmptyLine], own: Sequence[cst.EmptyLine]) -> List[cst.EmptyLine]:
    """Comments always move down with the code after them; blank lines only where the
    next statement has no spacing of its own (so no extra blank lines pile up)."""
    if any(line.comment is not None for line in carry) or not own:
        return [*carry, *own]
    return list(own)


class _Collapsing(cst.CSTTransformer):
    """Removes statement lines without losing the comments and blank lines above them.

    A line to remove is first replaced by a ``pass`` placeholder (LibCST would drop an
    emptied line together with its leading comments); the enclosing block then drops the
    placeholders and moves their leading lines onto the next statement (or the footer),
    keeping a block that became empty valid with a ``pass``."""

    def __init__(self) -> None:
        super().__init__()
        # keyed by id() but holding the node: a placeholder kept alive cannot have its id reused
        # by another node (which would then be dropped as if it were a placeholder)
        self.placeholders: Dict[int, cst.SimpleStatementLine] = {}

    def placeholder(self, line: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        new = line.with_changes(body=[cst.Pass()])
        self.placeholders[id(new)] = new
        return new

    def _is_placeholder(self, stmt: cst.CSTNode) -> bool:
        return self.placeholders.get(id(stmt)) is stmt

    def _collapse(self, stmts: Sequence[cst.BaseStatement]) -> Tuple[List[cst.BaseStatement], List[cst.EmptyLine]]:
        out: List[cst.BaseStatement] = []
        carry: List[cst.EmptyLine] = []
        for stmt in stmts:
            if self._is_placeholder(stmt):
                carry.extend(stmt.leading_lines)  # type: ignore[attr-defined]
                continue
            if carry:
                stmt = stmt.with_changes(leading_lines=_merge_lines(carry, stmt.leading_lines))  # type: ignore[attr-defined]
                carry = []
            out.append(stmt)
        return out, carry

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if not self.placeholders:
            return updated
        body, carry = self._collapse(updated.body)
        return updated.with_changes(body=body, footer=[*carry, *updated.footer])

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        if not self.placeholders:
            return updated
        body, carry = self._collapse(updated.body)
        if not body:
            return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()], leading_lines=carry)])
        return updated.with_changes(body=body, footer=[*carry, *updated.footer])

    def leave_SimpleStatementSuite(
        self, original: cst.SimpleStatementSuite, updated: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        return updated if updated.body else updated.with_changes(body=[cst.Pass()])


Range = Tuple[int, int, int, int]  # line, column, end line, end column


class _Recorder:
    """Where the codegen state below writes: ``_computed`` (the name LibCST's code generation
    reads hoisted positions from) maps a node to its PositionProvider range, ``spans`` to the
    range of everything it printed (its whitespace included: its descendants lie inside)."""

    __slots__ = ("_computed", "spans")

    def __init__(self) -> None:
        self._computed: Dict[cst.CSTNode, Range] = {}
        self.spans: Dict[cst.CSTNode, Range] = {}


class _Syntactic:
    """``record_syntactic_position`` as a plain context manager (a generator-based one costs
    more than the position it records)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(
        self, state: "_PositionState", node: cst.CSTNode, start_node: Optional[cst.CSTNode], end_node: Optional[cst.CSTNode]
    ) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc: object) -> None:
        state = self.state
        computed: Dict[cst.CSTNode, Any] = state.provider._computed  # type: ignore[assignment]
        start = computed[self.start_node][:2] if self.start_node is not None else self.start
        end = computed[self.end_node][2:] if self.end_node is not None else (state.line, state.column)
        computed[self.node] = start + end


class _PositionState(PositionProvidingCodegenState):
    """LibCST's PositionProvider code generation (the same ranges), recording tuples instead of
    CodeRange objects and each node's printed span too."""

    __slots__ = ()

    def _update_position(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = NEWLINE_RE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))  # type: ignore[arg-type]

    def after_codegen(self, node: cst.CSTNode) -> None:
        span = self._stack.pop() + (self.line, self.column)  # type: ignore[operator]
        recorder = self.provider
        if type(node) in _STATEMENTS:  # the only spans the transformer asks for
            recorder.spans[node] = span  # type: ignore[attr-defined]
        if node not in recorder._computed:
            recorder._computed[node] = span

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> _Syntactic:
        return _Syntactic(self, node, start_node, end_node)


def positions(module: cst.Module) -> _Recorder:
    """Every node's PositionProvider range and printed span, in one code generation: computed
    once per module, however many times the module is transformed."""
    recorder = _Recorder()
    module._codegen(
        _PositionState(default_indent=module.default_indent, default_newline=module.default_newline, provider=recorder)  # type: ignore[arg-type]
    )
    return recorder


# statements a subtree without an edit is skipped at (not rebuilt node by node)
_STATEMENTS = frozenset(
    (
        cst.SimpleStatementLine,
        cst.If,
        cst.For,
        cst.While,
        cst.With,
        cst.Try,
        cst.TryStar,
        cst.FunctionDef,
        cst.ClassDef,
        cst.Match,
    )
)


class EditTransformer(_Collapsing):
    def __init__(
        self,
        pairs: Sequence[Tuple[Site, Rule]],
        ruleset: RuleSet,
        sink: Sink,
        rulesets: Optional[Dict[int, RuleSet]] = None,
        where: Optional[_Recorder] = None,
    ):
        super().__init__()
        self.where = where
        self.ruleset = ruleset
        self.rulesets = rulesets or {}  # id(rule) -> the rule set it came from, where not ``ruleset``
        self.sink = sink
        self.edits: Dict[Key, List[Tuple[Site, Rule]]] = {}
        for site, rule in pairs:
            for node_type in site.node:
                s = site.span
                self.edits.setdefault(_key(node_type, s.line, s.col, s.end_line, s.end_col), []).append((site, rule))
        self.node_types = {key[0] for key in self.edits}
        self.starts = sorted({key[1:3] for key in self.edits})  # where each edit starts: (line, column)
        self.applied: Set[int] = set()
        self.changed: Set[Tuple[int, int]] = set()  # (id(site), id(rule)) whose ops edited the code
        self.statements: List[cst.CSTNode] = []
        self.todo_for: Dict[int, List[str]] = {}
        self.remove_ids: Set[int] = set()
        self.remove_small: Set[int] = set()  # the config statements themselves: `a = 1; b = 2` keeps b
        self.site_statement: Dict[int, int] = {}
        self.header: Set[str] = set()  # the module's header comments (visit_Module)
        self.first: Optional[int] = None  # id() of its first statement

    def on_visit(self, node: cst.CSTNode) -> bool:
        visit = super().on_visit(node)  # (a statement is still pushed: its leave pops it)
        if visit and type(node) in _STATEMENTS and self.where is not None:
            # a statement no edit starts inside is left as it is, its subtree not rebuilt
            span = self.where.spans.get(node)
            if span is not None:
                at = bisect.bisect_left(self.starts, span[:2])
                return at < len(self.starts) and self.starts[at] <= span[2:]
        return visit

    def visit_Module(self, node: cst.Module) -> bool:
        # the comments above a module's first statement are the module's header, not that
        # statement's leading lines: a TODO an earlier run wrote above it is there (a notebook
        # cell's call on its first line)
        self.header = {line.comment.value for line in node.header if line.comment is not None}
        self.first = id(node.body[0]) if node.body else None
        return True

    # statements: where TODO comments go, and what remove_statement removes
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        self.statements.append(node)
        return True

    def visit_If(self, node: cst.CSTNode) -> bool:
        self.statements.append(node)
        return True

    visit_For = visit_While = visit_With = visit_Try = visit_FunctionDef = visit_ClassDef = visit_If

    def _leave_statement(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        self.statements.pop()
        todos = self.todo_for.get(id(original))
        if todos:
            existing = {line.comment.value for line in updated.leading_lines if line.comment is not None}  # type: ignore[attr-defined]
            existing |= self.header if id(original) == self.first else set()
            indent_lines = list(updated.leading_lines)  # type: ignore[attr-defined]
            for text in todos:
                comment = f"# {one_line(text, COMMENT_LIMIT)}"  # a message may quote several lines
                if (
                    comment not in existing
                    and text in self.sink.todo_made
                    and any(c.startswith(f"# TODO(migrator: {self.sink.todo_made[text][0]}): ") for c in existing)
                ):
                    if f"# {one_line(self.sink.todo_elsewhere(text), COMMENT_LIMIT)}" in existing:
                        continue  # written by an earlier run in the other language
                if comment not in existing:
                    indent_lines.append(cst.EmptyLine(comment=cst.Comment(comment)))
                    existing.add(comment)
            updated = updated.with_changes(leading_lines=indent_lines)
        return updated

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine) -> Any:
        result: Any = self._leave_statement(original, updated)
        if id(original) not in self.remove_ids:
            return result
        keep = [u for o, u in zip(original.body, result.body) if id(o) not in self.remove_small]
        if not keep or len(original.body) != len(result.body):
            return self.placeholder(result)
        keep[-1] = keep[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return result.with_changes(body=keep)

    def leave_If(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        return self._leave_statement(original, updated)

    leave_For = leave_While = leave_With = leave_Try = leave_FunctionDef = leave_ClassDef = leave_If  # type: ignore[assignment]

    def on_leave(  # type: ignore[override]
        self,
        original: cst.CSTNode,
        updated: cst.CSTNode,
    ) -> Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]]:
        updated = super().on_leave(original, updated)  # type: ignore[assignment]
        if not isinstance(updated, cst.CSTNode) or type(original).__name__ not in self.node_types:
            return updated  # most nodes cannot carry an edit: skip the position lookup
        pos = self.where._computed.get(original) if self.where is not None else None
        if pos is None:
            return updated
        edits = self.edits.get((type(original).__name__,) + pos)
        if not edits:
            return updated
        for site, rule in edits:
            ctx = Context(self.rulesets.get(id(rule), self.ruleset), rule, site, self.sink)
            before_todos = len(self.sink.todos)
            before_remove = len(self.sink.remove)
            before = updated
            for op in rule.ops:
                if site.kind in OPS[op.name].SITES:  # a model or endpoint definition takes only its own op
                    updated = OPS[op.name].apply(updated, op.params, ctx)
            self.applied.add(id(site))
            if updated is not before or len(self.sink.remove) > before_remove:
                self.changed.add((id(site), id(rule)))  # an edit, not only a report
            statement = self._statement()
            if statement is not None:
                for _site, text in self.sink.todos[before_todos:]:
                    self.todo_for.setdefault(id(statement), []).append(text)
                if len(self.sink.remove) > before_remove:
                    self.remove_ids.add(id(statement))
                    self.remove_small.add(id(original))
        return updated

    def _statement(self) -> Optional[cst.CSTNode]:
        return self.statements[-1] if self.statements else None


# ------------------------------------------------------------------ imports


def _module_names(module: cst.Module) -> Dict[str, Optional[str]]:
    """Names bound at module level -> the qualified name they import (None for other bindings)."""
    names: Dict[str, Optional[str]] = {}
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names[stmt.name.value] = None
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        dotted = _dotted(alias.name)
                        bound = _dotted(alias.asname.name) if alias.asname else dotted.split(".")[0]
                        names[bound] = dotted if alias.asname else bound
                elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    base = ("." * len(small.relative)) + (_dotted(small.module) if small.module else "")
                    for alias in small.names:
                        bound = _dotted(alias.asname.name) if alias.asname else _dotted(alias.name)
                        names[bound] = f"{base}.{_dotted(alias.name)}"
                elif isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            names[target.target.value] = None
    return names


def _dotted(node: cst.BaseExpression) -> str:
    return cst.Module([]).code_for_node(node)


def _existing_imports(module: cst.Module) -> Set[Tuple[str, Optional[str]]]:
    have: Set[Tuple[str, Optional[str]]] = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if alias.asname is None:
                        have.add((_dotted(alias.name), None))
            elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
                if isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    if alias.asname is None and isinstance(alias.name, cst.Name):
                        have.add((_dotted(small.module), alias.name.value))
    return have


def _insert_at(module: cst.Module) -> int:
    """After the docstring, __future__ imports and the leading block of imports."""
    index = 0
    body = list(module.body)
    if (
        body
        and isinstance(body[0], cst.SimpleStatementLine)
        and isinstance(body[0].body[0], cst.Expr)
        and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    ):
        index = 1
    last_import = None
    for i in range(index, len(body)):
        stmt = body[i]
        if isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            last_import = i
            continue
        if isinstance(stmt, cst.Try) and _try_imports_only(stmt):
            last_import = i
            continue
        break
    return (last_import + 1) if last_import is not None else index


def _try_imports_only(stmt: cst.Try) -> bool:
    body = stmt.body.body
    return all(
        isinstance(s, cst.SimpleStatementLine) and all(isinstance(x, (cst.Import, cst.ImportFrom)) for x in s.body) for s in body
    )


class _NestedImports(cst.CSTVisitor):
    """Where ``names`` are bound: the import statements binding one of them, each with the function
    it is in (None at module level) and whether it is a plain module-level import; ``other``: any
    other binding of them (an assignment, a def), which keeps the import at the module's top."""

    def __init__(self, names: Set[str]) -> None:
        self.names = names
        self.found: List[Tuple[cst.SimpleStatementLine, Optional[cst.FunctionDef], bool]] = []
        self.other = False
        self.functions: List[cst.FunctionDef] = []
        self.depth = 0  # compound statements around the current one

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value in self.names:
            self.other = True
        self.functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.other = self.other or node.name.value in self.names

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.BaseCompoundStatement):
            self.depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, cst.BaseCompoundStatement):
            self.depth -= 1
        super().on_leave(original_node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for small in node.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                bound = {_dotted(a.asname.name) if a.asname else _dotted(a.name).split(".")[0] for a in small.names}
                if bound & self.names:
                    self.found.append((node, self.functions[-1] if self.functions else None, self.depth == 0))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.other = self.other or (isinstance(node.target, cst.Name) and node.target.value in self.names)


class _InsertAfter(cst.CSTTransformer):
    def __init__(self, after: Dict[int, List[cst.SimpleStatementLine]]) -> None:
        self.after = after

    def _body(self, body: Sequence[cst.CSTNode], originals: Sequence[cst.CSTNode]) -> List[cst.CSTNode]:
        out: List[cst.CSTNode] = []
        for new, old in zip(body, originals):
            out.append(new)
            out += self.after.get(id(old), [])
        return out

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        return updated_node.with_changes(body=self._body(updated_node.body, original_node.body))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(body=self._body(updated_node.body, original_node.body))


def imports_beside(
    module: cst.Module, wanted: Set[Tuple[str, Optional[str]]], replaced: Dict[Tuple[str, Optional[str]], Set[str]]
) -> Tuple[cst.Module, Set[Tuple[str, Optional[str]]]]:
    """The imports for replaced symbols whose old names are imported only inside functions or
    guards (``def f(): from openai import OpenAI``; ``try: import openai``): placed right after each
    of those imports whose function uses the new name, so a lazy or optional import stays lazy or
    optional (at the module's top the provider SDK would be needed to import the module at all).
    Returns the module and the imports placed."""
    after: Dict[int, List[cst.SimpleStatementLine]] = {}
    placed: Set[Tuple[str, Optional[str]]] = set()
    for want in sorted(wanted, key=lambda w: (w[0], w[1] or "")):
        names = replaced.get(want)
        if not names:
            continue
        seen = _NestedImports(names)
        module.visit(seen)
        if seen.other or not seen.found or any(top for _s, _f, top in seen.found):
            continue  # imported at the top (or bound otherwise): the import goes to the top too
        mod, name = want
        new_name = name or mod.split(".")[0]
        for stmt, function, _top in seen.found:
            if function is not None and not _uses(function, new_name):
                continue  # a function whose use of the old symbol stays (its unit was left whole)
            code = f"import {mod}" if name is None else f"from {mod} import {name}"
            line = cst.parse_statement(code + module.default_newline, config=module.config_for_parsing)
            after.setdefault(id(stmt), []).append(line)  # type: ignore[arg-type]
            placed.add(want)
    if not after:
        return module, placed
    return module.visit(_InsertAfter(after)), placed


def _uses(node: cst.CSTNode, name: str) -> bool:
    return bool(cstm.findall(node, cstm.Name(name)))


def add_imports(module: cst.Module, wanted: Set[Tuple[str, Optional[str]]]) -> cst.Module:
    have = _existing_imports(module)
    missing = sorted(
        (w for w in wanted if w not in have and not (w[1] is None and w[0] in _plain_import_roots(have, w[0]))),
        key=lambda w: (w[0], w[1] or ""),
    )  # ("m", None) and ("m", "Name") may both be wanted
    if not missing:
        return module
    body = list(module.body)
    end = _insert_at(module)
    for mod, name in missing:
        code = f"import {mod}" if name is None else f"from {mod} import {name}"
        statement = cst.parse_statement(code + module.default_newline, config=module.config_for_parsing)
        end = _place_import(body, end, statement, _import_key(statement))  # type: ignore[arg-type]
    return module.with_changes(body=body)


# isort's (and ruff's) default order: sections (__future__, standard library, the rest, relative),
# a blank line between them; in a section `import x` before `from x import y`, then by module name
_FUTURE, _STDLIB, _OTHER, _RELATIVE = range(4)
_STDLIB_NAMES = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    (
        "abc",
        "asyncio",
        "base64",
        "collections",
        "contextlib",
        "dataclasses",
        "functools",
        "io",
        "json",
        "logging",
        "os",
        "pathlib",
        "re",
        "sys",
        "typing",
        "warnings",
    )
)  # Python 3.9: the ones rules add


def _import_key(stmt: cst.CSTNode) -> Optional[Tuple[int, int, str, str]]:
    """(section, from?, module, name) of a one-import line; None for anything else."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Import):
        name = _dotted(small.names[0].name)
        return (_section(name), 0, name.lower(), "")
    if isinstance(small, cst.ImportFrom):
        if small.relative:
            return (_RELATIVE, 1, "." * len(small.relative) + (_dotted(small.module).lower() if small.module else ""), "")
        name = _dotted(small.module) if small.module else ""
        first = "" if isinstance(small.names, cst.ImportStar) else _dotted(small.names[0].name).lower()
        return (_section(name), 1, name.lower(), first)
    return None


def _section(module: str) -> int:
    top = module.split(".")[0]
    return _FUTURE if top == "__future__" else _STDLIB if top in _STDLIB_NAMES else _OTHER


def _place_import(body: List[Any], end: int, statement: cst.SimpleStatementLine, key: Tuple[int, int, str, str]) -> int:
    """Insert ``statement`` into the leading import block ``body[:end]`` where a sorted file has
    it: among the imports of its section (before the first that sorts after it), or as a section
    of its own between its neighbours.  Returns the block's new end."""
    keys = [_import_key(s) for s in body[:end]]
    same = [i for i, k in enumerate(keys) if k is not None and k[0] == key[0]]
    if same:
        at = next((i for i in same if keys[i] > key), same[-1] + 1)  # type: ignore[operator]
        if at in same and (at == same[0] or _starts_block(body[at])):  # first of its section now
            statement = statement.with_changes(leading_lines=body[at].leading_lines)
            body[at] = body[at].with_changes(leading_lines=[])
    else:
        at = next((i for i, k in enumerate(keys) if k is not None and k[0] > key[0]), end)
        if at < end:  # a section before the next one, which keeps its comments after a blank line
            lines = list(body[at].leading_lines)
            cut = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
            statement = statement.with_changes(leading_lines=lines[:cut])
            body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine(), *lines[cut:]])
        elif any(k is not None for k in keys):  # a section after the others
            statement = statement.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(at, statement)
    return end + 1


def _starts_block(stmt: cst.CSTNode) -> bool:
    return any(line.comment is None for line in getattr(stmt, "leading_lines", ()))


def _plain_import_roots(have: Set[Tuple[str, Optional[str]]], module: str) -> Set[str]:
    return {m for m, n in have if n is None and m == module}


def add_helpers(module: cst.Module, helpers: Dict[str, str]) -> cst.Module:
    """Insert one lazily-built shared client accessor per client expression, after the imports."""
    nl, indent = module.default_newline, module.default_indent
    new = []
    for expression, name in sorted(helpers.items(), key=lambda item: item[1]):
        code = (
            f"@functools.lru_cache(maxsize=None){nl}def {name}():{nl}"
            f'{indent}"""The client the migrated module-level OpenAI calls share, built on first use."""{nl}'
            f"{indent}return {expression}{nl}"
        )
        statement = cst.parse_statement(code, config=module.config_for_parsing)
        new.append(statement.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()]))
    body = list(module.body)
    at = _insert_at(module)
    return module.with_changes(body=body[:at] + new + body[at:])


class _RemoveUnused(_Collapsing):
    """Drop import aliases of cleaned-up modules whose bound name nothing references any more."""

    def __init__(self, modules: Sequence[str], referenced: Set[str]):
        super().__init__()
        self.modules = modules
        self.referenced = referenced

    def _cleanup(self, module_name: str) -> bool:
        return any(module_name == m or module_name.startswith(m + ".") for m in self.modules)

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> Union[cst.BaseSmallStatement, cst.RemovalSentinel]:
        keep = [a for a in updated.names if not (self._cleanup(_dotted(a.name)) and self._unused(a))]
        return self._rebuild(updated, keep)

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> Union[cst.BaseSmallStatement, cst.RemovalSentinel]:
        if updated.module is None or updated.relative or isinstance(updated.names, cst.ImportStar):
            return updated
        if not self._cleanup(_dotted(updated.module)):
            return updated
        keep = [a for a in updated.names if not self._unused(a)]
        return self._rebuild(updated, keep)

    def _unused(self, alias: cst.ImportAlias) -> bool:
        bound = alias.asname.name if alias.asname else alias.name
        name = _dotted(bound).split(".")[0]
        return name not in self.referenced

    @staticmethod
    def _rebuild(
        node: Union[cst.Import, cst.ImportFrom], keep: List[cst.ImportAlias]
    ) -> Union[cst.BaseSmallStatement, cst.RemovalSentinel]:
        if len(keep) == len(node.names):  # type: ignore[arg-type]
            return node
        if not keep:
            return cst.RemoveFromParent()  # the emptied line is turned into a placeholder below
        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        changes: Dict[str, Any] = {"names": keep}
        if isinstance(node, cst.ImportFrom) and node.lpar is not None and len(keep) == 1:
            changes.update(lpar=None, rpar=None)
        return node.with_changes(**changes)

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if updated.body:
            if len(updated.body) != len(original.body):
                last = updated.body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                return updated.with_changes(body=[*updated.body[:-1], last])
            return updated
        return self.placeholder(updated)


def _references(tree: ast.AST) -> Tuple[Set[str], List[Tuple[str, str]]]:
    """In one walk of ``tree``: the names it references (a quoted annotation's too: they keep
    their TYPE_CHECKING imports; strings in ``__all__``), and (module imported, name bound) of
    every absolute import (``from m import n`` gives (m, n)), as _RemoveUnused sees them."""
    names: Set[str] = set()
    imports: List[Tuple[str, str]] = []
    annotations: List[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Import):
            imports += [(alias.name, alias.asname or alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if not node.level and node.module is not None:
                imports += [(node.module, alias.asname or alias.name) for alias in node.names if alias.name != "*"]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            every = (
                list(getattr(args, "posonlyargs", []))
                + list(args.args)
                + list(args.kwonlyargs)
                + [a for a in (args.vararg, args.kwarg) if a]
            )
            annotations += [a.annotation for a in every if a.annotation is not None]
            if node.returns is not None:
                annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            names |= {e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    for annotation in annotations:
        for node in ast.walk(annotation):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    names |= {n.id for n in ast.walk(ast.parse(node.value.strip(), mode="eval")) if isinstance(n, ast.Name)}
                except (SyntaxError, ValueError, RecursionError):
                    pass
    return names, imports


def remove_unused_imports(module: cst.Module, modules: Sequence[str], code: str) -> Tuple[cst.Module, str]:
    """``module`` (whose text is ``code``) without the imports of ``modules`` nothing uses any
    more, and its text.  The CST is walked only when the text has such an import."""
    if not modules:
        return module, code
    referenced, imports = _references(trees.parse(code))
    cleanup = _RemoveUnused(modules, referenced)
    if not any(cleanup._cleanup(imported) and bound not in referenced for imported, bound in imports):
        return module, code
    new = module.visit(cleanup)
    return new, (code if new is module else new.code)


def bound_anywhere(code: str) -> Dict[str, Optional[str]]:
    """Every name the module binds in any scope -> what it imports, where every binding of it
    imports the same thing (None otherwise).  A name bound in ``try:/else:``, under
    ``if TYPE_CHECKING:``, in a function or as a parameter is taken too: a new import of the
    same name would be shadowed there, or shadow it."""
    out: Dict[str, Optional[str]] = {}

    def bind(name: str, target: Optional[str]) -> None:
        if name in out and out[name] != target:
            out[name] = None
        else:
            out.setdefault(name, target)

    for node in ast.walk(trees.parse(code)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bind(alias.asname or alias.name.split(".")[0], alias.name if alias.asname else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            base = "." * (node.level or 0) + (node.module or "")
            for alias in node.names:
                if alias.name != "*":
                    bind(alias.asname or alias.name, f"{base}.{alias.name}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name, None)
        elif isinstance(node, ast.arg):
            bind(node.arg, None)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bind(node.id, None)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bind(name, None)
    return out


def transform(
    module: cst.Module,
    pairs: Sequence[Tuple[Site, Rule]],
    ruleset: RuleSet,
    sink: Sink,
    rulesets: Optional[Dict[int, RuleSet]] = None,
    code: Optional[str] = None,
    where: Optional[_Recorder] = None,
) -> Tuple[cst.Module, Set[int]]:
    """Apply the edits; return the new module and the ids of sites that were reached.
    ``rulesets``: id(rule) -> its rule set, for rules that are not ``ruleset``'s own (a fallback);
    ``code``: the module's source (not printed again); ``where``: ``positions(module)``, when the
    caller transforms one module more than once.  ``sink.code`` is left holding the new module's
    text (the source itself when nothing changed), so nobody prints it again."""
    sink.bound_names = _module_names(module)
    for name, target in bound_anywhere(module.code if code is None else code).items():
        if sink.bound_names.get(name, target) != target or name not in sink.bound_names:
            sink.bound_names[name] = target if sink.bound_names.get(name, target) == target else None
    where = where if where is not None else positions(module)
    transformer = EditTransformer(pairs, ruleset, sink, rulesets, where)
    new = module.visit(transformer)
    if sink.imports:
        new, placed = imports_beside(new, sink.imports, sink.replaced)
        new = add_imports(new, sink.imports - placed)
    if sink.helpers:
        new = add_helpers(new, sink.helpers)
    if new is not module:
        # long calls wrapped before the one print: the import clean-up reads names from the text,
        # which wrapping does not change, and edits import statements, which hold no call
        new = wrap_long_calls(module, new, ruleset.line_length, where._computed, module.code if code is None else code)
        new, sink.code = remove_unused_imports(new, ruleset.plan.cleanup_imports, new.code)
    else:
        sink.code = code
    sink.changed = transformer.changed
    return new, transformer.applied
