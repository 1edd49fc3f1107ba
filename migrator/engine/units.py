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

No LibCST here: scan's readiness matrix plans with the same function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from migrator.analyzer import symbols as sym
from migrator.engine.model import Site, UnitChoice
from migrator.i18n import N_
from migrator.engine.ops import OPS
from migrator.models import Span
from migrator.ruleset import Rule, RuleSet

UnitKey = Tuple[object, ...]
Pair = Tuple[Site, Rule]

REPORT_OPS = frozenset({"todo", "note"})
# ops whose report is a judgement on a value the edit still makes (a model name, a dropped keyword,
# a config line kept, an exception with no counterpart): the site is rewritten, a person reviews it
_VALUE_OPS = frozenset({"map_model", "drop_kwarg", "clamp_kwarg", "remove_statement", "replace_symbol", "note"})


@dataclass
class Unit:
    key: UnitKey
    anchor: Site
    sites: List[Site] = field(default_factory=list)
    reasons: List[str] = field(default_factory=list)
    rewrites: bool = False  # some rule would change one of its sites
    elsewhere: bool = False  # openai<1 calls the module points at a server that is not OpenAI's

    @property
    def blocked(self) -> bool:
        return bool(self.reasons)

    @property
    def stays(self) -> bool:
        """Left talking to OpenAI: blocked, or nothing in the plan moves it (and it does not
        already point elsewhere)."""
        if self.blocked:
            return True
        return not self.rewrites and self.anchor.attrs.get("endpoint") not in ("other",) and not self.elsewhere

    @property
    def keeps_sdk(self) -> bool:
        """Still an openai SDK client, talking to OpenAI or to another server: the OpenAI classes
        that name it and the key reads that may feed it must stay as they are."""
        return self.stays or self.elsewhere or self.anchor.attrs.get("endpoint") == "other"

    @property
    def may_read_openai_key(self) -> bool:
        """A client given a literal key (Ollama's "ollama"), or one read from another service's
        variable (OPENROUTER_API_KEY), never reads OPENAI_API_KEY."""
        if self.anchor.kind != "client":
            return True
        env = self.anchor.attrs.get("key_env")
        return not (self.anchor.attrs.get("key") == "literal" or (env and not str(env).startswith("OPENAI_")))

    @property
    def key_from_value(self) -> bool:
        """Its api_key is a name or attribute (``api_key=api_key``, ``self._key``), not a read
        inside the construction that moves with it."""
        return (
            self.anchor.kind == "client"
            and self.anchor.attrs.get("key") == "expr"
            and not self.anchor.attrs.get("key_env")
            and not any(s.kind == "env" and str(s.attrs.get("variable", "")).startswith("OPENAI_") for s in self.sites)
        )

    @property
    def label(self) -> str:
        kind = self.key[0]
        line = self.anchor.span.line
        if kind == "legacy":
            return N_("the openai<1 call at line {line}").format(line=line)
        if kind == "framework":
            name = str(self.anchor.attrs.get("symbol", "")).split(".")[-1]
            if self.anchor.attrs.get("dict"):  # a Router / AutoGen config_list entry
                return N_("the {name} entry at line {line}").format(name=name, line=line)
            if self.anchor.attrs.get("route"):  # litellm.completion(...) builds nothing
                return N_("the {name} call at line {line}").format(name=name, line=line)
            return N_("the {name} built at line {line}").format(name=name, line=line)
        if kind == "external":
            return N_("the client annotated at line {line}").format(line=line)
        if kind == "remote":
            return N_("the client built in {module} (line {number}) and called at line {line}").format(
                module=self.key[1],
                number=self.key[3][0],  # type: ignore[index]
                line=line,
            )
        if kind == "call":
            return N_("the call at line {line}").format(line=line)
        if kind == "modeldef":
            return N_("the model default at line {line}").format(line=line)
        return N_("the client built at line {line}").format(line=line)


