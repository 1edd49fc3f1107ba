"""A plan whose clients stay on OpenAI in part: the ``OPENAI_*`` reads and the rest of the module kept
for those clients (``with_fallback``)."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

from migrator.engine.model import Site
from migrator.engine.unit import Pair, UnitPlan, _inside, rewrites
from migrator.engine.units import MatchFn, plan_units
from migrator.i18n import N_
from migrator.ruleset import RuleSet


def with_fallback(
    all_sites: Sequence[Site],
    units: UnitPlan,
    ruleset: RuleSet,
    blocked: Dict[int, str],
    rules_for: Optional[MatchFn] = None,
    path: Optional[str] = None,
) -> Tuple[List[Pair], List[Tuple[Site, str, str, str]], Dict[int, RuleSet], Set[int]]:
    """Units the plan must leave whole, offered to its fallback plan (native -> compat): a unit
    the fallback serves whole is migrated by it, and the report says so.  Returns the pairs to
    apply, the planner's reports, the rule set of each fallback rule, and the fallback's sites."""
    kept, reports = list(units.pairs), list(units.reports)
    fallback = ruleset.fallback
    if fallback is None or not units.blocked:
        return kept, reports, {}, set()
    left = {id(s) for u in units.blocked for s in u.sites}
    legacy = [u for u in units.units if u.key[0] == "legacy" and u.rewrites]
    # openai<1 calls are configured by the module's settings: offered with them
    settings = {id(s) for s in all_sites if s.kind == "config"} if legacy and all(u.blocked for u in legacy) else set()
    fb_sites = [s for s in all_sites if id(s) in left or id(s) in settings]
    if rules_for is not None:
        fb_pairs = [(s, r) for s in fb_sites for r in rules_for(s)]
    else:
        from migrator.engine.plan import plan

        fb_pairs = plan(fb_sites, fallback)
    fb = plan_units(fb_sites, fb_pairs, fallback, blocked, path=path)
    # served: the fallback migrates it whole, or finds nothing to do on a client that no longer
    # talks to OpenAI (a hybrid from an earlier run: the native plan's reports do not apply to it)
    # (not one the fallback itself leaves for a person)
    left_by_fallback = {id(rep[0]) for rep in fb.reports if rep[1] == "migrator/unit" and rep[3] == "manual"}
    rescued = [
        u
        for u in fb.units
        if not u.blocked
        and id(u.anchor) not in left_by_fallback
        and (u.rewrites or u.anchor.attrs.get("endpoint") in ("dynamic", "other"))
    ]
    # OPENAI_* reads outside every client that the plan leaves as they are, with the fallback's rules
    loose = [
        s
        for s in all_sites
        if s.kind == "env"
        and id(s) not in units.unit_of
        and str(s.attrs.get("variable", "")).startswith("OPENAI_")
        and not any(id(s) == id(k) and rewrites(r) for k, r in kept)
    ]
    if rules_for is not None:
        loose_pairs = [(s, r) for s in loose for r in rules_for(s)]
    else:
        from migrator.engine.plan import plan

        loose_pairs = plan(loose, fallback) if loose else []

    def moves_loose(served: Set[int]) -> bool:
        """Those reads move with the clients the fallback serves when it serves every client that
        kept the openai SDK, here and in the project (left as they were, an OpenAI key would go to
        the provider's compatible endpoint)."""
        return not ruleset.tree_stays and all(
            id(u.anchor) in served for u in units.units if u.keeps_sdk and u.may_read_openai_key
        )

    # a client whose key is a value (``self._key``) one of those reads may feed is served only if the
    # read moves with it (a variable the fallback would not rename, OPENAI_COMPATIBILITY_API_KEY, is
    # not taken for OpenAI's key)
    if any(rewrites(r) for _, r in loose_pairs) and not moves_loose({id(u.anchor) for u in rescued}):
        rescued = [u for u in rescued if not (u.rewrites and u.key_from_value)]
    if ruleset.tree_stays:  # (a key another module holds: see plan_units)
        rescued = [u for u in rescued if not (u.rewrites and u.key_from_value and u.anchor.attrs.get("_key_ref"))]
    if not rescued:
        return kept, reports, {}, set()
    ids = {id(s) for u in rescued for s in u.sites}
    if settings and {u.key for u in legacy} <= {u.key for u in rescued}:
        ids |= settings  # every openai<1 call moved to the fallback: so do the settings they read
        kept = [(s, r) for s, r in kept if id(s) not in settings or not rewrites(r)]  # e.g. native's TODO for them
        spans = [s.span for s in all_sites if id(s) in settings]
        reports = [rep for rep in reports if not (rep[1] == "migrator/unit" and any(_inside(rep[0].span, o) for o in spans))]
    kept = [(s, r) for s, r in kept if id(s) not in ids] + [(s, r) for s, r in fb.pairs if id(s) in ids]
    if moves_loose(ids):
        moved = [(s, r) for s, r in loose_pairs if id(s) not in ids]
        fb.pairs += moved
        kept += moved
        ids |= {id(s) for s, r in moved if rewrites(r)}
    reports = [rep for rep in reports if not (rep[1] == "migrator/unit" and id(rep[0]) in ids)]
    for unit in rescued:
        if not unit.rewrites or unit.key[0] == "modeldef":
            continue  # (a model default follows its calls, whose client says why)
        native = units.unit_of.get(id(unit.anchor))
        why = "; ".join((native.reasons if native is not None else [])[:3])
        message = (
            N_(
                "{label} keeps the openai SDK (its client comes from a caller, and keeps whatever endpoint the "
                "caller gave it); the {fallback} plan's rules apply to it, because the {plan} plan cannot serve it "
                "whole: {why}"
            )
            if unit.key[0] == "external"
            else N_(
                "{label} stays on the openai SDK, pointed at {title}'s OpenAI-compatible endpoint; the {fallback} "
                "plan's rules apply to it, because the {plan} plan cannot serve it whole: {why}"
            )
        )
        reports.append(
            (
                unit.anchor,
                "migrator/hybrid",
                message.format(
                    label=unit.label, title=ruleset.provider.title, fallback=fallback.plan.name, plan=ruleset.plan.name, why=why
                ),
                "warning",
            )
        )
    return kept, reports, {id(r): fallback for _, r in fb.pairs}, ids
