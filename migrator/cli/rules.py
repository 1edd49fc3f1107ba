"""``migrator rules``: list, show, validate and test rule files."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from migrator.cli import app
from migrator.errors import EXIT_OK, EXIT_USAGE, UsageError
from migrator.i18n import _, localize, rule_text

rules_app = typer.Typer(help=_("Inspect, validate and test rule files."), no_args_is_help=True, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")


def _load(extra: Optional[List[str]]):
    from migrator.ruleset import load_all

    return load_all(extra or [])


@rules_app.command("list", help=_("List rule ids, their provider and plans, and what they do."))
def list_rules(
    provider: Optional[str] = typer.Option(None, "--provider", "-p", help=_("Only this provider's rules.")),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help=_("Extra rule file or directory (repeatable).")),
) -> None:
    from rich.table import Table

    from migrator.report.console import console

    from migrator.report.console import safe

    table = Table()
    for col in (_("id"), _("plans"), _("message")):
        table.add_column(col)
    shown = [pf for pf in _load(rules) if not provider or pf.name == provider]
    for pf in shown:
        for rule in pf.rules:
            table.add_row(rule.id, ", ".join(rule.plans), localize(rule.message))
    console().print(table)
    for pf in shown:  # a plan a pack declares but refuses: why (apply --plan says the same)
        for name, plan in pf.plans.items():
            if plan.refuse:
                console().print(
                    safe(
                        _("provider '{provider}' does not offer a '{plan}' plan: {reason}").format(
                            provider=pf.name, plan=name, reason=localize(plan.refuse)
                        )
                    )
                )


@rules_app.command("show", help=_("Show one rule: message, note, what it matches, its operations and tests."))
def show_rule(
    rule_id: str = typer.Argument(..., help=_("Rule id, e.g. dashscope/client-endpoint.")),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help=_("Extra rule file or directory (repeatable).")),
) -> None:
    import json

    from migrator.report.console import console, safe

    for pf in _load(rules):
        for rule in pf.rules:
            if rule.id == rule_id:
                out = console()
                out.print(
                    f"[bold]{safe(rule.id)}[/]"
                    + safe(
                        _(" ({title}; plans: {plans}; {source}:{line})").format(
                            title=pf.title, plans=", ".join(rule.plans), source=rule.source, line=rule.line
                        )
                    )
                )
                out.print(localize(rule.message), markup=False)
                if rule.note:  # a built-in note in the chosen language; its text is not markup ("crewai[litellm]")
                    out.print(rule_text(rule.note).rstrip(), markup=False, highlight=False)
                out.print(_("match: {json}").format(json=json.dumps(rule.match, sort_keys=True)), markup=False)
                for op in rule.ops:
                    out.print(f"  - {op.name}: {json.dumps(op.params, sort_keys=True)}", markup=False)
                out.print(_("tests: {valid} valid, {invalid} invalid").format(valid=len(rule.valid), invalid=len(rule.invalid)))
                raise typer.Exit(EXIT_OK)
    raise UsageError(_("no rule with id '{id}'").format(id=rule_id))


@rules_app.command("validate", help=_("Check rule files against the schema; print every problem as path:line: message."))
def validate(files: Optional[List[Path]] = typer.Argument(None, help=_("Rule files (default: all)."))) -> None:
    from migrator.report.console import console, error_console
    from migrator.ruleset import load_file, rule_files

    paths = list(files) if files else rule_files()
    problems: List[str] = []
    for path in paths:
        if not path.exists():
            problems.append(_("{path}:1: no such file").format(path=path))
            continue
        load_file(path, problems)
    for problem in dict.fromkeys(problems):  # a shared file's problem is found for each pack extending it
        error_console().print(problem, markup=False, highlight=False)
    if problems:
        raise typer.Exit(EXIT_USAGE)
    console().print(_("{n} rule file(s) valid").format(n=len(paths)))


@rules_app.command("test", help=_("Run the inline valid/invalid tests of rules; show each failure with its diff."))
def test(
    targets: Optional[List[str]] = typer.Argument(
        None, help=_("Rule files, rule ids or provider names (default: all built-in rules).")
    ),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help=_("Extra rule file or directory (repeatable).")),
) -> None:
    from pathlib import Path

    from migrator.report.console import console
    from migrator.ruleset import load_all
    from migrator.testing import run_all_inline

    files = [t for t in targets or [] if t.endswith((".yaml", ".yml")) or Path(t).is_file()]
    ids = [t for t in targets or [] if t not in files]
    providers = load_all(list(rules or []), replacing=files)
    if files and not ids:  # test exactly the rules of the files given
        wanted = {str(Path(f).resolve()) for f in files}
        providers = [pf for pf in providers if str(Path(pf.path).resolve()) in wanted]
    results = run_all_inline(providers, ids or None)
    out = console()
    failed = [r for r in results if not r.ok]
    for r in failed:
        out.print(f"[red]{r.verdict}[/] {r.id}", highlight=False)
        if r.detail:
            out.print(r.detail, markup=False, highlight=False)
    out.print(_("{passed} passed, {failed} failed").format(passed=len(results) - len(failed), failed=len(failed)))
    raise typer.Exit(1 if failed else EXIT_OK)
