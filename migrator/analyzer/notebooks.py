"""Jupyter notebooks (nbformat 4): extract code cells, and splice new sources back.

Cell numbers are 1-based indexes among ALL cells of the notebook (markdown and
raw cells count too), so "cell 3" is the third cell a user sees in Jupyter.
Line numbers inside a cell are 1-based within that cell's source.

IPython syntax that is not Python (``%magic``, ``%%cell magic``, ``!shell``,
``x = !cmd``) is masked: the first non-blank character of such a line becomes
``#`` so the line is a same-length comment; LibCST can parse the cell and line
and column numbers stay put.  Cells whose first line is a ``%%`` magic that
does not run Python (``%%bash``, ``%%writefile``...) are masked entirely.
Every masked line is returned so a rewriter can leave it alone and
``restore_magics`` can put the original text back.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # there at run time, not in typeshed
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple, TYPE_CHECKING

from migrator.i18n import N_

#: (1-based line within the cell source, original line text)
MaskedLine = Tuple[int, str]

# %% magics whose body is still Python; any other %% magic masks the whole cell.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug", "python", "python3", "pypy"}

_ASSIGN_MAGIC = re.compile(r"^\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")
_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


class NotebookError(ValueError):
    """The text is not a readable nbformat-4 notebook; ``line`` is the JSON line if known."""

    def __init__(self, message: str, line: Optional[int] = None):
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


if TYPE_CHECKING:
    _Pair = Tuple[int, str]
else:
    _Pair = tuple  # (typing's Tuple[int, str] would put Generic in the class's bases)


class CodeCell(_Pair):
    """A ``(cell_number, source)`` pair (it unpacks as two values).

    Extra attributes: ``masked`` (list of ``MaskedLine``) and ``original``
    (the unmasked source).
    """

    masked: List[MaskedLine]
    original: str

    def __new__(cls, number: int, source: str, masked: Sequence[MaskedLine] = (), original: Optional[str] = None) -> "CodeCell":
        self = super().__new__(cls, (number, source))
        self.masked = list(masked)
        self.original = source if original is None else original
        return self

    @property
    def number(self) -> int:
        return self[0]

    @property
    def source(self) -> str:
        return self[1]


# --------------------------------------------------------------------------- reading


def _load(text: str) -> Dict[str, Any]:
    from migrator.limits import json_problem

    problem = json_problem(text)  # json recurses: a deep document would stop the whole run
    if problem:
        raise NotebookError(problem, 1)
    try:
        nb = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise NotebookError(N_("invalid JSON: {reason}").format(reason=exc.msg), exc.lineno) from None
    except RecursionError:
        raise NotebookError(N_("nested too deeply"), 1) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(N_("not an nbformat 4 notebook (no 'cells' list)"), 1)
    major = nb.get("nbformat", 4)
    if isinstance(major, int) and major < 4:
        raise NotebookError(N_("nbformat {version} is not supported (need 4)").format(version=major), 1)
    return nb


def _no_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    # json keeps the last of two equal keys, the byte-level editor found the first: refuse both
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: Set[str] = set()
        duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]  # add: falsy, records
        raise NotebookError(N_("duplicate key '{key}' in a JSON object").format(key=duplicate), 1)
    return out


def _source_text(cell: object, number: int, text: str) -> str:
    source = cell.get("source", "") if isinstance(cell, dict) else None
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    raise NotebookError(N_("cell {number} has no readable 'source'").format(number=number), _cell_line(text, number))


def iter_cells(text: str) -> Iterator[Tuple[int, str, str]]:
    """Every cell as ``(cell_number, cell_type, source)``; raises ``NotebookError``."""
    nb = _load(text)
    for index, cell in enumerate(nb["cells"], start=1):
        cell_type = cell.get("cell_type", "") if isinstance(cell, dict) else ""
        yield index, cell_type, _source_text(cell, index, text)


def code_cells(text: str) -> List[CodeCell]:
    """The code cells of a notebook, magics masked (see the module docstring)."""
    cells = []
    for number, cell_type, source in iter_cells(text):
        if cell_type == "code":
            masked_source, masked = mask_magics(source)
            cells.append(CodeCell(number, masked_source, masked, source))
    return cells


# --------------------------------------------------------------------------- magics


def _mask_line(line: str) -> str:
    """Same-length comment: the first non-blank character becomes ``#``."""
    stripped = line.lstrip()
    if not stripped:
        return line
    indent = len(line) - len(stripped)
    return line[:indent] + "#" + stripped[1:]


