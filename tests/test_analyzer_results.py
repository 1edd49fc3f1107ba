"""Reads of API results followed through local variables, loops and .get(), and
clients used as context managers."""

from __future__ import annotations

from migrator.analyzer.python import analyze_python
from migrator.engine import migrate_source
from migrator.engine.plan import sites
from migrator.ruleset import load_all, select

PROVIDERS = load_all()


def paths(source: str):
    return sorted((r.span.line, ".".join(str(p) for p in r.path)) for r in analyze_python(source, "m.py").results)


def test_value_read_into_a_variable_keeps_its_path():
    source = (
        "import openai\n"
        "r = openai.ChatCompletion.create(model='m', messages=[])\n"
        "usage = r['usage']\n"
        "print(usage['prompt_tokens'], usage.get('completion_tokens'))\n"
    )
    assert paths(source) == [(3, "usage"), (4, "usage.completion_tokens"), (4, "usage.prompt_tokens")]


def test_loop_over_a_list_in_the_result():
    source = (
        "from openai import OpenAI\n"
        "r = OpenAI().chat.completions.create(model='m', messages=[])\n"
        "for choice in r.choices:\n"
        "    print(choice.message.content)\n"
    )
    assert (4, "choices.0.message.content") in paths(source)


def test_variables_of_other_origin_are_not_results():
    source = "from openai import OpenAI\ndata = {'usage': 1}\nusage = data['usage']\nprint(usage['prompt_tokens'])\n"
    assert paths(source) == []


def test_legacy_usage_variable_is_fully_migrated():
    source = (
        "import openai\n\n\n"
        "def f():\n"
        "    r = openai.ChatCompletion.create(model='gpt-4o', messages=[])\n"
        "    usage = r['usage']\n"
        "    return usage['prompt_tokens'] + usage.get('completion_tokens', 0)\n"
    )
    out = migrate_source(source, "m.py", select(PROVIDERS, "deepseek", "compat")).output
    assert "usage = r.usage" in out
    assert "return usage.prompt_tokens + (usage.completion_tokens or 0)" in out


def test_native_field_renames_follow_the_variable():
    source = (
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "r = client.chat.completions.create(model='gpt-4o', messages=[])\n"
        "usage = r.usage\n"
        "print(usage.prompt_tokens, usage.completion_tokens)\n"
    )
    out = migrate_source(source, "m.py", select(PROVIDERS, "dashscope", "native")).output
    assert "print(usage.input_tokens, usage.output_tokens)" in out


def test_context_manager_clients_are_marked_for_rules():
    source = "from openai import OpenAI\nwith OpenAI() as c:\n    c.chat.completions.create(model='m', messages=[])\n"
    found = {s.kind: s.attrs.get("context_manager") for s in sites(analyze_python(source, "m.py"))}
    assert found["client"] is True and found["call"] is True and found["symbol"] is True
    plain = "from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model='m', messages=[])\n"
    assert not any(s.attrs.get("context_manager") for s in sites(analyze_python(plain, "m.py")))


def test_qianfan_native_keeps_a_with_block_on_the_compat_endpoint():
    """qianfan.Qianfan is no context manager: the native plan cannot serve `with OpenAI() as c`,
    so that client stays on the openai SDK, pointed at Qianfan (the hybrid is reported)."""
    source = (
        "from openai import OpenAI\n"
        "with OpenAI() as client:\n"
        "    r = client.chat.completions.create(model='gpt-4o', messages=[], timeout=5)\n"
    )
    result = migrate_source(source, "m.py", select(PROVIDERS, "qianfan", "native"))
    assert "with OpenAI(base_url=" in result.output and "QIANFAN_BEARER_TOKEN" in result.output
    assert "timeout=5" in result.output and "qianfan" not in result.output.split("\n")[0]
    assert result.hybrid
    assert any(d.rule == "migrator/hybrid" and "no __enter__" in d.message for d in result.diagnostics)


def test_a_none_placeholder_does_not_hide_the_result():
    source = (
        "from openai import OpenAI\n"
        "usage = None\n"
        "for chunk in OpenAI().chat.completions.create(model='m', messages=[], stream=True):\n"
        "    usage = chunk.usage\n"
        "print(usage.prompt_tokens)\n"
    )
    assert (5, "usage.prompt_tokens") in paths(source)
    twice = source.replace("print(", "usage = compute()\nprint(")
    assert (6, "usage.prompt_tokens") not in paths(twice)  # a second real binding: not provably a result


def test_removing_statements_never_drops_a_neighbour():
    """Removed lines are placeholders until their block collapses; a placeholder's id() must never
    be mistaken for another statement's (that once dropped user code, depending on memory reuse)."""
    body = "".join(f"x{i} = {i}\n" for i in range(40))
    source = (
        "import os\nimport openai\nopenai.api_key = os.getenv('OPENAI_API_KEY')\n"
        + body
        + ("r = openai.ChatCompletion.create(model='gpt-4o', messages=[])\n")
    )
    ruleset = select(PROVIDERS, "deepseek", "compat")
    for _ in range(100):
        out = migrate_source(source, "m.py", ruleset).output
        assert all(f"x{i} = {i}\n" in out for i in range(40)) and "openai.api_key" not in out
