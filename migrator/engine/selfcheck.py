"""The self-check: read a migrated module again and find where it disagrees with itself.

The unit planner keeps a client and what depends on it together; this is the safety net
behind it (and behind rules users write later), in the spirit of black's AST-equivalence
check.  It reads the rewritten source with the stdlib parser, knowing from the rule set which
classes are the provider's clients and exceptions and which variables hold its key, and
reports:

* a credential paired with the wrong endpoint: an OpenAI-family client that still talks to
  api.openai.com but reads the provider's key, or one pointed at the provider that reads
  ``OPENAI_API_KEY`` (directly, or through a module-level name bound to the read), or a
  provider client reading ``OPENAI_API_KEY``;
* exceptions that do not match the client whose call they guard: a provider exception around
  a call on an OpenAI client, or an OpenAI exception the pack maps around a provider client's
  call;
* v0 per-call keywords (``api_base=``, ``request_timeout=``, ``engine=``...) left on a call of
  an openai>=1 client (a TypeError at run time);
* a provider client's response read by a field only OpenAI's response has (``.data`` of a
  dashscope.Client embeddings response, which has ``.embeddings``): the fields the pack's
  ``rename_field`` rules rename, left behind;
* a name imported from the provider's SDK that the module also binds to something else (the
  binding that runs last wins), and a local function whose parameter is annotated with one side's
  client class but is given the other side's client.

Only disagreements the rewrite introduced count: the same check on the original source is
subtracted, so code that was inconsistent before is not blamed on the migration.  No LibCST.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set, Tuple

from migrator.analyzer import symbols as sym
from migrator.engine import trees
from migrator.i18n import N_
from migrator.results import SELF_CHECK  # noqa: F401 - how a refusal starts; the results read it too
from migrator.ruleset import RuleSet

# the refusal, whole (SELF_CHECK is how it starts): each problem is one message, joined by "; "
# (i18n._localize_value translates each), none of which holds "; " itself
REFUSED = N_("the self-check refused the rewrite, which would disagree with itself: {problems}; file left unchanged")
PROBLEM = N_("line {line} of the rewrite: {problem}")
V0_CALL_KEYWORDS = ("api_base", "api_type", "api_version", "request_timeout", "engine", "deployment_id", "api_key_path")
_KEY_KWARGS = ("api_key", "openai_api_key")
_URL_KWARGS = ("base_url", "openai_api_base", "api_base", "azure_endpoint")
_OPENAI_FAMILY = tuple(sym.CLIENT_CLASSES) + (
    "langchain_openai.ChatOpenAI",
    "langchain_openai.OpenAIEmbeddings",
    "langchain_openai.OpenAI",
    "langchain_community.chat_models.ChatOpenAI",
    "langchain_community.embeddings.OpenAIEmbeddings",
    "langchain_community.llms.OpenAI",
)


@dataclass(frozen=True)
class Disagreement:
    line: int
    kind: str  # key | exception | keyword
    message: str
    ident: str = ""  # what makes it the same disagreement where the message names a line

    @property
    def key(self) -> Tuple[str, str]:
        return (self.kind, self.ident or self.message)


@dataclass
class _Provider:
    key_env: str
    url_env: str
    url: str
    clients: Set[str]  # qualified names of the provider's client classes
    exceptions: Set[str]  # qualified names of the provider's exception classes
    mapped: Set[str]  # OpenAI exceptions the pack maps to one of them
    stale: Dict[str, Set[Tuple[str, ...]]]  # api -> OpenAI field paths the provider's response renames


def _provider(ruleset: RuleSet) -> _Provider:
    clients: Set[str] = set()
    exceptions: Set[str] = set()
    mapped: Set[str] = set()
    for rule in ruleset.rules:
        for op in rule.ops:
            if op.name != "replace_symbol":
                continue
            pairs = op.params.get("map") or {}
            if "to" in op.params:
                symbols = rule.match.get("symbol")
                for s in symbols if isinstance(symbols, list) else [symbols]:
                    if isinstance(s, str):
                        pairs = {**pairs, s: op.params["to"]}
            for source, target in pairs.items():
                target = ruleset.interpolate(target)
                if source in sym.CLIENT_CLASSES:
                    clients.add(target)
                elif sym.exception_name(source) is not None:
                    exceptions.add(target)
                    mapped.add(sym.canonical(source))
    stale: Dict[str, Set[Tuple[str, ...]]] = {}
    for rule in ruleset.rules:
        if rule.match.get("kind") != "result":
            continue
        apis = rule.match.get("api")
        for op in rule.ops:
            if op.name == "rename_field" and "[]" not in op.params["from"]:
                for api in apis if isinstance(apis, list) else [apis]:
                    if isinstance(api, str):
                        stale.setdefault(api, set()).add(tuple(op.params["from"].split(".")))
    return _Provider(
        ruleset.vars.get("api_key_env", ""),
        ruleset.vars.get("base_url_env", ""),
        ruleset.vars.get("base_url", ""),
        clients,
        exceptions,
        mapped,
        stale,
    )


class _Module:
    """Names bound by imports (to qualified names) and by assignments of calls and env reads."""

    def __init__(self, tree: ast.Module):
        self.nodes: List[ast.AST] = list(ast.walk(tree))  # walked once; every check reads this list
        self.imports: Dict[str, str] = {}
        self.env_names: Dict[str, Set[str]] = {}  # NAME = os.environ[...] (or x or os.getenv(...)) -> the variables read
        self.instances: Dict[str, List[str]] = {}  # x / self.x = Cls(...) -> [qualified class]
        for node in self.nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in self.nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    name = _target_name(target)
                    if name is None:
                        continue
                    # NAME = os.getenv("X"), or a value that may be one: cfg.key or os.getenv("X")
                    for var in sorted({v for v in map(self.env_var, ast.walk(node.value)) if v is not None}):
                        self.env_names.setdefault(name, set()).add(var)
                    if isinstance(node.value, ast.Call):
                        cls = self.qname(node.value.func)
                        if cls:
                            self.instances.setdefault(name, []).append(cls)

    def qname(self, node: ast.AST) -> Optional[str]:
        if isinstance(node, ast.Name):
            return self.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qname(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def env_var(self, node: ast.AST) -> Optional[str]:
        """The variable an ``os.environ[...]`` / ``os.getenv(...)`` / ``.get(...)`` read names."""
        if isinstance(node, ast.Subscript) and self.qname(node.value) == "os.environ":
            key = node.slice
            return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
        if isinstance(node, ast.Call) and self.qname(node.func) in ("os.getenv", "os.environ.get") and node.args:
            first = node.args[0]
            return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        return None

    def reads(self, node: Optional[ast.AST]) -> Set[str]:
        """Environment variables an expression reads, directly or through a name bound to a read."""
        out: Set[str] = set()
        if node is None:
            return out
        for sub in ast.walk(node):
            var = self.env_var(sub)
            if var is not None:
                out.add(var)
            name = _target_name(sub) if isinstance(sub, (ast.Name, ast.Attribute)) else None
            if name is not None and name in self.env_names:
                out |= self.env_names[name]
        return out


def _target_name(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
        return f"self.{node.attr}"
    return None


def _kwarg(call: ast.Call, names: Tuple[str, ...]) -> Tuple[bool, Optional[ast.AST]]:
    for kw in call.keywords:
        if kw.arg in names:
            return True, kw.value
    return False, None


def _literals(node: Optional[ast.AST]) -> List[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)] if node else []


def _constructions(tree: ast.Module, mod: _Module, prov: _Provider) -> Iterator[Tuple[ast.Call, str]]:
    for node in mod.nodes:
        if isinstance(node, ast.Call):
            cls = mod.qname(node.func)
            if cls and (sym.canonical(cls) in _OPENAI_FAMILY or cls in prov.clients):
                yield node, cls


def _keys(tree: ast.Module, mod: _Module, prov: _Provider) -> Iterator[Disagreement]:
    for call, cls in _constructions(tree, mod, prov):
        if any(kw.arg is None for kw in call.keywords):
            continue  # **kwargs: cannot tell
        has_key, key_expr = _kwarg(call, _KEY_KWARGS)
        keys = mod.reads(key_expr) if has_key else ({"OPENAI_API_KEY"} if cls not in prov.clients else set())
        if cls in prov.clients:
            if "OPENAI_API_KEY" in keys:
                yield Disagreement(
                    call.lineno,
                    "key",
                    N_("{cls} reads OPENAI_API_KEY: an OpenAI key would be sent to the provider").format(cls=cls),
                )
            continue
        if sym.canonical(cls) in ("openai.AzureOpenAI", "openai.AsyncAzureOpenAI"):
            endpoint = "azure"
        else:
            has_url, url = _kwarg(call, _URL_KWARGS)
            urls = _literals(url) + sorted(mod.reads(url))
            if not has_url or (isinstance(url, ast.Constant) and url.value is None) or any("api.openai.com" in u for u in urls):
                endpoint = "openai"
            elif any(u in (prov.url_env, prov.url) or (prov.url and u.startswith(prov.url)) for u in urls if u):
                endpoint = "provider"
            else:
                endpoint = "unknown"
        if endpoint in ("openai", "azure") and prov.key_env and prov.key_env in keys:
            yield Disagreement(
                call.lineno,
                "key",
                (
                    N_("{cls} still talks to Azure OpenAI but reads {key}: the provider's key would be sent there")
                    if endpoint == "azure"
                    else N_("{cls} still talks to api.openai.com but reads {key}: the provider's key would be sent there")
                ).format(cls=cls.split('.')[-1], key=prov.key_env),
            )
        if endpoint == "provider" and "OPENAI_API_KEY" in keys:
            yield Disagreement(
                call.lineno,
                "key",
                N_(
                    "{cls} is pointed at the provider but reads OPENAI_API_KEY: an OpenAI key would be sent to the provider"
                ).format(cls=cls.split('.')[-1]),
            )


def _client_of(call: ast.Call, mod: _Module, prov: _Provider) -> Optional[str]:
    """'openai' or 'provider' for ``x.chat.completions.create(...)`` whose x is one client's."""
    func = call.func
    depth = 0
    while isinstance(func, ast.Attribute):
        func = func.value
        depth += 1
        if isinstance(func, ast.Attribute) and _target_name(func) is not None and _target_name(func) in mod.instances:
            break
    if depth < 2:
        return None
    name = _target_name(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
    if isinstance(func, ast.Call):
        classes = [mod.qname(func.func) or ""]
    elif name is not None:
        classes = mod.instances.get(name, [])
    else:
        return None
    sides = {
        ("provider" if c in prov.clients else "openai" if sym.canonical(c) in sym.CLIENT_CLASSES else "other") for c in classes
    }
    return sides.pop() if len(sides) == 1 and "other" not in sides else None


def _exceptions(tree: ast.Module, mod: _Module, prov: _Provider) -> Iterator[Disagreement]:
    for node in mod.nodes:
        if not isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            continue
        sides = set()
        for stmt in node.body:  # type: ignore[attr-defined]
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Call):
                    side = _client_of(sub, mod, prov)
                    if side:
                        sides.add(side)
        if len(sides) != 1:
            continue
        side = sides.pop()
        for handler in node.handlers:  # type: ignore[attr-defined]
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            for kind in kinds:
                qname = mod.qname(kind) if kind is not None else None
                if not qname:
                    continue
                if side == "openai" and qname in prov.exceptions:
                    yield Disagreement(
                        kind.lineno,
                        "exception",
                        N_("except {name} guards a call on an OpenAI client, which never raises it").format(name=qname),
                    )
                elif side == "provider" and sym.canonical(qname) in prov.mapped:
                    yield Disagreement(
                        kind.lineno,
                        "exception",
                        N_("except {name} guards a call on the provider's client, which raises its own classes").format(
                            name=qname
                        ),
                    )


