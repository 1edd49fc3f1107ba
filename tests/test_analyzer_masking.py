"""Big files are parsed masked: definitions that cannot matter are blanked before
``ast.parse`` (migrator/analyzer/chunks.py).  conftest.py compares every analysis the
suite makes with a masked one; these tests pin the masking itself: that it happens,
what it must leave alone, and what it must parse back."""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from migrator.analyzer import chunks, line_index
from migrator.analyzer import python as analyzer

HEAD = textwrap.dedent('''
    """A module that talks to OpenAI."""
    import os

    from openai import OpenAI

    client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])


    def ask(question):
        reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
        return reply.choices[0].message.content
    ''').lstrip("\n")


def filler(count, prefix="work"):
    """Plain functions and a class: what masking leaves out."""
    out = []
    for i in range(count):
        out.append(
            textwrap.dedent(f'''

            def {prefix}_{i}(items, scale={i}):
                """Scale the items.

                def not_code(): return {i}
                """
                total = [item * scale for item in items if item]
                return {{"total": sum(total), "label": f"{{scale}}: {{len(total)}}"}}
            ''')
        )
    out.append(
        textwrap.dedent('''

        class Store:
            """Keeps things."""

            size = 3

            def put(self, key, value):
                self.data[key] = value

            @property
            def keys(self):
                return list(self.data)
        ''')
    )
    return "".join(out)


def analyse_masked(source):
    full = (
        analyzer._analyze.__wrapped__(source, "m.py", None, False)
        if hasattr(analyzer._analyze, "__wrapped__")
        else analyzer._analyze(source, "m.py", None, False)
    )
    masked = analyzer._analyze_masked(source, "m.py", None)
    return masked, full


def spy_splices(monkeypatch):
    """The names of the regions the analysis parses back in."""
    spliced = []
    original = chunks.splice
    monkeypatch.setattr(
        chunks, "splice", lambda tree, text, starts, region: spliced.append(region.name) or original(tree, text, starts, region)
    )
    return spliced


def kinds(analysis):
    return sorted((f.kind, f.line, f.api or "") for f in analysis.findings)


def test_a_big_file_is_parsed_masked_and_finds_what_the_whole_parse_finds(monkeypatch):
    source = HEAD + filler(90)
    assert len(source) > chunks.MIN_CHARS
    blanked = []
    original = chunks.mask
    monkeypatch.setattr(chunks, "mask", lambda text, starts, regions: blanked.extend(regions) or original(text, starts, regions))
    masked, full = analyse_masked(source)
    assert masked is not None and masked == full
    assert len(blanked) >= 90  # every filler function (and Store) was left out
    assert ("call", 10, "chat.completions.create") in kinds(masked)
    # the docstrings' look-alike calls are not reported by either
    assert [f for f in masked.findings if f.kind == "call"] == [f for f in full.findings if f.kind == "call"]
    assert len([f for f in masked.findings if f.kind == "call"]) == 1
    # and what users get for such a file is the masked analysis
    assert analyzer.analyze_python(source, "m.py") == full


def test_a_helper_the_analysis_looks_up_is_parsed_back(monkeypatch):
    # make_client's lines name nothing OpenAI; the call on a marked line looks it up
    source = (
        HEAD
        + textwrap.dedent('''

        def make_client():
            return build()


        def build():
            return OpenAI()


        def use():
            return make_client().chat.completions.create(model="gpt-4o", messages=[])
        ''')
        + filler(40)
    )
    spliced = spy_splices(monkeypatch)
    masked, full = analyse_masked(source)
    assert masked == full
    assert "make_client" in spliced
    assert len([f for f in masked.findings if f.kind == "call" and f.api == "chat.completions.create"]) == 2


def test_a_method_setting_an_attribute_that_is_read_is_parsed_back(monkeypatch):
    source = (
        HEAD
        + textwrap.dedent('''

        class Bot:
            def setup(self):
                self.backend = make()

            def ask(self):
                return self.backend.chat.completions.create(model="gpt-4o", messages=[])


        def make():
            return OpenAI()
        ''')
        + filler(40)
    )
    spliced = spy_splices(monkeypatch)
    masked, full = analyse_masked(source)
    assert masked == full
    assert "setup" in spliced


def test_crlf_line_ends_keep_every_position():
    source = (HEAD + filler(40)).replace("\n", "\r\n")
    masked, full = analyse_masked(source)
    assert masked is not None and masked == full
    assert ("call", 10, "chat.completions.create") in kinds(masked)


