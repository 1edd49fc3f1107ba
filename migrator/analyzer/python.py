"""Find OpenAI usage in Python source by resolving names, not by matching text.

Built on the stdlib ``ast`` (an order of magnitude cheaper than LibCST with
metadata); LibCST is only used later, for the files that are rewritten.

Two passes over a module: the binder records the bindings of each scope
(imports, assignments, parameters, ``with ... as``, ``self.x = ...`` per class,
function definitions); the reporter walks the tree and resolves expressions to
values: an imported qualified name, an OpenAI client, a client resource path,
or the result of an API call.  Only what resolves to OpenAI (or sits,
unresolved, in a file that imports openai) is reported.

Most of a module cannot hold a finding, so both passes skip what cannot matter
(``_relevant_lines``): the reporter visits only nodes on lines that name an
OpenAI import, a client resource attribute, an ``OPENAI_`` variable, or a name
bound to an OpenAI value; the binder binds a function body only when something
needs it.  ``PRUNE = False`` visits everything, and the test suite requires both
ways to agree on every analysis it runs.

The analysis is split by what it does (issue 18): ``scope.py`` (the values and the binder),
``resolve.py`` (what an expression holds), the reporter's mixins ``walk.py``, ``clients.py``,
``endpoints.py`` and ``model_names.py`` composed in ``reporter.py``, ``prune.py`` (relevant lines,
masked parses), ``nodes.py`` (shared AST helpers); this module is the entry point and re-exports
what other code imports from it.
"""

from __future__ import annotations

import ast
import gc
import pickle
from typing import Dict, List, Optional, Tuple, TYPE_CHECKING, Union

from migrator.analyzer import chunks, line_index, symbols as sym
from migrator.i18n import N_
from migrator.models import FileAnalysis, Span
from migrator.analyzer.scope import Client, Q, _Binder, _is_name, _is_none
from migrator.analyzer.scope import dotted_name as dotted_name  # (re-exported)
from migrator.analyzer.nodes import _DEFS, _astuple, _client_params, _field_value, _is_env_read, _is_str, _methods, _returns
from migrator.analyzer.nodes import absolute_qname as absolute_qname  # (re-exported)
from migrator.analyzer.resolve import _Analyzer
from migrator.analyzer.reporter import _Reporter
from migrator.analyzer.facts import source_facts
from migrator.analyzer.prune import _CONSTRUCTS, _LineMarks, _analyze_masked, _release, _relevant_lines
from migrator.analyzer.prune import _Lines as _Lines  # (re-exported too: autogen, llamaindex)

if TYPE_CHECKING:
    from migrator.analyzer.scope import Value


def unset_by_default(node: ast.AST) -> bool:
    """A default that leaves the value unset: ``None``, or ``os.getenv("X")`` /
    ``os.environ.get("X")`` with no default (None when the variable is not set)."""
    if _is_none(node):
        return True
    if isinstance(node, ast.Call) and _is_env_read(node) and not node.keywords:
        return len(node.args) == 1 or (len(node.args) == 2 and _is_none(node.args[1]))
    return False


def analyze_python(
    source: str, path: str, *, cell: Optional[int] = None, externals: Optional[Dict[str, Dict[str, object]]] = None
) -> FileAnalysis:
    """Analyse one module's source.  Never raises: a file that cannot be parsed
    comes back with ``error`` (and ``error_line``) set and no findings.  ``externals``: what the
    project's other modules export that holds a client (analyzer/project.py); the file is then
    analysed whole (a module that only uses another's client need not mention openai)."""
    enabled = gc.isenabled()
    gc.disable()  # a tree of plain nodes holds no cycles; collecting while building it only costs time
    try:
        return _analyze(source, path, cell, PRUNE and not externals, externals)
    finally:
        if enabled:
            gc.enable()


