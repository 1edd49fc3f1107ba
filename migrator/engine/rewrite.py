"""The rewrite engine: source text + rule set in, ``FileResult`` out.

``migrate_source`` never raises for a bad file: a file it cannot rewrite
safely comes back unchanged with ``error`` set.  Every rewritten text is
checked to parse, and to be a fixpoint (a second pass changes nothing); a
rewrite that fails either check is refused.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from migrator.analyzer import text_findings
from migrator.analyzer.python import analyze_python, analyze_python_kept
from migrator.analyzer.suppressions import python_suppressions
from migrator.engine import trees
from migrator.engine.fallback import with_fallback
from migrator.engine.held import choices, held_sites
from migrator.engine.model import Diagnostic, FileResult, Site
from migrator.engine.ops import OPS, Context, Sink
from migrator.engine.plan import kept_doubles, plan, sites, unconverted_legacy
from migrator.engine.selfcheck import introduced, refusal
from migrator.engine.transform import positions, transform
from migrator.engine.unit import build_units, rewrites
from migrator.engine.units import client_status, left_sites, loose_keys, plan_units, staying
from migrator.i18n import N_
from migrator.models import FileAnalysis
from migrator.results import RULES, SUPPRESSED
from migrator.ruleset import Rule, RuleSet


def _diagnostics(sink: Sink, path: str, cell: Optional[int]) -> List[Diagnostic]:
    out = []
    seen = set()
    for rule, site, message, severity in sink.diagnostics:
        # two rules running the same operation on one site say the same thing once
        key = (site.span.line, site.span.col, message, severity)
        if key not in seen:
            seen.add(key)
            out.append(Diagnostic(rule, path, site.span.line, site.span.col + 1, message, severity, cell))
    return out


def _unreached(pairs: Sequence[Tuple[Site, object]], applied: Set[int], path: str, cell: Optional[int]) -> List[Diagnostic]:
    out = []
    for site, rule in pairs:
        if id(site) not in applied:
            out.append(
                Diagnostic(
                    rule.id,  # type: ignore[attr-defined]
                    path,
                    site.span.line,
                    site.span.col + 1,
                    "site was not rewritten (its source form is not supported); check it by hand",
                    "manual",
                    cell,
                )
            )
    return out


def _prepare(kept: List[Tuple[Site, Rule]], sink: Sink, source: str, ruleset: RuleSet, rulesets: Dict[int, RuleSet]) -> None:
    """Let operations that feed others (a module setting carried into the clients replacing
    openai<1 calls) register what they provide before any site is edited."""
    lines = None
    for site, rule in kept:
        for op in rule.ops:
            prepare = getattr(OPS[op.name], "prepare", None)
            if prepare is None:
                continue
            if lines is None:
                lines = re.split(r"(?<=\n)|(?<=\r)(?!\n)", source)
            statement = "".join(lines[site.span.line - 1 : site.span.end_line])  # whole lines: no column arithmetic
            prepare(site, op.params, Context(rulesets.get(id(rule), ruleset), rule, site, sink), statement)


def _suppressed(
    source: str, all_sites: List[Site], pairs: Sequence[Tuple[Site, object]], ruleset: RuleSet, path: str, cell: Optional[int]
) -> Tuple[Set[int], List[Diagnostic]]:
    """Sites a ``# migrator: ignore[...] -- reason`` comment keeps as they are (the comment check
    honours, read by the analyzer's parser): on the site's line or alone on the line before, naming
    every rule, one of the site's rules, or a check rule (the code is meant to stay on OpenAI).
    A client moves whole or not at all, so a suppressed site holds every site of its unit.
    Returns (ids of the sites no rule may touch, one diagnostic per suppressed site)."""
    if "migrator" not in source or not pairs:
        return set(), []
    comments = python_suppressions(source)
    if not comments:
        return set(), []
    rules_at: Dict[int, Tuple[Site, Set[str]]] = {}
    for site, rule in pairs:
        rules_at.setdefault(id(site), (site, set()))[1].add(rule.id)  # type: ignore[attr-defined]
    unit_of = {} if ruleset.partial else build_units(all_sites)[1]  # --only/--skip: site by site
    held: Set[int] = set()
    out: List[Diagnostic] = []
    for sid, (site, ids) in sorted(rules_at.items(), key=lambda item: (item[1][0].span.line, item[1][0].span.col)):
        comment = next(
            (
                c
                for c in comments
                if site.span.line in c.targets() and (not c.rules or ids & set(c.rules) or any(r in RULES for r in c.rules))
            ),
            None,
        )
        if comment is None:
            continue
        unit = unit_of.get(sid)
        members = {id(s) for s in unit.sites} if unit is not None else {sid}
        others = (members & set(rules_at)) - {sid}
        named = f"ignore[{', '.join(comment.rules)}]" if comment.rules else "ignore"
        why = f" -- {comment.reason}" if comment.reason else ""
        comment_text = f"# migrator: {named}{why}"
        message = (
            N_("left as it is: `{comment}`, and {label} stays on OpenAI with it").format(comment=comment_text, label=unit.label)
            if unit is not None and others
            else N_("left as it is: `{comment}`").format(comment=comment_text)
        )
        held |= members
        out.append(Diagnostic(SUPPRESSED, path, site.span.line, site.span.col + 1, message, "info", cell))
    return held, out


Guard = Callable[[str], Optional[str]]


class NotRewritable(Exception):
    """The guard's reason: the text must not be given to LibCST."""


