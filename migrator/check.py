"""``migrator check``: the CI / pre-commit gate against new OpenAI usage.

The shared analyzer finds OpenAI touchpoints; this module turns them into
*check findings* under a policy, applies inline suppressions, and decides
which findings are *new* (not at the merge-base of ``--base``, not in the
``--baseline`` file).  It knows nothing of Typer or Rich.

Policies:

``strict``
    Any import of ``openai`` or of an OpenAI framework wrapper, any
    ``api.openai.com`` URL and any OpenAI requirement in a dependency file is
    a finding.
``compat``
    The ``openai`` SDK is allowed where every client it constructs has an
    explicit ``base_url`` on the allow-list (a literal, a module constant, or
    the literal default of ``os.environ.get``/``os.getenv``).  Wrappers, URLs
    and wrapper requirements are still findings.

Identity: a finding is identified by (rule, path, symbol), never its line, and
compared by *count*, so moving code does not re-trigger it but a second
identical import in the same file does.
"""

from __future__ import annotations

import ast
import io
import json
import os
import re
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from migrator.analyzer import analyze_bytes, decode_python, is_python
from migrator.analyzer.python import dotted_name as _dotted
from migrator.config import Config, load_config
from migrator.discovery import DEFAULT_MAX_BYTES, iter_files, looks_binary, normalize_excludes, read_limited
from migrator.errors import GitError, MigratorError, UsageError
from migrator.i18n import N_, _
from migrator.models import FileAnalysis, Finding
from migrator.results import (  # noqa: F401 - the result types and rules, importable from here too
    R_CLIENT, R_DEPENDENCY, R_FRAMEWORK, R_IMPORT, R_NO_REASON, R_UNPARSEABLE, R_UNUSED, R_URL, RULES,
    CheckFinding, CheckResult, Fix, Replacement, RuleInfo, fingerprint,
)

POLICIES = ("strict", "compat")
BASELINE_SCHEMA_VERSION = 1
DEFAULT_BASELINE = ".migrator-baseline.json"

@dataclass(frozen=True)
class Policy:
    name: str = "strict"
    forbidden_modules: Tuple[str, ...] = ()  # extra modules, on top of the built-in wrapper list
    allow_endpoints: Tuple[str, ...] = ()
    listed: bool = False  # allow_endpoints is the user's own list: nothing else passes

    def allows(self, url: str) -> bool:
        if endpoint_allowed(url, self.allow_endpoints) or self_hosted(url):
            return True
        # without a list of their own, a server that is not OpenAI's (another provider, a gateway)
        # is not OpenAI usage
        return not self.listed and not openai_host(url)


def openai_host(url: str) -> bool:
    """A server that is, or may be, OpenAI's: api.openai.com, an Azure OpenAI resource, a host
    that names OpenAI (an OpenAI proxy), a public IP address, or no host at all."""
    import ipaddress

    match = re.match(r"(?i)^(?:https?://)?(\[[^\]]+\]|[^/:?#]+)", url.strip())
    host = match.group(1).strip("[]").lower() if match else ""
    try:
        ipaddress.ip_address(host)
        return True  # a bare address names no service (a private one is self-hosted, see above)
    except ValueError:
        pass
    return "." not in host or "openai" in host


def self_hosted(url: str) -> bool:
    """A server on this machine or a private network (Ollama, vLLM, a gateway in the office):
    an OpenAI-compatible client talking to it is not OpenAI usage."""
    import ipaddress

    match = re.match(r"(?i)^(?:https?://)?(\[[^\]]+\]|[^/:?#]+)", url.strip())
    host = match.group(1).strip("[]").lower() if match else ""
    if host in ("localhost", "host.docker.internal") or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


@dataclass(frozen=True)
class Suppression:
    line: int
    rules: Tuple[str, ...]  # () = every rule
    reason: str
    standalone: bool  # a comment on a line of its own also covers the next line
    column: int = 1
    cell: Optional[int] = None

    def targets(self) -> Tuple[int, ...]:
        return (self.line, self.line + 1) if self.standalone else (self.line,)

    def covers(self, finding: CheckFinding) -> bool:
        return (finding.cell == self.cell and finding.line in self.targets()
                and (not self.rules or finding.rule in self.rules))


@dataclass(frozen=True)
class FileCheck:
    path: str
    findings: Tuple[CheckFinding, ...] = ()
    suppressed: int = 0
    error: Optional[str] = None


@dataclass(frozen=True)
class CheckOptions:
    root: str
    paths: Tuple[str, ...] = ()  # root-relative files or directories; () = everything
    base: Optional[str] = None
    baseline: Optional[str] = None  # root-relative or absolute
    update_baseline: bool = False
    policy: Optional[str] = None  # None = [tool.migrator.check] policy, else strict
    excludes: Tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES


# ---------------------------------------------------------------- policy


def load_policy(cfg: Config, override: Optional[str] = None,
                default_endpoints: Optional[Callable[[], List[str]]] = None) -> Policy:
    """The policy from ``--policy``, else ``[tool.migrator.check] policy``, else strict."""
    name = override or cfg.check.policy or "strict"
    if name not in POLICIES:
        raise UsageError(_("unknown policy '{name}'; use strict or compat").format(name=name))
    endpoints: Sequence[str] = cfg.check.allow_endpoints
    if name == "compat" and not endpoints:
        endpoints = (default_endpoints or _pack_endpoints)()
    return Policy(name, tuple(m.strip() for m in cfg.check.forbidden_modules if m.strip()),
                  tuple(normalize_endpoint(e) for e in endpoints if e.strip()), listed=bool(cfg.check.allow_endpoints))


def _pack_endpoints() -> List[str]:
    from migrator.ruleset import endpoints, load_all

    return endpoints(load_all())


