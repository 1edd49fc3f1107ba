"""What the OpenAI surface looks like: client classes, legacy v0 resources,
exceptions, module configuration and framework wrappers.

Pure data plus tiny predicates; the analyzer consults it, rules never do.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

#: client class -> (is_async, is_azure)
CLIENT_CLASSES: Dict[str, Tuple[bool, bool]] = {
    "openai.OpenAI": (False, False),
    "openai.Client": (False, False),
    "openai.AsyncOpenAI": (True, False),
    "openai.AsyncClient": (True, False),
    "openai.AzureOpenAI": (False, True),
    "openai.AsyncAzureOpenAI": (True, True),
}

#: the client classes whose name, patched on a module of the project (``patch("app.llm.OpenAI")``),
#: says the test fakes the SDK as that module imports it ("Client" says too little)
PATCHED_CLASSES = frozenset({"OpenAI", "AsyncOpenAI", "AzureOpenAI", "AsyncAzureOpenAI"})

#: private module paths that re-export the public names above
_ALIASES = {
    "openai._client.": "openai.",
    "openai.lib.azure.": "openai.",
    "openai._exceptions.": "openai.",
}

#: legacy v0 resource class -> v1 resource path
LEGACY_RESOURCES: Dict[str, str] = {
    "ChatCompletion": "chat.completions",
    "Completion": "completions",
    "Embedding": "embeddings",
    "Image": "images",
    "Moderation": "moderations",
    "Audio": "audio",
    "File": "files",
    "FineTune": "fine_tunes",
    "FineTuningJob": "fine_tuning.jobs",
    "Model": "models",
    "Edit": "edits",
    "Engine": "engines",
    "Customer": "customers",
    "Deployment": "deployments",
}

#: legacy method names whose v1 name differs, per resource path
LEGACY_METHODS: Dict[Tuple[str, str], str] = {
    ("images", "create"): "images.generate",
    ("images", "create_edit"): "images.edit",
    ("images", "create_variation"): "images.create_variation",
    ("audio", "transcribe"): "audio.transcriptions.create",
    ("audio", "translate"): "audio.translations.create",
    ("audio", "atranscribe"): "audio.transcriptions.create",
    ("audio", "atranslate"): "audio.translations.create",
}

#: v1 exception names (openai.X) and v0 names (openai.error.X)
EXCEPTIONS = frozenset(
    {
        "OpenAIError",
        "APIError",
        "APIStatusError",
        "APIConnectionError",
        "APITimeoutError",
        "APIResponseValidationError",
        "AuthenticationError",
        "BadRequestError",
        "ConflictError",
        "InternalServerError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "UnprocessableEntityError",
        "LengthFinishReasonError",
        "ContentFilterFinishReasonError",
        "APIRemovedInV1",
        # v0 openai.error.*
        "Timeout",
        "TryAgain",
        "InvalidRequestError",
        "PermissionError",
        "ServiceUnavailableError",
        "InvalidAPIType",
        "SignatureVerificationError",
    }
)

#: module attributes that configure the v0 (and v1 module-level) client
CONFIG_ATTRS = frozenset(
    {
        "api_key",
        "api_key_path",
        "api_base",
        "base_url",
        "api_type",
        "api_version",
        "organization",
        "project",
        "azure_endpoint",
        "azure_ad_token",
        "azure_ad_token_provider",
        "proxy",
        "proxies",
        "default_headers",
        "default_query",
        "timeout",
        "max_retries",
        "http_client",
        "app_info",
        "requestssession",
        "verify_ssl_certs",
        "enable_telemetry",
        "log",
        "debug",
    }
)

#: method names on a client that return another client, not a resource
CLIENT_RETURNING = frozenset({"with_options", "copy"})

#: functions of other packages that return a wrapper making the same calls through the openai
#: client they are given (its first argument, or ``client=``): calls on the wrapper are calls on it
CLIENT_WRAPPERS = frozenset({"instructor.from_openai", "instructor.patch", "instructor.apatch"})

#: path elements that wrap a resource without changing the operation
TRANSPARENT = frozenset({"with_raw_response", "with_streaming_response"})

#: resource roots of the v1 client (the first attribute after the client)
RESOURCE_ROOTS = frozenset(
    {
        "chat",
        "completions",
        "embeddings",
        "images",
        "audio",
        "moderations",
        "responses",
        "files",
        "fine_tuning",
        "batches",
        "beta",
        "models",
        "vector_stores",
        "uploads",
        "realtime",
        "containers",
        "evals",
        "conversations",
        "webhooks",
    }
)

#: dspy: its pre-2.6 OpenAI client classes (dspy.OpenAI, dspy.AzureOpenAI)
FRAMEWORK_PACKAGES = (
    "langchain",
    "langchain_community",
    "langchain_openai",
    "llama_index",
    "tiktoken",
    "autogen_ext",
    "haystack",
    "dspy",
    # chromadb's OpenAIEmbeddingFunction (chromadb.utils.embedding_functions): a collection built
    # with it embeds its query texts at OpenAI, beside vectors the migrated client stored (review 8 F2)
    "chromadb",
)

#: Every import path of a framework's OpenAI class -> the one name rules match.  The old
#: ``langchain.*`` paths (langchain < 0.1, and its deprecated re-exports until 1.0) are the
#: classes that moved to ``langchain_community`` (read in langchain-community 0.4.2: the same
#: fields ``model_name``/``openai_api_key``/``openai_api_base``/``openai_organization``).
FRAMEWORK_CLASSES: Dict[str, str] = {
    # langchain-openai 1.x
    "langchain_openai.ChatOpenAI": "langchain_openai.ChatOpenAI",
    "langchain_openai.chat_models.ChatOpenAI": "langchain_openai.ChatOpenAI",
    "langchain_openai.chat_models.base.ChatOpenAI": "langchain_openai.ChatOpenAI",
    "langchain_openai.AzureChatOpenAI": "langchain_openai.AzureChatOpenAI",
    "langchain_openai.chat_models.AzureChatOpenAI": "langchain_openai.AzureChatOpenAI",
    "langchain_openai.chat_models.azure.AzureChatOpenAI": "langchain_openai.AzureChatOpenAI",
    "langchain_openai.OpenAI": "langchain_openai.OpenAI",
    "langchain_openai.llms.OpenAI": "langchain_openai.OpenAI",
    "langchain_openai.llms.base.OpenAI": "langchain_openai.OpenAI",
    "langchain_openai.OpenAIEmbeddings": "langchain_openai.OpenAIEmbeddings",
    "langchain_openai.embeddings.OpenAIEmbeddings": "langchain_openai.OpenAIEmbeddings",
    "langchain_openai.embeddings.base.OpenAIEmbeddings": "langchain_openai.OpenAIEmbeddings",
    # langchain_community and the langchain paths it took over
    "langchain.chat_models.ChatOpenAI": "langchain_community.chat_models.ChatOpenAI",
    "langchain.chat_models.openai.ChatOpenAI": "langchain_community.chat_models.ChatOpenAI",
    "langchain_community.chat_models.ChatOpenAI": "langchain_community.chat_models.ChatOpenAI",
    "langchain_community.chat_models.openai.ChatOpenAI": "langchain_community.chat_models.ChatOpenAI",
    "langchain.chat_models.AzureChatOpenAI": "langchain_community.chat_models.AzureChatOpenAI",
    "langchain_community.chat_models.AzureChatOpenAI": "langchain_community.chat_models.AzureChatOpenAI",
    "langchain_community.chat_models.azure_openai.AzureChatOpenAI": "langchain_community.chat_models.AzureChatOpenAI",
    "langchain.llms.OpenAI": "langchain_community.llms.OpenAI",
    "langchain.llms.openai.OpenAI": "langchain_community.llms.OpenAI",
    "langchain_community.llms.OpenAI": "langchain_community.llms.OpenAI",
    "langchain_community.llms.openai.OpenAI": "langchain_community.llms.OpenAI",
    "langchain.embeddings.OpenAIEmbeddings": "langchain_community.embeddings.OpenAIEmbeddings",
    "langchain.embeddings.openai.OpenAIEmbeddings": "langchain_community.embeddings.OpenAIEmbeddings",
    "langchain_community.embeddings.OpenAIEmbeddings": "langchain_community.embeddings.OpenAIEmbeddings",
    "langchain_community.embeddings.openai.OpenAIEmbeddings": "langchain_community.embeddings.OpenAIEmbeddings",
    # llama-index-llms-openai 0.8.3 / llama-index-embeddings-openai 0.7.0: the package re-exports the
    # classes its base module defines
    "llama_index.llms.openai.OpenAI": "llama_index.llms.openai.OpenAI",
    "llama_index.llms.openai.base.OpenAI": "llama_index.llms.openai.OpenAI",
    "llama_index.embeddings.openai.OpenAIEmbedding": "llama_index.embeddings.openai.OpenAIEmbedding",
    "llama_index.embeddings.openai.base.OpenAIEmbedding": "llama_index.embeddings.openai.OpenAIEmbedding",
    # autogen-ext 0.7 (AutoGen 0.4+): the OpenAI model client, read in 0.7.5
    "autogen_ext.models.openai.OpenAIChatCompletionClient": "autogen_ext.models.openai.OpenAIChatCompletionClient",
    "autogen_ext.models.openai._openai_client.OpenAIChatCompletionClient": "autogen_ext.models.openai.OpenAIChatCompletionClient",
    # haystack-ai 2.x/3.x, read in 2.31.0 and 3.4.1 (OpenAIGenerator is 2.x only)
    "haystack.components.generators.chat.OpenAIChatGenerator": "haystack.components.generators.chat.OpenAIChatGenerator",
    "haystack.components.generators.chat.openai.OpenAIChatGenerator": "haystack.components.generators.chat.OpenAIChatGenerator",
    "haystack.components.generators.OpenAIGenerator": "haystack.components.generators.OpenAIGenerator",
    "haystack.components.generators.openai.OpenAIGenerator": "haystack.components.generators.OpenAIGenerator",
    "haystack.components.embedders.OpenAITextEmbedder": "haystack.components.embedders.OpenAITextEmbedder",
    "haystack.components.embedders.openai_text_embedder.OpenAITextEmbedder": "haystack.components.embedders.OpenAITextEmbedder",
    "haystack.components.embedders.OpenAIDocumentEmbedder": "haystack.components.embedders.OpenAIDocumentEmbedder",
    "haystack.components.embedders.openai_document_embedder.OpenAIDocumentEmbedder": "haystack.components.embedders.OpenAIDocumentEmbedder",
    # chromadb 0.4.24 (a module), 0.5.23 / 0.6.3 / 1.3.5 (a package re-exporting its submodule's class)
    "chromadb.utils.embedding_functions.OpenAIEmbeddingFunction": "chromadb.utils.embedding_functions.OpenAIEmbeddingFunction",
    "chromadb.utils.embedding_functions.openai_embedding_function.OpenAIEmbeddingFunction": (
        "chromadb.utils.embedding_functions.OpenAIEmbeddingFunction"
    ),
}

#: wrappers that, given ``api_key=None``, read OPENAI_API_KEY themselves, as the openai SDK does
#: (chromadb 1.3.5's OpenAIEmbeddingFunction: ``api_key or os.getenv("OPENAI_API_KEY")`` when that is
#: set): a provider key read that may be None is written so it cannot be (ops set_kwarg)
KEY_FROM_OPENAI_ENV = frozenset({"chromadb.utils.embedding_functions.OpenAIEmbeddingFunction"})

#: wrappers that embed texts at OpenAI with an openai client of their own: the vectors they make
#: and those the project's own ``embeddings.create`` calls make (in one module) may share a store,
#: so they move to the provider together or not at all (engine/unit.py build_units; review 6 F2)
EMBEDDING_WRAPPERS = frozenset(
    {
        "chromadb.utils.embedding_functions.OpenAIEmbeddingFunction",
        "langchain_openai.OpenAIEmbeddings",
        "langchain_community.embeddings.OpenAIEmbeddings",
        "llama_index.embeddings.openai.OpenAIEmbedding",
        "haystack.components.embedders.OpenAITextEmbedder",
        "haystack.components.embedders.OpenAIDocumentEmbedder",
    }
)


#: packages that route a model string to a provider (LiteLLM, and DSPy / CrewAI on top of it): a
#: call of one of ROUTE_FUNCTIONS whose model string names an OpenAI model is OpenAI usage
ROUTER_PACKAGES = ("litellm", "dspy", "crewai")

#: function or class -> (keyword, position) of the argument holding a LiteLLM model string
#: (``"gpt-4o"``, ``"openai/gpt-4o"``; position None: keyword only).  Read in litellm 1.x (main.py:
#: completion/acompletion/embedding/aembedding/text_completion take ``model`` first), dspy 3.x
#: (``LM(model, ...)``, re-exported from dspy.clients.lm) and crewai 1.x (``LLM(model, ...)``,
#: ``Agent(llm="gpt-4o")``).
ROUTE_FUNCTIONS: Dict[str, Tuple[str, Optional[int]]] = {
    "litellm.completion": ("model", 0),
    "litellm.acompletion": ("model", 0),
    "litellm.embedding": ("model", 0),
    "litellm.aembedding": ("model", 0),
    "litellm.text_completion": ("model", 0),
    "litellm.atext_completion": ("model", 0),
    "dspy.LM": ("model", 0),
    "crewai.LLM": ("model", 0),
    "crewai.Agent": ("llm", None),
}

#: class -> (keyword, inner key, model key): a list of dict literals, each holding a dict whose model
#: key is a LiteLLM model string (litellm 1.x ``Router(model_list=[{"model_name": ..., "litellm_params":
#: {"model": "gpt-4o", ...}}])``)
ROUTE_LISTS: Dict[str, Tuple[str, str, str]] = {
    "litellm.Router": ("model_list", "litellm_params", "model"),
    "litellm.router.Router": ("model_list", "litellm_params", "model"),
}

#: AutoGen 0.2 (pyautogen 0.2.x, and ag2, its fork under the same import name): a module importing
#: one of these whose ``config_list`` entries name no other endpoint sends them to OpenAI
#: (analyzer/autogen.py); each such entry is a framework finding of this symbol
CONFIG_LIST_PACKAGES = ("autogen", "ag2")
CONFIG_LIST_SYMBOL = "autogen.config_list"

#: other import paths of the names above
ROUTE_ALIASES: Dict[str, str] = {
    "litellm.main.completion": "litellm.completion",
    "litellm.main.acompletion": "litellm.acompletion",
    "litellm.main.embedding": "litellm.embedding",
    "litellm.main.aembedding": "litellm.aembedding",
    "litellm.main.text_completion": "litellm.text_completion",
    "litellm.main.atext_completion": "litellm.atext_completion",
    "dspy.clients.LM": "dspy.LM",
    "dspy.clients.lm.LM": "dspy.LM",
    "crewai.llm.LLM": "crewai.LLM",
    "crewai.agent.Agent": "crewai.Agent",
    "litellm.router.Router": "litellm.Router",
}

#: bare model names LiteLLM sends to OpenAI (its model table lists them under provider "openai")
OPENAI_MODEL_GLOBS = (
    "gpt-*",
    "chatgpt-*",
    "o1",
    "o1-*",
    "o3",
    "o3-*",
    "o4-mini",
    "o4-mini-*",
    "text-embedding-*",
    "davinci-002",
    "babbage-002",
    "text-davinci-*",
)


def route_function(qname: str) -> Optional[str]:
    """``litellm.main.completion`` -> ``litellm.completion``; None if not a routing call."""
    qname = ROUTE_ALIASES.get(qname, qname)
    return qname if qname in ROUTE_FUNCTIONS else None


def openai_route(model: Optional[str]) -> Optional[str]:
    """The OpenAI model a LiteLLM model string sends to OpenAI (``openai/gpt-4o`` and ``gpt-4o`` ->
    ``gpt-4o``), or None: another provider's route (``anthropic/...``, ``ollama/...``) or no string."""
    import fnmatch

    if not model:
        return None
    if model.startswith("openai/"):
        return model[len("openai/") :] or None
    if "/" in model:
        return None
    return model if any(fnmatch.fnmatchcase(model, g) for g in OPENAI_MODEL_GLOBS) else None


