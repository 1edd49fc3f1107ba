"""The shared analyzer, one pattern per test: source snippet in, findings out.

Positions are asserted as the report shows them (line 1-based, column
1-based), so a test failure reads like a scan line.
"""

from __future__ import annotations

import json
import textwrap
from typing import List, Optional

import pytest

from migrator.analyzer import analyze_bytes
from migrator.analyzer.python import analyze_python
from migrator.models import Finding


def scan(src: str, path: str = "m.py") -> List[Finding]:
    analysis = analyze_python(textwrap.dedent(src).lstrip("\n"), path)
    assert analysis.error is None, analysis.error
    return analysis.findings


def kinds(findings: List[Finding], kind: str) -> List[Finding]:
    return [f for f in findings if f.kind == kind]


def calls(src: str) -> List[Finding]:
    return kinds(scan(src), "call")


def only(findings: List[Finding], kind: str, line: Optional[int] = None) -> Finding:
    found = [f for f in findings if f.kind == kind and (line is None or f.line == line)]
    assert len(found) == 1, f"expected one {kind} at line {line}, got {[(f.kind, f.line, f.message) for f in findings]}"
    return found[0]


# ------------------------------------------------------------------ imports


@pytest.mark.parametrize(
    "src, symbol",
    [
        ("import openai", "openai"),
        ("import openai as oa", "openai"),
        ("from openai import OpenAI as C", "openai"),
        ("from openai import ChatCompletion", "openai"),
        ("import openai.error", "openai.error"),
        ("from openai.types.chat import ChatCompletionMessageParam", "openai.types.chat"),
        ("from openai.error import RateLimitError", "openai.error"),
    ],
)
def test_import_forms(src, symbol):
    f = only(scan(src), "import")
    assert (f.line, f.column, f.symbol, f.confidence) == (1, 1, symbol, "high")


def test_import_inside_function_and_try_except():
    found = scan(
        """
        try:
            import openai
        except ImportError:
            openai = None

        def build():
            from openai import AsyncOpenAI
            return AsyncOpenAI()
        """
    )
    imports = kinds(found, "import")
    assert [(f.line, f.column) for f in imports] == [(2, 5), (7, 5)]
    client = only(found, "client")
    assert (client.line, client.symbol, client.detail["async"]) == (8, "openai.AsyncOpenAI", True)


def test_import_as_alias_resolves_calls():
    c = only(calls("import openai as oa\noa.ChatCompletion.create(model='gpt-4', messages=[])\n"), "call")
    assert (c.api, c.legacy, c.model, c.symbol) == ("chat.completions.create", True, "gpt-4", "openai.ChatCompletion.create")


def test_from_import_resource_class_is_legacy():
    c = only(calls("from openai import ChatCompletion\nChatCompletion.create(model='gpt-4', messages=[])\n"), "call")
    assert (c.api, c.legacy, c.line, c.column) == ("chat.completions.create", True, 2, 1)


# ------------------------------------------------------------------ clients


@pytest.mark.parametrize(
    "cls, is_async, azure",
    [("OpenAI", False, False), ("AsyncOpenAI", True, False), ("AzureOpenAI", False, True), ("AsyncAzureOpenAI", True, True)],
)
def test_client_classes(cls, is_async, azure):
    found = scan(f"from openai import {cls}\nclient = {cls}(api_key='k')\n")
    c = only(found, "client")
    assert (c.line, c.column, c.symbol) == (2, 10, f"openai.{cls}")
    assert c.detail["async"] is is_async and c.detail["azure"] is azure
    assert c.detail["kwargs"] == ["api_key"]
    assert c.detail["endpoint"] == ("azure" if azure else "none")


def test_client_kwargs_and_endpoints():
    found = scan(
        """
        from openai import OpenAI, AzureOpenAI
        a = OpenAI(api_key="k", base_url="https://api.deepseek.com/v1")
        b = OpenAI(base_url="https://api.openai.com/v1", organization="o")
        c = AzureOpenAI(api_key="k", azure_endpoint="https://r.openai.azure.com", api_version="2024-02-01")
        d = OpenAI(**settings)
        """
    )
    clients = {f.line: f for f in kinds(found, "client")}
    assert clients[2].detail["endpoint"] == "other" and "elsewhere" in clients[2].message
    assert clients[2].detail["kwargs"] == ["api_key", "base_url"]
    assert clients[3].detail["endpoint"] == "openai"
    assert clients[4].detail["endpoint"] == "azure"
    assert clients[4].detail["kwargs"] == ["api_key", "azure_endpoint", "api_version"]
    assert clients[5].detail["endpoint"] == "dynamic" and clients[5].detail["star_kwargs"] is True


