"""Pruning: which lines can hold a finding (``_relevant_lines``), the line index a span is read
from, the masked analysis of a big file (``_analyze_masked``, see chunks.py), and the release
of an analysis' reference cycles.  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
import bisect
import re
from typing import Collection, Iterator, List, Optional, Set, Tuple, TYPE_CHECKING

from migrator.analyzer import autogen, chunks, LINE_BREAK, line_index, lines_holding, logical_line, symbols as sym
from migrator.models import FileAnalysis, Span
from migrator.analyzer.scope import Client, Func, Q, Res, Result, _Binder, _TRIGGER_PACKAGES, _triggers_names
from migrator.analyzer.nodes import _returns
from migrator.analyzer.reporter import _Reporter

if TYPE_CHECKING:
    from migrator.analyzer.scope import Binding


class _Lines:
    """Convert ast (line, utf-8 byte offset) positions into character columns."""

    def __init__(self, source: str, line_offset: int = 0):
        self.lines = source.split("\n") if "\r" not in source else LINE_BREAK.split(source)
        self.line_offset = line_offset

    def col(self, line: int, byte_col: int) -> int:
        if line - 1 >= len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> Span:
        line, end_line = node.lineno, getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
        col = self.col(line, node.col_offset)  # type: ignore[attr-defined]
        end_col = self.col(end_line, getattr(node, "end_col_offset", None) or node.col_offset)  # type: ignore[attr-defined]
        return Span(line + self.line_offset, col, end_line + self.line_offset, end_col)


class _LineMarks:
    """A set of marked source lines, asked whether a node's lines hold any mark."""

    def __init__(self, starts: List[int]):
        self.starts = starts  # offset at which each line starts
        self.flags = bytearray(len(starts) + 2)  # flags[n]: line n (1-based) is marked

    def mark(self, pattern: "re.Pattern[str]", text: str) -> None:
        """Mark the lines of every match."""
        starts, flags = self.starts, self.flags
        for match in pattern.finditer(text):
            at = match.start()
            first = bisect.bisect_right(starts, at)
            last = bisect.bisect_right(starts, max(at, match.end() - 1))
            flags[first : last + 1] = b"\x01" * (last + 1 - first)

    def mark_name(self, name: str, text: str) -> None:
        """Mark the lines where identifier ``name`` occurs as a word of its own: the
        matches of ``re.escape(name) + r"\b"`` not glued to a word before them (an
        attribute dot allowed) nor opening a string; found by substring search, as
        a pattern per name costs a compile per name and file."""
        starts, flags, size, at = self.starts, self.flags, len(name), text.find(name)
        while at >= 0:
            end = at + size
            if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                at = text.find(name, at + 1)  # no \b after it: the pattern tries the next offset
                continue
            if not (at and (text[at - 1].isalnum() or text[at - 1] in "_'\"")):
                flags[bisect.bisect_right(starts, at)] = 1
            at = text.find(name, end)

    def any(self, first: int, last: int) -> bool:
        """Is any line from ``first`` to ``last`` marked?"""
        last = min(last, len(self.flags) - 1)
        return first <= last and self.flags.find(1, max(first, 1), last + 1) >= 0

    def covers(self, node: ast.AST) -> bool:
        """Does a mark fall on the lines of ``node`` (decorators included)?"""
        first = node.lineno  # type: ignore[attr-defined]
        decorators = getattr(node, "decorator_list", None)
        if decorators:
            first = min(first, decorators[0].lineno)
        return self.any(first, getattr(node, "end_lineno", None) or first)


# what binds inside an expression: a lambda, a comprehension, an assignment expression
_CONSTRUCTS = [re.compile(r"lambda\b"), re.compile(":="), re.compile(r"for\b")]  # one literal each: re skips ahead


# what an OpenAI finding needs on its lines besides a name: a client resource, an OPENAI_ variable
_RESOURCE_WORDS = [
    re.compile(r"\.\s*(?:" + "|".join(sorted(sym.RESOURCE_ROOTS | sym.CLIENT_RETURNING)) + r")\b"),
    re.compile("OPENAI_"),
    # test doubles: patch targets, HTTP routes, the SDK's class patched on a module of the project
    re.compile(r"[\"']openai[.\"']|api\.openai\.com|[\w.\"'](?:Async)?(?:Azure)?OpenAI[\"']|\.openai[\"']"),
    re.compile(autogen.KEY),
]  # AutoGen 0.2 config lists (analyzer/autogen.py)


