"""The closed set of rewrite operations that rule files choose from.

Each operation is a small class: ``PARAMS`` (what YAML may pass), ``SITES``
(which kinds of site it applies to), ``predict`` (what it will report, without
LibCST, for scan's readiness matrix) and ``apply`` (the LibCST edit of one
node).  An operation that cannot prove an edit safe leaves the node unchanged
and reports why.  The class docstring is the user-facing documentation
rendered into docs/rules.md.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from migrator.analyzer.secrets import redact_text
from migrator.engine.model import Site
from migrator.i18n import N_


class _LibCST:
    """``libcst``, imported on first use: ``predict`` and the rule-file checks need
    only the classes below, and scan should not pay for importing LibCST (~0.25 s)."""

    def __getattr__(self, name: str) -> Any:
        import libcst

        globals()["cst"] = libcst
        return getattr(libcst, name)


cst: Any = _LibCST()

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CALL_SITES = ("client", "call", "framework")


class Context:
    """What an operation may use and produce while editing one site."""

    def __init__(self, ruleset: Any, rule: Any, site: Site, sink: "Sink"):
        self.ruleset = ruleset
        self.rule = rule
        self.site = site
        self.sink = sink

    def diag(self, message: str, severity: str = "info") -> None:
        self.sink.diag(self.rule.id, self.site, message, severity)

    def manual(self, message: str, blocking: bool = True) -> None:
        """A site left for a person: report it and, if enabled, leave a TODO comment.
        ``blocking``: the site keeps its OpenAI shape, so its client cannot migrate without it
        (False where only a value is left to choose, e.g. a model name)."""
        self.diag(message, "manual")
        self.sink.todo(self.rule.id, self.site, message)
        if blocking:
            self.sink.blocking.setdefault(id(self.site), message)

    def need_import(self, module: str, name: Optional[str] = None) -> None:
        self.sink.imports.add((module, name))

    def text(self, value: str) -> str:
        return self.ruleset.interpolate(value)


class Sink:
    """Collects what operations produce for one file; the transformer drains it."""

    def __init__(self, path: str, cell: Optional[int] = None, todo_comments: bool = True, todo_lang: str = "en"):
        self.path = path
        self.cell = cell
        self.todo_comments = todo_comments
        self.todo_lang = todo_lang
        self.todo_made: Dict[str, Tuple[str, str]] = {}  # a TODO's text -> (rule, message in English)
        self.diagnostics: List[Tuple[str, Site, str, str]] = []
        self.imports: set = set()
        # an import wanted for a replaced symbol -> the names it replaces (``OpenAI``, ``openai``):
        # where those are imported only inside functions or guards, the new import goes beside them
        self.replaced: Dict[Tuple[str, Optional[str]], Set[str]] = {}
        self.todos: List[Tuple[Site, str]] = []
        self.remove: List[Site] = []
        self.bound_names: Dict[str, Optional[str]] = {}
        self.helpers: Dict[str, str] = {}  # client expression -> name of its module-level accessor
        # module settings the clients replacing openai<1 calls carry (see ClientSetting):
        # keyword -> (sync value, async value, imports), and the config sites they came from
        self.client_settings: Dict[str, Tuple[Any, Any, List[Tuple[str, Optional[str]]]]] = {}
        self.settings_from: Set[int] = set()
        self.blocking: Dict[int, str] = {}  # id(site) -> why an operation had to leave it as it was
        self.changed: set = set()  # (id(site), id(rule)) pairs whose operations edited the code
        self.code: Optional[str] = None  # the transformed module's text, once printed

    def shared_client(self, expression: str) -> Optional[str]:
        """The name of a module-level accessor returning ``expression``, or None if no free name."""
        if expression in self.helpers:
            return self.helpers[expression]
        for index in range(1, 10):
            name = "_migrator_client" if index == 1 else f"_migrator_client_{index}"
            if name not in self.bound_names and name not in self.helpers.values():
                self.helpers[expression] = name
                return name
        return None

    def diag(self, rule: str, site: Site, message: str, severity: str) -> None:
        self.diagnostics.append((rule, site, message, severity))

    def todo(self, rule: str, site: Site, message: str) -> None:
        if self.todo_comments:  # written into the user's code: never a key quoted from the site
            text = self.todo_text(rule, message, self.todo_lang)
            self.todo_made[text] = (rule, message)
            self.todos.append((site, text))

    @staticmethod
    def todo_text(rule: str, message: str, lang: str) -> str:
        if lang == "en":
            return redact_text(f"TODO(migrator: {rule}): {message}")
        from migrator.i18n import localize, use_language

        with use_language(lang):
            return redact_text(f"TODO(migrator: {rule}): {localize(message)}")

    def todo_elsewhere(self, text: str) -> str:
        """The same TODO as a run in the other language writes it."""
        rule, message = self.todo_made[text]
        return self.todo_text(rule, message, "en" if self.todo_lang == "zh" else "zh")


# ------------------------------------------------------------------ rendering values


def _no_model(ruleset: Any, model: str) -> str:
    return N_("no {provider} model for '{model}'").format(provider=ruleset.provider.name, model=model)


def _string(text: str) -> cst.SimpleString:
    return cst.SimpleString(json.dumps(text, ensure_ascii=False))


def _string_like(original: cst.SimpleString, text: str) -> cst.SimpleString:
    """``text`` as a literal in ``original``'s prefix and quotes where that needs no escaping,
    else an escaped literal: configuration values never become code."""
    if IDENT_SAFE.match(text):  # no quote, backslash or line break: safe inside any quotes
        return cst.SimpleString(f"{original.prefix}{original.quote}{text}{original.quote}")
    return _string(text)


def _environ() -> cst.Attribute:
    return cst.Attribute(value=cst.Name("os"), attr=cst.Name("environ"))


def render(value: Any, ctx: Context) -> cst.BaseExpression:
    """A YAML value as a Python expression: strings are literals; {env}, {expr} are code."""
    if isinstance(value, bool) or value is None:
        return cst.Name(repr(value))
    if isinstance(value, (int, float)):
        return cst.parse_expression(repr(value))
    if isinstance(value, str):
        return _string(ctx.text(value))
    if isinstance(value, list):
        return cst.List([cst.Element(render(v, ctx)) for v in value])
    if isinstance(value, dict) and "env" in value:
        ctx.need_import("os")
        var = _string(ctx.text(value["env"]))
        if "default" in value:  # nodes, not formatted code: a value is never parsed as Python
            return cst.Call(func=cst.Attribute(value=_environ(), attr=cst.Name("get")),
                            args=[cst.Arg(var), cst.Arg(_string(ctx.text(value["default"])))])
        return cst.Subscript(value=_environ(), slice=[cst.SubscriptElement(cst.Index(var))])
    if isinstance(value, dict) and "expr" in value:
        for spec in value.get("imports", []):
            module, _, name = ctx.text(spec).partition(":")
            ctx.need_import(module, name or None)
        return cst.parse_expression(ctx.text(value["expr"]))
    raise ValueError(f"cannot render value {value!r}")


def validate_value(value: Any) -> List[str]:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return []
    if isinstance(value, list):
        return [p for v in value for p in validate_value(v)]
    if isinstance(value, dict):
        if "env" in value:
            extra = set(value) - {"env", "default"}
            return [N_("unknown key(s) {keys} in an env value").format(keys=sorted(extra))] if extra else []
        if "expr" in value:
            extra = set(value) - {"expr", "imports"}
            problems = [N_("unknown key(s) {keys} in an expr value").format(keys=sorted(extra))] if extra else []
            try:  # the stdlib parser: loading rule packs must not need LibCST (scan's readiness matrix)
                ast.parse(re.sub(r"\$\{[a-z_0-9]+\}", "x", str(value["expr"])), mode="eval")
            except (SyntaxError, ValueError):
                problems.append(N_("expr is not a Python expression: {expr}").format(expr=repr(value["expr"])))
            return problems
    return [N_("a value must be a scalar, a list, an env mapping or an expr mapping, not {value}").format(value=repr(value))]


# ------------------------------------------------------------------ call helpers


def _kw(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _has_star_kwargs(call: cst.Call) -> bool:
    if isinstance(call, cst.Dict):
        return any(isinstance(e, cst.StarredDictElement) for e in call.elements)
    return any(arg.star == "**" for arg in call.args)


def _entry(node: Any, name: str) -> Any:
    """A call's keyword argument ``name``, or a dict literal's ``"name"`` element (a LiteLLM Router entry)."""
    if isinstance(node, cst.Dict):
        return next((e for e in node.elements if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
                     and e.key.evaluated_value == name), None)
    return _kw(node, name)


def _replace_entry(node: Any, old: Any, new: Any) -> Any:
    if isinstance(node, cst.Dict):
        elements = list(node.elements)
        index = elements.index(old)
        if new is not None:
            elements[index] = new
        else:
            del elements[index]
            if elements and index == len(elements):  # removed the last: the new last takes its place
                return _without_last(node, elements, old)
        return node.with_changes(elements=elements)
    return _replace_arg(node, old, new)


def _without_last(node: Any, elements: List[Any], old: Any) -> Any:
    """A dict whose last element ``old`` was removed from ``elements``: the new last element ends
    as ``old`` did (a trailing comma or none, the closing brace where it was), keeping a comment
    that followed its own comma; a comment on ``old``'s line goes with it."""
    last = elements[-1]
    mine = getattr(last.comma, "whitespace_after", None)
    brace = node.rbrace.whitespace_before
    commented = isinstance(mine, cst.ParenthesizedWhitespace) and mine.first_line.comment is not None
    if isinstance(mine, cst.ParenthesizedWhitespace) and isinstance(brace, cst.ParenthesizedWhitespace) and (
            commented or isinstance(old.comma, cst.Comma)):
        # the line break before the brace is now the one after this element
        elements[-1] = last.with_changes(comma=last.comma.with_changes(
            whitespace_after=mine.with_changes(empty_lines=list(mine.empty_lines) + list(brace.empty_lines),
                                               indent=brace.indent, last_line=brace.last_line)))
        return node.with_changes(elements=elements, rbrace=node.rbrace.with_changes(whitespace_before=cst.SimpleWhitespace("")))
    if commented:
        elements[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=mine.with_changes(
            indent=False, last_line=cst.SimpleWhitespace(""))))
    else:
        elements[-1] = last.with_changes(comma=old.comma)
    return node.with_changes(elements=elements)