def test_base_url_module_constant_other_endpoint_flows_to_calls():
    c = only(
        calls(
            """
            from openai import OpenAI
            BASE = "https://dashscope.aliyuncs.com/compatible-mode/v1"
            client = OpenAI(base_url=BASE)
            client.chat.completions.create(model="qwen-plus", messages=[])
            """
        ),
        "call",
    )
    assert c.detail["endpoint"] == "other" and c.model == "qwen-plus"


def test_module_and_function_variable_clients():
    found = scan(
        """
        from openai import OpenAI
        client = OpenAI()

        def ask(q):
            local = OpenAI()
            local.embeddings.create(model="text-embedding-3-small", input=q)
            return client.chat.completions.create(model="gpt-4o", messages=[])
        """
    )
    got = [(f.line, f.column, f.api, f.model, f.confidence, f.detail["receiver"]) for f in kinds(found, "call")]
    assert got == [
        (6, 5, "embeddings.create", "text-embedding-3-small", "high", "client"),
        (7, 12, "chat.completions.create", "gpt-4o", "high", "client"),
    ]


def test_self_attribute_assigned_in_init_used_in_other_method():
    found = scan(
        """
        import openai

        class Bot:
            def __init__(self, key):
                self.client = openai.OpenAI(api_key=key)

            def ask(self, q):
                return self.client.chat.completions.create(model="gpt-4o-mini", messages=[q])
        """
    )
    assert only(found, "client").symbol == "openai.OpenAI"
    c = only(found, "call")
    assert (c.line, c.column, c.api, c.model, c.confidence) == (8, 16, "chat.completions.create", "gpt-4o-mini", "high")
    assert c.detail["_client_span"][0] == 5


def test_with_statement_client():
    c = only(
        calls(
            """
            from openai import OpenAI
            with OpenAI() as c:
                c.embeddings.create(model="text-embedding-3-small", input="x")
            """
        ),
        "call",
    )
    assert (c.line, c.column, c.api, c.confidence) == (3, 5, "embeddings.create", "high")


def test_direct_chain_on_constructor():
    found = scan("from openai import OpenAI\nOpenAI().chat.completions.create(model='gpt-4', messages=[])\n")
    assert only(found, "client").line == 2
    c = only(found, "call")
    assert (c.line, c.column, c.api, c.model) == (2, 1, "chat.completions.create", "gpt-4")


@pytest.mark.parametrize(
    "annotation",
    ["OpenAI", "Optional[OpenAI]", "'OpenAI'", "\"Optional[OpenAI]\"", "OpenAI | None", "Union[OpenAI, None]"],
)
def test_parameter_annotated_with_client(annotation):
    c = only(
        calls(
            f"""
            from typing import Optional, Union
            from openai import OpenAI

            def run(client: {annotation}):
                return client.moderations.create(input="x")
            """
        ),
        "call",
    )
    assert (c.line, c.api, c.confidence) == (5, "moderations.create", "medium")


def test_async_annotated_parameter_marks_call_async():
    c = only(
        calls(
            """
            from openai import AsyncOpenAI

            async def run(client: AsyncOpenAI):
                return await client.chat.completions.create(model="m", messages=[])
            """
        ),
        "call",
    )
    assert c.detail["async"] is True and c.confidence == "medium"


def test_factory_function_returning_client():
    c = only(
        calls(
            """
            from openai import OpenAI

            def make():
                return OpenAI()

            make().audio.speech.create(model="tts-1", voice="alloy", input="hi")
            """
        ),
        "call",
    )
    assert (c.line, c.api, c.model, c.confidence) == (6, "audio.speech.create", "tts-1", "high")


