"""The codec error handler of every stream and file migrator writes text to (reports, the terminal,
check's baseline): registered on import, so whoever names ``ESCAPE_ERRORS`` has it."""

from __future__ import annotations

import codecs
from typing import Tuple

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
