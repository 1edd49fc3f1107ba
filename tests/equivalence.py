"""Wire-level equivalence harness: run an OpenAI program and its migrations against fakes.

For one program (``fixtures/programs/<name>.py``) and one provider/plan:

1. the ORIGINAL runs with the installed ``openai`` SDK against the fake OpenAI
   server (``OPENAI_BASE_URL``/``OPENAI_API_KEY`` in the environment); openai<1
   ("v0") programs cannot run on openai>=1, so their reference is a v1 *twin*
   program (``V0_TWINS``) that makes the same requests and prints the same lines;
2. the program is migrated with ``migrate_source``; ``manual`` diagnostics make
   the cell not-applicable (the pack says a person must finish it);
3. the MIGRATED program runs with the provider's real SDK, pointed at that
   provider's fake only through the environment (see ``migrated_env``), while a
   fake OpenAI server also listens on ``OPENAI_BASE_URL`` to catch leaks;
4. ``compare`` checks stdout (after ``normalise_output``), the requests that
   reached the provider (mapped model, translated parameters, messages, auth),
   and that nothing reached OpenAI.

Every subprocess gets a clean environment (no proxies, ``NO_PROXY`` for
127.0.0.1, ``HOME`` in a temp dir) and a ``sitecustomize`` network guard that
refuses to resolve any host but the loopback, so a migrated program that still
points at a real provider fails fast instead of reaching the internet.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from tests.fakes import FakeServer, RecordedRequest
from tests.fakes.protocols import content_text, embedding_inputs

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS_DIR = ROOT / "fixtures" / "programs"
TIMEOUT = 60

# openai<1 programs -> the openai>=1 program whose run is their reference (same
# requests, same printed lines). Documented in fixtures/programs/README.md.
V0_TWINS: Dict[str, str] = {
    "legacy_chat": "chat_basic",
    "legacy_stream": "stream_sync",
    "legacy_embedding": "embeddings_single",
    "legacy_errors": "errors_rate_limit",
    "legacy_async": "async_chat",
}

# Model mappings the harness supplies as a user would (``[tool.migrator.models]``,
# ``select(models=...)``), for packs that deliberately map no model: Ark calls
# take the account's model or endpoint id. The ids are real Ark model names.
USER_MODELS: Dict[str, Dict[str, str]] = {
    "ark": {
        "gpt-4o": "doubao-seed-1-6-251015",
        "gpt-4o-mini": "doubao-seed-1-6-flash-250828",
        "gpt-3.5-turbo": "doubao-seed-1-6-flash-250828",
        "text-embedding-3-small": "doubao-embedding-text-240715",
        "text-embedding-3-large": "doubao-embedding-large-text-250515",
    },
}

#: Warnings by which a pack says the migrated program's output WILL differ, with the source text
#: that makes it differ for a program (a reply field the native class does not fill).  A program
#: that reads it is not-applicable for that cell, with the warning as the note: the pack told the
#: user, and the run would only show the same difference.
WARNED_DIFFERENCES: Tuple[Tuple[str, str], ...] = (
    ("carry no usage_metadata", "usage_metadata"),  # ChatTongyi / ChatZhipuAI (langchain-community 0.4.2)
)


def warned_difference(diagnostics: Sequence[Any], source: str) -> Optional[str]:
    """The pack's warning that this program's output changes, if one applies."""
    for d in diagnostics:
        if d.severity == "warning" and any(w in d.message and used in source for w, used in WARNED_DIFFERENCES):
            return f"warned: {d.rule}: {d.message}"
    return None


# --------------------------------------------------------------------------- output normalisation

# The ONLY normalisation of program output: an exception class name printed as
# ``error: <ClassName>`` becomes ``error: <category>``, because a native SDK
# raises its own classes for the same HTTP status. Every name is a real class of
# the SDK named next to it; a name missing here is left as is (and so differs).
ERROR_CATEGORIES: Dict[str, str] = {
    # openai>=1 (and openai<1 openai.error.*), dashscope.v2.errors
    "RateLimitError": "rate_limit",
    "AuthenticationError": "auth",
    "BadRequestError": "bad_request",
    "InvalidRequestError": "bad_request",  # openai<1 openai.error.InvalidRequestError
    # zhipuai.core._errors (status -> class in zhipuai/core/_http_client.py::_make_status_error)
    "APIReachLimitError": "rate_limit",
    "APIAuthenticationError": "auth",
    "APIRequestFailedError": "bad_request",
    # volcenginesdkarkruntime._exceptions
    "ArkRateLimitError": "rate_limit",
    "ArkAuthenticationError": "auth",
    "ArkBadRequestError": "bad_request",
}
ERROR_LINE = re.compile(r"\berror: ([A-Za-z_][A-Za-z0-9_]*)")


def normalise_output(text: str) -> str:
    return ERROR_LINE.sub(lambda m: f"error: {ERROR_CATEGORIES.get(m.group(1), m.group(1))}", text)


# --------------------------------------------------------------------------- programs


@dataclass(frozen=True)
class Program:
    name: str
    path: Path

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def twin(self) -> Optional[str]:
        return V0_TWINS.get(self.name)


def programs() -> List[Program]:
    return [Program(p.stem, p) for p in sorted(PROGRAMS_DIR.glob("*.py"))]


# --------------------------------------------------------------------------- running


GUARD = '''\
# Installed by tests/equivalence.py: only the loopback may be resolved.
import socket as _socket
import sys as _sys

_ALLOWED = {"127.0.0.1", "localhost", "::1"}
_getaddrinfo = _socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name not in _ALLOWED:
        _sys.stderr.write("NETWORK-GUARD: blocked %s\\n" % name)
        raise _socket.gaierror(-2, "network guard: %s is not the loopback" % name)
    return _getaddrinfo(host, *args, **kwargs)


_socket.getaddrinfo = _guarded_getaddrinfo
'''
GUARD_BLOCKED = re.compile(r"NETWORK-GUARD: blocked (\S+)")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    requests: List[RecordedRequest] = field(default_factory=list)

    @property
    def blocked_hosts(self) -> List[str]:
        return sorted(set(GUARD_BLOCKED.findall(self.stderr)))

    def tail(self, lines: int = 12) -> str:
        return "\n".join(self.stderr.strip().splitlines()[-lines:])


def base_env(home: Path, guard_dir: Path) -> Dict[str, str]:
    """A clean environment: no proxies, no inherited provider keys, loopback not proxied."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(guard_dir),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        # litellm (and dspy through it) fetches its model cost map from GitHub at import unless told not to
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    return env


