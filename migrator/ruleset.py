"""Rule files: load (safe YAML only), validate every problem in one pass, and
hand the engine a typed ``RuleSet`` for one provider and plan.

A rule file is data.  It chooses among a closed set of operations
(``migrator.operations.SCHEMAS``) and fills in their parameters; nothing in YAML is
ever executed.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple, Union

import yaml

from migrator.errors import RuleFileError, UsageError
from migrator.i18n import _, did_you_mean, localize
from migrator.operations import SCHEMAS, Schema

# libyaml's safe loader when PyYAML was built with it (same nodes and marks, ~10x faster);
# either way only the safe loader: rule files never construct arbitrary objects
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SCHEMA_VERSION = 1
MAX_RULE_FILE_BYTES = 1024 * 1024
MAX_RULE_DEPTH = 64  # the shipped packs nest 8 deep
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*$")
PLANS = ("compat", "native")
MATCH_KINDS = ("client", "call", "framework", "symbol", "config", "env", "result", "import", "double")

TOP_KEYS = {"schema_version", "provider", "vars", "regions", "default_region", "models", "plans", "rules", "extends", "drop"}
#: a shared rule file (no ``provider``: rules that packs take with ``extends``, never a pack itself)
SHARED_KEYS = {"schema_version", "extends", "drop", "rules"}
#: ``extends: NAME``: ``_NAME.yaml`` or ``NAME.yaml`` beside the file, else among the built-in packs
EXTENDS_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
MAX_EXTENDS = 16
#: what Python reads of a pack's variables: ``${name}`` interpolates only such names, an ``*_env``
#: variable is an environment variable's name (``{env: ...}``, the self-check, ``[tool.migrator.env]``
#: sets ``<key>_env``), and ``base_url`` / ``*_url`` is where clients are sent (check's allow-list)
VAR_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
URL_RE = re.compile(r"^https?://[^\s/]+")
#: ``${pack.name}``, ``${pack.title}``, ``${pack.<var>}``: filled when the file is read, with the values
#: of the pack being loaded (a shared rule names the provider that takes it)
PACK_PLACEHOLDER_RE = re.compile(r"\$\{pack\.([a-z_][a-z0-9_]*)\}")
PROVIDER_KEYS = {"name", "title", "docs", "verified", "summary"}
PLAN_KEYS = {"title", "summary", "requirement", "keeps_openai", "check_policy", "refuse", "cleanup_imports", "env_files"}
RULE_KEYS = {"id", "message", "note", "references", "plans", "match", "rewrite", "tests", "severity", "option", "requires"}
#: opt-in behaviours a user turns on (apply --completions-as-chat); a rule's `option: name` runs only with
#: it, `option: "!name"` only without it
OPTIONS = ("completions_as_chat",)
MATCH_KEYS = {
    "kind",
    "symbol",
    "api",
    "legacy",
    "async",
    "stream",
    "tools",
    "endpoint",
    "receiver",
    "attribute",
    "variable",
    "path",
    "chunk",
    "module",
    "has_kwarg",
    "confidence",
    "context_manager",
    "kwargs_within",
    "kwargs_beyond",
    "models_within",
    "models_beyond",
}
BOOL_MATCH_KEYS = ("legacy", "async", "stream", "tools", "chunk", "context_manager")
TEST_KEYS = {"valid", "invalid"}
CASE_KEYS = {"before", "after", "diagnostics", "plan", "region"}
SEVERITIES = ("info", "warning", "manual")


@dataclass(frozen=True)
class Op:
    name: str
    params: Dict[str, Any]
    line: int


@dataclass(frozen=True)
class Rule:
    id: str
    message: str
    match: Dict[str, Any]
    ops: Tuple[Op, ...]
    plans: Tuple[str, ...]
    note: str = ""
    references: Tuple[str, ...] = ()
    severity: str = "info"
    valid: Tuple[Dict[str, Any], ...] = ()
    invalid: Tuple[Dict[str, Any], ...] = ()
    source: str = ""
    line: int = 0
    option: str = ""  # "name": only with that opt-in; "!name": only without it
    #: packages the rewritten code imports ("name==version read"): dependency files gain them
    requires: Tuple[str, ...] = ()


@dataclass
class Plan:
    name: str
    title: str
    summary: str = ""
    requirement: str = ""
    keeps_openai: bool = True
    check_policy: str = "strict"
    refuse: Optional[str] = None  # a plan the provider does not offer: the reason
    cleanup_imports: Tuple[str, ...] = ("openai",)
    env_files: Dict[str, str] = field(default_factory=dict)


@dataclass
class ProviderFile:
    path: str
    name: str
    title: str
    docs: str
    verified: str
    summary: str
    vars: Dict[str, str]
    regions: Dict[str, Dict[str, str]]
    default_region: Optional[str]
    models: Dict[str, str]
    plans: Dict[str, Plan]
    rules: List[Rule]


@dataclass
class RuleSet:
    """Everything the engine needs to migrate one file to one provider and plan."""

    provider: ProviderFile
    plan: Plan
    rules: List[Rule]
    vars: Dict[str, str]
    models: Dict[str, str]
    todo_comments: bool = True
    # the language of the TODO comments written into the code ("en" or "zh"): the one migrator speaks,
    # unless the project pins one (a team shares one language in its code whatever each locale says)
    todo_lang: str = "en"
    # a native plan's compat plan: a client unit the native SDK cannot serve whole stays on the
    # openai SDK, pointed at the provider's compatible endpoint (a hybrid the report names)
    fallback: Optional["RuleSet"] = None
    # chosen with --only/--skip: not the whole plan, so sites are rewritten one by one (a rule
    # tested alone, or a person's deliberate pick) and client units are not planned
    partial: bool = False
    # re-read every rewrite for disagreements (engine/selfcheck.py); off only where one rule's
    # edit is tested alone (its inline cases), which is not a migration anyone receives
    self_check: bool = True
    # where a client of the project stays on OpenAI ("path:line"), if one does: OPENAI_* reads
    # outside any client then keep their name, since they may feed that client (apply sets it)
    tree_stays: Optional[str] = None
    # a native plan that moves no client of the project to the provider's SDK (apply sets it):
    # "all": the test doubles of the openai SDK still fake what the code calls, no rule is matched
    # on them; "fallback": some client takes the provider's compatible endpoint (a hybrid), so the
    # doubles are judged as the fallback (compat) plan judges them: its rules match them (routes
    # of api.openai.com and openai<1 fakes no longer intercept the code, openai>=1 SDK patches do)
    doubles_kept: str = ""
    # clients one module builds and others call (apply's whole-project pass): (path of the
    # building module, construction key: see units.project_key) -> "stay: <where, why>" (some part cannot move: all stay) or
    # "compat" (a native plan cannot serve every part: all take the compatible endpoint)
    cross: Dict[Tuple[str, str], str] = field(default_factory=dict)
    # keys of the units a person chose to leave on OpenAI (apply --interactive; units.hold_key):
    # each is blocked as any unit the plan cannot move, so what depends on it stays too; None
    # (not interactive): the engine does not list the units it moves (FileResult.offered)
    held: Optional[FrozenSet[str]] = None
    # the file's line length (ruff's/black's line-length): a rewritten statement longer than this
    # has its generated call wrapped one argument per line (engine/layout.py); None: never wrapped
    line_length: Optional[int] = None

    def requirements(self, rule_ids: Iterable[str]) -> List[str]:
        """What the rewritten code needs installed: the ``requires`` of the rules that ran
        (this plan's or its fallback's)."""
        rules = {r.id: r for r in self.rules + (self.fallback.rules if self.fallback is not None else [])}
        return sorted({req for rid in rule_ids if rid in rules for req in rules[rid].requires})

    def with_cross(self, cross: Dict[Tuple[str, str], str]) -> "RuleSet":
        fallback = dataclasses.replace(self.fallback, cross=cross) if self.fallback is not None else None
        return dataclasses.replace(self, cross=cross, fallback=fallback)

    def with_held(self, held: Iterable[str]) -> "RuleSet":
        held = frozenset(held)
        fallback = dataclasses.replace(self.fallback, held=held) if self.fallback is not None else None
        return dataclasses.replace(self, held=held, fallback=fallback)

    @property
    def id(self) -> str:
        return f"{self.provider.name}-{self.plan.name}"

    def check_policy(self, hybrid: bool) -> str:
        """The policy `migrator check` must hold migrated code to: a hybrid keeps the openai SDK."""
        if hybrid and self.fallback is not None:
            return self.fallback.plan.check_policy
        return self.plan.check_policy

    def interpolate(self, text: str) -> str:
        def sub(match: "re.Match[str]") -> str:
            return self.vars.get(match.group(1), match.group(0))

        return re.sub(r"\$\{([a-z_][a-z0-9_]*)\}", sub, text)

    def map_model(self, model: str) -> Optional[str]:
        if model in self.models:
            return self.models[model]
        for pattern, target in self.models.items():
            if any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(model, pattern):
                return target
        return None

    def is_target_model(self, model: str) -> bool:
        return model in set(self.models.values())


# ------------------------------------------------------------------ YAML with line numbers


def _line(event: yaml.Event) -> int:
    """The 1-based line a parsed YAML event starts on (the parser marks every event)."""
    assert event.start_mark is not None
    return event.start_mark.line + 1


def _compose(text: str, path: str, problems: List[str]) -> Optional[yaml.Node]:
    tab = re.search(r"^\t", text, re.M)  # a tab inside a line (a value, a block scalar) is fine
    if tab:
        line = text.count("\n", 0, tab.start()) + 1
        problems.append(f"{path}:{line}: " + _("tab used for indentation; YAML needs spaces"))
        return None
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_SAFE_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                problems.append(f"{path}:{_line(event)}: " + _("anchors and aliases are not allowed in rule files"))
                return None
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_RULE_DEPTH:  # every reader of the tree recurses; refuse before it does
                    problems.append(f"{path}:{_line(event)}: " + _("nested more than {n} levels deep").format(n=MAX_RULE_DEPTH))
                    return None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(f"{path}:{line}: " + _("invalid YAML: {reason}").format(reason=what))
        return None


class _Reader:
    """Turns a composed YAML node tree into plain data, collecting problems with line numbers."""

    def __init__(self, path: str, problems: List[str]):
        self.path = path
        self.problems = problems
        #: the values of ``${pack.<key>}`` (the pack being loaded), once known
        self.pack_values: Optional[Dict[str, str]] = None

    def fill(self, text: str, node: yaml.Node) -> str:
        """``text`` with its ``${pack.<key>}`` placeholders filled (an unknown key is a problem)."""
        if self.pack_values is None or "${pack." not in text:
            return text
        values = self.pack_values

        def sub(match: "re.Match[str]") -> str:
            if match.group(1) in values:
                return values[match.group(1)]
            self.err(
                node,
                _("unknown placeholder '{placeholder}'; known: {names}").format(
                    placeholder=match.group(0), names=", ".join("${pack." + k + "}" for k in sorted(values))
                ),
            )
            return match.group(0)

        return PACK_PLACEHOLDER_RE.sub(sub, text)

    def err(self, node: Optional[yaml.Node], message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"{self.path}:{line}: {message}")

    def mapping(self, node: yaml.Node, where: str, allowed: Optional[set] = None) -> Dict[str, Tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.err(node, _("{where} must be a mapping").format(where=where))
            return {}
        out: Dict[str, Tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.err(key_node, _("{where}: keys must be strings").format(where=where))
                continue
            key = key_node.value
            if key in out:
                self.err(key_node, _("{where}: duplicate key '{key}'").format(where=where, key=key))
                continue
            if allowed is not None and key not in allowed:
                hint = difflib.get_close_matches(key, sorted(allowed), n=1)
                self.err(key_node, _("{where}: unknown key '{key}'").format(where=where, key=key) + did_you_mean(hint))
                continue
            out[key] = (key_node, value_node)
        return out

    def string(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            self.err(node, _("{where} must be a string").format(where=where))
            return ""
        if node.tag != "tag:yaml.org,2002:str" and not node.style:
            if node.value.lower() in ("yes", "no", "on", "off", "true", "false", "y", "n"):
                self.err(
                    node,
                    _("{where}: '{value}' is read as a boolean by YAML 1.1; quote it if you mean a string").format(
                        where=where, value=node.value
                    ),
                )
                return ""
            if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:null"):
                self.err(node, _("{where} must be a string (quote '{value}')").format(where=where, value=node.value))
                return ""
        return self.fill(node.value, node)

    def boolean(self, node: yaml.Node, where: str) -> Optional[bool]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
            return node.value.lower() in ("true", "yes", "on", "y")
        self.err(node, _("{where} must be true or false").format(where=where))
        return None

    def strings(self, node: yaml.Node, where: str) -> List[str]:
        if isinstance(node, yaml.ScalarNode):
            value = self.string(node, where)
            return [value] if value else []
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, _("{where} must be a string or a list of strings").format(where=where))
            return []
        return [s for s in (self.string(item, where) for item in node.value) if s]

    def plain(self, node: yaml.Node, where: str) -> Any:
        """Any YAML value as Python data (strings stay strings, no YAML 1.1 booleans from bare words)."""
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:str" or bool(node.style):
                return self.fill(node.value, node)
            if node.tag == "tag:yaml.org,2002:bool":
                if node.value not in ("true", "false"):
                    self.err(
                        node,
                        _("{where}: '{value}' is read as a boolean by YAML 1.1; write true/false or quote it").format(
                            where=where, value=node.value
                        ),
                    )
                return node.value.lower() in ("true", "yes", "on", "y")
            if node.tag == "tag:yaml.org,2002:null":
                return None
            return yaml.SafeLoader(node.value).get_single_data() if node.value else None
        if isinstance(node, yaml.SequenceNode):
            return [self.plain(item, where) for item in node.value]
        if isinstance(node, yaml.MappingNode):
            return {k: self.plain(v, f"{where}.{k}") for k, (_, v) in self.mapping(node, where).items()}
        return None


# ------------------------------------------------------------------ loading


def builtin_rules_dir() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_rules"
    if packaged.is_dir():
        return packaged
    return here.parent / "rules"


def rule_files(extra: Sequence[str] = ()) -> List[Path]:
    """Built-in rule files, then the user's (files or directories), in a stable order."""
    files = pack_files(builtin_rules_dir())
    for entry in extra:
        path = Path(entry)
        if path.is_dir():
            files.extend(pack_files(path))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(_("rule file or directory not found: {path}").format(path=entry))
    # a file named twice (a built-in pack given on the command line: `rules test rules/x.yaml`)
    # is one file, read once
    seen: Set[Path] = set()
    return [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]  # type: ignore[func-returns-value]


