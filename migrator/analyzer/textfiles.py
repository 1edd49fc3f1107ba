"""OpenAI touchpoints outside Python source: dependency files, env files,
Dockerfiles, compose files, JS/TS imports, endpoint URLs and API keys.

Everything here is line/regex based on purpose: no TOML/YAML re-parsing is
needed to *find* things, positions stay exact, and the rewriter in
``migrator.engine.textfiles`` edits the very spans found here.

Decisions on ambiguous cases:

* Package names match exactly (after PEP 503 normalization) one of
  ``WATCHED_PACKAGES``; ``openai-whisper`` or ``openai-agents`` are other
  packages and are not reported.
* Commented-out requirements (``# openai``) and commented-out env lines are
  not reported: they install nothing and the rewriter leaves them alone.
  Secrets and URLs *are* reported inside comments (a key in a comment leaks).
* Env variables are reported when the name starts with ``OPENAI_`` or
  ``AZURE_OPENAI_`` (upper case); ``MY_OPENAI_API_KEY_HINT`` is someone
  else's name and is not reported.
* A UTF-8 BOM is not counted in columns of line 1.
* ``setup.py`` gives only ``dependency`` findings here: it is Python source,
  so its keys and URLs are found by the Python analyzer (no duplicates).
* Notebooks: markdown and code cell sources are searched for URLs, keys and
  ``%pip install`` lines; positions are relative to the cell (``Finding.cell``).
  Outputs are not searched.  An unreadable notebook gives no findings here
  (the Python side reports the ``NotebookError``).
"""

from __future__ import annotations

import bisect
import io
import re
import tokenize
from dataclasses import dataclass, replace
from fnmatch import fnmatch
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from migrator.analyzer import autogen, notebooks, secrets
from migrator.i18n import N_
from migrator.models import Finding, Span

#: Normalized package name -> role.
WATCHED_PACKAGES: Dict[str, str] = {
    "openai": "sdk",
    "langchain-openai": "wrapper",
    "llama-index-llms-openai": "wrapper",
    "llama-index-embeddings-openai": "wrapper",
    "tiktoken": "tokenizer",
}

# the module each OpenAI wrapper package is imported as (apply drops a wrapper no code imports any more)
WRAPPER_MODULES: Dict[str, str] = {
    "langchain-openai": "langchain_openai",
    "llama-index-llms-openai": "llama_index.llms.openai",
    "llama-index-embeddings-openai": "llama_index.embeddings.openai",
}

ENV_NAME_RE = re.compile(r"(?<![A-Za-z0-9_])(?:AZURE_)?OPENAI_[A-Z0-9_]*[A-Z0-9](?![A-Za-z0-9_])")

_URL_RE = re.compile(
    r"(?:https?://)?(?<![A-Za-z0-9.-])"
    r"(?P<host>(?:[A-Za-z0-9-]+\.)*api\.openai\.com|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.openai\.azure\.com)"
    r"(?![A-Za-z0-9-])(?P<path>(?::\d+)?/[^\s\"'`<>()\[\]{},;\\?#|]*)?"
)

_JS_IMPORT_RE = re.compile(
    r"""(?P<form>\bfrom|\bimport|\brequire\s*\(|\bimport\s*\()\s*(?P<q>['"`])"""
    r"""(?P<module>openai(?:/[^'"`\s]*)?|@azure/openai|@langchain/openai(?:/[^'"`\s]*)?)(?P=q)"""
)
_NPM_DEP_RE = re.compile(r'"(?P<name>openai|@azure/openai|@langchain/openai)"\s*:\s*"(?P<spec>[^"]*)"')
_NPM_SECTION_RE = re.compile(r'"(?P<section>(?:dev|peer|optional)?[dD]ependencies)"\s*:\s*\{')

_REQ_RE = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?P<extras>\[[^\]]*\])?"
    r"\s*(?P<spec>[^;]*?)\s*(?:;\s*(?P<marker>.*?))?\s*$"
)

