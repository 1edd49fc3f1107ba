"""The byte gate for modules whose only tie to OpenAI is a router import (``import litellm``,
``from dspy import LM``): such a module reaches the AST analysis only if its bytes hold what a
finding there needs (issue 19: LiteLLM's, DSPy's and CrewAI's own modules import their package
everywhere, and analysing them all was most of a scan's time)."""

from __future__ import annotations

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analyzer import _ROUTER_LINE_RE, analyze_python_bytes, gate, needs_ast
from migrator.analyzer.python import analyze_python

TEXT_KINDS = ("url", "secret")


def ast_findings(source: str) -> list:
    return [f for f in analyze_python(source, "m.py").findings if f.kind not in TEXT_KINDS]


# each holds a finding only the AST analysis makes, and passes the gate through a router import only
ROUTER_FINDINGS = [
    'from litellm import completion\n\nr = completion(model="gpt-4o", messages=[])\n',
    "import litellm\nr = litellm.completion(model='openai/my-model', messages=[])\n",
    'import litellm\nMODEL = "o3-mini"\nr = litellm.completion(MODEL, messages=[])\n',
    'import litellm\nr = litellm.embedding(model=r"text-embedding-3-small", input=["x"])\n',
    'import litellm\nrouter = litellm.Router(model_list=[{"model_name": "m", "litellm_params": {"model": "gpt-4o-mini"}}])\n',
    'import dspy\nlm = dspy.LM("openai/gpt-4o-mini")\n',
    'from crewai import Agent\nagent = Agent(role="r", goal="g", backstory="b", llm="chatgpt-4o-latest")\n',
    'import litellm\nr = litellm.completion(model="""gpt-3.5-turbo""", messages=[])\n',
    # not a route, but found once the module is analysed: kept
    'import litellm\nfrom os import environ as env\nprint(len(env))\nkey = env["OPENAI_API_KEY"]\n',
    'import litellm\nimport respx\nrespx.post("https://api.openai.com/v1/chat/completions")\n',
    'import litellm, importlib\nopenai = importlib.import_module("openai")\nclient = openai.OpenAI()\n',
    "import dspy\nfrom dspy.clients.openai import OpenAIProvider\n",
    'import dspy\nlm = dspy.OpenAI(model="x")\n',
]

# a router package's own code: nothing the AST analysis reports, and no analysis
ROUTER_NOTHING = [
    "import litellm\n\ndef call(model, messages):\n    return litellm.completion(model=model, messages=messages)\n",
    'import litellm\nfrom litellm.llms.openai import chat\nif provider == "openai":\n    chat()\n',
    'from litellm import completion\nr = completion(model="anthropic/claude-3-5-sonnet", messages=[])\n',
    'import litellm\nlitellm.completion(model="ollama/llama3", messages=[])\n',
    "import dspy\n\nclass Predict(dspy.Module):\n    pass\n",
    'from crewai import Agent\nagent = Agent(role="r", goal="g", backstory="b", llm=my_llm)\n',
]


@pytest.mark.parametrize("source", ROUTER_FINDINGS)
def test_a_router_module_with_what_a_finding_needs_is_analysed(source):
    data = source.encode()
    assert ast_findings(source), "the case must hold a finding of the AST analysis"
    assert _ROUTER_LINE_RE.search(data)
    assert needs_ast(data) and gate(data)
    analysis = analyze_python_bytes("m.py", data)
    assert [f for f in analysis.findings if f.kind not in TEXT_KINDS] == ast_findings(source)


@pytest.mark.parametrize("source", ROUTER_NOTHING)
def test_a_router_module_without_it_is_not_analysed(source):
    data = source.encode()
    assert ast_findings(source) == []
    assert not needs_ast(data) and not gate(data)
    # what scan reports for it is what the analysis would have found: nothing
    assert analyze_python_bytes("m.py", data).findings == []


def test_a_model_literal_decides_for_the_same_call():
    with_literal = b'import litellm\nr = litellm.completion(model="gpt-4o", messages=[])\n'
    without = b"import litellm\nr = litellm.completion(model=name, messages=[])\n"
    assert needs_ast(with_literal) and not needs_ast(without)
    assert [f.model for f in analyze_python_bytes("m.py", with_literal).findings] == ["gpt-4o"]
    assert analyze_python_bytes("m.py", without).findings == []


# statements a router package's modules and their users write: imports of every kind, route calls
# with and without OpenAI models, environment reads the plain gate does not see, doubles, wrappers
_STATEMENTS = [
    "import litellm",
    "from litellm import completion, Router",
    "import dspy",
    "from crewai import Agent, LLM",
    "from litellm.llms.openai import chat",
    "import os",
    "from os import environ as env",
    "print(len(env))",
    "import importlib",
    "from unittest import mock",
    "import respx",
    "from dspy.clients.openai import OpenAIProvider",
    'M = "gpt-4o"',
    'N = "anthropic/claude"',
    "P = name",
    "litellm.completion(model=M, messages=[])",
    "litellm.completion(model=N)",
    "litellm.completion(model=P)",
    'litellm.acompletion(model="openai/x")',
    "completion(M)",
    'completion("o1")',
    "completion(model='llama3')",
    'Router(model_list=[{"litellm_params": {"model": M}}])',
    'Router(model_list=[{"litellm_params": {"model": "ollama/x"}}])',
    'dspy.LM("gpt-4o-mini")',
    "dspy.LM(P)",
    'dspy.OpenAI(model="x")',
    'Agent(llm="gpt-4o")',
    "LLM(model=P)",
    'key = env["OPENAI_API_KEY"]',
    'key = env["OTHER"]',
    'oa = importlib.import_module("openai")',
    "c = oa.OpenAI()",
    'mock.patch("openai.OpenAI")',
    'respx.post("https://api.openai.com/v1/embeddings")',
    'if provider == "openai":\n    pass',
    "client = OpenAI()",
    "def f(model):\n    return litellm.completion(model=model)",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_STATEMENTS), min_size=1, max_size=8))
def test_the_gate_loses_no_finding_of_a_router_module(statements):
    source = "\n".join(statements) + "\n"
    data = source.encode()
    assert needs_ast(data) == gate(data)
    if _ROUTER_LINE_RE.search(data) and ast_findings(source):
        assert needs_ast(data), source
