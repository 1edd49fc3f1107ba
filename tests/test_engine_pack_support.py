"""Engine support the native packs rely on: symbol sites know their client's endpoint, and
set_kwarg imports nothing when it writes nothing."""

from __future__ import annotations

from migrator.analyzer.python import analyze_python
from migrator.engine import migrate_source
from migrator.engine.plan import sites
from migrator.ruleset import load_all, select


def _symbol_endpoints(source: str):
    return [
        (s.span.line, s.attrs["symbol"], s.attrs["endpoint"]) for s in sites(analyze_python(source, "x.py")) if s.kind == "symbol"
    ]


def test_symbol_at_a_client_construction_carries_its_endpoint():
    source = (
        "import openai\n"
        "from openai import OpenAI\n"
        "a = OpenAI()\n"
        "b = OpenAI(base_url='http://localhost:1/v1')\n"
        "def f(c: OpenAI):\n"
        "    pass\n"
        "try:\n"
        "    pass\n"
        "except openai.RateLimitError:\n"
        "    pass\n"
    )
    assert _symbol_endpoints(source) == [
        (3, "openai.OpenAI", "none"),
        (4, "openai.OpenAI", "other"),
        (5, "openai.OpenAI", "unknown"),
        (9, "openai.RateLimitError", "unknown"),
    ]


def test_native_plan_keeps_the_class_of_a_client_that_points_elsewhere():
    ruleset = select(load_all(), "dashscope", "native")
    source = "from openai import OpenAI\na = OpenAI()\nb = OpenAI(base_url='http://localhost:1/v1')\n"
    result = migrate_source(source, "x.py", ruleset)
    assert result.error is None
    assert "b = OpenAI(base_url='http://localhost:1/v1')" in result.output
    assert "from openai import OpenAI" in result.output
    assert "a = Client(" in result.output


def test_set_kwarg_when_missing_adds_no_import_when_the_keyword_is_there():
    ruleset = select(load_all(), "dashscope", "compat", only=["dashscope/langchain"])
    source = "from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model='qwen-plus', base_url='http://x/v1', api_key='k')\n"
    result = migrate_source(source, "x.py", ruleset)
    assert result.output == source
