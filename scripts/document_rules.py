"""Render docs/rules.md from the rule files and the operations' docstrings, and
migrator/rules.schema.json from the loader's vocabulary and ``OPS``.

    python scripts/document_rules.py          # rewrite the three files
    python scripts/document_rules.py --check  # exit 1 if one is stale

docs/zh-CN/rules.md is the same reference in Chinese: its headings and fixed prose, and the rules'
messages and notes, the providers' and plans' summaries, plan titles and refusals and the operations'
docstrings from the catalogue's Chinese (migrator/locale; scripts/i18n_catalog.py extracts them).

Output depends only on the rule files and the code (sorted, no dates, no
paths of this machine), so the committed files can be compared with a fresh
render in a test.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from migrator import i18n  # noqa: E402
from migrator import ruleset as rs  # noqa: E402
from migrator.engine.ops import OPS  # noqa: E402

DOC_PATH = ROOT / "docs" / "rules.md"
ZH_DOC_PATH = ROOT / "docs" / "zh-CN" / "rules.md"
SCHEMA_PATH = ROOT / "migrator" / "rules.schema.json"
TYPE_NAMES = {str: "string", dict: "mapping", list: "list of strings", float: "number", "value": "value"}
ZH_TYPE_NAMES = {"string": "字符串", "mapping": "映射", "list of strings": "字符串列表", "number": "数字", "value": "取值"}


# ------------------------------------------------------------------ JSON Schema


def _param_schema(kind: Any, choices: Sequence[str] = ()) -> Dict[str, Any]:
    if choices:
        return {"enum": list(choices)}
    if kind == "value":
        return {"$ref": "#/$defs/value"}
    if kind is dict:
        return {"type": "object", "additionalProperties": {"type": "string"}}
    if kind is list:
        return {"type": "array", "items": {"type": "string"}}
    if kind is float:
        return {"type": "number"}
    return {"type": "string"}


def op_schemas() -> Dict[str, Dict[str, Any]]:
    """One schema per operation, straight from ``PARAMS``/``CHOICES`` so they cannot drift."""
    out = {}
    for name in sorted(OPS):
        op = OPS[name]
        schema: Dict[str, Any] = {
            "description": inspect.cleandoc(op.__doc__ or "").split("\n\n")[0],
            "type": "object",
            "additionalProperties": False,
            "properties": {k: _param_schema(kind, op.CHOICES.get(k, ())) for k, (kind, _) in sorted(op.PARAMS.items())},
        }
        required = sorted(k for k, (_, req) in op.PARAMS.items() if req)
        if required:
            schema["required"] = required
        if name == "replace_symbol":  # exactly one of to/map (migrator.operations)
            schema["oneOf"] = [{"required": ["to"]}, {"required": ["map"]}]
        out[name] = schema
    return out


def _strings() -> Dict[str, Any]:
    return {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]}


def _match_schema() -> Dict[str, Any]:
    props: Dict[str, Any] = {"kind": {"enum": list(rs.MATCH_KINDS)}}
    for key in sorted(rs.MATCH_KEYS - {"kind"}):
        props[key] = {"type": "boolean"} if key in rs.BOOL_MATCH_KEYS else {"$ref": "#/$defs/strings"}
    return {"type": "object", "required": ["kind"], "additionalProperties": False, "properties": props}


def _case_schema(before_required: bool) -> Dict[str, Any]:
    schema: Dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "before": {"type": "string"},
            "after": {"type": "string"},
            "diagnostics": {"$ref": "#/$defs/strings"},
            "plan": {"enum": list(rs.PLANS)},
            "region": {"type": "string"},
        },
    }
    if before_required:
        schema["required"] = ["before"]
    return schema


def _plan_schema() -> Dict[str, Any]:
    props = {key: {"type": "string"} for key in sorted(rs.PLAN_KEYS)}
    props.update(
        keeps_openai={"type": "boolean"},
        check_policy={"enum": ["compat", "strict"]},
        cleanup_imports={"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        env_files={"type": "object", "additionalProperties": {"type": "string"}},
    )
    return {"type": "object", "additionalProperties": False, "properties": props}


def _rule_schema() -> Dict[str, Any]:
    props = {key: {"type": "string"} for key in sorted(rs.RULE_KEYS)}
    props.update(
        # a shared file's rule is the pack's that takes it: ${pack.name}/<kebab-name>
        id={"type": "string", "pattern": r"^(?:\$\{pack\.name\}|[a-z0-9]+(?:-[a-z0-9]+)*)/[a-z0-9]+(?:-[a-z0-9]+)*$"},
        message={"type": "string", "pattern": "^[^\\n]*\\n?$"},
        references={"$ref": "#/$defs/strings"},
        requires={"$ref": "#/$defs/strings"},
        plans={"oneOf": [{"enum": list(rs.PLANS)}, {"type": "array", "items": {"enum": list(rs.PLANS)}}]},
        severity={"enum": list(rs.SEVERITIES)},
        option={"enum": list(rs.OPTIONS) + ["!" + o for o in rs.OPTIONS]},
        match={"$ref": "#/$defs/match"},
        rewrite={"type": "array", "items": {"$ref": "#/$defs/operation"}},
        tests={
            "type": "object",
            "additionalProperties": False,
            "required": ["valid", "invalid"],
            "properties": {
                "valid": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"oneOf": [{"type": "string"}, {"$ref": "#/$defs/valid_case"}]},
                },
                "invalid": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/invalid_case"}},
            },
        },
    )
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "message", "match", "rewrite", "tests"],
        "properties": props,
    }


def _value_schema() -> Dict[str, Any]:
    return {
        "oneOf": [
            {"type": ["string", "number", "boolean", "null"]},
            {"type": "array", "items": {"$ref": "#/$defs/value"}},
            {
                "type": "object",
                "required": ["env"],
                "additionalProperties": False,
                "properties": {"env": {"type": "string"}, "default": {"type": "string"}},
            },
            {
                "type": "object",
                "required": ["expr"],
                "additionalProperties": False,
                "properties": {"expr": {"type": "string"}, "imports": {"type": "array", "items": {"type": "string"}}},
            },
        ]
    }


def build_schema() -> Dict[str, Any]:
    ops = op_schemas()
    defs: Dict[str, Any] = {
        "strings": _strings(),
        # what Python reads of a pack's variables (ruleset.VAR_NAME_RE, ENV_NAME_RE, URL_RE)
        "vars": {
            "type": "object",
            "propertyNames": {"pattern": rs.VAR_NAME_RE.pattern},
            "patternProperties": {
                "_env$": {"type": "string", "pattern": rs.ENV_NAME_RE.pattern},
                "(^|_)url$": {"type": "string", "pattern": rs.URL_RE.pattern},
            },
            "additionalProperties": {"type": "string"},
        },
        "value": _value_schema(),
        "match": _match_schema(),
        "plan": _plan_schema(),
        "rule": _rule_schema(),
        "valid_case": _case_schema(False),
        "invalid_case": _case_schema(True),
        "operation": {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "propertyNames": {"enum": sorted(ops)},
            "properties": {name: {"$ref": f"#/$defs/op_{name}"} for name in sorted(ops)},
        },
    }
    defs.update({f"op_{name}": schema for name, schema in ops.items()})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/migrator/migrator/blob/main/migrator/rules.schema.json",
        "title": "migrator rule file",
        "description": "rules/<provider>.yaml: see docs/rule-authoring.md. Generated by scripts/document_rules.py.",
        "type": "object",
        "additionalProperties": False,
        # a pack names its provider; a shared file (rules/_<name>.yaml) has no provider and only
        # rules; a pack with `extends` may take its plans and rules from the file it extends
        "required": ["schema_version"],
        "if": {"not": {"required": ["extends"]}},
        "then": {"anyOf": [{"required": ["provider", "plans", "rules"]}, {"not": {"required": ["provider"]}}]},
        "properties": {
            "extends": {"type": "string", "pattern": rs.EXTENDS_RE.pattern},
            "drop": {"type": "array", "items": {"type": "string"}},
            "schema_version": {"const": rs.SCHEMA_VERSION},
            "provider": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "title", "docs", "verified"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"},
                    "title": {"type": "string"},
                    "docs": {"type": "string"},
                    "verified": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
                    "summary": {"type": "string"},
                },
            },
            "vars": {"$ref": "#/$defs/vars"},
            "regions": {"type": "object", "additionalProperties": {"$ref": "#/$defs/vars"}},
            "default_region": {"type": "string"},
            "models": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}},
            "plans": {
                "type": "object",
                "additionalProperties": False,
                "properties": {name: {"$ref": "#/$defs/plan"} for name in rs.PLANS},
            },
            "rules": {
                "type": "array",
                "items": {
                    "oneOf": [
                        {"$ref": "#/$defs/rule"},
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["inherit"],
                            "properties": {"inherit": {"$ref": "#/$defs/strings"}},
                        },
                    ]
                },
            },
        },
        "$defs": defs,
    }


def render_schema() -> str:
    return json.dumps(build_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ Markdown


def _t(lang: str, en: str, zh: str) -> str:
    """The fixed prose of the page in its language."""
    return zh if lang == "zh" else en


def _shown(text: Optional[str], lang: str) -> Optional[str]:
    """A rule file's text (a message, a note, a summary, a plan's title or refusal) or an
    operation's docstring in the page's language: its Chinese from the catalogue
    (``i18n.rule_text``, keyed as scripts/i18n_catalog.py files it), or the text as written when
    the catalogue has none (a rule pack of the user's)."""
    if lang != "zh" or not text:
        return text
    with i18n.use_language("zh"):
        return i18n.rule_text(text)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _anchor(rule_id: str) -> str:
    return "rule-" + rule_id.replace("/", "-")


def _fence(code: str, lang: str = "python") -> List[str]:
    body = textwrap.dedent(code).strip("\n")
    fence = "````" if "```" in body else "```"
    return [f"{fence}{lang}", body, fence]


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _rule(pf: rs.ProviderFile, rule: rs.Rule, lang: str = "en") -> List[str]:
    out = [f'<a id="{_anchor(rule.id)}"></a>', f"#### `{rule.id}`", "", _shown(rule.message, lang), ""]
    if rule.note:
        out += [_shown(rule.note.strip(), lang), ""]
    plans = [p for p in rule.plans if not pf.plans[p].refuse]  # a refused plan never runs a rule
    out.append(
        _t(lang, "- plans: {plans}; severity: {severity}", "- 方案：{plans}；严重程度：{severity}").format(
            plans=", ".join(plans) or _t(lang, "none", "无"), severity=rule.severity
        )
    )
    if rule.option:
        option = rule.option.lstrip("!")
        out.append(
            (
                _t(
                    lang,
                    "- runs only without the opt-in `{option}` (apply --completions-as-chat)",
                    "- 仅在未启用 `{option}` 选项时运行（apply --completions-as-chat）",
                )
                if rule.option.startswith("!")
                else _t(
                    lang,
                    "- runs only with the opt-in `{option}` (apply --completions-as-chat)",
                    "- 仅在启用 `{option}` 选项时运行（apply --completions-as-chat）",
                )
            ).format(option=option)
        )
    out.append(_t(lang, "- match: ", "- 匹配：") + f"`{_value(rule.match)}`")
    out.append(_t(lang, "- rewrite:", "- 改写："))
    out += [f"  - [`{op.name}`](#op-{op.name.replace('_', '-')}) `{_value(op.params)}`" for op in rule.ops]
    for ref in rule.references:
        out.append(_t(lang, "- see: ", "- 参见：") + ref)
    if rule.invalid:
        case = rule.invalid[0]
        out += ["", _t(lang, "Before:", "改写前："), ""] + _fence(case["before"])
        if "after" in case:
            out += ["", _t(lang, "After:", "改写后："), ""] + _fence(case["after"])
        if case.get("diagnostics"):
            out += ["", _t(lang, "Reports: ", "报告：") + "; ".join(f"`{d}`" for d in case["diagnostics"])]
    return out + [""]


def _provider(pf: rs.ProviderFile, lang: str = "en") -> List[str]:
    out = [f"## {pf.title} (`{pf.name}`)", ""]
    if pf.summary:
        out += [_shown(pf.summary.strip(), lang), ""]
    out += [
        _t(lang, "- docs: ", "- 文档：") + pf.docs,
        _t(lang, "- verified against the provider's docs and SDK: ", "- 已对照供应商文档和 SDK 核实：") + str(pf.verified),
    ]
    if pf.default_region:
        out.append(
            _t(lang, "- regions: {regions} (default {default})", "- 区域：{regions}（默认 {default}）").format(
                regions=", ".join(sorted(pf.regions)), default=pf.default_region
            )
        )
    out += [
        "",
        _t(lang, "| plan | title | requirement | keeps openai | status |", "| 方案 | 标题 | 依赖 | 保留 openai | 状态 |"),
        "| --- | --- | --- | --- | --- |",
    ]
    for plan in pf.plans.values():
        status = (
            (_t(lang, "refused: ", "不提供：") + _cell(_shown(plan.refuse, lang))) if plan.refuse else _t(lang, "offered", "提供")
        )
        keeps = _t(lang, "yes", "是") if plan.keeps_openai else _t(lang, "no", "否")
        out.append(
            f"| `{plan.name}` | {_cell(_shown(plan.title, lang))} | {_cell(plan.requirement) or '-'} | {keeps} | {status} |"
        )
    out += [
        "",
        _t(
            lang,
            "Model map (`*` globs; override with `[tool.migrator.models]`):",
            "模型映射（`*` 为通配符；可用 `[tool.migrator.models]` 覆盖）：",
        ),
        "",
    ]
    if pf.models:
        out += [
            _t(lang, "| OpenAI model | {title} model |", "| OpenAI 模型 | {title} 模型 |").format(title=pf.title),
            "| --- | --- |",
        ]
        out += [f"| `{_cell(k)}` | `{_cell(v)}` |" for k, v in pf.models.items()]
    else:
        out.append(_t(lang, "(none: model names are left as they are)", "（无：模型名保持原样）"))
    out.append("")
    for plan in pf.plans.values():
        if plan.refuse:
            continue
        ids = [r.id for r in pf.rules if plan.name in r.plans]
        out += [_t(lang, "### {title} — `{plan}` plan", "### {title} — `{plan}` 方案").format(title=pf.title, plan=plan.name), ""]
        if plan.summary:
            out += [_shown(plan.summary.strip(), lang), ""]
        out += [f"- [`{rid}`](#{_anchor(rid)})" for rid in ids] or [_t(lang, "(no rules)", "（没有规则）")]
        out.append("")
    out += [_t(lang, "### {title} — rules", "### {title} — 规则").format(title=pf.title), ""]
    for rule in pf.rules:
        out += _rule(pf, rule, lang)
    return out


def _operation(name: str, lang: str = "en") -> List[str]:
    op = OPS[name]
    out = [f'<a id="op-{name.replace("_", "-")}"></a>', f"### `{name}`", "", _shown(inspect.cleandoc(op.__doc__ or ""), lang), ""]
    out.append(_t(lang, "Applies to sites: {sites}.", "适用的位置：{sites}。").format(sites=", ".join(op.SITES)))
    out.append("")
    if op.PARAMS:
        out += [
            _t(lang, "| parameter | type | required | choices |", "| 参数 | 类型 | 必填 | 可选值 |"),
            "| --- | --- | --- | --- |",
        ]
        for key, (kind, required) in op.PARAMS.items():
            choices = ", ".join(f"`{c}`" for c in op.CHOICES.get(key, ())) or "-"
            kind_name = TYPE_NAMES.get(kind, str(kind))
            shown = _t(lang, kind_name, ZH_TYPE_NAMES.get(kind_name, kind_name))
            out.append(f"| `{key}` | {shown} | {_t(lang, 'yes', '是') if required else _t(lang, 'no', '否')} | {choices} |")
    else:
        out.append(_t(lang, "No parameters: write `{}`.", "没有参数：写 `{}`。"))
    return out + [""]


def render_markdown(providers: Sequence[rs.ProviderFile], lang: str = "en") -> str:
    """docs/rules.md (``lang="en"``) or docs/zh-CN/rules.md (``"zh"``), from the same data."""
    out = [
        _t(lang, "# Rule reference", "# 规则参考"),
        "",
        _t(lang, "English | [简体中文](zh-CN/rules.md)", "[English](../rules.md) | 简体中文"),
        "",
        _t(
            lang,
            "<!-- Generated by scripts/document_rules.py from rules/*.yaml and migrator/engine/ops/; do not edit. -->",
            "<!-- 由 scripts/document_rules.py 根据 rules/*.yaml、migrator/engine/ops/ 和 migrator/locale 生成；请勿手工编辑。 -->",
        ),
        "",
        _t(
            lang,
            "What each provider's rules do, plan by plan. How to write rules: [rule-authoring.md](rule-authoring.md).",
            "各供应商的规则按方案逐一说明其作用。如何编写规则见 [rule-authoring.md](rule-authoring.md)。",
        ),
        "",
        _t(lang, "Providers: ", "供应商：") + ", ".join(f"[{pf.title}](#{pf.name})" for pf in providers) + _t(lang, ".", "。"),
        "",
    ]
    for pf in providers:
        out += [f'<a id="{pf.name}"></a>'] + _provider(pf, lang)
    out += [
        _t(lang, "## Operations", "## 操作"),
        "",
        _t(
            lang,
            "Values: a string is a string literal (`${var}` interpolated); "
            "`{env: NAME}` reads an environment variable; `{env: NAME, default: X}` with a default; "
            "`{expr: \"python\", imports: [\"os\", \"pkg:Name\"]}` is code.",
            "取值：字符串就是字符串字面量（`${var}` 会被替换）；`{env: NAME}` 读取环境变量；"
            "`{env: NAME, default: X}` 带默认值；`{expr: \"python\", imports: [\"os\", \"pkg:Name\"]}` 是代码。",
        ),
        "",
    ]
    for name in sorted(OPS):
        out += _operation(name, lang)
    return "\n".join(out).rstrip("\n") + "\n"


def builtin_providers() -> List[rs.ProviderFile]:
    """Only the shipped rule files (never the user's), sorted by provider name."""
    problems: List[str] = []
    files = rs.pack_files(ROOT / "rules")
    providers = [pf for pf in (rs.load_file(path, problems) for path in files) if pf is not None]
    if problems:
        raise SystemExit("\n".join(problems))
    return sorted(providers, key=lambda pf: pf.name)


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    args = parser.parse_args(list(argv))
    providers = builtin_providers()
    outputs = {DOC_PATH: render_markdown(providers), ZH_DOC_PATH: render_markdown(providers, "zh"), SCHEMA_PATH: render_schema()}
    stale = [path for path, text in outputs.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date; run python scripts/document_rules.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(outputs[path], encoding="utf-8", newline="\n")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
