"""DashScope native wire (``/api/v1/services/...``), as used by dashscope 1.x
``Generation.call`` / ``AioGeneration.call`` / ``TextEmbedding.call`` and by the
2.x ``dashscope.Client`` with its default ``protocol="native"`` (same paths and
body shape: dashscope/v2/protocols/native.py, v2/resources/embeddings.py).

Wire facts (dashscope 2.0.2 source + reference doc):
  * body ``{"model", "input": {"messages": [...]} | {"prompt": str}, "parameters": {...}}``;
  * streaming is requested by the header ``X-DashScope-SSE: enable``, never the body;
  * ``parameters.incremental_output`` true -> deltas, otherwise each chunk holds
    the whole text so far (the service default);
  * SSE framing ``id:N / event:result / :HTTP_STATUS/200 / data:{json}``, no
    ``[DONE]``; ``finish_reason`` is the *string* ``"null"`` until the last chunk;
  * usage is ``input_tokens/output_tokens/total_tokens`` on every chunk;
  * errors: non-200 + JSON ``{"request_id","code","message"}`` (1.x returns it,
    2.x raises ``dashscope.v2.errors.*``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from .protocols import (
    Answer,
    Reply,
    answer,
    count_tokens,
    digest,
    embedding_dims,
    embedding_inputs,
    embedding_vector,
    error_status,
    json_bytes,
    json_reply,
    opt,
    split_stream,
)

GENERATION_PATHS = (
    "/api/v1/services/aigc/text-generation/generation",
    "/api/v1/services/aigc/multimodal-generation/generation",
)
EMBEDDING_PATH = "/api/v1/services/embeddings/text-embedding/text-embedding"

DASHSCOPE_ERRORS: Dict[int, str] = {
    400: "InvalidParameter",
    401: "InvalidApiKey",
    403: "AccessDenied",
    404: "ModelNotFound",
    429: "Throttling.RateQuota",
    500: "InternalError",
    503: "ServiceUnavailable",
}


def dashscope_error(status: int, request_id: str, message: str = "") -> Reply:
    code = DASHSCOPE_ERRORS.get(status, "InternalError")
    return json_reply(
        status, {"request_id": request_id, "code": code, "message": message or f"fake error {status} (ERR{status} marker)"}
    )


def _messages(body: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    data = opt(body, "input", {})
    if isinstance(data.get("messages"), list):
        return data["messages"]
    if isinstance(data.get("prompt"), str):  # 1.x Generation.call(prompt=...)
        return [{"role": "user", "content": data["prompt"]}]
    return []


def _usage(ans: Answer, output_tokens: int) -> Dict[str, int]:
    return {"input_tokens": ans.prompt_tokens, "output_tokens": output_tokens, "total_tokens": ans.prompt_tokens + output_tokens}


def _output(message_format: bool, content: str, finish: str, tool_calls: Any) -> Dict[str, Any]:
    if not message_format:
        return {"text": content, "finish_reason": finish}
    message: Dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {"choices": [{"finish_reason": finish, "message": message}]}


def generation(body: Mapping[str, Any], headers: Mapping[str, str]) -> Reply:
    """``POST /api/v1/services/aigc/text-generation/generation``."""
    messages = _messages(body)
    if not messages:
        return dashscope_error(400, "req-empty", "input.messages or input.prompt is required")
    params = opt(body, "parameters", {})
    ans = answer(
        messages, opt(params, "tools"), opt(params, "tool_choice"), opt(params, "response_format"), opt(params, "max_tokens")
    )
    request_id = f"req-{ans.key[:24]}"
    status = error_status(messages)
    if status:
        return dashscope_error(status, request_id)
    message_format = opt(params, "result_format", "text") == "message"
    tool_calls = [
        {"index": i, "id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for i, c in enumerate(ans.tool_calls)
    ]
    stream = str(headers.get("X-DashScope-SSE", "")).lower() == "enable"
    if not stream:
        output = _output(message_format, ans.content or "", ans.finish_reason, tool_calls)
        return json_reply(200, {"request_id": request_id, "output": output, "usage": _usage(ans, ans.completion_tokens)})
    incremental = bool(opt(params, "incremental_output", False))
    return Reply(200, "text/event-stream;charset=UTF-8", frames=_frames(ans, request_id, message_format, incremental, tool_calls))


def _frames(
    ans: Answer, request_id: str, message_format: bool, incremental: bool, tool_calls: List[Dict[str, Any]]
) -> List[bytes]:
    payloads = []
    if tool_calls:
        output = _output(message_format, "", ans.finish_reason, tool_calls)
        payloads.append({"output": output, "usage": _usage(ans, ans.completion_tokens), "request_id": request_id})
    else:
        pieces = split_stream(ans.content or "")
        so_far = ""
        for pos, piece in enumerate(pieces):
            so_far += piece
            last = pos == len(pieces) - 1
            text = piece if incremental else so_far
            finish = ans.finish_reason if last else "null"
            payloads.append(
                {
                    "output": _output(message_format, text, finish, None),
                    "usage": _usage(ans, count_tokens(so_far)),
                    "request_id": request_id,
                }
            )
    return [b"id:%d\nevent:result\n:HTTP_STATUS/200\ndata:%s\n\n" % (i + 1, json_bytes(p)) for i, p in enumerate(payloads)]


def text_embedding(body: Mapping[str, Any]) -> Reply:
    """``POST /api/v1/services/embeddings/text-embedding/text-embedding``."""
    texts = embedding_inputs(opt(opt(body, "input", {}), "texts", []))
    if not texts:
        return dashscope_error(400, "req-empty", "input.texts is required")
    joined = " ".join(texts)
    request_id = f"req-{digest(joined)[:24]}"
    status = error_status([{"role": "user", "content": joined}])
    if status:
        return dashscope_error(status, request_id)
    dims = embedding_dims(opt(opt(body, "parameters", {}), "dimension"))
    embeddings = [{"text_index": i, "embedding": embedding_vector(t, dims)} for i, t in enumerate(texts)]
    tokens = sum(count_tokens(t) for t in texts) or 1
    return json_reply(200, {"output": {"embeddings": embeddings}, "usage": {"total_tokens": tokens}, "request_id": request_id})
