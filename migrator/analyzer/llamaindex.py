"""LlamaIndex's implicit OpenAI: the defaults an app reaches when it configures no model.

llama-index-core 0.14.25 (read: ``llama_index/core/settings.py``, ``llms/utils.py``,
``embeddings/utils.py``) resolves ``Settings.llm`` and ``Settings.embed_model`` lazily: read while
unset, they become ``resolve_llm("default")`` / ``resolve_embed_model("default")``, which build
``llama_index.llms.openai.OpenAI()`` / ``llama_index.embeddings.openai.OpenAIEmbedding()`` (an
ImportError naming llama-index-llms-openai when that package is absent).  An index, engine or
agent given no ``llm=`` / ``embed_model=`` reads them: ``VectorStoreIndex.from_documents(docs)``
embeds with OpenAI, ``index.as_query_engine()`` answers with it.  ``Settings.llm = None`` (a
MockLLM) and any other value set are the app's choice: not a default.

The question is the project's, not a file's: an app sets ``Settings`` in one module (main.py, a
config module) and builds indexes in others.  ``project_findings`` reads the Python files that
mention ``llama_index`` and reports each site that reaches a default no module of the project
sets (a test module's settings count only for test modules: a conftest's MockLLM is not the
app's model).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from migrator.i18n import N_
from migrator.models import Finding

LLM, EMBED = "llm", "embed_model"
BOTH: FrozenSet[str] = frozenset((LLM, EMBED))

#: classes whose construction (or ``from_documents`` / ``from_vector_store`` / ``from_defaults``)
#: reads ``Settings.<part>`` unless the keyword of that name is passed
_CLASSES: Dict[str, FrozenSet[str]] = {
    **{name: frozenset((EMBED,)) for name in ("VectorStoreIndex", "GPTVectorStoreIndex")},
    **{
        name: frozenset((LLM,))
        for name in (
            "KnowledgeGraphIndex",
            "GPTKnowledgeGraphIndex",
            "DocumentSummaryIndex",
            "GPTDocumentSummaryIndex",
            "TreeIndex",
            "GPTTreeIndex",
            "KeywordTableIndex",
            "GPTKeywordTableIndex",
            "RetrieverQueryEngine",
            "SimpleChatEngine",
            "ContextChatEngine",
            "CondenseQuestionChatEngine",
            "CondensePlusContextChatEngine",
            "SubQuestionQueryEngine",
            "ReActAgent",
            "FunctionAgent",
        )
    },
    "PropertyGraphIndex": BOTH,
    "ServiceContext": BOTH,  # 0.9: ServiceContext.from_defaults() resolves both defaults
}
#: a keyword that spares a construction a default (read in llama-index-core 0.14.25:
#: ``RetrieverQueryEngine.__init__`` takes no llm=, and reads Settings.llm only to build a missing
#: response_synthesizer; its from_args reads it whatever it is given, but llm=)
_INSTEAD: Dict[str, Dict[str, str]] = {"RetrieverQueryEngine": {LLM: "response_synthesizer"}}
#: the methods of those classes that build one (the class itself called builds one too)
_BUILDERS = ("from_documents", "from_vector_store", "from_defaults", "from_args", "from_tools", "from_existing")
#: functions that read ``Settings.<part>`` unless given the keyword
_FUNCTIONS: Dict[str, FrozenSet[str]] = {
    "get_response_synthesizer": frozenset((LLM,)),
    "load_index_from_storage": frozenset((EMBED,)),
    "load_indices_from_storage": frozenset((EMBED,)),
}
#: methods of an index, on whatever receiver, in a module importing llama_index
_METHODS: Dict[str, FrozenSet[str]] = {"as_query_engine": frozenset((LLM,)), "as_chat_engine": frozenset((LLM,))}

MESSAGE = N_("LlamaIndex uses OpenAI here by default: no Settings.{parts} is set in the project")
SYMBOL = "llama_index.core.Settings"


@dataclass
class Site:
    line: int
    col: int
    end_line: int
    end_col: int
    parts: FrozenSet[str]
    name: str
    own: bool = False  # builds its own default whatever Settings hold (0.9's ServiceContext.from_defaults)
    cell: Optional[int] = None  # a notebook's code cell


@dataclass
class Facts:
    """What one module sets and where it reaches a default."""

    sets: Set[str] = field(default_factory=set)
    sites: List[Site] = field(default_factory=list)


def import_aliases(tree: ast.AST, roots: Iterable[str] = ("llama_index",)) -> Dict[str, str]:
    """local name -> dotted name, for what the module imports from the packages ``roots``."""
    roots = tuple(roots)
    out: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] in roots:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in roots:
                    out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
    return out


def dotted(node: ast.AST, aliases: Dict[str, str]) -> Optional[str]:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(parts)])


def _setting(node: ast.AST, aliases: Dict[str, str]) -> Optional[str]:
    """``llm`` / ``embed_model`` for ``Settings.llm`` / ``Settings.embed_model``."""
    if isinstance(node, ast.Attribute) and node.attr in BOTH:
        owner = dotted(node.value, aliases)
        if owner is not None and owner.rsplit(".", 1)[-1] == "Settings":
            return node.attr
    return None


def _call_parts(call: ast.Call, aliases: Dict[str, str]) -> Tuple[FrozenSet[str], str]:
    """The defaults a call reads (none: not a call that builds anything with one), and its name."""
    func = call.func
    name = dotted(func, aliases)
    parts: FrozenSet[str] = frozenset()
    label = ""
    if name is not None:
        pieces = name.split(".")
        if pieces[-1] in _CLASSES:
            parts, label = _CLASSES[pieces[-1]], pieces[-1]
        elif len(pieces) > 1 and pieces[-1] in _BUILDERS and pieces[-2] in _CLASSES:
            parts, label = _CLASSES[pieces[-2]], ".".join(pieces[-2:])
        elif pieces[-1] in _FUNCTIONS:
            parts, label = _FUNCTIONS[pieces[-1]], pieces[-1]
    elif isinstance(func, ast.Attribute) and func.attr in _METHODS:
        parts, label = _METHODS[func.attr], func.attr
    if not parts:
        return parts, label
    given = {kw.arg for kw in call.keywords}
    if None in given or "service_context" in given:  # **kwargs, or a context that decides: not ours to say
        return frozenset(), label
    instead = _INSTEAD.get(label, {})
    return frozenset(p for p in parts if p not in given and instead.get(p) not in given), label


def file_facts(source: str) -> Optional[Facts]:
    """What the module sets and where it reaches a default; None if it cannot be read or does not
    import llama_index."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    aliases = import_aliases(tree)
    if not aliases:
        return None
    facts = Facts()
    _read_facts(tree, source, aliases, facts, None)
    return facts


