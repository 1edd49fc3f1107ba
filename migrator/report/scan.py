"""The scan impact report: Rich text, JSON and Markdown renderings of one ScanResult."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from rich.console import Console
from rich.table import Table

from migrator import __version__
from migrator.i18n import N_, _, language, localize, ngettext
from migrator.models import Finding, ScanResult
from migrator.report import json_document
from migrator.report.console import safe

if TYPE_CHECKING:
    from rich.text import JustifyMethod

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
        "errors": [{"path": a.path, "line": a.error_line, "message": a.error} for a in result.failed],
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
        extra.append(_("model {model}").format(model=f.model))
    if f.kind == "call":
        if f.detail.get("stream"):
            extra.append("stream")
        if f.detail.get("async"):
            extra.append("async")
        if f.detail.get("tools"):
            extra.append("tools")
        if f.detail.get("endpoint") == "other":
            extra.append(_("client already points elsewhere"))
    if f.confidence != "high":
        extra.append(
            {"medium": _("medium confidence"), "low": _("low confidence")}.get(f.confidence, f"{f.confidence} confidence")
        )
    return localize(f.message) + (f" ({', '.join(extra)})" if extra else "")


def render_text(result: ScanResult, out: Console, readiness: Optional[List[Dict[str, Any]]] = None, target: str = ".") -> None:
    """``target``: the path as the user gave it, for the command the report ends with."""
    s = summarize(result)
    out.print(f"[bold]migrator scan[/] {safe(result.root)}")
    out.print(
        _(
            "{files} scanned, {analysed} analysed, {touching} touching OpenAI: {calls} ({legacy} legacy v0), "
            "{blockers}, {findings} in all."
        ).format(
            files=ngettext("{n} file", "{n} files", s["files_scanned"]).format(n=s["files_scanned"]),
            analysed=s["files_analysed"],
            touching=s["files_with_findings"],
            calls=ngettext("{n} API call", "{n} API calls", s["calls"]).format(n=s["calls"]),
            legacy=s["legacy_calls"],
            blockers=ngettext("{n} blocker", "{n} blockers", s["blockers"]).format(n=s["blockers"]),
            findings=ngettext("{n} finding", "{n} findings", s["findings"]).format(n=s["findings"]),
        )
    )
    if s["calls_by_api"]:
        table = Table(title=_("Calls by operation"), title_justify="left")
        table.add_column(_("operation"))
        table.add_column(_("calls"), justify="right")
        for api, count in s["calls_by_api"].items():
            table.add_row(safe(api), str(count))
        out.print(table)
    if s["models"]:
        out.print(_("Models: {models}").format(models=", ".join(f"{safe(m)} ×{n}" for m, n in s["models"].items())))
    _findings_table(result.findings, out)
    blockers = [f for f in result.findings if f.is_blocker]
    if blockers:
        out.print(_("[bold]Blockers[/] (OpenAI-only surfaces; a person must choose a replacement):"))
        for f in blockers:
            out.print(f"  {safe(f.path)}:{_where(f)}  {safe(f.api)}")
    if readiness:
        render_readiness(readiness, out)
    if result.failed or result.skipped:
        out.print(_("[bold]Not analysed[/]:"))
        for a in result.failed:
            line = f":{a.error_line}" if a.error_line else ""
            out.print(f"  {safe(a.path)}{line}: {safe(localize(a.error or ''))}")
        for skip in sorted(result.skipped, key=lambda x: x.path):
            out.print(f"  {safe(skip.path)}: {safe(localize(skip.reason))}")
    out.print(safe(next_step(result, readiness, target)))


def next_step(result: ScanResult, readiness: Optional[List[Dict[str, Any]]], target: str = ".") -> str:
    """The command to run after this scan, as one line."""
    import shlex

    best = best_fit(readiness or [])[0]
    if best is not None:
        where = f" {shlex.quote(target)}" if target != "." else ""
        plan = " --plan native" if best["plan"] != "compat" else ""
        return _("Next: run `{command}` to see the changes.").format(
            command=f"migrator apply{where} --provider {best['provider']}{plan} --dry-run"
        )
    if not result.findings:
        return _("Next: nothing to migrate; add `migrator check` to CI to keep it that way.")
    return _("Next: no provider migrates these call sites automatically; see the reasons above, or narrow with --provider.")


def _findings_table(findings: Sequence[Finding], out: Console) -> None:
    if not findings:
        out.print(_("No OpenAI usage found."))
        return
    by_file: Dict[str, List[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.path].append(f)
    # a file's path on a line of its own, then its findings: a table column would break a long
    # path mid-name at 80 columns
    out.print(_("[bold]Findings by file[/]:"))
    kind_width = max(len(f.kind) for f in findings)
    for path in sorted(by_file):
        out.print(f"  [bold]{safe(path)}[/]")
        where_width = max(len(_where(f)) for f in by_file[path])
        for f in by_file[path]:
            out.print(f"    {_where(f):>{where_width}}  {f.kind:<{kind_width}}  {safe(_what(f))}")


def render_readiness(readiness: List[Dict[str, Any]], out: Console) -> None:
    table = Table(title=_("Provider readiness (API calls and OpenAI wrapper constructions)"), title_justify="left")
    for col, justify in _READINESS_COLUMNS:
        table.add_column(_(col), justify=justify)
    for row in readiness:
        table.add_row(
            row["provider"],
            row["plan"],
            str(row["automatic"]),
            str(row["with_diagnostics"]),
            str(row["manual"]),
            safe(("；" if language() == "zh" else "; ").join(localize(reason) for reason in row.get("reasons", [])[:3])),
        )
    out.print(table)
    best, tied, why = best_fit(readiness)
    if best:
        total = best["automatic"] + best["with_diagnostics"] + best["manual"]
        out.print(
            ngettext(
                "Best fit: {provider} — migrates {automatic} of {total} call site automatically.",
                "Best fit: {provider} — migrates {automatic} of {total} call sites automatically.",
                total,
            ).format(provider=f"[bold]{best['provider']} ({best['plan']})[/]", automatic=best["automatic"], total=total)
        )
        if len(tied) > 1:
            names = [_row_name(r) for r in tied]
            shown = ", ".join(names[:4]) + (_(" and {n} more").format(n=len(names) - 4) if len(names) > 4 else "")
            out.print(
                safe(
                    _("Tie between {names}; chose {best} because {why}.").format(
                        names=shown, best=_row_name(best), why=_("; then ").join(_(w) for w in why)
                    )
                )
            )
    elif readiness and any(r["manual"] for r in readiness):
        out.print(_("No provider migrates any of these call sites automatically; the reasons are in the table."))


_READINESS_COLUMNS: Tuple[Tuple[str, JustifyMethod], ...] = (
    (N_("provider"), "left"),
    (N_("plan"), "left"),
    (N_("automatic"), "right"),
    (N_("with notes"), "right"),
    (N_("needs a person"), "right"),
    (N_("main reasons"), "left"),
)


def _row_name(row: Dict[str, Any]) -> str:
    return f"{row['provider']} ({row['plan']})"


# how rows that migrate as many call sites automatically are told apart, in order: the first
# criterion that leaves one row decides, and every criterion that narrowed the field is said
_TIE_BREAKS: Tuple[Tuple[Callable[[Dict[str, Any]], Any], str], ...] = (
    (lambda r: r["manual"], N_("it leaves fewer sites for a person")),
    (lambda r: r["with_diagnostics"], N_("fewer of its sites need a note or a hybrid client")),
    (lambda r: r["plan"] != "compat", N_("the compat plan is the smaller change (it keeps the openai SDK)")),
    (lambda r: r["provider"], N_("it comes first alphabetically (the rest is equal)")),
)


def best_fit(readiness: List[Dict[str, Any]]) -> "tuple[Optional[Dict[str, Any]], List[Dict[str, Any]], List[str]]":
    """The provider/plan that migrates the most call sites automatically, the rows that tie with
    it on that count, and why it won the tie (untranslated reasons, in the order applied).
    None when none migrates any (a tie-break among rows of zeros would recommend a provider for
    no reason).  Deterministic: it never depends on the order of ``readiness``."""
    if not readiness or not any(r["automatic"] + r["with_diagnostics"] for r in readiness):
        return None, [], []
    most = max(r["automatic"] for r in readiness)
    tied = sorted((r for r in readiness if r["automatic"] == most), key=lambda r: (r["provider"], r["plan"]))
    field, why = list(tied), []
    for key, reason in _TIE_BREAKS:
        if len(field) == 1:
            break
        least = min(key(r) for r in field)
        narrowed = [r for r in field if key(r) == least]
        if len(narrowed) < len(field):
            why.append(reason)
        field = narrowed
    return field[0], tied, why


def readiness_best(readiness: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The row ``best_fit`` chooses."""
    return best_fit(readiness)[0]


