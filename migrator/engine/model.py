"""Value types of the rewrite engine (``Diagnostic`` and ``UnitChoice``, which results carry to the
reports, are in ``migrator.results``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from migrator.models import Span
from migrator.results import Diagnostic, UnitChoice

__all__ = ["SEVERITY_ORDER", "Diagnostic", "FileResult", "Site", "UnitChoice"]

SEVERITY_ORDER = {"info": 0, "warning": 1, "manual": 2}


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
    models: Dict[str, str] = field(default_factory=dict)  # model literals mapped (old -> new)
    unmapped: FrozenSet[str] = frozenset()  # model literals reaching a rewritten site, left as they are

    def check_policy(self, ruleset: Any) -> str:
        """The policy ``migrator check`` must hold this file to: a hybrid keeps the openai SDK."""
        return ruleset.check_policy(self.hybrid)  # type: ignore[no-any-return]

    @property
    def changed(self) -> bool:
        return self.error is None and self.output != self.original
