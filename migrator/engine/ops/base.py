"""The base of every operation and the helpers operations of more than one family share:
rendering YAML values as code, reading and editing a call's arguments (or a dict literal's
entries), quoting source in messages, and reading attribute chains and dict-style result reads."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

from migrator.analyzer.secrets import redact_text
from migrator.engine.model import Site
from migrator.engine.ops.context import Context
from migrator.operations import SCHEMAS, Schema


class _LibCST:
    """``libcst``, imported on first use: ``predict`` and the rule-file checks need
    only the classes below, and scan should not pay for importing LibCST (~0.25 s).
    Each module of operations holds its own (``cst = _LibCST(globals())``), replaced in that
    module's globals by ``libcst`` itself on first use."""

    def __init__(self, namespace: Dict[str, Any]):
        self.namespace = namespace

    def __getattr__(self, name: str) -> Any:
        import libcst

        self.namespace["cst"] = libcst
        return getattr(libcst, name)


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _LibCST(globals())


IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CALL_SITES = ("client", "call", "framework")


def _string(text: str) -> cst.SimpleString:
    return cst.SimpleString(json.dumps(text, ensure_ascii=False))


def _string_like(original: cst.SimpleString, text: str) -> cst.SimpleString:
    """``text`` as a literal in ``original``'s prefix and quotes where that needs no escaping,
    else an escaped literal: configuration values never become code."""
    if IDENT_SAFE.match(text):  # no quote, backslash or line break: safe inside any quotes
        return cst.SimpleString(f"{original.prefix}{original.quote}{text}{original.quote}")
    return _string(text)


def _environ() -> cst.Attribute:
    return cst.Attribute(value=cst.Name("os"), attr=cst.Name("environ"))


def render(value: Any, ctx: Context) -> cst.BaseExpression:
    """A YAML value as a Python expression: strings are literals; {env}, {expr} are code."""
    if isinstance(value, bool) or value is None:
        return cst.Name(repr(value))
    if isinstance(value, (int, float)):
        return cst.parse_expression(repr(value))
    if isinstance(value, str):
        return _string(ctx.text(value))
    if isinstance(value, list):
        return cst.List([cst.Element(render(v, ctx)) for v in value])
    if isinstance(value, dict) and "env" in value:
        ctx.need_import("os")
        var = _string(ctx.text(value["env"]))
        if "default" in value:  # nodes, not formatted code: a value is never parsed as Python
            return cst.Call(
                func=cst.Attribute(value=_environ(), attr=cst.Name("get")),
                args=[cst.Arg(var), cst.Arg(_string(ctx.text(value["default"])))],
            )
        return cst.Subscript(value=_environ(), slice=[cst.SubscriptElement(cst.Index(var))])
    if isinstance(value, dict) and "expr" in value:
        for spec in value.get("imports", []):
            module, _, name = ctx.text(spec).partition(":")
            ctx.need_import(module, name or None)
        return cst.parse_expression(ctx.text(value["expr"]))
    raise ValueError(f"cannot render value {value!r}")


