"""Regression tests for bugs found by the fuzzing, bad-input and corpus safety runs."""

from __future__ import annotations

import libcst as cst

from migrator.analyzer import analyze_bytes
from migrator.engine import migrate_source
from migrator.engine.transform import add_imports


def test_add_imports_with_module_and_name_from_the_same_module():
    # ("m", None) and ("m", "Name") together made sorted() compare None with str (TypeError),
    # which aborted a whole `apply` (dashscope native: `import dashscope` + `from dashscope import X`).
    module = cst.parse_module("import json\n\nx = 1\n")
    new = add_imports(module, {("dashscope", None), ("dashscope", "Generation"), ("os", None)}).code
    assert new == "import json\nimport os\n\nimport dashscope\nfrom dashscope import Generation\n\nx = 1\n"


def test_bom_file_with_openai_import_on_the_first_line_is_analysed():
    # The ^-anchored "needs the AST" pattern did not match after a UTF-8 BOM, so such a
    # file was silently reported as having no OpenAI calls (and never migrated).
    data = b'\xef\xbb\xbfimport openai\nr = openai.ChatCompletion.create(model="gpt-4", messages=[])\n'
    analysis = analyze_bytes("bom.py", data)
    assert analysis is not None and analysis.error is None
    assert any(f.kind == "call" for f in analysis.findings)


class _Boom(Exception):
    pass


def test_migrate_source_turns_an_op_bug_into_a_refused_file(monkeypatch):
    # "never raises": a bug in a rule or operation refuses that file instead of aborting the tree.
    import migrator.engine.rewrite as engine
    from migrator.ruleset import RuleSet

    def boom(*args, **kwargs):
        raise _Boom("x")

    monkeypatch.delenv("MIGRATOR_DEBUG", raising=False)
    monkeypatch.setattr(engine, "rewrite_once", boom)
    source = "import openai\n"
    result = migrate_source(source, "a.py", RuleSet.__new__(RuleSet))
    assert result.output == source and not result.changed
    assert result.error and "internal error" in result.error and "_Boom" in result.error


def test_error_messages_are_printed_literally(tmp_path):
    # rich turned "rules.yaml:100:" into an emoji and ate "[...]" in paths as markup
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    odd = tmp_path / "[bold]x"
    odd.mkdir()
    (odd / "acme.yaml").write_text("# c\n" * 99 + "\tkey: 1\n")
    (tmp_path / "t").mkdir()
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "300"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "migrator",
            "apply",
            str(tmp_path / "t"),
            "-p",
            "acme",
            "--dry-run",
            "--rules",
            str(odd / "acme.yaml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert f"{odd / 'acme.yaml'}:100: tab used for indentation" in proc.stderr, proc.stderr


def test_openai_response_types_named_error_are_not_exceptions():
    # pydantic-ai 2.68.0 (issue 15): the native plans' exception rules matched "openai.*Error",
    # which also names response data types (openai.types.responses.ResponseError, ...): 9 false
    # "has no equivalent" reports and TODO comments on annotations, never on an except clause
    from migrator.ruleset import load_all, select

    source = (
        "import openai\n"
        "from openai.types.responses import ResponseError\n"
        "from openai.types.realtime import RealtimeError\n\n\n"
        "def kind(error: ResponseError, other: RealtimeError) -> str:\n"
        "    return error.code\n\n\n"
        "def ask(client):\n"
        "    try:\n"
        "        return client.models.list()\n"
        "    except openai.APIError:\n"
        "        return None\n"
    )
    packs = load_all([])
    for provider in ("dashscope", "qianfan"):
        result = migrate_source(source, "m.py", select(packs, provider, "native"))
        assert result.error is None, result.error
        flagged = [d for d in result.diagnostics if d.rule.endswith("/native-exceptions")]
        assert not [d for d in flagged if "types" in d.message], [d.message for d in flagged]
