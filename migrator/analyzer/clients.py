"""The reporter's clients, API calls and routes: a constructed client and where it goes
(handed, stored, returned, wrapped), each API call made on one, and router model lists.
Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
import sys
from typing import Any, Dict, List, Optional, TYPE_CHECKING, cast

from migrator.analyzer import symbols as sym
from migrator.i18n import N_
from migrator.analyzer.scope import Client, Func, NOT_OPENAI, Q, Res, Result, _is_none, dotted_name
from migrator.analyzer.nodes import (
    _astuple,
    _attribute_chain,
    _classify_url,
    _dict_value,
    _env_var_default,
    _has_kwarg,
    _is_env_read,
    _kwarg_names,
    _is_class_name,
    _is_str,
    _kwarg_true,
    _primitive,
    _signature,
    _streaming_api,
    param_key,
)
from migrator.analyzer.mixins import _Mixin

#: the standard library's modules: its objects take a client as a value they hold or hand back
#: (``stack.enter_async_context(client)``), not to call it with models of their own
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    ("asyncio", "contextlib", "functools", "logging", "weakref")
)

if TYPE_CHECKING:
    from migrator.analyzer.scope import Scope


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
    function, positional = _signature(fnode)
    if function is None:
        return {}
    out: Dict[object, ast.arg] = {i: a for i, a in enumerate(positional)}
    out.update({a.arg: a for a in list(function.args.args) + list(function.args.kwonlyargs)})
    return out


class _Clients(_Mixin):
    """Clients, where they go, the API calls made on them, routes."""

    def _route_list(self, node: ast.Call, qname: str, scope: Scope) -> None:
        """``Router(model_list=[{"litellm_params": {"model": "gpt-4o"}}])``: each entry's params (a dict
        literal or ``dict(...)``, in a list literal given here or bound once at module level) whose
        model string is OpenAI's is a finding of its own, where the params are written."""
        keyword, inner, key = sym.ROUTE_LISTS[qname]
        entries: Optional[ast.AST] = next((k.value for k in node.keywords if k.arg == keyword), None)
        if isinstance(entries, ast.Name):
            binding, ambiguous = self.lookup(entries.id, scope, node.lineno)
            entries = (
                binding.value
                if binding is not None and not ambiguous and binding.kind == "assign" and binding.scope.kind == "module"
                else None
            )
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
            names = (
                [k.value for k in params.keys if isinstance(k, ast.Constant)]
                if isinstance(params, ast.Dict)
                else _kwarg_names(params)  # type: ignore[arg-type]
            )
            api = "embeddings.create" if model.startswith("text-embedding-") else "chat.completions.create"
            self.add(
                "framework",
                span,
                N_("routes '{model}' to OpenAI through {name}").format(model=text, name=qname),
                symbol=sym.ROUTE_ALIASES.get(qname, qname),
                model=model,
                api=api,
                detail={
                    "form": "construct",
                    "route": True,
                    "model_arg": key,
                    "kwargs": names,
                    "dict": isinstance(params, ast.Dict),
                },
            )

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
        if (
            arg is None
            and position is not None
            and len(node.args) > position
            and not any(isinstance(a, ast.Starred) for a in node.args[: position + 1])
        ):
            arg, where = node.args[position], position
        text = self.constant_str(arg, scope)
        model = sym.openai_route(text)
        if model is None:
            return
        if any(kw.arg in ("api_base", "base_url") and self._elsewhere(kw.value, scope) for kw in node.keywords):
            return
        self.add(
            "framework",
            node,
            N_("routes '{model}' to OpenAI through {name}").format(model=text, name=qname),
            symbol=qname,
            model=model,
            detail={"form": "construct", "route": True, "model_arg": where, "kwargs": _kwarg_names(node)},
        )

    def _handed(self, node: ast.Call, scope: Scope) -> None:
        """A client built here and passed to a function imported from elsewhere
        (``outlines.from_openai(OpenAI(), "gpt-4o-mini")``, ``Agent(client=client)``): what that
        function sends through it (its model names, its calls) is out of this module's sight."""
        if (
            isinstance(node.func, ast.Name)
            and node.func.id == "setattr"
            and len(node.args) == 3
            and self.lookup("setattr", scope, node.lineno)[0] is None
        ):
            self._module_attribute_set(
                node.args[0],
                node.args[2],
                node.lineno,
                scope,
                built_here=True,  # setattr(state, "client", c)
                shown=ast.unparse(node.func) + "(" + ast.unparse(node.args[0]) + ", ...)",
            )
        func = self.resolve(node.func, scope)
        if func is NOT_OPENAI and isinstance(node.func, ast.Name):
            binding, ambiguous = self.lookup(node.func.id, scope, node.lineno)
            if binding is not None and not ambiguous and binding.kind == "class" and isinstance(binding.node, ast.ClassDef):
                func = Func(binding.node)
        if isinstance(func, Func) and isinstance(func.node, ast.ClassDef) and _signature(func.node)[0] is None:
            # a local subclass with the __init__ of a project class taking a client (``class UITars(Agent): pass``)
            bases = [self.resolve(b, scope) for b in func.node.bases]
            inherited = [b for b in bases if isinstance(b, Q) and self.externals and (self._external(b.qname) or {}).get("takes")]
            if len(inherited) == 1:
                func = inherited[0]
        method = self._instance_method(node.func, scope) if func is NOT_OPENAI else None
        if method is not None:
            # a method called on an instance of a class imported from elsewhere (paper-qa's
            # ``llm.make_chain(client, ...)``, review 7 F1): another module's function, as above
            func = Q(method)
        # a function of this module, or a class of it (its __init__'s parameters; fields: none)
        local = isinstance(func, Func)
        if not local and (
            not isinstance(func, Q)
            or sym.is_openai(func.qname)
            or func.qname.endswith("@subclass")
            or func.qname in sym.CLIENT_WRAPPERS
        ):
            return
        name = func.qname if isinstance(func, Q) else getattr(func.node, "name", "a function")  # type: ignore[union-attr]
        # the key a function (class) of another module is exported by: its name there (a method: ``Class.method``)
        callee = ".".join(method.split(".")[-2:]) if method is not None else name.rsplit(".", 1)[-1]
        if method is not None:
            name = dotted_name(node.func) or name  # shown as the call names it (``llm.make_chain``)
        params = _parameters(func.node, node) if local else {}  # type: ignore[union-attr]
        # a function (class) of another module of the project taking a client parameter (project.py)
        export = self._external(func.qname) if isinstance(func, Q) and self.externals else None
        takes: Dict[object, str] = {}
        for param, position in (export.get("takes") or {} if export else {}).items():  # type: ignore[attr-defined]
            takes[param] = takes[position] = param
        starred = any(isinstance(a, ast.Starred) for a in node.args)
        unfollowed = set()  # client parameters given a value this analysis cannot follow
        if takes and any(k.arg is None for k in node.keywords):  # **kwargs may carry any of them
            given = {k.arg for k in node.keywords if k.arg} | {takes.get(i) for i in range(len(node.args))}
            unfollowed |= set(takes.values()) - given
        for key, arg in list(enumerate(node.args)) + [(k.arg, k.value) for k in node.keywords]:
            while isinstance(arg, (ast.Starred, ast.Await)):
                arg = arg.value
            if _is_none(arg) and key in takes and key != -1:
                unfollowed.add(takes[key])  # None now, a client set on the object later (agent.client = ...)
            if isinstance(arg, (ast.Call, ast.Name, ast.Attribute, ast.Subscript)):
                value = self.resolve(arg, scope)
                if isinstance(value, Client) and (
                    value.origin in ("constructed", "subclass") or (value.origin == "remote" and key in takes)
                ):
                    param = params.get(key)
                    if local and param is not None:
                        # a local function's parameter: the client's unit joins the one its calls form there
                        self.feeds.setdefault(value.span, []).append(list(_astuple(self.lines.span(param))))
                    elif key in takes and key != -1 and not (starred and isinstance(key, int)) and value.origin == "remote":
                        # built in a third module: the callee's calls join that client (project.py)
                        self.out.handoffs.append(
                            [
                                *str(value.where).rsplit("#", 1),
                                value.endpoint,
                                str(export["path"]),  # type: ignore[index]
                                param_key(callee, takes[key]),
                            ]
                        )
                    elif key in takes and key != -1 and not (starred and isinstance(key, int)):
                        # the unit the calls on that parameter form there: the two move together or
                        # stay together (units.agree)
                        self.takes.setdefault(value.span, []).append(
                            [str(export["path"]), param_key(callee, takes[key])]  # type: ignore[index]
                        )
                    else:
                        self.handed.setdefault(value.span, name + ("()" if local else ""))
                elif isinstance(value, Result) and not _primitive(value):
                    self.escapes.setdefault(value.call, N_("passed to {name} at line {line}").format(name=name, line=node.lineno))
                elif value is None and key in takes and key != -1 and not (starred and isinstance(key, int)):
                    unfollowed.add(takes[key])  # the caller's own caller's client, say
        # the calls made on those parameters must not change for such a value (project.py); in a
        # test module the value is a double
        if export is not None and isinstance(func, Q) and not _test_module(self.path):
            for param in sorted(unfollowed):
                self.out.handoffs.append(["", str(node.lineno), "unknown", str(export["path"]), param_key(callee, param)])
            if unfollowed:
                self._class_clients_handed(scope, name)

    def _instance_method(self, func: ast.AST, scope: Scope) -> Optional[str]:
        """``<module>.<Class>.<method>`` when ``func`` is a method of an instance made here of a
        class imported from elsewhere, neither openai's nor the standard library's (``llm =
        OpenAILLMModel(config=...)`` then ``llm.make_chain``; ``Runner().run``)."""
        if not isinstance(func, ast.Attribute):
            return None
        made: Optional[ast.AST] = func.value
        where = scope
        if isinstance(made, ast.Name):
            binding, ambiguous = self.lookup(made.id, scope, made.lineno)
            if binding is None or ambiguous or binding.kind != "assign":
                return None
            made, where = binding.value, binding.scope
        if not isinstance(made, ast.Call):
            return None
        cls = self.resolve(made.func, where)
        if (
            not isinstance(cls, Q)
            or sym.is_openai(cls.qname)
            or not _is_class_name(cls.qname)
            or cls.qname.split(".")[0] in _STDLIB
            or cls.qname.endswith("@subclass")
        ):
            return None
        return f"{cls.qname}.{func.attr}"

    def _class_clients_handed(self, scope: Scope, name: str) -> None:
        """A method handing another module's client parameter a value this analysis cannot follow
        (``Handler(client=getattr(self, "_client"))``): the calls there stay as they are, so the
        clients its class keeps in ``self.<attr>`` (what that value most likely is) stay with them
        (review 8 F6: the class's client moved, the handler's calls kept OpenAI's model)."""
        current: Optional[Scope] = scope
        while current is not None and current.cls is None:
            current = current.parent
        if current is None or current.kind != "function":
            return
        cls = current.cls
        assert cls is not None  # (the loop)
        self.binder.bind_methods(cls)
        for attr in sorted(cls.attrs):
            value = self._self_attribute(cls, attr)
            if isinstance(value, Client) and value.origin in ("constructed", "subclass"):
                self.handed.setdefault(value.span, name)

    def _stored(self, node: ast.Call, client: Client, parent: Optional[ast.AST], scope: Scope) -> None:
        """A client put straight into a container (``kwargs["client"] = OpenAI()``, ``{"client": OpenAI()}``,
        ``[OpenAI(), ...]``): what reads it out of there, and where the container goes, is out of sight."""
        targets = (
            parent.targets if isinstance(parent, ast.Assign) else [parent.target] if isinstance(parent, ast.AnnAssign) else []
        )
        where: Optional[ast.AST] = next((t for t in targets if isinstance(t, ast.Subscript)), None)
        if where is None:
            # an attribute of an imported module (``state.openai_client = OpenAI()``): every module
            # importing it may call it, unseen from here
            where = next((t for t in targets if isinstance(t, ast.Attribute) and self._imported_module(t.value, scope)), None)
        if where is None and isinstance(parent, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
            where = parent
        if (
            where is None
            and isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and node in parent.args
            and (parent.func.attr in ("append", "add", "insert", "extend", "appendleft", "put", "setdefault"))
        ):
            where = parent.func.value  # clients.append(OpenAI())
        if where is None and isinstance(parent, (ast.Yield, ast.YieldFrom, ast.Lambda)):
            where = parent  # what the generator's or the lambda's callers do with it is not followed
        if where is None and isinstance(parent, ast.Return):
            function = self._function_of_scope(scope)
            if function is not None and any(
                (dotted_name(d.func if isinstance(d, ast.Call) else d) or "").rsplit(".", 1)[-1] == "fixture"
                for d in function.decorator_list
            ):
                where = function  # a pytest fixture: the tests that take it are not followed
        if where is not None:
            text = (
                f"@fixture {where.name}()" if isinstance(where, (ast.FunctionDef, ast.AsyncFunctionDef)) else ast.unparse(where)
            )
            self.stored.setdefault(client.span, [text if len(text) <= 40 else text[:37] + "...", node.lineno])

    def _method_value(self, node: ast.Call, scope: Scope) -> None:
        """An API method of a client handed to a call as a value (``retry(client.chat.completions.create,
        model=...)``, ``functools.partial(...)``): the calls made through it are out of sight."""
        for arg in list(node.args) + [k.value for k in node.keywords]:
            arg = arg.value if isinstance(arg, ast.Starred) else arg
            if isinstance(arg, ast.Attribute):
                value = self.resolve(arg, scope)
                if isinstance(value, Res) and value.client is not None and value.client.origin in ("constructed", "subclass"):
                    self.method_values.setdefault(value.client.span, [ast.unparse(arg), arg.lineno])

    def _double(self, node: ast.Call, scope: Scope) -> None:
        """A test double standing in for the OpenAI SDK: ``mock.patch("openai.ChatCompletion.create")``,
        ``patch.object(openai.Embedding, "create")``, ``mocker.patch`` / ``monkeypatch.setattr`` alike,
        and HTTP mocks (respx, pytest-httpx, responses) routed at api.openai.com."""
        chain = _attribute_chain(node.func)
        func = self.resolve(node.func, scope)
        qname = func.qname if isinstance(func, Q) else ""
        root = (
            chain[0].id
            if chain is not None and isinstance(chain[0], ast.Name)
            else (node.func.id if isinstance(node.func, ast.Name) else "")
        )
        path = tuple(chain[1]) if chain is not None else ()
        patcher = (
            qname.endswith((".patch", ".patch.object"))
            and qname.split(".")[0] in ("unittest", "mock")
            or (root in ("mocker", "monkeypatch") and path in (("patch",), ("patch", "object"), ("setattr",)))
        )
        target = None
        if patcher and node.args:
            first = node.args[0]
            text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            if text is not None and (text == "openai" or text.startswith("openai.")):
                target = text
            elif (
                text is not None
                and "." in text
                and text.rsplit(".", 1)[1] in sym.PATCHED_CLASSES | {"openai"}
                and not _kwarg_true(node, "create")  # (create=True: the module does not have the name)
            ):
                target = text  # the SDK's class (or module) where a module of the project imports it: patch("app.llm.OpenAI")
            elif text is None:
                value = self.resolve(first, scope)
                attr = node.args[1] if len(node.args) > 1 else None
                name = attr.value if isinstance(attr, ast.Constant) and isinstance(attr.value, str) else None
                if isinstance(value, Q) and sym.is_openai(value.qname):
                    target = value.qname + (f".{name}" if name else "")
                elif isinstance(value, Q) and name in sym.PATCHED_CLASSES:
                    target = f"{value.qname}.{name}"  # patch.object(llm, "OpenAI"), llm a module of the project
        elif root in ("respx", "httpx_mock", "responses", "requests_mock", "aioresponses", "mocked", "router"):
            for arg in list(node.args) + [k.value for k in node.keywords]:
                url = self.constant_str(arg, scope)  # (a literal, or a module constant: @respx.mock(base_url=OPENAI_URL))
                if url is not None and "api.openai.com" in url:
                    target = url
                    break
        if target is not None:
            self.add(
                "double", node, N_("test double for {target}").format(target=target), symbol=target, detail={"target": target}
            )

    def _client(self, node: ast.Call, client: Client, scope: Scope, context_manager: bool = False) -> None:
        name = client.cls.split(".")[-1]
        chain = self.base_url_chain(node, scope) if client.endpoint in ("fallback", "other") else None
        self.add(
            "client",
            node,
            (
                N_("constructs {name} (already points elsewhere)") if client.endpoint == "other" else N_("constructs {name}")
            ).format(name=name),
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
                "key_env": next(
                    (
                        _env_var_default(value)[0]
                        for arg, value in self.keywords(node, scope)
                        if arg == "api_key" and _is_env_read(value)
                    ),
                    None,
                ),
                "fallback_kwargs": self.fallback_kwargs(node, scope),
                "_project_key": self.client_key(node),
                # where api_key=<local> is written, when only this construction reads that local:
                # the OPENAI_* reads there feed this client alone, so they move or stay with it
                "_key_def": self._key_def(node, scope),
                # api_key=settings.openai_api_key: a name saying it holds OpenAI's key
                "key_named": self.key_named_openai(node, scope),
                # where a base_url falling back to OpenAI's endpoint is written (x or os.getenv(...))
                "_endpoint_def": self._endpoint_def(chain[1]) if chain is not None and chain[1] is not None else None,
                # OpenAI's URL as this module's callers pass it for a parameter retargeted where its
                # default is written: retargeted with it (left, the provider's key would go there)
                "_endpoint_more": self._endpoint_callers(node, scope) if chain is not None and _is_str(chain[1]) else None,
                # ... and the parameter it is the default of, whose callers in other modules may pass
                # OpenAI's URL (project.py caller_urls: the client stays then)
                "_endpoint_param": self._default_param(chain[1])
                if chain is not None and chain[1] is not None and _is_str(chain[1])
                else None,
                # the URL a base_url value falls back to (what check compares with its allow-list)
                "default_url": chain[2] if chain is not None else None,
                # base_url=settings.llm_base_url with settings imported from another module: its
                # qualified name, for the whole-project pass to find the default it is written with
                "_endpoint_ref": self._kwarg_ref(node, scope, "base_url") if client.endpoint == "dynamic" else None,
                # api_key=config.API_KEY, a value another module of the project holds: it may be an
                # OPENAI_API_KEY read kept there for a client that stays (units: held then)
                "_key_ref": self._imported_key(node, scope),
                # OpenAI(**config) after `config["base_url"] = "<url>"` (check reads it as the endpoint)
                "spread_url": self._spread_url(node, scope) if any(k.arg is None for k in node.keywords) else None,
                # why a **dict's endpoint cannot be read (the unit's reason, for a person)
                "spread_why": self.spread_why(node, scope) if client.endpoint == "dynamic" else None,
            },
        )

    def _imported_key(self, call: ast.Call, scope: Scope) -> Optional[str]:
        """The source of a construction's ``api_key=`` when it is a value imported from another
        module of the project (``config.API_KEY``, ``settings.key``)."""
        given = next((value for arg, value in self.keywords(call, scope) if arg == "api_key"), None)
        base = given
        while isinstance(base, ast.Subscript):  # KEYS["llm"], settings.keys["openai"] (re-review S9)
            base = base.value
        if given is None or not isinstance(base, (ast.Name, ast.Attribute)) or self.imported_name(base, scope) is None:
            return None
        return ast.unparse(given)

    def _endpoint_callers(self, call: ast.Call, scope: Scope) -> Optional[List[List[Any]]]:
        """Where this module's callers pass an api.openai.com URL for the parameter (or field) a
        construction's ``base_url=`` is taken from (positions, as ``_endpoint_def``)."""
        given = next((value for arg, value in self.keywords(call, scope) if arg == "base_url"), None)
        chosen = self.callers_choice(given, scope) if given is not None else None
        return [self._endpoint_def(c) for c in chosen or () if "api.openai.com" in str(c.value)] or None

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
        given: Optional[ast.expr] = next(
            (k.value for k in node.keywords if k.arg in (("model", "engine", "deployment_id") if legacy else ("model",))), None
        )
        found = None
        # the value a ``**params`` dict built here gives its "model" key (swarm's
        # ``{"model": model_override or agent.model, ...}``): followed as a model= argument is
        given_scope, in_dict = scope, None
        if given is None and not legacy:
            found = self._params_model(node, scope)
            in_dict = self._params_model_value(node, scope) if found is None else None
            if in_dict is not None:
                given, given_scope = cast(ast.expr, in_dict[0]), in_dict[1]
        if given is not None and not isinstance(given, ast.Constant):
            found = self.model_definition(given, given_scope)
        model_ref = None
        more: List[List[object]] = []
        if found is not None and given is not None:
            chosen = self.callers_choice(given, given_scope)
            if chosen is None:
                found = None  # a caller passes a model of its own that cannot be followed: reported at the call
            else:
                more = [list(_astuple(self.lines.span(c))) + [c.value] for c in chosen]
                more += self.also_mapped(found)
        if found is not None:
            # (model_definition and _params_model find string literals only)
            model, model_def = cast(str, found.value), list(_astuple(self.lines.span(found)))
        elif given is not None and not isinstance(given, ast.Constant):
            origin = self.model_origin(given, given_scope) or (given, given_scope)
            model_ref = self.imported_name(*origin)
        held = (
            self.held_field(given, given_scope)
            if given is not None and in_dict is None and model is None and found is None and not model_ref
            else None
        )
        taken = (
            self.taken_field(given, given_scope)
            if given is not None and in_dict is None and model is None and found is None and not model_ref and held is None
            else None
        )
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
                "_param_keys": self._taken_param(client)
                if client is not None and client.origin in ("annotated", "constructed")
                else None,
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
                # (origin[0] is an expression, which has a position)
                "_model_at": [origin[0].lineno, origin[0].col_offset] if model_ref else None,  # type: ignore[attr-defined]
                # self.config.model, the config an instance its class's __init__ makes by default of a
                # class another module writes (project.py held_models follows it there)
                "_model_held": held + [[given.lineno, given.col_offset]] if held is not None and given is not None else None,
                # self.model set from a parameter of its class's __init__ with no default: the values its
                # callers in other modules pass (project's taken.py follows them there)
                "_model_taken": taken,
                # the value the dict's "model" key is given, when not followed to a literal: named in the report
                "_model_value": ast.unparse(in_dict[0]) if in_dict is not None and found is None and not model_ref else None,
            },
        )


def _test_module(path: str) -> bool:
    """A test module (its doubles are handed where clients go)."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )
