"""The apply report: diffs, per-rule summary, diagnostics, next steps; the PR body;
the commit message.  Knows nothing of git: it is told what happened."""

from __future__ import annotations

import difflib
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, TypeVar

from rich.console import Console
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from migrator import __version__
from migrator.analyzer.secrets import redact_text
from migrator.i18n import N_, _, language, localize, ngettext, use_language
from migrator.report import json_document
from migrator.report.console import printable, safe
from migrator.results import SUPPRESSED, FileChange, MigrationResult
from migrator.ruleset import builtin_rules_dir

if TYPE_CHECKING:
    from migrator.results import Diagnostic
    from migrator.ruleset import ProviderFile

_T = TypeVar("_T")


def unified_diff(change: FileChange) -> str:
    old = change.original.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = change.new.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{change.path}", f"b/{change.path}")
    # reports go to terminals and CI logs: hard-coded keys (usually on removed lines) redacted
    return redact_text("".join(line if line.endswith("\n") else line + "\n" for line in lines))


def render_text(
    result: MigrationResult, out: Console, *, show_diff: bool = True, stat: bool = False, verbose: bool = False
) -> None:
    """``show_diff``: a panel per changed file; ``stat``: a ``git diff --stat`` table instead;
    ``verbose``: info diagnostics listed too, not only counted."""
    rs = result.ruleset
    out.print(
        "[bold]migrator apply[/] → "
        + safe(
            _("{provider} ({plan} plan: {title})").format(
                provider=rs.provider.title, plan=rs.plan.name, title=localize(rs.plan.title)
            )
        )
    )
    # the outcome before the detail: a long run's diffs would push it off the screen
    out.print(summary_line(result), markup=False, highlight=False)
    if stat:
        _stat(result, out)
    elif show_diff:
        for change in result.changes:  # the path above its panel: a panel's title is cut to the width
            out.print(f"[bold]{safe(change.path)}[/]")
            out.print(Panel(Syntax(printable(unified_diff(change), lines=True), "diff", theme="ansi_dark", word_wrap=True)))
    _rule_table(result, out)
    _diagnostics(result, out, verbose)
    if result.failures:
        out.print(_("[bold red]Files that could not be migrated[/] (left unchanged):"))
        for failure in result.failures:
            line = f":{failure.line}" if failure.line else ""
            out.print(printable(f"  {failure.path}{line}: {localize(failure.message)}"), markup=False)
    for path, note in result.notes:
        out.print(printable(_("  note: {note}").format(note=_note(path, localize(note)))), markup=False)


def diff_counts(change: FileChange) -> "tuple[int, int]":
    """Lines added and removed by ``change``, as ``git diff --stat`` counts them."""
    added = removed = 0
    for line in unified_diff(change).splitlines():
        if line.startswith("+") and not line.startswith("+++ "):
            added += 1
        elif line.startswith("-") and not line.startswith("--- "):
            removed += 1
    return added, removed


def _stat(result: MigrationResult, out: Console, bar: int = 40) -> None:
    if not result.changes:
        return
    counts = [(printable(c.path), *diff_counts(c)) for c in result.changes]
    width = max(len(path) for path, _a, _r in counts)
    digits = max(len(str(a + r)) for _p, a, r in counts)
    most = max(a + r for _p, a, r in counts) or 1
    for path, added, removed in counts:
        scale = min(1.0, bar / most)
        plus, minus = round(added * scale), round(removed * scale)
        out.print(
            f" {safe(path)}{' ' * (width - len(path))} | {added + removed:>{digits}} [green]{'+' * plus}[/][red]{'-' * minus}[/]"
        )
    out.print(
        " "
        + _("{files} file(s) changed, {added} insertion(s)(+), {removed} deletion(s)(-)").format(
            files=len(counts), added=sum(a for _p, a, _r in counts), removed=sum(r for _p, _a, r in counts)
        )
    )


def _rule_table(result: MigrationResult, out: Console) -> None:
    applied = result.applied
    if not applied:
        out.print(_("Nothing to migrate automatically."))
        return
    files = result.files_per_rule()
    table = Table(title=_("Rules applied"), title_justify="left")
    table.add_column(_("rule"))
    table.add_column(_("sites"), justify="right")
    table.add_column(_("files"), justify="right")
    for rule in sorted(applied):
        table.add_row(rule, str(applied[rule]), str(files[rule]))
    out.print(table)


def _diagnostics(result: MigrationResult, out: Console, verbose: bool = False) -> None:
    if not result.diagnostics:
        return
    # on a large run the info notes (a model mapped, a setting removed) bury the warnings and the
    # sites left for a person: counted, and listed on request
    shown = [d for d in result.diagnostics if verbose or d.severity != "info"]
    folded = len(result.diagnostics) - len(shown)
    by_file: Dict[str, List[Diagnostic]] = defaultdict(list)
    for d in shown:
        by_file[d.path].append(d)
    manual = len(result.manual)
    out.print(_("[bold]Diagnostics[/] ({n} left for a person):").format(n=manual))
    if folded:
        out.print(
            "  " + ngettext("{n} info note (use -v to list it)", "{n} info notes (use -v to list them)", folded).format(n=folded)
        )
    for path in sorted(by_file):
        out.print(f"  [bold]{safe(path)}[/]")
        for d in by_file[path]:
            where = _("cell {n} ").format(n=d.cell) if d.cell is not None else ""
            style = {"manual": "red", "warning": "yellow"}.get(d.severity, "dim")
            severity = _(SEVERITIES[d.severity]) if d.severity in SEVERITIES else d.severity
            out.print(f"    {where}{d.line}:{d.column} [{style}]{safe(severity)}[/] {safe(d.rule)}: ", end="")
            out.print(printable(localize(d.message)), markup=False, highlight=False)


SEVERITIES = {"info": N_("info"), "warning": N_("warning"), "manual": N_("manual")}  # as shown; JSON keeps the key


def _note(path: str, note: str) -> str:
    # notes from the dependency and env rewriters already begin with their file (and line)
    return note if note.startswith(path) else f"{path}: {note}"


def summary_line(result: MigrationResult) -> str:
    parts = [_("{n} file(s) changed").format(n=len(result.changes)), _("{n} site(s) rewritten").format(n=result.code_sites)]
    if result.file_edits:
        parts.append(_("{n} dependency/env/config file edit(s)").format(n=result.file_edits))
    if result.hybrids:
        parts.append(
            _("{n} client(s) kept on the openai SDK at the provider's compatible endpoint").format(n=len(result.hybrids))
        )
    if result.units_left:
        parts.append(_("{n} client(s) left on OpenAI as a whole").format(n=len(result.units_left)))
    if result.refused:
        parts.append(_("{n} file(s) refused by the self-check").format(n=len(result.refused)))
    if suppressed(result):
        parts.append(_("{n} site(s) suppressed").format(n=suppressed(result)))
    parts += [
        _("{n} left for a person").format(n=len(result.manual)),
        _("{n} file(s) could not be migrated").format(n=len(result.failures)),
    ]
    return _(", ").join(parts)


def suppressed(result: MigrationResult) -> int:
    """Sites a ``# migrator: ignore`` comment kept as they are."""
    return sum(d.rule == SUPPRESSED for d in result.diagnostics)


def commit_message(result: MigrationResult, *, dirty: List[str]) -> str:
    """In English whatever the language of the messages: it is written into the repository."""
    with use_language("en"):
        return _commit_message(result, dirty)


def _commit_message(result: MigrationResult, dirty: List[str]) -> str:
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
    lines = [
        "## " + _("Migrate OpenAI usage to {provider} ({plan} plan)").format(provider=rs.provider.title, plan=rs.plan.name),
        "",
        _("Generated by migrator {version} from {rules} (facts verified {verified}).").format(
            version=__version__, rules=f"`rules/{rs.provider.name}.yaml`", verified=rs.provider.verified
        ),
        "",
        _("{summary}.").format(summary=summary_line(result)),
        "",
        "### " + _("What changed per rule"),
        "",
        f"| {_('rule')} | {_('sites')} | {_('files')} |",
        "|---|---:|---:|",
    ]
    files = result.files_per_rule()
    lines += [f"| `{rule}` | {n} | {files[rule]} |" for rule, n in sorted(result.applied.items())]
    lines += ["", "### " + _("Files touched"), ""] + [f"- `{c.path}`" for c in result.changes]
    manual = result.manual
    if manual:
        lines += ["", "### " + _("Left for review"), ""]
        for d in manual:
            anchor = f"{link_base.rstrip('/')}/{d.path}#L{d.line}" if link_base else None
            where = f"[`{d.path}:{d.line}`]({anchor})" if anchor else f"`{d.path}:{d.line}`"
            lines.append(f"- {where} `{d.rule}`: {localize(d.message)}")
    used = _models_used(result)
    if used:
        lines += ["", "### " + _("Model mapping used"), "", f"| OpenAI | {rs.provider.title} |", "|---|---|"]
        lines += [f"| `{a}` | `{b}` |" for a, b in sorted(used.items())]
    lines += ["", "### " + _("Checks"), ""]
    lines += [
        f"- {c}"
        for c in (
            checks
            or [
                _("every rewritten file was parsed after the rewrite"),
                _("a second migration pass over every rewritten file changed nothing"),
            ]
        )
    ]
    if result.failures:
        lines += ["", "### " + _("Not migrated"), ""] + [f"- `{f.path}`: {localize(f.message)}" for f in result.failures]
    if result.notes:
        lines += ["", "### " + _("Notes"), ""] + [f"- {_note(path, localize(note))}" for path, note in result.notes]
    steps = step_texts(result)
    if steps:
        lines += ["", "### " + _("Next steps"), ""] + [f"{n}. {text}" for n, text in enumerate(steps, 1)]
    return redact_text("\n".join(lines) + "\n")


