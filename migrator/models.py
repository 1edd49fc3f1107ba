"""Value types shared by the analyzer, the engine, the reports and the CLI.

Positions: ``line`` is 1-based; ``col`` is a 0-based character offset within
the line (the convention of LibCST's PositionProvider).  Reports show
``column`` = ``col + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

#: Finding kinds that appear in scan output (stable; only ever added to).
FINDING_KINDS = (
    "import",
    "client",
    "call",
    "config",
    "exception",
    "framework",
    "dependency",
    "env",
    "url",
    "secret",
    "js",
    "double",  # a test double standing in for the OpenAI SDK (mock.patch("openai..."), respx routes)
)

#: Canonical operations (and prefixes) that only OpenAI offers.
BLOCKER_PREFIXES = (
    "responses.",
    "beta.assistants.",
    "beta.threads.",
    "beta.realtime.",
    "realtime.",
    "files.",
    "fine_tuning.",
    "fine_tunes.",
    "batches.",
    "vector_stores.",
    "beta.vector_stores.",
    "uploads.",
    "containers.",
    "evals.",
    "conversations.",
    "edits.",
)


@dataclass(frozen=True, order=True)
class Span:
    line: int
    col: int
    end_line: int
    end_col: int


@dataclass
class Finding:
    """One OpenAI touchpoint at a place in a file."""

    kind: str
    path: str
    span: Span
    message: str
    api: Optional[str] = None
    legacy: bool = False
    model: Optional[str] = None
    confidence: str = "high"  # high | medium | low
    cell: Optional[int] = None
    symbol: Optional[str] = None
    detail: Dict[str, Any] = field(default_factory=dict)

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.col + 1

    @property
    def is_blocker(self) -> bool:
        return self.kind == "call" and is_blocker_api(self.api)

    def sort_key(self) -> Tuple[Any, ...]:
        return (self.path, self.cell or 0, self.span, self.kind, self.api or "", self.symbol or "")

    def to_json(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.col + 1,
            "end_line": self.span.end_line,
            "end_column": self.span.end_col + 1,
            "kind": self.kind,
            "message": self.message,
            "confidence": self.confidence,
        }
        if self.kind == "call":
            data["api"] = self.api
            data["legacy"] = self.legacy
            data["blocker"] = self.is_blocker
        elif self.api:
            data["api"] = self.api
        if self.model is not None:
            data["model"] = self.model
        if self.symbol is not None:
            data["symbol"] = self.symbol
        if self.cell is not None:
            data["cell"] = self.cell
        for key, value in sorted(self.detail.items()):
            if key.startswith("_"):
                continue
            data.setdefault(key, value)
        return data


def is_blocker_api(api: Optional[str]) -> bool:
    if not api:
        return False
    return any(api.startswith(p) or api + "." == p for p in BLOCKER_PREFIXES)


@dataclass(frozen=True)
class SymbolRef:
    """A Name/Attribute expression that resolves to an OpenAI-side symbol."""

    qname: str
    span: Span
    node: str  # "Name" | "Attribute"
    context: str = "load"  # load | except | raise | call
    # context "except": the span of the ``try`` body whose errors the handler catches
    guard: Optional[Span] = None


@dataclass(frozen=True)
class ResultAccess:
    """A read of a field of an API call's result (``resp.usage.prompt_tokens``)."""

    call: Span  # span of the API call whose result is read
    path: Tuple[Any, ...]  # ("usage", "prompt_tokens") or ("choices", 0, "message"), from the result
    styles: Tuple[str, ...]  # "attr" | "key" | "index" | "get" for the elements read in THIS expression
    # (the last len(styles) elements of path; earlier ones were read where a variable was bound)
    span: Span  # span of the whole access expression
    chunk: bool = False  # read on a streamed chunk rather than the result
    # other calls whose result the same expression may read (``resp`` bound in both branches of an if)
    others: Tuple[Span, ...] = ()


