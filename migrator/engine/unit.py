"""What a migration unit is: a client and the sites that depend on it (``Unit``, ``build_units``), and
what one site's rules say about it (``rewrites``, ``static_blocks``).  The planning is in ``units``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from migrator.analyzer import symbols as sym
from migrator.engine.model import Site
from migrator.engine.ops import OPS
from migrator.i18n import N_
from migrator.models import URL_KEYWORDS, Span
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
    # the vectors of one store come from one provider (review 6 F2): an OpenAI embedding wrapper
    # (chromadb's OpenAIEmbeddingFunction embeds a collection's query texts) and the project's own
    # embeddings calls in the same module may fill one store, so they move together or stay
    # together.  A module is the smallest scope this analysis sees a store's writers and readers
    # in (the collection is an attribute, a global, a value handed on); a wrapper that names its
    # server (a URL keyword) is not joined: it talks to that server, or a person decides which.
    wrappers = [
        ("framework", _key(s.span))
        for s in all_sites
        if s.kind == "framework"
        and s.attrs.get("symbol") in sym.EMBEDDING_WRAPPERS
        and not s.attrs.get("route")
        and not any(k in URL_KEYWORDS for k in s.attrs.get("kwargs") or ())
    ]
    if wrappers:
        for site in all_sites:
            if site.kind == "call" and site.attrs.get("api") == "embeddings.create" and site.attrs.get("endpoint") != "other":
                for key in wrappers:
                    find.union(key, member[id(site)])
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
