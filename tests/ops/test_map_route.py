"""map_route: a LiteLLM model string (keyword or positional) becomes the provider's route."""

from __future__ import annotations

ROUTE = {"kind": "framework", "symbol": ["litellm.completion", "dspy.LM", "crewai.Agent"]}
OP = ("map_route", {"route": "acme/"})


def test_keyword_model_is_routed(assert_codemod):
    assert_codemod(
        'import litellm\nr = litellm.completion(model="gpt-4o", messages=[])\n',
        'import litellm\nr = litellm.completion(model="acme/acme-chat", messages=[])\n',
        ROUTE,
        OP,
        diagnostics=["info: model 'gpt-4o' -> 'acme/acme-chat'"],
    )


def test_openai_prefix_is_dropped_and_quotes_kept(assert_codemod):
    assert_codemod(
        "from litellm import completion\nr = completion(model='openai/gpt-4.1', messages=[])\n",
        "from litellm import completion\nr = completion(model='acme/acme-pro', messages=[])\n",
        ROUTE,
        OP,
    )


def test_positional_model_is_routed(assert_codemod):
    assert_codemod(
        'import dspy\nlm = dspy.LM("openai/gpt-4o-2024-08-06", temperature=0)\n',
        'import dspy\nlm = dspy.LM("acme/acme-chat", temperature=0)\n',
        ROUTE,
        OP,
    )


def test_a_keyword_other_than_model(assert_codemod):
    assert_codemod(
        'from crewai import Agent\na = Agent(role="r", llm="gpt-4o")\n',
        'from crewai import Agent\na = Agent(role="r", llm="acme/acme-chat")\n',
        ROUTE,
        OP,
    )


def test_another_providers_route_is_not_touched(assert_codemod):
    assert_codemod(
        'import litellm\nr = litellm.completion(model="anthropic/claude-3-5-sonnet", messages=[])\n', None, ROUTE, OP, silent=True
    )


def test_unmapped_model_is_manual_and_left(assert_codemod):
    assert_codemod(
        'import litellm\nr = litellm.completion(model="o1", messages=[])\n',
        None,
        ROUTE,
        OP,
        todo_comments=False,
        diagnostics=["manual: no Acme model is mapped for 'o1'"],
    )


def test_kept_provider_model_is_routed_unmapped(assert_codemod):
    assert_codemod(
        'import litellm\nr = litellm.completion(model="openai/acme-x1", messages=[])\n',
        'import litellm\nr = litellm.completion(model="acme/acme-x1", messages=[])\n',
        ROUTE,
        ("map_route", {"route": "acme/", "keep": ["acme-*"]}),
    )


def test_a_constant_is_reported_with_its_route(assert_codemod):
    assert_codemod(
        'import litellm\nMODEL = "gpt-4o"\nr = litellm.completion(model=MODEL, messages=[])\n',
        None,
        ROUTE,
        OP,
        todo_comments=False,
        diagnostics=["manual: the model string is not a literal here", "'acme/acme-chat'"],
    )


def test_a_router_entry_dict_is_routed_and_given_keys(assert_codemod):
    """A Router entry's params dict: the model string and set_kwarg's keys are dict elements."""
    ops = [OP, ("set_kwarg", {"name": "api_key", "value": {"env": "ACME_API_KEY"}, "when": "literal"})]
    assert_codemod(
        'from litellm import Router\n'
        'r = Router(model_list=[{"model_name": "m", "litellm_params": {"model": "gpt-4o", "api_key": "sk-1",}}])\n',
        'import os\n\nfrom litellm import Router\n'
        'r = Router(model_list=[{"model_name": "m", "litellm_params": {"model": "acme/acme-chat", "api_key": os.environ["ACME_API_KEY"],}}])\n',
        {"kind": "framework", "symbol": "litellm.Router"},
        ops,
    )
    assert_codemod(
        'from litellm import Router\nr = Router(model_list=[{"model_name": "m", "litellm_params": {"model": "gpt-4o"}}])\n',
        'import os\n\nfrom litellm import Router\n'
        'r = Router(model_list=[{"model_name": "m", "litellm_params": {"model": "acme/acme-chat", "api_key": os.environ["ACME_API_KEY"]}}])\n',
        {"kind": "framework", "symbol": "litellm.Router"},
        ops,
    )
