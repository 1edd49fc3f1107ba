"""Tencent Cloud API 3.0 wire for Hunyuan (``tencentcloud-sdk-python-hunyuan``).

``POST /`` (the async client sends ``/?``), action in ``X-TC-Action``, PascalCase
JSON. The TC3 signature is not verified. Traps the SDK imposes (abstract_client.py):
  * errors are only detected when Content-Type is *exactly* ``application/json``;
  * SSE is only detected when Content-Type is *exactly* ``text/event-stream``;
  * errors are HTTP 200 with ``{"Response": {"Error": {"Code","Message"}, "RequestId"}}``;
  * stream events have no ``Response`` wrapper and no ``[DONE]``.
"""

from __future__ import annotations

import json
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

NOTE = "以上内容为AI生成，不代表开发者立场，请勿删除或修改本标记"
JSON_CT = "application/json"  # exact: the SDK compares the whole header
SSE_CT = "text/event-stream"  # exact, no charset

HUNYUAN_ERRORS: Dict[int, str] = {
    400: "InvalidParameterValue",
    401: "AuthFailure.SignatureFailure",
    403: "UnauthorizedOperation",
    404: "ResourceNotFound",
    429: "RequestLimitExceeded",
    500: "InternalError",
}


def hunyuan_error(code: str, message: str, request_id: str) -> Reply:
    return json_reply(
        200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}, content_type=JSON_CT
    )


def _messages(body: Mapping[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for m in opt(body, "Messages", []):
        content = m.get("Content")
        if content is None and isinstance(m.get("Contents"), list):
            content = " ".join(p.get("Text") or "" for p in m["Contents"] if isinstance(p, Mapping))
        out.append({"role": m.get("Role"), "content": content})
    return out


def _tools(body: Mapping[str, Any]) -> List[Dict[str, Any]]:
    tools = []
    for t in opt(body, "Tools", []):
        fn = t.get("Function") or {}
        params = fn.get("Parameters")
        try:  # Hunyuan carries the JSON schema as a *string*
            params = json.loads(params) if isinstance(params, str) else params
        except ValueError:
            params = {}
        tools.append({"type": "function", "function": {"name": fn.get("Name"), "parameters": params}})
    return tools


def _usage(ans: Answer, completion: int) -> Dict[str, int]:
    return {"PromptTokens": ans.prompt_tokens, "CompletionTokens": completion, "TotalTokens": ans.prompt_tokens + completion}


def chat_completions(body: Mapping[str, Any]) -> Reply:
    messages = _messages(body)
    if not messages:
        return hunyuan_error("MissingParameter", "Messages is required", "req-empty")
    tool_choice = opt(body, "ToolChoice")
    ans = answer(messages, _tools(body), "none" if tool_choice == "none" else None)
    request_id = f"{ans.key[:8]}-{ans.key[8:12]}-{ans.key[12:16]}-{ans.key[16:20]}-{ans.key[20:32]}"
    status = error_status(messages)
    if status:
        return hunyuan_error(HUNYUAN_ERRORS.get(status, "InternalError"), f"fake error {status} (ERR{status} marker)", request_id)
    tool_calls = [
        {"Id": c.id, "Type": "function", "Index": i, "Function": {"Name": c.name, "Arguments": c.arguments}}
        for i, c in enumerate(ans.tool_calls)
    ]
    if not opt(body, "Stream", False):
        message: Dict[str, Any] = {"Role": "assistant", "Content": ans.content or ""}
        if tool_calls:
            message["ToolCalls"] = tool_calls
        response = {
            "RequestId": request_id,
            "Id": request_id,
            "Created": 1_700_000_000,
            "Note": NOTE,
            "Choices": [{"Index": 0, "FinishReason": ans.finish_reason, "Message": message}],
            "Usage": _usage(ans, ans.completion_tokens),
        }
        return json_reply(200, {"Response": response}, content_type=JSON_CT)
    return Reply(200, SSE_CT, frames=_frames(ans, request_id, tool_calls), headers={"X-TC-RequestId": request_id})


def _frames(ans: Answer, request_id: str, tool_calls: List[Dict[str, Any]]) -> List[bytes]:
    deltas = (
        [{"Role": "assistant", "Content": "", "ToolCalls": tool_calls}]
        if tool_calls
        else [{"Role": "assistant", "Content": p} for p in split_stream(ans.content or "")]
    )
    frames, so_far = [], ""
    for pos, delta in enumerate(deltas):
        so_far += delta["Content"]
        last = pos == len(deltas) - 1
        event = {
            "Note": NOTE,
            "Choices": [{"Index": 0, "FinishReason": ans.finish_reason if last else "", "Delta": delta}],
            "Created": 1_700_000_000,
            "Id": request_id,
            "Usage": _usage(ans, ans.completion_tokens if last else count_tokens(so_far)),
        }
        frames.append(b"data: " + json_bytes(event) + b"\n\n")
    return frames


def get_embedding(body: Mapping[str, Any]) -> Reply:
    raw = opt(body, "InputList") or opt(body, "Input")
    if raw is None:
        return hunyuan_error("MissingParameter", "Input or InputList is required", "req-empty")
    texts = embedding_inputs(raw)
    joined = " ".join(texts)
    request_id = f"req-{digest(joined)[:24]}"
    status = error_status([{"role": "user", "content": joined}])
    if status:
        return hunyuan_error(HUNYUAN_ERRORS.get(status, "InternalError"), f"fake error {status} (ERR{status} marker)", request_id)
    dims = embedding_dims(None)
    data = [{"Embedding": embedding_vector(t, dims), "Index": i, "Object": "embedding"} for i, t in enumerate(texts)]
    tokens = sum(count_tokens(t) for t in texts) or 1
    return json_reply(
        200,
        {"Response": {"Data": data, "Usage": {"PromptTokens": tokens, "TotalTokens": tokens}, "RequestId": request_id}},
        content_type=JSON_CT,
    )


ACTIONS = {"ChatCompletions": chat_completions, "GetEmbedding": get_embedding}


def dispatch(action: str, body: Mapping[str, Any]) -> Reply:
    handler = ACTIONS.get(action)
    if handler is None:
        return hunyuan_error("InvalidAction", f"action {action!r} is not supported by the fake", "req-none")
    return handler(body)
