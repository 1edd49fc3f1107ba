"""The rule-file loader: every problem in one pass as ``path:line: what``, safe
YAML only, and the CLI around it (``rules validate`` / ``rules test``)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional

import pytest

from migrator.errors import UsageError
from migrator.ruleset import MAX_RULE_FILE_BYTES, load_all, load_file, select

GOOD = """\
schema_version: 1
provider:
  name: acme
  title: Acme
  docs: https://acme.example/docs
  verified: "2026-01-01"
vars:
  base_url: https://api.acme.example/v1
models:
  gpt-4o: acme-chat
plans:
  compat:
    title: openai SDK on Acme
    cleanup_imports: []
  native:
    title: none
    refuse: Acme has no SDK of its own (use --plan compat)
rules:
  - id: acme/model
    message: Map models
    match: {kind: call, api: chat.completions.create}
    rewrite:
      - map_model: {}
    tests:
      valid:
        - |
          x = 1
      invalid:
        - before: |
            from openai import OpenAI
            OpenAI().chat.completions.create(model="gpt-4o")
          after: |
            from openai import OpenAI
            OpenAI().chat.completions.create(model="acme-chat")
"""


def load(tmp_path: Path, text, name: str = "acme.yaml"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    problems: List[str] = []
    return load_file(path, problems), problems, str(path)


def problems_for(tmp_path: Path, text) -> List[str]:
    pf, problems, path = load(tmp_path, text)
    assert pf is None and problems, "expected the file to be refused"
    for problem in problems:
        assert re.match(rf"^{re.escape(path)}:\d+: \S", problem), problem
    return [p[len(path) + 1 :] for p in problems]  # "line: what"


def one(tmp_path: Path, text, line: Optional[int], *needles: str) -> str:
    found = problems_for(tmp_path, text)
    matching = [p for p in found if all(n in p for n in needles)]
    assert matching, f"no problem with {needles}; got {found}"
    if line is not None:
        assert matching[0].startswith(f"{line}: "), matching[0]
    return matching[0]


def test_good_file_loads(tmp_path):
    pf, problems, _ = load(tmp_path, GOOD)
    assert problems == [] and pf is not None
    assert [r.id for r in pf.rules] == ["acme/model"] and pf.rules[0].plans == ("compat", "native")


# ------------------------------------------------------------------ structure


def test_unknown_key_with_did_you_mean(tmp_path):
    one(
        tmp_path,
        GOOD.replace("    message: Map models", "    mesage: Map models"),
        20,
        "unknown key 'mesage'",
        "did you mean 'message'",
    )


def test_unknown_top_key(tmp_path):
    one(tmp_path, GOOD.replace("vars:", "varz:"), 7, "unknown key 'varz'", "did you mean 'vars'")


def test_unknown_operation_with_did_you_mean(tmp_path):
    one(
        tmp_path,
        GOOD.replace("      - map_model: {}", "      - map_modle: {}"),
        23,
        "unknown operation 'map_modle'",
        "did you mean 'map_model'",
    )


def test_unknown_operation_parameter(tmp_path):
    one(tmp_path, GOOD.replace("map_model: {}", "map_model: {nmae: model}"), 23, "unknown parameter 'nmae'")


def test_unknown_match_kind(tmp_path):
    one(tmp_path, GOOD.replace("kind: call,", "kind: cal,"), 21, "match.kind must be one of", "did you mean 'call'")


def test_wrong_types(tmp_path):
    text = GOOD.replace("    message: Map models", "    message: [a, b]")
    text = text.replace("    rewrite:\n      - map_model: {}\n", "    rewrite: map_model\n")
    text = text.replace("api: chat.completions.create", "api: {x: 1}")
    found = problems_for(tmp_path, text)
    assert any("message must be a string" in p for p in found), found
    assert any("rewrite must be a list" in p for p in found), found
    assert any("match.api must be a string or a list of strings" in p for p in found), found


def test_every_problem_is_reported_in_one_pass(tmp_path):
    text = GOOD.replace("vars:", "varz:").replace("map_model: {}", "map_modle: {}").replace("id: acme/model", "id: acme/Model")
    found = problems_for(tmp_path, text)
    assert len(found) >= 3, found
    assert [int(p.split(":")[0]) for p in found] == sorted(int(p.split(":")[0]) for p in found)


def test_duplicate_rule_ids(tmp_path):
    rule = GOOD[GOOD.index("  - id: acme/model") :]
    found = one(tmp_path, GOOD + rule, 35, "duplicate rule id 'acme/model'")
    assert "first at line 19" in found


def test_duplicate_yaml_keys(tmp_path):
    one(
        tmp_path, GOOD.replace("  gpt-4o: acme-chat\n", "  gpt-4o: acme-chat\n  gpt-4o: acme-pro\n"), 11, "duplicate key 'gpt-4o'"
    )


@pytest.mark.parametrize("word", ["yes", "on", "no", "off"])
def test_yaml_1_1_booleans_where_strings_are_meant(tmp_path, word):
    one(tmp_path, GOOD.replace("  gpt-4o: acme-chat", f"  gpt-4o: {word}"), 10, f"'{word}' is read as a boolean")


def test_yaml_1_1_boolean_in_a_match_filter(tmp_path):
    one(tmp_path, GOOD.replace("api: chat.completions.create", "api: on"), 21, "'on' is read as a boolean")


def test_quoted_yes_is_a_string(tmp_path):
    pf, problems, _ = load(tmp_path, GOOD.replace("  gpt-4o: acme-chat", '  gpt-4o: "yes"'))
    assert problems == [] and pf.models["gpt-4o"] == "yes"


def test_unquoted_date_is_refused(tmp_path):
    one(tmp_path, GOOD.replace('verified: "2026-01-01"', "verified: 2026-01"), 6, "verified")


# ------------------------------------------------------------------ YAML safety


def test_tab_indentation(tmp_path):
    one(tmp_path, GOOD.replace("  title: Acme", "\ttitle: Acme"), 4, "tab used for indentation")


def test_tab_inside_the_first_line_does_not_crash(tmp_path):
    # a tab after "key:" is separation space to libyaml, an error to PyYAML's pure-Python
    # scanner: either way the loader answers (never a StopIteration) and names the line
    pf, found, _ = load(tmp_path, "schema_version:\t1\n" + GOOD.split("\n", 1)[1])
    assert (pf is not None and not found) or (pf is None and found and all(":1:" in p for p in found))


def test_tab_inside_a_test_case_is_fine(tmp_path):
    text = GOOD.replace("          x = 1\n", "          def f():\n          \treturn 1\n")
    pf, problems, _ = load(tmp_path, text)
    assert problems == []


def test_anchors_and_aliases_are_refused(tmp_path):
    text = GOOD.replace("  gpt-4o: acme-chat", "  gpt-4o: &m acme-chat\n  gpt-4: *m")
    one(tmp_path, text, 10, "anchors and aliases are not allowed")


def test_billion_laughs_is_refused_fast_without_expansion(tmp_path):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    start = time.perf_counter()
    found = problems_for(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 1.0
    assert found == ["1: anchors and aliases are not allowed in rule files"]


def test_huge_file_is_refused_before_parsing(tmp_path):
    found = problems_for(tmp_path, GOOD + "#" * (MAX_RULE_FILE_BYTES + 1) + "\n")
    assert found == ["1: rule file larger than 1024 KiB"]


def test_empty_file(tmp_path):
    assert problems_for(tmp_path, "  \n\n") == ["1: empty rule file"]


def test_invalid_yaml(tmp_path):
    one(tmp_path, GOOD.replace("  title: Acme", "  title: [Acme"), None, "invalid YAML")


def test_non_utf8_bytes(tmp_path):
    assert problems_for(tmp_path, GOOD.encode("utf-8") + b"# \xff\xfe\n") == ["1: not UTF-8 text"]


def test_python_tags_are_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = GOOD.replace("  title: Acme", f"  title: !!python/object/apply:os.system ['touch {marker}']")
    one(tmp_path, text, 4, "provider.title must be a string")
    assert not marker.exists()


def test_multiple_documents(tmp_path):
    one(tmp_path, GOOD + "---\nx: 1\n", None, "invalid YAML")


def test_top_level_must_be_a_mapping(tmp_path):
    one(tmp_path, "- a\n- b\n", 1, "rule file must be a mapping")


# ------------------------------------------------------------------ content


def test_bad_model_map_entries(tmp_path):
    text = GOOD.replace("  gpt-4o: acme-chat", '  gpt-4o: ""\n  gpt-4: 4\n  o1: [a]')
    found = problems_for(tmp_path, text)
    assert any(p.startswith("10: ") and "maps to an empty model name" in p for p in found), found
    assert any(p.startswith("11: ") and "models.gpt-4 must be a string (quote '4')" in p for p in found), found
    assert any(p.startswith("12: ") and "models.o1 must be a string" in p for p in found), found


def test_rule_without_tests(tmp_path):
    text = GOOD[: GOOD.index("    tests:")]
    one(tmp_path, text, 19, "missing required key 'tests'")


def test_rule_without_an_invalid_case(tmp_path):
    text = GOOD[: GOOD.index("      invalid:")]
    one(tmp_path, text, 25, "tests need at least one 'valid' and one 'invalid' case")


@pytest.mark.parametrize(
    "rid, needle",
    [
        ("acme/Model", "id must look like 'provider/kebab-name'"),
        ("acme_model", "id must look like 'provider/kebab-name'"),
        ("other/model", "id must start with 'acme/'"),
    ],
)
def test_bad_id_format(tmp_path, rid, needle):
    one(tmp_path, GOOD.replace("id: acme/model", f"id: {rid}"), 19, needle)


def test_plan_referenced_but_not_declared(tmp_path):
    one(
        tmp_path,
        GOOD.replace("    message: Map models", "    message: Map models\n    plans: [compat, nativ]"),
        21,
        "plan 'nativ' is not declared",
    )


def test_undeclared_plan_name(tmp_path):
    one(tmp_path, GOOD.replace("  native:\n", "  natve:\n"), 15, "unknown key 'natve'", "did you mean 'native'")


def test_provider_name_must_match_the_file(tmp_path):
    pf, problems, path = load(tmp_path, GOOD, name="other.yaml")
    assert pf is None and any("provider.name 'acme' must equal the file name 'other'" in p for p in problems)


def test_bad_value_expression(tmp_path):
    text = GOOD.replace("map_model: {}", "set_kwarg: {name: x, value: {expr: 'a +'}}")
    one(tmp_path, text, 23, "expr is not a Python expression")


# ------------------------------------------------------------------ select


@pytest.fixture
def acme(tmp_path):
    pf, problems, _ = load(tmp_path, GOOD)
    assert not problems
    return pf


def test_refused_plan_gives_the_reason(acme):
    with pytest.raises(UsageError, match=r"does not offer a 'native' plan: Acme has no SDK of its own \(use --plan"):
        select([acme], "acme", "native")


def test_unknown_provider_with_did_you_mean(acme):
    with pytest.raises(UsageError, match=r"unknown provider 'acmee' \(did you mean 'acme'\?\); known providers: acme"):
        select([acme], "acmee", None)


def test_unknown_rule_id_with_did_you_mean(acme):
    with pytest.raises(UsageError, match=r"did you mean 'acme/model'"):
        select([acme], "acme", "compat", only=["acme/modle"])


def test_default_plan_is_compat(acme):
    assert select([acme], "acme", None).plan.name == "compat"


def test_shipped_rule_files_load():
    assert load_all()


# ------------------------------------------------------------------ CLI


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=_env()
    )


def _env():
    import os

    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"
    return env


def test_cli_validate_prints_every_problem_and_exits_2(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(GOOD.replace("vars:", "varz:").replace("map_model: {}", "map_modle: {}"), encoding="utf-8")
    proc = cli("rules", "validate", str(path), cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert any(l.startswith(f"{path}:7: ") and "unknown key 'varz'" in l for l in lines), lines
    assert any(l.startswith(f"{path}:23: ") and "unknown operation 'map_modle'" in l for l in lines), lines


def test_cli_validate_good_file_exits_0(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(GOOD, encoding="utf-8")
    proc = cli("rules", "validate", str(path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_cli_test_shows_the_diff_of_a_failing_case_and_exits_1(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(GOOD.replace('model="acme-chat")\n', 'model="acme-pro")\n'), encoding="utf-8")
    proc = cli("rules", "test", "acme", "--rules", str(path), cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "WRONG acme/model::invalid[0]" in proc.stdout
    assert '-OpenAI().chat.completions.create(model="acme-pro")' in proc.stdout
    assert '+OpenAI().chat.completions.create(model="acme-chat")' in proc.stdout
    assert "1 passed, 1 failed" in proc.stdout


def test_cli_test_passing_exits_0(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(GOOD, encoding="utf-8")
    proc = cli("rules", "test", "acme", "--rules", str(path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
