"""Issue 18: ``migrator check`` reads what it needs of a Python file's source from the analysis
(``FileAnalysis.facts``, analyzer/facts.py) instead of parsing the file again: a construction's
endpoint, a ``**params`` dict's ``base_url``, an ``openai.base_url`` setting's literal URL, the
imports a policy may forbid.  A file or cell the analyzer did not parse whole is parsed by check."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import List

import pytest

from migrator.analyzer import analyze_bytes
from migrator.analyzer.facts import source_facts
from migrator.cache import Cache
from migrator.check import CheckOptions, Policy, check_bytes, run_check
from migrator.models import Endpoint, Finding, Span

DASHSCOPE = "https://dashscope.aliyuncs.com/compatible-mode/v1"
COMPAT = Policy("compat", forbidden_modules=("requests", "anthropic"), allow_endpoints=(DASHSCOPE,))
STRICT = Policy("strict", forbidden_modules=("requests", "anthropic"))

SOURCE = '''\
import os
import openai
from openai import OpenAI
from langchain_openai import ChatOpenAI
s = "é"; import requests.adapters as ra

BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"
openai.base_url = "https://api.openai.com/v1"

a = OpenAI(base_url=BASE)
b = OpenAI(base_url=os.environ.get("X", "https://api.openai.com/v1"))
d = OpenAI(**get_config())
e = ChatOpenAI(openai_api_base=BASE)
f = OpenAI(base_url=pick())


def g():
    from anthropic import Anthropic
    params = {"api_key": "k", "base_url": "https://api.deepseek.com"}
    return OpenAI(**params), openai.chat.completions.create(model="gpt-4o", messages=[])
'''


def parses(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The sources ``ast.parse`` is asked to parse from now on."""
    seen: List[str] = []
    real = ast.parse

    def counting(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(source if isinstance(source, str) else repr(source))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting)
    return seen


def without_facts(analysis):  # type: ignore[no-untyped-def]
    return dataclasses.replace(analysis, facts=[])


def shown(check) -> list:  # type: ignore[no-untyped-def]
    return [(f.rule, f.line, f.column, f.end_line, f.end_column, f.symbol, f.message, f.snippet) for f in check.findings]


@pytest.mark.parametrize("policy", [COMPAT, STRICT], ids=["compat", "strict"])
def test_check_of_a_cached_analysis_parses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: Policy) -> None:
    data = SOURCE.encode("utf-8")
    cache = Cache(tmp_path)
    cache.put(cache.key("app.py", data), analyze_bytes("app.py", data))
    cached = cache.get(cache.key("app.py", data))
    assert cached is not None and cached.facts
    seen = parses(monkeypatch)
    checked = check_bytes("app.py", data, policy, analysis=cached)
    assert seen == []  # the analysis said it all
    parsed = check_bytes("app.py", data, policy, analysis=without_facts(cached))
    assert len(seen) == 1  # what check does where the analysis holds no facts
    assert shown(checked) == shown(parsed) and checked.suppressed == parsed.suppressed
    assert checked.findings


def test_run_check_parses_a_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    seen = parses(monkeypatch)
    analyze_bytes("app.py", SOURCE.encode("utf-8"))
    analysis_parses = len(seen)
    assert analysis_parses
    seen.clear()
    result = run_check(CheckOptions(str(tmp_path), policy="strict"))
    assert result.files_checked == 1 and result.findings
    assert len(seen) == analysis_parses  # the analyzer's parse, and no other


def test_recorded_endpoints() -> None:
    analysis = analyze_bytes("app.py", SOURCE.encode("utf-8"))
    assert analysis is not None
    (facts,) = analysis.facts
    clients = {f.span.line: f for f in analysis.findings if f.kind == "client" or f.detail.get("form") == "construct"}
    endpoints = {line: facts.calls[(f.span.line, f.span.col, f.span.end_line, f.span.end_col)] for line, f in clients.items()}
    assert endpoints[10] == Endpoint((("base_url", DASHSCOPE),))  # a module constant
    assert endpoints[11] == Endpoint((("base_url", "https://api.openai.com/v1"),))  # an environment lookup's default
    made = tuple(clients[20].detail["_params_def"])
    assert made[0] == 19
    assert endpoints[20] == Endpoint((), True, (("base_url", "https://api.deepseek.com"),), made)  # the dict's entry
    assert endpoints[12] == Endpoint((), True)  # a mapping nobody can read
    assert endpoints[13] == Endpoint((("openai_api_base", DASHSCOPE),))  # a wrapper's keyword
    assert endpoints[14] == Endpoint((("base_url", None),))  # not known


