"""One file's check: its findings under a policy (the analyzer's touchpoints, forbidden modules,
clients without an allowed endpoint), suppressions applied; a file that cannot be parsed fails closed."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from migrator.analyzer import analyze_bytes, decode_python, is_python
from migrator.check.policy import Policy, _module_forbidden
from migrator.analyzer.facts import covers, source_facts
from migrator.check.source import _Source
from migrator.analyzer.suppressions import _SUPPRESS_BYTES, Suppression, python_suppressions, text_suppressions
from migrator.check.suppressions import apply_suppressions
from migrator.i18n import N_
from migrator.models import URL_KEYWORDS, FileAnalysis, Finding, SourceFacts
from migrator.results import R_CASSETTE, R_CLIENT, R_DEPENDENCY, R_FRAMEWORK, R_IMPORT, R_UNPARSEABLE, R_URL, CheckFinding, Fix


@dataclass(frozen=True)
class FileCheck:
    path: str
    findings: Tuple[CheckFinding, ...] = ()
    suppressed: int = 0
    error: Optional[str] = None


Fixer = Callable[[str, str, Sequence[CheckFinding]], Dict[Tuple[int, int], Fix]]


def check_bytes(
    relpath: str,
    data: bytes,
    policy: Policy,
    fixer: Optional[Fixer] = None,
    analysis: Optional[FileAnalysis] = None,
    extra: Sequence[Finding] = (),
) -> FileCheck:
    """Check one file's bytes under ``policy`` (``analysis``: the analyzer's result for exactly
    these bytes, when the caller already has it; ``extra``: findings of these bytes only the whole
    project decides).  Never raises for bad input."""
    wants_modules = bool(policy.forbidden_modules) and any(m.split(".")[0].encode() in data for m in policy.forbidden_modules)
    has_marker = _SUPPRESS_BYTES.search(data) is not None
    if analysis is None:
        analysis = analyze_bytes(relpath, data)
    if extra and (analysis is None or not analysis.error):
        analysis = FileAnalysis(
            relpath, findings=[*(analysis.findings if analysis else ()), *extra], facts=analysis.facts if analysis else []
        )
    if analysis is None and not wants_modules and not has_marker:
        return FileCheck(relpath)
    if analysis is not None and analysis.error:
        return _unparseable(relpath, data, analysis.error, analysis.error_line)
    sources = _sources(relpath, data)
    facts = _Facts(analysis, sources)
    findings = _policy_findings(relpath, analysis, sources, facts, policy)
    if wants_modules:
        findings += _forbidden_module_findings(relpath, sources, facts, policy)
    findings = _dedupe(findings)
    suppressions = _suppressions(relpath, data, sources)

    def source_line(cell: Optional[int], line: int) -> str:
        src = sources.get(cell)
        if src is not None:
            return src.line(line)
        text = sources.get("text")
        return text.line(line) if text is not None else ""

    kept, suppressed = apply_suppressions(findings, suppressions, relpath, source_line)
    if fixer is not None and policy.name == "compat" and is_python(relpath) and None in sources:
        clients = [f for f in kept if f.rule == R_CLIENT and f.fix is None]
        fixes = fixer(relpath, sources[None].text, clients) if clients else {}
        kept = [
            replace(f, fix=fixes[(f.line, f.column)]) if (f.rule == R_CLIENT and (f.line, f.column) in fixes) else f for f in kept
        ]
    kept.sort(key=CheckFinding.sort_key)
    return FileCheck(relpath, tuple(kept), suppressed)


_OPENAI_BYTES = re.compile(rb"(?i)openai")


def _unparseable_finding(relpath: str, why: str, line: Optional[int], cell: Optional[int] = None) -> CheckFinding:
    line = line or 1
    return CheckFinding(
        R_UNPARSEABLE,
        relpath,
        line,
        1,
        line,
        1,
        N_("cannot be parsed ({reason}) and mentions openai: the gate cannot tell what it does").format(reason=why),
        "unparseable",
        cell,
    )


def _unparseable(relpath: str, data: bytes, why: str, line: Optional[int]) -> FileCheck:
    """A gate fails closed: a file it cannot read that mentions openai is a finding, not a pass."""
    if _OPENAI_BYTES.search(data) is None:
        return FileCheck(relpath, error=why)
    return FileCheck(relpath, (_unparseable_finding(relpath, why, line),))


def _sources(relpath: str, data: bytes) -> Dict[object, _Source]:
    """Python sources by cell (None for a module); key "text" for other files."""
    if is_python(relpath):
        text, _ = decode_python(data)
        return {None: _Source.of(text)} if text is not None else {}
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    if relpath.endswith(".ipynb"):
        from migrator.analyzer.notebooks import NotebookError, code_cells

        try:
            return {cell.number: _Source.of(cell.source, cell.number) for cell in code_cells(text)}
        except NotebookError:
            return {}
    return {"text": _Source.of(text)}


class _Facts:
    """What check reads of the source of a cell (None: the module), by cell: the analyzer's record
    (``SourceFacts``, analyzer/facts.py), or where it holds none that answers (a file or cell it did
    not parse whole, a construction the project pass found) the same facts from a parse of check's own."""

    def __init__(self, analysis: Optional[FileAnalysis], sources: Mapping[object, _Source]):
        self.findings: Sequence[Finding] = analysis.findings if analysis is not None else ()
        self.recorded = {facts.cell: facts for facts in (analysis.facts if analysis is not None else ())}
        self.sources = sources
        self.parsed: Dict[Optional[int], SourceFacts] = {}

    def __call__(self, cell: Optional[int]) -> SourceFacts:
        recorded = self.recorded.get(cell)
        if recorded is not None and covers(recorded, self.findings, cell):
            return recorded
        if cell not in self.parsed:
            src = self.sources.get(cell)
            tree = src.tree() if src is not None else None
            self.parsed[cell] = source_facts(tree, src.char_col if src is not None else _byte_col, self.findings, cell)
        return self.parsed[cell]