def _relevant_lines(
    reporter: "_Reporter",
    text: str,
    starts: List[int],
    reach: Optional[_LineMarks] = None,
    initial: Optional[_LineMarks] = None,
    premarked: Collection[str] = (),
) -> _LineMarks:
    """The lines on which a finding, a symbol or a result access can sit.

    Every finding involves one of: a name an openai/wrapper import binds, a client
    resource attribute (``.chat``, ``.embeddings``, ``.with_options`` ...), an
    ``OPENAI_`` variable, or a name bound to an OpenAI value (a module attribute,
    a resource such as ``client.chat.completions``, an API result) -- and such a
    binding's own source holds one of these in turn.  So: mark the first three,
    then resolve each binding whose source lies on marked lines, mark the names
    that resolve to OpenAI values, and repeat.  The reporter skips every node
    whose lines hold no mark; resolution still sees every binding, so what it
    reports is what a walk of every node reports.  A name inside a string or a
    comment costs a little precision, never a finding.

    ``reach``, if given, gets the marks code outside any one function can be affected
    by: all of them except the names whose OpenAI values are all bound locally in
    functions (a ``response`` of one function marks every other ``response`` in the
    file, but no code outside that function sees it).  ``initial``: the first three
    kinds of mark already made (``_initial_marks``), and the names in ``premarked``
    with them; those are not made again, nor given to ``reach``.
    """
    binder = reporter.binder
    marks = _LineMarks(starts)
    if initial is not None:
        marks.flags[:] = initial.flags
    else:
        _initial_marks(marks, text)
    names: Set[str] = set()
    reaching: Set[str] = set()  # names whose marks go to ``reach``
    sources: List[Tuple[str, Binding, List[Tuple[int, int]]]] = []
    legacy_classes: Set[int] = set()  # id(a class node)
    seen = 0
    while True:
        log = binder.log
        for name, binding in log[seen:]:
            if binding.kind != "import":
                sources.append((name, binding, [_lines_of(e) for e in _binding_sources(binding)]))
        seen = len(log)
        new = binder.trigger_names - names
        reaching |= new
        while True:
            names |= new
            for name in sorted(new):
                if name in premarked:
                    continue
                marks.mark_name(name, text)
                if reach is not None and name in reaching:
                    reach.mark_name(name, text)
            new = set()
            rest = []
            for item in sources:
                name, binding, ranges = item
                if name in names or name in new:
                    continue
                if not any(marks.any(first, last) for first, last in ranges):
                    rest.append(item)
                elif _openai_valued(_called_value(reporter, reporter.resolve_binding(binding))):
                    new.add(name)
                    if reach is not None and not _function_local(name, binding):
                        reaching.add(name)
            sources = rest
            if not new:
                break
        # a class deriving from a v0 resource: its super().create(...) calls name nothing OpenAI
        for key, info in binder.classes.items():
            if key not in legacy_classes and marks.any(*_lines_of(info.node)) and reporter.legacy_base(info):
                legacy_classes.add(key)
                first, last = _lines_of(info.node)
                for target in (marks, reach) if reach is not None else (marks,):
                    target.flags[first : last + 1] = b"\x01" * (last + 1 - first)
        # bodies not bound yet whose lines now hold a mark: bind them, and look again
        waiting = [scope for scope in binder.scopes.values() if scope.unbound is not None and marks.covers(scope.unbound)]
        for scope in waiting:
            binder.bind_body(scope)
        if not waiting and seen == len(binder.log) and not binder.trigger_names - names:
            return marks


# where an import statement can start: a line's start, after ";" (``x = 1; import openai``) or after a
# compound statement's ":" (``if x: import openai``, ``def f(): from openai import OpenAI``); a ":"
# or ";" in a string or a comment only costs a mark
_IMPORT_OF_ROOT = re.compile(r"[ \t\f]*(from|import)(?=[ \t\f\\])")  # (matched at a line's start)
_IMPORT_INSIDE = re.compile(r"[\r\n;:][ \t\f]*(from|import)(?=[ \t\f\\])")  # (re skips ahead to [\r\n;:])


def _initial_marks(marks: _LineMarks, text: str, imports: Optional[List[Tuple[int, int]]] = None) -> None:
    """Client resource attributes, ``OPENAI_``, and lines importing openai or a wrapper
    (a function importing openai is bound and walked, whatever it names; ``imports``:
    ``_import_lines(text)``, if the caller has it)."""
    for pattern in _RESOURCE_WORDS:
        marks.mark(pattern, text)
    starts, flags = marks.starts, marks.flags
    for start, end in _import_lines(text) if imports is None else imports:
        first, last = bisect.bisect_right(starts, start), bisect.bisect_right(starts, max(start, end - 1))
        flags[first : last + 1] = b"\x01" * (last + 1 - first)


