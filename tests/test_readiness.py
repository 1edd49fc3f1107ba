"""scan's provider readiness matrix: what each provider/plan would migrate, and why not."""

from __future__ import annotations

import pytest

from migrator.config import load_config
from migrator.readiness import readiness_matrix
from migrator.scan import ScanOptions, scan_paths

SOURCE = '''import openai


def ask(q):
    return openai.ChatCompletion.create(model="gpt-4o", messages=[{"role": "user", "content": q}])


class ChatCompletion(openai.ChatCompletion):
    @classmethod
    def create(cls, **kwargs):
        return super().create(**kwargs)


def other(client):
    return client.chat.completions.create(model="gpt-4o", messages=[])
'''


def matrix(tmp_path, provider=None):
    (tmp_path / "app.py").write_text(SOURCE)
    result = scan_paths(str(tmp_path), ScanOptions(use_cache=False, jobs=1))
    return readiness_matrix(result, root=str(tmp_path), config=load_config(str(tmp_path)), provider=provider)


def test_rows_count_every_call_once_per_provider_plan(tmp_path):
    rows = matrix(tmp_path)
    assert {(r["provider"], r["plan"]) for r in rows} >= {("deepseek", "compat"), ("dashscope", "native")}
    for row in rows:
        assert row["automatic"] + row["with_diagnostics"] + row["manual"] == 3, row


def test_low_confidence_calls_need_a_person_and_say_why(tmp_path):
    rows = matrix(tmp_path, provider="deepseek")
    assert [r["plan"] for r in rows] == ["compat", "native"]  # native: the same rules for API code
    for row in rows:
        assert row["manual"] >= 2
        reasons = " ".join(row["reasons"])
        assert "receiver could not be resolved (×1)" in reasons  # client of unknown origin
        assert "called through super() in a subclass of a v0 resource (×1)" in reasons


def test_wrapper_constructions_count_as_sites(tmp_path):
    # gpt-researcher calls OpenAI only through ChatOpenAI(...): the matrix showed rows of zeros
    # while apply rewrote 28 sites
    (tmp_path / "app.py").write_text(
        "from langchain_openai import ChatOpenAI\n\nllm = ChatOpenAI(model='gpt-4o')\nprint(llm.invoke('hi'))\n"
    )
    result = scan_paths(str(tmp_path), ScanOptions(use_cache=False, jobs=1))
    compat, native = readiness_matrix(result, root=str(tmp_path), config=load_config(str(tmp_path)), provider="deepseek")
    for row in (compat, native):  # compat retargets ChatOpenAI, native moves it to ChatDeepSeek
        assert row["automatic"] + row["with_diagnostics"] + row["manual"] == 1, row
        assert row["automatic"] + row["with_diagnostics"] == 1, row


def test_the_matrix_is_built_without_importing_libcst():
    # scan loads every rule pack and predicts with them; LibCST is needed only to rewrite,
    # and importing it is a quarter of a second of every scan
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from migrator.readiness import readiness_matrix\n"
        "from migrator.ruleset import load_all\n"
        "assert len(load_all()) >= 7\n"
        "print('libcst' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ scan and apply plan alike


def _fixture_rulesets():
    from pathlib import Path

    from migrator.ruleset import load_all
    from migrator.testing import fixture_cases

    packs = load_all([])
    root = Path(__file__).resolve().parent.parent / "fixtures"
    for case in fixture_cases(root):
        for pf in packs:
            for plan in pf.plans.values():
                if not plan.refuse:
                    yield case, packs, pf.name, plan.name


@pytest.mark.parametrize("case_id", sorted({c.id for c, *_ in _fixture_rulesets()}))
def test_scan_predicts_what_apply_leaves_on_openai(case_id):
    """For every fixture and every provider/plan: the call sites and wrapper constructions scan's
    readiness matrix counts as left on OpenAI with their client are exactly those apply leaves
    (apply also learns what operations find out while editing; scan must have foreseen it)."""
    from migrator.analyzer.python import analyze_python
    from migrator.engine import migrate_source
    from migrator.engine.plan import sites
    from migrator.readiness import left_on_openai
    from migrator.ruleset import select

    disagreements = []
    for case, packs, provider, plan in _fixture_rulesets():
        if case.id != case_id:
            continue
        source = case.input.read_text(encoding="utf-8")
        ruleset = select(packs, provider, plan)
        predicted = left_on_openai(sites(analyze_python(source, "input.py")), ruleset)
        result = migrate_source(source, "input.py", ruleset)
        assert result.error is None, result.error
        if set(predicted) != set(result.left):
            disagreements.append(f"{provider}/{plan}: scan {sorted(predicted)} apply {sorted(result.left)}")
    assert not disagreements, "\n".join(disagreements)


def test_clients_of_other_servers_are_not_counted(tmp_path):
    """A client pointed at Ollama, vLLM or a provider is not OpenAI usage: not a call to migrate."""
    from migrator.analyzer.python import analyze_python
    from migrator.config import Config
    from migrator.models import ScanResult
    from migrator.readiness import readiness_matrix

    source = (
        'from openai import OpenAI\nlocal = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")\n'
        'local.chat.completions.create(model="llama3", messages=[])\n'
        'cloud = OpenAI()\ncloud.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    scan = ScanResult(root=str(tmp_path), analyses=[analyze_python(source, "m.py")])
    for row in readiness_matrix(scan, root=str(tmp_path), config=Config(), provider="deepseek"):
        assert row["automatic"] + row["with_diagnostics"] + row["manual"] == 1, row


DYNAMIC_ENDPOINT = '''import os
from openai import OpenAI


class Model:
    def __init__(self, url=None):
        self._url = url or os.environ.get("MODEL_GATEWAY_URL")  # unset: OpenAI; set: a gateway
        self.client = OpenAI(base_url=self._url)

    def run(self, text):
        return self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
'''


def test_a_client_whose_endpoint_is_set_at_run_time_is_not_counted_automatic(tmp_path):
    # camel-ai, mem0ai, agno (issue 15): scan's matrix said 17/13/33 calls would move, apply moved
    # none of them (it leaves a client whose base_url is a run-time value alone, and says so)
    from migrator.engine import migrate_source
    from migrator.ruleset import load_all, select

    (tmp_path / "m.py").write_text(DYNAMIC_ENDPOINT)
    result = scan_paths(str(tmp_path), ScanOptions(use_cache=False, jobs=1))
    rows = readiness_matrix(result, root=str(tmp_path), config=load_config(str(tmp_path)))
    packs = load_all([])
    for row in rows:
        migrated = migrate_source(DYNAMIC_ENDPOINT, "m.py", select(packs, row["provider"], row["plan"]))
        assert not migrated.changed, row  # apply leaves the client and its call as they are
        assert (row["automatic"], row["with_diagnostics"], row["manual"]) == (0, 0, 1), row
        assert any("endpoint is set at run time" in reason for reason in row["reasons"]), row
