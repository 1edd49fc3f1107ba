"""Operations mapping an OpenAI model name to the provider's: a model argument, a LiteLLM route."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from migrator.engine.model import Site
from migrator.engine.ops.base import (
    CALL_SITES,
    Operation,
    _LibCST,
    _entry,
    _has_star_kwargs,
    _kw,
    _quote,
    _replace_arg,
    _replace_entry,
    _string_like,
)
from migrator.engine.ops.context import Context
from migrator.i18n import N_


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _LibCST(globals())


def _no_model(ruleset: Any, model: Optional[str]) -> str:
    return N_("no {provider} model for '{model}'").format(provider=ruleset.provider.name, model=model)


STAR_MODEL = N_("the model comes in **kwargs, where it is not mapped; map it to a provider model where the dict is built")


def _valued(value: str, title: str) -> str:
    return N_("model comes from `{value}`; map it to a model of {title} by hand").format(value=value, title=title)


class MapModel(Operation):
    """Map the model argument through the provider's model map (and the user's overrides).
    A non-literal or unmapped model is left as it is and reported.  ``keep`` (globs) names the
    provider's own model ids (``glm-*``, ``ep-*``): those are left alone silently."""

    name = "map_model"
    SITES = CALL_SITES + ("model",)

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        name = params.get("name", "model")
        if (
            site.kind == "model"
            or (site.kind in ("call", "framework") and site.attrs.get("_model_def"))
            or site.attrs.get("_model_remote")
        ):
            model = site.attrs.get("model")  # mapped where it is defined
            if ruleset.map_model(model) is None and not ruleset.is_target_model(model) and not _kept(model, params):
                return [("manual", _no_model(ruleset, model))] if site.kind == "model" else []
            return []
        if name not in site.attrs.get("kwargs", ()):
            return [("manual", STAR_MODEL)] if site.attrs.get("star_kwargs") else []
        model = site.attrs.get("model")
        if model is None and site.attrs.get("_model_value"):  # the value a **params dict built here gives it
            return [("manual", _valued(site.attrs["_model_value"], ruleset.provider.title))]
        if model is None:
            return [("manual", N_("model is not a literal; map it by hand"))]
        if ruleset.map_model(model) is None and not ruleset.is_target_model(model) and not _kept(model, params):
            return [("manual", _no_model(ruleset, model))]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        if isinstance(node, cst.SimpleString):  # the literal a model value is defined by
            mapped = cls._map(node, ctx, params)
            users = ctx.site.attrs.get("_users")
            if mapped is not node and users:
                ctx.diag(
                    N_(
                        "model '{model}' -> '{target}' where it is defined (it is only ever the model of the calls at {where})"
                    ).format(
                        model=node.evaluated_value, target=mapped.evaluated_value, where=", ".join(f"{p}:{n}" for p, n in users)
                    ),
                    "info",
                )
                if ctx.site.attrs.get("env"):
                    ctx.diag(
                        N_(
                            "a pydantic setting reads the environment variable {variable} over this default: where it is "
                            "set (.env, the deployment), set it to a model of {title} too"
                        ).format(variable=ctx.site.attrs["env"], title=ctx.ruleset.provider.title),
                        "warning",
                    )
            elif mapped is not node:
                lines = ", ".join(str(c.span.line) for c in ctx.site.attrs.get("_calls", ()))
                ctx.diag(
                    (
                        N_(
                            "model '{model}' -> '{target}' where it is defined (it is only ever the model of the calls at "
                            "line {lines})"
                        )
                        if "," in lines
                        else N_(
                            "model '{model}' -> '{target}' where it is defined (it is only ever the model of the call at "
                            "line {lines})"
                        )
                    ).format(model=node.evaluated_value, target=mapped.evaluated_value, lines=lines),
                    "info",
                )
                if ctx.site.attrs.get("env"):
                    ctx.diag(
                        N_(
                            "the environment variable {variable} is read over this default: where it is set (.env, "
                            "the deployment), set it to a model of {title} too"
                        ).format(variable=ctx.site.attrs["env"], title=ctx.ruleset.provider.title),
                        "warning",
                    )
            return mapped
        assert isinstance(node, cst.Call)
        arg = _kw(node, params.get("name", "model"))
        if (
            ctx.site.attrs.get("_model_def") and (params.get("name", "model") == "model" or ctx.site.kind == "framework")
        ) or ctx.site.attrs.get("_model_remote"):
            return node  # mapped where it is defined
        if arg is None:
            if ctx.site.attrs.get("_model_value"):  # the value a **params dict built here gives it
                ctx.manual(_valued(ctx.site.attrs["_model_value"], ctx.ruleset.provider.title), blocking=False)
            elif _has_star_kwargs(node):  # a model may well travel in there, unmapped
                ctx.manual(ctx.text(STAR_MODEL), blocking=False)
            return node
        value = arg.value
        if not isinstance(value, cst.SimpleString):
            known = ctx.site.attrs.get("model")
            hint = ctx.ruleset.map_model(known) if known else None
            if not (known and (ctx.ruleset.is_target_model(known) or _kept(known, params))):
                ctx.manual(
                    (
                        N_(
                            "model comes from `{value}`; map it to a model of {title} by hand (its value '{model}' maps to "
                            "'{target}')"
                        )
                        if hint
                        else N_("model comes from `{value}`; map it to a model of {title} by hand")
                    ).format(value=_quote(value), title=ctx.ruleset.provider.title, model=known, target=hint),
                    blocking=False,
                )
            return node
        new = cls._map(value, ctx, params)
        if new is value:
            return node
        ctx.diag(N_("model '{model}' -> '{target}'").format(model=value.evaluated_value, target=new.evaluated_value), "info")
        return _replace_arg(node, arg, arg.with_changes(value=new))

    @staticmethod
    def _map(value: cst.SimpleString, ctx: Context, params: Dict[str, Any]) -> cst.SimpleString:
        model = value.evaluated_value
        if not isinstance(model, str):
            return value
        target = ctx.ruleset.map_model(model)
        if target is None:
            if not ctx.ruleset.is_target_model(model) and not _kept(model, params):
                ctx.manual(
                    N_("no {title} model is mapped for '{model}'; add one under [tool.migrator.models] or edit this call").format(
                        title=ctx.ruleset.provider.title, model=model
                    ),
                    blocking=False,
                )
            return value
        if target == model:
            return value
        return _string_like(value, target)