SET_BY_STATEMENT = N_("{name} is set in the **params dict by a statement (perhaps only sometimes); change it there by hand")


def _elsewhere(node: Any, name: str, ctx: "Context") -> bool:
    """A call whose keywords come partly in a ``**params`` dict built for it (the analyzer's
    ``_params_def``): keyword ``name`` is edited where it is written, in the dict (a "params"
    site) or in the call; the other of the two leaves it alone.  A key a statement sets in the
    dict cannot be edited there: the site is left for a person."""
    if ctx.site.kind == "params":
        if name in ctx.site.attrs.get("params_set", ()):
            ctx.manual(ctx.text(SET_BY_STATEMENT).format(name=name))
            return True
        # given to the call itself: edited there
        return _entry(node, name) is None and name in ctx.site.attrs.get("kwargs", ())
    return isinstance(node, cst.Call) and bool(ctx.site.attrs.get("_params_def")) and _kw(node, name) is None


def _params_predict(site: Site, name: str) -> List[Tuple[str, str]]:
    if site.kind == "call" and name in site.attrs.get("params_set", ()):
        return [("manual", SET_BY_STATEMENT.format(name=name))]
    return []


def _add_entry(node: Any, name: str, value: cst.BaseExpression) -> Any:
    if not isinstance(node, cst.Dict):
        return _add_arg(node, name, value)
    elements = list(node.elements)
    new = cst.DictElement(_string(name), value, whitespace_before_colon=cst.SimpleWhitespace(""))
    if elements:
        last = elements[-1]
        if isinstance(last.comma, cst.Comma):  # keep the trailing comma (and what follows it) at the end
            new = new.with_changes(comma=last.comma)
        elements[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return node.with_changes(elements=elements + [new])


def _replace_arg(call: cst.Call, old: cst.Arg, new: Optional[cst.Arg]) -> cst.Call:
    args = list(call.args)
    index = args.index(old)
    if new is None:
        del args[index]
        if args and index == len(args):  # removed the last: the new last keeps the old trailing comma style
            args[-1] = args[-1].with_changes(comma=old.comma if old.comma != cst.MaybeSentinel.DEFAULT else cst.MaybeSentinel.DEFAULT)
    else:
        args[index] = new
    return call.with_changes(args=args)


def _add_arg(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    args = list(call.args)
    new = cst.Arg(value=value, keyword=cst.Name(name), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
    star_at = next((i for i, a in enumerate(args) if a.star == "**"), len(args))
    if not args:
        args.append(new)
    elif star_at == len(args):
        last = args[-1]
        # a multi-line call keeps one argument per line: copy the whitespace in front of the last one
        before = args[-2].comma.whitespace_after if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) \
            else call.whitespace_before_args
        sep = before if isinstance(before, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
        if isinstance(last.comma, cst.Comma):
            # keep a trailing comma (and a comment after it stays with its argument)
            for_last, for_new = _split_after(last.comma.whitespace_after, sep)
            new = new.with_changes(comma=last.comma.with_changes(whitespace_after=for_new))
            args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=for_last))
        else:
            for_last, for_new = _split_after(last.whitespace_after_arg, sep)
            new = new.with_changes(whitespace_after_arg=for_new)
            args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=for_last),
                                         whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new)
    else:
        args.insert(star_at, new.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    return call.with_changes(args=args)


def _split_after(ws: cst.BaseParenthesizableWhitespace, sep: cst.BaseParenthesizableWhitespace):
    """The whitespace after the old last argument splits in two: up to the next argument (indented
    like the others, keeping a comment) and after the new last one (up to the closing paren)."""
    if isinstance(ws, cst.ParenthesizedWhitespace) and isinstance(sep, cst.ParenthesizedWhitespace):
        return (ws.with_changes(indent=sep.indent, last_line=sep.last_line),
                ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[]))
    return sep, ws


def _pairable(expr: cst.BaseExpression) -> bool:
    """A value that reads as it is as the body of ``x if cond else y`` (no parentheses needed)."""
    return isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BooleanOperation))


def _is_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)) or (
        isinstance(expr, cst.Name) and expr.value in ("None", "True", "False")
    )


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


