"""The HTTP side: a stdlib ThreadingHTTPServer on 127.0.0.1 that routes to the
protocol functions and records every request.

One ``FakeServer`` impersonates ONE provider host (see providers.py), on its own
ephemeral port, in a daemon thread. Use several servers for several providers.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from . import dashscope_native, hunyuan_native
from .protocols import Reply, json_reply, openai_chat, openai_embeddings, openai_error
from .providers import ProviderSpec, get_provider

FIXED_DATE = "Sat, 01 Jan 2026 00:00:00 GMT"  # Date header too, so whole responses repeat


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive view of request headers (first value wins)."""

    def __init__(self, items: List[Tuple[str, str]]) -> None:
        self._items = list(items)
        self._first: Dict[str, str] = {}
        for name, value in self._items:
            self._first.setdefault(name.lower(), value)

    def __getitem__(self, name: str) -> str:
        return self._first[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def __iter__(self) -> Iterator[str]:
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)

    def get_all(self, name: str) -> List[str]:
        return [v for n, v in self._items if n.lower() == name.lower()]

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass
class RecordedRequest:
    provider: str
    route: Optional[str]  # e.g. "openai.chat", "dashscope.generation"; None = no route (404)
    method: str
    path: str  # normalised: no query, duplicate slashes collapsed
    raw_path: str  # as sent, query included
    query: Dict[str, List[str]]
    headers: Headers
    body: bytes
    json: Any  # parsed body, or None when empty / not JSON
    status: int = 0  # status the fake answered with

    @property
    def authorization(self) -> Optional[str]:
        return self.headers.get("authorization")


Handler = Callable[[RecordedRequest], Reply]


def _route(spec: ProviderSpec, req: RecordedRequest) -> Tuple[Optional[str], Optional[Handler]]:
    """Map (method, path, headers) to a route name and a handler for this provider host."""
    if req.method != "POST":
        return None, None
    if "hunyuan" in spec.natives and req.path == "/" and "x-tc-action" in req.headers:
        action = req.headers["x-tc-action"]
        return f"hunyuan.{action}", lambda r: hunyuan_native.dispatch(action, r.json or {})
    if "dashscope" in spec.natives:
        if req.path in dashscope_native.GENERATION_PATHS:
            return "dashscope.generation", lambda r: dashscope_native.generation(r.json or {}, r.headers)
        if req.path == dashscope_native.EMBEDDING_PATH:
            return "dashscope.embedding", lambda r: dashscope_native.text_embedding(r.json or {})
    for prefix in sorted(spec.openai_prefixes, key=len, reverse=True):
        if req.path == f"{prefix}/chat/completions":
            return "openai.chat", lambda r: openai_chat(r.json or {}, spec.wire)
        if req.path == f"{prefix}/embeddings" and spec.embeddings:
            return "openai.embeddings", lambda r: openai_embeddings(r.json or {}, spec.wire)
    return None, None


def _unauthorized(route: str) -> Reply:
    if route.startswith("dashscope."):
        return dashscope_native.dashscope_error(401, "req-noauth", "No API-key provided.")
    if route.startswith("hunyuan."):
        return hunyuan_native.hunyuan_error("AuthFailure.SignatureFailure", "missing Authorization", "req-noauth")
    return openai_error(401, message="You didn't provide an API key.")


def _not_found(spec: ProviderSpec, req: RecordedRequest) -> Reply:
    return json_reply(
        404,
        {
            "error": {
                "message": f"fake {spec.name}: no route for {req.method} {req.path}",
                "type": "invalid_request_error",
                "param": None,
                "code": "unknown_url",
            }
        },
        headers={"x-should-retry": "false"},
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; SSE uses chunked transfer encoding
    server: "_Server"

    def version_string(self) -> str:
        return "fake-provider/1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def date_time_string(self, timestamp: Optional[float] = None) -> str:
        return FIXED_DATE

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        fake = self.server.fake
        body = self._read_body()
        parts = urlsplit(self.path)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        req = RecordedRequest(
            provider=fake.provider,
            route=None,
            method=self.command,
            path=re.sub(r"/{2,}", "/", parts.path) or "/",
            raw_path=self.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=Headers(list(self.headers.items())),
            body=body,
            json=parsed,
        )
        req.route, handler = _route(fake.spec, req)
        if handler is None:
            reply = _not_found(fake.spec, req)
        elif fake.require_auth and not req.authorization:
            reply = _unauthorized(req.route or "")
        elif body and parsed is None:
            reply = openai_error(400, message="request body is not valid JSON")
        else:
            reply = handler(req)
        req.status = reply.status
        fake._record(req)
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.frames is None:
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
            return
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for frame in reply.frames:  # one HTTP chunk per SSE event, flushed, like a live stream
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: "FakeServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients dropping idle keep-alive sockets is normal; anything else is a fake bug.
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FakeServer:
    """A fake provider host on ``127.0.0.1:<ephemeral>``.

    >>> with FakeServer("zhipu") as srv:
    ...     client = ZhipuAI(api_key="k", base_url=srv.base_url())
    """

    def __init__(self, provider: str = "openai", *, require_auth: bool = True) -> None:
        self.spec = get_provider(provider)
        self.provider = self.spec.name
        self.require_auth = require_auth  # real services 401 without Authorization
        self._lock = threading.Lock()
        self._requests: List[RecordedRequest] = []
        self._httpd: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    # lifecycle -------------------------------------------------------------
    def start(self) -> "FakeServer":
        if self._httpd is None:
            httpd = _Server(("127.0.0.1", 0), _Handler)
            httpd.fake = self
            self._httpd = httpd
            self._thread = threading.Thread(
                target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fake-{self.provider}", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # addresses -------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeServer is not started")
        return self._httpd.server_address[1]

    @property
    def host_port(self) -> str:
        """``127.0.0.1:PORT`` — what Tencent's ``HttpProfile(endpoint=...)`` wants."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host_port}"

    def base_url(self, prefix: Optional[str] = None) -> str:
        """URL for an OpenAI-style client: ``srv.url`` + the provider's API prefix."""
        return self.url + (self.spec.default_prefix if prefix is None else prefix)

    def env(self) -> Dict[str, str]:
        """Environment variables that point this provider's SDKs at the fake."""
        return {name: self.url + suffix for name, suffix in self.spec.env.items()}

    def rewrite(self, text: str) -> str:
        """Replace the provider's official base URLs in ``text`` with this fake's."""
        for real in sorted(self.spec.real_base_urls, key=len, reverse=True):
            path = urlsplit(real).path
            text = text.replace(real, self.url + path)
        return text

    # recording -------------------------------------------------------------
    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(req)

    @property
    def requests(self) -> List[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def last(self) -> RecordedRequest:
        with self._lock:
            if not self._requests:
                raise AssertionError(f"fake {self.provider} received no request")
            return self._requests[-1]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