def write_guard(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    return directory


def run_program(source: str, filename: str, env: Mapping[str, str], workdir: Path) -> Run:
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / filename
    script.write_text(source, encoding="utf-8")
    try:
        done = subprocess.run(
            [sys.executable, str(script)], env=dict(env), cwd=str(workdir), capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        return Run(-1, exc.stdout or "", f"timed out after {TIMEOUT}s\n{exc.stderr or ''}")
    return Run(done.returncode, done.stdout, done.stderr)


def run_package(
    tmp_path: Path, provider: str, package: Path, main: str, reads: str, extra: Optional[Dict[str, str]] = None
) -> Tuple[Run, list, list]:
    """Run ``main`` with a migrated package on the import path against the provider's fake, with
    OpenAI's variables pointing at a trap: (the run, the provider's requests, the trap's requests).
    ``reads``: the source whose environment reads are redirected (see ``migrated_env``);
    ``extra``: more variables (the deployment's own settings)."""
    with FakeServer(provider) as srv, FakeServer("openai") as trap:
        env = base_env(tmp_path, write_guard(tmp_path / "guard"))
        env.update(migrated_env(provider, srv, reads)[0])
        env.update({"OPENAI_BASE_URL": trap.base_url(), "OPENAI_API_KEY": "sk-openai-trap"})
        env.update(extra or {})
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{package}"
        done = run_program(main, "main.py", env, tmp_path / "run")
        return done, list(srv.requests), list(trap.requests)


def openai_env(openai_srv: FakeServer) -> Dict[str, str]:
    # OPENAI_API_BASE: what llama-index-llms-openai (and LangChain) read; the openai>=1 SDK ignores it
    return {"OPENAI_BASE_URL": openai_srv.base_url(), "OPENAI_API_BASE": openai_srv.base_url(), "OPENAI_API_KEY": "test-key"}


# Programs whose framework cannot be installed next to tests/requirements-providers.txt: run them
# with an interpreter that has it (the table keeps their recorded cells; see fixtures/programs/README.md).
_LLAMA_INDEX_ENV = (
    "llama-index-llms-openai pins openai<3, so it cannot share the pinned openai==3.57.0; run `pip install "
    "llama-index-llms-openai-like==0.8.1 llama-index-embeddings-openai==0.7.0` in a separate venv"
)
SEPARATE_ENV: Dict[str, Tuple[str, str]] = {
    "fw_llamaindex_chat": ("llama_index.llms.openai_like", _LLAMA_INDEX_ENV),
    "fw_llamaindex_embed": ("llama_index.embeddings.openai", _LLAMA_INDEX_ENV),
    "fw_autogen02_chat": (
        "autogen.oai",
        "pyautogen 0.2.35 pins numpy<2 (it installs beside the other pins, numpy "
        "going back to 1.26.4, `pip check` clean), so it is not in tests/requirements-providers.txt; "
        "run `pip install pyautogen==0.2.35`. Run: its OpenAIWrapper on the migrated config_list entry "
        "(and, in tests/test_frameworks_autogen02.py, config_list_from_json on a migrated OAI_CONFIG_LIST); "
        "read only, in the wheel: the api_types it routes elsewhere (autogen/oai/client.py)",
    ),
    "fw_instructor_chat": (
        "instructor",
        "every instructor release pins jiter<0.15 and the pinned openai==3.57.0 needs "
        "jiter>=0.16, so it cannot share tests/requirements-providers.txt; run `pip install "
        "instructor==1.17.0` in a separate venv (pip takes openai back to 3.3.0 there)",
    ),
}

#: frameworks with rules but no program here, and why (said under the table)
NO_PROGRAM: Dict[str, str] = {
    "CrewAI (`crewai.LLM`, rules `*/crewai`)": (
        "crewai 1.15.30 pins openai<3 and pydantic<2.13 and pulls chromadb, so it cannot be installed next to "
        "tests/requirements-providers.txt (openai==3.57.0, pydantic==2.14.4); its routes were read in the wheel and "
        "are the LiteLLM routes that `fw_litellm_chat` runs"
    ),
}


# --------------------------------------------------------------------------- pointing a migrated program at a fake

# Credentials the provider SDKs read from the environment by themselves (their
# source: dashscope/common/env.py, zhipuai/_client.py, volcenginesdkarkruntime
# _client.py, qianfan/consts.py, tencentcloud/common/credential.py).
SDK_KEY_VARS: Dict[str, Tuple[str, ...]] = {
    "dashscope": ("DASHSCOPE_API_KEY",),
    "zhipu": ("ZHIPUAI_API_KEY", "ZAI_API_KEY"),
    "ark": ("ARK_API_KEY",),
    "qianfan": ("QIANFAN_BEARER_TOKEN",),
    "hunyuan": ("TENCENTCLOUD_SECRET_KEY",),
}
SECRET_ID_VARS = ("TENCENTCLOUD_SECRET_ID",)
# SDKs that read no base-URL variable at all: only the migrated code can redirect them.
NO_BASE_URL_ENV = {"ark", "hunyuan"}


def test_key(provider: str) -> str:
    return f"test-{provider}-key"


def test_secret_id(provider: str) -> str:
    return f"AKIDtest{provider}"


@dataclass(frozen=True)
class EnvRead:
    name: str
    default: Optional[str]


def env_reads(source: str) -> List[EnvRead]:
    """``os.environ[...]``, ``os.environ.get(...)``, ``os.getenv(...)`` with literal names (and defaults),
    and Haystack's ``Secret.from_env_var("NAME")``, which reads the variable when the component runs."""
    out = []
    for node in ast.walk(ast.parse(source)):
        name = default = None
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
            name = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
        elif isinstance(node, ast.Call) and node.args and _is_env_getter(node.func):
            first = node.args[0]
            name = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                default = node.args[1].value
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "from_env_var"
            and isinstance(node.args[0], ast.Constant)
        ):
            name = node.args[0].value if isinstance(node.args[0].value, str) else None
        if name:
            out.append(EnvRead(name, default))
    return out


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (isinstance(node, ast.Name) and node.id == "environ")


def _is_env_getter(func: ast.AST) -> bool:
    if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value):
        return True
    return (isinstance(func, ast.Attribute) and func.attr == "getenv") or (isinstance(func, ast.Name) and func.id == "getenv")