# every package name in _TRIGGER_PACKAGES holds one of these ("langchain_openai" holds "langchain")
_TRIGGER_LITERALS = tuple(p for p in _TRIGGER_PACKAGES if not any(q != p and q in p for q in _TRIGGER_PACKAGES))


def _import_lines(text: str) -> List[Tuple[int, int]]:
    """(start, end) of the statements that may import openai or a wrapper package: found by
    literal, on a logical line (backslash continuations joined) where an import starts; from the
    first import keyword to the end of the line holding the literal."""
    out = []
    for start, end in sorted(set(lines_holding(text, _TRIGGER_LITERALS, ("\n", "\r")))):
        stop = end
        if text.find("\\", max(0, start - 3), start) >= 0 or text.find("\\", max(start, end - 1), end) >= 0:
            start, stop = logical_line(text, start, end)  # (a backslash at either end: maybe continued)
        found = _IMPORT_OF_ROOT.match(text, start, stop) or _IMPORT_INSIDE.search(text, start, stop)
        if found:
            out.append((found.start(1), end if found.start(1) < end else stop))
    return out


def _function_local(name: str, binding: Binding) -> bool:
    """Is this a binding of a function's own variable (not a self attribute, not a
    module or class name)?  Only that function's code can see it."""
    scope = binding.scope
    return scope.kind == "function" and any(b is binding for b in scope.bindings.get(name, ()))


def _lines_of(node: ast.AST) -> Tuple[int, int]:
    return node.lineno, getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]


def _openai_valued(value: object) -> bool:
    """A value whose name can carry a finding to another line.  (A client built here can:
    passed to an imported function, it is reported as handed over; every other reported use
    of a client goes through a resource attribute.)"""
    if isinstance(value, Q):
        return _triggers_names(value.qname)
    if isinstance(value, Client):
        return value.origin in ("constructed", "subclass")
    return isinstance(value, (Res, Result))


