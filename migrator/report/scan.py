"""The scan impact report: Rich text, JSON and Markdown renderings of one ScanResult."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Dict, List, Optional, Sequence

from rich.console import Console
from rich.table import Table

from migrator import __version__
from migrator.models import Finding, ScanResult
from migrator.report import json_document
from migrator.report.console import safe

SCHEMA_VERSION = 1

CODE_KINDS = ("import", "client", "call", "exception", "framework")
CONFIG_KINDS = ("config", "dependency", "env", "url", "secret", "js")


def summarize(result: ScanResult) -> Dict[str, Any]:
    findings = result.findings
    calls = [f for f in findings if f.kind == "call"]
    by_api = Counter(f.api for f in calls)
    models = Counter(f.model for f in findings if f.model)
    legacy = sum(1 for f in calls if f.legacy)
    return {
        "files_scanned": result.files_scanned,
        "files_analysed": result.files_parsed,
        "files_with_findings": len({f.path for f in findings}),
        "findings": len(findings),
        "findings_by_kind": dict(sorted(Counter(f.kind for f in findings).items())),
        "calls": len(calls),
        "calls_by_api": dict(sorted(by_api.items())),
        "models": dict(sorted(models.items())),
        "legacy_calls": legacy,
        "legacy_share": round(legacy / len(calls), 3) if calls else 0.0,
        "blockers": sum(1 for f in calls if f.is_blocker),
        "low_confidence": sum(1 for f in findings if f.confidence == "low"),
        "files_failed": len(result.failed),
        "files_skipped": len(result.skipped),
    }


def to_json(result: ScanResult, readiness: Optional[List[Dict[str, Any]]] = None) -> str:
    doc: Dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "migrator", "version": __version__},
        "command": "scan",
        "summary": summarize(result),
        "findings": [f.to_json() for f in result.findings],
        "errors": [
            {"path": a.path, "line": a.error_line, "message": a.error} for a in result.failed
        ],
        "skipped": [{"path": s.path, "reason": s.reason} for s in sorted(result.skipped, key=lambda s: s.path)],
    }
    if readiness is not None:
        doc["readiness"] = readiness
    return json_document(doc)


def _where(f: Finding) -> str:
    cell = f"cell {f.cell} " if f.cell is not None else ""
    return f"{cell}{f.line}:{f.column}"


def _what(f: Finding) -> str:
    extra = []
    if f.model:
        extra.append(f"model {f.model}")
    if f.kind == "call":
        if f.detail.get("stream"):
            extra.append("stream")
        if f.detail.get("async"):
            extra.append("async")
        if f.detail.get("tools"):
            extra.append("tools")
        if f.detail.get("endpoint") == "other":
            extra.append("client already points elsewhere")
    if f.confidence != "high":
        extra.append(f"{f.confidence} confidence")
    return f.message + (f" ({', '.join(extra)})" if extra else "")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def render_text(result: ScanResult, out: Console, readiness: Optional[List[Dict[str, Any]]] = None) -> None:
    s = summarize(result)
    out.print(f"[bold]migrator scan[/] {safe(result.root)}")
    out.print(
        f"{_count(s['files_scanned'], 'file')} scanned, {s['files_analysed']} analysed, "
        f"{s['files_with_findings']} touching OpenAI: {_count(s['calls'], 'API call')} "
        f"({s['legacy_calls']} legacy v0), {_count(s['blockers'], 'blocker')}, {_count(s['findings'], 'finding')} in all."
    )
    if s["calls_by_api"]:
        table = Table(title="Calls by operation", title_justify="left")
        table.add_column("operation")
        table.add_column("calls", justify="right")
        for api, count in s["calls_by_api"].items():
            table.add_row(safe(api), str(count))
        out.print(table)
    if s["models"]:
        out.print("Models: " + ", ".join(f"{safe(m)} ×{n}" for m, n in s["models"].items()))
    _findings_table(result.findings, out)
    blockers = [f for f in result.findings if f.is_blocker]
    if blockers:
        out.print("[bold]Blockers[/] (OpenAI-only surfaces; a person must choose a replacement):")
        for f in blockers:
            out.print(f"  {safe(f.path)}:{_where(f)}  {safe(f.api)}")
    if readiness:
        render_readiness(readiness, out)
    if result.failed or result.skipped:
        out.print("[bold]Not analysed[/]:")
        for a in result.failed:
            line = f":{a.error_line}" if a.error_line else ""
            out.print(f"  {safe(a.path)}{line}: {safe(a.error)}")
        for skip in sorted(result.skipped, key=lambda x: x.path):
            out.print(f"  {safe(skip.path)}: {safe(skip.reason)}")


def _findings_table(findings: Sequence[Finding], out: Console) -> None:
    if not findings:
        out.print("No OpenAI usage found.")
        return
    by_file: Dict[str, List[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.path].append(f)
    # a file's path on a line of its own, then its findings: a table column would break a long
    # path mid-name at 80 columns
    out.print("[bold]Findings by file[/]:")
    kind_width = max(len(f.kind) for f in findings)
    for path in sorted(by_file):
        out.print(f"  [bold]{safe(path)}[/]")
        where_width = max(len(_where(f)) for f in by_file[path])
        for f in by_file[path]:
            out.print(f"    {_where(f):>{where_width}}  {f.kind:<{kind_width}}  {safe(_what(f))}")


def render_readiness(readiness: List[Dict[str, Any]], out: Console) -> None:
    table = Table(title="Provider readiness (API calls and OpenAI wrapper constructions)", title_justify="left")
    for col in ("provider", "plan", "automatic", "with notes", "needs a person", "main reasons"):
        table.add_column(col, justify="right" if col in ("automatic", "with notes", "needs a person") else "left")
    for row in readiness:
        table.add_row(
            row["provider"], row["plan"], str(row["automatic"]), str(row["with_diagnostics"]),
            str(row["manual"]), safe("; ".join(row.get("reasons", [])[:3])),
        )
    out.print(table)
    best = readiness_best(readiness)
    if best:
        total = best["automatic"] + best["with_diagnostics"] + best["manual"]
        out.print(f"Best fit: [bold]{best['provider']} ({best['plan']})[/] — migrates {best['automatic']} of "
                  f"{_count(total, 'call site')} automatically.")
    elif readiness and any(r["manual"] for r in readiness):
        out.print("No provider migrates any of these call sites automatically; the reasons are in the table.")


def readiness_best(readiness: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The provider/plan that migrates the most call sites automatically; None when none migrates any
    (a tie-break among rows of zeros would recommend a provider for no reason)."""
    if not readiness or not any(r["automatic"] + r["with_diagnostics"] for r in readiness):
        return None
    return max(readiness, key=lambda r: (r["automatic"], -r["manual"], r["plan"] == "compat", r["provider"]))


