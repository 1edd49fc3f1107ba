"""Reproductions of the sixth reach review (set 5 of ``benchmarks/reach_review.py``: shell-gpt 1.5.1,
llmx 0.0.21a0, taskgen-ai 4.0.1, fructose 0.0.13, embedchain 0.1.128; findings F1..Fn in
``benchmarks/reach_review5.md``).

Each test states the correct behaviour, in code cut down from the package's own.  Those fixed on the
review's branch pass; the rest are ``xfail(strict=True)`` with the reason.  Runtime ones run the
migrated project with the real SDK against the provider's fake, with OpenAI's variables on a trap."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest

from tests.projects import apply, checkout, run_migrated
from tests.test_apply_cli import make_repo


def _run(tmp_path: Path, files: Dict[str, bytes], program: str, provider: str = "dashscope", *args: str):
    """apply on a project of ``app/<name>`` files, then run ``program`` on the migrated branch:
    (the report, the run, requests at the provider's fake, requests at the trap)."""
    repo = make_repo(tmp_path, {"app/__init__.py": b"", **{f"app/{k}": v for k, v in files.items()}})
    doc = apply(repo, *args, provider=provider)
    assert doc.get("branch"), doc
    migrated = checkout(tmp_path, repo, doc)
    source = "\n".join((migrated / f"app/{name}").read_text() for name in files)
    done, received, trap = run_migrated(tmp_path, migrated, program, source, provider=provider)
    return doc, done, received, trap


def _models(received) -> list:
    return [r.json.get("model") for r in received if isinstance(r.json, dict)]


def _only_provider_models(tmp_path: Path, files: Dict[str, bytes], program: str) -> None:
    """apply, run ``program``: it succeeds, OpenAI sees nothing, the provider only its own models."""
    _doc, done, received, trap = _run(tmp_path, files, program)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not trap
    assert _models(received) and all(m and not m.startswith("gpt") for m in _models(received)), _models(received)


# --------------------------------------------------------------------------- F1
# fructose 0.0.13 Fructose: `client = openai.Client(api_key=os.environ['OPENAI_API_KEY'])` in
# __init__ (when the caller passes none), `self._client = client`, and the calls are made from the
# decorator's closure: `def decorator(func): LLMFunctionHandler(client=self._client, model=model, ...)`.
# `self` read in a function nested in the method was not the method's `self`: the client moved to
# the provider, its calls (unresolved, or handed to another module "a client this analysis cannot
# follow" and left whole) kept OpenAI's model, and the provider received gpt-4o.
_FRUCTOSE_INIT = b'''import os

import openai


class Fructose:
    def __init__(self, client=None, model="gpt-4o"):
        if client is None:
            client = openai.Client(api_key=os.environ["OPENAI_API_KEY"])
        self._client = client
        self._model = model
'''
F1_APP = (
    _FRUCTOSE_INIT
    + b'''
    def __call__(self, func):
        def decorator(f):
            def wrapper(text):
                return self._client.chat.completions.create(
                    model=self._model, messages=[{"role": "user", "content": f(text)}]
                )

            return wrapper

        return decorator(func)
'''
)


def test_f1_a_client_used_from_a_closure_of_its_method_moves_with_its_model(tmp_path: Path):
    program = "from app.ai import Fructose\nai = Fructose()\nprint(ai(lambda t: t)('hi').choices[0].message.content)\n"
    _only_provider_models(tmp_path, {"ai.py": F1_APP}, program)


# --------------------------------------------------------------------------- F2
# taskgen-ai 4.0.1 ChromaDbMemory: a chromadb collection built with chromadb's
# `OpenAIEmbeddingFunction(api_key=os.environ.get("OPENAI_API_KEY"), model_name=self.embedding_model)`
# embeds its query texts at OpenAI; the documents' vectors come from `OpenAI().embeddings.create(...)`
# in the same class.  Apply moved those to the provider and said nothing of the embedding function
# (its OPENAI_API_KEY read was "kept for a client elsewhere in the project"): stored vectors from the
# provider's model, queries from OpenAI's, one collection.
F2_MEMORY = b'''import os

import chromadb
from chromadb.utils.embedding_functions import OpenAIEmbeddingFunction
from openai import OpenAI


class Memory:
    def __init__(self, name, embedding_model="text-embedding-3-small"):
        self.embedding_model = embedding_model
        self.embedding_function = OpenAIEmbeddingFunction(
            api_key=os.environ.get("OPENAI_API_KEY"), model_name=self.embedding_model
        )
        self.collection = chromadb.Client().get_or_create_collection(name, embedding_function=self.embedding_function)
        self.openai_client = OpenAI()

    def append(self, text):
        vector = self.openai_client.embeddings.create(input=[text], model=self.embedding_model).data[0].embedding
        self.collection.upsert(ids=[text], embeddings=[vector], documents=[text])

    def retrieve(self, text):
        return self.collection.query(query_texts=[text], n_results=1)
'''


@pytest.mark.parametrize("provider", ["deepseek", "moonshot"])
def test_f2_chromadb_s_openai_embedding_function_is_reported(tmp_path: Path, provider: str):
    """Where no rule can point it at the provider (no embeddings there), it is a person's."""
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/memory.py": F2_MEMORY})
    doc = apply(repo, "--dry-run", provider=provider)
    found = [d for d in doc.get("diagnostics", []) if "OpenAIEmbeddingFunction" in d.get("message", "")]
    assert found and all(d["severity"] == "manual" for d in found), doc.get("diagnostics")


# chromadb stand-in for the runtime test: a collection embeds query texts with its embedding
# function, as chromadb does; OpenAIEmbeddingFunction is chromadb 0.5's (an openai client)
_CHROMADB = {
    "chromadb/__init__.py": "class _Collection:\n"
    "    def __init__(self, ef):\n        self.ef, self.rows = ef, []\n"
    "    def upsert(self, ids, embeddings, documents):\n        self.rows += documents\n"
    "    def query(self, query_texts, n_results):\n        self.ef(query_texts)\n        return self.rows[:n_results]\n"
    "class Client:\n"
    "    def get_or_create_collection(self, name, embedding_function=None):\n        return _Collection(embedding_function)\n",
    "chromadb/utils/__init__.py": "",
    "chromadb/utils/embedding_functions.py": "import openai\n"
    "class OpenAIEmbeddingFunction:\n"
    "    def __init__(self, api_key=None, model_name='text-embedding-ada-002', api_base=None):\n"
    "        self.client, self.model = openai.OpenAI(api_key=api_key, base_url=api_base), model_name\n"
    "    def __call__(self, input):\n"
    "        return [d.embedding for d in self.client.embeddings.create(input=input, model=self.model).data]\n",
}


def _f2_program(tmp_path: Path) -> str:
    site = tmp_path / "site"
    for name, text in _CHROMADB.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    return (
        f"import sys\nsys.path.insert(0, {str(site)!r})\n"
        "from app.memory import Memory\nm = Memory('c')\nm.append('the sky is blue')\nprint(m.retrieve('sky'))\n"
    )


@pytest.mark.parametrize(
    "provider, plan, where",
    [("dashscope", "compat", "provider"), ("dashscope", "native", "provider"), ("deepseek", "compat", "openai")],
)
def test_f2_the_vectors_of_one_chromadb_collection_come_from_one_provider(tmp_path: Path, provider: str, plan: str, where: str):
    """The document's vector (the project's client) and the query's (the collection's embedding
    function) come from one server and one model: DashScope's (native: both keep the openai SDK at
    the compatible endpoint, the function having no native counterpart), or, where the provider has
    no embeddings (DeepSeek), OpenAI's for both, the client left whole beside the function."""
    doc, done, received, trap = _run(tmp_path, {"memory.py": F2_MEMORY}, _f2_program(tmp_path), provider, "--plan", plan)
    assert done.returncode == 0, done.stderr[-2000:]
    at_provider = [r for r in received if r.path.endswith("/embeddings")]
    at_openai = [r for r in trap if r.path.endswith("/embeddings")]
    assert (len(at_provider), len(at_openai)) == ((2, 0) if where == "provider" else (0, 2)), (at_provider, at_openai)
    models = {r.json["model"] for r in at_provider + at_openai}
    assert models == ({"text-embedding-v4"} if where == "provider" else {"text-embedding-3-small"})
    assert all("sk-openai-trap" not in str(r.headers.get("authorization")) for r in received)
    if where == "openai":
        manual = [d["message"] for d in doc.get("diagnostics", []) if d["severity"] == "manual"]
        assert any("OpenAIEmbeddingFunction" in m for m in manual), manual
        assert any(m.startswith("the client built at line 15 is left on OpenAI as a whole") for m in manual), manual


# --------------------------------------------------------------------------- F4
# `migrator check` offers a fix for a client it flags (SARIF/JSON `fixes`, "the exact text migrator
# apply writes").  The fix was the client rule's edit alone: base_url and api_key set, the calls'
# models untouched, so the fixed file sent gpt-4o to the provider.  And where apply leaves the
# client whole (taskgen-ai 4.0.1 Ranker: the client handed to a method, `model=self.model`), the fix
# still retargeted it.
F4_APP = '''from openai import OpenAI

client = OpenAI()
print(client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}]).choices[0].message.content)
'''
F4_RANKER = '''from openai import OpenAI


class Ranker:
    def __init__(self, model="text-embedding-3-small"):
        self.model = model

    def __call__(self, query):
        client = OpenAI()
        return self.embed(query, client)

    def embed(self, text, client):
        return client.embeddings.create(input=[text], model=self.model).data[0].embedding
'''


@pytest.mark.parametrize("source", [F4_APP, F4_RANKER], ids=["model-literal", "client-handed-to-a-method"])
def test_f4_check_s_fix_never_points_a_client_at_the_provider_with_openai_s_models(tmp_path: Path, source: str):
    import json

    from migrator.check import apply_fix
    from migrator.results import Fix, Replacement
    from tests.test_apply_cli import run

    config = b'provider = "dashscope"\nplan = "compat"\n\n[check]\npolicy = "compat"\n'
    repo = make_repo(tmp_path, {".migrator.toml": config, "app/__init__.py": b"", "app/llm.py": source.encode()})
    proc = run("check", "--format", "json", cwd=repo)
    findings = [f for f in json.loads(proc.stdout)["findings"] if f["path"] == "app/llm.py"]
    assert findings, proc.stdout
    for f in findings:
        if not f.get("fix"):
            continue
        fix = Fix(f["fix"]["description"], tuple(Replacement(**r) for r in f["fix"]["replacements"]))
        fixed = apply_fix(source, fix)
        assert "DASHSCOPE_API_KEY" in fixed
        assert '"gpt-4o"' not in fixed and "text-embedding-3-small" not in fixed, fixed


# --------------------------------------------------------------------------- F3
# embedchain 0.1.128 evaluation metrics: `def __init__(self, config: Optional[ContextRelevanceConfig] =
# ContextRelevanceConfig())`, the config class (another module) `def __init__(self, model: str =
# "gpt-4", ...)`: self.model = model`; the call `model=self.config.model`.  The client moves, the
# model is reported ("model comes from `self.config.model`; map it by hand") and gpt-4 reaches the
# provider.  Issue 15 asks for models from settings objects to be followed to where they are written.
F3_CONFIG = b'''from typing import Optional


class ContextRelevanceConfig:
    def __init__(self, model: str = "gpt-4", api_key: Optional[str] = None):
        self.model = model
        self.api_key = api_key
'''
F3_METRIC = b'''import os
from typing import Optional

from openai import OpenAI

from app.config import ContextRelevanceConfig


class ContextRelevance:
    def __init__(self, config: Optional[ContextRelevanceConfig] = ContextRelevanceConfig()):
        self.config = config
        api_key = self.config.api_key or os.getenv("OPENAI_API_KEY")
        self.client = OpenAI(api_key=api_key)

    def score(self, text):
        return self.client.chat.completions.create(model=self.config.model, messages=[{"role": "user", "content": text}])
'''


# --------------------------------------------------------------------------- F5
# fructose 0.0.13 after F1: the client is followed from the closure into LLMFunctionHandler (another
# module), but the model it is given (`model = model or self._model`, self._model from the parameter
# default DEFAULT_MODEL = "gpt-4-turbo-preview") is not: the calls there say "model comes from
# `self._model`; map it by hand" and the provider receives gpt-4-turbo-preview.
F5_AI = b'''import os

import openai

from .handler import Handler

DEFAULT_MODEL = "gpt-4-turbo-preview"


class Fructose:
    def __init__(self, client=None, model=DEFAULT_MODEL):
        if client is None:
            client = openai.Client(api_key=os.environ["OPENAI_API_KEY"])
        self._client = client
        self._model = model

    def __call__(self, func, model=None):
        model = model or self._model

        def decorator(f):
            handler = Handler(client=self._client, model=model)

            def wrapper(text):
                return handler.run(f(text))

            return wrapper

        return decorator(func)
'''
F5_HANDLER = b'''import openai


class Handler:
    def __init__(self, client: openai.Client, model: str):
        self._client = client
        self._model = model

    def run(self, text):
        return self._client.chat.completions.create(model=self._model, messages=[{"role": "user", "content": text}])
'''

# embedchain's own shape: the config class derives from a base of the project's (as_dict: vars(self)),
# and the module's other config classes set their own self.model
F3_BASE = b'''class BaseConfig:
    def __init__(self):
        pass

    def as_dict(self):
        return vars(self)
'''
F3_CONFIG_REAL = b'''from typing import Optional

from app.base import BaseConfig


class GroundednessConfig(BaseConfig):
    def __init__(self, model: str = "gpt-4", api_key: Optional[str] = None):
        self.model = model
        self.api_key = api_key


class ContextRelevanceConfig(BaseConfig):
    def __init__(self, model: str = "gpt-4", api_key: Optional[str] = None):
        self.model = model
        self.api_key = api_key
'''


# F5's steps one at a time: a class of another module takes its model as a required parameter
# (F5_HANDLER); what its callers pass, followed where they write it
_F5_MAKE = b'''import os

import openai

from app.handler import Handler

MODEL = "gpt-4o"


def make(text):
    client = openai.Client(api_key=os.environ["OPENAI_API_KEY"])
    return Handler(client, %s).run(text)
'''
_F5_ASK = b'''import os

import openai

from app.handler import Handler


class Ask:
    def __init__(self, model="gpt-4o"):
        self.client = openai.Client(api_key=os.environ["OPENAI_API_KEY"])
        self.model = model

    def ask(self, text):
        return Handler(client=self.client, model=self.model).run(text)
'''
_F5_RUN_MAKE = "from app.make import make\nprint(make('hi').choices[0].message.content)\n"

#: (id, files, program, why it fails): strict xfails
_WRITTEN_ELSEWHERE = [
    (
        "F3-config-object",
        {"config.py": F3_CONFIG, "metric.py": F3_METRIC},
        "from app.metric import ContextRelevance\nContextRelevance().score('hi')\n",
        "F3: a model written as the default of a settings class's constructor (another module), reached through "
        "`self.config.model` of a parameter defaulting to an instance, is not followed: reported, unmapped",
    ),
    (
        "F3-config-built-when-none-is-given",
        {
            "config.py": F3_CONFIG,
            "metric.py": F3_METRIC.replace(b"= ContextRelevanceConfig()):", b"= None):").replace(
                b"self.config = config\n", b"self.config = config or ContextRelevanceConfig()\n"
            ),
        },
        "from app.metric import ContextRelevance\nContextRelevance().score('hi')\n",
        "",
    ),
    (
        "F3-embedchain-s-base-class",
        {"base.py": F3_BASE, "config.py": F3_CONFIG_REAL, "metric.py": F3_METRIC},
        "from app.metric import ContextRelevance\nContextRelevance().score('hi')\n",
        "",
    ),
    (
        "F5-handed-with-the-client",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        "from app.ai import Fructose\nprint(Fructose()(lambda t: t)('hi').choices[0].message.content)\n",
        "",
    ),
    ("F5-a-literal", {"make.py": _F5_MAKE % b'model="gpt-4o"', "handler.py": F5_HANDLER}, _F5_RUN_MAKE, ""),
    (
        "F5-callers-in-two-modules-one-handing-it-twice",
        {
            "ai.py": F5_AI.replace(
                b"            def wrapper(text):", b"            Handler(self._client, model)\n\n            def wrapper(text):"
            ),
            "handler.py": F5_HANDLER,
            "make.py": _F5_MAKE % b'model="gpt-4o"',
        },
        "from app.ai import Fructose\nprint(Fructose()(lambda t: t)('hi').choices[0].message.content)\n" + _F5_RUN_MAKE,
        "",
    ),
    ("F5-a-literal-by-position", {"make.py": _F5_MAKE % b'"gpt-4o"', "handler.py": F5_HANDLER}, _F5_RUN_MAKE, ""),
    ("F5-a-module-constant", {"make.py": _F5_MAKE % b"model=MODEL", "handler.py": F5_HANDLER}, _F5_RUN_MAKE, ""),
    (
        "F5-a-local",
        {
            "make.py": (_F5_MAKE % b"model=m").replace(b"    client =", b'    m = "gpt-4o"\n    client ='),
            "handler.py": F5_HANDLER,
        },
        _F5_RUN_MAKE,
        "",
    ),
    (
        "F5-an-attribute-from-a-default",
        {"ask.py": _F5_ASK, "handler.py": F5_HANDLER},
        "from app.ask import Ask\nprint(Ask().ask('hi').choices[0].message.content)\n",
        "",
    ),
]


@pytest.mark.parametrize("files, program", [pytest.param(f, p, id=i) for i, f, p, _r in _WRITTEN_ELSEWHERE])
def test_f3_f5_a_model_written_elsewhere_is_mapped(tmp_path: Path, files: Dict[str, bytes], program: str):
    _only_provider_models(tmp_path, files, program)


#: (id, files added to the fixture's, the literal that must stay): another value reaches the call,
#: so the model stays unmapped where it is written and the call is listed for a person
_WRITTEN_ELSEWHERE_SPOILT = [
    (
        "F3-a-caller-s-own-config",
        {"config.py": F3_CONFIG, "metric.py": F3_METRIC},
        {
            "run.py": b'from app.config import ContextRelevanceConfig\nfrom app.metric import ContextRelevance\n\n'
            b'm = ContextRelevance(config=ContextRelevanceConfig(model="gpt-3.5-turbo"))\n'
        },
        ("config.py", b'"gpt-4"'),
    ),
    (
        "F3-the-field-read-elsewhere",
        {"config.py": F3_CONFIG, "metric.py": F3_METRIC},
        {"show.py": b'from app.metric import ContextRelevance\n\n\ndef show(m: ContextRelevance):\n    print(m.config.model)\n'},
        ("config.py", b'"gpt-4"'),
    ),
    (
        "F3-the-config-replaced",
        {"config.py": F3_CONFIG, "metric.py": F3_METRIC},
        {"run.py": b'from app.metric import ContextRelevance\n\nm = ContextRelevance()\nm.config = make_config()\n'},
        ("config.py", b'"gpt-4"'),
    ),
    (
        "F3-a-base-class-reads-the-field",
        {"config.py": F3_CONFIG_REAL, "metric.py": F3_METRIC},
        {"base.py": F3_BASE.replace(b"return vars(self)", b"return {'model': self.model}")},
        ("config.py", b'"gpt-4"'),
    ),
    (
        "F5-a-caller-s-value-not-followed",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {
            "run.py": b"import os\n\nimport openai\n\nfrom app.handler import Handler\n\nh = Handler(openai.Client(), os.environ['MODEL'])\n"
        },
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-a-project-caller-passes-its-own-model",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {"run.py": b"from app.ai import Fructose\n\nai = Fructose()\nask = ai(str, 'gpt-4o-mini')\n"},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-a-project-caller-makes-it-with-its-own-model",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {"run.py": b"from app.ai import Fructose\n\nask = Fructose(model='gpt-4o-mini')(str)\n"},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-a-project-instance-kept-where-its-calls-are-not-followed",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {
            "run.py": b"from app.ai import Fructose\n\n\nclass App:\n    def __init__(self):\n        self.ai = Fructose()\n\n"
            b"    def ask(self):\n        return self.ai(str, 'gpt-4o-mini')\n"
        },
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-a-module-s-instance-called-in-another",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {
            "inst.py": b"from app.ai import Fructose\n\nai = Fructose()\n",
            "run.py": b"from app.inst import ai\n\nask = ai(str, 'gpt-4o-mini')\n",
        },
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-a-project-caller-makes-it-under-another-name-with-its-own-model",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {"run.py": b"from app.ai import Fructose as F\n\nask = F(model='gpt-4o-mini')(str)\n"},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-the-attribute-read-elsewhere",
        {"ai.py": F5_AI + b"\n    def name(self):\n        return self._model\n", "handler.py": F5_HANDLER},
        {},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-the-attributes-read-by-name",
        {"ai.py": F5_AI + b"\n    def as_dict(self):\n        return vars(self)\n", "handler.py": F5_HANDLER},
        {},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-the-parameter-read-elsewhere",
        {
            "ai.py": F5_AI.replace(b"model = model or self._model\n", b"model = model or self._model\n        print(model)\n"),
            "handler.py": F5_HANDLER,
        },
        {},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-the-constant-read-elsewhere",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {"show.py": b"from app.ai import DEFAULT_MODEL\n\nprint(DEFAULT_MODEL)\n"},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-the-class-subclassed",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {"more.py": b"from app.handler import Handler\n\n\nclass Other(Handler):\n    _model = 'gpt-4o'\n"},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-the-class-handed-on",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {"more.py": b"from app.handler import Handler\n\nFACTORIES = [Handler]\n"},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
    (
        "F5-the-class-handed-on-under-another-name",
        {"ai.py": F5_AI, "handler.py": F5_HANDLER},
        {"more.py": b"from app.handler import Handler as H\n\nFACTORIES = [H]\n"},
        ("ai.py", b'"gpt-4-turbo-preview"'),
    ),
]


