"""Packs that share rules: `extends:` (rules/_openai-compatible.yaml, rules/_native-sdk.yaml, a user's
pack over a built-in one), `drop:`, `- inherit: [...]`, `${pack.*}` placeholders, and the contracts
the schema holds a pack's plans and variables to."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List

import pytest

from migrator.ruleset import builtin_rules_dir, load_all, load_file, rule_files

RULES = builtin_rules_dir()
PROVIDER = """\
schema_version: 1
provider: {name: acme, title: Acme Cloud, docs: "https://acme.example", verified: "2026-01-01"}
vars:
  api_key_env: ACME_API_KEY
  base_url_env: ACME_BASE_URL
  base_url: https://api.acme.example/v1
"""
PLANS = """\
plans:
  compat: {title: openai SDK on Acme}
"""
ENV_RULE = """\
  - id: ${pack.name}/env-vars
    message: Read ${pack.title}'s key instead of OpenAI's
    match: {kind: env, variable: [OPENAI_API_KEY]}
    rewrite:
      - rename_env: {to: "${api_key_env}"}
    tests:
      valid:
        - |
          import os
          k = os.environ["MY_KEY"]
      invalid:
        - before: |
            import os
            k = os.environ["OPENAI_API_KEY"]
          after: |
            import os
            k = os.environ["${pack.api_key_env}"]
