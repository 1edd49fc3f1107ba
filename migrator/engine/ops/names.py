"""Renames: an OpenAI symbol (and its import), an environment variable read in code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from migrator.engine.model import Site
from migrator.engine.ops.base import Operation, _LibCST, _flatten, _string_like
from migrator.engine.ops.context import Context
from migrator.i18n import N_


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _LibCST(globals())


class ReplaceSymbol(Operation):
    """Replace a reference to an OpenAI symbol (a class, an exception) with the target's symbol
    (``to``, or per symbol through ``map``), importing it the way the original was written
    (``Name`` -> from-import, dotted -> module import).  Imports of the old symbol are removed once
    nothing uses them (when its module is in the plan's ``cleanup_imports``).  On a framework
    construction it replaces the class called (``OpenAI(...)`` -> ``OpenAILike(...)``)."""

    name = "replace_symbol"
    SITES = ("symbol", "framework")  # a framework construction: its class (OpenAI -> OpenAILike)

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
                ctx.manual(
                    N_("{symbol} has no equivalent in {title}").format(
                        symbol=ctx.site.attrs.get("symbol"), title=ctx.ruleset.provider.title
                    )
                )
                return node
        else:
            target = params["to"]
        if isinstance(node, cst.Call):
            return node.with_changes(func=replace_reference(node.func, ctx.text(target), ctx))
        return replace_reference(node, ctx.text(target), ctx)


def replace_reference(node: cst.CSTNode, target: str, ctx: Context) -> cst.CSTNode:
    if isinstance(node, cst.SimpleString):  # a quoted annotation: rewrite its text, keep the quotes
        inner = cst.parse_expression(node.evaluated_value)  # type: ignore[arg-type]
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
        ctx.manual(
            N_("cannot write {target}: the name '{name}' means something else in this module").format(target=target, name=root)
        )
        return node
    ctx.need_import(module)
    old_root = _flatten(node)[0] if isinstance(node, (cst.Attribute, cst.Name)) else None
    if isinstance(old_root, cst.Name):
        ctx.sink.replaced.setdefault((module, None), set()).add(old_root.value)
    return cst.parse_expression(target).with_changes(lpar=getattr(node, "lpar", ()), rpar=getattr(node, "rpar", ()))


class RenameEnv(Operation):
    """Rename an environment variable read in code (``os.environ["OPENAI_API_KEY"]``,
    ``os.getenv(...)``, ``os.environ.get(...)``) to the provider's variable."""

    name = "rename_env"
    SITES = ("env",)

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        if not isinstance(node, cst.SimpleString):
            return node
        target = ctx.text(params["to"])
        if node.evaluated_value == target:
            return node
        return _string_like(node, target)