def normalize_endpoint(url: str) -> str:
    url = url.strip().rstrip("/")
    match = re.match(r"(?i)^(https?://)?([^/]*)(.*)$", url)
    if not match:
        return url
    scheme, host, rest = match.groups()
    return f"{(scheme or '').lower()}{host.lower()}{rest}"


def endpoint_allowed(url: str, allowed: Iterable[str]) -> bool:
    """``url`` equals an allowed endpoint or lies below it (``https://x/v1`` allows ``https://x/v1/``)."""
    norm = normalize_endpoint(url)
    bare = re.sub(r"^https?://", "", norm)
    for entry in allowed:
        entry_bare = re.sub(r"^https?://", "", entry)
        candidate = norm if entry.startswith(("http://", "https://")) else bare
        target = entry if entry.startswith(("http://", "https://")) else entry_bare
        if candidate == target or candidate.startswith(target + "/"):
            return True
    return False


def _module_forbidden(module: str, forbidden: Sequence[str]) -> Optional[str]:
    for entry in forbidden:
        if module == entry or module.startswith(entry + "."):
            return entry
    return None


# ---------------------------------------------------------------- source helpers


@dataclass(frozen=True)
class _Source:
    """One unit of Python source (a module or a notebook cell) with its parsed tree."""

    text: str
    lines: Tuple[str, ...]
    tree: Optional[ast.Module]
    cell: Optional[int] = None

    @classmethod
    def parse(cls, text: str, cell: Optional[int] = None) -> "_Source":
        try:
            tree: Optional[ast.Module] = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        return cls(text, tuple(re.split(r"\r\n|\r|\n", text)), tree, cell)

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def char_col(self, line: int, byte_col: int) -> int:
        text = self.line(line)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def call_at(self, line: int, col: int, end_line: int, end_col: int, kind: type = ast.Call) -> Optional[Any]:
        """The call expression (or other ``kind`` of node) at exactly this span (``a(...).b(...)``
        holds two calls that start together)."""
        if self.tree is None:
            return None
        for node in ast.walk(self.tree):
            if (isinstance(node, kind) and node.lineno == line and node.end_lineno == end_line
                    and self.char_col(line, node.col_offset) == col
                    and self.char_col(end_line, node.end_col_offset or 0) == end_col):
                return node
        return None

    def module_constants(self) -> Dict[str, str]:
        """Names assigned exactly once at module level, to a string literal."""
        if self.tree is None:
            return {}
        seen: Counter = Counter()
        values: Dict[str, str] = {}
        for stmt in self.tree.body:
            targets: List[ast.AST] = []
            value: Optional[ast.AST] = None
            if isinstance(stmt, ast.Assign):
                targets, value = list(stmt.targets), stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                targets, value = [stmt.target], stmt.value
            for target in targets:
                if isinstance(target, ast.Name):
                    seen[target.id] += 1
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        values[target.id] = value.value
        return {k: v for k, v in values.items() if seen[k] == 1}


_ENV_GETTERS = ("os.environ.get", "os.getenv", "environ.get", "getenv")



def literal_url(expr: ast.AST, constants: Mapping[str, str]) -> Optional[str]:
    """The URL a ``base_url`` expression is known to default to, or None.

    A string literal, a module-level string constant, or the literal default
    of ``os.environ.get("VAR", default)`` / ``os.getenv("VAR", default)``
    (positional or ``default=``): the value the code uses when the variable
    is unset, which is what a compat-plan migration writes; likewise the right
    side of ``base_url or <that>`` (a caller's choice, else the default).
    """
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Name):
        return constants.get(expr.id)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        # os.environ.get("X", "https://host") + "/v2"
        left, right = literal_url(expr.left, constants), literal_url(expr.right, constants)
        return left + right if left is not None and right is not None else None
    if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or) and len(expr.values) == 2 \
            and isinstance(expr.values[0], (ast.Name, ast.Attribute)):
        # `base_url or os.environ.get("X", "https://host")`: the caller's choice, else the default
        return literal_url(expr.values[1], constants)
    if isinstance(expr, ast.Call) and _dotted(expr.func) in _ENV_GETTERS:
        default: Optional[ast.AST] = expr.args[1] if len(expr.args) >= 2 else None
        for kw in expr.keywords:
            if kw.arg == "default":
                default = kw.value
        if default is not None and not isinstance(default, ast.Call):
            return literal_url(default, constants)
    return None


# ---------------------------------------------------------------- suppressions

_SUPPRESS_RE = re.compile(r"migrator:\s*ignore(?:\[(?P<rules>[^\]]*)\])?(?P<rest>[^\r\n]*)")
_SUPPRESS_BYTES = re.compile(rb"migrator:\s*ignore")
_COMMENT_START = re.compile(r"#|//")


def _parse_suppression(comment: str, line: int, column: int, standalone: bool,
                       cell: Optional[int]) -> Optional[Suppression]:
    match = _SUPPRESS_RE.search(comment)
    if match is None:
        return None
    rules_text = match.group("rules")
    rules: Tuple[str, ...] = ()
    if rules_text is not None:
        rules = tuple(sorted({_rule_id(r) for r in rules_text.split(",") if r.strip()}))
    rest = match.group("rest").strip()
    reason = rest[2:].strip() if rest.startswith("--") else ""
    return Suppression(line, rules, reason, standalone, column, cell)


def _rule_id(text: str) -> str:
    text = text.strip()
    return text if "/" in text else f"check/{text}"


def python_suppressions(text: str, cell: Optional[int] = None) -> List[Suppression]:
    """Suppression comments in Python source (real comments only, not strings)."""
    if "migrator" not in text:
        return []
    out: List[Suppression] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                line, col = tok.start
                standalone = tok.line[:col].strip() == ""
                found = _parse_suppression(tok.string, line, col + 1, standalone, cell)
                if found:
                    out.append(found)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return text_suppressions(text, cell)
    return out


