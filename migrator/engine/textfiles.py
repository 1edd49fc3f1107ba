"""Rewrite dependency files and env templates for ``apply``.

Edits are textual and span based (the spans come from
``migrator.analyzer.textfiles``), so everything not edited stays byte for
byte: comments, order, quotes, CRLF/LF, BOM and the trailing newline.  When
an openai requirement has a form too unusual to edit safely, the whole file
is returned unchanged with a note saying why.  Both functions are idempotent.
Notes never contain values from env files, and requirement texts in notes go
through ``safe_text`` (no URL credentials, no keys).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from migrator.analyzer.textfiles import (
    WATCHED_PACKAGES,
    DepEntry,
    Requirement,
    classify,
    iter_dependencies,
    normalize_name,
    parse_requirement,
    safe_text,
)
from migrator.i18n import N_

#: (start, end, replacement) on the BOM-less text
Edit = Tuple[int, int, str]

_REWRITABLE_KINDS = {"requirements", "pyproject", "setup_cfg", "setup_py", "pipfile", "conda"}
_BARE_TOML_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_TABLE_KEYS_OK = {"version", "optional", "python", "markers", "platform"}


def _split_bom(text: str) -> Tuple[str, str]:
    return ("\ufeff", text[1:]) if text.startswith("\ufeff") else ("", text)


def _apply(text: str, edits: List[Edit]) -> str:
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _line_no(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --------------------------------------------------------------------------- removal


def _line_removal(text: str, start: int) -> Edit:
    """Delete the whole line holding ``start``, keeping the file's trailing-newline state."""
    line_start = text.rfind("\n", 0, start) + 1
    nl = text.find("\n", start)
    if nl >= 0:
        return line_start, nl + 1, ""
    # Last line without a newline: eat the previous line break instead.
    prev = line_start - 1
    if prev > 0 and text[prev - 1] == "\r":
        prev -= 1
    return max(prev, 0), len(text), ""


def _array_removal(text: str, e: DepEntry) -> Edit:
    """Remove a list element with its comma: the whole line if it is alone there."""
    line_start = text.rfind("\n", 0, e.outer_start) + 1
    nl = text.find("\n", e.outer_end)
    line_end = len(text) if nl < 0 else nl
    alone_before = not text[line_start : e.outer_start].strip()
    if alone_before and re.fullmatch(r"\s*,?\s*(#.*)?", text[e.outer_end : line_end]):
        return _line_removal(text, e.outer_start)
    after = re.match(r"\s*,[ \t]*", text[e.outer_end : line_end])
    if after:
        return e.outer_start, e.outer_end + after.end(), ""
    before = text[line_start : e.outer_start].rstrip()
    if before.endswith(","):
        return line_start + len(before) - 1, e.outer_end, ""
    return e.outer_start, e.outer_end, ""


def _removal(text: str, e: DepEntry) -> Optional[Edit]:
    if e.style == "array":
        return _array_removal(text, e)
    if e.style == "inline":  # the line also holds the key
        return None
    return _line_removal(text, e.outer_start)


# --------------------------------------------------------------------------- replacement


def _pep508(new: Requirement, old: DepEntry) -> str:
    """The provider requirement, keeping the old entry's environment marker."""
    text = f"{new.name}{new.extras}{new.specifier}"
    marker = new.marker or old.marker
    return f"{text}; {marker}" if marker else text


def _table_replacement(text: str, e: DepEntry, new: Requirement) -> Optional[str]:
    """``dashscope = ">=2.0"`` for a Poetry/Pipfile entry, or None when unsafe."""
    key = new.name if _BARE_TOML_KEY.match(new.name) else f'"{new.name}"'
    raw = text[e.start : e.end]
    value = raw.split("=", 1)[1].strip() if "=" in raw else ""
    spec = new.specifier or "*"
    if value[:1] in "\"'":
        return f"{key} = {value[0]}{spec}{value[0]}"
    keys = set(re.findall(r"([A-Za-z_-]+)\s*=", value[1:-1]))
    if not keys <= _TABLE_KEYS_OK or "version" not in keys:
        return None
    return (
        key
        + " = "
        + re.sub(r"""(\bversion\s*=\s*)(["'])[^"']*\2""", lambda m: f"{m.group(1)}{m.group(2)}{spec}{m.group(2)}", value)
    )


