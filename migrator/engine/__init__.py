"""The rewrite engine: rule set + analysis in, rewritten source out.

``rewrite`` drives one file (``migrate_source``); ``plan`` matches rules to the
analyzer's findings (and predicts, without LibCST, what they will do);
``ops`` holds the operations rule files choose from; ``transform`` applies
them with LibCST.  Importing this package (or ``plan``/``ops``) does not import
LibCST: scan's readiness matrix uses the rule packs without it.
"""

from __future__ import annotations

from typing import Any

_LAZY = ("migrate_source", "rewrite_once")


def __getattr__(name: str) -> Any:  # PEP 562: ``from migrator.engine import migrate_source``
    if name in _LAZY:
        from migrator.engine import rewrite

        return getattr(rewrite, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