def text_suppressions(text: str, cell: Optional[int] = None) -> List[Suppression]:
    """Suppression comments (``#`` or ``//``) in any text, line by line."""
    out: List[Suppression] = []
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if "migrator" not in line:
            continue
        match = _SUPPRESS_RE.search(line)
        if match is None:
            continue
        starts = [m.start() for m in _COMMENT_START.finditer(line, 0, match.start())]
        if not starts:
            continue
        start = starts[-1] if line[: starts[0]].strip() else starts[0]
        found = _parse_suppression(line[start:], number, start + 1, line[:start].strip() == "", cell)
        if found:
            out.append(found)
    return out


def apply_suppressions(findings: Sequence[CheckFinding], suppressions: Sequence[Suppression],
                       path: str, source_line: Callable[[Optional[int], int], str]) -> Tuple[List[CheckFinding], int]:
    """Drop suppressed findings; add a finding for each reasonless or unused suppression."""
    kept: List[CheckFinding] = []
    used: Counter = Counter()
    suppressed = 0
    for finding in findings:
        hits = [i for i, s in enumerate(suppressions) if s.covers(finding)]
        if hits:
            suppressed += 1
            used.update(hits)
        else:
            kept.append(finding)
    for index, s in enumerate(suppressions):
        symbol = ",".join(s.rules) or "*"
        snippet = source_line(s.cell, s.line).strip()
        where = dict(path=path, line=s.line, column=s.column, end_line=s.line, end_column=s.column,
                     cell=s.cell, snippet=snippet)
        if not s.reason:
            kept.append(CheckFinding(R_NO_REASON, message=N_("suppression of {symbol} gives no reason; add ' -- <reason>'").format(symbol=symbol), symbol=symbol, **where))
        if not used[index]:
            unknown = [r for r in s.rules if r not in RULES]
            message = (N_("suppression of {symbol} matches no finding (unknown rule {rules}); remove it").format(
                symbol=symbol, rules=", ".join(unknown)) if unknown
                else N_("suppression of {symbol} matches no finding; remove it").format(symbol=symbol))
            kept.append(CheckFinding(R_UNUSED, message=message,
                                     symbol=symbol, **where))
    return kept, suppressed


# ---------------------------------------------------------------- one file


Fixer = Callable[[str, str, Sequence[CheckFinding]], Dict[Tuple[int, int], Fix]]


def check_bytes(relpath: str, data: bytes, policy: Policy, fixer: Optional[Fixer] = None,
                analysis: Optional[FileAnalysis] = None, extra: Sequence[Finding] = ()) -> FileCheck:
    """Check one file's bytes under ``policy`` (``analysis``: the analyzer's result for exactly
    these bytes, when the caller already has it; ``extra``: findings of these bytes only the whole
    project decides).  Never raises for bad input."""
    wants_modules = bool(policy.forbidden_modules) and any(
        m.split(".")[0].encode() in data for m in policy.forbidden_modules)
    has_marker = _SUPPRESS_BYTES.search(data) is not None
    if analysis is None:
        analysis = analyze_bytes(relpath, data)
    if extra and (analysis is None or not analysis.error):
        analysis = FileAnalysis(relpath, findings=[*(analysis.findings if analysis else ()), *extra])
    if analysis is None and not wants_modules and not has_marker:
        return FileCheck(relpath)
    if analysis is not None and analysis.error:
        return _unparseable(relpath, data, analysis.error, analysis.error_line)
    sources = _sources(relpath, data)
    findings = _policy_findings(relpath, analysis, sources, policy)
    if wants_modules:
        findings += _forbidden_module_findings(relpath, sources, policy)
    findings = _dedupe(findings)
    suppressions = _suppressions(relpath, data, sources)

    def source_line(cell: Optional[int], line: int) -> str:
        src = sources.get(cell)
        if src is not None:
            return src.line(line)
        text = sources.get("text")  # type: ignore[call-overload]
        return text.line(line) if text is not None else ""

    kept, suppressed = apply_suppressions(findings, suppressions, relpath, source_line)
    if fixer is not None and policy.name == "compat" and is_python(relpath) and None in sources:
        clients = [f for f in kept if f.rule == R_CLIENT and f.fix is None]
        fixes = fixer(relpath, sources[None].text, clients) if clients else {}
        kept = [replace(f, fix=fixes[(f.line, f.column)]) if (f.rule == R_CLIENT and (f.line, f.column) in fixes)
                else f for f in kept]
    kept.sort(key=CheckFinding.sort_key)
    return FileCheck(relpath, tuple(kept), suppressed)


_OPENAI_BYTES = re.compile(rb"(?i)openai")


def _unparseable_finding(relpath: str, why: str, line: Optional[int], cell: Optional[int] = None) -> CheckFinding:
    line = line or 1
    return CheckFinding(R_UNPARSEABLE, relpath, line, 1, line, 1,
                        N_("cannot be parsed ({reason}) and mentions openai: the gate cannot tell what it does").format(reason=why),
                        "unparseable", cell)


def _unparseable(relpath: str, data: bytes, why: str, line: Optional[int]) -> FileCheck:
    """A gate fails closed: a file it cannot read that mentions openai is a finding, not a pass."""
    if _OPENAI_BYTES.search(data) is None:
        return FileCheck(relpath, error=why)
    return FileCheck(relpath, (_unparseable_finding(relpath, why, line),))


