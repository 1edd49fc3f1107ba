"""Reproductions of the reach review of set 7 (``benchmarks/reach_review.py --set 7``: haystack-ai 3.4.1,
openai-swarm 0.1.1, trulens-providers-openai 2.16.0, promptlayer 1.5.16, pandasai 2.3.2; findings R1..Rn
in ``benchmarks/reach_review7.md``).

Each test states the correct behaviour, in code cut down from the package's own.  Those fixed on the
review's branch pass; the rest are ``xfail(strict=True)`` with the reason.  Runtime ones run the
migrated project with the real SDK against the provider's fake, with OpenAI's variables on a trap."""

from __future__ import annotations

import textwrap
from pathlib import Path
import pytest

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from tests.projects import apply
from tests.test_apply_cli import make_repo
from tests.test_review6 import _models, _run

PACKS = load_all([])


def _manual(source: str, provider: str = "dashscope", plan: str = "compat"):
    result = migrate_source(textwrap.dedent(source).lstrip("\n"), "m.py", select(PACKS, provider, plan))
    assert result.error is None, result.error
    return result, [d.message for d in result.diagnostics if d.severity == "manual"]


# --------------------------------------------------------------------------- R1
# openai-swarm 0.1.1 Swarm.get_chat_completion: the request is a dict built in the method,
# `create_params = {"model": model_override or agent.model, "messages": ..., "stream": stream}`,
# a key added when there are tools, then `self.client.chat.completions.create(**create_params)`.
# A model value in such a dict was never followed: a caller's choice with a literal default
# (`model or "gpt-4o"`, mapped when it is a `model=` argument) reached the provider as gpt-4o, and
# the report said "the model comes in **kwargs ... map it where the dict is built", of a dict built
# three lines above; the value it gives the model is what a person must look at.
_SWARM = b'''from openai import OpenAI


class Swarm:
    def __init__(self, client=None):
        if not client:
            client = OpenAI()
        self.client = client
'''
R1_APP = (
    _SWARM
    + b'''
    def ask(self, history, model=None, tools=None, stream=False):
        create_params = {"model": model or "gpt-4o", "messages": history, "stream": stream}
        if tools:
            create_params["parallel_tool_calls"] = True
        return self.client.chat.completions.create(**create_params)
'''
)


def test_r1_a_model_default_in_a_params_dict_built_in_the_function_is_mapped(tmp_path: Path):
    program = 'from app.bot import Swarm\nprint(Swarm().ask([{"role": "user", "content": "hi"}]).model)\n'
    doc, done, received, trap = _run(tmp_path, {"bot.py": R1_APP}, program)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not trap
    assert _models(received) == ["qwen-plus"], _models(received)
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]


def test_r1_a_model_in_a_params_dict_that_cannot_be_followed_is_reported_with_its_value():
    _result, manual = _manual(
        '''
        from openai import OpenAI
        client = OpenAI()
        def get_chat_completion(agent, history, model_override, stream):
            create_params = {"model": model_override or agent.model, "messages": history, "stream": stream}
            if agent.functions:
                create_params["parallel_tool_calls"] = agent.parallel_tool_calls
            return client.chat.completions.create(**create_params)
        '''
    )
    assert any("`model_override or agent.model`" in m for m in manual), manual
    assert not any("**kwargs" in m for m in manual), manual


R1_CONFIG = b'DEFAULT_MODEL = "gpt-4o-mini"\n'
R1_IMPORTED = b'''from openai import OpenAI

from app.config import DEFAULT_MODEL

client = OpenAI()


def ask(history):
    params = {"model": DEFAULT_MODEL, "messages": history}
    return client.chat.completions.create(**params)
'''


def test_r1_a_constant_of_another_module_in_a_params_dict_is_mapped_where_it_is_written(tmp_path: Path):
    program = 'from app.bot import ask\nprint(ask([{"role": "user", "content": "hi"}]).model)\n'
    doc, done, received, trap = _run(tmp_path, {"config.py": R1_CONFIG, "bot.py": R1_IMPORTED}, program)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not trap
    assert _models(received) == ["qwen-flash"], _models(received)
    assert not [d for d in doc["diagnostics"] if d["severity"] == "manual"], doc["diagnostics"]


# --------------------------------------------------------------------------- R2
# openai-swarm 0.1.1: the model is the pydantic field `Agent.model: str = "gpt-4o"` of swarm/types.py,
# read as `agent.model` of a parameter annotated `agent: Agent` in swarm/core.py.  Neither an
# annotated parameter's attribute nor a class of another module is followed: the client moves, the
# provider receives gpt-4o (reported at the call, R1's message).
R2_TYPES = b'''from pydantic import BaseModel


class Agent(BaseModel):
    name: str = "Agent"
    model: str = "gpt-4o"
'''
R2_CORE = (
    b"from app.types import Agent\n"
    + _SWARM
    + b'''
    def get_chat_completion(self, agent: Agent, history, model_override=None):
        create_params = {"model": model_override or agent.model, "messages": history}
        return self.client.chat.completions.create(**create_params)
'''
)


@pytest.mark.xfail(
    strict=True,
    reason="R2: a pydantic field default of a class in another module, read through a parameter annotated with "
    "that class (`agent: Agent` ... `agent.model`), is not followed: the provider receives gpt-4o (reported)",
)
def test_r2_a_field_default_read_through_an_annotated_parameter_reaches_the_provider_mapped(tmp_path: Path):
    program = (
        "from app.core import Swarm\nfrom app.types import Agent\n"
        'print(Swarm().get_chat_completion(Agent(), [{"role": "user", "content": "hi"}]).model)\n'
    )
    _doc, done, received, trap = _run(tmp_path, {"types.py": R2_TYPES, "core.py": R2_CORE}, program)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not trap
    assert _models(received) and all(not m.startswith("gpt") for m in _models(received)), _models(received)