def test_recorded_endpoints_decide_the_check() -> None:
    data = SOURCE.encode("utf-8")
    analysis = analyze_bytes("app.py", data)
    assert analysis is not None
    (facts,) = analysis.facts
    # the check reads the record: what it says decides (here a URL changed behind its back)
    for span, endpoint in facts.calls.items():
        if span[0] == 10:
            facts.calls[span] = dataclasses.replace(endpoint, keywords=(("base_url", "https://api.openai.com/v1"),))
    found = {(f.line, f.symbol): f.message for f in check_bytes("app.py", data, COMPAT, analysis=analysis).findings}
    assert found[10, "openai.OpenAI"] == "OpenAI(base_url='https://api.openai.com/v1'): endpoint not on the allow-list"
    assert (20, "openai.OpenAI") not in found  # the dict's base_url is DeepSeek's (not OpenAI's, no list of the user's own)
    assert (
        found[12, "openai.OpenAI"] == "OpenAI(**...) has no visible base_url; it must be an explicit base_url on the allow-list"
    )
    assert (13, "langchain_openai.ChatOpenAI") not in found
    assert found[14, "openai.OpenAI"].startswith("OpenAI(base_url=...) is not a literal")


def test_a_span_that_holds_no_call_is_recorded_as_unreadable() -> None:
    tree = ast.parse("x = OpenAI()\n")
    finding = Finding("client", "a.py", Span(1, 0, 1, 5), "", symbol="openai.OpenAI")
    facts = source_facts(tree, lambda line, col: col, [finding])
    assert facts.calls == {(1, 0, 1, 5): None}
    analysis = analyze_bytes("a.py", b"from openai import OpenAI\nx = OpenAI()\n")
    assert analysis is not None
    moved = dataclasses.replace(analysis.findings[-1], span=Span(2, 0, 2, 5))
    analysis = dataclasses.replace(
        analysis, findings=[*analysis.findings[:-1], moved], facts=[source_facts(tree, lambda line, col: col, [moved])]
    )
    (found,) = check_bytes("a.py", b"from openai import OpenAI\nx = OpenAI()\n", COMPAT, analysis=analysis).findings
    assert found.message == "OpenAI(...): base_url could not be read; it must be on the allow-list"


def test_recorded_module_settings() -> None:
    source = 'import os\nimport openai\nopenai.base_url = "https://dashscope.aliyuncs.com/compatible-mode/v1"; x = 1\n'
    source += 'openai.api_base = os.environ["OPENAI_API_BASE"]\nopenai.chat.completions.create(model="m", messages=[])\n'
    data = source.encode()
    analysis = analyze_bytes("m.py", data)
    assert analysis is not None
    assert analysis.facts[0].configs == {3: (DASHSCOPE,), 4: ()}
    assert not check_bytes("m.py", data, COMPAT, analysis=analysis).findings  # an allowed endpoint is set
    analysis.facts[0].configs[3] = ("https://api.openai.com/v1",)  # the record decides
    (found,) = check_bytes("m.py", data, COMPAT, analysis=analysis).findings
    assert found.symbol == "module-client:chat.completions.create"


