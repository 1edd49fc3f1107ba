"""The byte-level gate that decides which Python files need the AST analyzer."""

from __future__ import annotations

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analyzer import _NEEDS_AST, analyze_python_bytes, gate, needs_ast

PARSED = [
    "import openai\n",
    "import openai as oa\n",
    "import os, openai\n",
    "import os,openai\n",
    "import json; import openai\n",
    "import openai.error\n",
    "import openai  # the sdk\n",
    "from openai import OpenAI\n",
    "from openai.types.chat import ChatCompletion\n",
    "def f():\n    from openai import OpenAI\n",
    "try:\n    import openai\nexcept ImportError:\n    openai = None\n",
    "import tiktoken\n",
    "from langchain_openai import ChatOpenAI\n",
    "from langchain.chat_models import ChatOpenAI\n",
    "from langchain_community.chat_models import (\n    ChatOpenAI,\n)\n",
    "from llama_index.llms.openai import OpenAI\n",
    "import os\nkey = os.environ['OPENAI_API_KEY']\n",
    "import os\nkey = os.environ.get(\n    'AZURE_OPENAI_ENDPOINT'\n)\n",
    "from os import getenv\nkey = getenv(\"OPENAI_BASE_URL\")\n",
    "import os\nkey = os.environ.get(  # " + "y" * 66 + "\n    'AZURE_OPENAI_API_KEY')\n",
    "x = 1  # openai\nimport os, openai",
    "# tiktoken\r\nimport tiktoken\r\n",
    "x = 1; from openai import OpenAI\n",
    "x = 1;import openai\n",
    "if TYPE_CHECKING: from openai import OpenAI\n",
    "try: import openai\nexcept ImportError: openai = None\n",
    "def f(): import openai; return openai\n",
    "import os, \\\n    openai\n",
    "from \\\n    openai import OpenAI\n",
    "from langchain.chat_models import \\\n    ChatOpenAI\n",
    "\x0cimport openai\n",
    "x = 1\rimport openai\r",
    "import importlib\nopenai = importlib.import_module('openai')\n",
]

SKIPPED = [
    "from litellm.llms.openai import chat\n",
    "import litellm.llms.openai\n",
    "import openai_helper\n",
    "from myproject.openai_utils import ask\n",
    "NAME = 'OPENAI_API_KEY'  # documented here only\n",
    "# import openai\n",
]


@pytest.mark.parametrize("source", PARSED)
def test_files_that_can_hold_findings_are_parsed(source):
    assert _NEEDS_AST.search(source.encode())
    assert needs_ast(source.encode())


@pytest.mark.parametrize("source", SKIPPED)
def test_files_that_only_mention_the_word_are_not(source):
    assert not _NEEDS_AST.search(source.encode())
    assert not needs_ast(source.encode())


# pieces that sit near the edges of the fast form: the literals at line ends, several per line,
# the env window's 80-character gap, CR line ends, lines without a final newline
_PIECES = [
    "import ",
    "from ",
    " import ",
    "openai",
    "tiktoken",
    "langchain",
    "langchain_openai",
    "llama_index",
    ".llms",
    ".openai",
    "(",
    ")",
    ",",
    " ",
    "\t",
    "\n",
    "\r\n",
    "#",
    "os.",
    "getenv",
    "environ",
    "[",
    "'",
    '"',
    "OPENAI_",
    "AZURE_",
    "KEY",
    "x" * 40,
    "y" * 79,
    ";",
    "as oa",
    "\xef\xbb\xbf",
    # statements that do not start their line: after ";" or a compound statement's ":", continued
    # lines, form feeds, bare "\r" breaks; imports by name
    ":",
    "if x: ",
    "\\\n",
    "\\\r\n",
    "\\",
    "\x0c",
    "\r",
    "litellm",
    "import_module(",
    "patch(",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_fast_gate_answers_exactly_like_the_regex(pieces):
    data = "".join(pieces).encode("utf-8", "surrogateescape")
    assert needs_ast(data) == gate(data)


def test_text_findings_still_come_from_skipped_files():
    # (a URL in code: one in a comment or a docstring is prose, not a finding: tests/test_url_prose.py)
    data = b"URL = 'https://api.openai.com/v1/chat/completions'\nKEY = 'sk-proj-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY'\n"
    analysis = analyze_python_bytes("m.py", data)
    assert sorted(f.kind for f in analysis.findings) == ["secret", "url"]


_URL_PIECES = [
    "https://",
    "http://",
    "api.openai.com",
    "x.openai.azure.com",
    "my-res.openai.azure.com",
    ".openai.azure.com",
    "/v1/chat",
    ":443",
    "/",
    "-",
    ".",
    "a",
    "Z9",
    " ",
    "\n",
    "\r\n",
    "\r",
    "'",
    '"',
    "(",
    "#",
    "?q=1",
    "api",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_URL_PIECES), max_size=16))
