"""Every name a rule file writes must exist in the real, installed SDK.

Generic over all rule files (``load_all()``) and every offered plan:

* symbols: ``replace_symbol`` targets (``to`` / ``map`` values) and the dotted names inside
  ``legacy_to_client`` / ``{expr: ...}`` values are importable (``importlib`` + ``getattr``);
* methods: each client class a plan writes is built with a dummy key (no network) and every API
  path its rules call on it (``rename_method`` targets, ``legacy_to_client`` APIs, the APIs a
  keyword-writing rule matches) resolves on that client;
* keywords: every keyword a rule sets or renames into (``set_kwarg`` name, ``rename_kwarg`` to,
  ``move_kwarg`` into) is a named parameter of the constructor or method it lands on.  ``**kwargs``
  counts only for callables listed in ``KWARGS_REACH_THE_WIRE`` (they really send them on).

A provider whose SDK is not importable is skipped (``pytest.importorskip``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import warnings
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

import pytest

from migrator.ruleset import ProviderFile, Rule, RuleSet, load_all, select

PROVIDERS = load_all()
OPENAI_CLIENTS = {"openai.OpenAI": False, "openai.Client": False, "openai.AsyncOpenAI": True, "openai.AsyncClient": True}
# callables whose **kwargs go into the request body, so any keyword is accepted by the SDK
KWARGS_REACH_THE_WIRE = {
    "qianfan.resources.llm.chat_completion.ChatCompletion.create",
    "qianfan.resources.llm.chat_completion.ChatCompletion.acreate",
}
KWARG_OPS = {"set_kwarg": "name", "rename_kwarg": "to", "move_kwarg": "into"}


def _plans() -> List[Tuple[ProviderFile, str]]:
    return [(pf, plan) for pf in PROVIDERS for plan, spec in pf.plans.items() if not spec.refuse]


PLANS = _plans()
IDS = [f"{pf.name}-{plan}" for pf, plan in PLANS]


# ------------------------------------------------------------------ resolving names


def resolve(dotted: str) -> Any:
    """``pkg.mod.Name.attr`` -> the object, importing the longest importable module prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)  # AttributeError names the missing piece
        return obj
    raise ImportError(f"no importable module in {dotted!r}")


def require_sdk(dotted: str) -> None:
    root = dotted.split(".")[0]
    pytest.importorskip(root, reason=f"{root} is not installed")


def dotted_names(expr: str) -> Iterator[str]:
    """Maximal ``a.b.c`` chains in a Python expression."""
    tree = ast.parse(expr, mode="eval")
    inner: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            inner.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Name)) and id(node) not in inner:
            parts = []
            cur: ast.AST = node
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name):
                parts.append(cur.id)
                yield ".".join(reversed(parts))


def called_class(expr: str) -> Optional[str]:
    """``pkg.Client(api_key=...)`` -> ``pkg.Client`` (the client a legacy rewrite builds)."""
    node = ast.parse(expr, mode="eval").body
    if isinstance(node, ast.Call):
        names = list(dotted_names(ast.unparse(node.func)))
        return names[0] if names else None
    return None


def expr_values(value: Any) -> Iterator[Tuple[str, List[str]]]:
    """({expr}, imports) pairs inside an operation parameter value."""
    if isinstance(value, dict) and "expr" in value:
        yield value["expr"], [str(i).partition(":")[0] for i in value.get("imports", [])]
    elif isinstance(value, dict):
        for v in value.values():
            yield from expr_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from expr_values(v)


# ------------------------------------------------------------------ what a plan writes


@dataclass
class Written:
    symbols: Dict[str, str]  # dotted name -> rule id that writes it
    clients: Dict[str, Optional[bool]]  # client class -> async? (None: serves both)


def _rules(ruleset: RuleSet) -> List[Rule]:
    return list(ruleset.rules)


def written(ruleset: RuleSet, plan: str) -> Written:
    symbols: Dict[str, str] = {}
    clients: Dict[str, Optional[bool]] = {}
    for rule in _rules(ruleset):
        for op in rule.ops:
            if op.name == "replace_symbol":
                mapping = op.params.get("map") or {}
                targets = list(mapping.items()) if mapping else []
                if "to" in op.params:
                    sources = rule.match.get("symbol", [])
                    sources = sources if isinstance(sources, list) else [sources]
                    targets = [(s, op.params["to"]) for s in sources]
                for source, target in targets:
                    target = ruleset.interpolate(target)
                    symbols[target] = rule.id
                    if source in OPENAI_CLIENTS:
                        is_async = OPENAI_CLIENTS[source]
                        clients[target] = is_async if clients.get(target, is_async) == is_async else None
            for value in op.params.values():
                for expr, imports in expr_values(value):
                    expr = ruleset.interpolate(expr)
                    for name in dotted_names(expr):
                        if name.split(".")[0] in imports:
                            symbols[name] = rule.id
    if not clients:  # compat plans keep the openai classes
        clients = {"openai.OpenAI": False, "openai.AsyncOpenAI": True}
    return Written(symbols, clients)