# The analysis of a text a second reader will ask for: engine/rewrite.py's fixpoint check
# analyses a rewritten module's final text, which apply's check (analyze_python_bytes) then reads
# again.  One entry, keyed by everything the analysis depends on (the exact text, path, cell and
# the switches PRUNE, MASK and chunks.MIN_CHARS), kept pickled so that what the first reader
# changes in its copy never reaches the second; taken (and dropped) by the first lookup.
_kept: Dict[Tuple[str, str, Optional[int], Tuple[bool, bool, int]], bytes] = {}


def _switches() -> Tuple[bool, bool, int]:
    return PRUNE, MASK, chunks.MIN_CHARS


def analyze_python_kept(source: str, path: str, *, cell: Optional[int] = None) -> FileAnalysis:
    """``analyze_python(source, path, cell=cell)``, a copy of which ``kept_analysis`` hands once
    to the next reader of exactly this text."""
    result = analyze_python(source, path, cell=cell)
    _kept.clear()
    try:
        _kept[(source, path, cell, _switches())] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # (not expected: an analysis is plain data) the reader analyses it itself
        pass
    return result


def kept_analysis(source: str, path: str, *, cell: Optional[int] = None) -> Optional[FileAnalysis]:
    """What ``analyze_python(source, path, cell=cell)`` gives, when ``analyze_python_kept`` was
    last asked for exactly this text (else None)."""
    if not _kept:
        return None
    data = _kept.pop((source, path, cell, _switches()), None)
    return pickle.loads(data) if data is not None else None


def exports_of(
    source: str, path: str, takes: bool = False, externals: Optional[Dict[str, Dict[str, object]]] = None
) -> Dict[str, Dict[str, object]]:
    """What this module's top-level names hold of OpenAI clients built here: a class's
    ``self.<attr>`` (or property), a function's return value, a module variable.  name ->
    {"kind": class|function|var, "attrs": {attr: client} | "client": client}.  ``takes``: also
    the parameters annotated as a client that a top-level function or a class's ``__init__``
    takes from its callers (``"takes": {parameter: position}``; kind "takes" when the name holds
    no client): a caller handing its client there forms one client with the calls made on it.
    ``externals``: what the project's modules export (a notebook cell, analysis/project.py): a
    name holding a client one of them builds is exported with that module's ``path``, and a name
    imported from one of them as an ``alias`` of what it names there (kind "alias", "qname")."""
    try:
        tree = ast.parse(source, filename=path, type_comments=False)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    binder = _Binder(None, lazy=False)
    binder.visit(tree)
    analyzer = _Analyzer(tree, binder, _Lines(source), path, None)
    analyzer.externals = externals or {}
    out: Dict[str, Dict[str, object]] = {}

    calls: Dict[Span, ast.Call] = {}

    def meta(value: Value, remote: bool = False) -> Optional[Dict[str, object]]:
        if not isinstance(value, Client):
            return None
        made = {"cls": value.cls, "span": list(_astuple(value.span)), "is_async": value.is_async, "azure": value.azure}
        if value.origin == "remote" and remote and value.where:
            built_in, key = str(value.where).rsplit("#", 1)  # (a client another module builds)
            return dict(made, endpoint=value.endpoint, key=key, path=built_in)
        if value.origin in ("constructed", "subclass"):
            if not calls:
                calls.update({analyzer.lines.span(n): n for n in ast.walk(tree) if isinstance(n, ast.Call)})
            call = calls.get(value.span)
            if call is None:
                return None
            return dict(made, endpoint=value.endpoint, key=analyzer.client_key(call))
        return None

    try:
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                scope = binder.scopes.get(id(stmt))
                info = scope.cls if scope is not None else None
                if info is None:
                    continue
                binder.bind_methods(info)
                names = set(info.attrs) | {n for n, bs in info.scope.bindings.items() if any(b.kind == "func" for b in bs)}
                attrs = {n: m for n in sorted(names) for m in [meta(analyzer._self_attribute(info, n))] if m}
                if attrs:
                    out[stmt.name] = {"kind": "class", "attrs": attrs}
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found = meta(analyzer._factory_return(stmt))
                if found:
                    out[stmt.name] = {"kind": "function", "client": found}
            caught = _exception_names(analyzer, stmt) if takes else None
            if caught:
                for name, caught_names in caught.items():
                    out.setdefault(name, {"kind": "exceptions", "names": caught_names})
            if takes and isinstance(stmt, ast.ClassDef):
                # a method taking a client (``def run(self, client: OpenAI)``), called on an instance
                # in another module: exported as ``Class.method``, the class named for its importers
                for name, fnode, positional in _methods(stmt):
                    given = _client_params(analyzer, stmt, (fnode, positional))
                    if given:
                        out[name] = {"kind": "takes", "takes": given}
                        out.setdefault(stmt.name, {"kind": "methods"})
            taken = _client_params(analyzer, stmt) if takes and isinstance(stmt, _DEFS) else None
            if taken and isinstance(stmt, _DEFS):  # (taken is found only in a def or class)
                out.setdefault(stmt.name, {"kind": "takes"})["takes"] = taken
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                found = meta(analyzer.resolve(stmt.value, binder.module), remote=bool(externals))
                for target in targets:
                    if found and isinstance(target, ast.Name):
                        built_in = found.get("path")
                        out[target.id] = {"kind": "var", "client": {k: v for k, v in found.items() if k != "path"}}
                        if built_in is not None:  # (a client another module builds)
                            out[target.id]["path"] = built_in
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)) and externals:
                out.update(_project_aliases(stmt, path))
    except RecursionError:
        return {}
    return out


