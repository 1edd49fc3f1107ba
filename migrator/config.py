"""``[tool.migrator]`` in the target's pyproject.toml."""

from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from migrator.errors import ConfigError
from migrator.i18n import _, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib

TOP_KEYS = {
    "exclude",
    "rules",
    "provider",
    "plan",
    "region",
    "models",
    "env",
    "todo-comments",
    "todo-lang",
    "completions-as-chat",
    "check",
}
CHECK_KEYS = {"policy", "forbidden-modules", "allow-endpoints", "baseline", "exclude"}
ENV_KEYS = {"api_key", "base_url"}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class CheckConfig:
    policy: Optional[str] = None
    forbidden_modules: List[str] = field(default_factory=list)
    allow_endpoints: List[str] = field(default_factory=list)
    baseline: Optional[str] = None
    exclude: List[str] = field(default_factory=list)


@dataclass
class Config:
    path: Optional[str] = None
    exclude: List[str] = field(default_factory=list)
    rules: List[str] = field(default_factory=list)
    provider: Optional[str] = None
    plan: Optional[str] = None
    region: Optional[str] = None
    models: Dict[str, str] = field(default_factory=dict)
    env: Dict[str, str] = field(default_factory=dict)
    todo_comments: Optional[bool] = None
    todo_lang: Optional[str] = None  # "en" or "zh": the TODO comments' language, whatever each person's locale
    completions_as_chat: Optional[bool] = None
    check: CheckConfig = field(default_factory=CheckConfig)