def _is_magic(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("%", "!")) or bool(_ASSIGN_MAGIC.match(line))


def _scan_python_line(line: str, depth: int, triple: Optional[str]) -> Tuple[int, Optional[str]]:
    """Bracket depth and open triple-quote after ``line`` (enough to spot continuation lines)."""
    i = 0
    while i < len(line):
        if triple:
            end = line.find(triple, i)
            if end < 0:
                return depth, triple
            i, triple = end + 3, None
            continue
        c = line[i]
        if c == "#":
            break
        if c in "'\"":
            if line.startswith(c * 3, i):
                triple, i = c * 3, i + 3
                continue
            i = _skip_short_string(line, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, triple


def _skip_short_string(line: str, i: int) -> int:
    quote, i = line[i], i + 1
    while i < len(line) and line[i] != quote:
        i += 2 if line[i] == "\\" else 1
    return i + 1


def _cell_magic_masks_all(first_line: str) -> bool:
    stripped = first_line.strip()
    if not stripped.startswith("%%"):
        return False
    name = stripped[2:].split(None, 1)[0] if len(stripped) > 2 else ""
    return name not in _PYTHON_CELL_MAGICS


def mask_magics(source: str) -> Tuple[str, List[MaskedLine]]:
    """``source`` with IPython-only lines masked, and the masked ``(line, original)`` list."""
    lines = source.split("\n")
    if lines and _cell_magic_masks_all(lines[0]):
        masked: List[MaskedLine] = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
        return "\n".join(_mask_line(line) for line in lines), masked
    masked = []
    depth, triple, continued = 0, None, False
    for n, line in enumerate(lines, 1):
        # Only a line that starts a new statement can be a magic.
        if depth == 0 and triple is None and not continued and _is_magic(line):
            masked.append((n, line))
            lines[n - 1] = _mask_line(line)
            continue
        depth, triple = _scan_python_line(line, depth, triple)
        continued = line.rstrip().endswith("\\")
    return "\n".join(lines), masked


def restore_magics(cell: CodeCell, new_source: str) -> str:
    """Put the original magic lines back into a rewritten version of ``cell.source``.

    Masked lines are found again by their masked text, in order, so lines added
    or removed elsewhere by a rewriter do not matter.  Raises ``NotebookError``
    when a masked line was changed or dropped.
    """
    lines = new_source.split("\n")
    pos = 0
    for number, original in cell.masked:
        wanted = _mask_line(original)
        try:
            pos = lines.index(wanted, pos)
        except ValueError:
            raise NotebookError(
                N_("cell {number}: IPython line {line} was changed by the rewrite").format(number=cell.number, line=number)
            ) from None
        lines[pos] = original
        pos += 1
    return "\n".join(lines)


# --------------------------------------------------------------------------- JSON spans


def _ws(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]  # _WS matches the empty string: never None


def _object_members(text: str, i: int) -> Iterator[Tuple[str, int, int]]:
    """``(key, value_start, value_end)`` for the JSON object starting at ``text[i] == '{'``."""
    i = _ws(text, i + 1)
    while i < len(text) and text[i] == '"':
        key, i = scanstring(text, i + 1)
        i = _ws(text, _ws(text, i) + 1)  # skip ':'
        _, end = _DECODER.raw_decode(text, i)
        yield key, i, end
        i = _ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _ws(text, i + 1)


def _array_items(text: str, i: int) -> Iterator[Tuple[int, int]]:
    """``(start, end)`` of each item of the JSON array starting at ``text[i] == '['``."""
    i = _ws(text, i + 1)
    while i < len(text) and text[i] != "]":
        _, end = _DECODER.raw_decode(text, i)
        yield i, end
        i = _ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _ws(text, i + 1)


def _cell_spans(text: str) -> List[Tuple[int, int]]:
    start = _ws(text, 0)
    for key, vstart, _ in _object_members(text, start):
        if key == "cells":
            return list(_array_items(text, vstart))
    return []


def _cell_line(text: str, number: int) -> Optional[int]:
    try:
        spans = _cell_spans(text)
    except (ValueError, IndexError):
        return None
    if 0 < number <= len(spans):
        return text.count("\n", 0, spans[number - 1][0]) + 1
    return None


def _source_span(text: str, cell_start: int) -> Optional[Tuple[int, int]]:
    if text[cell_start] != "{":
        return None
    for key, vstart, vend in _object_members(text, cell_start):
        if key == "source":
            return vstart, vend
    return None


# --------------------------------------------------------------------------- writing

_NON_ASCII_ESCAPE = re.compile(r"(?<!\\)\\u(?!00[0-7][0-9a-fA-F])[0-9a-fA-F]{4}")


def _ensure_ascii(text: str) -> bool:
    """Match the file: escaped non-ASCII means ``ensure_ascii``; default is nbformat's (False)."""
    if any(ord(c) > 127 for c in text):
        return False
    return bool(_NON_ASCII_ESCAPE.search(text))


def _line_indent(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _indent_unit(text: str) -> Optional[str]:
    """nbformat writes indent=1, other tools 2 or 4; None for a one-line (compact) file."""
    m = re.match(r'\s*\{\r?\n([ \t]+)"', text)
    return m.group(1) if m else None


def _dump_list(text: str, span: Tuple[int, int], lines: List[str], ascii_: bool) -> str:
    old = text[span[0] : span[1]]
    items = [json.dumps(s, ensure_ascii=ascii_) for s in lines]
    unit = _indent_unit(text)
    if not items:
        return "[]"
    if ("\n" not in old and old.strip() != "[]") or unit is None:
        sep = ", " if re.search(r'",\s+"', old) or (old.strip() == "[]" and '", "' in text) else ","
        return "[" + sep.join(items) + "]"
    newline = "\r\n" if "\r\n" in text else "\n"
    close_indent = _line_indent(text, span[1] - 1) if "\n" in old else _line_indent(text, span[0])
    m = re.match(r"\[\r?\n([ \t]*)", old)
    item_indent = m.group(1) if m and old.strip() != "[]" else close_indent + unit
    body = ("," + newline).join(item_indent + item for item in items)
    return "[" + newline + body + newline + close_indent + "]"


def _dump_source(text: str, span: Tuple[int, int], new_source: str) -> str:
    ascii_ = _ensure_ascii(text)
    if text[span[0]] == '"':
        return json.dumps(new_source, ensure_ascii=ascii_)
    return _dump_list(text, span, new_source.splitlines(keepends=True), ascii_)


def replace_cells(original_text: str, new_sources: Dict[int, str]) -> str:
    """``original_text`` with the ``source`` of the given cells (by cell number) replaced.

    Everything else (outputs, metadata, key order, indentation, escaping,
    line endings, trailing newline, list-vs-string form) is kept byte for byte;
    a cell whose new source equals its old one is not touched.
    """
    if not new_sources:
        return original_text
    _load(original_text)
    spans = _cell_spans(original_text)
    edits = []
    for number, new_source in new_sources.items():
        if not 0 < number <= len(spans):
            raise NotebookError(N_("no cell {number} (the notebook has {count})").format(number=number, count=len(spans)))
        span = _source_span(original_text, spans[number - 1][0])
        if span is None:
            raise NotebookError(N_("cell {number} has no 'source'").format(number=number), _cell_line(original_text, number))
        if json.loads(original_text[span[0] : span[1]]) in (new_source, new_source.splitlines(keepends=True)):
            continue
        edits.append((span, _dump_source(original_text, span, new_source)))
    out = original_text
    for (start, end), replacement in sorted(edits, reverse=True):
        out = out[:start] + replacement + out[end:]
    return out
