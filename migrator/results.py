"""The commands' result types, in one place: what ``migrate_tree`` computes for ``apply``
(``MigrationResult`` and its parts) and what ``run_check`` decides for ``check`` (``CheckResult``,
``CheckFinding`` and the check rules).  Scan's ``ScanResult`` is in ``migrator.models`` with the
analyzer's values.  Reports import these types, never the modules that compute them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple

from migrator.analyzer.secrets import redact_text

if TYPE_CHECKING:  # annotations only: `migrator check` reads these types without loading the rules
    from migrator.models import ScanResult
    from migrator.ruleset import RuleSet

# ---------------------------------------------------------------- apply

#: the rule id of a diagnostic for a site a suppression comment kept as it is
SUPPRESSED = "migrator/suppressed"

# how the engine's self-check starts the message of a rewrite it refused (engine/selfcheck.py)
SELF_CHECK = "the self-check refused the rewrite, which would disagree with itself:"


@dataclass(frozen=True)
class Diagnostic:
    """Something a person should know about a site: what changed or what was left, and why."""

    rule: str
    path: str
    line: int
    column: int
    message: str
    severity: str = "info"  # info | warning | manual (left for a person)
    cell: Optional[int] = None

    def __post_init__(self) -> None:
        # messages quote source (`openai.api_key = "sk-..."`): they go to every report channel
        object.__setattr__(self, "message", redact_text(self.message))

    def sort_key(self) -> Tuple[Any, ...]:
        return (self.path, self.cell or 0, self.line, self.column, self.rule, self.message)

    def to_json(self) -> Dict[str, Any]:
        data = {
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "severity": self.severity,
        }
        if self.cell is not None:
            data["cell"] = self.cell
        return data


@dataclass(frozen=True)
class UnitChoice:
    """A unit the migration moves, as a person choosing what to apply sees it (apply
    --interactive): ``key`` (units.hold_key) names it across runs and edits, ``hunks`` are the
    diff hunks of its file (or notebook cell) that touch its sites."""

    key: str
    path: str
    line: int
    kind: str  # client | framework | legacy | external | remote | call (units.Unit.key[0]); route: litellm.completion(...)
    sites: int  # every site that moves with it, its anchor included
    name: str = ""  # the class of a framework object; the building module of a remote client
    cell: Optional[int] = None
    hunks: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # a hunk may show a hard-coded key the migration removes
        object.__setattr__(self, "hunks", tuple(redact_text(h) for h in self.hunks))


@dataclass
class FileChange:
    path: str
    original: bytes
    new: bytes
    kind: str  # python | notebook | dependency | env | config
    applied: Counter = field(default_factory=Counter)


@dataclass
class Failure:
    path: str
    message: str
    line: Optional[int] = None

    def __post_init__(self) -> None:
        self.message = redact_text(self.message)  # a parse error may quote the line


@dataclass
class MigrationResult:
    ruleset: RuleSet
    scan: ScanResult
    changes: List[FileChange] = field(default_factory=list)
    diagnostics: List[Diagnostic] = field(default_factory=list)
    failures: List[Failure] = field(default_factory=list)
    notes: List[Tuple[str, str]] = field(default_factory=list)  # (path, note) from non-Python files
    hybrid: List[str] = field(default_factory=list)  # files where a unit went to the fallback plan
    # per Python file: spans of the API calls and wrapper constructions left on OpenAI with their
    # client (what scan's readiness matrix predicts; benchmarks/safety_corpus.py compares the two)
    left: Dict[str, frozenset] = field(default_factory=dict)
    tree_stays: Optional[str] = None  # "path:line" of a client of the project left on OpenAI, if any
    # the units the migration moves, for a person to accept or hold back (listed only when the
    # rule set's ``held`` is set: apply --interactive)
    units: List[UnitChoice] = field(default_factory=list)

    @property
    def check_policy(self) -> str:
        """What apply records for `migrator check`: a hybrid keeps the openai SDK somewhere."""
        return self.ruleset.check_policy(bool(self.hybrid))

    links: Set[str] = field(default_factory=set)  # symbolic links, not rewritten (their target is)

    @property
    def applied(self) -> Counter:
        total: Counter = Counter()
        for change in self.changes:
            total.update(change.applied)
        return total

    def files_per_rule(self) -> Counter:
        out: Counter = Counter()
        for change in self.changes:
            out.update(set(change.applied))
        return out

    @property
    def manual(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "manual"]

    @property
    def code_sites(self) -> int:
        """Sites turned into provider code; file edits (dependency, env, config files) apart."""
        return sum(n for rule, n in self.applied.items() if not rule.startswith("("))

    @property
    def file_edits(self) -> int:
        return sum(n for rule, n in self.applied.items() if rule.startswith("("))

    @property
    def units_left(self) -> List[Diagnostic]:
        """Client units left on OpenAI as a whole (one report each, at the client)."""
        return [d for d in self.diagnostics if d.rule == "migrator/unit" and d.severity == "manual"]

    @property
    def hybrids(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.rule == "migrator/hybrid"]

    @property
    def refused(self) -> List["Failure"]:
        """Files the self-check refused: the rewrite would have disagreed with itself."""
        return [f for f in self.failures if f.message.startswith(SELF_CHECK)]


# ---------------------------------------------------------------- check


R_IMPORT = "check/openai-import"
R_FRAMEWORK = "check/framework-import"
R_URL = "check/openai-url"
R_CASSETTE = "check/openai-cassette"
R_DEPENDENCY = "check/openai-dependency"
R_CLIENT = "check/openai-client-endpoint"
R_UNUSED = "check/unused-suppression"
R_NO_REASON = "check/suppression-without-reason"
R_UNPARSEABLE = "check/unparseable-file"


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    help: str


RULES: Dict[str, RuleInfo] = {
    r.id: r
    for r in (
        RuleInfo(
            R_IMPORT,
            "Import of the openai SDK",
            "The strict policy forbids the openai SDK. Migrate with `migrator apply`, or use the compat policy "
            "with a client that points at an allowed provider endpoint.",
        ),
        RuleInfo(
            R_FRAMEWORK,
            "Import of an OpenAI framework wrapper or forbidden module",
            "Wrappers such as langchain_openai or llama_index's OpenAI classes talk to OpenAI. Use the "
            "provider's own integration instead.",
        ),
        RuleInfo(
            R_URL,
            "OpenAI API URL",
            "A URL of api.openai.com (or Azure OpenAI) sends traffic to OpenAI. Point it at the provider.",
        ),
        RuleInfo(
            R_CASSETTE,
            "Recorded exchange with OpenAI",
            "A recorded HTTP exchange (a VCR.py / pytest-recording / betamax cassette) with api.openai.com: the "
            "tests replay OpenAI's answers. Re-record it against the provider.",
        ),
        RuleInfo(
            R_DEPENDENCY,
            "OpenAI requirement in a dependency file",
            "The project depends on the openai SDK or an OpenAI wrapper package.",
        ),
        RuleInfo(
            R_CLIENT,
            "OpenAI client without an allowed base_url",
            "Under the compat policy every OpenAI client needs an explicit base_url on the allow-list; a "
            "client without one talks to api.openai.com.",
        ),
        RuleInfo(
            R_UNUSED,
            "Suppression that suppresses nothing",
            "A `# migrator: ignore[...]` comment that matches no finding on its line or the next one. Remove it.",
        ),
        RuleInfo(
            R_NO_REASON,
            "Suppression without a reason",
            "Write the reason after ` -- `: `# migrator: ignore[check/openai-import] -- why`.",
        ),
        RuleInfo(
            R_UNPARSEABLE,
            "File that mentions openai but cannot be parsed",
            "The gate cannot tell what a file it cannot parse does (newer syntax, git conflict markers, an "
            "invalid notebook), so such a file fails it whenever it mentions openai, even against a base or "
            "a baseline. Fix the file, or exclude it.",
        ),
    )
}


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Replacement:
    """Replace the text between two 1-based (line, column) positions (end exclusive)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True)