@dataclass(frozen=True)
class EnvRead:
    """``os.environ["X"]`` / ``os.getenv("X")`` / ``os.environ.get("X")``: span is the string literal."""

    var: str
    span: Span
    # ``os.environ["X"] = value``: a write of a value (not a literal), which keeps its name: the
    # value is whatever key the code holds there (an OpenAI client's), not the provider's
    written: bool = False
    # ``if os.getenv("X") is None: os.environ["X"] = value``: the read guarding such a write keeps
    # its name with it (renamed, the write and its check would disagree)
    guard: bool = False
    # the line where the module hands the openai module itself out as a value (doctran's
    # ``DoctranConfig(openai=openai)``, then ``self.config.openai.api_key = os.environ[...]``): calls
    # made through it elsewhere are out of sight and may use the key this read sets; 0: none
    handed: int = 0


@dataclass(frozen=True)
class Endpoint:
    """A construction's endpoint as written, for ``migrator check``'s allow-list (check/files.py): its
    keywords that name a URL (``URL_KEYWORDS``, in call order) and its ``**params`` dict's entries
    of those names (the dict the finding's ``_params_def`` spans; none when it is not there), each
    with the URL it is known to default to (``analyzer/facts.py::literal_url``; None: not known)."""

    keywords: Tuple[Tuple[str, Optional[str]], ...] = ()
    spread: bool = False  # a ``**mapping`` among its keywords
    params: Tuple[Tuple[str, Optional[str]], ...] = ()
    made: Optional[Tuple[int, int, int, int]] = None  # the span of that dict (the finding's ``_params_def``)


#: the keywords that name a client's or an OpenAI wrapper's endpoint (api_base_url: Haystack)
URL_KEYWORDS = ("base_url", "openai_api_base", "api_base", "api_base_url")


@dataclass(frozen=True)
class ImportFact:
    """An absolute import statement: ``import a.b, c`` holds (a.b, c); ``from m import x, y`` holds
    (m, m.x, m.y)."""

    span: Span
    modules: Tuple[str, ...]
    from_: bool


@dataclass
class SourceFacts:
    """What ``migrator check`` reads of one parsed module or notebook cell besides its findings
    (check/files.py), recorded by the analyzer while it holds the tree, so check need not parse
    the file again (issue 18): the endpoint of each construction a finding spans (None: no call
    starts and ends there), the literal URLs the assignments on each line of an ``openai.base_url``
    / ``openai.api_base`` setting assign, and every absolute import (a policy may forbid any module)."""

    cell: Optional[int] = None
    calls: Dict[Tuple[int, int, int, int], Optional[Endpoint]] = field(default_factory=dict)
    configs: Dict[int, Tuple[str, ...]] = field(default_factory=dict)
    imports: Tuple[ImportFact, ...] = ()


@dataclass
class FileAnalysis:
    """Everything the analyzer learned about one file."""

    path: str
    findings: List[Finding] = field(default_factory=list)
    symbols: List[SymbolRef] = field(default_factory=list)
    results: List[ResultAccess] = field(default_factory=list)
    env_reads: List[EnvRead] = field(default_factory=list)
    error: Optional[str] = None  # why the file could not be analysed
    error_line: Optional[int] = None
    # clients another module builds that this one hands to a project function's client parameter:
    # [building module, construction key, its endpoint, callee module, parameter key] (not cached:
    # made only when the project's other modules are known, analyzer/project.py)
    handoffs: List[List[str]] = field(default_factory=list)
    # one per module or notebook cell the analyzer parsed whole (none for a masked parse, a file
    # only its bytes were read for, a cell it skipped: check parses those itself).  Not compared: a
    # fact of the parse, not of the analysis (a masked analysis equals the full walk without them)
    facts: List[SourceFacts] = field(default_factory=list, compare=False)

    @property
    def touches_openai(self) -> bool:
        return bool(self.findings)


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass
class ScanResult:
    root: str
    files_scanned: int = 0
    files_parsed: int = 0
    analyses: List[FileAnalysis] = field(default_factory=list)
    skipped: List[SkippedFile] = field(default_factory=list)
    plain: List[str] = field(default_factory=list)  # files read and found free of OpenAI usage
    # path -> what identifies its content for a result computed from the scan (the readiness
    # matrix's cache key): an analysed file's cache key, a plain file's size and mtime; "" when
    # it cannot be told (no cache, or changed too recently for its stat to tell it)
    identities: Dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def findings(self) -> List[Finding]:
        out = [f for a in self.analyses for f in a.findings]
        out.sort(key=Finding.sort_key)
        return out

    @property
    def failed(self) -> List[FileAnalysis]:
        return [a for a in self.analyses if a.error]