def migrated_env(provider: str, srv: FakeServer, source: str) -> Tuple[Dict[str, str], List[str]]:
    """Environment variables that point the migrated program at ``srv``, and which ones redirect it.

    * every variable the provider's SDK itself honours (``srv.env()``, e.g.
      ``DASHSCOPE_HTTP_BASE_URL``, ``ZHIPUAI_BASE_URL``, ``QIANFAN_CONSOLE_API_BASE_URL``);
    * every variable the migrated code reads with a default: an URL default
      (``os.environ.get("X_BASE_URL", "https://host/path")``) becomes the fake's
      URL with the same path; a bare host default becomes the fake's host:port;
      a default of ``"https"`` (a protocol) becomes ``"http"``;
    * a base-URL-named variable read without a default gets ``srv.base_url()``;
    * any key/token/secret variable the code or the SDK reads gets the provider's test key.
    """
    env: Dict[str, str] = dict(srv.env())
    redirects = list(env)
    for var in SDK_KEY_VARS.get(provider, ()):
        env[var] = test_key(provider)
    for var in SECRET_ID_VARS if provider == "hunyuan" else ():
        env[var] = test_secret_id(provider)
    for read in env_reads(source):
        if read.name.startswith("OPENAI_"):
            continue  # the OpenAI leak trap sets those
        value = _redirect_value(read, srv)
        if value is not None:
            env[read.name] = value
            redirects.append(read.name)
        elif re.search(r"SECRET_?ID", read.name):
            env[read.name] = test_secret_id(provider)
        elif re.search(r"KEY|TOKEN|SECRET", read.name):
            env[read.name] = test_key(provider)
    return env, redirects


def _redirect_value(read: EnvRead, srv: FakeServer) -> Optional[str]:
    default = read.default
    if default is None:
        return srv.base_url() if re.search(r"BASE_URL$|API_BASE$", read.name) else None
    if re.match(r"https?://", default):
        return srv.url + urlsplit(default).path
    if default == "https":
        return "http"
    if re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?", default) and not re.search(r"KEY|TOKEN|SECRET", read.name):
        return srv.host_port
    return None


# --------------------------------------------------------------------------- requests in a neutral form

