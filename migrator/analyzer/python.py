"""Find OpenAI usage in Python source by resolving names, not by matching text.

Built on the stdlib ``ast`` (an order of magnitude cheaper than LibCST with
metadata); LibCST is only used later, for the files that are rewritten.

Two passes over a module: the binder records the bindings of each scope
(imports, assignments, parameters, ``with ... as``, ``self.x = ...`` per class,
function definitions); the reporter walks the tree and resolves expressions to
values: an imported qualified name, an OpenAI client, a client resource path,
or the result of an API call.  Only what resolves to OpenAI (or sits,
unresolved, in a file that imports openai) is reported.

Most of a module cannot hold a finding, so both passes skip what cannot matter
(``_relevant_lines``): the reporter visits only nodes on lines that name an
OpenAI import, a client resource attribute, an ``OPENAI_`` variable, or a name
bound to an OpenAI value; the binder binds a function body only when something
needs it.  ``PRUNE = False`` visits everything, and the test suite requires both
ways to agree on every analysis it runs.
"""

from __future__ import annotations

import ast
import bisect
import gc
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Collection, Dict, Iterator, List, Optional, Set, Tuple, Union

from migrator.analyzer import LINE_BREAK, line_index, lines_holding
from migrator.analyzer import autogen, chunks
from migrator.analyzer import symbols as sym
from migrator.i18n import N_
from migrator.models import EnvRead, FileAnalysis, Finding, ResultAccess, Span, SymbolRef

# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Q:
    """An imported (or attribute-of-imported) qualified name."""

    qname: str


@dataclass(frozen=True)
class Client:
    cls: str
    span: Span
    is_async: bool
    azure: bool
    endpoint: str  # none | openai | azure | other | dynamic | fallback
    origin: str  # constructed | annotated | subclass | remote
    where: Optional[str] = None  # remote: "<project file that builds it>#<its client_key>"


@dataclass(frozen=True)
class Res:
    client: Optional[Client]  # None: the openai module-level client
    path: Tuple[str, ...]


@dataclass(frozen=True)
class Result:
    call: Span
    api: str
    stream: bool
    chunk: bool = False
    prefix: Tuple[object, ...] = ()  # a value read out of the result: usage = resp.usage -> ("usage",)

    def derive(self, element: object) -> "Result":
        return Result(self.call, self.api, self.stream, self.chunk, self.prefix + (element,))


@dataclass(frozen=True)
class Func:
    node: ast.AST


class _NotOpenAI:
    def __repr__(self) -> str:
        return "NOT_OPENAI"


NOT_OPENAI = _NotOpenAI()
Value = Union[Q, Client, Res, Result, Func, _NotOpenAI, None]

LOW_CONFIDENCE_APIS = frozenset(
    {
        "chat.completions.create",
        "chat.completions.parse",
        "chat.completions.stream",
        "beta.chat.completions.parse",
        "completions.create",
        "embeddings.create",
        "images.generate",
        "images.edit",
        "images.create_variation",
        "audio.transcriptions.create",
        "audio.translations.create",
        "audio.speech.create",
        "moderations.create",
        "responses.create",
    }
)

ENV_PREFIXES = ("OPENAI_", "AZURE_OPENAI_")

# ---------------------------------------------------------------- scopes


@dataclass
class Binding:
    kind: str  # import | assign | param | with | for | func | class | other
    line: int
    scope: "Scope"
    qname: Optional[str] = None
    value: Optional[ast.AST] = None
    annotation: Optional[ast.AST] = None
    node: Optional[ast.AST] = None
    default: Optional[ast.AST] = None  # a parameter's default value


@dataclass
class ClassInfo:
    node: ast.ClassDef
    scope: "Scope"
    attrs: Dict[str, List[Binding]] = field(default_factory=dict)


@dataclass
class Scope:
    kind: str  # module | function | class
    parent: Optional["Scope"]
    bindings: Dict[str, List[Binding]] = field(default_factory=dict)
    cls: Optional[ClassInfo] = None  # for a method: its class; for a class body: itself
    self_name: Optional[str] = None  # for a method: the name of its first parameter
    log: Optional[List[Tuple[str, Binding]]] = None  # the binder's record of every binding, in order
    unbound: Optional[ast.AST] = None  # a function whose body is not bound yet (see _Binder.lazy)

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)
        if self.log is not None:
            self.log.append((name, binding))


