"""Scan's provider readiness matrix: per provider and plan, how many call sites
would migrate automatically, with diagnostics, or need a person — predicted
from the rules without rewriting anything."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from migrator.analyzer import is_python
from migrator.config import Config
from migrator.engine.fallback import with_fallback
from migrator.engine.model import Site
from migrator.engine.plan import RuleIndex, predict, sites
from migrator.engine.units import client_status, left_sites, plan_units, seeded, settle, staying
from migrator.i18n import N_
from migrator.check.policy import Policy
from migrator.models import URL_KEYWORDS, FileAnalysis, ScanResult
from migrator.ruleset import ProviderFile, Rule, RuleSet, load_all, select


def _rulesets(providers: Sequence[ProviderFile], config: Config, only: Optional[str]) -> List[RuleSet]:
    out = []
    for pf in providers:
        if only and pf.name != only:
            continue
        for plan in pf.plans.values():
            if plan.refuse:
                continue
            # the opt-ins the project's configuration turns on for apply (completions-as-chat = true)
            options = ["completions_as_chat"] if config.completions_as_chat else []
            out.append(select(providers, pf.name, plan.name, models=config.models, env=config.env, options=options))
    return out


_SITE_KINDS = ("call", "framework")
_IN_JSON = N_("an AutoGen OAI_CONFIG_LIST entry: JSON cannot read the provider's key variable, so a person puts the key there")
_CONFIG_SOURCE = N_("an AutoGen config list read at run time from where apply cannot edit it, or built from OPENAI_API_KEY")
_LLAMAINDEX_DEFAULT = N_("LlamaIndex's default Settings.{part} is OpenAI: set a {title} model once at start-up")
_RUN_TIME = N_(
    "the client's endpoint is set at run time (base_url from a variable or **kwargs): apply leaves "
    "it as it is, to be pointed at the provider by hand"
)


def _set_at_run_time(site: Site, rules: List[Rule], reasons: Counter) -> bool:
    """A call on a client whose base_url is a run-time value, which no rule of the plan matches:
    apply leaves it as it is (and reports its client), so it is not automatic."""
    if site.kind != "call" or site.attrs.get("endpoint") != "dynamic" or rules:
        return False
    reasons[_RUN_TIME] += 1
    return True


def _classify(site, rules: List[Rule], ruleset: RuleSet, reasons: Counter, more: Sequence[Tuple[Site, List[Rule]]] = ()) -> str:
    """What apply will do with a call site: by its own rules, and those of the model literals it
    takes, mapped where they are written (``more``: a model with no provider model is left there for
    a person, and the call sends OpenAI's)."""
    predicted = predict(site, rules, ruleset) + [p for model, its in more for p in predict(model, its, ruleset)]
    manual = [m for severity, m in predicted if severity == "manual"]
    warnings = [m for severity, m in predicted if severity == "warning"]
    for message in manual or warnings:
        reasons[message] += 1
    if manual:
        return "manual"
    return "with_diagnostics" if warnings else "automatic"


def _file_counts(
    all_sites: List[Site],
    ruleset: RuleSet,
    index: RuleIndex,
    fallback_index: Optional[RuleIndex],
    counts: Counter,
    reasons: Counter,
    path: Optional[str] = None,
) -> Tuple[frozenset, Dict, tuple]:
    """Plan one file as apply does (units, then the fallback for blocked ones) and count its
    call sites and wrapper constructions by what apply will do with them.  Returns the spans of
    those left on OpenAI with their unit (apply's ``FileResult.left`` must be the same), how
    each client unit ends (``FileResult.clients``) and the units staying on OpenAI
    (``FileResult.staying``)."""
    # imports never block a unit nor change what a call site counts as (an OPENAI_* read may: one
    # kept for a client that stays holds a client whose key it may feed)
    matched = {id(s): (index.match(s) if s.kind != "import" else []) for s in all_sites}
    pairs = [(s, r) for s in all_sites for r in matched[id(s)]]
    units = plan_units(all_sites, pairs, ruleset, rules_for=lambda s: matched[id(s)], path=path)
    defined: Dict[int, List[Tuple[Site, List[Rule]]]] = {}  # id(a call site) -> the model literals it takes
    for s in all_sites:
        for call in s.attrs.get("_calls", ()) if s.kind == "model" else ():
            defined.setdefault(id(call), []).append((s, matched[id(s)]))
    hybrid: set = set()
    if units.blocked and fallback_index is not None:
        _, _, _, hybrid = with_fallback(all_sites, units, ruleset, {}, rules_for=fallback_index.match, path=path)
    for site in all_sites:
        if site.kind not in _SITE_KINDS:
            continue
        unit = units.unit_of.get(id(site))
        if site.attrs.get("endpoint") == "other" or (unit is not None and unit.elsewhere):
            continue  # a client of another server (Ollama, vLLM, a provider): not OpenAI usage
        if id(site) in hybrid:
            rules = fallback_index.match(site)  # type: ignore[union-attr]
            if _set_at_run_time(site, rules, reasons):
                counts["manual"] += 1
                continue
            models = [(m, fallback_index.match(m)) for m, _ in defined.get(id(site), ())]  # type: ignore[union-attr]
            state = _classify(site, rules, ruleset.fallback, reasons, models)  # type: ignore[arg-type]
            if state == "automatic":
                state = "with_diagnostics"
            reasons[N_("served by the {plan} plan (a hybrid)").format(plan=ruleset.fallback.plan.name)] += 1  # type: ignore[union-attr]
            counts[state] += 1
        elif unit is not None and unit.blocked:
            # the first thing that keeps its client on OpenAI, as apply reports it, without its line
            # ("line {line}: {reason}", the reason a message of its own: units._at)
            reasons[unit.reasons[0].split(": ", 1)[-1] if unit.reasons else N_("left on OpenAI as a whole")] += 1
            counts["manual"] += 1
        elif _set_at_run_time(site, matched[id(site)], reasons):
            counts["manual"] += 1
        elif (
            site.kind == "framework"
            and site.attrs.get("form") == "construct"
            and not matched[id(site)]
            and not site.attrs.get("_url_elsewhere")
        ):
            # a wrapper no rule of the plan touches (chromadb's OpenAIEmbeddingFunction): apply
            # leaves it, and reports it as what check flags (review 8)
            reasons[N_("no rule of the plan points this construction at the provider")] += 1
            counts["manual"] += 1
        else:
            counts[_classify(site, matched[id(site)], ruleset, reasons, defined.get(id(site), ()))] += 1
    return (
        left_sites(units, hybrid),
        (client_status(units, hybrid, path, ruleset) if path is not None else {}),
        staying(units, hybrid),
    )


def _mark_elsewhere(analysis: FileAnalysis, all_sites: List[Site]) -> None:
    """A wrapper construction naming a server that is not OpenAI's in a literal (``ChatOpenAI(
    base_url="http://localhost:11434/v1")``) is not OpenAI usage: check, and so apply, lists it for
    no one, whether or not a rule touches it (``_url_elsewhere``; the analyzer's recorded facts)."""
    calls = {facts.cell: facts.calls for facts in analysis.facts}
    for site in all_sites:
        if site.kind != "framework" or site.attrs.get("form") != "construct":
            continue
        finding = site.data
        span = site.span
        endpoint = calls.get(getattr(finding, "cell", None), {}).get((span.line, span.col, span.end_line, span.end_col))
        url = next((value for name, value in endpoint.keywords if name in URL_KEYWORDS), None) if endpoint else None
        if isinstance(url, str) and Policy(name="compat").allows(url):
            site.attrs["_url_elsewhere"] = True


def _count(files: List[Tuple[str, str, List[Site]]], ruleset: RuleSet) -> Tuple[Counter, Counter, Optional[str]]:
    """The project's counts and reasons under ``ruleset``, and "path:line" of a client of a module
    left on OpenAI (apply's ``tree_stays``), if any."""
    index = RuleIndex(ruleset)
    fallback_index = RuleIndex(ruleset.fallback) if ruleset.fallback is not None else None
    counts: Counter = Counter()
    reasons: Counter = Counter()
    stays = None
    for path, _owner, all_sites in files:
        staying_here = _file_counts(all_sites, ruleset, index, fallback_index, counts, reasons, path)[2]
        if staying_here and stays is None and not path.endswith(".ipynb"):  # (apply weighs modules only)
            stays = f"{path}:{staying_here[0][0]}"
    return counts, reasons, stays


def left_on_openai(all_sites: List[Site], ruleset: RuleSet) -> frozenset:
    """The spans of one file's call sites and wrapper constructions that scan's readiness
    matrix predicts apply will leave on OpenAI (for the apply/scan agreement tests)."""
    fallback = RuleIndex(ruleset.fallback) if ruleset.fallback is not None else None
    return _file_counts(all_sites, ruleset, RuleIndex(ruleset), fallback, Counter(), Counter())[0]


def _agreed(files: List[Tuple[str, str, List[Site]]], ruleset: RuleSet, shared: bool) -> RuleSet:
    """The rule set with what the modules (and notebook cells) sharing a client agree (apply's
    whole-project pass)."""
    if not shared:
        return ruleset
    ruleset = seeded(ruleset, (s.attrs for _p, _o, all_sites in files for s in all_sites))

    def ends_of(rs: RuleSet, keys: object) -> Dict:
        index = RuleIndex(rs)
        fallback_index = RuleIndex(rs.fallback) if rs.fallback is not None else None
        return {
            owner: _file_counts(all_sites, rs, index, fallback_index, Counter(), Counter(), path)[1]
            for path, owner, all_sites in files
        }

    return settle(ruleset, ends_of)


def _cells(root: str, analysis: FileAnalysis, known: Optional[list] = None) -> List[Tuple[str, FileAnalysis]]:
    """A notebook's code cells, each analysed knowing what the cells before it bound; the
    notebook's own analysis when it cannot be read again.  ``known``: its cells as the project
    pass analysed them (a notebook using the project's modules)."""
    from migrator.analyzer import notebook_cells, notebook_parts

    try:
        if known is None:
            text = (Path(root) / analysis.path).read_bytes().decode("utf-8", errors="replace")
            known = notebook_parts(analysis.path, notebook_cells(analysis.path, text))
    except Exception:  # unreadable now, or not a notebook after all: what scan saw stands
        return [(analysis.path, analysis)]
    out = []
    for cell, part in known:
        number = cell[0]
        if part is not None and not part.error:
            out.append((f"{analysis.path}#cell {number}", part))
    return out


def _planned_files(root: str, result: ScanResult) -> Tuple[List[FileAnalysis], List[Tuple[str, str, List[Site]]], bool]:
    """The analyses readiness plans (a module calling a client another module builds analysed
    knowing it, as apply does), the (path, owner, sites) of each module or notebook cell with
    something to plan, and whether any of them shares a client, a model or a client parameter
    with another (then the modules agree, as apply's whole-project pass makes them)."""
    # API calls, and constructions of wrapper classes (ChatOpenAI(...)): what a person calls a
    # call site, and what a LangChain-only project has instead of API calls
    from migrator.analyzer.project import importer_analyses

    # a module that calls a client another module builds is planned with it, as apply plans it
    # (and a notebook using one, its cells analysed knowing the modules)
    cells: Dict[str, list] = {}
    shared = {a.path: a for a in importer_analyses(root, result, cells=cells)} if root else {}
    analyses = [shared.pop(a.path, a) for a in result.analyses] + list(shared.values())
    files = []
    for analysis in analyses:
        if analysis.error:
            continue
        # a notebook's cells are planned one by one, as one program (as apply plans them)
        parts = (
            _cells(root, analysis, cells.get(analysis.path)) if analysis.path.endswith(".ipynb") else [(analysis.path, analysis)]
        )
        for owner, part in parts:
            all_sites = sites(part)
            _mark_elsewhere(part, all_sites)
            # (a module that only builds a client is planned too: whether its client stays decides
            # the calls other modules make on it, as apply's whole-project pass weighs it)
            if any(s.kind in _SITE_KINDS or s.kind == "client" for s in all_sites):
                files.append((analysis.path, owner, all_sites))
    remote = any(
        s.attrs.get("_client_path")
        or s.attrs.get("_model_remote")
        or s.attrs.get("_param_keys")
        or s.attrs.get("_model_callers")
        or s.attrs.get("_param_stays")  # (a client another module sets again: project.rebound)
        for _p, _o, all_sites in files
        for s in all_sites
        if s.kind in ("call", "framework", "client")
    )
    return analyses, files, remote


def _project_plan(
    files: List[Tuple[str, str, List[Site]]], ruleset: RuleSet, remote: bool, analyses: Sequence[FileAnalysis] = ()
) -> Tuple[RuleSet, Tuple[Counter, Counter, Optional[str]]]:
    """The rule set the modules agree on (and, when a client stays anywhere, knowing which: a kept
    OPENAI_* read may be its key, here or in a module of settings another module's client reads),
    and the project's counts under it."""
    ruleset = _agreed(files, ruleset, remote)
    counted = _count(files, ruleset)
    loose = any(
        s.kind == "env" and str(s.attrs.get("variable", "")).startswith("OPENAI_")
        for _p, _o, all_sites in files
        for s in all_sites
    ) or any(
        f.kind == "env" and str(f.symbol or "").startswith("OPENAI_")
        for a in analyses
        if not a.error and is_python(a.path)
        for f in a.findings
    )
    if counted[2] and loose:
        ruleset = replace(ruleset, tree_stays=counted[2])
        counted = _count(files, ruleset)
    return ruleset, counted


def predicted_left(root: str, result: ScanResult, ruleset: RuleSet) -> Dict[str, frozenset]:
    """Per file, the spans of the call sites and wrapper constructions scan's readiness matrix
    predicts apply leaves on OpenAI under ``ruleset``, planned as the matrix plans them (the
    project's modules agreeing): the oracle of the scan/apply agreement checks."""
    analyses, files, remote = _planned_files(root, result)
    ruleset, _ = _project_plan(files, ruleset, remote, analyses)
    index = RuleIndex(ruleset)
    fallback = RuleIndex(ruleset.fallback) if ruleset.fallback is not None else None
    out: Dict[str, frozenset] = {}
    for path, _owner, all_sites in files:
        out[path] = out.get(path, frozenset()) | _file_counts(all_sites, ruleset, index, fallback, Counter(), Counter(), path)[0]
    return out


def readiness_key(
    result: ScanResult, *, root: str, config: Config, provider: Optional[str] = None, extra_rules: Sequence[str] = ()
) -> Optional[str]:
    """A hash of everything ``readiness_matrix`` reads: migrator's code and version, the language, the
    rule packs' files (every YAML file a pack may load or extend), the configuration, the provider
    asked for, the root, the scan's analyses, and the identity of every file the scan listed (an
    analysed file's content hash, a plain file's size and mtime: the project pass reads plain modules
    that import a client holder).  None when a file cannot be told (``ScanResult.identities``)."""
    import dataclasses
    import hashlib
    import json

    from migrator.cache import _dump, code_fingerprint
    from migrator.i18n import language
    from migrator.ruleset import builtin_rules_dir

    identities = result.identities
    listed = [a.path for a in result.analyses] + list(result.plain)
    if not all(identities.get(path) for path in listed):
        return None
    folders = [builtin_rules_dir()]
    for entry in list(config.rules) + list(extra_rules):
        path = Path(entry)
        if not path.exists():
            return None  # (loading the packs reports it)
        folders.append(path if path.is_dir() else path.parent)  # a pack extends files beside it
    packs = []
    for folder in dict.fromkeys(f.resolve() for f in folders):
        for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
            packs.append([str(path), hashlib.sha256(path.read_bytes()).hexdigest()])
    digest = hashlib.sha256(
        json.dumps(
            [
                code_fingerprint(),
                language(),
                str(Path(root).resolve()),
                provider,
                list(extra_rules),
                dataclasses.asdict(config),
                packs,
                sorted(identities.items()),
                sorted(result.plain),
                [[s.path, s.reason] for s in result.skipped],
            ],
            sort_keys=True,
            default=str,
        ).encode("utf-8", "surrogateescape")
    )
    for analysis in result.analyses:
        digest.update(json.dumps(_dump(analysis), separators=(",", ":"), default=str).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def cached_readiness_matrix(
    result: ScanResult,
    *,
    root: str,
    config: Config,
    provider: Optional[str] = None,
    extra_rules: Sequence[str] = (),
    providers: Optional[Sequence[ProviderFile]] = None,
    use_cache: bool = True,
) -> List[Dict[str, Any]]:
    """``readiness_matrix``, kept in the analysis cache under ``readiness_key`` (a warm rescan of an
    unchanged project plans nothing again)."""
    from migrator.cache import Cache

    cache = Cache() if use_cache else None
    key = readiness_key(result, root=root, config=config, provider=provider, extra_rules=extra_rules) if cache else None
    if cache is not None and key is not None:
        rows = cache.get_value("readiness", key)
        if isinstance(rows, list):
            return rows
    rows = readiness_matrix(result, root=root, config=config, provider=provider, extra_rules=extra_rules, providers=providers)
    if cache is not None and key is not None:
        cache.put_value("readiness", key, rows)
    return rows


def readiness_matrix(
    result: ScanResult,
    *,
    root: str,
    config: Config,
    provider: Optional[str] = None,
    extra_rules: Sequence[str] = (),
    providers: Optional[Sequence[ProviderFile]] = None,
) -> List[Dict[str, Any]]:
    """One row per provider and plan; call sites and wrapper constructions (clients and
    imports follow them), planned by client unit exactly as apply plans them.
    ``providers``: the packs, if already loaded (``load_all`` of the config's and ``extra_rules``)."""
    if providers is None:
        providers = load_all(list(config.rules) + list(extra_rules))
    analyses, files, remote = _planned_files(root, result)
    # AutoGen OAI_CONFIG_LIST entries: apply leaves each for a person to put the provider's key in
    in_json = sum(1 for a in analyses if not a.error for f in a.findings if f.detail.get("form") in ("config_file", "config_env"))
    run_time = sum(1 for a in analyses if not a.error for f in a.findings if f.detail.get("form") == "config_source")
    # LlamaIndex defaults no module sets (analyzer/llamaindex.py): a person sets Settings once
    defaults = Counter(
        p
        for a in analyses
        if not a.error
        for f in a.findings
        if f.detail.get("form") == "llamaindex_default"
        for p in f.detail.get("parts") or ()
    )
    # a client left on OpenAI anywhere keeps every OPENAI_* read outside a client where it is (apply
    # plans the modules again knowing it): weighed only where there is such a read
    rows = []
    for ruleset in _rulesets(providers, config, provider):
        ruleset, (counts, reasons, _) = _project_plan(files, ruleset, remote, analyses)
        if in_json:
            counts["manual"] += in_json
            reasons[_IN_JSON] += in_json
        if run_time:
            counts["manual"] += run_time
            reasons[_CONFIG_SOURCE] += run_time
        for part, count in defaults.items():
            counts["manual"] += count
            reasons[_LLAMAINDEX_DEFAULT.format(part=part, title=ruleset.provider.title)] += count
        rows.append(
            {
                "provider": ruleset.provider.name,
                "plan": ruleset.plan.name,
                "automatic": counts["automatic"],
                "with_diagnostics": counts["with_diagnostics"],
                "manual": counts["manual"],
                "reasons": [N_("{reason} (×{count})").format(reason=m, count=n) for m, n in reasons.most_common(5) if n],
            }
        )
    return rows
