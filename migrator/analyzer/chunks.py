"""Parse only the parts of a large module that can hold a finding.

Most of the bytes of a big file that imports openai are functions and methods that
name nothing OpenAI.  With ``python.MASK`` on (off since issue 19's measurements: the
regions parsed back in made it cost more than it saved), the analyzer parses a *masked*
copy of such a file: the lines of those definitions are blanked
(line breaks kept, so every position in the tree is the original's), and the first
line of a blanked class-body statement becomes ``pass`` so a class body never empties.
The analyzer then checks that nothing it used lay in a blanked region, and parses back
(``splice``) any region it needed; see ``python._analyze_masked``.

What makes a blanked region safe to drop, for a file Python can parse:

* it starts where a statement of its level starts and ends where one ends: its text
  is lexically closed (no string, bracket or backslash continuation left open,
  ``closed``), which by induction from the top of the file holds for every region,
  and the masked tree has no statement reaching into it (``structure_ok``);
* it binds only its own name in the enclosing scope (a ``def``, a ``class``, or a
  plain ``NAME = ...`` assignment, with no ``global``/``nonlocal``/``:=`` inside), and
  the analyzer checks that this name was never looked up, nor (for a method) any self
  attribute the region may assign.

A syntax error inside a blanked region goes unseen: ``migrator apply``, which parses
the whole file to rewrite it, reports it.
"""

from __future__ import annotations

import ast
import bisect
import re
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from migrator.analyzer import LINE_BREAK

#: files shorter than this are parsed whole: the masking costs more than it saves
MIN_CHARS = 16384

# a line where a statement of the module can start (a false start, inside a string or a
# bracket, is harmless in a kept region and makes a dropped one fail ``closed``); found
# after a "\n" (a literal that re skips ahead by), so a file whose lines end in a bare
# "\r" is one region, never masked
_TOP_START = re.compile(r"\n(?=[^\s#)\]}])")
_DEF = re.compile(r"(?:async[ \t]+)?def[ \t]+(\w+)")
_CLASS = re.compile(r"class[ \t]+(\w+)")
_ASSIGN = re.compile(r"([A-Za-z_]\w*)[ \t]*(?::[^=\r\n]*)?=(?!=)")
_LEAKS = re.compile(r"\b(?:global|nonlocal)\b|:=")  # tried only where "global"/"nonlocal"/":=" occur
_METHOD_INDENT = re.compile(r"^([ \t]+)(?:@|async[ \t]+def[ \t]|def[ \t])", re.M)
# a one-line class header (``class A(B):``, a comment after it allowed), and the first
# line of the body below it
_CLASS_HEADER = re.compile(r"class[^\r\n#]*:[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)")
_BODY_LINE = re.compile(r"^([ \t]+)[^\s#]", re.M)

# complete string literals and comments (a prefix does not change where a literal ends);
# what is left holds the brackets
_STRINGS_AND_COMMENTS = re.compile(  # (each body unrolled: runs of plain characters in one step)
    r"#[^\r\n]*"
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    r"|'(?!'')[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'"  # three quotes always open a long string
    r'|"(?!"")[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"',
    re.S,
)
_FSTRING = re.compile(r"(?i)(?<![\w])(?:[rb]?f|f[rb]?)['\"]")


@dataclass
class Region:
    """Lines ``first``..``last`` (1-based, inclusive): one top-level statement, or one
    statement of a class body (``indent`` set: the body's indentation)."""

    first: int
    last: int
    kind: str  # def | class | assign | stmt
    name: Optional[str]
    indent: Optional[str] = None
    parts: Optional[List["Region"]] = None  # a class: the statements of its body
    owner: Optional[int] = None  # a class-body statement: the first line of its class


def regions(text: str, starts: Sequence[int]) -> List[Region]:
    """The top-level statements of ``text`` (classes with their body statements), as
    far as line starts tell; ``starts``: the offset of each line."""
    cuts = [m.start() + 1 for m in _TOP_START.finditer(text)]
    if text and not text[0].isspace() and text[0] not in "#)]}":
        cuts.insert(0, 0)
    return _split(text, starts, cuts, 0, len(text), None)