def to_markdown(result: ScanResult, readiness: Optional[List[Dict[str, Any]]] = None) -> str:
    s = summarize(result)
    lines = [
        "# " + _("OpenAI usage report (migrator scan)"),
        "",
        "- "
        + _("Files scanned: {scanned}; touching OpenAI: {touching}").format(
            scanned=s["files_scanned"], touching=s["files_with_findings"]
        ),
        "- "
        + _("API calls: {calls} (legacy v0: {legacy}); blockers: {blockers}").format(
            calls=s["calls"], legacy=s["legacy_calls"], blockers=s["blockers"]
        ),
    ]
    if s["models"]:
        lines.append("- " + _("Models: {models}").format(models=", ".join(f"`{m}` ×{n}" for m, n in s["models"].items())))
    if s["calls_by_api"]:
        lines += ["", f"| {_('operation')} | {_('calls')} |", "|---|---:|"]
        lines += [f"| `{api}` | {n} |" for api, n in s["calls_by_api"].items()]
    if readiness:
        head = " | ".join(_(col) for col, _justify in _READINESS_COLUMNS[:5])
        lines += ["", "## " + _("Provider readiness"), "", f"| {head} |", "|---|---|---:|---:|---:|"]
        lines += [
            f"| {r['provider']} | {r['plan']} | {r['automatic']} | {r['with_diagnostics']} | {r['manual']} |" for r in readiness
        ]
    lines += ["", "## " + _("Findings"), "", f"| {_('file')} | {_('line')} | {_('kind')} | {_('what')} |", "|---|---:|---|---|"]
    for f in result.findings:
        what = _what(f).replace("|", "\\|")
        lines.append(f"| `{f.path}` | {_where(f)} | {f.kind} | {what} |")
    if result.failed or result.skipped:
        lines += ["", "## " + _("Not analysed"), ""]
        lines += [f"- `{a.path}`: {localize(a.error or '')}" for a in result.failed]
        lines += [f"- `{x.path}`: {localize(x.reason)}" for x in result.skipped]
    return "\n".join(lines) + "\n"
