"""scan's provider readiness matrix: what each provider/plan would migrate, and why not."""

from __future__ import annotations

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
    (row,) = matrix(tmp_path, provider="deepseek")
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
    (row,) = readiness_matrix(result, root=str(tmp_path), config=load_config(str(tmp_path)), provider="deepseek")
    assert row["automatic"] + row["with_diagnostics"] + row["manual"] == 1, row
    assert row["automatic"] + row["with_diagnostics"] == 1, row  # deepseek/compat retargets ChatOpenAI


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
