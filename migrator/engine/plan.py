"""Match rules against the analyzer's sites (no LibCST here: scan's readiness
matrix uses this too)."""

from __future__ import annotations

import fnmatch
from typing import Any, Dict, Iterable, List, Optional, Tuple

from migrator.engine.model import Site
from migrator.engine.ops import OPS, path_text
from migrator.models import FileAnalysis, Finding, Span
from migrator.ruleset import Rule, RuleSet

CALL_NODES = ("Call",)
DEFAULT_CONFIDENCE = ("high", "medium")  # low-confidence sites are reported, never rewritten


def sites(analysis: FileAnalysis) -> List[Site]:
    """Every site of one file (or notebook cell) in the shape rules match against."""
    out: List[Site] = []
    calls: Dict[Tuple[int, int, int, int], Finding] = {}
    defined: Dict[Tuple[int, ...], Site] = {}
    for f in analysis.findings:
        if f.kind in ("client", "call") or (f.kind == "framework" and f.detail.get("form") == "construct"):
            attrs = dict(f.detail)
            attrs.update(symbol=f.symbol, api=f.api, legacy=f.legacy, model=f.model, confidence=f.confidence)
            out.append(Site(f.kind, f.span, ("Dict",) if f.detail.get("dict") else CALL_NODES, attrs, f))  # a Router entry
            if f.kind == "client" and f.detail.get("_endpoint_def"):
                # the expression its base_url falls back to OpenAI in (x or os.getenv(...)): the
                # default is retargeted there, once however many constructions read it
                # (and OpenAI's URL where this module's callers pass it for that default)
                built = out[-1]
                for *where, node in [f.detail["_endpoint_def"]] + list(f.detail.get("_endpoint_more") or ()):
                    key = ("endpoint",) + tuple(where)
                    if key in defined:
                        defined[key].attrs["_clients"].append(built)
                    else:
                        defined[key] = Site(
                            "endpoint",
                            Span(*where),
                            (node,),
                            {"confidence": f.confidence, "_client": built, "_clients": [built]},
                            f,
                        )
                        out.append(defined[key])
            if f.kind == "call":
                calls[(f.span.line, f.span.col, f.span.end_line, f.span.end_col)] = f
            if f.kind in ("call", "framework"):
                if f.detail.get("_model_def"):
                    # the literal a model value is defined by (a default, a constant), and those its
                    # callers pass: mapped there, once however many calls each feeds
                    fed = out[-1]
                    for n, spot in enumerate(
                        [list(f.detail["_model_def"]) + [f.model]] + list(f.detail.get("_model_more") or ())
                    ):
                        where = tuple(spot[:4])
                        if where in defined:
                            defined[where].attrs["_calls"].append(fed)
                        else:
                            defined[where] = Site(
                                "model",
                                Span(*where),
                                ("SimpleString",),
                                {
                                    "model": spot[4],
                                    "confidence": f.confidence,
                                    "_call": fed,
                                    "_calls": [fed],
                                    "env": f.detail.get("_model_env") if n == 0 else None,
                                    "_framework": f.kind == "framework",
                                },
                                f,
                            )
                            out.append(defined[where])
            if f.kind in ("client", "call") and f.detail.get("_params_def"):
                # the **params dict the call's keywords are written in: they are edited there
                owner = next(s for s in reversed(out) if s.data is f and s.kind == f.kind)
                out.append(Site("params", Span(*f.detail["_params_def"]), ("Dict",), dict(owner.attrs, _owner=owner), f))
        elif f.kind == "model_def":
            # a model another module's calls take (settings.chat_model): mapped here, with them
            call: Any = Site(f.detail["_call"].get("_kind", "call"), f.span, CALL_NODES, dict(f.detail["_call"]), f)
            out.append(
                Site(
                    "model",
                    f.span,
                    ("SimpleString",),
                    {
                        "model": f.model,
                        "confidence": "high",
                        "_call": call,
                        "_calls": [],
                        "_remote_key": f.detail["key"],
                        "_users": f.detail["users"],
                        "env": f.detail.get("env"),
                    },
                    f,
                )
            )
        elif f.kind == "config":
            attrs = {
                "attribute": f.detail.get("attribute"),
                "symbol": f.symbol,
                "value": f.detail.get("value"),
                "form": f.detail.get("form"),
                "top": f.detail.get("top"),
                "endpoint": f.detail.get("endpoint"),
                "confidence": f.confidence,
            }
            attrs["repeated"] = (
                sum(1 for g in analysis.findings if g.kind == "config" and g.detail.get("attribute") == attrs["attribute"]) > 1
            )
            out.append(Site("config", f.span, ("Assign", "AnnAssign", "AugAssign"), attrs, f))
        elif f.kind == "double":
            out.append(Site("double", f.span, CALL_NODES, {"symbol": f.symbol, "confidence": f.confidence}, f))
        elif f.kind == "url" and "api.openai.com" in str(f.detail.get("url")):
            # (no rule rewrites it: where it stays, the key reads that may go with it stay too, units.py)
            out.append(Site("url", f.span, ("SimpleString",), {"url": f.detail.get("url"), "confidence": "high"}, f))
        elif f.kind in ("import", "framework") and f.detail.get("module") is not None:
            attrs = {"module": f.detail.get("module"), "symbol": f.symbol, "confidence": f.confidence}
            out.append(Site("import", f.span, ("Import", "ImportFrom"), attrs, f))
    # A symbol that names the class of a client construction carries that client's endpoint, so a
    # native plan can replace the class only where the client is migrated (never one that already
    # points elsewhere); any other reference (annotation, isinstance, exception) is `unknown`.
    # Likewise whether that construction is a context manager (`with OpenAI() as c:`), which calls
    # on the client inherit too (a native SDK whose client is no context manager leaves them alone).
    constructed = {(s.span.line, s.span.col): s.attrs for s in out if s.kind == "client"}
    by_span = {tuple(s.span.__dict__.values()): s.attrs for s in out if s.kind == "client"}
    for site in out:
        if site.kind == "call":
            client = by_span.get(tuple(site.attrs.get("_client_span") or ()), {})
            site.attrs["context_manager"] = bool(client.get("context_manager"))
    for ref in analysis.symbols:
        client = constructed.get((ref.span.line, ref.span.col), {}) if ref.context == "call" else {}
        out.append(
            Site(
                "symbol",
                ref.span,
                (ref.node,),
                {
                    "symbol": ref.qname,
                    "context": ref.context,
                    "guard": ref.guard,
                    "endpoint": client.get("endpoint") or "unknown",
                    "context_manager": bool(client.get("context_manager")),
                    "confidence": "high",
                },
                ref,
            )
        )
    for env in analysis.env_reads:
        # (a value written to the variable is not renamed: it stays whatever key the code holds there)
        out.append(
            Site(
                "env",
                env.span,
                ("SimpleString",),
                # (nor is a read guarding such a write: EnvRead.guard)
                {
                    "variable": env.var,
                    "confidence": "low" if env.written or env.guard else "high",
                    "written": env.written and not env.guard,
                    "handed": env.handed,
                },
                env,
            )
        )
    for res in analysis.results:
        call = calls.get((res.call.line, res.call.col, res.call.end_line, res.call.end_col))
        if call is None:
            continue
        attrs = {
            "api": call.api,
            "legacy": call.legacy,
            "path": path_text(res.path),
            "chunk": res.chunk,
            "confidence": call.confidence,
            "receiver": call.detail.get("receiver"),
            "endpoint": call.detail.get("endpoint"),
        }
        out.append(Site("result", res.span, ("Attribute", "Subscript", "Call"), attrs, res))
    return out


