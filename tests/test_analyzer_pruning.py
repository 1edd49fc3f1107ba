"""The analyzer skips nodes whose lines cannot hold a finding.  These are the routes
by which an OpenAI value reaches a line that names nothing OpenAI-looking; each must
still be reported.  (conftest.py also compares every analysis in the suite with a
walk of every node.)"""

from __future__ import annotations

import bisect
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analyzer import python as analyzer
from migrator.analyzer.python import analyze_python


def found(src):
    analysis = analyze_python(textwrap.dedent(src).lstrip("\n"), "m.py")
    assert analysis.error is None
    return sorted((f.kind, f.line, f.api or f.symbol or "") for f in analysis.findings)


CASES = {
    "import inside an otherwise plain function": (
        """
        def f():
            from openai import RateLimitError
            return 1
        """,
        [("import", 2, "openai")],
    ),
    "resource kept on self, used in another method": (
        """
        from openai import OpenAI

        class Bot:
            def __init__(self):
                self.comp = OpenAI().chat.completions

            def ask(self, text):
                return self.comp.create(model="gpt-4o", messages=[])
        """,
        [("call", 8, "chat.completions.create"), ("client", 5, "openai.OpenAI"), ("import", 1, "openai")],
    ),
    "module alias configured inside a function": (
        """
        import openai
        o = openai

        def setup(key):
            o.api_key = key
        """,
        [("config", 5, "api_key"), ("import", 1, "openai")],
    ),
    "resource through two local names": (
        """
        import openai

        def ask():
            chat = openai.OpenAI().chat
            comp = chat.completions
            make = comp.create
            return make(model="gpt-4o", messages=[])
        """,
        [("call", 7, "chat.completions.create"), ("client", 4, "openai.OpenAI"), ("import", 1, "openai")],
    ),
    "exception named only in a decorator": (
        """
        import openai
        from tenacity import retry, retry_if_exception_type

        @retry(retry=retry_if_exception_type(openai.RateLimitError))
        def f():
            return 1
        """,
        [("exception", 4, "openai.RateLimitError"), ("import", 1, "openai")],
    ),
    "subclass constructed far from its definition": (
        """
        from openai import OpenAI

        class Mine(OpenAI):
            pass

        def build():
            return Mine()
        """,
        [("client", 7, "openai.OpenAI"), ("import", 1, "openai")],
    ),
    "chain split over lines": (
        """
        import openai
        client = openai.OpenAI()

        def ask():
            return (
                client
                .chat
                .completions
                .create(model="gpt-4o", messages=[])
            )
        """,
        [("call", 6, "chat.completions.create"), ("client", 2, "openai.OpenAI"), ("import", 1, "openai")],
    ),
    "environment variable read in a plain helper": (
        """
        import os
        import openai

        def key():
            return os.environ["OPENAI_API_KEY"]
        """,
        [("env", 5, "OPENAI_API_KEY"), ("import", 2, "openai")],
    ),
    "v0 resource subclassed, called through super()": (
        """
        import openai

        class ChatCompletion(openai.ChatCompletion):
            @classmethod
            def create(cls, *args, **kwargs):
                return super().create(*args, **kwargs)

        class Audio(openai.Audio):
            @classmethod
            def transcribe(cls, model, file):
                def handler():
                    return super(Audio, cls).transcribe(model, file)
                return handler()

        class Plain(dict):
            def create(self):
                return super().create()
        """,
        [("call", 6, "chat.completions.create"), ("call", 12, "audio.transcriptions.create"), ("import", 1, "openai")],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reported_although_the_line_names_nothing_openai(name):
    src, expected = CASES[name]
    assert found(src) == expected


def test_pruning_skips_what_cannot_matter():
    """The pruned walk must actually skip: a large plain function is never visited."""
    src = (
        "import openai\nclient = openai.OpenAI()\n\ndef plain(x):\n"
        + "".join(f"    y{i} = x + {i}\n" for i in range(200))
        + "    return x\n"
    )
    visited = []
    original = analyzer._Reporter._walk

    def spy(self, node, scope, parent):
        visited.append(node)
        return original(self, node, scope, parent)

    analyze = getattr(analyzer._analyze, "__wrapped__", analyzer._analyze)  # not conftest's double run
    analyzer._Reporter._walk = spy
    try:
        analyze(src, "m.py", None, True)
        pruned = len(visited)
        visited.clear()
        analyze(src, "m.py", None, False)
        full = len(visited)
    finally:
        analyzer._Reporter._walk = original
    assert pruned < 20 < full


def test_trees_parsed_from_quoted_annotations_live_as_long_as_the_analysis(monkeypatch):
    """Resolution memoizes by id(node); a freed tree parsed out of "AsyncOpenAI" let a
    later node reuse its id and inherit its value (a call on an annotated client was
    lost, found on semantic-kernel's responses_agent_thread_actions.py)."""
    import ast
    import weakref

    parsed = []
    real_parse = ast.parse

    def spy(source, *args, **kwargs):
        tree = real_parse(source, *args, **kwargs)
        if kwargs.get("mode") == "eval":
            parsed.append(weakref.ref(tree))
        return tree

    src = textwrap.dedent('''
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from openai import AsyncOpenAI

        async def a(client: "AsyncOpenAI", n: "int"):
            return await client.responses.create(model="gpt-4o", input="x")
    ''')
    analyze = getattr(analyzer._analyze, "__wrapped__", analyzer._analyze)
    reporter_run = analyzer._Reporter.run
    alive = []

    def run(self):
        out = reporter_run(self)
        alive.append(all(ref() is not None for ref in parsed))
        return out

    monkeypatch.setattr(analyzer.ast, "parse", spy)
    monkeypatch.setattr(analyzer._Reporter, "run", run)
    result = analyze(src, "m.py", None, True)
    assert [f.api for f in result.findings if f.kind == "call"] == ["responses.create"]
    assert parsed and alive == [True]


def test_super_calls_of_a_v0_subclass_are_left_for_a_person():
    """The subclass itself cannot survive openai>=1, so no rule may rewrite its super() calls."""
    from migrator.engine import migrate_source
    from migrator.ruleset import load_all, select

    src = (
        "import openai\n\nclass Chat(openai.ChatCompletion):\n    @classmethod\n    def create(cls, **kw):\n"
        "        return super().create(**kw)\n"
    )
    (call,) = [f for f in analyze_python(src, "m.py").findings if f.kind == "call"]
    assert call.confidence == "low" and call.legacy and call.detail["receiver"] == "super"
    result = migrate_source(src, "m.py", select(load_all(), "deepseek", "compat"))
    assert "super().create(**kw)" in result.output


@pytest.mark.parametrize("prune", [True, False])
def test_an_analysis_leaves_no_cycles_for_the_collector(prune):
    # the tree is freed when the analysis returns; a cycle left through the binder's shared
    # binding log once kept every tree for the collector to trace (a third of scan's CPU time
    # on big files went to the collector)
    import gc

    source = textwrap.dedent('''
        import openai
        client = openai.OpenAI()

        class Bot:
            def __init__(self):
                self.client = client

            def ask(self, q):
                out = self.client.chat.completions.create(model="gpt-4o", messages=[q])
                return [c.message.content for c in out.choices]
        ''')
    # (and a masked parse: a helper left out, then parsed back in because it is called)
    source += "\n\ndef helper():\n    return 1\n\n\ndef unused():\n    return 2\n\n\nx = helper()\n"
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        analysis = analyzer._analyze(source, "m.py", None, prune)
        assert analysis.findings
        assert gc.collect() == 0
        assert analyzer._analyze_masked(source, "m.py", None) == analysis
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(["ab", "a", "b", "_", "x1", ".", "'", '"', " ", "\n", "é", "\u0663"]), max_size=14),
    st.sampled_from(["a", "ab", "aba", "b_"]),
)
def test_name_marks_are_those_of_the_word_pattern(pieces, name):
    # mark_name finds a name by substring search; it must mark the lines the word pattern
    # (not glued to a word or a quote before it, a word boundary after) marks
    import re

    from migrator.analyzer import line_index

    text = "".join(pieces)
    starts = line_index(text)
    fast = analyzer._LineMarks(starts)
    fast.mark_name(name, text)
    slow = analyzer._LineMarks(starts)
    for match in re.finditer(re.escape(name) + r"\b", text):
        at = match.start()
        if not (at and (text[at - 1].isalnum() or text[at - 1] in "_'\"")):
            slow.flags[bisect.bisect_right(starts, at)] = 1
    assert fast.flags == slow.flags


