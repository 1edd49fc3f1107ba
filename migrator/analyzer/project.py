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
from dataclasses import replace
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple, cast

from migrator.analyzer import decode_python, is_python
from migrator.analyzer import symbols as sym
from migrator.analyzer.llamaindex import dotted
from migrator.analyzer.nodes import annotation_ids, param_default
from migrator.analyzer.scope import dotted_name
from migrator.analyzer.python import absolute_qname, analyze_python, exports_of, unset_by_default, written_default, written_value
from migrator.i18n import N_
from migrator.models import FileAnalysis, Finding, ScanResult, Span


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
        found = exports_of(source, path, takes=True)
        for module in module_names(path) if found else ():
            for name, export in found.items():
                qname = f"{module}.{name}"
                self._owners.setdefault(qname, set()).add(path)
                self.exports[qname] = dict(export, path=path)
                self.names.add(name)
                self.modules.add(module.rsplit(".", 1)[-1])
                if export.get("kind") == "exceptions" and "." in module:
                    self.modules.add(module.split(".")[-2])  # a package may re-export them (from pkg import RETRY)

    def finish(self) -> "ProjectIndex":
        # a suffix two files share (two pkg/x/base.py) names neither for sure
        for qname, owners in self._owners.items():
            if len(owners) > 1:
                self.exports.pop(qname, None)
        return self

    def __bool__(self) -> bool:
        return bool(self.exports)

    def importers(self, paths: Iterable[str], read: Callable[[str], Optional[str]], exclude: Set[str]) -> List[Tuple[str, str]]:
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

    def notebook_imports(self, path: str, text: str) -> bool:
        """Whether a code cell of the notebook ``text`` imports an exported name."""
        from migrator.analyzer.notebooks import NotebookError, code_cells

        if not self.exports or "import" not in text:
            return False
        words = [r"\b(?:%s)\b" % "|".join(re.escape(n) for n in sorted(names)) for names in (self.names, self.modules)]
        if not all(re.search(w, text) for w in words):
            return False
        try:
            return any(self._imports_one(path, cell[1]) for cell in code_cells(text))
        except NotebookError:
            return False

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
                    module = ".".join(package[: len(package) - (node.level - 1)] + ([module] if module else []))
                if any(f"{module}.{a.name}" in self.exports for a in node.names):
                    return True
                # ``from app import llm``: a module of the project, whose names are read as ``llm.client``
                if any(q.startswith(f"{module}.{a.name}.") for a in node.names for q in self.exports):
                    return True
                # ``from pkg.errs import *``, or openai exceptions a package re-exports (``from pkg import RETRY``)
                if any(
                    (a.name == "*" and q.startswith(f"{module}."))
                    or (q.startswith(f"{module}.") and q.endswith(f".{a.name}") and self.exports[q].get("kind") == "exceptions")
                    for a in node.names
                    for q in self.exports
                ):
                    return True
            elif isinstance(node, ast.Import):
                if any(q.startswith(f"{a.name}.") for a in node.names for q in self.exports):
                    return True
        return False


def _word_uses(tree: ast.AST, word: str) -> Iterator[ast.AST]:
    """The nodes of ``tree`` that may read or write what ``word`` names: attributes and names
    spelled so, keywords (``Settings(chat_model=...)``) and strings (``getattr(s, "chat_model")``)."""
    for node in ast.walk(tree):
        if (
            (isinstance(node, ast.Attribute) and node.attr == word)
            or (isinstance(node, ast.Name) and node.id == word)
            or (isinstance(node, ast.keyword) and node.arg == word)
            or (isinstance(node, ast.Constant) and node.value == word)
        ):
            yield node


class _Modules:
    """The project's Python modules: which file a dotted name is defined in, each parsed once."""

    def __init__(
        self,
        paths: Iterable[str],
        text: Callable[[str], Optional[str]],
        notebooks: Optional[Callable[[], Dict[str, List[Tuple[int, str]]]]] = None,
    ) -> None:
        self.paths = [p for p in paths if p.endswith(".py")]
        self.text = text
        self.owners: Dict[str, Set[str]] = {}
        for path in self.paths:
            for module in module_names(path):
                self.owners.setdefault(module, set()).add(path)
        self.trees: Dict[str, Optional[Tuple[ast.Module, str]]] = {}
        # notebooks: imported by none, but their cells read values and call functions of the
        # modules like a module does (read when a pass first asks: path -> its code cells'
        # (number, source), in order)
        self._notebooks = notebooks
        self.notebooks: Optional[Dict[str, List[Tuple[int, str]]]] = None
        self.cell_trees: Dict[Tuple[str, int], Optional[ast.Module]] = {}
        self._sources: Optional[List[Tuple[str, Optional[int], Optional[str]]]] = None

    def programs(self) -> Iterator[Tuple[str, Optional[int], Optional[str]]]:
        """(path, cell, source) of every module (cell None) and of every notebook's code cells."""
        for path in self.paths:
            yield path, None, self.source(path)
        if self.notebooks is None:
            self.notebooks = self._notebooks() if self._notebooks is not None else {}
        for path, cells in sorted(self.notebooks.items()):
            for number, source in cells:
                yield path, number, source

    def sources(self) -> List[Tuple[str, Optional[int], Optional[str]]]:
        """``programs()``, read once (for a pass that looks through them many times)."""
        if self._sources is None:
            self._sources = list(self.programs())
        return self._sources

    def tree(self, path: str, cell: Optional[int]) -> Optional[ast.Module]:
        """The parsed module, or notebook cell (None when it does not parse)."""
        if cell is None:
            parsed = self.parsed(path)
            return parsed[0] if parsed is not None else None
        if (path, cell) not in self.cell_trees:
            source = dict((self.notebooks or {}).get(path, ())).get(cell)
            try:
                self.cell_trees[(path, cell)] = ast.parse(source) if source is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self.cell_trees[(path, cell)] = None
        return self.cell_trees[(path, cell)]

    def parsed(self, path: str) -> Optional[Tuple[ast.Module, str]]:
        if path not in self.trees:
            source = self.text(path)
            try:
                self.trees[path] = (ast.parse(source), source) if source is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                self.trees[path] = None
        return self.trees[path]

    def source(self, path: str) -> Optional[str]:
        return self.trees[path][1] if self.trees.get(path) else self.text(path)  # type: ignore[index]

    def defined(self, qname: str) -> Optional[Tuple[str, List[str]]]:
        """(the file defining the longest module prefix of ``qname`` only one file can be, the
        rest of the name inside it)."""
        parts = qname.split(".")
        module = next(
            (
                ".".join(parts[:cut])
                for cut in range(len(parts) - 1, 0, -1)
                if len(self.owners.get(".".join(parts[:cut]), ())) == 1
            ),
            None,
        )
        if module is None:
            return None
        return next(iter(self.owners[module])), parts[len(module.split(".")) :]