def _replacement(text: str, e: DepEntry, new: Requirement) -> Optional[Edit]:
    if e.style == "table":
        if new.marker or new.extras:
            return None
        replaced = _table_replacement(text, e, new)
        return None if replaced is None else (e.start, e.end, replaced)
    return e.start, e.end, _pep508(new, e)


def _unsafe_reason(e: DepEntry, new_text: str) -> Optional[str]:
    if e.unsafe:
        return e.unsafe
    if any(q in new_text for q in "\"'\\"):
        return "the new requirement contains quotes"
    return None


# --------------------------------------------------------------------------- dependencies


def _wrapper_notes(path: str, entries: List[DepEntry]) -> List[str]:
    wrappers = sorted({e.package for e in entries if WATCHED_PACKAGES.get(e.package) == "wrapper"})
    return [N_("{path}: {package} still depends on the openai SDK; left in place").format(path=path, package=w) for w in wrappers]


def _plan_edits(path: str, text: str, entries: List[DepEntry], new: Requirement) -> Tuple[List[Edit], List[str]]:
    provider = normalize_name(new.name)
    present = {e.section for e in entries if e.package == provider}
    edits: List[Edit] = []
    notes: List[str] = []
    for e in (e for e in entries if e.package == "openai"):
        where = f"{path}:{_line_no(text, e.start)}"
        removing = e.section in present
        edit = _removal(text, e) if removing else _replacement(text, e, new)
        if edit is None:
            return [], [
                N_(
                    "{where}: file left unchanged: openai entry '{entry}' is too unusual to edit safely; change it "
                    "to {package} by hand"
                ).format(where=where, entry=safe_text(e.text), package=provider)
            ]
        edits.append(edit)
        present.add(e.section)
        if removing:
            notes.append(
                N_("{where}: removed '{entry}' ({package} is already required in {section})").format(
                    where=where, entry=safe_text(e.text), package=provider, section=e.section
                )
            )
        else:
            notes.append(
                N_("{where}: replaced '{entry}' with '{new}'").format(
                    where=where, entry=safe_text(e.text), new=safe_text(edit[2])
                )
            )
    return edits, notes


def rewrite_dependencies(
    path: str, text: str, *, requirement: str, keep_openai: bool, keep_reason: str = "the compat plan uses the OpenAI SDK"
) -> Tuple[str, List[str]]:
    """Replace the ``openai`` requirement in a dependency file with ``requirement``.

    With ``keep_openai`` (compat plans: the openai SDK talks to the provider)
    the text is returned unchanged.  Where the provider package is already
    required in the same section the openai entry is removed instead, so no
    requirement is ever duplicated.  Returns ``(new_text, notes)``.
    """
    new = parse_requirement(requirement)
    if new is None or not requirement.strip():
        raise ValueError(f"not a requirement: {requirement!r}")
    bom, body = _split_bom(text)
    kind = classify(path)
    entries = iter_dependencies(kind, body)
    targets = [e for e in entries if e.package == "openai"]
    if not targets:
        return text, []
    if keep_openai:
        return text, [N_("{path}: kept openai ({why})").format(path=path, why=keep_reason)]
    if kind not in _REWRITABLE_KINDS:
        return text, [
            N_("{path}: openai requirement left unchanged: {kind} files are not rewritten").format(path=path, kind=kind)
        ]
    for e in targets:
        reason = _unsafe_reason(e, requirement)
        if reason:
            line = _line_no(body, e.start)
            return text, [
                N_("{path}:{line}: left unchanged: the openai entry is a {reason}, to be edited by hand").format(
                    path=path, line=line, reason=reason
                )
            ]
    edits, notes = _plan_edits(path, body, entries, new)
    if not edits:
        return text, notes
    return bom + _apply(body, edits), notes + _wrapper_notes(path, entries)


