"""AutoGen 0.2 (pyautogen 0.2.35 / ag2): ``config_list`` entries that talk to OpenAI (issue #16).

pyautogen 0.2 builds ``openai.OpenAI(**entry)`` for an entry with no ``api_type`` (or "openai"), so
an entry with no ``base_url`` (or api.openai.com) is OpenAI usage; the rules (``*/autogen02*``) give
it the provider's model, ``"base_url"`` and key.  Whole-file cases: fixtures/cases/autogen02
and autogen02-dynamic (also run by tests/test_fixtures.py, test_invariant.py and test_readiness.py)."""

from __future__ import annotations

import inspect
import json
import sys
import textwrap
import types
from pathlib import Path

import pytest

from migrator.testing import fixture_case
from migrator.analyzer import analyze_other_bytes, mentions_openai, needs_ast
from migrator.analyzer.autogen import ConfigFileError, parse_config_file
from migrator.analyzer.python import analyze_python
from migrator.analyzer.textfiles import classify
from migrator.check import Policy, check_bytes
from migrator.engine import migrate_source
from migrator.engine.textfiles import rewrite_config_list_for
from migrator.ruleset import load_all, select
from tests import equivalence as eq
from tests.fakes.server import FakeServer
from tests.test_apply_cli import git, make_repo, run

PACKS = load_all([])
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
KEY = "sk-proj-" + "Zq7" * 8 + "f3a9"  # a hard-coded OpenAI key (fake)


def entries(source: str):
    return [
        (f.model, f.detail["endpoint"])
        for f in analyze_python(textwrap.dedent(source), "m.py").findings
        if f.kind == "framework" and f.symbol == "autogen.config_list"
    ]


# ------------------------------------------------------------------ what is OpenAI usage


@pytest.mark.parametrize(
    "source, found",
    [
        ('import autogen\nconfig_list = [{"model": "gpt-4"}]\n', [("gpt-4", "none")]),
        ('import autogen as ag\nx = ag.OpenAIWrapper(config_list=[{"model": "gpt-4o", "api_key": "k"}])\n', [("gpt-4o", "none")]),
        (
            'from autogen import AssistantAgent\na = AssistantAgent("a", llm_config={"config_list": [{"model": "o3-mini"}]})\n',
            [("o3-mini", "none")],
        ),
        ('import ag2\ngpt4_config_list = [{"model": "gpt-4", "api_type": "openai"}]\n', [("gpt-4", "none")]),
        ('import autogen\nconfig_list = [{"model": "gpt-4", "base_url": "https://api.openai.com/v1"}]\n', [("gpt-4", "openai")]),
        (
            'import autogen\nM = "gpt-4o"\nconfig_list = [{"model": M}, {"model": "x", "base_url": "http://localhost:8000/v1"}]\n',
            [("gpt-4o", "none")],
        ),
        ('import autogen\nconfig_list = [{"model": m} for m in ms]\n', [(None, "dynamic")]),
        ('import autogen\nconfig_list = [{"model": "gpt-4", **extra}]\n', [("gpt-4", "dynamic")]),
    ],
)
def test_openai_entries_are_found(source, found):
    assert entries(source) == found


@pytest.mark.parametrize(
    "source",
    [
        'config_list = [{"model": "gpt-4"}]\n',  # no autogen import: someone else's list
        'from autogen_agentchat.agents import AssistantAgent\nconfig_list = [{"model": "gpt-4"}]\n',  # AutoGen 0.4+
        'import autogen\nconfig_list = [{"model": "gpt-4", "api_type": "azure", "base_url": "https://x.openai.azure.com"}]\n',
        'import autogen\nconfig_list = [{"model": "claude-3-5-sonnet", "api_type": "anthropic"}]\n',
        'import autogen\nconfig_list = [{"model": "gpt-4", "api_type": kind}]\n',
        'import autogen\nconfig_list = [{"model": "llama3", "base_url": "http://localhost:11434/v1"}]\n',
        'import os, autogen\nconfig_list = [{"model": "gpt-4", "base_url": os.environ["GATEWAY_URL"]}]\n',
        'import autogen\nmodels = [{"model": "gpt-4"}]\n',  # not a config list by name or place
        'import autogen\nconfig_list = [{"model": "gpt-4", "model_client_cls": "MyClient"}]\n',  # a custom client
    ],
)
def test_other_entries_are_not_openai_usage(source):
    assert entries(source) == []


