"""Two runs on the same tree give byte-identical reports and identical branch trees."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FILES = {
    "z_last.py": 'import openai\nr = openai.ChatCompletion.create(model="gpt-4", messages=[])\nprint(r["choices"][0]["message"]["content"])\n',
    "a_first.py": 'from openai import OpenAI\nc = OpenAI()\nc.embeddings.create(model="text-embedding-3-small", input="x")\n'
    'c.chat.completions.create(model="gpt-4o", messages=[], temperature=0.2, logit_bias={1: 2})\n',
    "pkg/mid.py": 'import os\nimport openai\nkey = os.environ["OPENAI_API_KEY"]\ntry:\n    pass\nexcept openai.error.RateLimitError:\n    pass\n',
    "pkg/B.py": 'from openai import AsyncOpenAI\nasync def f():\n    c = AsyncOpenAI()\n    return await c.chat.completions.create(model="gpt-4o-mini", messages=[], stream=True)\n',
    "requirements.txt": "openai==1.30.0\nrequests\n",
    ".env.example": "OPENAI_API_KEY=\n",
}
FILES.update(
    {f"many/m{i:02d}.py": f'import openai\nopenai.Completion.create(model="gpt-3.5-turbo", prompt="{i}")\n' for i in range(30)}
)  # enough for the process pools


def make_repo(path: Path) -> Path:
    for rel, text in FILES.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True)
    subprocess.run(["git", "add", "."], cwd=path, check=True)
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z"}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], cwd=path, check=True, env=env)
    return path


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MIGRATOR_CACHE_DIR": str(cwd / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args], cwd=cwd, env=env, capture_output=True, stdin=subprocess.DEVNULL, timeout=300
    )


@pytest.fixture
def two_repos(tmp_path):
    one = make_repo(tmp_path / "one" / "repo")
    two = tmp_path / "two" / "repo"
    shutil.copytree(one, two, symlinks=True)
    return one, two


def test_scan_json_is_byte_identical_across_runs_and_jobs(two_repos):
    one, _ = two_repos
    outs = [run(one.parent, "scan", ".", "--format", "json", "--no-cache", "--jobs", jobs).stdout for jobs in ("1", "2", "0")]
    outs.append(run(one.parent, "scan", "repo", "--format", "json").stdout)  # cache filled
    outs.append(run(one.parent, "scan", "repo", "--format", "json").stdout)  # cache hit
    doc = json.loads(outs[-1])
    # the first runs scanned "." from the parent; normalise nothing else
    assert len(set(outs[3:])) == 1
    for out in outs[:3]:
        assert json.loads(out).keys() == doc.keys()
    paths = [f.get("path") for f in doc.get("findings", []) if isinstance(f, dict)]
    assert paths == sorted(paths)


def test_scan_json_same_for_two_copies(two_repos):
    one, two = two_repos
    a = run(one.parent, "scan", "repo", "--format", "json", "--no-cache").stdout
    b = run(two.parent, "scan", "repo", "--format", "json", "--no-cache").stdout
    assert a == b and a


def test_apply_json_and_branch_trees_are_identical(two_repos):
    one, two = two_repos
    dry = [
        run(r.parent, "apply", "repo", "-p", "deepseek", "--dry-run", "--format", "json", "--no-cache").stdout
        for r in (one, two, one)
    ]
    assert dry[0] == dry[1] == dry[2] and dry[0]
    doc = json.loads(dry[0])
    paths = [f["path"] for f in doc["files"]]
    assert paths[-1] == ".migrator.toml"  # the recorded config comes last, the rest sorted
    assert paths[:-1] == sorted(paths[:-1])
    keys = [(d["path"], d["line"], d["column"], d["rule"]) for d in doc["diagnostics"]]
    assert keys == sorted(keys)
    trees, reports = [], []
    for repo in (one, two):
        proc = run(repo.parent, "apply", "repo", "-p", "deepseek", "--yes", "--format", "json", "--no-cache")
        assert proc.returncode == 0, proc.stderr
        report = json.loads(proc.stdout)
        report.pop("commit")  # commit ids differ by timestamp; the trees must not
        reports.append(report)
        trees.append(
            subprocess.run(
                ["git", "rev-parse", "migrator/deepseek-compat^{tree}"], cwd=repo, capture_output=True, text=True, check=True
            ).stdout
        )
    assert trees[0] == trees[1]
    assert reports[0] == reports[1]