def _split(text: str, starts: Sequence[int], cuts: List[int], begin: int, end: int, indent: Optional[str]) -> List[Region]:
    out: List[Region] = []
    skip = len(indent) if indent else 0
    pending: Optional[int] = None  # a decorator's first line, waiting for its def/class
    for index, at in enumerate(cuts):
        stop = cuts[index + 1] if index + 1 < len(cuts) else end
        head = at + skip
        first = bisect.bisect_right(starts, at)
        last = bisect.bisect_right(starts, max(at, stop - 1))
        m = _DEF.match(text, head)
        if text.startswith("@", head) or (pending is not None and not m and not _CLASS.match(text, head)):
            pending = first if pending is None else pending  # a decorator (or a line of one) waits for its def
            continue
        begin_line = pending if pending is not None else first
        pending = None
        if m:
            out.append(Region(begin_line, last, "def", m.group(1), indent))
            continue
        m = _CLASS.match(text, head)
        if m and indent is None:
            region = Region(begin_line, last, "class", m.group(1), indent)
            region.parts = _class_parts(text, starts, at, stop)
            for part in region.parts or ():
                part.owner = region.first
            out.append(region)
            continue
        m = _ASSIGN.match(text, head)
        kind = "assign" if m and begin_line == first else "stmt"
        out.append(Region(begin_line, last, kind, m.group(1) if m else None, indent))
    if pending is not None:  # decorators with nothing after them: not a statement we know
        out.append(Region(pending, bisect.bisect_right(starts, max(begin, end - 1)), "stmt", None, indent))
    return out


def _class_parts(text: str, starts: Sequence[int], begin: int, end: int) -> Optional[List[Region]]:
    """The statements of a class body that start at the indentation of its first line
    (a class whose ``class`` line does not end its header has none)."""
    header = _CLASS_HEADER.match(text, begin, end)
    body = _BODY_LINE.search(text, header.end(), end) if header else None
    if body is None:
        return None
    indent = body.group(1)
    first = _METHOD_INDENT.search(text, body.start(), end)  # the statements before it stay with the class line
    if first is None or first.group(1) != indent:
        return None
    line = re.compile(r"\n" + re.escape(indent) + r"(?=[^\s#)\]}])")
    cuts = [first.start()] + [c.start() + 1 for c in line.finditer(text, first.start(), end)]
    return _split(text, starts, cuts, first.start(), end, indent)


def droppable(region: Region, segment: str) -> bool:
    """May this region be blanked, if nothing in it is needed?"""
    if region.kind not in ("def", "class", "assign") or not region.name:
        return False
    if ("global" in segment or "nonlocal" in segment or ":=" in segment) and _LEAKS.search(segment):
        return False
    if region.kind == "assign" and (";" in segment or segment.count("=") > 1) and not _one_target(segment):
        return False
    if "\r" in segment and _BARE_CR.search(segment):
        return False  # a line ending in a bare "\r" (regions are cut after "\n" only) may start a statement
    return closed(segment)


def _one_target(segment: str) -> bool:
    """Does an assignment region (``NAME = ...``) bind its name only: no second target (``a = b =
    ...``), no statement after a ";" (``a = 1; import openai``)?  An "=" outside brackets, strings
    and comments after the first answers no (a lambda's default too: that only keeps it)."""
    rest = _STRINGS_AND_COMMENTS.sub(" ", segment)
    first = _ASSIGN.match(rest, len(rest) - len(rest.lstrip(" \t")))  # (a class body's: indented)
    if first is None or ";" in rest:
        return False
    depth = 0
    for m in _LEVEL.finditer(rest, first.end()):
        token = m.group()
        if token in "([{":
            depth += 1
        elif token in ")]}":
            depth -= 1
        elif depth <= 0:
            return False  # a second "=" at the statement's own level
    return True


_BARE_CR = re.compile(r"\r(?!\n)")
# brackets, and an "=" that is no comparison nor part of one
_LEVEL = re.compile(r"[()\[\]{}]|(?<![=!<>])=(?!=)")


def closed(segment: str) -> bool:
    """Does ``segment``, read from where a statement starts, end where one can start:
    no string, bracket or backslash continuation left open?  (Exact for the string
    syntax of Python <= 3.11; an f-string whose braces do not balance within its
    quotes, which Python >= 3.12 allows, answers False.)"""
    if sys.version_info >= (3, 12) and _FSTRING.search(segment) and not _fstrings_balanced(segment):
        return False
    rest = _STRINGS_AND_COMMENTS.sub(" ", segment)
    if "'" in rest or '"' in rest:
        return False  # a quote that starts no complete string
    if "\\" in rest and rest.rstrip().endswith("\\"):
        return False  # the last line continues past the segment
    opened = rest.count("(") + rest.count("[") + rest.count("{")
    return opened == rest.count(")") + rest.count("]") + rest.count("}")