def test_a_file_that_only_imports_autogen_passes_the_prefilter():
    data = b'import autogen\n\nconfig_list = [{"model": "gpt-4", "api_key": KEY}]\n'
    assert mentions_openai(data) and needs_ast(data)
    assert needs_ast(b"from autogen import AssistantAgent\n") and needs_ast(b"import ag2\n")
    assert not needs_ast(b"from autogen_core import Image\nimport autogenerate\n")


# ------------------------------------------------------------------ apply, per pack


def _rs(provider: str, plan: str = "compat"):
    models = {"gpt-4": "doubao-seed-1-6-251015"} if provider == "ark" else None
    return select(PACKS, provider, plan, models=models)


@pytest.mark.parametrize("provider", ["dashscope", "qianfan", "hunyuan", "zhipu", "ark", "deepseek", "moonshot"])
def test_every_pack_points_the_entry_at_its_endpoint_and_is_stable(provider):
    rs = _rs(provider)
    source = (
        'import os\nimport autogen\nconfig_list = [{"model": "gpt-4", "api_key": os.environ["OPENAI_API_KEY"], "tags": ["a"]}]\n'
    )
    result = migrate_source(source, "m.py", rs)
    out = result.output
    assert '"model": "gpt-4"' not in out and f'os.environ["{rs.vars["api_key_env"]}"]' in out and "OPENAI_API_KEY" not in out
    assert '"base_url": os.environ.get(' in out and '"tags": ["a"]' in out
    assert migrate_source(out, "m.py", rs).output == out
    assert entries(out) == []  # no longer OpenAI usage


def test_a_literal_openai_base_url_is_replaced_and_bytes_around_stay():
    source = (
        'import autogen\n\nconfig_list = [\n    {\n        "model": "gpt-4o",  # main\n'
        '        "base_url": "https://api.openai.com/v1",\n        "api_key": API_KEY,\n    },\n]\n'
    )
    result = migrate_source(source, "m.py", _rs("deepseek"))
    out = result.output
    assert out.splitlines()[4:6] == source.splitlines()[2:4]  # after the added import
    assert any("comes from `API_KEY`" in d.message and d.severity == "warning" for d in result.diagnostics)
    assert '"model": "deepseek-chat",  # main' in out and "api.openai.com" not in out
    assert '"api_key": API_KEY,' in out  # an expression is kept (and reported to check)


@pytest.mark.parametrize(
    "provider, plan", [("dashscope", "native"), ("zhipu", "native"), ("qianfan", "native"), ("ark", "native")]
)
def test_native_plans_keep_the_entry_on_the_compatible_endpoint_reported(provider, plan):
    result = migrate_source('import autogen\nconfig_list = [{"model": "gpt-4"}]\n', "m.py", _rs(provider, plan))
    assert '"base_url": ' in result.output
    assert any(d.rule == "migrator/hybrid" and "config_list entry at line 2" in d.message for d in result.diagnostics)
    assert result.hybrid and result.check_policy(_rs(provider, plan)) == "compat"


def test_dynamic_entries_are_left_and_reported():
    source = fixture_case(FIXTURES, "dashscope", "compat", "autogen02-dynamic").input.read_text()
    result = migrate_source(source, "input.py", _rs("dashscope"))
    manual = [d for d in result.diagnostics if d.severity == "manual"]
    assert [d.line for d in manual if d.rule == "dashscope/autogen02-dynamic"] == [7, 9]
    assert '[{"model": m, "api_key": os.environ["OPENAI_API_KEY"]} for m in MODELS]' in result.output
    assert '{"model": "gpt-4o", **defaults}' in result.output


# ------------------------------------------------------------------ check