def _line_of(text: str, key: str) -> Optional[int]:
    pattern = re.compile(r"^[ \t]*[\"']?" + re.escape(key) + r"[\"']?[ \t]*=", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _unknown(text: str, where: str, keys: set, allowed: set, path: str) -> List[str]:
    problems = []
    for key in sorted(keys - allowed):
        hint = difflib.get_close_matches(key, sorted(allowed), n=1)
        line = _line_of(text, key) or 1
        problems.append(
            f"{path}:{line}: " + _("unknown key '{key}' in [{where}]").format(key=key, where=where) + did_you_mean(hint)
        )
    return problems


def _strings(value: Any, name: str, path: str, text: str, problems: List[str]) -> List[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{path}:{_line_of(text, name) or 1}: " + _("'{name}' must be a list of strings").format(name=name))
        return []
    return list(value)


def _table(value: Any, name: str, path: str, text: str, problems: List[str]) -> Dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        problems.append(
            f"{path}:{_line_of(text, name) or 1}: " + _("[tool.migrator.{name}] must map strings to strings").format(name=name)
        )
        return {}
    return dict(value)


def _must_be_bool(name: str) -> str:
    return _("'{name}' must be true or false").format(name=name)


def _read_toml(path: Path) -> "tuple[str, Dict[str, Any]]":
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("cannot read: {reason}").format(reason=exc), path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("invalid TOML: {reason}").format(reason=exc), path=str(path)) from None


def _migrator_table(data: Dict[str, Any], text: str, path: Path) -> Optional[Dict[str, Any]]:
    """``[tool.migrator]`` of a parsed TOML file (None when it has none)."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(_("'tool' must be a table"), path=str(path), line=_line_of(text, "tool"))
    table = tool.get("migrator")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(_("[tool.migrator] must be a table"), path=str(path), line=_line_of(text, "migrator"))
    return table


def _config_in(folder: Path) -> "Optional[tuple[Path, str, Dict[str, Any]]]":
    """(file, text, table) of the migrator config in ``folder``: ``[tool.migrator]`` of its
    pyproject.toml, else its .migrator.toml -- ``[tool.migrator]`` there too, or the same keys
    at the top level; None when it has neither."""
    path = folder / "pyproject.toml"
    if path.is_file():
        text, data = _read_toml(path)
        table = _migrator_table(data, text, path)
        if table is not None:
            return path, text, table
    alt = folder / ".migrator.toml"
    if alt.is_file():
        text, data = _read_toml(alt)
        table = _migrator_table(data, text, alt) if "tool" in data else None
        if table is not None and set(data) != {"tool"}:
            raise ConfigError(_("has both [tool.migrator] and top-level keys; use one layout"), path=str(alt))
        return alt, text, (table if table is not None else data)
    return None


def _find(start: str, markers: Sequence[str] = ()) -> "tuple[Path, Optional[tuple[Path, str, Dict[str, Any]]]]":
    first = Path(os.path.abspath(start))
    chain = [first, *first.parents]
    top = next((i for i, folder in enumerate(chain) if (folder / ".git").exists()), 0)  # outside git: start only
    for folder in chain[: top + 1]:
        found = _config_in(folder)
        if found is not None or any((folder / name).is_file() for name in markers):
            return folder, found
    return first, None


def project_dir(start: str, markers: Sequence[str] = ()) -> Path:
    """The folder whose config applies to ``start``: the nearest of ``start`` and its parents, up
    to the root of its git work tree, that holds a migrator config (or a file named in
    ``markers``, such as check's baseline); ``start`` itself when none does or it is not in git."""
    return _find(start, markers)[0]


def _rebase(patterns: List[str], prefix: str) -> List[str]:
    """Exclude globs written for the config's folder, for its sub-folder ``prefix`` ("a/b/"):
    a glob under that folder loses the prefix, a bare name or a leading wildcard still applies
    anywhere, a glob for another folder is dropped."""
    out = []
    for pattern in patterns:
        if pattern.startswith(prefix):
            out.append(pattern[len(prefix) :])
        elif "/" not in pattern.rstrip("/") or pattern.startswith("*"):
            out.append(pattern)
    return out


DEFAULT_LINE_LENGTH = 88  # black's and ruff's


def line_length(root: str) -> int:
    """The line length the project's formatter keeps to: ``line-length`` of ruff (ruff.toml,
    .ruff.toml, ``[tool.ruff]``) or black (``[tool.black]``) in ``root`` or the nearest parent up
    to the git root that sets one; 88 otherwise.  A file that cannot be read or a value that is not
    a positive whole number is another tool's business: the default is used."""
    first = Path(os.path.abspath(root))
    chain = [first, *first.parents]
    top = next((i for i, folder in enumerate(chain) if (folder / ".git").exists()), 0)
    for folder in chain[: top + 1]:
        for name, keys in (
            ("ruff.toml", ()),
            (".ruff.toml", ()),
            ("pyproject.toml", ("tool", "ruff")),
            ("pyproject.toml", ("tool", "black")),
        ):
            path = folder / name
            if not path.is_file():
                continue
            try:
                table: Any = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            for key in keys:
                table = table.get(key) if isinstance(table, dict) else None
            value = table.get("line-length") if isinstance(table, dict) else None
            if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10_000:
                return value
    return DEFAULT_LINE_LENGTH


def load_config(root: str) -> Config:
    """The migrator config for the folder ``root``: ``[tool.migrator]`` in pyproject.toml, else
    .migrator.toml, in ``root`` or the nearest parent up to the git root that has one (see
    ``project_dir``); exclude globs are given for ``root``.  None anywhere is an empty config."""
    folder, found = _find(root)
    if found is None:
        path = Path(root) / "pyproject.toml"
        return Config(path=str(path) if path.is_file() else None)
    path, text, table = found
    here = Path(os.path.abspath(root))
    cfg = _parse(table, text, str(Path(root) / path.name) if folder == here else str(path))
    if folder != here:
        prefix = here.relative_to(folder).as_posix() + "/"
        cfg.exclude = _rebase(cfg.exclude, prefix)
        cfg.check.exclude = _rebase(cfg.check.exclude, prefix)
    return cfg


def _parse(table: Dict[str, Any], text: str, path: str) -> Config:
    problems = _unknown(text, "tool.migrator", set(table), TOP_KEYS, path)
    cfg = Config(path=path)
    cfg.exclude = _strings(table.get("exclude", []), "exclude", path, text, problems)
    # rule folders are relative to the config file, not to wherever migrator was started
    folder = os.path.dirname(os.path.abspath(path))
    cfg.rules = [
        os.path.join(folder, os.path.expanduser(r)) for r in _strings(table.get("rules", []), "rules", path, text, problems)
    ]
    for name in ("provider", "plan", "region"):
        value = table.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{path}:{_line_of(text, name) or 1}: " + _("'{name}' must be a string").format(name=name))
        else:
            setattr(cfg, name, value)
    cfg.models = _table(table.get("models", {}), "models", path, text, problems)
    cfg.env = _table(table.get("env", {}), "env", path, text, problems)
    problems += _unknown(text, "tool.migrator.env", set(cfg.env), ENV_KEYS, path)
    for key, name in sorted(cfg.env.items()):
        if not _ENV_NAME.fullmatch(name):  # it is written into every client as os.environ["<name>"]
            problems.append(
                f"{path}:{_line_of(text, key) or 1}: "
                + _(
                    "[tool.migrator.env] {key} = {value} is not an environment variable name (letters, digits and _, "
                    "not starting with a digit)"
                ).format(key=key, value=repr(name))
            )
    todo = table.get("todo-comments")
    if todo is not None and not isinstance(todo, bool):
        problems.append(f"{path}:{_line_of(text, 'todo-comments') or 1}: " + _must_be_bool("todo-comments"))
    cfg.todo_comments = todo if isinstance(todo, bool) else None
    todo_lang = table.get("todo-lang")
    if todo_lang is not None and todo_lang not in ("en", "zh"):
        problems.append(f"{path}:{_line_of(text, 'todo-lang') or 1}: " + _("'todo-lang' must be \"en\" or \"zh\""))
    cfg.todo_lang = todo_lang if todo_lang in ("en", "zh") else None
    as_chat = table.get("completions-as-chat")
    if as_chat is not None and not isinstance(as_chat, bool):
        problems.append(f"{path}:{_line_of(text, 'completions-as-chat') or 1}: " + _must_be_bool("completions-as-chat"))
    cfg.completions_as_chat = as_chat if isinstance(as_chat, bool) else None
    check = table.get("check", {})
    if not isinstance(check, dict):
        problems.append(f"{path}: " + _("[tool.migrator.check] must be a table"))
        check = {}
    problems += _unknown(text, "tool.migrator.check", set(check), CHECK_KEYS, path)
    cfg.check = CheckConfig(
        policy=check.get("policy") if isinstance(check.get("policy"), str) else None,
        forbidden_modules=_strings(check.get("forbidden-modules", []), "forbidden-modules", path, text, problems),
        allow_endpoints=_strings(check.get("allow-endpoints", []), "allow-endpoints", path, text, problems),
        baseline=check.get("baseline") if isinstance(check.get("baseline"), str) else None,
        exclude=_strings(check.get("exclude", []), "exclude", path, text, problems),
    )
    if cfg.check.policy is not None and cfg.check.policy not in ("strict", "compat"):
        problems.append(f"{path}:{_line_of(text, 'policy') or 1}: " + _("policy must be 'strict' or 'compat'"))
    if problems:
        raise ConfigError("\n".join(problems))
    return cfg
