"""The project as a whole: clients one module builds and others use.

A client is often built in one module (a base class's ``self.client``, a ``get_client()``
factory, a module-level ``client``) and called in others, which need not mention ``openai`` at
all. ``ProjectIndex`` records what each module exports of that kind, under every dotted name it
can be imported by, and finds the modules that import one of those names: they are analysed
again with the index (``analyze_python(..., externals=...)``), so their calls on the client are
findings whose unit is the client's, across files.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from migrator.analyzer import decode_python, is_python
from migrator.analyzer.python import analyze_python, exports_of
from migrator.models import FileAnalysis, ScanResult


def module_names(path: str) -> List[str]:
    """Every dotted name ``path`` may be imported by: ``src/pkg/base.py`` is ``src.pkg.base``,
    ``pkg.base`` or ``base`` (which folders are import roots is not known here)."""
    parts = path.replace("\\", "/").split("/")
    if not parts[-1].endswith(".py"):
        return []
    parts[-1] = parts[-1][:-3]
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        return []
    return [".".join(parts[i:]) for i in range(len(parts))]


class ProjectIndex:
    """qualified name -> what it holds (see ``exports_of``), with the file that builds it."""

    def __init__(self) -> None:
        self.exports: Dict[str, Dict[str, object]] = {}
        self._owners: Dict[str, Set[str]] = {}
        self.names: Set[str] = set()  # the plain names exported: the cheap gate for importers
        self.modules: Set[str] = set()  # the last part of every exporting module's name: likewise

    def add(self, path: str, source: str) -> None:
        found = exports_of(source, path)
        for module in module_names(path) if found else ():
            for name, export in found.items():
                qname = f"{module}.{name}"
                self._owners.setdefault(qname, set()).add(path)
                self.exports[qname] = dict(export, path=path)
                self.names.add(name)
                self.modules.add(module.rsplit(".", 1)[-1])

    def finish(self) -> "ProjectIndex":
        # a suffix two files share (two pkg/x/base.py) names neither for sure
        for qname, owners in self._owners.items():
            if len(owners) > 1:
                self.exports.pop(qname, None)
        return self

    def __bool__(self) -> bool:
        return bool(self.exports)

    def importers(self, paths: Iterable[str], read: Callable[[str], Optional[str]],
                  exclude: Set[str]) -> List[Tuple[str, str]]:
        """(path, source) of the Python files that import an exported name, other than ``exclude``."""
        if not self.exports:
            return []
        word = re.compile(r"\b(?:%s)\b" % "|".join(re.escape(n) for n in sorted(self.names)))
        module = re.compile(r"\b(?:%s)\b" % "|".join(re.escape(n) for n in sorted(self.modules)))
        out = []
        for path in paths:
            if path in exclude or not path.endswith(".py"):
                continue
            source = read(path)
            if source is None or "import" not in source or not word.search(source) or not module.search(source):
                continue
            if self._imports_one(path, source):
                out.append((path, source))
        return out

    def _imports_one(self, path: str, source: str) -> bool:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        package = path.replace("\\", "/").split("/")[:-1]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    if node.level - 1 > len(package):
                        continue
                    module = ".".join(package[:len(package) - (node.level - 1)] + ([module] if module else []))
                if any(f"{module}.{a.name}" in self.exports for a in node.names):
                    return True
            elif isinstance(node, ast.Import):
                if any(q.startswith(f"{a.name}.") for a in node.names for q in self.exports):
                    return True
        return False


def importer_analyses(root: str, scan: ScanResult, known: Optional[Dict[str, bytes]] = None) -> List[FileAnalysis]:
    """The analyses, made knowing the project's client holders, of the Python files that import
    one (files that failed or found nothing are left out).  ``known``: bytes already read."""
    import os

    known = known or {}

    def data(path: str) -> Optional[bytes]:
        if path in known:
            return known[path]
        try:
            with open(os.path.join(root, *path.split("/")), "rb") as handle:
                return handle.read()
        except OSError:
            return None

    def text(path: str) -> Optional[str]:
        raw = data(path)
        return decode_python(raw)[0] if raw is not None else None

    index = ProjectIndex()
    for analysis in scan.analyses:
        if not analysis.error and any(f.kind == "client" for f in analysis.findings):
            source = text(analysis.path)
            if source is not None:
                index.add(analysis.path, source)
    if not index.finish():
        return []
    paths = sorted({a.path for a in scan.analyses if not a.error and is_python(a.path)} | {p for p in scan.plain if is_python(p)})
    out = []
    for path, source in index.importers(paths, text, exclude=set()):
        analysis = analyze_python(source, path, externals=index.exports)
        if not analysis.error and analysis.findings:
            out.append(analysis)
    return out