def _sources(relpath: str, data: bytes) -> Dict[object, _Source]:
    """Python sources by cell (None for a module); key "text" for other files."""
    if is_python(relpath):
        text, _ = decode_python(data)
        return {None: _Source.parse(text)} if text is not None else {}
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    if relpath.endswith(".ipynb"):
        from migrator.analyzer.notebooks import NotebookError, code_cells

        try:
            return {cell.number: _Source.parse(cell.source, cell.number) for cell in code_cells(text)}
        except NotebookError:
            return {}
    return {"text": _Source(text, tuple(re.split(r"\r\n|\r|\n", text)), None)}


def _suppressions(relpath: str, data: bytes, sources: Mapping[object, _Source]) -> List[Suppression]:
    if _SUPPRESS_BYTES.search(data) is None:
        return []
    if is_python(relpath):
        src = sources.get(None)
        return python_suppressions(src.text) if src is not None else []
    if relpath.endswith(".ipynb"):
        out: List[Suppression] = []
        for key, src in sources.items():
            if isinstance(key, int):
                out += text_suppressions(src.text, key)
        return out
    src = sources.get("text")
    return text_suppressions(src.text) if src is not None else []


def _dedupe(findings: List[CheckFinding]) -> List[CheckFinding]:
    seen = set()
    out = []
    for f in findings:
        ident = (f.rule, f.cell, f.line, f.column)  # the analyzer and the module walk may both see an import
        if ident not in seen:
            seen.add(ident)
            out.append(f)
    return out


def _make(rule: str, f: Finding, symbol: str, message: str, sources: Mapping[object, _Source]) -> CheckFinding:
    src = sources.get(f.cell) or sources.get("text")  # type: ignore[call-overload]
    snippet = src.line(f.span.line).strip() if src is not None else ""
    return CheckFinding(rule, f.path, f.span.line, f.span.col + 1, f.span.end_line, f.span.end_col + 1,
                        message, symbol, f.cell, snippet)


def _import_symbol(f: Finding) -> str:
    module = str(f.detail.get("module") or f.symbol or "openai")
    names = sorted(str(n) for n in f.detail.get("names") or [])
    if not names or names == [module] or names == [module.split(".")[0]]:
        return module
    if len(names) == 1:
        return f"{module}.{names[0]}"
    return f"{module}.{{{','.join(names)}}}"


def _policy_findings(relpath: str, analysis: Optional[FileAnalysis], sources: Mapping[object, _Source],
                     policy: Policy) -> List[CheckFinding]:
    if analysis is None:
        return []
    strict = policy.name == "strict"
    out: List[CheckFinding] = []
    module_ok = _module_client_configured(analysis, sources, policy)
    for f in analysis.findings:
        if f.kind == "import" and f.detail.get("unparsed"):
            src = sources.get(f.cell)
            if src is not None and _OPENAI_BYTES.search(src.text.encode("utf-8", "surrogatepass")):
                out.append(_unparseable_finding(relpath, f.message.split(": ", 1)[-1], None, f.cell))
        elif f.kind == "import":
            if strict:
                symbol = _import_symbol(f)
                out.append(_make(R_IMPORT, f, symbol, N_("imports {symbol} (the openai SDK is not allowed under "
                                    "the strict policy)").format(symbol=symbol), sources))
        elif f.kind == "js" and strict:
            module = str(f.detail.get("module") or "openai")
            out.append(_make(R_IMPORT, f, f"js:{module}", N_("JS/TS import of '{module}'").format(module=module), sources))
        elif f.kind == "framework" and f.detail.get("form") == "import":
            symbol = f.symbol or str(f.detail.get("module"))
            forbidden = _module_forbidden(symbol, policy.forbidden_modules)
            if symbol.split(".")[0] == "tiktoken" and not forbidden:
                continue  # a local tokenizer, not an API client
            if strict or forbidden:
                out.append(_make(R_FRAMEWORK, f, symbol, N_("imports OpenAI wrapper {symbol}").format(symbol=symbol), sources))
        elif f.kind == "framework" and f.detail.get("form") == "llamaindex_default":
            # a LlamaIndex default no module sets is OpenAI's endpoint, under any policy
            out.append(_make(R_FRAMEWORK, f, str(f.symbol), f.message, sources))
        elif f.kind == "framework" and f.detail.get("route"):
            # a LiteLLM model string routed to OpenAI (no api_base elsewhere): OpenAI usage under any policy
            out.append(_make(R_FRAMEWORK, f, str(f.symbol), f.message, sources))
        elif f.kind == "framework" and f.detail.get("form") == "construct" and not strict:
            # under compat a wrapper is fine where, like a client, it names an allowed endpoint
            problem = _client_problem(f, sources, policy, keywords=_WRAPPER_URL_KEYWORDS)
            if problem:
                out.append(_make(R_FRAMEWORK, f, str(f.symbol), problem, sources))
        elif f.kind == "url":
            url = str(f.detail.get("url") or "")
            symbol = re.sub(r"^https?://", "", url).rstrip("/").lower()
            out.append(_make(R_URL, f, symbol, N_("OpenAI URL {url}").format(url=url), sources))
        elif f.kind == "dependency":
            role, package = f.detail.get("role"), str(f.detail.get("package"))
            if strict and role in ("wrapper", "sdk"):
                out.append(_make(R_DEPENDENCY, f, package, (N_("depends on {package} (an OpenAI wrapper)") if role == "wrapper"
                                                               else N_("depends on {package}")).format(package=package), sources))
        elif f.kind == "client" and not strict:
            problem = _client_problem(f, sources, policy)
            if problem:
                out.append(_make(R_CLIENT, f, str(f.symbol), problem, sources))
        elif f.kind == "call" and not strict and f.detail.get("receiver") in ("module", "legacy", "super") and not module_ok:
            out.append(_make(R_CLIENT, f, f"module-client:{f.api}",
                             N_("{api} uses the openai module-level client, which talks to api.openai.com "
                                "(no allowed openai.base_url / openai.api_base in this file)").format(api=f.api), sources))
    return out