# imports that do not start their line (a statement list, a compound statement's one-line body,
# a backslash continuation, a form feed, a bare "\r" line break) or import by name: the byte gate,
# the pruned analysis' marks and the masked parse's regions all looked for an import at a line's start
NOT_AT_LINE_START = {
    "after ;": "x = 1; from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='gpt-4o', messages=[])\n",
    "after ; no space": "x = 1 ;import openai\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "if one-liner": "if True: import openai\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "try one-liner": "try: import openai\nexcept ImportError: openai = None\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "try from one-liner": "try: from openai import OpenAI\nexcept ImportError: OpenAI = None\nOpenAI().chat.completions.create(model='x', messages=[])\n",
    "else one-liner": "if False: pass\nelse: import openai\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "except one-liner": "try:\n    import json\nexcept ImportError: import openai\nopenai.ChatCompletion.create(model='x', messages=[])\n",
    "with one-liner": "with ctx: import openai\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "while one-liner": "while True: import openai; break\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "for one-liner": "for _ in [1]: from openai import OpenAI\nOpenAI().chat.completions.create(model='x', messages=[])\n",
    "def one-liner": "def f(): from openai import OpenAI; return OpenAI()\nf().chat.completions.create(model='x', messages=[])\n",
    "async with in a function": "async def f():\n    async with x: import openai\n    openai.ChatCompletion.create(model='x', messages=[])\n",
    "class one-liner": "class A: import openai\nA.openai.ChatCompletion.create(model='x', messages=[])\n",
    "match case one-liner": "match x:\n    case 1: import openai\nopenai.ChatCompletion.create(model='x', messages=[])\n",
    "import continued": "import os, \\\n    openai\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "import word continued": "import \\\n    openai\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "from continued": "from \\\n    openai import OpenAI\nOpenAI().chat.completions.create(model='x', messages=[])\n",
    "continued in a function": "def f():\n    import os, \\\n        openai\n    openai.ChatCompletion.create(model='x', messages=[])\n",
    "form feed indent": "\x0cimport openai\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    "bare CR lines": "x = 1\rimport openai\ropenai.ChatCompletion.create(model='gpt-4o', messages=[])\r",
    "CRLF after ;": "x = 1; import openai\r\nopenai.ChatCompletion.create(model='x', messages=[])\r\n",
    "tiktoken after ;": "x = 1; import tiktoken\nenc = tiktoken.encoding_for_model('gpt-4')\n",
    "langchain_openai after ;": "x = 1; from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o')\n",
    "framework wrapper after ;": "x = 1; from langchain.chat_models import ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o')\n",
    "framework wrapper continued": "from langchain.chat_models import \\\n    ChatOpenAI\nllm = ChatOpenAI(model='gpt-4o')\n",
    "AutoGen after ;": "x = 1; import autogen\nautogen.AssistantAgent('a', llm_config={'config_list': [{'model': 'gpt-4'}]})\n",
    "router after ;": "x = 1; import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n",
    "router if one-liner": "if True: import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n",
    "router from after ;": "x = 1; from litellm import completion\ncompletion(model='gpt-4o', messages=[])\n",
    "router from import(": "from litellm import(completion)\ncompletion(model='gpt-4o', messages=[])\n",
    "router dspy after ;": "x = 1; import dspy\nlm = dspy.LM('openai/gpt-4o')\n",
    "import_module": "import importlib\nopenai = importlib.import_module('openai')\nopenai.ChatCompletion.create(model='gpt-4o', messages=[])\n",
    # the masked parse took ``NAME = ...`` regions to bind NAME only
    "a second target": "a = MODEL = 'gpt-4o'\nfrom openai import OpenAI\nOpenAI().chat.completions.create(model=MODEL, messages=[])\n",
    "a statement after ;": "a = 1; MODEL = 'gpt-4o'\nfrom openai import OpenAI\nOpenAI().chat.completions.create(model=MODEL, messages=[])\n",
    # ... and took a definition to end where the next "\n"-ended line starts (a bare "\r" ends a line too)
    "a statement after a bare CR": "import openai; client.chat.completions.create(model=MODEL)\ndef f(): import os\rMODEL = 'gpt-4o'\n",
}