def pack_files(directory: Path) -> List[Path]:
    """The packs of a rules directory: its ``*.yaml`` (and ``*.yml``) files but the shared ones,
    whose name starts with ``_`` (rules that packs take with ``extends``)."""
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    return [f for f in files if not f.name.startswith("_")]


def _read_yaml(path: Path, problems: List[str]) -> Optional[yaml.Node]:
    shown = str(path)
    try:
        if path.stat().st_size > MAX_RULE_FILE_BYTES:
            problems.append(f"{shown}:1: " + _("rule file larger than {n} KiB").format(n=MAX_RULE_FILE_BYTES // 1024))
            return None
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(f"{shown}:1: " + _("not UTF-8 text"))
        return None
    except OSError as exc:
        problems.append(f"{shown}:1: " + _("cannot read: {reason}").format(reason=exc.strerror or exc))
        return None
    if not text.strip():
        problems.append(f"{shown}:1: " + _("empty rule file"))
        return None
    return _compose(text, shown, problems)


def load_file(path: Path, problems: List[str]) -> Optional[ProviderFile]:
    """Parse and validate one rule file (and the files it extends), appending every problem to
    ``problems``."""
    before = len(problems)
    chain, whole = _chain(path, problems)
    if not whole:
        for layer in chain[:1]:  # the pack's own header, whatever it extends
            if not layer.shared:
                layer.parser.header(layer.node, layer.top, None, extends="extends" in layer.top)
        return None
    parsed = _merge(chain)
    return parsed if len(problems) == before else None


@dataclass
class _Layer:
    """One file of a pack's ``extends`` chain, composed and read at the top level."""

    parser: "_Parser"
    node: yaml.Node
    top: Dict[str, Tuple[yaml.Node, yaml.Node]]
    shared: bool  # no ``provider``: rules for packs to extend


def _chain(path: Path, problems: List[str]) -> Tuple[List["_Layer"], bool]:
    """The file and every file it extends, the pack itself first, and whether every one was found
    and read (a pack whose chain is broken still has its own header checked)."""
    chain: List[_Layer] = []
    seen: List[Path] = []
    while True:
        node = _read_yaml(path, problems)
        if node is None:
            return chain, False
        parser = _Parser(_Reader(str(path), problems), path)
        shared = isinstance(node, yaml.MappingNode) and not any(
            isinstance(k, yaml.ScalarNode) and k.value == "provider" for k, _v in node.value
        )
        top = parser.r.mapping(node, "rule file", SHARED_KEYS if shared else TOP_KEYS)
        if not chain and shared and top:
            parser.r.err(node, _("a shared rule file (no 'provider') is not a pack: a pack takes its rules with 'extends'"))
            return chain, False
        chain.append(_Layer(parser, node, top, shared))
        seen.append(path.resolve())
        if not top:
            return chain, False
        if "extends" not in top:
            return chain, True
        value = top["extends"][1]
        name = parser.r.string(value, "extends")
        if not name:
            return chain, False
        if not EXTENDS_RE.match(name):
            parser.r.err(
                value, _("extends: '{name}' is not a rule file's name (kebab-case, no path or '.yaml')").format(name=name)
            )
            return chain, False
        parent = _find_parent(name, path)
        if parent is None:
            parser.r.err(
                value,
                _(
                    "extends: no rule file '{name}' (looked for _{name}.yaml and {name}.yaml beside this file "
                    "and among the built-in packs)"
                ).format(name=name),
            )
            return chain, False
        if parent.resolve() in seen or len(chain) > MAX_EXTENDS:
            files = " -> ".join(str(p) for p in seen + [parent])
            parser.r.err(
                value,
                _("extends: a cycle: {files}").format(files=files)
                if parent.resolve() in seen
                else _("extends: more than {n} files deep: {files}").format(n=MAX_EXTENDS, files=files),
            )
            return chain, False
        path = parent


def _find_parent(name: str, child: Path) -> Optional[Path]:
    for directory in (child.parent, builtin_rules_dir()):
        for candidate in (directory / f"_{name}.yaml", directory / f"{name}.yaml"):
            if candidate.is_file() and candidate.resolve() != child.resolve():
                return candidate
    return None


@dataclass
class _Inherit:
    """A ``- inherit: [name, ...]`` entry of a pack's rules: the parent's rules placed there."""

    names: List[str]
    node: yaml.Node


def _suffix(rule_id: str) -> str:
    return rule_id.split("/", 1)[-1]


def _merge(chain: List[_Layer]) -> Optional[ProviderFile]:
    """The pack of an ``extends`` chain: every file's header read (the pack's own last, its values
    winning), then every file's rules with the pack's ``${pack.*}`` values, from the farthest
    parent on: a pack's rule with a parent rule's name replaces it, ``drop`` removes parent rules,
    ``- inherit: [...]`` places parent rules; the parent rules it does not name come first."""
    leaf = chain[0]
    pf: Optional[ProviderFile] = None
    for layer in reversed(chain):
        if not layer.shared:
            pf = layer.parser.header(layer.node, layer.top, pf, extends="extends" in layer.top)
        elif "schema_version" not in layer.top:
            layer.parser.r.err(layer.node, _("missing required key '{key}'").format(key="schema_version"))
    if pf is None:
        return None
    values = {**pf.vars, "name": pf.name, "title": pf.title}
    rules: List[Rule] = []
    for layer in reversed(chain):
        layer.parser.r.pack_values = values
        if "rules" not in layer.top:
            if layer.shared:
                layer.parser.r.err(layer.node, _("missing required key '{key}'").format(key="rules"))
            continue
        # a shared file's rule ids are written ${pack.name}/...; a parent pack's keep its own name
        owner = pf.name if layer.shared or layer is leaf else layer.parser.path.stem
        entries = layer.parser.rules(layer.top["rules"][1], owner, pf.plans, SCHEMAS, inheriting=bool(rules))
        entries = [dataclasses.replace(e, id=f"{pf.name}/{_suffix(e.id)}") if isinstance(e, Rule) else e for e in entries]
        rules = layer.parser.combine(rules, entries, layer.top.get("drop"))
    if "rules" not in leaf.top and "extends" not in leaf.top:
        return None
    pf.rules = rules
    return pf


class _Parser:
    def __init__(self, reader: _Reader, path: Path):
        self.r = reader
        self.path = path

    def header(
        self, node: yaml.Node, top: Dict[str, Tuple[yaml.Node, yaml.Node]], base: Optional[ProviderFile], extends: bool
    ) -> Optional[ProviderFile]:
        """A pack's fields but its rules, over those of the pack it extends (``base``)."""
        r = self.r
        for required in ("schema_version", "provider") + (() if extends else ("plans", "rules")):
            if required not in top:
                r.err(node, _("missing required key '{key}'").format(key=required))
        version = top.get("schema_version")
        if version and (not isinstance(version[1], yaml.ScalarNode) or version[1].value != str(SCHEMA_VERSION)):
            r.err(version[1], _("schema_version must be {version}").format(version=SCHEMA_VERSION))
        provider = self.provider(top["provider"][1]) if "provider" in top else {}
        name = provider.get("name", "")
        if name and name != self.path.stem:
            r.err(
                top["provider"][1],
                _("provider.name '{name}' must equal the file name '{stem}'").format(name=name, stem=self.path.stem),
            )
        vars_ = dict(base.vars) if base else {}
        vars_.update(self.vars(top["vars"][1], "vars") if "vars" in top else {})
        regions = dict(base.regions) if base else {}
        regions.update(self.regions(top["regions"][1]) if "regions" in top else {})
        default_region = base.default_region if base else None
        if "default_region" in top:
            default_region = r.string(top["default_region"][1], "default_region")
            if default_region and default_region not in regions:
                r.err(
                    top["default_region"][1],
                    _("default_region '{region}' is not one of the regions").format(region=default_region),
                )
        models = dict(base.models) if base else {}
        models.update(self.str_map(top["models"][1], "models") if "models" in top else {})
        plans = dict(base.plans) if base else {}
        plans.update(self.plans(top["plans"][1]) if "plans" in top else {})
        return ProviderFile(
            path=str(self.path),
            name=name,
            title=provider.get("title", name),
            docs=provider.get("docs", ""),
            verified=provider.get("verified", ""),
            summary=provider.get("summary", ""),
            vars=vars_,
            regions=regions,
            default_region=default_region,
            models=models,
            plans=plans,
            rules=[],
        )

    def vars(self, node: yaml.Node, where: str) -> Dict[str, str]:
        """A pack's (or a region's) variables, held to what Python reads of them (``VAR_NAME_RE``,
        ``ENV_NAME_RE``, ``URL_RE``)."""
        return self.str_map(node, where, self._var)

    def _var(self, where: str, key: str, key_node: yaml.Node, value_node: yaml.Node, value: str) -> None:
        if not VAR_NAME_RE.match(key):
            self.r.err(
                key_node,
                _("{where}: variable name '{key}' must be lower_snake_case (a-z, 0-9 and '_')").format(where=where, key=key),
            )
        elif key.endswith("_env") and value and not ENV_NAME_RE.match(value):
            self.r.err(
                value_node,
                _("{where}.{key} must be an environment variable's name, not '{value}'").format(
                    where=where, key=key, value=value
                ),
            )
        elif (key == "base_url" or key.endswith("_url")) and value and not URL_RE.match(value):
            self.r.err(
                value_node, _("{where}.{key} must be an http(s) URL, not '{value}'").format(where=where, key=key, value=value)
            )

    def provider(self, node: yaml.Node) -> Dict[str, str]:
        fields = self.r.mapping(node, "provider", PROVIDER_KEYS)
        for required in ("name", "title", "docs", "verified"):
            if required not in fields:
                self.r.err(node, "provider: " + _("missing required key '{key}'").format(key=required))
        out = {k: self.r.string(v, f"provider.{k}") for k, (_, v) in fields.items()}
        verified = out.get("verified", "")
        if verified and not re.match(r"^\d{4}-\d{2}-\d{2}$", verified):
            self.r.err(fields["verified"][1], _("provider.verified must be a date YYYY-MM-DD (quote it)"))
        return out

    def str_map(
        self, node: yaml.Node, where: str, check: Optional[Callable[[str, str, yaml.Node, yaml.Node, str], None]] = None
    ) -> Dict[str, str]:
        out = {}
        for key, (key_node, value) in self.r.mapping(node, where).items():
            text = self.r.string(value, f"{where}.{key}")
            if where == "models" and not text:
                self.r.err(value, _("models: '{key}' maps to an empty model name").format(key=key))
            if check is not None:
                check(where, key, key_node, value, text)
            out[key] = text
        return out

    def regions(self, node: yaml.Node) -> Dict[str, Dict[str, str]]:
        return {k: self.vars(v, f"regions.{k}") for k, (_, v) in self.r.mapping(node, "regions").items()}

    def plans(self, node: yaml.Node) -> Dict[str, Plan]:
        out = {}
        for name, (_name_node, value) in self.r.mapping(node, "plans", set(PLANS)).items():
            fields = self.r.mapping(value, f"plans.{name}", PLAN_KEYS)
            plan = Plan(name=name, title=name)
            for key, (_key_node, v) in fields.items():
                where = f"plans.{name}.{key}"
                if key == "keeps_openai":
                    plan.keeps_openai = bool(self.r.boolean(v, where))
                elif key == "cleanup_imports":
                    plan.cleanup_imports = tuple(self.r.strings(v, where))
                elif key == "env_files":
                    plan.env_files = self.str_map(v, where)
                else:
                    setattr(plan, key, self.r.string(v, where))
            if plan.check_policy not in ("strict", "compat"):
                self.r.err(value, _("plans.{name}.check_policy must be 'strict' or 'compat'").format(name=name))
            out[name] = plan
        return out

    def rules(
        self, node: yaml.Node, provider: str, plans: Dict[str, Plan], ops: Dict[str, Schema], inheriting: bool = False
    ) -> List[Union[Rule, _Inherit]]:
        if not isinstance(node, yaml.SequenceNode):
            self.r.err(node, _("rules must be a list"))
            return []
        out: List[Union[Rule, _Inherit]] = []
        seen: Dict[str, int] = {}
        for index, item in enumerate(node.value):
            if isinstance(item, yaml.MappingNode) and any(
                isinstance(k, yaml.ScalarNode) and k.value == "inherit" for k, _v in item.value
            ):
                fields = self.r.mapping(item, f"rules[{index}]", {"inherit"})
                if not inheriting:
                    self.r.err(
                        item,
                        f"rules[{index}]: "
                        + _("'inherit' places rules of the file named by 'extends', and this file extends none"),
                    )
                elif "inherit" in fields:
                    out.append(_Inherit(self.r.strings(fields["inherit"][1], f"rules[{index}].inherit"), fields["inherit"][1]))
                continue
            rule = self.rule(item, index, provider, plans, ops)
            if rule is None:
                continue
            if rule.id in seen:
                self.r.err(item, _("duplicate rule id '{id}' (first at line {line})").format(id=rule.id, line=seen[rule.id]))
                continue
            seen[rule.id] = rule.line
            out.append(rule)
        return out

    def combine(
        self, inherited: List[Rule], entries: List[Union[Rule, _Inherit]], drop: Optional[Tuple[yaml.Node, yaml.Node]]
    ) -> List[Rule]:
        """This file's rules over the ones it extends (see ``_merge``)."""
        r = self.r
        by_name = {_suffix(rule.id): rule for rule in inherited}
        dropped: Set[str] = set()
        if drop is not None:
            if not inherited:
                r.err(drop[0], _("'drop' removes rules of the file named by 'extends', and this file extends none"))
            for name in r.strings(drop[1], "drop"):
                if name not in by_name:
                    r.err(
                        drop[1],
                        _("drop: '{name}' is not a rule this file inherits").format(name=name)
                        + did_you_mean(difflib.get_close_matches(name, sorted(by_name), n=1)),
                    )
                dropped.add(name)
        placed: Set[str] = set()
        for entry in entries:
            if isinstance(entry, _Inherit):
                for name in entry.names:
                    if name not in by_name or name in dropped or name in placed:
                        r.err(
                            entry.node,
                            _("inherit: '{name}' is not a rule this file inherits, or is dropped or placed twice").format(
                                name=name
                            )
                            + did_you_mean(difflib.get_close_matches(name, sorted(by_name), n=1)),
                        )
                    placed.add(name)
            elif _suffix(entry.id) in by_name:
                placed.add(_suffix(entry.id))  # replaced where this file writes it
        out = [rule for rule in inherited if _suffix(rule.id) not in dropped | placed]
        for entry in entries:
            if isinstance(entry, _Inherit):
                out += [by_name[name] for name in entry.names if name in by_name and name not in dropped]
            else:
                out.append(entry)
        return out

    def rule(self, node: yaml.Node, index: int, provider: str, plans: Dict[str, Plan], ops: Dict[str, Schema]) -> Optional[Rule]:
        r = self.r
        where = f"rules[{index}]"
        fields = r.mapping(node, where, RULE_KEYS)
        for required in ("id", "message", "match", "rewrite", "tests"):
            if required not in fields:
                r.err(node, f"{where}: " + _("missing required key '{key}'").format(key=required))
        rid = r.string(fields["id"][1], f"{where}.id") if "id" in fields else ""
        if rid:
            where = _("rule {id}").format(id=rid)
            if not ID_RE.match(rid):
                r.err(fields["id"][1], f"{where}: " + _("id must look like 'provider/kebab-name'"))
            elif provider and not rid.startswith(provider + "/"):
                r.err(fields["id"][1], f"{where}: " + _("id must start with '{provider}/'").format(provider=provider))
        message = r.string(fields["message"][1], f"{where}.message") if "message" in fields else ""
        if "\n" in message.strip():
            r.err(fields["message"][1], f"{where}: " + _("message must be one line (put details in 'note')"))
        rule_plans = tuple(r.strings(fields["plans"][1], f"{where}.plans")) if "plans" in fields else tuple(plans)
        for plan in rule_plans:
            if plan not in plans:
                r.err(fields["plans"][1], f"{where}: " + _("plan '{plan}' is not declared under 'plans'").format(plan=plan))
        severity = r.string(fields["severity"][1], f"{where}.severity") if "severity" in fields else "info"
        if severity not in SEVERITIES:
            r.err(
                fields["severity"][1], f"{where}: " + _("severity must be one of {values}").format(values=", ".join(SEVERITIES))
            )
        match = self.match(fields["match"][1], where) if "match" in fields else {}
        rule_ops = self.ops(fields["rewrite"][1], where, ops) if "rewrite" in fields else ()
        valid, invalid = self.tests(fields["tests"][1], where) if "tests" in fields else ((), ())
        option = r.string(fields["option"][1], f"{where}.option") if "option" in fields else ""
        if option and option.lstrip("!") not in OPTIONS:
            r.err(
                fields["option"][1],
                f"{where}: " + _("option must be one of {values} (or '!' and one of them)").format(values=", ".join(OPTIONS)),
            )
        requires = tuple(r.strings(fields["requires"][1], f"{where}.requires")) if "requires" in fields else ()
        for req in requires:
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[0-9][0-9A-Za-z.+-]*", req):
                r.err(fields["requires"][1], f"{where}: requires entries are 'package==version' (the version read), not {req!r}")
        return Rule(
            id=rid,
            message=message,
            match=match,
            ops=rule_ops,
            plans=rule_plans,
            note=r.string(fields["note"][1], f"{where}.note") if "note" in fields else "",
            references=tuple(r.strings(fields["references"][1], f"{where}.references")) if "references" in fields else (),
            severity=severity,
            valid=valid,
            invalid=invalid,
            source=str(self.path),
            line=node.start_mark.line + 1,
            option=option,
            requires=requires,
        )

    def match(self, node: yaml.Node, where: str) -> Dict[str, Any]:
        fields = self.r.mapping(node, f"{where}.match", MATCH_KEYS)
        out = {k: self.r.plain(v, f"{where}.match.{k}") for k, (_, v) in fields.items()}
        kind = out.get("kind")
        if kind not in MATCH_KINDS:
            target = fields["kind"][1] if "kind" in fields else node
            hint = difflib.get_close_matches(str(kind), MATCH_KINDS, n=1)
            self.r.err(
                target,
                f"{where}: " + _("match.kind must be one of {values}").format(values=", ".join(MATCH_KINDS)) + did_you_mean(hint),
            )
        for key in BOOL_MATCH_KEYS:
            if key in out and not isinstance(out[key], bool):
                self.r.err(fields[key][1], _("{where} must be true or false").format(where=f"{where}: match.{key}"))
        for key, value in out.items():  # every other filter is a string or a list of strings
            if (
                key != "kind"
                and key not in BOOL_MATCH_KEYS
                and not (isinstance(value, str) or isinstance(value, list) and value and all(isinstance(v, str) for v in value))
            ):
                self.r.err(
                    fields[key][1], _("{where} must be a string or a list of strings").format(where=f"{where}: match.{key}")
                )
        for key in ("kwargs_within", "kwargs_beyond", "models_within", "models_beyond"):  # constructions only
            if key in out and kind != "framework":
                self.r.err(fields[key][1], f"{where}: match.{key} is for kind: framework only")
        return out

    def ops(self, node: yaml.Node, where: str, ops: Dict[str, Schema]) -> Tuple[Op, ...]:
        if not isinstance(node, yaml.SequenceNode):
            self.r.err(node, _("{where}.rewrite must be a list of operations").format(where=where))
            return ()
        out = []
        for index, item in enumerate(node.value):
            fields = self.r.mapping(item, f"{where}.rewrite[{index}]")
            if len(fields) != 1:
                self.r.err(item, f"{where}.rewrite[{index}]: " + _("each entry is exactly one operation"))
                continue
            ((name, (key_node, value)),) = fields.items()
            if name not in ops:
                hint = difflib.get_close_matches(name, sorted(ops), n=1)
                self.r.err(
                    key_node,
                    f"{where}.rewrite[{index}]: " + _("unknown operation '{name}'").format(name=name) + did_you_mean(hint),
                )
                continue
            params = self.r.plain(value, f"{where}.rewrite[{index}].{name}")
            params = params if isinstance(params, dict) else {"value": params}
            for problem in ops[name].validate(params):
                self.r.err(value, f"{where}.rewrite[{index}].{name}: {localize(problem)}")
            out.append(Op(name, params, key_node.start_mark.line + 1))
        return tuple(out)

    def tests(self, node: yaml.Node, where: str) -> Tuple[Tuple[Dict[str, Any], ...], Tuple[Dict[str, Any], ...]]:
        fields = self.r.mapping(node, f"{where}.tests", TEST_KEYS)
        valid: List[Dict[str, Any]] = []
        invalid: List[Dict[str, Any]] = []
        if "valid" in fields:
            for item in _items(fields["valid"][1]):
                if isinstance(item, yaml.ScalarNode):
                    valid.append({"before": self.r.fill(item.value, item), "line": item.start_mark.line + 1})
                else:
                    case = self.case(item, where)
                    case.pop("after", None)
                    valid.append(case)
        if "invalid" in fields:
            for item in _items(fields["invalid"][1]):
                case = self.case(item, where)
                if "before" not in case:
                    self.r.err(item, f"{where}: " + _("an invalid test needs 'before'"))
                    continue
                invalid.append(case)
        if not valid or not invalid:
            self.r.err(node, f"{where}: " + _("tests need at least one 'valid' and one 'invalid' case"))
        return tuple(valid), tuple(invalid)

    def case(self, node: yaml.Node, where: str) -> Dict[str, Any]:
        fields = self.r.mapping(node, f"{where}.tests case", CASE_KEYS)
        case: Dict[str, Any] = {"line": node.start_mark.line + 1}
        for key, (_node, value) in fields.items():
            if key == "diagnostics":
                case[key] = self.r.strings(value, f"{where}.tests.diagnostics")
            else:
                case[key] = self.r.string(value, f"{where}.tests.{key}")
        return case


def _items(node: yaml.Node) -> List[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


# ------------------------------------------------------------------ selection


def load_all(extra: Sequence[str] = (), *, replacing: Sequence[str] = ()) -> List[ProviderFile]:
    """Load and validate every rule file; raise ``RuleFileError`` listing all problems.  A file in
    ``replacing`` takes the place of a built-in or extra pack of the same provider (``rules test
    FILE``: an edited copy of a built-in pack is tested, not refused as defined twice)."""
    problems: List[str] = []
    files = [load_file(path, problems) for path in rule_files(list(extra) + list(replacing))]
    chosen = {Path(f).resolve() for f in replacing}
    kept: Dict[str, ProviderFile] = {}
    for pf in files:
        if pf is None:
            continue
        earlier = kept.get(pf.name)
        if earlier is not None and not (Path(pf.path).resolve() in chosen and Path(earlier.path).resolve() not in chosen):
            problems.append(
                f"{pf.path}:1: " + _("provider '{name}' is already defined in {path}").format(name=pf.name, path=earlier.path)
            )
        kept[pf.name] = pf
    if problems:  # a shared file's problem is found once for each pack that extends it
        raise RuleFileError(list(dict.fromkeys(problems)))
    return [pf for pf in files if pf is not None and kept[pf.name] is pf]


def select(
    providers: Iterable[ProviderFile],
    provider: str,
    plan: Optional[str],
    *,
    models: Optional[Dict[str, str]] = None,
    env: Optional[Dict[str, str]] = None,
    region: Optional[str] = None,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    todo_comments: bool = True,
    options: Sequence[str] = (),
    line_length: Optional[int] = None,
    todo_lang: str = "en",
) -> RuleSet:
    """The rule set for one provider and plan, with the user's overrides applied.  ``options``: the
    opt-in behaviours turned on (``OPTIONS``); a rule named in ``only`` runs whatever they are."""
    by_name = {p.name: p for p in providers}
    if provider not in by_name:
        hint = difflib.get_close_matches(provider, sorted(by_name), n=1)
        raise UsageError(
            _("unknown provider '{provider}'").format(provider=provider)
            + did_you_mean(hint)
            + _("; known providers: {names}").format(names=", ".join(sorted(by_name)))
        )
    pf = by_name[provider]
    plan_name = plan or ("compat" if "compat" in pf.plans else next(iter(pf.plans)))
    if plan_name not in pf.plans:
        offered = ", ".join(p for p, v in pf.plans.items() if not v.refuse)
        raise UsageError(
            _("provider '{provider}' has no '{plan}' plan; it offers: {offered}").format(
                provider=provider, plan=plan_name, offered=offered
            )
        )
    chosen = pf.plans[plan_name]
    if chosen.refuse:
        raise UsageError(
            _("provider '{provider}' does not offer a '{plan}' plan: {reason}").format(
                provider=provider, plan=plan_name, reason=localize(chosen.refuse)
            )
        )
    all_ids = {r.id for r in pf.rules}
    for rid in list(only) + list(skip):
        if rid not in all_ids:
            hint = difflib.get_close_matches(rid, sorted(all_ids), n=1)
            raise UsageError(_("unknown rule id '{id}'").format(id=rid) + did_you_mean(hint))
    rules = [
        r
        for r in pf.rules
        if plan_name in r.plans
        and (not only or r.id in only)
        and r.id not in skip
        and (r.id in only or _enabled(r.option, options))
    ]
    vars_ = dict(pf.vars)
    region_name = region or pf.default_region
    if region is not None and region not in pf.regions:
        raise UsageError(
            _("provider '{provider}' has no region '{region}'; regions: {regions}").format(
                provider=provider, region=region, regions=", ".join(sorted(pf.regions)) or _("none")
            )
        )
    if region_name:
        vars_.update(pf.regions.get(region_name, {}))
    for key, value in (env or {}).items():
        vars_[f"{key}_env"] = value
    merged_models = dict(pf.models)
    merged_models.update(models or {})
    partial = bool(only or skip)
    fallback = None
    compat = pf.plans.get("compat")
    # any other plan falls back on compat, whether it drops the openai SDK (a native SDK) or keeps it
    # for API code and moves only framework objects to the provider's own classes (deepseek, moonshot)
    if not partial and plan_name != "compat" and compat is not None and compat.keeps_openai and not compat.refuse:
        fallback = select(
            [pf],
            provider,
            "compat",
            models=models,
            env=env,
            region=region,
            todo_comments=todo_comments,
            options=options,
            line_length=line_length,
            todo_lang=todo_lang,
        )
    return RuleSet(pf, chosen, rules, vars_, merged_models, todo_comments, todo_lang, fallback, partial, line_length=line_length)


def _enabled(option: str, options: Sequence[str]) -> bool:
    if not option:
        return True
    return option[1:] not in options if option.startswith("!") else option in options


def endpoints(providers: Iterable[ProviderFile]) -> List[str]:
    """Every compat base URL the packs point clients at (check's default allow-list)."""
    out = set()
    for pf in providers:
        for region in pf.regions.values():
            if region.get("base_url"):
                out.add(region["base_url"].rstrip("/"))
        if pf.vars.get("base_url"):
            out.add(pf.vars["base_url"].rstrip("/"))
    return sorted(out)