QUOTE_LIMIT = 80  # characters of source a message quotes
COMMENT_LIMIT = 400  # characters of a TODO comment's text (the longest a pack writes: ~350)


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, every run of white space (line breaks included) one space, any other
    character that is not printable escaped (a NUL, a lone surrogate: neither can be written in a
    source file), cut to ``limit`` characters with ``...``: a comment built from it is always a
    valid comment."""
    flat = " ".join(text.split())
    if not flat.isprintable():
        flat = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in flat)
    return flat if len(flat) <= limit else flat[:limit - 3].rstrip() + "..."


def _quote(node: cst.CSTNode) -> str:
    """The source of ``node`` as a message quotes it: one line, bounded, a key redacted before
    the cut (a cut key would no longer look like one)."""
    code = re.sub(r"\s*\n\s*([)\]}])", r"\1", re.sub(r"([(\[{])\s*\n\s*", r"\1", _code(node)))
    return one_line(redact_text(code), QUOTE_LIMIT)


def _model_is(ctx: "Context", globs: Sequence[str]) -> bool:
    """Whether the call's model, after the provider's model map, matches one of ``globs``
    (an unknown model matches nothing)."""
    import fnmatch

    model = ctx.site.attrs.get("model")
    if not isinstance(model, str):
        return False
    target = ctx.ruleset.map_model(model) or model
    return any(fnmatch.fnmatchcase(target, ctx.text(g)) for g in globs)


# ------------------------------------------------------------------ the operations


class Operation:
    """Base: parameters are declared in PARAMS as name -> (type, required)."""

    name = ""
    SITES: Tuple[str, ...] = ()
    PARAMS: Dict[str, Tuple[Any, bool]] = {}
    CHOICES: Dict[str, Sequence[str]] = {}

    @classmethod
    def validate(cls, params: Dict[str, Any]) -> List[str]:
        problems = []
        for key in params:
            if key not in cls.PARAMS:
                problems.append(N_("unknown parameter '{key}' (expected: {names})").format(key=key, names=", ".join(sorted(cls.PARAMS))))
        for key, (kind, required) in cls.PARAMS.items():
            if key not in params:
                if required:
                    problems.append(N_("missing parameter '{key}'").format(key=key))
                continue
            value = params[key]
            if kind == "value":
                problems += validate_value(value)
            elif kind is str and not isinstance(value, str):
                problems.append(N_("'{key}' must be a string").format(key=key))
            elif kind is bool and not isinstance(value, bool):
                problems.append(N_("'{key}' must be true or false").format(key=key))
            elif kind is dict and not isinstance(value, dict):
                problems.append(N_("'{key}' must be a mapping").format(key=key))
            elif kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                problems.append(N_("'{key}' must be a list of strings").format(key=key))
            elif kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
                problems.append(N_("'{key}' must be a number").format(key=key))
            if key in cls.CHOICES and value not in cls.CHOICES[key]:
                problems.append(N_("'{key}' must be one of {choices}").format(key=key, choices=", ".join(cls.CHOICES[key])))
        return problems

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        """(severity, message) pairs this op would report at ``site``; [] = silent rewrite."""
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        raise NotImplementedError


STAR_ENDPOINT = N_("the construction passes **kwargs, which may carry its endpoint: set base_url= (and the key) yourself")
PARAMS_NATIVE = N_("the client is built from a **params dict, whose keys the native SDK's client may not take; build it by hand")


class SetKwarg(Operation):
    """Set a keyword argument of a call. ``when``: ``always`` (default) sets or replaces it;
    ``missing`` only adds it when absent; ``literal`` adds it when absent or replaces a literal
    (a hard-coded key, say) and otherwise leaves the expression and says so.  Unless ``missing``,
    a construction's ``api_key``/``base_url`` given a parameter that defaults to None
    (``def __init__(self, base_url=None)``) keeps the caller's choice: ``base_url or <value>``."""

    name = "set_kwarg"
    SITES = CALL_SITES + ("endpoint", "params")
    PARAMS = {"name": (str, True), "value": ("value", True), "when": (str, False), "message": (str, False)}
    CHOICES = {"when": ("always", "missing", "literal")}

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        if site.kind == "client" and site.attrs.get("_params_def") and not ruleset.plan.keeps_openai:
            return [("manual", PARAMS_NATIVE)]
        if (params["name"] == "base_url" and params.get("when", "always") != "always" and site.kind in ("client", "framework")
                and site.attrs.get("star_kwargs") and "base_url" not in site.attrs.get("kwargs", ())):
            return [("manual", STAR_ENDPOINT)]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        name, when = params["name"], params.get("when", "always")
        if ctx.site.kind == "endpoint":  # the expression a base_url falls back to OpenAI in
            return _retarget_default(node, render(params["value"], ctx), ctx) if name == "base_url" else node
        assert isinstance(node, (cst.Call, cst.Dict))  # a dict: a LiteLLM Router entry's params, a **params dict
        if name == "base_url" and ctx.site.attrs.get("_endpoint_def"):
            return node  # retargeted where its default is written
        if ctx.site.kind in ("client", "params") and ctx.site.attrs.get("_params_def") and not ctx.ruleset.plan.keeps_openai:
            if ctx.site.kind == "client":
                ctx.manual(PARAMS_NATIVE)
            return node
        if _elsewhere(node, name, ctx):
            return node
        existing = _entry(node, name)
        if existing is None and when != "always" and _has_star_kwargs(node):
            if name == "base_url" and ctx.site.kind in ("client", "framework"):
                # the endpoint cannot be set beside keywords unknown until run time: the object (and
                # its model) stays as it is, or its model would go to OpenAI's endpoint
                ctx.manual(STAR_ENDPOINT)
                return node
            ctx.diag(N_("call passes **kwargs; set {name}= yourself if they do not carry it").format(name=name), "warning")
            return node
        if existing is None:
            return _add_entry(node, name, render(params["value"], ctx))
        if when == "missing":
            return node
        # render without importing anything until the value is really written
        value = render(params["value"], Context(ctx.ruleset, ctx.rule, ctx.site, Sink(ctx.sink.path)))
        paired = (ctx.site.attrs.get("paired_kwargs") or {}).get(name) if when != "missing" else None
        if paired and _pairable(existing.value) and not _reads_env(existing.value, ("OPENAI_API_KEY", ctx.ruleset.vars.get("api_key_env"))):
            # an endpoint setting now defaults to the provider: the configured value is kept only
            # where the setting names a server (configured beside an unset endpoint, it was OpenAI's)
            ctx.diag(N_("{name}= keeps `{value}` only where `{setting}` is set; with it unset the client now talks to the "
                        "provider and {name}= comes from the provider's variable").format(
                name=name, value=_quote(existing.value), setting=paired), "info")
            either = cst.IfExp(test=cst.parse_expression(paired), body=existing.value, orelse=render(params["value"], ctx))
            return _replace_entry(node, existing, existing.with_changes(value=either))
        if name in ctx.site.attrs.get("fallback_kwargs", ()) and when != "missing":
            # a parameter that defaults to None: the caller's choice stays, the default moves
            if _code(existing.value).endswith(f" or {_code(value)}"):
                return node
            either = cst.BooleanOperation(existing.value, cst.Or(), render(params["value"], ctx))
            variable = (ctx.site.attrs.get("fallback_env") or {}).get(name)
            if variable:
                ctx.diag(N_("`{value}` is a pydantic setting read from the environment variable {variable}: where it is set "
                            "to OpenAI's endpoint (.env, the deployment), unset it or set it to the provider's").format(
                    value=_quote(existing.value), variable=variable), "warning")
            return _replace_entry(node, existing, existing.with_changes(value=either))
        if when == "literal" and not _is_literal(existing.value):
            if _code(existing.value) != _code(value) and not _reads_env(existing.value, ("OPENAI_API_KEY", ctx.ruleset.vars.get("api_key_env"))):
                ctx.diag(params.get("message") or N_("{name}= comes from `{value}`; make sure it holds the new provider's value").format(
                    name=name, value=_quote(existing.value)), "warning")
            return node
        if _code(existing.value) == _code(value):
            return node
        return _replace_entry(node, existing, existing.with_changes(value=render(params["value"], ctx)))


def _retarget_default(node: cst.CSTNode, value: cst.BaseExpression, ctx: Context) -> cst.CSTNode:
    """``x or os.getenv("OPENAI_BASE_URL") or "https://api.openai.com/v1"`` -> ``x or <value>``:
    the caller's choices stay, OpenAI's variables and URL give way to the provider's default."""
    operands: List[cst.BaseExpression] = []
    operators: List[cst.BooleanOperation] = []
    cur: cst.BaseExpression = node  # type: ignore[assignment]
    while isinstance(cur, cst.BooleanOperation) and isinstance(cur.operator, cst.Or) and (cur is node or not cur.lpar):
        operands.insert(0, cur.right)
        operators.insert(0, cur)
        cur = cur.left
    operands.insert(0, cur)
    keep = 0
    while keep < len(operands) and not _is_default(operands[keep]):
        keep += 1
    if keep == len(operands):
        return node
    if keep == 0:
        new: cst.BaseExpression = value
    else:
        new = operands[0]
        for operand, op in zip(operands[1:keep], operators):
            new = cst.BooleanOperation(left=new, operator=op.operator, right=operand)
        new = cst.BooleanOperation(left=new, operator=operators[keep - 1].operator, right=value)
    new = new.with_changes(lpar=getattr(node, "lpar", ()), rpar=getattr(node, "rpar", ()))
    lines = ", ".join(str(c.span.line) for c in ctx.site.attrs.get("_clients", ()))
    ctx.diag(N_("base_url's default -> {title}'s endpoint where it is written (read by the client at line {lines})").format(
        title=ctx.ruleset.provider.title, lines=lines), "info")
    if keep:
        choices = " or ".join(_quote(o) for o in operands[:keep])
        ctx.diag(N_("base_url is still `{value}` when that is set: a configured value must now name {title}'s endpoint, "
                    "and the key with it").format(value=choices, title=ctx.ruleset.provider.title), "warning")
    return new


