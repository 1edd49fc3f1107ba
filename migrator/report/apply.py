"""The apply report: diffs, per-rule summary, diagnostics, next steps; the PR body;
the commit message.  Knows nothing of git: it is told what happened."""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any, Dict, List, Optional

from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from migrator import __version__
from migrator.analyzer.secrets import redact_text
from migrator.apply import FileChange, MigrationResult
from migrator.engine.rewrite import SUPPRESSED
from migrator.report import json_document
from migrator.report.console import printable, safe


def unified_diff(change: FileChange) -> str:
    old = change.original.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = change.new.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{change.path}", f"b/{change.path}")
    # reports go to terminals and CI logs: hard-coded keys (usually on removed lines) redacted
    return redact_text("".join(line if line.endswith("\n") else line + "\n" for line in lines))


def render_text(result: MigrationResult, out: Console, *, show_diff: bool = True) -> None:
    rs = result.ruleset
    out.print(f"[bold]migrator apply[/] → {rs.provider.title} ({rs.plan.name} plan: {rs.plan.title})")
    if show_diff:
        for change in result.changes:  # the path above its panel: a panel's title is cut to the width
            out.print(f"[bold]{safe(change.path)}[/]")
            out.print(Panel(Syntax(printable(unified_diff(change), lines=True), "diff", theme="ansi_dark", word_wrap=True)))
    _rule_table(result, out)
    _diagnostics(result, out)
    if result.failures:
        out.print("[bold red]Files that could not be migrated[/] (left unchanged):")
        for failure in result.failures:
            line = f":{failure.line}" if failure.line else ""
            out.print(printable(f"  {failure.path}{line}: {failure.message}"), markup=False)
    for path, note in result.notes:
        out.print(printable(f"  note: {_note(path, note)}"), markup=False)


def _rule_table(result: MigrationResult, out: Console) -> None:
    applied = result.applied
    if not applied:
        out.print("Nothing to migrate automatically.")
        return
    files = result.files_per_rule()
    table = Table(title="Rules applied", title_justify="left")
    table.add_column("rule")
    table.add_column("sites", justify="right")
    table.add_column("files", justify="right")
    for rule in sorted(applied):
        table.add_row(rule, str(applied[rule]), str(files[rule]))
    out.print(table)


def _diagnostics(result: MigrationResult, out: Console) -> None:
    if not result.diagnostics:
        return
    by_file: Dict[str, list] = defaultdict(list)
    for d in result.diagnostics:
        by_file[d.path].append(d)
    manual = len(result.manual)
    out.print(f"[bold]Diagnostics[/] ({manual} left for a person):")
    for path in sorted(by_file):
        out.print(f"  [bold]{safe(path)}[/]")
        for d in by_file[path]:
            where = f"cell {d.cell} " if d.cell is not None else ""
            style = {"manual": "red", "warning": "yellow"}.get(d.severity, "dim")
            out.print(f"    {where}{d.line}:{d.column} [{style}]{d.severity}[/] {safe(d.rule)}: ", end="")
            out.print(printable(d.message), markup=False, highlight=False)


def _note(path: str, note: str) -> str:
    # notes from the dependency and env rewriters already begin with their file (and line)
    return note if note.startswith(path) else f"{path}: {note}"


def summary_line(result: MigrationResult) -> str:
    parts = [f"{len(result.changes)} file(s) changed", f"{result.code_sites} site(s) rewritten"]
    if result.file_edits:
        parts.append(f"{result.file_edits} dependency/env/config file edit(s)")
    if result.hybrids:
        parts.append(f"{len(result.hybrids)} client(s) kept on the openai SDK at the provider's compatible endpoint")
    if result.units_left:
        parts.append(f"{len(result.units_left)} client(s) left on OpenAI as a whole")
    if result.refused:
        parts.append(f"{len(result.refused)} file(s) refused by the self-check")
    if suppressed(result):
        parts.append(f"{suppressed(result)} site(s) suppressed")
    parts += [f"{len(result.manual)} left for a person", f"{len(result.failures)} file(s) could not be migrated"]
    return ", ".join(parts)


def suppressed(result: MigrationResult) -> int:
    """Sites a ``# migrator: ignore`` comment kept as they are."""
    return sum(d.rule == SUPPRESSED for d in result.diagnostics)


