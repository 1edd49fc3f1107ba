"""Every rule's inline valid/invalid cases, collected automatically from rules/*.yaml."""

from __future__ import annotations

import pytest

from migrator.ruleset import load_all
from migrator.testing import inline_cases, run_inline_case

PROVIDERS = load_all()
CASES = [
    pytest.param(pf, rule, case, valid, id=case_id)
    for pf in PROVIDERS
    for rule in pf.rules
    for case_id, case, valid in inline_cases(pf, rule)
]


@pytest.mark.parametrize("pf, rule, case, valid", CASES)
def test_inline_case(pf, rule, case, valid):
    case_id = f"{rule.id}::{'valid' if valid else 'invalid'}"
    result = run_inline_case(pf, rule, case_id, case, valid)
    assert result.ok, f"{result.verdict}: {result.detail}"