def _reads_env(node: cst.BaseExpression, names: Sequence[Optional[str]]) -> bool:
    """``os.getenv("X")`` (or ``... or os.getenv("X")``) for X in ``names``: the key variable the
    plan renames with the client, so there is nothing for a person to check."""
    while isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
        node = node.right
    if not _is_default(node) or isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.BinaryOperation)):
        return False
    key = node.slice[0].slice.value if isinstance(node, cst.Subscript) else (node.args[0].value if node.args else None)  # type: ignore[union-attr,attr-defined]
    return isinstance(key, cst.SimpleString) and key.evaluated_value in names


def _is_default(node: cst.BaseExpression) -> bool:
    """A string literal or an environment read: where a chain of `or`s keeps its default."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.Subscript):
        return _code(node.value) in ("os.environ", "environ")
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):  # os.getenv("X", "https://h") + "/v2"
        return _is_default(node.left) and isinstance(node.right, (cst.SimpleString, cst.ConcatenatedString))
    if isinstance(node, cst.Attribute):  # the openai module's base_url: the SDK's default (the analyzer resolved it)
        return _code(node) == "openai.base_url"
    return isinstance(node, cst.Call) and _code(node.func) in ("os.getenv", "getenv", "os.environ.get", "environ.get")


class RenameKwarg(Operation):
    """Rename a keyword argument (``from`` -> ``to``), e.g. ``max_completion_tokens`` -> ``max_tokens``.
    A keyword given in a ``**params`` dict built for the call is renamed in the dict."""

    name = "rename_kwarg"
    SITES = CALL_SITES + ("params",)
    PARAMS = {"from": (str, True), "to": (str, True)}

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        return _params_predict(site, params["from"])

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, (cst.Call, cst.Dict))
        if _elsewhere(node, params["from"], ctx):
            return node
        old = _entry(node, params["from"])
        if old is None:
            return node
        if _entry(node, params["to"]) is not None or params["to"] in ctx.site.attrs.get("params_set", ()) or (
                ctx.site.kind == "params" and params["to"] in ctx.site.attrs.get("kwargs", ())):
            ctx.manual(N_("both {old}= and {new}= are given; keep one").format(old=params["from"], new=params["to"]))
            return node
        if isinstance(node, cst.Dict):
            return _replace_entry(node, old, old.with_changes(key=_string_like(old.key, params["to"])))
        return _replace_arg(node, old, old.with_changes(keyword=cst.Name(params["to"])))


class DropKwarg(Operation):
    """Remove a keyword argument the target does not accept, and report it (``message``).
    ``if_model`` (globs) limits it to calls whose model, after mapping, matches one of them.
    A keyword given in a ``**params`` dict built for the call is removed from the dict."""

    name = "drop_kwarg"
    SITES = CALL_SITES + ("params",)
    PARAMS = {"name": (str, True), "message": (str, False), "severity": (str, False), "if_model": (list, False)}
    CHOICES = {"severity": ("info", "warning", "manual")}

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        if params["name"] in site.attrs.get("kwargs", ()) and site.kind != "params":
            return [(params.get("severity", "warning"), params.get("message", f"dropped {params['name']}="))] + \
                _params_predict(site, params["name"])
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, (cst.Call, cst.Dict))
        if "if_model" in params and not _model_is(ctx, params["if_model"]):
            return node
        arg = _entry(node, params["name"]) if not _elsewhere(node, params["name"], ctx) else None
        if arg is None:
            return node
        message = params.get("message") or f"{params['name']}= is not supported by {ctx.ruleset.provider.title}; removed"
        ctx.diag(ctx.text(message), params.get("severity", "warning"))
        return _replace_entry(node, arg, None)


class MoveKwarg(Operation):
    """Move a keyword argument into a dict argument (``into``, e.g. ``extra_body`` or ``parameters``),
    creating the dict or adding to a literal one."""

    name = "move_kwarg"
    SITES = CALL_SITES
    PARAMS = {"name": (str, True), "into": (str, True), "message": (str, False)}

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        if params["name"] in site.attrs.get("kwargs", ()):
            return [("info", f"moved {params['name']}= into {params['into']}=")]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        arg = _kw(node, params["name"])
        if arg is None:
            if _elsewhere(node, params["name"], ctx) and params["name"] in ctx.site.attrs.get("kwargs", ()):
                ctx.manual(N_("{name} is in the **params dict; move it into {into}= by hand").format(
                    name=params["name"], into=params["into"]))
            return node
        target = _kw(node, params["into"])
        key = cst.DictElement(_string(params["name"]), arg.value)
        if target is None:
            node = _replace_arg(node, arg, None)
            node = _add_arg(node, params["into"], cst.Dict([key]))
        elif isinstance(target.value, cst.Dict):
            if any(isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
                   and e.key.evaluated_value == params["name"] for e in target.value.elements):
                ctx.manual(N_("{name} is given both directly and in {into}=; keep one").format(name=params["name"], into=params["into"]))
                return node
            elements = list(target.value.elements)
            if elements and not isinstance(elements[-1].comma, cst.Comma):
                elements[-1] = elements[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            new_dict = target.value.with_changes(elements=elements + [key])
            node = _replace_arg(node, target, target.with_changes(value=new_dict))
            node = _replace_arg(node, _kw(node, params["name"]), None)  # type: ignore[arg-type]
        else:
            ctx.manual(N_("cannot move {name}= into {into}=, which is not a dict literal").format(name=params["name"], into=params["into"]))
            return node
        ctx.diag(ctx.text(params.get("message") or N_("moved {name}= into {into}=").format(name=params["name"], into=params["into"])),
                 "info")
        return node


STAR_MODEL = N_("the model comes in **kwargs, where it is not mapped; map it to a provider model where the dict is built")


class MapModel(Operation):
    """Map the model argument through the provider's model map (and the user's overrides).
    A non-literal or unmapped model is left as it is and reported.  ``keep`` (globs) names the
    provider's own model ids (``glm-*``, ``ep-*``): those are left alone silently."""

    name = "map_model"
    SITES = CALL_SITES + ("model",)
    PARAMS = {"name": (str, False), "keep": (list, False)}

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        name = params.get("name", "model")
        if site.kind == "model" or (site.kind == "call" and site.attrs.get("_model_def")) or site.attrs.get("_model_remote"):
            model = site.attrs.get("model")  # mapped where it is defined
            if ruleset.map_model(model) is None and not ruleset.is_target_model(model) and not _kept(model, params):
                return [("manual", _no_model(ruleset, model))] if site.kind == "model" else []
            return []
        if name not in site.attrs.get("kwargs", ()):
            return [("manual", STAR_MODEL)] if site.attrs.get("star_kwargs") else []
        model = site.attrs.get("model")
        if model is None:
            return [("manual", N_("model is not a literal; map it by hand"))]
        if ruleset.map_model(model) is None and not ruleset.is_target_model(model) and not _kept(model, params):
            return [("manual", _no_model(ruleset, model))]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        if isinstance(node, cst.SimpleString):  # the literal a model value is defined by
            mapped = cls._map(node, ctx, params)
            users = ctx.site.attrs.get("_users")
            if mapped is not node and users:
                ctx.diag(N_("model '{model}' -> '{target}' where it is defined (it is only ever the model of the calls at "
                            "{where})").format(model=node.evaluated_value, target=mapped.evaluated_value,
                                               where=", ".join(f"{p}:{n}" for p, n in users)), "info")
                if ctx.site.attrs.get("env"):
                    ctx.diag(N_("a pydantic setting reads the environment variable {variable} over this default: where it is "
                                "set (.env, the deployment), set it to a model of {title} too").format(
                        variable=ctx.site.attrs["env"], title=ctx.ruleset.provider.title), "warning")
            elif mapped is not node:
                lines = ", ".join(str(c.span.line) for c in ctx.site.attrs.get("_calls", ()))
                ctx.diag((N_("model '{model}' -> '{target}' where it is defined (it is only ever the model of the calls at "
                             "line {lines})") if "," in lines else
                          N_("model '{model}' -> '{target}' where it is defined (it is only ever the model of the call at "
                             "line {lines})")).format(model=node.evaluated_value, target=mapped.evaluated_value, lines=lines),
                         "info")
                if ctx.site.attrs.get("env"):
                    ctx.diag(N_("the environment variable {variable} is read over this default: where it is set (.env, "
                                "the deployment), set it to a model of {title} too").format(
                        variable=ctx.site.attrs["env"], title=ctx.ruleset.provider.title), "warning")
            return mapped
        assert isinstance(node, cst.Call)
        arg = _kw(node, params.get("name", "model"))
        if (ctx.site.attrs.get("_model_def") and params.get("name", "model") == "model") or ctx.site.attrs.get("_model_remote"):
            return node  # mapped where it is defined
        if arg is None:
            if _has_star_kwargs(node):  # a model may well travel in there, unmapped
                ctx.manual(ctx.text(STAR_MODEL), blocking=False)
            return node
        value = arg.value
        if not isinstance(value, cst.SimpleString):
            known = ctx.site.attrs.get("model")
            hint = ctx.ruleset.map_model(known) if known else None
            if not (known and (ctx.ruleset.is_target_model(known) or _kept(known, params))):
                ctx.manual((N_("model comes from `{value}`; map it to a model of {title} by hand (its value '{model}' maps to "
                               "'{target}')") if hint else
                            N_("model comes from `{value}`; map it to a model of {title} by hand")).format(
                    value=_quote(value), title=ctx.ruleset.provider.title, model=known, target=hint), blocking=False)
            return node
        new = cls._map(value, ctx, params)
        if new is value:
            return node
        ctx.diag(N_("model '{model}' -> '{target}'").format(model=value.evaluated_value, target=new.evaluated_value), "info")
        return _replace_arg(node, arg, arg.with_changes(value=new))

    @staticmethod
    def _map(value: cst.SimpleString, ctx: Context, params: Dict[str, Any]) -> cst.SimpleString:
        model = value.evaluated_value
        if not isinstance(model, str):
            return value
        target = ctx.ruleset.map_model(model)
        if target is None:
            if not ctx.ruleset.is_target_model(model) and not _kept(model, params):
                ctx.manual(N_("no {title} model is mapped for '{model}'; add one under [tool.migrator.models] or edit "
                              "this call").format(title=ctx.ruleset.provider.title, model=model), blocking=False)
            return value
        if target == model:
            return value
        return _string_like(value, target)


