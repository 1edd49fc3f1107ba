"""Issue 19: the engine computes positions once per module with its own recorder; they must be
exactly LibCST's PositionProvider ranges (the edits are keyed by them), for every node."""

from __future__ import annotations

import glob
import os

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from migrator.engine.transform import positions

ROOT = os.path.join(os.path.dirname(__file__), "..")

AWKWARD = [
    "@decorator\n@other(1)\ndef f(a, *, b=2) -> int:\n    return a\n",
    "class A(B, metaclass=M):\n    '''doc'''\n\n    x: int = 1\n    async def g(self):\n        async with a as b, c:\n            await b\n",
    "if a:\r\n    b = 1\r\nelif c:\r\n    pass\r\nelse:\r\n    d()\r\n",
    "x = 1\rif y:\r    z = (\r        2)\r",
    "try:\n    a()\nexcept (E, F) as e:\n    raise\nelse:\n    b()\nfinally:\n    c()\n",
    "try:\n    a()\nexcept* E:\n    pass\n",
    "match x:\n    case [1, *rest] if rest:\n        pass\n    case {'k': v}:\n        pass\n    case _:\n        pass\n",
    "for i in range(3):\n\tif i: continue\nelse:\n\tpass\nwhile x: y()\n",
    "s = f'{a!r:>{w}} {b}' + '''multi\nline''' + \\\n    r'raw'\n",
    "\x0cimport os\nlambda: (yield)\nv = [i for i in x if i]\nw = {k: v for k, v in y}\n",
    "with (open(a) as f,\n      open(b) as g):\n    pass\n# trailing comment",
    "é = 'ünïcode'  # ☃\nλ = [é, 'ǅ']\n",
]


def _sources():
    for source in AWKWARD:
        yield source
    for path in sorted(glob.glob(os.path.join(ROOT, "fixtures", "cases", "*", "*.py")))[:60]:
        with open(path, encoding="utf-8") as handle:
            yield handle.read()


@pytest.mark.parametrize("source", list(_sources()))
def test_positions_are_libcst_position_provider_ranges(source):
    module = cst.parse_module(source)
    expected = {
        node: (r.start.line, r.start.column, r.end.line, r.end.column)
        for node, r in MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider).items()
    }
    recorded = positions(module)
    assert recorded._computed == expected
    # every node's printed span holds the ranges of its descendants (what the transformer skips by)
    for node, span in recorded.spans.items():
        for child in node.children:
            child_range = expected.get(child)
            assert child_range is None or (span[:2] <= child_range[:2] and child_range[2:] <= span[2:])
