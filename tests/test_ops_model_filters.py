"""map_model's ``keep``, drop_kwarg/note's ``if_model`` and ``has_kwarg: "!name"`` matching."""

from __future__ import annotations

import textwrap

from migrator.engine import migrate_source
from migrator.ruleset import load_all, select

RULES = """
schema_version: 1
provider: {name: zzfilters, title: ZZ, docs: "https://example.invalid", verified: "2026-01-01"}
models: {gpt-4o: zz-chat, o1: zz-think}
plans:
  compat: {title: compat, cleanup_imports: []}
rules:
  - id: zzfilters/model
    message: map
    match: {kind: call, api: chat.completions.create}
    rewrite:
      - map_model: {keep: ["zz-*", "ep-*"]}
      - drop_kwarg: {name: logprobs, if_model: ["zz-think"], message: "logprobs dropped for the thinking model"}
      - note: {message: "sampling ignored by the thinking model", if_model: ["zz-think"]}
    tests:
      valid: ["x = 1\\n"]
      invalid: [{before: "from openai import OpenAI\\nOpenAI().chat.completions.create(model='gpt-4o', messages=[])\\n"}]
  - id: zzfilters/lacks
    message: only without base_url
    match: {kind: client, has_kwarg: ["!base_url"]}
    rewrite:
      - set_kwarg: {name: timeout, value: 5, when: missing}
    tests:
      valid: ["x = 1\\n"]
      invalid: [{before: "from openai import OpenAI\\nOpenAI()\\n"}]
"""


def _run(tmp_path, code):
    path = tmp_path / "zzfilters.yaml"
    path.write_text(RULES, encoding="utf-8")
    pfs = load_all([str(path)])
    rs = select(pfs, "zzfilters", "compat")
    return migrate_source(textwrap.dedent(code), "x.py", rs)


def test_keep_leaves_provider_ids_silent(tmp_path):
    r = _run(
        tmp_path,
        """\
        from openai import OpenAI
        c = OpenAI(base_url="https://x")
        def f(c: OpenAI):
            c.chat.completions.create(model="ep-2024", messages=[])
            c.chat.completions.create(model="zz-other", messages=[])
            c.chat.completions.create(model="gpt-9", messages=[])
        """,
    )
    manual = [d.message for d in r.diagnostics if d.severity == "manual"]
    assert len(manual) == 1 and "gpt-9" in manual[0]


def test_if_model_uses_the_mapped_model(tmp_path):
    r = _run(
        tmp_path,
        """\
        from openai import OpenAI
        def f(c: OpenAI):
            c.chat.completions.create(model="o1", messages=[], logprobs=True)
            c.chat.completions.create(model="gpt-4o", messages=[], logprobs=True)
        """,
    )
    assert 'model="zz-think", messages=[])' in r.output
    assert 'model="zz-chat", messages=[], logprobs=True)' in r.output
    messages = [d.message for d in r.diagnostics]
    assert messages.count("sampling ignored by the thinking model") == 1
    assert messages.count("logprobs dropped for the thinking model") == 1


def test_has_kwarg_negation(tmp_path):
    r = _run(
        tmp_path,
        """\
        from openai import OpenAI
        a = OpenAI()
        b = OpenAI(base_url="http://localhost:8000/v1")
        """,
    )
    assert "a = OpenAI(timeout=5)" in r.output
    assert 'b = OpenAI(base_url="http://localhost:8000/v1")' in r.output