class MapRoute(Operation):
    """A LiteLLM model string (``litellm.completion(model="gpt-4o")``, ``dspy.LM("openai/gpt-4o")``,
    wherever the analyzer found it: keyword or position) becomes ``<route><mapped model>``, e.g.
    ``dashscope/qwen-plus`` (``route``: the LiteLLM provider prefix of the provider; ``openai/`` for
    one LiteLLM does not route, with ``api_base=``/``api_key=`` set by the rule; ``keep``: globs of
    the provider's own model ids, routed unmapped).  A model string that is not a literal, or a model
    the provider has none for, leaves the call as it is, reported."""

    name = "map_route"
    SITES = ("framework",)
    PARAMS = {"route": (str, True), "keep": (list, False)}

    @staticmethod
    def _target(model: Any, params: Dict[str, Any], ruleset: Any) -> Optional[str]:
        if not isinstance(model, str):
            return None
        mapped = ruleset.map_model(model)
        if mapped is None and (ruleset.is_target_model(model) or _kept(model, params)):
            return model
        return mapped

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        model = site.attrs.get("model")
        if model is None:  # a value, not a literal: nothing says which model it is
            return [("manual", N_("the model is not a literal here; map it to a model of {title} by hand").format(
                title=ruleset.provider.title))]
        if cls._target(model, params, ruleset) is None:
            return [("manual", _no_model(ruleset, model))]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, (cst.Call, cst.Dict))
        where = ctx.site.attrs.get("model_arg")
        if isinstance(where, int):
            positional = [a for a in node.args if a.keyword is None and not a.star]
            arg = positional[where] if len(positional) > where else None
        else:
            arg = _entry(node, str(where))
        model = ctx.site.attrs.get("model")
        target = cls._target(model, params, ctx.ruleset)
        if arg is None or not isinstance(arg.value, cst.SimpleString):
            if target:
                ctx.manual(N_("the model string is not a literal here; write the {title} route by hand ('{model}' maps to "
                              "'{target}')").format(title=ctx.ruleset.provider.title, model=model,
                                                    target=f"{ctx.text(params['route'])}{target}"))
            else:
                ctx.manual(N_("the model string is not a literal here; write the {title} route by hand").format(
                    title=ctx.ruleset.provider.title))
            return node
        if target is None:
            ctx.manual(N_("no {title} model is mapped for '{model}'; add one under [tool.migrator.models] or edit this call").format(
                title=ctx.ruleset.provider.title, model=model))
            return node
        route = ctx.text(params["route"]) + target
        ctx.diag(N_("model '{model}' -> '{target}'").format(model=arg.value.evaluated_value, target=route), "info")
        return _replace_entry(node, arg, arg.with_changes(value=_string_like(arg.value, route)))


IDENT_SAFE = re.compile(r"^[A-Za-z0-9_.:/@+-]+$")


def _kept(model: str, params: Dict[str, Any]) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(model, g) for g in params.get("keep", ()))


class ClampKwarg(Operation):
    """Clamp a numeric literal keyword argument into [min, max] (the provider's range); a
    non-literal value is reported instead.  A keyword given in a ``**params`` dict built for the
    call is clamped in the dict."""

    name = "clamp_kwarg"
    SITES = CALL_SITES + ("params",)
    PARAMS = {"name": (str, True), "min": (float, False), "max": (float, False), "message": (str, False)}

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        return _params_predict(site, params["name"])

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, (cst.Call, cst.Dict))
        arg = _entry(node, params["name"]) if not _elsewhere(node, params["name"], ctx) else None
        if arg is None:
            return node
        value = arg.value
        if not isinstance(value, (cst.Integer, cst.Float)):
            ctx.diag(N_("{name}= is not a literal; keep it within [{low}, {high}] for {title}").format(
                name=params["name"], low=params.get("min", "-inf"), high=params.get("max", "inf"), title=ctx.ruleset.provider.title),
                "warning")
            return node
        number = float(value.evaluated_value)
        low, high = params.get("min", float("-inf")), params.get("max", float("inf"))  # one bound may be absent
        clamped = min(max(number, low), high)
        if clamped == number:
            return node
        text = repr(int(clamped)) if float(clamped).is_integer() and isinstance(value, cst.Integer) else repr(float(clamped))
        ctx.diag(ctx.text(params.get("message") or f"{params['name']}={_quote(value)} clamped to {text}"), "warning")
        new = cst.Integer(text) if "." not in text and "e" not in text else cst.Float(text)  # 2 -> 1.5 is a float
        return _replace_entry(node, arg, arg.with_changes(value=new))


def _chain(expr: cst.BaseExpression) -> Tuple[cst.BaseExpression, List[str]]:
    names: List[str] = []
    while isinstance(expr, cst.Attribute):
        names.append(expr.attr.value)
        expr = expr.value
    names.reverse()
    return expr, names


def _build(base: cst.BaseExpression, names: Sequence[str]) -> cst.BaseExpression:
    for name in names:
        base = cst.Attribute(value=base, attr=cst.Name(name))
    return base


class RenameMethod(Operation):
    """Rename the resource path of an API call, e.g. ``chat.completions.create`` ->
    ``chat.completions.acreate`` or ``images.generate`` -> ``images.generations``."""

    name = "rename_method"
    SITES = ("call",)
    PARAMS = {"to": (str, True)}

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        api = ctx.site.attrs.get("api", "")
        base, names = _chain(node.func)
        old = api.split(".")
        if names[-len(old):] != old:
            ctx.manual(N_("cannot rename `{value}` to {target} safely").format(value=_quote(node.func), target=params["to"]))
            return node
        func = node.func
        for _ in old:
            func = func.value  # type: ignore[attr-defined]
        return node.with_changes(func=_build(func, params["to"].split(".")))


