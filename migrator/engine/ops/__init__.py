"""The closed set of rewrite operations that rule files choose from.

Each operation is a small class: ``PARAMS`` (what YAML may pass), ``SITES``
(which kinds of site it applies to), ``predict`` (what it will report, without
LibCST, for scan's readiness matrix) and ``apply`` (the LibCST edit of one
node).  An operation that cannot prove an edit safe leaves the node unchanged
and reports why.  The class docstring is the user-facing documentation
rendered into docs/rules.md.

One module per family of operations: ``keywords`` (a call's keyword arguments), ``model_map``
(model names), ``legacy`` (openai<1 module code onto a client), ``methods`` (the API a call
reaches), ``names`` (symbols and environment variables), ``fields`` (the reads of a result),
``reports`` (a TODO, a note).  ``context`` holds what an operation uses and produces, ``base``
the base class and the helpers families share.  This module is the registry others import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict

from migrator.engine.ops.base import COMMENT_LIMIT, QUOTE_LIMIT, Operation, one_line
from migrator.engine.ops.context import Context, Sink
from migrator.engine.ops.fields import RenameField, SubscriptToAttr, path_text
from migrator.engine.ops.keywords import ClampKwarg, DropKwarg, MoveKwarg, RenameKwarg, SetKwarg
from migrator.engine.ops.legacy import ClientSetting, LegacyToClient, RemoveStatement
from migrator.engine.ops.methods import CompletionsToChat, RenameMethod
from migrator.engine.ops.model_map import MapModel, MapRoute
from migrator.engine.ops.names import RenameEnv, ReplaceSymbol
from migrator.engine.ops.reports import Note, Todo

if TYPE_CHECKING:
    import libcst as cst

OPS: Dict[str, Any] = {
    op.name: op
    for op in (
        SetKwarg,
        RenameKwarg,
        DropKwarg,
        MoveKwarg,
        MapModel,
        MapRoute,
        ClampKwarg,
        RenameMethod,
        LegacyToClient,
        ReplaceSymbol,
        SubscriptToAttr,
        RenameField,
        RenameEnv,
        RemoveStatement,
        ClientSetting,
        Todo,
        Note,
        CompletionsToChat,
    )
}

Apply = Callable[["cst.CSTNode", Dict[str, Any], Context], "cst.CSTNode"]

__all__ = ["OPS", "Apply", "COMMENT_LIMIT", "QUOTE_LIMIT", "Context", "Operation", "Sink", "one_line", "path_text"]