# --------------------------------------------------------------------------- R3
# promptlayer 1.5.16 utils.py: every provider's request function sits in one module;
# `anthropic_completions_request(client, **kwargs): return client.completions.create(**kwargs)` is
# only ever called through `MAP_TYPE_TO_ANTHROPIC_FUNCTION[...]` with `Anthropic(**client_kwargs)`,
# and `client.images.generate(...)` on `client = _get_openrouter_client(client_kwargs)` (the
# OpenRouter SDK's client).  Both were listed for a person as OpenAI calls whose "receiver could not
# be resolved": 5 of promptlayer's 13 "unresolved" sites are other providers' clients.
R3_APP = b'''import threading

_llm_client_cache = {}
_llm_client_cache_lock = threading.Lock()


def _get_cached_client(cache_key, factory):
    if cache_key not in _llm_client_cache:
        with _llm_client_cache_lock:
            if cache_key not in _llm_client_cache:
                _llm_client_cache[cache_key] = factory()
    return _llm_client_cache[cache_key]


def openai_chat_request(client, **kwargs):
    return client.chat.completions.create(**kwargs)


MAP_TYPE_TO_OPENAI_FUNCTION = {"chat": openai_chat_request}


def openai_request(prompt_blueprint, client_kwargs, function_kwargs):
    from openai import OpenAI

    cache_key = f"openai:{client_kwargs.get('base_url', '')}"
    client = _get_cached_client(cache_key, lambda: OpenAI(**client_kwargs))
    request_to_make = MAP_TYPE_TO_OPENAI_FUNCTION[prompt_blueprint["type"]]
    return request_to_make(client, **function_kwargs)


def anthropic_completions_request(client, **kwargs):
    return client.completions.create(**kwargs)  # an Anthropic client


MAP_TYPE_TO_ANTHROPIC_FUNCTION = {"completion": anthropic_completions_request}


def anthropic_request(prompt_blueprint, client_kwargs, function_kwargs):
    from anthropic import Anthropic

    client = _get_cached_client("anthropic", lambda: Anthropic(**client_kwargs))
    return MAP_TYPE_TO_ANTHROPIC_FUNCTION[prompt_blueprint["type"]](client, **function_kwargs)


def _get_openrouter_client(client_kwargs):
    from openrouter import OpenRouter

    def _factory():
        return OpenRouter(api_key=client_kwargs.get("api_key"))

    return _get_cached_client("openrouter", _factory)


def openrouter_request(prompt_blueprint, client_kwargs, function_kwargs):
    client = _get_openrouter_client(client_kwargs)
    return client.images.generate(**function_kwargs)  # an OpenRouter client
'''


@pytest.mark.xfail(
    strict=True,
    reason="R3: a call on another SDK's client reached through a module function (the OpenRouter factory) or a "
    "dispatch dict (the Anthropic request functions) is reported as an unresolved OpenAI call",
)
def test_r3_calls_on_other_providers_clients_are_not_left_for_a_person(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/utils.py": R3_APP})
    lines = R3_APP.decode().splitlines()
    others = {n for n, line in enumerate(lines, 1) if "# an Anthropic client" in line or "# an OpenRouter client" in line}
    manual = [d for d in apply(repo, "--dry-run")["diagnostics"] if d["severity"] == "manual"]
    assert any("receiver could not be resolved" in d["message"] for d in manual), manual  # (the OpenAI one is)
    assert not [d for d in manual if d["line"] in others], manual


# --------------------------------------------------------------------------- R4
# haystack-ai 3.4.1 components/rankers/llm_ranker.py and query/query_expander.py: the default chat
# generator is `OpenAIResponsesChatGenerator(model="gpt-4.1-mini", generation_kwargs={... "text":
# {"format": {"type": "json_schema", ...}}})`, the Responses API wrapper.  apply leaves it (no rule
# moves it) and lists it only as "not migrated; `migrator check` would flag it: ... has no base_url,
# so it talks to api.openai.com": the reason a person needs (it is the Responses API, which the
# provider's rules do not migrate; OpenAIChatGenerator, which they do, is the way) is not said, as it
# is for a `client.responses.create(...)` call (issue 15: OpenAI-only APIs get a per-provider pointer).
# Fixed by a rule every pack takes (`<provider>/haystack-responses`, rules/_openai-compatible.yaml).
R4_APP = b'''from haystack.components.generators.chat.openai_responses import OpenAIResponsesChatGenerator


def _default_openai_chat_generator():
    return OpenAIResponsesChatGenerator(model="gpt-4.1-mini", generation_kwargs={"temperature": 0.0})
'''


@pytest.mark.parametrize("provider", ["dashscope", "deepseek"])
def test_r4_haystack_s_responses_generator_is_reported_as_the_responses_api(tmp_path: Path, provider: str):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/ranker.py": R4_APP})
    manual = [d for d in apply(repo, "--dry-run", provider=provider)["diagnostics"] if d["severity"] == "manual"]
    assert [d for d in manual if d["line"] == 5], manual
    assert all("Responses API" in d["message"] for d in manual if d["line"] == 5), manual