class LegacyToClient(Operation):
    """Turn a legacy v0 module call (``openai.ChatCompletion.create(...)``) or a v1 module-level
    call (``openai.chat.completions.create(...)``) into a call on an explicit client built from
    ``sync`` / ``async`` (``{expr: ...}`` values).  Sync calls share one client per module through a
    small ``functools.lru_cache`` accessor, built on first use (never at import time), so
    connections are pooled as v0's session pooled them; async calls build their client at the call,
    because an async client must not outlive the event loop it was first used on (v0 code often
    runs ``asyncio.run`` more than once).  ``shared: false`` builds every client at its call.
    openai<1's per-request options (``api_key=``, ``api_base=``, ``organization=``, ...), which a
    v1 call does not take, are removed when literal (a hard-coded OpenAI key or URL is useless to
    the provider, whose client reads its own variable); from an expression, the call is left for
    a person."""

    name = "legacy_to_client"
    SITES = ("call",)
    PARAMS = {"sync": ("value", True), "async": ("value", True), "api": (str, False), "shared": (bool, False)}
    PER_REQUEST = ("api_key", "api_base", "api_type", "api_version", "organization", "request_id")

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        literal = site.attrs.get("literal_kwargs", ())
        for name in cls.PER_REQUEST:
            if name in site.attrs.get("kwargs", ()) and name not in literal:
                return [("manual", N_("{name}= comes from an expression: openai>=1 takes it only at the client").format(name=name))]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        for name in cls.PER_REQUEST:
            arg = _kw(node, name)
            if arg is None:
                continue
            if not _is_literal(arg.value):
                ctx.manual(N_("{name}= comes from `{value}`: openai>=1 takes it only at the client; move it there by hand").format(
                    name=name, value=_quote(arg.value)))
                return node
            ctx.diag(N_("{name}= removed: openai>=1 takes it only at the client, which is configured for {title}").format(
                name=name, title=ctx.ruleset.provider.title), "warning")
            node = _replace_arg(node, arg, None)
        api = params.get("api") or ctx.site.attrs.get("api", "")
        is_async = bool(ctx.site.attrs.get("async"))
        client = render(params["async"] if is_async else params["sync"], ctx)
        if ctx.site.attrs.get("legacy") and isinstance(client, cst.Call):
            for keyword, (sync, async_, imports) in sorted(ctx.sink.client_settings.items()):
                if _kw(client, keyword) is None:
                    client = _add_arg(client, keyword, async_ if is_async else sync)
                    for module, name in imports:
                        ctx.need_import(module, name)
        if params.get("shared", True) and not is_async and ctx.sink.cell is None:
            accessor = ctx.sink.shared_client(_code(client))
            if accessor is not None:
                ctx.need_import("functools")
                client = cst.Call(cst.Name(accessor))
        return node.with_changes(func=_build(client, api.split(".")))


class ReplaceSymbol(Operation):
    """Replace a reference to an OpenAI symbol (a class, an exception) with the target's symbol
    (``to``, or per symbol through ``map``), importing it the way the original was written
    (``Name`` -> from-import, dotted -> module import).  Imports of the old symbol are removed once
    nothing uses them (when its module is in the plan's ``cleanup_imports``).  On a framework
    construction it replaces the class called (``OpenAI(...)`` -> ``OpenAILike(...)``)."""

    name = "replace_symbol"
    SITES = ("symbol", "framework")  # a framework construction: its class (OpenAI -> OpenAILike)
    PARAMS = {"to": (str, False), "map": (dict, False)}

    @classmethod
    def validate(cls, params: Dict[str, Any]) -> List[str]:
        problems = [p for p in super().validate(params) if "'map'" not in p]
        if ("to" in params) == ("map" in params):
            problems.append("give exactly one of 'to' or 'map'")
        mapping = params.get("map", {})
        if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            problems.append("'map' must map symbol names to symbol names")
        return problems

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        if "map" in params and site.attrs.get("symbol") not in params["map"]:
            return [("manual", N_("no replacement for {symbol}").format(symbol=site.attrs.get("symbol")))]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        if "map" in params:
            target = params["map"].get(ctx.site.attrs.get("symbol"))
            if target is None:
                ctx.manual(N_("{symbol} has no equivalent in {title}").format(symbol=ctx.site.attrs.get("symbol"),
                                                                              title=ctx.ruleset.provider.title))
                return node
        else:
            target = params["to"]
        if isinstance(node, cst.Call):
            return node.with_changes(func=replace_reference(node.func, ctx.text(target), ctx))
        return replace_reference(node, ctx.text(target), ctx)


def replace_reference(node: cst.CSTNode, target: str, ctx: Context) -> cst.CSTNode:
    if isinstance(node, cst.SimpleString):  # a quoted annotation: rewrite its text, keep the quotes
        inner = cst.parse_expression(node.evaluated_value)
        new = replace_reference(inner, target, ctx)
        if new is inner:
            return node
        text = cst.Module([]).code_for_node(new)
        return node.with_changes(value=f"{node.prefix}{node.quote}{text}{node.quote}")
    module, _, name = target.rpartition(".")
    bound = ctx.sink.bound_names
    if isinstance(node, cst.Name) and bound.get(name, target) == target:
        if name not in bound:
            ctx.need_import(module, name)
            bound[name] = target
        if (module, name) in ctx.sink.imports:
            ctx.sink.replaced.setdefault((module, name), set()).add(node.value)
        return cst.Name(name)
    root = module.split(".")[0]
    if bound.get(root, root) != root:
        ctx.manual(N_("cannot write {target}: the name '{name}' means something else in this module").format(target=target, name=root))
        return node
    ctx.need_import(module)
    old_root = _flatten(node)[0] if isinstance(node, (cst.Attribute, cst.Name)) else None
    if isinstance(old_root, cst.Name):
        ctx.sink.replaced.setdefault((module, None), set()).add(old_root.value)
    return cst.parse_expression(target).with_changes(lpar=getattr(node, "lpar", ()), rpar=getattr(node, "rpar", ()))


def _flatten(node: cst.BaseExpression) -> List[cst.BaseExpression]:
    out = [node]
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
        out.append(node)
    out.reverse()
    return out


def _key(node: cst.Subscript) -> Optional[cst.SimpleString]:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        value = node.slice[0].slice.value
        if isinstance(value, cst.SimpleString):
            return value
    return None


