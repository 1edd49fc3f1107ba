"""One ``ast`` tree per text: the rewrite's imports, the check that it parses and the self-check
read the same two texts (the source and its rewrite), and each would parse them again.

The trees are shared, so nobody may change one; only the last two texts are kept (a tree costs
several times its text's size in memory)."""

from __future__ import annotations

import ast
from collections import OrderedDict

_KEEP = 2  # the source and its rewrite
_trees: "OrderedDict[str, ast.Module]" = OrderedDict()


def parse(text: str) -> ast.Module:
    """``ast.parse(text)``, parsed once while ``text`` is among the last few asked for (the same
    exceptions when it does not parse; those are not kept)."""
    tree = _trees.get(text)
    if tree is None:
        tree = ast.parse(text)
        _trees[text] = tree
        if len(_trees) > _KEEP:
            _trees.popitem(last=False)
    else:
        _trees.move_to_end(text)
    return tree
