"""Self-contained HTML reports for scan and apply: one file to share, read offline or on a phone.

Inline CSS, no script, no external font or image.  Everything from the user's tree (paths,
messages quoting source, diffs) is untrusted: keys are redacted, then HTML-escaped."""

from __future__ import annotations

import hashlib
import html
import re
from collections import defaultdict
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import quote

from migrator import __version__
from migrator.i18n import _, language, localize
from migrator.analyzer.secrets import redact_text
from migrator.models import Finding, ScanResult
from migrator.report.console import printable

_CSS = """
*{box-sizing:border-box}
body{margin:0 auto;max-width:72rem;padding:1rem;font:15px/1.45 system-ui,-apple-system,"Segoe UI",
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1d2330;background:#fff;
overflow-wrap:anywhere}
h1{font-size:1.4rem;margin:.2rem 0 .6rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #dde}
h3{font-size:1rem;margin:1rem 0 .3rem}
code,pre,.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Noto Sans Mono CJK SC",monospace;font-size:.86rem}
.summary{display:flex;flex-wrap:wrap;gap:.5rem;padding:0;list-style:none}
.summary li{background:#f2f4f8;border-radius:.4rem;padding:.35rem .6rem}
.best{background:#e8f6ec;border-left:4px solid #2c8a4b;padding:.5rem .8rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #e4e6ee}
td.n,th.n{text-align:right}
.scroll{overflow-x:auto}table.matrix th{font-size:.85rem}table.matrix td,table.matrix th{overflow-wrap:normal;padding:.3rem .35rem}
a{color:#1a56b0}
:target{background:#fff4c2}
.manual{color:#a3261b}.warning{color:#8a5a00}.info{color:#555}
pre.diff{background:#f7f8fa;border:1px solid #e4e6ee;padding:.5rem;white-space:pre-wrap;margin:.2rem 0 1rem}
pre.diff span{display:block}.add{background:#e6f7ea}.del{background:#fdeaea}.hunk{color:#6a3fb0}
ol.next{padding-left:1.6rem}ol.next li{margin:.25rem 0}
footer{margin-top:2rem;color:#666;font-size:.8rem}
@media (max-width:40rem){
 body{padding:.6rem;font-size:14px}
 table.stack thead{display:none}
 table.stack tr{display:block;border-bottom:1px solid #cfd3de;padding:.3rem 0}
 table.stack td{display:block;border:0;padding:.1rem .2rem;text-align:left}
 table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600}
}
"""


def _text(value: object, *, lines: bool = False) -> str:
    """Untrusted text as HTML: keys redacted, control characters shown, then escaped."""
    return html.escape(printable(redact_text(str(value)), lines=lines), quote=True)


