"""Scan's provider readiness matrix: per provider and plan, how many call sites
would migrate automatically, with diagnostics, or need a person — predicted
from the rules without rewriting anything."""

from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple

from migrator.config import Config
from migrator.engine.plan import matches, predict, sites
from migrator.models import ScanResult
from migrator.ruleset import ProviderFile, Rule, RuleSet, load_all, select


def _rulesets(providers: Sequence[ProviderFile], config: Config, only: Optional[str]) -> List[RuleSet]:
    out = []
    for pf in providers:
        if only and pf.name != only:
            continue
        for plan in pf.plans.values():
            if plan.refuse:
                continue
            out.append(select(providers, pf.name, plan.name, models=config.models, env=config.env))
    return out


_SITE_KINDS = ("call", "framework")

# (rules filed by the plain API they name, rules naming none or a glob), each with its position
_CallRules = Tuple[Dict[str, List[Tuple[int, Rule]]], List[Tuple[int, Rule]]]


def _call_rules(ruleset: RuleSet, kind: str) -> _CallRules:
    """The ruleset's rules for sites of ``kind``, those naming plain APIs filed by API (the
    rest apart), with their order in the ruleset: a site is tried only against rules that
    can match its API."""
    by_api: Dict[str, List[Tuple[int, Rule]]] = {}
    other: List[Tuple[int, Rule]] = []
    for index, rule in enumerate(ruleset.rules):
        if rule.match.get("kind") != kind:
            continue  # (the first test in matches)
        api = rule.match.get("api")
        options = api if isinstance(api, list) else [api]
        if api is not None and all(isinstance(o, str) and not any(c in o for c in "*?[") for o in options):
            for option in dict.fromkeys(options):
                by_api.setdefault(option, []).append((index, rule))
        else:
            other.append((index, rule))
    return by_api, other


def _classify(site, ruleset: RuleSet, call_rules: _CallRules, reasons: Counter) -> str:
    if site.attrs.get("confidence") == "low":
        if site.attrs.get("receiver") == "super":
            reasons["called through super() in a subclass of a v0 resource"] += 1
        else:
            reasons["receiver could not be resolved"] += 1
        return "manual"
    by_api, other = call_rules
    api = site.attrs.get("api")
    candidates = sorted((by_api.get(api, []) if isinstance(api, str) else []) + other, key=lambda pair: pair[0])
    rules = [r for _, r in candidates if matches(r, site)]
    predicted = predict(site, rules, ruleset)
    manual = [m for severity, m in predicted if severity == "manual"]
    warnings = [m for severity, m in predicted if severity == "warning"]
    for message in manual or warnings:
        reasons[message] += 1
    if manual:
        return "manual"
    return "with_diagnostics" if warnings else "automatic"


def readiness_matrix(result: ScanResult, *, root: str, config: Config, provider: Optional[str] = None,
                     extra_rules: Sequence[str] = (), providers: Optional[Sequence[ProviderFile]] = None) -> List[Dict[str, Any]]:
    """One row per provider and plan; call sites and wrapper constructions (clients and
    imports follow them).
    ``providers``: the packs, if already loaded (``load_all`` of the config's and ``extra_rules``)."""
    if providers is None:
        providers = load_all(list(config.rules) + list(extra_rules))
    # API calls, and constructions of wrapper classes (ChatOpenAI(...)): what a person calls a
    # call site, and what a LangChain-only project has instead of API calls
    call_sites = [s for a in result.analyses if not a.error for s in sites(a) if s.kind in _SITE_KINDS]
    rows = []
    for ruleset in _rulesets(providers, config, provider):
        counts: Counter = Counter()
        reasons: Counter = Counter()
        rules_by_kind = {kind: _call_rules(ruleset, kind) for kind in _SITE_KINDS}
        for site in call_sites:
            counts[_classify(site, ruleset, rules_by_kind[site.kind], reasons)] += 1
        rows.append({
            "provider": ruleset.provider.name,
            "plan": ruleset.plan.name,
            "automatic": counts["automatic"],
            "with_diagnostics": counts["with_diagnostics"],
            "manual": counts["manual"],
            "reasons": [f"{m} (×{n})" for m, n in reasons.most_common(5)],
        })
    return rows
