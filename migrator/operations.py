"""The closed set of rewrite operations a rule file may name, and the parameters each takes.

This is the rules room's half of an operation: what YAML may write under ``rewrite:``, checked
when a pack is loaded (``migrator.ruleset``), so loading rules needs nothing of the engine.  What
an operation does to code is the engine's half (``migrator/engine/ops/``: one class per name
here, whose ``PARAMS`` and ``CHOICES`` are read from this table).

A parameter is ``name: (kind, required)``; a kind is ``str``, ``bool``, ``dict``, ``list`` (of
strings), ``float`` (any number) or ``"value"`` (a YAML value the engine renders as code: a
scalar, a list, ``{env: ...}`` or ``{expr: ...}``).  The order is the one docs/rules.md shows.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from migrator.i18n import N_

Params = Dict[str, Tuple[Any, bool]]
#: a further check of an operation's parameters: (params, the problems of the table's check) -> problems
Check = Callable[[Dict[str, Any], List[str]], List[str]]


@dataclass(frozen=True)
class Schema:
    """What one operation takes: its parameters, the values some of them are limited to, and a
    check of its own (parameters that depend on each other)."""

    params: Params
    choices: Dict[str, Sequence[str]] = field(default_factory=dict)
    check: Optional[Check] = None

    def validate(self, params: Dict[str, Any]) -> List[str]:
        """Every problem of ``params`` (untranslated: the loader localizes them)."""
        problems = []
        for key in params:
            if key not in self.params:
                problems.append(
                    N_("unknown parameter '{key}' (expected: {names})").format(key=key, names=", ".join(sorted(self.params)))
                )
        for key, (kind, required) in self.params.items():
            if key not in params:
                if required:
                    problems.append(N_("missing parameter '{key}'").format(key=key))
                continue
            value = params[key]
            if kind == "value":
                problems += validate_value(value)
            elif kind is str and not isinstance(value, str):
                problems.append(N_("'{key}' must be a string").format(key=key))
            elif kind is bool and not isinstance(value, bool):
                problems.append(N_("'{key}' must be true or false").format(key=key))
            elif kind is dict and not isinstance(value, dict):
                problems.append(N_("'{key}' must be a mapping").format(key=key))
            elif kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                problems.append(N_("'{key}' must be a list of strings").format(key=key))
            elif kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
                problems.append(N_("'{key}' must be a number").format(key=key))
            if key in self.choices and value not in self.choices[key]:
                problems.append(N_("'{key}' must be one of {choices}").format(key=key, choices=", ".join(self.choices[key])))
        return self.check(params, problems) if self.check is not None else problems


def validate_value(value: Any) -> List[str]:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return []
    if isinstance(value, list):
        return [p for v in value for p in validate_value(v)]
    if isinstance(value, dict):
        if "env" in value:
            extra = set(value) - {"env", "default"}
            return [N_("unknown key(s) {keys} in an env value").format(keys=sorted(extra))] if extra else []
        if "expr" in value:
            extra = set(value) - {"expr", "imports"}
            problems = [N_("unknown key(s) {keys} in an expr value").format(keys=sorted(extra))] if extra else []
            try:  # the stdlib parser: loading rule packs must not need LibCST (scan's readiness matrix)
                ast.parse(re.sub(r"\$\{[a-z_0-9]+\}", "x", str(value["expr"])), mode="eval")
            except (SyntaxError, ValueError):
                problems.append(N_("expr is not a Python expression: {expr}").format(expr=repr(value["expr"])))
            return problems
    return [N_("a value must be a scalar, a list, an env mapping or an expr mapping, not {value}").format(value=repr(value))]


def field_path(text: str) -> Optional[List[str]]:
    """The parts of a result field's path as ``rename_field`` writes it (``choices[].message``:
    ``choices``, ``[]``, ``message``), or None when it is not one."""
    out = []
    for piece in text.split("."):
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\])*)$", piece)
        if not match:
            return None
        out.append(match.group(1))
        out += ["[]"] * (len(match.group(2)) // 2)
    return out


def _replace_symbol(params: Dict[str, Any], problems: List[str]) -> List[str]:
    problems = [p for p in problems if "'map'" not in p]
    if ("to" in params) == ("map" in params):
        problems.append("give exactly one of 'to' or 'map'")
    mapping = params.get("map", {})
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        problems.append("'map' must map symbol names to symbol names")
    return problems


def _rename_field(params: Dict[str, Any], problems: List[str]) -> List[str]:
    if not problems and field_path(params["from"]) is not None and field_path(params["to"]) is not None:
        if len(field_path(params["from"])) != len(field_path(params["to"])):  # type: ignore[arg-type]
            problems.append("'from' and 'to' must have the same number of parts")
    return problems


SCHEMAS: Dict[str, Schema] = {
    "set_kwarg": Schema(
        {"name": (str, True), "value": ("value", True), "when": (str, False), "message": (str, False)},
        {"when": ("always", "missing", "literal")},
    ),
    "rename_kwarg": Schema({"from": (str, True), "to": (str, True)}),
    "drop_kwarg": Schema(
        {"name": (str, True), "message": (str, False), "severity": (str, False), "if_model": (list, False)},
        {"severity": ("info", "warning", "manual")},
    ),
    "move_kwarg": Schema({"name": (str, True), "into": (str, True), "message": (str, False)}),
    "map_model": Schema({"name": (str, False), "keep": (list, False)}),
    "map_route": Schema({"route": (str, True), "keep": (list, False)}),
    "clamp_kwarg": Schema({"name": (str, True), "min": (float, False), "max": (float, False), "message": (str, False)}),
    "rename_method": Schema({"to": (str, True)}),
    "legacy_to_client": Schema({"sync": ("value", True), "async": ("value", True), "api": (str, False), "shared": (bool, False)}),
    "replace_symbol": Schema({"to": (str, False), "map": (dict, False)}, check=_replace_symbol),
    "subscript_to_attr": Schema({}),
    "rename_field": Schema({"from": (str, True), "to": (str, True)}, check=_rename_field),
    "rename_env": Schema({"to": (str, True)}),
    "remove_statement": Schema({"message": (str, False)}),
    "client_setting": Schema(
        {"keyword": (str, True), "sync": ("value", True), "async": ("value", True), "message": (str, False)}
    ),
    "todo": Schema({"message": (str, True)}),
    "note": Schema(
        {"message": (str, True), "severity": (str, False), "if_model": (list, False)}, {"severity": ("info", "warning")}
    ),
    "completions_to_chat": Schema({}),
}
