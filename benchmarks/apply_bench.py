"""`migrator apply --dry-run` beside the floor of any LibCST rewriter: a bare
`libcst.parse_module(...).code` of the same files, measured in one run on this machine.

Two measurements:

* ``--single`` (default): one generated OpenAI-heavy file of 1k/2k/5k/10k lines each
  (``--sizes``), median of ``--repeat`` runs: apply's wall time and peak RSS next to the
  floor's (parse + print of the same file in a fresh process), and the growth ratio
  time(N2)/time(N1) between consecutive sizes, also per doubling of the file, so a quadratic
  step shows up as a number (2.0 per doubling is linear, 4.0 quadratic).
  Then the same sizes in this process: CPU time of ``migrate_tree`` next to parse + print
  (moves less than wall time on a shared machine).
* ``--corpus``: the pinned corpus (``python benchmarks/corpus.py`` first) against the
  parse + print of the files apply changes, and the speed-up of ``--jobs N`` over ``--jobs 1``.

Usage::

    python benchmarks/apply_bench.py [--sizes 1000,2000,5000,10000] [--repeat 3] [--provider dashscope]
    python benchmarks/corpus.py && python benchmarks/apply_bench.py --corpus [--plan compat] [--jobs 2]

Targets (issue 19): apply --dry-run at most 1.5x the floor; time(2N)/time(N) at most 2.2;
peak RSS within 1.5x of LibCST's own.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import List, Sequence, Tuple

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"


def _parse_print(path: str) -> int:
    import libcst

    with open(path, "rb") as handle:
        module = libcst.parse_module(handle.read())
    return len(module.bytes)


def floor(paths: List[str], jobs: int) -> float:
    start = time.perf_counter()
    if jobs <= 1:
        for path in paths:
            _parse_print(path)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_parse_print, paths, chunksize=max(1, len(paths) // (jobs * 8))))
    return time.perf_counter() - start


def apply_dry_run(provider: str, plan: str, jobs: int, cache: str, use_cache: bool) -> "tuple[float, dict, int]":
    """(wall seconds, JSON report, peak RSS in KiB of its largest process)."""
    env = {**os.environ, "MIGRATOR_CACHE_DIR": cache}
    cmd = [
        sys.executable,
        "-m",
        "migrator",
        "apply",
        str(CORPUS),
        "--provider",
        provider,
        "--plan",
        plan,
        "--dry-run",
        "--format",
        "json",
        "--jobs",
        str(jobs),
    ] + ([] if use_cache else ["--no-cache"])
    with tempfile.NamedTemporaryFile(prefix="migrator-bench-report-", suffix=".json") as out:
        _code, elapsed, rss, _tail = measured(cmd, env, out.name)
        return elapsed, json.load(out), rss


# ------------------------------------------------------------------ single generated files

_HEAD = '''"""A generated OpenAI-heavy module (benchmarks/apply_bench.py)."""
import openai
from openai import AsyncOpenAI, OpenAI

client = OpenAI()
aclient = AsyncOpenAI()
'''

_BLOCK = '''

def ask_{i}(question):
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[
            {{"role": "system", "content": "You are helper {i}."}},
            {{"role": "user", "content": question}},
        ],
        temperature=0.2,
    )
    return response.choices[0].message.content


def embed_{i}(texts):
    result = client.embeddings.create(model="text-embedding-3-small", input=texts)
    return [d.embedding for d in result.data]


async def stream_{i}(question):
    stream = await aclient.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{{"role": "user", "content": question}}],
        stream=True,
    )
    async for chunk in stream:
        yield chunk.choices[0].delta.content or ""


def safe_{i}(question):
    try:
        return ask_{i}(question)
    except openai.RateLimitError:
        return None
'''


def openai_heavy(lines: int) -> str:
    """A module of about ``lines`` lines: two clients and, every 37 lines, a chat call, an
    embeddings call, an async streaming call and a caught OpenAI exception (4 sites)."""
    parts, count, i = [_HEAD], _HEAD.count("\n"), 0
    while count < lines:
        block = _BLOCK.format(i=i)
        parts.append(block)
        count += block.count("\n")
        i += 1
    return "".join(parts)


_FLOOR = (
    "import sys, time, libcst\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "start = time.perf_counter()\n"
    "libcst.parse_module(data).code\n"
    "print(time.perf_counter() - start)\n"
)

_MEASURED = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
    "wall = time.perf_counter() - start\n"
    "sys.stderr.buffer.write(done.stderr[-2000:])\n"
    "if sys.argv[1] != '-':\n"
    "    open(sys.argv[1], 'wb').write(done.stdout)\n"
    "print(done.returncode, wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, repr(done.stdout[-200:]))\n"
)


def measured(cmd: Sequence[str], env: dict, stdout: str = "-") -> Tuple[int, float, int, str]:
    """(exit code, wall seconds, peak RSS in KiB of the largest process, end of stdout) of ``cmd``,
    run under a small parent so the RSS is that of the command's own processes; its whole
    stdout goes to the file ``stdout`` unless that is "-"."""
    done = subprocess.run([sys.executable, "-c", _MEASURED, stdout, *cmd], capture_output=True, text=True, env=env)
    code, wall, rss, out = done.stdout.split(" ", 3)
    if int(code) not in (0, 1, 3):
        sys.exit(f"{' '.join(cmd)} failed ({code}):\n{done.stderr}")
    return int(code), float(wall), int(rss), out.strip()


def single(sizes: List[int], repeat: int, provider: str, plan: str) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    rows = []
    with tempfile.TemporaryDirectory(prefix="migrator-apply-bench-") as tmp:
        for size in sizes:
            root = Path(tmp) / f"lines{size}"
            root.mkdir()
            target = root / "app.py"
            target.write_text(openai_heavy(size), encoding="utf-8")
            lines = target.read_text(encoding="utf-8").count("\n")
            apply_cmd = [
                sys.executable,
                "-m",
                "migrator",
                "apply",
                str(root),
                "--provider",
                provider,
                "--plan",
                plan,
                "--dry-run",
                "--no-cache",
                "--format",
                "json",
            ]
            floor_cmd = [sys.executable, "-c", _FLOOR, str(target)]
            report_path = str(root.parent / f"report{size}.json")
            runs = [
                measured(apply_cmd, {**env, "MIGRATOR_CACHE_DIR": str(Path(tmp) / "cache")}, report_path if k == 0 else "-")
                for k in range(repeat)
            ]
            floors = [measured(floor_cmd, env) for _ in range(repeat)]
            report = json.loads(Path(report_path).read_text(encoding="utf-8"))
            rows.append(
                {
                    "lines": lines,
                    "apply": statistics.median(r[1] for r in runs),
                    "apply_rss": max(r[2] for r in runs),
                    "floor_wall": statistics.median(r[1] for r in floors),
                    "floor_work": statistics.median(float(r[3].strip("'b\\n")) for r in floors),
                    "floor_rss": max(r[2] for r in floors),
                    "sites": report["summary"]["sites_rewritten"],
                    "failed": report["summary"]["files_failed"],
                }
            )
            row = rows[-1]
            print(
                f"{row['lines']:>6} lines: apply {row['apply']:6.2f} s, {row['apply_rss'] / 1024:5.0f} MiB | floor "
                f"{row['floor_work']:5.2f} s parse+print ({row['floor_wall']:5.2f} s with start-up), "
                f"{row['floor_rss'] / 1024:5.0f} MiB | apply/floor {row['apply'] / row['floor_wall']:4.2f}x "
                f"(vs parse+print alone {row['apply'] / row['floor_work']:4.2f}x), RSS {row['apply_rss'] / row['floor_rss']:4.2f}x"
                f" | {row['sites']} sites rewritten, {row['failed']} failed",
                flush=True,
            )
    _growth(rows, "apply", "floor_work")


def _growth(rows: List[dict], measured_key: str, floor_key: str) -> None:
    print("growth (target time(2N)/time(N) <= 2.2; per doubling: 2.0 linear, 4.0 quadratic):")
    for small, big in zip(rows, rows[1:]):
        factor = big["lines"] / small["lines"]
        doublings = math.log2(factor)
        grow, grow_floor = big[measured_key] / small[measured_key], big[floor_key] / small[floor_key]
        print(
            f"  {small['lines']:>6} -> {big['lines']:>6} lines (x{factor:.2f}): apply x{grow:.2f} "
            f"(x{grow ** (1 / doublings):.2f} per doubling), floor x{grow_floor:.2f} "
            f"(x{grow_floor ** (1 / doublings):.2f} per doubling)"
        )


def in_process(sizes: List[int], repeat: int, provider: str, plan: str) -> None:
    """CPU seconds of ``migrate_tree`` (what apply computes: scan, rewrite, checks; no start-up, no
    report) next to ``libcst.parse_module(src).code`` in this process, best of ``repeat``: CPU
    time moves less than wall time when other jobs share the machine."""
    import libcst

    from migrator.apply import migrate_tree
    from migrator.config import line_length
    from migrator.ruleset import load_all, select
    from migrator.scan import ScanOptions

    rows = []
    print(f"in-process CPU time, best of {repeat} (migrate_tree --jobs 1, no cache; floor parse+print):")
    with tempfile.TemporaryDirectory(prefix="migrator-apply-bench-") as tmp:
        for size in sizes:
            root = Path(tmp) / f"lines{size}"
            root.mkdir()
            source = openai_heavy(size)
            (root / "app.py").write_text(source, encoding="utf-8")
            # the line length the CLI gives the rule set: long generated calls are wrapped, as in apply
            ruleset = select(load_all([]), provider, plan, line_length=line_length(str(root)))
            work, floor_work = [], []
            for _ in range(repeat):
                start = time.process_time()
                migrate_tree(str(root), ruleset, ScanOptions(jobs=1, use_cache=False))
                work.append(time.process_time() - start)
                start = time.process_time()
                _ = libcst.parse_module(source).code  # the floor: parse and print the module
                floor_work.append(time.process_time() - start)
            rows.append({"lines": source.count("\n"), "apply": min(work), "floor": min(floor_work)})
            row = rows[-1]
            print(
                f"{row['lines']:>6} lines: migrate_tree {row['apply']:6.2f} s | floor {row['floor']:5.2f} s | "
                f"{row['apply'] / row['floor']:4.2f}x",
                flush=True,
            )
    _growth(rows, "apply", "floor")


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


# ------------------------------------------------------------------ the pinned corpus


def corpus(args: argparse.Namespace) -> None:
    if not CORPUS.is_dir():
        sys.exit("no corpus: run `python benchmarks/corpus.py` first")
    cache = tempfile.mkdtemp(prefix="migrator-bench-cache-")
    elapsed, report, rss = apply_dry_run(args.provider, args.plan, args.jobs, cache, use_cache=False)
    subprocess.run(
        [sys.executable, "-m", "migrator", "scan", str(CORPUS), "--format", "json"],
        capture_output=True,
        env={**os.environ, "MIGRATOR_CACHE_DIR": cache},
    )  # prime the cache
    warm, _, _ = apply_dry_run(args.provider, args.plan, args.jobs, cache, use_cache=True)
    serial = apply_dry_run(args.provider, args.plan, 1, cache, use_cache=False)[0] if args.jobs > 1 else elapsed
    changed = [str(CORPUS / f["path"]) for f in report["files"] if f["path"].endswith(".py")]
    base_serial = floor(changed, 1)
    base_parallel = floor(changed, args.jobs)
    print(f"corpus: {CORPUS}")
    print(
        f"apply --dry-run --provider {args.provider} --plan {args.plan} --jobs {args.jobs}: "
        f"{elapsed:.2f} s wall (whole tree: discovery, prefilter, analysis, rewrite, checks)"
    )
    print(
        f"  files changed: {report['summary']['files_changed']}, sites rewritten: "
        f"{report['summary']['sites_rewritten']}, left for review: {report['summary']['left_for_review']}, "
        f"files failed: {report['summary']['files_failed']}"
    )
    print(
        f"floor: libcst parse+print of those {len(changed)} files: {base_serial:.2f} s serial, "
        f"{base_parallel:.2f} s on {args.jobs} processes"
    )
    print(f"apply --dry-run after a scan (analysis cache warm): {warm:.2f} s wall")
    if args.jobs > 1:
        print(f"apply --dry-run --jobs 1 (cold): {serial:.2f} s wall: speed-up 1 -> {args.jobs} jobs x{serial / elapsed:.2f}")
    if changed:
        largest = max(changed, key=os.path.getsize)
        floor_rss = measured([sys.executable, "-c", _FLOOR, largest], dict(os.environ))[2]
        print(
            f"peak RSS: apply {rss / 1024:.0f} MiB (its largest process), floor {floor_rss / 1024:.0f} MiB "
            f"(parse+print of the largest changed file, {os.path.relpath(largest, CORPUS)}): {rss / floor_rss:.2f}x"
        )
    if base_parallel:
        print(
            f"ratio apply / floor({args.jobs} processes): cold {elapsed / base_parallel:.2f}x, "
            f"warm {warm / base_parallel:.2f}x (target <= 1.5x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="store_true", help="measure the pinned corpus instead of generated files")
    parser.add_argument("--sizes", default="1000,2000,5000,10000", help="lines of the generated files")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (the median is shown)")
    parser.add_argument("--provider", default="dashscope")
    parser.add_argument("--plan", default="compat")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(machine())
    if args.corpus:
        corpus(args)
    else:
        sizes = [int(n) for n in args.sizes.split(",")]
        single(sizes, args.repeat, args.provider, args.plan)
        in_process(sizes, args.repeat, args.provider, args.plan)


if __name__ == "__main__":
    main()