class _Copies:
    """Analyses changed by a project pass: each copied once, before its first change."""

    def __init__(self, analyses: Dict[str, FileAnalysis]) -> None:
        self.analyses = analyses
        self.out: Dict[str, FileAnalysis] = {}

    def __call__(self, path: str) -> FileAnalysis:
        if path not in self.out:
            self.out[path] = (
                replace(self.analyses[path], findings=list(self.analyses[path].findings))
                if path in self.analyses
                else FileAnalysis(path)
            )
        return self.out[path]

    def update(self, path: str, old: Finding, new: Finding) -> None:
        analysis = self(path)
        analysis.findings[analysis.findings.index(old)] = new


def endpoint_definitions(analyses: Dict[str, FileAnalysis], modules: _Modules) -> Dict[str, FileAnalysis]:
    """Clients whose ``base_url=`` is a setting a module of the project defines (``base_url=
    settings.llm_base_url``, the settings made there or imported) that is unset by default
    (``Optional[str] = None``, ``Field(None)``, ``os.getenv("LLM_BASE_URL")``): unset, the client
    talks to OpenAI, so the endpoint is the configuration's choice, OpenAI by default, like a
    parameter defaulting to None ("fallback").
    The construction keeps the setting and gains the provider's default; its ``api_key=`` value
    is kept only where the setting names a server (``paired_kwargs``): a key configured while the
    endpoint was left unset is OpenAI's, and must not go to the provider."""
    copies = _Copies(analyses)
    for path, analysis in sorted(analyses.items()):
        if analysis.error or not path.endswith((".py", ".ipynb")):
            continue
        for f in analysis.findings:
            ref = f.detail.get("_endpoint_ref") if f.kind == "client" else None
            if not ref:
                continue
            qname = str(ref[0])
            if qname.startswith(".") and path.endswith(".ipynb"):
                continue  # (a notebook's own setting: not a module the index can read)
            defined = (path, qname[1:].split(".")) if qname.startswith(".") else modules.defined(qname)
            if defined is None:
                continue
            tree = modules.parsed(defined[0])
            written = written_default(tree[0], tree[1], defined[1]) if tree is not None else None
            if written is None or not unset_by_default(written[0]):
                continue
            key = f.detail.get("_project_key")
            copies.update(
                path,
                f,
                replace(
                    f,
                    detail=dict(
                        f.detail,
                        endpoint="fallback",
                        fallback_kwargs=sorted(set(f.detail.get("fallback_kwargs") or ()) | {"base_url"}),
                        paired_kwargs={"api_key": ref[1]},
                        fallback_env={"base_url": written[3]} if written[3] else {},
                    ),
                ),
            )
            span = [f.span.line, f.span.col, f.span.end_line, f.span.end_col]
            for other, other_analysis in analyses.items():
                for call in list(copies.out.get(other, other_analysis).findings):
                    if (
                        call.kind == "call"
                        and call.detail.get("endpoint") == "dynamic"
                        and (
                            (other == path and call.cell == f.cell and call.detail.get("_client_span") == span)
                            or (
                                call.detail.get("_client_path") == path
                                and key is not None
                                and call.detail.get("_client_key") == key
                            )
                        )
                    ):
                        copies.update(other, call, replace(call, detail=dict(call.detail, endpoint="fallback")))
    return copies.out


