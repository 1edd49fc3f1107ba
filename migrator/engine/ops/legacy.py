"""Operations moving openai<1 module-level code onto a client: module calls to client calls,
module settings carried into the client, configuration statements removed."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from migrator.engine.model import Site
from migrator.engine.ops.base import (
    Operation,
    _LibCST,
    _add_arg,
    _build,
    _code,
    _is_literal,
    _kw,
    _quote,
    _replace_arg,
    render,
)
from migrator.engine.ops.context import Context, Sink
from migrator.i18n import N_


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _LibCST(globals())


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
    PER_REQUEST = ("api_key", "api_base", "api_type", "api_version", "organization", "request_id")

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        literal = site.attrs.get("literal_kwargs", ())
        for name in cls.PER_REQUEST:
            if name in site.attrs.get("kwargs", ()) and name not in literal:
                return [
                    ("manual", N_("{name}= comes from an expression: openai>=1 takes it only at the client").format(name=name))
                ]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        for name in cls.PER_REQUEST:
            arg = _kw(node, name)
            if arg is None:
                continue
            if not _is_literal(arg.value):
                ctx.manual(
                    N_("{name}= comes from `{value}`: openai>=1 takes it only at the client; move it there by hand").format(
                        name=name, value=_quote(arg.value)
                    )
                )
                return node
            ctx.diag(
                N_("{name}= removed: openai>=1 takes it only at the client, which is configured for {title}").format(
                    name=name, title=ctx.ruleset.provider.title
                ),
                "warning",
            )
            node = _replace_arg(node, arg, None)
        api = params.get("api") or ctx.site.attrs.get("api", "")
        is_async = bool(ctx.site.attrs.get("async"))
        client = render(params["async"] if is_async else params["sync"], ctx)
        if ctx.site.attrs.get("legacy") and isinstance(client, cst.Call):
            for keyword, (sync, async_, imports) in sorted(ctx.sink.client_settings.items()):
                if _kw(client, keyword) is None:
                    client = _add_arg(client, keyword, async_ if is_async else sync)
                    for module, name in imports:  # type: ignore[assignment]
                        ctx.need_import(module, name)
        if params.get("shared", True) and not is_async and ctx.sink.cell is None:
            accessor = ctx.sink.shared_client(_code(client))
            if accessor is not None:
                ctx.need_import("functools")
                client = cst.Call(cst.Name(accessor))
        return node.with_changes(func=_build(client, api.split(".")))


class RemoveStatement(Operation):
    """Remove a module-configuration statement (``openai.api_key = ...``) whose effect the
    migrated client now carries.  Only when its value is a literal, ``None`` or an environment
    read, and only when no legacy call in the file is left unconverted; otherwise it is reported."""

    name = "remove_statement"
    SITES = ("config",)

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        value = getattr(node, "value", None)
        if ctx.site.attrs.get("legacy_left"):
            ctx.manual(
                N_("`{value}` still configures legacy calls that were not migrated").format(value=_quote(node)), blocking=False
            )
            return node
        if value is not None and not (_is_literal(value) or _is_env_read(value)):
            ctx.manual(
                N_("`{value}` sets openai.{attribute} from an expression; move it to the client by hand").format(
                    value=_quote(node), attribute=ctx.site.attrs.get("attribute")
                ),
                blocking=False,
            )
            return node
        ctx.sink.remove.append(ctx.site)
        ctx.diag(
            ctx.text(
                params.get("message")
                or N_("removed `openai.{attribute} = ...`; the migrated client is configured at its construction").format(
                    attribute=ctx.site.attrs.get("attribute")
                )
            ),
            "info",
        )
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
    FORMS = ("str", "none", "env", "dict")

    @classmethod
    def why_not(cls, site: Site) -> Optional[str]:
        attribute = site.attrs.get("attribute")
        if not site.attrs.get("top"):
            return N_(
                "openai.{attribute} is set inside a function or a branch, so which clients it applies to depends on the run"
            ).format(attribute=attribute)
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
            value = next(
                (
                    e.value
                    for e in value.elements
                    if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == "https"
                ),
                None,
            )
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
        message = ctx.text(
            params.get("message")
            or N_("openai.{attribute} is now passed to the client ({keyword}=)").format(
                attribute=attribute, keyword=params["keyword"]
            )
        )
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

    return template.visit(Put())  # type: ignore[return-value]


def _is_env_read(expr: cst.BaseExpression) -> bool:
    code = _code(expr)
    return bool(re.match(r"^(os\.)?(environ\s*\[|environ\.get\(|getenv\()", code))
