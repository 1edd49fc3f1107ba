"""The reporter: the resolution of resolve.py and the findings of the walk, clients, endpoints
and models mixins, composed into one class.  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
from dataclasses import replace
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
        if any(e.var.startswith("OPENAI_") and not e.written for e in self.out.env_reads):
            handed = _openai_module_handed(self.tree)
            if handed:
                self.out.env_reads = [
                    replace(e, handed=handed) if e.var.startswith("OPENAI_") and not e.written else e for e in self.out.env_reads
                ]
        self.out.findings.sort(key=Finding.sort_key)
        return self.out

    def add(self, kind: str, node_or_span: Union[ast.AST, Span], message: str, **kw: object) -> Finding:
        span = node_or_span if isinstance(node_or_span, Span) else self.lines.span(node_or_span)
        finding = Finding(kind=kind, path=self.path, span=span, message=message, cell=self.cell, **kw)  # type: ignore[arg-type]
        self.out.findings.append(finding)
        return finding


def _openai_module_handed(tree: ast.AST) -> int:
    """The first line where the openai module itself (``import openai [as x]``) is handed out as a
    value: an argument, a keyword's value, an assignment's or a return's value, an item of a
    container; 0 when it is only ever used through its attributes."""
    names = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names if a.name == "openai"}
    if not names:
        return 0
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            values = list(node.args) + [k.value for k in node.keywords]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.Return, ast.NamedExpr)):
            values = [node.value] if node.value is not None else []
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            values = list(node.elts)
        elif isinstance(node, ast.Dict):
            values = list(node.values)
        else:
            continue
        lines += [v.lineno for v in values if isinstance(v, ast.Name) and v.id in names and isinstance(v.ctx, ast.Load)]
    return min(lines) if lines else 0
