"""Issue 17: migrator speaks Simplified Chinese as well as English.

The catalogue is held to the code (every message marked in it has a Chinese translation with the
same placeholders and markup, and the compiled .mo says what the .po says); the language follows
``--lang``, then ``MIGRATOR_LANG``, then the locale; and the real command, run as a subprocess on
a small git repository, prints Chinese headings, summaries and errors, while machine-read output
(JSON) and what is written into the repository (the commit message) stay as they were.
"""

from __future__ import annotations

import gettext
import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from migrator import i18n
from scripts.i18n_catalog import MO, PO, extract, read_po, rule_messages

ROOT = Path(__file__).resolve().parent.parent
LOCALE_VARS = ("MIGRATOR_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
CODE = {**rule_messages(), **extract()}  # the code's messages and the built-in rule packs' texts
PO_MESSAGES = read_po(PO)


# ---------------------------------------------------------------- the catalogue


def test_the_code_marks_messages_in_every_module_that_speaks():
    where = {loc.split(":")[0] for m in CODE.values() for loc in m.where}
    for module in (
        "migrator/cli/__init__.py",
        "migrator/cli/scan.py",
        "migrator/cli/apply.py",
        "migrator/cli/check.py",
        "migrator/cli/rules.py",
        "migrator/report/scan.py",
        "migrator/report/apply.py",
        "migrator/report/check.py",
    ):
        assert module in where


def test_every_message_in_the_code_has_a_chinese_translation():
    missing = [msgid for msgid in CODE if msgid not in PO_MESSAGES or not all(PO_MESSAGES[msgid].msgstr)]
    assert not missing, f"run `python scripts/i18n_catalog.py` and translate: {missing}"
    stale = sorted(set(PO_MESSAGES) - set(CODE))
    assert not stale, f"the .po holds messages the code no longer uses: {stale}"
    for msgid, message in CODE.items():
        assert PO_MESSAGES[msgid].plural == message.plural, msgid


def _fields(text: str) -> "list[str]":
    return sorted(name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None)


def _markup(text: str) -> "list[str]":
    return sorted(re.findall(r"\[/?[a-z ]*\]", text))


@pytest.mark.parametrize("msgid", sorted(PO_MESSAGES))
def test_a_translation_keeps_the_placeholders_and_markup(msgid):
    message = PO_MESSAGES[msgid]
    msgid = msgid.split("\x04")[-1]  # "shown\x04<msgid>": a message in a context, as gettext keys it
    for text in message.msgstr:
        assert _fields(text) == _fields(msgid), f"{msgid!r} -> {text!r}"
        assert _markup(text) == _markup(msgid), f"{msgid!r} -> {text!r}"
        if re.search("[A-Za-z]{4,}", msgid) and not msgid.startswith("{"):
            assert re.search("[\u4e00-\u9fff]", text), f"not translated: {msgid!r} -> {text!r}"


def test_the_compiled_catalogue_is_up_to_date_with_the_po():
    with open(MO, "rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    for msgid, message in PO_MESSAGES.items():
        if message.plural is None:
            assert compiled.gettext(msgid) == message.msgstr[0], f"{msgid!r}: recompile with scripts/i18n_catalog.py"
        else:
            for n in (1, 2):
                assert compiled.ngettext(msgid, message.plural, n) == message.msgstr[0], msgid
    in_mo = {key if isinstance(key, str) else key[0] for key in compiled._catalog if key}  # "" is the header
    assert in_mo == set(PO_MESSAGES)


def test_the_compiled_catalogue_is_tracked_so_that_it_ships():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    rel = MO.relative_to(ROOT).as_posix()
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", rel], cwd=ROOT, capture_output=True, text=True)
    assert tracked.returncode == 0, f"{rel} is not in git: the wheel would ship without Chinese"
    assert Path(i18n.catalog_path()) == MO


def test_extraction_refuses_a_message_that_is_not_a_literal(tmp_path, monkeypatch):
    import scripts.i18n_catalog as catalog

    bad = tmp_path / "bad.py"
    bad.write_text('from migrator.i18n import _\nname = "x"\nprint(_(f"hello {name}"))\n')
    monkeypatch.setattr(catalog, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match=r"bad.py:3: _\(\) needs a literal string"):
        catalog.extract([bad])


# ---------------------------------------------------------------- choosing the language


@pytest.mark.parametrize(
    "env,expected",
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL overrides LANG, as for every program
        ({"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "zh"),
        ({"LANGUAGE": "fr:zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),  # a preference list
        ({"LANGUAGE": "", "LANG": "zh_CN.UTF-8"}, "zh"),
        ({"MIGRATOR_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
        ({"MIGRATOR_LANG": "zh", "LANG": "C"}, "zh"),
        ({"MIGRATOR_LANG": "klingon", "LANG": "zh_CN.UTF-8"}, "zh"),  # not a language: the locale decides
    ],
)
def test_language_from_the_environment(env, expected):
    assert i18n.from_environment(env) == expected


def test_set_language_wins_over_the_environment_and_can_be_undone(monkeypatch):
    monkeypatch.setenv("MIGRATOR_LANG", "en")
    try:
        i18n.set_language("zh")
        assert i18n._("No new findings") == "没有新问题"
        assert i18n.ngettext("{n} file", "{n} files", 3).format(n=3) == "3 个文件"
        with i18n.use_language("en"):
            assert i18n._("No new findings") == "No new findings"
        assert i18n._("No new findings") == "没有新问题"
    finally:
        i18n.set_language(None)
    assert i18n._("No new findings") == "No new findings"
    assert i18n.ngettext("{n} file", "{n} files", 1) == "{n} file"
    with pytest.raises(ValueError):
        i18n.set_language("fr")


@pytest.mark.parametrize("content", [None, b"not a catalogue"])
def test_a_missing_or_damaged_catalogue_means_english_not_a_crash(tmp_path, monkeypatch, content):
    if content is not None:
        mo = tmp_path / "zh_CN" / "LC_MESSAGES" / "migrator.mo"
        mo.parent.mkdir(parents=True)
        mo.write_bytes(content)
    monkeypatch.setattr(i18n, "LOCALE_DIR", str(tmp_path))
    monkeypatch.setattr(i18n, "_CATALOG", [])
    monkeypatch.setattr(i18n, "_CHOSEN", ["zh"])
    assert i18n._("No new findings") == "No new findings"
    assert i18n.ngettext("{n} file", "{n} files", 2) == "{n} files"


def test_the_app_called_in_process_forgets_a_previous_lang(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from migrator import cli

    monkeypatch.delenv("MIGRATOR_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")
    cli._register(["check"])
    runner = CliRunner()
    first = runner.invoke(cli.app, ["--lang", "zh", "check", "--root", str(tmp_path)])
    assert "没有新问题" in first.output, first.output
    again = runner.invoke(cli.app, ["check", "--root", str(tmp_path)])
    assert "No new findings" in again.output, again.output


@pytest.mark.parametrize(
    "args,expected",
    [
        (["--lang", "zh", "scan"], "zh"),
        (["--lang=en", "check"], "en"),
        (["scan", "--lang", "zh"], None),  # after the command it is not the global option
        (["--lang"], None),
        (["rules", "list"], None),
    ],
)
def test_lang_is_read_before_the_command(args, expected):
    assert i18n.lang_from_args(args) == expected


# ---------------------------------------------------------------- the real command


def _env(**values: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS and k != "MIGRATOR_DEBUG"}
    env.update({"PYTHONPATH": str(ROOT), "COLUMNS": "200", **values})
    return env


def _cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
        encoding="utf-8",
    )


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "dev@example.com")
    _git(repo, "config", "user.name", "dev")
    (repo / "app.py").write_text(
        "from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(q):\n"
        '    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])\n'
        "    return r.choices[0].message.content\n"
    )
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "init")
    return repo


ZH = {"LANG": "zh_CN.UTF-8"}


def test_scan_prints_chinese_headings_under_a_chinese_locale(repo):
    proc = _cli(repo, "scan", ".", **ZH)
    assert proc.returncode == 0, proc.stderr
    for heading in ("按操作统计调用", "按文件列出的发现", "各供应商迁移就绪情况", "需人工处理", "最佳选择："):
        assert heading in proc.stdout, proc.stdout
    assert "扫描 1 个文件" in proc.stdout
    assert "Provider readiness" not in proc.stdout


def test_lang_en_overrides_a_chinese_locale_and_lang_zh_a_c_locale(repo):
    english = _cli(repo, "--lang", "en", "scan", ".", **ZH)
    assert english.returncode == 0, english.stderr
    assert "Provider readiness" in english.stdout and "各供应商" not in english.stdout
    chinese = _cli(repo, "--lang", "zh", "scan", ".", LANG="C.UTF-8")
    assert "各供应商迁移就绪情况" in chinese.stdout
    assert "各供应商迁移就绪情况" in _cli(repo, "scan", ".", MIGRATOR_LANG="zh", LANG="en_US.UTF-8").stdout
    assert "Provider readiness" in _cli(repo, "scan", ".", MIGRATOR_LANG="en", **ZH).stdout


def test_apply_dry_run_and_check_speak_chinese(repo):
    folded = _cli(repo, "apply", ".", "--provider", "deepseek", "--dry-run", **ZH)
    assert "1 条提示信息（加 -v 列出）" in folded.stdout, folded.stdout
    dry = _cli(repo, "apply", ".", "--provider", "deepseek", "--dry-run", "-v", **ZH)
    assert dry.returncode == 1, dry.stderr
    assert "已应用的规则" in dry.stdout
    assert "诊断信息（0 处需人工处理）" in dry.stdout and "提示 deepseek/model: 模型 'gpt-4o' -> 'deepseek-chat'" in dry.stdout
    assert "（试运行：未写入任何文件）" in dry.stderr and "个文件有改动" in dry.stderr
    check = _cli(repo, "check", **ZH)
    assert check.returncode == 1, check.stderr
    assert "已检查 1 个文件" in check.stdout and "1 个新问题" in check.stdout


def test_apply_commits_with_an_english_commit_message_and_says_so_in_chinese(repo):
    proc = _cli(repo, "apply", ".", "--provider", "deepseek", "--pr-body", "pr.md", **ZH)
    assert proc.returncode == 0, proc.stderr
    assert "已提交到分支" in proc.stderr and "查看改动：" in proc.stderr and "切换分支：" in proc.stderr
    message = _git(repo, "log", "-1", "--format=%B", "migrator/deepseek-compat")
    assert message.startswith("migrator: migrate OpenAI usage to DeepSeek"), message
    assert not re.search("[\u4e00-\u9fff]", message), message  # written into the repository: English
    body = (repo / "pr.md").read_text(encoding="utf-8")
    assert "## 将 OpenAI 调用迁移到 DeepSeek" in body and "### 各规则的改动" in body


def test_markdown_report_and_rules_commands_follow_the_language(repo):
    markdown = _cli(repo, "scan", ".", "--format", "markdown", **ZH)
    assert markdown.stdout.startswith("# OpenAI 使用情况报告（migrator scan）\n"), markdown.stdout
    shown = _cli(repo, "rules", "show", "deepseek/client-endpoint", **ZH)
    assert shown.returncode == 0 and "deepseek/client-endpoint（DeepSeek；方案：compat, native；" in shown.stdout
    assert "把 OpenAI 客户端指向 DeepSeek 的端点，并读取 DEEPSEEK_API_KEY" in shown.stdout  # the pack's message, translated
    missing = _cli(repo, "rules", "show", "deepseek/nope", **ZH)
    assert missing.returncode == 2 and missing.stderr.startswith("错误：没有 id 为 'deepseek/nope' 的规则")


def test_json_is_the_same_in_either_language(repo):
    zh = _cli(repo, "scan", ".", "--format", "json", **ZH)
    en = _cli(repo, "scan", ".", "--format", "json", LANG="C.UTF-8")
    assert json.loads(zh.stdout) == json.loads(en.stdout)
    zh = _cli(repo, "check", "--format", "json", **ZH)
    en = _cli(repo, "check", "--format", "json", LANG="C.UTF-8")
    assert json.loads(zh.stdout) == json.loads(en.stdout)


def test_errors_and_help_are_in_chinese_without_a_traceback(repo):
    proc = _cli(repo, "apply", ".", **ZH)
    assert proc.returncode == 2
    assert proc.stderr.startswith("错误：迁移到哪个供应商？"), proc.stderr
    assert "Traceback" not in proc.stderr
    helped = _cli(repo, "--lang", "zh", "apply", "--help", LANG="C.UTF-8")
    assert helped.returncode == 0 and "按供应商改写 OpenAI 调用" in helped.stdout and "只显示报告" in helped.stdout
    bad = _cli(repo, "--lang", "fr", "scan", **ZH)
    assert bad.returncode == 2 and "--lang" in bad.stderr and "Traceback" not in bad.stderr


def test_piped_no_color_and_an_ascii_terminal_stay_readable(repo):
    proc = _cli(repo, "check", NO_COLOR="1", **ZH)
    assert "\x1b[" not in proc.stdout and "1 个新问题" in proc.stdout
    # a terminal that cannot show Chinese gets escapes, never a UnicodeEncodeError
    ascii_out = _cli(repo, "scan", ".", PYTHONIOENCODING="ascii", **ZH)
    assert ascii_out.returncode == 0, ascii_out.stderr
    assert "Traceback" not in ascii_out.stderr and "\\u" in ascii_out.stdout


@pytest.mark.parametrize("sig,code,said", [("SIGINT", 130, "已中断"), ("SIGTERM", 143, "已中断 (SIGTERM)")])
def test_an_interrupted_apply_says_so_in_chinese_and_leaves_the_repository(repo, tmp_path, monkeypatch, sig, code, said):
    from tests.test_interrupts import run_apply

    monkeypatch.setenv("MIGRATOR_LANG", "zh")
    before = _git(repo, "for-each-ref"), _git(repo, "status", "--porcelain", "-uall")
    proc = run_apply(repo, tmp_path, f"migrator.vcs:_write_blob:1:{sig}")  # a real signal, sent while writing
    assert proc.returncode == code, proc.stderr
    assert said in proc.stderr and "Traceback" not in proc.stderr
    assert (_git(repo, "for-each-ref"), _git(repo, "status", "--porcelain", "-uall")) == before


def test_an_internal_error_is_explained_in_chinese(repo, tmp_path, monkeypatch):
    from tests.test_interrupts import run_apply

    monkeypatch.setenv("MIGRATOR_LANG", "zh")
    proc = run_apply(repo, tmp_path, "migrator.vcs:_commit_tree:1:EIO")
    assert proc.returncode == 70, proc.stderr
    assert (
        proc.stderr.startswith("内部错误：OSError")
        and "MIGRATOR_DEBUG=1" in proc.stderr
        and "这是 migrator 的 bug" in proc.stderr
    )