@dataclass
class UnitPlan:
    pairs: List[Pair]
    units: List[Unit]
    # (site, rule id, message, severity): what the planner itself reports
    reports: List[Tuple[Site, str, str, str]] = field(default_factory=list)
    unit_of: Dict[int, Unit] = field(default_factory=dict)  # id(site) -> its unit

    @property
    def blocked(self) -> List[Unit]:
        return [u for u in self.units if u.blocked]


def _dynamic(unit: "Unit") -> Optional[Site]:
    """A construction of the unit whose endpoint a run-time value decides (any of a factory's branches)."""
    return next((s for s in unit.sites if s.kind == "client" and s.attrs.get("endpoint") == "dynamic"), None)


def _project_keys(unit: "Unit", path: Optional[str]) -> List[Optional[Tuple[str, str]]]:
    """The whole-project keys of a unit: its own, those of its other constructions, and those of
    the project parameters its client is handed to or comes from (``param:`` keys, analyzer's
    ``_param_keys``: a caller's client and the calls a function of another module makes on it)."""
    return (
        [project_key(unit, path)]
        + [
            (str(path), str(s.attrs["_project_key"]))
            for s in unit.sites
            if s.kind == "client" and s is not unit.anchor and s.attrs.get("_project_key")
        ]
        + list(
            dict.fromkeys(
                (str(k[0]), str(k[1]))
                for s in unit.sites
                if s.kind in ("client", "call")
                for k in s.attrs.get("_param_keys") or ()
            )
        )
    )


def _cross_of(unit: "Unit", path: Optional[str], ruleset: RuleSet) -> Optional[str]:
    """What the whole-project pass decided for a unit, through any of its constructions (the
    branches of one factory: another module may hold either); a part that stays wins."""
    if not ruleset.cross:
        return None
    found = [ruleset.cross[k] for k in _project_keys(unit, path) if k in ruleset.cross]
    return next((c for c in found if c.startswith("stay:")), found[0] if found else None)


def _model_remotes(site: Site) -> List[Any]:
    """[module, key, line] of the models a call takes that are written in other modules: a value
    it reads (``_model_remote``), literals callers of its function pass there (``_model_callers``)."""
    if site.kind not in ("call", "framework"):
        return []
    return ([site.attrs["_model_remote"]] if site.attrs.get("_model_remote") else []) + list(
        site.attrs.get("_model_callers") or ()
    )


def _of_clients(unit: "Unit", attr: str) -> Any:
    """What the first construction of a unit says under ``attr`` (a unit may hold several: the
    branches of one factory, constructions sharing an endpoint default)."""
    return next((s.attrs[attr] for s in unit.sites if s.kind == "client" and s.attrs.get(attr)), None)


def _at(line: int, reason: str) -> str:
    """A unit's reason: where, and why (a message of its own, which scan's readiness matrix counts
    without its line)."""
    return N_("line {line}: {reason}").format(line=line, reason=reason)


def _key(span: Span) -> Tuple[int, int, int, int]:
    return (span.line, span.col, span.end_line, span.end_col)


class _ByStart:
    """Items sorted by where they start: those inside a span found by bisection, not a scan."""

    def __init__(self, items: Sequence[Tuple[Span, object]]):
        self.items = sorted(items, key=lambda item: (item[0].line, item[0].col))
        self.starts = [(span.line, span.col) for span, _ in self.items]

    def inside(self, outer: Span) -> List[object]:
        import bisect

        lo = bisect.bisect_left(self.starts, (outer.line, outer.col))
        hi = bisect.bisect_right(self.starts, (outer.end_line, outer.end_col))
        return [item for span, item in self.items[lo:hi] if _inside(span, outer)]


def _inside(inner: Span, outer: Span) -> bool:
    return (inner.line, inner.col) >= (outer.line, outer.col) and (inner.end_line, inner.end_col) <= (
        outer.end_line,
        outer.end_col,
    )


class _Find:
    """Union-find over unit keys (a result read from two calls joins their clients)."""

    def __init__(self) -> None:
        self.parent: Dict[UnitKey, UnitKey] = {}

    def find(self, key: UnitKey) -> UnitKey:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: UnitKey, b: UnitKey) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb, key=repr)] = min(ra, rb, key=repr)


