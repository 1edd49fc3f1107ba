"""Issue #17, closed: what migrator says in Chinese has no English sentence left in it.

The real CLI (a subprocess, ``--lang zh``) on a real git repository built from the repository's own
fixtures: call sites a person must handle (units left whole with their reasons, run-time endpoints,
``**kwargs``, APIs a provider lacks), scan's readiness reasons (hybrid plans included), hard-coded
keys, route strings, and a file the self-check refuses (a rule pack that forgets the key).  Every
line of the output is read for a run of four or more English words outside code, quotes and paths.
Also: the Chinese edition of the equivalence table renders from the same data as the English one.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from migrator.i18n import localize, use_language
from migrator.testing import fixture_case
from tests import equivalence as eq
from tests import test_coherence as coherence

ROOT = Path(__file__).resolve().parent.parent

# the fixtures whose inputs leave something for a person, per provider and plan
FIXTURES = [
    "dashscope/native/instructor",  # a hybrid: the native plan cannot take a client instructor wraps
    "dashscope/native/langchain-paths",
    "dashscope/compat/autogen02-dynamic",  # run-time config_list entries
    "dashscope/compat/client-on-self",  # a hard-coded key
    "deepseek/compat/crewai",  # route strings
    "deepseek/compat/openai-only-apis",  # APIs DeepSeek lacks: units left whole, with reasons
    "deepseek/compat/langchain-paths",
    "deepseek/compat/completions-beta",
    "qianfan/native/embeddings",  # qianfan.Qianfan has no embeddings: a hybrid
    "ark/compat/unmapped-model",
]

# a rule pack of the user's (its own texts are shown as written: Chinese here) that points the
# client at its server but leaves the SDK reading OPENAI_API_KEY: the self-check refuses the file
SLOPPY = (
    coherence.SLOPPY.replace("openai SDK on Sloppy", "使用 Sloppy 端点的 openai SDK")
    .replace(
        "Point the client at Sloppy (but forget its key, so it sends OPENAI_API_KEY there)", "把客户端指向 Sloppy（却忘了密钥）"
    )
    .replace("Read Sloppy's key", "读取 Sloppy 的密钥")
)

# code, quoted text, paths, URLs, options and identifiers are not sentences
_NOT_PROSE = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|https?://\S+|\S*[/\\._=:()\[\]<>@#$*+-]\S*")
# four English words in a row (a sentence left untranslated; "a, b, c, d" is a list of names)
_ENGLISH = re.compile(r"\b[A-Za-z][a-z']*(?: +[a-z][a-z']*){3,}\b")


def english_runs(text: str) -> List[str]:
    """The runs of four or more English words in ``text``, outside code, quotes and paths."""
    found = []
    for line in text.splitlines():
        for match in _ENGLISH.finditer(_NOT_PROSE.sub(" ", line)):
            found.append(f"{match.group(0)!r} in: {line.strip()[:200]}")
    return found


def test_english_runs_finds_a_sentence_and_spares_code():
    assert english_runs("第 3 行：served by the compat plan (a hybrid)")
    assert not english_runs("第 3 行：`client.chat.completions.create(model=...)` 'gpt-4o to the end' 调用")
    assert not english_runs("  app.py:3:1  framework   通过 crewai.LLM 把 'gpt-4o' 路由到 OpenAI")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("zh") / "repo"
    repo.mkdir()
    for case in FIXTURES:
        source = fixture_case(ROOT / "fixtures", *case.split("/")).input
        (repo / (case.replace("/", "_").replace("-", "_") + ".py")).write_bytes(source.read_bytes())
    (repo / "refused.py").write_text("from openai import OpenAI\n\nclient = OpenAI()\n")
    (repo / "requirements.txt").write_text("openai==1.30.0\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "init")
    (repo.parent / "rules").mkdir()
    (repo.parent / "rules" / "sloppy.yaml").write_text(SLOPPY, encoding="utf-8")
    return repo


def _migrator(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "MIGRATOR_"))}
    env.update(COLUMNS="400", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "migrator", "--lang", "zh", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "."),
        ("scan", ".", "--format", "markdown"),
        ("scan", ".", "--format", "html"),
        ("apply", ".", "--provider", "deepseek", "--dry-run", "--stat"),
        ("apply", ".", "--provider", "dashscope", "--plan", "native", "--dry-run", "--stat"),
        ("apply", ".", "--provider", "qianfan", "--plan", "native", "--dry-run", "--stat"),
        ("apply", ".", "--provider", "sloppy", "--rules", "../rules", "--dry-run", "--stat"),
    ],
    ids=[
        "scan",
        "scan-markdown",
        "scan-html",
        "apply-deepseek",
        "apply-dashscope-native",
        "apply-qianfan-native",
        "apply-refused",
    ],
)
def test_the_chinese_output_has_no_english_sentence(repo: Path, args):
    proc = _migrator(repo, *args)
    assert proc.returncode in (0, 1, 3), proc.stderr  # 1: changes would be made; 3: a file refused
    assert "Traceback" not in proc.stderr
    output = proc.stdout + proc.stderr
    if "html" in args:  # the text a reader sees: no style, script or code
        output = html.unescape(re.sub(r"<[^>]+>", "\n", re.sub(r"(?s)<(style|script|pre|code)\b.*?</\1>", "", output)))
    assert re.search(r"[\u4e00-\u9fff]", output)
    if args[3:4] == ("sloppy",):
        assert "自检拒绝了这次改写" in output and "refused.py" in output  # the refusal is there, in Chinese
    assert english_runs(output) == []


def test_a_self_check_refusal_is_chinese_problem_by_problem():
    """Several problems joined by "; ": each shown in Chinese, none swallowed by a template that
    takes anything after it."""
    from migrator.engine.selfcheck import Disagreement, refusal

    message = refusal(
        [
            Disagreement(
                3,
                "key",
                "OpenAI still talks to api.openai.com but reads DASHSCOPE_API_KEY: the provider's key would be sent there",
            ),
            Disagreement(9, "keyword", "a call of an openai>=1 client passes engine=, api_base= (TypeError)"),
        ]
    )
    assert message.startswith("the self-check refused the rewrite")  # English where it is made (JSON)
    with use_language("zh"):
        shown = localize(message)
    assert shown == (
        "自检拒绝了这次改写，改写后的代码会自相矛盾：改写结果第 3 行：OpenAI 仍连接 api.openai.com，却读取 "
        "DASHSCOPE_API_KEY：供应商的密钥会被发到那里；改写结果第 9 行：openai>=1 客户端的调用传入了 "
        "engine=, api_base=（会引发 TypeError）；文件保持不变"
    )


def test_the_equivalence_table_renders_in_chinese_from_the_same_results():
    results = {
        ("a", "openai", "original"): ("pass", ""),
        ("a", "dashscope", "compat"): ("pass", ""),
        ("b", "openai", "original"): ("pass", ""),
        ("b", "dashscope", "compat"): (
            "n/a",
            "manual: dashscope/x: no dashscope model for 'gpt-4o'; migrator/y: left on OpenAI as a whole",
        ),
    }
    refused = {("moonshot", "native"): "no native SDK or usable integration"}
    english = eq.render_table(results, ["a", "b"], [("dashscope", "compat")], refused)
    chinese = eq.render_table(results, ["a", "b"], [("dashscope", "compat")], refused, "zh")
    assert "| `b` | pass | n/a [N1] |" in english and "## Notes" in english
    assert "| `b` | 通过 | 不适用 [N1] |" in chinese and "## 注释" in chinese
    assert (
        "- **N1**（不适用）：需人工处理：dashscope/x：没有与 'gpt-4o' 对应的 dashscope 模型；migrator/y：整体保留在 OpenAI 上"
        in chinese
    )
    assert "没有原生 SDK，也没有可用的集成" in chinese and "合计：3 个通过，1 个不适用。" in chinese
    assert eq.read_table(english) == results


def test_the_committed_chinese_equivalence_table_is_the_english_ones_data():
    """docs/zh-CN/equivalence.md is written with docs/equivalence.md (MIGRATOR_WRITE_EQUIVALENCE=1);
    both render again, exactly, from what the English table records."""
    english = eq.TABLE_PATH.read_text(encoding="utf-8")
    inputs = eq.table_inputs(english)
    assert eq.render_table(*inputs) == english
    assert eq.ZH_TABLE_PATH.read_text(encoding="utf-8") == eq.render_table(*inputs, "zh"), (
        "run: python -c 'from tests import equivalence as eq; ...' (see tests/test_i18n_close.py)"
    )


def test_a_rule_files_problems_are_chinese(tmp_path: Path):
    """``rules validate``: the operations' parameter checks too, not only the loader's own words."""
    bad = tmp_path / "x.yaml"
    bad.write_text(coherence.SLOPPY.replace('set_kwarg: {name: base_url, value:', 'set_kwarg: {name: 1, valu:'), encoding="utf-8")
    proc = _migrator(tmp_path, "rules", "validate", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "必须是字符串" in proc.stderr and "缺少参数 'value'" in proc.stderr, proc.stderr
    assert english_runs(proc.stdout + proc.stderr) == []


def test_the_catalogue_check_fails_when_a_rule_note_or_summary_has_no_chinese(tmp_path: Path, monkeypatch, capsys):
    """``scripts/i18n_catalog.py --check`` reads the notes and summaries of the packs as loaded: a
    rule's note, the provider's summary or a plan's summary changed (or added) without its Chinese
    fails it, naming the text."""
    import shutil

    import scripts.i18n_catalog as catalog
    from migrator.ruleset import load_file

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    monkeypatch.setattr(catalog, "RULES", rules)
    assert catalog.main(["--check"]) == 0, capsys.readouterr().out  # the copies: every text has its Chinese
    capsys.readouterr()
    pack_path = rules / "dashscope.yaml"
    text = pack_path.read_text(encoding="utf-8")
    pack = load_file(pack_path, [])
    # a note's first line, the provider's summary and a plan's, each written once in the file, get a new word
    lines = [
        next(first for first in (r.note.strip().splitlines()[0] for r in pack.rules if r.note) if text.count(first) == 1),
        pack.summary.strip(),
        next(p.summary.strip() for p in pack.plans.values() if text.count(p.summary.strip()) == 1),
    ]
    for line in lines:
        assert text.count(line) == 1, line
        text = text.replace(line, line.replace(" ", " newly ", 1))
    pack_path.write_text(text, encoding="utf-8")
    changed = load_file(pack_path, [])
    texts = [
        next(r.note for r in changed.rules if "newly" in r.note),
        changed.summary,
        next(p.summary for p in changed.plans.values() if "newly" in p.summary),
    ]
    assert catalog.main(["--check"]) == 1
    untranslated = {line for line in capsys.readouterr().out.splitlines() if line.startswith("untranslated: ")}
    assert untranslated == {f"untranslated: {catalog.SHOWN + t.strip()!r}" for t in texts}


def _migrator_lang(cwd: Path, lang: str, *args: str) -> subprocess.CompletedProcess:
    env: Dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "MIGRATOR_"))}
    env.update(COLUMNS="400", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "migrator", "--lang", lang, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def test_rules_show_gives_a_rule_note_in_the_chosen_language(tmp_path: Path):
    """``rules show``: a built-in rule's note follows ``--lang`` (the catalogue's Chinese) and is
    shown as text, not Rich markup (``crewai[litellm]`` kept); a note of the user's own pack is shown
    as written."""
    zh = _migrator_lang(tmp_path, "zh", "rules", "show", "ark/crewai")
    assert zh.returncode == 0, zh.stderr
    assert "会通过 LiteLLM 兜底发送（请安装 crewai[litellm]）" in zh.stdout, zh.stdout
    assert english_runs(zh.stdout) == []
    en = _migrator_lang(tmp_path, "en", "rules", "show", "ark/crewai")
    assert en.returncode == 0, en.stderr
    assert "sends it through its LiteLLM fallback (install crewai[litellm])" in en.stdout, en.stdout
    assert "install crewai[litellm] (pip install litellm)" in en.stdout  # an operation's text is not markup either
    own = tmp_path / "sloppy.yaml"
    own.write_text(
        coherence.SLOPPY.replace("    match: {kind: env,", "    note: Sloppy reads [its] own key.\n    match: {kind: env,", 1),
        encoding="utf-8",
    )
    mine = _migrator_lang(tmp_path, "zh", "rules", "show", "sloppy/env", "--rules", str(own))
    assert mine.returncode == 0, mine.stderr
    assert "Sloppy reads [its] own key." in mine.stdout, mine.stdout
