"""Models given as values (issue 15, "Reach"): a model read from a field of an Enum member's value
(gpt-json 0.5.1: ``GPTModelVersion.GPT_4 = ModelVersionParams(api_name="gpt-4-0613", ...)``, then
``model=self.model.api_name``) or from a dict of models by any key (``MODELS[kind]``,
``self.models["fast"]``) is mapped where it is written -- every member's, every value of the dict --
when every read of it reaches a ``model=`` argument; otherwise it is reported at the call.  The
migrated programs run with the real openai SDK against the provider's fake."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_model_values import migrate, requests_of

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "cases"
ENUM = (CASES / "model-enum-field" / "input.py").read_text(encoding="utf-8") + (
    '\n\nprint(GPTJSON().run("hi"), GPTJSON(model=GPTModelVersion.GPT_4_O).run("again"))\n'
)
# (its last function reads a dict for something else too: reported)
DICTS = (CASES / "model-dict-keyed" / "input.py").read_text(encoding="utf-8").split("\n\n\n# read for")[0] + (
    '\n\n\nprint(quick("a").model, ask("b").model, Bot().ask("c", "smart").model, Bot().ask_small("d").model, ask_tier("e", "fast").model)\n'
)


def test_every_enum_member_s_model_is_mapped_where_it_is_written(tmp_path: Path):
    result = migrate(ENUM)
    out = result.output
    assert 'api_name="qwen-max"' in out and 'ModelVersionParams("qwen-plus", 128000)' in out, out
    assert "model=self.model.api_name" in out and "gpt-4" not in out.replace("GPT_4", "")
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    assert migrate(out).output == out
    assert [r.json["model"] for r in requests_of(out, tmp_path)] == ["qwen-max", "qwen-plus"]


def test_every_value_of_a_dict_of_models_is_mapped_where_it_is_written(tmp_path: Path):
    result = migrate(DICTS)
    out = result.output
    for after in (
        'MODELS = {"fast": "qwen-flash", "smart": "qwen-plus"}',
        'TIERS = {"fast": "qwen-flash", "smart": "qwen-plus"}',
        'self.engines = {"big": "qwen-max", "small": "qwen-flash"}',
    ):
        assert after in out, out
    assert not [d for d in result.diagnostics if d.severity == "manual"], result.diagnostics
    assert migrate(out).output == out
    assert [r.json["model"] for r in requests_of(out, tmp_path)] == [
        "qwen-flash",
        "qwen-plus",
        "qwen-plus",
        "qwen-flash",
        "qwen-flash",
    ]


@pytest.mark.parametrize(
    "source,where",
    [
        # the field is read for something else too (gpt-json warns with it)
        (ENUM.replace("        response =", '        print("using", self.model.api_name)\n        response ='), "api_name"),
        # a caller passes something that is not a member
        (ENUM.replace("GPTJSON(model=GPTModelVersion.GPT_4_O)", 'GPTJSON(model=ModelVersionParams("gpt-4", 1))'), "api_name"),
        # two members told apart by their models alone: mapped to one model they would be one value
        # (an alias of each other; a ValueError under @unique)
        (
            ENUM.replace(
                'GPT_4_O = ModelVersionParams("gpt-4o", 128000)',
                'GPT_4_O = ModelVersionParams("gpt-4o", 128000)\n    GPT_4_O_MINI = ModelVersionParams(api_name="gpt-4o-mini", max_length=128_000)',
            ),
            "api_name",
        ),
        # a member made some other way
        (ENUM.replace("replace(GPT_4_0613, max_length=8000)", "make()"), "api_name"),
        # the attribute is not a member's value on every path
        (ENUM.replace("model.value if isinstance(model, GPTModelVersion) else model", "pick(model)"), "api_name"),
        # the dict is read another way, written to, or read for something else
        (DICTS.replace('model=MODELS["fast"]', 'model=MODELS.get("fast")'), "MODELS"),
        (DICTS.replace("\n\ndef quick", '\nMODELS["fast"] = "gpt-4"\n\n\ndef quick'), "MODELS"),
        (
            DICTS.replace("    def ask_small", '    def show(self):\n        return list(self.engines)\n\n    def ask_small'),
            "engines",
        ),
    ],
)
def test_a_value_read_elsewhere_is_reported_at_the_call(source, where):
    assert "model comes from" not in str(migrate(ENUM if where == "api_name" else DICTS).diagnostics)  # (mapped as written)
    result = migrate(source)
    manual = [d.message for d in result.diagnostics if d.severity == "manual" and where in d.message]
    assert manual, result.diagnostics
    assert "model comes from" in manual[0]


def test_scan_counts_a_call_whose_model_has_no_provider_model_where_it_is_written_for_a_person(tmp_path: Path):
    """Ark maps no model by default: apply leaves each literal of the dict / Enum for a person (and
    the calls send OpenAI's), so scan's readiness counts those calls as needing a person, not as
    automatic; with DeepSeek every literal is mapped and the calls are automatic."""
    from migrator.apply import migrate_tree
    from migrator.config import load_config
    from migrator.readiness import readiness_matrix
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions, scan_paths

    (tmp_path / "enums.py").write_text(ENUM)
    (tmp_path / "dicts.py").write_text(DICTS)
    result = scan_paths(str(tmp_path), ScanOptions(use_cache=False, jobs=1))
    for provider, manual in (("ark", 6), ("deepseek", 0)):
        row = readiness_matrix(result, root=str(tmp_path), config=load_config(str(tmp_path)), provider=provider)[0]
        assert (row["plan"], row["manual"], row["automatic"] + row["with_diagnostics"]) == ("compat", manual, 6 - manual), row
        applied = migrate_tree(str(tmp_path), select(load_all(), provider, "compat"), ScanOptions(jobs=1, use_cache=False))
        assert bool(applied.manual) == bool(manual), applied.manual
