"""Find hard-coded API keys (OpenAI and the providers migrator targets) in any text,
and redact them.

Only redacted forms ever leave this module: callers get offsets to locate a key,
``redact(key)`` to name it and ``redact_text(text)`` to show a text; never the key
itself.  ``redact_text`` is the one function every output channel uses.

Shapes found anywhere (code, comments, strings, env files, JSON, YAML):

* ``sk-`` keys (OpenAI ``sk-``/``sk-proj-``/``sk-svcacct-``/``sk-admin-``; DashScope
  and DeepSeek ``sk-`` + 32 hex; Moonshot and Hunyuan ``sk-`` + 48 alphanumerics):
  at least 20 characters of ``[A-Za-z0-9_-]`` after the prefix, not glued to a longer
  word (``risk-...``), and random-looking: the body needs a digit, a letter and at least
  5 distinct characters, so ``sk-xxxxxxxxxxxxxxxxxxxxxxxx`` or
  ``sk-your-openai-api-key-here`` are not reported.
* Qianfan bearer tokens ``bce-v3/ALTAK-…/…`` and Tencent SecretIds ``AKID…``.
* Zhipu ``id.secret`` keys: 32 hex digits, a dot, 16 alphanumerics.

"Glued" allows an escape just before the key: ``"\\nsk-…"`` in a string, a
URL-encoded ``Bearer%20sk-…``, ``\\x20``/``\\u0020``.

Shapes found only when assigned (``=``, ``:``, or an argument after ``,``, optionally
quoted, ``["NAME"] =``) to a key-like name -- a name holding ``api_key``/``apikey``/
``api-key``, ``access_key``, ``secret_key``, ``secret``, ``token``, or the word ``ak``/
``sk`` (``QIANFAN_AK``) -- so content hashes and ids elsewhere are never reported:

* 32 hex digits, any case (Azure OpenAI keys; Baidu IAM AK/SK);
* UUIDs (Volcengine Ark API keys);
* 20 to 128 alphanumerics mixing upper case, lower case and digits (Qianfan
  application AK/SK, Tencent SecretKeys, newer Azure keys).

Hex and UUID values must look random too (a digit, a letter, 5 distinct characters).
"""

from __future__ import annotations

import re
from typing import Any, FrozenSet, List, Optional, Tuple, Union

from migrator.i18n import N_

#: (start offset, end offset, redacted form)
SecretHit = Tuple[int, int, str]

_KNOWN_PREFIXES = ("sk-proj-", "sk-svcacct-", "sk-admin-", "sk-", "bce-v3/ALTAK-", "AKID")

_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_HEX = frozenset("0123456789abcdefABCDEF")

# ------------------------------------------------------------------ the definitions
# (find_secrets finds exactly what these define, by cheaper routes; tests compare both)

_SK_RE = re.compile(r"sk-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])")
_QIANFAN_RE = re.compile(r"bce-v3/ALTAK-[A-Za-z0-9]{8,}/[A-Za-z0-9]{16,}(?![A-Za-z0-9_])")
_AKID_RE = re.compile(r"AKID[A-Za-z0-9]{32}(?![A-Za-z0-9_])")
_ZHIPU_RE = re.compile(r"[0-9a-fA-F]{32}\.[A-Za-z0-9]{16}(?![A-Za-z0-9_])")
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_VALUE = rf"(?:{_UUID}|[0-9a-fA-F]{{32}}|[A-Za-z0-9]{{20,128}})(?![0-9A-Za-z_])"
_VALUE_RE = re.compile(rf"(?<![0-9A-Za-z_]){_VALUE}")
_NAME = r"(?:(?:api|access|secret)[_-]?key|secret|token|(?<![A-Za-z0-9])[as]k(?![A-Za-z0-9]))"
_ASSIGN = r"""["']?\]?\s*(?:[:=,])\s*["']?"""
_ASSIGNED_NAME_RE = re.compile(rf"(?i)(?<![A-Za-z0-9_])[A-Za-z0-9_]*?{_NAME}[A-Za-z0-9_]*{_ASSIGN}$")
_WINDOW = 160  # how far before its value a key-like name may start


def redact(key: str) -> str:
    """``sk-proj-…f3a9``: the known prefix, an ellipsis and the last 4 characters."""
    prefix = next((known for known in _KNOWN_PREFIXES if key.startswith(known)), "")
    body = key[len(prefix) :]
    # Very short bodies would give away too much of the key.
    tail = body[-4:] if len(body) >= 12 else ""
    return f"{prefix}\u2026{tail}"


def describe(redacted: str) -> str:
    """What a redacted key is, for messages: ``OpenAI API key``, ``Qianfan API key``, ``API key``."""
    if redacted.startswith("sk-"):
        return N_("OpenAI API key")
    if redacted.startswith("bce-v3/"):
        return N_("Qianfan API key")
    if redacted.startswith("AKID"):
        return N_("Tencent Cloud SecretId")
    return N_("API key")


