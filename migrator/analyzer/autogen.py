"""AutoGen 0.2 (pyautogen 0.2.x, ag2) ``config_list`` entries.

``OpenAIWrapper(config_list=[{...}])`` (pyautogen 0.2.35, ``autogen/oai/client.py``, read) builds
``openai.OpenAI(**entry)`` for an entry whose ``api_type`` is absent or not one of its own
prefixes (azure, google, anthropic, ...): such an entry, with no ``base_url`` or one naming
api.openai.com, is OpenAI usage.  A list is a config list where the code says so: the value of a
``config_list`` keyword or dict key, or a name ending in ``config_list`` assigned a list; and only
in a module that imports ``autogen`` or ``ag2``.  Each OpenAI entry (a dict literal) is one finding
where the dict is written, as a LiteLLM Router entry is (``dict`` detail: rules edit its keys).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from migrator.analyzer import symbols as sym
from migrator.i18n import N_
from migrator.models import Finding

KEY = "config_list"


def _named_config_list(node: ast.AST, parent: Optional[ast.AST]) -> bool:
    """``config_list=[...]``, ``{"config_list": [...]}``, ``config_list = [...]``."""
    if isinstance(parent, ast.keyword):
        return parent.arg == KEY
    if isinstance(parent, ast.Dict):
        return any(v is node and isinstance(k, ast.Constant) and k.value == KEY for k, v in zip(parent.keys, parent.values))
    if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is node:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        return any(isinstance(t, ast.Name) and t.id.lower().endswith(KEY) for t in targets)
    return False


def imports_autogen(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in sym.CONFIG_LIST_PACKAGES for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] in sym.CONFIG_LIST_PACKAGES:
            return True
    return False


def config_list(an: Any, node: ast.AST, scope: Any, parent: Optional[ast.AST], value: Any) -> None:
    """Report the OpenAI entries of the config list ``node`` (a list, tuple or list comprehension).
    ``an`` is the analyzer (python._Reporter); ``value(d, key)`` reads a dict literal's key."""
    if not _named_config_list(node, parent):
        return
    if getattr(an, "_autogen02", None) is None:
        an._autogen02 = imports_autogen(an.tree)
    if not an._autogen02:
        return
    comprehension = isinstance(node, ast.ListComp)
    entries = [node.elt] if comprehension else node.elts  # type: ignore[attr-defined]
    for entry in entries:
        if not isinstance(entry, ast.Dict):
            continue
        api_type = value(entry, "api_type")
        base = value(entry, "base_url") or value(entry, "api_base")
        # azure, google, anthropic, ..., another server, or one a value decides: not OpenAI's endpoint
        kind = openai_entry(
            None if api_type is None else (an.constant_str(api_type, scope) or "?"),
            an.constant_str(base, scope),
            base is not None,
            value(entry, "model_client_cls") is not None,
        )
        if kind is None:
            continue
        text = an.constant_str(value(entry, "model"), scope)
        dynamic = comprehension or any(k is None for k in entry.keys)
        span = an.lines.span(entry)
        if any(f.span == span and f.kind == "framework" for f in an.out.findings):
            continue
        names = [k.value for k in entry.keys if isinstance(k, ast.Constant)]
        endpoint = "dynamic" if dynamic else kind
        message = N_("an AutoGen config_list entry sends '{model}' to OpenAI").format(model=text or "?")
        an.add(
            "framework",
            span,
            message,
            symbol=sym.CONFIG_LIST_SYMBOL,
            model=text,
            api="chat.completions.create",
            detail={
                "form": "construct",
                "route": True,
                "model_arg": "model",
                "kwargs": names,
                "dict": True,
                "endpoint": endpoint,
                "star_kwargs": any(k is None for k in entry.keys),
            },
        )


def openai_entry(api_type: Optional[str], base_url: Optional[str], has_base: bool, custom_client: bool) -> Optional[str]:
    """How an entry reaches OpenAI: ``none`` (no base_url: the SDK's default), ``openai`` (a
    base_url naming api.openai.com), or None (another api_type or server, a custom client)."""
    if custom_client or (api_type is not None and api_type != "openai"):
        return None
    if not has_base:
        return "none"
    return "openai" if base_url is not None and "api.openai.com" in base_url else None


