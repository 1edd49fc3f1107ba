"""Fixes (``--fix`` data in SARIF and JSON): the compat rewrite of a client, as text replacements."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Dict, List, Optional, Sequence, Tuple

from migrator.check.files import Fixer
from migrator.config import Config
from migrator.errors import MigratorError
from migrator.results import CheckFinding, Fix, Replacement


def make_fixer(cfg: Config) -> Optional[Fixer]:
    """A fixer that rewrites clients as ``migrator apply`` would with the configured provider's plan,
    when that plan keeps the openai SDK (compat; deepseek's native plan, whose SDK is the openai SDK):
    the client rule's edit where that is all apply changes in the file, else apply's whole rewrite
    of the file for its one client finding (none for several).

    None when no provider is configured, its plan replaces the openai SDK, or the rule packs cannot be loaded.
    """
    if not cfg.provider:
        return None
    try:
        from migrator.ruleset import load_all, select

        packs = load_all()
        pack = next((p for p in packs if p.name == cfg.provider), None)
        name = cfg.plan or "compat"
        plan = pack.plans.get(name) if pack is not None else None
        if plan is None or plan.refuse or not plan.keeps_openai:
            return None
        ids = [r.id for r in pack.rules if r.match.get("kind") == "client" and name in r.plans]  # type: ignore[union-attr]
        if not ids:
            return None
        ruleset = select(
            packs, cfg.provider, name, models=cfg.models, env=cfg.env, region=cfg.region, only=ids, todo_comments=False
        )
        whole = select(packs, cfg.provider, name, models=cfg.models, env=cfg.env, region=cfg.region, todo_comments=False)
    except MigratorError:
        return None
    description = f"Point the client at {ruleset.provider.title} (migrator apply --provider {cfg.provider} --plan {name})"

    def fixer(relpath: str, text: str, clients: Sequence[CheckFinding]) -> Dict[Tuple[int, int], Fix]:
        from migrator.engine import migrate_source
        from migrator.limits import rewrite_problem

        if rewrite_problem(text):
            return {}  # no fix offered for a file LibCST cannot be given
        result = migrate_source(text, relpath, ruleset)
        if result.error or result.output == text:
            return {}
        # the client's endpoint alone is no migration where apply also changes what its calls send
        # (models, keywords) or leaves the client whole: the fix is then apply's rewrite of the
        # file, offered for a lone client only (review 8 F4: a fixed `OpenAI()` sent gpt-4o to
        # the provider)
        full = migrate_source(text, relpath, whole)
        if full.error:
            return {}
        if full.output != result.output:
            return fixes_from_rewrite(text, full.output, clients, description) if len(clients) == 1 else {}
        return fixes_from_rewrite(text, result.output, clients, description)

    return fixer


def fixes_from_rewrite(old: str, new: str, clients: Sequence[CheckFinding], description: str) -> Dict[Tuple[int, int], Fix]:
    """Split a whole-file rewrite into one Fix per client finding.

    Each fix holds the changed hunks that overlap its finding's lines, plus the
    hunks that overlap no finding (added imports), so applying it alone gives
    working code.  Replacements are trimmed to the characters that change.
    """
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    hunks: List[Tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            hunks += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]  # one per line
        else:
            hunks.append((i1, i2, j1, j2))

    def overlaps(h: Tuple[int, int, int, int], f: CheckFinding) -> bool:
        lo, hi = h[0] + 1, max(h[1], h[0] + 1)
        return lo <= f.end_line and f.line <= hi

    shared = [h for h in hunks if not any(overlaps(h, f) for f in clients)]
    out: Dict[Tuple[int, int], Fix] = {}
    for f in clients:
        own = [h for h in hunks if overlaps(h, f)]
        if not own:
            continue
        chosen = sorted(own + shared)
        out[(f.line, f.column)] = Fix(description, tuple(_replacement(a, b, h) for h in chosen))
    return out


def _replacement(a: List[str], b: List[str], hunk: Tuple[int, int, int, int]) -> Replacement:
    i1, i2, j1, j2 = hunk
    old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = _position(a, i1, old[:prefix])
    end = _position(a, i1, old[: len(old) - suffix])
    return Replacement(start[0], start[1], end[0], end[1], new[prefix : len(new) - suffix])


def _position(lines: List[str], first: int, consumed: str) -> Tuple[int, int]:
    """1-based (line, column) reached after ``consumed`` text starting at line index ``first``."""
    parts = consumed.splitlines(keepends=True)
    if not parts:
        if first < len(lines):
            return first + 1, 1
        last = lines[-1] if lines else ""
        return max(1, len(lines)), len(last.rstrip("\r\n")) + 1
    full = [p for p in parts if p.endswith(("\n", "\r"))]
    rest = parts[-1] if not parts[-1].endswith(("\n", "\r")) else ""
    line = first + len(full)
    if line >= len(lines) and not rest:
        last = lines[-1] if lines else ""
        return max(1, len(lines)), len(last.rstrip("\r\n")) + 1
    return line + 1, len(rest) + 1


def apply_fix(text: str, fix: Fix) -> str:
    """Apply a fix's replacements to ``text`` (used by tests to prove fixes are real)."""
    lines = text.splitlines(keepends=True)

    def offset(line: int, col: int) -> int:
        return sum(len(l) for l in lines[: line - 1]) + col - 1

    out = text
    for r in sorted(fix.replacements, key=lambda r: (r.start_line, r.start_column), reverse=True):
        start, end = offset(r.start_line, r.start_column), offset(r.end_line, r.end_column)
        out = out[:start] + r.text + out[end:]
    return out
