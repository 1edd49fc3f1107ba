"""Pass 2, resolution: what a name, an attribute or a call holds (an imported qualified name, an
OpenAI client, a client resource, an API call's result), and the endpoint and keyword
arguments a client is built with.  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
import bisect
import hashlib
from typing import Dict, Iterator, List, Optional, Set, Tuple, TYPE_CHECKING, Union

from migrator.analyzer import symbols as sym
from migrator.models import FileAnalysis, Span
from migrator.analyzer.scope import Client, Func, NOT_OPENAI, Q, Res, Result, _is_name, _is_none, dotted_name
from migrator.analyzer.nodes import (
    _classify_url,
    _default_of,
    _dict_get,
    _env_var_default,
    _field_value,
    _is_class_name,
    _is_env_read,
    _is_str,
    _defs_in,
    _kwarg_true,
    _returns,
    absolute_qname,
)

if TYPE_CHECKING:
    from migrator.analyzer.scope import Binding, ClassInfo, Scope, Value, _Binder
    from migrator.analyzer.prune import _Lines


class _Analyzer:
    """Pass 2: resolve every expression and report what is OpenAI."""

    def __init__(self, tree: ast.Module, binder: _Binder, lines: _Lines, path: str, cell: Optional[int]):
        self.tree = tree
        self._functions: Optional[Dict[int, Union[ast.FunctionDef, ast.AsyncFunctionDef]]] = None
        self._scope_functions: Optional[Tuple[int, Dict[int, Union[ast.FunctionDef, ast.AsyncFunctionDef]]]] = None
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
        self.busy: Set[int] = set()  # id(a node being resolved)
        self.imports_openai = False
        self.seen_calls: Set[object] = set()  # (read nowhere)
        self.seen_symbols: Set[Span] = set()
        self.guards: Dict[Span, Span] = {}  # an except clause's exception type -> the try body it guards
        self.handed: Dict[Span, str] = {}  # a constructed client's span -> the imported callable it is passed to
        self.stored: Dict[Span, List[object]] = {}  # a constructed client's span -> [the container it is put in, line]
        self.returned_by: Dict[Span, List[int]] = {}  # a constructed client's span -> the function returning it
        self.method_values: Dict[
            Span, List[object]
        ] = {}  # a constructed client's span -> [an API method of it passed as a value, line]
        self.escapes: Dict[Span, str] = {}  # an API call's span -> where its response leaves the function
        self.feeds: Dict[Span, List[List[int]]] = {}  # a constructed client's span -> local parameters it is passed to
        self.wrapped: Dict[Span, str] = {}  # a constructed client's span -> the wrapper built around it (instructor)
        self.taken: Optional[Dict[Span, List[List[str]]]] = None  # see _taken_param
        self.defaults: Optional[Dict[int, List[object]]] = None  # see _default_param
        self.takes: Dict[Span, List[List[str]]] = {}
        # a constructed client's span -> the client a name or attribute bound to both is resolved to
        # (``if x: self.client = OpenAI() else: self.client = OpenAI(base_url=...)``): one client to its calls
        self.shares: Dict[Span, List[int]] = {}
        self.globals_memo: Dict[str, List["Value"]] = {}  # see _global_values
        self.blocks: Optional[Dict[int, int]] = None  # see _block_of
        self.env_guards: Set[int] = set()  # id(the variable's literal) of reads guarding a kept write (walk.py _on_If)
        self.mixed: Dict[
            Span, List[object]
        ] = {}  # a constructed client's span -> [a name also bound to another value, line read]  # a constructed client's span -> [module, key] of project parameters it is passed to
        self.mentions_asked: Set[str] = set()  # names whose every mention was read (see _consulted)
        self.caller_values: Dict[Tuple[int, str], Optional[List[ast.Constant]]] = {}  # see callers_choice
        self.model_env: Dict[int, str] = {}  # id(a model default) -> the environment variable read over it
        # id(a model literal found) -> the other literals the same value may be (an Enum's members, a
        # dict's values read by computed keys): mapped with it
        self.model_also: Dict[int, List[ast.Constant]] = {}
        self.parsed_annotations: List[ast.AST] = []  # kept alive: see _annotation_parts
        # every name looked up and every self/class attribute asked for (a masked analysis
        # checks that none of them is bound in a region it did not parse)
        self.looked_up: Set[str] = set()
        self.attrs_asked: Set[str] = set()

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
            if ambiguous and isinstance(value, Client) and value.origin in ("constructed", "subclass"):
                # `if x: c = OpenAI() / else: c = OpenAI(base_url=...)`: both reach the calls made on c
                # (a binding in the latest one's own block is dead there: `c = A()` then `c = B()`)
                block = self._block_of(binding)
                others = [
                    v
                    for v in (
                        self.resolve_binding(b)
                        for b in binding.scope.bindings.get(node.id, [])
                        if b is not binding and b.line <= node.lineno and (block is None or self._block_of(b) != block)
                    )
                    if isinstance(v, Client)
                ]
                if others:
                    self._one_of([value] + others)
            if isinstance(value, Client) and value.origin in ("constructed", "subclass") and binding.scope.kind == "module":
                # `global client; client = OpenAI(base_url=url)` in a function (re-review L6): one client
                # to the calls made on it; a value of another kind there: the calls cannot be followed
                rebound = self._global_values(node.id)
                if rebound and not all(isinstance(v, Client) for v in rebound):
                    self.mixed.setdefault(value.span, [node.id, node.lineno])
                    return None
                if rebound:
                    self._one_of([value] + [v for v in rebound if isinstance(v, Client)])
            if ambiguous and not isinstance(value, (Client, Res, Result)):
                mixed = self._mixed(node.id, binding, node.lineno)
                if isinstance(mixed, Client):
                    return mixed  # `c = None` where the client could not be made: a call on it is the client's
                if mixed:
                    return None  # a client in one branch, something else in another: unresolved, reported
            return value
        if isinstance(node, ast.Attribute):
            return self._resolve_attribute(node, scope)
        if isinstance(node, ast.Call):
            key: Union[str, int, None] = _dict_get(node)
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
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            # ``client or OpenAI(...)`` with ``client: OpenAI = None`` a caller may give: the client
            # built here (a caller's own client takes the same calls, as for any client parameter)
            values = [self.resolve(v, scope) for v in node.values]
            built = [v for v in values if isinstance(v, Client) and v.origin in ("constructed", "subclass")]
            if len(built) == 1 and all(v is built[0] or (isinstance(v, Client) and v.origin == "annotated") for v in values):
                return built[0]
            return None
        if isinstance(node, ast.IfExp):
            # `AzureOpenAI(...) if azure else OpenAI(...)`: one client to the calls made on it (re-review
            # L2: the OpenAI branch moved while its calls were left unresolved); `OpenAI(...) if key else None`
            branches = [(self.resolve(n, scope), n) for n in (node.body, node.orelse)]
            clients = [v for v, _n in branches if isinstance(v, Client)]
            if clients and all(isinstance(v, Client) or _is_none(n) for v, n in branches):
                return self._one_of(clients)
            return None
        if isinstance(node, (ast.Constant, ast.JoinedStr, ast.List, ast.Dict, ast.Tuple, ast.Set)):
            return NOT_OPENAI
        return None

    def _global_values(self, name: str) -> List[Value]:
        """What functions declaring ``global <name>`` assign to it (None: a placeholder, not counted)."""
        if name not in self.globals_memo:
            found: List[Value] = []
            for function in ast.walk(self.tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not any(
                    isinstance(n, ast.Global) and name in n.names for n in function.body
                ):
                    continue
                inner = self.binder.scopes.get(id(function))
                if inner is not None:
                    self.binder.bind_body(inner)
                for stmt in ast.walk(function):
                    if isinstance(stmt, ast.Assign) and any(_is_name(t, name) for t in stmt.targets) and not _is_none(stmt.value):
                        found.append(self.resolve(stmt.value, inner) if inner is not None else None)
            self.globals_memo[name] = found
        return self.globals_memo[name]

    def _mixed(self, name: str, picked: Binding, line: int) -> Union[bool, Client]:
        """Whether ``name``, read at ``line`` where its latest binding holds no client, may hold a
        client another binding before it made (``if a: c = OpenAI(...)`` / ``elif b: c =
        state.client``): those clients are recorded as going where this module cannot follow.
        Where the latest binding is only ``None`` (``try: c = OpenAI() / except: c = None``) and
        the others one client, that client."""
        bindings = [b for b in picked.scope.bindings.get(name, []) if b is not picked and b.line <= line]
        clients: List[Client] = []
        others = False
        for binding in bindings:
            value = self.resolve_binding(binding)
            if isinstance(value, Client):
                clients.append(value)
            elif not _is_none_value(binding):
                others = True
        if not clients:
            return False
        if _is_none_value(picked) and not others and len({c.span for c in clients}) == 1:
            return clients[0]
        for client in clients:
            if client.origin in ("constructed", "subclass"):
                self.mixed.setdefault(client.span, [name, line])
        return True

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
        # node is None only without an annotation, where _client_named_by never reads it
        client = self._client_named_by(binding.annotation, binding.scope, node)  # type: ignore[arg-type]
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
        cls = self._self_class(base_node, scope)
        if cls is not None:
            return self._self_attribute(cls, node.attr)
        base = self.resolve(base_node, scope)
        if isinstance(base, Q):
            if base.qname.endswith("@subclass"):
                return NOT_OPENAI
            export = self._external(f"{base.qname}.{node.attr}") if self.externals else None
            if export and export.get("kind") == "var":  # ``import app.llm as llm``: ``llm.client``
                return self._remote(export["client"], export["path"])  # type: ignore[arg-type]
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

    def _self_class(self, expr: ast.AST, scope: Scope) -> Optional[ClassInfo]:
        """The class whose instance ``expr`` is, when it is a method's ``self``: read in the method, or
        in a function nested in it (a decorator's closure: fructose's ``def decorator(func):
        LLMFunctionHandler(client=self._client, ...)``)."""
        if not isinstance(expr, ast.Name):
            return None
        if scope.self_name is not None:
            return scope.cls if scope.self_name == expr.id else None
        if scope.kind != "function" or scope.parent is None or scope.parent.kind != "function":
            return None
        outer, ambiguous = self.lookup(expr.id, scope, getattr(expr, "lineno", 0))
        if outer is None or ambiguous or outer.kind != "param" or outer.scope is scope or outer.scope.self_name != expr.id:
            return None
        return outer.scope.cls

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
            # a subclass of this module that sets the attribute to a client of its own: the
            # inherited methods call that one too (re-review S7)
            clients += [
                v
                for other in self._subclasses(cls)
                for v in (self._member_value(b) for b in other.attrs.get(attr, []))
                if isinstance(v, Client)
            ]
            return self._one_of(sorted(clients, key=lambda c: (c.span.line, c.span.col, c.span.end_line, c.span.end_col)))
        return values.pop() if len(values) == 1 else None

    def _subclasses(self, cls: ClassInfo) -> List[ClassInfo]:
        """The classes of this module's top level derived from ``cls`` by name (``class B(A)``)."""
        out: List[ClassInfo] = []
        for node in getattr(self.tree, "body", []):
            if isinstance(node, ast.ClassDef) and node is not cls.node and any(_is_name(b, cls.node.name) for b in node.bases):
                inner = self.binder.scopes.get(id(node))
                if inner is not None and inner.cls is not None:
                    self.binder.bind_methods(inner.cls)
                    out.append(inner.cls)
        return out

    def _block_of(self, binding: Binding) -> Optional[int]:
        """id() of the statement list an assignment binding is a statement of (None: not known)."""
        if self.blocks is None:
            self.blocks = {}
            for node in ast.walk(self.tree):
                for field in ("body", "orelse", "finalbody"):
                    block = getattr(node, field, None)
                    if isinstance(block, list):
                        for stmt in block:
                            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                                self.blocks[id(stmt.value)] = id(block)
        return self.blocks.get(id(binding.value)) if binding.value is not None else None

    def _one_of(self, clients: List[Client]) -> Client:
        """The first of the clients one name or attribute may hold, the others recorded as sharing
        its calls (analyzer's ``_same_as``: one unit, they move or stay together)."""
        built = sorted({_span_key(c.span) for c in clients if c.origin in ("constructed", "subclass")})
        for other in built[1:]:  # (each to the first in the file: the same links whichever use is resolved first)
            key = Span(*other)
            self.shares[key] = min(self.shares.get(key, list(built[0])), list(built[0]))
        return clients[0]

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
        return Client(
            str(meta["cls"]),
            Span(*meta["span"]),  # type: ignore[misc]
            bool(meta["is_async"]),
            bool(meta["azure"]),
            str(meta["endpoint"]),
            "remote",
            f"{where}#{meta['key']}",
        )

    def _earlier_cell(self, name: str) -> Value:
        """A notebook cell's name bound by an earlier cell (the cells run as one program)."""
        export = self.externals[name]
        if export.get("kind") == "alias":
            # a name an earlier cell imported from a module of the project (``from app.llm import
            # client``, ``import app.llm as llm``): what that module exports under it
            qname = str(export["qname"])
            export = self.externals.get(qname) or {}
            if export.get("kind") == "var":
                return self._remote(export["client"], export["path"])  # type: ignore[arg-type]
            return Q(qname)
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
        value = self.resolve_binding(binding)
        if (
            value is NOT_OPENAI
            and binding.kind == "assign"
            and binding.scope.kind == "class"
            and binding.annotation is not None
            and self._client_named_by(binding.annotation, binding.scope, binding.annotation) is not None
        ):
            # a field annotated as a client whose default is none (marvin's `client: AsyncClient =
            # Field(default_factory=...)`, `= None`): it holds a client made elsewhere; its calls are
            # unresolved, reported and left as they are (review 7 F2: they were unseen)
            return None
        return value

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
        if (
            qname.rsplit(".", 1)[-1] in ("import_module", "import_optional_dependency")
            and node.args
            and _is_str(node.args[0])
            and node.args[0].value == "openai"  # type: ignore[attr-defined]
        ):
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

    def _function_of_scope(self, scope: Scope) -> Optional[Union[ast.FunctionDef, ast.AsyncFunctionDef]]:
        """The function whose scope ``scope`` is: found through a parameter (``_function_of``'s
        cached map), else by a walk (a function without parameters)."""
        function = self._function_of(next((b.node for bs in scope.bindings.values() for b in bs if b.kind == "param"), None))
        if function is not None and self.binder.scopes.get(id(function)) is scope:
            return function
        scopes = self.binder.scopes
        if self._scope_functions is None or self._scope_functions[0] != len(scopes):  # (bodies bound since: again)
            self._scope_functions = (
                len(scopes),
                {id(s): f for f in _defs_in(self.tree) for s in [scopes.get(id(f))] if s is not None},
            )
        return self._scope_functions[1].get(id(scope))

    def _function_of(self, arg: Optional[ast.AST]) -> Optional[Union[ast.FunctionDef, ast.AsyncFunctionDef]]:
        if self._functions is None:  # (an argument is in one function's arguments at most: order is moot)
            self._functions = {id(a): f for f in _defs_in(self.tree) for a in ast.walk(f.args) if isinstance(a, ast.arg)}
        return self._functions.get(id(arg))

    def _only_model_uses(self, root: ast.AST, name: str, attr: bool = False) -> bool:
        return self._only_uses(root, name, attr, "model")

    @staticmethod
    def _keyword_args(root: ast.AST, keyword: str = "model") -> List[ast.AST]:
        """The values of every ``<keyword>=`` argument under ``root``."""
        # (a LangChain / LlamaIndex class names its model in model_name= too)
        names = (keyword, "model_name") if keyword == "model" else (keyword,)
        models: List[ast.AST] = [k.value for k in ast.walk(root) if isinstance(k, ast.keyword) and k.arg in names]
        if keyword == "model":  # an openai<1 call names its model in engine= / deployment_id= too
            models += [
                k.value
                for c in ast.walk(root)
                if isinstance(c, ast.Call) and _legacy_call_name(c.func)
                for k in c.keywords
                if k.arg in ("engine", "deployment_id")
            ]
        return models

    def _only_uses(
        self, root: ast.AST, name: str, attr: bool, keyword: str, depth: int = 0, ignore: Optional[Set[int]] = None
    ) -> bool:
        """Every read of ``name`` (``self.name`` when ``attr``) under ``root`` is a ``<keyword>=``
        argument (the nodes ``ignore`` holds aside)."""
        if not isinstance(root, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # a module or class: a masked analysis must see every region of it that mentions the
            # name (a function's body is one region, the one holding the call)
            self.mentions_asked.add(name)
        models = self._keyword_args(root, keyword)
        # model=Models.GPT4.value reads the member Models.GPT4 to take its value
        as_model = {id(v) for v in models} | {id(v.value) for v in models if isinstance(v, ast.Attribute) and v.attr == "value"}
        as_model |= {id(_default_of(v)) for v in models}  # model=model or DEFAULT_MODEL
        tails: Optional[Dict[int, ast.AST]] = None
        for node in ast.walk(root):
            hit = (
                (isinstance(node, ast.Attribute) and node.attr == name)
                if attr
                else (isinstance(node, ast.Name) and node.id == name)
            )
            if hit and isinstance(node.ctx, ast.Load) and id(node) not in as_model and id(node) not in (ignore or ()):  # type: ignore[attr-defined]
                if tails is None:
                    tails = _default_tails(root)
                target = tails.get(id(node))
                # the default of a value that is itself only ever a model: m = model or DEFAULT_MODEL
                if (
                    target is None
                    or depth > 2
                    or not self._only_uses(
                        root,
                        target.attr if isinstance(target, ast.Attribute) else target.id,  # type: ignore[attr-defined]
                        isinstance(target, ast.Attribute),
                        keyword,
                        depth + 1,
                    )
                ):
                    return False
        return True

    def _endpoint(self, node: ast.Call, scope: Scope, azure: bool) -> str:
        if azure:
            return "azure"
        for arg, value in self.keywords(node, scope):
            if arg is None:
                url = self._spread_url(node, scope)
                # `config["base_url"] = "https://api.deepseek.com"` just before `OpenAI(**config)`:
                # another server's client (OpenAI's URL there is left to the run-time report)
                return "other" if url is not None and "api.openai.com" not in url else "dynamic"
            if arg == "base_url":
                text = self.constant_str(value, scope)
                if text is None:
                    if _is_none(value):
                        return "none"
                    if self.defaults_to_openai(value, scope):
                        return "fallback"
                    chain = (
                        self.endpoint_chain(value, scope)
                        or self._param_chain(value, scope)
                        or self._param_chain(_passed_through(value), scope)
                    )
                    return chain[0] if chain is not None else "dynamic"
                return "openai" if "api.openai.com" in text else "other"
        return "none"

    def _spread_url(self, call: ast.Call, scope: Scope) -> Optional[str]:
        """The URL of ``d["base_url"] = "<url>"``, a statement of the block the construction
        ``X(**d)`` is in, before it, when nothing else in the function sets, removes or rebinds that
        key or ``d`` (aisuite's provider classes: ``config["base_url"] = ...; OpenAI(**config)``);
        or the URL the ``base_url`` entry of a dict a same-class helper builds names, read where it
        is written, its other values computed there (browser-use's ``ChatOpenRouter``:
        ``'api_key': api_key, 'base_url': self.base_url`` with the field defaulting to OpenRouter's)."""
        built = self._spread_dict(call, scope, loose=True)
        if built is not None and built["own"] and "base_url" not in built["set"]:  # type: ignore[operator]
            value = built["keys"].get("base_url")  # type: ignore[attr-defined]
            where = built["scopes"].get("base_url")  # type: ignore[attr-defined]
            if value is None or where is None:
                return None  # no base_url: OpenAI's endpoint (or OPENAI_BASE_URL)
            text = self.constant_str(value, where)
            if text is not None:
                return text
            chain = self._param_chain(value, where) or self._param_chain(_passed_through(value), where)
            return chain[2] if chain is not None else None
        spread = [k.value for k in call.keywords if k.arg is None]
        function = self._function_of_scope(scope) if scope.kind == "function" else None
        if len(spread) != 1 or not isinstance(spread[0], ast.Name) or function is None:
            return None
        name = spread[0].id
        found: List[ast.Assign] = []
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
                return None  # d rebound: which dict reaches the call is not followed here
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and _is_name(node.func.value, name)
                and (node.func.attr in ("update", "pop", "popitem", "clear") or (node.args and not _is_str(node.args[0])))
            ):
                if node.func.attr != "update" or node.args or any(k.arg in (None, "base_url") for k in node.keywords):
                    return None
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and _is_name(t.value, name) and _is_str(t.slice) and t.slice.value == "base_url"  # type: ignore[attr-defined]
                for t in node.targets
            ):
                found.append(node)
            elif (
                isinstance(node, (ast.Subscript, ast.AugAssign))
                and isinstance(getattr(node, "ctx", ast.Store()), (ast.Store, ast.Del))
                and isinstance(node, ast.Subscript)
                and _is_name(node.value, name)
                and not (_is_str(node.slice))
            ):
                return None  # a computed key may be "base_url"
        if len(found) != 1 or len(found[0].targets) != 1 or not _is_str(found[0].value):
            return None
        for block in (
            getattr(n, f)
            for n in ast.walk(function)
            for f in ("body", "orelse", "finalbody")
            if isinstance(getattr(n, f, None), list)
        ):
            if found[0] in block:
                at = block.index(found[0])
                if any(call in ast.walk(stmt) for stmt in block[at + 1 :]):
                    return str(found[0].value.value)  # type: ignore[attr-defined]
        return None

    def endpoint_chain(self, expr: ast.AST, scope: Scope) -> Optional[Tuple[str, Optional[ast.AST], str]]:
        """A ``base_url=`` value that falls back to a default: ``x or os.getenv("OPENAI_BASE_URL")
        or "https://api.openai.com/v1"`` (inline, in a local set once, or in ``self.<attr>`` set
        once), or a lone ``os.getenv("OPENAI_BASE_URL"[, default])``.  ("fallback", the expression,
        OpenAI's URL) when the default is OpenAI's and everything before it is the caller's choice
        (a parameter defaulting to None, a setting); ("other", None, the URL) when the default is
        another server's URL; None when a value decides in another way."""
        root: Optional[ast.AST]
        node, root, name, attr = expr, None, None, False
        cls = self._self_class(expr.value, scope) if isinstance(expr, ast.Attribute) else None
        ignore: Set[int] = set()
        if isinstance(expr, ast.Name) and scope.kind == "function":
            bindings = scope.bindings.get(expr.id, [])
            guarded = self.guarded_fallback(expr, scope)
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
                node, root, name = bindings[0].value, self._function_of_scope(scope), expr.id
            elif guarded is not None:
                # ``if base_url is None: base_url = os.environ.get(...)``: ``base_url or <that>``
                # (the test only looks at it)
                node, root, name = guarded[0], self._function_of_scope(scope), expr.id
                ignore = {id(n) for n in ast.walk(guarded[1].test)}
        elif isinstance(expr, ast.Attribute) and cls is not None:
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
        if root is not None and name is not None and not self._only_uses(root, name, attr, "base_url", ignore=ignore):
            return None  # the value is read for something else too: rewrite it where it is used
        return ("fallback", node, url or "https://api.openai.com/v1")

    def guarded_fallback(self, given: ast.Name, scope: Scope) -> Optional[Tuple[ast.AST, ast.If]]:
        """(the value, the ``if``) when the parameter ``given`` names is rebound only by a statement
        ``if not x: x = <value>`` / ``if x is None: x = <value>`` of its function's own body, before
        ``given`` is read (lightrag's ``openai_complete_if_cache``): its value there is ``x or
        <value>``, the caller's choice (a parameter without a default, or defaulting to None)
        falling back to ``<value>``.  None otherwise."""
        bindings = scope.bindings.get(given.id, [])
        if (
            scope.kind != "function"
            or len(bindings) != 2
            or bindings[0].kind != "param"
            or not (bindings[0].default is None or _is_none(bindings[0].default))
            or bindings[1].kind != "assign"
            or bindings[1].value is None
        ):
            return None
        function = self._function_of_scope(scope)
        if function is None or any(isinstance(n, (ast.Global, ast.Nonlocal)) and given.id in n.names for n in ast.walk(function)):
            return None
        for stmt in function.body:
            if (
                isinstance(stmt, ast.If)
                and not stmt.orelse
                and len(stmt.body) == 1
                and isinstance(stmt.body[0], ast.Assign)
                and stmt.body[0].value is bindings[1].value
                and [_is_name(t, given.id) for t in stmt.body[0].targets] == [True]
                and _tests_unset(stmt.test, given.id)
            ):
                return (stmt.body[0].value, stmt) if stmt.end_lineno is not None and stmt.end_lineno < given.lineno else None
        return None

    def _param_chain(self, node: ast.AST, scope: Scope) -> Optional[Tuple[str, Optional[ast.AST], str]]:
        """``endpoint_chain`` of the default of a parameter ``node`` is (``api_base: str =
        os.environ.get("X_BASE_URL", "https://...")``, ``base_url="https://other.example/v1"``),
        when it names another server's URL: the caller's choice, another server by default."""
        default = self._param_default(node, scope)
        if default is None or _is_none(default):
            return None
        chain = ("other", None, default.value) if _is_str(default) else self.endpoint_chain(default, scope)  # type: ignore[attr-defined]
        return (
            chain
            if chain is not None and chain[0] == "other" and "://" in chain[2] and _classify_url(chain[2]) == "other"
            else None
        )

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
            return (
                scope.kind == "function"
                and len(bindings) == 1
                and bindings[0].kind == "param"
                and (bindings[0].default is None or _is_none(bindings[0].default))
            )
        return isinstance(node, ast.Attribute) and dotted_name(node) is not None

    def base_url_chain(self, call: ast.Call, scope: Scope) -> Optional[Tuple[str, Optional[ast.AST], str]]:
        """endpoint_chain of a construction's ``base_url=``, if it has one."""
        for arg, value in self.keywords(call, scope):
            if arg == "base_url" and self.defaults_to_openai(value, scope):
                default = self._param_default(_passed_through(value), scope)
                # `api_base: str = "https://api.openai.com/v1"`: never falsy, so `api_base or <provider>`
                # would keep OpenAI's endpoint (with the provider's key): the default is retargeted
                return ("fallback", default, default.value) if _is_str(default) else None  # type: ignore[union-attr]
            if arg == "base_url" and self.constant_str(value, scope) is None:
                return (
                    self.endpoint_chain(value, scope)
                    or self._param_chain(value, scope)
                    or self._param_chain(_passed_through(value), scope)
                )
        return None

    def defaults_to_openai(self, node: ast.AST, scope: Scope) -> bool:
        """``node`` is a parameter of the enclosing function, never rebound there (or ``self.<attr>``
        set once from one), whose default is None or an api.openai.com URL: the endpoint is the
        caller's choice, OpenAI by default."""
        default = self._param_default(_passed_through(node), scope)  # (str(x) if x is not None else None: x)
        if default is None:
            return False
        if _is_none(default):
            return True
        return isinstance(default, ast.Constant) and isinstance(default.value, str) and "api.openai.com" in default.value

    def _param_default(self, node: ast.AST, scope: Scope) -> Optional[ast.AST]:
        """The default of the parameter ``node`` is (or ``self.<attr>`` is set once from, or the class
        field ``self.<attr>`` is when no method sets it), when the function never rebinds it; None
        otherwise."""
        cls = self._self_class(node.value, scope) if isinstance(node, ast.Attribute) else None
        if isinstance(node, ast.Attribute) and cls is not None:
            # self.base_url, set once from a parameter of the same kind
            self.attrs_asked.add(node.attr)
            self.binder.bind_methods(cls)
            bindings = cls.attrs.get(node.attr, []) + cls.scope.bindings.get(node.attr, [])
            if (
                len(bindings) == 1
                and bindings[0].kind == "assign"
                and bindings[0].scope is cls.scope
                and bindings[0].value is not None
            ):
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
        """Keywords of a construction given a parameter that defaults to OpenAI's choice (None, or
        OpenAI's URL, which is also retargeted where it is written: see base_url_chain; a caller
        may still pass None, which the SDK reads as OpenAI's endpoint)."""
        return [
            arg
            for arg, value in self.keywords(call, scope)
            if arg in ("api_key", "base_url") and self.defaults_to_openai(value, scope)
        ]

    def keywords(self, call: ast.Call, scope: Scope) -> List[Tuple[Optional[str], ast.AST]]:
        """A call's keywords, a ``**params`` dict whose keys are all known (see spread_dict) read
        as the keywords it holds; (None, value) for a ``**`` mapping whose keys are not known."""
        spread = self.spread_dict(call, scope)
        out: List[Tuple[Optional[str], ast.AST]] = []
        for kw in call.keywords:
            if kw.arg is None and spread is not None:
                if {"api_key", "base_url"} & set(spread["set"]):  # type: ignore[call-overload]
                    out.append((None, kw.value))  # the endpoint or key a statement may or may not set
                out += [(k, v) for k, v in spread["keys"].items()]  # type: ignore[attr-defined]  # a dict: see spread_dict
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

    def _spread_dict(self, call: ast.Call, scope: Scope, loose: bool = False) -> Optional[Dict[str, object]]:
        spread = [k.value for k in call.keywords if k.arg is None]
        if len(spread) != 1 or scope.kind != "function":
            return None
        if isinstance(spread[0], ast.Call):  # OpenAI(**self._get_client_params()) (browser-use)
            built = self._helper_dict(spread[0], scope, 0, loose)
        elif isinstance(spread[0], ast.Name):
            built = self._built_dict(spread[0], scope, 0, loose)
        else:
            return None
        return built if built is None or loose or not built["own"] else None

    def _built_dict(self, use: ast.Name, scope: Scope, depth: int, loose: bool = False) -> Optional[Dict[str, object]]:
        """The dict a local ``use`` reads, when its keys are all known: see spread_dict.  Bound
        to a literal, to ``{k: v for k, v in base.items() if v is not None}`` over such a dict
        (its entries are edited in ``base``), or to ``self._helper()``, a method of the class
        called nowhere else, returning such a dict (or a literal).  "scopes": key -> the scope its
        value is read in; "own": a value reads a name of the helper (see _helper_dict)."""
        name = use.id
        bindings = scope.bindings.get(name, [])
        function = self._function_of_scope(scope)
        if (
            depth > 2
            or len(bindings) != 1
            or bindings[0].kind != "assign"
            or function is None
            or any(isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names for n in ast.walk(function))
        ):
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
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
                and _is_name(node.func.value, name)
            ):
                if node.args or any(k.arg is None for k in node.keywords):
                    return None  # update(other): keys unknown here
                added.update((k.arg, k.value) for k in node.keywords if k.arg)
                allowed.add(id(node.func.value))
        loads = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
        if any(id(n) not in allowed for n in loads):
            return None  # the dict goes somewhere else too: its keys may be read or changed there
        chosen = self._chosen_or_fallback(function, name, "base_url", scope)
        if chosen is not None:
            added["base_url"] = chosen  # ``if base_url is not None: d["base_url"] = base_url`` else <fallback>
        built: Optional[Dict[str, object]]
        if isinstance(value, ast.Dict):
            built = _literal_dict(value, scope)
        elif isinstance(value, ast.DictComp) and _none_filter(value) is not None:
            built = self._built_dict(_none_filter(value), scope, depth + 1, loose)  # type: ignore[arg-type]
        elif isinstance(value, ast.Call):
            built = self._helper_dict(value, scope, depth, loose)
        else:
            built = None
        if built is None:
            return None
        values = dict(built["keys"])  # type: ignore[call-overload]
        values.update(added)
        scopes = dict(built["scopes"])  # type: ignore[call-overload]
        scopes.update((k, scope) for k in added)
        return {
            "literal": built["literal"],
            "keys": values,
            "set": sorted((set(built["set"]) | set(added)) - ({"base_url"} if chosen is not None else set())),  # type: ignore[call-overload]
            "scopes": scopes,
            "own": built["own"],
        }

    def _chosen_or_fallback(self, function: ast.AST, name: str, key: str, scope: Scope) -> Optional[ast.AST]:
        """``<fallback>`` when the only statements setting ``name[key]`` in ``function`` are one
        ``if x is not None:`` (or ``if x:``) of its own body setting it to ``x``, a parameter
        without a default or defaulting to None, and its ``else`` setting it to ``<fallback>`` (the
        reverse test, the branches swapped, too): the entry is ``x or <fallback>``."""
        sets = [
            n
            for n in ast.walk(function)
            if isinstance(n, ast.Assign)
            and any(
                isinstance(t, ast.Subscript) and _is_name(t.value, name) and _is_str(t.slice) and t.slice.value == key  # type: ignore[attr-defined]
                for t in n.targets
            )
        ]
        if len(sets) != 2 or any(len(n.targets) != 1 for n in sets):
            return None
        for stmt in getattr(function, "body", []):
            if not (isinstance(stmt, ast.If) and len(stmt.body) == 1 and len(stmt.orelse) == 1):
                continue
            test: Optional[ast.AST] = stmt.test
            given, other = stmt.body[0], stmt.orelse[0]
            negated = _negated(stmt.test)
            if negated is not None:  # ``if x is None:`` / ``if not x:``: the fallback first
                given, other, test = other, given, negated
            if not (
                isinstance(given, ast.Assign)
                and isinstance(other, ast.Assign)
                and {id(given), id(other)} == {id(n) for n in sets}
            ):
                continue
            chosen = given.value
            if (
                isinstance(chosen, ast.Name)
                and self._callers_choice(chosen, scope)
                and test is not None
                and (_is_name(test, chosen.id) or _tests_set(test, chosen.id))
                and stmt.end_lineno is not None
                and all(
                    stmt.end_lineno < n.lineno
                    for n in ast.walk(function)
                    if isinstance(n, ast.Name)
                    and n.id == name
                    and isinstance(n.ctx, ast.Load)
                    and not any(n is getattr(t, "value", None) for t in (given.targets[0], other.targets[0]))
                )
            ):
                return other.value
        return None

    def _helper_dict(self, call: ast.Call, scope: Scope, depth: int, loose: bool = False) -> Optional[Dict[str, object]]:
        """``self._helper()`` with no arguments, a plain method of the enclosing class called
        nowhere else (or ``helper()``, a plain function of the module called nowhere else), whose
        one ``return`` gives a dict literal or a local dict built as _built_dict reads.  A value
        the helper computes (``api_key = self.api_key or os.getenv(...)`` in it) means something
        else read in the caller's scope: such a dict is "own", its keys known only to ``loose``
        readers, which read each value in its "scopes"."""
        cls = scope.cls
        if call.args or call.keywords:
            return None
        if isinstance(call.func, ast.Name) and call.func.id not in scope.bindings:  # a function of the module
            name = call.func.id
            self.looked_up.add(name)  # (its definition: a region a pruned analysis must hold)
            self.mentions_asked.add(name)
            defs = [n for n in self.tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
            uses: List[ast.AST] = [n for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id == name]
            if len(self.binder.module.bindings.get(name, [])) != 1:
                return None
        elif (
            cls is not None
            and scope.self_name
            and isinstance(call.func, ast.Attribute)
            and _is_name(call.func.value, scope.self_name)
        ):
            name = call.func.attr
            self.mentions_asked.add(name)
            self.binder.bind_methods(cls)
            defs = [n for n in cls.node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name]
            uses = [n for n in ast.walk(cls.node) if isinstance(n, ast.Attribute) and n.attr == name]
        else:
            return None
        if len(defs) != 1 or uses != [call.func] or defs[0].decorator_list or isinstance(defs[0], ast.AsyncFunctionDef):
            return None
        inner = self.binder.scopes.get(id(defs[0]))
        returns = list(_returns(defs[0]))
        if inner is None or len(returns) != 1:
            return None
        if inner.unbound is not None:
            self.binder.bind_body(inner)  # (a function's body is bound lazily: see _Binder.lazy)
        given = returns[0].value
        if isinstance(given, ast.Name):
            built = self._built_dict(given, inner, depth + 1, loose)
        elif isinstance(given, ast.Dict):  # return {"api_key": self.api_key, ...}
            built = _literal_dict(given, inner)
        else:
            built = None
        own = (set(inner.bindings) | set(scope.bindings)) - {scope.self_name}  # (a caller's name would be read)
        if built is None:
            return None
        if any(isinstance(n, ast.Name) and n.id in own for v in built["keys"].values() for n in ast.walk(v)):  # type: ignore[attr-defined]
            # a value the helper computes: read in the caller's scope it would mean something else
            return dict(built, own=True) if loose else None
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


def _literal_dict(value: ast.Dict, scope: Scope) -> Optional[Dict[str, object]]:
    """A dict literal with string keys only (no ``**other``, no computed or repeated key), as
    _built_dict gives it, its values read in ``scope``."""
    if not all(_is_str(k) for k in value.keys):
        return None  # a **other inside, or a computed key
    keys: Dict[str, ast.AST] = {}
    for k, v in zip(value.keys, value.values):
        if k.value in keys:  # type: ignore[union-attr]
            return None
        keys[k.value] = v  # type: ignore[union-attr]
    return {"literal": value, "keys": keys, "set": [], "scopes": {k: scope for k in keys}, "own": False}


def _none_filter(node: ast.DictComp) -> Optional[ast.Name]:
    """``base`` of ``{k: v for k, v in base.items() if v is not None}``: a dict's entries whose
    value is not None."""
    if len(node.generators) != 1:
        return None
    gen = node.generators[0]
    target, it = gen.target, gen.iter
    if (
        gen.is_async
        or not isinstance(target, ast.Tuple)
        or len(target.elts) != 2
        or not all(isinstance(e, ast.Name) for e in target.elts)
    ):
        return None
    k, v = (e.id for e in target.elts)  # type: ignore[attr-defined]
    if not (
        _is_name(node.key, k)
        and _is_name(node.value, v)
        and isinstance(it, ast.Call)
        and not it.args
        and not it.keywords
        and isinstance(it.func, ast.Attribute)
        and it.func.attr == "items"
        and isinstance(it.func.value, ast.Name)
    ):
        return None
    for cond in gen.ifs:
        if not (
            isinstance(cond, ast.Compare)
            and _is_name(cond.left, v)
            and len(cond.ops) == 1
            and isinstance(cond.ops[0], ast.IsNot)
            and _is_none(cond.comparators[0])
        ):
            return None
    return it.func.value


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


def _legacy_call_name(func: ast.AST) -> bool:
    """``openai.Completion.create`` / ``openai.ChatCompletion.acreate``: an openai<1 call, as written."""
    name = dotted_name(func) or ""
    return name.startswith("openai.") and name.rsplit(".", 1)[-1] in ("create", "acreate")


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


def _is_env_read_plus(node: ast.AST) -> bool:
    """``os.getenv("X", "https://host") + "/v2"``: a host from the environment, a path after it."""
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _is_env_read(node.left) and _is_str(node.right)


def _openai_base_var(var: str) -> bool:
    """OPENAI_BASE_URL, OPENAI_API_BASE, OPENAI_API_BASE_URL, OPENAI_ENDPOINT...: where the
    openai SDK (or the project) is told OpenAI's server is."""
    return var.startswith("OPENAI_") and any(word in var for word in ("BASE", "URL", "ENDPOINT", "HOST"))


def _negated(test: ast.AST) -> Optional[ast.AST]:
    """``x`` for ``not x``, ``x is not None`` for ``x is None``; None for anything else."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is):
        return ast.Compare(left=test.left, ops=[ast.IsNot()], comparators=test.comparators)
    return None


def _tests_set(test: ast.AST, name: str) -> bool:
    """``x is not None``."""
    return _compares_none(test, name, ast.IsNot)


def _tests_unset(test: ast.AST, name: str) -> bool:
    """``not x`` or ``x is None``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _is_name(test.operand, name)
    return _compares_none(test, name, ast.Is)


def _compares_none(test: ast.AST, name: str, op: type) -> bool:
    return (
        isinstance(test, ast.Compare)
        and _is_name(test.left, name)
        and len(test.ops) == 1
        and isinstance(test.ops[0], op)
        and _is_none(test.comparators[0])
    )


def _passed_through(value: ast.AST) -> ast.AST:
    """The value a ``base_url=`` expression only passes on: ``str(x)``, ``x if x is not None else
    None``, ``str(x) if x else None`` -> ``x`` (browser-use's chat classes), else ``value``."""
    if isinstance(value, ast.IfExp) and isinstance(value.orelse, ast.Constant) and value.orelse.value is None:
        test = value.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot):
            test = test.left
        inner = _passed_through(value.body)
        return inner if ast.dump(inner) == ast.dump(test) else value
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "str"
        and len(value.args) == 1
        and not value.keywords
    ):
        return value.args[0]
    return value


def _is_none_value(binding: Binding) -> bool:
    """``name = None``: a placeholder, never a client to call."""
    return binding.kind == "assign" and isinstance(binding.value, ast.Constant) and binding.value.value is None


def _span_key(span: Span) -> Tuple[int, int, int, int]:
    return (span.line, span.col, span.end_line, span.end_col)
