"""apply and check agree: code that `apply` migrated without leaving a site for a
person passes `check` under the plan's policy (native -> strict, compat -> compat)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.check import check_bytes, load_policy
from migrator.config import Config
from migrator.engine import migrate_source
from migrator.ruleset import load_all, select
from migrator.testing import fixture_cases

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = load_all()
CASES = fixture_cases(ROOT / "fixtures")
POLICIES = {}


def _policy(name: str):
    if name not in POLICIES:
        POLICIES[name] = load_policy(Config(), name)
    return POLICIES[name]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_migrated_fixture_passes_check(case):
    ruleset = select(PROVIDERS, case.provider, case.plan)
    source = case.input.read_text(encoding="utf-8")
    result = migrate_source(source, "input.py", ruleset)
    assert result.error is None
    if not result.changed or any(d.severity == "manual" for d in result.diagnostics):
        pytest.skip("apply left a site for a person (or changed nothing); check may rightly fail")
    policy = result.check_policy(ruleset)  # a hybrid (native plan, a unit on compat) keeps the openai SDK
    checked = check_bytes("input.py", result.output.encode("utf-8"), _policy(policy))
    problems = [f"{f.rule} {f.line}:{f.column} {f.message}" for f in checked.findings]
    assert not problems, f"{policy} check fails on apply's output:\n" + "\n".join(problems)


def test_default_options_agree_after_apply(tmp_path):
    """apply records the plan's check policy; check with default options reads it."""
    from migrator.apply import record_config
    from migrator.config import load_config

    ruleset = select(PROVIDERS, "dashscope", "compat")
    change = record_config(str(tmp_path), ruleset, [])
    assert change is not None
    (tmp_path / change.path).write_bytes(change.new)
    cfg = load_config(str(tmp_path))
    assert cfg.provider == "dashscope" and cfg.plan == "compat" and cfg.check.policy == "compat"
    policy = load_policy(cfg)
    source = "import os\nfrom openai import OpenAI\nclient = OpenAI(api_key=os.environ['OPENAI_API_KEY'])\n"
    migrated = migrate_source(source, "app.py", ruleset)
    assert migrated.changed
    assert check_bytes("app.py", source.encode(), policy).findings  # the original fails
    assert not check_bytes("app.py", migrated.output.encode(), policy).findings