_WRAPPER_URL_KEYWORDS = ("base_url", "openai_api_base", "api_base", "api_base_url")  # api_base_url: Haystack


def _client_problem(f: Finding, sources: Mapping[object, _Source], policy: Policy,
                    keywords: Sequence[str] = ("base_url",)) -> Optional[str]:
    name = str(f.symbol).rsplit(".", 1)[-1]
    if f.detail.get("azure"):
        return N_("{name} talks to Azure OpenAI").format(name=name)
    src = sources.get(f.cell)
    call = src.call_at(f.span.line, f.span.col, f.span.end_line, f.span.end_col) if src is not None else None
    if call is None:
        return N_("{name}(...): base_url could not be read; it must be on the allow-list").format(name=name)
    base = next((kw.value for kw in call.keywords if kw.arg in keywords), None)
    params = f.detail.get("_params_def")
    if base is None and params:  # OpenAI(**params), the dict's keys all known: its base_url entry
        found = src.call_at(*params, kind=ast.Dict)  # type: ignore[union-attr]
        base = next((v for k, v in zip(found.keys, found.values) if isinstance(k, ast.Constant) and k.value in keywords),
                    None) if found is not None else None
        if base is None:
            return N_("{name}() has no base_url, so it talks to api.openai.com").format(name=name)
    if base is None:
        if any(kw.arg is None for kw in call.keywords):
            return N_("{name}(**...) has no visible base_url; it must be an explicit base_url on the allow-list").format(name=name)
        return N_("{name}() has no base_url, so it talks to api.openai.com").format(name=name)
    url = literal_url(base, src.module_constants())  # type: ignore[union-attr]
    if url is None:
        url = f.detail.get("default_url")  # x or os.getenv(...) or "https://...", read where it is written
    if url is None:
        return N_("{name}(base_url=...) is not a literal or an environment lookup with a literal default; "
                  "it cannot be checked against the allow-list").format(name=name)
    if not policy.allows(url):
        return N_("{name}(base_url={url}): endpoint not on the allow-list").format(name=name, url=repr(url))
    return None