def test_with_options_and_raw_response_keep_the_operation():
    got = calls(
        """
        from openai import OpenAI
        client = OpenAI()
        client.with_options(timeout=3).chat.completions.create(model="a", messages=[])
        client.chat.completions.with_raw_response.create(model="b", messages=[])
        client.with_options(max_retries=1).embeddings.with_streaming_response.create(model="c", input="x")
        """
    )
    assert [(f.line, f.api, f.model, f.confidence) for f in got] == [
        (3, "chat.completions.create", "a", "high"),
        (4, "chat.completions.create", "b", "high"),
        (5, "embeddings.create", "c", "high"),
    ]


def test_client_subclass_is_a_client():
    found = scan(
        """
        from openai import OpenAI
        class Mine(OpenAI):
            pass
        m = Mine()
        m.chat.completions.create(model="gpt-4", messages=[])
        """
    )
    assert only(found, "client").line == 4
    assert only(found, "call").confidence == "high"


# ------------------------------------------------------------------ calls by canonical operation

V1_CALLS = [
    ("client.chat.completions.create(model='m', messages=[])", "chat.completions.create"),
    ("client.completions.create(model='m', prompt='p')", "completions.create"),
    ("client.embeddings.create(model='m', input='x')", "embeddings.create"),
    ("client.images.generate(model='m', prompt='p')", "images.generate"),
    ("client.images.edit(model='m', image=f)", "images.edit"),
    ("client.images.create_variation(model='m', image=f)", "images.create_variation"),
    ("client.audio.transcriptions.create(model='m', file=f)", "audio.transcriptions.create"),
    ("client.audio.translations.create(model='m', file=f)", "audio.translations.create"),
    ("client.audio.speech.create(model='m', voice='v', input='x')", "audio.speech.create"),
    ("client.moderations.create(model='m', input='x')", "moderations.create"),
    ("client.chat.completions.parse(model='m', messages=[])", "chat.completions.parse"),
    ("client.beta.chat.completions.parse(model='m', messages=[])", "chat.completions.parse"),
    ("client.chat.completions.stream(model='m', messages=[])", "chat.completions.stream"),
    ("client.beta.chat.completions.stream(model='m', messages=[])", "chat.completions.stream"),
    ("client.responses.create(model='m', input='x')", "responses.create"),
    ("client.files.create(file=f, purpose='batch')", "files.create"),
    ("client.fine_tuning.jobs.create(model='m', training_file='t')", "fine_tuning.jobs.create"),
    ("client.batches.create(input_file_id='x')", "batches.create"),
    ("client.beta.assistants.create(model='m')", "beta.assistants.create"),
    ("client.beta.threads.create()", "beta.threads.create"),
    ("client.beta.threads.runs.create(thread_id='t', assistant_id='a')", "beta.threads.runs.create"),
    ("client.models.list()", "models.list"),
]


@pytest.mark.parametrize("expr, api", V1_CALLS)
def test_v1_operations(expr, api):
    c = only(calls(f"from openai import OpenAI\nclient = OpenAI()\n{expr}\n"), "call")
    assert (c.line, c.column, c.api, c.legacy, c.confidence) == (3, 1, api, False, "high")
    assert c.model == ("m" if "model='m'" in expr else None)
    blocker = api.split(".")[0] in ("responses", "files", "fine_tuning", "batches") or api.startswith("beta.")
    assert c.is_blocker is blocker


LEGACY_CALLS = [
    ("openai.ChatCompletion.create(model='m', messages=[])", "chat.completions.create", False),
    ("openai.ChatCompletion.acreate(model='m', messages=[])", "chat.completions.create", True),
    ("openai.Completion.create(model='m', prompt='p')", "completions.create", False),
    ("openai.Completion.acreate(engine='m', prompt='p')", "completions.create", True),
    ("openai.Embedding.create(model='m', input='x')", "embeddings.create", False),
    ("openai.Image.create(prompt='p')", "images.generate", False),
    ("openai.Image.create_edit(image=f, prompt='p')", "images.edit", False),
    ("openai.Image.create_variation(image=f)", "images.create_variation", False),
    ("openai.Audio.transcribe('m', f)", "audio.transcriptions.create", False),
    ("openai.Audio.translate(model='m', file=f)", "audio.translations.create", False),
    ("openai.Moderation.create(input='x')", "moderations.create", False),
    ("openai.File.create(file=f, purpose='fine-tune')", "files.create", False),
    ("openai.FineTune.create(training_file='t')", "fine_tunes.create", False),
    ("openai.Edit.create(model='m', input='x', instruction='i')", "edits.create", False),
]


