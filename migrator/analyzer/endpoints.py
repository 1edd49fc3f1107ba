"""The reporter's keys and endpoints: the API key and base URL a client is given, where they
are defined, and the ``OPENAI_*`` environment variables read.  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple, TYPE_CHECKING

from migrator.i18n import N_
from migrator.models import EnvRead
from migrator.analyzer.scope import ENV_PREFIXES, Q, dotted_name
from migrator.analyzer.nodes import _a_setting, _astuple, _dict_get, _env_var_default, _is_env_read, _is_str
from migrator.analyzer.mixins import _Mixin

if TYPE_CHECKING:
    from migrator.analyzer.scope import Scope


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


def _always_sets(block: List[ast.stmt], name: str, key: str) -> bool:
    """Whether ``name[key] = ...`` is a statement of ``block``, or of every branch of an ``if`` there."""
    for stmt in block:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Subscript)
            and isinstance(t.value, ast.Name)
            and t.value.id == name
            and _is_str(t.slice)
            and t.slice.value == key  # type: ignore[attr-defined]
            for t in stmt.targets
        ):
            return True
        if (
            isinstance(stmt, ast.If)
            and stmt.orelse
            and _always_sets(stmt.body, name, key)
            and _always_sets(stmt.orelse, name, key)
        ):
            return True
    return False


def _config_key(node: ast.AST) -> Optional[str]:
    """The key a mapping is read with, ``config["openai_api_key"]`` or ``cfg.get("openai_key")``
    (not an environment read: the plan renames OPENAI_* variables with the client)."""
    if _is_env_read(node):
        return None
    if isinstance(node, ast.Subscript) and _is_str(node.slice):
        return node.slice.value  # type: ignore[attr-defined,no-any-return]
    return _dict_get(node)


class _Endpoints(_Mixin):
    """API keys, endpoints and environment variables."""

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
                name = (
                    node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else _config_key(node)
                )
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
                    todo.extend(
                        (b.value, b.scope)
                        for b in binding.scope.bindings.get(value.id, [])
                        if b.kind == "assign" and b.value is not None
                    )
            elif isinstance(value, ast.Attribute) and self._self_class(value.value, where) is not None:
                cls = self._self_class(value.value, where)
                assert cls is not None  # (just checked)
                self.attrs_asked.add(value.attr)
                self.binder.bind_methods(cls)
                todo.extend((b.value, b.scope) for b in cls.attrs.get(value.attr, []) if b.value is not None)
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
        guarded = self.guarded_fallback(given, scope)  # ``if not api_key: api_key = os.environ[...]``
        if guarded is not None:
            bindings = bindings[1:]
        if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
            return None
        function = self._function_of_scope(scope)
        if function is None or any(isinstance(n, (ast.Global, ast.Nonlocal)) and given.id in n.names for n in ast.walk(function)):
            return None
        # `if not api_key: raise ...` only looks at it
        tested = {
            id(n)
            for t in ast.walk(function)
            if isinstance(t, (ast.If, ast.While, ast.Assert, ast.IfExp))
            for n in _tested_names(t.test)
        }
        reads = [
            n
            for n in ast.walk(function)
            if isinstance(n, ast.Name) and n.id == given.id and isinstance(n.ctx, ast.Load) and id(n) not in tested
        ]
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
        return {
            "kwargs": names + [k for k in spread["keys"] if k not in names],  # type: ignore[attr-defined]
            "star_kwargs": False,
            "params_set": spread["set"],
            "_params_def": list(_astuple(self.lines.span(spread["literal"]))),  # type: ignore[arg-type]
        }

    def spread_why(self, call: ast.Call, scope: Scope) -> Optional[str]:
        """Why the endpoint of ``X(**d)`` cannot be read from ``d`` (lightrag's ``merged_configs
        = {**client_configs, "api_key": api_key}`` with ``merged_configs["base_url"] = ...`` set
        by statements, in each branch of a function): the statements setting its endpoint or
        key, the mappings spread into it, another binding of it, values a helper building it
        computes itself (browser-use's ChatOpenRouter with no base_url); None when none is known."""
        spread = [k.value for k in call.keywords if k.arg is None]
        function = self._function_of_scope(scope) if scope.kind == "function" else None
        loose = self._spread_dict(call, scope, loose=True) if function is not None else None
        if loose is not None and loose["own"]:
            return N_(
                "its endpoint comes from the dict built at line {line} from values its helper computes itself, which "
                "apply cannot read from here: point it at the provider by hand"
            ).format(line=getattr(loose["literal"], "lineno", 0))
        if len(spread) != 1 or not isinstance(spread[0], ast.Name) or function is None:
            return None
        name = spread[0].id
        sets = [
            (t.lineno, t.slice.value)  # type: ignore[attr-defined]
            for n in ast.walk(function)
            if isinstance(n, ast.Assign)
            for t in n.targets
            if isinstance(t, ast.Subscript)
            and isinstance(t.value, ast.Name)
            and t.value.id == name
            and _is_str(t.slice)
            and t.slice.value in ("base_url", "api_key")  # type: ignore[attr-defined]
        ]
        # ``if base_url is not None: d["base_url"] = base_url`` else its default: read as ``x or <default>``
        understood = self._chosen_or_fallback(function, name, "base_url", scope) is not None
        lines = sorted({line for line, key in sets if not (understood and key == "base_url")})
        bindings = [b for b in scope.bindings.get(name, []) if b.kind == "assign"]
        why = (
            [N_("its base_url or api_key is set by a statement at line {lines}").format(lines=", ".join(map(str, lines)))]
            if lines
            else []
        )
        block = next(  # the statements the construction is among (lightrag: the else branch of `if use_azure:`)
            (
                body
                for n in ast.walk(function)
                for body in (getattr(n, f, None) for f in ("body", "orelse"))
                if isinstance(body, list) and any(call in ast.walk(stmt) for stmt in body if isinstance(stmt, ast.Return))
            ),
            function.body,
        )
        for b in bindings:
            literal = b.value if isinstance(b.value, ast.Dict) else None
            for at, (k, v) in enumerate(zip(literal.keys, literal.values) if literal is not None else ()):
                later = {key.value for key in literal.keys[at + 1 :] if _is_str(key)}  # type: ignore[union-attr]
                carried = [key for key in ("base_url", "api_key") if key not in later and not _always_sets(block, name, key)]
                if k is None and carried:  # a **other the keys after it, or the statements, do not override
                    why.append(
                        N_("**{other} inside it may carry its {keys}").format(other=ast.unparse(v), keys=" and ".join(carried))
                    )
                elif k is None and understood:  # (lightrag's **client_configs: the endpoint is known, the rest is not)
                    why.append(N_("**{other} inside it, whose keys apply cannot know").format(other=ast.unparse(v)))
        if len(bindings) > 1:
            why.append(N_("it is bound {count} times").format(count=len(bindings)))
        if not why:
            return None
        return N_(
            "its endpoint comes from **{name}, which apply cannot read as keywords ({why}): point it at the provider by hand"
        ).format(name=name, why="; ".join(why))

    def _endpoint_def(self, found: ast.AST) -> List[Any]:
        return list(_astuple(self.lines.span(found))) + [
            "BooleanOperation"
            if isinstance(found, ast.BoolOp)
            else "Subscript"
            if isinstance(found, ast.Subscript)
            else "SimpleString"
            if _is_str(found)
            else "Call"
        ]

    # ---- env reads
    def _env_read(self, node: ast.Call, scope: Scope) -> None:
        func = self.resolve(node.func, scope)
        if isinstance(func, Q) and func.qname in ("os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"):
            if node.args:
                # os.environ.setdefault("OPENAI_API_KEY", client.api_key) writes a value (see walk.py)
                written = func.qname == "os.environ.setdefault" and len(node.args) > 1 and not _a_setting(node.args[1])
                self._env_literal(node.args[0], written)

    def _env_literal(self, node: ast.AST, written: bool = False) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(ENV_PREFIXES):
            span = self.lines.span(node)
            self.out.env_reads.append(EnvRead(node.value, span, written, id(node) in self.env_guards))
            self.add(
                "env",
                span,
                (
                    N_("sets environment variable {name} from a value") if written else N_("reads environment variable {name}")
                ).format(name=node.value),
                symbol=node.value,
                detail={"variable": node.value, "written": written} if written else {"variable": node.value},
            )
