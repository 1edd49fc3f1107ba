"""Find hard-coded OpenAI / Azure OpenAI API keys in any text.

Only redacted forms ever leave this module: callers get offsets to locate a
key and ``redact(key)`` to name it, never the key itself.

Decisions (conservative, to keep false positives out of reports):

* ``sk-`` keys (also ``sk-proj-``, ``sk-svcacct-``, ``sk-admin-``) need at
  least 20 characters of ``[A-Za-z0-9_-]`` after the prefix, must not be glued
  to a longer word (``risk-...``), and must look random: the body needs a
  digit, a letter and at least 5 distinct characters.  Placeholders such as
  ``sk-xxxxxxxxxxxxxxxxxxxxxxxx`` or ``sk-your-openai-api-key-here`` are not
  reported.
* 32-hex Azure keys are reported only when assigned (``=`` or ``:``) to a name
  containing ``api_key`` / ``apikey`` / ``api-key`` (any case), so content
  hashes in random files are never reported.
"""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Tuple

#: (start offset, end offset, redacted form)
SecretHit = Tuple[int, int, str]

_KNOWN_PREFIXES = ("sk-proj-", "sk-svcacct-", "sk-admin-")

_SK_RE = re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])")

# NAME (optionally quoted) = / : (optionally quoted) 32 hex digits.
_HEX32_RE = re.compile(r"(?<![0-9A-Za-z_])[0-9a-f]{32}(?![0-9A-Za-z_])")
_AZURE_NAME_RE = re.compile(r"""(?i)(?<![A-Za-z0-9_])[A-Za-z0-9_]*api[_-]?key[A-Za-z0-9_]*["']?\s*[:=]\s*["']?$""")


def redact(key: str) -> str:
    """``sk-proj-…f3a9``: the known prefix, an ellipsis and the last 4 characters."""
    prefix = ""
    for known in _KNOWN_PREFIXES + ("sk-",):
        if key.startswith(known):
            prefix = known
            break
    body = key[len(prefix):]
    # Very short bodies would give away too much of the key.
    tail = body[-4:] if len(body) >= 12 else ""
    return f"{prefix}\u2026{tail}"


def _looks_random(body: str) -> bool:
    """True unless ``body`` is a placeholder rather than real key material."""
    chars = set(body) - {"-", "_"}
    has_digit = any(c.isdigit() for c in chars)
    has_alpha = any(c.isalpha() for c in chars)
    return has_digit and has_alpha and len(chars) >= 5


def _sk_body(key: str) -> str:
    for known in _KNOWN_PREFIXES + ("sk-",):
        if key.startswith(known):
            return key[len(known):]
    return key


_SK_START = re.compile(r"sk-[A-Za-z0-9_-]{20,}")  # a literal prefix: re skips ahead to each "sk-"
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# an api_key-like name (apikey, api_key, api-key) in lower-cased text or bytes: a literal prefix
KEY_NAME = re.compile(r"api[_-]?key")
KEY_NAME_BYTES = re.compile(rb"api[_-]?key")
_NAME_CI = re.compile(r"(?i)api[_-]?key")  # as _AZURE_NAME_RE reads the name


def find_secrets(text: str, low: Optional[bytes] = None, lowered: Optional[str] = None) -> List[SecretHit]:
    """Every OpenAI-style key in ``text`` as ``(start, end, redacted)``, in order.

    Same hits as scanning with ``_SK_RE`` and ``_HEX32_RE`` (the definitions), found
    by cheaper routes: ``sk-`` runs by their literal prefix, a 32-hex value only right
    after the assignment of an ``api_key``-like name.  ``low``: the text's bytes
    lower-cased, if the caller has them (used only when they are ASCII, where byte
    and character offsets agree); ``lowered``: ``text.lower()``, if the caller has it.
    """
    hits: List[SecretHit] = []
    for m in _SK_START.finditer(text) if "sk-" in text else ():
        if m.start() and text[m.start() - 1] in _KEY_CHARS:
            continue  # glued to a longer word (risk-...): _SK_RE's lookbehind
        key = m.group(0)
        if len(_sk_body(key)) >= 20 and _looks_random(_sk_body(key)):
            hits.append((m.start(), m.end(), redact(key)))
    ascii_low = low if low is not None and len(low) == len(text) and low.isascii() else None
    for start in _hex_candidates(text, ascii_low, lowered):
        m = _HEX32_RE.match(text, start)
        prefix = text[max(0, start - 160):start]
        if m is not None and _AZURE_NAME_RE.search(prefix):
            hits.append((m.start(), m.end(), redact(m.group(0))))
    hits.sort()
    return hits


def _hex_candidates(text: str, ascii_low: Optional[bytes] = None, lowered: Optional[str] = None) -> List[int]:
    """Offsets where a 32-hex key may start: within 160 characters after an api_key-like name."""
    names: Iterator["re.Match"]
    if ascii_low is not None:
        if b"key" not in ascii_low:
            return []
        names = KEY_NAME_BYTES.finditer(ascii_low)
    else:
        low = text.lower() if lowered is None else lowered
        if "key" not in low:
            return []
        # a character whose lower case is longer: offsets would not line up, so match the
        # name case-insensitively in the text itself (slower than lower-casing, and rare)
        names = KEY_NAME.finditer(low) if len(low) == len(text) else _NAME_CI.finditer(text)
    found: List[int] = []
    for name in names:
        # a key the definition accepts follows its name's word, a quote, ":" or "=" and a
        # quote at once: try that one place (each candidate is re-checked by the caller)
        m = _ASSIGNED_HEX.match(text, name.end())
        if m is not None and m.end() <= name.start() + 160 and (not found or m.end() > found[-1]):
            found.append(m.end())
    return found


# the rest of an api_key-like name, its assignment, and (looking ahead) a 32-hex value
# (the name's characters as _AZURE_NAME_RE reads them: case-insensitively, so a KELVIN SIGN counts)
_ASSIGNED_HEX = re.compile(r"""(?i:[A-Za-z0-9_])*["']?\s*[:=]\s*["']?(?=[0-9a-f]{32}(?![0-9A-Za-z_]))""")