@pytest.mark.parametrize("expr, api, is_async", LEGACY_CALLS)
def test_legacy_v0_operations(expr, api, is_async):
    c = only(calls(f"import openai\nr = {expr}\n"), "call")
    assert (c.line, c.column, c.api, c.legacy, c.confidence) == (2, 5, api, True, "high")
    assert c.detail["async"] is is_async and c.detail["receiver"] == "legacy"
    assert c.model == ("m" if "'m'" in expr else None)
    assert c.message.startswith("legacy v0")


def test_legacy_engine_and_deployment_id_count_as_model():
    got = calls(
        """
        import openai
        openai.ChatCompletion.create(engine="my-deploy", messages=[])
        openai.ChatCompletion.create(deployment_id="dep2", messages=[])
        """
    )
    assert [f.model for f in got] == ["my-deploy", "dep2"]


def test_v1_module_level_client():
    c = only(calls("import openai\nopenai.chat.completions.create(model='gpt-4o', messages=[])\n"), "call")
    assert (c.api, c.legacy, c.detail["receiver"], c.symbol) == (
        "chat.completions.create",
        False,
        "module",
        "openai.chat.completions.create",
    )


def test_model_literal_module_constant_and_dynamic():
    got = calls(
        """
        from openai import OpenAI
        MODEL = "gpt-4o"
        client = OpenAI()
        client.chat.completions.create(model=MODEL, messages=[])
        client.chat.completions.create(model="gpt-3.5-turbo", messages=[])

        def f(name):
            client.chat.completions.create(model=name, messages=[])
            m = "local"
            client.chat.completions.create(model=m, messages=[])
        """
    )
    # a parameter is a caller's value; a local bound once and read only as a model is written here
    assert [f.model for f in got] == ["gpt-4o", "gpt-3.5-turbo", None, "local"]


def test_reassigned_module_constant_is_not_a_model():
    c = calls(
        """
        import openai
        MODEL = "a"
        MODEL = "b"
        openai.ChatCompletion.create(model=MODEL, messages=[])
        """
    )
    assert c[0].model is None


def test_call_flags():
    got = calls(
        """
        from openai import AsyncOpenAI, OpenAI
        sync = OpenAI()
        sync.chat.completions.create(model="m", messages=[])
        sync.chat.completions.create(model="m", messages=[], stream=True, tools=[], response_format={"type": "json_object"})
        sync.chat.completions.create(model="m", messages=[], functions=[], function_call="auto")

        async def run():
            aclient = AsyncOpenAI()
            return await aclient.chat.completions.create(model="m", messages=[])
        """
    )
    flags = [(f.detail["stream"], f.detail["tools"], f.detail["response_format"], f.detail["async"]) for f in got]
    assert flags == [
        (False, False, False, False),
        (True, True, True, False),
        (False, True, False, False),
        (False, False, False, True),
    ]


def test_stream_helpers_are_flagged_as_streaming_but_their_events_are_not_chunks():
    found = analyze_python(
        textwrap.dedent(
            """
            from openai import OpenAI
            client = OpenAI()
            with client.chat.completions.stream(model="m", messages=[]) as stream:
                for event in stream:
                    print(event.type)
            """
        ),
        "m.py",
    )
    (call,) = [f for f in found.findings if f.kind == "call"]
    assert call.api == "chat.completions.stream" and call.detail["stream"] is True
    assert not any(r.chunk for r in found.results)


def test_stream_result_chunks_are_tracked():
    found = analyze_python(
        textwrap.dedent(
            """
            from openai import OpenAI
            client = OpenAI()
            resp = client.chat.completions.create(model="m", messages=[], stream=True)
            for chunk in resp:
                print(chunk.choices[0].delta.content)
            """
        ),
        "m.py",
    )
    assert any(r.chunk and r.path[:1] == ("choices",) for r in found.results)