def _call_unit(site: Site) -> UnitKey:
    receiver = site.attrs.get("receiver")
    if receiver in ("legacy", "module"):
        return ("legacy", _key(site.span))  # each becomes a call on its own (shared) client
    client = site.attrs.get("_client_span")
    if receiver == "client" and client and site.attrs.get("_client_path"):
        # built in another module: named as that module names it (project_key)
        return ("remote", site.attrs["_client_path"], site.attrs.get("_client_key"), tuple(client))
    if receiver == "client" and client:
        return ("client", tuple(client))
    return ("call", _key(site.span))


def build_units(all_sites: Sequence[Site]) -> Tuple[List[Unit], Dict[int, Unit]]:
    """Group the sites of one module into units; sites outside every unit are not in the map."""
    find = _Find()
    member: Dict[int, UnitKey] = {}
    anchors: Dict[UnitKey, Site] = {}
    constructions: List[Tuple[Span, UnitKey]] = []
    calls: Dict[Tuple[int, int, int, int], UnitKey] = {}
    for site in all_sites:
        if site.kind == "client":
            key: UnitKey = ("client", _key(site.span))
            constructions.append((site.span, key))
        elif site.kind == "framework":
            key = ("framework", _key(site.span))
            constructions.append((site.span, key))
            calls[_key(site.span)] = key  # (a model written where it is defined goes with it)
        elif site.kind == "call":
            key = _call_unit(site)
            calls[_key(site.span)] = key
        else:
            continue
        member[id(site)] = key
        if site.kind != "call" or key[0] != "client":
            anchors.setdefault(key, site)  # a client's unit is anchored at its construction
    starts = {(span.line, span.col): key for span, key in constructions}
    key_defs = [
        (Span(*s.attrs[d]), ("client", _key(s.span)))
        for s in all_sites
        for d in ("_key_def", "_params_def")
        if s.kind == "client" and s.attrs.get(d)
    ]  # a **params dict holds its key too
    built = {key for _, key in constructions}
    external = {}
    call_index: Optional[_ByStart] = None
    for site in all_sites:
        if site.kind == "call":
            key = member[id(site)]
            if key[0] == "client" and key not in built:
                # a client known from an annotation: the unit is keyed by where it was annotated
                ext: UnitKey = ("external",) + key[1:]
                member[id(site)] = calls[_key(site.span)] = ext
                anchors.setdefault(ext, site)
                external[key[1]] = ext
        elif site.kind == "result":
            own = calls.get(_key(site.data.call))
            if own is None:
                continue
            member[id(site)] = own
            for other in getattr(site.data, "others", ()):
                if _key(other) in calls:
                    find.union(own, calls[_key(other)])
        elif site.kind == "symbol" and site.attrs.get("context") == "call":
            key = starts.get((site.span.line, site.span.col))  # type: ignore[assignment]
            if key is not None:
                member[id(site)] = key  # the class named at its own construction
        elif site.kind == "symbol" and site.attrs.get("context") == "except" and site.attrs.get("guard"):
            # an exception caught around calls belongs to their clients: it moves with them
            guard = site.attrs["guard"]
            if call_index is None:
                call_index = _ByStart([(Span(*span), key) for span, key in calls.items()])
            inside = call_index.inside(guard)
            for key in inside:  # type: ignore[assignment]
                find.union(inside[0], key)  # type: ignore[arg-type]
            if inside:
                member[id(site)] = inside[0]  # type: ignore[assignment]
        elif site.kind == "env":
            for span, key in constructions:
                if _inside(site.span, span):
                    member[id(site)] = key  # the key (or endpoint) a construction reads
                    break
            else:
                owner = next((key for span, key in key_defs if _inside(site.span, span)), None)
                if owner is not None:
                    member[id(site)] = owner  # read into a local only that construction's api_key= reads
    # a model literal mapped where it is defined goes with every call it feeds; an endpoint
    # default with every construction that reads it
    for site in all_sites:
        if site.kind == "endpoint":
            keys = [("client", _key(c.span)) for c in site.attrs["_clients"]]
            for key in keys[1:]:
                find.union(keys[0], key)
            member[id(site)] = keys[0]
        if site.kind == "params" and id(site.attrs["_owner"]) in member:
            member[id(site)] = member[id(site.attrs["_owner"])]  # a **params dict moves with its call
        if site.kind == "model" and site.attrs.get("_remote_key"):
            member[id(site)] = ("modeldef", _key(site.span))  # its calls are in other modules
            anchors.setdefault(member[id(site)], site)
        elif site.kind == "model":
            keys = [calls[_key(c.span)] for c in site.attrs["_calls"] if _key(c.span) in calls]  # type: ignore[misc]
            for key in keys[1:]:
                find.union(keys[0], key)
            if keys:
                member[id(site)] = keys[0]
    # the clients one function returns are one client to its callers (a factory's branches), and
    # the clients one name or attribute holds one client to the calls made on it
    returned: Dict[Tuple[int, ...], UnitKey] = {}
    for site in all_sites:
        same = site.attrs.get("_same_as") if site.kind == "client" else None
        if same and ("client", tuple(same)) in built:
            find.union(("client", tuple(same)), ("client", _key(site.span)))
        if site.kind == "client" and site.attrs.get("returned_by"):
            key = ("client", _key(site.span))
            first = returned.setdefault(tuple(site.attrs["returned_by"]), key)
            if first != key:
                find.union(first, key)
    # a client passed to a local function: its unit and the parameter's are one (or, where the
    # parameter forms no unit this module can see, the client cannot be followed there)
    for site in all_sites:
        if site.kind == "client":
            for fed in site.attrs.get("feeds") or ():
                ext = external.get(tuple(fed))  # type: ignore[assignment]
                if ext is not None:
                    find.union(("client", _key(site.span)), ext)
                else:
                    site.attrs.setdefault("handed", N_("a local function (parameter at line {line})").format(line=fed[0]))
    # an annotation naming a client class, inside the span a client was annotated at
    for site in all_sites:
        if site.kind == "symbol" and id(site) not in member and site.attrs.get("symbol") in sym.CLIENT_CLASSES:
            for span, ext in external.items():  # type: ignore[assignment]
                if _inside(site.span, Span(*span)):  # type: ignore[misc]
                    member[id(site)] = ext
                    break
    units: Dict[UnitKey, Unit] = {}
    unit_of: Dict[int, Unit] = {}
    for site in all_sites:
        key = member.get(id(site))  # type: ignore[assignment]
        if key is None:
            continue
        root = find.find(key)
        unit = units.get(root)
        if unit is None:
            anchor = anchors.get(root) or anchors.get(key) or site
            unit = units[root] = Unit(root, anchor)
        unit.sites.append(site)
        unit_of[id(site)] = unit
    ordered = sorted(units.values(), key=lambda u: (u.anchor.span, repr(u.key)))
    return ordered, unit_of