CHAT_PARAMS = (
    "temperature",
    "top_p",
    "max_tokens",
    "stop",
    "seed",
    "n",
    "tools",
    "tool_choice",
    "response_format",
    "presence_penalty",
    "frequency_penalty",
)


@dataclass
class Neutral:
    """A request reduced to what the program asked for, whatever the wire."""

    kind: str  # chat | embeddings | other
    model: Any
    conversation: Any  # [(role, text)] or [input texts]
    stream: bool
    params: Dict[str, Any]
    raw_keys: Tuple[str, ...]  # top-level keys as sent (to spot untranslated names)

    def key(self) -> str:
        return json.dumps([self.kind, self.conversation], sort_keys=True, default=str)


def _messages(messages: Any, role_key: str = "role", content_key: str = "content") -> List[Tuple[str, str]]:
    out = []
    for m in messages if isinstance(messages, list) else []:
        if isinstance(m, Mapping):
            out.append((str(m.get(role_key)), content_text(m.get(content_key))))
    return out


def _tools(tools: Any) -> Any:
    out = []
    for t in tools or []:
        fn = t.get("function") or t.get("Function") or t if isinstance(t, Mapping) else {}
        name = fn.get("name") or fn.get("Name")
        params = fn.get("parameters", fn.get("Parameters"))
        if isinstance(params, str):
            try:
                params = json.loads(params)
            except ValueError:
                pass
        out.append({"name": name, "parameters": params})
    return out


def _chat_params(source: Mapping[str, Any]) -> Dict[str, Any]:
    params = {k: source[k] for k in CHAT_PARAMS if source.get(k) is not None}
    if source.get("max_completion_tokens") is not None:
        params.setdefault("max_tokens", source["max_completion_tokens"])
    if isinstance(params.get("stop"), str):
        params["stop"] = [params["stop"]]
    if "tools" in params:
        params["tools"] = _tools(params["tools"])
    return params


def neutral(req: RecordedRequest) -> Neutral:
    body = req.json if isinstance(req.json, Mapping) else {}
    keys = tuple(body)
    if req.route == "openai.chat":
        return Neutral(
            "chat", body.get("model"), _messages(body.get("messages")), bool(body.get("stream")), _chat_params(body), keys
        )
    if req.route == "openai.embeddings":
        params = {"dimensions": body["dimensions"]} if body.get("dimensions") is not None else {}
        return Neutral("embeddings", body.get("model"), embedding_inputs(body.get("input")), False, params, keys)
    if req.route == "dashscope.generation":
        inp = body.get("input") or {}
        conv = _messages(inp.get("messages")) if inp.get("messages") else [("user", inp.get("prompt", ""))]
        stream = str(req.headers.get("X-DashScope-SSE", "")).lower() == "enable"
        return Neutral("chat", body.get("model"), conv, stream, _chat_params(body.get("parameters") or {}), keys)
    if req.route == "dashscope.embedding":
        par = body.get("parameters") or {}
        params = {"dimensions": par["dimension"]} if par.get("dimension") is not None else {}
        return Neutral(
            "embeddings", body.get("model"), embedding_inputs((body.get("input") or {}).get("texts")), False, params, keys
        )
    if req.route == "hunyuan.ChatCompletions":
        lower = {
            "temperature": body.get("Temperature"),
            "top_p": body.get("TopP"),
            "seed": body.get("Seed"),
            "stop": body.get("Stop"),
            "tools": body.get("Tools"),
            "tool_choice": body.get("ToolChoice"),
        }
        return Neutral(
            "chat",
            body.get("Model"),
            _messages(body.get("Messages"), "Role", "Content"),
            bool(body.get("Stream")),
            _chat_params(lower),
            keys,
        )
    if req.route == "hunyuan.GetEmbedding":
        return Neutral(
            "embeddings", body.get("Model"), embedding_inputs(body.get("InputList") or body.get("Input")), False, {}, keys
        )
    return Neutral("other", None, [req.method, req.path], False, {}, keys)


# --------------------------------------------------------------------------- comparing a migrated run

# Providers whose chat wire documents ``max_tokens`` only, so a migrated request
# must not carry OpenAI's ``max_completion_tokens`` (sources: DeepSeek's
# documented request parameters; DashScope and Zhipu native SDKs reject it with
# TypeError and their compat endpoints document max_tokens —
# the provider references).
MAX_TOKENS_ONLY = {"deepseek", "dashscope", "zhipu"}


def _mentioned(param: str, diagnostics: Sequence[str]) -> bool:
    return any(re.search(rf"\b{re.escape(param)}\b", d) for d in diagnostics)


def compare(
    provider: str,
    ruleset: Any,
    expected_stdout: str,
    reference: Sequence[RecordedRequest],
    run: Run,
    openai_requests: Sequence[RecordedRequest],
    migrated_source: str,
    diagnostics: Sequence[str],
) -> List[str]:
    """Every way the migrated run differs from the original; empty means equivalent."""
    problems: List[str] = []
    if openai_requests:
        problems.append(
            f"{len(openai_requests)} request(s) reached the OpenAI fake: " + ", ".join(sorted({r.path for r in openai_requests}))
        )
    if "api.openai.com" in migrated_source:
        problems.append("the migrated source still contains api.openai.com")
    got, want = normalise_output(run.stdout), normalise_output(expected_stdout)
    if got != want:
        problems.append(f"stdout differs (normalised):\n--- original\n{want}--- migrated\n{got}")
    problems += _compare_requests(provider, ruleset, reference, run.requests, diagnostics)
    return problems