class MapRoute(Operation):
    """A LiteLLM model string (``litellm.completion(model="gpt-4o")``, ``dspy.LM("openai/gpt-4o")``,
    wherever the analyzer found it: keyword or position) becomes ``<route><mapped model>``, e.g.
    ``dashscope/qwen-plus`` (``route``: the LiteLLM provider prefix of the provider; ``openai/`` for
    one LiteLLM does not route, with ``api_base=``/``api_key=`` set by the rule; ``keep``: globs of
    the provider's own model ids, routed unmapped).  A model string that is not a literal, or a model
    the provider has none for, leaves the call as it is, reported."""

    name = "map_route"
    SITES = ("framework",)

    @staticmethod
    def _target(model: Any, params: Dict[str, Any], ruleset: Any) -> Optional[str]:
        if not isinstance(model, str):
            return None
        mapped = ruleset.map_model(model)
        if mapped is None and (ruleset.is_target_model(model) or _kept(model, params)):
            return model
        return mapped  # type: ignore[no-any-return]

    @classmethod
    def predict(cls, site: Site, params: Dict[str, Any], ruleset: Any) -> List[Tuple[str, str]]:
        model = site.attrs.get("model")
        if model is None:  # a value, not a literal: nothing says which model it is
            return [
                (
                    "manual",
                    N_("the model is not a literal here; map it to a model of {title} by hand").format(
                        title=ruleset.provider.title
                    ),
                )
            ]
        if cls._target(model, params, ruleset) is None:
            return [("manual", _no_model(ruleset, model))]
        return []

    @classmethod
    def apply(cls, node: cst.CSTNode, params: Dict[str, Any], ctx: Context) -> cst.CSTNode:
        assert isinstance(node, (cst.Call, cst.Dict))
        where = ctx.site.attrs.get("model_arg")
        if isinstance(where, int):
            positional = [a for a in node.args if a.keyword is None and not a.star]  # type: ignore[union-attr]
            arg = positional[where] if len(positional) > where else None
        else:
            arg = _entry(node, str(where))
        model = ctx.site.attrs.get("model")
        target = cls._target(model, params, ctx.ruleset)
        if arg is None or not isinstance(arg.value, cst.SimpleString):
            if target:
                ctx.manual(
                    N_(
                        "the model string is not a literal here; write the {title} route by hand ('{model}' maps to '{target}')"
                    ).format(title=ctx.ruleset.provider.title, model=model, target=f"{ctx.text(params['route'])}{target}")
                )
            else:
                ctx.manual(
                    N_("the model string is not a literal here; write the {title} route by hand").format(
                        title=ctx.ruleset.provider.title
                    )
                )
            return node
        if target is None:
            ctx.manual(
                N_("no {title} model is mapped for '{model}'; add one under [tool.migrator.models] or edit this call").format(
                    title=ctx.ruleset.provider.title, model=model
                )
            )
            return node
        route = ctx.text(params["route"]) + target
        ctx.diag(N_("model '{model}' -> '{target}'").format(model=arg.value.evaluated_value, target=route), "info")
        return _replace_entry(node, arg, arg.with_changes(value=_string_like(arg.value, route)))


def _kept(model: Optional[str], params: Dict[str, Any]) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(model, g) for g in params.get("keep", ()))
