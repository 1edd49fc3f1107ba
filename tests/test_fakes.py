"""The real provider SDKs (tests/requirements-providers.txt) against the fakes.

Each test points an SDK at a fake by the SDK's own configuration (constructor
base_url, or the env var the SDK reads), then checks both sides: what the SDK
parsed, and what the fake recorded. Expected values are literals on purpose:
they pin the fakes' determinism, which the equivalence tests rely on.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import struct
from typing import Any, Dict, List

import pytest

from tests.fakes import DEFAULT_EMBED_DIM, PROVIDERS, FakeServer, embedding_vector
from tests.fakes.plugin import fake_server, fake_servers  # noqa: F401  (fixtures)
from tests.fakes.protocols import split_stream

MSGS = [{"role": "system", "content": "sys"}, {"role": "user", "content": "hello there world"}]
ANSWER = "echo[5a6cd25f] hello there world"  # what every provider answers to MSGS
PIECES = ["echo[5a6cd25f] ", "hello ", "there ", "world"]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["city"],
            },
        },
    }
]
TOOL_ARGS = {"city": "city-e213e6"}  # only required properties are filled
USAGE = (4, 4, 8)  # prompt (words in all messages), completion, total


def err(status: int) -> List[Dict[str, str]]:
    return [{"role": "user", "content": f"please fail ERR{status}"}]


def raw_post(srv: FakeServer, path: str, body: Any, headers: Dict[str, str]) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
    return conn.getresponse()


# --------------------------------------------------------------------------- fake itself


def test_same_request_gives_same_bytes_and_different_servers_agree() -> None:
    body = {"model": "m", "messages": MSGS, "stream": True}
    with FakeServer("openai") as a, FakeServer("moonshot") as b:
        replies = [raw_post(s, "/v1/chat/completions", body, {"Authorization": "Bearer k"}) for s in (a, a, b)]
        raw = [(r.status, r.getheaders(), r.read()) for r in replies]
    assert raw[0] == raw[1] == raw[2]
    assert raw[0][2].endswith(b"data: [DONE]\n\n")
    assert raw[0][2].count(b"data: ") == len(PIECES) + 3  # role chunk, pieces, finish chunk, [DONE]


def test_request_recording_and_case_insensitive_headers() -> None:
    with FakeServer("deepseek") as srv:
        reply = raw_post(
            srv,
            "/chat/completions?trace=1",
            {"model": "deepseek-chat", "messages": MSGS},
            {"AUTHORIZATION": "Bearer ds", "X-Custom": "a"},
        )
        assert reply.status == 200
        rec = srv.last
    assert (rec.provider, rec.route, rec.method, rec.path) == ("deepseek", "openai.chat", "POST", "/chat/completions")
    assert rec.query == {"trace": ["1"]}
    assert rec.headers["authorization"] == rec.headers["Authorization"] == "Bearer ds"
    assert rec.authorization == "Bearer ds" and "x-custom" in rec.headers
    assert rec.json["messages"] == MSGS and rec.status == 200


def test_missing_auth_is_401_and_unknown_path_is_404_but_recorded() -> None:
    with FakeServer("moonshot") as srv:
        no_auth = raw_post(srv, "/v1/chat/completions", {"model": "m", "messages": MSGS}, {})
        assert no_auth.status == 401
        assert json.loads(no_auth.read())["error"]["code"] == "invalid_api_key"
        # Moonshot has no embeddings API, so neither has its fake.
        missing = raw_post(srv, "/v1/embeddings", {"model": "m", "input": "x"}, {"Authorization": "Bearer k"})
        assert missing.status == 404 and missing.getheader("x-should-retry") == "false"
        assert [(r.route, r.status) for r in srv.requests] == [("openai.chat", 401), (None, 404)]


def test_stream_split_and_embedding_values_are_float32_exact() -> None:
    for text in ("", "one", "  lead and trail  ", "a\nb\tc"):
        assert "".join(split_stream(text)) == text
    vec = embedding_vector("abc", 64)
    assert len(vec) == 64 and len(set(vec)) > 8
    assert list(struct.unpack("<64f", struct.pack("<64f", *vec))) == vec


def test_env_and_rewrite_point_at_the_fake() -> None:
    with FakeServer("dashscope") as srv:
        assert srv.env()["DASHSCOPE_HTTP_BASE_URL"] == srv.url + "/api/v1"
        code = 'OpenAI(base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")'
        assert srv.rewrite(code) == f'OpenAI(base_url="{srv.url}/compatible-mode/v1")'
    assert set(PROVIDERS) == {"openai", "dashscope", "qianfan", "hunyuan", "zhipu", "ark", "deepseek", "moonshot"}


@pytest.mark.parametrize("fake_server", ["zhipu"], indirect=True)
def test_fixture_provider_choice(fake_server: FakeServer) -> None:  # noqa: F811
    assert fake_server.provider == "zhipu" and fake_server.base_url().endswith("/api/paas/v4")


def test_fixture_factory_runs_one_server_per_provider(fake_servers) -> None:  # noqa: F811
    a, b = fake_servers("openai"), fake_servers("hunyuan")
    assert a is fake_servers("openai") and a.port != b.port


# --------------------------------------------------------------------------- OpenAI SDK, every compat mount

COMPAT = [  # provider, OpenAI base path, has embeddings
    ("openai", "/v1", True),
    ("dashscope", "/compatible-mode/v1", True),
    ("qianfan", "/v2", True),
    ("hunyuan", "/v1", True),
    ("zhipu", "/api/paas/v4", True),
    ("ark", "/api/v3", True),
    ("deepseek", "", False),
    ("deepseek", "/v1", False),
    ("moonshot", "/v1", False),
]


@pytest.mark.parametrize("provider,prefix,has_embeddings", COMPAT)
def test_openai_sdk_against_each_compat_endpoint(provider: str, prefix: str, has_embeddings: bool) -> None:
    openai = pytest.importorskip("openai")
    with FakeServer(provider) as srv:
        client = openai.OpenAI(api_key=f"sk-{provider}", base_url=srv.url + prefix, max_retries=0)
        r = client.chat.completions.create(model="m1", messages=MSGS)
        assert r.choices[0].message.content == ANSWER and r.choices[0].finish_reason == "stop"
        assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == USAGE
        assert r.created == 1_700_000_000 and r.model == "m1"

        t = client.chat.completions.create(model="m1", messages=MSGS, tools=TOOLS, tool_choice="auto")
        call = t.choices[0].message.tool_calls[0]
        assert t.choices[0].finish_reason == "tool_calls"
        assert call.function.name == "get_weather" and json.loads(call.function.arguments) == TOOL_ARGS

        if has_embeddings:
            e = client.embeddings.create(model="emb", input=["a", "b"], encoding_format="float")
            assert len(e.data) == 2 and len(e.data[0].embedding) == DEFAULT_EMBED_DIM
        else:
            with pytest.raises(openai.NotFoundError):
                client.embeddings.create(model="emb", input="a")

        with pytest.raises(openai.RateLimitError) as info:
            client.chat.completions.create(model="m1", messages=err(429))
        assert info.value.status_code == 429

    paths = [(q.path, q.status) for q in srv.requests]
    assert paths[0] == (f"{prefix}/chat/completions", 200)
    assert paths[-1] == (f"{prefix}/chat/completions", 429)
    assert len(paths) == 4  # x-should-retry: false -> no retry of the 429
    assert all(q.provider == provider and q.authorization == f"Bearer sk-{provider}" for q in srv.requests)
    assert srv.requests[1].json["tools"] == TOOLS


def test_openai_stream_usage_json_mode_and_env_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    openai = pytest.importorskip("openai")
    with FakeServer("openai") as srv:
        for name, value in srv.env().items():
            monkeypatch.setenv(name, value)  # OPENAI_BASE_URL, read by the SDK itself
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
        client = openai.OpenAI(max_retries=0)
        chunks = list(
            client.chat.completions.create(model="gpt-4o", messages=MSGS, stream=True, stream_options={"include_usage": True})
        )
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == ANSWER
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
        assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == USAGE[2]
        assert all(c.usage is None for c in chunks[:-1])

        plain = list(client.chat.completions.create(model="gpt-4o", messages=MSGS, stream=True))
        assert all(c.usage is None for c in plain)  # usage only when asked for

        j = client.chat.completions.create(model="gpt-4o", messages=MSGS, response_format={"type": "json_object"})
        assert json.loads(j.choices[0].message.content) == {"echo": "hello there world", "hash": "5a6cd25f"}

        streamed_tool = list(client.chat.completions.create(model="gpt-4o", messages=MSGS, tools=TOOLS, stream=True))
        args = "".join(
            c.choices[0].delta.tool_calls[0].function.arguments or "" for c in streamed_tool if c.choices[0].delta.tool_calls
        )
        assert json.loads(args) == TOOL_ARGS and streamed_tool[-1].choices[0].finish_reason == "tool_calls"

        follow_up = MSGS + [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
        ]
        done = client.chat.completions.create(model="gpt-4o", messages=follow_up, tools=TOOLS)
        assert done.choices[0].message.content == "Tool result: sunny"  # no endless tool loop

        with pytest.raises(openai.AuthenticationError):
            client.chat.completions.create(model="gpt-4o", messages=err(401))
    assert srv.requests[0].path == "/v1/chat/completions"
    assert srv.requests[0].headers["authorization"] == "Bearer sk-env"
    assert srv.requests[0].json["stream_options"] == {"include_usage": True}


def test_openai_embeddings_base64_default_and_explicit() -> None:
    openai = pytest.importorskip("openai")
    with FakeServer("openai") as srv:
        client = openai.OpenAI(api_key="sk", base_url=srv.base_url(), max_retries=0)
        default = client.embeddings.create(model="text-embedding-3-small", input="hello")
        floats = client.embeddings.create(model="text-embedding-3-small", input="hello", encoding_format="float")
        b64 = client.embeddings.create(model="text-embedding-3-small", input="hello", encoding_format="base64", dimensions=4)
        assert default.data[0].embedding == floats.data[0].embedding == embedding_vector("hello", DEFAULT_EMBED_DIM)
        raw = base64.b64decode(b64.data[0].embedding)  # explicit base64: the SDK hands back the string
        assert list(struct.unpack("<4f", raw)) == embedding_vector("hello", 4)
        assert floats.usage.prompt_tokens == 1
    sent = [q.json.get("encoding_format") for q in srv.requests]
    assert sent == ["base64", "float", "base64"]  # the SDK asks for base64 when not told


def test_openai_async_client() -> None:
    openai = pytest.importorskip("openai")

    async def run(url: str) -> List[str]:
        async with openai.AsyncOpenAI(api_key="sk-a", base_url=url, max_retries=0) as client:
            r = await client.chat.completions.create(model="m", messages=MSGS)
            stream = await client.chat.completions.create(model="m", messages=MSGS, stream=True)
            pieces = [c.choices[0].delta.content async for c in stream if c.choices and c.choices[0].delta.content]
            with pytest.raises(openai.BadRequestError):
                await client.chat.completions.create(model="m", messages=err(400))
            return [r.choices[0].message.content] + pieces

    with FakeServer("moonshot") as srv:
        assert asyncio.run(run(srv.base_url())) == [ANSWER] + PIECES
    assert [q.status for q in srv.requests] == [200, 200, 400]


# --------------------------------------------------------------------------- DashScope


def test_dashscope_1x_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    dashscope = pytest.importorskip("dashscope")
    from dashscope import AioGeneration, Generation, TextEmbedding

    with FakeServer("dashscope") as srv:
        # DASHSCOPE_HTTP_BASE_URL is read at import; the module attribute is read per call.
        monkeypatch.setattr(dashscope, "base_http_api_url", srv.env()["DASHSCOPE_HTTP_BASE_URL"])
        kw: Dict[str, Any] = dict(model="qwen-plus", messages=MSGS, result_format="message", api_key="sk-ds")
        r = Generation.call(**kw)
        assert r.status_code == 200 and r.output.choices[0].message.content == ANSWER
        assert r.output.choices[0].finish_reason == "stop"
        assert (r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens) == USAGE

        deltas = [c.output.choices[0].message.content for c in Generation.call(stream=True, incremental_output=True, **kw)]
        assert deltas == PIECES
        full = list(Generation.call(stream=True, **kw))  # server default: cumulative chunks
        assert [c.output.choices[0].message.content for c in full][-1] == ANSWER
        assert [c.output.choices[0].finish_reason for c in full] == ["null", "null", "null", "stop"]

        text_fmt = Generation.call(model="qwen-plus", prompt="hello there world", api_key="sk-ds")
        assert text_fmt.output.text == ANSWER and text_fmt.output.choices is None

        t = Generation.call(tools=TOOLS, **kw)
        call = t.output.choices[0].message.tool_calls[0]
        assert t.output.choices[0].finish_reason == "tool_calls"
        assert call["function"]["name"] == "get_weather" and json.loads(call["function"]["arguments"]) == TOOL_ARGS

        bad = Generation.call(model="qwen-plus", messages=err(400), result_format="message", api_key="sk-ds")
        assert (bad.status_code, bad.code, bad.output) == (400, "InvalidParameter", None)  # 1.x does not raise

        e = TextEmbedding.call(model="text-embedding-v4", input=["a", "b"], dimension=16, api_key="sk-ds")
        assert [len(x["embedding"]) for x in e.output["embeddings"]] == [16, 16]

        async def run() -> Any:
            try:
                return await AioGeneration.call(**kw)
            finally:  # 1.x keeps one shared aiohttp session per process; close it inside the loop
                from dashscope.api_entities.aio_session import close_shared_aio_session

                await close_shared_aio_session()

        assert asyncio.run(run()).output.choices[0].message.content == ANSWER

    reqs = srv.requests
    assert reqs[0].path == "/api/v1/services/aigc/text-generation/generation"
    assert reqs[0].authorization == "Bearer sk-ds"
    assert reqs[0].json["input"]["messages"] == MSGS and reqs[0].json["parameters"]["result_format"] == "message"
    assert reqs[1].headers["x-dashscope-sse"] == "enable" and reqs[1].json["parameters"]["incremental_output"] is True
    assert "stream" not in reqs[1].json and reqs[3].json["input"] == {"prompt": "hello there world"}
    assert reqs[6].route == "dashscope.embedding" and reqs[6].json["parameters"]["dimension"] == 16


def test_dashscope_2x_client(monkeypatch: pytest.MonkeyPatch) -> None:
    dashscope = pytest.importorskip("dashscope")
    if not hasattr(dashscope, "Client"):
        pytest.skip("dashscope.Client needs dashscope 2.x")
    from dashscope.v2 import errors as ds_errors

    with FakeServer("dashscope") as srv:
        monkeypatch.setenv("DASHSCOPE_BASE_URL", srv.env()["DASHSCOPE_BASE_URL"])  # read by the Client
        monkeypatch.delenv("DASHSCOPE_WORKSPACE", raising=False)
        client = dashscope.Client(api_key="sk-ds2", max_retries=0)
        r = client.chat.completions.create(model="qwen-plus", messages=MSGS, max_tokens=50)
        assert r.choices[0].message.content == ANSWER and r.choices[0].finish_reason == "stop"
        assert (r.usage.input_tokens, r.usage.output_tokens, r.usage.total_tokens) == USAGE

        chunks = list(client.chat.completions.create(model="qwen-plus", messages=MSGS, stream=True))
        assert [c.choices[0].delta.content for c in chunks] == PIECES
        assert chunks[-1].choices[0].finish_reason == "stop"

        t = client.chat.completions.create(model="qwen-plus", messages=MSGS, tools=TOOLS)
        assert t.choices[0].finish_reason == "tool_calls"
        assert json.loads(t.choices[0].message.tool_calls[0].function.arguments) == TOOL_ARGS

        e = client.embeddings.create(model="text-embedding-v4", input=["a", "b"])
        assert [len(x.embedding) for x in e.embeddings] == [DEFAULT_EMBED_DIM] * 2

        with pytest.raises(ds_errors.RateLimitError) as info:
            client.chat.completions.create(model="qwen-plus", messages=err(429))
        assert info.value.status_code == 429 and info.value.code == "Throttling.RateQuota"
        client.close()

        async def run() -> str:
            aclient = dashscope.AsyncClient(api_key="sk-ds2", max_retries=0)
            try:
                return (await aclient.chat.completions.create(model="qwen-plus", messages=MSGS)).output_text
            finally:
                await aclient.aclose()

        assert asyncio.run(run()) == ANSWER

    reqs = srv.requests
    assert [q.route for q in reqs] == (["dashscope.generation"] * 3 + ["dashscope.embedding"] + ["dashscope.generation"] * 2)
    assert reqs[0].authorization == "Bearer sk-ds2" and reqs[0].json["parameters"]["max_tokens"] == 50
    assert reqs[1].headers["X-DashScope-SSE"] == "enable" and reqs[1].json["parameters"]["incremental_output"]
    assert reqs[4].status == 429 and len(reqs) == 6  # the 429 was not retried


# --------------------------------------------------------------------------- Qianfan


def test_qianfan_v2_client() -> None:
    qianfan = pytest.importorskip("qianfan")
    from qianfan import errors as qf_errors

    with FakeServer("qianfan") as srv:
        client = qianfan.Qianfan(api_key="bce-v3/ALTAK-x/y", console_api_base_url=srv.url, retry_count=1)
        r = client.chat.completions.create(model="ernie-4.0-turbo-8k", messages=MSGS)
        assert r.choices[0].message.content == ANSWER and r.choices[0].finish_reason == "stop"
        assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == USAGE

        chunks = list(client.chat.completions.create(model="ernie-4.0-turbo-8k", messages=MSGS, stream=True))
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == ANSWER
        assert chunks[-1].choices[0].finish_reason == "stop"

        t = client.chat.completions.create(model="ernie-4.0-turbo-8k", messages=MSGS, tools=TOOLS)
        assert t.choices[0].finish_reason == "tool_calls"
        assert t.choices[0].message.tool_calls[0].function.name == "get_weather"

        a = asyncio.run(client.chat.completions.acreate(model="ernie-4.0-turbo-8k", messages=MSGS))
        assert a.choices[0].message.content == ANSWER

        with pytest.raises(qf_errors.RequestError, match="status code 400"):
            client.chat.completions.create(model="ernie-4.0-turbo-8k", messages=err(400))

    reqs = srv.requests
    assert all(q.path == "/v2/chat/completions" for q in reqs) and len(reqs) == 5
    assert reqs[0].authorization == "Bearer bce-v3/ALTAK-x/y"
    assert reqs[0].json["extra_parameters"]["request_source"].startswith("qianfan_py_sdk")
    assert reqs[0].json["stream"] is False and reqs[1].json["stream"] is True


# --------------------------------------------------------------------------- Zhipu


def test_zhipuai_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    zhipuai = pytest.importorskip("zhipuai")

    with FakeServer("zhipu") as srv:
        monkeypatch.setenv("ZHIPUAI_BASE_URL", srv.env()["ZHIPUAI_BASE_URL"])  # read by ZhipuAI()
        client = zhipuai.ZhipuAI(api_key="id.secret", max_retries=0)
        r = client.chat.completions.create(model="glm-4-plus", messages=MSGS, temperature=0.5)
        assert r.choices[0].message.content == ANSWER and r.choices[0].finish_reason == "stop"
        assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == USAGE

        chunks = list(client.chat.completions.create(model="glm-4-plus", messages=MSGS, stream=True))
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == ANSWER
        assert chunks[-1].usage.total_tokens == USAGE[2]  # Zhipu: usage without stream_options

        t = client.chat.completions.create(model="glm-4-plus", messages=MSGS, tools=TOOLS, tool_choice="auto")
        assert t.choices[0].finish_reason == "tool_calls"
        assert json.loads(t.choices[0].message.tool_calls[0].function.arguments) == TOOL_ARGS

        e = client.embeddings.create(model="embedding-3", input=["a", "b"], dimensions=16)
        assert [len(d.embedding) for d in e.data] == [16, 16]

        with pytest.raises(zhipuai.APIReachLimitError) as info:
            client.chat.completions.create(model="glm-4-plus", messages=err(429))
        assert info.value.status_code == 429 and '"1302"' in str(info.value)

    reqs = srv.requests
    assert reqs[0].path == "/api/paas/v4/chat/completions" and reqs[3].path == "/api/paas/v4/embeddings"
    assert reqs[0].authorization == "Bearer id.secret"
    assert reqs[0].json["response_format"] is None and reqs[0].json["thinking"] is None  # nulls tolerated
    assert len(reqs) == 5


# --------------------------------------------------------------------------- Volcengine Ark


def test_ark_sdk() -> None:
    ark = pytest.importorskip("volcenginesdkarkruntime")
    from volcenginesdkarkruntime import _exceptions as ark_errors

    with FakeServer("ark") as srv:
        client = ark.Ark(api_key="ark-key", base_url=srv.base_url(), max_retries=0)  # no env var exists
        r = client.chat.completions.create(model="doubao-seed-1-6-251015", messages=MSGS)
        assert r.choices[0].message.content == ANSWER and r.choices[0].finish_reason == "stop"
        assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == USAGE

        chunks = list(
            client.chat.completions.create(model="doubao", messages=MSGS, stream=True, stream_options={"include_usage": True})
        )
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == ANSWER
        assert chunks[-1].usage.completion_tokens == USAGE[1]

        t = client.chat.completions.create(model="doubao", messages=MSGS, tools=TOOLS)
        assert t.choices[0].finish_reason == "tool_calls"
        assert json.loads(t.choices[0].message.tool_calls[0].function.arguments) == TOOL_ARGS

        e = client.embeddings.create(model="doubao-embedding", input=["a", "b"])
        assert [len(d.embedding) for d in e.data] == [DEFAULT_EMBED_DIM] * 2

        with pytest.raises(ark_errors.ArkBadRequestError) as info:
            client.chat.completions.create(model="doubao", messages=err(400))
        assert (info.value.status_code, info.value.code, info.value.type) == (400, "InvalidParameter", "BadRequest")

        async def run() -> str:
            aclient = ark.AsyncArk(api_key="ark-key", base_url=srv.base_url(), max_retries=0)
            return (await aclient.chat.completions.create(model="doubao", messages=MSGS)).choices[0].message.content

        assert asyncio.run(run()) == ANSWER

    reqs = srv.requests
    assert reqs[0].path == "/api/v3/chat/completions" and reqs[0].authorization == "Bearer ark-key"
    nulls = [k for k, v in reqs[0].json.items() if v is None]
    assert {"stream", "tools", "response_format", "stream_options"} <= set(nulls)  # all tolerated
    assert reqs[3].json["encoding_format"] == "float" and len(reqs) == 6


# --------------------------------------------------------------------------- Tencent Hunyuan (native)


def _hunyuan_request(models: Any, **fields: Any) -> Any:
    req = models.ChatCompletionsRequest()
    req.from_json_string(json.dumps({"Model": "hunyuan-turbos-latest", **fields}))
    return req


def test_hunyuan_native_sdk() -> None:
    pytest.importorskip("tencentcloud.hunyuan")
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.hunyuan.v20230901 import hunyuan_client, models

    user = [{"Role": "user", "Content": "hello there world"}]
    with FakeServer("hunyuan") as srv:
        profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=srv.host_port))
        cred = credential.Credential("AKIDfake", "secretfake")
        client = hunyuan_client.HunyuanClient(cred, "ap-guangzhou", profile)

        r = client.ChatCompletions(_hunyuan_request(models, Messages=user))
        assert r.Choices[0].Message.Content == ANSWER and r.Choices[0].FinishReason == "stop"
        assert (r.Usage.PromptTokens, r.Usage.CompletionTokens, r.Usage.TotalTokens) == (3, 4, 7)

        events = [json.loads(ev["data"]) for ev in client.ChatCompletions(_hunyuan_request(models, Messages=user, Stream=True))]
        assert [e["Choices"][0]["Delta"]["Content"] for e in events] == PIECES
        assert [e["Choices"][0]["FinishReason"] for e in events][-1] == "stop"

        schema = json.dumps(TOOLS[0]["function"]["parameters"])
        t = client.ChatCompletions(
            _hunyuan_request(
                models, Messages=user, Tools=[{"Type": "function", "Function": {"Name": "get_weather", "Parameters": schema}}]
            )
        )
        assert t.Choices[0].FinishReason == "tool_calls"
        assert json.loads(t.Choices[0].Message.ToolCalls[0].Function.Arguments) == TOOL_ARGS

        emb_req = models.GetEmbeddingRequest()
        emb_req.InputList = ["a", "b"]
        assert [len(d.Embedding) for d in client.GetEmbedding(emb_req).Data] == [DEFAULT_EMBED_DIM] * 2

        with pytest.raises(TencentCloudSDKException) as info:
            client.ChatCompletions(_hunyuan_request(models, Messages=[{"Role": "user", "Content": "ERR429"}]))
        assert info.value.code == "RequestLimitExceeded"

        try:
            from tencentcloud.hunyuan.v20230901 import hunyuan_client_async
        except ImportError:  # needs tencentcloud-sdk-python-common[async]
            hunyuan_client_async = None
        if hunyuan_client_async is not None:

            async def run() -> str:
                async with hunyuan_client_async.HunyuanClient(cred, "ap-guangzhou", profile) as aclient:
                    resp = await aclient.ChatCompletions(_hunyuan_request(models, Messages=user))
                    return resp.Choices[0].Message.Content

            assert asyncio.run(run()) == ANSWER

    reqs = srv.requests
    assert [q.route for q in reqs[:5]] == ["hunyuan.ChatCompletions"] * 3 + ["hunyuan.GetEmbedding", "hunyuan.ChatCompletions"]
    assert all(q.path == "/" for q in reqs)
    assert reqs[0].headers["X-TC-Action"] == "ChatCompletions" and reqs[0].headers["x-tc-version"] == "2023-09-01"
    assert reqs[0].authorization.startswith("TC3-HMAC-SHA256 Credential=AKIDfake/")
    assert reqs[1].json["Stream"] is True and reqs[0].json["Messages"] == user


# --------------------------------------------------------------------------- env vars read at import time

ENV_SCRIPTS = {  # SDKs that read their base URL once per process: prove it in a fresh one
    "dashscope": (
        "dashscope",
        "from dashscope import Generation\n"
        "r = Generation.call(model='qwen-plus', api_key='sk-env', result_format='message',\n"
        "                    messages=[{'role': 'user', 'content': 'hello there world'}])\n"
        "print(r.output.choices[0].message.content)\n",
    ),
    "qianfan": (
        "qianfan",
        "import qianfan\n"
        "c = qianfan.Qianfan(api_key='bce-v3/env', retry_count=1)\n"
        "r = c.chat.completions.create(model='ernie-speed-8k',\n"
        "                              messages=[{'role': 'user', 'content': 'hello there world'}])\n"
        "print(r.choices[0].message.content)\n",
    ),
}


@pytest.mark.parametrize("provider", sorted(ENV_SCRIPTS))
def test_base_url_env_vars_in_a_fresh_process(provider: str) -> None:
    import os
    import subprocess
    import sys

    module, script = ENV_SCRIPTS[provider]
    pytest.importorskip(module)
    with FakeServer(provider) as srv:
        env = {**os.environ, **srv.env(), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "echo[5a6cd25f] hello there world"
        assert srv.last.path in ("/api/v1/services/aigc/text-generation/generation", "/v2/chat/completions")
        assert srv.last.authorization in ("Bearer sk-env", "Bearer bce-v3/env")
