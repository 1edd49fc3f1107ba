"""Models given as values (issue 15): a model that reaches ``model=`` through a dataclass /
pydantic / attrs field default, a settings object made once from a class of the module, or a
module-level dict entry is mapped where it is written, when every read of it is a ``model=``
argument; otherwise it is reported at the call.  The migrated program is run with the real
openai SDK against the provider's fake: the request carries the provider's model."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

PACKS = load_all([])

PROGRAM = '''
import dataclasses

import pydantic
from openai import OpenAI

client = OpenAI()


@dataclasses.dataclass
class Chat:
    model: str = "gpt-4o"
    embedder: str = dataclasses.field(default="text-embedding-3-small")

    def ask(self, q):
        return client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": q}])

    def embed(self, t):
        return client.embeddings.create(model=self.embedder, input=t)


class Agent(pydantic.BaseModel):
    llm: str = pydantic.Field("gpt-4o-mini", description="the model")

    def ask(self, q):
        return client.chat.completions.create(model=self.llm, messages=[{"role": "user", "content": q}])


class Settings(pydantic.BaseModel):
    chat_model: str = "gpt-4o"


settings = Settings()
CONFIG = {"model": "gpt-4o-mini", "temperature": 0.2}


def ask(q):
    return client.chat.completions.create(model=settings.chat_model, messages=[{"role": "user", "content": q}],
                                          temperature=CONFIG["temperature"])


def ask2(q):
    return client.chat.completions.create(model=CONFIG["model"], messages=[{"role": "user", "content": q}])


print(Chat().ask("a").model, len(Chat().embed("b").data), Agent().ask("c").model, ask("d").model, ask2("e").model)
'''


def migrate(source: str, provider: str = "dashscope", plan: str = "compat"):
    result = migrate_source(textwrap.dedent(source).lstrip("\n"), "m.py", select(PACKS, provider, plan))
    assert result.error is None, result.error
    return result


def test_models_are_mapped_where_their_values_are_written():
    result = migrate(PROGRAM)
    out = result.output
    for before, after in [
        ('model: str = "gpt-4o"', 'model: str = "qwen-plus"'),
        ('field(default="text-embedding-3-small")', 'field(default="text-embedding-v4")'),
        ('pydantic.Field("gpt-4o-mini", description', 'pydantic.Field("qwen-flash", description'),
        ('chat_model: str = "gpt-4o"', 'chat_model: str = "qwen-plus"'),
        ('{"model": "gpt-4o-mini", "temperature": 0.2}', '{"model": "qwen-flash", "temperature": 0.2}'),
    ]:
        assert before not in out and after in out, (before, out)
    assert "model=self.model" in out and "model=settings.chat_model" in out and 'model=CONFIG["model"]' in out
    assert not [d for d in result.diagnostics if d.severity == "manual"]
    assert migrate_source(out, "m.py", select(PACKS, "dashscope", "compat")).output == out


def test_a_local_bound_once_is_mapped_where_it_is_written_in_a_v0_completion_turned_chat():
    # openai-summarize 0.1.4: model_engine = "text-davinci-003", then openai.Completion.create(engine=model_engine);
    # the call became a chat call that sent text-davinci-003 to the provider, reported only
    source = textwrap.dedent('''\
        import openai
        def summarize(text):
            model_engine = "text-davinci-003"
            first = openai.Completion.create(engine=model_engine, prompt=text, max_tokens=150)
            second = openai.Completion.create(engine=model_engine, prompt=first.choices[0].text)
            return second.choices[0].text
        ''')
    ruleset = select(PACKS, "dashscope", "compat", options=("completions_as_chat",))
    result = migrate_source(source, "app.py", ruleset)
    assert 'model_engine = "qwen-flash"' in result.output and "model=model_engine" in result.output, result.output
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    # read as something else too (a log line): left as written, reported at the calls
    logged = source.replace("    first =", "    print(model_engine)\n    first =")
    result = migrate_source(logged, "app.py", ruleset)
    assert '"text-davinci-003"' in result.output
    assert any("model_engine" in d.message for d in result.diagnostics if d.severity == "manual")


@pytest.mark.parametrize(
    "source,where",
    [
        # the settings object is given values of its own: its default may not be the model it uses
        (
            '''
     import pydantic
     from openai import OpenAI
     client = OpenAI()
     class Settings(pydantic.BaseModel):
         chat_model: str = "gpt-4o"
     settings = Settings(chat_model="gpt-4o-mini")
     def ask(q):
         return client.chat.completions.create(model=settings.chat_model, messages=[])
     ''',
            "settings.chat_model",
        ),
        # the default is read for something else too
        (
            '''
     import dataclasses
     from openai import OpenAI
     client = OpenAI()
     @dataclasses.dataclass
     class Chat:
         model: str = dataclasses.field(default="gpt-4o")
         def ask(self, q):
             print("using", self.model)
             return client.chat.completions.create(model=self.model, messages=[])
     ''',
            "self.model",
        ),
        # the dict is written to, or goes somewhere whole
        (
            '''
     from openai import OpenAI
     client = OpenAI()
     CONFIG = {"model": "gpt-4o"}
     CONFIG["model"] = "gpt-4o-mini"
     def ask(q):
         return client.chat.completions.create(model=CONFIG["model"], messages=[])
     ''',
            'CONFIG["model"]',
        ),
        (
            '''
     from openai import OpenAI
     client = OpenAI()
     CONFIG = {"model": "gpt-4o"}
     def ask(q):
         print(CONFIG)
         return client.chat.completions.create(model=CONFIG["model"], messages=[])
     ''',
            'CONFIG["model"]',
        ),
    ],
)
def test_a_value_read_elsewhere_is_reported_at_the_call(source, where):
    result = migrate(source)
    assert '"gpt-4o"' in result.output
    manual = [d.message for d in result.diagnostics if d.severity == "manual"]
    assert any(where in m for m in manual), manual


def requests_of(migrated: str, tmp_path: Path, provider: str = "dashscope"):
    """Run a migrated program against the provider's fake: the requests it got, each with the provider's key."""
    from tests.equivalence import base_env, migrated_env, run_program, test_key, write_guard
    from tests.fakes import FakeServer

    with FakeServer(provider) as srv:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env(provider, srv, migrated)[0])
        done = run_program(migrated, "main.py", env, tmp_path / "run")
        assert done.returncode == 0, done.tail()
        sent = srv.requests
    assert sent and all(r.authorization == f"Bearer {test_key(provider)}" for r in sent)
    return sent


def test_the_migrated_program_sends_the_provider_s_models(tmp_path: Path):
    sent = requests_of(migrate(PROGRAM).output, tmp_path)
    assert [r.json["model"] for r in sent] == ["qwen-plus", "text-embedding-v4", "qwen-flash", "qwen-plus", "qwen-flash"]
    assert sent[3].json["temperature"] == 0.2


DEFAULTS = '''
import os
from typing import Optional

from openai import OpenAI

DEFAULT_MODEL = "gpt-4o-mini"


class Bot:
    def __init__(self, model: Optional[str] = None):
        self.model = model or "gpt-4o"
        self.client = OpenAI()

    def ask(self, q):
        return self.client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": q}])


def helper(q, model=None):
    chosen = model or DEFAULT_MODEL
    return OpenAI().chat.completions.create(model=chosen, messages=[{"role": "user", "content": q}])


def inline(q, model=None):
    return OpenAI().embeddings.create(model=model or os.getenv("EMBED_MODEL", "text-embedding-3-small"), input=q)


print(Bot().ask("a").model, Bot("qwen-max").ask("b").model, helper("c").model, helper("d", "gpt-4o").model,
      len(inline("e").data))
'''


def test_the_default_a_caller_s_choice_falls_back_to_is_mapped_where_it_is_written():
    # `self.model = model or "gpt-4o"`, `chosen = model or DEFAULT_MODEL`, `model or os.getenv("X", "...")`:
    # the caller's choice is kept, the default is the OpenAI model every call without one sends
    result = migrate(DEFAULTS)
    out = result.output
    for before, after in [
        ('self.model = model or "gpt-4o"', 'self.model = model or "qwen-plus"'),
        ('DEFAULT_MODEL = "gpt-4o-mini"', 'DEFAULT_MODEL = "qwen-flash"'),
        ('os.getenv("EMBED_MODEL", "text-embedding-3-small")', 'os.getenv("EMBED_MODEL", "text-embedding-v4")'),
    ]:
        assert before not in out and after in out, (before, out)
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    warned = [d.message for d in result.diagnostics if d.severity == "warning"]
    assert any("EMBED_MODEL" in m for m in warned), warned
    assert migrate_source(out, "m.py", select(PACKS, "dashscope", "compat")).output == out


@pytest.mark.parametrize(
    "source,where",
    [
        # the default is read for something else too: it may not be only a model
        (
            '''
     from openai import OpenAI
     DEFAULT_MODEL = "gpt-4o"
     def ask(q, model=None):
         print("default", DEFAULT_MODEL)
         chosen = model or DEFAULT_MODEL
         return OpenAI().chat.completions.create(model=chosen, messages=[])
     ''',
            "chosen",
        ),
        # the attribute falling back to it is read elsewhere
        (
            '''
     from openai import OpenAI
     class Bot:
         def __init__(self, model=None):
             self.model = model or "gpt-4o"
             self.client = OpenAI()
         def ask(self, q):
             print(self.model)
             return self.client.chat.completions.create(model=self.model, messages=[])
     ''',
            "self.model",
        ),
        # a literal before the default: not the caller's choice
        (
            '''
     from openai import OpenAI
     def ask(q, model=None):
         return OpenAI().chat.completions.create(model=model or "" or "gpt-4o", messages=[])
     ''',
            "model or",
        ),
    ],
)
def test_a_default_read_elsewhere_is_reported_at_the_call(source, where):
    result = migrate(source)
    assert '"gpt-4o"' in result.output
    manual = [d.message for d in result.diagnostics if d.severity == "manual"]
    assert any(where in m for m in manual), manual


def test_the_migrated_defaults_reach_the_provider_with_its_models_and_the_caller_s_choice(tmp_path: Path):
    sent = requests_of(migrate(DEFAULTS).output, tmp_path)
    assert [r.json["model"] for r in sent] == ["qwen-plus", "qwen-max", "qwen-flash", "qwen-plus", "text-embedding-v4"]


FRAMEWORK_DEFAULTS = '''
from typing import Optional

from langchain_openai import ChatOpenAI, OpenAIEmbeddings


class Bot:
    def __init__(self, model: Optional[str] = None):
        self.model = model or "gpt-4o"

    def llm(self):
        return ChatOpenAI(model=self.model, temperature=0)


def embed(text, model=None):
    return OpenAIEmbeddings(model=model or "text-embedding-3-small", check_embedding_ctx_length=False).embed_query(text)


print(Bot().llm().invoke("a").content, len(embed("b")))
'''


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_a_framework_class_s_model_default_is_mapped_where_it_is_written(tmp_path: Path, plan):
    # ChatOpenAI(model=self.model) with self.model = model or "gpt-4o": the class moved, the
    # default sent OpenAI's model to the provider (reported only)
    result = migrate(FRAMEWORK_DEFAULTS, plan=plan)
    out = result.output
    assert 'self.model = model or "qwen-plus"' in out and 'model or "text-embedding-v4"' in out, out
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    if plan == "compat":
        sent = requests_of(out, tmp_path)
        assert [r.json["model"] for r in sent] == ["qwen-plus", "text-embedding-v4"]


CALLERS = '''
import os

from openai import OpenAI

client = OpenAI()


def ask(q, model=None):
    return client.chat.completions.create(model=model or "gpt-4o", messages=[{"role": "user", "content": q}])


class RAG:
    def __init__(self, model="gpt-4o-mini"):
        self.model = model

    def query(self, q):
        return client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": q}])


print(ask("a").model, ask("b", model="gpt-4o-mini").model, RAG().query("c").model, RAG(model="gpt-4o").query("d").model)
'''


def test_the_models_this_module_s_callers_pass_are_mapped_with_the_default(tmp_path: Path):
    # the default of `model or "gpt-4o"` / `__init__(self, model="gpt-4o-mini")` was mapped while
    # `ask(q, model="gpt-4o-mini")` / `RAG(model="gpt-4o")` still sent OpenAI's models, with "0 left for a person"
    result = migrate(CALLERS)
    out = result.output
    assert 'ask("b", model="qwen-flash")' in out and 'RAG(model="qwen-plus")' in out, out
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    sent = requests_of(out, tmp_path)
    assert [r.json["model"] for r in sent] == ["qwen-plus", "qwen-flash", "qwen-flash", "qwen-plus"]


def test_a_caller_passing_a_model_that_cannot_be_followed_leaves_the_value_reported_at_the_call():
    source = CALLERS.replace('ask("b", model="gpt-4o-mini")', 'ask("b", model=os.environ["FAST"])')
    result = migrate(source)
    assert 'model or "gpt-4o"' in result.output
    manual = [d.message for d in result.diagnostics if d.severity == "manual"]
    assert any("model or" in m for m in manual), manual


@pytest.mark.parametrize(
    "source",
    [
        # a nested function's caller, and a method's (called on an object): not followed, so the
        # default is not claimed to be the only model
        '''
    from openai import OpenAI
    client = OpenAI()
    def outer(q):
        def ask(q, model=None):
            return client.chat.completions.create(model=model or "gpt-4o", messages=[])
        return ask(q, model="gpt-4o-mini")
    ''',
        '''
    from openai import OpenAI
    client = OpenAI()
    class Bot:
        def ask(self, q, model=None):
            return client.chat.completions.create(model=model or "gpt-4o", messages=[])
    def run(bot):
        return bot.ask("q", "gpt-4o-mini")
    ''',
    ],
)
def test_callers_not_followed_leave_the_default_reported_at_the_call(source):
    result = migrate(source)
    assert 'model or "gpt-4o"' in result.output and '"gpt-4o-mini"' in result.output, result.output
    assert any("model or" in d.message for d in result.diagnostics if d.severity == "manual"), result.diagnostics