def rewrites(rule: Rule) -> bool:
    return any(op.name not in REPORT_OPS for op in rule.ops)


def static_blocks(site: Site, rules: Iterable[Rule], ruleset: RuleSet) -> List[str]:
    """Why ``site`` cannot be served by the plan, as far as the rules say before any edit."""
    rules = list(rules)
    out = []
    if site.kind == "call" and site.attrs.get("confidence") == "low":
        if site.attrs.get("receiver") == "super":
            out.append(N_("called through super() in a subclass of a v0 resource"))
        else:
            out.append(N_("receiver could not be resolved"))
    for rule in rules:
        for op in rule.ops:
            # an exception class with no counterpart would stop catching what its client raises
            if op.name in _VALUE_OPS and not (site.kind == "symbol" and op.name == "replace_symbol"):
                continue
            for severity, message in OPS[op.name].predict(site, op.params, ruleset):
                if severity == "manual":
                    out.append(message)
    escapes = site.attrs.get("escapes") if site.kind == "call" else None
    if escapes and (site.attrs.get("legacy") or not ruleset.plan.keeps_openai) and any(rewrites(r) for r in rules):
        # the reads of its response outside this function keep the shape of the old one
        out.append(
            (
                N_("its response is {escapes}, where it is read in openai<1's dict shape, out of this rewrite's sight")
                if site.attrs.get("legacy")
                else N_("its response is {escapes}, where it is read in the openai SDK's shape, out of this rewrite's sight")
            ).format(escapes=escapes)
        )
    if site.kind == "call" and not ruleset.plan.keeps_openai and site.attrs.get("star_kwargs") and rules:
        out.append(
            N_("{api} call passes **kwargs, which may hold keywords the {plan} SDK does not take").format(
                api=site.attrs.get("api"), plan=ruleset.plan.name
            )
        )
    if (
        site.kind == "call"
        and not ruleset.plan.keeps_openai
        and not out
        and site.attrs.get("endpoint") != "other"
        and not any(rewrites(r) for r in rules)
        and site.attrs.get("confidence") != "low"
    ):
        out.append(N_("{api} has no rule in the {plan} plan").format(api=site.attrs.get("api"), plan=ruleset.plan.name))
    return out