def without_retries(requests: Sequence[RecordedRequest]) -> List[RecordedRequest]:
    """Drop repeats of a request that failed (same path and body, error status): SDK retries.

    The fakes ask for no retry (``x-should-retry: false``); SDKs built on
    openai-python honour it, dashscope 2.x does not and retries 429s with its
    default ``max_retries=2``, as openai would against a server without the header.
    Retrying is the SDK's policy, not a difference the migration introduced.
    """
    seen = set()
    out = []
    for req in requests:
        sig = (req.path, req.body, req.status)
        if req.status >= 400 and sig in seen:
            continue
        seen.add(sig)
        out.append(req)
    return out


def _compare_requests(
    provider: str,
    ruleset: Any,
    reference: Sequence[RecordedRequest],
    migrated: Sequence[RecordedRequest],
    diagnostics: Sequence[str],
) -> List[str]:
    problems: List[str] = []
    want = sorted((neutral(r) for r in without_retries(reference)), key=Neutral.key)
    got_pairs = sorted(((neutral(r), r) for r in without_retries(migrated)), key=lambda p: p[0].key())
    if len(want) != len(got_pairs):
        return problems + [
            f"{len(got_pairs)} request(s) reached the {provider} fake, the original made {len(want)}: "
            + ", ".join(f"{r.method} {r.path}" for _, r in got_pairs)
        ]
    for w, (g, raw) in zip(want, got_pairs):
        where = f"request {raw.method} {raw.path} ({g.kind})"
        if raw.route is None:
            problems.append(f"{where}: the fake has no such route (status {raw.status})")
            continue
        if (w.kind, w.conversation) != (g.kind, g.conversation):
            problems.append(f"{where}: conversation differs: {g.conversation!r} != original {w.conversation!r}")
        problems += _check_model(where, ruleset, w.model, g.model)
        if w.stream != g.stream:
            problems.append(f"{where}: stream={g.stream}, the original streamed={w.stream}")
        for name, value in w.params.items():
            if g.params.get(name) != value and not _mentioned(name, diagnostics):
                problems.append(
                    f"{where}: parameter {name}={g.params.get(name)!r}, original {value!r} (changed without a diagnostic)"
                )
        if provider in MAX_TOKENS_ONLY and "max_completion_tokens" in g.raw_keys:
            problems.append(f"{where}: sent max_completion_tokens; {provider} takes max_tokens")
        problems += _check_auth(where, provider, raw)
    return problems


def _check_model(where: str, ruleset: Any, original: Any, got: Any) -> List[str]:
    expected = ruleset.map_model(original) if isinstance(original, str) else None
    if got == original:
        return [f"{where}: still sends the OpenAI model {original!r}"]
    if expected is not None and got != expected:
        return [f"{where}: model {got!r}, the pack maps {original!r} to {expected!r}"]
    if expected is None and not ruleset.is_target_model(got):
        return [f"{where}: model {got!r} is not one of the pack's target models (original {original!r})"]
    return []


def _check_auth(where: str, provider: str, raw: RecordedRequest) -> List[str]:
    auth = raw.authorization or ""
    if raw.route and raw.route.startswith("hunyuan."):
        ok = auth.startswith(f"TC3-HMAC-SHA256 Credential={test_secret_id(provider)}/")
    else:
        ok = auth == f"Bearer {test_key(provider)}"
    return [] if ok else [f"{where}: Authorization {auth!r} is not the {provider} test credential"]


# --------------------------------------------------------------------------- the evidence table

TABLE_PATH = ROOT / "docs" / "equivalence.md"
ZH_TABLE_PATH = ROOT / "docs" / "zh-CN" / "equivalence.md"  # the same table in Chinese, written with it
TABLE_COMMAND = "MIGRATOR_WRITE_EQUIVALENCE=1 python -m pytest -q tests/test_equivalence.py"


