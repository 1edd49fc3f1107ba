"""Issue 17, item 2: the built-in rule packs' texts (rule messages, operation messages, plan
titles) are shown in the chosen language, through the catalogue keyed by their English text
(``${var}`` filled in after the lookup); JSON keeps the English, and a TODO comment written into
the user's code stays English whatever the language, like the commit message."""

from __future__ import annotations

import json
import re

from migrator import i18n
from migrator.ruleset import load_all, select
from scripts.i18n_catalog import rule_messages
from tests.test_i18n import _cli, _git, repo  # noqa: F401 - the fixture

ZH = {"LANG": "zh_CN.UTF-8"}
CJK = re.compile("[\u4e00-\u9fff]")
AUDIO = (
    "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef hear(f):\n"
    '    return client.audio.transcriptions.create(model="whisper-1", file=f)\n'
)


def test_every_rule_text_of_every_pack_is_in_the_catalogue_and_translated_with_its_values(monkeypatch):
    monkeypatch.setattr(i18n, "_CHOSEN", ["zh"])
    assert len(rule_messages()) > 400
    untranslated = []
    for pf in load_all():
        for plan in pf.plans:
            if pf.plans[plan].refuse:
                continue
            rs = select([pf], pf.name, plan)
            texts = [rs.plan.title] + [rule.message for rule in rs.rules]
            texts += [
                rs.interpolate(op.params["message"])
                for rule in rs.rules
                for op in rule.ops
                if isinstance(op.params.get("message"), str)
            ]
            untranslated += [t for t in texts if i18n.localize(rs.interpolate(t)) == rs.interpolate(t)]
    assert not untranslated, untranslated[:5]


def test_an_interpolated_message_keeps_its_values(monkeypatch):
    monkeypatch.setattr(i18n, "_CHOSEN", ["zh"])
    (ark,) = [pf for pf in load_all() if pf.name == "ark"]
    rs = select([ark], "ark", "compat")
    english = rs.interpolate(
        "LangChain has no Ark-native class; keep ChatOpenAI with base_url=${base_url} and "
        "api_key from ${api_key_env} (--plan compat)"
    )
    shown = i18n.localize(english)
    assert CJK.search(shown) and rs.vars["base_url"] in shown and "ARK_API_KEY" in shown, shown


def test_apply_shows_rule_messages_in_chinese_and_writes_its_todo_comments_in_chinese(repo):
    (repo / "hear.py").write_text(AUDIO)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "audio")
    dry = _cli(repo, "apply", ".", "--provider", "deepseek", "--dry-run", "--no-diff", **ZH)
    assert "DeepSeek 中没有对应接口：DeepSeek 只提供聊天补全" in dry.stdout, dry.stdout
    assert "compat 方案：openai SDK，使用 DeepSeek 的 OpenAI 兼容端点" in dry.stdout, dry.stdout
    doc = json.loads(_cli(repo, "apply", ".", "--provider", "deepseek", "--dry-run", "--format", "json", **ZH).stdout)
    messages = [d["message"] for d in doc["diagnostics"]]
    assert any(m.startswith("no equivalent in DeepSeek") for m in messages) and not any(CJK.search(m) for m in messages)
    applied = _cli(repo, "apply", ".", "--provider", "deepseek", "--no-diff", **ZH)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    code = _git(repo, "show", "migrator/deepseek-compat:hear.py")
    # the TODO comment follows the language (todo-lang pins one for a team); JSON stays English
    assert "# TODO(migrator: deepseek/audio): DeepSeek 中没有对应接口" in code, code


def test_the_engine_s_own_diagnostics_and_readiness_reasons_follow_the_language(repo):
    scan = _cli(repo, "scan", ".", **ZH)
    cells = re.sub(r"[│\s]", "", scan.stdout)  # the readiness table wraps the reason over lines
    assert "没有与'gpt-4o'对应的ark模型（×1）" in cells, scan.stdout
    english = json.loads(_cli(repo, "scan", ".", "--format", "json", **ZH).stdout)
    assert "no ark model for 'gpt-4o' (×1)" in json.dumps(english, ensure_ascii=False)  # machine output: English
    dry = _cli(repo, "apply", ".", "--provider", "deepseek", "--dry-run", "-v", **ZH)
    assert "模型 'gpt-4o' -> 'deepseek-chat'" in dry.stdout, dry.stdout


def test_each_operation_s_docstring_is_located_in_the_module_defining_it():
    """ops is a package (migrator/engine/ops/): the catalogue names the module an operation is defined in."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    located = [
        where.split(" ")
        for message in rule_messages().values()
        for where in message.where
        if where.startswith("migrator/engine/ops")
    ]
    assert len(located) >= 10
    for path, name in located:
        assert (root / path).is_file(), path
        assert f'name = "{name}"' in (root / path).read_text(encoding="utf-8"), (path, name)