def model_definitions(analyses: Dict[str, FileAnalysis], modules: _Modules) -> Dict[str, FileAnalysis]:
    """Models that API calls take from another module of the project (``model=settings.chat_model``
    with ``from app.config import settings``; ``model=DEFAULT_MODEL``), mapped where they are
    written when that value is read nowhere else in the project but in those calls' ``model=``
    arguments (analyzer's ``_model_ref``).  Returns path -> the analysis made knowing it: the calls
    name the definition (``_model_remote``, with its literal as their model) and the defining module
    gets a ``model_def`` finding, which the engine maps and keeps with those calls (units.settle)."""
    refs: Dict[str, List[Tuple[str, Finding]]] = {}
    for path, analysis in analyses.items():
        if analysis.error or not path.endswith((".py", ".ipynb")):
            continue
        for f in analysis.findings:
            if (
                f.kind in ("call", "framework")
                and f.detail.get("_model_ref")
                and not f.detail.get("_model_def")
                and f.model is None
            ):
                refs.setdefault(str(f.detail["_model_ref"]), []).append((path, f))
    if not refs:
        return {}
    candidates = []
    for qname, users in sorted(refs.items()):
        defined = modules.defined(qname)
        if defined is None:
            continue
        def_path, rest = defined
        source_tree = modules.parsed(def_path)
        written = written_value(source_tree[0], source_tree[1], rest) if source_tree is not None else None
        if written is None or any(path == def_path or not f.detail.get("_model_at") for path, f in users):
            continue  # (a module's own uses are mapped by its own analysis)
        word = rest[1] if len(rest) > 1 else rest[0]
        allowed = {(def_path, None, written[2].lineno, written[2].col_offset)} | {
            (p, f.cell, *f.detail["_model_at"]) for p, f in users
        }
        candidates.append((qname, users, def_path, written, word, allowed))
    if not candidates:
        return {}
    # every read, write or override of the value in the project must be one of those arguments
    words = re.compile(r"\b(?:%s)\b" % "|".join(sorted({re.escape(c[4]) for c in candidates})))
    spoilt: Set[str] = set()
    for path, cell, source in modules.programs():
        found = set(words.findall(source)) if source is not None else set()
        tree = modules.tree(path, cell) if found else None
        for qname, _users, _def, _written, word, allowed in candidates:
            if word in found and (
                tree is None
                or any(
                    (path, cell, getattr(n, "lineno", 0), getattr(n, "col_offset", 0)) not in allowed
                    for n in _word_uses(tree, word)
                )
            ):
                spoilt.add(qname)
    copies = _Copies(analyses)
    for qname, users, def_path, (literal, span, _target, env), _word, _allowed in candidates:
        if qname in spoilt:
            continue  # read, written or overridden elsewhere: mapped where it is used, or reported
        key = f"model:{qname}"
        for path, f in users:
            # (written_value finds string literals only)
            copies.update(
                path, f, replace(f, model=cast(str, literal.value), detail=dict(f.detail, _model_remote=[def_path, key, span[0]]))
            )
        copies(def_path).findings.append(
            _model_def(
                def_path,
                Span(*span),
                N_("model default of calls in other modules"),
                literal,
                users[0][1],
                key,
                [[p, f.span.line] for p, f in users],
                env,
            )
        )
    return copies.out


def held_models(analyses: Dict[str, FileAnalysis], modules: _Modules) -> Dict[str, FileAnalysis]:
    """Models a call reads from a settings object its class makes by default (``def __init__(self,
    config=Config())``, ``self.config = config``, then ``model=self.config.model``; analyzer's
    ``_model_held``), ``Config`` a class of another module whose ``__init__`` sets ``self.model``
    from a parameter defaulting to a literal: mapped there when nothing else can reach that value
    (``_held_spoilt``), as ``model_definitions`` maps a module's settings."""
    groups: Dict[Tuple[str, str], List[Tuple[str, Finding]]] = {}
    for path, analysis in analyses.items():
        if analysis.error or not path.endswith(".py"):
            continue
        for f in analysis.findings:
            held = f.detail.get("_model_held") if f.kind == "call" else None
            if held and f.model is None and not f.detail.get("_model_def"):
                groups.setdefault((str(held[0]), str(held[1])), []).append((path, f))
    copies = _Copies(analyses)
    for (qname, field), users in sorted(groups.items()):
        defined = modules.defined(qname)
        parsed = modules.parsed(defined[0]) if defined is not None and len(defined[1]) == 1 else None
        if defined is None or parsed is None or any(path == defined[0] for path, _f in users):
            continue
        literal = _init_field_default(parsed[0], defined[1][0], field)
        if literal is not None and not _bases_leave(modules, defined[0], parsed[0], defined[1][0], field):
            continue
        if literal is None or _held_spoilt(modules, defined[1][0], field, users):
            continue
        def_path = defined[0]
        span = Span(literal.lineno, literal.col_offset, literal.end_lineno or literal.lineno, literal.end_col_offset or 0)
        key = f"model:{qname}().{field}"
        for path, f in users:
            copies.update(
                path,
                f,
                replace(f, model=cast(str, literal.value), detail=dict(f.detail, _model_remote=[def_path, key, span.line])),
            )
        copies(def_path).findings.append(
            _model_def(
                def_path,
                span,
                N_("model default of calls in other modules"),
                literal,
                users[0][1],
                key,
                [[p, f.span.line] for p, f in users],
                "",
            )
        )
    return copies.out


def _init_field_default(tree: ast.Module, name: str, field: str) -> Optional[ast.Constant]:
    """The string literal a top-level class ``name`` of ``tree`` sets ``self.<field>`` to, once, in
    its ``__init__``, from a parameter defaulting to it and read only there; and ``.<field>`` read
    nowhere in the module (other classes may set their own ``self.<field>``)."""
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == name]
    if len(classes) != 1 or classes[0].keywords or classes[0].decorator_list:
        return None
    cls = classes[0]
    inits = [s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"]
    if len(inits) != 1 or any(field in _names_bound(s) for s in cls.body):
        return None
    init = inits[0]
    positional = init.args.posonlyargs + init.args.args
    everywhere = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == field]
    uses = [n for n in ast.walk(cls) if isinstance(n, ast.Attribute) and n.attr == field]
    if (
        len(uses) != 1
        or not isinstance(uses[0].ctx, ast.Store)
        or not positional
        or any(
            not (isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name) and n.value.id == "self")
            for n in everywhere
            if n not in uses
        )
    ):
        return None
    assign = next((n for n in ast.walk(init) if isinstance(n, ast.Assign) and uses[0] in n.targets), None)
    target = uses[0]
    if (
        assign is None
        or len(assign.targets) != 1
        or not isinstance(target.value, ast.Name)
        or target.value.id != positional[0].arg
        or not isinstance(assign.value, ast.Name)
    ):
        return None
    param = assign.value.id
    default = param_default(init, param)
    loads = [n for n in ast.walk(init) if isinstance(n, ast.Name) and n.id == param]
    if len(loads) != 1 or not isinstance(default, ast.Constant) or not isinstance(default.value, str):
        return None
    return default