def canonical(qname: str) -> str:
    """Map private re-export paths (``openai._client.OpenAI``, a framework class's module
    path) to the public name."""
    if qname in FRAMEWORK_CLASSES:
        return FRAMEWORK_CLASSES[qname]
    for private, public in _ALIASES.items():
        if qname.startswith(private):
            return public + qname[len(private) :]
    return qname


def is_openai(qname: str) -> bool:
    return qname == "openai" or qname.startswith("openai.")


def exception_name(qname: str) -> Optional[str]:
    """``openai.error.RateLimitError`` -> ``RateLimitError``; None if not an OpenAI exception."""
    qname = canonical(qname)
    parts = qname.split(".")
    if parts[0] != "openai" or len(parts) < 2:
        return None
    if len(parts) == 3 and parts[1] == "error":
        return parts[2]
    if len(parts) == 2 and (parts[1] in EXCEPTIONS or parts[1].endswith("Error")):
        return parts[1]
    return None


def is_framework(qname: str) -> bool:
    """An OpenAI wrapper of a framework: langchain_openai.*, *.ChatOpenAI, llama_index *openai*, tiktoken."""
    root = qname.split(".", 1)[0]
    if root == "tiktoken":
        return True
    if root not in FRAMEWORK_PACKAGES:
        return False
    if root == "langchain_openai":
        return True
    lowered = qname.lower()
    return "openai" in lowered


