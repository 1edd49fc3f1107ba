"""Which routes each fake provider host serves, and how each SDK is pointed at it.

One fake server impersonates one provider *host*: the paths are the real ones,
only the scheme/host/port change. That is why several providers can all use
``/v1`` without ambiguity — each runs on its own port, and ``srv.provider`` /
every recorded request's ``provider`` says which one was reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Tuple

from .protocols import WireOptions


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    openai_prefixes: Tuple[str, ...]  # OpenAI wire mounted at {prefix}/chat/completions
    default_prefix: str  # what srv.base_url() appends for an OpenAI client
    embeddings: bool = True  # False: the real API has no /embeddings, so 404
    natives: Tuple[str, ...] = ()  # extra native protocols: "dashscope", "hunyuan"
    wire: WireOptions = WireOptions()
    real_base_urls: Tuple[str, ...] = ()  # official base URLs (for rewriting migrated code)
    env: Dict[str, str] = field(default_factory=dict)  # env var -> path suffix on srv.url


PROVIDERS: Dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            "openai",
            ("/v1",),
            "/v1",
            real_base_urls=("https://api.openai.com/v1",),
            env={"OPENAI_BASE_URL": "/v1"},
        ),
        ProviderSpec(
            "dashscope",
            ("/compatible-mode/v1",),
            "/compatible-mode/v1",
            natives=("dashscope",),
            real_base_urls=(
                "https://dashscope.aliyuncs.com/compatible-mode/v1",
                "https://dashscope.aliyuncs.com/api/v1",
                "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
                "https://dashscope-intl.aliyuncs.com/api/v1",
            ),
            # 1.x reads DASHSCOPE_HTTP_BASE_URL at import; 2.x Client reads DASHSCOPE_BASE_URL.
            env={
                "DASHSCOPE_HTTP_BASE_URL": "/api/v1",
                "DASHSCOPE_BASE_URL": "/api/v1",
                "DASHSCOPE_COMPATIBLE_BASE_URL": "/compatible-mode/v1",
            },
        ),
        ProviderSpec(
            "qianfan",
            ("/v2",),
            "/v2",
            real_base_urls=("https://qianfan.baidubce.com/v2",),
            env={"QIANFAN_CONSOLE_API_BASE_URL": ""},  # the SDK appends /v2/chat/completions
        ),
        ProviderSpec(
            "hunyuan",
            ("/v1",),
            "/v1",
            natives=("hunyuan",),
            real_base_urls=("https://api.hunyuan.cloud.tencent.com/v1",),
            env={},  # native SDK: HttpProfile(protocol="http", endpoint=srv.host_port)
        ),
        ProviderSpec(
            "zhipu",
            ("/api/paas/v4",),
            "/api/paas/v4",
            wire=WireOptions("zhipu", usage_in_stream=True),
            real_base_urls=("https://open.bigmodel.cn/api/paas/v4",),
            env={"ZHIPUAI_BASE_URL": "/api/paas/v4", "ZAI_BASE_URL": "/api/paas/v4"},
        ),
        ProviderSpec(
            "ark",
            ("/api/v3",),
            "/api/v3",
            wire=WireOptions("ark"),
            real_base_urls=("https://ark.cn-beijing.volces.com/api/v3",),
            env={},  # the Ark SDK reads no base-URL env var: pass base_url=
        ),
        ProviderSpec(
            "deepseek",
            ("", "/v1"),
            "",
            embeddings=False,
            wire=WireOptions(reasoning_models=("deepseek-reasoner",)),
            real_base_urls=("https://api.deepseek.com", "https://api.deepseek.com/v1"),
            env={"DEEPSEEK_API_BASE": "/v1"},  # langchain-deepseek's variable
        ),
        ProviderSpec(
            "moonshot",
            ("/v1",),
            "/v1",
            embeddings=False,
            real_base_urls=("https://api.moonshot.cn/v1", "https://api.moonshot.ai/v1"),
            env={"MOONSHOT_API_BASE": "/v1"},  # langchain-moonshot's variable
        ),
    )
}


def get_provider(name: str) -> ProviderSpec:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown fake provider {name!r}; choose from {sorted(PROVIDERS)}") from None