# ------------------------------------------------------------------ OAI_CONFIG_LIST files

#: textfiles.classify's kind for them
CONFIG_FILE_KIND = "autogen_config"


def is_config_file(name: str) -> bool:
    """``OAI_CONFIG_LIST`` (what ``config_list_from_json("OAI_CONFIG_LIST")`` reads), ``OAI_CONFIG_LIST*.json``."""
    return name == "OAI_CONFIG_LIST" or (name.startswith("OAI_CONFIG_LIST") and name.endswith(".json"))


class ConfigFileError(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


@dataclass
class JsonEntry:
    """One object of the file's top-level list: where it is, and where each key's value is."""

    start: int  # offset of its ``{``
    end: int  # offset after its ``}``
    values: Dict[str, Tuple[int, int, int, Any]]  # key -> (key start, value start, value end, value)

    def get(self, key: str) -> Any:
        return self.values[key][3] if key in self.values else None

    @property
    def endpoint(self) -> Optional[str]:
        api_type, base = self.get("api_type"), self.get("base_url") or self.get("api_base")
        if (api_type is not None and not isinstance(api_type, str)) or (base is not None and not isinstance(base, str)):
            return None
        return openai_entry(
            api_type, base, "base_url" in self.values or "api_base" in self.values, "model_client_cls" in self.values
        )


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(N_("repeats the key '{key}'").format(key=repeated[0]))
    return dict(pairs)


def parse_config_file(text: str) -> List[JsonEntry]:
    """The objects of an OAI_CONFIG_LIST file's top-level list, with the offsets of their values
    (for edits that keep every other byte).  Raises ConfigFileError (with the line) for text that
    is not JSON, repeats a key, nests too deep, or is not a list."""
    import json

    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise ConfigFileError(exc.lineno, N_("not valid JSON: {reason}").format(reason=exc.msg)) from None
    except ValueError as exc:  # a repeated key
        raise ConfigFileError(1, str(exc)) from None
    except RecursionError:
        raise ConfigFileError(1, N_("nested too deep")) from None
    if not isinstance(data, list):
        raise ConfigFileError(1, N_("not a list of entries"))
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\r\n]*")  # matches the empty string: ws.match is never None (the ignores below)
    out: List[JsonEntry] = []
    i = ws.match(text, 0).end() + 1  # type: ignore[union-attr]  # after "["
    for _ in data:
        i = ws.match(text, i).end()  # type: ignore[union-attr]
        if text[i] == "{":
            start, values = i, {}
            i = ws.match(text, i + 1).end()  # type: ignore[union-attr]
            while text[i] != "}":
                key_start = i
                key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                i = ws.match(text, ws.match(text, i).end() + 1).end()  # type: ignore[union-attr]  # past ":"
                value, end = decoder.raw_decode(text, i)
                values[key] = (key_start, i, end, value)
                i = ws.match(text, end).end()  # type: ignore[union-attr]
                if text[i] == ",":
                    i = ws.match(text, i + 1).end()  # type: ignore[union-attr]
            out.append(JsonEntry(start, i + 1, values))
            i += 1
        else:
            _, i = decoder.raw_decode(text, i)
        i = ws.match(text, i).end()  # type: ignore[union-attr]
        if text[i] == ",":
            i += 1
    return out


def config_file_findings(path: str, text: str, span: Any) -> List[Finding]:
    """Scan's touchpoints: each OpenAI entry of an OAI_CONFIG_LIST file (``span(start, end)``
    makes a Span); a file that cannot be read as one is left to apply, which says why."""
    try:
        entries = parse_config_file(text)
    except ConfigFileError:
        return []
    out = []
    for entry in entries:
        endpoint = entry.endpoint
        if endpoint is None:
            continue
        model = entry.get("model") if isinstance(entry.get("model"), str) else None
        out.append(
            Finding(
                kind="framework",
                path=path,
                span=span(entry.start, entry.end),
                message=N_("an AutoGen config_list entry sends '{model}' to OpenAI").format(model=model or "?"),
                symbol=sym.CONFIG_LIST_SYMBOL,
                model=model,
                api="chat.completions.create",
                detail={"form": "config_file", "route": True, "endpoint": endpoint, "kwargs": sorted(entry.values)},
            )
        )
    return out