_TEXT_EXTENSIONS = {
    ".md",
    ".rst",
    ".txt",
    ".yaml",
    ".yml",
    ".json",
    ".toml",
    ".cfg",
    ".ini",
    ".conf",
    ".sh",
    ".bash",
    ".zsh",
    ".properties",
    ".html",
    ".xml",
    ".tf",
    ".tfvars",
}
_JS_EXTENSIONS = {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx"}


# --------------------------------------------------------------------------- basics


def normalize_name(name: str) -> str:
    """PEP 503 normalization: ``LangChain_OpenAI`` -> ``langchain-openai``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Requirement:
    name: str
    extras: str
    specifier: str
    marker: str


def parse_requirement(text: str) -> Optional[Requirement]:
    """Split a PEP 508 string into name / extras / specifier / marker (no validation)."""
    m = _REQ_RE.match(text)
    if not m:
        return None
    spec = m.group("spec")
    if " --" in spec or spec.startswith("--"):  # pip per-requirement options (--hash=...)
        spec = spec.split("--", 1)[0].strip()
    return Requirement(m.group("name"), m.group("extras") or "", spec, m.group("marker") or "")


@dataclass(frozen=True)
class DepEntry:
    """One requirement found in a dependency file (any package, not only watched ones).

    ``start``/``end`` delimit the requirement text (without quotes);
    ``outer_start``/``outer_end`` the whole element (quotes, or the whole line
    for line-based files).  ``style`` tells the rewriter how to edit it:
    ``line`` (one requirement per line), ``inline`` (setup.cfg value on the
    key's line: replaceable, not removable), ``array`` (element of a
    TOML/Python list), ``table`` (Poetry/Pipfile ``name = value``), ``conda``
    or ``pip`` (``pip install`` command: never rewritten).  ``unsafe`` says why it must
    not be edited automatically.
    """

    name: str
    specifier: str
    section: str
    start: int
    end: int
    outer_start: int
    outer_end: int
    style: str
    text: str
    marker: str = ""
    quote: str = ""
    unsafe: Optional[str] = None

    @property
    def package(self) -> str:
        return normalize_name(self.name)


class LineIndex:
    """Offset <-> (1-based line, 0-based column); lines end at ``\\n``."""

    def __init__(self, text: str):
        self.text = text
        self._starts: Optional[List[int]] = None

    @property
    def starts(self) -> List[int]:
        if self._starts is None:  # built on first use: most files yield no finding to place
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._starts

    def position(self, offset: int) -> Tuple[int, int]:
        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row]

    def offset(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def span(self, start: int, end: int) -> Span:
        return Span(*self.position(start), *self.position(end))


def iter_lines(text: str) -> Iterator[Tuple[int, str]]:
    """``(offset, content)`` per line; content has no ``\\n`` nor trailing ``\\r``."""
    pos = 0
    for raw in text.split("\n"):
        yield pos, raw[:-1] if raw.endswith("\r") else raw
        pos += len(raw) + 1


def comment_start(line: str, chars: str = "#") -> int:
    """Index of a comment (at line start or after whitespace, outside quotes), else ``len(line)``."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in chars and (i == 0 or line[i - 1].isspace()):
            return i
    return len(line)


def strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


# --------------------------------------------------------------------------- classify


def _is_requirements(name: str, parts: List[str]) -> bool:
    if fnmatch(name, "*requirements*.txt") or fnmatch(name, "*requirements*.in"):
        return True
    if fnmatch(name, "constraints*.txt"):
        return True
    in_req_dir = any(p in ("requirements", "reqs", "requirements.d") for p in parts[:-1])
    return in_req_dir and name.endswith((".txt", ".in"))


_EXACT_NAMES = {
    "pyproject.toml": "pyproject",
    "setup.cfg": "setup_cfg",
    "setup.py": "setup_py",
    "Pipfile": "pipfile",
    "environment.yml": "conda",
    "environment.yaml": "conda",
    "package.json": "package_json",
    ".env": "env",
}


def classify(path: str) -> Optional[str]:
    """The kind of non-Python file at ``path`` (``/``-separated), or None to skip it.

    Kinds: requirements, pyproject, setup_cfg, setup_py, pipfile, conda, env,
    compose, dockerfile, ci, js, package_json, notebook, shell, text, autogen_config.
    """
    parts = path.split("/")
    name = parts[-1]
    lower = name.lower()
    ext = "." + lower.rsplit(".", 1)[-1] if "." in lower else ""
    if name in _EXACT_NAMES:
        return _EXACT_NAMES[name]
    if autogen.is_config_file(name):
        return autogen.CONFIG_FILE_KIND
    if _is_requirements(lower, parts):
        return "requirements"
    if lower.startswith(".env.") or lower.endswith(".env") or lower == ".envrc":
        return "env"
    if (fnmatch(lower, "docker-compose*.y*ml") or fnmatch(lower, "compose*.y*ml")) and ext in (".yml", ".yaml"):
        return "compose"
    if lower.startswith("dockerfile") or lower.endswith(".dockerfile") or lower == "containerfile":
        return "dockerfile"
    if ext in (".yml", ".yaml") and "/".join(parts[:-1]).endswith(".github/workflows"):
        return "ci"
    if ext in _JS_EXTENSIONS:
        return "js"
    if ext == ".ipynb":
        return "notebook"
    if ext in (".sh", ".bash", ".zsh"):
        return "shell"
    if ext in _TEXT_EXTENSIONS:
        return "text"
    return None


# --------------------------------------------------------------------------- requirements.txt


def _requirements_entries(text: str) -> List[DepEntry]:
    entries = []
    for offset, line in iter_lines(text):
        body_end = comment_start(line)
        body = line[:body_end].rstrip()
        stripped = body.lstrip()
        if not stripped or stripped.startswith("-"):
            continue
        req = parse_requirement(stripped)
        if req is None:
            continue
        start = offset + len(body) - len(stripped)
        unsafe = None
        if "--hash" in body or body.endswith("\\"):
            unsafe = N_("hash-pinned or continued requirement line")
        entries.append(
            DepEntry(
                req.name,
                req.specifier,
                "requirements",
                start,
                offset + len(body),
                offset,
                offset + len(line),
                "line",
                stripped,
                req.marker,
                unsafe=unsafe,
            )
        )
    return entries


# --------------------------------------------------------------------------- TOML (line based)

_TOML_HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]\[#]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(
    r"""^\s*(?P<key>(?:"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_-]+))*)\s*=\s*"""
)