class Fix:
    description: str
    replacements: Tuple[Replacement, ...]


@dataclass(frozen=True)
class CheckFinding:
    rule: str
    path: str
    line: int
    column: int  # 1-based, in characters
    end_line: int
    end_column: int
    message: str
    symbol: str
    cell: Optional[int] = None
    snippet: str = ""  # the stripped source line, used to pair moved occurrences
    fix: Optional[Fix] = None

    @property
    def key(self) -> Tuple[str, str, str]:
        return (self.rule, self.path, self.symbol)

    @property
    def fingerprint(self) -> str:
        return fingerprint(*self.key)

    def sort_key(self) -> Tuple[object, ...]:
        return (self.path, self.cell or 0, self.line, self.column, self.rule, self.symbol)


def fingerprint(rule: str, path: str, symbol: str) -> str:
    import hashlib  # (OpenSSL's loading: only when a finding is fingerprinted)

    return hashlib.sha256(f"{rule}\0{path}\0{symbol}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True)
class CheckResult:
    root: str
    policy: str
    mode: str  # all | base | baseline
    findings: Tuple[CheckFinding, ...]  # every current finding in the checked files
    new: Tuple[CheckFinding, ...]  # the ones that fail the check
    files_checked: int
    suppressed: int = 0
    base: Optional[str] = None  # the ref given
    base_commit: Optional[str] = None  # the merge-base
    baseline: Optional[str] = None
    baseline_written: bool = False
    errors: Tuple[Tuple[str, str], ...] = ()  # (path, why) for files that could not be analysed

    @property
    def failed(self) -> bool:
        return bool(self.new)
