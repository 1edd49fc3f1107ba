"""The reporter's models: where a model name a call passes is defined (a constant, a default,
a settings field, a dict entry, the values its callers pass).  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
from typing import Callable, Dict, List, Optional, Tuple, TYPE_CHECKING

from migrator.analyzer.scope import _is_name, _is_none
from migrator.analyzer.nodes import (
    _DEFS,
    _astuple,
    _built_if_none,
    _client_params,
    _default_of,
    _fallback,
    _field_value,
    _is_str,
    _methods,
    _signature,
    absolute_qname,
    param_key,
)
from migrator.analyzer.mixins import _Mixin

if TYPE_CHECKING:
    from migrator.analyzer.scope import Binding, Client, Scope


def _field_default(node: Optional[ast.AST]) -> Optional[ast.Constant]:
    """The string a class attribute defaults to: ``"gpt-4o"``, ``field(default="gpt-4o")``,
    ``Field("gpt-4o", ...)``, ``attr.ib(default="gpt-4o")``."""
    given = _field_value(node)
    return given if _is_str(given) else None  # type: ignore[return-value]


class _Models(_Mixin):
    """Where a model name is defined: constants, defaults, settings, dict entries, callers."""

    def _default_param(self, default: ast.AST) -> Optional[List[object]]:
        """[function (class) name, parameter, position (-1: keyword-only)] of the top-level function
        (class ``__init__``, after ``self``) whose parameter ``default`` is the default of."""
        if self.defaults is None:
            self.defaults = {}
            for stmt in self.tree.body if isinstance(self.tree, ast.Module) else ():
                fnode, positional = _signature(stmt)
                if fnode is None or not isinstance(stmt, _DEFS):  # _signature finds a function only in a def or class
                    continue
                args = fnode.args
                for arg, value in zip(positional[len(positional) - len(args.defaults) :], args.defaults):
                    self.defaults[id(value)] = [stmt.name, arg.arg, positional.index(arg)]
                for arg, kw_value in zip(args.kwonlyargs, args.kw_defaults):
                    if kw_value is not None:
                        self.defaults[id(kw_value)] = [stmt.name, arg.arg, -1]
        return self.defaults.get(id(default))

    def _taken_param(self, client: Client) -> Optional[List[List[str]]]:
        """[[this module, key]] of a client annotated at a parameter of a top-level function (a
        class's ``__init__``, or a method: ``Class.method``) that the project index exports
        (``exports_of(takes=True)``)."""
        if self.taken is None:
            self.taken = {}
            for stmt in self.tree.body if isinstance(self.tree, ast.Module) else ():
                defs = []
                if isinstance(stmt, _DEFS):
                    fnode, positional = _signature(stmt)
                    if fnode is not None:
                        defs.append((stmt.name, fnode, positional, _client_params(self, stmt)))
                if isinstance(stmt, ast.ClassDef):
                    # a method's client parameter, keyed as its callers in other modules key it (python.exports_of)
                    defs += [(name, f, p, _client_params(self, stmt, (f, p))) for name, f, p in _methods(stmt)]
                for name, fnode, positional, taken in defs:
                    built = _built_if_none(self, fnode, positional) if taken else {}
                    for arg in positional + fnode.args.kwonlyargs if taken else ():
                        if arg.arg in taken:
                            self.taken[self.lines.span(arg)] = [[self.path, param_key(name, arg.arg)]]
                        if arg.arg in built:  # the client built when the caller gives none stands for the caller's
                            self.taken[self.lines.span(built[arg.arg])] = [[self.path, param_key(name, arg.arg)]]
        return self.taken.get(client.span)

    # ---- models written where they are defined
    def model_definition(self, expr: ast.AST, scope: Scope, depth: int = 0) -> Optional[ast.Constant]:
        """The string literal a ``model=`` value is defined by, when every use of that value is a
        ``model=`` argument: a parameter's default, a module constant, or ``self.<attr>`` set once
        in its class from a literal or from such a parameter; where the value is the caller's
        choice with a default (``model or "gpt-4o"``, ``os.getenv("MODEL", "gpt-4o")``), that default."""
        fallback: Optional[ast.AST] = _default_of(expr)
        if fallback is not expr:
            return self._defined_by(fallback, scope, depth, expr)
        if isinstance(expr, ast.Name) or self._own_attribute(expr, scope):
            origin = self.model_origin(expr, scope)
            if origin is None:
                return None
            # a literal, or a dataclass / pydantic / attrs field's default
            value = origin[0] if isinstance(expr, ast.Name) else _field_value(origin[0])
            fallback = _default_of(value) if value is not None else None
            if value is not None and fallback is not value:  # (value None: fallback is None too)
                return self._defined_by(fallback, origin[1], depth, value)
            return value if _is_str(value) else None  # type: ignore[return-value]
        if isinstance(expr, ast.Attribute):
            return self._class_constant(expr, scope) or self._settings_default(expr, scope) or self._enum_field(expr, scope)
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
        elif self._own_attribute(given, scope):
            cls = self._self_class(given.value, scope)  # type: ignore[attr-defined]
            assert cls is not None  # (_own_attribute)
            bindings = cls.attrs.get(given.attr, [])  # type: ignore[attr-defined]
            if len(bindings) == 1 and bindings[0].value is not None:
                values.append((bindings[0].value, bindings[0].scope))
            fields = _init_fields(cls.node)
            if fields is not None and given.attr in fields[0] and not cls.attrs.get(given.attr):  # type: ignore[attr-defined]
                # a dataclass / pydantic field: the generated __init__ takes it (re-review S6)
                return [(cls.node, given.attr)]  # type: ignore[attr-defined]
        out: List[Tuple[ast.AST, str]] = []
        for value, where in values:
            names = (
                [value]
                if isinstance(value, ast.Name)
                else ([v for v in value.values[:-1] if isinstance(v, ast.Name)] if isinstance(value, ast.BoolOp) else [])
            )
            for name in names:
                binding, _ambiguous = self.lookup(name.id, where, name.lineno)
                function = self._function_of(binding.node) if binding is not None and binding.kind == "param" else None
                if function is not None:
                    out.append((function, name.id))
        return out

    def _caller_values(
        self, function: ast.AST, name: str, accept: Optional[Callable[[ast.AST], bool]] = None
    ) -> Optional[List[ast.Constant]]:
        """The model literals this module's direct callers of ``function`` pass for its parameter
        ``name`` (a value ``accept`` takes is passed over); None when one passes anything else."""
        fields = _init_fields(function) if isinstance(function, ast.ClassDef) else None
        if fields is not None:  # the class itself: its generated __init__ (see _choosing_params)
            positional, owner = fields[1], None
        else:
            args = function.args  # type: ignore[attr-defined]
            positional = [a.arg for a in list(getattr(args, "posonlyargs", [])) + list(args.args)]
            owner = next((c for c in self.tree.body if isinstance(c, ast.ClassDef) and function in c.body), None)
        if fields is None and owner is not None:
            positional = positional[1:]  # (self)
            # a method's callers call it on objects this module may not know
            callee = owner.name if function.name == "__init__" else None  # type: ignore[attr-defined]
        else:
            callee = function.name if function in self.tree.body else None  # type: ignore[attr-defined]
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
            related = (
                direct
                or _is_name(call.func, method)
                or (
                    isinstance(call.func, ast.Attribute)
                    and call.func.attr in (method, owner.name if owner is not None else method)
                )
            )
            if not related:
                continue
            passed = next((k.value for k in call.keywords if k.arg == name), None)
            if passed is None and name in positional and positional.index(name) < len(call.args):
                passed = call.args[positional.index(name)]
            starred = any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args)
            if passed is None and not starred:
                continue  # the default
            if direct and not starred and passed is not None and accept is not None and accept(passed):
                continue
            if not direct or starred or not (_is_str(passed) or _is_none(passed)):
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
        earlier = self.externals.get(node.id) if binding is None and self.cell is not None else None
        if earlier is not None and earlier.get("kind") == "alias":  # imported by an earlier notebook cell
            qname: Optional[str] = str(earlier["qname"])
        elif binding is None or ambiguous or binding.kind != "import" or binding.scope.kind != "module" or not binding.qname:
            return None
        else:
            qname = absolute_qname(binding.qname, self.path)
        if qname is None or qname.split(".")[0] in ("openai", "os", "builtins") or "@" in qname:
            return None
        return ".".join([qname + ("()" if called else "")] + parts[::-1])

    def held_field(self, expr: ast.AST, scope: Scope) -> Optional[List[object]]:
        """``self.<holder>.<field>`` where ``self.<holder>`` is set once in its class from a parameter
        of a top-level class's ``__init__`` whose default makes an instance of a class imported from
        another module with no arguments (``config=Config()``, or ``config=None`` then ``config or
        Config()``): [that class's qualified name, the field, the holder, [class, parameter,
        position] of the parameter], for the whole-project pass (project.py held_models) to follow
        to the field's default where the class is written."""
        if not (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Attribute)):
            return None
        cls = self._self_class(expr.value.value, scope)
        if cls is None:
            return None
        holder = expr.value.attr
        self.binder.bind_methods(cls)
        bindings = cls.attrs.get(holder, []) + cls.scope.bindings.get(holder, [])
        if len(bindings) != 1 or bindings[0].kind != "assign" or bindings[0].value is None:
            return None
        value = bindings[0].value
        made: Optional[ast.AST] = None
        if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or) and len(value.values) == 2:
            value, made = value.values
        if not isinstance(value, ast.Name):
            return None
        params = bindings[0].scope.bindings.get(value.id, [])
        if len(params) != 1 or params[0].kind != "param" or params[0].default is None:
            return None
        default = params[0].default
        if made is None:
            made = default
        elif not (isinstance(default, ast.Constant) and default.value is None):
            return None
        if not isinstance(made, ast.Call) or made.args or made.keywords or not isinstance(made.func, ast.Name):
            return None
        where = self._default_param(default)
        qname = self.imported_name(made.func, params[0].scope.parent or self.binder.module)
        if where is None or qname is None or where[0] != cls.node.name:
            return None
        return [qname, expr.attr, holder, where]

    def taken_field(self, expr: ast.AST, scope: Scope) -> Optional[List[object]]:
        """``self.<attr>`` set once, in the ``__init__`` of a top-level class of this module (no bases,
        no decorators), from a parameter with no default read only there, and read nowhere in the
        class but in ``model=`` arguments (``Handler(client, model)``: the model is its callers'):
        [the class, the parameter, its position after ``self`` (-1: keyword-only)], for the
        whole-project pass (taken.py) to follow to the values the callers in other modules pass."""
        cls = self._self_class(expr.value, scope) if isinstance(expr, ast.Attribute) else None
        node = cls.node if cls is not None else None
        if (
            cls is None
            or not isinstance(node, ast.ClassDef)
            or node not in getattr(self.tree, "body", ())
            or node.bases
            or node.keywords
            or node.decorator_list
        ):
            return None
        attr = expr.attr  # type: ignore[attr-defined]
        self.attrs_asked.add(attr)
        self.binder.bind_methods(cls)
        bindings = cls.attrs.get(attr, []) + cls.scope.bindings.get(attr, [])
        if len(bindings) != 1 or bindings[0].kind != "assign" or not isinstance(bindings[0].value, ast.Name):
            return None
        if not self._only_model_uses(node, attr, attr=True):
            return None
        name = bindings[0].value.id
        params = bindings[0].scope.bindings.get(name, [])
        if len(params) != 1 or params[0].kind != "param" or params[0].default is not None:
            return None
        function = self._function_of(params[0].node)
        if function is None or function.name != "__init__" or function not in node.body:
            return None
        if len([n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name]) != 1:
            return None  # (read once, to set the attribute)
        positional = [a.arg for a in function.args.posonlyargs + function.args.args][1:]
        if name not in positional and name not in [a.arg for a in function.args.kwonlyargs]:
            return None  # (*args, **kwargs)
        return [node.name, name, positional.index(name) if name in positional else -1]

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

    def also_mapped(self, found: Optional[ast.AST]) -> List[List[object]]:
        """The positions and values of the other literals the model value ``found`` was found for may
        be (``model_also``): mapped with it."""
        return [list(_astuple(self.lines.span(c))) + [c.value] for c in self.model_also.get(id(found), ())]

    def _dict_entry(self, expr: ast.Subscript, scope: Scope) -> Optional[ast.Constant]:
        """``CONFIG["model"]`` with ``CONFIG = {"model": "gpt-4o", ...}`` set once at module level,
        only ever read by constant keys, its "model" entry only by ``model=`` arguments; or any entry
        (``MODELS[kind]``, ``self.models["fast"]``) of a dict of models bound once, at module level or
        to an attribute of the class, read nowhere but by subscripts given as ``model=`` arguments:
        every value of it is mapped (the first returned, the others in ``model_also``)."""
        found = self._model_dict(expr.value, scope)
        if found is None:
            return None
        literal, name, attr = found
        key = expr.slice
        keys = [k.value for k in literal.keys]  # type: ignore[union-attr]
        entry = self._dict_key_entry(expr, literal, keys) if not attr and _is_str(key) else None
        if entry is not None or any(not _is_str(v) for v in literal.values) or not literal.values:
            return entry
        models = {id(v) for v in self._keyword_args(self.tree)}
        read = {id(n.value) for n in ast.walk(self.tree) if isinstance(n, ast.Subscript) and id(n) in models}
        for node in ast.walk(self.tree):
            hit = (isinstance(node, ast.Attribute) and node.attr == name) if attr else _is_name(node, name)
            if hit and isinstance(node.ctx, ast.Load) and id(node) not in read:  # type: ignore[attr-defined]
                return None  # written to, read for something else, or going somewhere whole
        first = keys.index(key.value) if _is_str(key) and key.value in keys else 0  # type: ignore[attr-defined]
        values: List[ast.Constant] = literal.values[first : first + 1] + literal.values[:first] + literal.values[first + 1 :]  # type: ignore[assignment]
        self.model_also[id(values[0])] = values[1:]
        return values[0]

    def _model_dict(self, holder: ast.AST, scope: Scope) -> Optional[Tuple[ast.Dict, str, bool]]:
        """The dict literal with string keys ``holder`` is bound to once: a module variable (its
        name, False) or an attribute of a class of this module read as ``self.<attr>`` or
        ``<Class>.<attr>`` (the attribute, True)."""
        if isinstance(holder, ast.Name):
            binding, ambiguous = self.lookup(holder.id, scope, holder.lineno)
            if binding is None or ambiguous or binding.scope.kind != "module":
                return None
            bindings, name, attr = [binding], holder.id, False
        elif isinstance(holder, ast.Attribute):
            cls = scope.cls if self._own_attribute(holder, scope) else None
            if cls is None and isinstance(holder.value, ast.Name):
                binding, ambiguous = self.lookup(holder.value.id, scope, holder.lineno)
                found = binding is not None and not ambiguous and binding.kind == "class"
                cls = self.binder.classes.get(id(binding.node)) if found else None  # type: ignore[union-attr]
            if cls is None:
                return None
            name, attr = holder.attr, True
            self.attrs_asked.add(name)
            self.binder.bind_methods(cls)
            bindings = cls.attrs.get(name, []) + cls.scope.bindings.get(name, [])
        else:
            return None
        literal = bindings[0].value if len(bindings) == 1 and bindings[0].kind == "assign" else None
        if not isinstance(literal, ast.Dict) or any(not _is_str(k) for k in literal.keys):
            return None
        self.mentions_asked.add(name)
        return literal, name, attr

    def _dict_key_entry(self, expr: ast.Subscript, literal: ast.Dict, keys: List[str]) -> Optional[ast.Constant]:
        key, name = expr.slice, expr.value.id  # type: ignore[attr-defined]
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
            return value if _is_str(value) and "model" not in known["set"] else None  # type: ignore[operator]
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
        if function is None or None in keys or not set(keys) <= self.PLAIN_KEYS:
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

    def _params_model_value(self, call: ast.Call, scope: Scope) -> Optional[Tuple[ast.AST, Scope]]:
        """``create(**params)`` with ``params = {"model": <value>, ...}`` whose keys are all known
        (spread_dict) and whose "model" no statement sets: the value (not a literal) and the scope
        it is read in."""
        known = self.spread_dict(call, scope)
        if known is None or "model" in known["set"]:  # type: ignore[operator]
            return None
        value = known["keys"].get("model")  # type: ignore[attr-defined]
        if value is None or isinstance(value, ast.Constant):
            return None
        return value, known["scopes"].get("model", scope)  # type: ignore[attr-defined]

    def _class_constant(self, expr: ast.Attribute, scope: Scope) -> Optional[ast.Constant]:
        """``Models.GPT4`` / ``Models.GPT4.value``: a class attribute (an Enum member) of this
        module set once to a string, read nowhere but in ``model=`` arguments."""
        member = expr.value if expr.attr == "value" and isinstance(expr.value, ast.Attribute) else expr
        if not isinstance(member, ast.Attribute) or not isinstance(member.value, ast.Name):
            return None
        binding, ambiguous = self.lookup(member.value.id, scope, member.lineno)
        info = (
            self.binder.classes.get(id(binding.node))
            if binding is not None and binding.kind == "class" and not ambiguous
            else None
        )
        if info is None:
            return None
        bindings = info.scope.bindings.get(member.attr, [])
        if len(bindings) != 1 or bindings[0].kind != "assign" or _field_default(bindings[0].value) is None:
            return None
        return _field_default(bindings[0].value) if self._only_model_uses(self.tree, member.attr, attr=True) else None

    def _enum_field(self, expr: ast.Attribute, scope: Scope) -> Optional[ast.Constant]:
        """``self.model.api_name`` where ``self.model`` holds the value of a member of an Enum of this
        module (``E.M.value``; a parameter defaulting to a member, which this module's callers pass
        members of only) whose members are all ``Params(api_name="gpt-4o", ...)`` of one dataclass of
        this module (or ``replace(OTHER, ...)``: another member's copy, its model kept), the field read
        nowhere but in ``model=`` arguments: every member's literal (the first returned, the others in
        ``model_also``).  gpt-json 0.5.1's ``GPTModelVersion`` is this shape."""
        enum = self._enum_value_of(expr.value, scope, 0)
        literals = self._enum_literals(enum, expr.attr) if enum is not None else None
        if not literals or not self._only_model_uses(self.tree, expr.attr, attr=True):
            return None
        self.model_also[id(literals[0])] = literals[1:]
        return literals[0]

    def _enum_value_of(self, expr: ast.AST, scope: Scope, depth: int) -> Optional[ast.ClassDef]:
        """The Enum class of this module a member's ``.value`` of which ``expr`` holds: ``m.value``
        (``m`` a member, see ``_enum_of``), ``self.<attr>`` set once in its class to such a value, or
        ``m.value if isinstance(m, E) else m`` (the other branch: what a caller passes that is not a
        member, and no caller here does)."""
        if isinstance(expr, ast.Attribute) and expr.attr == "value":
            return self._enum_of(expr.value, scope)
        if isinstance(expr, ast.IfExp) and isinstance(expr.body, ast.Attribute) and isinstance(expr.body.value, ast.Name):
            enum = self._enum_value_of(expr.body, scope, depth)
            name, test = expr.body.value.id, expr.test
            tested = (
                isinstance(test, ast.Call)
                and _is_name(test.func, "isinstance")
                and len(test.args) == 2
                and _is_name(test.args[0], name)
                and enum is not None
                and _is_name(test.args[1], enum.name)
            )
            return enum if tested and _is_name(expr.orelse, name) else None
        if depth < 2 and self._own_attribute(expr, scope) and scope.cls is not None:
            attr = expr.attr  # type: ignore[attr-defined]
            self.attrs_asked.add(attr)
            self.binder.bind_methods(scope.cls)
            bindings = scope.cls.attrs.get(attr, []) + scope.cls.scope.bindings.get(attr, [])
            if len(bindings) == 1 and bindings[0].kind == "assign" and bindings[0].value is not None:
                return self._enum_value_of(bindings[0].value, bindings[0].scope, depth + 1)
        return None

    def _enum_of(self, expr: ast.AST, scope: Scope) -> Optional[ast.ClassDef]:
        """The Enum class of this module a member of which ``expr`` is: ``E.M``, or a parameter
        defaulting to one that this module's callers pass nothing else for."""
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            binding, ambiguous = self.lookup(expr.value.id, scope, expr.lineno)
            enum = binding.node if binding is not None and not ambiguous and binding.kind == "class" else None
            if not isinstance(enum, ast.ClassDef) or enum not in self.tree.body:
                return None
            if not any(ast.unparse(b).rsplit(".", 1)[-1] == "Enum" for b in enum.bases):
                return None
            return enum if expr.attr in _members(enum) else None
        if not isinstance(expr, ast.Name):
            return None
        binding, ambiguous = self.lookup(expr.id, scope, expr.lineno)
        if binding is None or ambiguous or binding.kind != "param" or binding.default is None:
            return None
        enum = self._enum_of(binding.default, binding.scope.parent or self.binder.module)
        function = self._function_of(binding.node)
        if enum is None or function is None:
            return None

        def member(passed: ast.AST) -> bool:
            return isinstance(passed, ast.Attribute) and _is_name(passed.value, enum.name) and passed.attr in _members(enum)

        return enum if self._caller_values(function, expr.id, member) == [] else None

    def _enum_literals(self, enum: ast.ClassDef, field: str) -> Optional[List[ast.Constant]]:
        """The ``field`` literal of every member of ``enum``, each made by one dataclass of this
        module (``replace(OTHER, ...)`` keeps another member's); None when a member is anything else,
        or when two members are not told apart by another field's literal: mapped to one model, they
        would be equal values (an alias of one another, a ValueError under ``@unique``)."""
        out: List[ast.Constant] = []
        maker: Optional[str] = None
        made: Dict[str, Dict[str, ast.AST]] = {}  # member -> the values of its other fields
        for stmt in enum.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or (isinstance(stmt, ast.Expr) and _is_str(stmt.value)):
                continue
            call = stmt.value if isinstance(stmt, ast.Assign) and [type(t) for t in stmt.targets] == [ast.Name] else None
            if not isinstance(call, ast.Call) or not isinstance(call.func, (ast.Name, ast.Attribute)):
                return None
            if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
                return None
            if ast.unparse(call.func) in ("replace", "dataclasses.replace"):
                copied = call.args[0] if len(call.args) == 1 else None
                if not isinstance(copied, ast.Name) or copied.id not in made or any(k.arg == field for k in call.keywords):
                    return None
                values = dict(made[copied.id], **{str(k.arg): k.value for k in call.keywords})
            else:
                if not isinstance(call.func, ast.Name) or maker not in (None, call.func.id):
                    return None
                maker = call.func.id
                self.mentions_asked.add(maker)  # (a masked analysis must see its class)
                classes = [c for c in self.tree.body if isinstance(c, ast.ClassDef) and c.name == maker]
                fields = _init_fields(classes[0]) if len(classes) == 1 else None
                if fields is None or field not in fields[0] or len(call.args) > len(fields[1]):
                    return None
                values = {
                    n.target.id: n.value
                    for n in classes[0].body
                    if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and isinstance(n.value, ast.Constant)
                }
                values.update(zip(fields[1], call.args))
                values.update({str(k.arg): k.value for k in call.keywords})
                given = values.pop(field, None)
                if not _is_str(given):
                    return None
                out.append(given)  # type: ignore[arg-type]
            values.pop(field, None)
            if any(not _told_apart(values, other) for other in made.values()):
                return None
            made[stmt.targets[0].id] = values  # type: ignore[attr-defined]
        self.mentions_asked.add(enum.name)
        return out

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
        cls = self._self_class(expr.value, scope) if isinstance(expr, ast.Attribute) else None
        if cls is None:
            return None
        attr = expr.attr  # type: ignore[attr-defined]
        self.attrs_asked.add(attr)
        owner = self.attr_owner(cls, attr)
        if owner is None:
            return None
        bindings = owner.attrs.get(attr, []) + owner.scope.bindings.get(attr, [])
        # set in a base class of the module: its other subclasses read it too
        uses = cls.node if owner is cls else self.tree
        if len(bindings) != 1 or bindings[0].kind != "assign" or not self._only_model_uses(uses, attr, attr=True):
            return None
        value = bindings[0].value
        if isinstance(value, ast.Name):
            params = bindings[0].scope.bindings.get(value.id, [])
            if len(params) == 1 and params[0].kind == "param":
                return self._param_origin(params[0], value.id, to_attribute=True)
        return (value, bindings[0].scope) if value is not None else None

    def _own_attribute(self, expr: ast.AST, scope: Scope) -> bool:
        return isinstance(expr, ast.Attribute) and self._self_class(expr.value, scope) is not None

    def _param_origin(self, binding: Binding, name: str, to_attribute: bool = False) -> Optional[Tuple[ast.AST, Scope]]:
        function = self._function_of(binding.node)
        if function is None or binding.default is None:
            return None
        # the parameter is read once: by the model= argument itself, or to set the attribute
        loads = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
        if len(loads) != 1 or (not to_attribute and not self._only_model_uses(function, name)):
            return None
        return binding.default, binding.scope.parent or self.binder.module  # a default is evaluated outside

    def _model(self, node: ast.Call, scope: Scope, names: Tuple[str, ...]) -> Optional[str]:
        for kw in node.keywords:
            if kw.arg in names:
                return self.constant_str(kw.value, scope)
        return None


