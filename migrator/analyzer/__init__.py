"""The one analyzer behind scan, apply and check: bytes of a file in, findings out.

``analyze_bytes`` never raises for bad input; a file that cannot be read as
what its name says comes back with ``error`` set.
"""

from __future__ import annotations

import io
import re
import tokenize
import itertools
from typing import Any, AnyStr, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from migrator.i18n import N_
from migrator.models import FileAnalysis, Finding, Span

PYTHON_SUFFIXES = (".py", ".pyw")

# a file needs the Python analyzer only if it imports openai/tiktoken/an OpenAI
# wrapper, or reads OPENAI_* variables; everything else is a text-level scan
# (the module must BE openai/tiktoken/langchain_openai, not merely contain the word:
# `from litellm.llms.openai import x` is someone else's code; on a corpus of 11k files this
# gate parses 421 files instead of 1,370 and loses no finding)
# Where an import statement can start: at a line's start (after its indentation; a bare "\r" ends a
# line too), after ";" (``x = 1; import openai``) or after the ":" of a compound statement's
# one-line body (``if x: import openai``, ``try: from openai import OpenAI``, ``def f(): import
# openai``); a ":" or ";" inside a string or a comment only costs a parse.  Its words may be split by
# backslash continuations (``import os, \\``, newline, ``openai``).
_START = rb"(?:^|(?<=[\r;:]))[ \t\f]*"
_CONT = rb"\\(?:\r\n?|\n)"  # a backslash continuation
_GAP = rb"(?:[ \t\f]|" + _CONT + rb")"  # what separates the words of a statement
_NAMES = rb"(?:[^\r\n#]|" + _CONT + rb")*?(?<=[ \t\f,\r\n])"  # import's names up to the one sought
_IMPORT_STMT = (
    rb"(?:from" + _GAP + rb"+(?:openai|tiktoken|langchain_openai)(?=[ \t\f.\\])"
    rb"|import" + _GAP + _NAMES + rb"(?:openai|tiktoken|langchain_openai)(?=[ \t\f.,;\\\r\n]|$)"
    # AutoGen 0.2 (pyautogen, ag2: analyzer/autogen.py): its config lists name OpenAI's endpoint
    rb"|from" + _GAP + rb"+(?:autogen|ag2)(?=[ \t\f.\\])|import" + _GAP + _NAMES + rb"(?:autogen|ag2)(?=[ \t\f.,;\\\r\n]|$)"
    rb"|from"
    + _GAP
    + rb"+(?:langchain|llama_index|autogen_ext|haystack)[\w.]*"
    + _GAP
    + rb"+import(?:[^\r\n]|"
    + _CONT
    + rb")*(?:openai|\())"
)
_IMPORT_LINE = _START + _IMPORT_STMT
# a router package (symbols.ROUTER_PACKAGES) imported: the package itself only, never its submodules
# (its own code).  LiteLLM's, DSPy's and CrewAI's own modules import their package everywhere, so such
# an import alone sends a file to the AST analysis only if its bytes hold what a finding there needs
# (``router_evidence``); on litellm's 3,135 files that analysis was most of a scan's time (issue 19)
_ROUTER_STMT = (
    rb"(?:from" + _GAP + rb"+(?:litellm|dspy|crewai)" + _GAP + rb"+import(?=[ \t\f\\(])"
    rb"|import" + _GAP + _NAMES + rb"(?:litellm|dspy|crewai)(?=[ \t\f,;\\\r\n]|$))"
)
_ROUTER_LINE = _START + _ROUTER_STMT
_ROUTER_LINE_RE = re.compile(rb"(?m)" + _ROUTER_LINE)
# the fast forms (``_any_line``): at a line's start, and after a break or a ";" or ":" inside it
# (re skips ahead to those characters, where it finds no literal to skip ahead by in _START)
_ROUTER_HEAD = re.compile(rb"(?m)[ \t\f]*" + _ROUTER_STMT)
_ROUTER_MID = re.compile(rb"(?m)[\r\n;:][ \t\f]*" + _ROUTER_STMT)
_ROUTER_LITERALS = (b"litellm", b"dspy", b"crewai")
# What each finding the analyzer can make in a module that does not pass the gate otherwise needs in
# its bytes (in the source, that is: a literal written with escapes or split into implicitly
# concatenated pieces, "g" "pt-4o", is not seen):
_ROUTER_EVIDENCE = re.compile(
    # a route's model string (litellm.completion, dspy.LM, crewai.LLM/Agent, Router's model_list): a
    # string literal of the module (constant_str) starting as symbols.openai_route accepts
    rb"[\"'](?:openai/|gpt|chatgpt|o[134]|text-embedding|text-davinci|davinci|babbage)"
    rb"|OPENAI_"  # an environment read the gate's _ENV_READ misses (from os import environ as env)
    rb"|api\.openai\.com"  # an HTTP mock routed at OpenAI (respx, responses): a test double
    # openai imported where the gate's ^ does not look (after ; or :, a line continuation)
    rb"|(?:from|import)[ \t](?:[^\n#]|\\\r?\n)*?(?<=[ \t,\n])openai(?=[ \t.,;\\\r\n)]|$)"
    rb"|import_module|import_optional_dependency"  # openai = importlib.import_module("openai")
    rb"|autogen|ag2"  # AutoGen 0.2's config lists (analyzer/autogen.py)
)
_FRAMEWORK_WORD = re.compile(rb"langchain|llama_index|autogen_ext|haystack|dspy|tiktoken|chromadb")  # symbols.FRAMEWORK_PACKAGES
_QUOTED_OPENAI = re.compile(rb"[\"']openai[.\"']")


