"""Models a class takes from its callers (review 6 F5, issue 15): ``Handler.__init__(self, client,
model)`` stores ``self._model = model`` and calls ``create(model=self._model)``; the model is
whatever the callers in other modules pass (``Handler(client=self._client, model=model)``).  The
whole-project pass here follows each such argument, in the module that passes it, to the literals
it is written as, and maps them there, with the calls (a ``model_def`` finding each, one key).

What an argument may be, followed where it is passed (``_Flow``): a string literal; a module
constant bound once to one, read nowhere else in the project; ``self.<attr>`` set once, in
``__init__`` of a top-level class of that module, from a parameter whose default is such a value;
a local bound once; and a parameter rebound from itself, ``model = model or self._model``, the
first statement of the class's ``__call__``, its default None.

The rule for the last (a parameter of a method other code calls): the values reaching the call are
the parameter's callers' values plus ``self._model``'s.  Callers in the project are followed where
the instance's class is known (``Fructose()(f, model=...)``, ``ai = Fructose()`` then
``ai(f, "m")``, ``Fructose(model=...)``): one passing a model for either parameter spoils the whole
(the default stays unmapped and the call is reported, as a caller's unfollowed value does within
one module), and so does an instance made in the project that goes where its calls are not
followed (kept in an attribute, handed on, returned, a module's name another program imports).
Callers outside the project (the class is a library's public API) cannot be seen: a model they
pass is theirs, as for any parameter default the analyzer maps (caller_models' rule); the
project's own default is mapped where written, since every path from it in the project reaches
the migrated call's ``model=`` argument and nothing else.

Every hop is checked to be read only on the way to the call (the parameter read only in its
``or`` and in the arguments followed, ``.<attr>`` read nowhere else in the module and the class's
attributes never read by name, the constant's name spelt in no other program), and both classes
are neither subclassed nor named other than as a call (under any name they are imported as):
anything else and the argument is not followed (the call stays reported, as before)."""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Set, Tuple, Union, cast

from migrator.analyzer.nodes import annotation_ids, param_default
from migrator.analyzer.scope import _is_none
from migrator.i18n import N_
from migrator.models import FileAnalysis, Finding, Span

if TYPE_CHECKING:
    from migrator.analyzer.project import _Modules

_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def taken_models(analyses: Dict[str, FileAnalysis], modules: "_Modules") -> Dict[str, FileAnalysis]:
    """Calls whose model is a required parameter of their class's ``__init__`` (analyzer's
    ``_model_taken``), mapped where every caller in the project writes it (see the module's text)."""
    from migrator.analyzer.project import _arguments, _Copies, _model_def

    groups: Dict[Tuple[str, str], List[Finding]] = {}
    params: Dict[Tuple[str, str], Tuple[str, int]] = {}
    for path, analysis in analyses.items():
        for f in analysis.findings if not analysis.error and path.endswith(".py") else ():
            taken = f.detail.get("_model_taken") if f.kind == "call" else None
            if taken and f.model is None and not f.detail.get("_model_def") and not f.detail.get("_model_remote"):
                groups.setdefault((path, str(taken[0])), []).append(f)
                params[(path, str(taken[0]))] = (str(taken[1]), int(taken[2]))
    if not groups:
        return {}
    callers: Dict[Tuple[str, str], List[Tuple[str, Optional[int], Optional[ast.AST]]]] = {}
    for where, cell, target, given in _arguments(params, modules):
        callers.setdefault(target, []).append((where, cell, given))
    copies = _Copies(analyses)
    for target, users in sorted(groups.items()):
        passed = callers.get(target)
        if not passed or _elsewhere(modules, target) or any(given is None for _w, _c, given in passed):
            continue  # no caller seen, the class reached otherwise, or **kwargs: reported at the call
        found: List[Tuple[str, Optional[int], ast.Constant]] = []
        flows: Dict[Tuple[str, Optional[int]], Optional[_Flow]] = {}
        for where, cell, given in passed:
            if (where, cell) not in flows:
                tree = modules.tree(where, cell)
                flows[(where, cell)] = (
                    _Flow(modules, where, cell, tree, [g for w, c, g in passed if (w, c) == (where, cell)]) if tree else None
                )
            flow = flows[(where, cell)]
            values = flow.values(cast(ast.AST, given)) if flow is not None else None
            if values is None:
                break
            found += [(where, cell, v) for v in values if all(v is not seen for _w, _c, seen in found)]
        else:
            if not found:
                continue
            key = f"model:{target[0]}:{target[1]}:{params[target][0]}"
            remotes = []
            for where, cell, literal in found:
                span = Span(literal.lineno, literal.col_offset, literal.end_lineno or literal.lineno, literal.end_col_offset or 0)
                message = N_("model passed to {name} (its calls are in {path})").format(name=target[1], path=target[0])
                copies(where).findings.append(
                    _model_def(where, span, message, literal, users[0], key, [[target[0], f.span.line] for f in users], "", cell)
                )
                remotes.append([where, key, span.line])
            for f in users:
                detail = dict(f.detail, _model_remote=remotes[0], _model_callers=remotes[1:] or None)
                copies.update(target[0], f, replace(f, model=cast(str, found[0][2].value), detail=detail))
    return copies.out