#: ``OAI_CONFIG_LIST='[...]'`` in an env file (``export``, compose ``- NAME=...`` / ``NAME: ...``,
#: Dockerfile ``ENV``): config_list_from_json reads the variable's JSON before any file
_ENV_LINE = re.compile(r"""^\s*(?:-\s+)?(?:(?:export|ENV)\s+)?["']?OAI_CONFIG_LIST["']?\s*[=:]\s*(?P<value>\S.*?)\s*$""")


def config_env_findings(path: str, offset: int, line: str, span: Any) -> List[Finding]:
    """The OpenAI entries of an ``OAI_CONFIG_LIST`` variable set to JSON on this env-file line
    (a variable naming a file is that file's business: it is found by its name)."""
    m = _ENV_LINE.match(line)
    if m is None:
        return []
    value = m.group("value")
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].replace('\\"', '"') if value[0] == '"' else value[1:-1]
    try:
        entries = parse_config_file(value)
    except ConfigFileError:
        return []
    out = []
    for entry in entries:
        model = entry.get("model") if isinstance(entry.get("model"), str) else None
        if entry.endpoint is not None:
            out.append(
                Finding(
                    kind="framework",
                    path=path,
                    span=span(offset + m.start("value"), offset + m.end("value")),
                    message=N_("an AutoGen config_list entry sends '{model}' to OpenAI").format(model=model or "?"),
                    symbol=sym.CONFIG_LIST_SYMBOL,
                    model=model,
                    api="chat.completions.create",
                    detail={"form": "config_env", "route": True, "kwargs": sorted(entry.values)},
                )
            )
    return out


# ------------------------------------------------------------------ where a config list is read from

#: pyautogen 0.2.35 ``autogen/oai/openai_utils.py``: ``config_list_from_json(env_or_file="OAI_CONFIG_LIST",
#: file_location="", filter_dict=None)`` reads the variable ``env_or_file`` (JSON, or the path of a
#: file), else the file ``file_location/env_or_file``; the others build OpenAI (and Azure) entries
#: from OPENAI_API_KEY and key files (``config_list_from_models`` and ``config_list_gpt4_gpt35``
#: call ``config_list_openai_aoai``)
FROM_JSON = "config_list_from_json"
FROM_OPENAI = ("config_list_openai_aoai", "config_list_from_models", "config_list_gpt4_gpt35")

UNSEEN_SOURCE = N_("{call}(...) reads its config list from {source}: apply cannot point its OpenAI entries at the provider")
OPENAI_SOURCE = N_("{call}(...) builds OpenAI entries from OPENAI_API_KEY or key files")
#: what a person does, on the provider (apply's report)
TODO = N_("{finding}; to do: {todo}")
UNSEEN_TODO = N_(
    "give the OpenAI entries of that config list the {title} model, \"base_url\": \"{url}\" and your {title} key where it is kept"
)
OPENAI_TODO = N_(
    "pass config_list=[...] entries for {title} instead: the {title} model, \"base_url\": \"{url}\", "
    "\"api_key\": os.environ[\"{key_env}\"]"
)


def config_source_todo(finding: Finding, title: str, url: str, key_env: str) -> str:
    todo = OPENAI_TODO if finding.detail.get("route") else UNSEEN_TODO
    return TODO.format(finding=finding.message, todo=todo.format(title=title, url=url, key_env=key_env))