STRICT, COMPAT = Policy(name="strict"), Policy(name="compat")


@pytest.mark.parametrize("policy", [STRICT, COMPAT], ids=["strict", "compat"])
def test_check_flags_an_openai_entry_and_passes_the_migrated_fixture(policy):
    source = 'import autogen\nconfig_list = [{"model": "gpt-4"}, {"model": "m", "base_url": "http://localhost:8000/v1"}]\n'
    found = [(f.line, f.message) for f in check_bytes("app.py", source.encode(), policy).findings]
    assert found == [(2, "an AutoGen config_list entry sends 'gpt-4' to OpenAI")]
    migrated = fixture_case(FIXTURES, "dashscope", "compat", "autogen02").expected.read_bytes()
    assert not check_bytes("app.py", migrated, COMPAT).findings


# ------------------------------------------------------------------ the command, in a real repository


@pytest.fixture
def repo(tmp_path):
    return make_repo(
        tmp_path,
        {
            "agents.py": (
                'import autogen\n\nconfig_list = [{"model": "gpt-4o", "api_key": "' + KEY + '"}]\n'
                'assistant = autogen.AssistantAgent("assistant", llm_config={"config_list": config_list})\n'
            ).encode()
        },
    )


def test_apply_replaces_a_literal_key_reports_it_redacted_and_never_prints_it(repo):
    proc = run("apply", ".", "--provider", "dashscope", "--yes", "--no-pager", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert KEY not in proc.stdout + proc.stderr
    assert "rotate this key: sk-" in proc.stdout and "f3a9" in proc.stdout
    migrated = git(repo, "show", "migrator/dashscope-compat:agents.py")
    assert '"api_key": os.environ["DASHSCOPE_API_KEY"]' in migrated and KEY not in migrated
    assert git(repo, "status", "--porcelain") == ""  # the checkout is as it was


def test_scan_lists_the_entry_and_json_never_holds_the_key(repo):
    proc = run("scan", ".", "--format", "json", "--no-cache", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert KEY not in proc.stdout
    found = [f for f in json.loads(proc.stdout)["findings"] if f["kind"] == "framework"]
    assert [(f["line"], f["symbol"]) for f in found] == [(3, "autogen.config_list")]


# ------------------------------------------------------------------ OAI_CONFIG_LIST files


CONFIG = (
    '[\n    {\n        "model": "gpt-4",\n        "api_key": "' + KEY + '"\n    },\n'
    '    {\n        "model": "gpt-4o-mini",\n        "tags": ["fast"]\n    },\n'
    '    {"model": "gpt-4", "api_type": "azure", "base_url": "https://x.openai.azure.com", "api_key": "az"},\n'
    '    {"model": "llama3", "base_url": "http://localhost:11434/v1"}\n]\n'
)


@pytest.mark.parametrize(
    "path, kind",
    [
        ("OAI_CONFIG_LIST", "autogen_config"),
        ("cfg/OAI_CONFIG_LIST_4o.json", "autogen_config"),
        ("OAI_CONFIG_LIST.json", "autogen_config"),
        ("OAI_CONFIG_LIST_sample", None),
        ("oai_config_list.json", "text"),
    ],
)
def test_config_files_are_found_by_name(path, kind):
    assert classify(path) == kind


def test_scan_reports_each_openai_entry_of_a_config_file_even_without_the_word_openai():
    data = b'[{"model": "gpt-4o"}, {"model": "m", "base_url": "http://localhost:8000/v1"}]\n'
    assert not mentions_openai(data)
    analysis = analyze_other_bytes("OAI_CONFIG_LIST", data)
    assert [(f.kind, f.line, f.model) for f in analysis.findings] == [("framework", 1, "gpt-4o")]
    assert analyze_other_bytes("notes.json", data) is None


@pytest.mark.parametrize(
    "text, line",
    [
        ('[{"model": "gpt-4o",\n "x": }]\n', 2),
        ('{"model": "gpt-4o"}', 1),
        ('[{"model": "a", "model": "b"}]', 1),
        ("[" * 5000 + "]" * 5000, 1),
    ],
)
def test_a_file_that_is_not_a_config_list_is_refused_with_its_line(text, line):
    with pytest.raises(ConfigFileError) as info:
        parse_config_file(text)
    assert info.value.line == line
    analysis = analyze_other_bytes("OAI_CONFIG_LIST", text.encode())
    assert analysis.error.startswith("not an AutoGen config list") and analysis.error_line == line


def test_rewrite_keeps_a_key_holding_entry_and_edits_only_the_values_of_the_others():
    new, notes, manual = rewrite_config_list_for(_rs("dashscope"), CONFIG)
    expected = CONFIG.replace(
        '"gpt-4o-mini",\n        "tags": ["fast"]\n',
        '"qwen-flash",\n        "tags": ["fast"],\n'
        '        "base_url": "https://dashscope.aliyuncs.com/compatible-mode/v1",\n        "api_key": ""\n',
    )
    assert new == expected  # the key-holding entry, Azure and the local server keep every byte
    assert [line for line, _ in manual] == [2, 6]
    assert "holds its key" in manual[0][1] and '"model": "qwen-max"' in manual[0][1] and KEY not in manual[0][1]
    assert 'empty "api_key"' in manual[1][1]
    assert rewrite_config_list_for(_rs("dashscope"), new)[0] == new  # a second run changes nothing


def test_rewrite_keeps_crlf_a_bom_and_an_inline_layout():
    text = '\ufeff[{"model": "gpt-4o", "base_url": "https://api.openai.com/v1"}]\r\n'
    new, _, _ = rewrite_config_list_for(_rs("deepseek"), text)
    assert new == '\ufeff[{"model": "deepseek-chat", "base_url": "https://api.deepseek.com", "api_key": ""}]\r\n'


def test_config_file_edits_stay_valid_json_touch_only_openai_entries_and_are_stable():
    """Random lists, layouts and separators: offsets found are the values json reads, the output
    is JSON, entries of other servers (and non-objects) are as they were, a second run is a no-op."""
    import random

    rng = random.Random(7)
    rs = _rs("dashscope")
    for _ in range(300):
        data = []
        for _ in range(rng.randint(0, 4)):
            keys = rng.sample(["model", "api_key", "base_url", "api_type", "tags", "price"], rng.randint(0, 5))
            entry = {
                k: rng.choice(
                    [
                        "gpt-4o",
                        "",
                        None,
                        1,
                        ["a", {"b": "c"}],
                        "https://api.openai.com/v1",
                        "azure",
                        "http://localhost:8000/v1",
                        "openai",
                    ]
                )
                for k in keys
            }
            data.append(entry if rng.random() < 0.8 else rng.choice([[1], "x", 3]))
        text = json.dumps(
            data,
            indent=rng.choice([None, 2, "\t"]),
            ensure_ascii=rng.random() < 0.5,
            separators=rng.choice([None, (",", ":"), (" , ", " : ")]),
        )
        for entry, obj in zip(parse_config_file(text), [d for d in data if isinstance(d, dict)]):
            assert json.loads(text[entry.start : entry.end]) == obj
            assert all(json.loads(text[v:e]) == obj[k] for k, (_, v, e, _) in entry.values.items())
        new = rewrite_config_list_for(rs, text)[0]
        after = json.loads(new)
        untouched = [i for i, e in enumerate(parse_config_file(text)) if e.endpoint is None]
        objects = [d for d in after if isinstance(d, dict)]
        assert [objects[i] for i in untouched] == [[d for d in data if isinstance(d, dict)][i] for i in untouched]
        assert [d for d in after if not isinstance(d, dict)] == [d for d in data if not isinstance(d, dict)]
        assert rewrite_config_list_for(rs, new)[0] == new


@pytest.fixture
def config_repo(tmp_path):
    app = b'import autogen\nconfig_list = autogen.config_list_from_json("OAI_CONFIG_LIST")\n'
    return make_repo(tmp_path, {"OAI_CONFIG_LIST": CONFIG.encode(), "app.py": app})


def test_apply_edits_the_config_file_reports_the_rest_and_never_prints_the_key(config_repo):
    proc = run("apply", ".", "--provider", "dashscope", "--yes", "--no-pager", "--format", "json", cwd=config_repo)
    assert proc.returncode == 0, proc.stderr
    assert KEY not in proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    manual = [(d["path"], d["line"]) for d in report["diagnostics"] if d["rule"] == "migrator/oai-config-list"]
    assert manual == [("OAI_CONFIG_LIST", 2), ("OAI_CONFIG_LIST", 6)]
    assert (
        git(config_repo, "show", "migrator/dashscope-compat:OAI_CONFIG_LIST")
        == rewrite_config_list_for(_rs("dashscope"), CONFIG)[0]
    )
    scan = run("scan", ".", "--format", "json", "--no-cache", cwd=config_repo)
    assert KEY not in scan.stdout
    assert [(f["path"], f["line"]) for f in json.loads(scan.stdout)["findings"] if f["kind"] == "framework"] == [
        ("OAI_CONFIG_LIST", 2),
        ("OAI_CONFIG_LIST", 6),
    ]


def test_apply_refuses_an_invalid_config_file_by_name_and_line_and_exits_3(config_repo):
    (config_repo / "OAI_CONFIG_LIST").write_text('[{"model": "gpt-4o",\n  "api_key": }]\n')
    git(config_repo, "commit", "-q", "-am", "broken")
    proc = run("apply", ".", "--provider", "deepseek", "--yes", "--no-pager", cwd=config_repo)
    assert proc.returncode == 3
    assert "OAI_CONFIG_LIST:2: not an AutoGen config list: not valid JSON" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert git(config_repo, "status", "--porcelain") == ""


# ------------------------------------------------------------------ at the wire (fakes on 127.0.0.1)


WIRE = ["dashscope", "qianfan", "hunyuan", "zhipu", "ark", "deepseek", "moonshot"]
ENTRY = 'import os\nimport autogen\nconfig_list = [{"model": "gpt-4o-mini", "api_key": os.environ["OPENAI_API_KEY"], "tags": ["fast"]}]\n'


def _wire_rs(provider: str):
    return select(PACKS, provider, "compat", models=eq.USER_MODELS.get(provider))


def _sent(srv: FakeServer, provider: str, rs) -> None:
    """Every request reached the provider's fake with its key and the mapped model."""
    [request] = srv.requests
    assert request.status == 200 and request.json["model"] == (rs.map_model("gpt-4o-mini") or "gpt-4o-mini")
    assert eq.test_key(provider) in request.authorization and "sk-openai" not in request.authorization


@pytest.mark.parametrize("provider", WIRE)
def test_the_migrated_entry_reaches_the_provider_built_as_pyautogen_builds_it(provider, monkeypatch):
    """pyautogen 0.2.35 (autogen/oai/client.py, read): ``OpenAI(**{k: v for k in entry if k in
    openai_kwargs})`` (the keyword-only arguments of OpenAI and AzureOpenAI), then
    ``chat.completions.create`` with the entry's model.  Run here without pyautogen installed."""
    import openai

    rs = _wire_rs(provider)
    migrated = migrate_source(ENTRY, "agents.py", rs).output
    openai_kwargs = set(inspect.getfullargspec(openai.OpenAI.__init__).kwonlyargs) | set(
        inspect.getfullargspec(openai.AzureOpenAI.__init__).kwonlyargs
    )
    monkeypatch.setitem(sys.modules, "autogen", types.ModuleType("autogen"))  # the module only imports it
    with FakeServer(provider) as srv:
        env, _ = eq.migrated_env(provider, srv, migrated)
        for name, value in {
            **env,
            rs.vars["api_key_env"]: eq.test_key(provider),
            "OPENAI_API_KEY": "sk-openai-0000",
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        }.items():
            monkeypatch.setenv(name, value)
        namespace: dict = {}
        exec(compile(migrated, "agents.py", "exec"), namespace)
        [entry] = namespace["config_list"]
        client = openai.OpenAI(**{k: v for k, v in entry.items() if k in openai_kwargs}, max_retries=0)
        reply = client.chat.completions.create(model=entry["model"], messages=[{"role": "user", "content": "hi"}])
        assert reply.choices[0].message.content
        _sent(srv, provider, rs)


@pytest.mark.parametrize("provider", ["dashscope", "deepseek", "qianfan"])
def test_pyautogen_reads_a_migrated_oai_config_list_and_answers_from_the_provider(provider, tmp_path, monkeypatch):
    """The real pyautogen 0.2.x, where installed (fw_autogen02_chat in docs/equivalence.md runs
    its code path too): config_list_from_json on the migrated file, its empty key filled in as the
    report asks, OpenAIWrapper.create against the provider's fake."""
    autogen = pytest.importorskip("autogen")
    if not getattr(autogen, "__version__", "").startswith("0.2."):
        pytest.skip("not pyautogen 0.2")
    rs = _wire_rs(provider)
    new, _, manual = rewrite_config_list_for(rs, '[\n  {"model": "gpt-4o-mini", "tags": ["fast"]}\n]\n')
    assert manual and '"api_key": ""' in new
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-0000")
    with FakeServer(provider) as srv:
        path = tmp_path / "OAI_CONFIG_LIST"
        path.write_text(srv.rewrite(new).replace('"api_key": ""', f'"api_key": "{eq.test_key(provider)}"'))
        config_list = autogen.config_list_from_json(str(path))
        wrapper = autogen.OpenAIWrapper(config_list=config_list, cache_seed=None, max_retries=0)
        reply = wrapper.create(messages=[{"role": "user", "content": "hi"}])
        assert wrapper.extract_text_or_completion_object(reply)[0]
        _sent(srv, provider, rs)


# ------------------------------------------------------------------ scan's readiness agrees with apply


def test_readiness_counts_each_config_file_entry_as_apply_leaves_it(config_repo):
    scan = json.loads(run("scan", ".", "--format", "json", "--no-cache", cwd=config_repo).stdout)
    apply = json.loads(
        run("apply", ".", "--provider", "deepseek", "--dry-run", "--no-pager", "--format", "json", cwd=config_repo).stdout
    )
    [row] = [r for r in scan["readiness"] if r["provider"] == "deepseek" and r["plan"] == "compat"]
    manual = [d for d in apply["diagnostics"] if d["severity"] == "manual" and d["rule"] != "check/openai-url"]
    assert (row["automatic"], row["with_diagnostics"], row["manual"]) == (0, 0, 2) == (0, 0, len(manual))
    assert "OAI_CONFIG_LIST entry" in row["reasons"][0]


def test_an_oai_config_list_variable_holding_json_is_found_and_rewritten_or_left_for_a_person(tmp_path):
    env = (
        "OAI_CONFIG_LIST='[{\"model\": \"gpt-4o\", \"api_key\": \"" + KEY + "\"}]'\n"
        'export OAI_CONFIG_LIST="[{\\"model\\": \\"gpt-4o-mini\\"}, {\\"model\\": \\"m\\", \\"api_type\\": \\"azure\\"}]"\n'
        "OAI_CONFIG_LIST=/etc/autogen/OAI_CONFIG_LIST\n"
    )
    analysis = analyze_other_bytes(".env", env.encode())
    assert [(f.line, f.model) for f in analysis.findings if f.kind == "framework"] == [(1, "gpt-4o"), (2, "gpt-4o-mini")]
    repo = make_repo(tmp_path, {".env": env.encode()})
    proc = run("apply", ".", "--provider", "moonshot", "--dry-run", "--no-pager", "--format", "json", cwd=repo)
    assert KEY not in proc.stdout + proc.stderr
    manual = [
        (d["line"], d["message"]) for d in json.loads(proc.stdout)["diagnostics"] if d["rule"] == "migrator/oai-config-list"
    ]
    # the entry holding a key is left for a person (as in a file); the double-quoted value says why it is left
    assert [line for line, _ in manual] == [1, 2] and "put your Moonshot (Kimi) key there" in manual[0][1]
    assert "double-quoted" in manual[1][1] and "Moonshot (Kimi) model" in manual[1][1]
    row = [
        r
        for r in json.loads(run("scan", ".", "--format", "json", "--no-cache", cwd=repo).stdout)["readiness"]
        if r["provider"] == "moonshot"
    ][0]
    assert row["manual"] == 2


ENV_LIST = (
    "# agents\r\n"
    "OAI_CONFIG_LIST='[{\"model\": \"gpt-4o\"}, {\"model\": \"llama3\", \"base_url\": \"http://localhost:11434/v1\"}]'\r\n"
    "  - OAI_CONFIG_LIST=[{\"model\":\"gpt-4o-mini\",\"tags\":[\"fast\"]}]\r\n"
    "OTHER=1\r\n"
    'ENV OAI_CONFIG_LIST=[{"model":"gpt-4o"}]\r\n'
)


@pytest.mark.parametrize("provider", ["deepseek", "dashscope", "zhipu"])
def test_json_in_an_env_variable_is_rewritten_value_by_value_and_stays_stable(provider):
    from migrator.engine.textfiles import rewrite_config_env

    rs = _rs(provider)
    new, notes, manual = rewrite_config_env(rs, ENV_LIST)
    lines = new.split("\r\n")
    assert lines[0] == "# agents" and lines[3] == "OTHER=1" and new.endswith("\r\n")
    # compact JSON stays compact: an unquoted value must not gain a space
    assert (
        lines[4]
        == f'ENV OAI_CONFIG_LIST=[{{"model":"{rs.map_model("gpt-4o")}","base_url":"{rs.vars["base_url"]}","api_key":""}}]'
    )
    first = json.loads(lines[1][len("OAI_CONFIG_LIST='") : -1])
    second = json.loads(lines[2][len("  - OAI_CONFIG_LIST=") :])
    url = rs.vars["base_url"]
    assert first == [
        {"model": rs.map_model("gpt-4o"), "base_url": url, "api_key": ""},
        {"model": "llama3", "base_url": "http://localhost:11434/v1"},
    ]
    assert second == [{"model": rs.map_model("gpt-4o-mini"), "tags": ["fast"], "base_url": url, "api_key": ""}]
    assert lines[1].startswith("OAI_CONFIG_LIST='[{\"model\": ") and ',"base_url":' in lines[2]  # each value's own layout
    assert [line for line, _ in manual] == [2, 3, 5] and all("empty \"api_key\"" in m for _, m in manual)
    assert notes and all(n.split(":")[0] in ("2", "3", "5") for n in notes)
    assert rewrite_config_env(rs, new)[0] == new  # a second run changes nothing
    # what the analyzer finds in the result: no entry sends anything to OpenAI
    found = analyze_other_bytes(".env", new.encode())
    assert found is None or not [f for f in found.findings if f.kind == "framework"]


def test_apply_rewrites_the_variable_in_a_tracked_env_file_and_check_passes(tmp_path):
    repo = make_repo(tmp_path, {".env.example": ENV_LIST.encode(), "agents.py": CONFIG_APP["agents.py"]})
    before = run("check", "--policy", "compat", cwd=repo)
    assert before.returncode == 1 and ".env.example" in before.stdout
    done = run("apply", "--provider", "deepseek", "--no-pager", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    migrated = git(repo, "show", "migrator/deepseek-compat:.env.example")
    assert '"model": "deepseek-chat", "base_url": "https://api.deepseek.com' in migrated
    git(repo, "checkout", "-q", "migrator/deepseek-compat")
    after = run("check", "--policy", "compat", cwd=repo)
    assert ".env.example" not in after.stdout, after.stdout


# ------------------------------------------------------------------ where config_list_from_json reads from

SOURCES = '''\
import os

import autogen
from autogen import config_list_from_json as load

beside = autogen.config_list_from_json(os.path.join(os.path.dirname(__file__), "OAI_CONFIG_LIST.json"))
at_root = load("OAI_CONFIG_LIST")
env_only = load(env_or_file="AGENT_CONFIG")
computed = load(os.environ["CONFIG_PATH"])
outside = load("OAI_CONFIG_LIST", file_location="/etc/autogen")
sample = load("OAI_CONFIG_LIST_sample")
openai_keys = autogen.config_list_openai_aoai(key_file_path=".")
assistant = autogen.AssistantAgent("a", llm_config={"config_list": beside})
'''


def source_findings(tmp_path, files):
    from migrator.analyzer.autogen import config_source_findings, file_exists

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return [
        (f.line, f.detail["call"], bool(f.detail.get("route")))
        for f in config_source_findings("pkg/agents.py", files["pkg/agents.py"], file_exists(str(tmp_path)))
    ]


def test_a_config_list_read_where_apply_cannot_edit_it_is_reported(tmp_path):
    found = source_findings(
        tmp_path,
        {
            "pkg/agents.py": SOURCES,
            "pkg/OAI_CONFIG_LIST.json": "[]\n",
            "OAI_CONFIG_LIST": "[]\n",
            "OAI_CONFIG_LIST_sample": "[]\n",
        },
    )
    # beside the module and at the root: files apply rewrites; the rest it cannot see or edit
    assert found == [
        (8, "config_list_from_json", False),
        (9, "config_list_from_json", False),
        (10, "config_list_from_json", False),
        (11, "config_list_from_json", False),
        (12, "config_list_openai_aoai", True),
    ]


def test_a_config_file_that_is_not_there_is_read_from_the_variable(tmp_path):
    found = source_findings(tmp_path, {"pkg/agents.py": SOURCES})
    assert [line for line, _, _ in found] == [6, 7, 8, 9, 10, 11, 12]


CONFIG_APP = {
    "agents.py": (
        'import autogen\n\nconfig_list = autogen.config_list_from_json("OAI_CONFIG_LIST")\n'
        'keys = autogen.config_list_openai_aoai()\n'
        'assistant = autogen.AssistantAgent("a", llm_config={"config_list": config_list + keys})\n'
    ).encode(),
}


def test_scan_check_and_apply_report_the_calls_and_never_rewrite_them(tmp_path):
    repo = make_repo(tmp_path, CONFIG_APP)
    scanned = json.loads(run("scan", ".", "--format", "json", "--no-cache", "--provider", "deepseek", cwd=repo).stdout)
    found = [(f["line"], f["symbol"]) for f in scanned["findings"] if f.get("form") == "config_source"]
    assert found == [(3, "autogen.config_list_from_json"), (4, "autogen.config_list_openai_aoai")]
    assert all(row["manual"] == 2 for row in scanned["readiness"])
    # check: config_list_openai_aoai builds OpenAI entries (any policy); what a file or variable holds is unknown
    for policy in ("strict", "compat"):
        checked = run("check", "--policy", policy, cwd=repo)
        assert checked.returncode == 1, checked.stdout
        assert "config_list_openai_aoai(...) builds OpenAI entries" in checked.stdout
        assert "config_list_from_json" not in checked.stdout
    done = run("apply", "--provider", "deepseek", "--no-pager", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    reported = [line.strip() for line in done.stdout.splitlines() if "migrator/oai-config-list" in line]
    assert len(reported) == 2 and reported[0].startswith("3:") and reported[1].startswith("4:")
    assert "the variable OAI_CONFIG_LIST or a file of that name" in reported[0]
    assert '"base_url": "https://api.deepseek.com' in reported[0] and 'os.environ["DEEPSEEK_API_KEY"]' in reported[1]
    # a config file in the repository is the one apply edits: the call is no longer reported
    (repo / "OAI_CONFIG_LIST").write_text('[{"model": "gpt-4o"}]\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "config")
    scanned = json.loads(run("scan", ".", "--format", "json", "--no-cache", cwd=repo).stdout)
    assert [f["line"] for f in scanned["findings"] if f.get("form") == "config_source"] == [4]