def test_result_access_recorded():
    found = analyze_python(
        "from openai import OpenAI\nc = OpenAI()\nr = c.chat.completions.create(model='m', messages=[])\n"
        "print(r.choices[0].message.content, r.usage.total_tokens)\n",
        "m.py",
    )
    paths = sorted(r.path for r in found.results)
    assert ("choices", 0, "message", "content") in paths and ("usage", "total_tokens") in paths


# ------------------------------------------------------------------ legacy config


@pytest.mark.parametrize("attr", ["api_key", "api_base", "api_type", "api_version", "organization"])
def test_legacy_config(attr):
    f = only(scan(f"import openai\nopenai.{attr} = 'value'\n"), "config")
    assert (f.line, f.column, f.api, f.symbol) == (2, 1, attr, f"openai.{attr}")
    assert f.detail["value"] == "literal"


def test_config_through_alias_and_env_value():
    found = scan("import os\nimport openai as o\no.api_key = os.getenv('OPENAI_API_KEY')\n")
    cfg = only(found, "config")
    assert cfg.symbol == "openai.api_key" and cfg.detail["value"] == "call"
    env = only(found, "env")
    assert (env.line, env.column, env.symbol) == (3, 23, "OPENAI_API_KEY")


def test_config_on_other_object_is_not_reported():
    assert kinds(scan("import openai\nclass S: pass\ns = S()\ns.api_key = 'x'\n"), "config") == []


# ------------------------------------------------------------------ exceptions


def test_exceptions_in_except_clauses_tuples_and_isinstance():
    found = scan(
        """
        import openai
        import openai.error
        from openai.error import RateLimitError as RLE
        from openai import APIError

        try:
            pass
        except openai.error.RateLimitError:
            pass
        except (openai.error.Timeout, openai.APIConnectionError) as exc:
            if isinstance(exc, openai.AuthenticationError):
                raise
        except RLE:
            pass
        except APIError:
            pass
        """
    )
    got = [(f.line, f.column, f.symbol, f.detail["exception"]) for f in kinds(found, "exception")]
    assert got == [
        (8, 8, "openai.error.RateLimitError", "RateLimitError"),
        (10, 9, "openai.error.Timeout", "Timeout"),
        (10, 31, "openai.APIConnectionError", "APIConnectionError"),
        (11, 24, "openai.AuthenticationError", "AuthenticationError"),
        (13, 8, "openai.error.RateLimitError", "RateLimitError"),
        (15, 8, "openai.APIError", "APIError"),
    ]


# ------------------------------------------------------------------ frameworks


FRAMEWORKS = [
    ("from langchain_openai import ChatOpenAI", "ChatOpenAI(model='gpt-4o')", "langchain_openai.ChatOpenAI", "gpt-4o"),
    ("from langchain_openai import OpenAIEmbeddings", "OpenAIEmbeddings(model='e')", "langchain_openai.OpenAIEmbeddings", "e"),
    (
        "from langchain_openai import AzureChatOpenAI",
        "AzureChatOpenAI(azure_deployment='d')",
        "langchain_openai.AzureChatOpenAI",
        "d",
    ),
    (
        "from langchain.chat_models import ChatOpenAI",
        "ChatOpenAI(model_name='gpt-3.5-turbo')",
        "langchain.chat_models.ChatOpenAI",
        "gpt-3.5-turbo",
    ),
    ("from langchain.llms import OpenAI", "OpenAI()", "langchain.llms.OpenAI", None),
    ("from langchain.embeddings import OpenAIEmbeddings", "OpenAIEmbeddings()", "langchain.embeddings.OpenAIEmbeddings", None),
    (
        "from langchain_community.chat_models import ChatOpenAI",
        "ChatOpenAI()",
        "langchain_community.chat_models.ChatOpenAI",
        None,
    ),
    ("from llama_index.llms.openai import OpenAI", "OpenAI(model='gpt-4')", "llama_index.llms.openai.OpenAI", "gpt-4"),
    (
        "from llama_index.embeddings.openai import OpenAIEmbedding",
        "OpenAIEmbedding()",
        "llama_index.embeddings.openai.OpenAIEmbedding",
        None,
    ),
]


