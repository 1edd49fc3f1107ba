"""Time ``migrator scan`` against grep and ast-grep on the pinned real-world corpus.

    python benchmarks/scan_bench.py [--repeat N] [--jobs J] [--sg PATH] [--dense]

Fetches the corpus first (``benchmarks/corpus.py``), then measures, in one run
and on the same files:

* ``grep -rl openai``                          the floor: a byte search, no parsing
* ``ast-grep scan`` with an equivalent rule set (imports, clients, v1 and v0
  calls, config, exceptions, wrappers; written to a temp dir)
* ``migrator scan --format json --no-cache``   cold, no cache at all
* ``migrator scan --format json`` cold         with a fresh, empty cache dir
* ``migrator scan --format json`` warm         the same cache dir, second run

``--dense`` measures the OpenAI-dense corpus (``corpus.DENSE_PINS``) instead.
Each figure is the best of ``--repeat`` runs (default 3) of wall time.  Targets
(on 2 cores): cold scan <= 1/4 of ast-grep's time; warm rescan <= 5x grep.
ast-grep comes from PyPI (``pip install ast-grep-cli``); ``--sg`` points at
the binary, otherwise ``ast-grep`` on PATH or in ``benchmarks/.work/venv``.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

# One rule per OpenAI touchpoint the analyzer reports, in ast-grep's YAML.
SG_RULES: Dict[str, str] = {
    "import-openai": """
id: import-openai
language: python
severity: info
message: imports openai
rule:
  any:
    - pattern: import openai
    - pattern: import openai as $A
    - pattern: import openai.$M
    - kind: import_from_statement
      has:
        field: module_name
        regex: ^openai(\\.|$)
""",
    "client": """
id: client
language: python
severity: info
message: OpenAI client
rule:
  pattern: $C($$$)
constraints:
    C:
      regex: ^(openai\\.)?(Async)?(Azure)?OpenAI$
""",
    "v1-call": """
id: v1-call
language: python
severity: info
message: OpenAI v1 call
rule:
  any:
    - pattern: $R.chat.completions.create($$$)
    - pattern: $R.chat.completions.parse($$$)
    - pattern: $R.chat.completions.stream($$$)
    - pattern: $R.beta.chat.completions.parse($$$)
    - pattern: $R.completions.create($$$)
    - pattern: $R.embeddings.create($$$)
    - pattern: $R.images.generate($$$)
    - pattern: $R.images.edit($$$)
    - pattern: $R.images.create_variation($$$)
    - pattern: $R.audio.transcriptions.create($$$)
    - pattern: $R.audio.translations.create($$$)
    - pattern: $R.audio.speech.create($$$)
    - pattern: $R.moderations.create($$$)
    - pattern: $R.responses.create($$$)
    - pattern: $R.files.$M($$$)
    - pattern: $R.fine_tuning.jobs.$M($$$)
    - pattern: $R.batches.$M($$$)
    - pattern: $R.beta.assistants.$M($$$)
    - pattern: $R.beta.threads.$M($$$)
""",
    "v0-call": """
id: v0-call
language: python
severity: info
message: legacy v0 call
rule:
  pattern: openai.$RES.$M($$$)
constraints:
    RES:
      regex: ^(ChatCompletion|Completion|Embedding|Image|Audio|Moderation|File|FineTune|FineTuningJob|Model|Edit|Engine)$
""",
    "config": """
id: config
language: python
severity: info
message: sets openai config
rule:
  pattern: openai.$ATTR = $V
constraints:
    ATTR:
      regex: ^(api_key|api_base|base_url|api_type|api_version|organization|proxy|project)$
""",
    "exception": """
id: exception
language: python
severity: info
message: OpenAI exception
rule:
  any:
    - pattern: openai.error.$E
    - pattern: openai.$E
constraints:
    E:
      regex: Error$
""",
    "wrapper": """
id: wrapper
language: python
severity: info
message: OpenAI wrapper
rule:
  any:
    - pattern: $W($$$)
constraints:
    W:
      regex: ^(ChatOpenAI|AzureChatOpenAI|OpenAIEmbeddings|AzureOpenAIEmbeddings|OpenAIEmbedding)$
""",
    "env": """