def commit_message(result: MigrationResult, *, dirty: List[str]) -> str:
    rs = result.ruleset
    lines = [f"migrator: migrate OpenAI usage to {rs.provider.title} ({rs.plan.name} plan)", ""]
    lines.append(summary_line(result) + ".")
    lines += ["", "Rules applied (sites in files):"]
    files = result.files_per_rule()
    for rule, count in sorted(result.applied.items()):
        lines.append(f"- {rule}: {count} in {files[rule]}")
    if result.manual:
        lines += ["", f"Left for review: {len(result.manual)} site(s); search for TODO(migrator"]
    if dirty:
        lines += ["", "Built from uncommitted working-tree content of: " + ", ".join(sorted(dirty))]
    lines += ["", f"Rule file {rs.provider.name} verified {rs.provider.verified}; migrator {__version__}."]
    return redact_text("\n".join(lines) + "\n")


def pr_body(result: MigrationResult, *, link_base: Optional[str] = None, checks: Optional[List[str]] = None) -> str:
    rs = result.ruleset
    lines = [f"## Migrate OpenAI usage to {rs.provider.title} ({rs.plan.name} plan)", "",
             f"Generated by migrator {__version__} from `rules/{rs.provider.name}.yaml` (facts verified {rs.provider.verified}).",
             "", summary_line(result) + ".", "", "### What changed per rule", "", "| rule | sites | files |", "|---|---:|---:|"]
    files = result.files_per_rule()
    lines += [f"| `{rule}` | {n} | {files[rule]} |" for rule, n in sorted(result.applied.items())]
    lines += ["", "### Files touched", ""] + [f"- `{c.path}`" for c in result.changes]
    manual = result.manual
    if manual:
        lines += ["", "### Left for review", ""]
        for d in manual:
            anchor = f"{link_base.rstrip('/')}/{d.path}#L{d.line}" if link_base else None
            where = f"[`{d.path}:{d.line}`]({anchor})" if anchor else f"`{d.path}:{d.line}`"
            lines.append(f"- {where} `{d.rule}`: {d.message}")
    used = _models_used(result)
    if used:
        lines += ["", "### Model mapping used", "", "| OpenAI | " + rs.provider.title + " |", "|---|---|"]
        lines += [f"| `{a}` | `{b}` |" for a, b in sorted(used.items())]
    lines += ["", "### Checks", ""]
    lines += [f"- {c}" for c in (checks or [
        "every rewritten file was parsed after the rewrite",
        "a second migration pass over every rewritten file changed nothing",
    ])]
    if result.failures:
        lines += ["", "### Not migrated", ""] + [f"- `{f.path}`: {f.message}" for f in result.failures]
    if result.notes:
        lines += ["", "### Notes", ""] + [f"- {_note(path, note)}" for path, note in result.notes]
    return redact_text("\n".join(lines) + "\n")


def _models_used(result: MigrationResult) -> Dict[str, str]:
    used = {}
    for d in result.diagnostics:
        if d.message.startswith("model '") and "' -> '" in d.message:
            left, right = d.message[len("model '"):].split("' -> '", 1)
            used[left] = right.rstrip("'")
    return used


def to_json(result: MigrationResult, extra: Dict[str, Any]) -> str:
    rs = result.ruleset
    doc = {
        "schema_version": 1,
        "tool": {"name": "migrator", "version": __version__},
        "command": "apply",
        "provider": rs.provider.name,
        "plan": rs.plan.name,
        "summary": {
            "files_changed": len(result.changes),
            "sites_rewritten": result.code_sites,
            "file_edits": result.file_edits,
            "clients_hybrid": len(result.hybrids),
            "clients_left_whole": len(result.units_left),
            "self_check_refusals": len(result.refused),
            "left_for_review": len(result.manual),
            "suppressed": suppressed(result),
            "files_failed": len(result.failures),
        },
        "rules": {rule: {"sites": n, "files": result.files_per_rule()[rule]} for rule, n in sorted(result.applied.items())},
        "files": [{"path": c.path, "kind": c.kind, "diff": unified_diff(c)} for c in result.changes],
        "diagnostics": [d.to_json() for d in result.diagnostics],
        "errors": [{"path": f.path, "line": f.line, "message": f.message} for f in result.failures],
        "notes": [{"path": path, "message": _note(path, note)} for path, note in result.notes],
    }
    doc.update(extra)
    return json_document(doc)