def router_evidence(data: bytes) -> bool:
    """Can a module whose only tie to OpenAI is a router import hold a finding of the AST analysis?"""
    if _ROUTER_EVIDENCE.search(data):
        return True
    low = data.lower()
    if b"openai" not in low:
        return False
    # an OpenAI wrapper of a framework package (from dspy.clients.openai import OpenAIProvider,
    # dspy.OpenAI): symbols.is_framework; a patched "openai..." target (mock.patch, monkeypatch.setattr)
    return bool(_FRAMEWORK_WORD.search(data)) or ((b"patch" in data or b"setattr" in data) and bool(_QUOTED_OPENAI.search(data)))


_ENV_READ = rb"(?:getenv|environ)\b[^)]{0,80}?[\"'](?:AZURE_)?OPENAI_"
# a test that patches the SDK by name need not import it: mock.patch("openai.ChatCompletion.create")
_DOUBLE = rb"(?-i:(?:patch|setattr)\(\s*[\"'](?:openai[.\"']|[\w.]+\.(?:(?:Async)?(?:Azure)?OpenAI|openai)[\"'])|patch\.object\(\s*[\w.]+\s*,\s*[\"'](?:Async)?(?:Azure)?OpenAI[\"'])"
# nor a module that imports it by name: openai = importlib.import_module("openai") (resolve.py); tried
# near the lines holding "openai" (``_BY_NAME_BEFORE`` bytes before a line's start at most)
_BY_NAME = rb"(?-i:import_(?:module|optional_dependency)\(\s{0,80}[\"']openai[\"'])"
_BY_NAME_BEFORE = len("import_optional_dependency(") + 80 + 1
# the definition, with ``router_evidence`` after a _ROUTER_LINE match (``gate``); needs_ast is the fast form
_NEEDS_AST = re.compile(rb"(?im)" + _IMPORT_LINE + rb"|" + _ENV_READ + rb"|" + _DOUBLE + rb"|" + _BY_NAME)
_DOUBLE_RE = re.compile(_DOUBLE)
_BY_NAME_RE = re.compile(_BY_NAME)
_IMPORT_HEAD = re.compile(rb"(?im)[ \t\f]*" + _IMPORT_STMT)
_IMPORT_MID = re.compile(rb"(?im)[\r\n;:][ \t\f]*" + _IMPORT_STMT)
_ENV_READ_RE = re.compile(_ENV_READ)
# every match of _IMPORT_LINE holds one of these on its line; every match of _ENV_READ ends in OPENAI_
_LINE_LITERALS = (b"openai", b"tiktoken", b"langchain", b"llama_index", b"autogen", b"ag2", b"haystack")
_MENTION = re.compile(rb"(?i)openai|sk-|tiktoken|litellm|dspy|crewai|autogen|ag2|oai_config_list")
_URL = re.compile(r"(?:https?://)?(?:api\.openai\.com|[\w-]+\.openai\.azure\.com)[\w/.-]*")


