"""Run rule tests: the inline ``valid``/``invalid`` cases of rule files and the
``fixtures/cases/<case>/`` before/after pairs.  Shared by the test
suite and ``migrator rules test``."""

from __future__ import annotations

import ast
import difflib
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

import yaml

from migrator.engine import migrate_source
from migrator.ruleset import ProviderFile, Rule, select


@dataclass(frozen=True)
class CaseResult:
    id: str
    ok: bool
    verdict: str  # OK | NOISY (valid case changed) | MISSING (nothing happened) | WRONG (changed differently) | ERROR
    detail: str = ""


def _dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _diff(expected: str, actual: str) -> str:
    return "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "expected", "actual"))


def inline_cases(pf: ProviderFile, rule: Rule) -> Iterator[tuple]:
    """A rule's inline cases, as run for ``pf``: a rule it inherits from another provider's pack
    keeps that pack's cases (written with that pack's values), run with that pack, not here; a
    shared file's cases (``${pack.*}`` filled with ``pf``'s values) run for every pack."""
    if rule.source != pf.path and not Path(rule.source).name.startswith("_"):
        return
    for index, case in enumerate(rule.valid):
        yield f"{rule.id}::valid[{index}]", case, True
    for index, case in enumerate(rule.invalid):
        yield f"{rule.id}::invalid[{index}]", case, False


def run_inline_case(pf: ProviderFile, rule: Rule, case_id: str, case: dict, valid: bool) -> CaseResult:
    plan = case.get("plan") or rule.plans[0]
    ruleset = select([pf], pf.name, plan, only=[rule.id], region=case.get("region"))
    ruleset.self_check = False  # one rule's edit alone; whole-plan coherence is the fixtures' job
    before = _dedent(case["before"])
    result = migrate_source(before, "case.py", ruleset)
    if result.error:
        return CaseResult(case_id, False, "ERROR", result.error)
    messages = [d.message for d in result.diagnostics]
    if valid:
        if result.output != before:
            return CaseResult(case_id, False, "NOISY", "valid code was changed:\n" + _diff(before, result.output))
        if any(d.severity == "manual" for d in result.diagnostics):
            return CaseResult(case_id, False, "NOISY", f"valid code was reported: {messages}")
        return CaseResult(case_id, True, "OK")
    return _check_invalid(case_id, case, before, result.output, messages)


def _check_invalid(case_id: str, case: dict, before: str, output: str, messages: List[str]) -> CaseResult:
    expected_diags = case.get("diagnostics", [])
    missing = [d for d in expected_diags if not any(d in m for m in messages)]
    if missing:
        return CaseResult(case_id, False, "MISSING", f"expected diagnostics {missing}, got {messages}")
    if "after" in case:
        after = _dedent(case["after"])
        try:
            ast.parse(after)
        except SyntaxError as exc:
            return CaseResult(case_id, False, "ERROR", f"'after' is not valid Python: {exc}")
        if output == before and after != before:
            return CaseResult(case_id, False, "MISSING", "nothing was rewritten")
        if output != after:
            return CaseResult(case_id, False, "WRONG", _diff(after, output))
    elif not messages:
        return CaseResult(case_id, False, "MISSING", "no change and no diagnostic")
    return CaseResult(case_id, True, "OK")


# ------------------------------------------------------------------ fixtures


@dataclass(frozen=True)
class FixtureCase:
    """One (input, provider, plan) of ``fixtures/cases/<name>[@variant]/``: the folder's one
    ``input.py``, the expected output ``<provider>.<plan>.py`` (absent: the input stays unchanged)
    and its options and diagnostics ``<provider>.<plan>.yaml`` (optional)."""

    provider: str
    plan: str
    name: str
    dir: Path

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.plan}/{self.name}"

    @property
    def input(self) -> Path:
        return self.dir / "input.py"

    @property
    def expected(self) -> Path:
        return self.dir / f"{self.provider}.{self.plan}.py"

    @property
    def meta(self) -> Path:
        return self.dir / f"{self.provider}.{self.plan}.yaml"


def fixture_cases(root: Path) -> List[FixtureCase]:
    """Every case under ``root/cases``: a folder holds one input and, for each provider and plan it
    runs under, ``<provider>.<plan>.py`` and/or ``<provider>.<plan>.yaml``.  A folder's name is the
    case's name, with ``@<variant>`` after it where one case needs another input for some packs."""
    out = set()
    for input_file in sorted((root / "cases").glob("*/input.py")):
        case_dir = input_file.parent
        for path in case_dir.iterdir():
            parts = path.name.split(".")
            if len(parts) == 3 and parts[2] in ("py", "yaml") and path.name != "input.py":
                out.add(FixtureCase(parts[0], parts[1], case_dir.name.split("@")[0], case_dir))
    return sorted(out, key=lambda case: (case.provider, case.plan, case.name))


def fixture_case(root: Path, provider: str, plan: str, name: str) -> FixtureCase:
    """The case ``name`` as it runs for ``provider`` and ``plan`` (whichever variant's input it takes)."""
    for case in fixture_cases(root):
        if (case.provider, case.plan, case.name) == (provider, plan, name):
            return case
    raise LookupError(f"no fixture {provider}/{plan}/{name} under {root / 'cases'}")


def run_fixture(pfs: Sequence[ProviderFile], case: FixtureCase) -> CaseResult:
    meta: Dict[str, Any] = {}
    meta_file = case.meta
    if meta_file.exists():
        meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}
    ruleset = select(
        pfs,
        case.provider,
        case.plan,
        only=meta.get("only", []),
        skip=meta.get("skip", []),
        region=meta.get("region"),
        models=meta.get("models"),
        options=meta.get("options", []),
    )
    source = case.input.read_text(encoding="utf-8")
    expected_file = case.expected
    expected = expected_file.read_text(encoding="utf-8") if expected_file.exists() else source
    result = migrate_source(source, "input.py", ruleset)
    if result.error:
        return CaseResult(case.id, False, "ERROR", result.error)
    if result.output != expected:
        return CaseResult(case.id, False, "WRONG", _diff(expected, result.output))
    try:
        ast.parse(expected)
    except SyntaxError as exc:
        return CaseResult(case.id, False, "ERROR", f"{case.expected.name} does not parse: {exc}")
    again = migrate_source(expected, "input.py", ruleset)
    if again.output != expected:
        return CaseResult(case.id, False, "WRONG", "not stable on a second run:\n" + _diff(expected, again.output))
    return _check_fixture_diagnostics(case, meta, [f"{d.rule}: {d.message}" for d in result.diagnostics])


def _check_fixture_diagnostics(case: FixtureCase, meta: dict, got: List[str]) -> CaseResult:
    expected = meta.get("diagnostics")
    if expected is None:
        return CaseResult(case.id, True, "OK")
    missing = [d for d in expected if not any(d in g for g in got)]
    if missing:
        return CaseResult(case.id, False, "MISSING", f"expected diagnostics {missing}; got {got}")
    return CaseResult(case.id, True, "OK")


def run_all_inline(pfs: Sequence[ProviderFile], rule_ids: Optional[Sequence[str]] = None) -> List[CaseResult]:
    out = []
    for pf in pfs:
        for rule in pf.rules:
            if rule_ids and rule.id not in rule_ids and pf.name not in rule_ids:
                continue
            for case_id, case, valid in inline_cases(pf, rule):
                out.append(run_inline_case(pf, rule, case_id, case, valid))
    return out
