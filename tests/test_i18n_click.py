"""Issue 17, part 3: Click's own words (Usage:, Options:, Arguments:, Commands:, Error: ..., Try
'... -h' for help., its usage errors and the help option's text) follow the language, through
migrator's catalogue; in English they are exactly Click's."""

from __future__ import annotations

import pytest

from tests.test_i18n import _cli, repo  # noqa: F401 - the fixture

ZH = {"LANG": "zh_CN.UTF-8"}
EN = {"LANG": "C.UTF-8"}


@pytest.mark.parametrize(
    "args,chinese,english",
    [
        (
            ["scan", "--nope"],
            "错误：没有这个选项：--nope（可用的选项：--no-cache）",
            "Error: No such option: --nope (Possible options: --no-cache)",
        ),
        (
            ["check", "--format", "xml"],
            "错误：'--format' / '-f' 的值无效：'xml' 不是 'text', 'json', 'github', 'sarif' 之一。",
            "Error: Invalid value for '--format' / '-f': 'xml' is not one of 'text', 'json', 'github', 'sarif'.",
        ),
        (
            ["check", "--max-file-size", "abc"],
            "错误：'--max-file-size' 的值无效：'abc' 不是有效的 int。",
            "Error: Invalid value for '--max-file-size': 'abc' is not a valid int.",
        ),
        (["rules", "show"], "错误：缺少参数 'rule_id'。", "Error: Missing argument 'rule_id'."),
        (["frob"], "错误：没有这个命令 'frob'。", "Error: No such command 'frob'."),
        (["scan", "a", "b", "c"], "错误：多余的参数（b c）", "Error: Got unexpected extra argument(s) (b c)"),
        (["apply", "--provider"], "错误：选项 '--provider' 需要一个参数。", "Error: Option '--provider' requires an argument."),
    ],
)
def test_click_usage_errors_follow_the_language(repo, args, chinese, english):
    zh = _cli(repo, *args, **ZH)
    assert zh.returncode == 2, zh.stderr
    assert chinese in zh.stderr, zh.stderr
    assert "Error:" not in zh.stderr and "Traceback" not in zh.stderr
    en = _cli(repo, *args, **EN)
    assert en.returncode == 2 and english in en.stderr, en.stderr
    assert en.stderr.rstrip("\n").endswith(english)


def test_the_usage_line_and_the_help_hint_follow_the_language(repo):
    zh = _cli(repo, "scan", "--nope", **ZH)
    assert zh.stderr.startswith("用法：migrator scan [OPTIONS] [path]\n运行 'migrator scan -h' 查看帮助。\n"), zh.stderr
    en = _cli(repo, "scan", "--nope", **EN)
    assert en.stderr.startswith("Usage: migrator scan [OPTIONS] [path]\nTry 'migrator scan -h' for help.\n"), en.stderr
    lang = _cli(repo, "--lang", "fr", "scan", **ZH)  # the --lang value itself is refused in the locale's language
    assert "错误：'--lang' 的值无效：'fr' 不是 'zh', 'en' 之一。" in lang.stderr, lang.stderr


def test_help_pages_have_chinese_headings_and_click_texts(repo):
    root = _cli(repo, "--lang", "zh", "-h", **EN)
    assert root.returncode == 0, root.stderr
    for word in (
        "用法：migrator [OPTIONS] COMMAND [ARGS]...",
        "\n选项：\n",
        "\n命令：\n",
        "显示此帮助信息并退出。",
        "为当前 shell 安装命令补全。",
    ):
        assert word in root.stdout, (word, root.stdout)
    assert "Options:" not in root.stdout and "Show this message and exit." not in root.stdout
    show = _cli(repo, "rules", "show", "-h", **ZH)
    assert "\n参数：\n" in show.stdout and "[必填]" in show.stdout, show.stdout
    check = _cli(repo, "check", "-h", **ZH)
    assert "[默认：text]" in check.stdout, check.stdout
    english = _cli(repo, "check", "-h", **EN).stdout
    for word in (
        "Usage: migrator check [OPTIONS] [paths]...",
        "\nArguments:\n",
        "\nOptions:\n",
        "[default: text]",
        "Show this message and exit.",
    ):
        assert word in english, (word, english)


def test_the_app_called_in_process_switches_click_words_back(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from migrator import cli

    monkeypatch.delenv("MIGRATOR_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    cli._register(["check"])
    runner = CliRunner()
    zh = runner.invoke(cli.app, ["--lang", "zh", "check", "-h"])
    assert "选项：" in zh.output, zh.output
    en = runner.invoke(cli.app, ["check", "-h"])
    assert "Options:" in en.output and "选项" not in en.output, en.output