def _project_aliases(stmt: Union[ast.Import, ast.ImportFrom], path: str) -> Dict[str, Dict[str, object]]:
    """The names an import binds (in a notebook cell, for the cells after it): what a module of
    the project exports (``from app.llm import client``), such a module (``import app.llm as
    llm``), a value (``from app.config import MODEL``): name -> an ``alias`` export.  openai's
    names are left to the cells' own analysis, as without the project."""
    out: Dict[str, Dict[str, object]] = {}
    for alias in stmt.names:
        if alias.name == "*":
            continue
        if isinstance(stmt, ast.ImportFrom):
            module = "." * stmt.level + (stmt.module or "")
            qname = absolute_qname(f"{module}.{alias.name}" if stmt.module else f"{module}{alias.name}", path)
            name = alias.asname or alias.name
        else:
            name = alias.asname or alias.name.split(".")[0]
            qname = alias.name if alias.asname else name
        if qname is not None and not sym.is_openai(qname):
            out[name] = {"kind": "alias", "qname": qname}
    return out


def _exception_names(analyzer: "_Analyzer", stmt: ast.AST) -> Dict[str, List[str]]:
    """Module-level names holding openai exception classes, for the modules that catch them:
    ``RETRYABLE = (openai.RateLimitError, openai.APITimeoutError)``, ``Err = openai.APIError``,
    ``from openai import RateLimitError`` (re-exported).  name -> the classes' qualified names."""
    out: Dict[str, List[str]] = {}
    if isinstance(stmt, ast.ImportFrom) and sym.is_openai(stmt.module or "") and not stmt.level:
        for alias in stmt.names:
            qname = sym.canonical(f"{stmt.module}.{alias.name}")
            if sym.exception_name(qname) is not None:
                out[alias.asname or alias.name] = [qname]
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        elts = stmt.value.elts if isinstance(stmt.value, (ast.Tuple, ast.List)) else [stmt.value]
        values = [analyzer.resolve(e, analyzer.binder.module) for e in elts]
        names = [v.qname for v in values if isinstance(v, Q) and sym.exception_name(v.qname) is not None]
        if names and len(names) == len(elts):
            out[stmt.targets[0].id] = names
    return out


