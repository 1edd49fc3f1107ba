"""Tests about the rule packs and the tooling around them, not about behaviour:
every rule tested, ids unique, every operation documented and tested, the
schema and docs/rules.md in step with the code."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

from migrator.engine.ops import OPS
from migrator.ruleset import load_all

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = load_all()
SCHEMA = json.loads((ROOT / "migrator" / "rules.schema.json").read_text(encoding="utf-8"))


def _document_rules():
    spec = importlib.util.spec_from_file_location("document_rules", ROOT / "scripts" / "document_rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


DOC = _document_rules()
FIX = "run: python scripts/document_rules.py"


@pytest.mark.parametrize("rule", [r for pf in PROVIDERS for r in pf.rules], ids=lambda r: r.id)
def test_every_rule_has_valid_and_invalid_cases(rule):
    assert rule.valid and rule.invalid


def test_rule_ids_unique_across_files_and_prefixed_with_provider():
    seen = {}
    for pf in PROVIDERS:
        for rule in pf.rules:
            assert rule.id.startswith(pf.name + "/"), rule.id
            assert rule.id not in seen, f"{rule.id} in {pf.path} and {seen[rule.id]}"
            seen[rule.id] = pf.path


@pytest.mark.parametrize("pf", PROVIDERS, ids=lambda pf: pf.name)
def test_provider_with_fixtures_has_a_plan_dir_per_offered_plan(pf):
    from migrator.testing import fixture_cases

    plans = {case.plan for case in fixture_cases(ROOT / "fixtures") if case.provider == pf.name}
    if not plans:  # fixtures of new packs are written separately; check those that exist
        pytest.skip(f"no fixtures/cases/*/{pf.name}.* yet")
    assert plans <= set(pf.plans), f"fixtures for undeclared plans: {sorted(plans - set(pf.plans))}"


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_operation_is_documented_and_tested(name):
    op = OPS[name]
    assert op.name == name
    assert (op.__doc__ or "").strip(), f"{op.__name__} needs a docstring: it is the user documentation"
    assert (ROOT / "tests" / "ops" / f"test_{name}.py").is_file(), f"write tests/ops/test_{name}.py"


def test_the_engine_implements_exactly_the_operations_rule_files_may_name():
    # the loader checks an operation against the rules room's table (migrator.operations), never the
    # engine: an operation it accepts that the engine lacks, or the other way round, is a split house
    from migrator.operations import SCHEMAS

    assert list(OPS) == list(SCHEMAS)
    for name, op in OPS.items():
        assert (op.PARAMS, op.CHOICES) == (SCHEMAS[name].params, SCHEMAS[name].choices), name


def test_schema_lists_exactly_the_operations_and_their_parameters():
    defs = SCHEMA["$defs"]
    assert sorted(defs["operation"]["propertyNames"]["enum"]) == sorted(OPS), FIX
    for name, op in OPS.items():
        schema = defs[f"op_{name}"]
        assert set(schema["properties"]) == set(op.PARAMS), f"{name}: {FIX}"
        required = {k for k, (_, req) in op.PARAMS.items() if req}
        assert set(schema.get("required", [])) == required, f"{name}: {FIX}"


def test_schema_file_equals_a_fresh_render():
    assert (ROOT / "migrator" / "rules.schema.json").read_text(encoding="utf-8") == DOC.render_schema(), FIX


def test_schema_is_valid_and_shipped_inside_the_package():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    # the wheel packs the whole migrator/ directory (pyproject: packages = ["migrator"])
    assert (ROOT / "migrator" / "rules.schema.json").parent == ROOT / "migrator"


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_rule_file_matches_schema(path):
    jsonschema = pytest.importorskip("jsonschema")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


def test_rule_files_point_editors_at_the_schema():
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../migrator/rules.schema.json", path.name


def test_docs_rules_md_is_up_to_date():
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == DOC.render_markdown(DOC.builtin_providers()), FIX


def test_docs_zh_cn_rules_md_is_up_to_date():
    """The Chinese reference is rendered from the same rule files, with the catalogue's Chinese."""
    committed = (ROOT / "docs" / "zh-CN" / "rules.md").read_text(encoding="utf-8")
    assert committed == DOC.render_markdown(DOC.builtin_providers(), "zh"), FIX
    # every rule's message is shown in Chinese (the catalogue holds them all: i18n_catalog --check)
    for pf in DOC.builtin_providers():
        for rule in pf.rules:
            assert DOC._shown(rule.message, "zh") != rule.message, rule.id
    assert "只有英文版" not in committed  # the notes, summaries and operations' docs are Chinese too (#17)


def test_docs_zh_cn_rules_md_gives_notes_summaries_and_operations_in_chinese():
    """Every rule note, provider and plan summary and operation docstring the page prints has its
    Chinese in the catalogue (scripts/i18n_catalog.py extracts them); a text the catalogue does not
    hold (a pack of the user's) is printed as written."""
    import inspect

    from migrator.engine.ops import OPS

    texts = []
    for pf in DOC.builtin_providers():
        texts += [pf.summary] + [plan.summary for plan in pf.plans.values()] + [rule.note for rule in pf.rules]
    texts += [inspect.cleandoc(op.__doc__ or "") for op in OPS.values()]
    texts = [t.strip() for t in texts if t and t.strip()]
    assert len(texts) > 150
    untranslated = [t for t in texts if not re.search("[\u4e00-\u9fff]", DOC._shown(t, "zh"))]
    assert not untranslated, untranslated[:3]
    committed = (ROOT / "docs" / "zh-CN" / "rules.md").read_text(encoding="utf-8")
    assert all(DOC._shown(t, "zh") in committed for t in texts)
    assert DOC._shown("A note of my own, with ${base_url}.", "zh") == "A note of my own, with ${base_url}."


def test_docs_render_is_deterministic():
    assert DOC.render_markdown(DOC.builtin_providers()) == DOC.render_markdown(DOC.builtin_providers())
    assert DOC.render_schema() == DOC.render_schema()


def test_the_fast_part_of_the_suite_names_files_that_exist():
    from tests.conftest import FAST

    missing = sorted(name for name in FAST if not (ROOT / "tests" / name).is_file())
    assert not missing, f"tests/conftest.py FAST names files that do not exist: {missing}"