def _value_matches(expected: Any, actual: Any, glob: bool) -> bool:
    options = expected if isinstance(expected, list) else [expected]
    for option in options:
        if isinstance(option, bool) or isinstance(actual, bool):
            if option is actual or option == actual:
                return True
        elif glob and isinstance(option, str) and isinstance(actual, str):
            if fnmatch.fnmatchcase(actual, option):
                return True
        elif option == actual:
            return True
    return False


GLOB_KEYS = {"symbol", "api", "variable", "path", "module", "attribute"}


def _kwargs_within(site: Site, names: object) -> bool:
    """Every keyword the call passes is one of ``names``, and it passes nothing else (no
    positional argument, no ``**mapping``): the call fits a target that takes only those."""
    allowed = set(names if isinstance(names, list) else [names])
    return not site.attrs.get("open_args") and all(k in allowed for k in site.attrs.get("kwargs", ()))


def _models_within(site: Site, globs: object, ruleset: Optional[RuleSet]) -> bool:
    """The construction names its model as a literal the analyzer read, and that model, mapped by
    the pack and the user's overrides, matches one of ``globs`` (the target class knows it)."""
    model = site.attrs.get("model")
    if not isinstance(model, str) or ruleset is None:
        return False
    target = ruleset.map_model(model) or model
    return any(fnmatch.fnmatchcase(target, str(g)) for g in (globs if isinstance(globs, list) else [globs]))


def matches(rule: Rule, site: Site, ruleset: Optional[RuleSet] = None) -> bool:
    match = rule.match
    if match.get("kind") != site.kind:
        return False
    if site.kind == "double" and ruleset is not None and ruleset.doubles_kept:
        return False  # the code still calls the openai SDK it fakes (RuleSet.doubles_kept; see kept_doubles)
    if site.attrs.get("confidence", "high") not in match.get("confidence", DEFAULT_CONFIDENCE):
        return False
    for key, expected in match.items():
        if key in ("kind", "confidence"):
            continue
        if key == "has_kwarg":
            # any-of the plain names; none of the "!name" ones (the call must lack them)
            names = expected if isinstance(expected, list) else [expected]
            given = site.attrs.get("kwargs", ())
            wanted = [n for n in names if not str(n).startswith("!")]
            if wanted and not any(n in given for n in wanted):
                return False
            if any(str(n)[1:] in given for n in names if str(n).startswith("!")):
                return False
            continue
        if key in ("kwargs_within", "kwargs_beyond"):
            if (key == "kwargs_within") != _kwargs_within(site, expected):
                return False
            continue
        if key in ("models_within", "models_beyond"):
            if (key == "models_within") != _models_within(site, expected, ruleset):
                return False
            continue
        if key in GLOB_KEYS and isinstance(expected, list) and any(str(e).startswith("!") for e in expected):
            # "!glob" entries exclude: ["langchain_openai.*", "!langchain_openai.ChatOpenAI"]
            if key in site.attrs and _value_matches([e[1:] for e in expected if str(e).startswith("!")], site.attrs[key], True):
                return False
            expected = [e for e in expected if not str(e).startswith("!")]
        if key not in site.attrs or not _value_matches(expected, site.attrs[key], key in GLOB_KEYS):
            return False
    return True