id: env
language: python
severity: info
message: OpenAI env var
rule:
  kind: string
  regex: ^["'](AZURE_)?OPENAI_
""",
}


def find_sg(explicit: Optional[str]) -> Optional[str]:
    for cand in (explicit, str(HERE / ".work" / "venv" / "bin" / "ast-grep"), shutil.which("ast-grep"), shutil.which("sg")):
        if cand and os.path.exists(cand):
            return cand
    return None


def write_sg_project(where: Path) -> Path:
    rules = where / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    for name, text in SG_RULES.items():
        (rules / f"{name}.yml").write_text(text.lstrip(), encoding="utf-8")
    config = where / "sgconfig.yml"
    config.write_text("ruleDirs:\n  - rules\n", encoding="utf-8")
    return config


CPU: Dict[str, float] = {}


def timed(cmd: List[str], env: Optional[dict] = None, cwd: Optional[str] = None) -> Tuple[float, subprocess.CompletedProcess]:
    """Wall time of one run; its CPU time (user+sys of the whole process tree) lands in CPU[cmd]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    key = " ".join(cmd)
    CPU[key] = min(CPU.get(key, cpu), cpu)
    return wall, proc


def best(runs: int, fn) -> Tuple[float, object]:
    times, last = [], None
    for _ in range(runs):
        seconds, last = fn()
        times.append(seconds)
    LAST_CPU.append(_last_cpu())  # best CPU time of these runs, in the order of `results`
    return min(times), last


LAST_CPU: List[float] = []


def _last_cpu() -> float:
    return min(CPU.pop(k) for k in list(CPU))


def main() -> None:
    parser = argparse.ArgumentParser(description="migrator scan vs grep vs ast-grep")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0, help="migrator --jobs (0 = one per core)")
    parser.add_argument("--sg", help="path to the ast-grep binary")
    parser.add_argument("--python", default=sys.executable, help="interpreter that has migrator installed")
    parser.add_argument("--dense", action="store_true", help="the OpenAI-dense corpus (corpus.DENSE_PINS)")
    args = parser.parse_args()

    pins, root = corpus.chosen(args.dense)
    corpus.fetch(pins, corpus=root)
    py_files = corpus.count_python(root)
    cores = os.cpu_count()
    print(
        f"corpus: {root} ({py_files} Python files, {len(pins)} packages); {cores} cores; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    results: Dict[str, float] = {}
    grep_t, grep_p = best(args.repeat, lambda: timed(["grep", "-rl", "openai", str(root)]))
    results["grep -rl openai"] = grep_t
    grep_files = len(grep_p.stdout.splitlines())

    sg = find_sg(args.sg)
    sg_matches = None
    with tempfile.TemporaryDirectory(prefix="migrator-bench-") as tmp:
        tmpdir = Path(tmp)
        if sg:
            config = write_sg_project(tmpdir / "sg")
            sg_cmd = [
                sg,
                "scan",
                "--config",
                str(config),
                "--json=stream",
                "--no-ignore",
                "vcs",
                "--no-ignore",
                "hidden",
                str(root),
            ]
            sg_t, sg_p = best(args.repeat, lambda: timed(sg_cmd))
            results[f"ast-grep scan ({len(SG_RULES)} rules)"] = sg_t
            sg_matches = len(sg_p.stdout.splitlines())
        base = [args.python, "-m", "migrator", "scan", str(root), "--format", "json"]
        if args.jobs:
            base += ["--jobs", str(args.jobs)]
        env = dict(os.environ)
        env.pop("MIGRATOR_CACHE_DIR", None)
        nc_t, nc_p = best(args.repeat, lambda: timed(base + ["--no-cache"], env=env))
        results["migrator scan --no-cache"] = nc_t

        def cold():
            cache = Path(tempfile.mkdtemp(dir=tmpdir, prefix="cache-"))
            return timed(base, env=dict(env, MIGRATOR_CACHE_DIR=str(cache)))

        cold_t, _ = best(args.repeat, cold)
        results["migrator scan (cold, empty cache)"] = cold_t
        warm_cache = tmpdir / "warm-cache"
        timed(base, env=dict(env, MIGRATOR_CACHE_DIR=str(warm_cache)))  # fill
        warm_t, warm_p = best(args.repeat, lambda: timed(base, env=dict(env, MIGRATOR_CACHE_DIR=str(warm_cache))))
        results["migrator scan (warm cache)"] = warm_t

    if nc_p.returncode != 0:
        print(nc_p.stderr.decode(errors="replace"), file=sys.stderr)
        raise SystemExit("migrator scan failed")
    doc = json.loads(nc_p.stdout)
    same = json.loads(warm_p.stdout)["findings"] == doc["findings"]
    s = doc["summary"]
    print(
        f"migrator: {s['files_scanned']} files listed, {s['files_analysed']} analysed, {s['findings']} findings, "
        f"{s['calls']} calls; warm output identical to cold: {same}"
    )
    print(
        f"grep: {grep_files} files mention openai"
        + (f"; ast-grep: {sg_matches} matches" if sg_matches is not None else "; ast-grep: not found")
    )
    print()
    width = max(len(k) for k in results)
    cpu = dict(zip(results, LAST_CPU))
    print(f"{'':<{width}}  {'wall':>8}    {'cpu':>8}")
    for name, seconds in results.items():
        print(f"{name:<{width}}  {seconds:8.2f} s  {cpu.get(name, float('nan')):8.2f} s")
    print()
    if sg:
        ratio = results["migrator scan --no-cache"] / results[f"ast-grep scan ({len(SG_RULES)} rules)"]
        print(f"cold (--no-cache) / ast-grep = {ratio:.2f}  (target <= 0.25: {'met' if ratio <= 0.25 else 'MISSED'})")
    ratio = results["migrator scan (warm cache)"] / results["grep -rl openai"]
    print(f"warm / grep = {ratio:.2f}x  (target <= 5x: {'met' if ratio <= 5 else 'MISSED'})")
    if sg:
        c = cpu["migrator scan --no-cache"] / cpu[f"ast-grep scan ({len(SG_RULES)} rules)"]
        print(f"cpu: cold / ast-grep = {c:.2f}; warm / grep = {cpu['migrator scan (warm cache)'] / cpu['grep -rl openai']:.2f}x")


if __name__ == "__main__":
    main()
