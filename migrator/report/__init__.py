"""Rendering results for people and machines; knows nothing of git or the CLI."""

from __future__ import annotations

import json
from typing import Any, Dict


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