def _init_fields(cls: ast.AST) -> Optional[Tuple[List[str], List[str]]]:
    """(every field, the positional ones) of a class whose ``__init__`` is generated from its
    annotated fields: a ``@dataclass`` (positional, in order) or a pydantic model (keywords only);
    None for any other class, or one defining ``__init__`` itself."""
    if not isinstance(cls, ast.ClassDef) or any(
        isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "__init__" for n in cls.body
    ):
        return None
    names = [
        n.target.id
        for n in cls.body
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and "ClassVar" not in ast.unparse(n.annotation)
    ]
    decorators = [ast.unparse(d.func if isinstance(d, ast.Call) else d).rsplit(".", 1)[-1] for d in cls.decorator_list]
    if "dataclass" in decorators:
        return names, names
    if any(ast.unparse(b).rsplit(".", 1)[-1] in ("BaseModel", "BaseSettings") for b in cls.bases):
        return names, []
    return None


def _members(enum: ast.ClassDef) -> List[str]:
    """The names an Enum class's body assigns (its members)."""
    return [t.id for n in enum.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]


def _told_apart(one: Dict[str, ast.AST], other: Dict[str, ast.AST]) -> bool:
    """Two members' other fields differ in a literal both give: their values differ whatever the
    model field becomes."""
    return any(
        isinstance(value, ast.Constant)
        and isinstance(other.get(name), ast.Constant)
        and (type(value.value), value.value) != (type(other[name].value), other[name].value)  # type: ignore[attr-defined]
        for name, value in one.items()
    )