def mentions_openai(data: bytes) -> bool:
    """The cheap byte-level prefilter: can this file hold anything we report?

    Same answer as ``_MENTION.search(data)`` (bytes IGNORECASE is ASCII-only,
    like ``bytes.lower``), but ~20x faster: a case-insensitive alternation gets
    no literal fast path in ``re``, while ``in`` on bytes is a C substring search.
    """
    return mentions_lowered(data.lower())


def mentions_lowered(low: bytes) -> bool:
    """``mentions_openai`` for bytes already lower-cased."""
    return (
        b"openai" in low
        or b"sk-" in low
        or b"tiktoken" in low
        or b"litellm" in low
        or b"dspy" in low
        or b"crewai" in low  # routers: sym.ROUTER_PACKAGES
        or b"autogen" in low
        or b"ag2" in low
        or b"oai_config_list" in low
    )  # AutoGen 0.2 config lists


def read_whatever(relpath: str) -> bool:
    """A file read whatever it mentions: AutoGen's OAI_CONFIG_LIST, whose entries need not say openai."""
    from migrator.analyzer.autogen import is_config_file

    return is_config_file(relpath.rsplit("/", 1)[-1])


def holds_facts(relpath: str, low: bytes) -> bool:
    """A Python module that may hold a fact only the whole project weighs (a LlamaIndex module that
    need not mention openai: analyzer/llamaindex.py)."""
    return b"llama_index" in low and (is_python(relpath) or relpath.endswith(".ipynb"))


def project_facts(relpath: str, text: str, low: bytes) -> List[Finding]:
    """The ``fact`` findings of a module (analyzer/llamaindex.py, analyzer/autogen.py), which
    scan's project pass turns into findings, or drops, with the rest of the project."""
    out: List[Finding] = []
    if b"llama_index" in low:
        from migrator.analyzer.llamaindex import fact_findings

        out += fact_findings(relpath, text)
    if b"config_list_" in low:
        from migrator.analyzer.autogen import config_source_facts

        out += config_source_facts(relpath, text)
    return out


def needs_ast(data: bytes) -> bool:
    """``_NEEDS_AST.search(data)``, answered ~10x faster.

    The regex is tried only where it can match: on each logical line that holds
    one of its literals (case-sensitive, as in the pattern; ``_any_line``), and in
    the short window before each ``OPENAI_``.  ``re`` finds no literal to skip ahead
    by in the combined pattern, so searching it tries every line of the file.
    """
    if _any_line(_IMPORT_HEAD, _IMPORT_MID, data, _LINE_LITERALS, _BY_NAME_RE):
        return True
    if (b"patch(" in data or b"setattr(" in data or b"patch.object(" in data) and _DOUBLE_RE.search(data):
        return True
    at = data.find(b"OPENAI_")
    while at >= 0:
        # getenv/environ, a word boundary, at most 80 characters, a quote, AZURE_: under 100 bytes back
        if _ENV_READ_RE.search(data, max(0, at - 100), at + 7):
            return True
        at = data.find(b"OPENAI_", at + 7)
    return _any_line(_ROUTER_HEAD, _ROUTER_MID, data, _ROUTER_LITERALS) and router_evidence(data)


def _any_line(
    head: "re.Pattern[bytes]",
    mid: "re.Pattern[bytes]",
    data: bytes,
    literals: Sequence[bytes],
    by_name: "Optional[re.Pattern[bytes]]" = None,
) -> bool:
    """Does an import pattern above (_START and what ``head`` and ``mid`` follow it with) match in
    ``data``?  Tried only on the logical lines that hold one of ``literals``: a match holds one,
    and crosses no line break but a backslash continuation.  (``head`` at the line's start,
    ``mid`` after a "\r", a continued "\n", a ";" or a ":" inside it; only "\n" ends a line here,
    as the pattern's ^ follows "\n" only.)"""
    for start, end in lines_holding(data, literals, (b"\n",)):
        if data.find(b"\\", max(0, start - 3), start) >= 0 or data.find(b"\\", max(start, end - 2), end) >= 0:
            start, end = logical_line(data, start, end)  # (a backslash at either end: maybe continued)
        if head.match(data, start, end) or mid.search(data, start, end):
            return True
        if (
            by_name is not None
            and data.find(b"import_", max(0, start - _BY_NAME_BEFORE), end) >= 0
            and by_name.search(data, max(0, start - _BY_NAME_BEFORE), end)
        ):
            return True  # (``_BY_NAME``: a line holding "openai" holds its end)
    return False


