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


def test_every_fixture_is_in_the_one_layout():
    """A case written in another layout (fixtures/<provider>/<plan>/<case>/, an expected file named for
    no provider and plan) would never run: every file of fixtures/cases is input.py or
    <provider>.<plan>.py/.yaml of a known provider and plan."""
    stray = [str(p) for p in ROOT.glob("*/*/*/input.py") if p.parts[-4] not in ("cases", "programs", "projects")]
    plans = {(pf.name, plan) for pf in PROVIDERS for plan in pf.plans}
    for path in (ROOT / "cases").glob("*/*"):
        parts = path.name.split(".")
        if path.name != "input.py" and not (len(parts) == 3 and parts[2] in ("py", "yaml") and tuple(parts[:2]) in plans):
            stray.append(str(path))
    assert not stray