def notebook_facts(text: str) -> Optional[Facts]:
    """A notebook's facts, its code cells read as one program in order (a cell imports what later
    cells use); None if it cannot be read or imports no llama_index."""
    from migrator.analyzer.notebooks import NotebookError, code_cells

    try:
        cells = code_cells(text)
    except NotebookError:
        return None
    facts, aliases = Facts(), {}  # type: Tuple[Facts, Dict[str, str]]
    for number, source in cells:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # (a cell that does not parse is reported by the notebook's analysis)
        aliases = {**aliases, **import_aliases(tree)}
        if aliases:
            _read_facts(tree, source, aliases, facts, number)
    return facts if aliases else None


def _read_facts(tree: ast.AST, source: str, aliases: Dict[str, str], facts: Facts, cell: Optional[int]) -> None:
    from migrator.analyzer.python import _Lines

    lines = _Lines(source)
    targets: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                part = _setting(target, aliases)
                if part:
                    facts.sets.add(part)
                    targets.add(id(target))
        elif isinstance(node, ast.Call):
            name = dotted(node.func, aliases) or ""
            if name.rsplit(".", 1)[-1] == "set_global_service_context":
                facts.sets.update(BOTH)  # its ServiceContext.from_defaults(...) is a site of its own
            elif name.endswith("ServiceContext.from_defaults"):
                facts.sets.update(kw.arg for kw in node.keywords if kw.arg in BOTH)
    for node in ast.walk(tree):
        parts: FrozenSet[str] = frozenset()
        if isinstance(node, ast.Call):
            parts, label = _call_parts(node, aliases)
        elif isinstance(node, ast.Attribute) and id(node) not in targets and isinstance(node.ctx, ast.Load):
            part = _setting(node, aliases)
            parts, label = (frozenset((part,)), f"Settings.{part}") if part else (frozenset(), "")
        if parts:
            span = lines.span(node)
            facts.sites.append(
                Site(
                    span.line,
                    span.col,
                    span.end_line,
                    span.end_col,
                    parts,
                    label,
                    own=label == "ServiceContext.from_defaults",
                    cell=cell,
                )
            )