@pytest.mark.parametrize("files, more, kept", [pytest.param(f, m, k, id=i) for i, f, m, k in _WRITTEN_ELSEWHERE_SPOILT])
def test_f3_f5_a_model_written_elsewhere_stays_reported_when_another_value_reaches_the_call(
    tmp_path: Path, files: Dict[str, bytes], more: Dict[str, bytes], kept
):
    import json

    from tests.test_apply_cli import run

    repo = make_repo(tmp_path, {"app/__init__.py": b"", **{f"app/{k}": v for k, v in {**files, **more}.items()}})
    doc = apply(repo)
    manual = [d for d in doc["diagnostics"] if d["severity"] == "manual"]
    assert manual, doc["diagnostics"]
    if doc.get("branch"):
        migrated = checkout(tmp_path, repo, doc)
        assert kept[1] in (migrated / "app" / kept[0]).read_bytes()
    proc = run("scan", "--format", "json", "--no-cache", cwd=repo)
    [row] = [r for r in json.loads(proc.stdout)["readiness"] if (r["provider"], r["plan"]) == ("dashscope", "compat")]
    assert row["manual"] == len({(d["path"], d["line"]) for d in manual}), (row, manual)


# --------------------------------------------------------------------------- F6
# The general form of F1: a method hands a client parameter of another module's class a value this
# analysis cannot follow (`getattr(self, "_client")`, a closure's `self` before F1).  The calls on
# that parameter stayed as they were ("left on OpenAI as a whole") while the client the class keeps
# in `self._client` moved: the provider received gpt-4o.  Now the class's clients stay with them.
F6_AI = b'''import os

import openai

from .handler import Handler


class Fructose:
    def __init__(self, client=None):
        if client is None:
            client = openai.Client(api_key=os.environ["OPENAI_API_KEY"])
        self._client = client

    def ask(self, text):
        return Handler(client=getattr(self, "_client")).run(text)
'''
F6_HANDLER = b'''import openai


class Handler:
    def __init__(self, client: openai.Client):
        self._client = client

    def run(self, text):
        return self._client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
'''