MatchFn = Callable[[Site], List[Rule]]


def project_key(unit: Unit, path: Optional[str]) -> Optional[Tuple[str, str]]:
    """(building module, construction key) of a client unit, as the whole-project pass names it:
    the key survives the lines an edit adds (analyzer's client_key)."""
    if unit.key[0] == "remote":
        return (str(unit.key[1]), str(unit.key[2]))
    if unit.key[0] == "modeldef" and path is not None:
        return (path, str(unit.anchor.attrs["_remote_key"]))
    if unit.key[0] == "client" and path is not None and unit.anchor.kind == "client" and unit.anchor.attrs.get("_project_key"):
        return (path, str(unit.anchor.attrs["_project_key"]))
    return None


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
        if unit.rewrites and not _retargeted(unit, by_site, rules_for):
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


def _retargeted(unit: Unit, by_site: Dict[int, List[Rule]], rules_for: Optional[MatchFn]) -> bool:
    """Whether a unit built here is pointed at the provider by some rule: one rewriting its
    construction (compat: base_url=; framework classes) or the class named there (native)."""
    anchor = unit.anchor
    if unit.key[0] not in ("client", "framework") or anchor.kind not in ("client", "framework"):
        return True  # v0 calls, annotated clients, unresolved calls: nothing is built here
    # every construction of the unit (a factory's branches, the clients one attribute may hold)
    for built in [s for s in unit.sites if s.kind == anchor.kind]:
        if built.kind == "client" and built.attrs.get("endpoint") not in ("none", "openai", "fallback"):
            # an endpoint a run-time value decides (or Azure): no rule moves the construction, so its
            # key and calls must not move either (a provider's key would go to wherever it points)
            return False
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
            return False
    return True


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


# ------------------------------------------------------------------ units a person holds back

HELD = N_("skipped by you (--interactive)")


def _source_lines(source: str) -> List[str]:
    import re

    return re.split(r"(?<=\n)|(?<=\r)(?!\n)", source)