def _get_call(node: cst.BaseExpression) -> Optional[Tuple[cst.BaseExpression, str, Optional[cst.BaseExpression]]]:
    """(receiver, key, default) of ``receiver.get("key"[, default])`` with an identifier key and a
    falsy literal default (the only defaults for which ``(x.key or default)`` is faithful)."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get"):
        return None
    args = node.args
    if not 1 <= len(args) <= 2 or any(a.keyword or a.star for a in args):
        return None
    key = args[0].value
    if not isinstance(key, cst.SimpleString) or not isinstance(key.evaluated_value, str) or not IDENT.match(key.evaluated_value):
        return None
    default = args[1].value if len(args) == 2 else None
    if default is not None and _code(default) not in FALSY_DEFAULTS:
        return None
    return node.func.value, key.evaluated_value, default


class SubscriptToAttr(Operation):
    """Turn dict-style reads of a result (``r["choices"][0]["message"]["content"]``,
    ``delta.get("content", "")``) into attribute reads (``r.choices[0].message.content``,
    ``(delta.content or "")``), as v1 SDK objects require.  A ``.get`` with a truthy default is
    left alone: ``x.k or default`` would not be the same."""

    name = "subscript_to_attr"
    SITES = ("result",)
    PARAMS: Dict[str, Tuple[Any, bool]] = {}

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        new = _convert_keys(node)  # type: ignore[arg-type]
        if isinstance(new, cst.Call) and isinstance(new.func, cst.Attribute) and new.func.attr.value == "get":
            ctx.manual(N_("`{value}`: SDK objects have no .get(); rewrite this read by hand").format(value=_quote(node)))
        return new


FALSY_DEFAULTS = ('""', "''", "None", "0", "[]", "{}")


def _convert_keys(node: cst.BaseExpression) -> cst.BaseExpression:
    get = _get_call(node)
    if get is not None:
        inner, key, default = get
        attr = cst.Attribute(value=_convert_keys(inner), attr=cst.Name(key))
        if default is None or _code(default) == "None":
            return attr.with_changes(lpar=node.lpar, rpar=node.rpar)  # type: ignore[attr-defined]
        # .get("k", "") returned the default for a missing key; v1 objects hold None there
        return cst.BooleanOperation(attr, cst.Or(), default, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    if isinstance(node, cst.Subscript):
        inner = _convert_keys(node.value)
        key = _key(node)
        text = key.evaluated_value if key is not None else None
        if isinstance(text, str) and IDENT.match(text) and not node.lpar:
            return cst.Attribute(value=inner, attr=cst.Name(text))
        return node.with_changes(value=inner)
    if isinstance(node, cst.Attribute):
        return node.with_changes(value=_convert_keys(node.value))
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return node.with_changes(func=node.func.with_changes(value=_convert_keys(node.func.value)))
    return node


def path_text(path: Sequence[Any]) -> str:
    """('choices', 0, 'message') -> 'choices[].message'."""
    out = ""
    for part in path:
        if isinstance(part, str):
            out += ("." if out else "") + part
        else:
            out += "[]"
    return out


class RenameField(Operation):
    """Rename a field read from a result: ``from: usage.prompt_tokens`` ``to: usage.input_tokens``
    (``[]`` stands for any index). Applies to attribute and key reads alike."""

    name = "rename_field"
    SITES = ("result",)
    PARAMS = {"from": (str, True), "to": (str, True)}

    @classmethod
    def validate(cls, params: Dict[str, Any]) -> List[str]:
        problems = super().validate(params)
        if not problems and _segments(params["from"]) is not None and _segments(params["to"]) is not None:
            if len(_segments(params["from"])) != len(_segments(params["to"])):  # type: ignore[arg-type]
                problems.append("'from' and 'to' must have the same number of parts")
        return problems

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        old, new = _segments(params["from"]), _segments(params["to"])
        path = list(ctx.site.data.path)
        if old is None or new is None or len(path) < len(old) or path_text(path[: len(old)]) != params["from"]:
            return node
        parts = _flatten(node)  # root first, then one node per element read here
        offset = len(path) - len(ctx.site.data.styles)  # elements read earlier, into a variable
        renames = {i - offset + 1: n for i, (o, n) in enumerate(zip(old, new)) if o != n and o != "[]" and i >= offset}
        return _rebuild(parts, renames)


def _segments(text: str) -> Optional[List[str]]:
    out = []
    for piece in text.split("."):
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\])*)$", piece)
        if not match:
            return None
        out.append(match.group(1))
        out += ["[]"] * (len(match.group(2)) // 2)
    return out


def _rebuild(parts: List[cst.BaseExpression], renames: Dict[int, str]) -> cst.BaseExpression:
    current = parts[0]
    for index, original in enumerate(parts[1:], start=1):
        assert isinstance(original, (cst.Attribute, cst.Subscript))
        node = original.with_changes(value=current)
        if index in renames:
            if isinstance(node, cst.Attribute):
                node = node.with_changes(attr=cst.Name(renames[index]))
            else:
                key = _key(node)  # type: ignore[arg-type]
                if key is not None:
                    new_key = _string_like(key, renames[index])
                    node = node.with_changes(slice=[node.slice[0].with_changes(slice=cst.Index(new_key))])  # type: ignore[union-attr]
        current = node
    return current


class RenameEnv(Operation):
    """Rename an environment variable read in code (``os.environ["OPENAI_API_KEY"]``,
    ``os.getenv(...)``, ``os.environ.get(...)``) to the provider's variable."""

    name = "rename_env"
    SITES = ("env",)
    PARAMS = {"to": (str, True)}

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        if not isinstance(node, cst.SimpleString):
            return node
        target = ctx.text(params["to"])
        if node.evaluated_value == target:
            return node
        return _string_like(node, target)


class RemoveStatement(Operation):
    """Remove a module-configuration statement (``openai.api_key = ...``) whose effect the
    migrated client now carries.  Only when its value is a literal, ``None`` or an environment
    read, and only when no legacy call in the file is left unconverted; otherwise it is reported."""

    name = "remove_statement"
    SITES = ("config",)
    PARAMS = {"message": (str, False)}

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        value = getattr(node, "value", None)
        if ctx.site.attrs.get("legacy_left"):
            ctx.manual(N_("`{value}` still configures legacy calls that were not migrated").format(value=_quote(node)), blocking=False)
            return node
        if value is not None and not (_is_literal(value) or _is_env_read(value)):
            ctx.manual(N_("`{value}` sets openai.{attribute} from an expression; move it to the client by hand").format(
                value=_quote(node), attribute=ctx.site.attrs.get("attribute")), blocking=False)
            return node
        ctx.sink.remove.append(ctx.site)
        ctx.diag(ctx.text(params.get("message") or N_("removed `openai.{attribute} = ...`; the migrated client is configured at its "
                                                     "construction").format(attribute=ctx.site.attrs.get("attribute"))), "info")
        return node


class ClientSetting(Operation):
    """Carry an openai<1 module setting (``openai.proxy = ...``) into every client that replaces
    the module's openai<1 calls, as keyword ``keyword`` with value ``sync`` / ``async`` (``{expr:
    ...}``, where the name ``VALUE`` stands for the configured value; for a dict of proxies, its
    ``"https"`` entry, the scheme every provider endpoint uses), and remove the statement.  Only
    for a statement run unconditionally at import (not in a function or a branch) whose value is a
    string, ``None`` or an environment read, and set once in the module: the value is read again
    where the client is built, which is then the same value.  Otherwise the site is left for a
    person.  openai>=1 calls in the module are not given the setting: openai>=1 never read it."""

    name = "client_setting"
    SITES = ("config",)
    PARAMS = {"keyword": (str, True), "sync": ("value", True), "async": ("value", True), "message": (str, False)}
    FORMS = ("str", "none", "env", "dict")

    @classmethod
    def why_not(cls, site: Site) -> Optional[str]:
        attribute = site.attrs.get("attribute")
        if not site.attrs.get("top"):
            return N_("openai.{attribute} is set inside a function or a branch, so which clients it applies to depends on the "
                      "run").format(attribute=attribute)
        if site.attrs.get("form") not in cls.FORMS:
            return N_("openai.{attribute} is set from an expression that may not be a URL string").format(attribute=attribute)
        if site.attrs.get("repeated"):
            return N_("openai.{attribute} is set more than once in this module").format(attribute=attribute)
        return None

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        why = cls.why_not(site)
        return [("manual", N_("{why}; pass it to the client by hand").format(why=why))] if why else []

    @classmethod
    def prepare(cls, site: Site, params: Dict[str, Any], ctx: Context, statement: str) -> None:
        """Register the setting before any call is rewritten (``statement``: the site's source)."""
        if cls.why_not(site) is not None:
            return
        try:  # a statement run at import starts its line; it may share it with others (`a; b`)
            parsed = cst.parse_statement(statement)
        except cst.ParserSyntaxError:
            return
        value = None
        for small in getattr(parsed, "body", ()):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [getattr(small, "target", None)]
            if any(isinstance(t, cst.Attribute) and t.attr.value == site.attrs.get("attribute") for t in targets):
                value = small.value
                break
        if isinstance(value, cst.Dict):
            value = next((e.value for e in value.elements if isinstance(e, cst.DictElement)
                          and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == "https"), None)
        if value is None:
            return
        sink = Sink(ctx.sink.path)
        probe = Context(ctx.ruleset, ctx.rule, site, sink)
        sync, async_ = (_substitute(render(params[k], probe), value) for k in ("sync", "async"))
        imports = sorted(sink.imports, key=str)
        ctx.sink.client_settings[params["keyword"]] = (sync, async_, imports)
        ctx.sink.settings_from.add(id(site))

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        attribute = ctx.site.attrs.get("attribute")
        if id(ctx.site) not in ctx.sink.settings_from:
            why = cls.why_not(ctx.site) or N_("openai.{attribute} could not be read").format(attribute=attribute)
            ctx.manual(N_("{why}; pass it to the client by hand ({keyword}=...)").format(why=why, keyword=params["keyword"]))
            return node
        message = ctx.text(params.get("message") or N_("openai.{attribute} is now passed to the client ({keyword}=)").format(
            attribute=attribute, keyword=params["keyword"]))
        if ctx.site.attrs.get("legacy_left"):
            ctx.diag(N_("{why}; the statement stays for the openai<1 calls left in this module").format(why=message), "warning")
            return node
        ctx.sink.remove.append(ctx.site)
        ctx.diag(message, "warning")
        return node


def _substitute(template: cst.BaseExpression, value: cst.BaseExpression) -> cst.BaseExpression:
    """``template`` with every name ``VALUE`` replaced by ``value``."""
    import libcst

    class Put(libcst.CSTTransformer):
        def leave_Name(self, original: libcst.Name, updated: libcst.Name) -> libcst.BaseExpression:
            return value.deep_clone() if updated.value == "VALUE" else updated

    return template.visit(Put())