def test_f6_a_class_s_client_handed_on_in_a_way_not_followed_stays_with_the_calls_there(tmp_path: Path):
    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/ai.py": F6_AI, "app/handler.py": F6_HANDLER})
    doc = apply(repo)
    manual = [(d["path"], d["rule"]) for d in doc["diagnostics"] if d["severity"] == "manual"]
    assert ("app/ai.py", "migrator/unit") in manual, doc["diagnostics"]
    if doc.get("branch"):  # something moved: nothing may reach the provider with OpenAI's model
        migrated = checkout(tmp_path, repo, doc)
        program = "from app.ai import Fructose\nprint(Fructose().ask('hi').choices[0].message.content)\n"
        done, received, _trap = run_migrated(tmp_path, migrated, program, (migrated / "app/ai.py").read_text())
        assert done.returncode == 0, done.stderr[-2000:]
        assert not any(m.startswith("gpt") for m in _models(received)), _models(received)


# --------------------------------------------------------------------------- F9
# fructose 0.0.13's public API: `Fructose(client=None, model=DEFAULT_MODEL)` builds
# `openai.Client(...)` when the caller gives no client.  Only an annotated parameter was a client
# parameter: a caller in the project handing its own client (`Fructose(client=OpenAI(...))`) was
# "left on OpenAI as a whole" while the default model was mapped where it is written: OpenAI
# received qwen-plus.  The client built when none is given now stands for the caller's: they move
# together or stay together.
F9_AI = (
    _FRUCTOSE_INIT
    + b'''
    def ask(self, text):
        return self._client.chat.completions.create(model=self._model, messages=[{"role": "user", "content": text}])
'''
)
F9_MAIN = b'''from openai import OpenAI

from app.ai import Fructose


def main():
    return Fructose(client=OpenAI(base_url="https://api.openai.com/v1")).ask("hi").choices[0].message.content
'''