def hold_key(unit: Unit, path: str, cell: Optional[int], lines: Sequence[str]) -> str:
    """A name for ``unit`` that survives the lines an edit elsewhere adds or removes (the check
    that a second pass changes nothing plans the rewritten text again): a hash of what it
    builds and calls (a client's project key, the whitespace-free lines of a call), never the
    text itself, which may hold a key.  Identical units of one file share it."""
    import hashlib
    import re

    parts = []
    for site in unit.sites:
        if site.kind == "client" and site.attrs.get("_project_key"):
            parts.append(f"client:{site.attrs['_project_key']}")
        elif site.kind in ("client", "framework", "call"):
            # its own text (columns included): another unit's rewrite of the same line leaves it as it is
            span = site.span
            if span.line == span.end_line:
                own = lines[span.line - 1][span.col : span.end_col] if span.line <= len(lines) else ""
            else:
                own = (
                    "".join(
                        [lines[span.line - 1][span.col :]]
                        + list(lines[span.line : span.end_line - 1])
                        + [lines[span.end_line - 1][: span.end_col]]
                    )
                    if span.end_line <= len(lines)
                    else ""
                )
            compact = re.sub(r"\s+", "", own)
            parts.append(f"{site.kind}:{compact}")
    digest = hashlib.sha256("\0".join(sorted(parts)).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{path}{'' if cell is None else f'#{cell}'}:{unit.key[0]}:{digest}"


def held_sites(
    all_sites: Sequence[Site], ruleset: RuleSet, path: str, cell: Optional[int], source: str
) -> Tuple[Dict[int, str], Set[int]]:
    """The units of the module a person chose to leave on OpenAI: (id(anchor) -> HELD, given to
    ``plan_units`` and the fallback's as a site they cannot move, so each is blocked whole, with
    its dependents, as any unit the plan cannot serve; ids of all their sites, where the caller
    drops what only reports, a TODO comment: a unit skipped is left exactly as it is)."""
    if not ruleset.held or ruleset.partial:
        return {}, set()
    lines = _source_lines(source)
    held = [u for u in build_units(all_sites)[0] if hold_key(u, path, cell, lines) in ruleset.held]
    return {id(u.anchor): HELD for u in held}, {id(s) for u in held for s in u.sites}


def choices(
    units: UnitPlan, hybrid: Set[int], applied: Set[int], path: str, cell: Optional[int], source: str, output: str
) -> Tuple[UnitChoice, ...]:
    """The units this rewrite moves (served by the plan or its fallback, with a site edited), each
    with the diff hunks of the module that touch its sites; identical units are one choice."""
    moving = [u for u in units.units if (not u.blocked or id(u.anchor) in hybrid) and any(id(s) in applied for s in u.sites)]
    if not moving:
        return ()
    lines = _source_lines(source)
    hunks = _hunks(source, output)
    out: Dict[str, UnitChoice] = {}
    for unit in moving:
        key = hold_key(unit, path, cell, lines)
        touched = {n for s in unit.sites for n in range(s.span.line, s.span.end_line + 1)}
        mine = tuple(text for where, text in hunks if where & touched)
        kind = "route" if unit.key[0] == "framework" and unit.anchor.attrs.get("route") else str(unit.key[0])
        name = (
            str(unit.anchor.attrs.get("symbol", "")).split(".")[-1]
            if kind in ("framework", "route")
            else str(unit.key[1])
            if kind == "remote"
            else ""
        )
        before = out.get(key)
        if before is not None:  # an identical unit: held or moved with it
            mine = before.hunks + tuple(h for h in mine if h not in before.hunks)
            out[key] = UnitChoice(key, path, before.line, kind, before.sites + len(unit.sites), name, cell, mine)
        else:
            out[key] = UnitChoice(key, path, unit.anchor.span.line, kind, len(unit.sites), name, cell, mine)
    return tuple(out.values())


def _hunks(source: str, output: str) -> List[Tuple[Set[int], str]]:
    """(old lines it removes, or the line it adds before; its text) of each hunk of the diff."""
    import difflib

    old, new = source.splitlines(keepends=True), output.splitlines(keepends=True)
    out = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(2):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        text = [f"@@ -{i1 + 1},{i2 - i1} +{j1 + 1},{j2 - j1} @@\n"]
        where: Set[int] = set()
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                text += [" " + line for line in old[a1:a2]]
                continue
            where |= set(range(a1 + 1, a2 + 1)) or {a1 + 1}
            text += ["-" + line for line in old[a1:a2]] + ["+" + line for line in new[b1:b2]]
        out.append((where, "".join(t if t.endswith(("\n", "\r")) else t + "\n" for t in text)))
    return out
