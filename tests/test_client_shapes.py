"""Client shapes found on unseen packages (issue 15, second review): a client built inside a
package's own lazy property from a dynamically imported ``openai`` (griptape's drivers), and an
API method handed to a retry helper as a value (smolagents).  The first is migrated and run
against the provider's fake; the second keeps its client whole, reported, as apply cannot see
the calls made through the method."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from tests.test_model_values import requests_of

PACKS = load_all([])

LAZY = '''
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import openai


class lazy_property:
    def __init__(self, fn=None):
        self.fn = fn

    def __call__(self, fn):
        return lazy_property(fn)

    def __get__(self, obj, owner=None):
        value = self.fn(obj)
        obj.__dict__[self.fn.__name__] = value
        return value


class Driver:
    def __init__(self, api_key=None, base_url=None):
        self.api_key = api_key
        self.base_url = base_url

    @lazy_property()
    def client(self) -> openai.OpenAI:
        openai = importlib.import_module("openai")
        return openai.OpenAI(api_key=self.api_key, base_url=self.base_url)

    def embed(self, text):
        return self.client.embeddings.create(input=text, model="text-embedding-3-small")

    def ask(self, q):
        return self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])


print(len(Driver().embed("a").data), Driver().ask("b").model)
'''


def migrate(source: str, provider: str = "dashscope", plan: str = "compat"):
    return migrate_source(textwrap.dedent(source).lstrip("\n"), "m.py", select(PACKS, provider, plan))


def test_a_client_built_in_a_lazy_property_from_a_dynamic_import_is_migrated_and_reaches_the_provider(tmp_path: Path):
    result = migrate(LAZY)
    assert result.error is None, result.error
    out = result.output
    assert 'api_key=self.api_key or os.environ["DASHSCOPE_API_KEY"]' in out, out
    assert 'model="qwen-plus"' in out and 'model="text-embedding-v4"' in out
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    sent = requests_of(out, tmp_path)
    assert [r.json["model"] for r in sent] == ["text-embedding-v4", "qwen-plus"]


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_an_api_method_handed_on_as_a_value_keeps_its_client_whole(plan):
    source = '''
    from openai import OpenAI
    client = OpenAI()
    def retry(fn, **kwargs):
        return fn(**kwargs)
    def ask(q):
        return retry(client.chat.completions.create, model="gpt-4o", messages=[{"role": "user", "content": q}])
    def embed(t):
        return client.embeddings.create(model="text-embedding-3-small", input=t)
    '''
    result = migrate(source, plan=plan)
    assert result.error is None, result.error
    assert result.output == textwrap.dedent(source).lstrip("\n")
    manual = [d.message for d in result.diagnostics if d.severity == "manual"]
    assert any("client.chat.completions.create` is passed as a value at line 6" in m for m in manual), manual


def test_a_module_that_sets_openai_to_none_when_the_import_fails_still_builds_openai_clients():
    # lightrag: try: import openai / except ImportError: openai = None; the clients were not found at all
    source = '''
    import os
    try:
        import openai
    except ImportError:
        openai = None
    def create_client(use_async=True):
        base_url = os.getenv("OPENAI_BASE_URL")
        if use_async:
            return openai.AsyncOpenAI(base_url=base_url)
        return openai.OpenAI(base_url=base_url)
    '''
    result = migrate(source)
    assert result.error is None, result.error
    assert result.output.count("DASHSCOPE_API_KEY") == 2 and "OPENAI_BASE_URL" not in result.output, result.output


@pytest.mark.parametrize(
    "source,reason",
    [
        # ragas: kwargs["client"] = openai.OpenAI(), then llm_factory(model, **kwargs): the client moved, unreported
        (
            '''
     import openai
     from somelib import llm_factory
     def make(model="gpt-3.5-turbo", **kwargs):
         if "client" not in kwargs:
             kwargs["client"] = openai.OpenAI()
         return llm_factory(model, **kwargs)
     ''',
            "the client is put in `kwargs['client']` at line 5",
        ),
        (
            '''
     import openai
     CLIENTS = {"default": openai.OpenAI()}
     def ask(q):
         return CLIENTS["default"].chat.completions.create(model="gpt-4o", messages=[])
     ''',
            "the client is put in `{'default': openai.OpenAI()}` at line 2",
        ),
        # appended to a list, yielded (a pytest fixture), built in a lambda: what takes it from there is not followed
        (
            '''
     from openai import OpenAI
     clients = []
     def register():
         clients.append(OpenAI())
     ''',
            "the client is put in `clients` at line 4",
        ),
        (
            '''
     import pytest
     from openai import OpenAI
     @pytest.fixture
     def client():
         yield OpenAI()
     ''',
            "the client is put in `(yield OpenAI())` at line 5",
        ),
        (
            '''
     from openai import OpenAI
     factory = lambda: OpenAI()
     ''',
            "the client is put in `lambda: OpenAI()` at line 2",
        ),
        (
            '''
     import pytest
     from openai import OpenAI
     @pytest.fixture(scope="session")
     def client():
         return OpenAI()
     ''',
            "the client is put in `@fixture client()` at line 5",
        ),
        # ragas: a client handed to a class of the module whose calls on self.client cannot be resolved
        (
            '''
     import os
     import openai
     class Agent:
         def __init__(self, client, model_name="gpt-4o"):
             self.client = client
             self.model_name = model_name
         def solve(self, q):
             return self.client.chat.completions.create(model=self.model_name, messages=[])
     def get_default_agent():
         client = openai.OpenAI(api_key=os.environ.get("OPENAI_API_KEY"))
         return Agent(client=client)
     ''',
            "the client is passed to a local function (parameter at line 4)",
        ),
        # khoj: the name a call is made on is a client in one branch and another module's value in the
        # next; the call was invisible (the last binding read as that module's attribute) while the
        # first branch's client moved, so an images call and an OpenAI model went to the provider
        (
            '''
     import openai
     from mypkg import state
     def generate_image(prompt, config, model):
         if config.api_key:
             openai_client = openai.OpenAI(api_key=config.api_key)
         elif state.openai_client:
             openai_client = state.openai_client
         return openai_client.images.generate(prompt=prompt, model=model)
     ''',
            "the client is assigned to `openai_client`, which at line 8 may hold another value",
        ),
        # khoj: a client set on a shared module's attribute, called through it in other modules
        (
            '''
     import openai
     from app import state
     def configure():
         state.openai_client = openai.OpenAI()
     ''',
            "the client is put in `state.openai_client` at line 4",
        ),
        (
            '''
     import openai
     from app import state
     def configure():
         c = openai.OpenAI()
         state.openai_client = c
     ''',
            "the client is put in `state.openai_client` at line 5",
        ),
        (
            '''
     import openai
     import app.state
     def configure():
         app.state.openai_client = openai.OpenAI()
     ''',
            "the client is put in `app.state.openai_client` at line 4",
        ),
        (
            '''
     import openai
     from app import state
     def configure():
         setattr(state, "openai_client", openai.OpenAI())
     ''',
            "the client is put in `setattr(state, ...)` at line 4",
        ),
    ],
)
def test_a_client_whose_uses_go_out_of_sight_is_left_whole_and_reported(source, reason):
    result = migrate(source)
    assert result.error is None, result.error
    assert result.output == textwrap.dedent(source).lstrip("\n"), result.output
    manual = [d.message for d in result.diagnostics if d.severity == "manual"]
    assert any(reason in m for m in manual), manual
    if "may hold another value" in reason:  # and the call is found, for a person
        from migrator.analyzer.python import analyze_python

        calls = [f for f in analyze_python(textwrap.dedent(source), "m.py").findings if f.kind == "call"]
        assert [(f.api, f.detail["receiver"]) for f in calls] == [("images.generate", "unresolved")], calls


def test_a_client_handed_to_a_class_with_an_annotated_parameter_moves_with_its_calls():
    source = '''
    from openai import OpenAI
    class Extractor:
        def __init__(self, client: OpenAI):
            self.client = client
        def run(self, q):
            return self.client.chat.completions.create(model="gpt-4o", messages=[])
    def make():
        return Extractor(OpenAI())
    '''
    out = migrate(source).output
    assert 'model="qwen-plus"' in out and 'api_key=os.environ["DASHSCOPE_API_KEY"]' in out, out


LIB = b'''from openai import OpenAI

_cache = {}


def _store(key, client):
    _cache[key] = client


def get_client(api_key, base_url=None, http_client=None):
    if http_client is not None:
        return OpenAI(api_key=api_key, base_url=base_url, http_client=http_client)
    client = OpenAI(api_key=api_key, base_url=base_url)
    _store(base_url, client)
    return client
'''

APP = b'''import os

from lib import get_client


class LLM:
    def __init__(self, http_client=None):
        self.client = get_client(os.environ["OPENAI_API_KEY"], http_client=http_client)

    def ask(self, q):
        return self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
'''

EXTRACT = b'''import os

from openai import OpenAI


class Extractor:
    def __init__(self, client: OpenAI):
        self.client = client

    def run(self, q):
        return self.client.chat.completions.create(model="gpt-3.5-turbo", messages=[{"role": "user", "content": q}])


class Agent:
    def __init__(self, api_key: str, extractor=None):
        self.client = OpenAI(api_key=api_key)
        self.extractor = extractor


def make():
    api_key = os.environ.get("OPENAI_API_KEY")
    client = OpenAI(api_key=api_key)
    return Agent(api_key=api_key, extractor=Extractor(client))
'''


@pytest.mark.parametrize("plan", ["compat", "native"])
def test_the_clients_one_factory_returns_and_a_client_fed_to_a_class_move_or_stay_with_their_calls(tmp_path: Path, plan):
    # langroid: get_openai_client's two branches, one moved and one kept, their callers' calls
    # reported as kept while one path sent OPENAI_API_KEY and gpt-4o to the provider; ragas: the
    # Extractor's model mapped while the only client it is given stays (held for its key)
    from tests.test_apply_cli import make_repo
    from tests.test_project import apply

    repo = make_repo(
        tmp_path,
        {
            "lib.py": LIB,
            "app.py": APP,
            "extract.py": EXTRACT,
            "other.py": b"from openai import OpenAI\nclient = OpenAI()\n"
            b"client.images.generate(model='dall-e-3', prompt='a cat')\n",
        },
    )
    report = apply(repo, "--plan", plan, "--dry-run")
    changed = {f["path"] for f in report["files"]}
    assert "other.py" in changed and not changed & {"lib.py", "app.py", "extract.py"}, changed
    manual = {(d["path"], d["line"]) for d in report["diagnostics"] if d["severity"] == "manual" and d["rule"] == "migrator/unit"}
    assert {("app.py", 11), ("extract.py", 22)} | ({("lib.py", 12)} if plan == "compat" else set()) <= manual, manual


ASYNC_FED = '''
import asyncio
import os

from openai import AsyncOpenAI


class RAG:
    def __init__(self, llm_client: AsyncOpenAI, model="gpt-4o-mini"):
        self.llm_client = llm_client
        self.model = model

    async def query(self, q):
        response = await self.llm_client.chat.completions.create(model=self.model, messages=[{"role": "user", "content": q}])
        return response.choices[0].message.content


async def main():
    client = AsyncOpenAI(api_key=os.environ["OPENAI_API_KEY"])
    print(await RAG(client).query("hello"))


asyncio.run(main())
'''


@pytest.mark.parametrize("provider", ["qianfan", "dashscope"])
def test_a_client_fed_to_a_class_of_the_module_is_one_client_with_the_calls_there(tmp_path: Path, provider):
    # ragas: qianfan/native swapped the caller's AsyncOpenAI for the sync Qianfan while RAG's awaited
    # create() stayed on the openai SDK's shape (a hybrid): TypeError at run time
    result = migrate(ASYNC_FED, provider, "native")
    assert result.error is None, result.error
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    sent = requests_of(result.output, tmp_path, provider)
    assert len(sent) == 1 and not sent[0].json["model"].startswith("gpt"), sent[0].json


def test_a_test_double_of_a_client_that_stays_on_openai_gets_no_todo(tmp_path: Path):
    # smolagents: every client's endpoint is set at run time (left whole), yet the native plans
    # told its tests that "the migrated code no longer calls" the openai SDK they patch
    from tests.test_apply_cli import make_repo
    from tests.test_project import apply

    model = (
        b'import openai\n\n\nclass Model:\n    def __init__(self, api_base=None, **client_kwargs):\n'
        b'        self.client = openai.OpenAI(**{**client_kwargs, "base_url": api_base})\n\n'
        b'    def ask(self, q):\n        return self.client.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    test = (
        b'from unittest.mock import patch\n\nfrom pkg import Model\n\n\ndef test_model():\n'
        b'    with patch("openai.OpenAI") as mock_openai:\n        Model(api_base="http://x")\n        assert mock_openai.called\n'
    )
    moving = (
        b'from openai import OpenAI\n\nclient = OpenAI()\nprint(client.chat.completions.create(model="gpt-4o", messages=[]))\n'
    )
    repo = make_repo(tmp_path, {"pkg/__init__.py": model, "tests/test_model.py": test})
    report = apply(repo, "--plan", "native", "--dry-run")
    assert not [d for d in report["diagnostics"] if d["path"] == "tests/test_model.py"], report["diagnostics"]
    # once a client of the project moves to the provider's SDK, the double is reported again
    (repo / "app.py").write_bytes(moving)
    report = apply(repo, "--plan", "native", "--dry-run", "--allow-dirty")
    assert any(d["rule"] == "dashscope/native-test-double" and d["path"] == "tests/test_model.py" for d in report["diagnostics"])


def test_a_route_of_api_openai_com_is_reported_when_a_native_plan_s_client_takes_the_compatible_endpoint(tmp_path: Path):
    # gpt-json: the native plan served the client by its compat fallback (its endpoint is the
    # caller's choice), so it now calls DashScope's compatible endpoint, but its tests' routes of
    # api.openai.com got no TODO ("no client moves to the provider's SDK"): they stop intercepting
    from tests.test_apply_cli import make_repo
    from tests.test_project import apply

    model = (
        b'from openai import OpenAI\n\n\nclass Model:\n    def __init__(self, url=None):\n'
        b'        self.client = OpenAI(base_url=url)\n\n'
        b'    def ask(self, q):\n        return self.client.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    test = (
        b'from unittest import mock\n\nimport respx\n\nfrom pkg import Model\n\n\ndef test_model():\n'
        b'    respx.post("https://api.openai.com/v1/chat/completions").respond(json={})\n'
        b'    with mock.patch("openai.resources.chat.completions.Completions.create"):\n        Model().ask("hi")\n'
    )
    repo = make_repo(tmp_path, {"pkg/__init__.py": model, "tests/test_model.py": test})
    report = apply(repo, "--plan", "native", "--dry-run")
    assert any(d["rule"] == "migrator/hybrid" for d in report["diagnostics"]), report["diagnostics"]
    doubles = [(d["rule"], d["line"]) for d in report["diagnostics"] if d["path"] == "tests/test_model.py"]
    # the route no longer intercepts the client; the patch of the openai>=1 SDK still does
    assert doubles == [("dashscope/test-double", 9)], report["diagnostics"]
    diff = next(f["diff"] for f in report["files"] if f["path"] == "tests/test_model.py")
    assert "dashscope.aliyuncs.com/compatible-mode/v1" in diff, diff


def test_a_local_key_read_a_function_only_checks_moves_with_its_client(tmp_path: Path):
    # ragas: `api_key = os.getenv("OPENAI_API_KEY"); if not api_key: raise ...; return AsyncOpenAI(api_key=api_key)`
    # was held for a client of another module that reads the environment itself
    from tests.test_apply_cli import make_repo
    from tests.test_project import apply

    app = (
        b'import os\n\nfrom openai import OpenAI\n\n\ndef get_client():\n    api_key = os.getenv("OPENAI_API_KEY")\n'
        b'    if not api_key:\n        raise RuntimeError("no key")\n    return OpenAI(api_key=api_key)\n\n\n'
        b'def run(q):\n    return get_client().chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    other = b"from openai import OpenAI\n\nclient = OpenAI()\nclient.images.generate(model='dall-e-3', prompt='a cat')\n"
    repo = make_repo(tmp_path, {"app.py": app, "other.py": other})
    report = apply(repo, "--dry-run")
    diff = next(f["diff"] for f in report["files"] if f["path"] == "app.py")
    assert '+    api_key = os.getenv("DASHSCOPE_API_KEY")' in diff and 'model="qwen-plus"' in diff, diff


def test_one_factory_s_async_and_sync_clients_end_on_one_sdk_in_every_module(tmp_path: Path):
    # qianfan/native wrote the sync Qianfan for both branches of get_client while the other
    # module's awaited create() kept the openai shape (TypeError), reported as "stays on the openai SDK"
    import json

    from tests.test_apply_cli import make_repo, run

    lib = (
        b"from openai import AsyncOpenAI, OpenAI\n\n\ndef get_client(api_key, use_async=False):\n    if use_async:\n"
        b"        return AsyncOpenAI(api_key=api_key)\n    return OpenAI(api_key=api_key)\n"
    )
    app = (
        b"import os\n\nfrom lib import get_client\n\n\nasync def ask_async(q):\n"
        b"    client = get_client(os.environ['OPENAI_API_KEY'], use_async=True)\n"
        b"    return await client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': q}])\n\n\n"
        b"def ask(q):\n    client = get_client(os.environ['OPENAI_API_KEY'])\n"
        b"    return client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': q}])\n"
    )
    repo = make_repo(tmp_path, {"lib.py": lib, "app.py": app})
    proc = run("apply", "--provider", "qianfan", "--plan", "native", "--format", "json", "--dry-run", cwd=repo)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    diff = next(f["diff"] for f in report["files"] if f["path"] == "lib.py")
    assert "Qianfan(" not in diff and "+        return AsyncOpenAI(" in diff, diff


def test_scan_counts_a_call_whose_client_stays_in_another_module_as_apply_leaves_it(tmp_path: Path):
    # scan planned only the modules with calls: lib.py (it only builds the client, which stays)
    # was not weighed, and scan promised the call apply leaves on OpenAI (review N3)
    import json

    from tests.test_apply_cli import make_repo, run
    from tests.test_project import apply

    repo = make_repo(tmp_path, {"lib.py": LIB, "app.py": APP})
    proc = run("scan", "--provider", "dashscope", "--format", "json", cwd=repo)
    rows = {r["plan"]: r for r in json.loads(proc.stdout)["readiness"]}
    assert (rows["compat"]["automatic"], rows["compat"]["manual"]) == (0, 1), rows["compat"]
    report = apply(repo, "--plan", "compat", "--dry-run")
    assert report["files"] == [] and any(d["path"] == "app.py" and d["severity"] == "manual" for d in report["diagnostics"])


def test_a_factory_whose_branch_takes_its_endpoint_at_run_time_is_reported_with_that_reason():
    # chatblade: build_client returns an AzureOpenAI or an OpenAI(base_url=config[...]); made one
    # unit, the run-time endpoint reason of the second branch was no longer reported
    source = '''
    import os
    import openai
    def build_client(config):
        if "AZURE_ENGINE" in os.environ:
            return openai.AzureOpenAI(api_key=config["key"], azure_deployment=os.environ.get("AZURE_ENGINE"))
        return openai.OpenAI(api_key=config["key"], base_url=config["base_url"])
    def ask(messages, config):
        return build_client(config).chat.completions.create(messages=messages, model="gpt-4o")
    '''
    result = migrate(source)
    assert 'return openai.OpenAI(api_key=config["key"], base_url=config["base_url"])' in result.output
    assert 'model="gpt-4o"' in result.output, result.output
    manual = [d.message for d in result.diagnostics if d.severity == "manual" and d.rule == "migrator/unit"]
    assert any("line 6: its endpoint is set at run time" in m for m in manual), manual


def test_a_client_whose_name_is_set_to_none_where_it_cannot_be_made_still_moves_with_its_calls():
    # `try: c = OpenAI() / except: c = None`: None is no other client (it was left whole, unresolved)
    source = (
        "from openai import OpenAI\ntry:\n    c = OpenAI()\nexcept Exception:\n    c = None\n\n\n"
        "def ask(q):\n    return c.chat.completions.create(model='gpt-4o', messages=[])\n"
    )
    result = migrate(source)
    assert "DASHSCOPE_API_KEY" in result.output and "model='qwen-plus'" in result.output, result.output
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