def test_recorded_imports() -> None:
    analysis = analyze_bytes("app.py", SOURCE.encode("utf-8"))
    assert analysis is not None
    imports = {
        (i.span.line, i.span.col, i.span.end_line, i.span.end_col): (i.modules, i.from_) for i in analysis.facts[0].imports
    }
    assert imports[(5, 9, 5, 39)] == (("requests.adapters",), False)  # columns in characters (é is two bytes)
    assert imports[(18, 4, 18, 35)] == (("anthropic", "anthropic.Anthropic"), True)  # inside a function too
    assert imports[(4, 0, 4, 39)] == (("langchain_openai", "langchain_openai.ChatOpenAI"), True)
    found = {(f.symbol, f.line, f.column, f.end_column) for f in check_bytes("app.py", SOURCE.encode(), STRICT).findings}
    assert {("requests.adapters", 5, 10, 40), ("anthropic", 18, 5, 36)} <= found
    relative = analyze_bytes("r.py", b"import openai\nfrom . import requests\nfrom .requests import x\n")
    assert relative is not None and [i.modules for i in relative.facts[0].imports] == [("openai",)]


def test_notebook_cells_have_their_facts_and_a_skipped_cell_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    cells = [
        "import requests\nx = 1\n",  # no OpenAI code: the analyzer skips the cell
        "from openai import OpenAI\nclient = OpenAI(base_url='https://api.openai.com/v1')\n",
    ]
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": c} for c in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    data = json.dumps(notebook).encode()
    analysis = analyze_bytes("n.ipynb", data)
    assert analysis is not None and [f.cell for f in analysis.facts] == [2]
    seen = parses(monkeypatch)
    found = {(f.cell, f.line, f.symbol) for f in check_bytes("n.ipynb", data, COMPAT, analysis=analysis).findings}
    assert found == {(1, 1, "requests"), (2, 2, "openai.OpenAI"), (2, 2, "api.openai.com/v1")}
    assert seen == [cells[0]]  # the cell the analyzer did not parse, for its imports


def test_cached_facts_survive_and_an_entry_without_them_is_a_miss(tmp_path: Path) -> None:
    data = SOURCE.encode("utf-8")
    analysis = analyze_bytes("app.py", data)
    cache = Cache(tmp_path)
    key = cache.key("app.py", data)
    cache.put(key, analysis)
    cached = cache.get(key)
    assert cached is not None and analysis is not None and cached.facts == analysis.facts
    entry = next(tmp_path.rglob(key + ".json"))
    raw = entry.read_text()
    entry.write_text(raw.replace(',"facts":', ',"facts_":'))  # an entry written before the facts were recorded
    assert cache.get(key) is None


@pytest.mark.parametrize("policy", [COMPAT, STRICT], ids=["compat", "strict"])
def test_the_record_and_a_parse_agree_on_every_fixture(policy: Policy) -> None:
    """Check's answer from the analyzer's facts is the one its own parse gives, on every fixture."""
    inputs = sorted(Path(__file__).parent.parent.joinpath("fixtures", "cases").glob("*/input.*"))
    assert len(inputs) > 50
    for path in inputs:
        data = path.read_bytes()
        relpath = "input" + path.suffix
        analysis = analyze_bytes(relpath, data)
        if analysis is None or analysis.error:
            continue
        recorded = check_bytes(relpath, data, policy, analysis=analysis)
        parsed = check_bytes(relpath, data, policy, analysis=without_facts(analysis))
        assert shown(recorded) == shown(parsed), path


def test_imports_in_every_kind_of_block_are_recorded() -> None:
    source = """\
import openai
@decorate
class A:
    import a1
    def f(self):
        import a2
        async def g():
            async with x:
                import a3
            async for i in y:
                import a4
            else:
                import a5
try:
    import b1
except ImportError:
    import b2
else:
    import b3
finally:
    import b4
while x:
    import c1
else:
    import c2
if x:
    import d1
elif y:
    import d2
else:
    import d3
with x:
    import e1
for i in x:
    import e2
match x:
    case 1:
        import f1
    case _ if y:
        import f2
"""
    analysis = analyze_bytes("blocks.py", source.encode())
    assert analysis is not None
    recorded = sorted((i.span.line, i.modules) for i in analysis.facts[0].imports)
    walked = sorted((n.lineno, tuple(a.name for a in n.names)) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Import))
    assert recorded == walked and len(recorded) == 19