def add_requirements(path: str, text: str, requirements: Sequence[str], near: Sequence[str]) -> Tuple[str, List[str]]:
    """Add each of ``requirements`` (``"package==version"``, the version a rule was read against)
    that the file does not declare, right after its first entry of a package in ``near`` (openai,
    an OpenAI wrapper, the provider SDK), in that entry's style: pinned when it is pinned (``==``),
    bare otherwise.  Requirement files and PEP 621 / PEP 735 arrays are extended; other kinds get a
    note.  A package already declared anywhere in the file is left alone, so a second run adds
    nothing; every byte outside the inserted text is kept.  Returns ``(new_text, notes)``."""
    bom, body = _split_bom(text)
    kind = classify(path)
    entries = iter_dependencies(kind, body)
    declared = {e.package for e in entries}
    wanted = [r for r in (parse_requirement(x) for x in requirements) if r is not None]
    missing = list({normalize_name(r.name): r for r in wanted if normalize_name(r.name) not in declared}.values())
    anchor = next((e for e in entries if e.package in {normalize_name(n) for n in near}), None)
    if not missing or anchor is None:
        return text, []
    names = ", ".join(f"{r.name}{r.specifier}" for r in missing)
    if kind not in ("requirements", "pyproject") or anchor.style not in ("line", "array") or anchor.unsafe:
        return text, [
            N_("{path}: add {names} (the migrated code imports it) by hand: {kind} files are not extended").format(
                path=path, names=names, kind=kind
            )
        ]
    pinned = anchor.specifier.startswith("==")
    added = [f"{r.name}{r.extras}{r.specifier if pinned else ''}" for r in missing]
    edits = _insertions(body, anchor, added)
    line = _line_no(body, anchor.start)
    return bom + _apply(body, edits), [
        N_("{path}:{line}: added {names} (the migrated code imports it)").format(path=path, line=line, names=", ".join(added))
    ]


def drop_requirements(path: str, text: str, packages: Sequence[str]) -> Tuple[str, List[str]]:
    """Remove the entries of ``packages`` (OpenAI wrappers that no code of the project imports after
    the migration, e.g. ``langchain-openai`` after a native plan) from a dependency file; an entry
    that cannot be removed safely is left with a note.  Returns ``(new_text, notes)``."""
    bom, body = _split_bom(text)
    kind = classify(path)
    wanted = {normalize_name(p) for p in packages}
    if kind not in _REWRITABLE_KINDS or not wanted:
        return text, []
    edits: List[Edit] = []
    notes: List[str] = []
    for e in iter_dependencies(kind, body):
        if e.package not in wanted:
            continue
        where = f"{path}:{_line_no(body, e.start)}"
        edit = _removal(body, e) if not e.unsafe and e.style in ("line", "array", "table") else None
        if edit is None:
            notes.append(
                N_("{where}: no code of the project imports {package} any more; remove '{entry}' by hand").format(
                    where=where, package=e.package, entry=safe_text(e.text)
                )
            )
            continue
        edits.append(edit)
        notes.append(
            N_("{where}: removed '{entry}' (no code of the project imports it any more)").format(
                where=where, entry=safe_text(e.text)
            )
        )
    return (bom + _apply(body, edits) if edits else text), notes


def _insertions(text: str, e: DepEntry, added: List[str]) -> List[Edit]:
    """Insert ``added`` after entry ``e``: one per line after a line entry or an array element alone
    on its line (with the same indentation and commas), else inline after the element."""
    line_start = text.rfind("\n", 0, e.outer_start) + 1
    indent = re.match(r"[ \t]*", text[line_start:]).group(0)  # type: ignore[union-attr]
    nl = text.find("\n", e.outer_end)
    line_end = len(text) if nl < 0 else (nl - 1 if text[nl - 1 : nl] == "\r" else nl)
    eol = "\r\n" if text[line_end : line_end + 2] == "\r\n" else "\n"
    if e.style == "line":
        return [(e.outer_end, e.outer_end, "".join(f"{eol}{indent}{a}" for a in added))]
    quote = text[e.outer_start] if text[e.outer_start] in "\"'" else '"'
    items = [f"{quote}{a}{quote}" for a in added]
    rest = text[e.outer_end : line_end]
    if not text[line_start : e.outer_start].strip() and re.fullmatch(r"\s*,?\s*(#.*)?", rest):
        if rest.lstrip().startswith(","):  # "a",  -> "a",\n"b",
            return [(line_end, line_end, "".join(f"{eol}{indent}{i}," for i in items))]
        # the last element, without a trailing comma: "a" -> "a",\n"b"
        lines = ",".join(f"{eol}{indent}{i}" for i in items)
        if line_end == e.outer_end:
            return [(e.outer_end, e.outer_end, "," + lines)]
        return [(line_end, line_end, lines), (e.outer_end, e.outer_end, ",")]
    return [(e.outer_end, e.outer_end, "".join(f", {i}" for i in items))]


