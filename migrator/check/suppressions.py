"""Inline suppressions (``# migrator: ignore[rule] -- reason``) applied to a file's findings; a
suppression without a reason, or that suppresses nothing, is a finding.  The comments are found by
``migrator.analyzer.suppressions`` (apply reads them too), re-exported here."""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from migrator.analyzer.suppressions import Suppression, python_suppressions, text_suppressions
from migrator.i18n import N_
from migrator.results import R_NO_REASON, R_UNUSED, RULES, CheckFinding

__all__ = ["Suppression", "apply_suppressions", "python_suppressions", "text_suppressions"]


def apply_suppressions(
    findings: Sequence[CheckFinding],
    suppressions: Sequence[Suppression],
    path: str,
    source_line: Callable[[Optional[int], int], str],
) -> Tuple[List[CheckFinding], int]:
    """Drop suppressed findings; add a finding for each reasonless or unused suppression."""
    kept: List[CheckFinding] = []
    used: Counter[int] = Counter()
    suppressed = 0
    for finding in findings:
        hits = [i for i, s in enumerate(suppressions) if s.covers(finding)]
        if hits:
            suppressed += 1
            used.update(hits)
        else:
            kept.append(finding)
    for index, s in enumerate(suppressions):
        symbol = ",".join(s.rules) or "*"
        snippet = source_line(s.cell, s.line).strip()
        where: Dict[str, Any] = dict(
            path=path, line=s.line, column=s.column, end_line=s.line, end_column=s.column, cell=s.cell, snippet=snippet
        )
        if not s.reason:
            kept.append(
                CheckFinding(
                    R_NO_REASON,
                    message=N_("suppression of {symbol} gives no reason; add ' -- <reason>'").format(symbol=symbol),
                    symbol=symbol,
                    **where,
                )
            )
        if not used[index]:
            unknown = [r for r in s.rules if r not in RULES]
            message = (
                N_("suppression of {symbol} matches no finding (unknown rule {rules}); remove it").format(
                    symbol=symbol, rules=", ".join(unknown)
                )
                if unknown
                else N_("suppression of {symbol} matches no finding; remove it").format(symbol=symbol)
            )
            kept.append(CheckFinding(R_UNUSED, message=message, symbol=symbol, **where))
    return kept, suppressed