def _binding_sources(binding: Binding) -> Iterator[ast.AST]:
    """The expressions a binding takes its value from (what could make it OpenAI)."""
    if binding.value is not None and hasattr(binding.value, "lineno"):
        yield binding.value
    if binding.annotation is not None and hasattr(binding.annotation, "lineno"):
        yield binding.annotation
    if binding.kind == "class" and isinstance(binding.node, ast.ClassDef):
        yield from binding.node.bases
        yield from (k.value for k in binding.node.keywords)
    if binding.kind == "func" and isinstance(binding.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        # a factory: what it returns is what a call of it gives (make_client() -> a client)
        yield from (r.value for r in _returns(binding.node) if r.value is not None)
        if binding.node.returns is not None:
            yield binding.node.returns


def _called_value(reporter: "_Reporter", value: object) -> object:
    """A function stands for what calling it returns, if that is a client built here."""
    if isinstance(value, Func) and isinstance(value.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        returned = reporter._factory_return(value.node)
        return returned if isinstance(returned, Client) else value
    return value


def _analyze_masked(source: str, path: str, cell: Optional[int]) -> Optional[FileAnalysis]:
    """The pruned analysis of a big file, parsing only what it needs (see chunks.py);
    None when the whole file must be parsed instead.

    Blank every definition (or plain assignment) whose lines hold no mark to begin
    with; analyse the masked tree; then, while a region left out holds a line the
    analysis marked, or binds a name (a self attribute) the analysis looked up, parse
    that region back in and analyse again.  What is left out at the end was never
    consulted: the result is the one the whole file gives."""
    lines = _Lines(source)
    starts = line_index(source, lines.lines)
    initial = _LineMarks(starts)
    imports = _import_lines(source)
    _initial_marks(initial, source, imports)
    imported = _imported_trigger_names(source, imports)
    for name in imported:  # their uses are symbol findings
        initial.mark_name(name, source)
    blanked: List[chunks.Region] = []
    for region in chunks.regions(source, starts):
        if not initial.any(region.first, region.last):
            if chunks.droppable(region, chunks.segment(source, starts, region)):
                blanked.append(region)
        elif region.kind == "class":
            blanked += [
                part
                for part in region.parts or ()
                if not initial.any(part.first, part.last) and chunks.droppable(part, chunks.segment(source, starts, part))
            ]
    if not blanked or "barry_as_FLUFL" in source:
        return None
    try:
        tree = ast.parse(chunks.mask(source, starts, blanked), filename=path, type_comments=False)
    except (SyntaxError, ValueError, MemoryError):
        return None  # the whole file's parse says what is wrong
    if not chunks.structure_ok(tree, blanked):
        return None
    constructs = _LineMarks(starts)
    for pattern in _CONSTRUCTS:
        constructs.mark(pattern, source)
    binder = _Binder(constructs, lazy=True)
    binder.visit(tree)
    # the names openai imports bind are known now: put back what uses them (their symbol
    # uses are findings) before the first analysis rather than after it
    uses = _LineMarks(starts)
    for name in binder.trigger_names - imported:
        uses.mark_name(name, source)
    needed = [r for r in blanked if uses.any(r.first, r.last)]
    while True:
        if needed:
            _release_binder(binder)
            for region in needed:
                blanked.remove(region)
                try:
                    chunks.splice(tree, source, starts, region)
                except (SyntaxError, ValueError, MemoryError):
                    return None
            binder = _Binder(constructs, lazy=True)
            binder.visit(tree)
        reporter = _Reporter(tree, binder, lines, path, cell)
        try:
            reach = _LineMarks(starts)
            reporter.relevant = _relevant_lines(reporter, source, starts, reach, initial, imported)
            needed = [r for r in blanked if reach.any(r.first, r.last)]
            if not needed:
                out = reporter.run()
                needed = [r for r in blanked if _consulted(r, reporter, source, starts)]
                if not needed:
                    return out
        finally:
            _release(reporter)


def _imported_trigger_names(text: str, imports: List[Tuple[int, int]]) -> Set[str]:
    """The names openai/wrapper imports bind, read from the import statements alone
    (``imports``: ``_import_lines(text)``).  A statement this misses is caught after the
    binder runs."""
    statements = []
    for start, end in imports:
        code = text[start:end].split("#", 1)[0]
        if "(" in code:
            close = text.find(")", start)
            end = close + 1 if close >= 0 else end
        elif code.rstrip().endswith("\\"):
            continue
        statements.append(text[start:end].strip())
    names: Set[str] = set()
    try:
        trees = [ast.parse("\n".join(statements))]  # all at once; one by one if one is bad
    except (SyntaxError, ValueError):
        trees = []
        for one in statements:
            try:
                trees.append(ast.parse(one))
            except (SyntaxError, ValueError):
                continue
    for tree in trees:
        binder = _Binder()
        binder.visit(tree)
        names |= binder.trigger_names
        _release_binder(binder)
    return names


def _consulted(region: "chunks.Region", reporter: "_Reporter", source: str, starts: List[int]) -> bool:
    """Did the analysis look up what a region left out binds?"""
    if region.name in reporter.looked_up:
        return True
    mentioned = reporter.mentions_asked
    if mentioned and any(
        re.search(r"\b" + re.escape(name) + r"\b", chunks.segment(source, starts, region)) for name in mentioned
    ):
        return True  # every read of it was counted (a model value mapped where it is defined)
    if region.indent is None:
        return False
    asked = reporter.attrs_asked
    if region.name in asked:
        return True
    # a method's self.x assignments (or for/with targets) to an attribute asked for
    text = chunks.segment(source, starts, region) if asked else ""
    return any(attr in text and re.search(r"\.\s*" + re.escape(attr) + _ASSIGNED_AFTER, text) for attr in asked)


# what may follow ``.attr`` where the attribute is bound: ``=``, an annotation, a tuple
# target (``self.a, self.b = ...``), ``for self.x in``, ``with ... as self.x:``
_ASSIGNED_AFTER = r"\b\s*(?:=(?!=)|:(?!=)|,[^=\r\n]*=(?!=)|\s+in\b)"


def _release(reporter: "_Reporter") -> None:
    """Break the reference cycles (scope <-> binding, reporter <-> its handlers) so
    the tree is freed as soon as the analysis returns, not by the next GC run."""
    _release_binder(reporter.binder)
    reporter.__dict__.clear()


def _release_binder(binder: _Binder) -> None:
    binder.log.clear()  # every scope shares it, and each binding in it points back at its scope
    for scope in [binder.module, *binder.scopes.values()]:
        scope.bindings.clear()
        scope.cls = None
    for info in binder.classes.values():
        info.attrs.clear()