# --------------------------------------------------------------------------- env


def _name_pattern(names: List[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])")


def rewrite_env(
    path: str,
    text: str,
    mapping: Dict[str, str],
    *,
    values: Optional[Dict[str, str]] = None,
    what: str = "provider's",
    lang: str = "en",
) -> Tuple[str, List[str]]:
    """Rename variables (``OPENAI_API_KEY`` -> ``DASHSCOPE_API_KEY``) wherever they occur as a word.

    A value assigned to a renamed variable (``NAME=value``, ``export NAME=value``,
    ``NAME: value``, ``- NAME=value``, ``ENV NAME=value``; not ``$REF``) is OpenAI's,
    useless to the provider and, for a key, a secret: it is replaced by ``values[new]``
    (the provider's base URL) or, for a variable not in ``values``, by nothing, under a
    comment line saying what to set (``what``: whose key, e.g. "Alibaba DashScope API").
    The comment is written in ``lang`` (the TODO comments' language: "en" or "zh").
    Values are never copied into notes.  When the new name already occurs in the file
    the old one is left alone (no duplicate definition) and a note says so.  A mapping
    whose targets are also sources (a chain) is refused with ``ValueError``: it could
    not be idempotent.
    """
    values = values or {}
    renames = {old: new for old, new in mapping.items() if old != new}
    chained = sorted(set(renames) & set(renames.values()))
    if chained:
        raise ValueError(f"env mapping is chained through {', '.join(chained)}")
    if not renames:
        return text, []
    present = set(_name_pattern(list(renames) + list(renames.values())).findall(text))
    notes, active = [], {}
    for old, new in sorted(renames.items()):
        if old in present and new in present:
            notes.append(
                N_("{path}: {new} already present; {old} left unchanged (merge them by hand)").format(path=path, new=new, old=old)
            )
        elif old in present:
            active[old] = new
    if not active:
        return text, notes
    counts: Dict[str, int] = {}
    replaced: List[str] = []

    def assignment(m: re.Match[str]) -> str:
        old = m.group("name")
        new = active[old]
        where = f"{path}:{text.count(chr(10), 0, m.start()) + 1}"
        lead, eol = m.group("lead"), m.group("eol") or "\n"
        if new in values:
            replaced.append(
                N_("{where}: {variable} set to {value} (it held an OpenAI value)").format(
                    where=where, variable=new, value=values[new]
                )
            )
            return f"{lead}{m.group('prefix')}{new}{m.group('sep')}{values[new]}"
        thing = "endpoint" if "URL" in new or "BASE" in new else "key"
        replaced.append(
            (
                N_("{where}: {variable} left empty: set it to your {what} endpoint (the OpenAI value was removed)")
                if thing == "endpoint"
                else N_("{where}: {variable} left empty: set it to your {what} key (the OpenAI value was removed)")
            ).format(where=where, variable=new, what=what)
        )
        said = (
            f"{new}：请填入你的 {what} {'端点' if thing == 'endpoint' else '密钥'}（migrator 已删除 OpenAI 的值）"
            if lang == "zh"
            else f"{new}: set it to your {what} {thing} (migrator removed the OpenAI value)"
        )
        return f"{lead}# {said}{eol}{lead}{m.group('prefix')}{new}{m.group('sep').rstrip()}"

    names = "|".join(re.escape(n) for n in sorted(active, key=len, reverse=True))
    assigned = re.compile(
        rf"(?m)(?:^|(?<=\r))(?P<lead>[ \t]*)(?P<prefix>(?:-[ \t]+)?(?:(?:export|ENV|ARG)[ \t]+)?[\"']?)"
        rf"(?P<name>{names})(?P<sep>[\"']?[ \t]*[=:][ \t]*)(?P<value>(?![\"']?\$)[^\s#][^\r\n]*)"
        rf"(?=(?P<eol>\r\n|\r|\n|$))"
    )
    new_text = assigned.sub(lambda m: _count(counts, m.group("name")) or assignment(m), text)  # type: ignore[func-returns-value]

    def swap(m: re.Match[str]) -> str:
        _count(counts, m.group(0))
        return active[m.group(0)]

    new_text = _name_pattern(list(active)).sub(swap, new_text)
    for old in sorted(counts):
        notes.append(
            (
                N_("{path}: renamed {old} to {new} ({count} place)")
                if counts[old] == 1
                else N_("{path}: renamed {old} to {new} ({count} places)")
            ).format(path=path, old=old, new=active[old], count=counts[old])
        )
    return new_text, notes + replaced