def redact_text(text: str) -> str:
    """``text`` with every key ``find_secrets`` finds replaced by its redacted form.

    The one redaction every channel uses: reports, diffs, diagnostics, TODO comments,
    PR bodies, commit messages, error messages."""
    if not text:
        return text
    for start, end, redacted in reversed(find_secrets(text)):
        text = text[:start] + redacted + text[end:]
    return text


def _looks_random(body: str) -> bool:
    """True unless ``body`` is a placeholder rather than real key material."""
    chars = set(body) - {"-", "_", "."}
    has_digit = any(c.isdigit() for c in chars)
    has_alpha = any(c.isalpha() for c in chars)
    return has_digit and has_alpha and len(chars) >= 5


def _mixed(value: str) -> bool:
    """An alphanumeric value that looks generated: upper case, lower case, digits, 8 distinct characters."""
    return (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
        and len(set(value)) >= 8
    )


def _sk_body(key: str) -> str:
    for known in _KNOWN_PREFIXES:
        if key.startswith(known):
            return key[len(known) :]
    return key


_ESCAPE_BEFORE = re.compile(r"(?:\\[abfnrtv0]|%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})$")


def _glued(text: str, start: int) -> bool:
    """A key starting at ``start`` continues a longer word (``risk-…``, ``mask-sk-…``),
    unless what precedes it is an escape (``\\n``, ``%20``, ``\\x20``, ``\\u0020``)."""
    if not start or text[start - 1] not in _KEY_CHARS:
        return False
    return _ESCAPE_BEFORE.search(text, max(0, start - 6), start) is None


def _valid_value(value: str) -> bool:
    if len(value) == 36 and value.count("-") == 4:  # a UUID
        return _looks_random(value)
    if len(value) == 32 and all(c in _HEX for c in value):
        return _looks_random(value)
    return _mixed(value)


def _sk_hit(text: str, m: "re.Match[str]") -> Optional[SecretHit]:
    key = m.group(0)
    if _glued(text, m.start()) or not _looks_random(_sk_body(key)):
        return None
    return (m.start(), m.end(), redact(key))


def _zhipu_hit(text: str, start: int, end: int) -> Optional[SecretHit]:
    key = text[start:end]
    ident, _, secret = key.partition(".")
    if _glued(text, start) or not _looks_random(ident) or len(set(secret)) < 6:
        return None
    return (start, end, redact(key))


def reference_secrets(text: str) -> List[SecretHit]:
    """What ``find_secrets`` returns, by the definitions: every regex over the whole text."""
    hits: List[SecretHit] = []
    for m in _SK_RE.finditer(text):
        hit = _sk_hit(text, m)
        if hit:
            hits.append(hit)
    for pattern in (_QIANFAN_RE, _AKID_RE):
        hits += [(m.start(), m.end(), redact(m.group(0))) for m in pattern.finditer(text) if not _glued(text, m.start())]
    for m in _ZHIPU_RE.finditer(text):
        hit = _zhipu_hit(text, m.start(), m.end())
        if hit:
            hits.append(hit)
    for m in _VALUE_RE.finditer(text):
        if _valid_value(m.group(0)) and _ASSIGNED_NAME_RE.search(text[max(0, m.start() - _WINDOW) : m.start()]):
            hits.append((m.start(), m.end(), redact(m.group(0))))
    return _merge(hits)


def _merge(hits: List[SecretHit]) -> List[SecretHit]:
    """In order; where two hits overlap (a Zhipu key's id assigned to ``api_key``), the
    one starting first, or the longer of two starting together."""
    out: List[SecretHit] = []
    for hit in sorted(hits, key=lambda h: (h[0], -h[1])):
        if out and hit[0] < out[-1][1]:
            continue
        out.append(hit)
    return out


# ------------------------------------------------------------------ the fast routes

_SK_START = re.compile(r"sk-[A-Za-z0-9_-]{20,}")  # a literal prefix: re skips ahead to each "sk-"
_ZHIPU_SECRET = re.compile(r"\.[A-Za-z0-9]{16}(?![A-Za-z0-9_])")  # a literal prefix: the dot
_HEX32_AT = re.compile(r"[0-9a-fA-F]{32}")
# key-like names in lower-cased text or bytes, each with a literal prefix (an alternation
# has none and is several times slower) and, looking ahead, an assignment and something like
# a value; _name_ok completes what _NAME requires
_NAME_LITERALS = ("key", "secret", "token", "ak", "sk")
_LOOKAHEAD = r"""(?=[a-z0-9_]*["']?\]?\s*[:=,]\s*["']?(?:[0-9a-f]{8}-|[0-9a-z]{20}))"""
_NAME_STR = [re.compile(word + _LOOKAHEAD) for word in _NAME_LITERALS]
_NAME_BYTES = [re.compile((word + _LOOKAHEAD).encode()) for word in _NAME_LITERALS]
_KEY_QUALIFIER = re.compile(r"(?:api|access|secret)[_-]?$")
_KEY_QUALIFIER_BYTES = re.compile(rb"(?:api|access|secret)[_-]?$")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_ALNUM_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")
_LITERALS = ("sk-", "bce-v3/", "akid")
_LITERALS_BYTES = tuple(lit.encode() for lit in _LITERALS)
_ZHIPU_GUARD = re.compile(r"\.[a-z0-9]{16}(?![a-z0-9_])")
_ZHIPU_GUARD_BYTES = re.compile(rb"\.[a-z0-9]{16}(?![a-z0-9_])")


