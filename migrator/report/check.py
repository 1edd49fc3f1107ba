"""Renderings of a CheckResult: Rich text, JSON, GitHub workflow commands and SARIF 2.1.0."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any, Dict, List

from rich.console import Console

from migrator import __version__
from migrator.i18n import _, localize
from migrator.report import json_document
from migrator.report.console import safe
from migrator.results import R_UNPARSEABLE, RULES, CheckFinding, CheckResult

SCHEMA_VERSION = 1
INFORMATION_URI = "https://github.com/migrator/migrator#migrator-check"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def summarize(result: CheckResult) -> Dict[str, Any]:
    return {
        "policy": result.policy,
        "mode": result.mode,
        "base": result.base,
        "base_commit": result.base_commit,
        "baseline": result.baseline,
        "baseline_written": result.baseline_written,
        "files_checked": result.files_checked,
        "findings": len(result.findings),
        "new_findings": len(result.new),
        "new_by_rule": dict(sorted(Counter(f.rule for f in result.new).items())),
        "suppressed": result.suppressed,
        "files_failed": len(result.errors),
        "passed": not result.failed,
    }


def _is_new(result: CheckResult) -> "set[int]":
    return {id(f) for f in result.new}


def finding_json(f: CheckFinding, new: bool) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "rule": f.rule,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "message": f.message,
        "symbol": f.symbol,
        "fingerprint": f.fingerprint,
        "new": new,
    }
    if f.cell is not None:
        data["cell"] = f.cell
    if f.fix is not None:
        data["fix"] = {
            "description": f.fix.description,
            "replacements": [
                {
                    "start_line": r.start_line,
                    "start_column": r.start_column,
                    "end_line": r.end_line,
                    "end_column": r.end_column,
                    "text": r.text,
                }
                for r in f.fix.replacements
            ],
        }
    return data


def to_json(result: CheckResult) -> str:
    new = _is_new(result)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "migrator", "version": __version__},
        "command": "check",
        "summary": summarize(result),
        "findings": [finding_json(f, id(f) in new) for f in result.findings],
        "errors": [{"path": p, "message": m} for p, m in result.errors],
    }
    return json_document(doc) + "\n"


# ---------------------------------------------------------------- GitHub workflow commands


def _gh_data(text: str) -> str:
    # GitHub decodes %25, %0D and %0A; any other control character (an escape sequence in a file
    # name) is written as %XX too, so it never reaches a terminal that shows the log
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return "".join(f"%{ord(c):02X}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c for c in text)


def _gh_prop(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(result: CheckResult) -> str:
    """One ``::error`` line per new finding; ``::warning`` for files that could not be analysed."""
    lines = []
    for f in result.new:
        where = f"file={_gh_prop(f.path)},line={f.line},col={f.column}"
        if f.cell is None:
            where += f",endLine={f.end_line},endColumn={f.end_column}"
        cell = f"cell {f.cell}: " if f.cell is not None else ""
        lines.append(f"::error {where},title={_gh_prop(f.rule)}::{_gh_data(cell + f.message)}")
    for path, why in result.errors:
        lines.append(f"::warning file={_gh_prop(path)},title=migrator check::{_gh_data('not analysed: ' + why)}")
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------- SARIF 2.1.0


def _region(f: CheckFinding) -> Dict[str, Any]:
    region: Dict[str, Any] = {"startLine": f.line, "startColumn": f.column}
    if f.cell is None:
        region.update({"endLine": f.end_line, "endColumn": f.end_column})
    return region


def _sarif_result(f: CheckFinding, new: bool, rule_index: Dict[str, int]) -> Dict[str, Any]:
    text = f.message if f.cell is None else f"cell {f.cell}: {f.message}"
    result: Dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index[f.rule],
        "level": "error" if new else "note",
        "baselineState": "new" if new else "unchanged",
        "message": {"text": text},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"}, "region": _region(f)}}
        ],
        "partialFingerprints": {"migratorFingerprint/v1": f.fingerprint},
    }
    if f.fix is not None and f.cell is None:
        result["fixes"] = [
            {
                "description": {"text": f.fix.description},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
                        "replacements": [
                            {
                                "deletedRegion": {
                                    "startLine": r.start_line,
                                    "startColumn": r.start_column,
                                    "endLine": r.end_line,
                                    "endColumn": r.end_column,
                                },
                                "insertedContent": {"text": r.text},
                            }
                            for r in f.fix.replacements
                        ],
                    }
                ],
            }
        ]
    return result


def to_sarif(result: CheckResult) -> str:
    new = _is_new(result)
    rule_ids = sorted(RULES)
    rule_index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = [
        {
            "id": rid,
            "name": rid.split("/", 1)[1].title().replace("-", ""),
            "shortDescription": {"text": RULES[rid].title},
            "fullDescription": {"text": RULES[rid].help},
            "help": {"text": RULES[rid].help},
            "defaultConfiguration": {"level": "error"},
        }
        for rid in rule_ids
    ]
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "migrator",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": _root_uri(result.root)}},
                "columnKind": "unicodeCodePoints",
                "results": [_sarif_result(f, id(f) in new, rule_index) for f in result.findings],
                "properties": {"policy": result.policy, "mode": result.mode},
            }
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _uri(path: str) -> str:
    """A relative path as a SARIF URI reference: percent-encoded (RFC 3986), an undecodable byte
    of the file name as that byte."""
    from urllib.parse import quote

    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _root_uri(root: str) -> str:
    from pathlib import Path

    return Path(root).resolve().as_uri() + "/"


# ---------------------------------------------------------------- text


def render_text(result: CheckResult, out: Console) -> None:
    s = summarize(result)
    if result.mode == "base":
        against = _(" against merge-base of {base} ({commit})").format(base=result.base, commit=(result.base_commit or "")[:12])
    elif result.mode == "baseline":
        against = _(" against baseline {baseline}").format(baseline=result.baseline)
    else:
        against = ""
    out.print(
        "[bold]migrator check[/] "
        + safe(
            _("(policy {policy}){against}: {n} files checked").format(policy=result.policy, against=against, n=s["files_checked"])
        )
    )
    if result.baseline_written:
        unreadable = sorted({f.path for f in result.findings if f.rule == R_UNPARSEABLE})
        out.print(
            safe(
                _("Wrote {n} findings to baseline {baseline}.").format(
                    n=len(result.findings) - len(unreadable), baseline=result.baseline
                )
            )
        )
        for path in unreadable:  # a baseline cannot accept them: the next check fails on them
            out.print(
                f"[yellow]{_('not recorded')}[/] "
                + safe(
                    _("{path}: cannot be parsed and mentions openai; check fails on it until it is fixed or excluded").format(
                        path=path
                    )
                )
            )
        return
    by_file: Dict[str, List[CheckFinding]] = defaultdict(list)
    for f in result.new:
        by_file[f.path].append(f)
    for path in sorted(by_file):
        out.print(f"[bold]{safe(path)}[/]")
        for f in by_file[path]:
            cell = safe(_("cell {n} ").format(n=f.cell)) if f.cell is not None else ""
            out.print(
                f"  {cell}{f.line}:{f.column}  [red]{safe(f.rule)}[/]  {safe(localize(f.message))}"
                + (f"  [dim]{_('(fix available)')}[/]" if f.fix else "")
            )
    for path, why in result.errors:
        out.print(f"[yellow]{_('not analysed')}[/] {safe(path)}: {safe(localize(why))}")
    known = len(result.findings) - len(result.new)
    extra = _("; {n} known finding(s) not counted").format(n=known) if known else ""
    extra += _("; {n} suppressed").format(n=result.suppressed) if result.suppressed else ""
    if result.new:
        out.print(
            _("{new} in {files} file(s){extra}.").format(
                new=f"[bold red]{_('{n} new finding(s)').format(n=len(result.new))}[/]", files=len(by_file), extra=safe(extra)
            )
        )
        if result.mode == "base":  # --update-baseline cannot be combined with --base
            out.print(safe(_("Next: fix these, or keep one with `# migrator: ignore[RULE] -- reason` on its line.")))
        else:
            out.print(safe(_("Next: fix these, or accept them as known with `migrator check --update-baseline`.")))
    else:
        out.print(_("{none}{extra}.").format(none=f"[bold green]{_('No new findings')}[/]", extra=safe(extra)))
