"""Every rule pack has a set-up guide in English and Chinese, and a guide cannot drift from its
pack: each model mapping, variable, endpoint and SDK requirement the pack names is in both
guides (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from migrator.analyzer.secrets import redact_text
from migrator.ruleset import load_all

ROOT = Path(__file__).resolve().parent.parent
PACKS = {pf.name: pf for pf in load_all()}
LANGUAGES = {"en": "docs/providers", "zh": "docs/zh-CN/providers"}
GUIDES = [(name, lang) for name in sorted(PACKS) for lang in LANGUAGES]


def _guide(name: str, lang: str) -> Path:
    return ROOT / LANGUAGES[lang] / f"{name}.md"


def _text(name: str, lang: str) -> str:
    return _guide(name, lang).read_text(encoding="utf-8")


def _table_rows(text: str) -> "list[str]":
    return [line for line in text.splitlines() if line.startswith("|")]


def _env_vars(pf) -> "set[str]":
    names = {value for key, value in pf.vars.items() if key.endswith("_env")}
    for plan in pf.plans.values():
        names.update(plan.env_files.values())
    return names


def _urls(pf) -> "set[str]":
    urls = {region["base_url"] for region in pf.regions.values() if region.get("base_url")}
    urls.update(value for key, value in pf.vars.items() if not key.endswith("_env") and "://" in value)
    return urls


def test_every_pack_is_covered():
    assert {"dashscope", "qianfan", "hunyuan", "zhipu", "ark", "deepseek", "moonshot"} <= set(PACKS)


@pytest.mark.parametrize("name,lang", GUIDES)
def test_every_pack_has_its_guide(name, lang):
    assert _guide(name, lang).is_file(), f"rules/{name}.yaml has no guide {_guide(name, lang).relative_to(ROOT)}"


@pytest.mark.parametrize("name,lang", GUIDES)
def test_every_model_mapping_is_in_the_guide_table(name, lang):
    rows = _table_rows(_text(name, lang))
    missing = [
        f"{src} -> {dst}"
        for src, dst in PACKS[name].models.items()
        if not any(f"`{src}`" in row and f"`{dst}`" in row for row in rows)
    ]
    assert not missing, f"{_guide(name, lang).name} ({lang}): mappings of rules/{name}.yaml missing from its tables: {missing}"


@pytest.mark.parametrize("name,lang", GUIDES)
def test_every_variable_endpoint_and_requirement_is_in_the_guide(name, lang):
    pf, text = PACKS[name], _text(name, lang)
    wanted = _env_vars(pf) | _urls(pf) | {p.requirement for p in pf.plans.values() if p.requirement and not p.refuse}
    wanted |= {f"`{region}`" for region in pf.regions}
    missing = sorted(item for item in wanted if item not in text)
    assert not missing, f"{_guide(name, lang).name} ({lang}) does not mention {missing}"


@pytest.mark.parametrize("name,lang", GUIDES)
def test_a_guide_shows_no_key(name, lang):
    text = _text(name, lang)
    assert redact_text(text) == text, f"{_guide(name, lang).name}: a key-shaped string (only shapes belong in a guide)"


@pytest.mark.parametrize("name,lang", GUIDES)
def test_guide_links_resolve(name, lang):
    page = _guide(name, lang)
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
        if "://" not in target:
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)}: broken link {target}"


@pytest.mark.parametrize("name", sorted(PACKS))
def test_the_chinese_guide_has_the_english_commands_and_sections(name):
    def blocks(text):
        return re.findall(r"^```bash\n(.*?)^```", text, re.M | re.S)

    en, zh = _text(name, "en"), _text(name, "zh")
    assert blocks(zh) == blocks(en)
    assert len(re.findall(r"^## ", zh, re.M)) == len(re.findall(r"^## ", en, re.M))


@pytest.mark.parametrize("readme,lang", [("README.md", "en"), ("README.zh-CN.md", "zh")])
def test_the_readme_providers_table_links_each_guide(readme, lang):
    rows = _table_rows((ROOT / readme).read_text(encoding="utf-8"))
    for name in PACKS:
        link = f"]({LANGUAGES[lang]}/{name}.md)"
        assert any(row.startswith(f"| `{name}`") and link in row for row in rows), f"{readme}: no guide link for {name}"