def rewrite_once(
    source: str,
    path: str,
    ruleset: RuleSet,
    analysis: Optional[FileAnalysis] = None,
    cell: Optional[int] = None,
    guard: Optional[Guard] = None,
    keep: bool = False,
) -> FileResult:
    """One pass: analyse (unless given), match rules, transform.  May raise on bad input;
    raises NotRewritable when ``guard(source)`` gives a reason, asked only when the text is about
    to be parsed with LibCST (most files with sites have nothing a rule rewrites and never are).
    ``keep``: the analysis is kept for the next reader of the same text (analyze_python_kept)."""
    if analysis is None:
        analysis = (analyze_python_kept if keep else analyze_python)(source, path, cell=cell)
        # the OpenAI URLs scan finds in the code (plan.sites: a URL left in the code keeps its keys)
        analysis.findings += [f for f in text_findings(path, source, cell=cell, python=True) if f.kind == "url"]
    if analysis.error:
        return FileResult(path, source, source, error=analysis.error)
    all_sites = sites(analysis)
    pairs = plan(all_sites, ruleset)
    doubled = kept_doubles(all_sites, ruleset)  # (their rules are the fallback's)
    pairs += doubled
    held, suppressed = _suppressed(source, all_sites, pairs, ruleset, path, cell)
    # the units a person chose to leave (apply --interactive) are blocked from the start, for the
    # plan and its fallback alike, and get no TODO comment
    skipped, members = held_sites(all_sites, ruleset, path, cell, source)
    pairs = [(site, rule) for site, rule in pairs if id(site) not in held and (id(site) not in members or rewrites(rule))]
    result = FileResult(path, source, source, list(suppressed))
    if not pairs:  # nothing to rewrite; what stays on OpenAI is still worth knowing (scan's matrix)
        units = plan_units(all_sites, pairs, ruleset, path=path)
        kept, reports, _rulesets, hybrid = with_fallback(all_sites, units, ruleset, {}, path=path)
        if not kept:  # (unless the fallback serves a client the plan itself has no rule for)
            result.diagnostics += _planner(reports, path, cell)
            result.left = left_sites(units, hybrid)
            result.staying = staying(units, hybrid)
            result.clients = client_status(units, hybrid, path, ruleset)
            return result
    problem = guard(source) if guard is not None else None
    if problem:
        raise NotRewritable(problem)
    module = cst.parse_module(source)
    where = positions(module)  # once, however many times the loop below transforms the module
    blocked: Dict[int, str] = dict(skipped)
    blocked_fallback: Dict[int, str] = dict(skipped)
    while True:
        # a unit moves whole or not at all; an operation that finds it cannot edit a site blocks
        # that site's unit, and the file is transformed again without it (at most once per unit)
        units = plan_units(all_sites, pairs, ruleset, blocked, path=path)
        kept, reports, rulesets, hybrid = with_fallback(all_sites, units, ruleset, blocked_fallback, path=path)
        rulesets = {**rulesets, **{id(rule): ruleset.fallback for _, rule in doubled if ruleset.fallback is not None}}
        left = unconverted_legacy(kept, all_sites)
        for site in all_sites:
            if site.kind == "config":
                site.attrs["legacy_left"] = left > 0
        sink = Sink(path, cell, ruleset.todo_comments, ruleset.todo_lang)
        _prepare(kept, sink, source, ruleset, rulesets)
        new, applied = transform(module, kept, ruleset, sink, rulesets, code=source, where=where)
        newly = False
        for sid, why in sink.blocking.items():
            if sid in hybrid:
                newly |= sid not in blocked_fallback
                blocked_fallback.setdefault(sid, why)
            elif sid in units.unit_of and not units.unit_of[sid].blocked and sid not in blocked:
                blocked[sid] = why
                newly = True
        if not newly:
            break
    result.output = (sink.code if sink.code is not None else new.code) if kept else source
    result.diagnostics = (
        suppressed + _planner(reports, path, cell) + _diagnostics(sink, path, cell) + _unreached(kept, applied, path, cell)
    )
    # honest counts: a rule counts at a site only where its operations edited the code
    result.applied = Counter(rule.id for site, rule in kept if (id(site), id(rule)) in sink.changed)
    result.units = units
    result.models, result.unmapped = dict(sink.models), frozenset(sink.unmapped)
    result.left = left_sites(units, hybrid)
    result.staying = staying(units, hybrid)
    result.clients = client_status(units, hybrid, path, ruleset)
    result.loose_keys = loose_keys(units, kept)
    result.imported_keys = any(
        u.rewrites and u.anchor.attrs.get("_key_ref") for u in units.units
    )  # (blocked: a fallback may serve it)
    result.hybrid = bool(hybrid) and any(id(site) in hybrid and id(site) in applied for site, _ in kept)
    if ruleset.held is not None and not ruleset.partial:
        result.offered = choices(units, hybrid, applied, path, cell, source, result.output)
    return result


