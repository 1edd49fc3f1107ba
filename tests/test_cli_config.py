"""Where the config is found: from any sub-folder of a repository, in either layout the README
shows, and recorded by apply where check reads it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from migrator.config import load_config
from tests.test_apply_cli import APP, branch_file, git, make_repo, run

ROOT = Path(__file__).resolve().parent.parent


def readme_config() -> str:
    """The configuration example the README shows."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"```toml\n(\[tool\.migrator\]\n.*?)```", text, re.S).group(1)


@pytest.mark.parametrize("name", ["pyproject.toml", ".migrator.toml"])
def test_the_readme_example_is_accepted_in_either_file(tmp_path, name):
    (tmp_path / name).write_text(readme_config(), encoding="utf-8")
    cfg = load_config(str(tmp_path))
    assert (cfg.provider, cfg.plan, cfg.check.policy, cfg.exclude) == ("dashscope", "compat", "compat", ["legacy/**"])
    assert cfg.models == {"gpt-4o": "qwen-max"} and cfg.env == {"api_key": "QWEN_KEY"}


def test_migrator_toml_keeps_its_top_level_layout_and_refuses_a_mix(tmp_path):
    (tmp_path / ".migrator.toml").write_text('provider = "deepseek"\n[check]\npolicy = "compat"\n')
    assert (load_config(str(tmp_path)).provider, load_config(str(tmp_path)).check.policy) == ("deepseek", "compat")
    (tmp_path / ".migrator.toml").write_text('provider = "deepseek"\n[tool.migrator]\nplan = "compat"\n')
    proc = run("scan", ".", cwd=tmp_path)
    assert proc.returncode == 2 and ".migrator.toml" in proc.stderr and "Traceback" not in proc.stderr


SUB_APP = APP.replace("client = OpenAI(", "client = OpenAI(  # 客户端\n    ")


@pytest.fixture
def repo(tmp_path):
    config = (
        '[tool.migrator]\nexclude = ["svc/legacy/**"]\n[tool.migrator.models]\n"gpt-4o" = "qwen-max"\n'
        '[tool.migrator.check]\npolicy = "compat"\n'
    )
    return make_repo(
        tmp_path,
        {".migrator.toml": config.encode(), "svc/app.py": APP.encode(), "svc/legacy/old.py": APP.encode(), "top.py": b"x = 1\n"},
    )


def test_check_from_a_sub_folder_uses_the_repository_config_and_baseline(repo):
    assert run("check", "--update-baseline", cwd=repo).returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    for cwd in (repo / "svc", repo / "svc" / "legacy"):
        proc = run("check", "--format", "json", cwd=cwd)
        assert proc.returncode == 0, proc.stdout + proc.stderr  # the baseline knows the findings
        summary = json.loads(proc.stdout)["summary"]
        assert summary["policy"] == "compat" and summary["baseline"].endswith(".migrator-baseline.json")
    # a file argument is relative to where check runs
    proc = run("check", "--format", "json", "app.py", cwd=repo / "svc")
    assert proc.returncode == 0 and json.loads(proc.stdout)["summary"]["files_checked"] == 1


@pytest.mark.parametrize("where", ["from the root", "from inside"])
def test_scan_and_apply_on_a_sub_folder_use_the_repository_config(repo, where):
    cwd, path = (repo, "svc") if where == "from the root" else (repo / "svc", ".")
    scan = run("scan", path, "--format", "json", cwd=cwd)
    assert scan.returncode == 0, scan.stderr
    assert {f["path"] for f in json.loads(scan.stdout)["findings"]} == {"app.py"}  # svc/legacy excluded
    before = git(repo, "rev-parse", "HEAD")
    proc = run("apply", path, "-p", "dashscope", cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    migrated = branch_file(repo, "migrator/dashscope-compat", "svc/app.py").decode()
    assert 'model="qwen-max"' in migrated  # the configured model map
    assert branch_file(repo, "migrator/dashscope-compat", "svc/legacy/old.py") == APP.encode()
    listed = git(repo, "ls-tree", "-r", "--name-only", "migrator/dashscope-compat")
    assert "svc/.migrator.toml" not in listed  # no second config hiding the repository's
    assert "../.migrator.toml" in proc.stdout and "not recorded" in proc.stdout
    assert git(repo, "rev-parse", "HEAD") == before


def test_a_config_above_the_git_root_is_not_used(tmp_path):
    (tmp_path / ".migrator.toml").write_text("bogus = 1\n")
    repo = make_repo(tmp_path, {"app.py": APP.encode()})
    proc = run("scan", ".", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert load_config(str(repo)).path is None


def test_apply_records_under_an_existing_tool_migrator_table_in_migrator_toml(tmp_path):
    own = '# ours\n[tool.migrator]\nexclude = ["legacy"]\n'
    repo = make_repo(tmp_path, {"app.py": APP.encode(), ".migrator.toml": own.encode()})
    proc = run("apply", "--provider", "deepseek", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    recorded = branch_file(repo, "migrator/deepseek-compat", ".migrator.toml").decode()
    assert recorded.startswith(own) and "\nprovider" not in recorded.split("[tool.migrator]")[0]
    git(repo, "switch", "-q", "migrator/deepseek-compat")
    cfg = load_config(str(repo))
    assert (cfg.provider, cfg.plan, cfg.check.policy, cfg.exclude) == ("deepseek", "compat", "compat", ["legacy"])
    assert run("check", cwd=repo).returncode == 0  # check agrees with what apply did