def is_notebook(path: str) -> bool:
    return path.endswith(".ipynb")


def is_test_path(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


class Project:
    """What the project's modules set: a module's sites are weighed against it."""

    def __init__(self, facts: Dict[str, Facts]):
        self.facts = facts
        # a notebook's settings are its own: it is a program of its own, not the app's start-up
        modules = {p: f for p, f in facts.items() if not is_notebook(p)}
        self.app: Set[str] = set().union(*(f.sets for p, f in modules.items() if not is_test_path(p)))
        self.tests: Set[str] = self.app | set().union(*(f.sets for p, f in modules.items() if is_test_path(p)))

    def configured(self, path: str, fact: Optional[Facts]) -> Set[str]:
        """The defaults set for ``path``: by the app, by tests for a test, and by a notebook itself."""
        return (self.tests if is_test_path(path) else self.app) | (fact.sets if fact is not None and is_notebook(path) else set())

    def findings(self, path: str, fact: Optional[Facts] = None) -> List[Finding]:
        """The findings of the sites of ``path`` (``fact``: its facts, if not the ones read) that
        reach a default the project does not set."""
        from migrator.models import Span

        fact = self.facts.get(path) if fact is None else fact
        configured = self.configured(path, fact)
        out = []
        for site in fact.sites if fact is not None else ():
            missing = sorted(site.parts if site.own else site.parts - configured)
            if missing:
                parts = "/".join(missing)
                out.append(
                    Finding(
                        kind="framework",
                        path=path,
                        span=Span(site.line, site.col, site.end_line, site.end_col),
                        message=MESSAGE.format(parts=parts),
                        symbol=f"{SYMBOL}.{parts}",
                        cell=site.cell,
                        detail={"form": "llamaindex_default", "parts": missing, "call": site.name},
                    )
                )
        return out

    def findings_in(self, path: str, data: bytes) -> List[Finding]:
        """``findings`` for other bytes of ``path`` (the file at a base commit)."""
        fact = read_facts(data, path)
        return self.findings(path, fact) if fact is not None else []

    def at(self, changed: Dict[str, Optional[bytes]]) -> "Project":
        """The project as it was where only the files ``changed`` differ: path -> its bytes then
        (None: it did not exist).  A base commit's project, read from the tree as it is now."""
        facts = {p: f for p, f in self.facts.items() if p not in changed}
        for path, data in changed.items():
            fact = read_facts(data, path)
            if fact is not None:
                facts[path] = fact
        return Project(facts)

    def differs(self, other: "Project") -> bool:
        """Another project sets other defaults for its modules, tests or notebooks."""
        return (self.app, self.tests) != (other.app, other.tests) or any(
            self.facts[p].sets != other.facts[p].sets for p in set(self.facts) & set(other.facts) if is_notebook(p)
        )


#: the bytes a module must hold to be read here
MARK = b"llama_index"


def read_facts(data: Optional[bytes], path: str = "") -> Optional[Facts]:
    """The facts of a module's (or, by ``path``, a notebook's) bytes."""
    from migrator.analyzer import decode_python

    if data is None or MARK not in data:
        return None
    if is_notebook(path):
        return notebook_facts(data.decode("utf-8", errors="replace"))
    text = decode_python(data)[0]
    return file_facts(text) if text is not None else None


FACT = "fact"  # analyzer/autogen.py's: a finding scan's project pass reads and drops


def fact_findings(path: str, source: str) -> List[Finding]:
    """The module's facts as ``fact`` findings (cached with its analysis: scan reads no file again
    to weigh them with the project's, ``from_facts``)."""
    from migrator.models import Span

    fact = notebook_facts(source) if is_notebook(path) else file_facts(source)
    if fact is None:
        return []
    out = [
        Finding(
            kind=FACT,
            path=path,
            span=Span(site.line, site.col, site.end_line, site.end_col),
            message="",
            cell=site.cell,
            detail={"fact": "llamaindex_site", "parts": sorted(site.parts), "call": site.name, "own": site.own},
        )
        for site in fact.sites
    ]
    if fact.sets:
        out.append(
            Finding(
                kind=FACT,
                path=path,
                span=Span(1, 0, 1, 0),
                message="",
                detail={"fact": "llamaindex_sets", "parts": sorted(fact.sets)},
            )
        )
    return out


def from_facts(findings: Iterable[Finding]) -> Project:
    """The project of the ``fact`` findings of its modules."""
    facts: Dict[str, Facts] = {}
    for f in findings:
        kind = f.detail.get("fact")
        if kind not in ("llamaindex_site", "llamaindex_sets"):
            continue
        fact = facts.setdefault(f.path, Facts())
        if kind == "llamaindex_sets":
            fact.sets.update(f.detail["parts"])
        else:
            fact.sites.append(
                Site(
                    f.span.line,
                    f.span.col,
                    f.span.end_line,
                    f.span.end_col,
                    frozenset(f.detail["parts"]),
                    f.detail["call"],
                    bool(f.detail.get("own")),
                    f.cell,
                )
            )
    return Project(facts)


def project(paths: Iterable[str], read: Callable[[str], Optional[bytes]]) -> Project:
    """The project of the Python files ``paths`` (``read(path)``: their bytes, None if unreadable)."""
    facts = {}
    for path in paths:
        fact = read_facts(read(path), path)
        if fact is not None:
            facts[path] = fact
    return Project(facts)


def project_findings(paths: Iterable[str], read: Callable[[str], Optional[bytes]]) -> Dict[str, List[Finding]]:
    """path -> the LlamaIndex defaults its sites reach that no module of the project sets."""
    whole = project(paths, read)
    out = {path: whole.findings(path) for path, fact in whole.facts.items() if fact.sites}
    return {path: found for path, found in out.items() if found}


POINTERS = {
    LLM: N_(
        "set Settings.llm = OpenAILike(model=\"<the {title} model>\", api_base=\"{url}\", api_key=os.environ[\"{key_env}\"], "
        "is_chat_model=True) once at start-up (llama-index-llms-openai-like), where every entry point runs it"
    ),
    EMBED: N_(
        "set Settings.embed_model = OpenAIEmbedding(model_name=\"<the {title} embedding model>\", api_base=\"{url}\", "
        "api_key=os.environ[\"{key_env}\"]) once at start-up, where every entry point runs it"
    ),
}


def pointers(parts: Iterable[str], title: str, url: str, key_env: str) -> List[str]:
    """What a person sets for each default ``parts`` names, on the provider ``title``."""
    return [POINTERS[p].format(title=title, url=url, key_env=key_env) for p in sorted(parts) if p in POINTERS]