def _planner(reports: List[Tuple[Site, str, str, str]], path: str, cell: Optional[int]) -> List[Diagnostic]:
    """The planner's reports (units left whole, hybrids) as diagnostics."""
    return [
        Diagnostic(rule, path, site.span.line, site.span.col + 1, message, severity, cell)
        for site, rule, message, severity in reports
    ]


def migrate_source(
    source: str,
    path: str,
    ruleset: RuleSet,
    analysis: Optional[FileAnalysis] = None,
    cell: Optional[int] = None,
    guard: Optional[Guard] = None,
) -> FileResult:
    """Migrate one module's source.  Never raises; see the module docstring for the guarantees.
    ``guard``: why a text must not be given to LibCST (None when it may), asked of ``source``
    only if it is about to be: a reason leaves the file unchanged with that reason as its error."""
    try:
        first = rewrite_once(source, path, ruleset, analysis, cell, guard)
    except NotRewritable as exc:
        return not_rewritten(path, source, exc.args[0])
    except (cst.ParserSyntaxError, SyntaxError) as exc:
        return FileResult(path, source, source, error=N_("cannot parse: {reason}").format(reason=_first_line(exc)))
    except RecursionError:
        return FileResult(path, source, source, error=N_("cannot rewrite: nesting too deep"))
    except Exception as exc:  # a bug in a rule or op: refuse this file, keep migrating the others
        if os.environ.get("MIGRATOR_DEBUG"):
            raise
        return FileResult(
            path,
            source,
            source,
            error=N_(
                "internal error while rewriting ({name}); file left unchanged. This is a bug in migrator: please report it"
            ).format(name=type(exc).__name__),
        )
    if first.error or first.output == source:
        return first
    try:
        trees.parse(first.output)
    except SyntaxError as exc:
        return _refused(
            first,
            N_("the rewrite would not parse (line {line}: {reason}); file left unchanged").format(
                line=exc.lineno, reason=exc.msg
            ),
        )
    problems = introduced(source, first.output, ruleset) if ruleset.self_check else []
    if problems:
        return _refused(first, refusal(problems))
    try:
        # (apply's check of the final text reads the same analysis again: kept for it)
        second = rewrite_once(first.output, path, ruleset, None, cell, keep=cell is None)
    except Exception as exc:  # the output is valid Python, so this is a bug in a rule or op
        return _refused(
            first,
            N_("the rewrite could not be checked for stability ({name}); file left unchanged").format(name=type(exc).__name__),
        )
    if second.output != first.output:
        return _refused(first, N_("the rewrite is not stable (a second pass changes it again); file left unchanged"))
    return first


def not_rewritten(path: str, source: str, reason: str) -> FileResult:
    """``source`` left as it is because it must not be given to LibCST (``reason``)."""
    return FileResult(path, source, source, error=N_("not rewritten: {reason}").format(reason=reason))


def _refused(result: FileResult, why: str) -> FileResult:
    """``result``'s file left as it is: every client it builds, takes or calls stays on OpenAI, which
    the modules sharing them must agree to (units.settle plans them again, and this one with
    them: agreed, it may then rewrite stably)."""
    refused = FileResult(result.path, result.original, result.original, result.diagnostics, Counter(), error=why)
    refused.clients = {
        key: "stays: {}: {}".format(result.path, N_("the module is left unchanged ({why})").format(why=why))
        for key in result.clients
    }
    return refused


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