def _is_env_read(expr: cst.BaseExpression) -> bool:
    code = _code(expr)
    return bool(re.match(r"^(os\.)?(environ\s*\[|environ\.get\(|getenv\()", code))


class Todo(Operation):
    """Leave the site as it is, report it for a person, and (unless disabled) add a
    ``# TODO(migrator: rule-id): message`` comment above its statement."""

    name = "todo"
    SITES = ("client", "call", "framework", "symbol", "config", "env", "result", "import", "double")
    PARAMS = {"message": (str, True)}

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        return [("manual", ruleset.interpolate(params["message"]))]

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        ctx.manual(ctx.text(params["message"]))
        return node


class Note(Operation):
    """Report something about the site without changing it (``severity`` info or warning).
    ``if_model`` (globs) limits it to calls whose model, after mapping, matches one of them."""

    name = "note"
    SITES = Todo.SITES
    PARAMS = {"message": (str, True), "severity": (str, False), "if_model": (list, False)}
    CHOICES = {"severity": ("info", "warning")}

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        return [(params.get("severity", "info"), ruleset.interpolate(params["message"]))]

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        if "if_model" in params and not _model_is(ctx, params["if_model"]):
            return node
        ctx.diag(ctx.text(params["message"]), params.get("severity", "info"))
        return node


class CompletionsToChat(Operation):
    """Turn a legacy text completion into a chat call (opt-in: ``apply --completions-as-chat``).
    At the call, ``prompt=P`` becomes ``messages=[{"role": "user", "content": P}]`` and a client's
    ``.completions.create`` becomes ``.chat.completions.create`` (a v0 or module-level call gets its
    client from ``legacy_to_client`` with ``api: chat.completions.create``); at a result read,
    ``choices[].text`` becomes ``choices[].message.content`` (a streamed chunk's
    ``(choices[].delta.content or "")``).  Left whole and reported: a prompt that is a list, the
    options chat has no counterpart for (``suffix``, ``echo``, ``logprobs``, ``best_of``),
    ``**kwargs``, positional arguments, and a response returned or passed on whole or read by a
    field a chat response does not have.  Every conversion is reported as a behaviour change."""

    name = "completions_to_chat"
    SITES = ("call", "result")
    PARAMS: Dict[str, Tuple[Any, bool]] = {}
    NO_CHAT = ("suffix", "echo", "logprobs", "best_of")
    # result fields a chat completion has under the same name and meaning
    SAME = ("id", "model", "created", "choices", "choices[]", "choices[].index", "choices[].finish_reason",
            "usage", "usage.prompt_tokens", "usage.completion_tokens", "usage.total_tokens")
    CHANGE = ("a text completion became a chat call: the prompt is sent as one user message, so the "
              "model answers it as a chat assistant and the output for the same prompt may differ")

    @classmethod
    def _blocks(cls, site: Site) -> Optional[str]:
        attrs = site.attrs
        if site.kind == "result":
            path = str(attrs.get("path") or "")
            if path in cls.SAME or cls._reads_text(path):
                return None
            return N_("reads `{path}` of a text completion, which a chat completion does not have; convert it by hand").format(path=path)
        kwargs = attrs.get("kwargs") or ()
        used = [name for name in cls.NO_CHAT if name in kwargs]
        if used:
            return N_("{keywords} has no chat counterpart; this completion stays as it is").format(keywords="/".join(n + "=" for n in used))
        if attrs.get("star_kwargs") or attrs.get("_params_def"):
            return N_("passes **kwargs, which may hold completion-only options; convert it by hand")
        if "prompt" not in kwargs:
            return N_("the prompt is not passed as prompt=; convert it by hand")
        if attrs.get("escapes"):
            return N_("its response is {escapes}, where it is read as a text completion; convert it by hand").format(escapes=attrs["escapes"])
        if attrs.get("receiver") not in ("client", "legacy", "module"):
            return N_("the client of this call could not be resolved; convert it by hand")
        return None

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        why = cls._blocks(site)
        if why is not None:
            return [("manual", why)]
        return [("warning", cls.CHANGE)] if site.kind == "call" else []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        why = cls._blocks(ctx.site)
        if why is not None:
            ctx.manual(why)
            return node
        if ctx.site.kind == "result":
            return cls._result(node, ctx)
        assert isinstance(node, cst.Call)
        if any(arg.keyword is None for arg in node.args):
            ctx.manual(N_("passes positional arguments; convert it by hand"))
            return node
        prompt = _kw(node, "prompt")
        assert prompt is not None  # _blocks: prompt= is among the keywords
        if isinstance(prompt.value, (cst.List, cst.Tuple, cst.Set, cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            ctx.manual(N_("prompt `{value}` is a list of prompts, one completion each; a chat call answers one conversation: "
                   "convert it by hand").format(value=_quote(prompt.value)))
            return node
        message = cst.Dict([cst.DictElement(_string("role"), _string("user")),
                            cst.DictElement(_string("content"), prompt.value)])
        messages = prompt.with_changes(keyword=cst.Name("messages"), value=cst.List([cst.Element(message)]))
        node = _replace_arg(node, prompt, messages)
        if ctx.site.attrs.get("receiver") == "client":
            func, names = _chain(node.func)
            if names[-2:] != ["completions", "create"]:
                ctx.manual(N_("this call is not spelled client.completions.create(...); convert it by hand"))
                return node
            node = node.with_changes(func=_build(func, names[:-2] + ["chat", "completions", "create"]))
        ctx.diag(cls.CHANGE, "warning")
        return node

    @classmethod
    def _result(cls, node: cst.CSTNode, ctx: Context) -> cst.CSTNode:
        if not cls._reads_text(str(ctx.site.attrs.get("path") or "")):
            return node
        chunk = bool(ctx.site.attrs.get("chunk"))
        done: List[bool] = []

        def rewrite(expr: cst.BaseExpression) -> cst.BaseExpression:
            """``expr`` with the innermost read of ``text`` on its spine turned into the chat field."""
            if isinstance(expr, cst.Call):
                return expr.with_changes(func=rewrite(expr.func))
            if not isinstance(expr, (cst.Attribute, cst.Subscript)):
                return expr
            inner = rewrite(expr.value)
            if done:
                return expr.with_changes(value=inner)
            key = _key(expr) if isinstance(expr, cst.Subscript) else None
            if isinstance(expr, cst.Attribute) and expr.attr.value == "text":
                field = cst.Attribute(value=cst.Attribute(value=inner, attr=cst.Name("delta" if chunk else "message")),
                                      attr=cst.Name("content"))
            elif key is not None and key.evaluated_value == "text":
                index = expr.slice[0]
                middle = expr.with_changes(value=inner, lpar=[], rpar=[], slice=[index.with_changes(
                    slice=cst.Index(_string_like(key, "delta" if chunk else "message")))])
                field = expr.with_changes(value=middle, lpar=[], rpar=[], slice=[index.with_changes(
                    slice=cst.Index(_string_like(key, "content")))])
            else:
                return expr.with_changes(value=inner)
            done.append(True)
            if chunk:  # a completion chunk's text is always a string; a chat chunk's delta.content may be None
                return cst.BooleanOperation(field, cst.Or(), _string(""), lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return field.with_changes(lpar=expr.lpar, rpar=expr.rpar)

        if ctx.site.attrs.get("legacy"):  # the chat call returns openai>=1 objects: dict reads become attributes
            node = _convert_keys(node)  # type: ignore[arg-type]
        return rewrite(node)  # type: ignore[arg-type]

    @staticmethod
    def _reads_text(path: str) -> bool:
        return path == "choices[].text" or path.startswith("choices[].text.")

OPS: Dict[str, Any] = {
    op.name: op
    for op in (
        SetKwarg, RenameKwarg, DropKwarg, MoveKwarg, MapModel, MapRoute, ClampKwarg, RenameMethod, LegacyToClient,
        ReplaceSymbol, SubscriptToAttr, RenameField, RenameEnv, RemoveStatement, ClientSetting, Todo, Note,
        CompletionsToChat,
    )
}

Apply = Callable[["cst.CSTNode", Dict[str, Any], Context], "cst.CSTNode"]