"""


def rule(name: str, variable: str = "X_KEY") -> str:
    return ENV_RULE.replace("${pack.name}/env-vars", "${pack.name}/" + name).replace("OPENAI_API_KEY", variable)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> List[str]:
    found: List[str] = []
    assert load_file(path, found) is None
    return found


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migrator", *args], capture_output=True, text=True, timeout=300)


# ------------------------------------------------------------------ the built-in packs


def test_every_built_in_pack_takes_the_shared_rules_under_its_own_name():
    packs = {pf.name: pf for pf in load_all()}
    assert len(packs) == 7 and not any(f.name.startswith("_") for f in rule_files())
    for name, pf in packs.items():
        ids = [r.id for r in pf.rules]
        assert f"{name}/legacy-config-read" in ids and len(ids) == len(set(ids))
        shared = next(r for r in pf.rules if r.id == f"{name}/legacy-config-read")
        assert Path(shared.source).name == "_openai-compatible.yaml"  # written once, where `rules show` points
        assert all(r.id.startswith(name + "/") for r in pf.rules)
    # a message naming the provider names the pack's own (${pack.title} filled when the pack is read)
    dynamic = {name: next(r for r in pf.rules if r.id == f"{name}/autogen02-dynamic") for name, pf in packs.items()}
    assert "give it the Moonshot (Kimi) model" in dynamic["moonshot"].ops[0].params["message"]
    assert "give it the DeepSeek model" in dynamic["deepseek"].ops[0].params["message"]
    # a pack's own rule of a shared name replaces the shared one (deepseek's test double, hunyuan's legacy-config)
    assert Path(next(r for r in packs["deepseek"].rules if r.id == "deepseek/test-double").source).name == "deepseek.yaml"
    assert Path(next(r for r in packs["hunyuan"].rules if r.id == "hunyuan/legacy-config").source).name == "hunyuan.yaml"
    # _native-sdk.yaml extends _openai-compatible.yaml: the native packs take both
    assert "zhipu/native-test-double" in [r.id for r in packs["zhipu"].rules]
    assert "deepseek/native-test-double" not in [r.id for r in packs["deepseek"].rules]


def test_the_shared_rules_stay_where_the_pack_places_them():
    # rules run in rule-file order on a site: `- inherit: [...]` keeps each shared rule at its place
    deepseek = {pf.name: pf for pf in load_all()}["deepseek"]
    ids = [r.id.split("/")[1] for r in deepseek.rules]
    assert ids[:2] == ["client-endpoint", "env-vars"]
    assert (
        ids.index("legacy-config") < ids.index("legacy-call-settings") < ids.index("test-double") < ids.index("legacy-exceptions")
    )


def test_a_built_in_pack_is_tested_on_its_own_with_the_shared_rules():
    done = cli("rules", "test", str(RULES / "moonshot.yaml"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    assert "moonshot/legacy-config-read::invalid[0]" not in done.stdout and " 0 failed" in done.stdout


def test_a_shared_rule_shows_its_chinese_and_where_it_is_written():
    done = cli("--lang", "zh", "rules", "show", "qianfan/legacy-config-read")
    assert done.returncode == 0, done.stderr
    assert "_openai-compatible.yaml:" in done.stdout and "方案" in done.stdout


# ------------------------------------------------------------------ a user's pack


def test_a_user_pack_extends_a_built_in_one(tmp_path):
    pack = write(tmp_path, "acme.yaml", PROVIDER + "extends: deepseek\ndrop: [model, test-double]\nrules:\n" + ENV_RULE)
    pf = next(pf for pf in load_all([str(tmp_path)]) if pf.name == "acme")
    deepseek = next(pf for pf in load_all() if pf.name == "deepseek")
    ids = [r.id for r in pf.rules]
    assert "acme/model" not in ids and "acme/test-double" not in ids and "acme/client-endpoint" in ids
    assert ids[-1] == "acme/env-vars"  # replaced where this pack writes it; the others keep deepseek's order
    assert ids[:-1] == [
        r.id.replace("deepseek/", "acme/")
        for r in deepseek.rules
        if r.id not in ("deepseek/model", "deepseek/test-double", "deepseek/env-vars")
    ]
    assert pf.rules[-1].message == "Read Acme Cloud's key instead of OpenAI's"
    assert pf.plans.keys() == deepseek.plans.keys() and pf.vars["api_key_env"] == "ACME_API_KEY"
    assert pf.models == deepseek.models
    # deepseek's own inline cases name deepseek's values: they run with deepseek, not here; the
    # shared file's run with acme's values
    here = [r for r in pf.rules if r.source == str(pack) or Path(r.source).name.startswith("_")]
    assert 2 < len(here) < len(pf.rules)
    done = cli("rules", "test", str(pack))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert f"{sum(len(r.valid) + len(r.invalid) for r in here)} passed, 0 failed" in done.stdout


def test_a_pack_places_inherited_rules_and_parent_rules_it_does_not_place_come_first(tmp_path):
    write(tmp_path, "_base.yaml", "schema_version: 1\nrules:\n" + rule("one") + rule("two") + rule("three"))
    write(tmp_path, "acme.yaml", PROVIDER + PLANS + "extends: base\nrules:\n" + rule("own") + "  - inherit: [one]\n")
    pf = next(pf for pf in load_all([str(tmp_path)]) if pf.name == "acme")
    assert [r.id for r in pf.rules] == ["acme/two", "acme/three", "acme/own", "acme/one"]
    assert pf.rules[0].valid[0]["before"].startswith("import os")


# ------------------------------------------------------------------ errors, each naming its file and line


@pytest.mark.parametrize(
    "text, line, needle",
    [
        (PROVIDER + PLANS + "extends: nowhere\nrules: []\n", 9, "extends: no rule file 'nowhere'"),
        (PROVIDER + PLANS + "extends: ../deepseek.yaml\nrules: []\n", 9, "is not a rule file's name"),
        (
            PROVIDER + PLANS + "extends: deepseek\ndrop: [no-such-rule]\nrules: []\n",
            10,
            "drop: 'no-such-rule' is not a rule this file inherits",
        ),
        (PROVIDER + PLANS + "extends: deepseek\nrules:\n  - inherit: [modle]\n", 11, "did you mean 'model'"),
        (PROVIDER + PLANS + "rules:\n  - inherit: [model]\n", 10, "this file extends none"),
        (
            PROVIDER + PLANS + "rules:\n" + ENV_RULE.replace("${pack.title}", "${pack.brand}"),
            11,
            "unknown placeholder '${pack.brand}'",
        ),
    ],
)
def test_a_broken_extends_is_a_problem_at_its_line(tmp_path, text, line, needle):
    found = problems(write(tmp_path, "acme.yaml", text))
    assert any(p.startswith(f"{tmp_path / 'acme.yaml'}:{line}: ") and needle in p for p in found), found


def test_a_cycle_is_a_problem_naming_the_files(tmp_path):
    write(tmp_path, "_a.yaml", "schema_version: 1\nextends: b\nrules: []\n")
    write(tmp_path, "_b.yaml", "schema_version: 1\nextends: a\nrules: []\n")
    pack = write(tmp_path, "acme.yaml", PROVIDER + PLANS + "extends: a\nrules: []\n")
    done = cli("rules", "validate", str(pack))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{tmp_path / '_b.yaml'}:2: extends: a cycle: " in done.stderr
    assert "_a.yaml -> " in done.stderr


def test_a_problem_in_an_extended_file_names_that_file_and_line(tmp_path):
    write(tmp_path, "_base.yaml", "schema_version: 1\nrules:\n" + rule("one").replace("rename_env", "renam_env"))
    pack = write(tmp_path, "acme.yaml", PROVIDER + PLANS + "extends: base\n")
    done = cli("rules", "validate", str(pack))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{tmp_path / '_base.yaml'}:7: " in done.stderr and "unknown operation 'renam_env'" in done.stderr


def test_a_shared_file_is_not_a_pack(tmp_path):
    shared = write(tmp_path, "_base.yaml", "schema_version: 1\nrules:\n" + rule("one"))
    assert [pf.name for pf in load_all([str(tmp_path)])] == sorted(pf.name for pf in load_all())  # a directory skips it
    assert "is not a pack" in problems(shared)[0]


@pytest.mark.parametrize(
    "old, new, line, needle",
    [
        ("  compat: {title", "  hybrid: {title", 8, "plans: unknown key 'hybrid'"),
        ("api_key_env: ACME_API_KEY", "api_key_env: acme key", 4, "vars.api_key_env must be an environment variable's name"),
        ("base_url: https://api.acme.example/v1", "base_url: api.acme.example/v1", 6, "vars.base_url must be an http(s) URL"),
        ("  base_url_env", "  Base-Env: x\n  base_url_env", 5, "variable name 'Base-Env' must be lower_snake_case"),
    ],
)
def test_the_contracts_python_reads_are_checked_at_their_line(tmp_path, old, new, line, needle):
    text = (PROVIDER + PLANS + "rules:\n" + ENV_RULE).replace(old, new, 1)
    pack = write(tmp_path, "acme.yaml", text)
    found = problems(pack)
    assert any(p.startswith(f"{pack}:{line}: ") and needle in p for p in found), found
    done = cli("rules", "validate", str(pack))
    assert done.returncode == 2 and needle in done.stderr and "Traceback" not in done.stderr


def test_a_problem_in_a_shared_file_is_reported_once(tmp_path):
    write(tmp_path, "_base.yaml", "schema_version: 1\nrules:\n  - id: ${pack.name}/x\n    message: m\n")
    packs = [write(tmp_path, f"{name}.yaml", PROVIDER.replace("acme", name) + PLANS + "extends: base\n") for name in ("aa", "bb")]
    done = cli("rules", "validate", *map(str, packs))
    assert done.returncode == 2 and done.stderr.count("missing required key 'match'") == 1, done.stderr