def next_steps(result: MigrationResult) -> List[Dict[str, str]]:
    """What the user does after a migration, all from the rule pack: the key variable, the SDK the
    plan requires, the endpoint variables the rewritten code reads (and their value for the other
    regions), then ``migrator check``.  Nothing when nothing was migrated."""
    if not result.changes:
        return []
    rs = result.ruleset
    pf, vars_ = rs.provider, rs.vars
    steps = [{"kind": "key", "env": vars_["api_key_env"], "guide": _guide(pf)}] if vars_.get("api_key_env") else []
    # the plan's SDK only where code now talks through it: a migration of LiteLLM or LangChain
    # objects alone (and the environment variables they read) needs the packages its rules import
    rules = {r.id: r for r in rs.rules + (rs.fallback.rules if rs.fallback is not None else [])}
    sdk = any(rules[rid].match.get("kind") not in ("framework", "env") for rid in result.applied if rid in rules)
    plans = ([rs.plan] if sdk else []) + ([rs.fallback.plan] if result.hybrids and rs.fallback is not None else [])
    wanted = [plan.requirement for plan in plans if plan.requirement] + rs.requirements(result.applied)
    for req in dict.fromkeys(wanted):
        steps.append({"kind": "install", "requirement": req, "command": f'pip install "{req}"'})
    read = _vars_read(result)
    for key in sorted(k for k in read if k != "api_key_env"):
        name = key[: -len("_env")]
        default = vars_.get(name) or vars_.get(name + "_url", "")
        steps.append({"kind": "endpoint", "env": vars_[key], "default": default})
        for region, values in sorted(pf.regions.items()):
            if values.get(name) and values[name] != default:
                steps.append({"kind": "region", "region": region, "env": vars_[key], "url": values[name]})
    steps.append({"kind": "check", "command": "migrator check"})
    return steps


GUIDES = {"en": "docs/providers", "zh": "docs/zh-CN/providers"}  # each pack's guide, per language


def _guide(pf: ProviderFile) -> str:
    """Where a user learns how to get a key: the built-in pack's guide in this project, the
    provider's docs for a pack of the user's own."""
    if Path(pf.path).resolve().parent == builtin_rules_dir().resolve():
        return _("{guide} in migrator's repository, or {docs}").format(guide=f"{GUIDES[language()]}/{pf.name}.md", docs=pf.docs)
    return pf.docs


def _vars_read(result: MigrationResult) -> List[str]:
    """The pack's ``*_env`` variables named by a rule that rewrote something (the code now reads them)."""
    rs = result.ruleset
    rules = list(rs.rules) + (list(rs.fallback.rules) if rs.fallback is not None else [])
    text = " ".join(repr(op.params) for rule in rules if rule.id in result.applied for op in rule.ops)
    return [key for key in rs.vars if key.endswith("_env") and "${" + key + "}" in text]


STEP_TEXTS = {
    "key": N_("Set {env} to your {provider} API key (how to get one: {guide})."),
    "install": N_("Install the SDK the migrated code needs: {command}"),
    "endpoint": N_("Optional: {env} overrides the endpoint (default {default})."),
    "region": N_("For the {region} region set {setting} (or run apply with --region {region})."),
    "check": N_("Run {command} to confirm no OpenAI usage is left (in CI or pre-commit too)."),
}


def step_texts(result: MigrationResult) -> List[str]:
    """The next steps as sentences in the current language, commands and names in backticks."""
    title = result.ruleset.provider.title
    out = []
    for step in next_steps(result):
        fields = {k: (v if k in ("guide", "region") else f"`{v}`") for k, v in step.items() if k != "kind"}
        if step["kind"] == "region":
            fields["setting"] = f"`{step['env']}={step['url']}`"
        out.append(_(STEP_TEXTS[step["kind"]]).format(provider=title, **fields))
    return out


def render_next_steps(result: MigrationResult, out: Console) -> None:
    texts = step_texts(result)
    if texts:
        out.print(_("[bold]Next steps[/]"))
        for n, text in enumerate(texts, 1):
            out.print(printable(f"  {n}. {text}"), markup=False, highlight=False)


def _english(function: Callable[..., _T], *args: Any) -> _T:
    with use_language("en"):
        return function(*args)


def _models_used(result: MigrationResult) -> Dict[str, str]:
    used = {}
    for d in result.diagnostics:
        if d.message.startswith("model '") and "' -> '" in d.message:
            left, right = d.message[len("model '") :].split("' -> '", 1)
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
        "next_steps": _english(next_steps, result),
    }
    doc.update(extra)
    return json_document(doc)