def test_f9_a_caller_s_client_for_a_parameter_built_when_none_moves_with_the_calls_on_it(tmp_path: Path):
    program = "from app.main import main\nfrom app.ai import Fructose\nprint(main())\nprint(Fructose().ask('hi'))\n"
    _only_provider_models(tmp_path, {"ai.py": F9_AI, "main.py": F9_MAIN}, program)


# --------------------------------------------------------------------------- F10
# embedchain 0.1.128 llm/openai.py: `ChatOpenAI(..., base_url=config.base_url)` and
# `JsonOutputToolsParser()`, wrappers no rule of the plan touches: apply leaves them and lists them
# for a person ("not migrated; `migrator check` would flag it"), scan's readiness counted them
# "automatic" (3 of embedchain's 3 automatic sites; chromadb's OpenAIEmbeddingFunction a fourth).
F10_LLM = b'''from langchain_openai import ChatOpenAI


def make(config):
    return ChatOpenAI(model="gpt-4o", base_url=config.base_url)
'''


def test_f10_scan_counts_a_wrapper_no_rule_touches_for_a_person_as_apply_does(tmp_path: Path):
    import json

    from tests.test_apply_cli import run

    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/llm.py": F10_LLM})
    manual = [d for d in apply(repo, "--dry-run")["diagnostics"] if d["severity"] == "manual"]
    assert manual, "apply lists the wrapper for a person"
    proc = run("scan", "--format", "json", "--no-cache", cwd=repo)
    [row] = [r for r in json.loads(proc.stdout)["readiness"] if (r["provider"], r["plan"]) == ("dashscope", "compat")]
    assert (row["automatic"], row["with_diagnostics"], row["manual"]) == (0, 0, 1), row


F10_ELSEWHERE = b'''from langchain_openai import ChatOpenAI


def make():
    return ChatOpenAI(model="llama3", base_url="http://localhost:11434/v1", api_key="ollama")
'''


def test_f10_a_wrapper_naming_another_server_is_nobody_s_work_in_scan_as_in_apply(tmp_path: Path):
    """The F10 rule stops at a wrapper whose literal URL is another server's (Ollama here): check,
    and so apply, lists it for no one; scan counted every such wrapper for a person (221 of the
    fixtures' sites under dashscope compat) until it read the construction's recorded endpoint."""
    import json

    from tests.test_apply_cli import run

    repo = make_repo(tmp_path, {"app/__init__.py": b"", "app/llm.py": F10_ELSEWHERE})
    assert not [d for d in apply(repo, "--dry-run")["diagnostics"] if d["severity"] == "manual"]
    proc = run("scan", "--format", "json", "--no-cache", cwd=repo)
    [row] = [r for r in json.loads(proc.stdout)["readiness"] if (r["provider"], r["plan"]) == ("dashscope", "compat")]
    assert row["manual"] == 0, row
