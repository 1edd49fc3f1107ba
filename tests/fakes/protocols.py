"""Deterministic answer logic shared by every fake wire protocol, and the OpenAI wire.

Everything here is a pure function of the request body: no clock, no randomness,
no counters. The same request therefore always yields the same response bytes,
and two *different* SDKs sending the same conversation get the same answer text,
usage and tool-call arguments (what the equivalence tests compare). Only the
envelope (ids derived from the conversation, the echoed ``model``) follows the
request.

Magic inputs, read from the last user message:
  * ``ERRnnn`` (e.g. ``ERR429``) -> that HTTP error in the protocol's error shape.
  * request has ``tools`` (and ``tool_choice`` is not ``"none"``) and the last
    message is not a tool result -> a call to the first (or the forced) tool.
  * ``response_format`` ``json_object`` / ``json_schema`` -> content is JSON.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

FIXED_CREATED = 1_700_000_000  # fixed so bodies never depend on the clock
DEFAULT_EMBED_DIM = 8
MAX_EMBED_DIM = 256
ERROR_MARKER = re.compile(r"ERR([45]\d\d)")


# --------------------------------------------------------------------------- replies


@dataclass
class Reply:
    """What the HTTP layer writes: a plain body, or SSE frames when ``frames`` is set."""

    status: int
    content_type: str
    body: bytes = b""
    frames: Optional[List[bytes]] = None
    headers: Dict[str, str] = field(default_factory=dict)


def json_bytes(obj: Any) -> bytes:
    # Compact and key-order preserving, like the real services.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_reply(status: int, obj: Any, content_type: str = "application/json", headers: Optional[Dict[str, str]] = None) -> Reply:
    return Reply(status=status, content_type=content_type, body=json_bytes(obj), headers=dict(headers or {}))


# --------------------------------------------------------------------------- helpers


def opt(body: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """Read an optional field, treating JSON null as absent (Ark/Zhipu send nulls)."""
    value = body.get(key)
    return default if value is None else value


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_text(content: Any) -> str:
    """Flatten message content: str, OpenAI parts, DashScope ``{"text":..}`` parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                texts.append(part["text"])
        return " ".join(texts)
    return str(content)


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def count_tokens(text: str) -> int:
    # A whitespace word count: deterministic and identical for every provider.
    return len(text.split())


def prompt_tokens(messages: Sequence[Mapping[str, Any]]) -> int:
    return sum(count_tokens(content_text(m.get("content"))) for m in messages) or 1


def split_stream(text: str) -> List[str]:
    """Split after whitespace so that ''.join(pieces) == text (one word per chunk)."""
    pieces = [p for p in re.split(r"(?<=\s)(?=\S)", text) if p]
    return pieces or [""]


def error_status(messages: Sequence[Mapping[str, Any]]) -> Optional[int]:
    match = ERROR_MARKER.search(last_user_text(messages))
    return int(match.group(1)) if match else None


