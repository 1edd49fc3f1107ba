"""`migrator apply --dry-run` on the benchmark corpus beside the floor of any
LibCST rewriter: a bare `libcst.parse_module(...).code` of the same files that
apply changes, measured in one run on this machine.

Usage::

    python benchmarks/corpus.py                 # once: fetch the pinned corpus
    python benchmarks/apply_bench.py [--provider dashscope] [--plan compat] [--jobs 2]

Target (issue "migrator apply"): apply --dry-run at most 1.5x the floor on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import List

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


def apply_dry_run(provider: str, plan: str, jobs: int, cache: str, use_cache: bool) -> "tuple[float, dict]":
    env = {**os.environ, "MIGRATOR_CACHE_DIR": cache}
    cmd = [sys.executable, "-m", "migrator", "apply", str(CORPUS), "--provider", provider, "--plan", plan,
           "--dry-run", "--format", "json", "--jobs", str(jobs)] + ([] if use_cache else ["--no-cache"])
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1, 3):
        sys.exit(f"apply failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider", default="dashscope")
    parser.add_argument("--plan", default="compat")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit("no corpus: run `python benchmarks/corpus.py` first")
    cache = tempfile.mkdtemp(prefix="migrator-bench-cache-")
    elapsed, report = apply_dry_run(args.provider, args.plan, args.jobs, cache, use_cache=False)
    subprocess.run([sys.executable, "-m", "migrator", "scan", str(CORPUS), "--format", "json"],
                   capture_output=True, env={**os.environ, "MIGRATOR_CACHE_DIR": cache})  # prime the cache
    warm, _ = apply_dry_run(args.provider, args.plan, args.jobs, cache, use_cache=True)
    changed = [str(CORPUS / f["path"]) for f in report["files"] if f["path"].endswith(".py")]
    base_serial = floor(changed, 1)
    base_parallel = floor(changed, args.jobs)
    print(f"corpus: {CORPUS}")
    print(f"apply --dry-run --provider {args.provider} --plan {args.plan} --jobs {args.jobs}: "
          f"{elapsed:.2f} s wall (whole tree: discovery, prefilter, analysis, rewrite, checks)")
    print(f"  files changed: {report['summary']['files_changed']}, sites rewritten: "
          f"{report['summary']['sites_rewritten']}, left for review: {report['summary']['left_for_review']}, "
          f"files failed: {report['summary']['files_failed']}")
    print(f"floor: libcst parse+print of those {len(changed)} files: {base_serial:.2f} s serial, "
          f"{base_parallel:.2f} s on {args.jobs} processes")
    print(f"apply --dry-run after a scan (analysis cache warm): {warm:.2f} s wall")
    if base_parallel:
        print(f"ratio apply / floor({args.jobs} processes): cold {elapsed / base_parallel:.2f}x, "
              f"warm {warm / base_parallel:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