def legacy_resource(qname: str) -> bool:
    """``openai.ChatCompletion`` and the other v0 resource classes."""
    parts = canonical(qname).split(".")
    return len(parts) == 2 and parts[0] == "openai" and parts[1] in LEGACY_RESOURCES


def legacy_operation(qname: str) -> Optional[Tuple[str, bool]]:
    """``openai.ChatCompletion.acreate`` -> (``chat.completions.create``, is_async)."""
    parts = canonical(qname).split(".")
    if len(parts) != 3 or parts[0] != "openai" or parts[1] not in LEGACY_RESOURCES:
        return None
    resource, method = LEGACY_RESOURCES[parts[1]], parts[2]
    is_async = method.startswith("a") and method[1:] in {
        "create",
        "list",
        "retrieve",
        "delete",
        "cancel",
        "transcribe",
        "translate",
        "create_edit",
        "create_variation",
    }
    if (resource, method) in LEGACY_METHODS:
        return LEGACY_METHODS[(resource, method)], is_async
    if is_async:
        method = method[1:]
        if (resource, method) in LEGACY_METHODS:
            return LEGACY_METHODS[(resource, method)], True
    return f"{resource}.{method}", is_async


def normalize_api(path: Tuple[str, ...]) -> str:
    """Drop transparent wrappers and the ``beta.`` prefix of graduated APIs."""
    parts = [p for p in path if p not in TRANSPARENT]
    api = ".".join(parts)
    if api.startswith("beta.chat.completions."):
        api = api[len("beta.") :]
    return api