# the prose under the table in Chinese (docs/zh-CN/equivalence.md), keyed by its English
ZH_PROSE: Dict[str, str] = {
    _LLAMA_INDEX_ENV: "llama-index-llms-openai 限定 openai<3，无法与固定的 openai==3.57.0 共存；请在单独的虚拟环境中运行 "
    "`pip install llama-index-llms-openai-like==0.8.1 llama-index-embeddings-openai==0.7.0`",
    SEPARATE_ENV["fw_autogen02_chat"][1]: (
        "pyautogen 0.2.35 限定 numpy<2（它可以与其他固定版本一起安装，numpy 会回退到 1.26.4，`pip check` 无误），因此不在 "
        "tests/requirements-providers.txt 中；请运行 `pip install pyautogen==0.2.35`。运行的内容：它的 OpenAIWrapper 处理迁移后的 "
        "config_list 条目（在 tests/test_frameworks_autogen02.py 中还有 config_list_from_json 读取迁移后的 OAI_CONFIG_LIST）；"
        "只在 wheel 中阅读而未运行的：它转发到别处的 api_type（autogen/oai/client.py）"
    ),
    SEPARATE_ENV["fw_instructor_chat"][1]: (
        "instructor 的每个版本都限定 jiter<0.15，而固定的 openai==3.57.0 需要 jiter>=0.16，因此无法与 "
        "tests/requirements-providers.txt 共存；请在单独的虚拟环境中运行 `pip install instructor==1.17.0`（pip 会在那里把 openai 回退到 3.3.0）"
    ),
    NO_PROGRAM["CrewAI (`crewai.LLM`, rules `*/crewai`)"]: (
        "crewai 1.15.30 限定 openai<3 和 pydantic<2.13，并会引入 chromadb，因此无法与 tests/requirements-providers.txt"
        "（openai==3.57.0、pydantic==2.14.4）一起安装；它的路由已在 wheel 中核对，就是 `fw_litellm_chat` 所运行的 LiteLLM 路由"
    ),
}
_ZH_HEAD = [
    "# 线路层面的等价性：OpenAI 程序与迁移后的程序",
    "",
    "[English](../equivalence.md) | 简体中文",
    "",
    "由 `{command}` 生成（同时生成英文版 docs/equivalence.md）；请勿手工编辑。",
    "",
    "`fixtures/programs/` 中的每个程序先在 `openai` SDK 上原样运行，连接模拟的 OpenAI 服务器（*openai original* 列），",
    "再用 `migrate_source` 按 `rules/` 中每个供应商的每个方案迁移，在该供应商的真实 SDK 上运行，连接忠实模拟其协议的假服务器",
    "（`tests/fakes/`），只通过环境变量指向那里。一个单元格算作通过，需要规范化后的输出与原程序相同、供应商收到相同的请求",
    "（模型已映射、参数相同或已转换、使用供应商的凭据），且模拟的 OpenAI 服务器什么也没收到。*不适用*：规则包报告该程序需要人工处理",
    "（`manual` 诊断），或程序使用 openai<1 API（改为与其 openai>=1 的对应程序比较），或迁移后的代码无法指向本地服务器，",
    "或规则包警告程序的输出会改变（原生类不填充的回复字段，`WARNED_DIFFERENCES`）。工作原理见 `tests/equivalence.py` 和",
    "`fixtures/programs/README.md`。下方注释中的诊断文字以中文显示，规则 id 保持原样。",
    "",
    "原生方案上 LangChain 的原生类都指向假服务器：ChatTongyi 和 DashScopeEmbeddings 经由 dashscope SDK",
    "（`DASHSCOPE_HTTP_BASE_URL`），ChatZhipuAI 经由 `ZHIPUAI_API_BASE`（它自己的 httpx 调用），ZhipuAIEmbeddings 经由 zhipuai SDK",
    "（`ZHIPUAI_BASE_URL`）；`tests/test_frameworks_native.py` 让它们各自给出一个回答。",
    "DeepSeek 的原生方案在 API 代码中保留 openai SDK，并把 ChatOpenAI 换成 langchain-deepseek 的 ChatDeepSeek，",
    "它经由 `DEEPSEEK_API_BASE` 找到假服务器（`fw_langchain_chat`、`fw_langchain_community_chat`）；那里的测试还表明它保留了",
    "deepseek-reasoner 的 reasoning_content，而 ChatOpenAI 会丢弃它。",
    "",
    "原生方案上 LlamaIndex 自己的类：DashScopeEmbedding（llama-index-embeddings-dashscope 0.6.0）经由 dashscope SDK、ZhipuAI",
    "（llama-index-llms-zhipuai 0.6.0）经由 zhipuai SDK（`ZHIPUAI_BASE_URL`）指向假服务器，并由",
    "`tests/test_frameworks_llamaindex_native.py` 让它们给出回答；LlamaIndex 的 DashScope LLM 不是迁移目标",
    "（llama-index-llms-dashscope 固定 dashscope==1.22.2，无法与 dashscope 2.x 共存），因此 `fw_llamaindex_chat` 在那里仍使用 OpenAILike。",
    "",
]
_ZH_STATUS = {"pass": "通过", "fail": "失败", "n/a": "不适用", "not run": "未运行"}
_RULE_AT = re.compile(r"; (?=[\w.-]+/[\w.-]+: )")  # "; " before the next "provider/rule: message"


def _zh_text(text: str) -> str:
    """A message recorded in English (a diagnostic, a plan's refusal), in Chinese where the
    catalogue has it (as ``migrator --lang zh`` shows it)."""
    from migrator import i18n

    with i18n.use_language("zh"):
        return i18n.localize(text)