def _elsewhere(modules: "_Modules", target: Tuple[str, str]) -> bool:
    """The class ``target`` (module, name) is subclassed in the project, or named in its own
    module other than where it is defined (callers there are not followed here)."""
    path, name = target
    parsed = modules.parsed(path)
    if parsed is None:
        return True
    if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(parsed[0])):
        return True
    for _p, _c, tree in _programs(modules, name):
        if tree is None:
            return True
        names = _aliases(tree, name)
        if any(_subclassed(tree, alias) for alias in names):
            return True
        parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        annotations = annotation_ids(tree)
        for n in ast.walk(tree):
            outer = parents.get(id(n))
            if (
                any(_named(n, alias) for alias in names)
                and id(n) not in annotations
                and not (isinstance(outer, ast.Call) and outer.func is n)
            ):
                return True  # handed on as a class (its callers not seen), isinstance(...) is fine but rare
    return False


def _aliases(tree: ast.AST, name: str) -> Set[str]:
    """``name`` and the names a program imports it as (``from app.handler import Handler as H``)."""
    return {name} | {
        a.asname for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names if a.name == name and a.asname
    }


def _subclassed(tree: ast.AST, name: str) -> bool:
    return any(
        isinstance(n, ast.ClassDef) and any(_named(b, name) for b in n.bases + [k.value for k in n.keywords])
        for n in ast.walk(tree)
    )


def _named(node: ast.AST, name: str) -> bool:
    return (isinstance(node, ast.Name) and node.id == name) or (isinstance(node, ast.Attribute) and node.attr == name)


def _programs(modules: "_Modules", word: str) -> Iterator[Tuple[str, Optional[int], Optional[ast.Module]]]:
    """(path, cell, tree or None when it does not parse) of the project's programs that spell ``word``."""
    spelt = re.compile(r"\b%s\b" % re.escape(word))
    for path, cell, source in modules.sources():
        if source is not None and spelt.search(source):
            yield path, cell, modules.tree(path, cell)


