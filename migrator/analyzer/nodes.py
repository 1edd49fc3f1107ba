"""Small helpers over ``ast`` nodes that more than one part of the analyzer uses (keyword
arguments, dotted names, environment reads, defaults).  Split out of python.py (issue 18)."""

from __future__ import annotations

import ast
from typing import Dict, Iterator, List, Optional, Set, Tuple, TYPE_CHECKING, Union

from migrator.models import Span
from migrator.analyzer import symbols as sym
from migrator.analyzer.scope import _is_none, dotted_name

if TYPE_CHECKING:
    from migrator.analyzer.scope import Result
    from migrator.analyzer.resolve import _Analyzer


# fields of a response that hold plain values: reading one out and passing it on is safe anywhere
_PLAIN_FIELDS = frozenset(
    {
        "content",
        "text",
        "embedding",
        "arguments",
        "name",
        "role",
        "finish_reason",
        "id",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "index",
        "url",
        "b64_json",
        "created",
        "object",
        "refusal",
        "revised_prompt",
        "system_fingerprint",
    }
)


def _primitive(value: "Result") -> bool:
    return bool(value.prefix) and value.prefix[-1] in _PLAIN_FIELDS


# the fields of a statement (or of an except handler, a match case) that hold statements, in the
# order ``ast.iter_child_nodes`` gives them; an expression holds none
_BODIES = ("body", "handlers", "orelse", "finalbody", "cases")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _returns(fnode: ast.AST) -> Iterator[ast.Return]:
    """The ``return <value>`` statements of a function, not of the functions and classes in it.  In
    the order a walk of every child node (depth first, last child first) meets them: a return is a
    statement, so only the fields holding statements are walked (an expression holds none)."""
    stack = list(getattr(fnode, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            if node.value is not None:
                yield node
        elif not isinstance(node, _SCOPES):
            for name in _BODIES:
                inner = getattr(node, name, None)
                if inner:
                    stack.extend(inner)


def _defs_in(tree: ast.AST) -> Iterator[Union[ast.FunctionDef, ast.AsyncFunctionDef]]:
    """Every function definition in ``tree`` (a ``def`` is a statement: only the fields holding
    statements are walked)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node
        for name in _BODIES:
            inner = getattr(node, name, None)
            if inner and isinstance(inner, list):
                stack.extend(inner)


def _astuple(span: Span) -> Tuple[int, int, int, int]:
    return (span.line, span.col, span.end_line, span.end_col)


def _streaming_api(api: str) -> bool:
    """``chat.completions.stream``, ``responses.stream``, ``beta.threads.runs.stream``: they stream
    whatever their arguments.  (Only the finding says so: their results are stream managers
    whose events are not chunks, so results read from them are not treated as chunks.)"""
    return api.endswith(".stream")


def _kwarg_true(node: ast.Call, name: str) -> bool:
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in node.keywords)


def _has_kwarg(node: ast.Call, *names: str) -> bool:
    return any(k.arg in names for k in node.keywords)


def _dict_value(node: Optional[ast.AST], key: str) -> Optional[ast.AST]:
    """The value of a string key in a dict literal (``dict(key=...)`` too)."""
    if isinstance(node, ast.Dict):
        return next((v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value == key), None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return next((k.value for k in node.keywords if k.arg == key), None)
    return None


def _kwarg_names(node: ast.Call) -> List[str]:
    return [k.arg for k in node.keywords if k.arg is not None]


def _is_class_name(qname: str) -> bool:
    last = qname.rsplit(".", 1)[-1]
    return last[:1].isupper()


def _is_str(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


_FIELD_MAKERS = ("field", "Field", "ib", "attrib")  # dataclasses / pydantic / attrs


def absolute_qname(qname: str, path: str) -> Optional[str]:
    """``qname`` with a relative import's leading dots resolved against the package of ``path``
    (None when it climbs out of it)."""
    if not qname.startswith("."):
        return qname
    level = len(qname) - len(qname.lstrip("."))
    package = path.replace("\\", "/").split("/")[:-1]
    if level - 1 > len(package):
        return None
    return ".".join(package[: len(package) - (level - 1)] + [qname.lstrip(".")])


def _field_value(node: Optional[ast.AST]) -> Optional[ast.AST]:
    """The expression a class attribute defaults to: the value itself, or the default given to
    ``field(...)`` / ``Field(...)`` / ``attr.ib(...)``, directly or as the body of a factory
    ``lambda`` (None when it has none: a required field)."""
    if not isinstance(node, ast.Call):
        return node
    name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id if isinstance(node.func, ast.Name) else ""
    if name not in _FIELD_MAKERS:
        return node
    given = next((k.value for k in node.keywords if k.arg == "default"), None)
    if given is None and name == "Field" and node.args:
        given = node.args[0]
    if given is None:
        # a factory without parameters stands for what it returns, evaluated when an instance is
        # made (pydantic/dataclasses ``default_factory=lambda: ...``, attrs ``factory=``)
        factory = next((k.value for k in node.keywords if k.arg in ("default_factory", "factory")), None)
        if isinstance(factory, ast.Lambda) and not _lambda_params(factory.args):
            given = factory.body
    return given


def _lambda_params(args: ast.arguments) -> bool:
    return bool(args.posonlyargs or args.args or args.vararg or args.kwonlyargs or args.kwarg)


def param_default(function: Union[ast.FunctionDef, ast.AsyncFunctionDef], name: str) -> Optional[ast.AST]:
    """The default of ``function``'s parameter ``name`` (None: it has none, or no such parameter)."""
    args = function.args
    positional = args.posonlyargs + args.args
    defaults: Dict[str, ast.AST] = {a.arg: d for a, d in zip(positional[len(positional) - len(args.defaults) :], args.defaults)}
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    return defaults.get(name)


def _fallback(node: ast.AST) -> Tuple[ast.AST, Optional[str]]:
    """What a value falls back to when the caller gives none, and the environment variable read
    over that default: the last operand of ``model or DEFAULT`` (nothing before it a literal), the
    default of ``os.getenv("MODEL", "gpt-4o")``; the value itself (and None) otherwise."""
    if (
        isinstance(node, ast.BoolOp)
        and isinstance(node.op, ast.Or)
        and not any(isinstance(v, ast.Constant) for v in node.values[:-1])
    ):
        return _fallback(node.values[-1])
    if isinstance(node, ast.Call) and _is_env_read(node) and len(node.args) == 2 and _is_str(node.args[1]):
        return node.args[1], node.args[0].value if _is_str(node.args[0]) else None  # type: ignore[attr-defined]
    return node, None


def _default_of(node: ast.AST) -> ast.AST:
    return _fallback(node)[0]


def _classify_url(text: str) -> str:
    if "api.openai.com" in text:
        return "openai"
    return "azure" if ".openai.azure.com" in text else "other"


def _is_env_read(node: ast.AST) -> bool:
    """``os.getenv("X"[, default])``, ``os.environ.get(...)``, ``os.environ["X"]``: a str (or None)."""
    if isinstance(node, ast.Subscript):
        return dotted_name(node.value) in ("os.environ", "environ")
    if isinstance(node, ast.Call) and not node.keywords and all(isinstance(a, ast.Constant) for a in node.args):
        return dotted_name(node.func) in ("os.getenv", "getenv", "os.environ.get", "environ.get")
    return False


def _env_var_default(node: ast.AST) -> Tuple[Optional[str], Optional[str]]:
    """(variable, default literal) of an environment read (see _is_env_read), or of one with a
    path added to it (the path added to the default)."""
    if isinstance(node, ast.BinOp):
        var, default = _env_var_default(node.left)
        return var, (default + node.right.value if default is not None else None)  # type: ignore[attr-defined]
    if isinstance(node, ast.Subscript):
        key = node.slice
        return (key.value, None) if _is_str(key) else (None, None)  # type: ignore[attr-defined]
    args = node.args  # type: ignore[attr-defined]
    var = args[0].value if args and _is_str(args[0]) else None
    default = args[1].value if len(args) > 1 and _is_str(args[1]) else None
    return var, default


def _attribute_chain(node: ast.AST) -> Optional[Tuple[ast.AST, List[str]]]:
    path: List[str] = []
    while isinstance(node, ast.Attribute):
        path.append(node.attr)
        node = node.value
    if not path:
        return None
    path.reverse()
    return node, path


def _dict_get(node: ast.AST) -> Optional[str]:
    """The key of a ``x.get("key")`` / ``x.get("key", default)`` call, else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and 1 <= len(node.args) <= 2
        and not node.keywords
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


_DEFS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _signature(node: ast.AST) -> Tuple[Optional[Union[ast.FunctionDef, ast.AsyncFunctionDef]], List[ast.arg]]:
    """The function a call to ``node`` runs (a class: its ``__init__``) and the parameters a
    call passes by position (a class's after ``self``); (None, []) for anything else."""
    fnode: Optional[ast.AST] = node
    if isinstance(node, ast.ClassDef):
        fnode = next(
            (f for f in node.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.name == "__init__"), None
        )
    if not isinstance(fnode, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None, []
    return fnode, (list(fnode.args.posonlyargs) + list(fnode.args.args))[1 if fnode is not node else 0 :]


def _methods(node: ast.ClassDef) -> List[Tuple[str, Union[ast.FunctionDef, ast.AsyncFunctionDef], List[ast.arg]]]:
    """A class's methods called on an instance (no ``__init__`` or other dunder, no static or
    class method): (``Class.method``, the method, the parameters a call passes by position, after
    ``self``)."""
    out = []
    for fnode in node.body:
        if (
            isinstance(fnode, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not fnode.name.startswith("__")
            and not any(dotted_name(d) in ("staticmethod", "classmethod") for d in fnode.decorator_list)
        ):
            out.append((f"{node.name}.{fnode.name}", fnode, (list(fnode.args.posonlyargs) + list(fnode.args.args))[1:]))
    return out


def _client_params(
    analyzer: "_Analyzer",
    stmt: ast.AST,
    method: Optional[Tuple[Union[ast.FunctionDef, ast.AsyncFunctionDef], List[ast.arg]]] = None,
) -> Dict[str, int]:
    """The parameters of a top-level function (a class: its ``__init__``, after ``self``; a
    ``method`` of ``_methods``) whose annotation names an OpenAI client class, or that default to
    None and are then built here (``_built_if_none``): name -> position (-1: keyword-only)."""
    fnode, positional = method if method is not None else _signature(stmt)
    if fnode is None:
        return {}
    named = [(a, i) for i, a in enumerate(positional)] + [(a, -1) for a in fnode.args.kwonlyargs]
    built = _built_if_none(analyzer, fnode, positional)
    return {
        a.arg: i
        for a, i in named
        if a.arg in built
        or (a.annotation is not None and analyzer._client_named_by(a.annotation, analyzer.binder.module, a) is not None)
    }


def _built_if_none(
    analyzer: "_Analyzer", fnode: Union[ast.FunctionDef, ast.AsyncFunctionDef], positional: List[ast.arg]
) -> Dict[str, ast.Call]:
    """Parameters defaulting to None that the function replaces by an OpenAI client it builds when
    the caller gives none (``if client is None: client = openai.Client(...)``, fructose): name ->
    that construction.  A caller's client takes the construction's place, with its calls."""
    args = fnode.args
    nones = {a.arg for a, d in zip(positional[len(positional) - len(args.defaults) :], args.defaults) if _is_none(d)}
    nones |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None and _is_none(d)}
    out: Dict[str, ast.Call] = {}
    for stmt in fnode.body:
        if not isinstance(stmt, ast.If):
            continue
        test = stmt.test
        if not (
            isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and test.left.id in nones
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Is)
            and _is_none(test.comparators[0])
        ):
            continue
        name = test.left.id
        for inner in stmt.body:
            if (
                isinstance(inner, ast.Assign)
                and len(inner.targets) == 1
                and isinstance(inner.targets[0], ast.Name)
                and inner.targets[0].id == name
                and isinstance(inner.value, ast.Call)
            ):
                made = analyzer.resolve(inner.value.func, analyzer.binder.module)
                if getattr(made, "qname", None) in sym.CLIENT_CLASSES:
                    out[name] = inner.value
    return out


def param_key(name: str, param: str) -> str:
    """The whole-project key of the client a function (or class) ``name`` takes as ``param``."""
    return f"param:{name}:{param}"


def _a_setting(value: ast.AST) -> bool:
    """A value written to an environment variable that is a plain setting the rename may carry
    (a string literal that is no key: "test", ""); a real-looking key or any other value (a
    client's ``.api_key``, a parameter) is whatever the code holds, maybe OpenAI's key."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
        return False
    from migrator.analyzer.secrets import redact_text

    return redact_text(value.value) == value.value


def annotation_ids(tree: ast.AST) -> Set[int]:
    """ids of the nodes of every annotation under ``tree`` (parameters', variables', returns')."""
    return {
        id(a)
        for n in ast.walk(tree)
        for root in ([n.annotation] if isinstance(n, (ast.arg, ast.AnnAssign)) and n.annotation is not None else [])
        + ([n.returns] if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.returns is not None else [])
        for a in ast.walk(root)
    }