def _count(counts: Dict[str, int], name: str) -> None:
    counts[name] = counts.get(name, 0) + 1


# --------------------------------------------------------------------------- AutoGen's OAI_CONFIG_LIST

#: (line, message) an entry left for a person
Manual = Tuple[int, str]

KEY_IN_JSON = N_(
    "this AutoGen entry holds its key and JSON cannot read {key_env}: left as it is; put your {title} "
    "key there, with \"model\": \"{model}\" and \"base_url\": \"{url}\""
)
NO_MODEL_IN_JSON = N_(
    "no {title} model is mapped for '{model}'; this AutoGen entry is left as it is (add one under [tool.migrator.models])"
)
EMPTY_KEY_IN_JSON = N_(
    "this AutoGen entry now points at {title} with an empty \"api_key\" (JSON cannot read "
    "{key_env}, and the openai SDK would send it OPENAI_API_KEY): put your {title} key there"
)


def rewrite_config_list(
    text: str, *, target: Callable[[str], Optional[str]], base_url: str, title: str, key_env: str
) -> Tuple[str, List[str], List[Manual]]:
    """Point the OpenAI entries of an AutoGen OAI_CONFIG_LIST file (JSON) at the provider: the model
    mapped (``target``: the provider's model for an OpenAI one, None if it has none), ``"base_url"``
    set to ``base_url``.  JSON cannot read the provider's variable, and an entry without a key makes
    the openai SDK send OPENAI_API_KEY, so the key is never guessed: an entry holding one is left as
    it is (the person puts the provider's key there: it is never copied, printed or removed), one
    without gets ``"api_key": ""`` (it fails until the person fills it in, and says so).  Only the
    values edited change; indentation, key order and the rest keep their bytes; a second run changes
    nothing.  Raises ConfigFileError for a file that is not a JSON list.  Returns ``(new_text, notes,
    manual)``."""
    import json

    from migrator.analyzer.autogen import parse_config_file

    bom, body = _split_bom(text)
    edits: List[Edit] = []
    notes: List[str] = []
    manual: List[Manual] = []
    for entry in parse_config_file(body):
        if entry.endpoint is None:
            continue
        line = _line_no(body, entry.start)
        model = entry.get("model")
        new_model = target(model) if isinstance(model, str) else None
        if new_model is None:
            manual.append((line, NO_MODEL_IN_JSON.format(title=title, model=model if isinstance(model, str) else "?")))
            continue
        if entry.get("api_key") not in (None, ""):
            manual.append((line, KEY_IN_JSON.format(key_env=key_env, title=title, model=new_model, url=base_url)))
            continue
        if new_model != model:
            _, start, end, _ = entry.values["model"]
            edits.append((start, end, json.dumps(new_model)))
            notes.append(f"{line}: model '{model}' -> '{new_model}'")
        added = [(k, v) for k, v in (("base_url", base_url), ("api_key", "")) if k not in entry.values]
        for key, value in (("base_url", base_url), ("api_key", "")):
            if key in entry.values and entry.get(key) != value:
                _, start, end, _ = entry.values[key]
                edits.append((start, end, json.dumps(value)))
        if added:
            edits.append(_json_insertion(body, entry, added))
        manual.append((line, EMPTY_KEY_IN_JSON.format(title=title, key_env=key_env)))
    return bom + _apply(body, edits), notes, manual