class _Binder(ast.NodeVisitor):
    """Pass 1: record bindings per scope.

    Every statement is visited; an expression only when its lines hold something
    that binds inside an expression (a lambda, a comprehension, ``:=``): the rest of
    an expression binds nothing, and most of a module's nodes are expressions.
    """

    def __init__(self, constructs: Optional["_LineMarks"] = None, lazy: bool = False) -> None:
        self.constructs = constructs
        # lazy: a function's body is bound only when something needs it (bind_body):
        # the reporter entering it, a name looked up from inside it, its class's self.x
        self.lazy = lazy
        self.log: List[Tuple[str, Binding]] = []
        self.trigger_names: set = set()  # names bound by importing openai or a wrapper package
        self.module = Scope("module", None, log=self.log)
        self.scope = self.module
        self.scopes: Dict[int, Scope] = {}
        self.classes: Dict[int, ClassInfo] = {}
        self.openai_names: set = set()  # names bound to openai or a name imported from it

    def visit(self, node: ast.AST) -> None:
        if self.constructs is not None and isinstance(node, ast.expr) and not self.constructs.covers(node):
            return
        getattr(self, "visit_" + type(node).__name__, self.generic_visit)(node)

    def generic_visit(self, node: ast.AST) -> None:
        """``ast.NodeVisitor.generic_visit`` without the nodes that bind nothing (contexts,
        operators, constants): a visit of each costs as much as one of a statement."""
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and not isinstance(item, _LEAVES):
                        self.visit(item)
            elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
                self.visit(value)

    # scopes
    def _function(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]) -> None:
        outer = self.scope
        if not isinstance(node, ast.Lambda):
            outer.add(node.name, Binding("func", node.lineno, outer, node=node))
            for deco in node.decorator_list:
                self.visit(deco)
            if node.returns is not None:
                self.visit(node.returns)
        self._defaults(node.args)
        inner = Scope("function", outer, log=self.log)
        self.scopes[id(node)] = inner
        args = node.args
        positional = list(getattr(args, "posonlyargs", [])) + list(args.args)
        if outer.kind == "class" and positional and not isinstance(node, ast.Lambda):
            if not any(_is_name(d, "staticmethod") for d in node.decorator_list):
                inner.cls = outer.cls
                inner.self_name = positional[0].arg
        defaults: Dict[int, ast.AST] = {id(a): d for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults)}
        defaults.update({id(a): d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        for arg in positional + list(args.kwonlyargs) + [a for a in (args.vararg, args.kwarg) if a]:
            inner.add(arg.arg, Binding("param", node.lineno, inner, annotation=arg.annotation, node=arg,
                                       default=defaults.get(id(arg))))
        if self.lazy and not isinstance(node, ast.Lambda):
            inner.unbound = node
            return
        self.scope = inner
        body = node.body if isinstance(node.body, list) else [node.body]
        for stmt in body:
            self.visit(stmt)
        self.scope = outer

    def bind_body(self, scope: Scope) -> None:
        """Bind a lazily skipped function body (and nothing else)."""
        node = scope.unbound
        if node is None:
            return
        scope.unbound = None
        outer, self.scope = self.scope, scope
        try:
            for stmt in node.body:  # type: ignore[attr-defined]
                self.visit(stmt)
        finally:
            self.scope = outer

    def bind_methods(self, info: "ClassInfo") -> None:
        """Every method of a class, so its ``self.x`` attributes are all known."""
        for stmt in info.node.body:
            inner = self.scopes.get(id(stmt))
            if inner is not None and inner.kind == "function":
                self.bind_body(inner)

    def _defaults(self, args: ast.arguments) -> None:
        for expr in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self.visit(expr)

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function
    visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        outer = self.scope
        outer.add(node.name, Binding("class", node.lineno, outer, node=node))
        for expr in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(expr)
        inner = Scope("class", outer, log=self.log)
        info = ClassInfo(node, inner)
        inner.cls = info
        self.scopes[id(node)] = inner
        self.classes[id(node)] = info
        self.scope = inner
        for stmt in node.body:
            self.visit(stmt)
        self.scope = outer

    # bindings
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            bound = alias.asname or alias.name.split(".", 1)[0]
            if sym.is_openai(alias.name):
                self.openai_names.add(bound)
            if _triggers_names(alias.name):
                self.trigger_names.add(bound)
            if alias.asname:
                self.scope.add(alias.asname, Binding("import", node.lineno, self.scope, qname=alias.name))
            else:
                top = alias.name.split(".", 1)[0]
                self.scope.add(top, Binding("import", node.lineno, self.scope, qname=top))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = ("." * node.level) + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                continue
            name = alias.asname or alias.name
            if sym.is_openai(module):
                self.openai_names.add(name)
            if _triggers_names(module):
                self.trigger_names.add(name)
            self.scope.add(name, Binding("import", node.lineno, self.scope, qname=f"{module}.{alias.name}"))

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self._target(target, node.value, node.lineno)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        if isinstance(node.target, ast.Name):
            kind = "assign" if node.value is not None else "param"
            self.scope.add(
                node.target.id,
                Binding(kind, node.lineno, self.scope, value=node.value, annotation=node.annotation),
            )
        else:
            self._target(node.target, node.value, node.lineno, annotation=node.annotation)

    def visit_NamedExpr(self, node: ast.AST) -> None:
        self.visit(node.value)  # type: ignore[attr-defined]
        target = node.target  # type: ignore[attr-defined]
        scope = self.scope
        while scope.kind == "class" and scope.parent is not None:
            scope = scope.parent
        scope.add(target.id, Binding("assign", node.lineno, scope, value=node.value))  # type: ignore[attr-defined]

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self.visit(node.target)
        if isinstance(node.target, ast.Name):
            self.scope.add(node.target.id, Binding("other", node.lineno, self.scope))

    def _target(self, target: ast.AST, value: Optional[ast.AST], line: int, annotation: Optional[ast.AST] = None) -> None:
        if isinstance(target, ast.Name):
            self.scope.add(target.id, Binding("assign", line, self.scope, value=value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._target(elt.value if isinstance(elt, ast.Starred) else elt, None, line)
        elif isinstance(target, ast.Attribute):
            self.visit(target.value)
            self._self_attr(target, value, line, annotation)
        else:
            self.visit(target)

    def _self_attr(self, target: ast.Attribute, value: Optional[ast.AST], line: int, annotation: Optional[ast.AST]) -> None:
        scope = self.scope
        if scope.cls is not None and scope.self_name and _is_name(target.value, scope.self_name):
            binding = Binding("assign" if value is not None else "param", line, scope, value=value, annotation=annotation)
            scope.cls.attrs.setdefault(target.attr, []).append(binding)
            self.log.append((target.attr, binding))

    def visit_For(self, node: Union[ast.For, ast.AsyncFor]) -> None:
        self.visit(node.iter)
        self._loop_target(node.target, node.iter, node.lineno)
        for stmt in node.body + node.orelse:
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def _loop_target(self, target: ast.AST, iterable: ast.AST, line: int) -> None:
        if isinstance(target, ast.Name):
            self.scope.add(target.id, Binding("for", line, self.scope, value=iterable))
        else:
            self._target(target, None, line)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)
        self._loop_target(node.target, node.iter, getattr(node.iter, "lineno", 0))
        for cond in node.ifs:
            self.visit(cond)

    def visit_With(self, node: Union[ast.With, ast.AsyncWith]) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if isinstance(item.optional_vars, ast.Name):
                self.scope.add(
                    item.optional_vars.id, Binding("with", node.lineno, self.scope, value=item.context_expr)
                )
            elif item.optional_vars is not None:
                self._target(item.optional_vars, None, node.lineno)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.scope.add(node.name, Binding("other", node.lineno, self.scope))
        missing = {dotted_name(t) for t in (node.type.elts if isinstance(node.type, ast.Tuple) else [node.type])} & {
            "ImportError", "ModuleNotFoundError"} if node.type is not None else set()
        for stmt in node.body:
            if missing and _none_fallback(stmt, self.scope):
                continue  # try: import openai / except ImportError: openai = None: where used, it is the module
            self.visit(stmt)

    def visit_Global(self, node: ast.Global) -> None:
        return None

    visit_Nonlocal = visit_Global


def _none_fallback(stmt: ast.AST, scope: "Scope") -> bool:
    """``openai = None``: a name an import bound, set to None where the import failed."""
    return (isinstance(stmt, ast.Assign) and _is_none(stmt.value) and all(
        isinstance(t, ast.Name) and any(b.kind == "import" for b in scope.bindings.get(t.id, [])) for t in stmt.targets))


#: packages whose imported names can carry an OpenAI finding
_TRIGGER_PACKAGES = ("openai",) + sym.FRAMEWORK_PACKAGES + sym.ROUTER_PACKAGES


def _triggers_names(module: str) -> bool:
    return module.split(".", 1)[0] in _TRIGGER_PACKAGES


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


# ---------------------------------------------------------------- positions


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
            flags[first:last + 1] = b"\x01" * (last + 1 - first)

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
_RESOURCE_WORDS = [re.compile(r"\.\s*(?:" + "|".join(sorted(sym.RESOURCE_ROOTS | sym.CLIENT_RETURNING)) + r")\b"),
                   re.compile("OPENAI_"),
                   re.compile(r"[\"']openai[.\"']|api\.openai\.com"),  # test doubles: patch targets, HTTP routes
                   re.compile(autogen.KEY)]  # AutoGen 0.2 config lists (analyzer/autogen.py)


def _relevant_lines(reporter: "_Reporter", text: str, starts: List[int],
                    reach: Optional[_LineMarks] = None, initial: Optional[_LineMarks] = None,
                    premarked: Collection[str] = ()) -> _LineMarks:
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
    names: set = set()
    reaching: set = set()  # names whose marks go to ``reach``
    sources: List[Tuple[str, Binding, List[Tuple[int, int]]]] = []
    legacy_classes: set = set()
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
                    target.flags[first:last + 1] = b"\x01" * (last + 1 - first)
        # bodies not bound yet whose lines now hold a mark: bind them, and look again
        waiting = [scope for scope in binder.scopes.values() if scope.unbound is not None and marks.covers(scope.unbound)]
        for scope in waiting:
            binder.bind_body(scope)
        if not waiting and seen == len(binder.log) and not binder.trigger_names - names:
            return marks


_IMPORT_OF_ROOT = re.compile(r"[ \t]*(?:from|import)[ \t]")


def _initial_marks(marks: _LineMarks, text: str, imports: Optional[List[Tuple[int, int]]] = None) -> None:
    """Client resource attributes, ``OPENAI_``, and lines importing openai or a wrapper
    (a function importing openai is bound and walked, whatever it names; ``imports``:
    ``_import_lines(text)``, if the caller has it)."""
    for pattern in _RESOURCE_WORDS:
        marks.mark(pattern, text)
    for start, _ in _import_lines(text) if imports is None else imports:
        marks.flags[bisect.bisect_right(marks.starts, start)] = 1


# every package name in _TRIGGER_PACKAGES holds one of these ("langchain_openai" holds "langchain")
_TRIGGER_LITERALS = tuple(p for p in _TRIGGER_PACKAGES if not any(q != p and q in p for q in _TRIGGER_PACKAGES))


def _import_lines(text: str) -> List[Tuple[int, int]]:
    """(start, end) of the lines that may import openai or a wrapper package (found by
    literal, checked by line start)."""
    return [(start, end) for start, end in sorted(set(lines_holding(text, _TRIGGER_LITERALS, ("\n", "\r"))))
            if _IMPORT_OF_ROOT.match(text, start)]


def _function_local(name: str, binding: Binding) -> bool:
    """Is this a binding of a function's own variable (not a self attribute, not a
    module or class name)?  Only that function's code can see it."""
    scope = binding.scope
    return scope.kind == "function" and any(b is binding for b in scope.bindings.get(name, ()))


def _lines_of(node: ast.AST) -> Tuple[int, int]:
    return node.lineno, getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]


def _key_kind(call: ast.Call) -> str:
    """How a construction gets its key: ``literal`` (never from OPENAI_API_KEY), ``expr``, or
    ``none`` (the SDK reads OPENAI_API_KEY itself)."""
    for kw in call.keywords:
        if kw.arg == "api_key":
            return "literal" if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str) else "expr"
    return "expr" if any(kw.arg is None for kw in call.keywords) else "none"


def _parameters(fnode: ast.AST, call: ast.Call) -> Dict[object, ast.arg]:
    """A local function's parameters by the position or name a call passes them (a local class's:
    its ``__init__``'s after ``self``)."""
    skip = 0
    if isinstance(fnode, ast.ClassDef):
        fnode = next((f for f in fnode.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name == "__init__"),
                     None)  # type: ignore[assignment]
        skip = 1
    if not isinstance(fnode, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {}
    args = fnode.args
    positional = (list(getattr(args, "posonlyargs", [])) + list(args.args))[skip:]
    out: Dict[object, ast.arg] = {i: a for i, a in enumerate(positional)}
    out.update({a.arg: a for a in list(args.args) + list(args.kwonlyargs)})
    return out


# fields of a response that hold plain values: reading one out and passing it on is safe anywhere
_PLAIN_FIELDS = frozenset({"content", "text", "embedding", "arguments", "name", "role", "finish_reason", "id",
                           "model", "prompt_tokens", "completion_tokens", "total_tokens", "index", "url",
                           "b64_json", "created", "object", "refusal", "revised_prompt", "system_fingerprint"})


def _primitive(value: "Result") -> bool:
    return bool(value.prefix) and value.prefix[-1] in _PLAIN_FIELDS


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


# ---------------------------------------------------------------- resolution


class _Analyzer:
    """Pass 2: resolve every expression and report what is OpenAI."""

    def __init__(self, tree: ast.Module, binder: _Binder, lines: _Lines, path: str, cell: Optional[int]):
        self.tree = tree
        self._functions: Optional[Dict[int, ast.AST]] = None
        self._spreads: Dict[int, Optional[Dict[str, object]]] = {}  # id(call) -> spread_dict
        self.externals: Dict[str, Dict[str, object]] = {}  # qualified name -> what it holds (project.py)
        self.binder = binder
        self.lines = lines
        self.path = path
        self.cell = cell
        self.out = FileAnalysis(path)
        self.memo: Dict[int, Value] = {}
        self.binding_memo: Dict[int, Value] = {}
        self.factory_memo: Dict[int, Value] = {}
        self.busy: set = set()
        self.imports_openai = False
        self.seen_calls: set = set()
        self.seen_symbols: set = set()
        self.guards: Dict[Span, Span] = {}  # an except clause's exception type -> the try body it guards
        self.handed: Dict[Span, str] = {}  # a constructed client's span -> the imported callable it is passed to
        self.stored: Dict[Span, List[object]] = {}  # a constructed client's span -> [the container it is put in, line]
        self.returned_by: Dict[Span, List[int]] = {}  # a constructed client's span -> the function returning it
        self.method_values: Dict[Span, List[object]] = {}  # a constructed client's span -> [an API method of it passed as a value, line]
        self.escapes: Dict[Span, str] = {}  # an API call's span -> where its response leaves the function
        self.feeds: Dict[Span, List[List[int]]] = {}  # a constructed client's span -> local parameters it is passed to
        self.wrapped: Dict[Span, str] = {}  # a constructed client's span -> the wrapper built around it (instructor)
        self.taken: Optional[Dict[Span, List[List[str]]]] = None  # see _taken_param
        self.defaults: Optional[Dict[int, List[object]]] = None  # see _default_param
        self.takes: Dict[Span, List[List[str]]] = {}
        self.mixed: Dict[Span, List[object]] = {}  # a constructed client's span -> [a name also bound to another value, line read]  # a constructed client's span -> [module, key] of project parameters it is passed to
        self.mentions_asked: set = set()  # names whose every mention was read (see _consulted)
        self.caller_values: Dict[Tuple[int, str], Optional[List[ast.Constant]]] = {}  # see callers_choice
        self.model_env: Dict[int, str] = {}  # id(a model default) -> the environment variable read over it
        self.parsed_annotations: List[ast.AST] = []  # kept alive: see _annotation_parts
        # every name looked up and every self/class attribute asked for (a masked analysis
        # checks that none of them is bound in a region it did not parse)
        self.looked_up: set = set()
        self.attrs_asked: set = set()

    # ---- lookup
    def lookup(self, name: str, scope: Scope, line: int) -> Tuple[Optional[Binding], bool]:
        """Return (binding, ambiguous) for ``name`` as seen from ``scope`` at ``line``."""
        self.looked_up.add(name)
        current: Optional[Scope] = scope
        first = True
        while current is not None:
            if current.kind == "class" and not first:
                current = current.parent
                continue
            if current.unbound is not None:
                self.binder.bind_body(current)
            found = current.bindings.get(name)
            if found:
                return self._pick(found, line if first else None)
            first = False
            current = current.parent
        return None, False

    @staticmethod
    def _pick(bindings: List[Binding], line: Optional[int]) -> Tuple[Binding, bool]:
        ambiguous = len(bindings) > 1
        if line is not None:
            before = [b for b in bindings if b.line <= line]
            if before:
                return before[-1], ambiguous
        return bindings[-1], ambiguous

    def resolve(self, node: Optional[ast.AST], scope: Scope) -> Value:
        if node is None:
            return None
        key = id(node)
        if key in self.memo:
            return self.memo[key]
        if key in self.busy:
            return None
        self.busy.add(key)
        try:
            value = self._resolve(node, scope)
        finally:
            self.busy.discard(key)
        self.memo[key] = value
        return value

    def _resolve(self, node: ast.AST, scope: Scope) -> Value:
        if isinstance(node, ast.Name):
            binding, ambiguous = self.lookup(node.id, scope, node.lineno)
            if binding is None and self.cell is not None and node.id in self.externals:
                return self._earlier_cell(node.id)
            if binding is None:
                return None
            value = self.resolve_binding(binding)
            if ambiguous and not isinstance(value, (Client, Res, Result)) and self._mixed(node.id, binding, node.lineno):
                return None  # a client in one branch, something else in another: unresolved, reported
            return value
        if isinstance(node, ast.Attribute):
            return self._resolve_attribute(node, scope)
        if isinstance(node, ast.Call):
            key = _dict_get(node)
            if key is not None:
                base = self.resolve(node.func.value, scope)  # type: ignore[attr-defined]
                return base.derive(key) if isinstance(base, Result) else None
            return self._resolve_call(node, scope)
        if isinstance(node, ast.Await):
            return self.resolve(node.value, scope)
        if isinstance(node, ast.Subscript):
            base = self.resolve(node.value, scope)
            if not isinstance(base, Result):
                return None
            index = node.slice
            key = index.value if isinstance(index, ast.Constant) and isinstance(index.value, (str, int)) else None
            return base.derive(key)
        if isinstance(node, (ast.Constant, ast.JoinedStr, ast.List, ast.Dict, ast.Tuple, ast.Set)):
            return NOT_OPENAI
        return None

    def _mixed(self, name: str, picked: Binding, line: int) -> bool:
        """Whether ``name``, read at ``line`` where its latest binding holds no client, may hold a
        client another binding before it made (``if a: c = OpenAI(...)`` / ``elif b: c =
        state.client``): those clients are recorded as going where this module cannot follow."""
        bindings = [b for b in picked.scope.bindings.get(name, []) if b is not picked and b.line <= line]
        found = False
        for binding in bindings:
            value = self.resolve_binding(binding)
            if isinstance(value, Client):
                found = True
                if value.origin in ("constructed", "subclass"):
                    self.mixed.setdefault(value.span, [name, line])
        return found

    def resolve_binding(self, binding: Binding) -> Value:
        key = id(binding)
        if key in self.binding_memo:
            return self.binding_memo[key]
        self.binding_memo[key] = None  # a binding that refers to itself resolves to nothing
        value = self._resolve_binding(binding)
        self.binding_memo[key] = value
        return value

    def _resolve_binding(self, binding: Binding) -> Value:
        if binding.kind == "import":
            qname = sym.canonical(binding.qname or "")
            export = self._external(qname) if self.externals else None
            if export and export.get("kind") == "var":
                return self._remote(export["client"], export["path"])  # type: ignore[arg-type]
            return Q(qname)
        if binding.kind == "func":
            return Func(binding.node)  # type: ignore[arg-type]
        if binding.kind == "class":
            return self._class_value(binding.node)  # type: ignore[arg-type]
        if binding.kind in ("assign", "with") and binding.value is not None:
            return self.resolve(binding.value, binding.scope)
        if binding.kind == "for" and binding.value is not None:
            value = self.resolve(binding.value, binding.scope)
            if isinstance(value, Result) and value.stream and not value.chunk and not value.prefix:
                return Result(value.call, value.api, True, chunk=True)
            if isinstance(value, Result) and value.prefix:  # for choice in resp.choices
                return value.derive(0)
            return None
        if binding.kind in ("param", "assign") and binding.annotation is not None:
            return self._annotated_client(binding)
        return None

    def _class_value(self, node: ast.ClassDef) -> Value:
        # a subclass of an OpenAI client is a client class
        scope = self.binder.scopes[id(node)].parent or self.binder.module
        for base in node.bases:
            value = self.resolve(base, scope)
            if isinstance(value, Q) and value.qname in sym.CLIENT_CLASSES:
                return Q(value.qname + "@subclass")
        return NOT_OPENAI

    def _annotated_client(self, binding: Binding) -> Value:
        node = binding.node if binding.node is not None else binding.annotation
        client = self._client_named_by(binding.annotation, binding.scope, node)
        if client is not None:
            return client
        others = 0
        parts = list(_annotation_parts(binding.annotation, self.parsed_annotations))
        for expr in parts:
            value = self.resolve(expr, binding.scope)
            if value is NOT_OPENAI or (isinstance(value, Q) and _foreign_type(value.qname)):
                others += 1
        # annotated with another SDK's client (zhipuai.ZhipuAI, a local class): not OpenAI
        return NOT_OPENAI if parts and others == len(parts) else None

    def _client_named_by(self, annotation: Optional[ast.AST], scope: Scope, where: ast.AST) -> Optional[Client]:
        """The client an annotation (or a cast's type) names, e.g. ``Optional["OpenAI"]``, placed at ``where``."""
        for expr in _annotation_parts(annotation, self.parsed_annotations):
            value = self.resolve(expr, scope)
            if isinstance(value, Q) and value.qname in sym.CLIENT_CLASSES:
                is_async, azure = sym.CLIENT_CLASSES[value.qname]
                return Client(value.qname, self.lines.span(where), is_async, azure, "unknown", "annotated")
        return None

    def _resolve_attribute(self, node: ast.Attribute, scope: Scope) -> Value:
        base_node = node.value
        if isinstance(base_node, ast.Name) and scope.self_name == base_node.id and scope.cls is not None:
            return self._self_attribute(scope.cls, node.attr)
        base = self.resolve(base_node, scope)
        if isinstance(base, Q):
            if base.qname.endswith("@subclass"):
                return NOT_OPENAI
            return Q(f"{base.qname}.{node.attr}")
        if isinstance(base, Client):
            return Res(base, (node.attr,))
        if isinstance(base, Res):
            return Res(base.client, base.path + (node.attr,))
        if isinstance(base, Result):
            return base.derive(node.attr)
        if isinstance(base, Func) and isinstance(base.node, ast.ClassDef):
            return NOT_OPENAI
        if base is NOT_OPENAI:
            return NOT_OPENAI
        return None

    def _self_attribute(self, cls: ClassInfo, attr: str) -> Value:
        self.attrs_asked.add(attr)
        self.binder.bind_methods(cls)
        bindings = cls.attrs.get(attr) or cls.scope.bindings.get(attr)
        if not bindings:
            return self._inherited(cls, attr) if self.externals else None
        values = {self._member_value(b) for b in bindings}
        values.discard(None)
        clients = [v for v in values if isinstance(v, Client)]
        if clients:
            return sorted(clients, key=lambda c: c.span)[0]
        return values.pop() if len(values) == 1 else None

    # ---- the project's other modules (see analyzer/project.py)
    def client_key(self, call: ast.Call) -> str:
        """A name for a client construction that survives edits elsewhere in the file (added
        imports shift lines): a hash of the top-level definition it is in and its own code (a
        hash: a construction may hold a hard-coded key, and this name is cached and compared)."""
        body = getattr(self.tree, "body", [])
        starts = [stmt.lineno for stmt in body]
        index = bisect.bisect_right(starts, call.lineno) - 1
        top = body[index] if index >= 0 else None
        name = getattr(top, "name", None)
        if name is None and isinstance(top, (ast.Assign, ast.AnnAssign)):
            targets = top.targets if isinstance(top, ast.Assign) else [top.target]
            name = ",".join(t.id for t in targets if isinstance(t, ast.Name))
        try:
            code = ast.unparse(call)
        except (AttributeError, RecursionError, ValueError):
            code = ast.dump(call, include_attributes=False)
        return hashlib.sha256(f"{name}\0{code}".encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def _external(self, qname: str) -> Optional[Dict[str, object]]:
        absolute = absolute_qname(qname, self.path)
        return self.externals.get(absolute) if absolute is not None else None

    def _remote(self, meta: Dict[str, object], where: object) -> Client:
        return Client(str(meta["cls"]), Span(*meta["span"]), bool(meta["is_async"]), bool(meta["azure"]),  # type: ignore[misc]
                      str(meta["endpoint"]), "remote", f"{where}#{meta['key']}")

    def _earlier_cell(self, name: str) -> Value:
        """A notebook cell's name bound by an earlier cell (the cells run as one program)."""
        export = self.externals[name]
        if export.get("kind") == "var":
            return self._remote(export["client"], export["path"])  # type: ignore[arg-type]
        return Q(name)  # a class or factory: _inherited / _call_qname read it by this name

    def _inherited(self, cls: ClassInfo, attr: str) -> Value:
        """``self.<attr>`` of a class whose base, in another module of the project, holds a client there."""
        outer = cls.scope.parent or self.binder.module
        for base in cls.node.bases:
            value = self.resolve(base, outer)
            export = self._external(value.qname) if isinstance(value, Q) else None
            attrs = export.get("attrs") if export and export.get("kind") == "class" else None
            if isinstance(attrs, dict) and attr in attrs:
                return self._remote(attrs[attr], export["path"])  # type: ignore[index]
        return None

    def _member_value(self, binding: Binding) -> Value:
        """What ``self.<name>`` is: a property reads as what its getter returns."""
        node = binding.node
        if binding.kind == "func" and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_property(node):
            return self._factory_return(node)
        return self.resolve_binding(binding)

    def _resolve_call(self, node: ast.Call, scope: Scope) -> Value:
        func = self.resolve(node.func, scope)
        span = self.lines.span(node)
        if isinstance(func, Q):
            return self._call_qname(func.qname, node, scope, span)
        if isinstance(func, Res):
            if func.path and func.path[-1] in sym.CLIENT_RETURNING and len(func.path) == 1 and func.client:
                return func.client
            parts = [p for p in func.path if p not in sym.TRANSPARENT]
            if len(parts) < 2 or parts[0] not in sym.RESOURCE_ROOTS:
                return None  # client.post(...), client.close(), client._custom_query.setdefault(...): no API operation
            return Result(span, sym.normalize_api(func.path), _kwarg_true(node, "stream"))
        if isinstance(func, Func):
            if isinstance(func.node, ast.ClassDef):
                return NOT_OPENAI
            return self._factory_return(func.node)
        if func is NOT_OPENAI:
            return NOT_OPENAI
        return None

    def _call_qname(self, qname: str, node: ast.Call, scope: Scope, span: Span) -> Value:
        if qname.endswith("@subclass"):
            base = qname[: -len("@subclass")]
            is_async, azure = sym.CLIENT_CLASSES[base]
            return Client(base, span, is_async, azure, self._endpoint(node, scope, azure), "subclass")
        if qname in sym.CLIENT_CLASSES:
            is_async, azure = sym.CLIENT_CLASSES[qname]
            return Client(qname, span, is_async, azure, self._endpoint(node, scope, azure), "constructed")
        legacy = sym.legacy_operation(qname)
        if legacy is not None:
            return Result(span, legacy[0], _kwarg_true(node, "stream"))
        if (qname.rsplit(".", 1)[-1] in ("import_module", "import_optional_dependency") and node.args
                and _is_str(node.args[0]) and node.args[0].value == "openai"):  # type: ignore[attr-defined]
            return Q("openai")  # openai = importlib.import_module("openai"): the module itself
        if qname in ("typing.cast", "typing_extensions.cast") and len(node.args) == 2:
            return self._client_named_by(node.args[0], scope, node)  # cast(OpenAI, x) says what x is
        if sym.is_openai(qname):
            parts = tuple(qname.split(".")[1:])
            if parts and parts[0] in sym.RESOURCE_ROOTS and len(parts) >= 2:
                return Result(span, sym.normalize_api(parts), _kwarg_true(node, "stream"))
            return None
        if qname in sym.CLIENT_WRAPPERS:
            given = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "client"), None)
            client = self.resolve(given, scope) if given is not None else None
            if isinstance(client, Client):
                self.wrapped.setdefault(client.span, qname)
                return client  # instructor.from_openai(OpenAI()): its calls are the client's
        export = self._external(qname) if self.externals else None
        if export and export.get("kind") == "function":
            return self._remote(export["client"], export["path"])  # type: ignore[arg-type]
        # another package's class builds its own objects (zhipuai.ZhipuAI(), groq.Groq()); what a
        # function imported from elsewhere returns is unknown: the project's own get_client()
        # may well return an OpenAI client, whose calls are then reported with low confidence
        return NOT_OPENAI if _is_class_name(qname) else None

    def _factory_return(self, fnode: ast.AST) -> Value:
        key = id(fnode)
        if key not in self.factory_memo:
            self.factory_memo[key] = None
            self.factory_memo[key] = self._factory_value(fnode)
        return self.factory_memo[key]

    def _factory_value(self, fnode: ast.AST) -> Value:
        fscope = self.binder.scopes.get(id(fnode))
        if fscope is None:
            return None
        foreign = 0
        returns = list(_returns(fnode))
        for ret in returns:
            value = self.resolve(ret.value, fscope)
            if isinstance(value, Client):
                return value
            if value is NOT_OPENAI:
                foreign += 1
        # `def client(self) -> OpenAI: return self._client or make()`: the annotation says it
        client = self._client_named_by(getattr(fnode, "returns", None), fscope.parent or self.binder.module, fnode)
        if client is not None:
            return client
        # a factory that only ever returns another SDK's client (or a literal) is not OpenAI
        return NOT_OPENAI if returns and foreign == len(returns) else None

    def _function_of_scope(self, scope: Scope) -> Optional[ast.AST]:
        """The function whose scope ``scope`` is: found through a parameter (``_function_of``'s
        cached map), else by a walk (a function without parameters)."""
        function = self._function_of(next((b.node for bs in scope.bindings.values() for b in bs if b.kind == "param"), None))
        if function is not None and self.binder.scopes.get(id(function)) is scope:
            return function
        return next((n for n in ast.walk(self.tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and self.binder.scopes.get(id(n)) is scope), None)

    def _function_of(self, arg: Optional[ast.AST]) -> Optional[ast.AST]:
        if self._functions is None:
            self._functions = {id(a): f for f in ast.walk(self.tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                               for a in ast.walk(f.args) if isinstance(a, ast.arg)}
        return self._functions.get(id(arg))

    def _only_model_uses(self, root: ast.AST, name: str, attr: bool = False) -> bool:
        return self._only_uses(root, name, attr, "model")

    def _only_uses(self, root: ast.AST, name: str, attr: bool, keyword: str, depth: int = 0) -> bool:
        """Every read of ``name`` (``self.name`` when ``attr``) under ``root`` is a ``<keyword>=`` argument."""
        if not isinstance(root, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # a module or class: a masked analysis must see every region of it that mentions the
            # name (a function's body is one region, the one holding the call)
            self.mentions_asked.add(name)
        # (a LangChain / LlamaIndex class names its model in model_name= too)
        names = (keyword, "model_name") if keyword == "model" else (keyword,)
        models = [k.value for k in ast.walk(root) if isinstance(k, ast.keyword) and k.arg in names]
        if keyword == "model":  # an openai<1 call names its model in engine= / deployment_id= too
            models += [k.value for c in ast.walk(root) if isinstance(c, ast.Call) and _legacy_call_name(c.func)
                       for k in c.keywords if k.arg in ("engine", "deployment_id")]
        # model=Models.GPT4.value reads the member Models.GPT4 to take its value
        as_model = {id(v) for v in models} | {id(v.value) for v in models if isinstance(v, ast.Attribute) and v.attr == "value"}
        as_model |= {id(_default_of(v)) for v in models}  # model=model or DEFAULT_MODEL
        tails: Optional[Dict[int, ast.AST]] = None
        for node in ast.walk(root):
            hit = (isinstance(node, ast.Attribute) and node.attr == name) if attr else (isinstance(node, ast.Name) and node.id == name)
            if hit and isinstance(node.ctx, ast.Load) and id(node) not in as_model:  # type: ignore[attr-defined]
                if tails is None:
                    tails = _default_tails(root)
                target = tails.get(id(node))
                # the default of a value that is itself only ever a model: m = model or DEFAULT_MODEL
                if target is None or depth > 2 or not self._only_uses(
                        root, target.attr if isinstance(target, ast.Attribute) else target.id,  # type: ignore[attr-defined]
                        isinstance(target, ast.Attribute), keyword, depth + 1):
                    return False
        return True

    def _endpoint(self, node: ast.Call, scope: Scope, azure: bool) -> str:
        if azure:
            return "azure"
        for arg, value in self.keywords(node, scope):
            if arg is None:
                return "dynamic"
            if arg == "base_url":
                text = self.constant_str(value, scope)
                if text is None:
                    if _is_none(value):
                        return "none"
                    if self.defaults_to_openai(value, scope):
                        return "fallback"
                    chain = self.endpoint_chain(value, scope) or self._param_chain(value, scope)
                    return chain[0] if chain is not None else "dynamic"
                return "openai" if "api.openai.com" in text else "other"
        return "none"

    def endpoint_chain(self, expr: ast.AST, scope: Scope) -> Optional[Tuple[str, Optional[ast.AST], str]]:
        """A ``base_url=`` value that falls back to a default: ``x or os.getenv("OPENAI_BASE_URL")
        or "https://api.openai.com/v1"`` (inline, in a local set once, or in ``self.<attr>`` set
        once), or a lone ``os.getenv("OPENAI_BASE_URL"[, default])``.  ("fallback", the expression,
        OpenAI's URL) when the default is OpenAI's and everything before it is the caller's choice
        (a parameter defaulting to None, a setting); ("other", None, the URL) when the default is
        another server's URL; None when a value decides in another way."""
        node, root, name, attr = expr, None, None, False
        if isinstance(expr, ast.Name) and scope.kind == "function":
            bindings = scope.bindings.get(expr.id, [])
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
                node, root, name = bindings[0].value, self._function_of_scope(scope), expr.id
        elif isinstance(expr, ast.Attribute) and scope.cls is not None and scope.self_name and _is_name(expr.value, scope.self_name):
            cls = scope.cls
            self.attrs_asked.add(expr.attr)
            self.binder.bind_methods(cls)
            bindings = cls.attrs.get(expr.attr, []) + cls.scope.bindings.get(expr.attr, [])
            if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
                return None
            node, root, name, attr, scope = bindings[0].value, cls.node, expr.attr, True, bindings[0].scope
        parts = node.values if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) else [node]
        defaults: List[Tuple[Optional[str], Optional[str]]] = []  # (env variable, URL literal)
        for part in parts:
            if _is_str(part):
                defaults.append((None, part.value))  # type: ignore[attr-defined]
            elif _is_env_read(part) or _is_env_read_plus(part):
                var, default = _env_var_default(part)
                if var is None:
                    return None
                defaults.append((var, default))
            elif self._sdk_base_url(part, scope):
                defaults.append(("OPENAI_BASE_URL", None))  # the SDK's own default: OPENAI_BASE_URL, else OpenAI's
            elif defaults or not self._callers_choice(part, scope):
                return None  # a value after the default, or one this analysis cannot vouch for
        if not defaults:
            return None
        url = defaults[-1][1]
        if url is not None and "://" in url and _classify_url(url) == "other":
            return ("other", None, url)
        if any(u is not None for _, u in defaults[:-1]) or (url is not None and _classify_url(url) != "openai"):
            return None  # a literal in the middle, or an Azure default
        if not all(var is None or _openai_base_var(var) for var, _ in defaults):
            return None  # another service's variable: its server, not OpenAI's, unless it is unset
        if url is None and not any(var for var, _ in defaults):
            return None
        if root is not None and name is not None and not self._only_uses(root, name, attr, "base_url"):
            return None  # the value is read for something else too: rewrite it where it is used
        return ("fallback", node, url or "https://api.openai.com/v1")

    def _param_chain(self, node: ast.AST, scope: Scope) -> Optional[Tuple[str, Optional[ast.AST], str]]:
        """``endpoint_chain`` of the default of a parameter ``node`` is (``api_base: str =
        os.environ.get("X_BASE_URL", "https://...")``, ``base_url="https://other.example/v1"``),
        when it names another server's URL: the caller's choice, another server by default."""
        default = self._param_default(node, scope)
        if default is None or _is_none(default):
            return None
        chain = ("other", None, default.value) if _is_str(default) else self.endpoint_chain(default, scope)  # type: ignore[attr-defined]
        return chain if chain is not None and chain[0] == "other" and "://" in chain[2] and _classify_url(chain[2]) == "other" else None

    def _sdk_base_url(self, node: ast.AST, scope: Scope) -> bool:
        """``openai.base_url`` spelled so, the openai module's own (None unless set: the SDK's default)."""
        if dotted_name(node) != "openai.base_url":
            return False
        value = self.resolve(node, scope)
        return isinstance(value, Q) and value.qname == "openai.base_url"

    def _callers_choice(self, node: ast.AST, scope: Scope) -> bool:
        """A value the caller or its configuration gives, None unless given: a parameter without
        a default or defaulting to None, or an attribute of a settings object."""
        if isinstance(node, ast.Name):
            bindings = scope.bindings.get(node.id, [])
            return (scope.kind == "function" and len(bindings) == 1 and bindings[0].kind == "param"
                    and (bindings[0].default is None or _is_none(bindings[0].default)))
        return isinstance(node, ast.Attribute) and dotted_name(node) is not None

    def base_url_chain(self, call: ast.Call, scope: Scope) -> Optional[Tuple[str, Optional[ast.AST], str]]:
        """endpoint_chain of a construction's ``base_url=``, if it has one."""
        for arg, value in self.keywords(call, scope):
            if arg == "base_url" and self.defaults_to_openai(value, scope):  # type: ignore[arg-type]
                default = self._param_default(value, scope)  # type: ignore[arg-type]
                # `api_base: str = "https://api.openai.com/v1"`: never falsy, so `api_base or <provider>`
                # would keep OpenAI's endpoint (with the provider's key): the default is retargeted
                return ("fallback", default, default.value) if _is_str(default) else None  # type: ignore[union-attr]
            if arg == "base_url" and self.constant_str(value, scope) is None:  # type: ignore[arg-type]
                return self.endpoint_chain(value, scope) or self._param_chain(value, scope)  # type: ignore[arg-type]
        return None

    def defaults_to_openai(self, node: ast.AST, scope: Scope) -> bool:
        """``node`` is a parameter of the enclosing function, never rebound there (or ``self.<attr>``
        set once from one), whose default is None or an api.openai.com URL: the endpoint is the
        caller's choice, OpenAI by default."""
        default = self._param_default(node, scope)
        if default is None:
            return False
        if _is_none(default):
            return True
        return isinstance(default, ast.Constant) and isinstance(default.value, str) and "api.openai.com" in default.value

    def _param_default(self, node: ast.AST, scope: Scope) -> Optional[ast.AST]:
        """The default of the parameter ``node`` is (or ``self.<attr>`` is set once from, or the class
        field ``self.<attr>`` is when no method sets it), when the function never rebinds it; None
        otherwise."""
        cls = scope.cls
        if isinstance(node, ast.Attribute) and cls is not None and scope.self_name and _is_name(node.value, scope.self_name):
            # self.base_url, set once from a parameter of the same kind
            self.attrs_asked.add(node.attr)
            self.binder.bind_methods(cls)
            bindings = cls.attrs.get(node.attr, []) + cls.scope.bindings.get(node.attr, [])
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].scope is cls.scope and bindings[0].value is not None:
                # a class attribute no method sets: a dataclass / pydantic / attrs field's default
                return _field_value(bindings[0].value)
            if len(bindings) != 1 or bindings[0].kind != "assign" or not isinstance(bindings[0].value, ast.Name):
                return None
            node, scope = bindings[0].value, bindings[0].scope
        if not isinstance(node, ast.Name):
            return None
        bindings = scope.bindings.get(node.id, [])
        if scope.kind != "function" or len(bindings) != 1 or bindings[0].kind != "param" or bindings[0].default is None:
            return None
        return bindings[0].default

    def fallback_kwargs(self, call: ast.Call, scope: Scope) -> List[str]:
        """Keywords of a construction given a parameter that defaults to OpenAI's choice (None; a
        default naming OpenAI's URL is retargeted where it is written: see base_url_chain)."""
        return [arg for arg, value in self.keywords(call, scope)
                if arg in ("api_key", "base_url") and self.defaults_to_openai(value, scope)  # type: ignore[misc]
                and _is_none(self._param_default(value, scope))]  # type: ignore[arg-type]

    def keywords(self, call: ast.Call, scope: Scope) -> List[Tuple[Optional[str], ast.AST]]:
        """A call's keywords, a ``**params`` dict whose keys are all known (see spread_dict) read
        as the keywords it holds; (None, value) for a ``**`` mapping whose keys are not known."""
        spread = self.spread_dict(call, scope)
        out: List[Tuple[Optional[str], ast.AST]] = []
        for kw in call.keywords:
            if kw.arg is None and spread is not None:
                if {"api_key", "base_url"} & set(spread["set"]):  # type: ignore[call-overload]
                    out.append((None, kw.value))  # the endpoint or key a statement may or may not set
                out += [(k, v) for k, v in spread["keys"].items()]  # type: ignore[union-attr]
            else:
                out.append((kw.arg, kw.value))
        return out

    def spread_dict(self, call: ast.Call, scope: Scope) -> Optional[Dict[str, object]]:
        """``f(**params)`` with ``params = {"k": v, ...}`` (string keys, no ``**other``) bound once
        in the function of the call, its keys added only by ``params["k"] = v`` or
        ``params.update(k=v)`` there, and read nowhere but in this one ``**``: {"literal": the
        dict, "keys": key -> value node, "set": keys a statement sets (maybe conditionally)}.
        None when its keys cannot all be known (a loop, a computed key, passed elsewhere)."""
        if id(call) not in self._spreads:
            self._spreads[id(call)] = self._spread_dict(call, scope)
        return self._spreads[id(call)]

    def _spread_dict(self, call: ast.Call, scope: Scope) -> Optional[Dict[str, object]]:
        spread = [k.value for k in call.keywords if k.arg is None]
        if len(spread) != 1 or not isinstance(spread[0], ast.Name) or scope.kind != "function":
            return None
        return self._built_dict(spread[0], scope, 0)

    def _built_dict(self, use: ast.Name, scope: Scope, depth: int) -> Optional[Dict[str, object]]:
        """The dict a local ``use`` reads, when its keys are all known: see spread_dict.  Bound
        to a literal, to ``{k: v for k, v in base.items() if v is not None}`` over such a dict
        (its entries are edited in ``base``), or to ``self._helper()``, a method of the class
        called nowhere else, returning such a dict."""
        name = use.id
        bindings = scope.bindings.get(name, [])
        function = self._function_of_scope(scope)
        if (depth > 2 or len(bindings) != 1 or bindings[0].kind != "assign" or function is None
                or any(isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names for n in ast.walk(function))):
            return None
        value = bindings[0].value
        allowed = {id(use)}
        added: Dict[str, ast.AST] = {}
        assigned = {id(n.targets[0]): n.value for n in ast.walk(function) if isinstance(n, ast.Assign) and len(n.targets) == 1}
        for node in ast.walk(function):
            if isinstance(node, ast.Subscript) and _is_name(node.value, name):
                if id(node) not in assigned or not _is_str(node.slice):
                    return None  # read back, deleted, augmented, or a computed key
                added[node.slice.value] = assigned[id(node)]  # type: ignore[attr-defined]
                allowed.add(id(node.value))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
                  and _is_name(node.func.value, name)):
                if node.args or any(k.arg is None for k in node.keywords):
                    return None  # update(other): keys unknown here
                added.update((k.arg, k.value) for k in node.keywords if k.arg)
                allowed.add(id(node.func.value))
        loads = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
        if any(id(n) not in allowed for n in loads):
            return None  # the dict goes somewhere else too: its keys may be read or changed there
        if isinstance(value, ast.Dict):
            if not all(_is_str(k) for k in value.keys):
                return None  # a **other inside, or a computed key
            keys: Dict[str, ast.AST] = {}
            for k, v in zip(value.keys, value.values):
                if k.value in keys:  # type: ignore[union-attr]
                    return None
                keys[k.value] = v  # type: ignore[union-attr]
            built: Optional[Dict[str, object]] = {"literal": value, "keys": keys, "set": []}
        elif isinstance(value, ast.DictComp) and _none_filter(value) is not None:
            built = self._built_dict(_none_filter(value), scope, depth + 1)  # type: ignore[arg-type]
        elif isinstance(value, ast.Call):
            built = self._helper_dict(value, scope, depth)
        else:
            built = None
        if built is None:
            return None
        values = dict(built["keys"])  # type: ignore[call-overload]
        values.update(added)
        return {"literal": built["literal"], "keys": values, "set": sorted(set(built["set"]) | set(added))}  # type: ignore[call-overload]

    def _helper_dict(self, call: ast.Call, scope: Scope, depth: int) -> Optional[Dict[str, object]]:
        """``self._helper()`` with no arguments, a plain method of the enclosing class called
        nowhere else, whose one ``return`` gives a local dict built as _built_dict reads."""
        cls = scope.cls
        if (cls is None or not scope.self_name or call.args or call.keywords or not isinstance(call.func, ast.Attribute)
                or not _is_name(call.func.value, scope.self_name)):
            return None
        method = call.func.attr
        self.mentions_asked.add(method)
        self.binder.bind_methods(cls)
        defs = [n for n in cls.node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == method]
        uses = [n for n in ast.walk(cls.node) if isinstance(n, ast.Attribute) and n.attr == method]
        if len(defs) != 1 or uses != [call.func] or defs[0].decorator_list or isinstance(defs[0], ast.AsyncFunctionDef):
            return None
        inner = self.binder.scopes.get(id(defs[0]))
        returns = list(_returns(defs[0]))
        if inner is None or len(returns) != 1 or not isinstance(returns[0].value, ast.Name):
            return None
        built = self._built_dict(returns[0].value, inner, depth + 1)
        own = (set(inner.bindings) | set(scope.bindings)) - {scope.self_name}  # (a caller's name would be read)
        if built is None or any(isinstance(n, ast.Name) and n.id in own
                                for v in built["keys"].values() for n in ast.walk(v)):  # type: ignore[attr-defined]
            return None  # a value the helper computes: read in the caller's scope it would mean something else
        return built

    def constant_str(self, node: Optional[ast.AST], scope: Scope) -> Optional[str]:
        """A string literal, or a name bound once at module level to one."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            binding, ambiguous = self.lookup(node.id, scope, node.lineno)
            if binding is not None and not ambiguous and binding.kind == "assign" and binding.scope.kind == "module":
                value = binding.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    return value.value
        return None


# ---------------------------------------------------------------- reporting


_LEAVES = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop, ast.Constant)  # nothing to report in them


class _Reporter(_Analyzer):
    relevant: Optional[_LineMarks] = None  # None: walk every node

    def run(self) -> FileAnalysis:
        cls = type(self)
        if "_HANDLERS" not in cls.__dict__:  # node type -> handler name, found once per class
            cls._HANDLERS = {getattr(ast, name[len("_on_"):]): name
                             for name in dir(cls) if name.startswith("_on_") and hasattr(ast, name[len("_on_"):])}
        self._handlers = {kind: getattr(self, name) for kind, name in cls._HANDLERS.items()}
        self._walk(self.tree, self.binder.module, None)
        for finding in self.out.findings:
            if finding.kind == "client" and finding.span in self.handed:
                finding.detail["handed"] = self.handed[finding.span]
            if finding.kind == "client" and finding.span in self.stored:
                finding.detail["stored"] = self.stored[finding.span]
            if finding.kind == "client" and finding.span in self.returned_by:
                finding.detail["returned_by"] = self.returned_by[finding.span]
            if finding.kind == "client" and finding.span in self.method_values:
                finding.detail["method_value"] = self.method_values[finding.span]
            if finding.kind == "client" and finding.span in self.wrapped:
                finding.detail["wrapped"] = self.wrapped[finding.span]
            if finding.kind == "client" and finding.span in self.mixed:
                finding.detail["mixed"] = self.mixed[finding.span]
            if finding.kind == "client" and finding.span in self.takes:
                finding.detail["_param_keys"] = self.takes[finding.span]
            if finding.kind == "client" and finding.span in self.feeds:
                finding.detail["feeds"] = self.feeds[finding.span]
            elif finding.kind == "call" and finding.span in self.escapes:
                finding.detail["escapes"] = self.escapes[finding.span]
        self.out.findings.sort(key=Finding.sort_key)
        return self.out

    def add(self, kind: str, node_or_span: Union[ast.AST, Span], message: str, **kw: object) -> Finding:
        span = node_or_span if isinstance(node_or_span, Span) else self.lines.span(node_or_span)
        finding = Finding(kind=kind, path=self.path, span=span, message=message, cell=self.cell, **kw)  # type: ignore[arg-type]
        self.out.findings.append(finding)
        return finding

    # ---- walk
    def _walk(self, node: ast.AST, scope: Scope, parent: Optional[ast.AST]) -> None:
        relevant = self.relevant
        if relevant is not None:
            first = getattr(node, "lineno", None)  # relevant.covers(node), inlined: this runs for every node
            if first is not None:
                decorators = getattr(node, "decorator_list", None)
                if decorators:
                    first = min(first, decorators[0].lineno)
                flags = relevant.flags
                last = min(node.end_lineno or first, len(flags) - 1)  # type: ignore[attr-defined]
                if (first > last or flags.find(1, max(first, 1), last + 1) < 0) \
                        and not isinstance(node, (ast.Import, ast.ImportFrom)):
                    return
        handler = self._handlers.get(type(node))
        if handler is not None:
            handler(node, scope, parent)
        inner = self.binder.scopes.get(id(node))
        if inner is not None:
            self._walk_scope(node, scope, inner)
            return
        for name in node._fields:  # ast.iter_child_nodes, without the generator and the leaf nodes
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and not isinstance(item, _LEAVES):
                        self._walk(item, scope, node)
            elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
                self._walk(value, scope, node)

    def _walk_scope(self, node: ast.AST, scope: Scope, inner: Scope) -> None:
        """A function, lambda or class: decorators, defaults, bases and annotations belong to the outer scope."""
        self.binder.bind_body(inner)
        for child in ast.iter_child_nodes(node):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if child in node.decorator_list or child is node.returns:
                    self._walk(child, scope, node)
                    if child is node.returns:
                        self._quoted(child, scope)
                    continue
                if isinstance(child, ast.arguments):
                    self._walk_arguments(child, scope, inner, node)
                    continue
            if isinstance(node, ast.ClassDef) and (child in node.bases or child in node.decorator_list):
                self._walk(child, scope, node)
                continue
            self._walk(child, inner, node)

    def _walk_arguments(self, args: ast.arguments, outer: Scope, inner: Scope, parent: ast.AST) -> None:
        for expr in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self._walk(expr, outer, args)
        for arg in list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs) + [a for a in (args.vararg, args.kwarg) if a]:
            if arg.annotation is not None:
                self._walk(arg.annotation, outer, arg)
                self._quoted(arg.annotation, outer)

    # ---- imports
    def _on_Import(self, node: ast.Import, scope: Scope, parent: Optional[ast.AST]) -> None:
        for alias in node.names:
            self._import(node, alias.name, [alias.asname or alias.name], [alias.name])

    def _on_ImportFrom(self, node: ast.ImportFrom, scope: Scope, parent: Optional[ast.AST]) -> None:
        if node.level:
            return
        module = node.module or ""
        names = [a.name for a in node.names]
        self._import(node, module, [a.asname or a.name for a in node.names], [f"{module}.{n}" for n in names])

    def _import(self, node: ast.AST, module: str, bound: List[str], qnames: List[str]) -> None:
        if sym.is_openai(module):
            self.imports_openai = True
            self.add("import", node, N_("imports {module}").format(module=module), symbol=module, detail={"names": bound, "module": module})
            return
        framework = [q for q in qnames if sym.is_framework(q)] or ([module] if sym.is_framework(module) else [])
        if framework:
            self.add(
                "framework",
                node,
                N_("imports OpenAI wrapper {symbols}").format(symbols=", ".join(framework)),
                symbol=framework[0],
                detail={"names": bound, "module": module, "form": "import"},
            )

    # ---- assignments to openai.<config>
    def _on_Assign(self, node: ast.Assign, scope: Scope, parent: Optional[ast.AST]) -> None:
        for target in node.targets:
            self._config(target, node.value, scope, node)

    def _quoted(self, annotation: ast.AST, scope: Scope) -> None:
        """``"OpenAI"`` / ``Optional["openai.OpenAI"]``: a quoted name in an annotation is a reference
        too (its span is the string's, so a rule can rewrite the text and keep the quotes)."""
        for node in ast.walk(annotation):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            try:
                parsed = ast.parse(node.value.strip(), mode="eval")
            except (SyntaxError, ValueError, RecursionError):
                continue
            self.parsed_annotations.append(parsed)  # kept alive: resolution memoizes by id(node)
            expr = root = parsed.body
            while isinstance(root, ast.Attribute):
                root = root.value
            if not (isinstance(root, ast.Name) and root.id in self.binder.openai_names):
                continue
            value = self.resolve(expr, scope)
            span = self.lines.span(node)
            if isinstance(value, Q) and sym.is_openai(value.qname) and value.qname != "openai" and span not in self.seen_symbols:
                self.seen_symbols.add(span)
                self.out.symbols.append(SymbolRef(value.qname, span, "SimpleString", "load"))

    def _on_AnnAssign(self, node: ast.AnnAssign, scope: Scope, parent: Optional[ast.AST]) -> None:
        if node.annotation is not None:
            self._quoted(node.annotation, scope)
        self._config(node.target, node.value, scope, node)

    def _on_AugAssign(self, node: ast.AugAssign, scope: Scope, parent: Optional[ast.AST]) -> None:
        self._config(node.target, node.value, scope, node)

    def _config(self, target: ast.AST, value: Optional[ast.AST], scope: Scope, stmt: ast.AST) -> None:
        if not isinstance(target, ast.Attribute):
            return
        base = self.resolve(target.value, scope)
        if isinstance(base, Q) and base.qname == "openai":
            self.add(
                "config",
                stmt,
                N_("sets {name}").format(name=f"openai.{target.attr}"),
                symbol=f"openai.{target.attr}",
                api=target.attr,
                detail=self._config_detail(target, value, scope, stmt),
            )

    def _config_detail(self, target: ast.Attribute, value: Optional[ast.AST], scope: Scope, stmt: ast.AST) -> Dict[str, object]:
        """What a rule needs to translate a setting into the client that replaces it: whether the
        statement runs unconditionally at import (``top``), the value's form, and for an endpoint
        where it points."""
        attribute = target.attr
        detail: Dict[str, object] = {"attribute": attribute, "value": _value_kind(value), "form": _value_form(value),
                                     "top": any(stmt is s for s in getattr(self.tree, "body", ())),
                                     "_target": list(_astuple(self.lines.span(target)))}
        if attribute in ("api_base", "base_url"):
            text = self.constant_str(value, scope)
            detail["endpoint"] = ("none" if _is_none(value) else "dynamic") if text is None else _classify_url(text)
        return detail

    # ---- calls
    def _on_Call(self, node: ast.Call, scope: Scope, parent: Optional[ast.AST]) -> None:
        self._env_read(node, scope)
        if node.args or node.keywords:
            self._double(node, scope)
            self._handed(node, scope)
            self._method_value(node, scope)
        if _dict_get(node) is not None:
            self._result_access(node, scope, parent)
        value = self.resolve(node, scope)
        if isinstance(value, Client) and value.origin in ("constructed", "subclass") and value.span == self.lines.span(node):
            self._client(node, value, scope, context_manager=isinstance(parent, ast.withitem))
            self._stored(node, value, parent, scope)
            return
        if isinstance(value, Result) and value.call == self.lines.span(node):
            self._api_call(node, value, scope, parent)
            return
        func = self.resolve(node.func, scope)
        if isinstance(func, Q) and sym.is_framework(func.qname) and _is_class_name(func.qname):
            model = self._model(node, scope, ("model", "model_name", "deployment_name", "azure_deployment"))
            qname = sym.canonical(func.qname)  # langchain.chat_models.ChatOpenAI -> the class it is
            given = next((k.value for k in node.keywords if k.arg in ("model", "model_name")), None)
            valued = given is not None and not isinstance(given, ast.Constant)
            # a model written where its value is defined (a default, a constant): mapped there
            found = self.model_definition(given, scope) if valued else None  # type: ignore[arg-type]
            chosen = self.callers_choice(given, scope) if found is not None else None  # type: ignore[arg-type]
            if chosen is None:
                found = None
            if found is not None:
                model = found.value
            model_ref = self.imported_name(given, scope) if valued and found is None else None  # type: ignore[arg-type]
            self.add("framework", node, N_("constructs {name}").format(name=qname), symbol=qname, model=model,
                     detail={"form": "construct", "kwargs": _kwarg_names(node),
                             "open_args": bool(node.args) or any(k.arg is None for k in node.keywords),
                             "star_kwargs": any(k.arg is None for k in node.keywords),
                             "key_named": self.key_named_openai(node, scope),
                             "_model_ref": model_ref, "_model_at": [given.lineno, given.col_offset] if model_ref else None,  # type: ignore[union-attr]
                             "_model_def": list(_astuple(self.lines.span(found))) if found is not None else None,
                             "_model_more": [list(_astuple(self.lines.span(c))) + [c.value] for c in chosen or ()],
                             "_model_env": self.model_env.get(id(found)) if found is not None else None})
            return
        if isinstance(func, Q) and func.qname in sym.ROUTE_LISTS:
            self._route_list(node, func.qname, scope)
            return
        if isinstance(func, Q) and sym.route_function(func.qname):
            self._route(node, sym.route_function(func.qname), scope)  # type: ignore[arg-type]
            return
        if value is None and func is None and self.imports_openai:
            self._unresolved_call(node, scope, parent)

    def _route_list(self, node: ast.Call, qname: str, scope: Scope) -> None:
        """``Router(model_list=[{"litellm_params": {"model": "gpt-4o"}}])``: each entry's params (a dict
        literal or ``dict(...)``, in a list literal given here or bound once at module level) whose
        model string is OpenAI's is a finding of its own, where the params are written."""
        keyword, inner, key = sym.ROUTE_LISTS[qname]
        entries = next((k.value for k in node.keywords if k.arg == keyword), None)
        if isinstance(entries, ast.Name):
            binding, ambiguous = self.lookup(entries.id, scope, node.lineno)
            entries = binding.value if binding is not None and not ambiguous and binding.kind == "assign" \
                and binding.scope.kind == "module" else None
        for entry in entries.elts if isinstance(entries, (ast.List, ast.Tuple)) else ():
            params = _dict_value(entry, inner)
            text = self.constant_str(_dict_value(params, key), scope)
            base = _dict_value(params, "api_base") or _dict_value(params, "base_url")
            model = sym.openai_route(text)
            if model is None or (base is not None and self._elsewhere(base, scope)):
                continue
            span = self.lines.span(params)  # type: ignore[arg-type]
            if any(f.span == span and f.kind == "framework" for f in self.out.findings):
                continue  # one list handed to two routers
            names = [k.value for k in params.keys if isinstance(k, ast.Constant)] if isinstance(params, ast.Dict) \
                else _kwarg_names(params)  # type: ignore[arg-type]
            api = "embeddings.create" if model.startswith("text-embedding-") else "chat.completions.create"
            self.add("framework", span, N_("routes '{model}' to OpenAI through {name}").format(model=text, name=qname), symbol=sym.ROUTE_ALIASES.get(qname, qname),
                     model=model, api=api, detail={"form": "construct", "route": True, "model_arg": key, "kwargs": names,
                                          "dict": isinstance(params, ast.Dict)})

    def _on_List(self, node: ast.List, scope: Scope, parent: Optional[ast.AST]) -> None:
        autogen.config_list(self, node, scope, parent, _dict_value)  # AutoGen 0.2 config lists

    _on_ListComp = _on_List

    def _elsewhere(self, base: ast.AST, scope: Scope) -> bool:
        """An api_base/base_url naming another server than OpenAI's (or one a value decides)."""
        url = self.constant_str(base, scope)
        return url is None or _classify_url(url) != "openai"

    def _route(self, node: ast.Call, qname: str, scope: Scope) -> None:
        """``litellm.completion(model="gpt-4o")``, ``dspy.LM("openai/gpt-4o-mini")``: a model string
        routed to OpenAI (another provider's route, or an api_base naming another server, is not)."""
        keyword, position = sym.ROUTE_FUNCTIONS[qname]
        arg: Optional[ast.AST] = next((k.value for k in node.keywords if k.arg == keyword), None)
        where: object = keyword
        if arg is None and position is not None and len(node.args) > position \
                and not any(isinstance(a, ast.Starred) for a in node.args[:position + 1]):
            arg, where = node.args[position], position
        text = self.constant_str(arg, scope)
        model = sym.openai_route(text)
        if model is None:
            return
        if any(kw.arg in ("api_base", "base_url") and self._elsewhere(kw.value, scope) for kw in node.keywords):
            return
        self.add("framework", node, N_("routes '{model}' to OpenAI through {name}").format(model=text, name=qname), symbol=qname, model=model,
                 detail={"form": "construct", "route": True, "model_arg": where, "kwargs": _kwarg_names(node)})

    def _handed(self, node: ast.Call, scope: Scope) -> None:
        """A client built here and passed to a function imported from elsewhere
        (``outlines.from_openai(OpenAI(), "gpt-4o-mini")``, ``Agent(client=client)``): what that
        function sends through it (its model names, its calls) is out of this module's sight."""
        func = self.resolve(node.func, scope)
        if func is NOT_OPENAI and isinstance(node.func, ast.Name):
            binding, ambiguous = self.lookup(node.func.id, scope, node.lineno)
            if binding is not None and not ambiguous and binding.kind == "class" and isinstance(binding.node, ast.ClassDef):
                func = Func(binding.node)
        # a function of this module, or a class of it (its __init__'s parameters; fields: none)
        local = isinstance(func, Func)
        if not local and (not isinstance(func, Q) or sym.is_openai(func.qname) or func.qname.endswith("@subclass")
                          or func.qname in sym.CLIENT_WRAPPERS):
            return
        name = func.qname if isinstance(func, Q) else getattr(func.node, "name", "a function")  # type: ignore[union-attr]
        params = _parameters(func.node, node) if local else {}  # type: ignore[union-attr]
        # a function (class) of another module of the project taking a client parameter (project.py)
        export = self._external(func.qname) if isinstance(func, Q) and self.externals else None
        takes: Dict[object, str] = {}
        for param, position in (export.get("takes") or {} if export else {}).items():  # type: ignore[attr-defined]
            takes[param] = takes[position] = param
        starred = any(isinstance(a, ast.Starred) for a in node.args)
        for key, arg in list(enumerate(node.args)) + [(k.arg, k.value) for k in node.keywords]:
            while isinstance(arg, (ast.Starred, ast.Await)):
                arg = arg.value
            if isinstance(arg, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)):
                value = self.resolve(arg, scope)
                if isinstance(value, Client) and (value.origin in ("constructed", "subclass") or (value.origin == "remote" and key in takes)):
                    param = params.get(key)
                    if local and param is not None:
                        # a local function's parameter: the client's unit joins the one its calls form there
                        self.feeds.setdefault(value.span, []).append(list(_astuple(self.lines.span(param))))
                    elif key in takes and key != -1 and not (starred and isinstance(key, int)) and value.origin == "remote":
                        # built in a third module: the callee's calls join that client (project.py)
                        self.out.handoffs.append([*str(value.where).rsplit("#", 1), value.endpoint, str(export["path"]),  # type: ignore[index]
                                                  param_key(func.qname.rsplit(".", 1)[-1], takes[key])])  # type: ignore[union-attr]
                    elif key in takes and key != -1 and not (starred and isinstance(key, int)):
                        # the unit the calls on that parameter form there: the two move together or
                        # stay together (units.agree)
                        self.takes.setdefault(value.span, []).append(
                            [str(export["path"]), param_key(func.qname.rsplit(".", 1)[-1], takes[key])])  # type: ignore[index,union-attr]
                    else:
                        self.handed.setdefault(value.span, name + ("()" if local else ""))
                elif isinstance(value, Result) and not _primitive(value):
                    self.escapes.setdefault(value.call, N_("passed to {name} at line {line}").format(name=name, line=node.lineno))

    def _stored(self, node: ast.Call, client: Client, parent: Optional[ast.AST], scope: Scope) -> None:
        """A client put straight into a container (``kwargs["client"] = OpenAI()``, ``{"client": OpenAI()}``,
        ``[OpenAI(), ...]``): what reads it out of there, and where the container goes, is out of sight."""
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target] if isinstance(parent, ast.AnnAssign) else []
        where = next((t for t in targets if isinstance(t, ast.Subscript)), None)
        if where is None:
            # an attribute of an imported module (``state.openai_client = OpenAI()``): every module
            # importing it may call it, unseen from here
            where = next((t for t in targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                          and self._imported_module(t.value, scope)), None)
        if where is None and isinstance(parent, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
            where = parent
        if where is None and isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and node in parent.args and (
                parent.func.attr in ("append", "add", "insert", "extend", "appendleft", "put", "setdefault")):
            where = parent.func.value  # clients.append(OpenAI())
        if where is None and isinstance(parent, (ast.Yield, ast.YieldFrom, ast.Lambda)):
            where = parent  # what the generator's or the lambda's callers do with it is not followed
        if where is None and isinstance(parent, ast.Return):
            function = self._function_of_scope(scope)
            if function is not None and any((dotted_name(d.func if isinstance(d, ast.Call) else d) or "").rsplit(".", 1)[-1] == "fixture"
                                            for d in function.decorator_list):  # type: ignore[attr-defined]
                where = function  # a pytest fixture: the tests that take it are not followed
        if where is not None:
            text = f"@fixture {where.name}()" if isinstance(where, (ast.FunctionDef, ast.AsyncFunctionDef)) else ast.unparse(where)
            self.stored.setdefault(client.span, [text if len(text) <= 40 else text[:37] + "...", node.lineno])

    def _imported_module(self, name: ast.Name, scope: Scope) -> bool:
        """``name`` is bound by an import (``from app import state``, ``import config``), not openai's."""
        binding, _ = self.lookup(name.id, scope, name.lineno)
        return binding is not None and binding.kind == "import" and not sym.is_openai(binding.qname or "")

    def _method_value(self, node: ast.Call, scope: Scope) -> None:
        """An API method of a client handed to a call as a value (``retry(client.chat.completions.create,
        model=...)``, ``functools.partial(...)``): the calls made through it are out of sight."""
        for arg in list(node.args) + [k.value for k in node.keywords]:
            arg = arg.value if isinstance(arg, ast.Starred) else arg
            if isinstance(arg, ast.Attribute):
                value = self.resolve(arg, scope)
                if isinstance(value, Res) and value.client is not None and value.client.origin in ("constructed", "subclass"):
                    self.method_values.setdefault(value.client.span, [ast.unparse(arg), arg.lineno])

    def _on_Return(self, node: ast.Return, scope: Scope, parent: Optional[ast.AST]) -> None:
        """A response returned whole (or an object read out of it): its callers read it out of sight."""
        returned = node.value.value if isinstance(node.value, ast.Await) else node.value
        if returned is not None and isinstance(returned, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
            value = self.resolve(returned, scope)
            function = self._function_of_scope(scope)
            if isinstance(value, Client) and value.origin in ("constructed", "subclass") and function is not None:
                # the clients one function returns are one to its callers: they move or stay together
                self.returned_by.setdefault(value.span, [function.lineno, function.col_offset])
            if isinstance(value, Result) and not _primitive(value):
                self.escapes.setdefault(value.call, N_("returned at line {line}").format(line=node.lineno))

    def _double(self, node: ast.Call, scope: Scope) -> None:
        """A test double standing in for the OpenAI SDK: ``mock.patch("openai.ChatCompletion.create")``,
        ``patch.object(openai.Embedding, "create")``, ``mocker.patch`` / ``monkeypatch.setattr`` alike,
        and HTTP mocks (respx, pytest-httpx, responses) routed at api.openai.com."""
        chain = _attribute_chain(node.func)
        func = self.resolve(node.func, scope)
        qname = func.qname if isinstance(func, Q) else ""
        root = chain[0].id if chain is not None and isinstance(chain[0], ast.Name) else (
            node.func.id if isinstance(node.func, ast.Name) else "")
        path = tuple(chain[1]) if chain is not None else ()
        patcher = qname.endswith((".patch", ".patch.object")) and qname.split(".")[0] in ("unittest", "mock") \
            or (root in ("mocker", "monkeypatch") and path in (("patch",), ("patch", "object"), ("setattr",)))
        target = None
        if patcher and node.args:
            first = node.args[0]
            text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            if text is not None and (text == "openai" or text.startswith("openai.")):
                target = text
            elif text is None:
                value = self.resolve(first, scope)
                if isinstance(value, Q) and sym.is_openai(value.qname):
                    attr = node.args[1] if len(node.args) > 1 else None
                    name = attr.value if isinstance(attr, ast.Constant) and isinstance(attr.value, str) else None
                    target = value.qname + (f".{name}" if name else "")
        elif root in ("respx", "httpx_mock", "responses", "requests_mock", "aioresponses", "mocked", "router"):
            for arg in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "api.openai.com" in arg.value:
                    target = arg.value
                    break
        if target is not None:
            self.add("double", node, N_("test double for {target}").format(target=target), symbol=target, detail={"target": target})

    def _client(self, node: ast.Call, client: Client, scope: Scope, context_manager: bool = False) -> None:
        name = client.cls.split(".")[-1]
        chain = self.base_url_chain(node, scope) if client.endpoint in ("fallback", "other") else None
        self.add(
            "client",
            node,
            (N_("constructs {name} (already points elsewhere)") if client.endpoint == "other"
             else N_("constructs {name}")).format(name=name),
            symbol=client.cls,
            detail={
                "endpoint": client.endpoint,
                "async": client.is_async,
                "azure": client.azure,
                **self.spread_detail(node, scope),
                "context_manager": context_manager,  # `with OpenAI() as c:`
                "key": _key_kind(node),
                # api_key=os.getenv("X"): the variable (a client reading another service's key never
                # reads OPENAI_API_KEY)
                "key_env": next((_env_var_default(value)[0] for arg, value in self.keywords(node, scope)
                                 if arg == "api_key" and _is_env_read(value)), None),
                "fallback_kwargs": self.fallback_kwargs(node, scope),
                "_project_key": self.client_key(node),
                # where api_key=<local> is written, when only this construction reads that local:
                # the OPENAI_* reads there feed this client alone, so they move or stay with it
                "_key_def": self._key_def(node, scope),
                # api_key=settings.openai_api_key: a name saying it holds OpenAI's key
                "key_named": self.key_named_openai(node, scope),
                # where a base_url falling back to OpenAI's endpoint is written (x or os.getenv(...))
                "_endpoint_def": self._endpoint_def(chain[1]) if chain is not None and chain[1] is not None else None,
                # the URL a base_url value falls back to (what check compares with its allow-list)
                "default_url": chain[2] if chain is not None else None,
                # base_url=settings.llm_base_url with settings imported from another module: its
                # qualified name, for the whole-project pass to find the default it is written with
                "_endpoint_ref": self._kwarg_ref(node, scope, "base_url") if client.endpoint == "dynamic" else None,
            },
        )

    def _kwarg_ref(self, call: ast.Call, scope: Scope, name: str) -> Optional[List[str]]:
        """[qualified name, source] of a value imported from another module that a construction's
        ``<name>=`` is given as it is (``settings.llm_base_url``, ``config.BASE_URL``)."""
        given = next((value for arg, value in self.keywords(call, scope) if arg == name), None)
        if not isinstance(given, (ast.Name, ast.Attribute)):
            return None
        qname = self.imported_name(given, scope) or self._module_name(given, scope)
        return [qname, ast.unparse(given)] if qname is not None else None

    def _module_name(self, expr: ast.AST, scope: Scope) -> Optional[str]:
        """``.settings.llm_base_url``: a dotted name rooted in a variable this module binds at its
        top level (the leading dot: this module)."""
        dotted = dotted_name(expr)
        if dotted is None:
            return None
        binding, ambiguous = self.lookup(dotted.split(".")[0], scope, getattr(expr, "lineno", 0))
        if binding is None or ambiguous or binding.kind != "assign" or binding.scope.kind != "module":
            return None
        return "." + dotted

    def key_named_openai(self, call: ast.Call, scope: Scope) -> Optional[str]:
        """What in a construction's ``api_key=`` value says it may hold OpenAI's key: ``openai.api_key``
        (the openai module's key setting), or a name with "openai" in it (``settings.openai_api_key``,
        ``cfg.OPENAI_KEY``, a parameter ``openai_api_key``; a pydantic setting of that name reads
        OPENAI_API_KEY itself).  The value is followed through the locals, module variables and
        ``self.<attr>`` assignments it is read from, and through ``or`` / ``if``-``else``
        (``self.key = key or os.getenv(...) or openai.api_key``).  Pointed at the provider, the
        client would send OpenAI's key there."""
        given = next((value for arg, value in self.keywords(call, scope) if arg in ("api_key", "openai_api_key")), None)
        if given is None:
            return None
        values = self._key_sources(given, scope)
        if any(self._openai_key_setting(node, where) for value, where in values for node in ast.walk(value)):
            return "openai.api_key"
        for value, _ in values:
            for node in ast.walk(value):
                if _is_env_read(node):
                    # OPENAI_API_KEY is renamed with the client; any other variable named for OpenAI
                    # (OPENAI_KEY, AZURE_OPENAI_API_KEY) would still be read, and sent to the provider
                    var = _env_var_default(node)[0]
                    if var is not None and "openai" in var.lower() and var != "OPENAI_API_KEY":
                        return "$" + var
                    continue
                name = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                        else _config_key(node))
                if name is not None and "openai" in name.lower():
                    return name
        return None

    def _key_sources(self, given: ast.AST, scope: Scope) -> List[Tuple[ast.AST, Scope]]:
        """``given`` and every value it is read from: the values assigned to the names and
        ``self.<attr>`` it reads (all of them, in any scope), through ``or`` / ``if``-``else`` /
        ``:=``, a few steps deep."""
        out: List[Tuple[ast.AST, Scope]] = []
        todo: List[Tuple[ast.AST, Scope]] = [(given, scope)]
        seen: Set[int] = set()
        while todo and len(out) < 32:
            value, where = todo.pop()
            if id(value) in seen:
                continue
            seen.add(id(value))
            out.append((value, where))
            if isinstance(value, ast.BoolOp):
                todo.extend((v, where) for v in value.values)
            elif isinstance(value, ast.IfExp):
                todo.extend(((value.body, where), (value.orelse, where)))
            elif isinstance(value, ast.NamedExpr):
                todo.append((value.value, where))
            elif isinstance(value, ast.Name):
                binding, _ = self.lookup(value.id, where, value.lineno)
                if binding is not None:
                    todo.extend((b.value, b.scope) for b in binding.scope.bindings.get(value.id, [])
                                if b.kind == "assign" and b.value is not None)
            elif (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and where.cls is not None
                  and where.self_name == value.value.id):
                self.attrs_asked.add(value.attr)
                self.binder.bind_methods(where.cls)
                todo.extend((b.value, b.scope) for b in where.cls.attrs.get(value.attr, []) if b.value is not None)
        return out

    def _openai_key_setting(self, node: ast.AST, scope: Scope) -> bool:
        """``openai.api_key``: the key setting of the openai module (openai<1 fills it from
        OPENAI_API_KEY at import; whoever sets it sets OpenAI's key)."""
        if not (isinstance(node, ast.Attribute) and node.attr == "api_key" and isinstance(node.value, ast.Name)):
            return False
        binding, _ = self.lookup(node.value.id, scope, node.lineno)
        return binding is not None and binding.kind == "import" and binding.qname == "openai"

    def _key_def(self, call: ast.Call, scope: Scope) -> Optional[List[int]]:
        """The span of the value a local given as ``api_key=<name>`` is set to, when the enclosing
        function sets it once and reads it only there (``api_key = cfg.key or os.getenv(...)``
        then ``OpenAI(api_key=api_key)``); None otherwise (a module-level or shared value may feed
        other clients, in this module or elsewhere)."""
        given = next((value for arg, value in self.keywords(call, scope) if arg == "api_key"), None)
        if not isinstance(given, ast.Name) or scope.kind != "function":
            return None
        bindings = scope.bindings.get(given.id, [])
        if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
            return None
        function = self._function_of_scope(scope)
        if function is None or any(isinstance(n, (ast.Global, ast.Nonlocal)) and given.id in n.names for n in ast.walk(function)):
            return None
        # `if not api_key: raise ...` only looks at it
        tested = {id(n) for t in ast.walk(function) if isinstance(t, (ast.If, ast.While, ast.Assert, ast.IfExp))
                  for n in _tested_names(t.test)}
        reads = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == given.id and isinstance(n.ctx, ast.Load)
                 and id(n) not in tested]
        if reads != [given]:
            return None  # read elsewhere too (another client, a wrapper, a return): it may feed those
        return list(_astuple(self.lines.span(bindings[0].value)))

    def spread_detail(self, node: ast.Call, scope: Scope, known: bool = True) -> Dict[str, object]:
        """A call's keywords for its finding: those of a ``**params`` dict with known keys too
        (rules see them as the call's keywords and edit them in the dict, ``_params_def``; keys a
        statement sets, ``params_set``, cannot be edited there)."""
        spread = self.spread_dict(node, scope) if known else None
        names = [k.arg for k in node.keywords if k.arg is not None]
        if spread is None:
            return {"kwargs": names, "star_kwargs": any(k.arg is None for k in node.keywords)}
        return {"kwargs": names + [k for k in spread["keys"] if k not in names],  # type: ignore[attr-defined]
                "star_kwargs": False, "params_set": spread["set"],
                "_params_def": list(_astuple(self.lines.span(spread["literal"])))}  # type: ignore[arg-type]

    def _endpoint_def(self, found: ast.AST) -> List[Any]:
        return list(_astuple(self.lines.span(found))) + ["BooleanOperation" if isinstance(found, ast.BoolOp) else
                                                         "Subscript" if isinstance(found, ast.Subscript) else
                                                         "SimpleString" if _is_str(found) else "Call"]

    def _api_call(self, node: ast.Call, result: Result, scope: Scope, parent: Optional[ast.AST]) -> None:
        func = self.resolve(node.func, scope)
        legacy = isinstance(func, Q) and sym.legacy_operation(func.qname) is not None
        client = func.client if isinstance(func, Res) else None
        is_async = bool(
            isinstance(parent, ast.Await)
            or (client is not None and client.is_async)
            or (legacy and isinstance(func, Q) and (sym.legacy_operation(func.qname) or ("", False))[1])
        )
        confidence = "high"
        if client is not None and client.origin == "annotated":
            confidence = "medium"
        receiver = "legacy" if legacy else ("module" if isinstance(func, Q) else "client")
        model = self._model(node, scope, ("model", "engine", "deployment_id") if legacy else ("model",))
        if model is None and legacy and result.api.startswith("audio.") and node.args:
            model = self.constant_str(node.args[0], scope)  # v0 openai.Audio.transcribe("whisper-1", f)
        model_def = None
        given = next((k.value for k in node.keywords if k.arg in (("model", "engine", "deployment_id") if legacy else ("model",))),
                     None)
        found = None
        if given is not None and not isinstance(given, ast.Constant):
            found = self.model_definition(given, scope)
        elif given is None and not legacy:
            found = self._params_model(node, scope)
        model_ref = None
        more: List[List[object]] = []
        if found is not None and given is not None:
            chosen = self.callers_choice(given, scope)
            if chosen is None:
                found = None  # a caller passes a model of its own that cannot be followed: reported at the call
            else:
                more = [list(_astuple(self.lines.span(c))) + [c.value] for c in chosen]
        if found is not None:
            model, model_def = found.value, list(_astuple(self.lines.span(found)))
        elif given is not None and not isinstance(given, ast.Constant):
            origin = self.model_origin(given, scope) or (given, scope)
            model_ref = self.imported_name(*origin)
        self.add(
            "call",
            node,
            (N_("legacy v0 {api} call") if legacy else N_("{api} call")).format(api=result.api),
            api=result.api,
            legacy=legacy,
            model=model,
            confidence=confidence,
            symbol=func.qname if isinstance(func, Q) else None,
            detail={
                "async": is_async,
                "stream": result.stream or _streaming_api(result.api),
                "tools": _has_kwarg(node, "tools", "functions", "tool_choice", "function_call"),
                "response_format": _has_kwarg(node, "response_format"),
                **self.spread_detail(node, scope, known=not legacy),  # openai<1: per-request keys stay unknown
                "receiver": receiver,
                # keywords given a literal (openai<1's per-request api_key="..." can be dropped; an expression cannot)
                "literal_kwargs": [k.arg for k in node.keywords if k.arg and isinstance(k.value, ast.Constant)],
                "endpoint": client.endpoint if client is not None else ("none" if not legacy else "legacy"),
                "_client_span": list(_astuple(client.span)) if client is not None else None,
                # a client another module builds: (that module, its construction's project key)
                "_client_path": client.where.rsplit("#", 1)[0] if client is not None and client.where else None,
                "_client_key": client.where.rsplit("#", 1)[1] if client is not None and client.where else None,
                # a client a top-level function (class) takes as a parameter: callers in other modules
                # hand theirs over (project.py), and the two move together or stay together
                "_param_keys": self._taken_param(client) if client is not None and client.origin == "annotated" else None,
                # where a model given as a value (self.model, a parameter) is written as a literal
                "_model_def": model_def,
                # the model is the default of a parameter of a top-level function (class): callers in
                # other modules may pass their own (project.py maps their literals with it)
                "_model_param": self._default_param(found) if found is not None else None,
                "_model_more": more,  # the model literals callers pass where the value is their choice
                "_model_env": self.model_env.get(id(found)) if found is not None else None,
                # a model value imported from another module (``settings.chat_model``, ``DEFAULT_MODEL``):
                # its qualified name, for the whole-project pass to find where it is written
                "_model_ref": model_ref,
                "_model_at": [origin[0].lineno, origin[0].col_offset] if model_ref else None,
            },
        )

    def _default_param(self, default: ast.AST) -> Optional[List[object]]:
        """[function (class) name, parameter, position (-1: keyword-only)] of the top-level function
        (class ``__init__``, after ``self``) whose parameter ``default`` is the default of."""
        if self.defaults is None:
            self.defaults = {}
            for stmt in self.tree.body if isinstance(self.tree, ast.Module) else ():
                fnode = stmt if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else next(
                    (f for f in stmt.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name == "__init__"),
                    None) if isinstance(stmt, ast.ClassDef) else None
                if fnode is None:
                    continue
                args = fnode.args
                positional = (args.posonlyargs + args.args)[1 if fnode is not stmt else 0:]
                for arg, value in zip(positional[len(positional) - len(args.defaults):], args.defaults):
                    self.defaults[id(value)] = [stmt.name, arg.arg, positional.index(arg)]  # type: ignore[union-attr]
                for arg, kw_value in zip(args.kwonlyargs, args.kw_defaults):
                    if kw_value is not None:
                        self.defaults[id(kw_value)] = [stmt.name, arg.arg, -1]  # type: ignore[union-attr]
        return self.defaults.get(id(default))

    def _taken_param(self, client: Client) -> Optional[List[List[str]]]:
        """[[this module, key]] of a client annotated at a parameter of a top-level function (a
        class's ``__init__``) that the project index exports (``exports_of(takes=True)``)."""
        if self.taken is None:
            self.taken = {}
            for stmt in self.tree.body if isinstance(self.tree, ast.Module) else ():
                if isinstance(stmt, _DEFS):
                    fnode = stmt if not isinstance(stmt, ast.ClassDef) else next(
                        (f for f in stmt.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name == "__init__"), None)
                    taken = _client_params(self, stmt) if fnode is not None else {}
                    args = fnode.args if fnode is not None else None
                    for arg in (args.posonlyargs + args.args + args.kwonlyargs) if taken and args is not None else ():
                        if arg.arg in taken:
                            self.taken[self.lines.span(arg)] = [[self.path, param_key(stmt.name, arg.arg)]]
        return self.taken.get(client.span)

    # ---- models written where they are defined
    def model_definition(self, expr: ast.AST, scope: Scope, depth: int = 0) -> Optional[ast.Constant]:
        """The string literal a ``model=`` value is defined by, when every use of that value is a
        ``model=`` argument: a parameter's default, a module constant, or ``self.<attr>`` set once
        in its class from a literal or from such a parameter; where the value is the caller's
        choice with a default (``model or "gpt-4o"``, ``os.getenv("MODEL", "gpt-4o")``), that default."""
        fallback = _default_of(expr)
        if fallback is not expr:
            return self._defined_by(fallback, scope, depth, expr)
        if isinstance(expr, ast.Name) or self._own_attribute(expr, scope):
            origin = self.model_origin(expr, scope)
            if origin is None:
                return None
            # a literal, or a dataclass / pydantic / attrs field's default
            value = origin[0] if isinstance(expr, ast.Name) else _field_value(origin[0])
            fallback = _default_of(value) if value is not None else None
            if fallback is not value:
                return self._defined_by(fallback, origin[1], depth, value)
            return value if _is_str(value) else None  # type: ignore[return-value]
        if isinstance(expr, ast.Attribute):
            return self._class_constant(expr, scope) or self._settings_default(expr, scope)
        if isinstance(expr, ast.Subscript):
            return self._dict_entry(expr, scope)
        return None

    def callers_choice(self, given: ast.AST, scope: Scope) -> Optional[List[ast.Constant]]:
        """The model literals this module's callers pass for a parameter the model is taken from
        (``def ask(q, model=None)`` ... ``model or "gpt-4o"``; ``__init__(self, model="gpt-4o")``
        then ``self.model``): they reach the call as its default does.  None when a caller passes
        something else (a variable, ``**kwargs``) or the function is reached in a way not followed
        (a method called on an object): what it passes cannot be mapped here."""
        out: List[ast.Constant] = []
        for function, name in self._choosing_params(given, scope):
            key = (id(function), name)  # one walk of the module per parameter, however many calls it feeds
            if key not in self.caller_values:
                self.caller_values[key] = self._caller_values(function, name)
            found = self.caller_values[key]
            if found is None:
                return None
            out += found
        return out

    def _choosing_params(self, given: ast.AST, scope: Scope) -> List[Tuple[ast.AST, str]]:
        """(function, parameter) pairs whose argument the model value ``given`` is."""
        values: List[Tuple[ast.AST, Scope]] = [(given, scope)]
        if isinstance(given, ast.Name):
            binding, ambiguous = self.lookup(given.id, scope, given.lineno)
            if binding is not None and not ambiguous and binding.kind == "assign" and binding.value is not None:
                values.append((binding.value, binding.scope))
        elif self._own_attribute(given, scope) and scope.cls is not None:
            bindings = scope.cls.attrs.get(given.attr, [])  # type: ignore[attr-defined]
            if len(bindings) == 1 and bindings[0].value is not None:
                values.append((bindings[0].value, bindings[0].scope))
        out = []
        for value, where in values:
            names = [value] if isinstance(value, ast.Name) else (
                [v for v in value.values[:-1] if isinstance(v, ast.Name)] if isinstance(value, ast.BoolOp) else [])
            for name in names:
                binding, _ambiguous = self.lookup(name.id, where, name.lineno)  # type: ignore[attr-defined]
                function = self._function_of(binding.node) if binding is not None and binding.kind == "param" else None
                if function is not None:
                    out.append((function, name.id))  # type: ignore[attr-defined]
        return out

    def _caller_values(self, function: ast.AST, name: str) -> Optional[List[ast.Constant]]:
        args = function.args  # type: ignore[attr-defined]
        positional = [a.arg for a in list(getattr(args, "posonlyargs", [])) + list(args.args)]
        owner = next((c for c in self.tree.body if isinstance(c, ast.ClassDef) and function in c.body), None)  # type: ignore[attr-defined]
        if owner is not None:
            positional = positional[1:]  # (self)
            # a method's callers call it on objects this module may not know
            callee = owner.name if function.name == "__init__" else None  # type: ignore[attr-defined]
        else:
            callee = function.name if function in self.tree.body else None  # type: ignore[attr-defined,operator]
        method = function.name  # type: ignore[attr-defined]
        self.mentions_asked.add(method)
        if owner is not None:
            self.mentions_asked.add(owner.name)
        out: List[ast.Constant] = []
        for call in ast.walk(self.tree):
            if not isinstance(call, ast.Call):
                continue
            direct = callee is not None and _is_name(call.func, callee)
            # a nested function, a method, module.f(...), super().__init__(...): callers not followed
            related = direct or _is_name(call.func, method) or (
                isinstance(call.func, ast.Attribute) and call.func.attr in (method, owner.name if owner is not None else method))
            if not related:
                continue
            passed = next((k.value for k in call.keywords if k.arg == name), None)
            if passed is None and name in positional and positional.index(name) < len(call.args):
                passed = call.args[positional.index(name)]
            starred = any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args)
            if passed is None and not starred:
                continue  # the default
            if not direct or starred or not (_is_str(passed) or _is_none(passed)):  # type: ignore[arg-type]
                return None
            if _is_str(passed):
                out.append(passed)  # type: ignore[arg-type]
        return out

    def _defined_by(self, default: Optional[ast.AST], scope: Scope, depth: int, value: ast.AST) -> Optional[ast.Constant]:
        variable = _fallback(value)[1]
        if variable and default is not None:
            self.model_env[id(default)] = variable
        if _is_str(default):
            return default  # type: ignore[return-value]
        if isinstance(default, (ast.Name, ast.Attribute, ast.Subscript)) and depth < 3:
            return self.model_definition(default, scope, depth + 1)
        return None

    def imported_name(self, expr: ast.AST, scope: Scope) -> Optional[str]:
        """The absolute dotted name of a value imported from another module: ``DEFAULT_MODEL`` or
        ``settings.chat_model`` (``from app.config import settings``), ``config.settings.x``;
        ``get_settings().chat_model`` (directly, or through ``s = get_settings()`` bound once) is
        ``app.config.get_settings().chat_model``."""
        parts: List[str] = []
        node = expr
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        called = False
        if isinstance(node, ast.Name):
            binding, ambiguous = self.lookup(node.id, scope, node.lineno)
            made = binding.value if binding is not None and not ambiguous and binding.kind == "assign" else None
            if isinstance(made, ast.Call):
                node, scope = made, binding.scope  # type: ignore[union-attr]
        if isinstance(node, ast.Call):
            if node.args or node.keywords or not parts:
                return None
            node, called = node.func, True
        if not isinstance(node, ast.Name):
            return None
        binding, ambiguous = self.lookup(node.id, scope, node.lineno)
        if binding is None or ambiguous or binding.kind != "import" or binding.scope.kind != "module" or not binding.qname:
            return None
        qname = absolute_qname(binding.qname, self.path)
        if qname is None or qname.split(".")[0] in ("openai", "os", "builtins") or "@" in qname:
            return None
        return ".".join([qname + ("()" if called else "")] + parts[::-1])

    def _settings_default(self, expr: ast.Attribute, scope: Scope) -> Optional[ast.Constant]:
        """``settings.chat_model`` with ``settings = Settings()`` made once at module level from a
        class of this module (a pydantic BaseSettings, a dataclass...) whose field defaults to a
        string, read nowhere but in ``model=`` arguments."""
        if not isinstance(expr.value, ast.Name):
            return None
        binding, ambiguous = self.lookup(expr.value.id, scope, expr.lineno)
        if binding is None or ambiguous or binding.kind != "assign" or binding.scope.kind != "module":
            return None
        made = binding.value
        if not isinstance(made, ast.Call) or made.args or made.keywords or not isinstance(made.func, ast.Name):
            return None  # an instance given values of its own may not keep the default
        cls, ambiguous = self.lookup(made.func.id, binding.scope, made.lineno)
        info = self.binder.classes.get(id(cls.node)) if cls is not None and cls.kind == "class" and not ambiguous else None
        if info is None:
            return None
        self.binder.bind_methods(info)
        bindings = info.scope.bindings.get(expr.attr, []) + info.attrs.get(expr.attr, [])
        if len(bindings) != 1 or bindings[0].kind != "assign" or _field_default(bindings[0].value) is None:
            return None
        return _field_default(bindings[0].value) if self._only_model_uses(self.tree, expr.attr, attr=True) else None

    def _dict_entry(self, expr: ast.Subscript, scope: Scope) -> Optional[ast.Constant]:
        """``CONFIG["model"]`` with ``CONFIG = {"model": "gpt-4o", ...}`` set once at module level,
        only ever read by constant keys, its "model" entry only by ``model=`` arguments."""
        key = expr.slice
        if not isinstance(expr.value, ast.Name) or not _is_str(key):
            return None
        name = expr.value.id
        binding, ambiguous = self.lookup(name, scope, expr.lineno)
        if binding is None or ambiguous or binding.kind != "assign" or binding.scope.kind != "module":
            return None
        literal = binding.value
        if not isinstance(literal, ast.Dict) or any(not _is_str(k) for k in literal.keys):
            return None
        keys = [k.value for k in literal.keys]  # type: ignore[union-attr]
        if keys.count(key.value) != 1 or not _is_str(literal.values[keys.index(key.value)]):  # type: ignore[attr-defined]
            return None
        self.mentions_asked.add(name)
        models = {id(k.value) for k in ast.walk(self.tree) if isinstance(k, ast.keyword) and k.arg == "model"}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Subscript) and _is_name(node.value, name):
                if not _is_str(node.slice) or not isinstance(node.ctx, ast.Load):
                    return None  # written to, or read by a computed key
                if node.slice.value == key.value and id(node) not in models:  # type: ignore[attr-defined]
                    return None
        loads = [n for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
        subscripted = {id(n.value) for n in ast.walk(self.tree) if isinstance(n, ast.Subscript)}
        if any(id(n) not in subscripted for n in loads):
            return None  # the dict itself goes somewhere (**CONFIG, a function): its model may be read there
        return literal.values[keys.index(key.value)]  # type: ignore[return-value,attr-defined]

    # keys a **params dict may hold for its model to be mapped in it: what every plan passes as is
    PLAIN_KEYS = frozenset({"model", "messages", "input", "temperature", "top_p", "max_tokens", "stream", "stop"})

    def _params_model(self, call: ast.Call, scope: Scope) -> Optional[ast.Constant]:
        """``create(**params)`` with ``params = {"model": "gpt-4o", ...}`` built in this function
        (keys added by ``params["k"] = v`` too), used for nothing else: its model literal."""
        known = self.spread_dict(call, scope)
        if known is not None:  # its keys are the call's keywords: every rule sees them
            value = known["keys"].get("model")  # type: ignore[attr-defined]
            return value if _is_str(value) and "model" not in known["set"] else None  # type: ignore[operator,return-value]
        spread = [k.value for k in call.keywords if k.arg is None]
        if len(spread) != 1 or not isinstance(spread[0], ast.Name) or scope.kind != "function":
            return None
        name = spread[0].id
        bindings = scope.bindings.get(name, [])
        if len(bindings) != 1 or bindings[0].kind != "assign" or not isinstance(bindings[0].value, ast.Dict):
            return None
        literal = bindings[0].value
        keys = [k.value if isinstance(k, ast.Constant) else None for k in literal.keys]
        function = self._function_of_scope(scope)
        if function is None or None in keys or not set(keys) <= self.PLAIN_KEYS:  # type: ignore[operator]
            return None
        allowed = {id(k.value) for k in ast.walk(function) if isinstance(k, ast.keyword) and k.arg is None}
        for node in ast.walk(function):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and _is_name(node.value, name):
                key = node.slice.value if isinstance(node.slice, ast.Constant) else None
                if key not in self.PLAIN_KEYS or key == "model":
                    return None
                allowed.add(id(node.value))
        loads = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
        if any(id(n) not in allowed for n in loads):
            return None
        value = literal.values[keys.index("model")] if "model" in keys else None
        return value if _is_str(value) else None  # type: ignore[return-value]

    def _class_constant(self, expr: ast.Attribute, scope: Scope) -> Optional[ast.Constant]:
        """``Models.GPT4`` / ``Models.GPT4.value``: a class attribute (an Enum member) of this
        module set once to a string, read nowhere but in ``model=`` arguments."""
        member = expr.value if expr.attr == "value" and isinstance(expr.value, ast.Attribute) else expr
        if not isinstance(member, ast.Attribute) or not isinstance(member.value, ast.Name):
            return None
        binding, ambiguous = self.lookup(member.value.id, scope, member.lineno)
        info = self.binder.classes.get(id(binding.node)) if binding is not None and binding.kind == "class" and not ambiguous else None
        if info is None:
            return None
        bindings = info.scope.bindings.get(member.attr, [])
        if len(bindings) != 1 or bindings[0].kind != "assign" or _field_default(bindings[0].value) is None:
            return None
        return _field_default(bindings[0].value) if self._only_model_uses(self.tree, member.attr, attr=True) else None

    def model_origin(self, expr: ast.AST, scope: Scope) -> Optional[Tuple[ast.AST, Scope]]:
        """Where a ``model=`` value is written, when every use of it is a ``model=`` argument: a
        parameter's default (the parameter read once), a module variable's value, or what
        ``self.<attr>`` is set to once in its class (a value, or such a parameter's default); with
        the scope that expression is evaluated in."""
        if isinstance(expr, ast.Name):
            binding, ambiguous = self.lookup(expr.id, scope, expr.lineno)
            if binding is None or ambiguous:
                return None
            if binding.kind == "param":
                return self._param_origin(binding, expr.id)
            if binding.kind == "assign" and binding.value is not None and binding.scope.kind in ("module", "function"):
                # a module variable, or a local bound once (``model_engine = "text-davinci-003"``)
                root = self.tree if binding.scope.kind == "module" else self._function_of_scope(binding.scope)
                return (binding.value, binding.scope) if root is not None and self._only_model_uses(root, expr.id) else None
            return None
        cls = scope.cls
        if not self._own_attribute(expr, scope) or cls is None:
            return None
        attr = expr.attr  # type: ignore[attr-defined]
        self.attrs_asked.add(attr)
        self.binder.bind_methods(cls)
        bindings = cls.attrs.get(attr, []) + cls.scope.bindings.get(attr, [])
        if len(bindings) != 1 or bindings[0].kind != "assign" or not self._only_model_uses(cls.node, attr, attr=True):
            return None
        value = bindings[0].value
        if isinstance(value, ast.Name):
            params = bindings[0].scope.bindings.get(value.id, [])
            if len(params) == 1 and params[0].kind == "param":
                return self._param_origin(params[0], value.id, to_attribute=True)
        return (value, bindings[0].scope) if value is not None else None

    @staticmethod
    def _own_attribute(expr: ast.AST, scope: Scope) -> bool:
        return (isinstance(expr, ast.Attribute) and scope.cls is not None and bool(scope.self_name)
                and _is_name(expr.value, scope.self_name))  # type: ignore[arg-type]

    def _param_origin(self, binding: Binding, name: str, to_attribute: bool = False) -> Optional[Tuple[ast.AST, Scope]]:
        function = self._function_of(binding.node)
        if function is None or binding.default is None:
            return None
        # the parameter is read once: by the model= argument itself, or to set the attribute
        loads = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
        if len(loads) != 1 or (not to_attribute and not self._only_model_uses(function, name)):
            return None
        return binding.default, binding.scope.parent or self.binder.module  # a default is evaluated outside

    def legacy_base(self, info: ClassInfo) -> Optional[str]:
        """The v0 resource a class derives from (``class ChatCompletion(openai.ChatCompletion)``)."""
        outer = info.scope.parent or self.binder.module
        for base in info.node.bases:
            value = self.resolve(base, outer)
            if isinstance(value, Q) and sym.legacy_resource(value.qname):
                return value.qname
        return None

    def _unresolved_call(self, node: ast.Call, scope: Scope, parent: Optional[ast.AST]) -> None:
        chain = _attribute_chain(node.func)
        if chain is None:
            return
        root, path = chain
        info = self._super_class(root, scope) if len(path) == 1 else None
        if info is not None:
            self._super_call(node, scope, parent, info, path[0])
            return
        for start in range(len(path)):
            api = sym.normalize_api(tuple(path[start:]))
            if api in LOW_CONFIDENCE_APIS:
                break
        else:
            return
        if self.resolve(root, scope) is NOT_OPENAI:
            return
        self.add(
            "call",
            node,
            N_("{api} call on a receiver that could not be resolved").format(api=api),
            api=api,
            confidence="low",
            model=self._model(node, scope, ("model",)),
            detail={
                "async": isinstance(parent, ast.Await),
                "stream": _kwarg_true(node, "stream") or _streaming_api(api),
                "tools": _has_kwarg(node, "tools", "functions", "tool_choice"),
                "response_format": _has_kwarg(node, "response_format"),
                "kwargs": _kwarg_names(node),
                "star_kwargs": any(k.arg is None for k in node.keywords),
                "receiver": "unresolved",
                "endpoint": "unknown",
            },
        )

    def _super_class(self, node: ast.AST, scope: Scope) -> Optional[ClassInfo]:
        """The class a ``super()`` / ``super(C, obj)`` call starts from, if it is one of this file's."""
        if not (isinstance(node, ast.Call) and _is_name(node.func, "super") and not node.keywords):
            return None
        if not node.args:
            return scope.cls
        if len(node.args) == 2 and isinstance(node.args[0], ast.Name):
            binding, _ = self.lookup(node.args[0].id, scope, node.lineno)
            if binding is not None and binding.kind == "class":
                return self.binder.classes.get(id(binding.node))
        return None

    def _super_call(self, node: ast.Call, scope: Scope, parent: Optional[ast.AST], info: ClassInfo, method: str) -> None:
        """``super().create(...)`` in a subclass of a v0 resource: a legacy call whose
        receiver is the user's own class.  Reported for a person (low confidence: no rule
        rewrites it), since the class itself cannot survive openai>=1."""
        base = self.legacy_base(info)
        operation = sym.legacy_operation(f"{base}.{method}") if base else None
        if operation is None:
            return
        api, is_async = operation
        self.add(
            "call",
            node,
            N_("legacy v0 {api} call through super() in a subclass of {base}").format(api=api, base=base),
            api=api,
            legacy=True,
            confidence="low",
            symbol=f"{base}.{method}",
            model=self._model(node, scope, ("model", "engine", "deployment_id")),
            detail={
                "async": is_async or isinstance(parent, ast.Await),
                "stream": _kwarg_true(node, "stream"),
                "tools": _has_kwarg(node, "tools", "functions", "tool_choice", "function_call"),
                "response_format": _has_kwarg(node, "response_format"),
                "kwargs": _kwarg_names(node),
                "star_kwargs": any(k.arg is None for k in node.keywords),
                "receiver": "super",
                "endpoint": "legacy",
            },
        )

    def _model(self, node: ast.Call, scope: Scope, names: Tuple[str, ...]) -> Optional[str]:
        for kw in node.keywords:
            if kw.arg in names:
                return self.constant_str(kw.value, scope)
        return None

    # ---- env reads
    def _env_read(self, node: ast.Call, scope: Scope) -> None:
        func = self.resolve(node.func, scope)
        if isinstance(func, Q) and func.qname in ("os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"):
            if node.args:
                self._env_literal(node.args[0])

    def _on_Subscript(self, node: ast.Subscript, scope: Scope, parent: Optional[ast.AST]) -> None:
        base = self.resolve(node.value, scope)
        if isinstance(base, Q) and base.qname == "os.environ":
            self._env_literal(node.slice)
        self._result_access(node, scope, parent)

    def _env_literal(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(ENV_PREFIXES):
            span = self.lines.span(node)
            self.out.env_reads.append(EnvRead(node.value, span))
            self.add("env", span, N_("reads environment variable {name}").format(name=node.value), symbol=node.value,
                     detail={"variable": node.value})

    # ---- try: which body an except clause guards
    def _on_Try(self, node: ast.Try, scope: Scope, parent: Optional[ast.AST]) -> None:
        if not node.body:
            return
        first, last = self.lines.span(node.body[0]), self.lines.span(node.body[-1])
        body = Span(first.line, first.col, last.end_line, last.end_col)
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for kind in kinds:
                if kind is not None:
                    self.guards[self.lines.span(kind)] = body
                    caught = self.resolve(kind, scope) if self.externals and isinstance(kind, (ast.Name, ast.Attribute)) else None
                    export = self._external(caught.qname) if isinstance(caught, Q) else None
                    if export and export.get("kind") == "exceptions":
                        # openai's exception classes under a name another module of the project
                        # defines (a shared tuple): they guard the calls in this try body too
                        self.out.symbols.append(SymbolRef(caught.qname, self.lines.span(kind), type(kind).__name__,  # type: ignore[union-attr]
                                                          "except", body))

    _on_TryStar = _on_Try

    # ---- names: symbols, exceptions, results
    def _on_Attribute(self, node: ast.Attribute, scope: Scope, parent: Optional[ast.AST]) -> None:
        self._symbol(node, scope, parent)
        self._result_access(node, scope, parent)

    def _on_Name(self, node: ast.Name, scope: Scope, parent: Optional[ast.AST]) -> None:
        self._symbol(node, scope, parent)

    def _symbol(self, node: ast.AST, scope: Scope, parent: Optional[ast.AST]) -> None:
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return  # only the outermost attribute of a chain
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not (isinstance(root, ast.Name) and root.id in self.binder.openai_names):
            return
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            return
        value = self.resolve(node, scope)
        if not isinstance(value, Q) or not sym.is_openai(value.qname) or value.qname == "openai":
            return
        span = self.lines.span(node)
        if span in self.seen_symbols:
            return
        self.seen_symbols.add(span)
        guard = self.guards.get(span)
        if isinstance(parent, ast.Call) and parent.func is node:
            context = "call"
        elif isinstance(parent, ast.Raise):
            context = "raise"
        else:
            context = "except" if guard is not None else "load"
        self.out.symbols.append(SymbolRef(value.qname, span, type(node).__name__, context, guard))
        name = sym.exception_name(value.qname)
        if name is not None:
            self.add("exception", span, N_("uses OpenAI exception {name}").format(name=value.qname), symbol=value.qname,
                     detail={"exception": name})

    def _result_access(self, node: ast.AST, scope: Scope, parent: Optional[ast.AST]) -> None:
        if isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is node:
            return  # only maximal chains
        if isinstance(parent, ast.Call) and parent.func is node and _dict_get(parent) is not None:
            return  # x.get("k") is read as one element, at the call
        chain = _access_chain(node)
        if chain is None:
            return
        root, path, styles = chain
        others: Tuple[Span, ...] = ()
        if isinstance(root, ast.Name):
            binding, ambiguous = self.lookup(root.id, scope, root.lineno)
            if binding is None or binding.scope is not scope:
                return
            if ambiguous:
                # `usage = None` then `usage = chunk.usage`: the placeholder does not count
                real = [b for b in scope.bindings.get(root.id, []) if not _is_none_assign(b)]
                values = [self.resolve_binding(b) for b in real]
                # `resp = a.create(...)` in one branch, `resp = b.create(...)` in the other: the read
                # belongs to every call (their clients migrate together); anything else is unknown
                if not values or not all(isinstance(v, Result) for v in values) \
                        or len({(v.api, v.prefix, v.chunk) for v in values}) != 1:  # type: ignore[union-attr]
                    return
                value = values[0]
                others = tuple(dict.fromkeys(v.call for v in values[1:] if v.call != value.call))  # type: ignore[union-attr]
            else:
                value = self.resolve(root, scope)
        else:
            value = self.resolve(root, scope)
        if isinstance(value, Result) and path:
            self.out.results.append(ResultAccess(
                value.call, tuple(value.prefix) + tuple(path), tuple(styles), self.lines.span(node), chunk=value.chunk,
                others=others,
            ))


# ---------------------------------------------------------------- helpers


def _annotation_parts(node: Optional[ast.AST], keep: List[ast.AST]) -> Iterator[ast.AST]:
    """The names a (possibly quoted) annotation is made of.  Trees parsed out of
    quoted annotations are appended to ``keep``: resolution memoizes by ``id(node)``,
    and a freed temporary node's id can be reused by the next one."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            parsed = ast.parse(node.value, mode="eval")
            keep.append(parsed)
            yield from _annotation_parts(parsed.body, keep)
        except SyntaxError:
            return
        return
    if isinstance(node, ast.Subscript):
        yield from _annotation_parts(node.slice, keep)
        return
    if isinstance(node, ast.Tuple):
        for elt in node.elts:
            yield from _annotation_parts(elt, keep)
        return
    if isinstance(node, ast.BinOp):
        yield from _annotation_parts(node.left, keep)
        yield from _annotation_parts(node.right, keep)
        return
    yield node


def _returns(fnode: ast.AST) -> Iterator[ast.Return]:
    stack = list(getattr(fnode, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))


def _astuple(span: Span) -> Tuple[int, int, int, int]:
    return (span.line, span.col, span.end_line, span.end_col)


def _streaming_api(api: str) -> bool:
    """``chat.completions.stream``, ``responses.stream``, ``beta.threads.runs.stream``: they stream
    whatever their arguments.  (Only the finding says so: their results are stream managers
    whose events are not chunks, so results read from them are not treated as chunks.)"""
    return api.endswith(".stream")


def _kwarg_true(node: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords)


def _has_kwarg(node: ast.Call, *names: str) -> bool:
    return any(k.arg in names for k in node.keywords)


def _dict_value(node: Optional[ast.AST], key: str) -> Optional[ast.AST]:
    """The value of a string key in a dict literal (``dict(key=...)`` too)."""
    if isinstance(node, ast.Dict):
        return next((v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value == key), None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return next((k.value for k in node.keywords if k.arg == key), None)
    return None


def _none_filter(node: ast.DictComp) -> Optional[ast.Name]:
    """``base`` of ``{k: v for k, v in base.items() if v is not None}``: a dict's entries whose
    value is not None."""
    if len(node.generators) != 1:
        return None
    gen = node.generators[0]
    target, it = gen.target, gen.iter
    if (gen.is_async or not isinstance(target, ast.Tuple) or len(target.elts) != 2
            or not all(isinstance(e, ast.Name) for e in target.elts)):
        return None
    k, v = (e.id for e in target.elts)  # type: ignore[attr-defined]
    if not (_is_name(node.key, k) and _is_name(node.value, v) and isinstance(it, ast.Call) and not it.args
            and not it.keywords and isinstance(it.func, ast.Attribute) and it.func.attr == "items"
            and isinstance(it.func.value, ast.Name)):
        return None
    for cond in gen.ifs:
        if not (isinstance(cond, ast.Compare) and _is_name(cond.left, v) and len(cond.ops) == 1
                and isinstance(cond.ops[0], ast.IsNot) and _is_none(cond.comparators[0])):
            return None
    return it.func.value


def _kwarg_names(node: ast.Call) -> List[str]:
    return [k.arg for k in node.keywords if k.arg is not None]


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _foreign_type(qname: str) -> bool:
    """An annotation naming a type from another package (not openai, not a typing construct)."""
    root = qname.split(".", 1)[0]
    return not sym.is_openai(qname) and root not in ("typing", "typing_extensions", "builtins", "collections")


def _is_property(node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> bool:
    """Decorated ``@property`` / ``@cached_property`` / ``@functools.cached_property``, or a
    package's own ``@lazy_property()`` / ``@reify``-like descriptor named ``...property``."""
    for deco in node.decorator_list:
        deco = deco.func if isinstance(deco, ast.Call) else deco
        name = deco.attr if isinstance(deco, ast.Attribute) else deco.id if isinstance(deco, ast.Name) else None
        if name is not None and name.lower().endswith("property"):
            return True
    return False


def _is_class_name(qname: str) -> bool:
    last = qname.rsplit(".", 1)[-1]
    return last[:1].isupper()


def _is_str(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


_FIELD_MAKERS = ("field", "Field", "ib", "attrib")  # dataclasses / pydantic / attrs


def _legacy_call_name(func: ast.AST) -> bool:
    """``openai.Completion.create`` / ``openai.ChatCompletion.acreate``: an openai<1 call, as written."""
    name = dotted_name(func) or ""
    return name.startswith("openai.") and name.rsplit(".", 1)[-1] in ("create", "acreate")


def absolute_qname(qname: str, path: str) -> Optional[str]:
    """``qname`` with a relative import's leading dots resolved against the package of ``path``
    (None when it climbs out of it)."""
    if not qname.startswith("."):
        return qname
    level = len(qname) - len(qname.lstrip("."))
    package = path.replace("\\", "/").split("/")[:-1]
    if level - 1 > len(package):
        return None
    return ".".join(package[:len(package) - (level - 1)] + [qname.lstrip(".")])


def _field_default(node: Optional[ast.AST]) -> Optional[ast.Constant]:
    """The string a class attribute defaults to: ``"gpt-4o"``, ``field(default="gpt-4o")``,
    ``Field("gpt-4o", ...)``, ``attr.ib(default="gpt-4o")``."""
    given = _field_value(node)
    return given if _is_str(given) else None  # type: ignore[return-value]


def _field_value(node: Optional[ast.AST]) -> Optional[ast.AST]:
    """The expression a class attribute defaults to: the value itself, or the default given to
    ``field(...)`` / ``Field(...)`` / ``attr.ib(...)`` (None when it has none: a required field)."""
    if not isinstance(node, ast.Call):
        return node
    name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id if isinstance(node.func, ast.Name) else ""
    if name not in _FIELD_MAKERS:
        return node
    given = next((k.value for k in node.keywords if k.arg == "default"), None)
    if given is None and name == "Field" and node.args:
        given = node.args[0]
    return given


def _tested_names(test: ast.AST) -> Iterator[ast.Name]:
    """The names a condition only looks at: ``x``, ``not x``, ``x is None``, ``x == ""``, and
    those joined by and/or (nothing passes them anywhere)."""
    if isinstance(test, ast.Name):
        yield test
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _tested_names(test.operand)
    elif isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _tested_names(value)
    elif isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant):
        yield from _tested_names(test.left)


def _fallback(node: ast.AST) -> Tuple[ast.AST, Optional[str]]:
    """What a value falls back to when the caller gives none, and the environment variable read
    over that default: the last operand of ``model or DEFAULT`` (nothing before it a literal), the
    default of ``os.getenv("MODEL", "gpt-4o")``; the value itself (and None) otherwise."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and not any(isinstance(v, ast.Constant) for v in node.values[:-1]):
        return _fallback(node.values[-1])
    if isinstance(node, ast.Call) and _is_env_read(node) and len(node.args) == 2 and _is_str(node.args[1]):
        return node.args[1], node.args[0].value if _is_str(node.args[0]) else None  # type: ignore[attr-defined]
    return node, None


def _default_of(node: ast.AST) -> ast.AST:
    return _fallback(node)[0]


def _default_tails(root: ast.AST) -> Dict[int, ast.AST]:
    """id(the default a value falls back to) -> the name or attribute it is assigned to, for
    ``m = model or DEFAULT`` / ``self.model = model or DEFAULT`` under ``root``."""
    out: Dict[int, ast.AST] = {}
    for node in ast.walk(root):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            tail = _default_of(node.value)
            if tail is not node.value and len(targets) == 1 and isinstance(targets[0], (ast.Name, ast.Attribute)):
                out[id(tail)] = targets[0]
    return out


def _classify_url(text: str) -> str:
    if "api.openai.com" in text:
        return "openai"
    return "azure" if ".openai.azure.com" in text else "other"


def _is_env_read(node: ast.AST) -> bool:
    """``os.getenv("X"[, default])``, ``os.environ.get(...)``, ``os.environ["X"]``: a str (or None)."""
    if isinstance(node, ast.Subscript):
        return dotted_name(node.value) in ("os.environ", "environ")
    if isinstance(node, ast.Call) and not node.keywords and all(isinstance(a, ast.Constant) for a in node.args):
        return dotted_name(node.func) in ("os.getenv", "getenv", "os.environ.get", "environ.get")
    return False


def _is_env_read_plus(node: ast.AST) -> bool:
    """``os.getenv("X", "https://host") + "/v2"``: a host from the environment, a path after it."""
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _is_env_read(node.left) and _is_str(node.right)


def _env_var_default(node: ast.AST) -> Tuple[Optional[str], Optional[str]]:
    """(variable, default literal) of an environment read (see _is_env_read), or of one with a
    path added to it (the path added to the default)."""
    if isinstance(node, ast.BinOp):
        var, default = _env_var_default(node.left)
        return var, (default + node.right.value if default is not None else None)  # type: ignore[attr-defined]
    if isinstance(node, ast.Subscript):
        key = node.slice
        return (key.value, None) if _is_str(key) else (None, None)  # type: ignore[attr-defined]
    args = node.args  # type: ignore[attr-defined]
    var = args[0].value if args and _is_str(args[0]) else None
    default = args[1].value if len(args) > 1 and _is_str(args[1]) else None
    return var, default


def _openai_base_var(var: str) -> bool:
    """OPENAI_BASE_URL, OPENAI_API_BASE, OPENAI_API_BASE_URL, OPENAI_ENDPOINT...: where the
    openai SDK (or the project) is told OpenAI's server is."""
    return var.startswith("OPENAI_") and any(word in var for word in ("BASE", "URL", "ENDPOINT", "HOST"))


def dotted_name(node: ast.AST) -> Optional[str]:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _value_form(node: Optional[ast.AST]) -> str:
    """str | none | env | dict (a dict literal whose "https" entry is one of those) | expr"""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return "none"
    if isinstance(node, ast.Constant):
        return "str" if isinstance(node.value, str) else "expr"
    if _is_env_read(node):
        return "env"
    if isinstance(node, ast.Dict) and None not in node.keys:
        entries = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
        if len(entries) == len(node.keys) and "https" in entries and _value_form(entries["https"]) in ("str", "none", "env"):
            return "dict"
    return "expr"


def _value_kind(node: Optional[ast.AST]) -> str:
    if node is None:
        return "none"
    if isinstance(node, ast.Constant):
        return "literal"
    if isinstance(node, ast.Call):
        return "call"
    if isinstance(node, ast.Subscript):
        return "subscript"
    return "expression"


def _attribute_chain(node: ast.AST) -> Optional[Tuple[ast.AST, List[str]]]:
    path: List[str] = []
    while isinstance(node, ast.Attribute):
        path.append(node.attr)
        node = node.value
    if not path:
        return None
    path.reverse()
    return node, path


def _access_chain(node: ast.AST) -> Optional[Tuple[ast.AST, List[object], List[str]]]:
    path: List[object] = []
    styles: List[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            path.append(node.attr)
            styles.append("attr")
            node = node.value
        elif isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, (str, int)) and not isinstance(index.value, bool):
                path.append(index.value)
                styles.append("key" if isinstance(index.value, str) else "index")
            else:
                path.append(None)
                styles.append("dynamic")
            node = node.value
        elif _dict_get(node) is not None:
            path.append(_dict_get(node))
            styles.append("get")
            node = node.func.value  # type: ignore[attr-defined]
        else:
            break
    if not path:
        return None
    path.reverse()
    styles.reverse()
    return node, path, styles


def _config_key(node: ast.AST) -> Optional[str]:
    """The key a mapping is read with, ``config["openai_api_key"]`` or ``cfg.get("openai_key")``
    (not an environment read: the plan renames OPENAI_* variables with the client)."""
    if _is_env_read(node):
        return None
    if isinstance(node, ast.Subscript) and _is_str(node.slice):
        return node.slice.value  # type: ignore[attr-defined,no-any-return]
    return _dict_get(node)


def unset_by_default(node: ast.AST) -> bool:
    """A default that leaves the value unset: ``None``, or ``os.getenv("X")`` /
    ``os.environ.get("X")`` with no default (None when the variable is not set)."""
    if _is_none(node):
        return True
    if isinstance(node, ast.Call) and _is_env_read(node) and not node.keywords:
        return len(node.args) == 1 or (len(node.args) == 2 and _is_none(node.args[1]))
    return False


def _is_none_assign(binding: "Binding") -> bool:
    return binding.kind == "assign" and isinstance(binding.value, ast.Constant) and binding.value.value is None


def _dict_get(node: ast.AST) -> Optional[str]:
    """The key of a ``x.get("key")`` / ``x.get("key", default)`` call, else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and 1 <= len(node.args) <= 2
        and not node.keywords
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


# ---------------------------------------------------------------- entry point


def analyze_python(source: str, path: str, *, cell: Optional[int] = None,
                   externals: Optional[Dict[str, Dict[str, object]]] = None) -> FileAnalysis:
    """Analyse one module's source.  Never raises: a file that cannot be parsed
    comes back with ``error`` (and ``error_line``) set and no findings.  ``externals``: what the
    project's other modules export that holds a client (analyzer/project.py); the file is then
    analysed whole (a module that only uses another's client need not mention openai)."""
    enabled = gc.isenabled()
    gc.disable()  # a tree of plain nodes holds no cycles; collecting while building it only costs time
    try:
        return _analyze(source, path, cell, PRUNE and not externals, externals)
    finally:
        if enabled:
            gc.enable()


def exports_of(source: str, path: str, takes: bool = False) -> Dict[str, Dict[str, object]]:
    """What this module's top-level names hold of OpenAI clients built here: a class's
    ``self.<attr>`` (or property), a function's return value, a module variable.  name ->
    {"kind": class|function|var, "attrs": {attr: client} | "client": client}.  ``takes``: also
    the parameters annotated as a client that a top-level function or a class's ``__init__``
    takes from its callers (``"takes": {parameter: position}``; kind "takes" when the name holds
    no client): a caller handing its client there forms one client with the calls made on it."""
    try:
        tree = ast.parse(source, filename=path, type_comments=False)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    binder = _Binder(None, lazy=False)
    binder.visit(tree)
    analyzer = _Analyzer(tree, binder, _Lines(source), path, None)
    out: Dict[str, Dict[str, object]] = {}

    calls: Dict[Span, ast.Call] = {}

    def meta(value: Value) -> Optional[Dict[str, object]]:
        if isinstance(value, Client) and value.origin in ("constructed", "subclass"):
            if not calls:
                calls.update({analyzer.lines.span(n): n for n in ast.walk(tree) if isinstance(n, ast.Call)})
            call = calls.get(value.span)
            if call is None:
                return None
            return {"cls": value.cls, "span": list(_astuple(value.span)), "is_async": value.is_async,
                    "azure": value.azure, "endpoint": value.endpoint, "key": analyzer.client_key(call)}
        return None

    try:
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                scope = binder.scopes.get(id(stmt))
                info = scope.cls if scope is not None else None
                if info is None:
                    continue
                binder.bind_methods(info)
                names = set(info.attrs) | {n for n, bs in info.scope.bindings.items() if any(b.kind == "func" for b in bs)}
                attrs = {n: m for n in sorted(names) for m in [meta(analyzer._self_attribute(info, n))] if m}
                if attrs:
                    out[stmt.name] = {"kind": "class", "attrs": attrs}
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found = meta(analyzer._factory_return(stmt))
                if found:
                    out[stmt.name] = {"kind": "function", "client": found}
            caught = _exception_names(analyzer, stmt) if takes else None
            if caught:
                for name, names in caught.items():
                    out.setdefault(name, {"kind": "exceptions", "names": names})
            taken = _client_params(analyzer, stmt) if takes and isinstance(stmt, _DEFS) else None
            if taken:
                out.setdefault(stmt.name, {"kind": "takes"})["takes"] = taken
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                found = meta(analyzer.resolve(stmt.value, binder.module))
                for target in targets:
                    if found and isinstance(target, ast.Name):
                        out[target.id] = {"kind": "var", "client": found}
    except RecursionError:
        return {}
    return out


_DEFS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _client_params(analyzer: "_Analyzer", stmt: ast.AST) -> Dict[str, int]:
    """The parameters of a top-level function (a class: its ``__init__``, after ``self``) whose
    annotation names an OpenAI client class: name -> position (-1: keyword-only)."""
    fnode = stmt
    if isinstance(stmt, ast.ClassDef):
        fnode = next((f for f in stmt.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name == "__init__"), None)
    if not isinstance(fnode, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return {}
    skip = 1 if fnode is not stmt else 0
    args = fnode.args
    positional = (list(args.posonlyargs) + list(args.args))[skip:]
    named = [(a, i) for i, a in enumerate(positional)] + [(a, -1) for a in args.kwonlyargs]
    return {a.arg: i for a, i in named
            if a.annotation is not None and analyzer._client_named_by(a.annotation, analyzer.binder.module, a) is not None}


def _exception_names(analyzer: "_Analyzer", stmt: ast.AST) -> Dict[str, List[str]]:
    """Module-level names holding openai exception classes, for the modules that catch them:
    ``RETRYABLE = (openai.RateLimitError, openai.APITimeoutError)``, ``Err = openai.APIError``,
    ``from openai import RateLimitError`` (re-exported).  name -> the classes' qualified names."""
    out: Dict[str, List[str]] = {}
    if isinstance(stmt, ast.ImportFrom) and sym.is_openai(stmt.module or "") and not stmt.level:
        for alias in stmt.names:
            qname = sym.canonical(f"{stmt.module}.{alias.name}")
            if sym.exception_name(qname) is not None:
                out[alias.asname or alias.name] = [qname]
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        elts = stmt.value.elts if isinstance(stmt.value, (ast.Tuple, ast.List)) else [stmt.value]
        values = [analyzer.resolve(e, analyzer.binder.module) for e in elts]
        names = [v.qname for v in values if isinstance(v, Q) and sym.exception_name(v.qname) is not None]
        if names and len(names) == len(elts):
            out[stmt.targets[0].id] = names
    return out


def param_key(name: str, param: str) -> str:
    """The whole-project key of the client a function (or class) ``name`` takes as ``param``."""
    return f"param:{name}:{param}"


def written_value(tree: ast.Module, source: str, rest: List[str]) -> Optional[Tuple[ast.Constant, List[int], ast.AST, str]]:
    """Where a module writes the string a dotted name ``rest`` of it holds, when it is written once:
    ``NAME = "gpt-4o"``; ``Models.GPT4 = "gpt-4o"`` (an Enum member, ``.value`` too); or a field
    default of a settings instance made at module level with no arguments (``settings =
    Settings()``, ``chat_model: str = "gpt-4o"`` or ``Field("gpt-4o")`` in ``class Settings``).
    Returns (the literal, its span, the node naming it where it is written, the environment
    variable a pydantic ``BaseSettings`` field reads over its default, or "")."""
    found = written_default(tree, source, rest)
    if found is None or not _is_str(found[0]):
        return None
    return found  # type: ignore[return-value]


def written_default(tree: ast.Module, source: str, rest: List[str]) -> Optional[Tuple[ast.AST, List[int], ast.AST, str]]:
    """As ``written_value``, for a value of any kind: the expression a module variable is bound to
    once, or the default of a settings field (``Optional[str] = None``, ``Field(None)``)."""
    if rest and rest[-1] == "value" and len(rest) == 3:
        rest = rest[:2]
    top: Dict[str, List[ast.AST]] = {}
    for stmt in tree.body:
        for name in _stmt_binds(stmt):
            top.setdefault(name, []).append(stmt)
    declared = {n for node in ast.walk(tree) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    called = bool(rest) and rest[0].endswith("()")
    head = rest[0][:-2] if called else rest[0] if rest else ""
    if not rest or len(rest) > 2 or len(top.get(head, ())) != 1 or head in declared or (called and len(rest) != 2):
        return None
    first = top[head][0]
    if called:  # get_settings(): every return makes (or is) the same settings instance
        if not isinstance(first, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        made = {_made_by(r.value, top) for r in _returns(first)}
        if len(made) != 1 or None in made:
            return None
        first = made.pop()  # type: ignore[assignment]
    lines = _Lines(source)
    if len(rest) == 1:
        value = first.value if isinstance(first, (ast.Assign, ast.AnnAssign)) else None
        target = (first.targets[0] if isinstance(first, ast.Assign) and len(first.targets) == 1 else
                  first.target if isinstance(first, ast.AnnAssign) else None)
        if value is None or not isinstance(target, ast.Name):
            return None
        return value, list(_astuple(lines.span(value))), target, ""
    cls = first
    if isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(first.value, ast.Call):
        made = first.value
        if made.args or made.keywords or not isinstance(made.func, ast.Name) or len(top.get(made.func.id, ())) != 1:
            return None  # an instance given values of its own may not keep the default
        cls = top[made.func.id][0]
    if not isinstance(cls, ast.ClassDef):
        return None
    fields = [s for s in cls.body if rest[1] in _stmt_binds(s)]
    if len(fields) != 1 or not isinstance(fields[0], (ast.Assign, ast.AnnAssign)):
        return None
    stmt = fields[0]
    default = _field_value(stmt.value)
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
    if default is None or not isinstance(target, ast.Name):
        return None
    env = ""
    if (cls is not first or called) and any((b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "")
                                == "BaseSettings" for b in cls.bases):
        env = (_env_prefix(cls) + rest[1]).upper()
    return default, list(_astuple(lines.span(default))), target, env


def _made_by(value: Optional[ast.AST], top: Dict[str, List[ast.AST]]) -> Optional[ast.AST]:
    """The module statement a factory's returned value is made by: ``return Settings()`` (a class
    defined once at module level) or ``return settings`` (a variable bound once there)."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and len(top.get(value.func.id, ())) == 1:
        return top[value.func.id][0] if not value.args and not value.keywords else None
    if isinstance(value, ast.Name) and len(top.get(value.id, ())) == 1:
        return top[value.id][0]
    return None


def _stmt_binds(stmt: ast.AST) -> List[str]:
    """The names a top-level (or class-body) statement binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    targets = (stmt.targets if isinstance(stmt, ast.Assign) else
               [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)) else
               [i.optional_vars for i in stmt.items if i.optional_vars is not None] if isinstance(stmt, (ast.With, ast.AsyncWith)) else
               [])
    out = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(stmt, (ast.If, ast.Try, ast.While, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                out += _stmt_binds(child)
        for handler in getattr(stmt, "handlers", ()):
            for child in handler.body:
                out += _stmt_binds(child)
    return out


def _env_prefix(cls: ast.ClassDef) -> str:
    """A pydantic settings class's ``env_prefix`` (``model_config = SettingsConfigDict(env_prefix=...)``
    or ``class Config: env_prefix = ...``), "" when it sets none."""
    for node in ast.walk(cls):
        if isinstance(node, ast.keyword) and node.arg == "env_prefix" and _is_str(node.value):
            return node.value.value  # type: ignore[attr-defined,no-any-return]
        if (isinstance(node, ast.Assign) and any(_is_name(t, "env_prefix") for t in node.targets) and _is_str(node.value)):
            return node.value.value  # type: ignore[attr-defined,no-any-return]
    return ""


def _analyze(source: str, path: str, cell: Optional[int], prune: bool,
             externals: Optional[Dict[str, Dict[str, object]]] = None) -> FileAnalysis:
    if prune and MASK and len(source) >= chunks.MIN_CHARS:
        try:
            masked = _analyze_masked(source, path, cell)
        except RecursionError:
            masked = None
        if masked is not None:
            return masked
    try:
        tree = ast.parse(source, filename=path, type_comments=False)
    except SyntaxError as exc:
        out = FileAnalysis(path, error=N_("syntax error: {reason}").format(reason=exc.msg), error_line=exc.lineno)
        return out
    except (ValueError, RecursionError, MemoryError) as exc:
        return FileAnalysis(path, error=N_("cannot parse: {reason}").format(reason=f"{type(exc).__name__}: {exc}"))
    try:
        lines = _Lines(source)
        starts = line_index(source, lines.lines)
        constructs = _LineMarks(starts) if prune else None
        for pattern in _CONSTRUCTS if constructs else ():
            constructs.mark(pattern, source)  # type: ignore[union-attr]
        binder = _Binder(constructs, lazy=prune)
        binder.visit(tree)
        reporter = _Reporter(tree, binder, lines, path, cell)
        reporter.externals = externals or {}
        try:
            if prune:
                reporter.relevant = _relevant_lines(reporter, source, starts)
            return reporter.run()
        finally:
            _release(reporter)
    except RecursionError:
        return FileAnalysis(path, error=N_("cannot analyse: expression nesting too deep"))


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
            blanked += [part for part in region.parts or ()
                        if not initial.any(part.first, part.last)
                        and chunks.droppable(part, chunks.segment(source, starts, part))]
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


def _imported_trigger_names(text: str, imports: List[Tuple[int, int]]) -> set:
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
    names: set = set()
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
    if mentioned and any(re.search(r"\b" + re.escape(name) + r"\b", chunks.segment(source, starts, region)) for name in mentioned):
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


#: skip what cannot hold a finding (False: visit every node; the test suite runs every
#: analysis both ways and requires the same result, see tests/conftest.py)
PRUNE = True
#: parse big files masked (see chunks.py); pruned analyses only
MASK = True
