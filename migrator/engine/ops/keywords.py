"""Operations on a call's keyword arguments: set, rename, drop, move into a dict, clamp."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from migrator.analyzer import symbols as sym
from migrator.engine.model import Site
from migrator.engine.ops.base import (
    CALL_SITES,
    Operation,
    _LibCST,
    _add_arg,
    _code,
    _entry,
    _has_star_kwargs,
    _is_literal,
    _kw,
    _model_is,
    _quote,
    _replace_arg,
    _replace_entry,
    _string,
    _string_like,
    render,
)
from migrator.engine.ops.context import Context, Sink
from migrator.i18n import N_


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _LibCST(globals())


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


def _add_entry(node: Any, name: str, value: cst.BaseExpression) -> cst.CSTNode:
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


def _pairable(expr: cst.BaseExpression) -> bool:
    """A value that reads as it is as the body of ``x if cond else y`` (no parentheses needed)."""
    return isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.BooleanOperation))


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

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        if site.kind == "client" and site.attrs.get("_params_def") and not ruleset.plan.keeps_openai:
            return [("manual", PARAMS_NATIVE)]
        if (
            params["name"] == "base_url"
            and params.get("when", "always") != "always"
            and site.kind in ("client", "framework")
            and site.attrs.get("star_kwargs")
            and "base_url" not in site.attrs.get("kwargs", ())
        ):
            return [("manual", STAR_ENDPOINT)]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        name, when = params["name"], params.get("when", "always")
        if ctx.site.kind == "endpoint":  # the expression a base_url falls back to OpenAI in
            return _retarget_default(node, render(params["value"], ctx), ctx) if name == "base_url" else node
        assert isinstance(node, (cst.Call, cst.Dict))  # a dict: a LiteLLM Router entry's params, a **params dict
        if name == "base_url" and ctx.site.attrs.get("_endpoint_def") and name not in ctx.site.attrs.get("fallback_kwargs", ()):
            return node  # retargeted where its default is written (a parameter's: and here, for a None passed)
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
        if (
            paired
            and _pairable(existing.value)
            and not _reads_env(existing.value, ("OPENAI_API_KEY", ctx.ruleset.vars.get("api_key_env")))
        ):
            # an endpoint setting now defaults to the provider: the configured value is kept only
            # where the setting names a server (configured beside an unset endpoint, it was OpenAI's)
            ctx.diag(
                N_(
                    "{name}= keeps `{value}` only where `{setting}` is set; with it unset the client now talks to the "
                    "provider and {name}= comes from the provider's variable"
                ).format(name=name, value=_quote(existing.value), setting=paired),
                "info",
            )
            either = cst.IfExp(test=cst.parse_expression(paired), body=existing.value, orelse=render(params["value"], ctx))
            return _replace_entry(node, existing, existing.with_changes(value=either))
        if name in ctx.site.attrs.get("fallback_kwargs", ()) and when != "missing":
            # a parameter that defaults to None: the caller's choice stays, the default moves
            if _code(existing.value).endswith(f" or {_code(value)}"):
                return node
            given = existing.value
            if isinstance(given, (cst.IfExp, cst.Lambda, cst.NamedExpr)) and not given.lpar:
                # `str(x) if x is not None else None` (browser-use): `or` would bind to its else
                given = given.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            either = cst.BooleanOperation(given, cst.Or(), render(params["value"], ctx))  # type: ignore[assignment]
            variable = (ctx.site.attrs.get("fallback_env") or {}).get(name)
            if variable:
                ctx.diag(
                    N_(
                        "`{value}` is a pydantic setting read from the environment variable {variable}: where it is set "
                        "to OpenAI's endpoint (.env, the deployment), unset it or set it to the provider's"
                    ).format(value=_quote(existing.value), variable=variable),
                    "warning",
                )
            elif name == "api_key":
                # (review 4 R1: llm's embedder is always handed the key its user set for OpenAI)
                ctx.diag(
                    N_(
                        "api_key= stays the caller's `{value}` (the provider's key when none is given): every caller must "
                        "now pass the provider's key; one passing OpenAI's would send it to the provider"
                    ).format(value=_quote(existing.value)),
                    "warning",
                )
            return _replace_entry(node, existing, existing.with_changes(value=either))
        if when == "literal" and not _is_literal(existing.value):
            guarded = (
                _never_none(existing.value, ctx, lambda: render(params["value"], ctx))
                if (
                    name == "api_key"
                    and ctx.ruleset.plan.keeps_openai
                    and (ctx.site.kind == "client" or ctx.site.attrs.get("symbol") in sym.KEY_FROM_OPENAI_ENV)
                    and isinstance(node, cst.Call)
                )
                else None
            )
            if _code(existing.value) != _code(value) and not _reads_env(
                existing.value, ("OPENAI_API_KEY", ctx.ruleset.vars.get("api_key_env"))
            ):
                ctx.diag(
                    params.get("message")
                    or N_("{name}= comes from `{value}`; make sure it holds the new provider's value").format(
                        name=name, value=_quote(existing.value)
                    ),
                    "warning",
                )
            if guarded is not None:
                # os.getenv("<KEY>") is None where the variable is unset, and the openai SDK then
                # reads OPENAI_API_KEY itself: OpenAI's key would reach the provider (re-review S1, S10)
                return _replace_entry(node, existing, existing.with_changes(value=guarded))
            return node
        if _code(existing.value) == _code(value):
            return node
        chosen = _callers_endpoint(node, ctx) if name == "api_key" and when == "literal" else None
        placeholder = (isinstance(existing.value, cst.SimpleString) and not _holds_key(existing.value)) or (
            isinstance(existing.value, cst.Name) and existing.value.value == "None"  # (the SDK's own: OPENAI_API_KEY)
        )
        if chosen is not None and placeholder:
            # a key for the endpoint a caller gives (api_key="ollama" beside base_url=url): it stays
            # that endpoint's; only the provider's endpoint, now the default, takes the provider's key
            ctx.diag(
                N_(
                    "api_key= keeps `{value}` only where the caller gives base_url=; with none, the client now talks to "
                    "the provider with its key"
                ).format(value=_quote(existing.value)),
                "info",
            )
            either = cst.IfExp(test=chosen, body=existing.value, orelse=render(params["value"], ctx))
            return _replace_entry(node, existing, existing.with_changes(value=either))
        if chosen is not None:
            ctx.diag(
                N_(
                    "api_key= was a key written in the code, and base_url= is the caller's choice: a caller giving an "
                    "endpoint of its own now sends it the provider's key; give that endpoint its key by hand"
                ),
                "warning",
            )
        return _replace_entry(node, existing, existing.with_changes(value=render(params["value"], ctx)))


def _callers_endpoint(node: cst.CSTNode, ctx: Context) -> Optional[cst.BaseExpression]:
    """The caller's ``base_url`` a construction keeps (a parameter defaulting to OpenAI's choice:
    ``base_url=url or <provider>``): the name or attribute, or None."""
    if not isinstance(node, cst.Call):
        return None
    given = _entry(node, "base_url")
    value = given.value if given is not None else None
    if (
        isinstance(value, cst.BooleanOperation)
        and isinstance(value.operator, cst.Or)
        and ("base_url" in ctx.site.attrs.get("fallback_kwargs", ()) or ctx.site.attrs.get("_endpoint_def"))
    ):
        value = value.left  # (x or os.getenv("OPENAI_BASE_URL"), retargeted where it is written: re-review S5)
    elif "base_url" not in ctx.site.attrs.get("fallback_kwargs", ()):
        return None
    return value if isinstance(value, (cst.Name, cst.Attribute)) and not value.lpar else None


def _holds_key(literal: cst.SimpleString) -> bool:
    """A literal that looks like a real key (never written again, not even beside its old place)."""
    from migrator.analyzer.secrets import redact_text

    text = str(literal.evaluated_value)
    return redact_text(text) != text


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
    ctx.diag(
        N_("base_url's default -> {title}'s endpoint where it is written (read by the client at line {lines})").format(
            title=ctx.ruleset.provider.title, lines=lines
        ),
        "info",
    )
    if keep:
        choices = " or ".join(_quote(o) for o in operands[:keep])
        ctx.diag(
            N_(
                "base_url is still `{value}` when that is set: a configured value must now name {title}'s endpoint, "
                "and the key with it"
            ).format(value=choices, title=ctx.ruleset.provider.title),
            "warning",
        )
    return new


def _reads_env(node: cst.BaseExpression, names: Sequence[Optional[str]]) -> bool:
    """``os.getenv("X")`` (or ``... or os.getenv("X")``) for X in ``names``: the key variable the
    plan renames with the client, so there is nothing for a person to check."""
    while isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
        node = node.right
    if not _is_default(node) or isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.BinaryOperation)):
        return False
    key = node.slice[0].slice.value if isinstance(node, cst.Subscript) else (node.args[0].value if node.args else None)  # type: ignore[attr-defined]
    return isinstance(key, cst.SimpleString) and key.evaluated_value in names


def _never_none(value: cst.BaseExpression, ctx: Context, key: Callable[[], cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """An openai SDK client's ``api_key=`` value that may be None where the key variable is unset
    (then the SDK reads OPENAI_API_KEY itself), rewritten so it cannot be: the read becomes
    ``key`` (``os.environ["<KEY>"]``); ``x or <read>`` ends in it; any other value None may
    reach (a local, a parameter, a setting) becomes ``value or <key>``.  None: nothing to do."""
    names = ("OPENAI_API_KEY", ctx.ruleset.vars.get("api_key_env"))
    if _may_be_none(value, names):
        return key()
    if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or) and _may_be_none(value.right, names):
        return value.with_changes(right=key())
    if _none_able(value):
        # a value (a parameter, a setting, a local) None may reach: the SDK would read OPENAI_API_KEY
        # (review 5 T1: gpt-json's callers pass None "if OPENAI_API_KEY is set"); None now means
        # the provider's variable, as it meant OpenAI's
        return cst.BooleanOperation(value, cst.Or(), key())
    return None


def _none_able(value: cst.BaseExpression) -> bool:
    """Whether an ``api_key=`` value can be None: not a literal, not ``os.environ[...]``, not a
    read with a default that is not None, not ``x or`` such a value."""
    if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
        return _none_able(value.right)
    if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString, cst.IfExp)):
        return False  # (a conditional: written by a pairing, or the code's own choice of two values)
    if isinstance(value, cst.Subscript) and _code(value.value) in ("os.environ", "environ"):
        return False
    if isinstance(value, cst.Call) and _code(value.func) in ("os.getenv", "getenv", "os.environ.get", "environ.get"):
        return len(value.args) == 1 or (len(value.args) == 2 and _code(value.args[1].value) == "None")
    return isinstance(value, (cst.Name, cst.Attribute, cst.Subscript, cst.Call))


def _may_be_none(node: cst.BaseExpression, names: Sequence[Optional[str]]) -> bool:
    """``os.getenv("X")`` / ``os.environ.get("X")`` with no default (or a None one), X one of ``names``."""
    return (
        isinstance(node, cst.Call)
        and _code(node.func) in ("os.getenv", "getenv", "os.environ.get", "environ.get")
        and (len(node.args) == 1 or (len(node.args) == 2 and _code(node.args[1].value) == "None"))
        and isinstance(node.args[0].value, cst.SimpleString)
        and node.args[0].value.evaluated_value in names
    )


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
        if (
            _entry(node, params["to"]) is not None
            or params["to"] in ctx.site.attrs.get("params_set", ())
            or (ctx.site.kind == "params" and params["to"] in ctx.site.attrs.get("kwargs", ()))
        ):
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

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        if params["name"] in site.attrs.get("kwargs", ()) and site.kind != "params":
            return [(params.get("severity", "warning"), params.get("message", f"dropped {params['name']}="))] + _params_predict(
                site, params["name"]
            )
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
                ctx.manual(
                    N_("{name} is in the **params dict; move it into {into}= by hand").format(
                        name=params["name"], into=params["into"]
                    )
                )
            return node
        target = _kw(node, params["into"])
        key = cst.DictElement(_string(params["name"]), arg.value)
        if target is None:
            node = _replace_arg(node, arg, None)
            node = _add_arg(node, params["into"], cst.Dict([key]))
        elif isinstance(target.value, cst.Dict):
            if any(
                isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == params["name"]
                for e in target.value.elements
            ):
                ctx.manual(
                    N_("{name} is given both directly and in {into}=; keep one").format(name=params["name"], into=params["into"])
                )
                return node
            elements = list(target.value.elements)
            if elements and not isinstance(elements[-1].comma, cst.Comma):
                elements[-1] = elements[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            new_dict = target.value.with_changes(elements=elements + [key])
            node = _replace_arg(node, target, target.with_changes(value=new_dict))
            node = _replace_arg(node, _kw(node, params["name"]), None)  # type: ignore[arg-type]
        else:
            ctx.manual(
                N_("cannot move {name}= into {into}=, which is not a dict literal").format(
                    name=params["name"], into=params["into"]
                )
            )
            return node
        ctx.diag(
            ctx.text(params.get("message") or N_("moved {name}= into {into}=").format(name=params["name"], into=params["into"])),
            "info",
        )
        return node


class ClampKwarg(Operation):
    """Clamp a numeric literal keyword argument into [min, max] (the provider's range); a
    non-literal value is reported instead.  A keyword given in a ``**params`` dict built for the
    call is clamped in the dict."""

    name = "clamp_kwarg"
    SITES = CALL_SITES + ("params",)

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
            ctx.diag(
                N_("{name}= is not a literal; keep it within [{low}, {high}] for {title}").format(
                    name=params["name"],
                    low=params.get("min", "-inf"),
                    high=params.get("max", "inf"),
                    title=ctx.ruleset.provider.title,
                ),
                "warning",
            )
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