def _toml_dotted(name: str) -> str:
    """``tool . "poetry" .dependencies`` -> ``tool.poetry.dependencies``."""
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', name)
    return ".".join(a or b or c for a, b, c in parts)


@dataclass(frozen=True)
class TomlString:
    path: str  # dotted path of the array holding the string
    start: int  # content start (after the quote)
    end: int  # content end (before the quote)
    quote: str
    in_table: bool  # inside an inline table {...} within the array


@dataclass(frozen=True)
class TomlPair:
    table: str
    key: str
    key_start: int
    key_end: int
    value_start: int
    value_end: int  # end of the value text (comment and trailing blanks excluded)
    line_start: int
    line_end: int  # end of the line's content (before \r\n)


def _toml_string_end(text: str, i: int) -> Tuple[int, int, int]:
    """``(after_close, content_start, content_end)`` of the TOML string at ``text[i]``."""
    q = text[i]
    if text.startswith(q * 3, i):
        close = text.find(q * 3, i + 3)
        close = len(text) if close < 0 else close
        return close + 3, i + 3, close
    j = i + 1
    while j < len(text) and text[j] not in (q, "\n"):
        j += 2 if (q == '"' and text[j] == "\\") else 1
    j = min(j, len(text))
    return (j + 1 if j < len(text) and text[j] == q else j), i + 1, j


def _scan_toml_value(text: str, i: int, path: str, strings: List[TomlString]) -> Tuple[int, int]:
    """Scan a value from ``i``; collect array strings; return ``(value_end, next_line_start)``."""
    depth = brace = 0
    value_end = None
    while i < len(text):
        c = text[i]
        if c == "#":
            value_end = i if value_end is None and depth == 0 and brace == 0 else value_end
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl
            continue
        if c == "\n" and depth == 0 and brace == 0:
            return (i if value_end is None else value_end), i + 1
        if c in "\"'":
            after, cstart, cend = _toml_string_end(text, i)
            if depth == 1:
                strings.append(TomlString(path, cstart, cend, text[i] if after - cend <= 1 else text[i] * 3, brace > 0))
            i = after
            continue
        depth += (c == "[") - (c == "]")
        brace += (c == "{") - (c == "}")
        i += 1
    return (len(text) if value_end is None else value_end), len(text)


def scan_toml(text: str) -> Tuple[List[TomlString], List[TomlPair]]:
    """Strings inside array values (with their dotted path) and every ``key = value`` line."""
    strings: List[TomlString] = []
    pairs: List[TomlPair] = []
    table, i = "", 0
    while i < len(text):
        nl = text.find("\n", i)
        line_end = len(text) if nl < 0 else nl
        line = text[i:line_end]
        header = _TOML_HEADER.match(line)
        key = None if header else _TOML_KEY.match(line)
        if header:
            table = _toml_dotted(header.group("name"))
        if not key:
            i = line_end + 1
            continue
        name = _toml_dotted(key.group("key"))
        path = f"{table}.{name}" if table else name
        vstart = i + key.end()
        vend, nxt = _scan_toml_value(text, vstart, path, strings)
        vend = i + len(text[i:vend].rstrip().rstrip("\r"))
        content_end = line_end - 1 if line.endswith("\r") else line_end
        pairs.append(TomlPair(table, name, i + key.start("key"), i + key.end("key"), vstart, vend, i, content_end))
        i = nxt
    return strings, pairs


def _pyproject_array_section(path: str) -> Optional[str]:
    if path == "project.dependencies":
        return path
    if path.startswith(("project.optional-dependencies.", "dependency-groups.", "tool.pdm.dev-dependencies.")):
        return path
    if path in ("tool.uv.dev-dependencies", "tool.uv.constraint-dependencies", "tool.uv.override-dependencies"):
        return path
    return None


