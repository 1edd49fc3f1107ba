"""Units a person holds back (``apply --interactive``): their keys across runs, and the choices offered."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

from migrator.engine.model import Site, UnitChoice
from migrator.engine.unit import Unit, UnitPlan, build_units
from migrator.i18n import N_
from migrator.ruleset import RuleSet

HELD = N_("skipped by you (--interactive)")


def _source_lines(source: str) -> List[str]:
    import re

    return re.split(r"(?<=\n)|(?<=\r)(?!\n)", source)


def hold_key(unit: Unit, path: str, cell: Optional[int], lines: Sequence[str]) -> str:
    """A name for ``unit`` that survives the lines an edit elsewhere adds or removes (the check
    that a second pass changes nothing plans the rewritten text again): a hash of what it
    builds and calls (a client's project key, the whitespace-free lines of a call), never the
    text itself, which may hold a key.  Identical units of one file share it."""
    import hashlib
    import re

    parts = []
    for site in unit.sites:
        if site.kind == "client" and site.attrs.get("_project_key"):
            parts.append(f"client:{site.attrs['_project_key']}")
        elif site.kind in ("client", "framework", "call"):
            # its own text (columns included): another unit's rewrite of the same line leaves it as it is
            span = site.span
            if span.line == span.end_line:
                own = lines[span.line - 1][span.col : span.end_col] if span.line <= len(lines) else ""
            else:
                own = (
                    "".join(
                        [lines[span.line - 1][span.col :]]
                        + list(lines[span.line : span.end_line - 1])
                        + [lines[span.end_line - 1][: span.end_col]]
                    )
                    if span.end_line <= len(lines)
                    else ""
                )
            compact = re.sub(r"\s+", "", own)
            parts.append(f"{site.kind}:{compact}")
    digest = hashlib.sha256("\0".join(sorted(parts)).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{path}{'' if cell is None else f'#{cell}'}:{unit.key[0]}:{digest}"


def held_sites(
    all_sites: Sequence[Site], ruleset: RuleSet, path: str, cell: Optional[int], source: str
) -> Tuple[Dict[int, str], Set[int]]:
    """The units of the module a person chose to leave on OpenAI: (id(anchor) -> HELD, given to
    ``plan_units`` and the fallback's as a site they cannot move, so each is blocked whole, with
    its dependents, as any unit the plan cannot serve; ids of all their sites, where the caller
    drops what only reports, a TODO comment: a unit skipped is left exactly as it is)."""
    if not ruleset.held or ruleset.partial:
        return {}, set()
    lines = _source_lines(source)
    held = [u for u in build_units(all_sites)[0] if hold_key(u, path, cell, lines) in ruleset.held]
    return {id(u.anchor): HELD for u in held}, {id(s) for u in held for s in u.sites}


def choices(
    units: UnitPlan, hybrid: Set[int], applied: Set[int], path: str, cell: Optional[int], source: str, output: str
) -> Tuple[UnitChoice, ...]:
    """The units this rewrite moves (served by the plan or its fallback, with a site edited), each
    with the diff hunks of the module that touch its sites; identical units are one choice."""
    moving = [u for u in units.units if (not u.blocked or id(u.anchor) in hybrid) and any(id(s) in applied for s in u.sites)]
    if not moving:
        return ()
    lines = _source_lines(source)
    hunks = _hunks(source, output)
    out: Dict[str, UnitChoice] = {}
    for unit in moving:
        key = hold_key(unit, path, cell, lines)
        touched = {n for s in unit.sites for n in range(s.span.line, s.span.end_line + 1)}
        mine = tuple(text for where, text in hunks if where & touched)
        kind = "route" if unit.key[0] == "framework" and unit.anchor.attrs.get("route") else str(unit.key[0])
        name = (
            str(unit.anchor.attrs.get("symbol", "")).split(".")[-1]
            if kind in ("framework", "route")
            else str(unit.key[1])
            if kind == "remote"
            else ""
        )
        before = out.get(key)
        if before is not None:  # an identical unit: held or moved with it
            mine = before.hunks + tuple(h for h in mine if h not in before.hunks)
            out[key] = UnitChoice(key, path, before.line, kind, before.sites + len(unit.sites), name, cell, mine)
        else:
            out[key] = UnitChoice(key, path, unit.anchor.span.line, kind, len(unit.sites), name, cell, mine)
    return tuple(out.values())


def _hunks(source: str, output: str) -> List[Tuple[Set[int], str]]:
    """(old lines it removes, or the line it adds before; its text) of each hunk of the diff."""
    import difflib

    old, new = source.splitlines(keepends=True), output.splitlines(keepends=True)
    out = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(2):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        text = [f"@@ -{i1 + 1},{i2 - i1} +{j1 + 1},{j2 - j1} @@\n"]
        where: Set[int] = set()
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                text += [" " + line for line in old[a1:a2]]
                continue
            where |= set(range(a1 + 1, a2 + 1)) or {a1 + 1}
            text += ["-" + line for line in old[a1:a2]] + ["+" + line for line in new[b1:b2]]
        out.append((where, "".join(t if t.endswith(("\n", "\r")) else t + "\n" for t in text)))
    return out