def _kw(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _has_star_kwargs(call: Union[cst.Call, cst.Dict]) -> bool:
    if isinstance(call, cst.Dict):
        return any(isinstance(e, cst.StarredDictElement) for e in call.elements)
    return any(arg.star == "**" for arg in call.args)


def _entry(node: Any, name: str) -> Any:
    """A call's keyword argument ``name``, or a dict literal's ``"name"`` element (a LiteLLM Router entry)."""
    if isinstance(node, cst.Dict):
        return next(
            (
                e
                for e in node.elements
                if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == name
            ),
            None,
        )
    return _kw(node, name)


def _replace_entry(node: Any, old: Any, new: Any) -> cst.CSTNode:
    if isinstance(node, cst.Dict):
        elements = list(node.elements)
        index = elements.index(old)
        if new is not None:
            elements[index] = new
        else:
            del elements[index]
            if elements and index == len(elements):  # removed the last: the new last takes its place
                return _without_last(node, elements, old)
        return node.with_changes(elements=elements)
    return _replace_arg(node, old, new)


def _without_last(node: cst.Dict, elements: List[Any], old: Any) -> cst.Dict:
    """A dict whose last element ``old`` was removed from ``elements``: the new last element ends
    as ``old`` did (a trailing comma or none, the closing brace where it was), keeping a comment
    that followed its own comma; a comment on ``old``'s line goes with it."""
    last = elements[-1]
    mine = getattr(last.comma, "whitespace_after", None)
    brace = node.rbrace.whitespace_before
    commented = isinstance(mine, cst.ParenthesizedWhitespace) and mine.first_line.comment is not None
    if (
        isinstance(mine, cst.ParenthesizedWhitespace)
        and isinstance(brace, cst.ParenthesizedWhitespace)
        and (commented or isinstance(old.comma, cst.Comma))
    ):
        # the line break before the brace is now the one after this element
        elements[-1] = last.with_changes(
            comma=last.comma.with_changes(
                whitespace_after=mine.with_changes(
                    empty_lines=list(mine.empty_lines) + list(brace.empty_lines), indent=brace.indent, last_line=brace.last_line
                )
            )
        )
        return node.with_changes(elements=elements, rbrace=node.rbrace.with_changes(whitespace_before=cst.SimpleWhitespace("")))
    if commented:
        elements[-1] = last.with_changes(
            comma=last.comma.with_changes(
                whitespace_after=mine.with_changes(  # type: ignore[union-attr]
                    indent=False, last_line=cst.SimpleWhitespace("")
                )
            )
        )
    else:
        elements[-1] = last.with_changes(comma=old.comma)
    return node.with_changes(elements=elements)


def _replace_arg(call: cst.Call, old: cst.Arg, new: Optional[cst.Arg]) -> cst.Call:
    args = list(call.args)
    index = args.index(old)
    if new is None:
        del args[index]
        if args and index == len(args):  # removed the last: the new last keeps the old trailing comma style
            args[-1] = args[-1].with_changes(
                comma=old.comma if old.comma != cst.MaybeSentinel.DEFAULT else cst.MaybeSentinel.DEFAULT
            )
    else:
        args[index] = new
    return call.with_changes(args=args)


def _add_arg(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    args = list(call.args)
    new = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    star_at = next((i for i, a in enumerate(args) if a.star == "**"), len(args))
    if not args:
        args.append(new)
    elif star_at == len(args):
        last = args[-1]
        # a multi-line call keeps one argument per line: copy the whitespace in front of the last one
        before = (
            args[-2].comma.whitespace_after
            if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
            else call.whitespace_before_args
        )
        sep = before if isinstance(before, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
        if isinstance(last.comma, cst.Comma):
            # keep a trailing comma (and a comment after it stays with its argument)
            for_last, for_new = _split_after(last.comma.whitespace_after, sep)
            new = new.with_changes(comma=last.comma.with_changes(whitespace_after=for_new))
            args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=for_last))
        else:
            for_last, for_new = _split_after(last.whitespace_after_arg, sep)
            new = new.with_changes(whitespace_after_arg=for_new)
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=for_last), whitespace_after_arg=cst.SimpleWhitespace("")
            )
        args.append(new)
    else:
        args.insert(star_at, new.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    return call.with_changes(args=args)


def _split_after(
    ws: cst.BaseParenthesizableWhitespace, sep: cst.BaseParenthesizableWhitespace
) -> Tuple[cst.BaseParenthesizableWhitespace, cst.BaseParenthesizableWhitespace]:
    """The whitespace after the old last argument splits in two: up to the next argument (indented
    like the others, keeping a comment) and after the new last one (up to the closing paren)."""
    if isinstance(ws, cst.ParenthesizedWhitespace) and isinstance(sep, cst.ParenthesizedWhitespace):
        return (
            ws.with_changes(indent=sep.indent, last_line=sep.last_line),
            ws.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[]),
        )
    return sep, ws


def _is_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)) or (
        isinstance(expr, cst.Name) and expr.value in ("None", "True", "False")
    )


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


