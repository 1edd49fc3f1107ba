"""CodemodTest-style helpers for one operation at a time: a tiny in-memory rule
set (provider ``acme``) with one rule, run through the real analyzer and engine."""

from __future__ import annotations

import textwrap
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple, Union

import pytest

from migrator.engine import migrate_source
from migrator.engine.model import FileResult
from migrator.engine.ops import OPS
from migrator.ruleset import Op, Plan, ProviderFile, Rule, RuleSet

OpSpec = Tuple[str, Dict[str, Any]]
MODELS = {"gpt-4o": "acme-chat", "gpt-4o-*": "acme-chat", "gpt-4.1": "acme-pro"}


def make_ruleset(
    match: Dict[str, Any],
    ops: Union[OpSpec, Sequence[OpSpec]],
    *,
    models: Optional[Dict[str, str]] = None,
    cleanup: Iterable[str] = (),
    todo_comments: bool = True,
    rule_id: str = "acme/rule",
) -> RuleSet:
    specs = [ops] if isinstance(ops, tuple) else list(ops)
    for name, params in specs:
        assert not OPS[name].validate(params), OPS[name].validate(params)  # only what a rule file could say
    rule = Rule(id=rule_id, message="test rule", match=match, ops=tuple(Op(n, p, 1) for n, p in specs), plans=("compat",))
    plan = Plan("compat", "test plan", cleanup_imports=tuple(cleanup))
    provider = ProviderFile(
        path="acme.yaml",
        name="acme",
        title="Acme",
        docs="https://acme.example",
        verified="2026-01-01",
        summary="",
        vars={"base_url": "https://api.acme.example/v1", "api_key_env": "ACME_API_KEY"},
        regions={},
        default_region=None,
        models=dict(MODELS if models is None else models),
        plans={"compat": plan},
        rules=[rule],
    )
    # one rule alone is not a whole plan: sites are rewritten one by one (as with --only)
    return RuleSet(
        provider, plan, [rule], dict(provider.vars), dict(provider.models), todo_comments, partial=True, self_check=False
    )


def _dedent(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


class Codemod:
    """``assert_codemod(before, after, ...)``: ``after=None`` means the code must stay as it is."""

    def run(self, before: str, match: Dict[str, Any], ops: Union[OpSpec, Sequence[OpSpec]], **kw: Any) -> FileResult:
        return migrate_source(_dedent(before), "case.py", make_ruleset(match, ops, **kw))

    def __call__(
        self,
        before: str,
        after: Optional[str],
        match: Dict[str, Any],
        ops: Union[OpSpec, Sequence[OpSpec]],
        diagnostics: Sequence[str] = (),
        silent: bool = False,
        **kw: Any,
    ) -> FileResult:
        result = self.run(before, match, ops, **kw)
        assert result.error is None, result.error
        expected = _dedent(before if after is None else after)
        assert result.output == expected, f"\n--- got ---\n{result.output}--- expected ---\n{expected}"
        got = [f"{d.severity}: {d.message}" for d in result.diagnostics]
        for wanted in diagnostics:
            assert any(wanted in g for g in got), f"expected a diagnostic containing {wanted!r}; got {got}"
        if silent:
            assert not got, got
        again = migrate_source(result.output, "case.py", make_ruleset(match, ops, **kw))
        assert again.output == result.output, "not idempotent"
        return result


@pytest.fixture
def assert_codemod() -> Codemod:
    return Codemod()