def fill_schema(schema: Any, name: str, seed: str, depth: int = 0) -> Any:
    """Deterministic value that satisfies a (simple) JSON schema."""
    if not isinstance(schema, Mapping) or depth > 6:
        return f"{name}-{seed[:6]}"
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for combo in ("anyOf", "oneOf", "allOf"):
        if schema.get(combo):
            return fill_schema(schema[combo][0], name, seed, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None and "properties" in schema:
        kind = "object"
    number = int(seed[:4], 16) % 100
    if kind == "object":
        props = schema.get("properties") or {}
        required = schema.get("required")
        keys = [k for k in props if required is None or k in required]
        return {k: fill_schema(props[k], k, digest(seed + k), depth + 1) for k in keys}
    if kind == "array":
        return [fill_schema(schema.get("items") or {}, name, seed, depth + 1)]
    if kind == "integer":
        return number
    if kind == "number":
        return number + 0.5
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return f"{name}-{seed[:6]}"


# --------------------------------------------------------------------------- answers


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text, as every wire carries it


@dataclass
class Answer:
    """The protocol-neutral result of a chat request."""

    key: str  # sha256 of the conversation key; seeds ids
    content: Optional[str]
    tool_calls: List[ToolCall]
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def _pick_tool(tools: Sequence[Mapping[str, Any]], tool_choice: Any) -> Optional[Mapping[str, Any]]:
    functions = [t.get("function") or t for t in tools if isinstance(t, Mapping)]
    functions = [f for f in functions if isinstance(f, Mapping) and f.get("name")]
    if not functions or tool_choice == "none":
        return None
    if isinstance(tool_choice, Mapping):
        wanted = (tool_choice.get("function") or {}).get("name") or tool_choice.get("name")
        for function in functions:
            if function.get("name") == wanted:
                return function
    return functions[0]


def _json_content(response_format: Mapping[str, Any], text: str, key: str) -> str:
    schema = None
    if response_format.get("type") == "json_schema":
        holder = response_format.get("json_schema") or {}
        schema = holder.get("schema") if isinstance(holder, Mapping) else None
    if isinstance(schema, Mapping):
        value = fill_schema(schema, "value", key)
    else:
        value = {"echo": text, "hash": key[:8]}
    return json.dumps(value, ensure_ascii=False)


def answer(
    messages: Sequence[Mapping[str, Any]],
    tools: Any = None,
    tool_choice: Any = None,
    response_format: Any = None,
    max_tokens: Any = None,
) -> Answer:
    """Decide what the fake model says; pure in its arguments."""
    text = last_user_text(messages)
    last = messages[-1] if messages else {}
    after_tool = last.get("role") in ("tool", "function")
    key = digest(json.dumps([text, content_text(last.get("content")) if after_tool else ""]))
    p_tokens = prompt_tokens(messages)

    tool = None if after_tool else _pick_tool(tools or [], tool_choice)
    if tool is not None:
        args = fill_schema(tool.get("parameters") or {"type": "object"}, "arg", key)
        if not isinstance(args, dict):
            args = {"value": args}
        arguments = json.dumps(args, ensure_ascii=False)
        call = ToolCall(id=f"call_{key[:24]}", name=str(tool["name"]), arguments=arguments)
        return Answer(key, None, [call], "tool_calls", p_tokens, count_tokens(call.name + " " + arguments))

    if after_tool:
        content = f"Tool result: {content_text(last.get('content'))}"
    elif isinstance(response_format, Mapping) and response_format.get("type") in ("json_object", "json_schema"):
        content = _json_content(response_format, text, key)
    else:
        content = f"echo[{key[:8]}] {text}"
    finish = "stop"
    if isinstance(max_tokens, int) and 0 < max_tokens < count_tokens(content):
        content = " ".join(content.split()[:max_tokens])  # honour max_tokens like a model would
        finish = "length"
    return Answer(key, content, [], finish, p_tokens, count_tokens(content))


# --------------------------------------------------------------------------- embeddings


def embedding_vector(text: str, dims: int) -> List[float]:
    """Values k/256 with |k| <= 256: exact in float32, so base64 and float agree bit-for-bit."""
    raw = b""
    counter = 0
    while len(raw) < dims:
        raw += hashlib.sha256(f"{counter}:{text}".encode("utf-8")).digest()
        counter += 1
    return [(b - 128) / 256.0 for b in raw[:dims]]


def embedding_dims(requested: Any) -> int:
    if isinstance(requested, int) and not isinstance(requested, bool) and requested > 0:
        return min(requested, MAX_EMBED_DIM)
    return DEFAULT_EMBED_DIM


def embedding_inputs(value: Any) -> List[str]:
    """OpenAI accepts a string, a list of strings, a token list, or a list of token lists."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        if value and all(isinstance(v, int) for v in value):
            return [" ".join(map(str, value))]
        return [v if isinstance(v, str) else " ".join(map(str, v)) for v in value]
    return [str(value)]


def float32_base64(vector: Sequence[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")


# --------------------------------------------------------------------------- OpenAI wire

# (type, code) per status. Providers that document their own codes override them.
OPENAI_ERRORS: Dict[int, Tuple[str, str]] = {
    400: ("invalid_request_error", "invalid_value"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "model_not_found"),
    408: ("timeout", "timeout"),
    409: ("invalid_request_error", "conflict"),
    422: ("invalid_request_error", "unprocessable_entity"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", "server_error"),
    503: ("server_error", "service_unavailable"),
}
ZHIPU_ERRORS: Dict[int, Tuple[str, str]] = {  # business codes from docs.z.ai api-code
    400: ("invalid_request_error", "1214"),
    401: ("invalid_request_error", "1000"),
    404: ("invalid_request_error", "1211"),
    429: ("requests", "1302"),
    500: ("server_error", "500"),
}
ARK_ERRORS: Dict[int, Tuple[str, str]] = {  # codes from volcengine docs 82379/1299023
    400: ("BadRequest", "InvalidParameter"),
    401: ("Unauthorized", "AuthenticationError"),
    403: ("Forbidden", "AccessDenied"),
    404: ("NotFound", "InvalidEndpointOrModel.NotFound"),
    429: ("TooManyRequests", "RateLimitExceeded.EndpointRPMExceeded"),
    500: ("InternalServerError", "InternalServiceError"),
}
ERROR_FLAVOURS: Dict[str, Dict[int, Tuple[str, str]]] = {
    "openai": OPENAI_ERRORS,
    "zhipu": ZHIPU_ERRORS,
    "ark": ARK_ERRORS,
}

NO_RETRY = {"x-should-retry": "false"}  # openai/zhipu/ark clients all honour it


def openai_error(status: int, flavour: str = "openai", message: Optional[str] = None) -> Reply:
    table = ERROR_FLAVOURS.get(flavour, OPENAI_ERRORS)
    kind, code = table.get(status) or OPENAI_ERRORS.get(status) or ("api_error", str(status))
    error = {
        "message": message or f"fake error {status} (requested by ERR{status} marker)",
        "type": kind,
        "param": None,
        "code": code,
    }
    return json_reply(status, {"error": error}, headers=NO_RETRY)


@dataclass(frozen=True)
class WireOptions:
    """Per-provider differences on the OpenAI wire."""

    flavour: str = "openai"  # error code table
    usage_in_stream: bool = False  # Zhipu: final chunk always carries usage
    reasoning_models: Tuple[str, ...] = ()  # DeepSeek: these models' replies carry reasoning_content


def _usage(ans: Answer) -> Dict[str, int]:
    return {"prompt_tokens": ans.prompt_tokens, "completion_tokens": ans.completion_tokens, "total_tokens": ans.total_tokens}


def _tool_calls_json(ans: Answer) -> List[Dict[str, Any]]:
    return [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in ans.tool_calls]


def _sse(obj: Any) -> bytes:
    return b"data: " + (obj if isinstance(obj, bytes) else json_bytes(obj)) + b"\n\n"


def openai_chat(body: Mapping[str, Any], options: WireOptions = WireOptions()) -> Reply:
    """``POST {prefix}/chat/completions``."""
    messages = opt(body, "messages", [])
    if not isinstance(messages, list) or not messages:
        return openai_error(400, options.flavour, "messages must be a non-empty list")
    status = error_status(messages)
    if status:
        return openai_error(status, options.flavour)
    max_tokens = opt(body, "max_completion_tokens", opt(body, "max_tokens"))
    ans = answer(messages, opt(body, "tools"), opt(body, "tool_choice"), opt(body, "response_format"), max_tokens)
    model = opt(body, "model", "")
    n = opt(body, "n", 1)
    n = n if isinstance(n, int) and 1 <= n <= 8 else 1
    base = {"id": f"chatcmpl-{ans.key[:24]}", "created": FIXED_CREATED, "model": model}
    if not opt(body, "stream", False):
        message: Dict[str, Any] = {"role": "assistant", "content": ans.content}
        if model in options.reasoning_models:
            message["reasoning_content"] = reasoning_text(ans)
        if ans.tool_calls:
            message["tool_calls"] = _tool_calls_json(ans)
        choices = [{"index": i, "message": message, "logprobs": None, "finish_reason": ans.finish_reason} for i in range(n)]
        result = {
            "id": base["id"],
            "object": "chat.completion",
            "created": FIXED_CREATED,
            "model": model,
            "choices": choices,
            "usage": _usage(ans),
            "system_fingerprint": "fp_fake",
        }
        return json_reply(200, result)
    include_usage = bool((opt(body, "stream_options", {}) or {}).get("include_usage"))
    frames = _openai_stream_frames(
        ans, base, n, include_usage, options.usage_in_stream, reasoning_text(ans) if model in options.reasoning_models else None
    )
    return Reply(200, "text/event-stream; charset=utf-8", frames=frames)


def reasoning_text(ans: Answer) -> str:
    """What a reasoning model (deepseek-reasoner) thought before ``ans``: its reasoning_content."""
    return f"fake reasoning {ans.key[:8]}"


def _openai_stream_frames(
    ans: Answer, base: Mapping[str, Any], n: int, include_usage: bool, usage_in_stream: bool, reasoning: Optional[str] = None
) -> List[bytes]:
    deltas: List[Dict[str, Any]] = []
    if reasoning is not None:  # DeepSeek streams the reasoning before the answer, in its own field
        deltas.append({"role": "assistant", "content": None, "reasoning_content": reasoning})
    if ans.tool_calls:
        calls = [
            {"index": i, "id": c.id, "type": "function", "function": {"name": c.name, "arguments": ""}}
            for i, c in enumerate(ans.tool_calls)
        ]
        deltas.append({"role": "assistant", "content": None, "tool_calls": calls})
        deltas.extend(
            {"tool_calls": [{"index": i, "function": {"arguments": c.arguments}}]} for i, c in enumerate(ans.tool_calls)
        )
    else:
        deltas.append({"role": "assistant", "content": ""})
        deltas.extend({"content": piece} for piece in split_stream(ans.content or ""))
    deltas.append({})  # the finishing chunk carries finish_reason and an empty delta

    frames = []
    for pos, delta in enumerate(deltas):
        last = pos == len(deltas) - 1
        chunk: Dict[str, Any] = {
            "id": base["id"],
            "object": "chat.completion.chunk",
            "created": base["created"],
            "model": base["model"],
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": i, "delta": delta, "logprobs": None, "finish_reason": ans.finish_reason if last else None}
                for i in range(n)
            ],
        }
        if usage_in_stream and last:
            chunk["usage"] = _usage(ans)
        elif include_usage:
            chunk["usage"] = None
        frames.append(_sse(chunk))
    if include_usage and not usage_in_stream:
        frames.append(
            _sse(
                {
                    "id": base["id"],
                    "object": "chat.completion.chunk",
                    "created": base["created"],
                    "model": base["model"],
                    "system_fingerprint": "fp_fake",
                    "choices": [],
                    "usage": _usage(ans),
                }
            )
        )
    frames.append(_sse(b"[DONE]"))
    return frames


def openai_embeddings(body: Mapping[str, Any], options: WireOptions = WireOptions()) -> Reply:
    """``POST {prefix}/embeddings``; base64 is little-endian float32, exactly as OpenAI sends it."""
    if body.get("input") is None:
        return openai_error(400, options.flavour, "input is required")
    texts = embedding_inputs(body["input"])
    status = error_status([{"role": "user", "content": " ".join(texts)}])
    if status:
        return openai_error(status, options.flavour)
    dims = embedding_dims(opt(body, "dimensions"))
    as_base64 = opt(body, "encoding_format", "float") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = embedding_vector(text, dims)
        data.append({"object": "embedding", "index": index, "embedding": float32_base64(vector) if as_base64 else vector})
    tokens = sum(count_tokens(t) for t in texts) or 1
    return json_reply(
        200,
        {
            "object": "list",
            "data": data,
            "model": opt(body, "model", ""),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        },
    )