def _json_insertion(text: str, entry: Any, added: List[Tuple[str, str]]) -> Edit:
    """``, "key": value`` pairs after an object's last value, each laid out as its last key is."""
    import json

    spans = sorted(entry.values.values())
    if len(spans) > 1:
        sep = text[text.index(",", spans[-2][2]) + 1 : spans[-1][0]]
    else:
        sep = text[entry.start + 1 : spans[0][0]] if spans else ""
    # the key-value separator of its last key (":" in compact JSON, whose pairs are not spaced either)
    colon = text[spans[-1][0] : spans[-1][1]] if spans else ": "
    colon = colon[colon.rindex('"') + 1 :] if '"' in colon else ": "
    sep = sep or ("" if colon == ":" else " ")
    at = spans[-1][2] if spans else entry.start + 1
    lead = "," if spans else ""
    pairs = f",{sep}".join(f'"{k}"{colon}{json.dumps(v)}' for k, v in added)
    return at, at, f"{lead}{sep}{pairs}" if spans else pairs


IN_VARIABLE_ESCAPED = N_(
    "this OAI_CONFIG_LIST variable holds an OpenAI entry ('{model}') in a double-quoted value, its JSON "
    "quotes escaped: left as it is (apply rewrites single-quoted and unquoted JSON only); give it the "
    "{title} model, \"base_url\": \"{url}\" and your {title} key by hand"
)


def rewrite_config_env(ruleset: Any, text: str) -> Tuple[str, List[str], List[Manual]]:
    """``OAI_CONFIG_LIST='[...]'`` in an env file (the line forms analyzer/autogen.py finds), its
    JSON rewritten value by value as an OAI_CONFIG_LIST file's is (``rewrite_config_list_for``: the
    model mapped, ``"base_url"`` added, a key never guessed, copied or printed).  A single-quoted or
    unquoted value is the JSON's own bytes, so it is edited where it stands and the rest of the line
    and the file keep theirs; a double-quoted one holds its JSON quotes escaped, which an edit would
    have to re-escape as the shell, docker or compose each unescape them: it is reported.  A value
    that is not JSON (the path of a file) is left alone.  Returns ``(new_text, notes, manual)``."""
    from migrator.analyzer.autogen import _ENV_LINE, ConfigFileError, config_env_findings

    notes: List[str] = []
    manual: List[Manual] = []
    out = []
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        body = line.rstrip("\r\n")
        m = _ENV_LINE.match(body)
        value = m.group("value") if m else ""
        quote = value[0] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else ""
        if m is None or quote == '"':
            manual += [
                (
                    number,
                    IN_VARIABLE_ESCAPED.format(
                        model=f.model or "?", title=ruleset.provider.title, url=ruleset.vars.get("base_url", "")
                    ),
                )
                for f in (config_env_findings("", 0, body, lambda *_: None) if m else ())
            ]
            out.append(line)
            continue
        inner = value[1:-1] if quote else value
        try:
            new, more, left = rewrite_config_list_for(ruleset, inner)
        except ConfigFileError:
            new, more, left = inner, [], []
        spaced = not any(c.isspace() for c in inner) and any(c.isspace() for c in new)
        if (quote and new.count(quote) != inner.count(quote)) or (not quote and spaced):
            # a quote of its own kind would end the value; a space an unquoted one that had none (shell, docker, YAML)
            new, more = inner, []
            left = [
                (1, IN_VARIABLE_ESCAPED.format(model="?", title=ruleset.provider.title, url=ruleset.vars.get("base_url", "")))
            ]
        notes += [f"{number}: {n.split(': ', 1)[-1]}" for n in more]
        manual += [(number, message) for _, message in left]
        out.append(line[: m.start("value")] + quote + new + quote + line[m.end("value") :])
    return "".join(out), notes, manual


def rewrite_config_list_for(ruleset: Any, text: str) -> Tuple[str, List[str], List[Manual]]:
    """``rewrite_config_list`` with the rule set's model map, endpoint (its region's compatible URL),
    provider title and key variable."""

    def target(model: str) -> Optional[str]:
        return ruleset.map_model(model) or (model if ruleset.is_target_model(model) else None)

    return rewrite_config_list(
        text,
        target=target,
        base_url=ruleset.vars.get("base_url", ""),
        title=ruleset.provider.title,
        key_env=ruleset.vars.get("api_key_env", ""),
    )