def to_markdown(result: ScanResult, readiness: Optional[List[Dict[str, Any]]] = None) -> str:
    s = summarize(result)
    lines = [
        "# OpenAI usage report (migrator scan)",
        "",
        f"- Files scanned: {s['files_scanned']}; touching OpenAI: {s['files_with_findings']}",
        f"- API calls: {s['calls']} (legacy v0: {s['legacy_calls']}); blockers: {s['blockers']}",
    ]
    if s["models"]:
        lines.append("- Models: " + ", ".join(f"`{m}` ×{n}" for m, n in s["models"].items()))
    if s["calls_by_api"]:
        lines += ["", "| operation | calls |", "|---|---:|"]
        lines += [f"| `{api}` | {n} |" for api, n in s["calls_by_api"].items()]
    if readiness:
        lines += ["", "## Provider readiness", "", "| provider | plan | automatic | with notes | needs a person |", "|---|---|---:|---:|---:|"]
        lines += [f"| {r['provider']} | {r['plan']} | {r['automatic']} | {r['with_diagnostics']} | {r['manual']} |" for r in readiness]
    lines += ["", "## Findings", "", "| file | line | kind | what |", "|---|---:|---|---|"]
    for f in result.findings:
        what = _what(f).replace("|", "\\|")
        lines.append(f"| `{f.path}` | {_where(f)} | {f.kind} | {what} |")
    if result.failed or result.skipped:
        lines += ["", "## Not analysed", ""]
        lines += [f"- `{a.path}`: {a.error}" for a in result.failed]
        lines += [f"- `{x.path}`: {x.reason}" for x in result.skipped]
    return "\n".join(lines) + "\n"