def written_value(tree: ast.Module, source: str, rest: List[str]) -> Optional[Tuple[ast.Constant, List[int], ast.Name, str]]:
    """Where a module writes the string a dotted name ``rest`` of it holds, when it is written once:
    ``NAME = "gpt-4o"``; ``Models.GPT4 = "gpt-4o"`` (an Enum member, ``.value`` too); or a field
    default of a settings instance made at module level with no arguments (``settings =
    Settings()``, ``chat_model: str = "gpt-4o"`` or ``Field("gpt-4o")`` in ``class Settings``).
    Returns (the literal, its span, the node naming it where it is written, the environment
    variable a pydantic ``BaseSettings`` field reads over its default, or "")."""
    found = written_default(tree, source, rest)
    if found is None or not _is_str(found[0]):
        return None
    return found  # type: ignore[return-value]


def written_default(tree: ast.Module, source: str, rest: List[str]) -> Optional[Tuple[ast.AST, List[int], ast.Name, str]]:
    """As ``written_value``, for a value of any kind: the expression a module variable is bound to
    once, or the default of a settings field (``Optional[str] = None``, ``Field(None)``)."""
    if rest and rest[-1] == "value" and len(rest) == 3:
        rest = rest[:2]
    top: Dict[str, List[ast.AST]] = {}
    for stmt in tree.body:
        for name in _stmt_binds(stmt):
            top.setdefault(name, []).append(stmt)
    declared = {n for node in ast.walk(tree) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    called = bool(rest) and rest[0].endswith("()")
    head = rest[0][:-2] if called else rest[0] if rest else ""
    if not rest or len(rest) > 2 or len(top.get(head, ())) != 1 or head in declared or (called and len(rest) != 2):
        return None
    first = top[head][0]
    if called:  # get_settings(): every return makes (or is) the same settings instance
        if not isinstance(first, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        makers = {_made_by(r.value, top) for r in _returns(first)}
        if len(makers) != 1 or None in makers:
            return None
        first = makers.pop()  # type: ignore[assignment]  # not None: checked above
    lines = _Lines(source)
    if len(rest) == 1:
        value = first.value if isinstance(first, (ast.Assign, ast.AnnAssign)) else None
        target = (
            first.targets[0]
            if isinstance(first, ast.Assign) and len(first.targets) == 1
            else first.target
            if isinstance(first, ast.AnnAssign)
            else None
        )
        if value is None or not isinstance(target, ast.Name):
            return None
        return value, list(_astuple(lines.span(value))), target, ""
    cls = first
    if isinstance(first, ast.Assign) and len(first.targets) == 1 and isinstance(first.value, ast.Call):
        made = first.value
        if made.args or made.keywords or not isinstance(made.func, ast.Name) or len(top.get(made.func.id, ())) != 1:
            return None  # an instance given values of its own may not keep the default
        cls = top[made.func.id][0]
    if not isinstance(cls, ast.ClassDef):
        return None
    fields = [s for s in cls.body if rest[1] in _stmt_binds(s)]
    if len(fields) != 1 or not isinstance(fields[0], (ast.Assign, ast.AnnAssign)):
        return None
    stmt = fields[0]
    default = _field_value(stmt.value)
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
    if default is None or not isinstance(target, ast.Name):
        return None
    env = ""
    if (cls is not first or called) and any(
        (b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "") == "BaseSettings" for b in cls.bases
    ):
        env = (_env_prefix(cls) + rest[1]).upper()
    return default, list(_astuple(lines.span(default))), target, env


def _made_by(value: Optional[ast.AST], top: Dict[str, List[ast.AST]]) -> Optional[ast.AST]:
    """The module statement a factory's returned value is made by: ``return Settings()`` (a class
    defined once at module level) or ``return settings`` (a variable bound once there)."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and len(top.get(value.func.id, ())) == 1:
        return top[value.func.id][0] if not value.args and not value.keywords else None
    if isinstance(value, ast.Name) and len(top.get(value.id, ())) == 1:
        return top[value.id][0]
    return None


def _stmt_binds(stmt: ast.AST) -> List[str]:
    """The names a top-level (or class-body) statement binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names]
    targets = (
        stmt.targets
        if isinstance(stmt, ast.Assign)
        else [stmt.target]
        if isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor))
        else [i.optional_vars for i in stmt.items if i.optional_vars is not None]
        if isinstance(stmt, (ast.With, ast.AsyncWith))
        else []
    )
    out = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(stmt, (ast.If, ast.Try, ast.While, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                out += _stmt_binds(child)
        for handler in getattr(stmt, "handlers", ()):
            for child in handler.body:
                out += _stmt_binds(child)
    return out


def _env_prefix(cls: ast.ClassDef) -> str:
    """A pydantic settings class's ``env_prefix`` (``model_config = SettingsConfigDict(env_prefix=...)``
    or ``class Config: env_prefix = ...``), "" when it sets none."""
    for node in ast.walk(cls):
        if isinstance(node, ast.keyword) and node.arg == "env_prefix" and _is_str(node.value):
            return node.value.value  # type: ignore[attr-defined,no-any-return]
        if isinstance(node, ast.Assign) and any(_is_name(t, "env_prefix") for t in node.targets) and _is_str(node.value):
            return node.value.value  # type: ignore[attr-defined,no-any-return]
    return ""


def _masked(source: str, path: str, cell: Optional[int]) -> Optional[FileAnalysis]:
    try:
        return _analyze_masked(source, path, cell)
    except RecursionError:
        return None


def _analyze(
    source: str, path: str, cell: Optional[int], prune: bool, externals: Optional[Dict[str, Dict[str, object]]] = None
) -> FileAnalysis:
    masked = _masked(source, path, cell) if prune and MASK and len(source) >= chunks.MIN_CHARS else None
    if masked is not None:
        return masked
    try:
        tree = ast.parse(source, filename=path, type_comments=False)
    except SyntaxError as exc:
        out = FileAnalysis(path, error=N_("syntax error: {reason}").format(reason=exc.msg), error_line=exc.lineno)
        return out
    except (ValueError, RecursionError, MemoryError) as exc:
        # too deep for the parser as a whole (a chain of 10,000 operators): the regions that can
        # matter, parsed alone, as the masked analysis does (apply's guard then names the line)
        masked = (
            _masked(source, path, cell)
            if isinstance(exc, RecursionError) and prune and not MASK and len(source) >= chunks.MIN_CHARS
            else None
        )
        if masked is not None:
            return masked
        return FileAnalysis(path, error=N_("cannot parse: {reason}").format(reason=f"{type(exc).__name__}: {exc}"))
    try:
        lines = _Lines(source)
        starts = line_index(source, lines.lines)
        constructs = _LineMarks(starts) if prune else None
        for pattern in _CONSTRUCTS if constructs else ():
            constructs.mark(pattern, source)  # type: ignore[union-attr]
        binder = _Binder(constructs, lazy=prune)
        binder.visit(tree)
        reporter = _Reporter(tree, binder, lines, path, cell)
        reporter.externals = externals or {}
        try:
            if prune:
                reporter.relevant = _relevant_lines(reporter, source, starts)
            out = reporter.run()
        finally:
            _release(reporter)
    except RecursionError:
        return FileAnalysis(path, error=N_("cannot analyse: expression nesting too deep"))
    try:  # what check reads of the tree, while it is here
        out.facts = [source_facts(tree, lines.col, out.findings, cell)]
    except RecursionError:
        pass  # (a URL of 1,000 pieces added up): check parses the file itself
    return out


#: skip what cannot hold a finding (False: visit every node; the test suite runs every
#: analysis both ways and requires the same result, see tests/conftest.py)
PRUNE = True


#: parse big files masked (see chunks.py); pruned analyses only.  Off since 2026-12-07 (issue 19):
#: measured in-process on the files of both benchmark corpora that reach the AST analysis, the whole
#: files' pruned analysis took 8.3 s of CPU where the masked one took 11.7 s (dense corpus; pinned:
#: 8.1 against 11.3): most big files needed a region parsed back in and the analysis run two or
#: three times.  The suite still compares a masked analysis with the full walk for every analysis.
MASK = False