def _byte_col(line: int, col: int) -> int:
    return col


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
    src = sources.get(f.cell) or sources.get("text")
    snippet = src.line(f.span.line).strip() if src is not None else ""
    return CheckFinding(
        rule, f.path, f.span.line, f.span.col + 1, f.span.end_line, f.span.end_col + 1, message, symbol, f.cell, snippet
    )


def _import_symbol(f: Finding) -> str:
    module = str(f.detail.get("module") or f.symbol or "openai")
    names = sorted(str(n) for n in f.detail.get("names") or [])
    if not names or names == [module] or names == [module.split(".")[0]]:
        return module
    if len(names) == 1:
        return f"{module}.{names[0]}"
    return f"{module}.{{{','.join(names)}}}"


def _policy_findings(
    relpath: str, analysis: Optional[FileAnalysis], sources: Mapping[object, _Source], facts: _Facts, policy: Policy
) -> List[CheckFinding]:
    if analysis is None:
        return []
    strict = policy.name == "strict"
    out: List[CheckFinding] = []
    module_ok = _module_client_configured(analysis, facts, policy)
    for f in analysis.findings:
        if f.kind == "import" and f.detail.get("unparsed"):
            src = sources.get(f.cell)
            if src is not None and _OPENAI_BYTES.search(src.text.encode("utf-8", "surrogatepass")):
                out.append(_unparseable_finding(relpath, f.message.split(": ", 1)[-1], None, f.cell))
        elif f.kind == "import":
            if strict:
                symbol = _import_symbol(f)
                out.append(
                    _make(
                        R_IMPORT,
                        f,
                        symbol,
                        N_("imports {symbol} (the openai SDK is not allowed under the strict policy)").format(symbol=symbol),
                        sources,
                    )
                )
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
            problem = _client_problem(f, facts, policy, keywords=URL_KEYWORDS)
            if problem:
                out.append(_make(R_FRAMEWORK, f, str(f.symbol), problem, sources))
        elif f.kind == "url" and f.detail.get("cassette"):
            host = str(f.detail.get("host"))
            message = N_("recorded exchange with {host}: re-record it against the provider").format(host=host)
            out.append(_make(R_CASSETTE, f, f"cassette:{host}", message, sources))
        elif f.kind == "url":
            url = str(f.detail.get("url") or "")
            symbol = re.sub(r"^https?://", "", url).rstrip("/").lower()
            out.append(_make(R_URL, f, symbol, N_("OpenAI URL {url}").format(url=url), sources))
        elif f.kind == "dependency":
            role, package = f.detail.get("role"), str(f.detail.get("package"))
            if strict and role in ("wrapper", "sdk"):
                out.append(
                    _make(
                        R_DEPENDENCY,
                        f,
                        package,
                        (
                            N_("depends on {package} (an OpenAI wrapper)") if role == "wrapper" else N_("depends on {package}")
                        ).format(package=package),
                        sources,
                    )
                )
        elif f.kind == "client" and not strict:
            problem = _client_problem(f, facts, policy)
            if problem:
                out.append(_make(R_CLIENT, f, str(f.symbol), problem, sources))
        elif f.kind == "call" and not strict and f.detail.get("receiver") in ("module", "legacy", "super") and not module_ok:
            out.append(
                _make(
                    R_CLIENT,
                    f,
                    f"module-client:{f.api}",
                    N_(
                        "{api} uses the openai module-level client, which talks to api.openai.com "
                        "(no allowed openai.base_url / openai.api_base in this file)"
                    ).format(api=f.api),
                    sources,
                )
            )
    return out