def _bases_leave(modules: _Modules, path: str, tree: ast.Module, name: str, field: str, depth: int = 0) -> bool:
    """Whether the bases of the class ``name`` of ``tree`` (module ``path``), and theirs, are classes
    of the project that never mention ``field`` (none sets it again, reads it or makes it a property)."""
    cls = next((s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == name), None)
    if cls is None or depth > 4:
        return False
    imported = _imported_names(tree, path)
    for base in cls.bases:
        if not isinstance(base, ast.Name):
            return False
        where, base_tree, base_name = path, tree, base.id
        if base.id in imported:
            defined = modules.defined(imported[base.id])
            parsed = modules.parsed(defined[0]) if defined is not None and len(defined[1]) == 1 else None
            if defined is None or parsed is None:
                return False  # (a class from outside the project: what it does with the field is not known)
            where, base_tree, base_name = defined[0], parsed[0], defined[1][0]
        found = next((s for s in base_tree.body if isinstance(s, ast.ClassDef) and s.name == base_name), None)
        if found is None or any(True for _ in _word_uses(found, field)):
            return False
        if not _bases_leave(modules, where, base_tree, base_name, field, depth + 1):
            return False
    return True


def _names_bound(stmt: ast.stmt) -> Set[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
    names = {t.id for t in targets if isinstance(t, ast.Name)}
    return names | ({stmt.name} if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else set())


def _held_spoilt(modules: _Modules, name: str, field: str, users: List[Tuple[str, Finding]]) -> bool:
    """Whether something but the users' ``model=`` arguments may reach the default of ``name``'s
    ``field``: ``name`` made (or subclassed, or handed on as a class) other than as a holder's
    default; ``.<holder>.<field>`` read elsewhere, or ``.<holder>`` handed on whole; a holder's
    class given a settings object of the caller's (or subclassed)."""
    holders = {str(f.detail["_model_held"][2]) for _p, f in users}
    owners = {
        (str(f.detail["_model_held"][3][0]), str(f.detail["_model_held"][3][1]), int(f.detail["_model_held"][3][2]))
        for _p, f in users
    }
    allowed = {(p, *f.detail["_model_held"][4]) for p, f in users}
    words = re.compile(r"\b(?:%s)\b" % "|".join(sorted(re.escape(w) for w in {name} | holders | {o[0] for o in owners})))
    for path, cell, source in modules.programs():
        tree = modules.tree(path, cell) if source is not None and words.search(source) else None
        if tree is None:
            if source is not None and words.search(source):
                return True  # (a program that does not parse)
            continue
        parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        annotations = annotation_ids(tree)
        for node in ast.walk(tree):
            named = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            parent = parents.get(id(node))
            if isinstance(node, ast.ClassDef) and any(
                (b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "")
                in {name} | {o[0] for o in owners}
                for b in node.bases
            ):
                return True
            if named == name and id(node) not in annotations:
                if not (isinstance(parent, ast.Call) and parent.func is node and not parent.args and not parent.keywords):
                    return True  # handed on as a class, or given values of its own
                if not _holder_default(parents, parent, owners, holders):
                    return True
            if named in holders and isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                if not isinstance(parent, ast.Attribute):
                    return True  # the settings object handed on whole
                if parent.attr == field and (path, parent.lineno, parent.col_offset) not in allowed:
                    return True
            elif named in holders and isinstance(node, ast.Attribute):
                outer: Optional[ast.AST] = parent
                while outer is not None and not isinstance(outer, ast.ClassDef):
                    outer = parents.get(id(outer))
                if not (isinstance(outer, ast.ClassDef) and outer.name in {o[0] for o in owners}):
                    return True  # another settings object set from outside the class
            for owner, param, position in owners:
                if named == owner and isinstance(parent, ast.Call) and parent.func is node:
                    if (
                        any(k.arg in (param, None) for k in parent.keywords)
                        or any(isinstance(a, ast.Starred) for a in parent.args)
                        or 0 <= position < len(parent.args)
                    ):
                        return True  # a caller's own settings object
    return False


def _holder_default(parents: Dict[int, ast.AST], call: ast.Call, owners: Set[Tuple[str, str, int]], holders: Set[str]) -> bool:
    """``call`` (``Config()``) is the default of a parameter of a holder class's ``__init__``, or
    the fallback setting a holder (``self.config = config or Config()``) in it."""
    parent = parents.get(id(call))
    if isinstance(parent, ast.BoolOp):
        assign = parents.get(id(parent))
        if not (
            isinstance(assign, ast.Assign)
            and parent.values[-1] is call
            and all(isinstance(t, ast.Attribute) and t.attr in holders for t in assign.targets)
        ):
            return False
        parent = assign
        while parent is not None and not isinstance(parent, ast.FunctionDef):
            parent = parents.get(id(parent))
    elif isinstance(parent, ast.arguments) and call in parent.defaults + parent.kw_defaults:
        parent = parents.get(id(parent))
    else:
        return False
    cls = parents.get(id(parent)) if isinstance(parent, ast.FunctionDef) and parent.name == "__init__" else None
    return isinstance(cls, ast.ClassDef) and cls.name in {o[0] for o in owners}


def handed_over(analyses: Dict[str, FileAnalysis], handoffs: List[Tuple[str, List[str]]]) -> Dict[str, FileAnalysis]:
    """A client one module builds (a factory, a base class) that another module hands to a client
    parameter of a function or class in a third (``Agent(get_client())``): the calls made on that
    parameter name the client's construction too (``_param_keys``), so they move with it or stay
    with it (units.agree); a client whose endpoint is not OpenAI's default (set at run time, Azure,
    another server) is never moved, so those calls stay, reported (``_param_stays``)."""
    copies = _Copies(analyses)
    for via, (built_in, key, endpoint, callee, param) in handoffs:
        analysis = analyses.get(callee)
        for f in list(analysis.findings) if analysis is not None and not analysis.error else ():
            current = copies.out.get(callee, analysis)
            # (analysis is not None in this loop)
            f = next((g for g in current.findings if g.span == f.span and g.kind == f.kind), f)  # type: ignore[union-attr]
            keys = f.detail.get("_param_keys") or []
            if f.kind != "call" or [callee, param] not in keys:
                continue
            if not built_in:  # a value the caller's analysis could not follow, given at line `key`
                if not f.detail.get("_param_stays"):
                    copies.update(
                        callee,
                        f,
                        replace(
                            f,
                            detail=dict(
                                f.detail,
                                _param_stays=[
                                    callee,
                                    param,
                                    "{}: {}".format(
                                        via,
                                        N_("line {line} hands `{name}` a client this analysis cannot follow").format(
                                            line=key, name=param.split(":")[1]
                                        ),
                                    ),
                                ],
                            ),
                        ),
                    )
                continue
            detail = dict(f.detail, _param_keys=keys + [[built_in, key]] if [built_in, key] not in keys else keys)
            if endpoint not in ("none", "openai", "fallback") and not detail.get("_param_stays"):
                why = (
                    N_("its endpoint is set at run time")
                    if endpoint == "dynamic"
                    else N_("it talks to Azure OpenAI")
                    if endpoint == "azure"
                    else N_("it talks to another server")
                    if endpoint == "other"
                    else N_("its endpoint is unknown")
                )
                # what the whole-project pass starts from (units.seeded): the parameter's calls stay
                detail["_param_stays"] = [
                    callee,
                    param,
                    "{}: {}".format(
                        built_in, N_("{why}, and {via} hands it to `{name}`").format(why=why, via=via, name=param.split(":")[1])
                    ),
                ]
            copies.update(callee, f, replace(f, detail=detail))
    return copies.out


def caller_models(analyses: Dict[str, FileAnalysis], modules: _Modules) -> Dict[str, FileAnalysis]:
    """A model that is the default of a parameter of a top-level function or class (``def
    __init__(self, model="gpt-4o-mini")``, mapped where it is written: analyzer's ``_model_param``)
    and that callers in other modules of the project pass values of their own for (``Engine(key,
    model="gpt-4o-mini")`` in examples/run.py): a literal they pass is mapped there too, with the
    calls it feeds (a ``model_def`` finding, keyed ``_model_callers``: they move or stay together);
    a value that cannot be followed (a variable, ``**kwargs``) leaves the default unmapped and the
    call reported, as within one module."""
    targets: Dict[Tuple[str, str], List[Tuple[Finding, str, int]]] = {}
    for path, analysis in analyses.items():
        if analysis.error or not path.endswith(".py"):
            continue
        for f in analysis.findings:
            param = f.detail.get("_model_param") if f.kind == "call" else None
            if param and f.detail.get("_model_def") and not f.detail.get("_model_remote"):
                targets.setdefault((path, str(param[0])), []).append((f, str(param[1]), int(param[2])))
    if not targets:
        return {}
    passed: Dict[Tuple[str, str], List[Tuple[str, Optional[int], ast.Constant]]] = {}
    spoilt: Set[Tuple[str, str]] = set()
    params = {target: (users[0][1], users[0][2]) for target, users in targets.items()}
    for path, cell, target, given in _arguments(params, modules):
        if given is not None and isinstance(given, ast.Constant) and isinstance(given.value, str):
            passed.setdefault(target, []).append((path, cell, given))
        else:
            spoilt.add(target)  # a value (or **kwargs / *args that may carry it)
    copies = _Copies(analyses)
    for target, users in targets.items():
        if target in spoilt:
            for f, _param, _position in users:  # mapped nowhere: reported at the call, as within one module
                copies.update(
                    target[0],
                    f,
                    replace(f, model=None, detail=dict(f.detail, _model_def=None, _model_more=None, _model_param=None)),
                )
            continue
        key = f"model:{target[0]}:{target[1]}:{users[0][1]}"
        for where, cell, literal in passed.get(target, []):
            span = Span(literal.lineno, literal.col_offset, literal.end_lineno or literal.lineno, literal.end_col_offset or 0)
            message = N_("model passed to {name} (its calls are in {path})").format(name=target[1], path=target[0])
            copies(where).findings.append(
                _model_def(
                    where, span, message, literal, users[0][0], key, [[target[0], f.span.line] for f, _p, _n in users], "", cell
                )
            )
            for f, _param, _position in users:
                current = next(g for g in copies(target[0]).findings if g.span == f.span and g.kind == f.kind)
                more = list(current.detail.get("_model_callers") or []) + [[where, key, span.line]]
                copies.update(target[0], current, replace(current, detail=dict(current.detail, _model_callers=more)))
    return copies.out


def _arguments(
    params: Dict[Tuple[str, str], Tuple[str, int]], modules: _Modules
) -> Iterator[Tuple[str, Optional[int], Tuple[str, str], Optional[ast.AST]]]:
    """(module, notebook cell or None, target, argument) for each call, in another module of the
    project or a notebook, of a top-level function or class ``target`` (its module, its name) that
    passes its parameter ``params[target]`` (name, position; -1: keyword-only): the argument, or
    None where ``**kwargs`` / ``*args`` may carry it."""
    word = re.compile(r"\b(?:%s)\b" % "|".join(sorted({re.escape(name) for _, name in params})))
    earlier: Dict[str, Dict[str, str]] = {}  # a notebook's imports so far: its cells are one program
    for path, cell, source in modules.programs():
        if cell is not None:
            tree = modules.tree(path, cell)
            names = earlier.setdefault(path, {})
            names.update(_imported_names(tree, path) if tree is not None else {})
        else:
            tree = modules.tree(path, cell) if source is not None and word.search(source) else None
            names = _imported_names(tree, path) if tree is not None else {}
        if tree is None or source is None or not word.search(source):
            continue
        for node in ast.walk(tree):
            qname = dotted(node.func, names) if isinstance(node, ast.Call) else None
            defined = modules.defined(qname) if qname else None
            target = (defined[0], defined[1][0]) if defined is not None and len(defined[1]) == 1 else None
            if (
                target not in params or target[0] == path or not isinstance(node, ast.Call)
            ):  # (a module's own callers: the analyzer's)
                continue
            param, position = params[target]
            given = next((k.value for k in node.keywords if k.arg == param), None)
            if (
                given is None
                and 0 <= position < len(node.args)
                and not any(isinstance(a, ast.Starred) for a in node.args[: position + 1])
            ):
                given = node.args[position]
            if (
                given is not None
                or any(k.arg is None for k in node.keywords)
                or any(isinstance(a, ast.Starred) for a in node.args)
            ):
                yield path, cell, target, given


def caller_urls(analyses: Dict[str, FileAnalysis], modules: _Modules) -> Dict[str, FileAnalysis]:
    """A client whose ``base_url=`` parameter defaults to OpenAI's URL is retargeted where the
    default is written (analyzer's ``_endpoint_param``); a caller in another module passing OpenAI's
    URL for it would take the client, and the provider's key with it, to api.openai.com: the
    client stays whole then, reported (``_param_stays``; within one module the analyzer retargets
    the caller's literal with the default)."""
    targets: Dict[Tuple[str, str], List[Finding]] = {}
    params: Dict[Tuple[str, str], Tuple[str, int]] = {}
    for path, analysis in analyses.items():
        for f in analysis.findings if not analysis.error and path.endswith(".py") else ():
            param = f.detail.get("_endpoint_param") if f.kind == "client" else None
            if param and f.detail.get("_project_key"):
                targets.setdefault((path, str(param[0])), []).append(f)
                params[(path, str(param[0]))] = (str(param[1]), int(param[2]))
    copies = _Copies(analyses)
    seen: Set[Tuple[str, str]] = set()
    for path, _cell, target, given in _arguments(params, modules) if params else ():
        if target in seen or not (isinstance(given, ast.Constant) and "api.openai.com" in str(given.value)):
            continue
        seen.add(target)
        for f in targets[target]:
            current = next(g for g in copies(target[0]).findings if g.span == f.span and g.kind == f.kind)
            why = N_(
                "{path} passes OpenAI's URL for `{param}` (line {line}): moved, the client would take the provider's key "
                "there; point that caller at the provider too"
            ).format(path=path, param=params[target][0], line=given.lineno)
            stays = [target[0], str(f.detail["_project_key"]), "{}: {}".format(target[0], why)]
            copies.update(target[0], current, replace(current, detail=dict(current.detail, _param_stays=stays)))
    return copies.out


def rebound(
    analyses: Dict[str, FileAnalysis], modules: _Modules, exports: Dict[str, Dict[str, object]]
) -> Dict[str, FileAnalysis]:
    """A client one module holds in a class's ``self.<attr>`` or a module variable, set again in
    another module: a subclass's ``self.client = AzureOpenAI(...)`` (or a class attribute, or a
    property of that name), ``pkg.base.client = OpenAI(base_url=<Ollama>)``.  The base class's
    calls (and every module's calls on it) may run on that other value: moved for the provider,
    they would send its model names and key there.  Within one module the analyzer keeps such
    a name's clients as one; across modules both constructions stay whole, reported
    (``_param_stays``, as caller_urls)."""
    holders: Dict[str, Tuple[str, Dict[str, Dict[str, object]]]] = {}
    for qname, export in exports.items():
        if export.get("kind") == "class" and export.get("attrs"):
            holders[qname] = (str(export["path"]), cast(Dict[str, Dict[str, object]], export["attrs"]))
        elif export.get("kind") == "var" and export.get("client"):
            holders[qname] = (str(export["path"]), {"": cast(Dict[str, object], export["client"])})
    if not holders:
        return {}
    for _round in range(3):  # a subclass of a subclass (in a third module) holds the base's client too
        more = {
            f"{module}.{stmt.name}": held
            for path, tree, imported in _naming(modules, {q.rsplit(".", 1)[-1] for q in holders})
            for stmt in tree.body
            if isinstance(stmt, ast.ClassDef)
            for held in [next((holders[q] for q in (dotted(b, imported) for b in stmt.bases) if q in holders), None)]
            if held is not None and "" not in held[1]
            for module in module_names(path)
            if f"{module}.{stmt.name}" not in holders
        }
        if not more:
            break
        holders.update(more)
    # (holder path, its client, the module setting it again, where, the name, the value or None)
    found: List[Tuple[str, Dict[str, object], str, ast.AST, str, Optional[ast.AST]]] = []
    for path, tree, imported in _naming(modules, {q.rsplit(".", 1)[-1] for q in holders}):
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for base in node.bases:
                    held = holders.get(dotted(base, imported) or "")
                    if held is None or held[0] == path or "" in held[1]:
                        continue  # (within one module the analyzer holds them as one)
                    for attr, target, given in _class_sets(node):
                        if attr in held[1]:
                            found.append((held[0], held[1][attr], path, target, f"self.{attr}", given))
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    held = holders.get(dotted(target, imported) or "") if isinstance(target, ast.Attribute) else None
                    if held is not None and held[0] != path and "" in held[1]:
                        found.append((held[0], held[1][""], path, target, str(dotted_name(target)), node.value))
    copies = _Copies(analyses)

    def client_at(path: str, span: object) -> Optional[Finding]:
        analysis = copies.out.get(path, analyses.get(path))
        return next(
            (
                f
                for f in (analysis.findings if analysis is not None and not analysis.error else ())
                if f.kind == "client" and [f.span.line, f.span.col, f.span.end_line, f.span.end_col] == span
            ),
            None,
        )

    def movable(f: Finding) -> bool:  # a client apply may point at the provider
        return f.detail.get("endpoint") in ("none", "openai", "fallback") and not f.detail.get("azure")

    def change(path: str, f: Finding, **detail: object) -> None:
        copies.update(path, f, replace(f, detail=dict(f.detail, **detail)))

    def stay(path: str, f: Optional[Finding], why: str) -> None:  # (units.seeded)
        if f is not None and f.detail.get("_project_key") and not f.detail.get("_param_stays"):
            change(path, f, _param_stays=[path, str(f.detail["_project_key"]), "{}: {}".format(path, why)])

    for holder, client, path, target, name, given in found:
        built = client_at(holder, client.get("span"))
        if built is None or not built.detail.get("_project_key"):
            continue
        other = (
            client_at(path, [given.lineno, given.col_offset, given.end_lineno, given.end_col_offset])
            if isinstance(given, ast.Call)
            else None
        )
        if other is not None and other.detail.get("_project_key") and movable(built) and movable(other):
            # another OpenAI client: the two move together or stay together (units.agree)
            link = [[path, str(other.detail["_project_key"])], [holder, str(built.detail["_project_key"])]]
            for where, f, key in ((holder, built, link[0]), (path, other, link[1])):
                keys = list(f.detail.get("_param_keys") or [])
                change(where, f, _param_keys=keys + [key] if key not in keys else keys)
            continue
        stay(
            holder,
            built,
            N_("`{name}` is set again in {path} at line {line}, and the calls made on it may reach that value").format(
                name=name, path=path, line=getattr(target, "lineno", 0)
            ),
        )
        stay(
            path,
            other,
            N_("it replaces the client {path} builds at line {line} for `{name}`, whose calls stay on OpenAI").format(
                name=name, path=holder, line=cast(List[int], client["span"])[0]
            ),
        )
    return copies.out


def _class_sets(cls: ast.ClassDef) -> Iterator[Tuple[str, ast.AST, Optional[ast.AST]]]:
    """What a class sets that its bases may hold: (attribute, where, the value or None) for
    ``self.<attr> = v`` in its methods, ``<attr> = v`` in its body and a method or property
    ``<attr>``."""
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield stmt.name, stmt, None
            me = stmt.args.posonlyargs + stmt.args.args
            if not me or any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in stmt.decorator_list):
                continue
            for node in ast.walk(stmt):
                if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                    for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                        if (
                            isinstance(target, ast.Attribute)
                            and isinstance(target.value, ast.Name)
                            and target.value.id == me[0].arg
                        ):
                            yield target.attr, target, node.value
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                if isinstance(target, ast.Name):
                    yield target.id, target, stmt.value


