"""The reporter's keys and endpoints: the API key and base URL a client is given, where they
are defined, and the ``OPENAI_*`` environment variables read.  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
from typing import Any, Dict, Iterator, List, Optional, TYPE_CHECKING

from migrator.i18n import N_
from migrator.models import EnvRead
from migrator.analyzer.scope import ENV_PREFIXES, Q, dotted_name
from migrator.analyzer.nodes import _astuple, _dict_get, _is_env_read, _is_str
from migrator.analyzer.resolve import _Analyzer

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


def _config_key(node: ast.AST) -> Optional[str]:
    """The key a mapping is read with, ``config["openai_api_key"]`` or ``cfg.get("openai_key")``
    (not an environment read: the plan renames OPENAI_* variables with the client)."""
    if _is_env_read(node):
        return None
    if isinstance(node, ast.Subscript) and _is_str(node.slice):
        return node.slice.value  # type: ignore[attr-defined,no-any-return]
    return _dict_get(node)


class _Endpoints(_Analyzer):
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
        """The name in a construction's ``api_key=`` value (or in the value of the local it reads,
        set once in the function) that says it holds OpenAI's key: ``settings.openai_api_key``,
        ``cfg.OPENAI_KEY``, a parameter ``openai_api_key``.  A pydantic setting of that name reads
        OPENAI_API_KEY itself; pointed at the provider, the client would send OpenAI's key there."""
        given = next((value for arg, value in self.keywords(call, scope) if arg in ("api_key", "openai_api_key")), None)
        if given is None:
            return None
        values = [given]
        if isinstance(given, ast.Name) and scope.kind == "function":
            bindings = scope.bindings.get(given.id, [])
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
                values.append(bindings[0].value)
        for value in values:
            for node in ast.walk(value):
                name = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                        else _config_key(node))
                if name is not None and "openai" in name.lower():
                    return name
        return None

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
                                                         "Subscript" if isinstance(found, ast.Subscript) else "Call"]

    # ---- env reads
    def _env_read(self, node: ast.Call, scope: Scope) -> None:
        func = self.resolve(node.func, scope)
        if isinstance(func, Q) and func.qname in ("os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop"):
            if node.args:
                self._env_literal(node.args[0])

    def _env_literal(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(ENV_PREFIXES):
            span = self.lines.span(node)
            self.out.env_reads.append(EnvRead(node.value, span))
            self.add("env", span, N_("reads environment variable {name}").format(name=node.value), symbol=node.value,
                     detail={"variable": node.value})