def _client_problem(f: Finding, facts: _Facts, policy: Policy, keywords: Sequence[str] = ("base_url",)) -> Optional[str]:
    name = str(f.symbol).rsplit(".", 1)[-1]
    if f.detail.get("azure"):
        return N_("{name} talks to Azure OpenAI").format(name=name)
    span = f.span
    endpoint = facts(f.cell).calls.get((span.line, span.col, span.end_line, span.end_col))
    if endpoint is None:
        return N_("{name}(...): base_url could not be read; it must be on the allow-list").format(name=name)
    base = next((kw for kw in endpoint.keywords if kw[0] in keywords), None)
    if base is None and f.detail.get("_params_def"):  # OpenAI(**params), the dict's keys all known: its base_url entry
        base = next((entry for entry in endpoint.params if entry[0] in keywords), None)
        if (
            base is None
            and "base_url" in keywords
            and "base_url" in (f.detail.get("kwargs") or ())
            and f.detail.get("default_url")
        ):
            base = ("base_url", None)  # set by statements: ``d["base_url"] = x`` if given, else its default
        if base is None:
            return N_("{name}() has no base_url, so it talks to api.openai.com").format(name=name)
    spread = f.detail.get("spread_url")
    if base is None and spread:  # config["base_url"] = "<url>" just before OpenAI(**config)
        return (
            None
            if policy.allows(spread)
            else N_("{name}(base_url={url}): endpoint not on the allow-list").format(name=name, url=repr(spread))
        )
    if base is None:
        if endpoint.spread:
            return N_("{name}(**...) has no visible base_url; it must be an explicit base_url on the allow-list").format(
                name=name
            )
        return N_("{name}() has no base_url, so it talks to api.openai.com").format(name=name)
    url = base[1]  # the URL it is known to default to (analyzer/facts.py::literal_url)
    if url is None:
        url = f.detail.get("default_url")  # x or os.getenv(...) or "https://...", read where it is written
    if url is None:
        return N_(
            "{name}(base_url=...) is not a literal or an environment lookup with a literal default; "
            "it cannot be checked against the allow-list"
        ).format(name=name)
    if not policy.allows(url):
        return N_("{name}(base_url={url}): endpoint not on the allow-list").format(name=name, url=repr(url))
    return None


def _module_client_configured(analysis: FileAnalysis, facts: _Facts, policy: Policy) -> bool:
    """Does this file set ``openai.base_url``/``openai.api_base`` to an allowed endpoint?"""
    for f in analysis.findings:
        if f.kind != "config" or f.detail.get("attribute") not in ("base_url", "api_base"):
            continue
        # (the literal URLs the assignments starting on that line assign)
        if any(policy.allows(url) for url in facts(f.cell).configs.get(f.span.line, ())):
            return True
    return False


def _forbidden_module_findings(
    relpath: str, sources: Mapping[object, _Source], facts: _Facts, policy: Policy
) -> List[CheckFinding]:
    out: List[CheckFinding] = []
    for key, src in sources.items():
        if key == "text":
            continue
        for node in facts(src.cell).imports:
            modules = node.modules
            hit = next((m for m in modules if _module_forbidden(m, policy.forbidden_modules)), None)
            if hit is None:
                continue
            span = node.span
            symbol = hit if node.from_ else modules[0]
            rule = R_IMPORT if symbol.split(".")[0] == "openai" else R_FRAMEWORK
            out.append(
                CheckFinding(
                    rule,
                    relpath,
                    span.line,
                    span.col + 1,
                    span.end_line,
                    span.end_col + 1,
                    N_("imports {symbol} (forbidden by [tool.migrator.check] forbidden-modules)").format(symbol=symbol),
                    symbol,
                    src.cell,
                    src.line(span.line).strip(),
                )
            )
    return out