def gate(data: bytes) -> bool:
    """What ``needs_ast`` answers, written plainly (the definition the tests hold it to)."""
    return bool(_NEEDS_AST.search(data)) or (bool(_ROUTER_LINE_RE.search(data)) and router_evidence(data))


def lines_holding(text: AnyStr, literals: Sequence[AnyStr], breaks: Sequence[AnyStr]) -> Iterator[Tuple[int, int]]:
    """(start, end) offsets of the lines of ``text`` that hold one of ``literals``, a line
    ending at any of ``breaks``; found by C substring search, one literal at a time (a
    line holding two literals comes twice)."""
    for literal in literals:
        at = text.find(literal)
        floor = 0  # where the next line starts at the earliest: past the last line yielded
        ahead = {b: -2 for b in breaks}  # next offset of each break found so far (-1: none left)
        while at >= 0:
            # both searches stop at what is known: a break absent from the text (\r in most
            # files) would otherwise be sought through the whole text once per line
            start = max(floor, max(text.rfind(b, floor, at) for b in breaks) + 1)
            for b, stop in ahead.items():
                if stop != -1 and stop < at:
                    ahead[b] = text.find(b, at)
            ends = [stop for stop in ahead.values() if stop >= 0]
            end = min(ends) if ends else len(text)
            yield start, end
            floor = end + 1
            at = text.find(literal, end)


def logical_line(text: AnyStr, start: int, end: int) -> Tuple[int, int]:
    """The physical line ``text[start:end]`` (``end``: at its line break, or the end of the text)
    widened to its logical line: joined by backslash continuations with the lines before and after
    it ("\r\n", "\r" and "\n" all end a line)."""
    back, nl, cr = ("\\", "\n", "\r") if isinstance(text, str) else (b"\\", b"\n", b"\r")
    while start > 0:
        at = start - 1  # the break ending the line before
        if at and text[at - 1 : at + 1] == cr + nl:
            at -= 1
        if at < 1 or text[at - 1 : at] != back:
            break
        before = text.rfind(nl, 0, at - 1)
        start = max(before, text.rfind(cr, before + 1, at - 1)) + 1
    while end < len(text):
        at = end - 1 if text[end - 1 : end + 1] == cr + nl else end  # (a "\n" ending "\r\n")
        if at <= start or text[at - 1 : at] != back:
            break
        after = end + 2 if text[end : end + 2] == cr + nl else end + 1
        stop = text.find(nl, after)
        stop = len(text) if stop < 0 else stop
        bare = text.find(cr, after, stop)
        end = bare if bare >= 0 else stop
    return start, end


def is_python(relpath: str) -> bool:
    return relpath.endswith(PYTHON_SUFFIXES)