def _fstrings_balanced(segment: str) -> bool:
    for m in _STRINGS_AND_COMMENTS.finditer(segment):
        token = m.group(0)
        if token.startswith("#") or "f" not in segment[max(0, m.start() - 2) : m.start()].lower():
            continue  # not an f-string (an "f" ending a word before it only makes this stricter)
        body = token.replace("{{", "").replace("}}", "")
        if body.count("{") != body.count("}"):
            return False
    return True


def mask(text: str, starts: Sequence[int], blanked: Sequence[Region]) -> str:
    """``text`` with the lines of each region emptied (line breaks kept); a class-body
    region keeps ``pass`` at its indentation on its first line."""
    out: List[str] = []
    at = 0
    no_cr = "\r" not in text
    for region in sorted(blanked, key=lambda r: r.first):
        begin, stop = _offsets(text, starts, region)
        out.append(text[at:begin])
        breaks = "\n" * text.count("\n", begin, stop) if no_cr else "".join(LINE_BREAK.findall(text, begin, stop))
        out.append((region.indent + "pass" if region.indent else "") + breaks)
        at = stop
    out.append(text[at:])
    return "".join(out)


def segment(text: str, starts: Sequence[int], region: Region) -> str:
    begin, stop = _offsets(text, starts, region)
    return text[begin:stop]


def _offsets(text: str, starts: Sequence[int], region: Region) -> Tuple[int, int]:
    return starts[region.first - 1], (starts[region.last] if region.last < len(starts) else len(text))


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno] + [d.lineno for d in decorators]) if decorators else node.lineno


def _statement_at(body: Sequence[ast.stmt], firsts: List[int], region: Region) -> Tuple[int, Optional[ast.stmt]]:
    """The last statement of ``body`` starting at or before the region's last line (the
    statements of a body are in line order and do not overlap: if any statement
    reaches into the region, this one does)."""
    index = bisect.bisect_right(firsts, region.last) - 1
    return index, (body[index] if index >= 0 else None)


def structure_ok(tree: ast.Module, blanked: Sequence[Region]) -> bool:
    """Does every blanked region sit between whole statements of its level in the masked tree?"""
    firsts = [_first_line(node) for node in tree.body]
    bodies: Dict[int, List[int]] = {}  # id(a class) -> its statements' first lines
    for region in blanked:
        index, node = _statement_at(tree.body, firsts, region)
        if region.indent is None:
            if node is not None and node.end_lineno >= region.first:  # type: ignore[operator]  # parsed: never None
                return False
            continue
        owner = region.owner
        if owner is None or not isinstance(node, ast.ClassDef) or firsts[index] != owner or node.end_lineno < region.first:  # type: ignore[operator]  # parsed: never None
            return False
        if id(node) not in bodies:
            bodies[id(node)] = [_first_line(n) for n in node.body]
        inner_index, inner = _statement_at(node.body, bodies[id(node)], region)
        if not (isinstance(inner, ast.Pass) and inner.lineno == inner.end_lineno == region.first):
            return False
        if inner_index > 0 and node.body[inner_index - 1].end_lineno >= region.first:  # type: ignore[operator]  # parsed: never None
            return False
    return True


def splice(tree: ast.Module, text: str, starts: Sequence[int], region: Region) -> None:
    """Parse ``region`` on its own (at its own line numbers) and put its statements into
    ``tree`` where the masked parse left nothing (a class-body region: its ``pass``).
    Raises SyntaxError if the region does not parse."""
    source = segment(text, starts, region)
    if region.indent is None:
        body = ast.parse("\n" * (region.first - 1) + source).body
        tree.body[:] = sorted(tree.body + body, key=_first_line)
        return
    parsed = ast.parse("\n" * (region.first - 2) + "class _:\n" + source).body[-1]
    owner = region.owner
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and _first_line(n) == owner)
    cls.body[:] = sorted(
        [n for n in cls.body if not (isinstance(n, ast.Pass) and n.lineno == region.first)] + parsed.body,  # type: ignore[attr-defined]
        key=_first_line,
    )
    last = cls.body[-1]  # a class ends where its last statement does
    if (last.end_lineno, last.end_col_offset) > (cls.end_lineno, cls.end_col_offset):
        cls.end_lineno, cls.end_col_offset = last.end_lineno, last.end_col_offset