def _literal(node: Optional[ast.AST], module_dir: str) -> Optional[str]:
    """A literal string, or ``os.path.join(os.path.dirname(__file__), "<literal>", ...)``: the
    path of a file next to the module, relative to the project root."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and node.args
        and not node.keywords
        and _is_module_dir(node.args[0])
    ):
        rest = [_literal(a, module_dir) for a in node.args[1:]]
        if all(isinstance(a, str) for a in rest):
            return "/".join([module_dir or ".", *rest])  # type: ignore[list-item]
    return None


def _is_module_dir(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "dirname"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "__file__"
    )


def _in_repo(name: str, location: str, module_dir: str, exists: Any) -> Optional[str]:
    """The project file ``config_list_from_json`` reads (``location/name`` from the project root, or
    from the module's folder, where a script runs), None if the project holds none."""
    import posixpath

    if not name or name.startswith(("/", "~")) or location.startswith(("/", "~")) or "\\" in name + location:
        return None
    path = posixpath.normpath(posixpath.join(location, name))
    for candidate in sorted({path, posixpath.normpath(posixpath.join(module_dir, path)) if module_dir else path}):
        if not candidate.startswith("../") and candidate != ".." and exists(candidate):
            return candidate
    return None


#: the kind of a finding that records a fact for the project pass (scan.py), never shown
FACT = "fact"


def config_source_facts(path: str, source: str) -> List[Finding]:
    """The config-list helpers an AutoGen module calls, each with what it reads (a ``fact``
    finding: where it reads from is decided with the project's files, ``resolve_source``)."""
    from migrator.analyzer.llamaindex import dotted, import_aliases
    from migrator.analyzer.python import _Lines

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    aliases = import_aliases(tree, sym.CONFIG_LIST_PACKAGES)
    if not aliases:
        return []
    module_dir = path.rsplit("/", 1)[0] if "/" in path else ""
    span = _Lines(source).span
    out = []
    for node in ast.walk(tree):
        call = (dotted(node.func, aliases) or "").rsplit(".", 1)[-1] if isinstance(node, ast.Call) else ""
        if call not in FROM_OPENAI and call != FROM_JSON:
            continue
        detail: Dict[str, Any] = {"fact": "autogen_source", "call": call, "name": None, "location": None}
        if call == FROM_JSON:
            given = {kw.arg: kw.value for kw in node.keywords}  # type: ignore[attr-defined]
            if None not in given:  # (**kwargs: what it reads cannot be told)
                args = node.args  # type: ignore[attr-defined]
                name_node = args[0] if args else given.get("env_or_file", ast.Constant("OAI_CONFIG_LIST"))
                location_node = args[1] if len(args) > 1 else given.get("file_location", ast.Constant(""))
                detail.update(name=_literal(name_node, module_dir), location=_literal(location_node, module_dir))
        out.append(Finding(kind=FACT, path=path, span=span(node), message="", symbol=f"autogen.{call}", detail=detail))
    return out


def resolve_source(fact: Finding, exists: Any) -> Optional[Finding]:
    """The finding of a config-list helper call (``fact``, from ``config_source_facts``), or None
    when it reads a file of the project apply rewrites (``exists(p)``: whether the project holds
    the file ``p``, a path from its root)."""
    call, name, location = fact.detail["call"], fact.detail["name"], fact.detail["location"]
    common = dict(kind="framework", path=fact.path, span=fact.span, symbol=fact.symbol, cell=fact.cell)
    if call in FROM_OPENAI:
        return Finding(
            message=OPENAI_SOURCE.format(call=call),
            detail={"form": "config_source", "route": True, "call": call},
            **common,  # type: ignore[arg-type]
        )
    module_dir = fact.path.rsplit("/", 1)[0] if "/" in fact.path else ""
    found = _in_repo(name, location, module_dir, exists) if name is not None and location is not None else None
    if found is not None and is_config_file(found.rsplit("/", 1)[-1]):
        return None  # the file apply rewrites (textfiles: autogen_config)
    if found is not None:
        where = N_("{name}, a file apply does not rewrite (only OAI_CONFIG_LIST and OAI_CONFIG_LIST*.json are)").format(
            name=found
        )
    elif name is None or location is None:
        where = N_("a name computed at run time")
    elif name.startswith(("/", "~")) or location.startswith(("/", "~")):
        where = N_("the file {name}, outside the repository").format(name=f"{location.rstrip('/')}/{name}" if location else name)
    else:
        where = N_("the variable {name} or a file of that name, neither in the repository").format(name=name)
    return Finding(
        message=UNSEEN_SOURCE.format(call=call, source=where),
        detail={"form": "config_source", "call": call, "name": name},
        **common,  # type: ignore[arg-type]
    )


def config_source_findings(path: str, source: str, exists: Any) -> List[Finding]:
    """The calls of an AutoGen module that read a config list apply cannot see or edit."""
    return [f for f in (resolve_source(fact, exists) for fact in config_source_facts(path, source)) if f is not None]


def file_exists(root: str) -> Any:
    """``exists`` for the project under ``root``."""
    import os

    return lambda p: os.path.isfile(os.path.join(root, *p.split("/")))