#: an old path's construction is named by the class it is (migrator.analyzer.symbols.FRAMEWORK_CLASSES),
#: so one rule matches every path; its import keeps the name the code wrote
CANONICAL = {
    "langchain.chat_models.ChatOpenAI": "langchain_community.chat_models.ChatOpenAI",
    "langchain.llms.OpenAI": "langchain_community.llms.OpenAI",
    "langchain.embeddings.OpenAIEmbeddings": "langchain_community.embeddings.OpenAIEmbeddings",
}


@pytest.mark.parametrize("imp, expr, symbol, model", FRAMEWORKS)
def test_framework_wrappers(imp, expr, symbol, model):
    found = scan(f"{imp}\nllm = {expr}\n")
    assert only(found, "framework", 1).symbol == symbol
    construct = only(found, "framework", 2)
    assert (construct.column, construct.symbol, construct.model, construct.detail["form"]) == (
        7,
        CANONICAL.get(symbol, symbol),
        model,
        "construct",
    )
    assert kinds(found, "client") == [] and kinds(found, "call") == []


def test_tiktoken_is_a_framework_import():
    f = only(scan("import tiktoken\nenc = tiktoken.encoding_for_model('gpt-4')\n"), "framework")
    assert (f.line, f.symbol) == (1, "tiktoken")


def test_non_openai_langchain_is_not_reported():
    assert scan("from langchain.chains import LLMChain\nfrom langchain_community.llms import Ollama\nOllama()\n") == []


# ------------------------------------------------------------------ env reads


def test_env_reads():
    found = scan(
        """
        import os
        from os import environ
        import openai
        a = os.environ["OPENAI_API_KEY"]
        b = os.getenv("OPENAI_BASE_URL", "x")
        c = os.environ.get("AZURE_OPENAI_ENDPOINT")
        d = environ.get("OPENAI_ORG_ID")
        e = os.getenv("HOME")
        """
    )
    assert [(f.line, f.column, f.symbol) for f in kinds(found, "env")] == [
        (4, 16, "OPENAI_API_KEY"),
        (5, 15, "OPENAI_BASE_URL"),
        (6, 20, "AZURE_OPENAI_ENDPOINT"),
        (7, 17, "OPENAI_ORG_ID"),
    ]


# ------------------------------------------------------------------ secrets

KEY = "sk-" + "proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0"


def test_hard_coded_key_reported_redacted_only():
    analysis = analyze_bytes("k.py", f"import openai\nopenai.api_key = '{KEY}'\n".encode())
    secret = only(analysis.findings, "secret")
    assert (secret.line, secret.column) == (2, 19)
    assert KEY not in secret.message and secret.detail["redacted"].endswith(KEY[-4:])
    assert KEY not in repr(analysis)
    assert KEY not in json.dumps([f.to_json() for f in analysis.findings])


def test_key_in_non_openai_python_file_still_found():
    analysis = analyze_bytes("settings.py", f"KEY = '{KEY}'\n".encode())
    assert [f.kind for f in analysis.findings] == ["secret"]
    assert KEY not in repr(analysis)


# ------------------------------------------------------------------ notebooks, JS/TS, dependency files


def _nb(*cells):
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": kind,
                    "metadata": {},
                    "source": src,
                    **({"outputs": [], "execution_count": None} if kind == "code" else {}),
                }
                for kind, src in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    ).encode()


def test_notebook_findings_carry_cell_numbers():
    data = _nb(
        ("markdown", "Call `openai.ChatCompletion.create` here"),
        ("code", "!pip install openai\n"),
        ("code", "import openai\n\nr = openai.ChatCompletion.create(model='gpt-4', messages=[])\n"),
        ("code", "%%time\nx = 1\n"),
    )
    analysis = analyze_bytes("nb/demo.ipynb", data)
    assert analysis.error is None
    got = [(f.kind, f.cell, f.line, f.column) for f in analysis.findings if f.kind in ("import", "call", "dependency")]
    assert ("import", 3, 1, 1) in got and ("call", 3, 3, 5) in got and ("dependency", 2, 1, 14) in got
    call = only(analysis.findings, "call")
    assert call.legacy and call.to_json()["cell"] == 3


def test_notebook_with_magics_still_analysed():
    data = _nb(("code", "%matplotlib inline\nfrom openai import OpenAI\nclient = OpenAI()\n"))
    analysis = analyze_bytes("a.ipynb", data)
    assert only(analysis.findings, "client").cell == 1


