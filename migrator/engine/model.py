"""Value types of the rewrite engine."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from migrator.analyzer.secrets import redact_text
from migrator.models import Span

SEVERITY_ORDER = {"info": 0, "warning": 1, "manual": 2}


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


@dataclass(frozen=True)
class Site:
    """A place the analyzer found, in the shape rules match against."""

    kind: str  # client | call | framework | symbol | config | env | result | import
    span: Span
    node: Tuple[str, ...]  # the LibCST node types that can stand at this span
    attrs: Dict[str, Any] = field(hash=False, compare=False, default_factory=dict)
    data: Any = field(hash=False, compare=False, default=None)


@dataclass
class FileResult:
    """What migrating one file produced.  ``error`` set means the file was left unchanged."""

    path: str
    original: str
    output: str
    diagnostics: List[Diagnostic] = field(default_factory=list)
    applied: Counter[str] = field(default_factory=Counter)  # rule id -> sites changed
    error: Optional[str] = None
    units: Any = None  # the engine's UnitPlan for the file (what moved, what was left whole and why)
    hybrid: bool = False  # some client unit went to the plan's fallback (compat) instead
    left: Any = frozenset()  # spans of API calls and wrapper constructions left on OpenAI with their unit
    staying: Tuple[Tuple[int, str], ...] = ()  # (line, what) of each client unit left talking to OpenAI
    loose_keys: bool = False  # an OPENAI_* read outside every client was renamed
    imported_keys: bool = False  # a client that moves takes its key from another module's value
    # (building module, construction key) -> how each client unit ends (units.client_status):
    # what apply's whole-project pass compares between the modules that share a client
    clients: Dict[Tuple[str, str], str] = field(default_factory=dict)
    offered: Tuple[UnitChoice, ...] = ()  # the units this rewrite moves (units.choices)

    def check_policy(self, ruleset: Any) -> str:
        """The policy ``migrator check`` must hold this file to: a hybrid keeps the openai SDK."""
        return ruleset.check_policy(self.hybrid)  # type: ignore[no-any-return]

    @property
    def changed(self) -> bool:
        return self.error is None and self.output != self.original
