"""Generated calls wrap instead of making long lines (issue 17, item 4).

A statement the rewrite changed that now renders as one line longer than the file's line length
(ruff's or black's ``line-length``, 88 by default) gets the arguments of its outermost changed
call laid out one per line, as black lays out a call with a magic trailing comma::

    client = OpenAI(
        base_url=os.environ.get("DEEPSEEK_BASE_URL", "https://api.deepseek.com"),
        api_key=os.environ["DEEPSEEK_API_KEY"],
    )

Only a statement whose source differs from every statement of the original is touched, and in it
only a call whose source is new, so the bytes outside the rewrite stay as they were; the result is
one argument per line already, so a second run leaves it alone.  A statement that already spans
lines is left as it is.
"""

from __future__ import annotations

from typing import Container, Dict, List, Optional, Set, Union

import libcst as cst


def _codes(module: cst.Module, kind: type) -> Set[str]:
    """The source of every ``kind`` node of ``module`` (statements without the comment lines above)."""
    found: Set[str] = set()
    render = cst.Module([]).code_for_node

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, kind):
                found.add(render(node.with_changes(leading_lines=[]) if hasattr(node, "leading_lines") else node))
            return True

    module.visit(Collect())
    return found


def _explode(call: cst.Call, indent: str) -> cst.Call:
    """``call`` with one argument per line, ``indent`` deeper than its statement, and a trailing comma."""

    def line(extra: str) -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), empty_lines=[], indent=True, last_line=cst.SimpleWhitespace(extra)
        )

    args = list(call.args)
    out = []
    for i, arg in enumerate(args):
        last = i == len(args) - 1
        out.append(
            arg.with_changes(
                whitespace_after_arg=cst.SimpleWhitespace(""),
                comma=cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=line("" if last else indent)),
            )
        )
    return call.with_changes(whitespace_before_args=line(indent), args=out)


def _bare_generator(call: cst.Call) -> bool:
    """``f(x for x in y)``: a trailing comma after it is a syntax error."""
    return any(isinstance(arg.value, cst.GeneratorExp) and not arg.value.lpar for arg in call.args)


class _Wrap(cst.CSTTransformer):
    def __init__(self, original: cst.Module, limit: int, unit: str, kept: Container[cst.CSTNode], source: str):
        super().__init__()
        self.original = original
        self.old: Dict[type, Set[str]] = {}  # the original's statements and calls, as source, when first needed
        self.limit = limit
        self.unit = unit
        self.kept = kept
        self.source = source
        self.depth = [""]  # the indentation of the enclosing blocks
        self.wrapped = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        # a node of the original (the rewrite left its subtree as it was) renders as the original
        # did, so nothing in it is new: neither walked nor rebuilt
        return node not in self.kept and super().on_visit(node)

    def on_leave(  # type: ignore[override]
        self,
        original: cst.CSTNode,
        updated: cst.CSTNode,
    ) -> Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel[cst.CSTNode]]:
        return updated if original in self.kept else super().on_leave(original, updated)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> bool:
        self.depth.append(self.depth[-1] + (node.indent if node.indent is not None else self.unit))
        return True

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        self.depth.pop()
        return updated

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        code = cst.Module([]).code_for_node(updated.with_changes(leading_lines=[]))
        text = code.rstrip("\n")
        if "\n" in text or len(self.depth[-1]) + len(text) <= self.limit or self._is_old(code, cst.SimpleStatementLine):
            return updated  # short enough, already laid out, or as it was before the rewrite
        call = self._outermost_new_call(updated)
        if call is None:
            return updated
        self.wrapped = True
        return updated.deep_replace(call, _explode(call, self.unit))  # type: ignore[arg-type]

    def _is_old(self, code: str, kind: type) -> bool:
        """Whether ``code`` is the source of a ``kind`` node of the original.  A rendering without
        a line break is that of a node on one line of the source, and is then that line's text
        (a statement's without its indentation): text the source does not contain is new, without
        rendering the original's nodes."""
        text = code[:-1] if code.endswith("\n") else code
        if "\n" not in text and "\r" not in text and text not in self.source:
            return False
        if kind not in self.old:
            self.old[kind] = _codes(self.original, kind)
        return code in self.old[kind]

    def _outermost_new_call(self, statement: cst.CSTNode) -> Optional[cst.Call]:
        found: List[cst.Call] = []
        is_old = self._is_old
        render = cst.Module([]).code_for_node

        class Find(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> bool:
                if node.args and not found and not _bare_generator(node) and not is_old(render(node), cst.Call):
                    found.append(node)
                    return False
                return not found

        statement.visit(Find())
        return found[0] if found else None


def wrap_long_calls(
    original: cst.Module, new: cst.Module, limit: Optional[int], kept: Container[cst.CSTNode] = (), source: Optional[str] = None
) -> cst.Module:
    """``new`` (``original`` rewritten) with each too-long changed statement's outermost changed
    call wrapped (``new`` itself when none is); ``limit`` None: no wrapping.  ``kept``: nodes of
    ``original`` that ``new`` shares (the subtrees the rewrite left as they were: not walked);
    ``source``: ``original``'s text, when the caller has it."""
    if limit is None or new is original:
        return new
    wrap = _Wrap(original, limit, new.default_indent, kept, original.code if source is None else source)
    wrapped = new.visit(wrap)
    return wrapped if wrap.wrapped else new
