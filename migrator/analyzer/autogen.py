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
from typing import Any, Optional

from migrator.analyzer import symbols as sym
from migrator.i18n import N_

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
        if api_type is not None and an.constant_str(api_type, scope) != "openai":
            continue  # azure, google, anthropic, ... or one a value decides: not OpenAI's endpoint
        base = value(entry, "base_url") or value(entry, "api_base")
        if base is not None and an._elsewhere(base, scope):
            continue
        text = an.constant_str(value(entry, "model"), scope)
        dynamic = comprehension or any(k is None for k in entry.keys)
        span = an.lines.span(entry)
        if any(f.span == span and f.kind == "framework" for f in an.out.findings):
            continue
        names = [k.value for k in entry.keys if isinstance(k, ast.Constant)]
        endpoint = "dynamic" if dynamic else ("openai" if base is not None else "none")
        message = N_("an AutoGen config_list entry sends '{model}' to OpenAI").format(model=text or "?")
        an.add("framework", span, message, symbol=sym.CONFIG_LIST_SYMBOL,
               model=text, api="chat.completions.create",
               detail={"form": "construct", "route": True, "model_arg": "model", "kwargs": names, "dict": True,
                       "endpoint": endpoint, "star_kwargs": any(k is None for k in entry.keys)})
