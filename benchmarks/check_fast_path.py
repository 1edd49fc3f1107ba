"""Time ``migrator check --base`` on a pull-request-sized change in a large generated repository,
and the pre-commit case: ``migrator check FILE`` of one clean 200-line file.

Run from the project root:  python benchmarks/check_fast_path.py [--files 5000] [--changed 20]

It builds a throw-away git repository under a temporary directory (never the
current one), commits N files on ``main`` (a tenth of them using openai),
branches, changes a few files (one gains a new import), and prints how long
``check --base main`` takes next to a full ``check``.  Then ``check FILE`` of one
file of that repository, of the same file once ``.git`` is moved away (the tree is
not a repository: nothing should be walked but the file), and in a folder holding
only that file, next to ``migrator --version`` and a bare ``python -c pass``
(best and median of ``--repeat`` runs, wall and CPU of the process tree: under load
the CPU time is the comparable one; target: <= 0.15 s wall on a quiet machine).  Not a test: it only
prints timings.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def generate(repo: Path, files: int) -> None:
    for i in range(files):
        pkg = repo / f"pkg{i // 200}"
        pkg.mkdir(exist_ok=True)
        head = "from openai import OpenAI\n\nclient = OpenAI()\n\n" if i % 10 == 0 else "import json\n\n"
        body = "".join(f"def f{i}_{k}(x):\n    return json.dumps(x) if x else {k}\n\n" for k in range(15))
        (pkg / f"mod{i}.py").write_text(head + "import json\n\n" + body, encoding="utf-8")


def timed(repo: Path, *args: str) -> "tuple[float, int]":
    return run(repo, "-m", "migrator", "check", *args, "--format", "json")


def run(cwd: Path, *args: str) -> "tuple[float, int]":
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user runs it: the bytecode cached
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, env=env)
    return time.perf_counter() - start, proc.returncode


CLEAN_200 = (
    "import json\n\n\n" + "".join(f"def dump_{i}(x):\n    return json.dumps(x)\n\n\n" for i in range(49)) + "LIMIT = 200\n"
)


def pre_commit(repo: Path, tmp: Path, repeat: int) -> None:
    """``check FILE`` of one clean 200-line file: in the repository, in the same tree outside git,
    and alone in a folder; ``--version`` and a bare interpreter for scale."""
    (repo / "pkg0" / "clean200.py").write_text(CLEAN_200, encoding="utf-8")
    alone = tmp / "alone"
    alone.mkdir()
    (alone / "clean200.py").write_text(CLEAN_200, encoding="utf-8")
    run(alone, "-m", "migrator", "check", "clean200.py")  # bytecode written once

    def report(label: str, cwd: Path, *args: str) -> None:
        runs, cpu = [], []
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            runs.append(run(cwd, *args))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        times = sorted(t for t, _ in runs)
        cpu.sort()
        print(
            f"{label:<38} wall best {times[0]:6.3f}s  median {times[len(times) // 2]:6.3f}s   "
            f"cpu best {cpu[0]:6.3f}s  median {cpu[len(cpu) // 2]:6.3f}s  (exit {runs[0][1]})"
        )

    report("check FILE (in the repository)", repo, "-m", "migrator", "check", "pkg0/clean200.py")
    os.rename(repo / ".git", tmp / "git-aside")
    try:
        report("check FILE (the same tree, not git)", repo, "-m", "migrator", "check", "pkg0/clean200.py")
    finally:
        os.rename(tmp / "git-aside", repo / ".git")
    report("check FILE (a folder of one file)", alone, "-m", "migrator", "check", "clean200.py")
    report("migrator --version", alone, "-m", "migrator", "--version")
    report("python -c pass", alone, "-c", "pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=10, help="runs of each pre-commit measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migrator-bench-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "user.name", "bench")
        git(repo, "config", "user.email", "bench@example.com")
        t0 = time.perf_counter()
        generate(repo, args.files)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        print(f"generated and committed {args.files} files in {time.perf_counter() - t0:.1f}s")
        git(repo, "switch", "-q", "-c", "pr")
        for i in range(args.changed):
            j = (i * 7 + 3) % args.files
            path = repo / f"pkg{j // 200}" / f"mod{j}.py"
            path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef added_{i}():\n    return {i}\n", encoding="utf-8")
        (repo / "pkg0" / "mod1.py").write_text("import openai\n", encoding="utf-8")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "pr")
        for label, extra in (("check --base main", ("--base", "main")), ("check (full tree)", ())):
            runs = [timed(repo, *extra) for _ in range(3)]
            best = min(t for t, _ in runs)
            print(f"{label:<20} best of 3: {best:6.2f}s  (exit {runs[0][1]})")
        print(f"load average {os.getloadavg()[0]:.1f}")
        pre_commit(repo, Path(tmp), args.repeat)


if __name__ == "__main__":
    main()