def _model_def(
    path: str,
    span: Span,
    message: str,
    literal: ast.Constant,
    first: Finding,
    key: str,
    users: List[List[object]],
    env: object,
    cell: Optional[int] = None,
) -> Finding:
    """A ``model_def`` finding: the model literal at ``span`` of ``path`` (of its ``cell``, a
    notebook's) that the calls of another module (``users``, the first of them ``first``) take,
    keyed ``key``."""
    call = dict(
        first.detail,
        symbol=first.symbol,
        api=first.api,
        legacy=first.legacy,
        model=literal.value,
        confidence=first.confidence,
        _kind=first.kind,
    )
    return Finding(
        "model_def",
        path,
        span,
        message,
        model=cast(str, literal.value),
        cell=cell,
        detail={"key": key, "users": users, "env": env, "_call": call},
    )


def _naming(modules: _Modules, words: Set[str]) -> Iterator[Tuple[str, ast.Module, Dict[str, str]]]:
    """(path, tree, its imports: see _imported_names) of the project's modules that spell one of ``words``."""
    word = re.compile(r"\b(?:%s)\b" % "|".join(sorted(re.escape(w) for w in words)))
    for path in modules.paths:
        source = modules.source(path)
        parsed = modules.parsed(path) if source is not None and word.search(source) else None
        if parsed is not None:
            yield path, parsed[0], _imported_names(parsed[0], path)


