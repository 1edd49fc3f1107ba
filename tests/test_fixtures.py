"""fixtures/cases/<case>[@variant]/: input.py -> <provider>.<plan>.py (absent = unchanged), stable on rerun;
one test per (input, provider, plan)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.ruleset import load_all
from migrator.testing import fixture_cases, run_fixture

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
PROVIDERS = load_all()
CASES = fixture_cases(ROOT)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture(case):
    result = run_fixture(PROVIDERS, case)
    assert result.ok, f"{result.verdict}: {result.detail}"
