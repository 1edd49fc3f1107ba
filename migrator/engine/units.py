"""Migration units: a client and everything that depends on it move together, or not at all.

Rules match one site at a time; this module decides which of those matches may run.
A *unit* is one client as the analyzer's data flow sees it:

* a construction (``OpenAI(...)``, ``ChatOpenAI(...)``) with the class name at it, every API
  call on it, the fields read from those calls' results (a read that may come from two calls
  joins their clients into one unit) and the environment reads in its arguments (its key);
* a client known only from an annotation (``client: OpenAI``): the calls on it;
* a legacy v0 call (``openai.ChatCompletion.create(...)``), which becomes a call on a client of
  its own; the module configuration (``openai.api_key = ...``) is removed only when no v0 call of
  the module is left;
* a call on a receiver the analyzer could not resolve (never rewritten: it blocks itself).

A unit is *blocked* when one of its sites cannot be served by the plan: a rule leaves it for a
person (``todo``), an operation found it could not edit it, a native plan has no rule for one of
its API calls, or its receiver is unknown.  A blocked unit keeps only its reports.

Sites outside units depend on them: an exception class in ``except`` is rewritten only when
every call in the ``try`` body belongs to migrated units (or, with no direct call there, when
every unit of the module migrates); an exception the module raises itself is never remapped;
a client class in an annotation, or an ``OPENAI_API_KEY`` read outside any construction, moves
only when every unit of the module does, so no credential is paired with the wrong endpoint.

No LibCST here: scan's readiness matrix plans with the same function.  What a unit is lives in
``unit.py``, the sites that depend on units in ``dependents.py``, a plan kept in part for the clients
that stay in ``fallback.py``, and the units a person holds back in ``held.py``.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from migrator.analyzer import symbols as sym
from migrator.engine.dependents import _dependents, _legacy_config
from migrator.engine.model import Site
from migrator.engine.unit import (
    Pair,
    Unit,
    UnitPlan,
    _at,
    _cross_of,
    _dynamic,
    _model_remotes,
    _of_clients,
    _project_keys,
    build_units,
    rewrites,
    static_blocks,
)
from migrator.i18n import N_
from migrator.models import Span
from migrator.ruleset import Rule, RuleSet

MatchFn = Callable[[Site], List[Rule]]


def client_status(units: "UnitPlan", hybrid: Set[int], path: str, ruleset: RuleSet) -> Dict[Tuple[str, str], str]:
    """How each client unit of the module ends: "stays: <path>: <why>", "compat" (compat plan or a
    hybrid) or "native"."""
    out = {}
    for unit in units.units:
        # a model written in another module moves with every call it feeds, in every module, and
        # by the same plan (a call the fallback serves takes the fallback's model)
        ends = "compat" if ruleset.plan.keeps_openai else "native"
        if unit.elsewhere or unit.anchor.attrs.get("endpoint") == "other":
            ends = "stays: {}: {}".format(path, _at(unit.anchor.span.line, N_("its client talks to another server, not OpenAI")))
        elif id(unit.anchor) in hybrid:
            ends = "compat"  # served whole by the fallback plan
        elif unit.blocked or (not unit.rewrites and unit.key[0] != "modeldef"):
            ends = "stays: {}: {}".format(
                path,
                unit.reasons[0]
                if unit.reasons
                else _at(unit.anchor.span.line, N_("no rule of the {plan} plan moves it").format(plan=ruleset.plan.name)),
            )
        for site in unit.sites:
            for remote in _model_remotes(site):
                out[(str(remote[0]), str(remote[1]))] = ends
        if unit.key[0] == "modeldef":
            out[(path, str(unit.anchor.attrs["_remote_key"]))] = ends
            continue
        keys = [k for k in _project_keys(unit, path) if k is not None]
        if not keys:
            continue
        if not (unit.rewrites or unit.blocked):
            if (
                unit.key[0] == "client"
                and unit.anchor.kind == "client"
                and unit.anchor.attrs.get("endpoint") in ("none", "openai", "fallback")
            ):
                # no rule moves this construction: it talks to OpenAI, so the parts that call it must too
                end = f"stays: {path}: no rule of the {ruleset.plan.name} plan moves the construction at line {unit.anchor.span.line}"
            elif unit.elsewhere or unit.anchor.attrs.get("endpoint") == "other":
                continue
            elif unit.key[0] == "external" or any(k[1].startswith("param:") for k in keys):
                # a client handed to a project function that stays here (its endpoint a run-time
                # value), or calls on a client taken from callers that no rule changes: the other
                # side, moved, would send it what it cannot take (their models, their keywords)
                end = "stays: {}: {}".format(
                    path,
                    unit.reasons[0]
                    if unit.reasons
                    else _at(
                        unit.anchor.span.line,
                        (
                            _run_time(_dynamic(unit))
                            if _dynamic(unit) is not None
                            else N_("no rule of the {plan} plan migrates the client or the calls made on it").format(
                                plan=ruleset.plan.name
                            )
                        ),
                    ),
                )
            else:
                continue
        elif id(unit.anchor) in hybrid:
            end = "compat"
        elif unit.blocked:
            end = f"stays: {path}: {unit.reasons[0] if unit.reasons else 'left whole'}"
        else:
            end = "compat" if ruleset.plan.keeps_openai else "native"
        # every construction of the unit (a factory's branches): other modules may hold any of them
        for each in keys:
            out[each] = end
    return out


def agree(ends: Dict[Tuple[str, str], Dict[str, str]], cross: Dict[Tuple[str, str], str]) -> Dict[Tuple[str, str], str]:
    """What the modules sharing a client must do so it moves in all of them or in none, from how
    its parts ended in each (``ends``: client -> module -> client_status): "stay: <why>" if a part stays,
    "compat" if the parts ended on different SDKs (a native plan served some only)."""
    wanted = dict(cross)
    for key, by_path in ends.items():
        if key[1].startswith("param:") and key[0] in by_path and by_path[key[0]].startswith("stays: "):
            # the calls on a client parameter stay (also for what a caller's project pass found, which
            # a second pass over the rewritten file alone would not see): every caller's client stays
            if not wanted.get(key, "").startswith("stay:"):
                wanted[key] = "stay: " + by_path[key[0]][len("stays: ") :]
            continue
        if key[1].startswith("param:") and key[0] not in by_path and not wanted.get(key, "").startswith("stay:"):
            # handed to a parameter whose module forms no unit of it (the function passes it on,
            # stores it, or makes no call on it): what is sent through it cannot be followed
            wanted[key] = "stay: {}: {}".format(
                key[0],
                N_("what `{name}` does with the client it takes as `{param}` cannot be followed").format(
                    name=key[1].split(":")[1], param=key[1].split(":")[2]
                ),
            )
            continue
        if len(by_path) > 1 or key[0] not in by_path:  # used from a module other than its own
            found = set(by_path.values())
            stays = sorted(end for end in found if end.startswith("stays: "))
            if stays:  # "stay: <where and why the first part stays>"
                wanted[key] = wanted[key] if wanted.get(key, "").startswith("stay:") else "stay: " + stays[0][len("stays: ") :]
            elif len(found) > 1 and not wanted.get(key, "").startswith("stay:"):
                wanted[key] = "compat"
    return wanted


def seeded(ruleset: RuleSet, found: Iterable[Dict[str, Any]]) -> RuleSet:
    """The rule set the whole-project pass starts from: what the project index found holds before
    any module is planned (``found``: the sites' or findings' details): the calls on a client
    parameter another module hands a client that stays (``_param_stays``, analyzer/project.py).
    In the rule set, not in the analysis, so a second pass over the rewritten text (the stability
    check, which analyses that module alone) holds them too."""
    seeds = {(str(p[0]), str(p[1])): f"stay: {p[2]}" for detail in found for p in [detail.get("_param_stays")] if p}
    if not seeds:
        return ruleset
    seeds.update(ruleset.cross)
    return ruleset.with_cross(seeds)


EndsOf = Callable[[RuleSet, Optional[Set[Tuple[str, str]]]], Dict[str, Dict[Tuple[str, str], str]]]


def settle(ruleset: RuleSet, ends_of: EndsOf, shared_only: bool = False, rounds: int = 4) -> RuleSet:
    """Plan again until the modules (or notebook cells) that share a client agree on it
    (``agree``); returns the rule set carrying what they agreed.  ``ends_of(ruleset, keys)``
    plans the owners (modules, cells) touching ``keys`` (every owner for None) and returns
    owner -> its ``client_status``.  ``shared_only``: only clients more than one owner holds
    count (a cell is never the module a client is keyed by)."""
    cross: Dict[Tuple[str, str], str] = dict(ruleset.cross)  # (seeded)
    current = ends_of(ruleset, None)
    for _round in range(rounds):
        ends: Dict[Tuple[str, str], Dict[str, str]] = {}
        for owner, clients in current.items():
            for key, end in clients.items():
                ends.setdefault(key, {})[owner] = end
        if shared_only:
            ends = {key: owners for key, owners in ends.items() if len(owners) > 1}
        wanted = agree(ends, cross)
        if wanted == cross:
            break
        cross = wanted
        ruleset = ruleset.with_cross(cross)
        current.update(ends_of(ruleset, set(cross)))
    return ruleset


def plan_units(
    all_sites: Sequence[Site],
    pairs: Sequence[Pair],
    ruleset: RuleSet,
    blocked_sites: Optional[Dict[int, str]] = None,
    rules_for: Optional[MatchFn] = None,
    path: Optional[str] = None,
) -> UnitPlan:
    """Keep the (site, rule) pairs that leave every unit whole and every dependent coherent.

    ``blocked_sites``: id(site) -> why, for sites an operation could not edit on an earlier
    pass (the transform found out what the rules could not predict).  ``rules_for``: the rules
    matching a site, if the caller has a faster index than ``pairs``."""
    units, unit_of = build_units(all_sites)
    if ruleset.partial:
        return UnitPlan(list(pairs), units, unit_of=unit_of)
    by_site: Dict[int, List[Rule]] = {}
    for site, rule in pairs:
        by_site.setdefault(id(site), []).append(rule)
    blocked_sites = blocked_sites or {}
    # openai<1 calls configured (in this module) to talk to a server that is not OpenAI's
    elsewhere = next((s for s in all_sites if s.kind == "config" and s.attrs.get("endpoint") == "other"), None)
    # module settings of openai<1 that the plan cannot carry into the clients replacing its calls
    # (a proxy, a session, a CA bundle): those calls would lose them, so they stay whole
    uncarried = [
        (s, why)
        for s in all_sites
        if s.kind == "config"
        for why in static_blocks(s, rules_for(s) if rules_for is not None else by_site.get(id(s), []), ruleset)[:1]
    ]
    # openai exceptions another module names, imported here (analyzer: where they are caught may be
    # out of sight): a native SDK's client would raise others
    imported_exceptions = next(
        (s for s in all_sites if s.kind == "symbol" and s.attrs.get("context") == "exceptions-imported"), None
    )
    for unit in units:
        if (
            imported_exceptions is not None
            and not ruleset.plan.keeps_openai
            and unit.key[0] in ("client", "remote", "legacy")
            and any(s.kind in ("client", "call") for s in unit.sites)
        ):
            unit.reasons.append(
                _at(
                    imported_exceptions.span.line,
                    N_(
                        "this module imports `{name}`, openai exception classes another module names, which the {plan} plan cannot "
                        "change there: the provider's SDK raises its own"
                    ).format(name=imported_exceptions.attrs.get("symbol"), plan=ruleset.plan.name),
                )
            )
        if unit.key[0] == "client" and unit.anchor.kind == "client" and unit.anchor.attrs.get("endpoint") == "other":
            # a client built for another server (Ollama, vLLM, another provider): not OpenAI usage,
            # and the key it reads must not become the provider's (it would go to that server)
            unit.elsewhere, unit.rewrites = True, False
            continue
        unit.rewrites = any(rewrites(r) for s in unit.sites for r in by_site.get(id(s), []))
        unmoved = _unmoved(unit, by_site, rules_for) if unit.rewrites else None
        if unmoved is not None and unmoved.kind == "framework" and unmoved is not unit.anchor:
            # an embedding wrapper joined to the embeddings calls in its module (unit.build_units)
            unit.reasons.append(
                _at(
                    unmoved.span.line,
                    N_(
                        "the {name} built here embeds at OpenAI, and no rule of the plan points it at the provider: the "
                        "project's embeddings calls in this module may fill the same vector store, and vectors from two "
                        "providers in one store do not compare"
                    ).format(name=str(unmoved.attrs.get("symbol", "")).rsplit(".", 1)[-1]),
                )
            )
        elif unmoved is not None:
            # its key or its calls would change while the construction still talks to OpenAI
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    (
                        _run_time(_dynamic(unit))
                        if _dynamic(unit) is not None
                        else N_("no rule of the plan points this construction at the provider")
                    ),
                )
            )
        named = unit.anchor.attrs.get("key_named") if unit.anchor.kind in ("client", "framework") else None
        if unit.rewrites and named == "openai.api_key":
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "its api_key can come from `openai.api_key`, the openai module's key setting "
                        "(openai<1 fills it from OPENAI_API_KEY): pointed at the provider, it could send OpenAI's key "
                        "there: read the provider's key instead and run apply again"
                    ),
                )
            )
        elif unit.rewrites and named and named.startswith("$"):
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "its api_key can come from the environment variable {variable}, which by its "
                        "name holds OpenAI's key and is not renamed with the client: pointed at the provider, it could "
                        "send OpenAI's key there: read the provider's key instead and run apply again"
                    ).format(variable=named[1:]),
                )
            )
        elif unit.rewrites and named:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "its api_key comes from `{named}`, which by its name holds OpenAI's key: "
                        "pointed at the provider, it would send OpenAI's key there: give it the provider's key under another name and run apply "
                        "again"
                    ).format(named=named),
                )
            )
        if (
            not unit.rewrites
            and not ruleset.plan.keeps_openai
            and unit.key[0] == "client"
            and unit.anchor.kind == "client"
            and unit.anchor.attrs.get("endpoint") == "fallback"
        ):
            # OpenAI unless the caller says otherwise: left alone, it keeps talking to OpenAI while
            # the parts that call it (in other modules or cells) move; its fallback can serve it
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "its base_url is a value that defaults to OpenAI's endpoint, which the {plan} plan cannot take over"
                    ).format(plan=ruleset.plan.name),
                )
            )
        handed = _of_clients(unit, "handed")
        if unit.rewrites and handed:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "the client is passed to {handed}, whose use of it (the models it names, the "
                        "calls it makes) this module cannot follow"
                    ).format(handed=handed),
                )
            )
        cross = _cross_of(unit, path, ruleset)
        if cross == "compat" and not ruleset.plan.keeps_openai and (unit.rewrites or unit.anchor.kind == "client"):
            # (a construction no native rule rewrites, e.g. one whose endpoint is a caller's value,
            # is still the client the other parts call: it goes to the fallback with them)
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_("another module of the project uses this client in a way the {plan} plan cannot serve").format(
                        plan=ruleset.plan.name
                    ),
                )
            )
        if unit.rewrites and unit.key[0] == "remote" and not ruleset.plan.keeps_openai and cross is None:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_("the client is built in {module}, and a native SDK replaces a client only within one module").format(
                        module=unit.key[1]
                    ),
                )
            )
        stored = _of_clients(unit, "stored")
        if unit.rewrites and stored:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "the client is put in `{where}` at line {line}: what reads it out of there, "
                        "and where that goes, is out of this module's sight"
                    ).format(where=stored[0], line=stored[1]),
                )
            )
        shared = next(
            (
                s
                for s in unit.sites
                if s.kind == "symbol" and s.attrs.get("context") == "except" and not sym.is_openai(str(s.attrs.get("symbol")))
            ),
            None,
        )
        if unit.rewrites and shared is not None and not ruleset.plan.keeps_openai:
            # (analyzer: a name another module defines as openai exception classes, caught here)
            unit.reasons.append(
                _at(
                    shared.span.line,
                    N_(
                        "the exceptions caught here are openai's, named `{name}` in another module, "
                        "where the {plan} plan cannot change them: the provider's SDK raises its own"
                    ).format(name=str(shared.attrs.get("symbol")).rsplit(".", 1)[-1], plan=ruleset.plan.name),
                )
            )
        mixed = _of_clients(unit, "mixed")
        if unit.rewrites and mixed:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "the client is assigned to `{name}`, which at line {line} may hold another "
                        "value (set in another branch): the calls made on it cannot be followed"
                    ).format(name=mixed[0], line=mixed[1]),
                )
            )
        method = _of_clients(unit, "method_value")
        if unit.rewrites and method:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "its API method `{method}` is passed as a value at line {line}: the calls "
                        "made through it (their models, their keywords) are out of this module's sight"
                    ).format(method=method[0], line=method[1]),
                )
            )
        wrapped = unit.anchor.attrs.get("wrapped") if unit.anchor.kind == "client" else None
        if unit.rewrites and wrapped and not ruleset.plan.keeps_openai:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_("the client is wrapped by {wrapped}, which takes an openai client only").format(wrapped=wrapped),
                )
            )
        if unit.rewrites and unit.key[0] == "external" and not ruleset.plan.keeps_openai:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_("the client comes from a caller, and nothing here shows that every caller builds a {title} client").format(
                        title=ruleset.provider.title
                    ),
                )
            )
        if unit.key[0] == "legacy" and elsewhere is not None:
            unit.elsewhere, unit.rewrites = True, False  # not OpenAI usage: nothing to migrate
            continue
        if unit.rewrites and unit.key[0] == "legacy":
            unit.reasons += [
                _at(
                    site.span.line,
                    N_("openai.{attribute} configures these calls and cannot be carried into the new client ({why})").format(
                        attribute=site.attrs.get("attribute"), why=why
                    ),
                )
                for site, why in uncarried
            ]
        for site in unit.sites:
            if site.kind not in ("call", "client", "framework", "result", "config", "symbol", "params"):
                continue
            rules = rules_for(site) if rules_for is not None else by_site.get(id(site), [])
            statics = static_blocks(site, rules, ruleset) if site.kind != "params" else []  # (its call's)
            for why in statics + ([blocked_sites[id(site)]] if id(site) in blocked_sites else []):
                where = _at(site.span.line, why)
                if where not in unit.reasons:
                    unit.reasons.append(where)
        for site, remote in [(s, r) for s in unit.sites for r in _model_remotes(s)] if unit.rewrites and ruleset.cross else ():
            held = ruleset.cross.get((str(remote[0]), str(remote[1])))
            if held and held.startswith("stay:"):
                unit.reasons.append(
                    _at(
                        site.span.line,
                        N_(
                            "its model is the default written in {path} (line {number}), which is left as it is because another "
                            "call that takes it stays on OpenAI ({why})"
                        ).format(path=remote[0], number=remote[2], why=held[len("stay: ") :]),
                    )
                )
        if unit.key[0] == "modeldef":
            if unit.rewrites and cross and cross.startswith("stay:"):
                unit.reasons.append(
                    _at(
                        unit.anchor.span.line,
                        N_("a call that takes this model stays on OpenAI ({why})").format(why=cross[len("stay: ") :]),
                    )
                )
            elif cross == "compat" and not ruleset.plan.keeps_openai:
                unit.reasons.append(
                    _at(
                        unit.anchor.span.line,
                        N_("a call that takes this model keeps the openai SDK at the provider's compatible endpoint"),
                    )
                )
        elif (
            unit.rewrites
            and cross
            and cross.startswith("stay:")
            and not (
                path is not None
                and cross[len("stay: ") :].startswith(f"{path}: ")
                and cross[len("stay: ") + len(path) + 2 :] in unit.reasons
            )
        ):  # (its own reason, come back)
            why = cross[len("stay: ") :]
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    (
                        N_(
                            "this client moves in every module of the project or in none, and a part of it here cannot "
                            "move ({why})"
                        )
                        if path is not None and why.startswith(f"{path}: ")
                        else N_(
                            "this client moves in every module of the project or in none, and a part of it in another "
                            "module cannot move ({why})"
                        )
                    ).format(why=why),
                )
            )
    plan = UnitPlan([], units, unit_of=unit_of)
    if elsewhere is not None and any(u.elsewhere for u in units):
        plan.reports.append(
            (
                elsewhere,
                "migrator/unit",
                N_(
                    "openai.{attribute} points this module's openai<1 calls at a server that is not OpenAI's: they and the "
                    "module's settings are left as they are"
                ).format(attribute=elsewhere.attrs.get("attribute")),
                "info",
            )
        )
    moving = {id(s) for s in all_sites if any(rewrites(r) for r in by_site.get(id(s), []))}
    reports = list(plan.reports)
    while True:
        plan.reports = list(reports)
        deps = _legacy_config(all_sites, by_site, plan)
        deps |= _dependents(all_sites, moving, units, unit_of, plan, ruleset.tree_stays)
        # an OPENAI_* read kept for a client that stays may be where a moving client takes its key
        # from (api_key=api_key, self._key): pointed at the provider, it would send an OpenAI key
        kept = [
            s
            for s in all_sites
            if id(s) in deps
            and s.kind == "env"
            and id(s) not in unit_of
            and str(s.attrs.get("variable", "")).startswith("OPENAI_")
        ]
        hazards = [u for u in units if kept and u.rewrites and not u.blocked and u.key_from_value] if kept else []
        # the same for a key another module holds (config.API_KEY), where OPENAI_* reads stay for a
        # client of the project left on OpenAI (review 4 R12: OpenAI's key went to the provider)
        imported = [
            u
            for u in units
            if ruleset.tree_stays
            and u.rewrites
            and not u.blocked
            and u.key_from_value
            and u.anchor.attrs.get("_key_ref")
            and u not in hazards
        ]
        for unit in imported:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "its api_key comes from `{value}`, which another module holds and may "
                        "fill from OPENAI_API_KEY, kept there for the client left on OpenAI at {place}: pointed at "
                        "the provider, it could send OpenAI's key there"
                    ).format(value=unit.anchor.attrs["_key_ref"], place=ruleset.tree_stays),
                )
            )
        if not hazards and not imported:
            break
        for unit in hazards:
            unit.reasons.append(
                _at(
                    unit.anchor.span.line,
                    N_(
                        "its api_key comes from a value that may be the {variable} read at line "
                        "{number}, which stays for another client: pointed at the provider, it would send an "
                        "OpenAI key there"
                    ).format(variable=kept[0].attrs.get("variable"), number=kept[0].span.line),
                )
            )
    for site, rule in pairs:
        unit = unit_of.get(id(site))  # type: ignore[assignment]
        if unit is not None and unit.blocked and not any(op.name == "todo" for op in rule.ops):
            continue  # a unit left whole keeps what it reports for a person, nothing else
        if (unit is not None and unit.elsewhere) or (elsewhere is not None and site.kind == "config"):
            continue
        if id(site) in deps and rewrites(rule):
            continue
        plan.pairs.append((site, rule))
    for unit in units:
        dynamic = (
            _dynamic(unit)
            if not unit.rewrites
            and not unit.elsewhere
            and unit.key[0] == "client"
            and unit.anchor.kind == "client"
            and any(s.kind == "call" for s in unit.sites)
            else None
        )
        if not unit.rewrites and not unit.elsewhere and unit.key[0] == "remote":
            # calls on a client another module builds with a run-time endpoint: scan counts them left
            dynamic = next((s for s in unit.sites if s.kind == "call" and s.attrs.get("endpoint") == "dynamic"), None)
        run_time = dynamic is not None
        if dynamic is not None:
            # no rule matches a client whose endpoint a run-time value decides, nor its calls: say
            # why they stay, first (scan's readiness counts them for a person with the same reason)
            why = _at(dynamic.span.line, _run_time(dynamic))
            unit.reasons[:] = [why] + [r for r in unit.reasons if r != why]
        if (unit.blocked and unit.rewrites) or run_time:
            more = [N_("and {count} more").format(count=len(unit.reasons) - 3)] if len(unit.reasons) > 3 else []
            reasons = "; ".join(unit.reasons[:3] + more)
            plan.reports.append(
                (
                    unit.anchor,
                    "migrator/unit",
                    N_(
                        "{label} is left on OpenAI as a whole, with every call, result and exception that depends on it: "
                        "{reasons}"
                    ).format(label=unit.label, reasons=reasons),
                    "manual",
                )
            )
        elif unit.rewrites and not unit.blocked and unit.key[0] == "external" and ruleset.plan.keeps_openai:
            # a library's function taking the client: its callers outside the project keep theirs
            plan.reports.append(
                (
                    unit.anchor,
                    "migrator/unit",
                    N_(
                        "{label} comes from a caller: its calls now name {title}'s models and parameters, so every caller must "
                        "hand it a client pointed at {title} (an OpenAI client would receive them)"
                    ).format(label=unit.label, title=ruleset.provider.title),
                    "warning",
                )
            )
    if not units or any(u.rewrites for u in units):  # (a blocked unit may be the fallback's; no unit: a module of settings)
        for site in all_sites:
            if site.kind == "env" and site.attrs.get("written") and str(site.attrs.get("variable", "")).startswith("OPENAI_"):
                # (review 4 R6: textgrad wrote a handed client's key there; renamed, OpenAI's key went to the provider)
                plan.reports.append(
                    (
                        site,
                        "migrator/unit",
                        N_(
                            "{variable} is set here from a value, which may be OpenAI's key: kept; the migrated clients read "
                            "{provider_variable}: set that from the provider's key by hand"
                        ).format(variable=site.attrs.get("variable"), provider_variable=ruleset.vars.get("api_key_env", "?")),
                        "warning",
                    )
                )
    return plan


RUN_TIME = N_("its endpoint is set at run time (base_url from a value or **kwargs): point it at the provider by hand")


def _run_time(dynamic: Optional[Site]) -> str:
    """Why a construction's endpoint is a run-time value: what its ``**dict`` is made of, where the
    analyzer could tell (``spread_why``), else RUN_TIME."""
    return str((dynamic.attrs.get("spread_why") if dynamic is not None else None) or RUN_TIME)


def _unmoved(unit: Unit, by_site: Dict[int, List[Rule]], rules_for: Optional[MatchFn]) -> Optional[Site]:
    """The construction of a unit built here that no rule points at the provider (None: every one
    is, by a rule rewriting it (compat: base_url=; framework classes) or the class named there
    (native))."""
    anchor = unit.anchor
    if unit.key[0] not in ("client", "framework") or anchor.kind not in ("client", "framework"):
        return None  # v0 calls, annotated clients, unresolved calls: nothing is built here
    # every construction of the unit (a factory's branches, the clients one attribute may hold, an
    # embedding wrapper joined to the calls that fill its store): one left talking to OpenAI keeps all
    for built in [
        s for s in unit.sites if s.kind == anchor.kind or (s.kind == "framework" and s.attrs.get("form") == "construct")
    ]:
        if built.kind == "client" and built.attrs.get("endpoint") not in ("none", "openai", "fallback"):
            # an endpoint a run-time value decides (or Azure): no rule moves the construction, so its
            # key and calls must not move either (a provider's key would go to wherever it points)
            return built
        own = [
            s
            for s in unit.sites
            if s is built
            or (
                s.kind == "symbol"
                and s.attrs.get("context") == "call"
                and (s.span.line, s.span.col) == (built.span.line, built.span.col)
            )
        ]
        if not any(rewrites(r) for s in own for r in (rules_for(s) if rules_for is not None else by_site.get(id(s), []))):
            return built
    return None


def staying(units: UnitPlan, hybrid: Set[int]) -> Tuple[Tuple[int, str], ...]:
    """(line, label) of the units that stay talking to OpenAI (not served by a fallback)."""
    return tuple(
        (u.anchor.span.line, u.label) for u in units.units if u.stays and u.may_read_openai_key and id(u.anchor) not in hybrid
    )


def loose_keys(units: UnitPlan, kept: Sequence[Pair]) -> bool:
    """Whether an OPENAI_* read outside every client is renamed: it may feed a client elsewhere."""
    return any(site.kind == "env" and id(site) not in units.unit_of and rewrites(rule) for site, rule in kept)


def left_sites(units: UnitPlan, hybrid: Set[int]) -> FrozenSet[Span]:
    """Spans of the API calls and wrapper constructions whose unit stays on OpenAI (blocked, and
    not served by a fallback): what scan's readiness matrix must count as needing a person."""
    return frozenset(s.span for u in units.blocked for s in u.sites if s.kind in ("call", "framework") and id(s) not in hybrid)
