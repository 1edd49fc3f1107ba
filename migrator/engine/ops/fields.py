"""Operations on the reads of a result: dict-style reads to attributes, renamed fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Sequence

from migrator.engine.ops.base import Operation, _LibCST, _convert_keys, _flatten, _key, _quote, _string_like
from migrator.engine.ops.context import Context
from migrator.i18n import N_
from migrator.operations import field_path


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _LibCST(globals())


class SubscriptToAttr(Operation):
    """Turn dict-style reads of a result (``r["choices"][0]["message"]["content"]``,
    ``delta.get("content", "")``) into attribute reads (``r.choices[0].message.content``,
    ``(delta.content or "")``), as v1 SDK objects require.  A ``.get`` with a truthy default is
    left alone: ``x.k or default`` would not be the same."""

    name = "subscript_to_attr"
    SITES = ("result",)

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        new = _convert_keys(node)  # type: ignore[arg-type]
        if isinstance(new, cst.Call) and isinstance(new.func, cst.Attribute) and new.func.attr.value == "get":
            ctx.manual(N_("`{value}`: SDK objects have no .get(); rewrite this read by hand").format(value=_quote(node)))
        return new


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

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        old, new = field_path(params["from"]), field_path(params["to"])
        path = list(ctx.site.data.path)
        if old is None or new is None or len(path) < len(old) or path_text(path[: len(old)]) != params["from"]:
            return node
        parts = _flatten(node)  # type: ignore[arg-type]  # root first, then one node per element read here
        offset = len(path) - len(ctx.site.data.styles)  # elements read earlier, into a variable
        renames = {i - offset + 1: n for i, (o, n) in enumerate(zip(old, new)) if o != n and o != "[]" and i >= offset}
        return _rebuild(parts, renames)


def _rebuild(parts: List[cst.BaseExpression], renames: Dict[int, str]) -> cst.BaseExpression:
    current = parts[0]
    for index, original in enumerate(parts[1:], start=1):
        assert isinstance(original, (cst.Attribute, cst.Subscript))
        node = original.with_changes(value=current)
        if index in renames:
            if isinstance(node, cst.Attribute):
                node = node.with_changes(attr=cst.Name(renames[index]))
            else:
                key = _key(node)
                if key is not None:
                    new_key = _string_like(key, renames[index])
                    node = node.with_changes(slice=[node.slice[0].with_changes(slice=cst.Index(new_key))])
        current = node
    return current