def _zh_reason(reason: str) -> str:
    """A note's reason in Chinese: its kind, then each ``rule: message`` with the message translated."""
    twin = re.fullmatch(r"openai<1 API: cannot run on openai>=1; migrated runs are compared with (\S+)", reason)
    if twin:
        return f"openai<1 API：无法在 openai>=1 上运行；迁移后的程序与 {twin.group(1)} 比较"
    kind, sep, rest = reason.partition(": ")
    label = {"manual": "需人工处理", "warned": "已警告"}.get(kind)
    if not sep or label is None:
        return reason
    parts = []
    for part in _RULE_AT.split(rest):
        rule, sep, message = part.partition(": ")
        parts.append(f"{rule}：{_zh_text(message)}" if sep else part)
    return f"{label}：" + "；".join(parts)


def render_table(
    results: Mapping[Tuple[str, str, str], Tuple[str, str]],
    names: Sequence[str],
    cells: Sequence[Tuple[str, str]],
    refused: Mapping[Tuple[str, str], str],
    lang: str = "en",
) -> str:
    """Markdown: one row per program, one column per provider/plan; every n/a and fail has a note.
    ``lang="zh"``: the same table in Chinese (headings, legend, statuses and the notes' messages)."""
    zh = lang == "zh"
    columns = [("openai", "original")] + list(cells)
    notes: Dict[Tuple[str, str], str] = {}

    def cell(status: str, reason: str) -> str:
        if status == "pass":
            return "通过" if zh else "pass"
        prefix = "F" if status == "fail" else "N"
        label = notes.setdefault((status, reason), f"{prefix}{sum(1 for s, _ in notes if s == status) + 1}")
        if zh:
            return f"**失败** [{label}]" if status == "fail" else f"不适用 [{label}]"
        return f"**FAIL** [{label}]" if status == "fail" else f"n/a [{label}]"

    counts: Dict[str, int] = {}
    rows = []
    for name in names:
        row = [f"`{name}`"]
        for provider, plan in columns:
            status, reason = results.get((name, provider, plan), ("not run", ""))
            counts[status] = counts.get(status, 0) + 1
            row.append("—" if status == "not run" else cell(status, reason))
        rows.append("| " + " | ".join(row) + " |")
    header = ("| 程序 | " if zh else "| program | ") + " | ".join(f"{p} {pl}" for p, pl in columns) + " |"
    rule = "|" + "---|" * (len(columns) + 1)
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("pass", "fail", "n/a", "not run") if counts.get(s))
    lines = [
        "# Wire-level equivalence: OpenAI programs vs their migrations",
        "",
        "English | [简体中文](zh-CN/equivalence.md)",
        "",
        f"Generated by `{TABLE_COMMAND}`; do not edit by hand.",
        "",
        "Each program in `fixtures/programs/` runs unchanged on the `openai` SDK against the fake OpenAI",
        "server (column *openai original*), then migrated with `migrate_source` for every provider and plan",
        "in `rules/`, on the provider's real SDK against that provider's protocol-faithful fake",
        "(`tests/fakes/`), pointed there only by environment variables. A cell passes when the normalised",
        "output equals the original's, the provider received the same requests with the mapped model,",
        "the same (or translated) parameters and the provider's credential, and the OpenAI fake received",
        "nothing. *n/a*: the pack reports the program as needing a person (`manual` diagnostic), the",
        "program uses the openai<1 API (compared with its openai>=1 twin instead), or the migrated code",
        "cannot be pointed at a local server, or the pack warns that the program's output changes (a reply",
        "field the native class does not fill, `WARNED_DIFFERENCES`). How it works: `tests/equivalence.py`,",
        "`fixtures/programs/README.md`.",
        "",
        "LangChain's native classes on native plans are all pointed at the fakes: ChatTongyi and",
        "DashScopeEmbeddings through the dashscope SDK (`DASHSCOPE_HTTP_BASE_URL`), ChatZhipuAI through",
        "`ZHIPUAI_API_BASE` (its own httpx call), ZhipuAIEmbeddings through the zhipuai SDK",
        "(`ZHIPUAI_BASE_URL`); `tests/test_frameworks_native.py` asks each of them for an answer.",
        "DeepSeek's native plan keeps the openai SDK for API code and moves ChatOpenAI to",
        "langchain-deepseek's ChatDeepSeek, which finds the fake through `DEEPSEEK_API_BASE`",
        "(`fw_langchain_chat`, `fw_langchain_community_chat`); the tests there also show it keeping",
        "deepseek-reasoner's reasoning_content, which ChatOpenAI drops.",
        "",
        "LlamaIndex's own classes on native plans: DashScopeEmbedding (llama-index-embeddings-dashscope",
        "0.6.0) through the dashscope SDK and ZhipuAI (llama-index-llms-zhipuai 0.6.0) through the zhipuai",
        "SDK (`ZHIPUAI_BASE_URL`) are pointed at the fakes and asked for an answer by",
        "`tests/test_frameworks_llamaindex_native.py`; LlamaIndex's DashScope LLM is not a target",
        "(llama-index-llms-dashscope pins dashscope==1.22.2, not installable next to dashscope 2.x), so",
        "`fw_llamaindex_chat` stays on OpenAILike there.",
        "",
        f"Totals: {summary}.",
        "",
    ]
    if zh:
        summary = "，".join(f"{counts.get(s, 0)} 个{_ZH_STATUS[s]}" for s in ("pass", "fail", "n/a", "not run") if counts.get(s))
        lines = [line.format(command=TABLE_COMMAND) for line in _ZH_HEAD] + [f"合计：{summary}。", ""]
    for provider, models in sorted(USER_MODELS.items()):
        pairs = ", ".join(f"{k} -> {v}" for k, v in models.items())
        lines += [
            f"{provider} 规则包按设计不映射任何模型；测试装置提供一份用户的映射（`select(models=...)`，"
            f"与 `[tool.migrator.models]` 的作用相同）：{pairs}。"
            if zh
            else f"The {provider} pack maps no model by design; the harness supplies a user's mapping "
            f"(`select(models=...)`, as `[tool.migrator.models]` would): {pairs}.",
            "",
        ]
    for name, (module, why) in sorted(SEPARATE_ENV.items()):
        lines += [
            f"`{name}` 只在安装了 `{module}` 的环境中运行：{ZH_PROSE.get(why, why)}。"
            if zh
            else f"`{name}` runs only where `{module}` is installed: {why}.",
            "",
        ]
    for framework, why in NO_PROGRAM.items():
        lines += [
            f"{framework} 在这里没有程序：{ZH_PROSE.get(why, why)}。" if zh else f"{framework} has no program here: {why}.",
            "",
        ]
    if refused:
        lines.append("规则包不提供的方案（未运行）：" if zh else "Plans not offered by their pack (not run):")
        lines.append("")
        lines += [f"- {p} {pl}：{_zh_text(why)}" if zh else f"- {p} {pl}: {why}" for (p, pl), why in sorted(refused.items())]
        lines.append("")
    lines += [header, rule, *rows, ""]
    if notes:
        lines += ["## 注释" if zh else "## Notes", ""]
        for (status, reason), label in sorted(notes.items(), key=lambda kv: (kv[1][0], int(kv[1][1:]))):
            lines.append(
                f"- **{label}**（{_ZH_STATUS[status]}）：{_zh_reason(reason)}" if zh else f"- **{label}** ({status}): {reason}"
            )
        lines.append("")
    return "\n".join(lines)