def plan(all_sites: Iterable[Site], ruleset: RuleSet) -> List[Tuple[Site, Rule]]:
    """(site, rule) pairs in rule-file order per site; ops run in that order."""
    pairs = []
    for site in all_sites:
        if site.kind == "model":
            pairs += [
                (site, rule) for rule in ruleset.rules if matches(rule, site.attrs["_call"], ruleset) and _maps_model(rule, site)
            ]
            continue
        if site.kind == "endpoint":
            pairs += [
                (site, rule) for rule in ruleset.rules if matches(rule, site.attrs["_client"], ruleset) and _sets_base_url(rule)
            ]
            continue
        if site.kind == "params":
            pairs += [(site, rule) for rule in ruleset.rules if matches(rule, site.attrs["_owner"], ruleset)]
            continue
        for rule in ruleset.rules:
            if matches(rule, site, ruleset):
                pairs.append((site, rule))
    return pairs


def kept_doubles(all_sites: Iterable[Site], ruleset: RuleSet) -> List[Tuple[Site, Rule]]:
    """The pairs of the test doubles a native plan that moved no client to the provider's SDK
    still reports: where some client takes the compatible endpoint instead, those the fallback
    plan's rules match (``RuleSet.doubles_kept == "fallback"``); their rules are the fallback's."""
    if ruleset.doubles_kept != "fallback" or ruleset.fallback is None:
        return []
    return plan([site for site in all_sites if site.kind == "double"], ruleset.fallback)


def _maps_model(rule: Rule, site: Site) -> bool:
    """The rule maps the model keyword a model site's literal feeds (a definition another module's
    framework objects take may feed ``model_name=`` after a rule renames ``model=``)."""
    return any(
        op.name == "map_model"
        and (site.attrs.get("_remote_key") or site.attrs.get("_framework") or op.params.get("name", "model") == "model")
        for op in rule.ops
    )


def _sets_base_url(rule: Rule) -> bool:
    return any(op.name == "set_kwarg" and op.params.get("name") == "base_url" for op in rule.ops)


class RuleIndex:
    """A rule set's rules filed by site kind (and, for calls, by the plain API they name), so a
    site is tried only against rules that can match it; ``match`` keeps rule-file order."""

    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self.by_kind: Dict[str, List[Tuple[int, Rule]]] = {}
        self.by_api: Dict[str, List[Tuple[int, Rule]]] = {}
        self.call_other: List[Tuple[int, Rule]] = []
        for index, rule in enumerate(ruleset.rules):
            kind = rule.match.get("kind")
            api = rule.match.get("api")
            options = api if isinstance(api, list) else [api]
            if kind == "call" and api is not None and all(isinstance(o, str) and not any(c in o for c in "*?[") for o in options):
                for option in dict.fromkeys(options):
                    self.by_api.setdefault(option, []).append((index, rule))
            elif kind == "call":
                self.call_other.append((index, rule))
            else:
                self.by_kind.setdefault(str(kind), []).append((index, rule))

    def match(self, site: Site) -> List[Rule]:
        if site.kind == "model":  # mapped by the map_model rules of the call it feeds
            return [rule for rule in self.match(site.attrs["_call"]) if _maps_model(rule, site)]
        if site.kind == "endpoint":  # retargeted by the base_url rules of the construction it feeds
            return [rule for rule in self.match(site.attrs["_client"]) if _sets_base_url(rule)]
        if site.kind == "params":  # edited by the rules of the call it is spread into
            return self.match(site.attrs["_owner"])
        if site.kind == "call":
            api = site.attrs.get("api")
            candidates = sorted(
                (self.by_api.get(api, []) if isinstance(api, str) else []) + self.call_other, key=lambda pair: pair[0]
            )
        else:
            candidates = self.by_kind.get(site.kind, [])
        return [rule for _, rule in candidates if matches(rule, site, self.ruleset)]


def unconverted_legacy(pairs: List[Tuple[Site, Rule]], all_sites: List[Site]) -> int:
    converted = {id(s) for s, r in pairs if any(op.name == "legacy_to_client" for op in r.ops)}
    return sum(1 for s in all_sites if s.kind == "call" and s.attrs.get("legacy") and id(s) not in converted)


def predict(site: Site, rules: List[Rule], ruleset: RuleSet) -> List[Tuple[str, str]]:
    out: List[Tuple[str, str]] = []
    for rule in rules:
        for op in rule.ops:
            out += OPS[op.name].predict(site, op.params, ruleset)
    return out
