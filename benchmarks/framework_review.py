"""Run scan and apply (dry run) as a user would on three real PyPI applications built on LangChain
and AutoGen, and print what benchmarks/framework_review.md records.

    python benchmarks/framework_review.py [WORKDIR]

Each wheel is fetched with ``pip download --no-deps`` at the exact version below, unpacked into
WORKDIR/<name>-<version> (default: a temp dir), committed into a fresh git repository, then
``migrator apply --dry-run --format json`` runs for each provider/plan; the diffs are written to
WORKDIR/<app>.<provider>-<plan>.diff for the hand review.  Needs PyPI; nothing else leaves the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

APPS = [("gpt-researcher", "0.15.1"), ("autogenstudio", "0.4.2.2"), ("codeinterpreterapi", "0.1.20")]
CELLS = [("dashscope", "compat"), ("dashscope", "native"), ("zhipu", "native"), ("deepseek", "compat")]
FRAMEWORK = ("langchain", "autogen", "haystack", "llamaindex", "hybrid")


def _git(repo: Path, *args: str) -> None:
    env = {
        "GIT_AUTHOR_NAME": "r",
        "GIT_AUTHOR_EMAIL": "r@example.invalid",
        "GIT_COMMITTER_NAME": "r",
        "GIT_COMMITTER_EMAIL": "r@example.invalid",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def fetch(work: Path, name: str, version: str) -> Path:
    repo = work / f"{name}-{version}"
    if (repo / ".git").exists():
        return repo
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary",
            ":all:",
            f"{name}=={version}",
            "-d",
            str(work / "wheels"),
        ],
        check=True,
    )
    wheel = next((work / "wheels").glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    repo.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(repo)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "unpacked wheel")
    return repo


def run(repo: Path, provider: str, plan: str) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "migrator",
            "apply",
            str(repo),
            "--provider",
            provider,
            "--plan",
            plan,
            "--dry-run",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def summarise(app: str, provider: str, plan: str, report: dict, work: Path) -> str:
    framework = Counter({r: v["sites"] for r, v in report["rules"].items() if any(k in r for k in FRAMEWORK)})
    severities = Counter(d["severity"] for d in report["diagnostics"])
    manual = Counter(d["rule"] for d in report["diagnostics"] if d["severity"] == "manual")
    hybrids = sum(1 for d in report["diagnostics"] if d["rule"] == "migrator/hybrid")
    (work / f"{app}.{provider}-{plan}.diff").write_text("".join(f["diff"] for f in report["files"]))
    by_rule = ", ".join(f"{rule.split('/', 1)[1]} {n}" for rule, n in sorted(framework.items()))
    top = ", ".join(f"{rule} {n}" for rule, n in manual.most_common(4))
    return (
        f"| {app} | {provider} {plan} | {len(report['files'])} | {sum(framework.values())} ({by_rule}) | {hybrids} | "
        f"{severities.get('manual', 0)} ({top}) | {len(report['errors'])} |"
    )


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="framework-review-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        "| app | provider plan | files changed | framework sites rewritten (by rule) | hybrids | left for a person (top rules) | refused files |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, version in APPS:
        repo = fetch(work, name, version)
        for provider, plan in CELLS:
            print(summarise(name, provider, plan, run(repo, provider, plan), work))
    print(f"\ndiffs: {work}")


if __name__ == "__main__":
    main()