# code the masked parse can leave out, so that it is tried on each shape
_PLAIN = "\n\ndef plain(items):\n    return [item * 2 for item in items]\n\n\nLIMIT = 3\n"


def _shape_findings(analysis):
    return sorted(
        (f.kind, f.span, f.api or f.symbol or "", f.model or "") for f in analysis.findings if f.kind not in ("url", "secret")
    )


@pytest.mark.parametrize("name", sorted(NOT_AT_LINE_START))
@pytest.mark.parametrize("padded", [False, True])
def test_an_import_that_does_not_start_its_line_is_found_pruned_masked_and_gated(name, padded):
    from migrator.analyzer import analyze_python_bytes

    source = NOT_AT_LINE_START[name] + (_PLAIN if padded else "")
    analyze = getattr(analyzer._analyze, "__wrapped__", analyzer._analyze)  # not conftest's double run
    full = analyze(source, "m.py", None, False)
    assert full.error is None and full.findings, "a shape the analysis finds nothing in tests nothing"
    assert _shape_findings(analyze(source, "m.py", None, True)) == _shape_findings(full)
    masked = analyzer._analyze_masked(source, "m.py", None)
    assert masked is None or _shape_findings(masked) == _shape_findings(full)
    assert _shape_findings(analyze_python_bytes("m.py", source.encode())) == _shape_findings(full)