def test_js_ts_imports():
    analysis = analyze_bytes("web/app.ts", b'import OpenAI from "openai";\nconst x = require("openai");\n')
    got = [(f.kind, f.line, f.detail["form"]) for f in analysis.findings]
    assert got == [("js", 1, "import"), ("js", 2, "require")]


@pytest.mark.parametrize(
    "path, data, line",
    [
        ("requirements.txt", b"requests\nopenai==0.28.1\n", 2),
        ("pyproject.toml", b'[project]\nname = "x"\ndependencies = ["openai>=1.0"]\n', 3),
        ("setup.py", b"from setuptools import setup\nsetup(name='x', install_requires=['openai<1'])\n", 2),
    ],
)
def test_dependency_files(path, data, line):
    dep = only(analyze_bytes(path, data).findings, "dependency")
    assert (dep.line, dep.detail["package"]) == (line, "openai")


# ------------------------------------------------------------------ look-alikes: never reported


def test_zhipu_and_ark_clients_with_same_shape_are_not_reported():
    found = scan(
        """
        import openai
        from zhipuai import ZhipuAI
        from volcenginesdkarkruntime import Ark

        z = ZhipuAI(api_key="x")
        z.chat.completions.create(model="glm-4", messages=[])
        ark = Ark()
        ark.chat.completions.create(model="doubao", messages=[])

        class Svc:
            def __init__(self):
                self.z = ZhipuAI()

            def go(self):
                return self.z.chat.completions.create(model="glm-4", messages=[])
        """
    )
    assert [f.kind for f in found] == ["import"]


def test_lookalike_annotated_parameter_is_not_reported():
    found = scan(
        """
        import openai
        from zhipuai import ZhipuAI
        from volcenginesdkarkruntime import Ark

        def f(c: ZhipuAI, a: "Ark", b: "Optional[Ark]"):
            c.chat.completions.create(model="glm-4", messages=[])
            a.chat.completions.create(model="doubao", messages=[])
            b.chat.completions.create(model="doubao", messages=[])
        """
    )
    assert kinds(found, "call") == []


def test_lookalike_factory_is_not_reported():
    found = scan(
        """
        import openai
        from zhipuai import ZhipuAI

        def make() -> ZhipuAI:
            return ZhipuAI()

        make().chat.completions.create(model="glm-4", messages=[])
        """
    )
    assert kinds(found, "call") == []


def test_home_made_chain_is_not_reported():
    found = scan(
        """
        import openai

        class Completions:
            def create(self, **kw):
                return kw

        class Chat:
            completions = Completions()

        class Fake:
            chat = Chat()

        fake = Fake()
        fake.chat.completions.create(model="gpt-4")
        """
    )
    assert kinds(found, "call") == []


def test_lookalikes_without_openai_import_are_silent():
    assert scan("from zhipuai import ZhipuAI\nZhipuAI().chat.completions.create(model='glm-4')\n") == []


def test_strings_comments_docstrings_are_not_reported():
    found = scan(
        '''
        """Use openai.ChatCompletion.create(model="gpt-4") like this."""
        import openai
        # openai.ChatCompletion.create(model="gpt-4")
        s = "openai.ChatCompletion.create(model='gpt-4')"
        def f():
            """client.chat.completions.create(model='gpt-4')"""
        '''
    )
    assert [f.kind for f in found] == ["import"]


def test_unresolved_receiver_in_openai_file_is_low_confidence():
    c = only(
        calls(
            """
            import openai

            def run(client):
                return client.chat.completions.create(model="gpt-4", messages=[])
            """
        ),
        "call",
    )
    assert (c.line, c.column, c.api, c.confidence, c.model) == (4, 12, "chat.completions.create", "low", "gpt-4")
    assert c.detail["receiver"] == "unresolved" and c.detail["endpoint"] == "unknown"


def test_a_client_from_a_function_imported_elsewhere_is_reported_with_low_confidence():
    # gptme: `with bounded_client(client) as send_client: send_client.responses.create(...)`; what
    # the project's own helper returns is unknown, not "not OpenAI" (another package's *class* is)
    found = calls(
        """
        import openai
        from .util import bounded_client, make_client
        from groq import Groq

        def run():
            client = make_client()
            with bounded_client(client) as send:
                send.responses.create(model="gpt-4o", input="hi")
            client.chat.completions.create(model="gpt-4o", messages=[])
            Groq().chat.completions.create(model="llama3", messages=[])
        """
    )
    assert [(c.line, c.api, c.confidence) for c in found if c.kind == "call"] == [
        (8, "responses.create", "low"),
        (9, "chat.completions.create", "low"),
    ]