_POETRY_TABLE = re.compile(r"^tool\.poetry\.(?:dependencies|dev-dependencies|group\.[^.]+\.dependencies)$")
_PIPFILE_NON_DEPS = {"source", "requires", "scripts", "pipenv"}


def _array_entries(text: str, strings: List[TomlString], section_of: Callable[[str], Optional[str]]) -> List[DepEntry]:
    entries = []
    for s in strings:
        section = section_of(s.path)
        req = parse_requirement(text[s.start : s.end]) if section and not s.in_table else None
        if req is None or section is None:  # (a requirement is read only in a section)
            continue
        width = len(s.quote)
        unsafe = "multi-line string" if width == 3 else None
        entries.append(
            DepEntry(
                req.name,
                req.specifier,
                section,
                s.start,
                s.end,
                s.start - width,
                s.end + width,
                "array",
                text[s.start : s.end],
                req.marker,
                s.quote,
                unsafe,
            )
        )
    return entries


def _table_spec(value: str) -> Tuple[str, Optional[str]]:
    """Specifier of a Poetry/Pipfile value and why it is unsafe to edit (if it is)."""
    if value[:1] in "\"'":
        return value[1:-1].strip(), None
    if value.startswith("{") and value.endswith("}"):
        m = re.search(r"""\bversion\s*=\s*["']([^"']*)["']""", value)
        return (m.group(1) if m else ""), None
    return "", N_("value is not a string or one-line inline table")


def _table_entries(text: str, pairs: List[TomlPair], section_of: Callable[[str], Optional[str]]) -> List[DepEntry]:
    entries = []
    for p in pairs:
        section = section_of(p.table)
        if not section or "." in p.key:
            continue
        value = text[p.value_start : p.value_end]
        spec, unsafe = _table_spec(value)
        spec = "" if spec == "*" else spec
        entries.append(
            DepEntry(
                p.key,
                spec,
                section,
                p.key_start,
                p.value_end,
                p.line_start,
                p.line_end,
                "table",
                text[p.key_start : p.value_end],
                unsafe=unsafe,
            )
        )
    return entries


def _pyproject_entries(text: str) -> List[DepEntry]:
    strings, pairs = scan_toml(text)
    poetry = _table_entries(text, pairs, lambda t: t if _POETRY_TABLE.match(t) else None)
    return _array_entries(text, strings, _pyproject_array_section) + [e for e in poetry if e.package != "python"]


def _pipfile_entries(text: str) -> List[DepEntry]:
    _, pairs = scan_toml(text)
    return _table_entries(text, pairs, lambda t: t if t and t not in _PIPFILE_NON_DEPS else None)


# --------------------------------------------------------------------------- setup.cfg

_CFG_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]")
_CFG_KEY = re.compile(r"^(?P<key>[A-Za-z0-9_.-]+)\s*[=:]\s*(?P<value>.*)$")
_CFG_REQ_KEYS = {"install_requires", "setup_requires", "tests_require"}


def _cfg_section(section: str, key: str) -> Optional[str]:
    if section == "options" and key in _CFG_REQ_KEYS:
        return f"options.{key}"
    if section == "options.extras_require":
        return f"options.extras_require.{key}"
    return None


def _setup_cfg_entries(text: str) -> List[DepEntry]:
    entries: List[DepEntry] = []
    section, current = "", None
    for offset, line in iter_lines(text):
        m = _CFG_SECTION.match(line)
        if m:
            section, current = m.group("name").strip(), None
            continue
        key = _CFG_KEY.match(line)
        if key:
            current = _cfg_section(section, key.group("key"))
            if current and key.group("value").strip():
                entries += _cfg_value(line, offset, line.index(key.group("value"), key.end("key")), current, "inline")
            continue
        if current and line[:1] in (" ", "\t") and not line.lstrip().startswith(("#", ";")):
            entries += _cfg_value(line, offset, 0, current, "line")
        elif line.strip() and not line.startswith(("#", ";")):
            current = None
    return entries


def _cfg_value(line: str, offset: int, col: int, section: str, style: str) -> List[DepEntry]:
    body = line[: comment_start(line)].rstrip()
    stripped = body[col:].lstrip()
    req = parse_requirement(stripped) if stripped else None
    if req is None:
        return []
    start = offset + len(body) - len(stripped)
    return [
        DepEntry(
            req.name, req.specifier, section, start, offset + len(body), offset, offset + len(line), style, stripped, req.marker
        )
    ]


# --------------------------------------------------------------------------- setup.py

_SETUP_KEYWORDS = {"install_requires", "extras_require", "setup_requires", "tests_require"}