def _imported_names(tree: ast.Module, path: str) -> Dict[str, str]:
    """A module's top-level imports: local name -> absolute dotted name."""
    out: Dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            module = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                qname = absolute_qname(f"{module}.{alias.name}" if stmt.module else f"{module}{alias.name}", path)
                if qname is not None and alias.name != "*":
                    out[alias.asname or alias.name] = qname
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                out[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
    return out


def _imports_exception(f: Finding) -> bool:
    """``from openai import RateLimitError``: a module that may name openai's exceptions for others."""
    return (
        f.kind == "import"
        and f.detail.get("module") == "openai"
        and any(sym.exception_name(f"openai.{name}") for name in f.detail.get("names") or ())
    )


#: a notebook's code cells, each with its analysis (``analyzer.notebook_parts``)
Parts = List[Tuple[Any, Optional[FileAnalysis]]]


def importer_analyses(
    root: str, scan: ScanResult, known: Optional[Dict[str, bytes]] = None, cells: Optional[Dict[str, Parts]] = None
) -> List[FileAnalysis]:
    """The analyses, made knowing the project's client holders, of the Python files that import
    one (files that failed or found nothing are left out), and of the notebooks that import one
    or that the project passes changed.  ``known``: bytes already read.  ``cells``: filled with
    those notebooks' code cells and each one's analysis as the project passes left it (what apply
    rewrites each cell with, and what scan's readiness plans)."""
    import os

    from migrator.analyzer import mentions_openai, notebook_analysis, notebook_cells, notebook_parts
    from migrator.analyzer.notebooks import NotebookError, code_cells

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

    def notebook_text(path: str) -> Optional[str]:
        raw = data(path)
        return raw.decode("utf-8", errors="replace") if raw is not None else None

    index = ProjectIndex()
    for analysis in scan.analyses:
        if not analysis.error and any(
            f.kind in ("client", "exception") or f.detail.get("_param_keys") or _imports_exception(f) for f in analysis.findings
        ):
            source = text(analysis.path)
            if source is not None:
                index.add(analysis.path, source)
    paths = sorted({a.path for a in scan.analyses if not a.error and is_python(a.path)} | {p for p in scan.plain if is_python(p)})
    failed = {a.path for a in scan.analyses if a.error}
    notebook_paths = sorted(
        p for p in {a.path for a in scan.analyses} | set(scan.plain) if p.endswith(".ipynb") and p not in failed
    )

    def notebooks() -> Dict[str, List[Tuple[int, str]]]:
        found = {}
        for path in notebook_paths:
            nb_text = notebook_text(path)
            try:
                found.update({path: [(c[0], c[1]) for c in code_cells(nb_text)]} if nb_text is not None else {})
            except NotebookError:
                continue
        return found

    out: Dict[str, FileAnalysis] = {}
    parts: Dict[str, Parts] = {}
    handoffs: List[Tuple[str, List[str]]] = []
    for path, source in index.importers(paths, text, exclude=set()) if index.finish() else ():
        analysis = analyze_python(source, path, externals=index.exports)
        handoffs += [(path, h) for h in analysis.handoffs]
        if not analysis.error and analysis.findings:
            out[path] = analysis
    for path in notebook_paths if index else ():
        # a notebook importing a module's client: its cells are analysed knowing the project, as
        # a module importing it is
        nb_text = notebook_text(path)
        if nb_text is None or not index.notebook_imports(path, nb_text):
            continue
        parts[path] = notebook_parts(path, notebook_cells(path, nb_text, index.exports))
        nb_analysis = notebook_analysis(path, nb_text, parts[path], mentions_openai(nb_text.encode("utf-8", "surrogatepass")))
        if nb_analysis is not None:
            handoffs += [(path, h) for h in nb_analysis.handoffs]
            out[path] = nb_analysis
    known_analyses = {a.path: a for a in scan.analyses}
    known_analyses.update(out)
    changed = handed_over(known_analyses, handoffs)
    known_analyses.update(changed)
    out.update(changed)
    modules = _Modules(paths, text, notebooks)
    from migrator.analyzer.taken import taken_models

    for project_pass in (endpoint_definitions, model_definitions, held_models, taken_models, caller_models, caller_urls):
        changed = project_pass(known_analyses, modules)
        known_analyses.update(changed)
        out.update(changed)
    changed = rebound(known_analyses, modules, index.exports)
    known_analyses.update(changed)
    out.update(changed)
    for path, analysis in out.items():
        nb_text = notebook_text(path) if cells is not None and path.endswith(".ipynb") and path not in parts else None
        if nb_text is not None:  # (a notebook only a pass changed: it parsed for the pass)
            parts[path] = notebook_parts(path, notebook_cells(path, nb_text))
        if cells is not None and path in parts:
            cells[path] = _split(parts[path], analysis)
    return list(out.values())


def _split(parts: Parts, analysis: FileAnalysis) -> Parts:
    """A notebook's cells with their analyses holding the findings of ``analysis`` (the whole
    notebook's, as the project passes changed it) for their cell: each finding a pass changed in
    place of the one it was made from, and those it added."""
    pool: Dict[Tuple[Optional[int], Span, str], List[Finding]] = {}
    for f in analysis.findings:
        pool.setdefault((f.cell, f.span, f.kind), []).append(f)
    out: Parts = []
    for cell, part in parts:
        number = cell[0]
        if part is not None and not part.error:
            findings = [pool[(number, f.span, f.kind)].pop(0) if pool.get((number, f.span, f.kind)) else f for f in part.findings]
            added = [f for (n, _span, kind), rest in pool.items() if n == number and kind == "model_def" for f in rest]
            part = replace(part, findings=findings + added) if findings != part.findings or added else part
        elif part is None and any(f.cell == number and f.kind == "model_def" for f in analysis.findings):
            from migrator.analyzer.python import analyze_python

            part = analyze_python(cell[1], analysis.path, cell=number)
            extra = [f for f in analysis.findings if f.cell == number and f.kind == "model_def"]
            part = replace(part, findings=part.findings + extra) if not part.error else part
        out.append((cell, part))
    return out