def _code(text: str) -> str:
    """``text`` as HTML, its `backticked` commands and names as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _text(text))


def _anchor(path: str, line: Optional[int] = None, cell: Optional[int] = None) -> str:
    """An id for a place in the report: readable, valid in a URL fragment, unique per path."""
    digest = hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", path).strip("-")[-60:]
    where = "" if line is None else (f"-c{cell}" if cell is not None else "") + f"-L{line}"
    return f"f-{slug}-{digest}{where}"


def _href(path: str, line: Optional[int], link_base: Optional[str], own: str) -> str:
    """The repository's page for the line when its URL is known, else this report's own anchor."""
    if link_base and link_base.startswith(("https://", "http://")):
        return f"{link_base.rstrip('/')}/{quote(path)}" + (f"#L{line}" if line else "")
    return "#" + own


def _location(path: str, line: Optional[int], cell: Optional[int], link_base: Optional[str], own: Optional[str] = None) -> str:
    own = own or _anchor(path, line, cell)
    where = (_("cell {n} ").format(n=cell) if cell is not None else "") + (f"{line}" if line else "")
    label = f"{path}:{where}" if where else path
    return f'<a class="loc" href="{html.escape(_href(path, line, link_base, own))}">{_text(label)}</a>'


def _table(
    headers: Sequence[str],
    rows: Iterable[Tuple[Optional[str], Sequence[str]]],
    *,
    numeric: Sequence[str] = (),
    stack: bool = True,
) -> str:
    """A table that stacks into labelled cards on a narrow screen (``stack``; else it scrolls
    sideways inside its box); ``rows`` of (id, HTML cells)."""
    head = "".join(f'<th{" class=n" if h in numeric else ""}>{_text(h)}</th>' for h in headers)
    body = []
    for row_id, cells in rows:
        tds = "".join(f'<td data-label="{_text(h)}"{" class=n" if h in numeric else ""}>{c}</td>' for h, c in zip(headers, cells))
        body.append(f'<tr id="{row_id}">{tds}</tr>' if row_id else f"<tr>{tds}</tr>")
    table = (
        f'<table class="{"stack" if stack else "matrix"}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )
    return table if stack else f'<div class="scroll">{table}</div>'


def _page(title: str, body: List[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"zh-CN" if language() == "zh" else "en"}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            # nothing is fetched: no script, no frame, no remote style, font or image
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            f"<title>{_text(title)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            *body,
            f"<footer>migrator {_text(__version__)}</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _summary(items: Sequence[str]) -> str:
    return '<ul class="summary">' + "".join(f"<li>{_text(i)}</li>" for i in items) + "</ul>"


def _readiness(readiness: Optional[List[Dict[str, Any]]]) -> List[str]:
    from migrator.report.scan import readiness_best

    if not readiness:
        return []
    out = [
        f"<h2>{_text(_('Provider readiness'))}</h2>",
        f"<p>{_text(_('API calls and OpenAI wrapper constructions, planned as apply plans them.'))}</p>",
    ]
    best = readiness_best(readiness)
    if best:
        total = best["automatic"] + best["with_diagnostics"] + best["manual"]
        fit = _text(_("Best fit: {best} — migrates {automatic} of {total} call site(s) automatically.")).format(
            best=f'<strong>{_text(best["provider"])} ({_text(best["plan"])})</strong>', automatic=best["automatic"], total=total
        )
        out.append(f'<p class="best">{fit}</p>')
    elif any(r["manual"] for r in readiness):
        out.append(f'<p class="best">{_text(_("No provider migrates any of these call sites automatically."))}</p>')
    headers = tuple(_(h) for h in ("provider", "plan", "automatic", "with notes", "needs a person"))
    numeric = headers[2:]
    out.append(
        _table(
            headers,
            (
                (
                    None,
                    [_text(r["provider"]), _text(r["plan"]), str(r["automatic"]), str(r["with_diagnostics"]), str(r["manual"])],
                )
                for r in readiness
            ),
            numeric=numeric,
            stack=False,
        )
    )
    blocked = [r for r in readiness if r.get("reasons")]
    if blocked:
        title = _("What stands in each provider's way")
        out.append(f"<h3>{_text(title)}</h3>")
        for r in blocked:
            reasons = "".join(f"<li>{_text(localize(reason))}</li>" for reason in r["reasons"])
            out.append(f"<p><strong>{_text(r['provider'])} ({_text(r['plan'])})</strong></p><ul>{reasons}</ul>")
    return out


def scan_page(result: ScanResult, readiness: Optional[List[Dict[str, Any]]] = None, *, link_base: Optional[str] = None) -> str:
    """The scan report as one HTML page; ``link_base``: the repository's URL for a file
    (``https://host/owner/repo/blob/<commit>``), or None to link within the page."""
    from migrator.report.scan import _what, summarize

    s = summarize(result)
    body = [
        f"<h1>{_text(_('OpenAI usage report'))}</h1><p><code>{_text(result.root)}</code></p>",
        _summary(
            [
                _("{n} file(s) scanned").format(n=s["files_scanned"]),
                _("{n} touching OpenAI").format(n=s["files_with_findings"]),
                _("{n} API call(s)").format(n=s["calls"]),
                _("{n} legacy v0").format(n=s["legacy_calls"]),
                _("{n} blocker(s)").format(n=s["blockers"]),
                _("{n} finding(s)").format(n=s["findings"]),
            ]
        ),
    ]
    if s["models"]:
        models = ", ".join(f"<code>{_text(m)}</code> ×{n}" for m, n in s["models"].items())
        body.append("<p>" + _text(_("Models: {models}")).format(models=models) + "</p>")
    body += _readiness(readiness)
    blockers = [f for f in result.findings if f.is_blocker]
    if blockers:
        body.append(
            f"<h2>{_text(_('Blockers'))}</h2><p>{_text(_('OpenAI-only surfaces: a person must choose a replacement.'))}</p><ul>"
        )
        body += [f"<li>{_location(f.path, f.line, f.cell, link_base)} <code>{_text(f.api)}</code></li>" for f in blockers]
        body.append("</ul>")
    body += _findings(result.findings, link_base, _what)
    if result.failed or result.skipped:
        body.append(f"<h2>{_text(_('Not analysed'))}</h2><ul>")
        body += [
            f"<li>{_location(a.path, a.error_line, None, link_base)} {_text(localize(a.error or ''))}</li>" for a in result.failed
        ]
        body += [
            f"<li><code>{_text(x.path)}</code>: {_text(localize(x.reason))}</li>"
            for x in sorted(result.skipped, key=lambda x: x.path)
        ]
        body.append("</ul>")
    return _page("migrator scan", body)


def _findings(findings: Sequence[Finding], link_base: Optional[str], what: Callable[[Finding], str]) -> List[str]:
    out = [f"<h2>{_text(_('Findings'))}</h2>"]
    ids = _Ids()
    if not findings:
        return out + [f"<p>{_text(_('No OpenAI usage found.'))}</p>"]
    by_file: Dict[str, List[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.path].append(f)
    for path in sorted(by_file):
        out.append(f'<h3 id="{_anchor(path)}"><code>{_text(path)}</code></h3>')
        rows = []
        for f in by_file[path]:
            own = ids.unique(_anchor(path, f.line, f.cell))
            rows.append((own, [_location(path, f.line, f.cell, link_base, own), _text(f.kind), _text(what(f))]))
        out.append(_table((_("where"), _("kind"), _("what")), rows))
    return out


class _Ids:
    """Ids unique within a page: a second finding on a line gets ``-2``, and so on."""

    def __init__(self) -> None:
        self.seen: Dict[str, int] = {}

    def unique(self, anchor: str) -> str:
        n = self.seen[anchor] = self.seen.get(anchor, 0) + 1
        return anchor if n == 1 else f"{anchor}-{n}"


def apply_page(
    result: Any, *, dry_run: bool = False, link_base: Optional[str] = None, extra: Optional[Dict[str, Any]] = None
) -> str:
    """The apply report (a ``MigrationResult``) as one HTML page: summary, diffs, rules
    applied, what is left for a person, files that could not be migrated, notes."""
    from migrator.report.apply import SEVERITIES, _note, step_texts, summary_line, unified_diff

    rs = result.ruleset
    extra = extra or {}
    head = "migrator apply → " + _("{provider} ({plan} plan: {title})").format(
        provider=rs.provider.title, plan=rs.plan.name, title=localize(rs.plan.title)
    )
    body = [
        f"<h1>{_text(head)}</h1>",
        f"<p>{_text(summary_line(result))}" + (_text(_(" (dry run: nothing written)")) if dry_run else "") + "</p>",
    ]
    if extra.get("branch"):
        body.append(
            "<p>"
            + _text(_("Committed on branch {branch} ({commit}).")).format(
                branch=f"<code>{_text(extra['branch'])}</code>", commit=f"<code>{_text(str(extra.get('commit', ''))[:12])}</code>"
            )
            + "</p>"
        )
    steps = step_texts(result)  # what the summary and the PR body end with, in the chosen language
    if steps:
        body.append(f'<h2 id="next-steps">{_text(_("Next steps"))}</h2><ol class="next">')
        body += [f"<li>{_code(text)}</li>" for text in steps]
        body.append("</ol>")
    changed = {c.path for c in result.changes}
    manual = result.manual
    if manual:
        body.append(f"<h2>{_text(_('Left for a person ({n})').format(n=len(manual)))}</h2><ul>")
        ids = _Ids()
        for d in manual:  # to the line in the repository, else to the file's diff here
            mine = ids.unique(_anchor(d.path, d.line, d.cell))
            own = _anchor(d.path) if d.path in changed else mine
            body.append(
                f'<li id="{mine}">{_location(d.path, d.line, d.cell, link_base, own)}'
                f" <code>{_text(d.rule)}</code>: {_text(localize(d.message))}</li>"
            )
        body.append("</ul>")
    if result.failures:
        body.append(f"<h2>{_text(_('Files that could not be migrated'))}</h2><p>{_text(_('Left unchanged.'))}</p><ul>")
        body += [f"<li>{_location(f.path, f.line, None, link_base)} {_text(localize(f.message))}</li>" for f in result.failures]
        body.append("</ul>")
    applied = result.applied
    if applied:
        files = result.files_per_rule()
        body.append(f"<h2>{_text(_('Rules applied'))}</h2>")
        sites, files_ = _("sites"), _("files")
        body.append(
            _table(
                (_("rule"), sites, files_),
                ((None, [f"<code>{_text(r)}</code>", str(applied[r]), str(files[r])]) for r in sorted(applied)),
                numeric=(sites, files_),
            )
        )
    if result.changes:
        body.append(f"<h2>{_text(_('Changes'))}</h2>")
        for change in result.changes:
            body.append(f'<h3 id="{_anchor(change.path)}"><code>{_text(change.path)}</code></h3>')
            body.append(_diff(unified_diff(change)))
    others = [d for d in result.diagnostics if d.severity != "manual"]
    if others:
        body.append(f"<h2>{_text(_('Diagnostics'))}</h2>")
        body.append(
            _table(
                (_("where"), _("severity"), _("rule"), _("message")),
                (
                    (
                        None,
                        [
                            _location(d.path, d.line, d.cell, link_base, _anchor(d.path) if d.path in changed else None),
                            f'<span class="{_text(d.severity)}">{_text(_(SEVERITIES.get(d.severity, d.severity)))}</span>',
                            f"<code>{_text(d.rule)}</code>",
                            _text(localize(d.message)),
                        ],
                    )
                    for d in others
                ),
            )
        )
    if result.notes:
        body.append(
            f"<h2>{_text(_('Notes'))}</h2><ul>"
            + "".join(f"<li>{_text(_note(p, localize(n)))}</li>" for p, n in result.notes)
            + "</ul>"
        )
    return _page("migrator apply", body)


def _diff(text: str) -> str:
    lines = []
    for line in printable(text, lines=True).splitlines():
        css = (
            "hunk"
            if line.startswith("@@")
            else "add"
            if line.startswith("+") and not line.startswith("+++")
            else "del"
            if line.startswith("-") and not line.startswith("---")
            else ""
        )
        lines.append(
            f'<span class="{css}">{html.escape(line) or " "}</span>' if css else f"<span>{html.escape(line) or ' '}</span>"
        )
    return '<pre class="diff">' + "".join(lines) + "</pre>"
