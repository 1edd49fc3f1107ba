"""The reporter's walk: visiting the tree node by node (``_on_<Node>`` handlers), imports, module
configuration, symbols, result accesses and legacy calls.  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Tuple, TYPE_CHECKING, cast

from migrator.analyzer import autogen, symbols as sym
from migrator.i18n import N_
from migrator.models import ResultAccess, Span, SymbolRef
from migrator.analyzer.scope import Client, LOW_CONFIDENCE_APIS, NOT_OPENAI, Q, Result, _LEAVES, _is_name, _is_none, dotted_name
from migrator.analyzer.nodes import (
    _a_setting,
    _astuple,
    _attribute_chain,
    _classify_url,
    _dict_get,
    _dict_value,
    _has_kwarg,
    _is_class_name,
    _is_env_read,
    _kwarg_names,
    _kwarg_true,
    _primitive,
    _streaming_api,
)
from migrator.analyzer.mixins import _Mixin

if TYPE_CHECKING:
    from migrator.analyzer.scope import Binding, ClassInfo, Scope


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


def _is_none_assign(binding: "Binding") -> bool:
    return binding.kind == "assign" and isinstance(binding.value, ast.Constant) and binding.value.value is None


class _Walk(_Mixin):
    """The walk over the tree, imports, configuration, symbols, result accesses, legacy calls."""

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
                if (first > last or flags.find(1, max(first, 1), last + 1) < 0) and not isinstance(
                    node, (ast.Import, ast.ImportFrom)
                ):
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
        for arg in (
            list(getattr(args, "posonlyargs", []))
            + list(args.args)
            + list(args.kwonlyargs)
            + [a for a in (args.vararg, args.kwarg) if a]
        ):
            if arg.annotation is not None:
                self._walk(arg.annotation, outer, arg)
                self._quoted(arg.annotation, outer)

    # ---- imports
    def _on_Import(self, node: ast.Import, scope: Scope, parent: Optional[ast.AST]) -> None:
        for alias in node.names:
            self._import(node, alias.name, [alias.asname or alias.name], [alias.name])

    def _on_ImportFrom(self, node: ast.ImportFrom, scope: Scope, parent: Optional[ast.AST]) -> None:
        if self.externals and not sym.is_openai(node.module or ""):
            # openai exception classes another module of the project names, imported here: where
            # this module catches them may be out of sight (a helper's isinstance()), so a native
            # plan keeps this module's clients on the openai SDK (units.plan_units)
            for alias in node.names:
                if (
                    alias.name != "*"
                    and self._shared_exceptions(
                        ast.Name(id=alias.asname or alias.name, lineno=node.lineno, col_offset=node.col_offset), scope
                    )
                    is not None
                ):
                    self.out.symbols.append(SymbolRef(alias.name, self.lines.span(node), "ImportFrom", "exceptions-imported"))
                    break
        if node.level:
            return
        module = node.module or ""
        names = [a.name for a in node.names]
        self._import(node, module, [a.asname or a.name for a in node.names], [f"{module}.{n}" for n in names])

    def _import(self, node: ast.AST, module: str, bound: List[str], qnames: List[str]) -> None:
        if sym.is_openai(module):
            self.imports_openai = True
            self.add(
                "import",
                node,
                N_("imports {module}").format(module=module),
                symbol=module,
                detail={"names": bound, "module": module},
            )
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
    def _on_If(self, node: ast.If, scope: Scope, parent: Optional[ast.AST]) -> None:
        """``if os.getenv("OPENAI_API_KEY") is None: os.environ["OPENAI_API_KEY"] = client.api_key``:
        the read in the test guards a write of a value, which keeps its name (see _on_Subscript);
        so does the read (re-review S3: renamed, textgrad's check no longer saw the key it wrote)."""
        kept = set()
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and not _a_setting(stmt.value):
                kept |= {
                    t.slice.value
                    for t in stmt.targets
                    if isinstance(t, ast.Subscript)
                    and dotted_name(t.value) in ("os.environ", "environ")
                    and isinstance(t.slice, ast.Constant)
                }
            elif (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Call)
                and dotted_name(stmt.value.func) in ("os.environ.setdefault", "environ.setdefault")
                and len(stmt.value.args) == 2
                and isinstance(stmt.value.args[0], ast.Constant)
                and not _a_setting(stmt.value.args[1])
            ):
                kept.add(stmt.value.args[0].value)
        if kept:
            self.env_guards |= {id(n) for n in ast.walk(node.test) if isinstance(n, ast.Constant) and n.value in kept}

    def _on_Assign(self, node: ast.Assign, scope: Scope, parent: Optional[ast.AST]) -> None:
        if _names_env_variable(node.targets, node.value):
            self._env_literal(node.value)
        for target in node.targets:
            self._config(target, node.value, scope, node)
            if isinstance(target, ast.Attribute):
                self._module_attribute_set(target.value, node.value, node.lineno, scope, shown=ast.unparse(target))

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
        if node.value is not None and _names_env_variable([node.target], node.value):
            self._env_literal(node.value)
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
        detail: Dict[str, object] = {
            "attribute": attribute,
            "value": _value_kind(value),
            "form": _value_form(value),
            "top": any(stmt is s for s in getattr(self.tree, "body", ())),
            "_target": list(_astuple(self.lines.span(target))),
        }
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
                model = cast(str, found.value)  # (model_definition finds string literals only)
            model_ref = self.imported_name(given, scope) if valued and found is None else None  # type: ignore[arg-type]
            self.add(
                "framework",
                node,
                N_("constructs {name}").format(name=qname),
                symbol=qname,
                model=model,
                detail={
                    "form": "construct",
                    "kwargs": _kwarg_names(node),
                    "open_args": bool(node.args) or any(k.arg is None for k in node.keywords),
                    "star_kwargs": any(k.arg is None for k in node.keywords),
                    "key_named": self.key_named_openai(node, scope),
                    "_model_ref": model_ref,
                    "_model_at": [given.lineno, given.col_offset] if model_ref else None,  # type: ignore[union-attr]
                    "_model_def": list(_astuple(self.lines.span(found))) if found is not None else None,
                    "_model_more": [list(_astuple(self.lines.span(c))) + [c.value] for c in chosen or ()]
                    + self.also_mapped(found),
                    "_model_env": self.model_env.get(id(found)) if found is not None else None,
                },
            )
            return
        if isinstance(func, Q) and func.qname in sym.ROUTE_LISTS:
            self._route_list(node, func.qname, scope)
            return
        if isinstance(func, Q) and sym.route_function(func.qname):
            self._route(node, sym.route_function(func.qname), scope)  # type: ignore[arg-type]
            return
        if value is None and func is None and self.imports_openai:
            self._unresolved_call(node, scope, parent)

    def _on_List(self, node: ast.List, scope: Scope, parent: Optional[ast.AST]) -> None:
        autogen.config_list(self, node, scope, parent, _dict_value)  # AutoGen 0.2 config lists

    _on_ListComp = _on_List

    def _imported_module(self, name: ast.AST, scope: Scope) -> bool:
        """``name`` (or the root of a dotted ``app.state``) is bound by an import (``from app import
        state``, ``import app.state``), not openai's."""
        while isinstance(name, ast.Attribute):
            name = name.value
        if not isinstance(name, ast.Name):
            return False
        binding, _ = self.lookup(name.id, scope, name.lineno)
        return binding is not None and binding.kind == "import" and not sym.is_openai(binding.qname or "")

    def _module_attribute_set(
        self, target: ast.AST, value: ast.AST, line: int, scope: Scope, built_here: bool = False, shown: str = ""
    ) -> None:
        """``state.client = c`` / ``setattr(state, "client", c)`` with ``c`` a client built here: every
        module importing ``state`` may call it, unseen from here (a construction written there
        directly: ``_stored``)."""
        if (isinstance(value, ast.Call) and not built_here) or not self._imported_module(target, scope):
            return
        client = self.resolve(value, scope)
        if isinstance(client, Client) and client.origin in ("constructed", "subclass"):
            text = shown or ast.unparse(target)
            self.stored.setdefault(client.span, [text if len(text) <= 40 else text[:37] + "...", line])

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

    def _on_Subscript(self, node: ast.Subscript, scope: Scope, parent: Optional[ast.AST]) -> None:
        base = self.resolve(node.value, scope)
        if isinstance(base, Q) and base.qname == "os.environ":
            # os.environ["OPENAI_API_KEY"] = client.api_key: a value written (a literal is a setting)
            written = (
                isinstance(node.ctx, ast.Store)
                and isinstance(parent, (ast.Assign, ast.AnnAssign))
                and parent.value is not None
                and not _a_setting(parent.value)
            )
            self._env_literal(node.slice, written)
        self._result_access(node, scope, parent)

    # ---- try: which body an except clause guards
    def _on_Try(self, node: ast.Try, scope: Scope, parent: Optional[ast.AST]) -> None:
        if not node.body:
            return
        first, last = self.lines.span(node.body[0]), self.lines.span(node.body[-1])
        body = Span(first.line, first.col, last.end_line, last.end_col)
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            # ``except Exception as e: if not isinstance(e, RETRY): raise`` tests the same classes
            tested = [
                t
                for call in ast.walk(ast.Module(body=handler.body, type_ignores=[]))
                if self.externals
                and isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "isinstance"
                and len(call.args) == 2
                for t in (call.args[1].elts if isinstance(call.args[1], ast.Tuple) else [call.args[1]])
            ]
            for kind in kinds + tested:
                if kind is not None:
                    self.guards.setdefault(self.lines.span(kind), body)
                    shared = self._shared_exceptions(kind, scope) if self.externals else None
                    if shared is not None:
                        # openai's exception classes under a name another module of the project
                        # defines (a shared tuple): they guard the calls in this try body too
                        self.out.symbols.append(SymbolRef(shared, self.lines.span(kind), type(kind).__name__, "except", body))

    def _shared_exceptions(self, kind: ast.AST, scope: Scope, depth: int = 0) -> Optional[str]:
        """The name another module of the project gives openai exception classes, when ``kind``
        is it: imported from there (also through ``import *``, or re-exported under the same name
        by a package), or a local tuple adding to it (``MORE = RETRY + (TimeoutError,)``)."""
        if not isinstance(kind, (ast.Name, ast.Attribute)) or depth > 3:
            return None
        caught = self.resolve(kind, scope)
        export = self._external(caught.qname) if isinstance(caught, Q) else None
        if export and export.get("kind") == "exceptions":
            return caught.qname  # type: ignore[union-attr]
        if not isinstance(kind, ast.Name):
            return None
        names = {q.rsplit(".", 1)[-1] for q, e in self.externals.items() if e.get("kind") == "exceptions"}
        binding, _ambiguous = self.lookup(kind.id, scope, kind.lineno)
        if (
            binding is None
            and kind.id in names
            and any(
                isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) and not sym.is_openai(n.module or "")
                for n in self.tree.body
            )
        ):
            return kind.id  # from pkg.errs import *
        if binding is not None and binding.kind == "import" and not sym.is_openai(binding.qname or "") and kind.id in names:
            return binding.qname  # from pkg import RETRY (re-exported by the package)
        if binding is not None and binding.kind == "assign" and isinstance(binding.value, ast.BinOp):
            for side in (binding.value.left, binding.value.right):
                found = self._shared_exceptions(side, binding.scope, depth + 1)
                if found is not None:
                    return found
        return None

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
            self.add(
                "exception",
                span,
                N_("uses OpenAI exception {name}").format(name=value.qname),
                symbol=value.qname,
                detail={"exception": name},
            )

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
                if (
                    not values
                    or not all(isinstance(v, Result) for v in values)
                    or len({(v.api, v.prefix, v.chunk) for v in values}) != 1  # type: ignore[union-attr]
                ):
                    return
                value = values[0]
                others = tuple(dict.fromkeys(v.call for v in values[1:] if v.call != value.call))  # type: ignore[union-attr]
            else:
                value = self.resolve(root, scope)
        else:
            value = self.resolve(root, scope)
        if isinstance(value, Result) and path:
            self.out.results.append(
                ResultAccess(
                    value.call,
                    tuple(value.prefix) + tuple(path),
                    tuple(styles),
                    self.lines.span(node),
                    chunk=value.chunk,
                    others=others,
                )
            )


def _names_env_variable(targets: List[ast.expr], value: ast.AST) -> bool:
    """``key_env_var = "OPENAI_API_KEY"``: a name or attribute naming the variable a key is read
    from (llm's model classes), which is renamed with the clients as a read of it is."""
    names = [t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else "" for t in targets]
    return (
        isinstance(value, ast.Constant)
        and value.value == "OPENAI_API_KEY"
        and bool(names)
        and all("env" in n.lower() for n in names)
    )
