"""Operations on the API a call reaches: a renamed resource path, a text completion turned chat."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from migrator.engine.model import Site
from migrator.engine.ops.base import (
    Operation,
    _LibCST,
    _build,
    _convert_keys,
    _key,
    _kw,
    _quote,
    _replace_arg,
    _string,
    _string_like,
)
from migrator.engine.ops.context import Context
from migrator.i18n import N_


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _LibCST(globals())


def _chain(expr: cst.BaseExpression) -> Tuple[cst.BaseExpression, List[str]]:
    names: List[str] = []
    while isinstance(expr, cst.Attribute):
        names.append(expr.attr.value)
        expr = expr.value
    names.reverse()
    return expr, names


class RenameMethod(Operation):
    """Rename the resource path of an API call, e.g. ``chat.completions.create`` ->
    ``chat.completions.acreate`` or ``images.generate`` -> ``images.generations``."""

    name = "rename_method"
    SITES = ("call",)

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, cst.Call)
        api = ctx.site.attrs.get("api", "")
        base, names = _chain(node.func)
        old = api.split(".")
        if names[-len(old) :] != old:
            ctx.manual(N_("cannot rename `{value}` to {target} safely").format(value=_quote(node.func), target=params["to"]))
            return node
        func = node.func
        for _ in old:
            func = func.value  # type: ignore[attr-defined]
        return node.with_changes(func=_build(func, params["to"].split(".")))


class CompletionsToChat(Operation):
    """Turn a legacy text completion into a chat call (opt-in: ``apply --completions-as-chat``).
    At the call, ``prompt=P`` becomes ``messages=[{"role": "user", "content": P}]`` and a client's
    ``.completions.create`` becomes ``.chat.completions.create`` (a v0 or module-level call gets its
    client from ``legacy_to_client`` with ``api: chat.completions.create``); at a result read,
    ``choices[].text`` becomes ``choices[].message.content`` (a streamed chunk's
    ``(choices[].delta.content or "")``).  Left whole and reported: a prompt that is a list, the
    options chat has no counterpart for (``suffix``, ``echo``, ``logprobs``, ``best_of``),
    ``**kwargs``, positional arguments, and a response returned or passed on whole or read by a
    field a chat response does not have.  Every conversion is reported as a behaviour change."""

    name = "completions_to_chat"
    SITES = ("call", "result")
    NO_CHAT = ("suffix", "echo", "logprobs", "best_of")
    # result fields a chat completion has under the same name and meaning
    SAME = (
        "id",
        "model",
        "created",
        "choices",
        "choices[]",
        "choices[].index",
        "choices[].finish_reason",
        "usage",
        "usage.prompt_tokens",
        "usage.completion_tokens",
        "usage.total_tokens",
    )
    CHANGE = (
        "a text completion became a chat call: the prompt is sent as one user message, so the "
        "model answers it as a chat assistant and the output for the same prompt may differ"
    )

    @classmethod
    def _blocks(cls, site: Site) -> Optional[str]:
        attrs = site.attrs
        if site.kind == "result":
            path = str(attrs.get("path") or "")
            if path in cls.SAME or cls._reads_text(path):
                return None
            return N_("reads `{path}` of a text completion, which a chat completion does not have; convert it by hand").format(
                path=path
            )
        kwargs = attrs.get("kwargs") or ()
        used = [name for name in cls.NO_CHAT if name in kwargs]
        if used:
            return N_("{keywords} has no chat counterpart; this completion stays as it is").format(
                keywords="/".join(n + "=" for n in used)
            )
        if attrs.get("star_kwargs") or attrs.get("_params_def"):
            return N_("passes **kwargs, which may hold completion-only options; convert it by hand")
        if "prompt" not in kwargs:
            return N_("the prompt is not passed as prompt=; convert it by hand")
        if attrs.get("escapes"):
            return N_("its response is {escapes}, where it is read as a text completion; convert it by hand").format(
                escapes=attrs["escapes"]
            )
        if attrs.get("receiver") not in ("client", "legacy", "module"):
            return N_("the client of this call could not be resolved; convert it by hand")
        return None

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        why = cls._blocks(site)
        if why is not None:
            return [("manual", why)]
        return [("warning", cls.CHANGE)] if site.kind == "call" else []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        why = cls._blocks(ctx.site)
        if why is not None:
            ctx.manual(why)
            return node
        if ctx.site.kind == "result":
            return cls._result(node, ctx)
        assert isinstance(node, cst.Call)
        if any(arg.keyword is None for arg in node.args):
            ctx.manual(N_("passes positional arguments; convert it by hand"))
            return node
        prompt = _kw(node, "prompt")
        assert prompt is not None  # _blocks: prompt= is among the keywords
        if isinstance(prompt.value, (cst.List, cst.Tuple, cst.Set, cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            ctx.manual(
                N_(
                    "prompt `{value}` is a list of prompts, one completion each; a chat call answers one conversation: "
                    "convert it by hand"
                ).format(value=_quote(prompt.value))
            )
            return node
        message = cst.Dict([cst.DictElement(_string("role"), _string("user")), cst.DictElement(_string("content"), prompt.value)])
        messages = prompt.with_changes(keyword=cst.Name("messages"), value=cst.List([cst.Element(message)]))
        node = _replace_arg(node, prompt, messages)
        if ctx.site.attrs.get("receiver") == "client":
            func, names = _chain(node.func)
            if names[-2:] != ["completions", "create"]:
                ctx.manual(N_("this call is not spelled client.completions.create(...); convert it by hand"))
                return node
            node = node.with_changes(func=_build(func, names[:-2] + ["chat", "completions", "create"]))
        ctx.diag(cls.CHANGE, "warning")
        return node

    @classmethod
    def _result(cls, node: cst.CSTNode, ctx: Context) -> cst.CSTNode:
        if not cls._reads_text(str(ctx.site.attrs.get("path") or "")):
            return node
        chunk = bool(ctx.site.attrs.get("chunk"))
        done: List[bool] = []

        def rewrite(expr: cst.BaseExpression) -> cst.BaseExpression:
            """``expr`` with the innermost read of ``text`` on its spine turned into the chat field."""
            if isinstance(expr, cst.Call):
                return expr.with_changes(func=rewrite(expr.func))
            if not isinstance(expr, (cst.Attribute, cst.Subscript)):
                return expr
            inner = rewrite(expr.value)
            if done:
                return expr.with_changes(value=inner)
            key = _key(expr) if isinstance(expr, cst.Subscript) else None
            if isinstance(expr, cst.Attribute) and expr.attr.value == "text":
                field = cst.Attribute(
                    value=cst.Attribute(value=inner, attr=cst.Name("delta" if chunk else "message")), attr=cst.Name("content")
                )
            elif key is not None and key.evaluated_value == "text":
                index = expr.slice[0]  # type: ignore[union-attr]
                middle = expr.with_changes(
                    value=inner,
                    lpar=[],
                    rpar=[],
                    slice=[index.with_changes(slice=cst.Index(_string_like(key, "delta" if chunk else "message")))],
                )
                field = expr.with_changes(
                    value=middle,
                    lpar=[],
                    rpar=[],
                    slice=[
                        index.with_changes(  # type: ignore[assignment]
                            slice=cst.Index(_string_like(key, "content"))
                        )
                    ],
                )
            else:
                return expr.with_changes(value=inner)
            done.append(True)
            if chunk:  # a completion chunk's text is always a string; a chat chunk's delta.content may be None
                return cst.BooleanOperation(field, cst.Or(), _string(""), lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return field.with_changes(lpar=expr.lpar, rpar=expr.rpar)

        if ctx.site.attrs.get("legacy"):  # the chat call returns openai>=1 objects: dict reads become attributes
            node = _convert_keys(node)  # type: ignore[arg-type]
        return rewrite(node)  # type: ignore[arg-type]

    @staticmethod
    def _reads_text(path: str) -> bool:
        return path == "choices[].text" or path.startswith("choices[].text.")
