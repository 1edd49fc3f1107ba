"""Rendering results for people and machines; knows nothing of git or the CLI."""

from __future__ import annotations

import codecs
import json
from typing import Any, Dict, Tuple

# the error handler for every stream and report file: what the encoding cannot hold (a character
# a cp1252 or ASCII terminal lacks, an undecodable byte of a file name) becomes a \uXXXX escape --
# readable in text, and inside a JSON string the very character it stands for
ESCAPE_ERRORS = "migrator-escape"


def _escape(exc: UnicodeError) -> Tuple[str, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for char in exc.object[exc.start : exc.end]:
        code = ord(char)
        if code > 0xFFFF:  # as JSON spells it: a UTF-16 surrogate pair
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error(ESCAPE_ERRORS, _escape)


def json_document(doc: Dict[str, Any]) -> str:
    """A report as JSON: keys sorted, two-space indentation, and each element of a list
    on one line of its own -- a finding per line, easy to grep and to diff.

    (``json.dumps`` indents with its pure-Python encoder: on a scan of ten thousand files
    that took longer than all the rest of the report; an element is encoded in C.)"""

    def one(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    parts = []
    for key in sorted(doc):
        value = doc[key]
        if isinstance(value, list) and value:
            body = ",\n".join("    " + one(item) for item in value)
            text = "[\n" + body + "\n  ]"
        else:
            text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n  ")
        parts.append(f"  {one(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"