def build_client(dotted: str) -> Any:
    require_sdk(dotted)
    cls = resolve(dotted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(api_key="dummy-key-for-signature-checks")


def clients_for(w: Written, is_async: Optional[bool]) -> List[str]:
    return [c for c, a in w.clients.items() if is_async is None or a is None or a == is_async]


def resource(client: Any, api: str) -> Any:
    obj = client
    for part in api.split("."):
        obj = getattr(obj, part)
    return obj


def qualname(fn: Any) -> str:
    fn = getattr(fn, "__func__", fn)
    return f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}"


def unwrap(fn: Any) -> Any:
    """See through decorators written without functools.wraps (``def wrapper(*args, **kwargs)``
    closing over the real function), as the Ark SDK's are."""
    for _ in range(5):
        params = list(inspect.signature(fn).parameters.values())
        if [p.kind for p in params] != [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]:
            return fn
        cells = getattr(getattr(fn, "__func__", fn), "__closure__", None) or ()
        inner = [c.cell_contents for c in cells if inspect.isfunction(c.cell_contents)]
        if not inner:
            return fn
        fn = inner[0]
    return fn


def accepts(fn: Any, keyword: str) -> bool:
    fn = unwrap(fn)
    params = inspect.signature(fn).parameters
    if keyword in params and params[keyword].kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return True
    has_var = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return has_var and qualname(fn) in KWARGS_REACH_THE_WIRE


def match_apis(rule: Rule) -> List[str]:
    apis = rule.match.get("api", [])
    apis = apis if isinstance(apis, list) else [apis]
    return [a for a in apis if not any(c in a for c in "*?[")]


def final_apis(ruleset: RuleSet, apis: Sequence[str], is_async: Optional[bool]) -> List[str]:
    """The API paths the call ends on once every rename_method rule of the plan has run at it
    (rules at one site apply in file order, so a legacy rewrite may be renamed by another rule)."""
    out: List[str] = []
    for api in apis:
        ends = set()
        keep = True
        for rule in _rules(ruleset):
            if rule.match.get("kind") != "call" or api not in match_apis(rule):
                continue
            for op in rule.ops:
                if op.name != "rename_method":
                    continue
                other = rule.match.get("async")
                if other is None or is_async is None or other == is_async:
                    ends.add(op.params["to"])
                    if other is None or other == is_async:
                        keep = False  # the rename always applies to this flavour of the call
        out += sorted(ends) + ([api] if keep else [])
    return list(dict.fromkeys(out))


def kwarg_targets(rule: Rule) -> List[Tuple[str, str]]:
    """(op name, keyword) pairs a rule writes onto its call."""
    return [(op.name, op.params[KWARG_OPS[op.name]]) for op in rule.ops if op.name in KWARG_OPS]


# ------------------------------------------------------------------ the tests


def _installed(name: str) -> bool:
    """Is the distribution that ships ``name`` installed?  For a namespace package (llama_index,
    whose integrations are separate distributions) that is the symbol's own module."""
    spec = importlib.util.find_spec(name.split(".")[0])
    if spec is None:
        return False
    if spec.origin not in (None, "namespace"):
        return True  # a regular package: resolve() checks the rest
    try:
        return importlib.util.find_spec(name.rpartition(".")[0]) is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.parametrize("pf, plan", PLANS, ids=IDS)