class _Flow:
    """The literals a model argument passed in one program is written as (see the module's text)."""

    def __init__(
        self, modules: "_Modules", path: str, cell: Optional[int], tree: ast.Module, arguments: List[Optional[ast.AST]]
    ) -> None:
        self.modules, self.path, self.cell, self.tree = modules, path, cell, tree
        self.parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        # the reads that are on the way to the calls: the arguments themselves, and what is added
        # as a hop is followed
        self.allowed: Set[int] = {id(a) for a in arguments if a is not None}

    def values(self, expr: ast.AST, depth: int = 0) -> Optional[List[ast.Constant]]:
        if depth > 4:
            return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [expr]
        if isinstance(expr, ast.Name):
            function = self._binder(expr, expr.id)
            if function is False:
                return None
            if function is None:
                return self._constant(expr.id)
            return self._local(cast(_Function, function), expr.id, depth)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            return self._self_attribute(expr, depth)
        return None

    # ---- where a name is bound
    def _binder(self, node: ast.AST, name: str) -> Union[None, bool, ast.AST]:
        """The innermost function enclosing ``node`` that binds ``name``; None: the module's
        (no class body in between binds it); False: a binding not followed (global, nonlocal, a
        class body's)."""
        inner = True
        parent = self.parents.get(id(node))
        while parent is not None:
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                own = _own_nodes(parent)
                if any(isinstance(n, (ast.Global, ast.Nonlocal)) and name in n.names for n in own):
                    return False
                if name in _params(parent) or any(_binds(n, name, names_only=False) for n in own):
                    return parent
                inner = False
            elif (
                isinstance(parent, ast.ClassDef) and inner and any(_binds(n, name, names_only=False) for n in _own_nodes(parent))
            ):
                return False
            parent = self.parents.get(id(parent))
        return None

    def _reads_allowed(self, root: ast.AST, name: str, attr: bool = False) -> bool:
        """Every read of ``name`` (``.name`` when ``attr``) under ``root`` is on the way to the calls."""
        for n in ast.walk(root):
            hit = (isinstance(n, ast.Attribute) and n.attr == name) if attr else (isinstance(n, ast.Name) and n.id == name)
            if hit and not isinstance(getattr(n, "ctx", None), ast.Store) and id(n) not in self.allowed:
                return False
        return True

    # ---- the hops
    def _constant(self, name: str) -> Optional[List[ast.Constant]]:
        """A module constant bound once to a literal, read only on the way, spelt in no other program."""
        stores = [
            n
            for n in ast.walk(self.tree)
            if (isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)) or _binds(n, name, names_only=False)
        ]
        assign = next(
            (s for s in self.tree.body if isinstance(s, ast.Assign) and len(s.targets) == 1 and _named(s.targets[0], name)), None
        )
        if (
            assign is None
            or not isinstance(assign.targets[0], ast.Name)
            or stores != [assign.targets[0]]
            or not (isinstance(assign.value, ast.Constant) and isinstance(assign.value.value, str))
            or not self._reads_allowed(self.tree, name)
        ):
            return None
        if any((p, c) != (self.path, self.cell) for p, c, _t in _programs(self.modules, name)):
            return None  # imported, or read, elsewhere
        return [assign.value]

    def _local(self, function: _Function, name: str, depth: int) -> Optional[List[ast.Constant]]:
        """A local bound once, or a parameter rebound from itself (``model = model or self._model``)."""
        own = _own_nodes(function)
        if any(_binds(n, name, names_only=False) for n in own if not isinstance(n, ast.Name)):
            return None  # (def, class, import, except ... as, walrus, for / with targets)
        stores = [n for n in own if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)]
        assigns = [
            s
            for s in own
            if isinstance(s, ast.Assign)
            and len(s.targets) == 1
            and isinstance(s.targets[0], ast.Name)
            and s.targets[0].id == name
        ]
        if len(stores) != 1 or len(assigns) != 1 or stores[0] is not assigns[0].targets[0]:
            return None
        value = assigns[0].value
        if name not in _params(function):
            self.allowed.add(id(value))
            if not self._reads_allowed(function, name):
                return None
            return self.values(value, depth + 1)
        # model = model or <other>: the first statement of a class's __call__, the parameter's
        # default None
        if not (
            isinstance(value, ast.BoolOp)
            and isinstance(value.op, ast.Or)
            and len(value.values) == 2
            and isinstance(value.values[0], ast.Name)
            and value.values[0].id == name
            and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
            and function.name == "__call__"
            and _first_statement(function) is assigns[0]
        ):
            return None
        cls = self.parents.get(id(function))
        default = param_default(function, name)
        if not (isinstance(cls, ast.ClassDef) and cls in self.tree.body and _is_none(default)):
            return None
        self.allowed.add(id(value.values[0]))
        if not self._reads_allowed(function, name):
            return None
        positional = [a.arg for a in function.args.posonlyargs + function.args.args][1:]
        if self._instances_spoilt(cls, None, (name, positional.index(name) if name in positional else -1)):
            return None
        return self.values(value.values[1], depth + 1)

    def _self_attribute(self, expr: ast.Attribute, depth: int) -> Optional[List[ast.Constant]]:
        """``self.<attr>`` set once, in ``__init__`` of a top-level class of this module with no
        bases, from a parameter (read only there) whose default is followed."""
        name = cast(ast.Name, expr.value).id
        method = self._binder(expr, name)
        cls = self.parents.get(id(method)) if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        if (
            not isinstance(cls, ast.ClassDef)
            or cls not in self.tree.body
            or cls.bases
            or cls.keywords
            or cls.decorator_list
            or _params(cast(_Function, method))[:1] != [name]
            or any(_binds(n, name, names_only=False) for n in _own_nodes(cast(_Function, method)))
        ):
            return None
        attr = expr.attr
        if any(
            (isinstance(n, ast.Name) and n.id in ("vars", "getattr", "setattr", "delattr"))
            or (isinstance(n, ast.Attribute) and n.attr == "__dict__")
            for n in ast.walk(cls)
        ):
            return None  # (its attributes read or written by name)
        writes = [
            n for n in ast.walk(self.tree) if isinstance(n, ast.Attribute) and n.attr == attr and not isinstance(n.ctx, ast.Load)
        ]
        init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        if init is None or len(writes) != 1 or any(_binds(s, attr) for s in cls.body):
            return None
        assign = self.parents.get(id(writes[0]))
        owner = init.args.posonlyargs + init.args.args
        if not (
            isinstance(assign, ast.Assign)
            and assign.targets == [writes[0]]
            and isinstance(writes[0].value, ast.Name)
            and owner
            and writes[0].value.id == owner[0].arg
            and isinstance(assign.value, ast.Name)
            and self._binder(assign, owner[0].arg) is init
            and self._binder(assign.value, assign.value.id) is init
        ):
            return None
        param = assign.value.id
        default = param_default(init, param)
        if default is None or len([n for n in ast.walk(init) if isinstance(n, ast.Name) and n.id == param]) != 1:
            return None  # (no default, or the parameter read again)
        self.allowed |= {id(expr), id(default)}
        if not self._reads_allowed(self.tree, attr, attr=True):
            return None
        positional = [a.arg for a in owner][1:]
        if self._instances_spoilt(cls, (param, positional.index(param) if param in positional else -1), None):
            return None
        # (a default is evaluated where the class is: a literal, or a module constant)
        if isinstance(default, ast.Name):
            return self._constant(default.id) if self._binder(cls, default.id) is None else None
        return self.values(default, depth + 1)

    def _instances_spoilt(self, cls: ast.ClassDef, init: Optional[Tuple[str, int]], call: Optional[Tuple[str, int]]) -> bool:
        """A program of the project passes the class's ``__init__`` parameter ``init``, or its
        ``__call__`` parameter ``call`` (name, position after self; -1 keyword-only), a value, or
        may: its instances made as ``C(...)``, called directly or through a name bound to one in
        that program (``ai = C()`` then ``ai(f, "m")``; ``@ai`` passes the function alone); an
        instance that goes anywhere else (an attribute, an argument, returned, a module's name
        another program spells) is called where this pass does not look, so it spoils ``call``
        too; or the class is subclassed (what a subclass sets is not followed)."""
        for path, cell, tree in _programs(self.modules, cls.name):
            names = _aliases(tree, cls.name) if tree is not None else set()
            if tree is None or any(_subclassed(tree, alias) for alias in names):
                return True
            parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
            instances: Set[str] = set()
            made = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and any(_named(n.func, a) for a in names)]
            for node in made:
                if init is not None and _passes(node, *init):
                    return True
                outer = parents.get(id(node))
                if call is None or (isinstance(outer, ast.Call) and outer.func is node and not _passes(outer, *call)):
                    continue
                if not (isinstance(outer, ast.Assign) and all(isinstance(t, ast.Name) for t in outer.targets)):
                    return True  # called with a model, or kept where its calls are not followed
                named = {t.id for t in outer.targets if isinstance(t, ast.Name)}
                if parents.get(id(outer)) is tree and any(
                    (p, c) != (path, cell) for name in named for p, c, _t in _programs(self.modules, name)
                ):
                    return True  # a module's instance other programs may import and call
                instances |= named
            for other in ast.walk(tree) if call is not None else ():
                outer = parents.get(id(other))
                if isinstance(other, ast.Name) and other.id in instances and isinstance(other.ctx, ast.Load):
                    called = isinstance(outer, ast.Call) and outer.func is other
                    if not (called and not _passes(cast(ast.Call, outer), *cast(Tuple[str, int], call))) and not (
                        isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef)) and other in outer.decorator_list
                    ):
                        return True  # called with a model, or handed on
                if isinstance(other, ast.Attribute) and other.attr == "__call__":
                    return True
        return False