def read_table(text: str) -> Dict[Tuple[str, str, str], Tuple[str, str]]:
    """The results a table written by ``render_table`` records (the inverse of it, for the cells)."""
    notes = dict(re.findall(r"^- \*\*([FN]\d+)\*\* \([^)]*\): (.*)$", text, re.M))
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    if not rows:
        return {}
    columns = [tuple(c.strip().rsplit(" ", 1)) for c in rows[0].strip("| ").split(" | ")[1:]]
    out: Dict[Tuple[str, str, str], Tuple[str, str]] = {}
    for row in rows[1:]:
        name, *cells = [c.strip() for c in row.strip("| ").split(" | ")]
        for (provider, plan), value in zip(columns, cells):
            label = re.search(r"\[([FN]\d+)\]", value)
            if value == "pass":
                out[(name.strip("`"), provider, plan)] = ("pass", "")
            elif label:
                out[(name.strip("`"), provider, plan)] = (
                    "fail" if label.group(1)[0] == "F" else "n/a",
                    notes.get(label.group(1), ""),
                )
    return out


def write_table(
    results: Mapping[Tuple[str, str, str], Tuple[str, str]],
    names: Sequence[str],
    cells: Sequence[Tuple[str, str]],
    refused: Mapping[Tuple[str, str], str],
) -> Path:
    """Write the table; a run of some programs (``-k fw_``) keeps the recorded cells of the others."""
    TABLE_PATH.parent.mkdir(parents=True, exist_ok=True)
    previous = read_table(TABLE_PATH.read_text(encoding="utf-8")) if TABLE_PATH.exists() else {}
    ran = {name for name, _, _ in results}
    merged = {key: value for key, value in previous.items() if key[0] not in ran}
    merged.update(results)
    TABLE_PATH.write_text(render_table(merged, names, cells, refused), encoding="utf-8")
    ZH_TABLE_PATH.parent.mkdir(parents=True, exist_ok=True)
    ZH_TABLE_PATH.write_text(render_table(merged, names, cells, refused, "zh"), encoding="utf-8")
    return TABLE_PATH


def table_inputs(
    text: str,
) -> Tuple[Dict[Tuple[str, str, str], Tuple[str, str]], List[str], List[Tuple[str, str]], Dict[Tuple[str, str], str]]:
    """What ``render_table`` was given for a table it wrote (results, names, cells, refused): the
    committed table renders again, in either language, without running a program."""
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    columns = [tuple(c.strip().rsplit(" ", 1)) for c in rows[0].strip("| ").split(" | ")[1:]]
    names = [row.strip("| ").split(" | ")[0].strip().strip("`") for row in rows[1:]]
    refused = {tuple(p.split(" ", 1)): why for p, why in re.findall(r"^- (\w+ \w+): (.*)$", text, re.M)}
    return read_table(text), names, columns[1:], refused