def test_written_symbols_are_importable(pf: ProviderFile, plan: str):
    ruleset = select(PROVIDERS, pf.name, plan)
    w = written(ruleset, plan)
    problems = []
    # a symbol of a package not installed here (llama_index.llms.openai_like: it cannot share
    # openai==3.57) is skipped alone, so the plan's other symbols are still checked
    present = {n: r for n, r in w.symbols.items() if _installed(n)}
    if w.symbols and not present:
        require_sdk(min(w.symbols))
    for name, rule_id in sorted(present.items()):
        try:
            resolve(name)
        except (ImportError, AttributeError) as exc:
            problems.append(f"{rule_id} writes {name}: {type(exc).__name__}: {exc}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("pf, plan", PLANS, ids=IDS)
def test_called_methods_exist_on_the_written_client(pf: ProviderFile, plan: str):
    ruleset = select(PROVIDERS, pf.name, plan)
    w = written(ruleset, plan)
    problems = []
    for rule in _rules(ruleset):
        is_async = rule.match.get("async")
        for op in rule.ops:
            if op.name == "rename_method":
                targets = [(c, op.params["to"]) for c in clients_for(w, is_async)]
            elif op.name == "legacy_to_client":
                targets = []
                for flavour in ("sync", "async"):
                    value = op.params[flavour]
                    expr = ruleset.interpolate(value["expr"]) if isinstance(value, dict) and "expr" in value else ""
                    cls = called_class(expr) if expr else None
                    if cls is None:
                        problems.append(f"{rule.id}: legacy_to_client {flavour} builds no client call")
                        continue
                    apis = [op.params["api"]] if op.params.get("api") else final_apis(ruleset, match_apis(rule), is_async)
                    targets += [(cls, api) for api in apis]
            elif (
                op.name in KWARG_OPS
                and rule.match.get("kind") == "call"
                and not any(o.name == "legacy_to_client" for o in rule.ops)
            ):
                renamed = [o.params["to"] for o in rule.ops if o.name == "rename_method"]
                apis = renamed or final_apis(ruleset, match_apis(rule), is_async)
                targets = [(c, api) for c in clients_for(w, is_async) for api in apis]
            else:
                continue
            for cls, api in targets:
                client = build_client(cls)
                try:
                    resource(client, api)
                except AttributeError as exc:
                    problems.append(f"{rule.id}: {cls}(...).{api} does not exist ({exc})")
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("pf, plan", PLANS, ids=IDS)
def test_written_keywords_are_accepted(pf: ProviderFile, plan: str):
    ruleset = select(PROVIDERS, pf.name, plan)
    w = written(ruleset, plan)
    problems = []
    for rule in _rules(ruleset):
        kind = rule.match.get("kind")
        pairs = kwarg_targets(rule)
        if not pairs or kind not in ("client", "call"):
            continue  # framework wrappers are checked by their own packages' tests
        is_async = rule.match.get("async")
        legacy = [op for op in rule.ops if op.name == "legacy_to_client"]
        if kind == "client":
            targets = [(c, resolve_init(c)) for c in clients_for(w, is_async)]
        else:
            renamed = [o.params["to"] for o in rule.ops if o.name == "rename_method"]
            apis = renamed or final_apis(ruleset, match_apis(rule), is_async)
            classes = clients_for(w, is_async)
            if legacy:
                classes = sorted(
                    {
                        called_class(ruleset.interpolate(op.params[f]["expr"]))  # type: ignore[misc]
                        for op in legacy
                        for f in ("sync", "async")
                    }
                )
                apis = [legacy[0].params["api"]] if legacy[0].params.get("api") else apis
            targets = []
            for cls in classes:
                client = build_client(cls)
                for api in apis:
                    try:
                        targets.append((f"{cls}(...).{api}", resource(client, api)))
                    except AttributeError:
                        problems.append(f"{rule.id}: {cls}(...).{api} does not exist")
        for where, fn in targets:
            for op_name, keyword in pairs:
                if not accepts(fn, keyword):
                    problems.append(f"{rule.id}: {op_name} writes {keyword}= but {where} does not accept it")
    assert not problems, "\n".join(sorted(set(problems)))


def resolve_init(dotted: str) -> Any:
    require_sdk(dotted)
    return resolve(dotted).__init__


# ------------------------------------------------------------------ the checker itself can fail


def test_checker_rejects_a_wrong_symbol_and_a_wrong_keyword():
    pytest.importorskip("openai")
    with pytest.raises(AttributeError):
        resolve("openai.NoSuchClient")
    with pytest.raises((ImportError, AttributeError)):
        resolve("openai.errors_that_do_not_exist.RateLimitError")
    assert not accepts(resolve("openai.OpenAI").__init__, "region")
    client = build_client("openai.OpenAI")
    assert accepts(resource(client, "chat.completions.create"), "max_tokens")
    assert not accepts(resource(client, "chat.completions.create"), "parameters")
    with pytest.raises(AttributeError):
        resource(client, "chat.completions.acreate")


def test_kwargs_count_only_where_the_sdk_sends_them():
    qianfan = pytest.importorskip("qianfan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = qianfan.Qianfan(api_key="dummy")
    assert accepts(client.chat.completions.acreate, "penalty_score")  # goes into the body
    assert not accepts(qianfan.Qianfan.__init__, "timeout")  # goes into a strict Config: raises
