"""The sites outside units that depend on them (``except`` clauses, annotations, ``OPENAI_*`` reads,
the module configuration of v0 code): each moves only when the units it depends on all do."""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Set

from migrator.analyzer import symbols as sym
from migrator.engine.model import Site
from migrator.engine.unit import Unit, UnitPlan, _at, _ByStart, _inside, rewrites
from migrator.i18n import N_
from migrator.ruleset import Rule


def _legacy_config(all_sites: Sequence[Site], by_site: Dict[int, List[Rule]], plan: UnitPlan) -> Set[int]:
    """Module configuration (``openai.api_key = ...``) goes only with v0 calls it configures in
    this module (``remove_statement`` itself keeps it while one of them is left)."""
    held: Set[int] = set()
    if any(s.kind == "call" and s.attrs.get("receiver") in ("legacy", "module") for s in all_sites):
        return held
    for site in all_sites:
        if site.kind == "config" and any(rewrites(r) for r in by_site.get(id(site), [])):
            held.add(id(site))
            plan.reports.append(
                (
                    site,
                    "migrator/unit",
                    N_(
                        "openai.{attribute} is kept: no openai<1 call in this module uses it, so it configures calls elsewhere; "
                        "remove it once every module that relies on it is migrated"
                    ).format(attribute=site.attrs.get("attribute")),
                    "warning",
                )
            )
    return held