def _module_client_configured(analysis: FileAnalysis, sources: Mapping[object, _Source], policy: Policy) -> bool:
    """Does this file set ``openai.base_url``/``openai.api_base`` to an allowed endpoint?"""
    for f in analysis.findings:
        if f.kind != "config" or f.detail.get("attribute") not in ("base_url", "api_base"):
            continue
        src = sources.get(f.cell)
        if src is None or src.tree is None:
            continue
        for node in ast.walk(src.tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.lineno == f.span.line and node.value is not None:
                url = literal_url(node.value, src.module_constants())
                if url is not None and policy.allows(url):
                    return True
    return False


def _forbidden_module_findings(relpath: str, sources: Mapping[object, _Source], policy: Policy) -> List[CheckFinding]:
    out: List[CheckFinding] = []
    for key, src in sources.items():
        if key == "text" or src.tree is None:
            continue
        for node in ast.walk(src.tree):
            modules: List[str] = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            hit = next((m for m in modules if _module_forbidden(m, policy.forbidden_modules)), None)
            if hit is None:
                continue
            line = node.lineno
            col = src.char_col(line, node.col_offset)
            end_line = getattr(node, "end_lineno", line) or line
            end_col = src.char_col(end_line, getattr(node, "end_col_offset", node.col_offset) or node.col_offset)
            symbol = modules[0] if isinstance(node, ast.Import) else hit
            rule = R_IMPORT if symbol.split(".")[0] == "openai" else R_FRAMEWORK
            out.append(CheckFinding(rule, relpath, line, col + 1, end_line, end_col + 1,
                                    N_("imports {symbol} (forbidden by [tool.migrator.check] forbidden-modules)").format(symbol=symbol),
                                    symbol, src.cell, src.line(line).strip()))
    return out


# ---------------------------------------------------------------- fixes (what `apply` would write)


def make_fixer(cfg: Config) -> Optional[Fixer]:
    """A fixer that rewrites clients as ``migrator apply`` would with the configured provider's compat plan.

    None when no provider is configured, its plan is not compat, or the rule packs cannot be loaded.
    """
    if not cfg.provider or (cfg.plan or "compat") != "compat":
        return None
    try:
        from migrator.ruleset import load_all, select

        packs = load_all()
        pack = next((p for p in packs if p.name == cfg.provider), None)
        if pack is None:
            return None
        ids = [r.id for r in pack.rules if r.match.get("kind") == "client" and "compat" in r.plans]
        if not ids:
            return None
        ruleset = select(packs, cfg.provider, "compat", models=cfg.models, env=cfg.env, region=cfg.region,
                         only=ids, todo_comments=False)
    except MigratorError:
        return None
    description = f"Point the client at {ruleset.provider.title} (migrator apply --provider {cfg.provider} --plan compat)"

    def fixer(relpath: str, text: str, clients: Sequence[CheckFinding]) -> Dict[Tuple[int, int], Fix]:
        from migrator.engine import migrate_source
        from migrator.limits import rewrite_problem

        if rewrite_problem(text):
            return {}  # no fix offered for a file LibCST cannot be given
        result = migrate_source(text, relpath, ruleset)
        if result.error or result.output == text:
            return {}
        return fixes_from_rewrite(text, result.output, clients, description)

    return fixer


def fixes_from_rewrite(old: str, new: str, clients: Sequence[CheckFinding], description: str) -> Dict[Tuple[int, int], Fix]:
    """Split a whole-file rewrite into one Fix per client finding.

    Each fix holds the changed hunks that overlap its finding's lines, plus the
    hunks that overlap no finding (added imports), so applying it alone gives
    working code.  Replacements are trimmed to the characters that change.
    """
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    hunks: List[Tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            hunks += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]  # one per line
        else:
            hunks.append((i1, i2, j1, j2))

    def overlaps(h: Tuple[int, int, int, int], f: CheckFinding) -> bool:
        lo, hi = h[0] + 1, max(h[1], h[0] + 1)
        return lo <= f.end_line and f.line <= hi

    shared = [h for h in hunks if not any(overlaps(h, f) for f in clients)]
    out: Dict[Tuple[int, int], Fix] = {}
    for f in clients:
        own = [h for h in hunks if overlaps(h, f)]
        if not own:
            continue
        chosen = sorted(own + shared)
        out[(f.line, f.column)] = Fix(description, tuple(_replacement(a, b, h) for h in chosen))
    return out


def _replacement(a: List[str], b: List[str], hunk: Tuple[int, int, int, int]) -> Replacement:
    i1, i2, j1, j2 = hunk
    old, new = "".join(a[i1:i2]), "".join(b[j1:j2])
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = _position(a, i1, old[:prefix])
    end = _position(a, i1, old[: len(old) - suffix])
    return Replacement(start[0], start[1], end[0], end[1], new[prefix: len(new) - suffix])


def _position(lines: List[str], first: int, consumed: str) -> Tuple[int, int]:
    """1-based (line, column) reached after ``consumed`` text starting at line index ``first``."""
    parts = consumed.splitlines(keepends=True)
    if not parts:
        if first < len(lines):
            return first + 1, 1
        last = lines[-1] if lines else ""
        return max(1, len(lines)), len(last.rstrip("\r\n")) + 1
    full = [p for p in parts if p.endswith(("\n", "\r"))]
    rest = parts[-1] if not parts[-1].endswith(("\n", "\r")) else ""
    line = first + len(full)
    if line >= len(lines) and not rest:
        last = lines[-1] if lines else ""
        return max(1, len(lines)), len(last.rstrip("\r\n")) + 1
    return line + 1, len(rest) + 1


def apply_fix(text: str, fix: Fix) -> str:
    """Apply a fix's replacements to ``text`` (used by tests to prove fixes are real)."""
    lines = text.splitlines(keepends=True)

    def offset(line: int, col: int) -> int:
        return sum(len(l) for l in lines[: line - 1]) + col - 1

    out = text
    for r in sorted(fix.replacements, key=lambda r: (r.start_line, r.start_column), reverse=True):
        start, end = offset(r.start_line, r.start_column), offset(r.end_line, r.end_column)
        out = out[:start] + r.text + out[end:]
    return out


# ---------------------------------------------------------------- new vs known


def new_findings(current: Sequence[CheckFinding], known: Mapping[Tuple[str, str, str], int],
                 known_snippets: Optional[Mapping[Tuple[str, str, str], Sequence[str]]] = None) -> List[CheckFinding]:
    """The findings beyond the known count of their (rule, path, symbol).

    When a fingerprint has more occurrences than before, the extra ones are
    those whose source line did not exist before (paired by text); failing
    that, the last ones in the file.
    """
    groups: Dict[Tuple[str, str, str], List[CheckFinding]] = defaultdict(list)
    for f in current:
        groups[f.key].append(f)
    out: List[CheckFinding] = []
    for key, items in groups.items():
        extra = len(items) - known.get(key, 0)
        if extra <= 0:
            continue
        items = sorted(items, key=CheckFinding.sort_key)
        if known_snippets is None:
            out += items[len(items) - extra:]
            continue
        old = Counter(known_snippets.get(key, ()))
        unmatched = []
        for f in items:
            if old[f.snippet] > 0:
                old[f.snippet] -= 1
            else:
                unmatched.append(f)
        chosen = unmatched[:extra]
        if len(chosen) < extra:
            rest = [f for f in items if f not in chosen]
            chosen += rest[len(rest) - (extra - len(chosen)):]
        out += chosen
    return sorted(out, key=CheckFinding.sort_key)


def read_baseline(path: str) -> Tuple[Dict[Tuple[str, str, str], int], Optional[str]]:
    """({(rule, path, symbol): count}, commit) from a baseline file; UsageError if unreadable."""
    from migrator.limits import json_problem

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        problem = json_problem(text)  # json recurses: refuse a deep document before it does
        if problem:
            raise UsageError(_("cannot read baseline {path}: {reason}").format(path=path, reason=problem))
        doc = json.loads(text, parse_constant=_no_constant)
    except FileNotFoundError:
        raise UsageError(_("baseline file {path} does not exist; create it with --update-baseline").format(path=path)) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: bad JSON, NaN, a 5000-digit number
        raise UsageError(_("cannot read baseline {path}: {reason}").format(path=path, reason=exc)) from None
    except RecursionError:
        raise UsageError(_("cannot read baseline {path}: {reason}").format(path=path, reason=_("nested too deeply"))) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("findings"), list):
        raise UsageError(_("{path} is not a migrator check baseline (no 'findings' list)").format(path=path))
    known: Dict[Tuple[str, str, str], int] = {}
    for number, entry in enumerate(doc["findings"], start=1):
        fields = [entry.get(k) for k in ("rule", "path", "symbol")] if isinstance(entry, dict) else [None]
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        if (not all(isinstance(v, str) for v in fields) or isinstance(count, bool) or not isinstance(count, int)
                or not 0 <= count <= _MAX_COUNT):
            raise UsageError(f"{path}: " + _("malformed baseline entry #{number} (rule, path and symbol must be strings, "
                                             "count a whole number up to {limit})").format(number=number, limit=_MAX_COUNT))
        key = (fields[0], fields[1], fields[2])
        known[key] = known.get(key, 0) + count
    commit = doc.get("commit")
    return known, commit if isinstance(commit, str) else None


