"""Bounds checked before a file is handed to a parser that recurses (LibCST, ``json``).

LibCST needs time and memory that grow faster than a file's size on long operator chains
(``a + b + ...``: 4,000 terms took 55 s, 10,000 crash its native parser) and deep nesting,
and about 1 KB of memory per byte of ordinary source; ``json`` raises RecursionError on deep
nesting.  A cheap token (or bracket) pass finds such files first, so they are skipped and
reported by name instead of stalling or crashing the run.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Optional

MAX_REWRITE_CHARS = 512 * 1024  # ~500 MB of LibCST memory per worker at most
MAX_NESTING = 100  # brackets inside brackets
MAX_CHAIN = 1000  # operators, attribute accesses and calls chained in one expression
MAX_JSON_DEPTH = 100  # nbformat notebooks nest about 6 deep

# tokens that make LibCST's tree one level deeper when they chain
_CHAINING_OPS = frozenset("+ - * / // % ** @ << >> & | ^ ~ < > <= >= == != .".split())
_CHAINING_NAMES = frozenset(("and", "or", "not", "in", "is", "if", "else", "await"))
_RESETS = frozenset((",", ";", "=", ":", ":="))


def rewrite_problem(text: str) -> Optional[str]:
    """Why ``text`` must not be given to LibCST (a short reason naming the line), or None."""
    return size_problem(text) or token_problem(text)


def size_problem(text: str) -> Optional[str]:
    """The size half of ``rewrite_problem`` (no cost)."""
    if len(text) > MAX_REWRITE_CHARS:
        return f"larger than {MAX_REWRITE_CHARS // 1024} KiB, the limit for rewriting a file"
    return None


def token_problem(text: str) -> Optional[str]:
    """The token half of ``rewrite_problem``: nesting and chains (a pure-Python tokenize pass over
    the whole text, so worth running only on a text LibCST is about to parse)."""
    chains = [0]  # per open bracket: chained operators since the last separator
    previous = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string = tok.type, tok.string
            if kind == tokenize.OP and string in "([{":
                if (
                    string != "{"
                    and previous is not None
                    and (previous.type in (tokenize.NAME, tokenize.STRING) or previous.string in (")", "]"))
                ):
                    chains[-1] += 1  # a call or subscript: f()()() nests like a + b + c
                chains.append(0)
                if len(chains) > MAX_NESTING + 1:
                    return f"line {tok.start[0]}: brackets nested more than {MAX_NESTING} deep"
            elif kind == tokenize.OP and string in ")]}":
                if len(chains) > 1:
                    chains.pop()
            elif (
                (kind == tokenize.OP and string in _CHAINING_OPS)
                or (kind == tokenize.NAME and string in _CHAINING_NAMES)
                or (kind == tokenize.STRING and previous is not None and previous.type == tokenize.STRING)
            ):
                chains[-1] += 1
            elif kind == tokenize.OP and string in _RESETS:
                chains[-1] = 0
            elif kind == tokenize.NEWLINE:
                chains = [0]
            if chains[-1] > MAX_CHAIN:
                return f"line {tok.start[0]}: an expression chaining more than {MAX_CHAIN} operators"
            if kind not in (tokenize.NL, tokenize.COMMENT):
                previous = tok
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None  # not Python at all: the parser reports it properly
    return None


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_problem(text: str) -> Optional[str]:
    """Why ``text`` must not be given to ``json`` (nesting deeper than MAX_JSON_DEPTH), or None."""
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return f"nested more than {MAX_JSON_DEPTH} levels deep"
    return None