def _dependents(
    all_sites: Sequence[Site],
    moving: Set[int],
    units: List[Unit],
    unit_of: Dict[int, Unit],
    plan: UnitPlan,
    tree_stays: Optional[str] = None,
) -> Set[int]:
    """ids of sites outside units whose rewrite would disagree with a unit left on OpenAI."""
    held: Set[int] = set()
    raised = [
        s
        for s in all_sites
        if s.kind == "symbol"
        and s.attrs.get("context") in ("call", "raise")
        and sym.exception_name(str(s.attrs.get("symbol"))) is not None
    ]
    catching = [
        s
        for s in all_sites
        if id(s) in moving
        and id(s) not in unit_of
        and s.kind == "symbol"
        and s.attrs.get("context") in ("except", "load")
        and sym.exception_name(str(s.attrs.get("symbol")))
    ]
    if raised and catching:
        # the module raises OpenAI errors itself, and a handler not tied to one call catches OpenAI
        # errors: it may be catching the module's own and the clients' alike, so no class serves both
        for unit in units:
            if unit.rewrites and not unit.blocked:
                unit.reasons.append(
                    _at(
                        catching[0].span.line,
                        N_(
                            "this module raises {symbol} itself (line {number}) and catches OpenAI "
                            "errors here, where they may come from its own code or from this client, and "
                            "one exception class cannot serve both"
                        ).format(symbol=raised[0].attrs.get("symbol"), number=raised[0].span.line),
                    )
                )
    # a client left on OpenAI, or one talking to another server through the openai SDK, keeps the
    # classes that may name it and the key reads that may feed it
    module_ok = bool(units) and not any(u.keeps_sdk for u in units)
    blocked_lines = _lines(u for u in units if u.keeps_sdk)
    # for OPENAI_* reads, only the clients that may read one count
    keys_ok = bool(units) and not any(u.keeps_sdk and u.may_read_openai_key for u in units)
    key_lines = _lines(u for u in units if u.keeps_sdk and u.may_read_openai_key)
    calls = [s for s in all_sites if s.kind == "call"]
    # an api.openai.com URL the code still calls by hand (requests.post(URL, headers=...)), outside
    # every construction (retargeted there), test double and default the rules retarget
    handled = [s.span for s in all_sites if s.kind in ("client", "double", "endpoint", "framework")]
    raw_url = next((s for s in all_sites if s.kind == "url" and not any(_inside(s.span, span) for span in handled)), None)
    call_index: Optional[_ByStart] = None
    for site in all_sites:
        if id(site) in unit_of or id(site) not in moving:
            continue
        symbol = str(site.attrs.get("symbol") or "")
        if site.kind == "symbol" and sym.exception_name(symbol) is not None:
            context = site.attrs.get("context")
            if context in ("call", "raise"):
                held.add(id(site))
                plan.reports.append(
                    (
                        site,
                        "migrator/unit",
                        N_(
                            "{symbol} is raised by this module itself: kept (the "
                            "provider's exception classes take other arguments)"
                        ).format(symbol=symbol),
                        "info",
                    )
                )
                continue
            if raised:
                held.add(id(site))
                plan.reports.append(
                    (
                        site,
                        "migrator/unit",
                        N_(
                            "{symbol} is kept: this module raises OpenAI exceptions itself "
                            "(line {line}), which a provider class would not catch"
                        ).format(symbol=symbol, line=raised[0].span.line),
                        "warning",
                    )
                )
                continue
            guard = site.attrs.get("guard")
            if guard is not None and call_index is None:
                call_index = _ByStart([(c.span, c) for c in calls])
            inside = call_index.inside(guard) if guard is not None else []  # type: ignore[union-attr]
            if inside:
                left = sorted({unit_of[id(c)].anchor.span.line for c in inside if id(c) in unit_of and unit_of[id(c)].keeps_sdk})
                if left:
                    held.add(id(site))
                    plan.reports.append(
                        (
                            site,
                            "migrator/unit",
                            N_("{symbol} is kept: the try block calls a client left on OpenAI (line {lines})").format(
                                symbol=symbol, lines=", ".join(map(str, left))
                            ),
                            "warning",
                        )
                    )
                continue
            if not module_ok:
                held.add(id(site))
                plan.reports.append((site, "migrator/unit", _module_reason(symbol, units, blocked_lines), "warning"))
            continue
        loose_key = site.kind == "env" and str(site.attrs.get("variable", "")).startswith("OPENAI_")
        if loose_key and site.attrs.get("handed"):
            # renamed, the provider's key would be set where the openai module goes and sent to
            # OpenAI by the calls made through it, which no analysis here sees (doctran)
            held.add(id(site))
            plan.reports.append(
                (
                    site,
                    "migrator/module-handed",  # (not "migrator/unit": no client is known, none is counted as left)
                    N_(
                        "{variable} is kept: this module hands the openai module itself out at line {line}, and the "
                        "calls made through it there are out of this analysis' sight: migrate them by hand, then this read"
                    ).format(variable=site.attrs.get("variable"), line=site.attrs["handed"]),
                    "manual",
                )
            )
            continue
        if loose_key and raw_url is not None:
            # (review 5 T0: renamed, the provider's key went to api.openai.com with the request)
            held.add(id(site))
            plan.reports.append(
                (
                    site,
                    "migrator/unit",
                    N_(
                        "{variable} is kept: this module still sends requests to OpenAI's URL (line {line}), which this "
                        "key may authenticate"
                    ).format(variable=site.attrs.get("variable"), line=raw_url.span.line),
                    "warning",
                )
            )
            continue
        if loose_key and tree_stays:
            held.add(id(site))
            plan.reports.append(
                (
                    site,
                    "migrator/unit",
                    N_(
                        "{variable} is kept: a client elsewhere in the project stays on "
                        "OpenAI ({place}), and this key may feed it"
                    ).format(variable=site.attrs.get("variable"), place=tree_stays),
                    "warning",
                )
            )
            continue
        if site.kind == "symbol" and symbol in sym.CLIENT_CLASSES and not units:
            # an isinstance check or annotation in a module that builds and calls no client: the
            # clients it names come from callers, who may well keep passing OpenAI's
            held.add(id(site))
            plan.reports.append(
                (
                    site,
                    "migrator/unit",
                    N_(
                        "{symbol} is kept: this module neither builds nor calls a client, "
                        "so the clients it names come from elsewhere"
                    ).format(symbol=symbol),
                    "warning",
                )
            )
            continue
        if loose_key:
            if units and not keys_ok:
                held.add(id(site))
                plan.reports.append(
                    (site, "migrator/unit", _module_reason(str(site.attrs.get("variable")), units, key_lines), "warning")
                )
        elif site.kind == "symbol" and symbol in sym.CLIENT_CLASSES:
            if units and not module_ok:
                held.add(id(site))
                plan.reports.append((site, "migrator/unit", _module_reason(symbol, units, blocked_lines), "warning"))
    return held


def _lines(units: Iterable[Unit]) -> str:
    """Lines of the clients that keep the openai SDK; "(another server)" after one that is not OpenAI's."""
    return ", ".join(f"{u.anchor.span.line}" + ("" if u.stays else " (another server)") for u in units)


def _module_reason(what: str, units: List[Unit], blocked_lines: str) -> str:
    if not units:
        return N_("{what} is kept: no client in this module is migrated").format(what=what)
    if not any(u.stays for u in units):
        return N_(
            "{what} is kept: a client in this module talks to another server through the openai SDK (line {lines}), "
            "and it may belong to that one"
        ).format(what=what, lines=blocked_lines.replace(" (another server)", ""))
    return N_("{what} is kept: a client in this module stays on OpenAI (line {lines}), and it may belong to that one").format(
        what=what, lines=blocked_lines
    )