@pytest.mark.parametrize(
    "name, code",
    [
        # a global statement binds in the module: the region binds more than its own name
        ("reset", "\n\ndef reset():\n    global client\n    client = None\n"),
        # a column-0 "def" inside a string starts a region in the middle of the string: the
        # region before it does not close, so it is not blanked (nor is the look-alike reported)
        ("first", 'def first():\n    return """\ndef inside():\n    client.chat.completions.create()\n"""\n'),
    ],
)
def test_regions_that_cannot_be_left_out(name, code):
    source = HEAD + code + filler(40)
    starts = line_index(source)
    region = next(r for r in chunks.regions(source, starts) if r.name == name)
    assert not chunks.droppable(region, chunks.segment(source, starts, region))
    masked, full = analyse_masked(source)
    assert masked == full
    assert len([f for f in full.findings if f.kind == "call"]) == 1


def test_a_statement_reaching_into_a_blanked_region_refuses_the_mask():
    source = "x = (1,\n\n2)\n"
    tree = ast.parse(source)
    assert not chunks.structure_ok(tree, [chunks.Region(2, 2, "def", "f")])
    assert chunks.structure_ok(ast.parse("x = 1\n\ny = 2\n"), [chunks.Region(2, 2, "def", "f")])


def test_regions_join_decorators_to_their_definition_and_split_class_bodies():
    source = textwrap.dedent('''
        import x

        @decorate
        @decorate(
            1)
        def f():
            pass

        class C(Base):
            """Doc."""

            @property
            def a(self):
                return 1

            b = 2
        ''').lstrip("\n")
    found = chunks.regions(source, line_index(source))
    assert [(r.first, r.last, r.kind, r.name) for r in found] == [(1, 2, "stmt", None), (3, 8, "def", "f"), (9, 16, "class", "C")]
    assert [(r.first, r.last, r.kind, r.name, r.indent) for r in found[2].parts] == [
        (12, 15, "def", "a", "    "),
        (16, 16, "assign", "b", "    "),
    ]


def test_a_syntax_error_in_a_big_file_is_reported_by_scan():
    # users' analyses parse big files whole (python.MASK is off: the masked analysis cost more than
    # it saved, issue 19), so a syntax error in a definition that names nothing OpenAI is reported;
    # a masked analysis, which leaves that definition out, does not see it
    broken = HEAD + "\n\ndef legacy():\n    print 'old'\n" + filler(90)
    assert len(broken) > chunks.MIN_CHARS
    assert analyzer.analyze_python(broken, "m.py").error.startswith("syntax error")
    masked = analyzer._analyze_masked(broken, "m.py", None)
    assert masked is not None and masked.error is None
    assert ("call", 10, "chat.completions.create") in kinds(masked)


# ---------------------------------------------------------------- closed()

_PIECES = [
    "x",
    " = ",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "'''",
    '"""',
    "#",
    "\\",
    "\n",
    " ",
    "r",
    "b",
    "\\\n",
    "\\'",
    "1",
    ",",
    ":",
]


def _tokenizes(segment):
    """(closed, valid) by the tokenize module: closed when it ends at bracket depth 0
    with nothing open; valid when it met no error token."""
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(segment).readline):
            if token.type == tokenize.ERRORTOKEN and token.string.strip():
                return False, False
            if token.type == tokenize.OP:
                depth += token.string in "([{"
                depth -= token.string in ")]}"
    except tokenize.TokenError:
        return False, True  # EOF in a string or a bracket: open
    except (IndentationError, SyntaxError):
        return None, False
    return depth == 0, True


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_closed_agrees_with_the_tokenizer(pieces):
    segment = "".join(pieces) + "\n"
    expected, valid = _tokenizes(segment)
    assume(valid)
    if chunks.closed(segment):
        assert expected is True  # never claim closed what the tokenizer finds open


@pytest.mark.parametrize(
    "segment, expected",
    [
        ("def f():\n    return 'a' + \"b\"\n", True),
        ("x = '''\n", False),
        ("x = ('a',\n", False),
        ("x = 1 + \\\n", False),
        ("x = 1  # ( ' \"\n", True),
        ("x = r'\\''\n", True),
        ("x = '''it's \"fine\"'''\n", True),
        ("x = f'{a}' + f'{{'\n", True),
    ],
)
def test_closed(segment, expected):
    assert chunks.closed(segment) is expected
