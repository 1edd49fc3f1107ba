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
from typing import List, Tuple

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


def find_secrets(text: str) -> List[SecretHit]:
    """Every OpenAI-style key in ``text`` as ``(start, end, redacted)``, in order."""
    hits: List[SecretHit] = []
    for m in _SK_RE.finditer(text):
        key = m.group(0)
        if len(_sk_body(key)) >= 20 and _looks_random(_sk_body(key)):
            hits.append((m.start(), m.end(), redact(key)))
    for m in _HEX32_RE.finditer(text):
        # a 32-hex value is a key only after an api_key-like name; looking behind each
        # (rare) hex run is much cheaper than trying a name-first pattern at every position
        prefix = text[max(0, m.start() - 160):m.start()]
        if _AZURE_NAME_RE.search(prefix):
            hits.append((m.start(), m.end(), redact(m.group(0))))
    hits.sort()
    return hits

