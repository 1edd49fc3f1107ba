"""Operations that only report: a TODO for a person, a note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from migrator.engine.model import Site
from migrator.engine.ops.base import Operation, _LibCST, _model_is
from migrator.engine.ops.context import Context


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _LibCST(globals())


class Todo(Operation):
    """Leave the site as it is, report it for a person, and (unless disabled) add a
    ``# TODO(migrator: rule-id): message`` comment above its statement."""

    name = "todo"
    SITES = ("client", "call", "framework", "symbol", "config", "env", "result", "import", "double")

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

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        return [(params.get("severity", "info"), ruleset.interpolate(params["message"]))]

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        if "if_model" in params and not _model_is(ctx, params["if_model"]):
            return node
        ctx.diag(ctx.text(params["message"]), params.get("severity", "info"))
        return node