def test_url_search_by_line_finds_what_a_full_scan_finds(pieces):
    from migrator.analyzer import _URL, finditer_on_lines
    from migrator.analyzer.textfiles import _URL_RE

    text = "".join(pieces)
    for pattern in (_URL, _URL_RE):
        fast = [(m.start(), m.end(), m.group(0)) for m in finditer_on_lines(pattern, text)]
        full = [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]
        assert fast == full


def _lines_holding_by_definition(text, literals, breaks):
    for literal in literals:
        at = text.find(literal)
        while at >= 0:
            start = max(text.rfind(b, 0, at) for b in breaks) + 1
            ends = [stop for stop in (text.find(b, at) for b in breaks) if stop >= 0]
            end = min(ends) if ends else len(text)
            yield start, end
            at = text.find(literal, end)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(["ab", "a", "b", "x", "\n", "\r", "\r\n"]), max_size=16),
    st.sampled_from([("ab",), ("a", "b"), ("b", "ab")]),
    st.sampled_from([("\n", "\r"), ("\n",), ("\r", "\n")]),
)
def test_lines_holding_finds_each_line_by_definition(pieces, literals, breaks):
    # lines_holding bounds its searches by what it already knows (a text without \r is not
    # searched for \r once per line); the answer must be the plain per-occurrence search's
    from migrator.analyzer import lines_holding

    text = "".join(pieces)
    assert list(lines_holding(text, literals, breaks)) == list(_lines_holding_by_definition(text, literals, breaks))


def test_a_key_named_with_a_kelvin_sign_is_still_found():
    # the key guard reads the lowered bytes; a KELVIN SIGN lower-cases to "k" only as text
    hexkey = "0123456789abcdef0123456789abf3a9"
    data = f"import openai  # é\nazure_api_\u212aey = '{hexkey}'\n".encode()
    analysis = analyze_python_bytes("m.py", data)
    assert [f.detail["redacted"] for f in analysis.findings if f.kind == "secret"] == ["\u2026f3a9"]


# simple statements and the one-line bodies of compound statements they may sit in, on lines ending
# in any of Python's line breaks: wherever an import stands, the gate must send the module to the
# AST analysis when that analysis finds something (conftest.py compares the pruned and masked
# analyses with the full walk for each)
_SIMPLE = [
    "import openai",
    "from openai import OpenAI",
    "import os, openai",
    "import \\\n  openai",
    "from \\\n openai import OpenAI",
    "import tiktoken",
    "from langchain_openai import ChatOpenAI",
    "from langchain.chat_models import ChatOpenAI",
    "import litellm",
    "from litellm import completion",
    "import os",
    "x = 1",
    "pass",
    "a = MODEL = 'gpt-4o'",
    "client = OpenAI()",
    "openai.ChatCompletion.create(model='gpt-4o')",
    "client.chat.completions.create(model=MODEL)",
    "litellm.completion(model='gpt-4o')",
    "completion(model='gpt-4o')",
    "llm = ChatOpenAI(model='gpt-4o')",
]
_HEADERS = ["", "", "", "if x: ", "while x: ", "with x: ", "for _ in x: ", "def f(): ", "class A: "]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_HEADERS),
            st.lists(st.sampled_from(_SIMPLE), min_size=1, max_size=3),
            st.sampled_from(["; ", ";", " ; "]),
            st.sampled_from(["\n", "\r\n", "\r"]),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_the_gate_loses_no_finding_of_an_import_wherever_it_stands(lines):
    import ast

    from migrator.analyzer.python import analyze_python

    source = "".join(header + joiner.join(statements) + end for header, statements, joiner, end in lines)
    try:
        ast.parse(source)
    except SyntaxError:
        return
    data = source.encode()
    assert needs_ast(data) == gate(data)
    full = [f for f in analyze_python(source, "m.py").findings if f.kind not in ("url", "secret")]
    gated = (
        [f for f in analyze_python_bytes("m.py", data).findings if f.kind not in ("url", "secret")]
        if analyze_python_bytes("m.py", data)
        else []
    )
    assert gated == full, source