_MAX_COUNT = 10**9


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def baseline_json(counts: Mapping[Tuple[str, str, str], int], policy: str, commit: Optional[str]) -> str:
    from migrator import __version__

    entries = [
        {"rule": rule, "path": path, "symbol": symbol, "count": count, "fingerprint": fingerprint(rule, path, symbol)}
        for (rule, path, symbol), count in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2]))
        if count > 0
    ]
    doc = {
        "schema_version": BASELINE_SCHEMA_VERSION,
        "tool": {"name": "migrator", "version": __version__},
        "command": "check",
        "policy": policy,
        "commit": commit,
        "findings": entries,
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- running a check


def _interesting(relpath: str) -> bool:
    from migrator.analyzer.textfiles import classify

    return is_python(relpath) or relpath.endswith(".ipynb") or classify(relpath) is not None


def _under(relpath: str, paths: Sequence[str]) -> bool:
    return any(p in ("", ".") or relpath == p or relpath.startswith(p.rstrip("/") + "/") for p in paths)


def _normalize_paths(root: str, paths: Sequence[str]) -> Tuple[str, ...]:
    out = []
    root_real = os.path.realpath(root)
    for p in paths:
        full = p if os.path.isabs(p) else os.path.join(root, p)
        if not os.path.exists(full):
            raise UsageError(_("path does not exist: {path}").format(path=p))
        real = os.path.realpath(full) if not os.path.islink(full) else os.path.abspath(full)
        rel = os.path.relpath(real, root_real)
        if rel == ".." or rel.startswith(".." + os.sep):
            raise UsageError(_("{path} is outside the project root {root}").format(path=p, root=root))
        out.append("" if rel == "." else rel.replace(os.sep, "/"))
    return tuple(out)


def _baseline_path(root: str, options: CheckOptions, cfg: Config) -> Optional[str]:
    if options.base:
        return None
    chosen = options.baseline or cfg.check.baseline
    if chosen is None and (options.update_baseline or os.path.isfile(os.path.join(root, DEFAULT_BASELINE))):
        chosen = DEFAULT_BASELINE
    if chosen is None:
        return None
    return chosen if os.path.isabs(chosen) else os.path.join(root, chosen)


def run_check(options: CheckOptions, *, cfg: Optional[Config] = None, progress=None) -> CheckResult:
    """Run the check; raise UsageError/ConfigError/GitError for problems the user must fix.
    ``progress(done, total)`` is called as files are checked."""
    root = os.path.abspath(options.root)
    if not os.path.isdir(root):
        raise UsageError(_("not a directory: {path}").format(path=options.root))
    if options.base and options.baseline:
        raise UsageError(_("--base and --baseline cannot be used together"))
    if options.base and options.update_baseline:
        raise UsageError(_("--update-baseline writes a baseline file; it cannot be combined with --base"))
    cfg = cfg if cfg is not None else load_config(root)
    policy = load_policy(cfg, options.policy)
    baseline_path = _baseline_path(root, options, cfg)
    excludes = normalize_excludes(list(cfg.exclude) + list(cfg.check.exclude) + list(options.excludes))
    paths = _normalize_paths(root, options.paths)
    skip = {DEFAULT_BASELINE}
    if baseline_path:
        skip.add(os.path.relpath(baseline_path, root).replace(os.sep, "/"))
    files = [c for c in iter_files(root, excludes)
             if c.relpath not in skip and _interesting(c.relpath) and (not paths or _under(c.relpath, paths))]
    fixer = make_fixer(cfg) if policy.name == "compat" else None

    repo = None
    base_commit = None
    if options.base:
        from migrator import vcs

        repo = vcs.find_repo(root)
        if repo is None:
            raise UsageError(_("--base needs a git repository; use --baseline outside git"))
        base_commit = _merge_base(repo, options.base)
        changed = set(vcs.changed_paths_since(repo, options.base))
        files = [c for c in files if c.relpath in changed]

    project = _ProjectFacts(root, excludes, options.max_bytes)
    checks = _check_files([(c.relpath, c.abspath) for c in files], policy, fixer, options.max_bytes, progress, project)
    current = sorted((f for c in checks for f in c.findings), key=CheckFinding.sort_key)
    errors = tuple((c.path, c.error) for c in checks if c.error)
    suppressed = sum(c.suppressed for c in checks)
    common = dict(root=root, policy=policy.name, findings=tuple(current), files_checked=len(files),
                  suppressed=suppressed, errors=errors)

    if options.base:
        # only files with findings now can have new ones: read just those at the base
        known, snippets = _known_at_base(repo, base_commit, sorted({f.path for f in current}), policy, project)
        new = _with_unparseable(new_findings(current, known, snippets), current)
        return CheckResult(mode="base", new=tuple(new), base=options.base, base_commit=base_commit, **common)
    if baseline_path and options.update_baseline:
        _write_baseline(baseline_path, root, current, policy.name, paths, {c.relpath for c in files})
        return CheckResult(mode="baseline", new=(), baseline=baseline_path, baseline_written=True, **common)
    if baseline_path:
        known, commit = read_baseline(baseline_path)
        known = _follow_renames(root, known, commit)
        new = _with_unparseable(new_findings(current, known), current)
        return CheckResult(mode="baseline", new=tuple(new), baseline=baseline_path, **common)
    return CheckResult(mode="all", new=tuple(current), **common)


def _with_unparseable(new: List[CheckFinding], current: Sequence[CheckFinding]) -> List[CheckFinding]:
    """A file the gate cannot read fails it even where a base or a baseline knew it: what it
    does now cannot be compared with what it did then."""
    seen = {id(f) for f in new}
    return sorted(new + [f for f in current if f.rule == R_UNPARSEABLE and id(f) not in seen],
                  key=CheckFinding.sort_key)


def _merge_base(repo, ref: str) -> str:
    from migrator import vcs

    try:
        return vcs.merge_base(repo, ref)
    except GitError as exc:
        unknown = exc.message == _("unknown ref '{ref}'").format(ref=ref)
        if "@{" in ref and unknown:  # reflog syntax: nothing to fetch
            hint = _(" (git cannot resolve it here: `git rev-parse` says the same; e.g. {example} is the previous branch)").format(
                example="@{-1}")
        elif unknown or exc.message == _("HEAD and '{ref}' have no common ancestor").format(ref=ref):
            hint = _(" (in CI, fetch it first: `git fetch origin <branch>`, or check out with fetch-depth: 0)")
        else:
            hint = ""
        raise GitError(f"--base {ref}: {exc.message}{hint}") from None


class _ProjectFacts:
    """Findings only the whole project decides (analyzer/llamaindex.py: a LlamaIndex default no
    module sets, worked out on the first file that may hold one: every Python file of the tree is
    read then, with --base too, whose changed files are not the project, never otherwise; and
    analyzer/autogen.py's config-list helpers that build OpenAI entries)."""

    def __init__(self, root: str, excludes: Sequence[str], max_bytes: int):
        self.root, self.excludes, self.max_bytes = root, excludes, max_bytes
        self.whole = None

    def __call__(self, relpath: str, data: bytes) -> List[Finding]:
        """The findings of ``data``, the bytes of ``relpath`` now or at a base, against the project now."""
        from migrator.analyzer import autogen, llamaindex

        if not is_python(relpath):
            return []
        # config_list_openai_aoai(...): OpenAI entries (a config list read from a file is not: it is unknown)
        text = decode_python(data)[0] if b"config_list_" in data else None
        out = [f for f in autogen.config_source_findings(relpath, text, autogen.file_exists(self.root))
               if f.detail.get("route")] if text is not None else []
        if llamaindex.MARK not in data:
            return out
        if self.whole is None:
            files = {c.relpath: c.abspath for c in iter_files(self.root, self.excludes) if is_python(c.relpath)}
            self.whole = llamaindex.project(sorted(files), lambda p: read_limited(files[p], self.max_bytes)[0])
        return out + self.whole.findings_in(relpath, data)


def _check_files(files: Sequence[Tuple[str, str]], policy: Policy, fixer: Optional[Fixer],
                 max_bytes: int, progress=None, project: Optional[Callable[[str, bytes], List[Finding]]] = None) -> List[FileCheck]:
    out = []
    for index, (relpath, abspath) in enumerate(files):
        if progress:
            progress(index, len(files))
        data, reason = read_limited(abspath, max_bytes)
        if data is None:
            if reason and (is_python(relpath) or relpath.endswith(".ipynb")):
                out.append(FileCheck(relpath, error=reason))
            continue
        if looks_binary(data):
            continue
        out.append(check_bytes(relpath, data, policy, fixer, extra=project(relpath, data) if project else ()))
    if progress:
        progress(len(files), len(files))
    return out


def _known_at_base(repo, base_commit: str, paths: Sequence[str], policy: Policy, project=None):
    """Counts and snippets per (rule, path, symbol) at the merge-base, following renames."""
    from migrator import vcs

    renames = vcs.renamed_paths(repo, base_commit, "HEAD")
    known: Counter = Counter()
    snippets: Dict[Tuple[str, str, str], List[str]] = defaultdict(list)
    for path in paths:
        old = renames.get(path, path)
        data = vcs.file_at(repo, base_commit, old)
        if data is None or looks_binary(data):
            continue
        # (what the project sets is taken as it is now: a default the change leaves unset was there before)
        for f in check_bytes(old, data, policy, extra=project(old, data) if project else ()).findings:
            f = replace(f, path=path)
            known[f.key] += 1
            snippets[f.key].append(f.snippet)
    return dict(known), dict(snippets)


def _follow_renames(root: str, known: Dict[Tuple[str, str, str], int], commit: Optional[str]) -> Dict[Tuple[str, str, str], int]:
    """Re-key baseline entries of files renamed since the baseline's commit (where git can tell)."""
    if not commit:
        return known
    try:
        from migrator import vcs

        repo = vcs.find_repo(root)
        if repo is None:
            return known
        renames = vcs.renamed_paths(repo, commit, "HEAD")
    except MigratorError:
        return known  # e.g. a shallow clone without the baseline's commit
    if not renames:
        return known
    old_to_new = {old: new for new, old in renames.items()}
    out: Counter = Counter()
    for (rule, path, symbol), count in known.items():
        out[(rule, old_to_new.get(path, path), symbol)] += count
    return dict(out)


def _write_baseline(path: str, root: str, current: Sequence[CheckFinding], policy: str,
                    paths: Sequence[str], checked: set) -> None:
    counts: Counter = Counter(f.key for f in current if f.rule != R_UNPARSEABLE)  # never accepted
    if paths and os.path.exists(path):
        # checking some files must not forget the others' entries
        previous, _ = read_baseline(path)
        for key, count in previous.items():
            if key[1] not in checked and not _under(key[1], paths):
                counts[key] += count
    commit = None
    try:
        from migrator import vcs

        repo = vcs.find_repo(root)
        if repo is not None:
            commit = vcs.resolve_commit(repo, "HEAD")
    except GitError:
        commit = None
    text = baseline_json(counts, policy, commit)
    from migrator.report import ESCAPE_ERRORS  # an undecodable file name stays a JSON \u escape
    from migrator.writer import write_user_file

    write_user_file(path, text.encode("utf-8", ESCAPE_ERRORS), "baseline")