def decode_python(data: bytes) -> Tuple[Optional[str], Optional[str]]:
    """Decode Python source honouring a BOM or coding cookie: (text, None) or (None, why)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        return None, N_("cannot decode: {reason}").format(reason=exc)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        return None, N_("cannot decode as {encoding}: {reason}").format(encoding=encoding, reason=exc)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as ``ast`` counts lines


def line_index(text: str, lines: Optional[List[str]] = None) -> List[int]:
    """Offsets at which each line starts (lines split on \\r\\n, \\r or \\n; ``lines``:
    ``LINE_BREAK.split(text)``, if the caller has it, saves a pass over the text)."""
    if lines is None or "\r" in text:
        return [0] + [m.end() for m in LINE_BREAK.finditer(text)]
    ends = itertools.accumulate(len(line) + 1 for line in lines)  # every break is one "\n"
    return [0, *itertools.islice(ends, len(lines) - 1)]


def offset_span(starts: List[int], start: int, end: int) -> Span:
    import bisect

    line = bisect.bisect_right(starts, start)
    end_line = bisect.bisect_right(starts, end)
    return Span(line, start - starts[line - 1], end_line, end - starts[end_line - 1])


_URL_LITERALS = ("api.openai.com", ".openai.azure.com")


def finditer_on_lines(
    pattern: "re.Pattern[str]",
    text: str,
    literals: Tuple[str, ...] = _URL_LITERALS,
    starts: Optional[Callable[[str, int, int, int], Iterable[int]]] = None,
    long_line: int = 2000,
) -> Iterator["re.Match[str]"]:
    """``pattern.finditer(text)`` for a pattern whose every match holds one of
    ``literals`` and no line break: the pattern is tried only on lines holding a
    literal, found by C substring search (a URL pattern has no literal prefix
    for ``re`` to skip ahead by, so a plain finditer tries every position).

    ``starts(text, line_start, line_end, at)``, if given, names every offset where a
    match holding the literal found at ``at`` can start; on a line longer than
    ``long_line`` (a minified bundle is one line of a megabyte) the pattern is then
    tried only there, keeping the leftmost matches that do not overlap."""
    for start, end in sorted(set(lines_holding(text, literals, ("\n", "\r")))):
        if starts is None or end - start <= long_line:
            yield from pattern.finditer(text, start, end)
            continue
        candidates: Set[int] = set()
        for literal in literals:
            at = text.find(literal, start, end)
            while at >= 0:
                candidates.update(s for s in starts(text, start, end, at) if s >= start)
                at = text.find(literal, at + 1, end)
        last = start
        for at in sorted(candidates):
            match = pattern.match(text, at, end) if at >= last else None
            if match is not None:
                yield match
                last = match.end()


def text_findings(
    relpath: str, text: str, *, cell: Optional[int] = None, low: Optional[bytes] = None, python: bool = False
) -> List[Finding]:
    """Secrets anywhere in a text (code, comments, strings), and OpenAI URLs (in Python source,
    not those in comments and docstrings: prose reaches no server)."""
    from migrator.analyzer.secrets import describe, find_secrets, might_hold_secret

    out: List[Finding] = []
    # substring guards (each a superset of what its regex can match) skip the
    # slow regex scans on the many files that cannot hold a key or a URL
    # (``low``: the file's bytes lower-cased, when the caller has them: the guard reads them
    # instead of lower-casing the text -- the text's ASCII letters are the bytes' (a source
    # encoding is ASCII-compatible), and the only other character whose lower case is one of
    # these letters is KELVIN SIGN)
    lowered: Optional[str] = None
    if low is not None and (low.isascii() or "\u212a" not in text):
        maybe_key = might_hold_secret(low)
    else:
        lowered = text.lower()
        maybe_key = might_hold_secret(lowered)
    for start, end, redacted in find_secrets(text, low, lowered) if maybe_key else ():
        out.append(
            Finding(
                "secret",
                relpath,
                _span_of(text, start, end),
                N_("hard-coded {what} {key}").format(what=describe(redacted), key=redacted),
                cell=cell,
                detail={"redacted": redacted},
            )
        )
    prose: Optional[List[Tuple[int, int]]] = None
    for match in finditer_on_lines(_URL, text):
        if python:
            prose = _prose(text) if prose is None else prose
            if any(start <= match.start() < end for start, end in prose):
                continue
        out.append(
            Finding(
                "url",
                relpath,
                _span_of(text, match.start(), match.end()),
                N_("OpenAI URL {url}").format(url=match.group(0)),
                cell=cell,
                detail={"url": match.group(0)},
            )
        )
    return out


def _prose(text: str) -> List[Tuple[int, int]]:
    """Offsets of a Python source's comments and docstrings (string statements); none where it
    does not tokenize."""
    import io
    import tokenize

    starts = [0]
    for line in io.StringIO(text):
        starts.append(starts[-1] + len(line))
    out: List[Tuple[int, int]] = []
    try:
        tokens = [
            t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in (tokenize.NL, tokenize.ENCODING)
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out
    statement_start = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
    for i, tok in enumerate(tokens):
        docstring = (
            tok.type == tokenize.STRING
            and (i == 0 or tokens[i - 1].type in statement_start)
            and i + 1 < len(tokens)
            and tokens[i + 1].type in (tokenize.NEWLINE, tokenize.ENDMARKER)
        )
        if tok.type == tokenize.COMMENT or docstring:
            out.append((starts[tok.start[0] - 1] + tok.start[1], starts[tok.end[0] - 1] + tok.end[1]))
    return out


def _span_of(text: str, start: int, end: int) -> Span:
    """``offset_span`` for the odd finding, without indexing every line of the text."""
    if "\r" in text:
        return offset_span(line_index(text), start, end)
    line, end_line = text.count("\n", 0, start) + 1, text.count("\n", 0, end) + 1
    return Span(line, start - (text.rfind("\n", 0, start) + 1), end_line, end - (text.rfind("\n", 0, end) + 1))


def analyze_python_bytes(relpath: str, data: bytes, low: Optional[bytes] = None) -> Optional[FileAnalysis]:
    low = data.lower() if low is None else low
    if not mentions_lowered(low) and not holds_facts(relpath, low):
        return None
    # (after the byte gate: a file without OpenAI code never loads it)
    from migrator.analyzer.python import analyze_python, kept_analysis

    text, problem = decode_python(data)
    if text is None:  # (a module read for its facts only is not one that fails: it names no OpenAI)
        return FileAnalysis(relpath, error=problem) if mentions_lowered(low) else None
    # a BOM would hide an `import openai` on the first line from the ^-anchored pattern
    if needs_ast(data[3:] if data.startswith(b"\xef\xbb\xbf") else data):
        # (a rewritten module's final text was analysed by the rewrite's fixpoint check already)
        kept = kept_analysis(text, relpath)
        result = kept if kept is not None else analyze_python(text, relpath)
    else:
        result = FileAnalysis(relpath)
    result.findings.extend(text_findings(relpath, text, low=low, python=True))
    result.findings.extend(project_facts(relpath, text, low))
    if not result.findings and not mentions_lowered(low):
        return None  # read for facts it turned out not to hold
    if relpath.rsplit("/", 1)[-1] == "setup.py":
        from migrator.analyzer.textfiles import analyze_text

        result.findings.extend(f for f in analyze_text(relpath, text) if f.kind == "dependency")
    result.findings.sort(key=Finding.sort_key)
    return result


def notebook_cells(
    relpath: str, text: str, project: Optional[Dict[str, Dict[str, object]]] = None
) -> List[Tuple[Any, Optional[FileAnalysis]]]:
    """A notebook's code cells in order (``code_cells``' tuples), each with its analysis knowing
    what the cells before it bound: the cells run as one program, so a client an earlier cell
    builds is the same client in a later one.  None: no earlier cell binds a client, and the cell
    is analysed on its own (by whoever needs it).  ``project``: what the project's modules export
    (``ProjectIndex.exports``), for a notebook importing one of them: every cell is analysed
    knowing it, as a module importing them is.  Raises NotebookError."""
    from migrator.analyzer.notebooks import code_cells
    from migrator.analyzer.python import analyze_python, exports_of

    out: List[Tuple[Any, Optional[FileAnalysis]]] = []
    earlier: Dict[str, Dict[str, object]] = {}
    for cell in code_cells(text):
        number, source = cell[0], cell[1]
        known = dict(project, **earlier) if project else dict(earlier)
        out.append((cell, analyze_python(source, relpath, cell=number, externals=known) if known else None))
        exports = exports_of(source, relpath, externals=project)
        for name in _rebound(source) - set(exports) if project else ():
            earlier.pop(name, None)  # (a module's client imported earlier, now something else)
        earlier.update({name: dict(export, path=export.get("path", relpath)) for name, export in exports.items()})
    return out


def _rebound(source: str) -> Set[str]:
    """The names a notebook cell binds at its top level (not in its functions and classes)."""
    import ast

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    out: Set[str] = set()
    todo: List[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
            continue
        if isinstance(node, (ast.Lambda, ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*")
        todo.extend(ast.iter_child_nodes(node))
    return out


def analyze_notebook_bytes(relpath: str, data: bytes) -> Optional[FileAnalysis]:
    from migrator.analyzer.llamaindex import MARK
    from migrator.analyzer.notebooks import NotebookError

    if not mentions_openai(data) and MARK not in data:
        return None
    text = data.decode("utf-8", errors="replace")
    try:
        cells = notebook_cells(relpath, text)
    except NotebookError as exc:
        return FileAnalysis(
            relpath, error=N_("invalid notebook: {reason}").format(reason=exc), error_line=getattr(exc, "line", None)
        )
    return notebook_analysis(relpath, text, notebook_parts(relpath, cells), mentions_openai(data))


def notebook_parts(relpath: str, cells: List[Tuple[Any, Optional[FileAnalysis]]]) -> List[Tuple[Any, Optional[FileAnalysis]]]:
    """``notebook_cells``' cells, a cell no earlier one informs analysed on its own when it
    mentions OpenAI (None: it has nothing to find)."""
    from migrator.analyzer.python import analyze_python

    out: List[Tuple[Any, Optional[FileAnalysis]]] = []
    for cell, part in cells:
        number, source = cell[0], cell[1]
        if part is None and mentions_openai(source.encode("utf-8", "surrogatepass")):
            part = analyze_python(source, relpath, cell=number)
        out.append((cell, part))
    return out


def notebook_analysis(
    relpath: str, text: str, parts: List[Tuple[Any, Optional[FileAnalysis]]], mentions: bool
) -> Optional[FileAnalysis]:
    """A notebook's analysis from its cells' (``notebook_parts``) and its text's; ``mentions``:
    its bytes name OpenAI.  None when it holds nothing of interest."""
    from migrator.analyzer.llamaindex import MARK, fact_findings

    out = FileAnalysis(relpath)
    for cell, part in parts:
        number = cell[0]
        if part is None:
            continue
        if part.error:
            # a cell that does not parse (e.g. unusual magics) is reported, not fatal
            out.findings.append(
                Finding(
                    "import",
                    relpath,
                    Span(1, 0, 1, 0),
                    N_("cell {number}: {reason}").format(number=number, reason=part.error),
                    cell=number,
                    confidence="low",
                    detail={"unparsed": True},
                )
            )
            continue
        out.findings.extend(part.findings)
        out.symbols.extend(part.symbols)
        out.results.extend(part.results)
        out.env_reads.extend(part.env_reads)
        out.facts.extend(part.facts)
        out.handoffs.extend(part.handoffs)
    # keys, URLs (markdown cells too) and %pip install lines come from the text analyzer
    from migrator.analyzer.textfiles import analyze_text

    out.findings.extend(analyze_text(relpath, text))
    if MARK.decode() in text:  # LlamaIndex's defaults, weighed with the project's (scan's project pass)
        out.findings.extend(fact_findings(relpath, text))
    if not out.findings and not mentions:
        return None  # read for facts it turned out not to hold
    out.findings.sort(key=Finding.sort_key)
    return out


def analyze_other_bytes(relpath: str, data: bytes, low: Optional[bytes] = None) -> Optional[FileAnalysis]:
    from migrator.analyzer.textfiles import analyze_text, classify

    low = data.lower() if low is None else low
    if classify(relpath) is None or not (mentions_lowered(low) or read_whatever(relpath)):
        return None
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    if read_whatever(relpath):  # AutoGen's OAI_CONFIG_LIST: JSON that apply edits
        from migrator.analyzer.autogen import ConfigFileError, parse_config_file

        try:
            parse_config_file(text)
        except ConfigFileError as exc:
            return FileAnalysis(
                relpath, error=N_("not an AutoGen config list: {reason}").format(reason=exc.reason), error_line=exc.line
            )
    findings = analyze_text(relpath, text, low=low)
    return FileAnalysis(relpath, findings=sorted(findings, key=Finding.sort_key)) if findings else None


def analyze_bytes(relpath: str, data: bytes, low: Optional[bytes] = None) -> Optional[FileAnalysis]:
    """Analyse one file's bytes; None when the file holds nothing of interest
    (``low``: ``data.lower()``, when the caller has computed it already)."""
    if relpath.endswith(".ipynb"):
        return analyze_notebook_bytes(relpath, data)
    if is_python(relpath):
        return analyze_python_bytes(relpath, data, low)
    return analyze_other_bytes(relpath, data, low)
