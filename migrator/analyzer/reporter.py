"""The reporter: the resolution of resolve.py and the findings of the walk, clients, endpoints
and models mixins, composed into one class.  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
from typing import ClassVar, Dict, Optional, TYPE_CHECKING, Union

from migrator.models import FileAnalysis, Finding, Span
from migrator.analyzer.endpoints import _Endpoints
from migrator.analyzer.model_names import _Models
from migrator.analyzer.clients import _Clients
from migrator.analyzer.walk import _Walk

if TYPE_CHECKING:
    from migrator.analyzer.prune import _LineMarks


class _Reporter(_Walk, _Clients, _Models, _Endpoints):
    relevant: Optional[_LineMarks] = None  # None: walk every node
    _HANDLERS: ClassVar[Dict[type, str]]  # set by run, once per class

    def run(self) -> FileAnalysis:
        cls = type(self)
        if "_HANDLERS" not in cls.__dict__:  # node type -> handler name, found once per class
            cls._HANDLERS = {
                getattr(ast, name[len("_on_") :]): name
                for name in dir(cls)
                if name.startswith("_on_") and hasattr(ast, name[len("_on_") :])
            }
        self._handlers = {kind: getattr(self, name) for kind, name in cls._HANDLERS.items()}
        self._walk(self.tree, self.binder.module, None)
        # what the walk learned about where each client built here goes, as its finding's detail
        gone = (
            ("handed", self.handed),
            ("stored", self.stored),
            ("returned_by", self.returned_by),
            ("method_value", self.method_values),
            ("wrapped", self.wrapped),
            ("mixed", self.mixed),
            ("_param_keys", self.takes),
            ("feeds", self.feeds),
            ("_same_as", self.shares),
        )
        for finding in self.out.findings:
            if finding.kind == "client":
                finding.detail.update((key, found[finding.span]) for key, found in gone if finding.span in found)
            elif finding.kind == "call" and finding.span in self.escapes:
                finding.detail["escapes"] = self.escapes[finding.span]
        self.out.findings.sort(key=Finding.sort_key)
        return self.out

    def add(self, kind: str, node_or_span: Union[ast.AST, Span], message: str, **kw: object) -> Finding:
        span = node_or_span if isinstance(node_or_span, Span) else self.lines.span(node_or_span)
        finding = Finding(kind=kind, path=self.path, span=span, message=message, cell=self.cell, **kw)  # type: ignore[arg-type]
        self.out.findings.append(finding)
        return finding