def _keywords(tree: ast.Module, mod: _Module, prov: _Provider) -> Iterator[Disagreement]:
    for node in mod.nodes:
        # only on openai>=1 clients: a provider SDK may take one of these names (qianfan: request_timeout)
        if isinstance(node, ast.Call) and _client_of(node, mod, prov) == "openai":
            bad = [kw.arg for kw in node.keywords if kw.arg in V0_CALL_KEYWORDS]
            if bad:
                yield Disagreement(
                    node.lineno,
                    "keyword",
                    N_("a call of an openai>=1 client passes {keywords} (TypeError)").format(
                        keywords=", ".join(b + "=" for b in bad)
                    ),
                )


def _api_of(call: ast.Call) -> str:
    parts = []
    func = call.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    return ".".join(reversed(parts))


def _chain(node: ast.AST) -> Tuple[Optional[ast.AST], Tuple[str, ...]]:
    """``resp.usage.prompt_tokens`` -> (``resp``, ("usage", "prompt_tokens"))."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return node, tuple(reversed(parts))


def _fields(tree: ast.Module, mod: _Module, prov: _Provider) -> Iterator[Disagreement]:
    """A provider client's response read by a field name only OpenAI's response has
    (``.data`` where dashscope.Client returns ``.embeddings``): the rule that renames it missed it."""
    if not prov.stale:
        return
    scopes = [tree] + [n for n in mod.nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for scope in scopes:
        responses: Dict[str, str] = {}  # name -> api of the provider call bound to it
        nodes = mod.nodes if scope is tree else list(ast.walk(scope))
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = node.value.value if isinstance(node.value, ast.Await) else node.value
                if isinstance(value, ast.Call) and _client_of(value, mod, prov) == "provider":
                    api = _api_of(value)
                    if any(api.endswith(a) for a in prov.stale):
                        responses[node.targets[0].id] = next(a for a in prov.stale if api.endswith(a))
        for node in nodes:
            if not isinstance(node, ast.Attribute) or not isinstance(getattr(node, "ctx", None), ast.Load):
                continue
            root, path = _chain(node)
            api = None  # type: ignore[assignment]
            if isinstance(root, ast.Name) and root.id in responses:
                api = responses[root.id]
            elif isinstance(root, ast.Call) and _client_of(root, mod, prov) == "provider":
                api = next((a for a in prov.stale if _api_of(root).endswith(a)), None)  # type: ignore[assignment]
            if api is None:
                continue
            for old in prov.stale[api]:
                if path[: len(old)] == old and len(path) == len(old):
                    yield Disagreement(
                        node.lineno,
                        "field",
                        N_(".{field} of a {api} response from the provider's client, whose response names it otherwise").format(
                            field=".".join(path), api=api
                        ),
                    )


def _bindings(tree: ast.Module, mod: _Module, prov: _Provider) -> Iterator[Disagreement]:
    """A name imported from the provider's SDK (``Client``) that the module also binds to
    something else (an ``openai`` import in a ``try:``/``else:``, an assignment): whichever binding
    runs last wins at the use site, so the rewrite may not mean what it says."""
    provider_roots = {c.split(".")[0] for c in prov.clients | prov.exceptions}
    seen: Dict[str, List[Tuple[int, Optional[str]]]] = {}
    for node in mod.nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = alias.name if alias.asname else alias.name.split(".")[0]
                seen.setdefault(alias.asname or alias.name.split(".")[0], []).append((node.lineno, target))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                seen.setdefault(alias.asname or alias.name, []).append((node.lineno, f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            seen.setdefault(node.id, []).append((node.lineno, None))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            seen.setdefault(node.name, []).append((node.lineno, None))
    for name, bindings in seen.items():
        targets = {t for _, t in bindings}
        mine = sorted(t for t in targets if t and t.split(".")[0] in provider_roots)
        if mine and len(targets) > 1:
            other = next((line, t) for line, t in bindings if t != mine[0])
            yield Disagreement(
                other[0],
                "binding",
                (
                    N_("{name} is imported as {symbol} and also bound to {other} (line {line})")
                    if other[1]
                    else N_("{name} is imported as {symbol} and also bound to something else (line {line})")
                ).format(name=name, symbol=mine[0], other=other[1], line=other[0]),
                f"{name}={mine[0]}|{other[1]}",
            )  # the same in a rewrite whose lines moved


def _parameters_fed(tree: ast.Module, mod: _Module, prov: _Provider) -> Iterator[Disagreement]:
    """A local function's parameter annotated with one side's client class, given a client the
    module builds on the other side (``def ask(client: Client)`` called with an ``OpenAI()``)."""
    defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for node in mod.nodes:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in defs):
            continue
        fdef = defs[node.func.id]
        params = list(fdef.args.args)
        for index, arg in enumerate(node.args[: len(params)]):
            annotation = params[index].annotation
            declared = mod.qname(annotation) if annotation is not None else None
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                try:
                    declared = mod.qname(ast.parse(annotation.value, mode="eval").body)
                except SyntaxError:
                    declared = None
            name = _target_name(arg) if isinstance(arg, (ast.Name, ast.Attribute)) else None
            given = mod.instances.get(name, []) if name else []
            if not declared or len(given) != 1:
                continue
            sides = [
                ("provider" if c in prov.clients else "openai" if sym.canonical(c) in sym.CLIENT_CLASSES else None)
                for c in (declared, given[0])
            ]
            if None not in sides and sides[0] != sides[1]:
                yield Disagreement(
                    node.lineno,
                    "annotation",
                    N_("{function}() declares {parameter}: {declared} but is given a {given}").format(
                        function=fdef.name, parameter=params[index].arg, declared=declared.split(".")[-1], given=given[0]
                    ),
                )


def disagreements(source: str, ruleset: RuleSet) -> List[Disagreement]:
    """Every disagreement in ``source`` (empty if it does not parse: the caller checks that)."""
    try:
        tree = trees.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    prov = _provider(ruleset)
    mod = _Module(tree)
    found = (
        list(_keys(tree, mod, prov))
        + list(_exceptions(tree, mod, prov))
        + list(_keywords(tree, mod, prov))
        + list(_fields(tree, mod, prov))
        + list(_bindings(tree, mod, prov))
        + list(_parameters_fed(tree, mod, prov))
    )
    return sorted(set(found), key=lambda d: (d.line, d.kind, d.message))


def refusal(problems: List[Disagreement]) -> str:
    """Why the file was refused (a file's error, English: translated where shown)."""
    return REFUSED.format(problems="; ".join(PROBLEM.format(line=p.line, problem=p.message) for p in problems[:3]))


def introduced(original: str, migrated: str, ruleset: RuleSet) -> List[Disagreement]:
    """Disagreements of ``migrated`` beyond those ``original`` already had."""
    after = disagreements(migrated, ruleset)
    if not after:
        return []  # the usual case: the original need not be read at all
    before = Counter(d.key for d in disagreements(original, ruleset))
    out = []
    for d in after:
        if before[d.key] > 0:
            before[d.key] -= 1
            continue
        out.append(d)
    return out
