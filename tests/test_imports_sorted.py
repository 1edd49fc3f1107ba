"""Imports apply adds go where isort / ruff's default order puts them: in the section they join
(standard library, then the rest), sorted there; a section of their own, set off by a blank
line, when the file has none."""

from __future__ import annotations

import libcst as cst
import pytest

from migrator.engine.transform import add_imports


def added(source: str, *wanted) -> str:
    out = add_imports(cst.parse_module(source), {(w, None) if isinstance(w, str) else w for w in wanted}).code
    # a second pass adds nothing and moves nothing
    assert add_imports(cst.parse_module(out), {(w, None) if isinstance(w, str) else w for w in wanted}).code == out
    return out


@pytest.mark.parametrize(
    "source, wanted, expected",
    [
        # among the standard-library imports, alphabetically
        (
            '"""Doc."""\nimport json\nimport sys\n\nfrom openai import OpenAI\n\nx = 1\n',
            ["os", "functools"],
            '"""Doc."""\nimport functools\nimport json\nimport os\nimport sys\n\nfrom openai import OpenAI\n\nx = 1\n',
        ),
        # no standard-library section yet: one of its own, above the third-party one
        (
            "from openai import OpenAI\n\nclient = OpenAI()\n",
            ["os"],
            "import os\n\nfrom openai import OpenAI\n\nclient = OpenAI()\n",
        ),
        # after __future__, never before it
        (
            "from __future__ import annotations\n\nfrom openai import OpenAI\n",
            ["os"],
            "from __future__ import annotations\n\nimport os\n\nfrom openai import OpenAI\n",
        ),
        # a third-party module among the third-party imports; `import x` before `from x import y`
        (
            "import json\n\nimport openai\n",
            ["dashscope", ("dashscope", "Generation")],
            "import json\n\nimport dashscope\nimport openai\nfrom dashscope import Generation\n",
        ),
        # a section heading stays above its section
        (
            '"""Doc."""\n\n# third party\nfrom openai import OpenAI\n',
            ["os"],
            '"""Doc."""\n\nimport os\n\n# third party\nfrom openai import OpenAI\n',
        ),
        # the first of a section takes the blank line above it; a relative import stays last
        (
            "import sys\n\nfrom . import local\n",
            ["os", "dashscope"],
            "import os\nimport sys\n\nimport dashscope\n\nfrom . import local\n",
        ),
        # a module with no imports: right after the docstring, as before
        ('"""Doc."""\nx = 1\n', ["os"], '"""Doc."""\nimport os\nx = 1\n'),
    ],
)
def test_added_imports_sort_into_their_section(source, wanted, expected):
    assert added(source, *wanted) == expected


def test_crlf_file_keeps_its_line_endings():
    assert added("from openai import OpenAI\r\nc = 1\r\n", "os") == "import os\r\n\r\nfrom openai import OpenAI\r\nc = 1\r\n"
