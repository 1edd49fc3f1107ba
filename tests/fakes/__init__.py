"""Protocol-faithful fake LLM provider servers for the test suite (stdlib only).

Design: ONE SERVER PER PROVIDER. Each ``FakeServer(provider)`` impersonates that
provider's host on ``http://127.0.0.1:<ephemeral port>`` and serves the real
paths, so an SDK only needs its base URL's scheme/host/port changed. Several
providers share ``/v1`` (OpenAI, Hunyuan compat, Moonshot, DeepSeek); they are
told apart by port: ``srv.provider`` and each recorded request's ``provider``.

    from tests.fakes import FakeServer
    with FakeServer("dashscope") as srv:
        srv.url            # http://127.0.0.1:PORT
        srv.base_url()     # srv.url + "/compatible-mode/v1" (the OpenAI-wire prefix)
        srv.env()          # {"DASHSCOPE_HTTP_BASE_URL": srv.url + "/api/v1", ...}
        srv.requests       # [RecordedRequest(method, path, query, headers, json, ...)]
        srv.last           # the latest RecordedRequest
    # or srv = FakeServer("zhipu").start(); ...; srv.stop()

Providers and what each mounts (paths are the real ones):

  openai     /v1/chat/completions, /v1/embeddings
  dashscope  /compatible-mode/v1/{chat/completions,embeddings}
             /api/v1/services/aigc/text-generation/generation    (native, 1.x and 2.x Client)
             /api/v1/services/aigc/multimodal-generation/generation (same handler)
             /api/v1/services/embeddings/text-embedding/text-embedding
  qianfan    /v2/chat/completions, /v2/embeddings  (OpenAI wire + extra_parameters; SDK and OpenAI SDK)
  hunyuan    /v1/chat/completions, /v1/embeddings (compat); POST / with X-TC-Action
             ChatCompletions | GetEmbedding (native Tencent Cloud API 3.0)
  zhipu      /api/paas/v4/{chat/completions,embeddings}  (usage always on the last stream chunk)
  ark        /api/v3/{chat/completions,embeddings}        (every null field tolerated)
  deepseek   /chat/completions and /v1/chat/completions   (no embeddings: 404, like the real API)
  moonshot   /v1/chat/completions                          (no embeddings: 404, like the real API)

Behaviour (deterministic; see protocols.py): the answer is ``echo[<hash8>] <last
user text>``, split one word per stream chunk; ``tools`` -> a call to the first
tool with schema-derived arguments (``finish_reason="tool_calls"``) unless the
last message is a tool result; JSON mode -> a JSON object string; ``ERRnnn`` in
the last user message -> HTTP nnn in the provider's error shape with
``x-should-retry: false``; a request without ``Authorization`` -> 401; unknown
path -> 404 (still recorded, with ``route=None``).

Pytest: ``tests/fakes/plugin.py`` provides the ``fake_server`` and
``fake_servers`` fixtures.
"""

from __future__ import annotations

from .protocols import DEFAULT_EMBED_DIM, FIXED_CREATED, embedding_vector
from .providers import PROVIDERS, ProviderSpec
from .server import FakeServer, Headers, RecordedRequest

__all__ = [
    "DEFAULT_EMBED_DIM",
    "FIXED_CREATED",
    "PROVIDERS",
    "FakeServer",
    "Headers",
    "ProviderSpec",
    "RecordedRequest",
    "embedding_vector",
]