def _python_tokens(text: str) -> List[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return []


def _bracket_region(tokens: List[tokenize.TokenInfo], i: int) -> Tuple[int, int]:
    """Token index range of the bracketed value starting at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].type == tokenize.OP and tokens[j].string in "([{":
            depth += 1
        elif tokens[j].type == tokenize.OP and tokens[j].string in ")]}":
            depth -= 1
            if depth == 0:
                return i, j
    return i, len(tokens)


def _setup_regions(tokens: List[tokenize.TokenInfo]) -> List[Tuple[str, int, int]]:
    """``(keyword, first, last)`` token ranges of install_requires=... values (also via a variable)."""
    regions, wanted = [], {}
    for i in range(len(tokens) - 2):
        tok, eq, val = tokens[i], tokens[i + 1], tokens[i + 2]
        if tok.type != tokenize.NAME or eq.string not in ("=", ":"):
            continue
        if tok.string in _SETUP_KEYWORDS and eq.string == "=":
            if val.string in ("[", "(", "{"):
                regions.append((tok.string,) + _bracket_region(tokens, i + 2))
            elif val.type == tokenize.NAME:
                wanted[val.string] = tok.string
    for i in range(len(tokens) - 2):
        tok = tokens[i]
        if (
            tok.type == tokenize.NAME
            and tok.string in wanted
            and tokens[i + 1].string == "="
            and tokens[i + 2].string in ("[", "(", "{")
        ):
            regions.append((wanted[tok.string],) + _bracket_region(tokens, i + 2))
    return regions


def _simple_string(tok: tokenize.TokenInfo) -> Optional[Tuple[int, str]]:
    """``(prefix_len, quote)`` for a one-line plain string token, else None."""
    m = re.match(r"""^([rRuU]?)(\"\"\"|'''|"|')""", tok.string)
    if not m or len(m.group(2)) == 3 or tok.start[0] != tok.end[0]:
        return None
    return len(m.group(1)), m.group(2)


def _setup_py_entries(text: str) -> List[DepEntry]:
    tokens, index, entries = _python_tokens(text), LineIndex(text), []
    for keyword, first, last in _setup_regions(tokens):
        section, depth = keyword, 0
        for j in range(first, last):
            tok = tokens[j]
            depth += (tok.string in "([{") - (tok.string in ")]}") if tok.type == tokenize.OP else 0
            simple = _simple_string(tok) if tok.type == tokenize.STRING else None
            if simple is None:
                continue
            outer_start = index.offset(*tok.start)
            start, end = outer_start + simple[0] + 1, index.offset(*tok.end) - 1
            if tokens[j + 1].string == ":":  # a dict key names an extra
                section = f"{keyword}.{text[start:end]}" if depth == 1 else section
                continue
            req = parse_requirement(text[start:end])
            if req:
                entries.append(
                    DepEntry(
                        req.name,
                        req.specifier,
                        section,
                        start,
                        end,
                        outer_start,
                        end + 1,
                        "array",
                        text[start:end],
                        req.marker,
                        simple[1],
                    )
                )
    return entries


# --------------------------------------------------------------------------- environment.yml

_YAML_ITEM = re.compile(r"^(?P<indent>\s*)-\s+(?P<value>.*)$")


def _conda_spec(value: str) -> Optional[Tuple[str, str]]:
    spec = value.split("::", 1)[-1].strip()
    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$", spec)
    return (m.group(1), m.group(2).strip()) if m else None


def _conda_entries(text: str) -> List[DepEntry]:
    entries: List[DepEntry] = []
    dep_indent, pip_indent = None, None
    for offset, line in iter_lines(text):
        body = line[: comment_start(line)].rstrip()
        if not body.strip():
            continue
        indent = len(body) - len(body.lstrip())
        if re.match(r"^\s*dependencies\s*:\s*$", body):
            dep_indent, pip_indent = indent, None
            continue
        item = _YAML_ITEM.match(body)
        if dep_indent is None or (not item and indent <= dep_indent):
            dep_indent = None
            continue
        if not item:
            continue
        if pip_indent is not None and len(item.group("indent")) <= pip_indent:
            pip_indent = None
        value = item.group("value")
        if re.match(r"^pip\s*:\s*$", value):
            pip_indent = len(item.group("indent"))
            continue
        entries += _conda_item(offset, line, body, value, pip_indent is not None)
    return entries


def _conda_item(offset: int, line: str, body: str, value: str, is_pip: bool) -> List[DepEntry]:
    quoted = value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1
    inner = value[1:-1] if quoted else value
    start = offset + body.index(inner, len(body) - len(value))
    end = start + len(inner)
    if is_pip:
        req = parse_requirement(inner)
        parsed = (req.name, req.specifier) if req else None
    else:
        parsed = _conda_spec(inner)
    if parsed is None:
        return []
    line_end = offset + len(line)
    section = "dependencies.pip" if is_pip else "dependencies"
    unsafe = None if is_pip else "conda package spec"
    return [
        DepEntry(
            parsed[0],
            parsed[1],
            section,
            start,
            end,
            offset,
            line_end,
            "line" if is_pip else "conda",
            inner,
            req.marker if is_pip and req else "",
            unsafe=unsafe,
        )
    ]


# --------------------------------------------------------------------------- pip install commands

_PIP_INSTALL = re.compile(r"(?:^|[\s;&|!%(`])(?:(?:python[0-9.]*|py)\s+-m\s+)?(?:uv\s+)?pip[0-9.]*\s+install\b")
_PIP_OPTS_WITH_ARG = {
    "-r",
    "-c",
    "-e",
    "-i",
    "-f",
    "--requirement",
    "--constraint",
    "--editable",
    "--index-url",
    "--extra-index-url",
    "--find-links",
    "--target",
    "-t",
    "--prefix",
}


def _pip_install_entries(text: str, section: str = "pip install") -> List[DepEntry]:
    entries = []
    for offset, line in iter_lines(text):
        m = _PIP_INSTALL.search(line)
        if not m or line.lstrip().startswith("#"):
            continue
        skip_next = False
        # Arguments end where the next shell command starts.
        for tok in re.finditer(r"[^\s;&|]+", re.split(r"[;&|]", line[m.end() :], maxsplit=1)[0]):
            word = tok.group(0)
            if word.startswith("#"):
                break
            if skip_next or word.startswith("-"):
                skip_next = word in _PIP_OPTS_WITH_ARG and not skip_next
                continue
            inner = word.strip("\"'")
            req = parse_requirement(inner)
            if req:
                start = offset + m.end() + tok.start() + word.index(inner)
                entries.append(
                    DepEntry(
                        req.name,
                        req.specifier,
                        section,
                        start,
                        start + len(inner),
                        start,
                        start + len(inner),
                        "pip",
                        inner,
                        req.marker,
                        unsafe="pip install command",
                    )
                )
    return entries


def iter_dependencies(kind: Optional[str], text: str) -> List[DepEntry]:
    """Every requirement (any package) declared in a file of ``kind`` (see ``classify``)."""
    readers: Dict[str, Callable[[str], List[DepEntry]]] = {
        "requirements": _requirements_entries,
        "pyproject": _pyproject_entries,
        "setup_cfg": _setup_cfg_entries,
        "setup_py": _setup_py_entries,
        "pipfile": _pipfile_entries,
        "conda": _conda_entries,
        "dockerfile": _pip_install_entries,
        "shell": _pip_install_entries,
        "ci": _pip_install_entries,
    }
    reader = readers.get(kind or "")
    return sorted(reader(text), key=lambda e: e.start) if reader else []


# --------------------------------------------------------------------------- findings

_CREDENTIALS_IN_URL = re.compile(r"//[^/@\s]+@")


def safe_text(text: str) -> str:
    """Text fit for a one-line message: no URL credentials, no keys, no newlines."""
    return " ".join(secrets.redact_text(_CREDENTIALS_IN_URL.sub("//\u2026@", text)).split())


def _dependency_findings(path: str, kind: str, text: str, index: LineIndex) -> List[Finding]:
    findings = []
    for entry in iter_dependencies(kind, text):
        role = WATCHED_PACKAGES.get(entry.package)
        if role is None:
            continue
        shown = safe_text(entry.text)
        findings.append(
            Finding(
                kind="dependency",
                path=path,
                span=index.span(entry.start, entry.end),
                message=N_("{package} requirement '{requirement}' in {path}").format(
                    package=entry.package, requirement=shown, path=path
                ),
                detail={
                    "package": entry.package,
                    "specifier": safe_text(entry.specifier),
                    "section": entry.section,
                    "role": role,
                },
            )
        )
    return findings


def _active_lines(text: str) -> Iterator[Tuple[int, str]]:
    """Lines with comments cut off (env, compose, Dockerfile, CI, shell)."""
    for offset, line in iter_lines(text):
        yield offset, line[: comment_start(line)]


def _env_findings(path: str, text: str, index: LineIndex) -> List[Finding]:
    findings = []
    for offset, line in _active_lines(text):
        if "OAI_CONFIG_LIST" in line:  # JSON that config_list_from_json reads
            findings += autogen.config_env_findings(path, offset, line, index.span)
        for m in ENV_NAME_RE.finditer(line):
            name = m.group(0)
            findings.append(
                Finding(
                    kind="env",
                    path=path,
                    span=index.span(offset + m.start(), offset + m.end()),
                    message=N_("OpenAI environment variable {name} in {path}").format(name=name, path=path),
                    detail={"variable": name},
                )
            )
    return findings


_HOST_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")  # _URL_RE's lookbehind


def _url_matches(text: str, long_line: int = 2000) -> Iterator["re.Match[str]"]:
    """``finditer_on_lines(_URL_RE, text)``, told where a match can start on a long line:
    a host starts where a run of host characters starts (the lookbehind) -- the run that
    holds the literal -- or just before it at ``http://``/``https://``."""
    from migrator.analyzer import _URL_LITERALS, finditer_on_lines

    def host_starts(text: str, line_start: int, line_end: int, at: int) -> Tuple[int, ...]:
        run = at
        while run > line_start and text[run - 1] in _HOST_CHARS:
            run -= 1
        return (run - 8, run - 7, run)

    return finditer_on_lines(_URL_RE, text, _URL_LITERALS, host_starts, long_line)


def _url_findings(path: str, text: str, index: LineIndex) -> List[Finding]:
    findings = []
    for m in _url_matches(text):  # _URL_RE is case-sensitive and never spans lines
        url = m.group(0).rstrip(".:")
        host = m.group("host").lower()
        findings.append(
            Finding(
                kind="url",
                path=path,
                span=index.span(m.start(), m.start() + len(url)),
                message=N_("OpenAI endpoint URL '{url}' in {path}").format(url=safe_text(url), path=path),
                detail={"host": host, "url": safe_text(url), "azure": host.endswith(".openai.azure.com")},
            )
        )
    return findings


# a recorded HTTP exchange: VCR.py / pytest-recording YAML (``interactions:``, each a ``request:``
# with its ``uri:``), VCR.py's JSON serializer, betamax's JSON (``http_interactions``)
_CASSETTE_YAML = (
    re.compile(r"^interactions:[ \t]*\r?$", re.M),
    re.compile(r"^[ \t-]*request:[ \t]*\r?$", re.M),
    re.compile(r"^[ \t]+uri:[ \t]", re.M),
)
_CASSETTE_JSON = (re.compile(r'"(?:http_)?interactions"\s*:\s*\['), re.compile(r'"request"\s*:'), re.compile(r'"uri"\s*:'))


def is_cassette(path: str, text: str) -> bool:
    """A recorded HTTP exchange replayed by the tests (a VCR.py / pytest-recording / betamax cassette):
    its interactions, then a request, then the request's URI."""
    ext = path.lower().rsplit(".", 1)[-1]
    if ext not in ("yaml", "yml", "json") or (ext == "json" and not re.match(r"\s*\{", text)):
        return False
    at = 0
    for pattern in _CASSETTE_YAML if ext != "json" else _CASSETTE_JSON:
        found = pattern.search(text, at)
        if found is None:
            return False
        at = found.end()
    return True


def _cassette_findings(path: str, urls: List[Finding]) -> List[Finding]:
    """The OpenAI URLs of a cassette as one finding, at the first: every request and header it
    records is one exchange with OpenAI, re-recorded against the provider as a whole, not edited."""
    first = urls[0]
    host = str(first.detail.get("host"))
    return [
        replace(
            first,
            message=N_("recorded exchange with {host} in {path}: re-record it against the provider").format(host=host, path=path),
            detail=dict(first.detail, cassette=True, urls=len(urls)),
        )
    ]


def _secret_findings(path: str, text: str, index: LineIndex, low: Optional[bytes] = None) -> List[Finding]:
    findings = []
    for start, end, redacted in secrets.find_secrets(text, low):
        findings.append(
            Finding(
                kind="secret",
                path=path,
                span=index.span(start, end),
                message=N_("hard-coded {what} {key}").format(what=secrets.describe(redacted), key=redacted),
                detail={"redacted": redacted},
            )
        )
    return findings


# JS strings and comments, as a left-to-right scan reads them: a '...' or "..." string runs
# to its quote or to the end of its line (an apostrophe in JSX text), a `...` string to its
# backtick; a backslash escapes the next character; // runs to the line end, /* to */
_JS_TOKENS = re.compile(
    r"""'(?:[^'\\\n]|\\[\s\S])*(?:'|\n|\\?\Z)"""
    r'''|"(?:[^"\\\n]|\\[\s\S])*(?:"|\n|\\?\Z)'''
    r"""|`(?:[^`\\]|\\[\s\S])*(?:`|\\?\Z)"""
    r"""|(?P<line>//[^\n]*)|(?P<block>/\*[\s\S]*?(?:\*/|\Z))"""
)


def _js_comment_ranges(text: str) -> List[Tuple[int, int]]:
    """``//`` and ``/* */`` comments outside string literals (regex literals are not handled)."""
    return [m.span() for m in _JS_TOKENS.finditer(text) if m.lastgroup in ("line", "block")]


def _js_imports(text: str) -> List["re.Match[str]"]:
    """``list(_JS_IMPORT_RE.finditer(text))``, found from the module names.

    The pattern begins with an alternation, so ``re`` tries it at every offset (0.1 s
    on a 1 MB bundle).  Every match ends in a quote and a module naming ``openai``:
    so find each quote+module by substring search, step back over the whitespace
    (and a ``require``/``import`` parenthesis) to the few offsets where the form word
    can start, try the pattern there, and keep the leftmost non-overlapping matches.
    """
    found = {}
    at = text.find("openai")
    while at >= 0:
        for lead in ("", "@azure/", "@langchain/"):
            quote = at - len(lead) - 1
            if quote < 0 or text[quote] not in "'\"`" or not text.startswith(lead, quote + 1):
                continue
            word_end = quote
            while word_end and text[word_end - 1].isspace():
                word_end -= 1
            starts = [word_end - 4, word_end - 6]  # from / import
            if word_end and text[word_end - 1] == "(":
                call = word_end - 1
                while call and text[call - 1].isspace():
                    call -= 1
                starts += [call - 7, call - 6]  # require( / import(
            for start in starts:
                m = _JS_IMPORT_RE.match(text, start) if start >= 0 else None
                if m is not None and m.start("q") == quote:
                    found[m.start()] = m
        at = text.find("openai", at + 1)
    out: List["re.Match[str]"] = []
    for start in sorted(found):
        if not out or start >= out[-1].end():
            out.append(found[start])
    return out


def _js_findings(path: str, text: str, index: LineIndex) -> List[Finding]:
    imports = _js_imports(text)
    if not imports:  # the comment scan is slow on big bundles
        return []
    comments = _js_comment_ranges(text)
    starts = [a for a, _ in comments]
    findings = []
    for m in imports:
        k = bisect.bisect_right(starts, m.start()) - 1
        if k >= 0 and comments[k][0] <= m.start() < comments[k][1]:
            continue
        form = m.group("form")
        form = "require" if form.startswith("require") else "dynamic-import" if "(" in form else "import"
        module = m.group("module")
        findings.append(
            Finding(
                kind="js",
                path=path,
                span=index.span(m.start("q"), m.end()),
                message=N_("JS/TS {form} of '{module}' in {path} (not rewritten)").format(form=form, module=module, path=path),
                confidence="high",
                detail={"module": module, "form": form},
            )
        )
    return findings


def _package_json_findings(path: str, text: str, index: LineIndex) -> List[Finding]:
    sections = [(m.start(), m.group("section")) for m in _NPM_SECTION_RE.finditer(text)]
    findings = []
    for m in _NPM_DEP_RE.finditer(text):
        owner = [s for pos, s in sections if pos < m.start()]
        if not owner:
            continue
        name, spec = m.group("name"), m.group("spec")
        findings.append(
            Finding(
                kind="js",
                path=path,
                span=index.span(m.start(), m.end()),
                message=N_("npm dependency '{name}' ({spec}) in {path} (not rewritten)").format(
                    name=name, spec=safe_text(spec), path=path
                ),
                detail={"package": name, "specifier": safe_text(spec), "section": owner[-1]},
            )
        )
    return findings


_ENV_KINDS = {"env", "compose", "dockerfile", "ci", "shell"}


def _notebook_findings(path: str, text: str) -> List[Finding]:
    try:
        cells = list(notebooks.iter_cells(text))
    except notebooks.NotebookError:
        return []
    findings = []
    for number, cell_type, source in cells:
        index = LineIndex(source)
        found = _url_findings(path, source, index) + _secret_findings(path, source, index)
        if cell_type == "code":
            found += _dependency_findings(path, "shell", source, index)
        findings += [replace(f, cell=number) for f in found]
    return findings


def analyze_text(path: str, text: str, low: Optional[bytes] = None) -> List[Finding]:
    """All non-Python findings in one file (``path`` as given, ``/``-separated), sorted
    (``low``: the file's bytes lower-cased, if the caller has them: they spare the key
    scan a lower-cased copy of an ASCII text)."""
    kind = classify(path)
    text = strip_bom(text)
    if kind == "notebook":
        return sorted(_notebook_findings(path, text), key=Finding.sort_key)
    index = LineIndex(text)
    findings = _dependency_findings(path, kind or "", text, index)
    if kind == "setup_py":  # Python source: keys and URLs come from the Python analyzer
        return sorted(findings, key=Finding.sort_key)
    urls = _url_findings(path, text, index)
    if urls and kind == "text" and is_cassette(path, text):
        urls = _cassette_findings(path, urls)
    findings += urls + _secret_findings(path, text, index, low)
    if kind in _ENV_KINDS:
        findings += _env_findings(path, text, index)
    if kind == "js":
        findings += _js_findings(path, text, index)
    if kind == "package_json":
        findings += _package_json_findings(path, text, index)
    if kind == autogen.CONFIG_FILE_KIND:
        findings += autogen.config_file_findings(path, text, index.span)
    return sorted(findings, key=Finding.sort_key)