def might_hold_secret(low: Union[str, bytes]) -> bool:
    """False only if lower-cased text (or bytes) cannot hold a key ``find_secrets`` finds."""
    if isinstance(low, bytes):
        return (
            any(lit in low for lit in _LITERALS_BYTES)
            or _ZHIPU_GUARD_BYTES.search(low) is not None
            or any(p.search(low) is not None for p in _NAME_BYTES)
        )
    return (
        any(lit in low for lit in _LITERALS)
        or _ZHIPU_GUARD.search(low) is not None
        or any(p.search(low) is not None for p in _NAME_STR)
    )


def find_secrets(text: str, low: Optional[bytes] = None, lowered: Optional[str] = None) -> List[SecretHit]:
    """Every key in ``text`` as ``(start, end, redacted)``, in order.

    Same hits as ``reference_secrets`` (the definitions), found by cheaper routes:
    ``sk-``, ``bce-v3/``, ``AKID`` and Zhipu keys by a literal, an assigned value only
    right after a key-like name.  ``low``: the text's bytes lower-cased, if the caller
    has them (used only when they are ASCII, where byte and character offsets agree);
    ``lowered``: ``text.lower()``, if the caller has it.
    """
    hits: List[SecretHit] = []
    for m in _SK_START.finditer(text) if "sk-" in text else ():
        hit = _sk_hit(text, m)
        if hit:
            hits.append(hit)
    if "bce-v3/" in text:
        hits += [(m.start(), m.end(), redact(m.group(0))) for m in _QIANFAN_RE.finditer(text) if not _glued(text, m.start())]
    if "AKID" in text:
        hits += [(m.start(), m.end(), redact(m.group(0))) for m in _AKID_RE.finditer(text) if not _glued(text, m.start())]
    for m in _ZHIPU_SECRET.finditer(text) if "." in text else ():
        start = m.start() - 32
        if start >= 0 and _HEX32_AT.match(text, start):
            hit = _zhipu_hit(text, start, m.end())
            if hit:
                hits.append(hit)
    ascii_low = low if low is not None and len(low) == len(text) and low.isascii() else None
    for start in _value_candidates(text, ascii_low, lowered):
        value = _VALUE_RE.match(text, start)
        if value is not None and _valid_value(value.group(0)) and _ASSIGNED_NAME_RE.search(text[max(0, start - _WINDOW) : start]):
            hits.append((value.start(), value.end(), redact(value.group(0))))
    return _merge(hits)


def _value_candidates(text: str, ascii_low: Optional[bytes] = None, lowered: Optional[str] = None) -> List[int]:
    """Offsets where an assigned value may start: right after a key-like name's assignment."""
    if ascii_low is not None:
        source: Union[str, bytes] = ascii_low
        patterns, qualifier, alnum = _NAME_BYTES, _KEY_QUALIFIER_BYTES, _ALNUM_BYTES
    else:
        source = text.lower() if lowered is None else lowered
        if len(source) != len(text):
            # a character whose lower case is longer: offsets would not line up; this is
            # rare, so use the definition's own search
            return sorted({m.start() for m in _VALUE_RE.finditer(text)})
        # (str here, bytes above, as source is: mypy types each name by its first assignment)
        patterns, qualifier, alnum = _NAME_STR, _KEY_QUALIFIER, _ALNUM  # type: ignore[assignment]
    found = set()
    for word, pattern in zip(_NAME_LITERALS, patterns):
        for name in pattern.finditer(source):  # type: ignore[arg-type]  # a str pattern for str, bytes for bytes
            if not _name_ok(word, source, name.start(), name.end(), qualifier, alnum):
                continue
            m = _ASSIGNED_VALUE.match(text, name.end())
            if m is not None and m.end() <= name.start() + _WINDOW:
                found.add(m.end())
    return sorted(found)


def _name_ok(
    word: str, source: Union[str, bytes], start: int, end: int, qualifier: "re.Pattern[Any]", alnum: FrozenSet[Any]
) -> bool:
    if word == "key":
        return qualifier.search(source, max(0, start - 7), start) is not None
    if word in ("ak", "sk"):
        return (start == 0 or source[start - 1] not in alnum) and (end == len(source) or source[end] not in alnum)
    return True


# the rest of a key-like name, its assignment, and (looking ahead) a value
# (the name's characters as _ASSIGNED_NAME_RE reads them: case-insensitively, so a KELVIN SIGN counts)
_ASSIGNED_VALUE = re.compile(rf"""(?i:[A-Za-z0-9_])*{_ASSIGN}(?={_VALUE})""")
