"""Time ``migrator check --base`` on a pull-request-sized change in a large generated repository.

Run from the project root:  python benchmarks/check_fast_path.py [--files 5000] [--changed 20]

It builds a throw-away git repository under a temporary directory (never the
current one), commits N files on ``main`` (a tenth of them using openai),
branches, changes a few files (one gains a new import), and prints how long
``check --base main`` takes next to a full ``check``.  Not a test: it only
prints timings.
"""

from __future__ import annotations

import argparse
import os
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
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "migrator", "check", *args, "--format", "json"],
                          cwd=repo, capture_output=True, env=env)
    return time.perf_counter() - start, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=20)
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


if __name__ == "__main__":
    main()