QUOTE_LIMIT = 80  # characters of source a message quotes
COMMENT_LIMIT = 400  # characters of a TODO comment's text (the longest a pack writes: ~350)


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, every run of white space (line breaks included) one space, any other
    character that is not printable escaped (a NUL, a lone surrogate: neither can be written in a
    source file), cut to ``limit`` characters with ``...``: a comment built from it is always a
    valid comment."""
    flat = " ".join(text.split())
    if not flat.isprintable():
        flat = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in flat)
    return flat if len(flat) <= limit else flat[: limit - 3].rstrip() + "..."


def _quote(node: cst.CSTNode) -> str:
    """The source of ``node`` as a message quotes it: one line, bounded, a key redacted before
    the cut (a cut key would no longer look like one)."""
    code = re.sub(r"\s*\n\s*([)\]}])", r"\1", re.sub(r"([(\[{])\s*\n\s*", r"\1", _code(node)))
    return one_line(redact_text(code), QUOTE_LIMIT)


def _model_is(ctx: "Context", globs: Sequence[str]) -> bool:
    """Whether the call's model, after the provider's model map, matches one of ``globs``
    (an unknown model matches nothing)."""
    import fnmatch

    model = ctx.site.attrs.get("model")
    if not isinstance(model, str):
        return False
    target = ctx.ruleset.map_model(model) or model
    return any(fnmatch.fnmatchcase(target, ctx.text(g)) for g in globs)


class Operation:
    """Base: ``PARAMS`` (name -> (type, required)) and ``CHOICES`` are the operation's entry in
    ``migrator.operations.SCHEMAS``, where the rule loader checks them."""

    name = ""
    SITES: Tuple[str, ...] = ()
    PARAMS: Dict[str, Tuple[Any, bool]] = {}
    CHOICES: Dict[str, Sequence[str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        schema = SCHEMAS.get(cls.name)  # the parameters a rule file may pass are the rules room's
        if schema is not None:
            cls.PARAMS, cls.CHOICES = schema.params, schema.choices

    @classmethod
    def validate(cls, params: Dict[str, Any]) -> List[str]:
        """The problems the rule loader finds in ``params`` (an operation of no rule file's: its own
        ``PARAMS``)."""
        return SCHEMAS.get(cls.name, Schema(cls.PARAMS, cls.CHOICES)).validate(params)

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        """(severity, message) pairs this op would report at ``site``; [] = silent rewrite."""
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        raise NotImplementedError


IDENT_SAFE = re.compile(r"^[A-Za-z0-9_.:/@+-]+$")


def _build(base: cst.BaseExpression, names: Sequence[str]) -> cst.BaseExpression:
    for name in names:
        base = cst.Attribute(value=base, attr=cst.Name(name))
    return base


def _flatten(node: cst.BaseExpression) -> List[cst.BaseExpression]:
    out = [node]
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
        out.append(node)
    out.reverse()
    return out


def _key(node: cst.Subscript) -> Optional[cst.SimpleString]:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        value = node.slice[0].slice.value
        if isinstance(value, cst.SimpleString):
            return value
    return None


def _get_call(node: cst.BaseExpression) -> Optional[Tuple[cst.BaseExpression, str, Optional[cst.BaseExpression]]]:
    """(receiver, key, default) of ``receiver.get("key"[, default])`` with an identifier key and a
    falsy literal default (the only defaults for which ``(x.key or default)`` is faithful)."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get"):
        return None
    args = node.args
    if not 1 <= len(args) <= 2 or any(a.keyword or a.star for a in args):
        return None
    key = args[0].value
    if not isinstance(key, cst.SimpleString) or not isinstance(key.evaluated_value, str) or not IDENT.match(key.evaluated_value):
        return None
    default = args[1].value if len(args) == 2 else None
    if default is not None and _code(default) not in FALSY_DEFAULTS:
        return None
    return node.func.value, key.evaluated_value, default


FALSY_DEFAULTS = ('""', "''", "None", "0", "[]", "{}")


def _convert_keys(node: cst.BaseExpression) -> cst.BaseExpression:
    get = _get_call(node)
    if get is not None:
        inner, key, default = get
        attr = cst.Attribute(value=_convert_keys(inner), attr=cst.Name(key))
        if default is None or _code(default) == "None":
            return attr.with_changes(lpar=node.lpar, rpar=node.rpar)
        # .get("k", "") returned the default for a missing key; v1 objects hold None there
        return cst.BooleanOperation(attr, cst.Or(), default, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    if isinstance(node, cst.Subscript):
        inner = _convert_keys(node.value)
        key = _key(node)  # type: ignore[assignment]
        text = key.evaluated_value if key is not None else None  # type: ignore[attr-defined]
        if isinstance(text, str) and IDENT.match(text) and not node.lpar:
            return cst.Attribute(value=inner, attr=cst.Name(text))
        return node.with_changes(value=inner)
    if isinstance(node, cst.Attribute):
        return node.with_changes(value=_convert_keys(node.value))
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return node.with_changes(func=node.func.with_changes(value=_convert_keys(node.func.value)))
    return node