def _passes(call: ast.Call, name: str, position: int) -> bool:
    """``call`` gives the parameter ``name`` (at ``position``) a value, or may (``*args``, ``**kwargs``)."""
    return (
        any(k.arg in (name, None) for k in call.keywords)
        or any(isinstance(a, ast.Starred) for a in call.args)
        or 0 <= position < len(call.args)
    )


def _params(function: _Function) -> List[str]:
    args = function.args
    out = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    return out + [a.arg for a in (args.vararg, args.kwarg) if a is not None]


def _first_statement(function: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> Optional[ast.stmt]:
    body = function.body
    docstring = body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    return body[1] if docstring and len(body) > 1 else body[0] if body and not docstring else None


def _own_nodes(scope: ast.AST) -> List[ast.AST]:
    """The nodes of a function's (class's) own scope: its nested functions and classes are
    included themselves (their names bind here), their bodies not."""
    out: List[ast.AST] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, _SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return out


def _binds(node: ast.AST, name: str, names_only: bool = True) -> bool:
    """``node`` binds ``name`` (a store of the name; with ``names_only`` False also a def, a class,
    an import, ``except ... as``, a walrus, ``del``)."""
    if isinstance(node, ast.Name):
        return node.id == name and not isinstance(node.ctx, ast.Load)
    if names_only:
        return False
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any((a.asname or a.name.split(".")[0]) == name for a in node.names)
    if isinstance(node, ast.ExceptHandler):
        return node.name == name
    if isinstance(node, ast.NamedExpr):
        return _named(node.target, name)
    return False