def test_a_client_behind_a_property_is_followed():
    # phidata: `@property def client(self) -> OpenAI: return self.openai or OpenAI()`, then
    # self.client.beta.assistants.create(...); a getter reads as what it returns (or is annotated to)
    found = calls(
        """
        from functools import cached_property
        from openai import OpenAI
        from zhipuai import ZhipuAI

        class Assistant:
            @property
            def client(self) -> OpenAI:
                return self.openai or OpenAI()

            @cached_property
            def chat_client(self):
                return OpenAI()

            @property
            def glm(self) -> ZhipuAI:
                return ZhipuAI()

            def run(self):
                self.client.beta.assistants.create(model="gpt-4o")
                self.chat_client.chat.completions.create(model="gpt-4o", messages=[])
                self.glm.chat.completions.create(model="glm-4", messages=[])
        """
    )
    assert [(c.line, c.api, c.confidence) for c in found if c.kind == "call"] == [
        (19, "beta.assistants.create", "medium"),
        (20, "chat.completions.create", "high"),
    ]


def test_cast_to_a_client_class_says_what_the_value_is():
    # litellm: sync_client = cast(OpenAI, openai_client); sync_client.audio.speech.create(...)
    found = calls(
        """
        import typing
        from typing import cast
        from openai import AsyncOpenAI, OpenAI
        from .x import make

        sync = cast(OpenAI, make())
        sync.audio.speech.create(model="tts-1", voice="alloy", input="hi")
        later = typing.cast("AsyncOpenAI", make())
        later.embeddings.create(model="text-embedding-3-small", input="x")
        other = cast(dict, make())
        """
    )
    assert [(c.line, c.api, c.confidence) for c in found if c.kind == "call"] == [
        (7, "audio.speech.create", "medium"),
        (9, "embeddings.create", "medium"),
    ]


def test_unresolved_receiver_without_openai_import_is_silent():
    assert scan("def run(client):\n    return client.chat.completions.create(model='x')\n") == []


def test_shadowed_openai_name_is_not_reported():
    found = scan(
        """
        import openai

        def f(openai):
            return openai.ChatCompletion.create(model="x")
        """
    )
    # the parameter shadows the module: at most a low-confidence guess, never a legacy call
    assert all(not f.legacy for f in kinds(found, "call"))


# ------------------------------------------------------------------ robustness


def test_syntax_error_reported_with_line():
    analysis = analyze_python("import openai\n\ndef f(:\n", "bad.py")
    assert analysis.error and analysis.error.startswith("syntax error") and analysis.error_line == 3
    assert analysis.findings == []


def test_non_ascii_columns_are_characters():
    c = only(calls("import openai\nx = '中文'; openai.ChatCompletion.create(model='m')\n"), "call")
    assert c.column == 11


def test_spans_are_end_inclusive_of_call():
    c = only(calls("import openai\nopenai.Completion.create(\n    model='m',\n)\n"), "call")
    assert (c.span.line, c.span.end_line, c.to_json()["end_column"]) == (2, 4, 2)


def test_deep_nesting_does_not_crash():
    src = "import openai\nx = " + "(" * 400 + "1" + ")" * 400 + "\n"
    analysis = analyze_python(src, "deep.py")
    assert analysis.error is None or "nest" in analysis.error or "parse" in analysis.error


def test_non_resource_methods_on_a_client_are_not_api_calls():
    # found in litellm and langchain-community: low-level helpers and SDK internals are not operations
    got = calls(
        """
        from openai import OpenAI
        client = OpenAI()
        client.post("/chat/completions", body={}, cast_to=object)
        client._custom_query.setdefault("api-version", "2024-02-01")
        client.close()
        client.with_options(timeout=1).chat.completions.create(model="m", messages=[])
        """
    )
    assert [(f.line, f.api) for f in got] == [(6, "chat.completions.create")]
