"""The analyzer's values (what an expression resolves to) and its first pass: the binder, which
records the bindings of each scope (imports, assignments, parameters, ``with ... as``,
``self.x = ...`` per class, function definitions).  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple, TYPE_CHECKING, Union

from migrator.analyzer import symbols as sym
from migrator.models import Span

if TYPE_CHECKING:
    from migrator.analyzer.prune import _LineMarks


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
        self.trigger_names: Set[str] = set()  # names bound by importing openai or a wrapper package
        self.module = Scope("module", None, log=self.log)
        self.scope = self.module
        self.scopes: Dict[int, Scope] = {}
        self.classes: Dict[int, ClassInfo] = {}
        self.openai_names: Set[str] = set()  # names bound to openai or a name imported from it

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
        defaults: Dict[int, ast.AST] = {
            id(a): d for a, d in zip(positional[len(positional) - len(args.defaults) :], args.defaults)
        }
        defaults.update({id(a): d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        for arg in positional + list(args.kwonlyargs) + [a for a in (args.vararg, args.kwarg) if a]:
            inner.add(
                arg.arg, Binding("param", node.lineno, inner, annotation=arg.annotation, node=arg, default=defaults.get(id(arg)))
            )
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
                self.scope.add(item.optional_vars.id, Binding("with", node.lineno, self.scope, value=item.context_expr))
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
        missing = (
            {dotted_name(t) for t in (node.type.elts if isinstance(node.type, ast.Tuple) else [node.type])}
            & {"ImportError", "ModuleNotFoundError"}
            if node.type is not None
            else set()
        )
        for stmt in node.body:
            if missing and _none_fallback(stmt, self.scope):
                continue  # try: import openai / except ImportError: openai = None: where used, it is the module
            self.visit(stmt)

    def visit_Global(self, node: Union[ast.Global, ast.Nonlocal]) -> None:
        return None

    visit_Nonlocal = visit_Global


def _none_fallback(stmt: ast.AST, scope: "Scope") -> bool:
    """``openai = None``: a name an import bound, set to None where the import failed."""
    return (
        isinstance(stmt, ast.Assign)
        and _is_none(stmt.value)
        and all(isinstance(t, ast.Name) and any(b.kind == "import" for b in scope.bindings.get(t.id, [])) for t in stmt.targets)
    )


#: packages whose imported names can carry an OpenAI finding
_TRIGGER_PACKAGES = ("openai",) + sym.FRAMEWORK_PACKAGES + sym.ROUTER_PACKAGES


def _triggers_names(module: str) -> bool:
    return module.split(".", 1)[0] in _TRIGGER_PACKAGES


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


_LEAVES = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop, ast.Constant)  # nothing to report in them


def _is_none(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


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
